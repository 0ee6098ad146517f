"""Re-seal every stored provider access token under the newest encryption key (SECURITY
OA-08, rotated as TO-01's secrets are).

Provider links keep the provider's access token sealed with ``BASTION_ENCRYPTION_KEYS``,
like the factor secrets, so ``bastion keys reseal`` re-seals both: an old key dropped
before the tokens were re-sealed would leave them unopenable. Batches commit one by one
and a token is written only if it is still the one read (a sign-in that stored a new one
meanwhile wins), so a run that stops half-way is simply run again.
"""

from __future__ import annotations

from application.ports.persistence import UnitOfWork
from application.ports.security import SecretBox
from domain.social import Provider

BATCH = 200


class ResealProviderTokens:
    def __init__(self, uow: UnitOfWork, box: SecretBox) -> None:
        self._uow = uow
        self._box = box

    def __call__(self) -> int:
        """How many tokens were re-sealed; one that changed meanwhile is not counted."""
        done = 0
        after: tuple[Provider, str] | None = None
        while True:
            with self._uow as uow:
                batch = uow.provider_links.list_sealed(after, BATCH)
                for link in batch:
                    old = link.sealed_token or ""
                    new = self._box.reseal(old)
                    done += uow.provider_links.reseal(link.provider, link.subject, old, new)
                uow.commit()
            if len(batch) < BATCH:
                return done
            after = batch[-1].key
