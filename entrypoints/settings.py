"""One frozen, typed ``Settings`` from the ``BASTION_*`` variables (and ``.env`` in development).

Every bad value is reported at once, naming its variable, and start-up stops. Production
refuses missing or weak secrets; development and test generate them once into the
instance folder so the embedded default needs nothing set by hand.
"""

from __future__ import annotations

import base64
import json
import os
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from domain.redirects import RedirectTarget, parse_allowlist
from entrypoints.oauth_settings import oauth_problems

MIN_SECRET_BYTES = 32
MIN_PRODUCTION_BCRYPT_ROUNDS = 10
_GENERATED = ("jwt_secret", "password_pepper", "ip_hash_key", "encryption_keys")
_HEADER_NAME = r"^([A-Za-z0-9-]{1,64})?$"
_FILE_SCHEME = "file://"
_LOOPBACK_HOSTS = frozenset({"localhost"})
DEVELOPMENT_REDIRECT = "http://localhost:8000/"


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"
    TEST = "test"


class SettingsError(Exception):
    """Bad configuration: one line per variable, each naming it."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("Invalid configuration:\n  " + "\n  ".join(problems))
        self.problems = problems


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="BASTION_",
        frozen=True,
        extra="ignore",
        hide_input_in_errors=True,
    )

    env: Environment = Environment.DEVELOPMENT
    instance_dir: Path = Path("instance")
    database_url: str = "sqlite:///instance/bastion.db"
    redis_url: SecretStr | None = None
    jwt_secret: SecretStr | None = None
    jwt_issuer: str = "bastion"
    jwt_audience: str = "bastion-clients"
    access_token_ttl: Annotated[int, Field(ge=60, le=86_400)] = 900
    refresh_token_ttl: Annotated[int, Field(ge=300)] = 2_592_000
    session_max_age: Annotated[int, Field(ge=300)] = 7_776_000
    refresh_reuse_grace: Annotated[float, Field(ge=0, le=60)] = 2
    encryption_keys: SecretStr | None = None
    password_pepper: SecretStr | None = None
    ip_hash_key: SecretStr | None = None
    bcrypt_rounds: Annotated[int, Field(ge=4, le=18)] = 12
    password_min_length: Annotated[int, Field(ge=8, le=64)] = 15
    require_verified_email: bool = True
    public_url: str = "http://localhost:8000"
    """Where mails link to and the console lives: ``localhost`` by default, the host passkeys
    are bound to by default, so a browser signs in and follows mailed links on one origin."""
    smtp_url: SecretStr | None = None
    sms_webhook_url: SecretStr | None = None
    mail_from: str = "Bastion <no-reply@localhost>"
    trusted_proxies: Annotated[int, Field(ge=0, le=5)] = 0
    storage_url: str | None = None
    geoip_db: Path | None = None
    geo_country_header: Annotated[str, Field(pattern=_HEADER_NAME)] = ""
    geo_city_header: Annotated[str, Field(pattern=_HEADER_NAME)] = ""
    geo_timezone_header: Annotated[str, Field(pattern=_HEADER_NAME)] = ""
    suspicious_trust_below: Annotated[int, Field(ge=0, le=101)] = 40
    cors_origins: str = ""
    rate_limit_scale: Annotated[float, Field(gt=0, le=100_000)] = 1.0
    max_concurrent_password_checks: Annotated[int, Field(ge=1, le=64)] = 2
    password_checks_in_line: Annotated[int, Field(ge=0, le=256)] = 40
    """Sign-ins that may wait for a password check, per process: enough that 64 clients
    sending the next sign-in at once wait their turn instead of being shed (a shed answer
    sent again at once turns into a storm of 503s that takes the CPU the checks need), and
    fewer than gunicorn's threads (48), so the rest answer token checks meanwhile."""
    task_retention: Annotated[int, Field(ge=0)] = 2_592_000
    export_ttl: Annotated[int, Field(ge=60)] = 604_800
    header_timeout: Annotated[float, Field(gt=0, le=300)] = 10
    """Seconds gunicorn's worker waits for a whole request head before it closes the
    connection (``entrypoints/http/gunicorn_worker.py``); the proxy's ``client_header_timeout``
    matches it."""
    worker_heartbeat: Annotated[int, Field(ge=1, le=300)] = 30
    """Seconds between an RQ worker's heartbeats and its clean-ups of RQ's registries: a
    job whose worker has been silent for three beats is retried (or given up) at the
    next clean-up of any live worker."""
    test_export_pause_at: Annotated[float | None, Field(ge=0, le=1)] = None
    """Test-only (``BASTION_ENV=test``): the export job pauses once this fraction of the
    archive is written, so a fault-injection test can kill the worker mid-job."""
    log_level: str = "INFO"
    log_format: Literal["json", "text"] | None = None
    """``text`` for a terminal, ``json`` (one object per line) for a log pipeline; unset:
    text in development, JSON everywhere else."""
    webauthn_rp_id: Annotated[str, Field(min_length=1, max_length=253)] = "localhost"
    """The relying party passkeys are bound to: the host name of the sign-in page or a
    registrable suffix of it (``example.com`` serves ``auth.example.com``). Changing it
    orphans every registered passkey."""
    webauthn_rp_name: Annotated[str, Field(min_length=1, max_length=64)] = "Bastion"
    webauthn_origins: str = "http://localhost:8000"
    """Comma-separated origins a ceremony may come from, compared exactly (scheme, host
    and port; no path)."""
    oauth_google_client_id: str = ""
    oauth_google_client_secret: SecretStr | None = None
    oauth_github_client_id: str = ""
    oauth_github_client_secret: SecretStr | None = None
    oauth_apple_client_id: str = ""
    """Apple's Services ID; its client secret is an ES256 JWT Bastion makes and renews
    from the team id, key id and private key below."""
    oauth_apple_team_id: str = ""
    oauth_apple_key_id: str = ""
    oauth_apple_private_key: SecretStr | None = None
    """The ``.p8`` key Apple issued: its PEM text, or the path of the file holding it."""
    oauth_google_metadata_url: str = "https://accounts.google.com/.well-known/openid-configuration"
    oauth_apple_metadata_url: str = "https://appleid.apple.com/.well-known/openid-configuration"
    oauth_github_base_url: str = "https://github.com"
    oauth_github_api_url: str = "https://api.github.com"
    oauth_timeout: Annotated[float, Field(gt=0, le=30)] = 5
    """Seconds for each connect and each socket read to a provider; a callback's remaining
    budget is checked between its calls. A provider down or slow ends the sign-in with
    ``error=provider_unavailable``; one that trickles its answer may take about twice."""
    redirect_allowlist: str = ""
    """Comma-separated URL prefixes (origin and path) a provider flow may return to.
    Unset: ``{BASTION_PUBLIC_URL}/account/`` (the account console), and in development
    also ``http://localhost:8000/``."""
    metrics_token: SecretStr | None = None
    """Set: ``GET /metrics`` needs ``Authorization: Bearer <token>``. Unset: it is served
    to everyone (development, or a scrape port the proxy keeps private)."""

    @field_validator("public_url")
    @classmethod
    def _public_url_is_absolute(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @property
    def log_style(self) -> str:
        if self.log_format is not None:
            return self.log_format
        return "text" if self.env is Environment.DEVELOPMENT else "json"

    @property
    def files_dir(self) -> Path:
        """Where the local file store keeps avatars: ``BASTION_STORAGE_URL`` as
        ``file:///absolute`` or ``file://relative``, else ``<instance>/files``."""
        if self.storage_url:
            return Path(self.storage_url.removeprefix(_FILE_SCHEME))
        return self.instance_dir / "files"

    @property
    def location_headers(self) -> tuple[str, ...]:
        """The proxy-set location headers the edge reads, in the order country, city,
        time zone; empty unless a country header is named."""
        if not self.geo_country_header:
            return ()
        names = (self.geo_country_header, self.geo_city_header, self.geo_timezone_header)
        return tuple(name for name in names if name)

    @property
    def webauthn_origin_list(self) -> tuple[str, ...]:
        return tuple(o.strip() for o in self.webauthn_origins.split(",") if o.strip())

    @property
    def redirect_targets(self) -> tuple[RedirectTarget, ...]:
        """``BASTION_REDIRECT_ALLOWLIST`` parsed (the load checked that it parses)."""
        return parse_allowlist(self.redirect_allowlist or self._default_redirects())

    def _default_redirects(self) -> str:
        console = f"{self.public_url}/account/"
        if self.env is Environment.DEVELOPMENT:
            return f"{console},{DEVELOPMENT_REDIRECT}"
        return console

    @property
    def apple_private_key_pem(self) -> bytes:
        """The Apple key's PEM: the setting's text, or the file it names."""
        value = self.secret("oauth_apple_private_key").decode().strip()
        if value.startswith("-----BEGIN"):
            return value.encode()
        return Path(value).expanduser().read_bytes()

    @property
    def cors_origin_list(self) -> frozenset[str]:
        return frozenset(o.strip().rstrip("/") for o in self.cors_origins.split(",") if o.strip())

    def secret(self, name: str) -> bytes:
        value: SecretStr | None = getattr(self, name)
        if value is None:
            raise SettingsError([f"BASTION_{name.upper()}: missing"])
        return value.get_secret_value().encode()

    @property
    def encryption_key_ring(self) -> list[str]:
        return [k.strip() for k in self.secret("encryption_keys").decode().split(",") if k.strip()]


def load_settings(**overrides: object) -> Settings:
    """Read the environment, fill generated secrets outside production, check them all."""
    try:
        settings = Settings(_env_file=_dotenv(overrides.get("env")), **overrides)  # type: ignore[arg-type,call-arg]
    except ValidationError as error:
        raise SettingsError([_describe(e) for e in error.errors()]) from None
    if settings.env is not Environment.PRODUCTION:
        settings = settings.model_copy(update=_generated_secrets(settings))
    problems = (
        _secret_problems(settings)
        + _delivery_problems(settings)
        + _place_problems(settings)
        + webauthn_problems(settings)
        + oauth_problems(settings)
    )
    if problems:
        raise SettingsError(problems)
    return settings


def _dotenv(env: object = None) -> str | None:
    """``.env`` in the working directory, for development only (as ``flask run`` reads it
    and gunicorn does not): production and tests take the process environment alone, so a
    developer's file never reaches a deployment, and a deployment's (compose reads
    ``.env.production``) never reaches the development server."""
    environment = str(env or os.environ.get("BASTION_ENV") or Environment.DEVELOPMENT)
    return ".env" if environment.strip().lower() == Environment.DEVELOPMENT else None


def _describe(error: object) -> str:
    details = error if isinstance(error, dict) else {}
    name = "_".join(str(part) for part in details.get("loc", ())).upper()
    return f"BASTION_{name}: {details.get('msg', 'invalid')}"


def _secret_problems(settings: Settings) -> list[str]:
    problems: list[str] = []
    secrets: list[str] = []
    for name in _GENERATED:
        value: SecretStr | None = getattr(settings, name)
        parts = [p.strip() for p in value.get_secret_value().split(",")] if value else []
        if not parts or any(len(p.encode()) < MIN_SECRET_BYTES for p in parts):
            problems.append(f"BASTION_{name.upper()}: missing or shorter than 32 bytes")
        secrets += parts  # each key of the encryption ring counts as one secret
    token = settings.metrics_token
    metrics = token.get_secret_value() if token is not None else None
    if metrics is not None:  # set but empty would serve /metrics to anyone with no header
        if len(metrics.encode()) < MIN_SECRET_BYTES:
            problems.append(
                "BASTION_METRICS_TOKEN: shorter than 32 bytes (unset it to serve /metrics"
                " without a token)"
            )
        secrets.append(metrics)
    if len(set(secrets)) != len(secrets):
        problems.append("BASTION_JWT_SECRET etc.: each secret must be distinct (one per purpose)")
    production = settings.env is Environment.PRODUCTION
    if production and settings.bcrypt_rounds < MIN_PRODUCTION_BCRYPT_ROUNDS:
        problems.append("BASTION_BCRYPT_ROUNDS: at least 10 in production")
    return problems


def _delivery_problems(settings: Settings) -> list[str]:
    """Codes and reset links leave by mail and SMS: the console stand-ins would print them
    into the log stream, so production needs the real channels."""
    channels = {
        "BASTION_SMTP_URL": (settings.smtp_url, ("smtp://", "smtps://")),
        "BASTION_SMS_WEBHOOK_URL": (settings.sms_webhook_url, ("https://", "http://")),
    }
    problems = []
    for name, (value, schemes) in channels.items():
        if value is None:
            if settings.env is Environment.PRODUCTION:
                problems.append(f"{name}: required in production (the console would log codes)")
        elif not value.get_secret_value().startswith(schemes):
            problems.append(f"{name}: must start with {' or '.join(schemes)}")
    return problems


def _place_problems(settings: Settings) -> list[str]:
    """Where files go and where locations come from."""
    problems = []
    if settings.storage_url and not settings.storage_url.startswith(_FILE_SCHEME):
        problems.append("BASTION_STORAGE_URL: only file:// is supported (S3 is not yet)")
    if settings.geoip_db is not None and not settings.geoip_db.is_file():
        problems.append("BASTION_GEOIP_DB: no such file (a GeoIP2/GeoLite2 City .mmdb)")
    named = [settings.geo_city_header, settings.geo_timezone_header]
    if any(named) and not settings.geo_country_header:
        problems.append("BASTION_GEO_COUNTRY_HEADER: required with the city or time zone header")
    if settings.test_export_pause_at is not None and settings.env is not Environment.TEST:
        problems.append("BASTION_TEST_EXPORT_PAUSE_AT: only with BASTION_ENV=test")
    if settings.location_headers and not settings.trusted_proxies:
        problems.append(
            "BASTION_GEO_COUNTRY_HEADER: needs BASTION_TRUSTED_PROXIES > 0 "
            "(without a proxy that sets it, any client could)"
        )
    return problems


def webauthn_problems(settings: Settings) -> list[str]:
    """Every origin must be an exact ``scheme://host[:port]`` whose host is the RP ID or
    below it (a browser refuses any other pairing); production wants https everywhere but
    on ``localhost``, where browsers treat http as secure."""
    rp_id = settings.webauthn_rp_id
    if rp_id != rp_id.strip().lower() or "/" in rp_id or ":" in rp_id:
        return ["BASTION_WEBAUTHN_RP_ID: a lower-case host name, without scheme or port"]
    origins = settings.webauthn_origin_list
    if not origins:
        return ["BASTION_WEBAUTHN_ORIGINS: at least one origin"]
    production = settings.env is Environment.PRODUCTION
    found = (_origin_problem(origin, rp_id, production) for origin in origins)
    return [f"BASTION_WEBAUTHN_ORIGINS: {problem}" for problem in found if problem]


def _origin_problem(origin: str, rp_id: str, production: bool) -> str | None:
    parsed = urlsplit(origin)
    try:
        port = f":{parsed.port}" if parsed.port is not None else ""
    except ValueError:
        port = ":?"
    host = parsed.hostname or ""
    if parsed.scheme not in {"https", "http"} or origin != f"{parsed.scheme}://{host}{port}":
        return f"{origin!r} is not scheme://host[:port]"
    if host != rp_id and not host.endswith(f".{rp_id}"):
        return f"{origin!r} is not on {rp_id}"
    if production and parsed.scheme != "https" and host not in _LOOPBACK_HOSTS:
        return f"{origin!r} must be https in production"
    return None


def _generated_secrets(settings: Settings) -> dict[str, SecretStr]:
    """Secrets made once and kept in ``instance/secrets.json`` (mode 0600)."""
    missing = [name for name in _GENERATED if getattr(settings, name) is None]
    if not missing:
        return {}
    path = settings.instance_dir / "secrets.json"
    stored: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    for name in missing:
        stored.setdefault(name, base64.urlsafe_b64encode(os.urandom(32)).decode())
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(stored, handle, indent=2)
    return {name: SecretStr(stored[name]) for name in missing}
