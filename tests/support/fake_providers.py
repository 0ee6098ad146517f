"""Fake sign-in providers: small real HTTP servers on 127.0.0.1 that speak what Bastion's
adapter speaks to Google, Apple and GitHub.

- ``FakeOidc("google")``: OIDC discovery, ``/authorize`` (checks the client, the callback,
  PKCE S256 and the nonce, then 302s back with ``code`` and ``state``), ``/token`` (checks
  the client secret sent in the body and the PKCE verifier; answers an RS256 id_token and a
  refresh token Bastion must drop), ``/jwks`` (counts fetches).
- ``FakeOidc("apple")``: the same, but ``/authorize`` answers Apple's auto-posting HTML
  form (``response_mode=form_post``, with the first-time ``user`` field), and ``/token``
  checks the ES256 client-secret JWT against the team's public key.
- ``FakeGitHub``: ``/login/oauth/authorize``, ``/login/oauth/access_token`` (PKCE checked;
  refusals as GitHub's ``{"error": ...}`` with 200), ``/api/user``, ``/api/user/emails``.

Knobs a test turns: ``person`` (who signs in at the provider next), ``tamper`` (what is
wrong with the next id_token), ``delay`` (seconds every answer waits), ``fail_status``
(every answer is that status), ``malformed`` (every JSON answer is not JSON).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

CLIENT_SECRET = "fake-provider-client-secret-0123456789"
APPLE_TEAM_ID = "TEAM123456"
APPLE_KEY_ID = "KEY1234567"
TAMPERINGS = (
    "bad_signature",
    "alg_none",
    "hs256_public_key",
    "wrong_aud",
    "wrong_iss",
    "expired",
    "wrong_nonce",
    "unknown_kid",
)


@dataclass
class Person:
    """Who is signed in at the provider."""

    subject: str
    email: str | None
    email_verified: bool = True
    given_name: str = "Grace"
    family_name: str = "Hopper"
    first_time: bool = True
    """Apple: whether this is the person's first authorization (the ``user`` field)."""


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    challenge: str | None
    nonce: str | None
    person: Person


@dataclass
class Counters:
    jwks_fetches: int = 0
    token_requests: list[dict[str, str]] = field(default_factory=list)
    authorize_requests: list[dict[str, str]] = field(default_factory=list)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def s256(verifier: str) -> str:
    return b64url(hashlib.sha256(verifier.encode()).digest())


class FakeProvider:
    """A threaded HTTP server; subclasses answer ``GET``/``POST`` by path."""

    def __init__(self, client_id: str) -> None:
        self.client_id = client_id
        self.person = self.default_person()
        self.tamper: str | None = None
        self.delay = 0.0
        self.fail_status: int | None = None
        self.malformed = False
        self.counters = Counters()
        self.grants: dict[str, Grant] = {}
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def reset(self) -> None:
        self.tamper, self.delay, self.fail_status, self.malformed = None, 0.0, None, False
        self.person = self.default_person()

    def default_person(self) -> Person:
        return Person(subject="1000001", email="grace@example.com")

    # --- subclasses --------------------------------------------------------------------
    def get(self, path: str, query: dict[str, str], headers: dict[str, str]) -> Reply:
        return Reply.json({"error": "not_found"}, 404)

    def post(self, path: str, form: dict[str, str], headers: dict[str, str]) -> Reply:
        return Reply.json({"error": "not_found"}, 404)

    # --- shared steps --------------------------------------------------------------------
    def grant(self, query: dict[str, str], *, pkce: bool) -> tuple[str, Grant] | Reply:
        """Check an authorization request as the provider would; a new code for it."""
        with self.lock:
            self.counters.authorize_requests.append(query)
        if query.get("client_id") != self.client_id or query.get("response_type") != "code":
            return Reply.json({"error": "invalid_request"}, 400)
        if pkce and query.get("code_challenge_method") != "S256":
            return Reply.json({"error": "invalid_request", "why": "S256 required"}, 400)
        code = secrets.token_urlsafe(24)
        grant = Grant(
            client_id=self.client_id,
            redirect_uri=query.get("redirect_uri", ""),
            challenge=query.get("code_challenge"),
            nonce=query.get("nonce"),
            person=self.person,
        )
        with self.lock:
            self.grants[code] = grant
        return code, grant

    def redeem(self, form: dict[str, str], *, pkce: bool) -> Grant | None:
        """The grant a token request may have: right code (once), client, callback, and
        the verifier of the challenge."""
        with self.lock:
            self.counters.token_requests.append(form)
            grant = self.grants.pop(form.get("code", ""), None)
        if grant is None or form.get("client_id") != self.client_id:
            return None
        if form.get("redirect_uri") != grant.redirect_uri:
            return None
        if pkce and (
            grant.challenge is None or s256(form.get("code_verifier", "")) != grant.challenge
        ):
            return None
        return grant

    def bend(self, reply: Reply) -> Reply:
        """The reply as the test's knobs want it: failing, or not JSON."""
        if self.fail_status is not None:
            return Reply.json({"error": "server_error"}, self.fail_status)
        if self.malformed and reply.content_type == "application/json":
            return Reply(200, b"{not json", "application/json")
        return reply

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                self._answer(lambda: fake.get(parts.path, query, dict(self.headers)))

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length).decode()
                form = {k: v[0] for k, v in parse_qs(body).items()}
                self._answer(lambda: fake.post(urlsplit(self.path).path, form, dict(self.headers)))

            def _answer(self, make: Any) -> None:
                if fake.delay:
                    time.sleep(fake.delay)
                send(self, fake.bend(make()))

            def log_message(self, *args: Any) -> None:
                pass

        return Handler


def send(handler: BaseHTTPRequestHandler, reply: Reply) -> None:
    try:
        handler.send_response(reply.status)
        handler.send_header("Content-Type", reply.content_type)
        handler.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(reply.body)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the client gave up (a test of timeouts)


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, value: Any, status: int = 200) -> Reply:
        return cls(status, json.dumps(value).encode(), "application/json")

    @classmethod
    def redirect(cls, location: str) -> Reply:
        return cls(302, b"", "text/plain", {"Location": location})


class FakeOidc(FakeProvider):
    """Google (``kind="google"``) or Apple (``kind="apple"``)."""

    def __init__(self, kind: str, client_id: str) -> None:
        super().__init__(client_id)
        self.kind = kind
        self.signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "fake-key-1"
        self.team_key = ec.generate_private_key(ec.SECP256R1())
        """Apple: the key the team signs its client secret with (Bastion holds it)."""

    @property
    def issuer(self) -> str:
        return self.url

    @property
    def metadata_url(self) -> str:
        return f"{self.url}/.well-known/openid-configuration"

    def team_key_pem(self) -> str:
        return self.team_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()

    def rotate_keys(self) -> None:
        """A new signing key under a new key id, as a provider rotating its keys."""
        self.signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = f"fake-key-{secrets.token_hex(4)}"

    def get(self, path: str, query: dict[str, str], headers: dict[str, str]) -> Reply:
        if path == "/.well-known/openid-configuration":
            return Reply.json(
                {
                    "issuer": self.issuer,
                    "authorization_endpoint": f"{self.url}/authorize",
                    "token_endpoint": f"{self.url}/token",
                    "jwks_uri": f"{self.url}/jwks",
                    "response_modes_supported": ["query", "form_post"],
                    "id_token_signing_alg_values_supported": ["RS256"],
                }
            )
        if path == "/jwks":
            with self.lock:
                self.counters.jwks_fetches += 1
            jwk = json.loads(RSAAlgorithm.to_jwk(self.signing_key.public_key()))
            return Reply.json({"keys": [{**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}]})
        if path == "/authorize":
            return self._authorize(query)
        return super().get(path, query, headers)

    def post(self, path: str, form: dict[str, str], headers: dict[str, str]) -> Reply:
        if path != "/token":
            return super().post(path, form, headers)
        if not self._client_authenticated(form):
            return Reply.json({"error": "invalid_client"}, 401)
        grant = self.redeem(form, pkce=self.kind == "google")
        if grant is None:
            return Reply.json({"error": "invalid_grant"}, 400)
        return Reply.json(
            {
                "access_token": f"ya29.{secrets.token_urlsafe(24)}",
                "refresh_token": f"1//{secrets.token_urlsafe(24)}",
                "token_type": "Bearer",
                "expires_in": 3599,
                "scope": "openid email profile" if self.kind == "google" else "name email",
                "id_token": self.id_token(grant),
            }
        )

    def _authorize(self, query: dict[str, str]) -> Reply:
        if self.kind == "apple" and query.get("response_mode") != "form_post":
            return Reply.json({"error": "invalid_request", "why": "form_post required"}, 400)
        made = self.grant(query, pkce=self.kind == "google")
        if isinstance(made, Reply):
            return made
        code, grant = made
        state = query.get("state", "")
        if self.kind == "google":
            back = urlencode({"code": code, "state": state, "scope": "email profile openid"})
            return Reply.redirect(f"{grant.redirect_uri}?{back}")
        fields = {"code": code, "state": state}
        if grant.person.first_time:
            names = {"firstName": grant.person.given_name, "lastName": grant.person.family_name}
            fields["user"] = json.dumps({"name": names, "email": grant.person.email})
        inputs = "".join(
            f'<input type="hidden" name="{name}" value="{html.escape(value)}">'
            for name, value in fields.items()
        )
        page = f'<form method="post" action="{html.escape(grant.redirect_uri)}">{inputs}</form>'
        return Reply(200, page.encode(), "text/html")

    def _client_authenticated(self, form: dict[str, str]) -> bool:
        if self.kind == "google":
            return form.get("client_secret") == CLIENT_SECRET
        try:
            header = jwt.get_unverified_header(form.get("client_secret", ""))
            claims = jwt.decode(
                form.get("client_secret", ""),
                self.team_key.public_key(),
                algorithms=["ES256"],
                audience=self.issuer,
                issuer=APPLE_TEAM_ID,
            )
        except jwt.PyJWTError:
            return False
        return header.get("kid") == APPLE_KEY_ID and claims.get("sub") == self.client_id

    def claims(self, grant: Grant) -> dict[str, Any]:
        now = int(time.time())
        person = grant.person
        verified: Any = person.email_verified
        if self.kind == "apple":
            verified = "true" if person.email_verified else "false"
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.client_id,
            "sub": person.subject,
            "iat": now,
            "exp": now + 600,
            "nonce": grant.nonce,
            "email": person.email,
            "email_verified": verified,
        }
        if self.kind == "google":
            claims.update(given_name=person.given_name, family_name=person.family_name)
        return claims

    def id_token(self, grant: Grant) -> str:
        claims = self.claims(grant)
        bent = {
            "wrong_aud": {"aud": "someone-else"},
            "wrong_iss": {"iss": "https://evil.test"},
            "expired": {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200},
            "wrong_nonce": {"nonce": "not-the-nonce"},
        }.get(self.tamper or "", {})
        claims.update(bent)
        if self.tamper == "alg_none":
            return unsigned(claims, self.kid)
        if self.tamper == "hs256_public_key":
            public = self.signing_key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            return hmac_signed(claims, public, self.kid)
        kid = "a-key-nobody-published" if self.tamper == "unknown_kid" else self.kid
        token = jwt.encode(claims, self.signing_key, algorithm="RS256", headers={"kid": kid})
        if self.tamper == "bad_signature":
            head, body, signature = token.split(".")
            flipped = "A" if signature[-2] != "A" else "B"  # the one it replaces
            return f"{head}.{body}.{signature[:-2]}{flipped}{signature[-1]}"
        return token


def unsigned(claims: dict[str, Any], kid: str) -> str:
    header = b64url(json.dumps({"alg": "none", "kid": kid}).encode())
    return f"{header}.{b64url(json.dumps(claims).encode())}."


def hmac_signed(claims: dict[str, Any], key: bytes, kid: str) -> str:
    """HS256 keyed with the provider's *public* key: the algorithm-confusion attack."""
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
    payload = b64url(json.dumps(claims).encode())
    signature = hmac.new(key, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64url(signature)}"


def es256_public_jwk(key: ec.EllipticCurvePrivateKey) -> dict[str, Any]:
    jwk: dict[str, Any] = json.loads(ECAlgorithm.to_jwk(key.public_key()))
    return jwk


@dataclass
class GitHubEmail:
    email: str
    primary: bool
    verified: bool


class FakeGitHub(FakeProvider):
    def __init__(self, client_id: str) -> None:
        self.emails: list[GitHubEmail] | None = None
        """Overrides the person's list: e.g. an unverified primary."""
        self.tokens: dict[str, Person] = {}
        super().__init__(client_id)

    def default_person(self) -> Person:
        return Person(subject="583231", email="octo@example.com", given_name="Mona Lisa")

    def reset(self) -> None:
        super().reset()
        self.emails = None

    def get(self, path: str, query: dict[str, str], headers: dict[str, str]) -> Reply:
        if path == "/login/oauth/authorize":
            made = self.grant({**query, "response_type": "code"}, pkce=True)
            if isinstance(made, Reply):
                return made
            code, grant = made
            back = urlencode({"code": code, "state": query.get("state", "")})
            return Reply.redirect(f"{grant.redirect_uri}?{back}")
        person = self._bearer(headers)
        if path.startswith("/api/") and person is None:
            return Reply.json({"message": "Bad credentials"}, 401)
        if path == "/api/user" and person is not None:
            return Reply.json(
                {
                    "id": int(person.subject),
                    "login": "octocat",
                    "name": person.given_name,
                    "email": None,
                }
            )
        if path == "/api/user/emails" and person is not None:
            return Reply.json([vars(e) for e in self._emails(person)])
        return super().get(path, query, headers)

    def post(self, path: str, form: dict[str, str], headers: dict[str, str]) -> Reply:
        if path != "/login/oauth/access_token":
            return super().post(path, form, headers)
        if form.get("client_secret") != CLIENT_SECRET:
            return Reply.json({"error": "incorrect_client_credentials"})
        grant = self.redeem(form, pkce=True)
        if grant is None:
            return Reply.json({"error": "bad_verification_code"})
        token = f"gho_{secrets.token_urlsafe(24)}"
        with self.lock:
            self.tokens[token] = grant.person
        return Reply.json(
            {"access_token": token, "token_type": "bearer", "scope": "read:user,user:email"}
        )

    def _bearer(self, headers: dict[str, str]) -> Person | None:
        found = re.match(r"Bearer (\S+)$", headers.get("Authorization", ""))
        with self.lock:
            return self.tokens.get(found.group(1)) if found else None

    def _emails(self, person: Person) -> list[GitHubEmail]:
        if self.emails is not None:
            return self.emails
        if person.email is None:
            return []
        return [GitHubEmail(person.email, primary=True, verified=person.email_verified)]
