"""Re-seal every stored factor secret under the newest encryption key (SECURITY TO-01).

Rotation: put the new key first in ``BASTION_ENCRYPTION_KEYS`` (old keys after it), run
``bastion keys reseal``, then drop the old key. Pending setups and queued texts, sealed for
minutes only, open with the old key until it is dropped. Batches commit one by one, so a
run that stops half-way is simply run again.
"""

from __future__ import annotations

from application.ports.persistence import UnitOfWork
from application.ports.security import SecretBox
from domain.ids import FactorId

BATCH = 200


class ResealFactorSecrets:
    def __init__(self, uow: UnitOfWork, box: SecretBox) -> None:
        self._uow = uow
        self._box = box

    def __call__(self) -> int:
        done = 0
        after: FactorId | None = None
        while True:
            with self._uow as uow:
                batch = uow.factors.list_sealed(after, BATCH)
                for factor in batch:
                    old = factor.secret or ""
                    done += uow.factors.reseal(factor.id, old, self._box.reseal(old))
                uow.commit()
            if len(batch) < BATCH:
                return done
            after = batch[-1].id
