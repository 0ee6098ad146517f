"""The sign-in mode of a provider callback: which account the identity signs in to.

A known identity (provider, subject) signs in to its account, and its link is refreshed
(email, sealed token, scope, last sync). An unknown one makes a new verified account only
with a verified email no account holds (``ProviderAccounts``); an email an account holds,
verified or not, is ``account_exists`` and nothing is linked (SECURITY OA-05, D8); no
verified email is ``email_unverified``. Nothing is written for a refusal.
"""

from __future__ import annotations

from application.ports.persistence import UnitOfWork
from application.ports.system import Clock
from application.social.accounts import ProviderAccounts
from domain.errors import EmailTakenError, ProviderLinkExistsError, ValidationFailedError
from domain.ids import UserId
from domain.social import ProviderIdentity, SignInVerdict, first_sign_in
from domain.values import EmailAddress


class IdentitySignIn:
    def __init__(self, uow: UnitOfWork, accounts: ProviderAccounts, clock: Clock) -> None:
        self._uow = uow
        self._accounts = accounts
        self._clock = clock

    def account_for(self, identity: ProviderIdentity, sealed: str | None) -> UserId | str:
        """The account the identity signs in to, or the ``error`` code for the client app."""
        now = self._clock.now()
        with self._uow as uow:
            link = uow.provider_links.get(identity.provider, identity.subject, for_update=True)
            if link is not None:
                link.sync(identity.email, sealed, identity.scope, now)
                uow.provider_links.save(link)
                uow.commit()
                return link.user_id
            email = _email(identity)
            taken = email is not None and uow.users.get_by_email(email) is not None
            verdict = first_sign_in(identity, taken) if email else SignInVerdict.EMAIL_UNVERIFIED
            if verdict is not SignInVerdict.CREATE_ACCOUNT or email is None:
                return verdict.value
            try:
                user_id = self._accounts.create(uow, identity, email, sealed, now)
            except EmailTakenError:  # a sign-up took the address a moment ago
                return SignInVerdict.ACCOUNT_EXISTS.value
            except ProviderLinkExistsError:  # a parallel first sign-in won: try again
                return "provider_unavailable"
            uow.commit()
        return user_id


def _email(identity: ProviderIdentity) -> EmailAddress | None:
    """The provider's verified email as Bastion keeps emails; None when it cannot be one."""
    if not identity.email:
        return None
    try:
        return EmailAddress.parse(identity.email)
    except ValidationFailedError:
        return None
