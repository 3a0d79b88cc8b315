"""The journey's mTLS (digest §11: every FHIR flow in mTLS with IGC-Santé certificates, the
server checking the client's CN/OU), both directions, with the fake PKI of :mod:`mocks.pki`.

* SAS → editors (INT_R01/R04/SOS searches, INT_R02 accounts): each editor serves its FHIR API
  on a second, mTLS-only port with the editors' server certificate and requires the SAS client
  certificate (``TlsSettings.sas_client``); the platform's back-channel client presents it.
* editor → SAS (INT_R03): the platform serves its FHIR ``Appointment`` endpoint on an mTLS port
  with its own server certificate; each editor presents ``CN=<name>, OU=EDITEUR``
  (:meth:`TlsSettings.editor_client`) and the platform requires the name of one of its
  registered editors with that OU (:class:`sasref.auth.mtls.RegisteredClients`).

The same apps keep their plain http ports for browsers (booking pages, login, SAS IdP); there,
``/fhir/...`` answers 403 (no client certificate). Files in ``TlsSettings.directory``:
``ca.pem``, ``crl.pem``, ``serveur-editeurs.pem``/``.key``, ``serveur-sas.pem``/``.key``,
``client-sas.pem``/``.key``, ``client-<editor>.pem``/``.key``.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterable
from dataclasses import dataclass, field

from mocks.journey.model import TlsSettings
from mocks.pki import (
    FakePki,
    PkiFiles,
    client_ssl_context,
    loopback_server_names,
    server_ssl_context,
)
from mocks.serving import FLEET_SERVER_CERT, SAS_CLIENT_CERT
from sasref.auth.mtls import ClientName

__all__ = ["SAS_SERVER_CERT", "JourneyTls", "editor_client_cert"]

#: The platform's mTLS server certificate (INT_R03), in :attr:`JourneyTls.files`.
SAS_SERVER_CERT = "serveur-sas"


def editor_client_cert(editor: str) -> str:
    """The name of editor ``editor``'s client certificate in :attr:`JourneyTls.files`."""
    return f"client-{editor}"


@dataclass
class JourneyTls:
    """The PKI files of one journey and the SSL contexts built from them (once each)."""

    settings: TlsSettings
    files: PkiFiles
    _contexts: dict[str, ssl.SSLContext] = field(default_factory=dict)

    @classmethod
    def create(
        cls, settings: TlsSettings, editors: Iterable[str], host: str = "127.0.0.1"
    ) -> JourneyTls:
        """A new fake PKI: two server certificates (SAN ``localhost``, ``127.0.0.1``, ``host``),
        the SAS client certificate and one client certificate per editor."""
        pki = FakePki(label="sasref journey")
        dns, ips = loopback_server_names(host)
        pki.server(FLEET_SERVER_CERT, dns, ips)
        pki.server(SAS_SERVER_CERT, dns, ips)
        pki.client(SAS_CLIENT_CERT, settings.sas_client)
        for editor in editors:
            pki.client(editor_client_cert(editor), settings.editor_client(editor))
        return cls(settings, pki.write(settings.directory))

    @property
    def sas_client(self) -> ClientName:
        return self.settings.sas_client

    def _context(self, key: str) -> ssl.SSLContext:
        found = self._contexts.get(key)
        if found is None:
            kind, _, name = key.partition(":")
            if kind == "server":
                found = server_ssl_context(self.files, name)
            else:
                found = client_ssl_context(self.files, name)
            self._contexts[key] = found
        return found

    def editors_server(self) -> ssl.SSLContext:
        """The editors' mTLS servers (a client certificate from the fake CA required)."""
        return self._context(f"server:{FLEET_SERVER_CERT}")

    def sas_server(self) -> ssl.SSLContext:
        """The platform's INT_R03 mTLS server."""
        return self._context(f"server:{SAS_SERVER_CERT}")

    def sas_client_context(self) -> ssl.SSLContext:
        """The platform's client side: trusts the fake CA, presents the SAS certificate."""
        return self._context(f"client:{SAS_CLIENT_CERT}")

    def editor_client_context(self, editor: str) -> ssl.SSLContext:
        """Editor ``editor``'s client side (INT_R03 pushes, SSO back-channel)."""
        return self._context(f"client:{editor_client_cert(editor)}")
