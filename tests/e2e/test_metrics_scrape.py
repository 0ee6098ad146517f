"""``/metrics`` on the real stack: every gunicorn worker's counts in every scrape,
whichever worker answers it, behind the metrics token."""

from __future__ import annotations

import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.conftest import METRICS_TOKEN, MailSink, Stack
from tests.e2e.test_identity_journey import PASSWORD, _signed_in

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
LOGIN_OK = (
    "bastion_http_requests_total",
    frozenset({("method", "POST"), ("route", "/api/v1/auth/login"), ("status", "200")}),
)
WRONG_PASSWORD = (
    "bastion_sign_ins_total",
    frozenset({("outcome", "failed"), ("method", "pwd"), ("reason", "wrong_password")}),
)


def _scrape(stack: Stack) -> Samples:
    response = requests.get(
        f"{stack.base_url}/metrics",
        headers={"Authorization": f"Bearer {METRICS_TOKEN}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def test_every_scrape_counts_the_traffic_of_every_worker(stack: Stack, mail_sink: MailSink) -> None:
    assert requests.get(f"{stack.base_url}/metrics", timeout=10).status_code == 401
    _signed_in(stack, mail_sink, "metrics@example.com")
    before = _scrape(stack)
    logins, wrong = 12, 3
    for n in range(logins + wrong):  # a connection each: both workers answer some (the
        # chance that one worker takes all 15 is 1 in 16 384)
        password = PASSWORD if n < logins else "not the password at all"
        body = {"email": "metrics@example.com", "password": password}
        response = requests.post(stack.url("/auth/login"), json=body, timeout=10)
        assert response.status_code == (200 if n < logins else 401)

    for _ in range(6):  # each scrape, whichever worker answers, sees every worker's counts
        after = _scrape(stack)
        assert after.get(LOGIN_OK, 0) - before.get(LOGIN_OK, 0) == logins
        assert after.get(WRONG_PASSWORD, 0) - before.get(WRONG_PASSWORD, 0) == wrong
    queued = {dict(labels)["queue"] for name, labels in after if name == "bastion_queue_jobs"}
    assert queued == {"default", "exports"}
    assert after[("bastion_revocation_outbox", frozenset())] == 0
