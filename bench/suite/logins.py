"""Sign seeded users in through the API once, before any measurement: the access tokens
for the authenticated workloads and the refresh tokens (one session each) for refresh."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import requests

USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
PARALLEL = 4  # enough to keep both cores in bcrypt without being shed by the API
ATTEMPTS = 20


@dataclass(frozen=True)
class Tokens:
    access: str
    refresh: str


def login_body(email: str, password: str) -> str:
    return json.dumps({"email": email, "password": password})


def sign_in_all(base_url: str, emails: Sequence[str], password: str) -> list[Tokens]:
    def sign_in(email: str) -> Tokens:
        return _sign_in(base_url, login_body(email, password))

    with ThreadPoolExecutor(PARALLEL) as pool:
        return list(pool.map(sign_in, emails))


def _sign_in(base_url: str, body: str) -> Tokens:
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT}
    for _ in range(ATTEMPTS):
        answer = requests.post(
            f"{base_url}/api/v1/auth/login", data=body, headers=headers, timeout=30
        )
        if answer.status_code == 503:  # shed by the bcrypt slots: wait as told
            time.sleep(float(answer.headers.get("Retry-After", "1")))
            continue
        answer.raise_for_status()
        found = answer.json()
        return Tokens(found["access_token"], found["refresh_token"])
    raise RuntimeError("setup sign-in kept being shed with 503")


def write_lines(path: Path, lines: Sequence[str]) -> Path:
    path.write_text("".join(f"{line}\n" for line in lines))
    return path
