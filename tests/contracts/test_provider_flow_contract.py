"""Provider-flow records on the challenge store, over the in-memory twin and real Redis:
the seed's ``oauth_state:`` and ``oauth_state:apple:`` keys (by digest), 10 minutes, taken
once, only for their provider and browser; one-time codes and link tickets 60 seconds,
taken once (SECURITY OA-01, OA-07)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier
from uuid import UUID

import pytest
import redis

from adapters.security.digests import HmacDigester
from adapters.security.secrets import SystemSecretGenerator
from application.ports.ephemeral import ChallengeStore
from application.social.flows import (
    CODE_TTL,
    LINK_TICKET_TTL,
    STATE_TTL,
    LinkTicket,
    PendingFlow,
    ProviderFlows,
)
from domain.errors import InvalidCodeError, InvalidStateError
from domain.ids import UserId
from domain.social import FlowMode, Provider
from tests.contracts.ephemeral_backends import Backend, MemoryBackend, RedisBackend
from tests.support.clock import ManualClock

BACKENDS = ["memory", pytest.param("redis", marks=pytest.mark.integration)]
ADA = UserId(UUID(int=42))
DIGESTER = HmacDigester(key=b"k" * 32)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    if request.param == "memory":
        yield MemoryBackend(ManualClock())
        return
    client: redis.Redis = request.getfixturevalue("redis_client")
    found = RedisBackend(ManualClock(), request.getfixturevalue("redis_url"), client)
    yield found
    found.connector.close()


def flows(store: ChallengeStore) -> ProviderFlows:
    return ProviderFlows(store, SystemSecretGenerator(), DIGESTER)


def pending(provider: Provider, mode: FlowMode = FlowMode.LOGIN) -> PendingFlow:
    return PendingFlow(
        provider=provider,
        mode=mode,
        user_id=ADA if mode is FlowMode.LINK else None,
        code_verifier="v" * 43,
        nonce="n" * 43,
        redirect_uri="https://app.example.com/cb",
    )


@pytest.mark.parametrize(
    ("provider", "prefix"),
    [(Provider.GOOGLE, "oauth_state:"), (Provider.APPLE, "oauth_state:apple:")],
)
def test_a_flow_waits_under_the_digest_of_its_state_and_is_taken_once(
    backend: Backend, provider: Provider, prefix: str
) -> None:
    store = backend.challenges()
    records = flows(store)
    flow = records.new()
    records.save(flow, pending(provider, FlowMode.LINK))

    stored = store.get(f"{prefix}{DIGESTER.digest(flow.state)}")
    assert stored is not None
    assert flow.state not in str(stored)
    assert flow.binding not in str(stored)
    assert records.take(provider, flow.state, flow.binding) == pending(provider, FlowMode.LINK)
    with pytest.raises(InvalidStateError):
        records.take(provider, flow.state, flow.binding)


def test_a_flow_is_refused_to_another_provider_or_browser_and_then_gone(backend: Backend) -> None:
    records = flows(backend.challenges())
    for wrong in ((Provider.GITHUB, None), (Provider.GOOGLE, "another-browser")):
        flow = records.new()
        records.save(flow, pending(Provider.GOOGLE))
        provider, binding = wrong
        with pytest.raises(InvalidStateError):
            records.take(provider or Provider.GOOGLE, flow.state, binding or flow.binding)
        with pytest.raises(InvalidStateError):
            records.take(Provider.GOOGLE, flow.state, flow.binding)


def test_a_flow_lives_ten_minutes(backend: Backend) -> None:
    records = flows(backend.challenges())
    flow = records.new()
    records.save(flow, pending(Provider.GITHUB))
    backend.advance(STATE_TTL + 1)

    with pytest.raises(InvalidStateError):
        records.take(Provider.GITHUB, flow.state, flow.binding)


def test_of_parallel_takers_of_one_state_one_wins(backend: Backend) -> None:
    records = flows(backend.challenges())
    flow = records.new()
    records.save(flow, pending(Provider.GOOGLE))
    barrier = Barrier(10)

    def take() -> bool:
        barrier.wait(timeout=10)
        try:
            records.take(Provider.GOOGLE, flow.state, flow.binding)
        except InvalidStateError:
            return False
        return True

    with ThreadPoolExecutor(max_workers=10) as pool:
        outcomes = list(pool.map(lambda _: take(), range(10)))

    assert outcomes.count(True) == 1


def test_a_one_time_code_is_taken_once_within_a_minute(backend: Backend) -> None:
    records = flows(backend.challenges())
    code = records.issue_code(ADA, Provider.APPLE)
    late = records.issue_code(ADA, Provider.APPLE)

    assert len(code) >= 43
    assert records.take_code(code) == (ADA, Provider.APPLE)
    with pytest.raises(InvalidCodeError):
        records.take_code(code)
    backend.advance(CODE_TTL + 1)
    with pytest.raises(InvalidCodeError):
        records.take_code(late)


def test_a_link_ticket_is_taken_once_and_only_for_its_provider(backend: Backend) -> None:
    records = flows(backend.challenges())
    ticket = LinkTicket(user_id=ADA, provider=Provider.GITHUB, redirect_uri="https://a.example/")
    value = records.issue_link_ticket(ticket)
    other = records.issue_link_ticket(ticket)

    assert records.take_link_ticket(value, Provider.GITHUB) == ticket
    with pytest.raises(InvalidStateError):
        records.take_link_ticket(value, Provider.GITHUB)
    with pytest.raises(InvalidStateError):
        records.take_link_ticket(other, Provider.GOOGLE)


def test_a_link_ticket_is_read_without_being_taken_until_it_expires(backend: Backend) -> None:
    records = flows(backend.challenges())
    ticket = LinkTicket(user_id=ADA, provider=Provider.GOOGLE, redirect_uri="https://a.example/")
    value = records.issue_link_ticket(ticket)
    late = records.issue_link_ticket(ticket)

    assert records.read_link_ticket(value, Provider.GOOGLE) == ticket
    assert records.read_link_ticket(value, Provider.GOOGLE) == ticket
    with pytest.raises(InvalidStateError):
        records.read_link_ticket(value, Provider.GITHUB)
    assert records.take_link_ticket(value, Provider.GOOGLE) == ticket
    with pytest.raises(InvalidStateError):
        records.read_link_ticket(value, Provider.GOOGLE)
    backend.advance(LINK_TICKET_TTL + 1)
    with pytest.raises(InvalidStateError):
        records.read_link_ticket(late, Provider.GOOGLE)
