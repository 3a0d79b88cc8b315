"""TLS and mTLS, as far as a client can see them (IG digest §11: every FHIR flow inside mTLS,
TLS 1.2+, IGC-Santé certificates, the server checking the client certificate's CN and OU).

Each probe is a ``GET [base]/metadata`` on a connection of its own (:func:`probe`): with the
client certificate given (``--cert``/``--key``, trusted through ``--ca``) it must be accepted
and tells the TLS version; without a certificate, and with a self-signed certificate copying
the given one's subject (a CA the server does not trust: :func:`foreign_certificate`), it must
be refused — a TLS alert, a reset, or a 4xx. Whether the server checks the CN/OU, or revocation,
needs certificates from its own CA: that is out of a client's reach (``docs/check.md``).
"""

from __future__ import annotations

import ssl
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from sasref.conformance.catalog import judged
from sasref.conformance.exchange import FHIR_JSON, excerpt
from sasref.conformance.model import CheckResult, Evidence, Verdict

__all__ = ["Probe", "TlsOptions", "evaluate_tls", "foreign_certificate", "probe", "run_probes"]

_GOOD_VERSIONS = ("TLSv1.2", "TLSv1.3")


@dataclass(frozen=True, slots=True)
class TlsOptions:
    """PEM files: ``ca`` to trust the server (default: the system's CAs), ``cert``/``key`` the
    client certificate (mTLS)."""

    ca: str | None = None
    cert: str | None = None
    key: str | None = None

    def context(self, pair: tuple[str, str] | None = None) -> ssl.SSLContext:
        """A TLS 1.2+ client context trusting ``ca``, presenting ``pair`` (no certificate when
        ``None``)."""
        context = ssl.create_default_context(cafile=self.ca)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        if pair is not None:
            context.load_cert_chain(*pair)
        return context

    @property
    def pair(self) -> tuple[str, str] | None:
        return (self.cert, self.key or self.cert) if self.cert else None


@dataclass(frozen=True, slots=True)
class Probe:
    """One connection's outcome: the HTTP status, or the error that ended it."""

    label: str
    url: str
    status: int | None = None
    version: str | None = None
    cipher: str | None = None
    body: str = ""
    error: str | None = None

    @property
    def refused(self) -> bool:
        return self.status is None or 400 <= self.status < 500

    def evidence(self, note: str = "") -> Evidence:
        details = ", ".join(x for x in (self.version, self.cipher) if x)
        return Evidence(f"GET {self.url}", self.status, excerpt=self.body,
                        note=f"{self.label}{f' ({details})' if details else ''}{note}",
                        error=self.error)  # fmt: skip


async def probe(label: str, url: str, context: ssl.SSLContext, seconds: float) -> Probe:
    """``GET url`` on a fresh connection with ``context``."""
    try:
        async with httpx.AsyncClient(verify=context, timeout=seconds, trust_env=False) as client:
            response = await client.get(url, headers={"Accept": FHIR_JSON})
            stream = response.extensions.get("network_stream")
            tls = stream.get_extra_info("ssl_object") if stream is not None else None
            cipher = tls.cipher() if tls is not None else None
            return Probe(label, url, response.status_code, tls.version() if tls else None,
                         cipher[0] if cipher else None, excerpt(response.content, 300))  # fmt: skip
    except (httpx.HTTPError, ssl.SSLError, OSError) as exc:
        return Probe(label, url, error=f"{type(exc).__name__}: {exc}".strip(": "))


def foreign_certificate(cert_file: str, directory: str) -> tuple[str, str]:
    """A self-signed client certificate with the subject of ``cert_file``: ``(cert, key)``."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID

    subject = x509.load_pem_x509_certificate(Path(cert_file).read_bytes()).subject
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = Path(directory, "foreign.pem"), Path(directory, "foreign.key")
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.touch(mode=0o600)
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))  # fmt: skip
    return str(cert_path), str(key_path)


async def run_probes(base_url: str, options: TlsOptions, seconds: float) -> dict[str, Probe]:
    """The probes of an https base: ``given`` (the certificate given, or none), ``none`` and,
    with a certificate, ``foreign``."""
    url = f"{base_url.rstrip('/')}/metadata"
    probes = {"given": await probe("with the certificate given" if options.pair else
                                   "without a client certificate", url,
                                   options.context(options.pair), seconds)}  # fmt: skip
    if options.pair is None:
        probes["none"] = probes["given"]
        return probes
    probes["none"] = await probe("without a client certificate", url, options.context(), seconds)
    with tempfile.TemporaryDirectory(prefix="sasref-check-") as scratch:
        foreign = foreign_certificate(options.pair[0], scratch)
        context = options.context(foreign)
    probes["foreign"] = await probe("a self-signed certificate with the same subject", url,
                                    context, seconds)  # fmt: skip
    return probes


def evaluate_tls(
    probes: dict[str, Probe] | None, why_not: str, has_cert: bool
) -> list[CheckResult]:
    """The ``tls.*`` verdicts; ``probes`` is ``None`` when nothing could be probed (``why_not``)."""
    if probes is None:
        return [judged(c, Verdict.SKIP, why_not) for c in
                ("tls.version", "tls.client-cert-accepted", "tls.no-cert-refused",
                 "tls.foreign-ca-refused")]  # fmt: skip
    out = []
    given = probes["given"]
    if given.version in _GOOD_VERSIONS:
        out.append(judged("tls.version", Verdict.PASS, f"{given.version} ({given.cipher})",
                          [given.evidence()]))  # fmt: skip
    elif given.version:
        out.append(judged("tls.version", Verdict.FAIL, f"{given.version}: TLS 1.2 or later "
                          "expected", [given.evidence()]))  # fmt: skip
    else:
        out.append(judged("tls.version", Verdict.FAIL, f"no TLS session: {given.error}",
                          [given.evidence()]))  # fmt: skip
    if not has_cert:
        out.append(judged("tls.client-cert-accepted", Verdict.SKIP, "no --cert/--key given"))
    elif given.status is not None and given.status < 400:
        out.append(judged("tls.client-cert-accepted", Verdict.PASS, f"{given.status} with the "
                          "certificate given", [given.evidence()]))  # fmt: skip
    else:
        why = given.error or f"{given.status}: {given.body[:160]}"
        out.append(judged("tls.client-cert-accepted", Verdict.FAIL, f"refused: {why}",
                          [given.evidence()]))  # fmt: skip
    out.append(_refusal("tls.no-cert-refused", probes["none"], "without a client certificate: "
                        "the server does not require one"))  # fmt: skip
    foreign = probes.get("foreign")
    if foreign is None:
        out.append(judged("tls.foreign-ca-refused", Verdict.SKIP, "needs --cert (its subject "
                          "is copied onto a self-signed certificate)"))  # fmt: skip
    else:
        out.append(_refusal("tls.foreign-ca-refused", foreign, "with a self-signed certificate: "
                            "the CA is not checked"))  # fmt: skip
    return out


def _refusal(check_id: str, probe: Probe, accepted: str) -> CheckResult:
    if probe.refused:
        why = probe.error or str(probe.status)
        return judged(check_id, Verdict.PASS, f"refused: {why}", [probe.evidence()])
    return judged(check_id, Verdict.FAIL, f"{probe.status} {accepted}", [probe.evidence()])
