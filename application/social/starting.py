"""The start every provider flow shares, a sign-in's or a confirmed link's.

A fresh flow is stored (state, PKCE verifier, nonce, the return address and the digest of
a browser binding, 10 minutes) and the provider's authorization URL is answered with the
binding for the browser's cookie (SECURITY OA-01, OA-02). A provider that cannot be
reached (its discovery document) sends the browser straight back with
``error=provider_unavailable``, having stored nothing.
"""

from __future__ import annotations

import logging

from application.ports.providers import (
    AuthorizationRequest,
    IdentityProviders,
    ProviderUnavailableError,
)
from application.results import ProviderRedirect
from application.social.flows import PendingFlow, ProviderFlows
from domain.ids import UserId
from domain.redirects import with_params
from domain.social import FlowMode, Provider

log = logging.getLogger("bastion.oauth")


class FlowStarter:
    def __init__(self, providers: IdentityProviders, flows: ProviderFlows) -> None:
        self._providers = providers
        self._flows = flows

    def start(
        self, provider: Provider, mode: FlowMode, user_id: UserId | None, redirect_uri: str
    ) -> ProviderRedirect:
        """Where the browser goes next; ``redirect_uri`` has passed its checks already."""
        flow = self._flows.new()
        request = AuthorizationRequest(
            provider=provider, state=flow.state, code_verifier=flow.code_verifier, nonce=flow.nonce
        )
        try:
            url = self._providers.authorization_url(request)
        except ProviderUnavailableError as failure:
            log.warning(
                "provider unavailable",
                extra={"provider": provider.value, "reason": failure.reason},
            )
            back = with_params(redirect_uri, {"error": "provider_unavailable"})
            return ProviderRedirect(provider=provider, url=back)
        pending = PendingFlow(
            provider=provider,
            mode=mode,
            user_id=user_id,
            code_verifier=flow.code_verifier,
            nonce=flow.nonce,
            redirect_uri=redirect_uri,
        )
        self._flows.save(flow, pending)
        return ProviderRedirect(provider=provider, url=url, binding=flow.binding)
