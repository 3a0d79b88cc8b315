"""A fake IGC-Santé PKI for the mTLS of every SAS FHIR flow (digest §11 "Security").

The IG puts every FHIR flow (INT_R01/R04/SOS searches and INT_R02 accounts: SAS → editor;
INT_R03 appointments: editor → SAS) inside **mTLS (TLS 1.2+)** with **IGC-Santé** certificates,
the server checking the client certificate's CN and OU. :class:`FakePki` builds, at run time, a
look-alike hierarchy that is clearly fake: a root CA ("AC RACINE IGC-SANTE (FAUSSE, sasref)"),
an issuing CA, server certificates (DNS names and IP addresses in the SAN) and client
certificates with a chosen CN/OU, plus revocation (a CRL signed by the issuing CA). EC P-256
keys keep it fast (a few milliseconds per certificate).

:meth:`FakePki.write` puts PEM files in a directory for uvicorn, httpx and curl;
:func:`server_ssl_context` (client certificate required, CRL checked on the leaf once something
is revoked) and :func:`client_ssl_context` build the :class:`ssl.SSLContext` of either side.

**The CN/OU values are assumptions.** The expected values are in an ANS document outside the IG
(``SAS_SPEC_Securisation-des-echanges-par-mTLS_20240524_V3.2.pdf``); the defaults here,
:data:`SAS_CLIENT` for the SAS platform's client certificate and :func:`editor_client_name`
for an editor's INT_R03 client certificate, are placeholders to change (``sasref demo --tls
--sas-cn … --sas-ou …``, ``EditorSettings.expected_client``) once the real ones are known.
"""

from __future__ import annotations

import ipaddress
import os
import ssl
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from mocks.editor.tls import ClientName
from sasref.clock import Clock

__all__ = [
    "SAS_CLIENT",
    "CertFiles",
    "ClientName",
    "FakePki",
    "Issued",
    "PkiFiles",
    "client_ssl_context",
    "editor_client_name",
    "loopback_server_names",
    "server_ssl_context",
]

#: Assumed CN/OU of the SAS platform's client certificate (placeholders, see module docstring).
SAS_CLIENT = ClientName(cn="sas.sante.fr", ou="SAS")
#: Assumed OU of an editor's client certificate (INT_R03, editor → SAS).
EDITOR_CLIENT_OU = "EDITEUR"
_ORGANIZATION = "sasref (FAUX, ne pas utiliser)"


def loopback_server_names(host: str) -> tuple[list[str], list[str]]:
    """(DNS names, IP addresses) of a loopback server certificate that ``host`` also reaches:
    ``localhost`` and ``127.0.0.1``, plus ``host`` as a name or an address."""
    dns, ips = ["localhost"], ["127.0.0.1"]
    try:
        ipaddress.ip_address(host)
    except ValueError:
        dns.insert(0, host)
    else:
        ips = list(dict.fromkeys([*ips, host]))
    return dns, ips


def editor_client_name(editor: str) -> ClientName:
    """Assumed CN/OU of an editor's INT_R03 client certificate: its name, OU ``EDITEUR``."""
    return ClientName(cn=editor, ou=EDITOR_CLIENT_OU)


@dataclass(frozen=True, slots=True)
class Issued:
    """A certificate and its private key."""

    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey

    @property
    def serial(self) -> int:
        return self.certificate.serial_number

    def cert_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def key_pem(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )


@dataclass(frozen=True, slots=True)
class CertFiles:
    """A leaf's PEM files: ``cert`` (the leaf then the issuing CA) and its ``key``."""

    cert: Path
    key: Path

    def pair(self) -> tuple[str, str]:
        """``(certfile, keyfile)``: httpx's and uvicorn's ``cert=``."""
        return str(self.cert), str(self.key)


@dataclass(frozen=True, slots=True)
class PkiFiles:
    """What :meth:`FakePki.write` wrote: ``ca`` (root + issuing CA: the trust bundle), ``crl``
    (the issuing CA's CRL) and one :class:`CertFiles` per issued leaf, by name."""

    directory: Path
    ca: Path
    crl: Path
    certs: dict[str, CertFiles]
    revoked: frozenset[int] = frozenset()


def _name(cn: str, ou: str | None = None) -> x509.Name:
    attributes = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, _ORGANIZATION),
    ]
    if ou is not None:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, ou))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(attributes)


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@dataclass
class FakePki:
    """A root CA and an issuing CA (built at once), then leaves issued on demand by name.

    ``label`` tells two fake PKIs apart (a "foreign CA" in tests); ``clock`` dates the
    certificates (valid from an hour before ``now`` for ``valid_days``).
    """

    label: str = "sasref"
    clock: Clock | None = None
    valid_days: int = 30
    issued: dict[str, Issued] = field(default_factory=dict)
    revoked: dict[int, datetime] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._now = self.clock.now().astimezone(UTC) if self.clock else datetime.now(UTC)
        root_key = _key()
        root_name = _name(f"AC RACINE IGC-SANTE (FAUSSE, {self.label})")
        certificate = self._sign(root_name, root_key.public_key(), root_name, root_key, ca_depth=1)
        self.root = Issued(certificate, root_key)
        issuing_key = _key()
        issuing_name = _name(f"AC IGC-SANTE ORGANISATIONS (FAUSSE, {self.label})")
        certificate = self._sign(
            issuing_name, issuing_key.public_key(), root_name, root_key, ca_depth=0
        )
        self.issuing = Issued(certificate, issuing_key)

    def _sign(
        self,
        subject: x509.Name,
        public_key: ec.EllipticCurvePublicKey,
        issuer: x509.Name,
        issuer_key: ec.EllipticCurvePrivateKey,
        *,
        ca_depth: int | None = None,
        extensions: Iterable[tuple[x509.ExtensionType, bool]] = (),
    ) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(self._now - timedelta(hours=1))
            .not_valid_after(self._now + timedelta(days=self.valid_days))
            .add_extension(x509.BasicConstraints(ca=ca_depth is not None, path_length=ca_depth),
                           critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
                critical=False,
            )
        )  # fmt: skip
        ca = ca_depth is not None
        usage = x509.KeyUsage(
            digital_signature=not ca, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
            encipher_only=False, decipher_only=False,
        )  # fmt: skip
        builder = builder.add_extension(usage, critical=True)
        for extension, critical in extensions:
            builder = builder.add_extension(extension, critical=critical)
        return builder.sign(issuer_key, hashes.SHA256())

    def _leaf(
        self,
        name: str,
        subject: x509.Name,
        usage: x509.ObjectIdentifier,
        san: list[x509.GeneralName] | None = None,
    ) -> Issued:
        key = _key()
        extensions: list[tuple[x509.ExtensionType, bool]] = [
            (x509.ExtendedKeyUsage([usage]), False)
        ]
        if san:
            extensions.append((x509.SubjectAlternativeName(san), False))
        issuing = self.issuing
        certificate = self._sign(subject, key.public_key(), issuing.certificate.subject,
                                 issuing.key, extensions=extensions)  # fmt: skip
        self.issued[name] = issued = Issued(certificate, key)
        return issued

    def server(
        self,
        name: str,
        dns_names: Iterable[str] = ("localhost",),
        ip_addresses: Iterable[str] = ("127.0.0.1",),
    ) -> Issued:
        """A TLS server certificate (CN = the first DNS name) for these names and addresses."""
        dns = list(dns_names)
        ips = list(ip_addresses)
        san: list[x509.GeneralName] = [x509.DNSName(d) for d in dns]
        san += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in ips]
        subject = _name(dns[0] if dns else ips[0], "SERVEUR")
        return self._leaf(name, subject, ExtendedKeyUsageOID.SERVER_AUTH, san)

    def client(self, name: str, client: ClientName) -> Issued:
        """A TLS client certificate whose subject carries ``client``'s CN and OU."""
        return self._leaf(name, _name(client.cn, client.ou), ExtendedKeyUsageOID.CLIENT_AUTH)

    def revoke(self, serial: int) -> None:
        """Put a certificate's serial number on the CRL (rewrite the files to publish it)."""
        self.revoked[serial] = self._now

    def crl(self) -> x509.CertificateRevocationList:
        """The issuing CA's CRL (possibly empty), valid as long as the certificates."""
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.issuing.certificate.subject)
            .last_update(self._now - timedelta(hours=1))
            .next_update(self._now + timedelta(days=self.valid_days))
            .add_extension(x509.CRLNumber(len(self.revoked) + 1), critical=False)
        )
        for serial, when in sorted(self.revoked.items()):
            revoked = (
                x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when).build()
            )
            builder = builder.add_revoked_certificate(revoked)
        return builder.sign(self.issuing.key, hashes.SHA256())

    def write(self, directory: str | os.PathLike[str]) -> PkiFiles:
        """Write ``ca.pem``, ``crl.pem`` and ``<name>.pem``/``<name>.key`` per leaf (keys
        readable by the owner only); returns their paths."""
        root = Path(directory)
        root.mkdir(parents=True, exist_ok=True)
        issuing_pem = self.issuing.cert_pem()
        ca = root / "ca.pem"
        ca.write_bytes(self.root.cert_pem() + issuing_pem)
        crl = root / "crl.pem"
        crl.write_bytes(self.crl().public_bytes(serialization.Encoding.PEM))
        certs = {}
        for name, issued in self.issued.items():
            files = certs[name] = CertFiles(root / f"{name}.pem", root / f"{name}.key")
            files.cert.write_bytes(issued.cert_pem() + issuing_pem)
            files.key.touch(mode=0o600)
            files.key.write_bytes(issued.key_pem())
        return PkiFiles(root, ca, crl, certs, frozenset(self.revoked))


def server_ssl_context(
    files: PkiFiles, server: str, *, crl_check: bool | None = None
) -> ssl.SSLContext:
    """A TLS 1.2+ server context presenting ``server``'s certificate and **requiring** a client
    certificate from the fake CA; the CRL is checked on the client's certificate when
    ``crl_check`` (default: when something is revoked)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(*files.certs[server].pair())
    context.load_verify_locations(cafile=str(files.ca))
    context.verify_mode = ssl.CERT_REQUIRED
    if crl_check if crl_check is not None else bool(files.revoked):
        context.load_verify_locations(cafile=str(files.crl))
        context.verify_flags |= ssl.VERIFY_CRL_CHECK_LEAF
    return context


def client_ssl_context(files: PkiFiles, client: str | None = None) -> ssl.SSLContext:
    """A TLS 1.2+ client context trusting the fake CA (host names checked) and presenting
    ``client``'s certificate (none when ``None``)."""
    context = ssl.create_default_context(cafile=str(files.ca))
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if client is not None:
        context.load_cert_chain(*files.certs[client].pair())
    return context
