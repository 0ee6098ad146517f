"""``bastion keys reseal`` on a real (SQLite) database, configured as in production: a
rotation re-seals the factor secrets and the provider access tokens under the new key."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

import pytest
from click.testing import CliRunner
from cryptography.fernet import Fernet

from domain.factors import FactorKind, SecondFactor
from domain.ids import FactorId
from domain.social import LinkStatus, Provider, ProviderLink
from entrypoints.cli import main
from entrypoints.container import build_container
from entrypoints.settings import load_settings
from tests.contracts.persistence_backends import START, a_user, store
from tests.support.settings import TEST_SECRETS

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


@pytest.fixture
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    values = {
        "ENV": "test",
        "INSTANCE_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path}/bastion.db",
        **{key.upper(): value for key, value in TEST_SECRETS.items()},
        "ENCRYPTION_KEYS": OLD,
    }
    for key, value in values.items():
        monkeypatch.setenv(f"BASTION_{key}", value)
    monkeypatch.delenv("BASTION_REDIS_URL", raising=False)
    return tmp_path


def test_keys_reseal_reseals_factor_secrets_and_provider_tokens(
    environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    before = build_container(load_settings())
    box, user = before.secret_box(), a_user()
    store(before.uow, user)
    with before.uow() as uow:
        uow.factors.save(
            SecondFactor(
                id=FactorId(UUID(int=1)),
                user_id=user.id,
                kind=FactorKind.TOTP,
                created_at=START,
                secret=box.seal(b"JBSWY3DPEHPK3PXP"),
            )
        )
        uow.provider_links.add(
            ProviderLink(
                provider=Provider.GITHUB,
                subject="583231",
                user_id=user.id,
                email=None,
                status=LinkStatus.CONNECTED,
                sealed_token=box.seal(b"gho_access-token"),
                scope="read:user",
                linked_at=START,
            )
        )
        uow.commit()
    before.reset_singletons()

    monkeypatch.setenv("BASTION_ENCRYPTION_KEYS", f"{NEW},{OLD}")  # the new key first
    result = runner.invoke(main, ["keys", "reseal"])

    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        "re-sealed 1 factor secrets and 1 provider tokens under the newest key"
    )
    monkeypatch.setenv("BASTION_ENCRYPTION_KEYS", NEW)  # the old key dropped
    after = build_container(load_settings())
    with after.uow() as uow:
        [factor] = uow.factors.list_sealed(None, 10)
        [link] = uow.provider_links.list_sealed(None, 10)
    assert after.secret_box().open(factor.secret or "") == b"JBSWY3DPEHPK3PXP"
    assert after.secret_box().open(link.sealed_token or "") == b"gho_access-token"
    after.reset_singletons()
