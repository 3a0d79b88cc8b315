"""The fake IGC-Santé PKI (digest §11): hierarchy, leaves, CRL, PEM files, SSL contexts; and the
mock editor's CN/OU check (403 OperationOutcome) driven through an injected ASGI TLS extension."""

from __future__ import annotations

import ipaddress
import ssl
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from mocks.commands import demo
from mocks.editor import EditorSettings, create_app
from mocks.editor.tls import certificate_names
from mocks.pki import (
    SAS_CLIENT,
    ClientName,
    FakePki,
    PkiFiles,
    client_ssl_context,
    editor_client_name,
    server_ssl_context,
)

WRONG_OU = ClientName(cn=SAS_CLIENT.cn, ou="AUTRE")


@pytest.fixture(scope="module")
def pki() -> FakePki:
    pki = FakePki()
    pki.server("srv", ["localhost", "editeur.test"], ["127.0.0.1", "::1"])
    pki.client("sas", SAS_CLIENT)
    pki.client("wrong-ou", WRONG_OU)
    return pki


def pems(path: Path) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(path.read_bytes())


def cn(name: x509.Name) -> str:
    return str(name.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value)


def test_the_hierarchy_is_a_clearly_fake_igc_sante_root_and_issuing_ca(pki: FakePki) -> None:
    root, issuing = pki.root.certificate, pki.issuing.certificate
    assert cn(root.subject) == "AC RACINE IGC-SANTE (FAUSSE, sasref)"
    assert "FAUSSE" in cn(issuing.subject) and "IGC-SANTE" in cn(issuing.subject)
    root.verify_directly_issued_by(root)
    issuing.verify_directly_issued_by(root)
    for ca in (root, issuing):
        assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        assert isinstance(ca.public_key(), ec.EllipticCurvePublicKey)
        assert ca.public_key().curve.name == "secp256r1"  # type: ignore[union-attr]
    assert issuing.extensions.get_extension_for_class(x509.BasicConstraints).value.path_length == 0


def test_a_server_certificate_names_its_hosts_and_addresses(pki: FakePki) -> None:
    certificate = pki.issued["srv"].certificate
    certificate.verify_directly_issued_by(pki.issuing.certificate)
    san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["localhost", "editeur.test"]
    assert san.get_values_for_type(x509.IPAddress) == [
        ipaddress.ip_address("127.0.0.1"),
        ipaddress.ip_address("::1"),
    ]
    usage = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usage) == [ExtendedKeyUsageOID.SERVER_AUTH]
    assert not certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca


def test_a_client_certificate_carries_the_chosen_cn_and_ou(pki: FakePki) -> None:
    certificate = pki.issued["wrong-ou"].certificate
    certificate.verify_directly_issued_by(pki.issuing.certificate)
    subject = certificate.subject
    assert cn(subject) == SAS_CLIENT.cn
    ous = subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)
    assert [a.value for a in ous] == ["AUTRE"]
    usage = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usage) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    pem = pki.issued["sas"].cert_pem().decode()
    assert certificate_names(pem) == (SAS_CLIENT.cn, (SAS_CLIENT.ou,))


def test_the_documented_defaults() -> None:
    assert ClientName("sas.sante.fr", "SAS") == SAS_CLIENT
    assert (SAS_CLIENT.cn, SAS_CLIENT.ou) == (demo.SAS_CLIENT_CN, demo.SAS_CLIENT_OU)
    assert editor_client_name("editeur-07") == ClientName("editeur-07", "EDITEUR")
    assert str(SAS_CLIENT) == "CN=sas.sante.fr, OU=SAS"


def test_revocation_puts_the_serial_on_a_crl_signed_by_the_issuing_ca() -> None:
    pki = FakePki(label="crl")
    kept, revoked = pki.client("kept", SAS_CLIENT), pki.client("revoked", SAS_CLIENT)
    assert list(pki.crl()) == []
    pki.revoke(revoked.serial)
    crl = pki.crl()
    assert crl.is_signature_valid(pki.issuing.certificate.public_key())  # type: ignore[arg-type]
    assert crl.issuer == pki.issuing.certificate.subject
    assert crl.get_revoked_certificate_by_serial_number(revoked.serial) is not None
    assert crl.get_revoked_certificate_by_serial_number(kept.serial) is None


def test_write_puts_pem_files_for_uvicorn_httpx_and_curl(pki: FakePki, tmp_path: Path) -> None:
    files = pki.write(tmp_path / "pki")
    assert [cn(c.subject) for c in pems(files.ca)] == [
        cn(pki.root.certificate.subject),
        cn(pki.issuing.certificate.subject),
    ]
    assert set(files.certs) == {"srv", "sas", "wrong-ou"}
    chain = pems(files.certs["sas"].cert)  # the leaf, then its issuing CA
    assert chain == [pki.issued["sas"].certificate, pki.issuing.certificate]
    assert files.certs["sas"].key.stat().st_mode & 0o777 == 0o600
    assert files.certs["sas"].pair() == (str(files.certs["sas"].cert), str(files.certs["sas"].key))
    crl = x509.load_pem_x509_crl(files.crl.read_bytes())
    assert crl.issuer == pki.issuing.certificate.subject
    assert files.revoked == frozenset()


def test_the_server_context_requires_a_client_certificate(pki: FakePki, tmp_path: Path) -> None:
    files = pki.write(tmp_path)
    context = server_ssl_context(files, "srv")
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2
    assert not context.verify_flags & ssl.VERIFY_CRL_CHECK_LEAF  # nothing revoked
    forced = server_ssl_context(files, "srv", crl_check=True)
    assert forced.verify_flags & ssl.VERIFY_CRL_CHECK_LEAF
    client = client_ssl_context(files, "sas")
    assert client.check_hostname and client.verify_mode == ssl.CERT_REQUIRED
    assert client.minimum_version == ssl.TLSVersion.TLSv1_2


def test_the_crl_is_checked_once_something_is_revoked(tmp_path: Path) -> None:
    pki = FakePki(label="revoking")
    pki.server("srv")
    pki.revoke(pki.client("old", SAS_CLIENT).serial)
    files = pki.write(tmp_path)
    assert isinstance(files, PkiFiles) and files.revoked
    assert server_ssl_context(files, "srv").verify_flags & ssl.VERIFY_CRL_CHECK_LEAF
    assert not server_ssl_context(files, "srv", crl_check=False).verify_flags & (
        ssl.VERIFY_CRL_CHECK_LEAF
    )


# -- the editor's CN/OU check, in process (the TLS extension injected) ----------------------


class WithTls:
    """What :class:`mocks.serving.TlsHttpProtocol` does on a real socket: the ASGI TLS
    extension, here with a given client certificate (``None``: a TLS connection without one)."""

    def __init__(self, app: Any, pem: str | None) -> None:
        self.app, self.pem = app, pem

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        chain = [self.pem] if self.pem else []
        scope = {**scope, "extensions": {"tls": {"client_cert_chain": chain}}}
        await self.app(scope, receive, send)


def editor(expected: ClientName | None) -> Any:
    settings = EditorSettings(
        name="editeur-01", base_url="https://editeur-01.test/fhir", expected_client=expected
    )
    return create_app(settings)


async def call(app: Any, path: str = "/fhir/metadata") -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://editeur-01.test") as c:
        return await c.get(path)


async def test_an_editor_without_expected_client_is_unchanged_in_process() -> None:
    response = await call(editor(None))
    assert response.status_code == 200
    assert response.json()["resourceType"] == "CapabilityStatement"


async def test_the_expected_client_certificate_passes(pki: FakePki) -> None:
    pem = pki.issued["sas"].cert_pem().decode()
    response = await call(WithTls(editor(SAS_CLIENT), pem))
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("who", ["wrong-ou", "no certificate", "no tls"])
async def test_another_client_gets_403_operation_outcome_security(pki: FakePki, who: str) -> None:
    app = editor(SAS_CLIENT)
    if who == "wrong-ou":
        app = WithTls(app, pki.issued["wrong-ou"].cert_pem().decode())
    elif who == "no certificate":
        app = WithTls(app, None)
    response = await call(app, "/fhir/Slot?status=free")
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/fhir+json")
    issue = response.json()["issue"][0]
    assert response.json()["resourceType"] == "OperationOutcome"
    assert issue["code"] == "security" and issue["severity"] == "error"
    if who == "wrong-ou":
        assert "OU=AUTRE" in issue["diagnostics"] and str(SAS_CLIENT) in issue["diagnostics"]
    else:
        assert "client certificate is required" in issue["diagnostics"]


async def test_the_check_covers_the_fhir_api_only(pki: FakePki) -> None:
    """``/admin/behaviour`` is the test harness's switchboard, not an IG flow."""
    app = WithTls(editor(SAS_CLIENT), pki.issued["wrong-ou"].cert_pem().decode())
    assert (await call(app, "/admin/behaviour")).status_code == 200
    assert (await call(app, "/fhir")).status_code == 403
