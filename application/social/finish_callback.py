"""``GET|POST /auth/oauth/{provider}/callback``: the provider sends the browser back.

The state is taken first (GETDEL) and must have been started for this path's provider by
this browser (its binding cookie): anything else is 400 ``invalid_state`` and nothing
happens (SECURITY OA-01, OA-04). Then the code is exchanged and the identity established
(the adapter checks the id_token or GitHub's API, OA-03, OA-05), and the browser goes back
to the flow's ``redirect_uri`` with ``?code=`` (a one-time code for ``POST
/auth/oauth/exchange``, never a token, OA-07), ``?linked=<provider>`` or ``?error=``:

- a known identity signs in to its account; an unknown one with a verified email no
  account holds makes a new verified account; a verified email an account holds is
  ``account_exists`` (never linked by email alone); no verified email is
  ``email_unverified`` (``IdentitySignIn``);
- in a link flow the identity joins the account that started it, or
  ``identity_linked_elsewhere`` (``IdentityLinker``);
- the provider refusing or the user cancelling is ``access_denied``; an answer that fails a
  check is ``identity_rejected``; a provider down or slow is ``provider_unavailable``,
  within the adapter's time budget, before anything is written.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from application.ports.providers import (
    IdentityProviders,
    IdentityRejectedError,
    ProviderAnswer,
    ProviderUnavailableError,
)
from application.ports.security import SecretBox
from application.ports.system import Clock
from application.results import ProviderRedirect
from application.social.flows import PendingFlow, ProviderFlows
from application.social.linking import IdentityLinker
from application.social.lookup import configured_provider
from application.social.signing_in import IdentitySignIn
from domain.redirects import with_params
from domain.social import FlowMode, ProviderIdentity

log = logging.getLogger("bastion.oauth")


@dataclass(frozen=True, slots=True)
class FinishProviderCallbackCommand:
    provider: str
    state: str
    binding: str
    code: str | None = None
    error: str | None = None
    apple_user: str | None = None
    issuer: str | None = None


class FinishProviderCallback:
    def __init__(
        self,
        providers: IdentityProviders,
        flows: ProviderFlows,
        signer: IdentitySignIn,
        linker: IdentityLinker,
        box: SecretBox,
        clock: Clock,
    ) -> None:
        self._providers = providers
        self._flows = flows
        self._signer = signer
        self._linker = linker
        self._box = box
        self._clock = clock

    def __call__(self, cmd: FinishProviderCallbackCommand) -> ProviderRedirect:
        provider = configured_provider(self._providers, cmd.provider)
        flow = self._flows.take(provider, cmd.state, cmd.binding)
        if cmd.error or not cmd.code:
            return _back(flow, error="access_denied")
        identity = self._identify(flow, cmd.code, cmd)
        if isinstance(identity, str):
            return _back(flow, error=identity)
        sealed = self._box.seal(identity.access_token.encode()) if identity.access_token else None
        if flow.mode is FlowMode.LINK and flow.user_id is not None:
            refused = self._linker.link(flow.user_id, identity, sealed, self._clock.now())
            return _back(flow, error=refused) if refused else _back(flow, linked=provider.value)
        outcome = self._signer.account_for(identity, sealed)
        if isinstance(outcome, str):
            return _back(flow, error=outcome)
        return _back(flow, code=self._flows.issue_code(outcome, provider))

    def _identify(
        self, flow: PendingFlow, code: str, cmd: FinishProviderCallbackCommand
    ) -> ProviderIdentity | str:
        """Who signed in, or the ``error`` code for the client app."""
        answer = ProviderAnswer(
            provider=flow.provider,
            code=code,
            code_verifier=flow.code_verifier,
            nonce=flow.nonce,
            apple_user=cmd.apple_user,
            issuer=cmd.issuer,
        )
        try:
            return self._providers.identify(answer)
        except ProviderUnavailableError as failure:
            _log("provider unavailable", flow, failure.reason)
            return "provider_unavailable"
        except IdentityRejectedError as failure:
            _log("provider answer refused", flow, failure.reason)
            return "identity_rejected"


def _back(flow: PendingFlow, **params: str) -> ProviderRedirect:
    return ProviderRedirect(provider=flow.provider, url=with_params(flow.redirect_uri, params))


def _log(message: str, flow: PendingFlow, reason: str) -> None:
    log.warning(message, extra={"provider": flow.provider.value, "reason": reason})
