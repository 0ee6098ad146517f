"""Social sign-in's use cases on the in-memory container, without Flask, against the fake
providers on loopback: who gets an account, linking, unlinking, the second factor, and
re-sealing the stored access tokens after a key rotation."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from cryptography.fernet import Fernet

from adapters.security.secret_box import FernetSecretBox
from application.results import MfaChallenge, ProviderRedirect, TokenPair
from application.social import reseal
from application.social.confirm_link import ConfirmProviderLinkCommand
from application.social.exchange_code import ExchangeProviderCodeCommand
from application.social.finish_callback import FinishProviderCallbackCommand
from application.social.review_link import LinkReview, ReviewProviderLinkCommand
from application.social.start_link import StartProviderLinkCommand
from application.social.start_sign_in import StartProviderSignInCommand
from application.social.unlink import UnlinkProviderCommand
from domain.errors import (
    InvalidStateError,
    LastLoginMethodError,
    LinkNotConfirmedError,
    ProviderAlreadyLinkedError,
)
from domain.events import EventType
from domain.ids import SessionId, UserId
from domain.social import ProviderLink
from tests.support.fake_providers import Person
from tests.support.settings import TEST_SECRETS
from tests.support.social import APP_CALLBACK, ProviderSet, post_form
from tests.use_cases.conftest import LAPTOP, PASSWORD, Bastion, BastionFactory


@pytest.fixture
def bastion(make_bastion: BastionFactory, fakes: ProviderSet) -> Bastion:
    fakes.reset()
    return make_bastion(**fakes.settings())


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def start(bastion: Bastion, provider: str, link_ticket: str | None = None) -> ProviderRedirect:
    """A sign-in's start, or a link's: the page read and its confirmation sent back."""
    if link_ticket is None:
        command = StartProviderSignInCommand(provider, APP_CALLBACK)
        return bastion.container.start_provider_sign_in()(command)
    page = review(bastion, provider, link_ticket)
    return bastion.container.confirm_provider_link()(
        ConfirmProviderLinkCommand(provider, link_ticket, page.proof, page.nonce)
    )


def review(bastion: Bastion, provider: str, link_ticket: str) -> LinkReview:
    return bastion.container.review_provider_link()(
        ReviewProviderLinkCommand(provider, link_ticket)
    )


def round_trip(bastion: Bastion, provider: str, link_ticket: str | None = None) -> dict[str, str]:
    """Start, let the provider answer, finish; the parameters put on ``redirect_uri``."""
    started = start(bastion, provider, link_ticket)
    assert started.binding is not None
    answer = requests.get(started.url, allow_redirects=False, timeout=10)
    if answer.status_code == 302:
        sent = query(answer.headers["Location"])
    else:
        sent = post_form(answer.text)[1]
    finished = bastion.container.finish_provider_callback()(
        FinishProviderCallbackCommand(
            provider=provider,
            state=sent["state"],
            binding=started.binding,
            code=sent.get("code"),
            apple_user=sent.get("user"),
        )
    )
    assert finished.url.startswith(APP_CALLBACK)
    return query(finished.url)


def exchange(bastion: Bastion, code: str) -> TokenPair | MfaChallenge:
    return bastion.container.exchange_provider_code()(ExchangeProviderCodeCommand(code, LAPTOP))


def test_a_first_sign_in_makes_a_verified_account_with_the_providers_names(
    bastion: Bastion,
) -> None:
    outcome = exchange(bastion, round_trip(bastion, "google")["code"])

    assert isinstance(outcome, TokenPair)
    assert outcome.user.email_verified
    assert (outcome.user.first_name, outcome.user.last_name) == ("Grace", "Hopper")
    stored = bastion.user(outcome.user.id)
    assert stored is not None
    assert stored.password is None
    kinds = {event.type for event in bastion.events(outcome.user.id)}
    assert {
        EventType.USER_REGISTERED,
        EventType.PROVIDER_LINKED,
        EventType.LOGIN_SUCCEEDED,
    } <= kinds


def test_an_email_an_account_holds_is_account_exists(bastion: Bastion) -> None:
    bastion.a_user("grace@example.com")

    assert round_trip(bastion, "google") == {"error": "account_exists"}


def test_no_verified_email_is_email_unverified(bastion: Bastion, fakes: ProviderSet) -> None:
    fakes.apple.person = Person(subject="a-1", email="x@example.com", email_verified=False)

    assert round_trip(bastion, "apple") == {"error": "email_unverified"}


def link_ticket(bastion: Bastion, account_id: UserId, session_id: SessionId, provider: str) -> str:
    url = bastion.container.start_provider_link()(
        StartProviderLinkCommand(
            user_id=account_id,
            session_id=session_id,
            provider=provider,
            redirect_uri=APP_CALLBACK,
            password=PASSWORD,
        )
    )
    return query(url)["link"]


def test_linking_joins_the_identity_to_the_account_and_never_moves_it(bastion: Bastion) -> None:
    ada = bastion.a_user()
    session = bastion.signed_in(ada)
    eve = bastion.a_user("eve@example.com")
    eve_session = bastion.signed_in(eve)

    linked = round_trip(
        bastion, "github", link_ticket(bastion, ada.id, session.session_id, "github")
    )
    again = link_ticket(bastion, eve.id, eve_session.session_id, "github")
    elsewhere = round_trip(bastion, "github", again)

    assert linked == {"linked": "github"}
    assert elsewhere == {"error": "identity_linked_elsewhere"}
    signed = exchange(bastion, round_trip(bastion, "github")["code"])
    assert isinstance(signed, TokenPair)
    assert signed.user.id == ada.id
    with pytest.raises(ProviderAlreadyLinkedError):
        link_ticket(bastion, ada.id, session.session_id, "github")


def test_a_link_ticket_is_read_by_its_page_and_taken_by_its_confirmation_only(
    bastion: Bastion,
) -> None:
    ada = bastion.a_user("ada.lovelace@example.com")
    ticket = link_ticket(bastion, ada.id, bastion.signed_in(ada).session_id, "github")

    first = review(bastion, "github", ticket)
    again = review(bastion, "github", ticket)  # viewing twice takes nothing
    started = bastion.container.confirm_provider_link()(
        ConfirmProviderLinkCommand("github", ticket, again.proof, again.nonce)
    )

    assert (first.account, first.cancel_url) == (
        "a•••@example.com",
        f"{APP_CALLBACK}?error=access_denied",
    )
    assert first.nonce != again.nonce
    assert first.proof != again.proof
    assert started.binding is not None
    with pytest.raises(InvalidStateError):  # taken: a second confirmation, or a new page
        review(bastion, "github", ticket)
    with pytest.raises(InvalidStateError):
        bastion.container.confirm_provider_link()(
            ConfirmProviderLinkCommand("github", ticket, again.proof, again.nonce)
        )


@pytest.mark.parametrize("forgery", ["no cookie", "another page's nonce", "a made-up proof"])
def test_a_confirmation_not_from_this_browsers_page_leaves_the_ticket_alone(
    bastion: Bastion, forgery: str
) -> None:
    ada = bastion.a_user()
    ticket = link_ticket(bastion, ada.id, bastion.signed_in(ada).session_id, "google")
    page, other = review(bastion, "google", ticket), review(bastion, "google", ticket)
    proof, nonce = {
        "no cookie": (page.proof, ""),
        "another page's nonce": (page.proof, other.nonce),
        "a made-up proof": ("0" * 64, page.nonce),
    }[forgery]

    with pytest.raises(LinkNotConfirmedError):
        bastion.container.confirm_provider_link()(
            ConfirmProviderLinkCommand("google", ticket, proof, nonce)
        )

    assert round_trip(bastion, "google", ticket) == {"linked": "google"}  # still unused


def test_a_link_ticket_expires_after_60_seconds_however_long_its_page_was_open(
    bastion: Bastion,
) -> None:
    ada = bastion.a_user()
    ticket = link_ticket(bastion, ada.id, bastion.signed_in(ada).session_id, "google")
    page = review(bastion, "google", ticket)
    bastion.clock.advance(61)

    with pytest.raises(InvalidStateError):
        bastion.container.confirm_provider_link()(
            ConfirmProviderLinkCommand("google", ticket, page.proof, page.nonce)
        )


def test_the_last_way_in_cannot_be_unlinked(bastion: Bastion) -> None:
    outcome = exchange(bastion, round_trip(bastion, "google")["code"])
    assert isinstance(outcome, TokenPair)

    with pytest.raises(LastLoginMethodError):
        bastion.container.unlink_provider()(UnlinkProviderCommand(outcome.user.id, "google"))


def test_a_user_with_a_second_factor_gets_a_challenge_not_tokens(bastion: Bastion) -> None:
    ada = bastion.a_user()
    session = bastion.signed_in(ada)
    round_trip(bastion, "google", link_ticket(bastion, ada.id, session.session_id, "google"))
    factor = bastion.with_totp(ada)

    challenge = exchange(bastion, round_trip(bastion, "google")["code"])

    assert isinstance(challenge, MfaChallenge)
    done = bastion.second_step(challenge, "totp", bastion.code(factor.secret))
    assert bastion.authenticate(done.access_token).methods == ("oauth", "otp")


def test_a_key_rotation_reseals_every_provider_token_batch_by_batch(
    bastion: Bastion, monkeypatch: pytest.MonkeyPatch
) -> None:
    ada = bastion.a_user()
    session = bastion.signed_in(ada)
    round_trip(bastion, "github", link_ticket(bastion, ada.id, session.session_id, "github"))
    grace = exchange(bastion, round_trip(bastion, "google")["code"])
    assert isinstance(grace, TokenPair)
    old_box = bastion.container.secret_box()
    before = links(bastion, ada.id, grace.user.id)
    tokens = [old_box.open(link.sealed_token or "") for link in before]

    new_key = Fernet.generate_key().decode()
    bastion.container.secret_box.override(
        FernetSecretBox([new_key, TEST_SECRETS["encryption_keys"]])
    )
    monkeypatch.setattr(reseal, "BATCH", 1)  # each link in a batch of its own
    count = bastion.container.reseal_provider_tokens()()

    after = links(bastion, ada.id, grace.user.id)
    new_only = FernetSecretBox([new_key])
    assert count == len(before) == 2
    assert [new_only.open(link.sealed_token or "") for link in after] == tokens
    assert not {link.sealed_token for link in before} & {link.sealed_token for link in after}


def links(bastion: Bastion, *user_ids: UserId) -> list[ProviderLink]:
    with bastion.container.uow() as uow:
        return [link for user_id in user_ids for link in uow.provider_links.list_for_user(user_id)]
