"""Social sign-in over HTTP against fake Google, GitHub and Apple servers on loopback,
driven as a browser would (each 302 followed by hand, the binding cookie kept per
browser), and every attack of SECURITY OA-01..OA-09 (with MF-02 and CC-07), each refused
with the status and code the contract names."""

from __future__ import annotations

import re
import threading
import time
from typing import Any
from uuid import UUID

import jwt
import pytest

from application.ports.messaging import NoticeKind
from domain.social import Provider
from tests.api.conftest import PASSWORD, Bastion, BastionFactory
from tests.support.fake_providers import TAMPERINGS, GitHubEmail, Person
from tests.support.social import APP_CALLBACK, Browser, ProviderSet, query_of

PUBLIC_URL = "https://bastion.example"
JWT_SHAPED = re.compile(r"eyJ[\w-]+\.[\w-]+\.")
STATE_REFUSED = {"status": 400, "code": "invalid_state"}


# --- fixtures and helpers ---------------------------------------------------------------
def browser(bastion: Bastion) -> Browser:
    """A fresh browser: no cookie from any other."""
    client = bastion.app.test_client(use_cookies=False)

    def send(
        method: str,
        path: str,
        headers: dict[str, str],
        query: dict[str, str],
        form: dict[str, str] | None,
    ) -> Any:
        return client.open(path, method=method, headers=headers, query_string=query, data=form)

    return Browser(send, PUBLIC_URL)


def exchange(bastion: Bastion, code: str) -> Any:
    return bastion.call("POST", "/auth/oauth/exchange", json={"code": code})


def signed_in(bastion: Bastion, provider: str) -> dict[str, Any]:
    location = browser(bastion).sign_in(provider)
    answer = exchange(bastion, query_of(location)["code"])
    assert answer.status_code == 200, answer.json
    tokens: dict[str, Any] = answer.json
    return tokens


def amr(tokens: dict[str, Any]) -> list[str]:
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    methods: list[str] = claims["amr"]
    return methods


def user_count(bastion: Bastion) -> int:
    return len(bastion.container.memory_database().users)


def links(bastion: Bastion) -> list[Any]:
    return list(bastion.container.memory_database().provider_links.values())


def refused_state(answer: Any) -> bool:
    return bool(
        answer.status_code == STATE_REFUSED["status"]
        and answer.json["code"] == STATE_REFUSED["code"]
        and "Location" not in answer.headers
    )


# --- the three providers, end to end ----------------------------------------------------
@pytest.mark.parametrize(
    ("provider", "first", "last"),
    [("google", "Grace", "Hopper"), ("github", "Mona", "Lisa"), ("apple", "Grace", "Hopper")],
)
def test_a_first_sign_in_makes_a_verified_account_without_a_password(
    social: Bastion, fakes: ProviderSet, provider: str, first: str, last: str
) -> None:
    location = browser(social).sign_in(provider)

    assert location.startswith(f"{APP_CALLBACK}?code=")
    tokens = exchange(social, query_of(location)["code"]).json
    assert amr(tokens) == ["oauth"]
    profile = social.call("GET", "/me", token=tokens["access_token"]).json
    person = getattr(fakes, provider).person
    assert profile["email"] == person.email
    assert profile["email_verified"] is True
    assert (profile["first_name"], profile["last_name"]) == (first, last)
    listed = social.call("GET", "/me/providers", token=tokens["access_token"]).json
    assert [item["provider"] for item in listed["items"]] == [provider]
    assert listed["items"][0]["status"] == "connected"
    events = set(social.events(profile["id"]))
    assert {"user.registered", "provider.linked", "login.succeeded"} <= events
    stored = social.container.memory_database().users[UUID(profile["id"])]
    assert stored.password is None


@pytest.mark.parametrize("provider", ["google", "github", "apple"])
def test_the_same_identity_signs_in_to_the_same_account(social: Bastion, provider: str) -> None:
    first = signed_in(social, provider)
    second = signed_in(social, provider)

    assert first["user"]["id"] == second["user"]["id"]
    assert user_count(social) == 1


def test_authorize_sends_pkce_s256_a_nonce_and_a_long_state(
    social: Bastion, fakes: ProviderSet
) -> None:
    for provider in ("google", "github", "apple"):
        start = browser(social).authorize(provider)
        assert start.status_code == 302
        sent = query_of(start.headers["Location"])
        assert len(sent["state"]) >= 22  # 128 bits of base64url at the least
        assert sent["redirect_uri"] == f"{PUBLIC_URL}/api/v1/auth/oauth/{provider}/callback"
        if provider in {"google", "github"}:
            assert sent["code_challenge_method"] == "S256"
            assert len(sent["code_challenge"]) == 43
        if provider in {"google", "apple"}:
            assert len(sent["nonce"]) >= 22
    apple = query_of(browser(social).authorize("apple").headers["Location"])
    assert apple["response_mode"] == "form_post"
    assert apple["scope"] == "name email"


def test_the_binding_cookie_is_httponly_and_scoped_to_the_callback(social: Bastion) -> None:
    google = browser(social).authorize("google").headers.getlist("Set-Cookie")[0]
    apple = browser(social).authorize("apple").headers.getlist("Set-Cookie")[0]

    assert "HttpOnly" in google
    assert "SameSite=Lax" in google
    assert "Path=/api/v1/auth/oauth/google/callback" in google
    assert "Max-Age=600" in google
    assert "SameSite=None" in apple
    assert "Secure" in apple


@pytest.mark.parametrize("provider", ["google", "apple"])
def test_the_callback_clears_the_binding_cookie(social: Bastion, provider: str) -> None:
    visitor = browser(social)
    start = visitor.authorize(provider)
    assert f"bastion_oauth_{provider}" in visitor.cookies

    back = visitor.back_to_bastion(visitor.at_provider(start.headers["Location"]))

    cleared = back.headers.getlist("Set-Cookie")[0]
    assert "Max-Age=0" in cleared
    assert f"Path=/api/v1/auth/oauth/{provider}/callback" in cleared
    assert f"bastion_oauth_{provider}" not in visitor.cookies


def test_redirects_carry_no_referrer_no_store_and_never_a_token(social: Bastion) -> None:
    visitor = browser(social)
    start = visitor.authorize("google")
    back = visitor.back_to_bastion(visitor.at_provider(start.headers["Location"]))
    tokens = exchange(social, query_of(back.headers["Location"])["code"]).json

    for answer in (start, back):
        assert answer.status_code == 302
        assert answer.headers["Referrer-Policy"] == "no-referrer"
        assert answer.headers["Cache-Control"] == "no-store"
        assert not JWT_SHAPED.search(answer.headers["Location"])
        assert tokens["access_token"] not in answer.headers["Location"]


def test_an_unknown_or_unconfigured_provider_is_404(
    make_bastion: BastionFactory, fakes: ProviderSet
) -> None:
    only_google = {k: v for k, v in fakes.settings().items() if "github" not in k}
    bastion = make_bastion(**only_google)

    assert browser(bastion).authorize("github").status_code == 404
    assert browser(bastion).authorize("myspace").status_code == 404
    assert browser(bastion).authorize("google").status_code == 302


def test_apple_posts_a_form_past_the_json_only_rule(social: Bastion) -> None:
    visitor = browser(social)
    start = visitor.authorize("apple")
    page = visitor.at_provider(start.headers["Location"])
    assert page.status_code == 200
    back = visitor.back_to_bastion(page)

    assert back.status_code == 302
    assert "code=" in back.headers["Location"]
    as_text = social.call(
        "POST", "/auth/oauth/google/callback", data="state=x", content_type="text/plain"
    )
    assert as_text.status_code == 415


# --- OA-06: the redirect_uri allow-list ---------------------------------------------------
@pytest.mark.parametrize(
    "redirect_uri",
    [
        "https://app.example.com.evil.test/oauth/done",
        "https://app.example.com@evil.test/oauth/done",
        "https://app.example.com\\@evil.test/oauth/done",
        "//evil.test/oauth/done",
        "javascript:alert(1)",
        "http://app.example.com/oauth/done",
        "https://app.example.com/oauthx",
        "https://app.example.com/oauth/../admin",
        "https://app.example.com/oauth/%2e%2e/admin",
        "https://app.example.com:8443/oauth/done",
        "https://app.example.com/oauth/done#fragment",
        "https://app.example.com/oauth/do\nne",
        "https://evil.test/oauth/done",
        "",
    ],
)
def test_a_redirect_uri_outside_the_allow_list_is_422_and_no_redirect(
    social: Bastion, redirect_uri: str
) -> None:
    answer = browser(social).authorize("google", redirect_uri)

    assert answer.status_code == 422
    assert answer.json["code"] in {"invalid_redirect_uri", "validation_error"}
    assert "Location" not in answer.headers
    assert "Set-Cookie" not in answer.headers


def test_the_account_console_is_on_the_default_allow_list(
    make_bastion: BastionFactory, fakes: ProviderSet
) -> None:
    settings = {k: v for k, v in fakes.settings().items() if k != "redirect_allowlist"}
    bastion = make_bastion(**settings)

    assert browser(bastion).authorize("google", f"{PUBLIC_URL}/account/linked").status_code == 302
    assert browser(bastion).authorize("google", APP_CALLBACK).status_code == 422


# --- OA-01, OA-04: the state ----------------------------------------------------------------
def test_a_replayed_state_is_refused(social: Bastion) -> None:
    visitor = browser(social)
    start = visitor.authorize("google")
    answer = visitor.at_provider(start.headers["Location"])
    assert visitor.back_to_bastion(answer).status_code == 302

    again = visitor.visit("GET", *visitor._local(answer.headers["Location"]))

    assert refused_state(again)


def test_an_unknown_state_is_refused(social: Bastion) -> None:
    visitor = browser(social)
    visitor.authorize("google")
    path = "/api/v1/auth/oauth/google/callback"

    assert refused_state(visitor.visit("GET", path, query={"state": "made-up", "code": "x"}))
    assert user_count(social) == 0


def test_an_expired_state_is_refused(social: Bastion) -> None:
    visitor = browser(social)
    start = visitor.authorize("google")
    answer = visitor.at_provider(start.headers["Location"])
    social.clock.advance(601)

    assert refused_state(visitor.back_to_bastion(answer))
    assert user_count(social) == 0


def test_a_state_from_another_browser_is_refused(social: Bastion) -> None:
    victim, attacker = browser(social), browser(social)
    start = attacker.authorize("google")
    answer = attacker.at_provider(start.headers["Location"])

    assert refused_state(victim.back_to_bastion(answer))  # no binding cookie at all
    victim.cookies["bastion_oauth_google"] = "a-guess"
    assert refused_state(victim.visit("GET", *victim._local(answer.headers["Location"])))
    assert user_count(social) == 0


def test_a_state_delivered_to_another_providers_callback_is_refused(social: Bastion) -> None:
    visitor = browser(social)
    start = visitor.authorize("github")
    answer = visitor.at_provider(start.headers["Location"])
    _, query = visitor._local(answer.headers["Location"])
    visitor.cookies["bastion_oauth_google"] = visitor.cookies["bastion_oauth_github"]

    assert refused_state(visitor.visit("GET", "/api/v1/auth/oauth/google/callback", query=query))
    assert refused_state(visitor.back_to_bastion(answer))  # and the state is spent


def test_a_code_swapped_between_providers_signs_nobody_in(social: Bastion) -> None:
    visitor = browser(social)
    google = visitor.at_provider(visitor.authorize("google").headers["Location"])
    github = visitor.at_provider(visitor.authorize("github").headers["Location"])
    google_code = query_of(google.headers["Location"])["code"]
    github_state = query_of(github.headers["Location"])["state"]

    back = visitor.visit(
        "GET",
        "/api/v1/auth/oauth/github/callback",
        query={"code": google_code, "state": github_state},
    )

    assert back.status_code == 302
    assert query_of(back.headers["Location"]) == {"error": "identity_rejected"}
    assert user_count(social) == 0


def test_an_iss_parameter_naming_another_issuer_is_refused(social: Bastion) -> None:
    visitor = browser(social)
    answer = visitor.at_provider(visitor.authorize("google").headers["Location"])
    _, query = visitor._local(answer.headers["Location"])

    back = visitor.visit(
        "GET", "/api/v1/auth/oauth/google/callback", query={**query, "iss": "https://evil.test"}
    )

    assert query_of(back.headers["Location"]) == {"error": "identity_rejected"}


def test_twenty_parallel_callbacks_with_one_state_make_one_sign_in(social: Bastion) -> None:
    visitor = browser(social)
    answer = visitor.at_provider(visitor.authorize("google").headers["Location"])
    path, query = visitor._local(answer.headers["Location"])
    barrier = threading.Barrier(20)
    outcomes: list[int] = []

    def call() -> None:
        barrier.wait()
        outcomes.append(visitor.visit("GET", path, query=dict(query)).status_code)

    threads = [threading.Thread(target=call) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == [302] + [400] * 19
    assert user_count(social) == 1


def test_the_user_cancelling_at_the_provider_comes_back_as_access_denied(social: Bastion) -> None:
    visitor = browser(social)
    state = query_of(visitor.authorize("google").headers["Location"])["state"]

    back = visitor.visit(
        "GET",
        "/api/v1/auth/oauth/google/callback",
        query={"state": state, "error": "access_denied"},
    )

    assert back.headers["Location"] == f"{APP_CALLBACK}?error=access_denied"


# --- OA-03: the id_token ------------------------------------------------------------------
@pytest.mark.parametrize("provider", ["google", "apple"])
@pytest.mark.parametrize("tamper", TAMPERINGS)
def test_a_tampered_id_token_is_refused(
    social: Bastion, fakes: ProviderSet, provider: str, tamper: str
) -> None:
    getattr(fakes, provider).tamper = tamper

    location = browser(social).sign_in(provider)

    assert query_of(location) == {"error": "identity_rejected"}
    assert user_count(social) == 0
    assert links(social) == []


def test_a_flood_of_unknown_key_ids_fetches_the_keys_at_most_once_a_minute(
    social: Bastion, fakes: ProviderSet
) -> None:
    signed_in(social, "google")
    before = fakes.google.counters.jwks_fetches
    fakes.google.tamper = "unknown_kid"

    for _ in range(5):
        assert query_of(browser(social).sign_in("google")) == {"error": "identity_rejected"}

    assert fakes.google.counters.jwks_fetches - before <= 1


def test_rotated_provider_keys_are_fetched_once_then_accepted(
    social: Bastion, fakes: ProviderSet
) -> None:
    signed_in(social, "apple")
    fakes.apple.rotate_keys()
    keys = social.container.identity_providers()._clients[Provider.APPLE]._verifier._keys
    keys._fetched_at -= 61
    before = fakes.apple.counters.jwks_fetches

    assert "access_token" in signed_in(social, "apple")
    assert fakes.apple.counters.jwks_fetches == before + 1


# --- OA-05: identities, emails and the pre-account takeover ---------------------------------
def test_an_attacker_who_registered_the_victims_email_first_gets_nothing(
    social: Bastion, fakes: ProviderSet
) -> None:
    assert social.register("grace@example.com").status_code == 202  # unverified, attacker's

    location = browser(social).sign_in("google")

    assert query_of(location) == {"error": "account_exists"}
    assert links(social) == []
    assert user_count(social) == 1
    login = social.log_in("grace@example.com")
    assert login.status_code == 403  # still the attacker's unverified, unlinked account


def test_a_verified_account_with_the_email_is_never_linked_by_email(
    social: Bastion, fakes: ProviderSet
) -> None:
    social.verified_user("octo@example.com")

    assert query_of(browser(social).sign_in("github")) == {"error": "account_exists"}
    assert links(social) == []


@pytest.mark.parametrize("provider", ["google", "apple"])
def test_an_unverified_provider_email_makes_no_account(
    social: Bastion, fakes: ProviderSet, provider: str
) -> None:
    getattr(fakes, provider).person = Person(
        subject="2", email="x@example.com", email_verified=False
    )

    assert query_of(browser(social).sign_in(provider)) == {"error": "email_unverified"}
    assert user_count(social) == 0


def test_github_counts_only_a_verified_primary_address(social: Bastion, fakes: ProviderSet) -> None:
    fakes.github.emails = [
        GitHubEmail("octo@example.com", primary=True, verified=False),
        GitHubEmail("other@example.com", primary=False, verified=True),
    ]

    assert query_of(browser(social).sign_in("github")) == {"error": "email_unverified"}
    assert user_count(social) == 0


def test_a_password_login_to_an_account_without_a_password_is_the_usual_401(
    social: Bastion,
) -> None:
    signed_in(social, "google")

    no_password = social.log_in("grace@example.com", "any password at all, long enough")
    unknown = social.log_in("nobody@example.com", "any password at all, long enough")

    assert no_password.status_code == unknown.status_code == 401
    assert no_password.json == unknown.json


# --- OA-07: the one-time code ---------------------------------------------------------------
def test_the_one_time_code_works_once(social: Bastion) -> None:
    code = query_of(browser(social).sign_in("google"))["code"]

    assert exchange(social, code).status_code == 200
    second = exchange(social, code)
    assert (second.status_code, second.json["code"]) == (400, "invalid_code")


def test_the_one_time_code_expires_after_60_seconds(social: Bastion) -> None:
    code = query_of(browser(social).sign_in("google"))["code"]
    social.clock.advance(61)

    answer = exchange(social, code)

    assert (answer.status_code, answer.json["code"]) == (400, "invalid_code")


def test_parallel_exchanges_of_one_code_give_one_sign_in(social: Bastion) -> None:
    code = query_of(browser(social).sign_in("github"))["code"]
    barrier = threading.Barrier(20)
    statuses: list[int] = []

    def call() -> None:
        client = social.app.test_client()
        barrier.wait()
        answer = client.post("/api/v1/auth/oauth/exchange", json={"code": code})
        statuses.append(answer.status_code)

    threads = [threading.Thread(target=call) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [200] + [400] * 19


# --- OA-08: secrets and a provider that fails --------------------------------------------------
@pytest.mark.parametrize("fault", ["slow", "500", "malformed"])
def test_a_provider_down_or_slow_ends_in_provider_unavailable_within_the_budget(
    make_bastion: BastionFactory, fakes: ProviderSet, fault: str
) -> None:
    fakes.reset()
    bastion = make_bastion(**fakes.settings(), oauth_timeout=1)
    visitor = browser(bastion)
    answer = visitor.at_provider(visitor.authorize("google").headers["Location"])
    if fault == "slow":
        fakes.google.delay = 3
    else:
        fakes.google.fail_status = 500 if fault == "500" else None
        fakes.google.malformed = fault == "malformed"

    started = time.monotonic()
    back = visitor.back_to_bastion(answer)
    elapsed = time.monotonic() - started
    fakes.reset()

    assert query_of(back.headers["Location"]) == {"error": "provider_unavailable"}
    assert elapsed < 2.5
    assert user_count(bastion) == 0


def test_provider_tokens_are_sealed_and_never_shown(
    make_bastion: BastionFactory, fakes: ProviderSet
) -> None:
    fakes.reset()
    bastion = make_bastion("sql", **fakes.settings())
    tokens = signed_in(bastion, "google")
    issued = [r for r in fakes.google.counters.token_requests if r.get("code")]
    assert issued

    listed = bastion.call("GET", "/me/providers", token=tokens["access_token"])

    assert set(listed.json["items"][0]) == {
        "provider",
        "email",
        "status",
        "linked_at",
        "last_sync_at",
    }
    instance = bastion.container.settings().instance_dir
    database = b"".join(path.read_bytes() for path in instance.glob("bastion.db*"))  # WAL too
    for name in ("ya29.", "1//"):
        assert name.encode() not in database
    with bastion.container.uow() as uow:
        link = uow.provider_links.list_for_user(UUID(tokens["user"]["id"]))[0]
    assert link.sealed_token is not None
    assert link.sealed_token.encode() in database  # the scan did read where the row lives
    opened = bastion.container.secret_box().open(link.sealed_token).decode()
    assert opened.startswith("ya29.")


# --- MF-02: a second factor still applies --------------------------------------------------
def test_a_user_with_a_second_factor_must_still_pass_it(social: Bastion) -> None:
    tokens = signed_in(social, "google")
    social.call("POST", "/auth/logout", token=tokens["access_token"])
    tokens = signed_in(social, "google")
    # an account made by Google has no password: its factor is proved by a code
    secret, backup_codes = social.enable_totp(tokens["access_token"])

    code = query_of(browser(social).sign_in("google"))["code"]
    challenge = exchange(social, code)

    assert challenge.status_code == 200
    assert challenge.json["mfa_required"] is True
    assert "access_token" not in challenge.json
    body = {
        "login_token": challenge.json["login_token"],
        "method": "backup_code",
        "code": backup_codes[0],
    }
    finished = social.call("POST", "/auth/login/mfa", json=body)
    assert finished.status_code == 200, finished.json
    assert amr(finished.json) == ["oauth", "backup"]
    assert secret


# --- OA-09: linking and unlinking -----------------------------------------------------------
def start_link(bastion: Bastion, token: str, provider: str, **proof: str) -> Any:
    body = {"redirect_uri": APP_CALLBACK, **(proof or {"password": PASSWORD})}
    return bastion.call("POST", f"/me/providers/{provider}/link", token=token, json=body)


def finish_link(bastion: Bastion, authorization_url: str) -> str:
    visitor = browser(bastion)
    start = visitor.start_link(authorization_url)
    assert start.status_code == 303, start.json
    back = visitor.back_to_bastion(visitor.at_provider(start.headers["Location"]))
    assert back.status_code == 302, back.json
    location: str = back.headers["Location"]
    return location


def test_a_signed_in_user_links_and_unlinks_a_provider(social: Bastion, fakes: ProviderSet) -> None:
    fakes.github.person = Person(subject="77", email="ada.work@example.com", given_name="Ada")
    tokens = social.signed_in("ada@example.com")
    started = start_link(social, tokens["access_token"], "github")
    assert started.status_code == 200, started.json
    url = started.json["authorization_url"]
    assert url.startswith(f"{PUBLIC_URL}/api/v1/auth/oauth/github/authorize?link=")

    assert finish_link(social, url) == f"{APP_CALLBACK}?linked=github"

    listed = social.call("GET", "/me/providers", token=tokens["access_token"]).json["items"]
    assert [(i["provider"], i["email"]) for i in listed] == [("github", "ada.work@example.com")]
    assert social.mail.to("ada@example.com", NoticeKind.PROVIDER_LINKED)
    via_github = signed_in(social, "github")
    assert via_github["user"]["id"] == tokens["user"]["id"]
    removed = social.call("DELETE", "/me/providers/github", token=tokens["access_token"])
    assert removed.status_code == 204
    assert social.mail.to("ada@example.com", NoticeKind.PROVIDER_UNLINKED)
    events = social.events(tokens["user"]["id"])
    assert {"provider.linked", "provider.unlinked"} <= set(events)
    gone = social.call("DELETE", "/me/providers/github", token=tokens["access_token"])
    assert (gone.status_code, gone.json["code"]) == (404, "provider_not_linked")


def test_an_identity_linked_to_another_account_is_never_moved(
    social: Bastion, fakes: ProviderSet
) -> None:
    owner = signed_in(social, "google")
    other = social.signed_in("eve@example.com")
    url = start_link(social, other["access_token"], "google").json["authorization_url"]

    assert finish_link(social, url) == f"{APP_CALLBACK}?error=identity_linked_elsewhere"

    assert [link.user_id for link in links(social)] == [UUID(owner["user"]["id"])]


def test_linking_needs_proof_and_a_link_ticket_works_once(social: Bastion) -> None:
    tokens = social.signed_in("ada@example.com")
    wrong = start_link(social, tokens["access_token"], "google", password="not the password!!")
    missing = social.call(
        "POST",
        "/me/providers/google/link",
        token=tokens["access_token"],
        json={"redirect_uri": APP_CALLBACK},
    )
    outside = social.call(
        "POST",
        "/me/providers/google/link",
        token=tokens["access_token"],
        json={"redirect_uri": "https://evil.test/", "password": PASSWORD},
    )
    url = start_link(social, tokens["access_token"], "google").json["authorization_url"]
    visitor = browser(social)
    assert visitor.start_link(url).status_code == 303

    assert (wrong.status_code, wrong.json["code"]) == (401, "invalid_credentials")
    assert (missing.status_code, missing.json["code"]) == (422, "proof_required")
    assert (outside.status_code, outside.json["code"]) == (422, "invalid_redirect_uri")
    assert refused_state(browser(social).open_link(url))


def test_an_account_without_password_or_factor_links_within_ten_minutes_of_signing_in(
    social: Bastion,
) -> None:
    tokens = signed_in(social, "google")
    body = {"redirect_uri": APP_CALLBACK}

    fresh = social.call(
        "POST", "/me/providers/github/link", token=tokens["access_token"], json=body
    )
    social.clock.advance(11 * 60)
    tokens = social.call(
        "POST", "/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    ).json
    stale = social.call(
        "POST", "/me/providers/github/link", token=tokens["access_token"], json=body
    )

    assert fresh.status_code == 200
    assert (stale.status_code, stale.json["code"]) == (422, "recent_sign_in_required")


def test_the_last_way_to_sign_in_cannot_be_unlinked(social: Bastion) -> None:
    tokens = signed_in(social, "google")

    answer = social.call("DELETE", "/me/providers/google", token=tokens["access_token"])

    assert (answer.status_code, answer.json["code"]) == (409, "last_login_method")
    assert len(links(social)) == 1


def test_the_export_lists_links_without_tokens_and_deleting_the_account_removes_them(
    social: Bastion, fakes: ProviderSet
) -> None:
    from tests.api.test_exports import _complete_export, _download, _unzip

    tokens = social.signed_in("ada@example.com")
    url = start_link(social, tokens["access_token"], "google").json["authorization_url"]
    finish_link(social, url)
    export_id = _complete_export(social, tokens["access_token"])
    archive = _download(social, tokens["access_token"], export_id)

    files = _unzip(archive.data)
    assert [(p["provider"], p["email"], p["status"]) for p in files["providers.json"]] == [
        ("google", "grace@example.com", "connected")
    ]
    assert "ya29." not in str(files)  # no provider token anywhere in the archive
    deleted = social.call(
        "DELETE", "/me", token=tokens["access_token"], json={"password": PASSWORD}
    )
    assert deleted.status_code == 204
    assert links(social) == []


def test_the_admin_view_names_linked_providers_and_no_token(social: Bastion) -> None:
    from application.account.create_admin import CreateAdminCommand

    social.container.create_admin()(CreateAdminCommand("root@example.com", PASSWORD))
    root = social.log_in("root@example.com").json
    user = signed_in(social, "google")["user"]

    view = social.call("GET", f"/admin/users/{user['id']}", token=root["access_token"])

    assert view.status_code == 200
    assert view.json["factors"]["providers"] == ["google"]
    assert "ya29." not in view.text


def test_an_account_without_password_or_factor_is_deleted_within_ten_minutes_of_signing_in(
    social: Bastion,
) -> None:
    tokens = signed_in(social, "apple")
    social.clock.advance(11 * 60)
    stale = social.call(
        "POST", "/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    ).json
    refused = social.call("DELETE", "/me", token=stale["access_token"])
    fresh = signed_in(social, "apple")

    deleted = social.call("DELETE", "/me", token=fresh["access_token"])

    assert (refused.status_code, refused.json["code"]) == (422, "recent_sign_in_required")
    assert deleted.status_code == 204
    assert user_count(social) == 0
    assert links(social) == []


def test_a_disabled_account_is_refused_at_the_exchange(social: Bastion) -> None:
    from domain.users import UserStatus

    user_id = UUID(signed_in(social, "github")["user"]["id"])
    with social.container.uow() as uow:
        user = uow.users.get(user_id, for_update=True)
        assert user is not None
        user.status = UserStatus.DISABLED
        uow.users.save(user)
        uow.commit()

    answer = exchange(social, query_of(browser(social).sign_in("github"))["code"])

    assert (answer.status_code, answer.json["code"]) == (403, "account_disabled")
    assert "login.failed" in social.events(str(user_id))
