"""Readiness: can the database answer a trivial query right now?"""

from __future__ import annotations

import logging

from sqlalchemy import Engine, text

from application.ports.persistence import HealthProbe

logger = logging.getLogger("bastion.health")


class SqlHealthProbe(HealthProbe):
    """Bounded by the engine's connect and statement timeouts and pool pre-ping."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def ping(self) -> bool:
        try:
            with self._engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception:
            logger.warning("database ping failed", exc_info=True)
            return False
        return True
