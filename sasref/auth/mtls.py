"""The server side of the SAS flows' mTLS: the client certificate's CN and OU (digest §11).

Every FHIR flow runs inside mTLS (TLS 1.2+) with IGC-Santé certificates and the **server checks
the client certificate's Common Name and Organizational Unit**: the editors check the SAS
platform's (INT_R01/R04/SOS searches, INT_R02 accounts), the SAS platform checks the editors'
(INT_R03 appointments). The TLS layer (the server's :class:`ssl.SSLContext`) already refused
unknown, foreign and revoked certificates; :class:`ClientCertificateCheck`, an ASGI middleware,
answers **403 with an OperationOutcome** (code ``security``) when the certificate is valid but
names someone the policy does not allow — or when there is none at all (a request that did not
come through mTLS, e.g. on the plain http port of the same app).

The certificate is read from the ASGI TLS extension (``scope["extensions"]["tls"]``,
``client_cert_chain``: PEM strings, the client's certificate first), which the server fills in
(uvicorn does not: :class:`mocks.serving.TlsHttpProtocol` does). Policies:

* :class:`ClientName` — exactly one CN, with this OU among the subject's OUs (the editors'
  check of the SAS platform);
* :class:`RegisteredClients` — any CN a lookup knows (the platform's registered editors), with
  this OU (the platform's INT_R03 check).

**The expected CN/OU values are assumptions** (an ANS document outside the IG defines them:
``SAS_SPEC_Securisation-des-echanges-par-mTLS``); every value here is configurable.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Container, MutableMapping
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from sasref.fhir.outcome import operation_outcome

__all__ = [
    "CertificateNames",
    "ClientCertificateCheck",
    "ClientName",
    "ClientPolicy",
    "RegisteredClients",
    "certificate_names",
    "client_certificate_pem",
    "forbidden_outcome",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Asgi = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Certificates parsed, kept by PEM text (a connection's requests share one); bounded.
_CACHE_LIMIT = 1024


class CertificateNames(NamedTuple):
    """The first CN and every OU of a certificate's subject."""

    cn: str | None
    ous: tuple[str, ...]

    def __str__(self) -> str:
        return f"CN={self.cn}, OU={'+'.join(self.ous) or None}"


class ClientPolicy(Protocol):
    """Who may call: :meth:`allows` a certificate's names; :meth:`describe` for the 403."""

    def allows(self, names: CertificateNames) -> bool: ...

    def describe(self) -> str: ...


@dataclass(frozen=True, slots=True)
class ClientName:
    """The Common Name and Organizational Unit a client certificate carries (or must carry)."""

    cn: str
    ou: str

    def __str__(self) -> str:
        return f"CN={self.cn}, OU={self.ou}"

    def allows(self, names: CertificateNames) -> bool:
        return names.cn == self.cn and self.ou in names.ous

    def describe(self) -> str:
        return str(self)


@dataclass(frozen=True, slots=True)
class RegisteredClients:
    """Any CN found in ``known()`` (looked up at each new certificate: a registry that changes
    at run time is followed), with ``ou`` among the subject's OUs."""

    known: Callable[[], Container[str]]
    ou: str
    label: str = "a registered client"

    def allows(self, names: CertificateNames) -> bool:
        return names.cn is not None and self.ou in names.ous and names.cn in self.known()

    def describe(self) -> str:
        return f"CN={self.label}, OU={self.ou}"


def certificate_names(pem: str) -> CertificateNames:
    """The first CN and every OU of a PEM certificate's subject (``ValueError``: unreadable)."""
    from cryptography import x509  # imported late: only mTLS deployments need it
    from cryptography.x509.oid import NameOID

    subject = x509.load_pem_x509_certificate(pem.encode("ascii")).subject
    cns = [str(a.value) for a in subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    ous = tuple(
        str(a.value) for a in subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)
    )
    return CertificateNames(cns[0] if cns else None, ous)


def client_certificate_pem(scope: Scope) -> str | None:
    """The client's certificate (PEM) from the ASGI TLS extension, ``None`` without one."""
    tls = (scope.get("extensions") or {}).get("tls")
    chain = (tls or {}).get("client_cert_chain") or ()
    return str(chain[0]) if chain else None


def forbidden_outcome(message: str) -> bytes:
    """The 403's body: an OperationOutcome, issue code ``security``."""
    outcome = operation_outcome("security", message)
    return json.dumps(outcome, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class ClientCertificateCheck:
    """ASGI middleware: requests under ``path_prefix`` need a client certificate ``expected``
    allows; others (and non-http scopes) pass untouched."""

    def __init__(self, app: Asgi, *, expected: ClientPolicy, path_prefix: str = "") -> None:
        self.app = app
        self.expected = expected
        self.path_prefix = path_prefix.rstrip("/")
        self._names: dict[str, CertificateNames] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _under(str(scope.get("path", "")), self.path_prefix):
            await self.app(scope, receive, send)
            return
        refusal = self.refusal(scope)
        if refusal is None:
            await self.app(scope, receive, send)
            return
        await _forbidden(send, refusal)

    def names(self, pem: str) -> CertificateNames:
        found = self._names.get(pem)
        if found is None:
            if len(self._names) >= _CACHE_LIMIT:
                self._names.clear()
            found = self._names[pem] = certificate_names(pem)
        return found

    def refusal(self, scope: Scope) -> str | None:
        """Why this request is refused, ``None`` when its client certificate is allowed."""
        pem = client_certificate_pem(scope)
        if pem is None:
            return "a client certificate is required (mTLS, IGC-Santé)"
        try:
            names = self.names(pem)
        except ValueError:
            return "the client certificate cannot be read"
        if self.expected.allows(names):
            return None
        return f"client certificate {names} is not allowed (expected {self.expected.describe()})"


def _under(path: str, prefix: str) -> bool:
    return not prefix or path == prefix or path.startswith(prefix + "/")


async def _forbidden(send: Send, message: str) -> None:
    body = forbidden_outcome(message)
    headers = [
        (b"content-type", b"application/fhir+json; charset=utf-8"),
        (b"content-length", str(len(body)).encode("ascii")),
    ]
    await send({"type": "http.response.start", "status": 403, "headers": headers})
    await send({"type": "http.response.body", "body": body})
