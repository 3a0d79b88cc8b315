"""Signing keys of the OpenID providers (fake PSC, SAS IdP): RS256 keys, a JWKS, rotation.

PSC signs its ID tokens in RS256 and publishes its keys at
``{issuer}/protocol/openid-connect/certs`` (psc-hub-libraries §1.1, §1.3). Relying parties look
keys up by ``kid`` and reload the JWKS on an unknown ``kid``, so a rotation keeps the
retired key in the JWKS for a grace period.

RSA keys cannot be derived cheaply from a seed, so they are generated at run time: once per process
and per ``(namespace, index)`` (:func:`pooled_rsa_key`), which keeps test suites fast. The
tokens are therefore not byte-for-byte reproducible between runs; every claim in them is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from joserfc import jwt
from joserfc.jwk import Key, KeySet, RSAKey

from sasref.clock import Clock

__all__ = ["KeyRing", "pooled_rsa_key"]

_POOL: dict[tuple[str, int], RSAKey] = {}


def pooled_rsa_key(namespace: str, index: int) -> RSAKey:
    """The ``index``-th 2048-bit RSA key of ``namespace``, generated once per process."""
    key = _POOL.get((namespace, index))
    if key is None:
        key = RSAKey.generate_key(2048, parameters={"use": "sig", "alg": "RS256"})
        # A readable kid that still changes with the key material.
        key_dict = key.as_dict(private=True)
        key_dict["kid"] = f"{namespace}-{index}-{key.thumbprint()[:10]}"
        key = RSAKey.import_key(key_dict)
        _POOL[(namespace, index)] = key
    return key


@dataclass
class _Retired:
    key: RSAKey
    retired_at: int


class KeyRing:
    """The current signing key plus the retired ones still published for a grace period."""

    def __init__(
        self, namespace: str, clock: Clock, *, grace_seconds: int = 600, fresh: bool = False
    ) -> None:
        self._namespace = namespace
        self._clock = clock
        self._grace = grace_seconds
        self._fresh = fresh
        self._index = 0
        self._current = self._make_key(0)
        self._retired: list[_Retired] = []

    def _make_key(self, index: int) -> RSAKey:
        if self._fresh:
            return RSAKey.generate_key(
                2048, parameters={"use": "sig", "alg": "RS256"}, auto_kid=True
            )
        return pooled_rsa_key(self._namespace, index)

    def _now(self) -> int:
        return int(self._clock.now().timestamp())

    @property
    def current_kid(self) -> str:
        return str(self._current.kid)

    def rotate(self) -> str:
        """Sign with a new key from now on; the old one stays in the JWKS for the grace period."""
        self._retired.append(_Retired(self._current, self._now()))
        self._index += 1
        self._current = self._make_key(self._index)
        return self.current_kid

    def drop_retired(self) -> list[str]:
        """Remove every retired key from the JWKS now (ends the grace period early)."""
        dropped = [str(r.key.kid) for r in self._retired]
        self._retired.clear()
        return dropped

    def _published(self) -> list[RSAKey]:
        now = self._now()
        self._retired = [r for r in self._retired if now - r.retired_at <= self._grace]
        return [self._current, *(r.key for r in self._retired)]

    def jwks(self) -> dict[str, Any]:
        """The public JWKS document."""
        return {"keys": [k.as_dict(private=False) for k in self._published()]}

    def sign(self, claims: dict[str, Any], *, typ: str = "JWT") -> str:
        """A compact RS256 JWS of ``claims`` with the current key's ``kid`` in the header."""
        header = {"alg": "RS256", "kid": self.current_kid, "typ": typ}
        return jwt.encode(header, claims, self._current, algorithms=["RS256"])

    def verify(self, token: str) -> dict[str, Any]:
        """The claims of a token this ring signed (raises joserfc errors when it did not)."""
        keyset = KeySet(list[Key](self._published()))
        return dict(jwt.decode(token, keyset, algorithms=["RS256"]).claims)
