"""The mock editor's client-certificate check: CN and OU of the SAS platform (digest §11).

Every FHIR flow runs inside mTLS with IGC-Santé certificates and the server checks the client
certificate's Common Name and Organizational Unit. The TLS layer (the server's
:class:`ssl.SSLContext`) already refused unknown, foreign and revoked certificates; this ASGI
middleware answers **403 with an OperationOutcome** (code ``security``) when the certificate is
valid but names someone else — or when there is no certificate at all (a request that did not
come through mTLS).

The certificate is read from the ASGI TLS extension (``scope["extensions"]["tls"]``,
``client_cert_chain``: PEM strings, the client's certificate first), which
:class:`mocks.serving.TlsHttpProtocol` fills in. The middleware is installed only when the
editor's settings name an expected client (``EditorSettings.expected_client``): in-process use
(``httpx.ASGITransport``, no TLS) is unchanged otherwise.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Certificates parsed, kept by PEM text (a connection's requests share one); bounded.
_CACHE_LIMIT = 1024


@dataclass(frozen=True, slots=True)
class ClientName:
    """The Common Name and Organizational Unit a client certificate carries (or must carry)."""

    cn: str
    ou: str

    def __str__(self) -> str:
        return f"CN={self.cn}, OU={self.ou}"


def certificate_names(pem: str) -> tuple[str | None, tuple[str, ...]]:
    """The first CN and every OU of a PEM certificate's subject."""
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    subject = x509.load_pem_x509_certificate(pem.encode("ascii")).subject
    cns = [str(a.value) for a in subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    ous = tuple(
        str(a.value) for a in subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)
    )
    return (cns[0] if cns else None), ous


class ClientCertificateCheck:
    """ASGI middleware: requests under ``path_prefix`` need a client certificate naming
    ``expected`` (same CN, OU among the subject's OUs); others pass untouched."""

    def __init__(self, app: Asgi, *, expected: ClientName, path_prefix: str = "") -> None:
        self.app = app
        self.expected = expected
        self.path_prefix = path_prefix.rstrip("/")
        self._names: dict[str, tuple[str | None, tuple[str, ...]]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _under(str(scope.get("path", "")), self.path_prefix):
            await self.app(scope, receive, send)
            return
        refusal = self.refusal(scope)
        if refusal is None:
            await self.app(scope, receive, send)
            return
        await _forbidden(send, refusal)

    def refusal(self, scope: Scope) -> str | None:
        """Why this request is refused, ``None`` when its client certificate is the expected."""
        tls = (scope.get("extensions") or {}).get("tls")
        chain = (tls or {}).get("client_cert_chain") or ()
        if not chain:
            return "a client certificate is required (mTLS, IGC-Santé)"
        pem = str(chain[0])
        names = self._names.get(pem)
        if names is None:
            if len(self._names) >= _CACHE_LIMIT:
                self._names.clear()
            try:
                names = self._names[pem] = certificate_names(pem)
            except ValueError:
                return "the client certificate cannot be read"
        cn, ous = names
        if cn == self.expected.cn and self.expected.ou in ous:
            return None
        return (
            f"client certificate CN={cn}, OU={'+'.join(ous) or None} is not allowed "
            f"(expected {self.expected})"
        )


def _under(path: str, prefix: str) -> bool:
    return not prefix or path == prefix or path.startswith(prefix + "/")


async def _forbidden(send: Send, message: str) -> None:
    from mocks.editor.http import dumps, operation_outcome

    body = dumps(operation_outcome("security", message))
    headers = [
        (b"content-type", b"application/fhir+json; charset=utf-8"),
        (b"content-length", str(len(body)).encode("ascii")),
    ]
    await send({"type": "http.response.start", "status": 403, "headers": headers})
    await send({"type": "http.response.body", "body": body})
