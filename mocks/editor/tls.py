"""The mock editor's client-certificate check: CN and OU of the SAS platform (digest §11).

Every FHIR flow runs inside mTLS with IGC-Santé certificates and the server checks the client
certificate's Common Name and Organizational Unit. The check itself is the platform's
(:mod:`sasref.auth.mtls`: reading the ASGI TLS extension, the CN/OU, the 403 OperationOutcome
``security``); the editor app installs :class:`ClientCertificateCheck` on its FHIR routes with
the :class:`ClientName` of ``EditorSettings.expected_client`` only when one is set: in-process
use (``httpx.ASGITransport``, no TLS) is unchanged otherwise. The ASGI TLS extension is filled
in by :class:`mocks.serving.TlsHttpProtocol`.
"""

from __future__ import annotations

from sasref.auth.mtls import (
    CertificateNames,
    ClientCertificateCheck,
    ClientName,
    certificate_names,
)

__all__ = ["CertificateNames", "ClientCertificateCheck", "ClientName", "certificate_names"]
