"""``GET /metrics``: Prometheus text, labels from bounded sets, a token when configured.
Counters are the process's own and tests share the process, so each test reads deltas."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from tests.api.conftest import Bastion, BastionFactory

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(bastion: Bastion, **headers: str) -> Samples:
    response = bastion.client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.content_type.startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.get_data(as_text=True))
        for sample in family.samples
    }


def delta(before: Samples, after: Samples, name: str, **labels: str) -> float:
    key = (name, frozenset(labels.items()))
    return after.get(key, 0.0) - before.get(key, 0.0)


def test_requests_are_counted_by_route_template_and_sign_ins_by_outcome(
    bastion: Bastion,
) -> None:
    tokens = bastion.signed_in("ada@example.com")
    before = scrape(bastion)
    assert bastion.log_in("ada@example.com", "not the password at all").status_code == 401
    session = f"/me/sessions/{tokens['session_id']}"
    assert bastion.call("DELETE", session, token=tokens["access_token"]).status_code == 204
    assert bastion.call("GET", "/nowhere").status_code == 404
    after = scrape(bastion)

    login = {"method": "POST", "route": "/api/v1/auth/login"}
    assert delta(before, after, "bastion_http_requests_total", **login, status="401") == 1
    revoke = {"method": "DELETE", "route": "/api/v1/me/sessions/<uuid:session_id>"}
    assert delta(before, after, "bastion_http_requests_total", **revoke, status="204") == 1
    nowhere = {"method": "GET", "route": "unmatched", "status": "404"}
    assert delta(before, after, "bastion_http_requests_total", **nowhere) == 1
    assert delta(before, after, "bastion_http_request_duration_seconds_count", **login) == 1
    failed = {"outcome": "failed", "method": "pwd", "reason": "wrong_password"}
    assert delta(before, after, "bastion_sign_ins_total", **failed) == 1
    assert delta(before, after, "bastion_account_events_total", type="session.revoked") == 1
    assert not any(tokens["session_id"] in str(labels) for _, labels in after)
    assert after[("bastion_revocation_outbox", frozenset())] == 0


def test_rate_limit_refusals_are_counted_by_bucket(make_bastion: BastionFactory) -> None:
    bastion = make_bastion(rate_limit_scale=0.01)
    before = scrape(bastion)
    statuses = [bastion.log_in("ada@example.com").status_code for _ in range(3)]
    assert 429 in statuses
    after = scrape(bastion)
    assert delta(before, after, "bastion_rate_limited_total", bucket="login") == statuses.count(429)


def test_with_a_token_set_metrics_need_it_as_a_bearer_token(make_bastion: BastionFactory) -> None:
    bastion = make_bastion(metrics_token="scrape-me-0123456789-0123456789-0123")
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "scrape-me"}):
        refused = bastion.client.get("/metrics", headers=headers)
        assert (refused.status_code, refused.json["code"]) == (401, "invalid_token")
    assert "bastion_http_requests_total" in str(
        scrape(bastion, Authorization="Bearer scrape-me-0123456789-0123456789-0123")
    )
