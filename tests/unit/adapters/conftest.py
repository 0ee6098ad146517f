"""Fixtures the queue adapters' tests share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cryptography.fernet import Fernet

from adapters.security.secret_box import FernetSecretBox
from tests.fixtures.redis import running_redis


@pytest.fixture(scope="module")
def queue_redis_url() -> Iterator[str]:
    """A server of the test module's own: the suite's shared one has live workers on its
    queues, which would take the jobs these tests inspect."""
    with running_redis() as server:
        yield server.url


@pytest.fixture
def box() -> FernetSecretBox:
    return FernetSecretBox([Fernet.generate_key().decode()])
