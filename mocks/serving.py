"""Loopback servers and in-process routing shared by :mod:`mocks.ecosystem` and
:mod:`mocks.journey` (one implementation for both compositions).

* :class:`HostTransport` — in process, dispatch an ``httpx`` request to the ASGI app of its
  ``scheme://host[:port]`` with one dict lookup;
* :func:`bind_sockets` — bind every listening socket **before** building anything, so a busy port
  is a clean :class:`PortBusy` naming the port (the demo turns it into a one-line message);
* :class:`ServerSet` — one :class:`QuietServer` (uvicorn, signals left to the owner) per app on
  its socket, started together, stopped together; optionally over TLS with a given
  :class:`ssl.SSLContext` (mTLS: :mod:`mocks.pki`), the client certificate then reaching the app
  through :class:`TlsHttpProtocol`; :class:`FleetTls` is the editors' mTLS setup (PEM files,
  server and client certificates, the CN/OU the editors expect);
* :func:`rebase_shard` — an editor shard moved to another web root (the loopback port it really
  listens on), its ``Slot.comment`` booking links included.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, MutableMapping
from datetime import datetime
from typing import Any, Literal, cast

import httpx
import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from mocks.editor import EditorShard
from mocks.editor.tls import ClientName
from mocks.pki import (
    SAS_CLIENT,
    FakePki,
    PkiFiles,
    client_ssl_context,
    editor_client_name,
    loopback_server_names,
    server_ssl_context,
)
from sasref.search import SlotView

__all__ = [
    "EDITOR_CLIENT_CERT",
    "FLEET_SERVER_CERT",
    "SAS_CLIENT_CERT",
    "FleetTls",
    "HostTransport",
    "PortBusy",
    "QuietServer",
    "RebasedSlots",
    "ServerSet",
    "TlsHttpProtocol",
    "bind_sockets",
    "listening_socket",
    "rebase_shard",
    "tls_extension",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class HostTransport(httpx.AsyncBaseTransport):
    """Dispatch by ``scheme://host`` with one dict lookup (httpx ``mounts`` scan every pattern:
    linear in the fleet size, measurable at 40-200 editors)."""

    def __init__(self, routes: dict[str, httpx.AsyncBaseTransport]) -> None:
        self.routes = routes

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        port = f":{url.port}" if url.port else ""
        transport = self.routes.get(f"{url.scheme}://{url.host}{port}")
        if transport is None:
            return httpx.Response(502, json={"error": f"no mock server at {url.host}"})
        return await transport.handle_async_request(request)

    async def aclose(self) -> None:
        for transport in self.routes.values():
            await transport.aclose()


class PortBusy(OSError):
    """A port could not be bound (in use, or not allowed)."""


def listening_socket(host: str, port: int) -> socket.socket:
    """A bound, listening TCP socket (binding here makes a busy port a clean ``OSError``)."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    sock.setblocking(False)
    return sock


def bind_sockets(host: str, wanted: Mapping[str, int]) -> dict[str, socket.socket]:
    """One listening socket per name (port 0 = a free port); all or none (:class:`PortBusy`)."""
    sockets: dict[str, socket.socket] = {}
    for name, port in wanted.items():
        try:
            sockets[name] = listening_socket(host, port)
        except OSError as exc:
            for sock in sockets.values():
                sock.close()
            reason = exc.strerror or str(exc)
            raise PortBusy(f"cannot listen on {host}:{port} ({name}): {reason}") from exc
    return sockets


def bound_port(sock: socket.socket) -> int:
    return int(sock.getsockname()[1])


class QuietServer(uvicorn.Server):
    """A uvicorn server that leaves signals to its owner (the demo stops it on Ctrl-C)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


#: IANA numbers of the cipher suites OpenSSL negotiates with the fake PKI's EC keys.
_CIPHER_SUITES = {
    "TLS_AES_128_GCM_SHA256": 0x1301,
    "TLS_AES_256_GCM_SHA384": 0x1302,
    "TLS_CHACHA20_POLY1305_SHA256": 0x1303,
    "ECDHE-ECDSA-AES128-GCM-SHA256": 0xC02B,
    "ECDHE-ECDSA-AES256-GCM-SHA384": 0xC02C,
    "ECDHE-ECDSA-CHACHA20-POLY1305": 0xCCA9,
}
_TLS_VERSIONS = {"TLSv1.2": 0x0303, "TLSv1.3": 0x0304}


def tls_extension(transport: asyncio.BaseTransport) -> dict[str, Any] | None:
    """The ASGI TLS extension (``scope["extensions"]["tls"]``) of a connection, ``None`` when it
    is not TLS. ``client_cert_chain`` holds the client's certificate only: before Python 3.13,
    :mod:`ssl` does not expose the chain it verified."""
    ssl_object = transport.get_extra_info("ssl_object")
    if ssl_object is None:
        return None
    der = ssl_object.getpeercert(binary_form=True)
    name = None
    if der:
        from cryptography import x509

        name = x509.load_der_x509_certificate(der).subject.rfc4514_string()
    cipher = ssl_object.cipher()
    return {
        "server_cert": None,
        "client_cert_chain": [ssl.DER_cert_to_PEM_cert(der)] if der else [],
        "client_cert_name": name,
        "client_cert_error": None,
        "tls_version": _TLS_VERSIONS.get(ssl_object.version() or ""),
        "cipher_suite": _CIPHER_SUITES.get(cipher[0]) if cipher else None,
    }


class TlsHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, plus the ASGI TLS extension in each request's scope.

    uvicorn verifies client certificates (the server's :class:`ssl.SSLContext`) but does not
    show them to the app; the mock editors check the certificate's CN/OU
    (:mod:`mocks.editor.tls`). Computed once per connection, shared by its requests.
    """

    _tls: dict[object, object] | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._tls = cast("dict[object, object] | None", tls_extension(transport))

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._tls is not None:
            self.scope["extensions"] = {"tls": self._tls}


#: Names of the demo's certificates in :attr:`FleetTls.files` (``<name>.pem``, ``<name>.key``).
FLEET_SERVER_CERT = "serveur-editeurs"
SAS_CLIENT_CERT = "client-sas"
EDITOR_CLIENT_CERT = "client-editeur"


@dataclasses.dataclass(frozen=True)
class FleetTls:
    """The editors' mTLS setup (digest §11; :meth:`mocks.ecosystem.Ecosystem.serve`): the PEM
    files of a fake IGC-Santé PKI, the name of the fleet's server certificate, of the client
    certificate the platform's fan-out presents (``None``: none), and the CN/OU every editor
    requires of it (``None``: the CA and CRL checks alone)."""

    files: PkiFiles
    server: str = FLEET_SERVER_CERT
    client: str | None = SAS_CLIENT_CERT
    expected: ClientName | None = SAS_CLIENT

    @classmethod
    def create(
        cls,
        directory: str | os.PathLike[str],
        *,
        host: str = "127.0.0.1",
        sas_client: ClientName = SAS_CLIENT,
        pki: FakePki | None = None,
    ) -> FleetTls:
        """A new fake PKI written to ``directory``: the fleet's server certificate (SAN
        ``localhost``, ``127.0.0.1`` and ``host``), the SAS platform's client certificate
        (``sas_client``, also what the editors expect) and a sample editor client certificate
        for INT_R03 (:func:`mocks.pki.editor_client_name`)."""
        pki = pki or FakePki()
        dns, ips = loopback_server_names(host)
        pki.server(FLEET_SERVER_CERT, dns, ips)
        pki.client(SAS_CLIENT_CERT, sas_client)
        pki.client(EDITOR_CLIENT_CERT, editor_client_name("editeur"))
        return cls(pki.write(directory), expected=sas_client)

    def server_context(self) -> ssl.SSLContext:
        return server_ssl_context(self.files, self.server)

    def client_context(self) -> ssl.SSLContext:
        return client_ssl_context(self.files, self.client)


@dataclasses.dataclass
class ServerSet:
    """uvicorn servers running as tasks of the current event loop."""

    servers: list[tuple[str, QuietServer, asyncio.Task[None]]] = dataclasses.field(
        default_factory=list
    )

    def start(
        self,
        name: str,
        app: Any,
        sock: socket.socket,
        *,
        lifespan: Literal["on", "off"] = "off",
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        """Serve ``app`` on ``sock``; over TLS with ``ssl_context`` (the scope then carries the
        ASGI TLS extension: :class:`TlsHttpProtocol`)."""
        if ssl_context is None:
            config = uvicorn.Config(app, log_level="warning", lifespan=lifespan, access_log=False)
        else:
            context = ssl_context
            config = uvicorn.Config(
                app,
                log_level="warning",
                lifespan=lifespan,
                access_log=False,
                http=TlsHttpProtocol,
                ssl_context_factory=lambda _config, _default: context,
            )
        server = QuietServer(config)
        task = asyncio.create_task(server.serve(sockets=[sock]), name=f"uvicorn-{name}")
        self.servers.append((name, server, task))

    async def wait_started(self, on_started: Callable[[str], None] | None = None) -> None:
        """Return once every server listens; :class:`PortBusy` (after stopping all) if one died."""
        for name, server, task in self.servers:
            while not server.started:
                if task.done():
                    await self.stop()
                    raise PortBusy(f"the {name} server did not start")
                await asyncio.sleep(0.01)
            if on_started is not None:
                on_started(name)

    async def stop(self) -> None:
        for _, server, _ in self.servers:
            server.should_exit = True
        for _, _, task in self.servers:
            with contextlib.suppress(asyncio.CancelledError, OSError, SystemExit):
                await task
        self.servers.clear()


class RebasedSlots:
    """An editor's slot source whose ``Slot.comment`` booking links point at another web root
    (the loopback port the editor really listens on)."""

    def __init__(self, inner: Any, old_root: str, new_root: str) -> None:
        self.inner = inner
        self.old_root = old_root.rstrip("/")
        self.new_root = new_root.rstrip("/")
        self._views: dict[tuple[str, datetime], SlotView] = {}

    def _rebase(self, view: SlotView) -> SlotView:
        key = (view.id, view.start)
        found = self._views.get(key)
        if found is None:
            url = view.booking_url
            if url and url.startswith(self.old_root):
                url = self.new_root + url[len(self.old_root) :]
            found = self._views[key] = dataclasses.replace(view, booking_url=url)
        return found

    def practitioner_slots(self, practitioner_id: str) -> Iterable[SlotView]:
        return [self._rebase(v) for v in self.inner.practitioner_slots(practitioner_id)]

    def association_slots(self, siret: str) -> Iterable[SlotView]:
        return [self._rebase(v) for v in self.inner.association_slots(siret)]


def rebase_shard(shard: EditorShard, base_url: str, web_root: str | None = None) -> EditorShard:
    """``shard`` served at FHIR base ``base_url``; booking links move from the population's web
    root to ``web_root`` (default: ``base_url`` without ``/fhir``)."""
    population_root = shard.editor.base_url.rsplit("/fhir", 1)[0]
    root = web_root if web_root is not None else base_url.rsplit("/fhir", 1)[0]
    if shard.editor.base_url == base_url and population_root == root:
        return shard
    return EditorShard(
        editor=dataclasses.replace(shard.editor, base_url=base_url),
        practitioners=shard.practitioners,
        cpts=shard.cpts,
        associations=shard.associations,
        slot_source=RebasedSlots(shard.slot_source, population_root, root),
    )
