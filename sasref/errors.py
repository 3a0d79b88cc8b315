"""The one exception tree of sasref.

```
SasrefError
 ├── InvalidInput            bad data handed to sasref (ValueError too)
 │    ├── InvalidIdentifier   an RPPS/ADELI/FINESS/SIRET/... that fails its format or key
 │    ├── InvalidDateTime     a date-time that cannot be read
 │    └── NotFhir             a document that is not JSON, or not a FHIR resource
 ├── ConformanceError        a resource breaks a SAS profile (carries the OperationOutcome)
 ├── FhirServerError         a FHIR server answered with an error (carries status, OperationOutcome)
 │    └── EditorTimeout       an editor did not answer before the deadline
 ├── ConfigurationError      a setting or a command-line option is wrong
 └── AuthError               a login or SSO step failed (OIDC relying party, sasref.auth)
      ├── StateMismatch       the callback's `state` is missing or is not the one we sent
      ├── TokenRejected       a token fails signature, iss, aud, exp, nonce or acr checks
      ├── ProviderError       the provider answered an OAuth error (`error`: invalid_grant, ...)
      └── ProviderTimeout     the provider did not answer before the deadline
```

Pure code returns data (``OperationOutcome``-shaped issues); only adapters raise.
"""

from __future__ import annotations

from typing import Any


class SasrefError(Exception):
    """Root of every error raised by sasref."""


class InvalidInput(SasrefError, ValueError):
    """Bad data handed to sasref."""


class InvalidIdentifier(InvalidInput):
    """A national identifier that fails its format or check key."""


class InvalidDateTime(InvalidInput):
    """A date-time that cannot be read, even tolerantly."""


class NotFhir(InvalidInput):
    """A document that is not JSON, or not a FHIR resource."""


class ConformanceError(SasrefError):
    """A resource breaks a SAS profile; ``outcome`` is the OperationOutcome as a dict."""

    def __init__(self, message: str, outcome: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.outcome = outcome or {}


class FhirServerError(SasrefError):
    """A FHIR server answered with an error status; ``outcome`` is its OperationOutcome."""

    def __init__(
        self, message: str, status_code: int | None = None, outcome: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.outcome = outcome or {}


class EditorTimeout(FhirServerError):
    """An editor did not answer before the deadline."""


class ConfigurationError(SasrefError):
    """A setting or a command-line option is wrong."""


class AuthError(SasrefError):
    """A login or SSO step failed."""


class StateMismatch(AuthError):
    """The authorization callback's ``state`` is missing or is not the one we sent."""


class TokenRejected(AuthError):
    """A token failed validation; ``reason`` is a short machine-readable cause."""

    def __init__(self, message: str, reason: str = "invalid_token") -> None:
        super().__init__(message)
        self.reason = reason


class ProviderError(AuthError):
    """The OpenID provider answered an OAuth error; ``error`` is its RFC 6749 code."""

    def __init__(self, error: str, description: str = "", status_code: int | None = None) -> None:
        super().__init__(f"{error}: {description}" if description else error)
        self.error = error
        self.description = description
        self.status_code = status_code


class ProviderTimeout(AuthError):
    """The OpenID provider did not answer before the deadline."""
