"""The app-on-PostgreSQL-and-Redis fixtures of ``test_outages`` serve every module here."""

from tests.integration.test_outages import make_bastion, on_postgres

__all__ = ["make_bastion", "on_postgres"]
