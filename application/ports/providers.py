"""Social sign-in providers (Google, GitHub, Apple) behind one port. The application keeps
the state, the PKCE verifier and the nonce (single use, in the challenge store) and decides
what an identity may do; the adapter only speaks to the providers and checks what they say.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from domain.social import Provider, ProviderIdentity


class ProviderUnavailableError(Exception):
    """The provider did not answer in time, answered with an error status, or answered
    something that is not what its protocol says (malformed JSON, a missing field).
    ``reason`` is a short fixed word for logs; never provider text or a secret."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class IdentityRejectedError(Exception):
    """The provider answered, but its answer failed a check: a bad id_token signature or
    algorithm, a wrong issuer, audience or nonce, an expired token, a code the provider
    refused. ``reason`` is a short fixed word (``signature``, ``algorithm``, ``issuer``,
    ``audience``, ``expired``, ``nonce``, ``claims``, ``code``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthorizationRequest:
    """What the browser is sent to the provider with: ``state`` (bound to the record that
    holds the rest), the PKCE verifier whose S256 challenge goes along, and the OIDC nonce
    that must come back inside the id_token."""

    provider: Provider
    state: str
    code_verifier: str
    nonce: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ProviderAnswer:
    """What the provider sent to the callback, as the browser delivered it."""

    provider: Provider
    code: str
    code_verifier: str
    nonce: str
    apple_user: str | None = None
    """Apple's first-time ``user`` form field (names), unsigned; None elsewhere."""
    issuer: str | None = None
    """The ``iss`` parameter of the answer (RFC 9207), when the provider sent one: it must
    name the provider the flow was started with (mix-up defence, SECURITY OA-04)."""


class IdentityProviders(Protocol):
    def configured(self) -> frozenset[Provider]:
        """The providers this deployment has a client id for; the others are off."""
        ...

    def authorization_url(self, request: AuthorizationRequest) -> str:
        """The provider's authorization endpoint with our client id, our callback for that
        provider, the scopes, ``state``, PKCE S256 (Google, GitHub), ``nonce`` (Google,
        Apple) and, for Apple, ``response_mode=form_post``. Raises
        ``ProviderUnavailableError`` when the discovery document cannot be read."""
        ...

    def identify(self, answer: ProviderAnswer) -> ProviderIdentity:
        """Exchange the code (with the verifier; TLS verified; short timeouts; the whole
        call bounded by a time budget) and establish who signed in: the id_token's
        signature, issuer, audience, expiry and nonce (Google, Apple), or GitHub's
        ``/user`` and its verified primary address from ``/user/emails``. The identity's
        email is set only when the provider vouches for it. Raises
        ``ProviderUnavailableError`` or ``IdentityRejectedError``."""
        ...
