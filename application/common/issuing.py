"""Open a device session and mint its tokens: the one step every sign-in path ends with
(password now; second factor, passkey and social sign-in call the same step)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from application.common.client import ClientContext
from application.common.messages import announce
from application.common.sign_in_alerts import SuspiciousSignIns
from application.ports.identity import GeoLocator, UserAgentParser
from application.ports.messaging import EventPublisher
from application.ports.persistence import UnitOfWork
from application.ports.security import (
    AccessClaims,
    AccessTokenCodec,
    Digester,
    NetworkHasher,
    SecretGenerator,
)
from application.ports.system import IdGenerator
from application.results import TokenPair
from domain.ids import RefreshTokenId, SessionId
from domain.refresh_tokens import RefreshToken, refresh_expiry
from domain.sessions import AuthMethod, DeviceSession, VerificationStatus
from domain.trust import TrustSignals, trust_score
from domain.users import User, UserProfile

SECOND_FACTORS = frozenset({AuthMethod.OTP, AuthMethod.SMS, AuthMethod.BACKUP, AuthMethod.PASSKEY})


@dataclass(frozen=True, slots=True)
class SessionLifetimes:
    """``refresh_idle``: a refresh token's life; ``session_max``: the absolute cap."""

    refresh_idle: timedelta
    session_max: timedelta
    reuse_grace: timedelta


class TokenMinter:
    def __init__(
        self,
        codec: AccessTokenCodec,
        secrets: SecretGenerator,
        digester: Digester,
        ids: IdGenerator,
        lifetimes: SessionLifetimes,
    ) -> None:
        self._codec = codec
        self._secrets = secrets
        self._digester = digester
        self._ids = ids
        self.lifetimes = lifetimes

    def refresh_token(
        self,
        uow: UnitOfWork,
        session: DeviceSession,
        at: datetime,
        parent: RefreshTokenId | None = None,
    ) -> str:
        """Store a new refresh token (its digest only) and return the raw value once."""
        raw = self._secrets.token(32)
        uow.refresh_tokens.add(
            RefreshToken(
                id=RefreshTokenId(self._ids.new()),
                session_id=session.id,
                user_id=session.user_id,
                token_hash=self._digester.digest(raw),
                created_at=at,
                expires_at=refresh_expiry(at, self.lifetimes.refresh_idle, session.expires_at),
                parent_id=parent,
            )
        )
        return raw

    def pair(self, user: User, session: DeviceSession, refresh: str, at: datetime) -> TokenPair:
        lifetime = self._codec.lifetime_seconds
        access = self._codec.issue(
            AccessClaims(
                user_id=user.id,
                session_id=session.id,
                email=user.email.value,
                role=user.role.value,
                methods=session.methods,
                token_id=self._ids.new().hex,
                issued_at=at,
                expires_at=at + timedelta(seconds=lifetime),
            )
        )
        return TokenPair(
            access_token=access,
            refresh_token=refresh,
            expires_in=lifetime,
            session_id=session.id,
            user=UserProfile.of(user),
        )


class SessionIssuer:
    """Opens the session and places it: device from the User-Agent, network as a keyed
    hash and prefix, location from the ``GeoLocator`` (empty when none is configured),
    and a trust score (``domain.trust``). A low score is reported, never acted on: the
    factors were asked for before this step, whatever the score would have been."""

    def __init__(
        self,
        minter: TokenMinter,
        user_agents: UserAgentParser,
        network: NetworkHasher,
        locator: GeoLocator,
        alerts: SuspiciousSignIns,
        ids: IdGenerator,
        publisher: EventPublisher,
    ) -> None:
        self._minter = minter
        self._user_agents = user_agents
        self._network = network
        self._locator = locator
        self._alerts = alerts
        self._ids = ids
        self._publisher = publisher

    def open(
        self,
        uow: UnitOfWork,
        user: User,
        client: ClientContext,
        *,
        methods: tuple[AuthMethod, ...],
        at: datetime,
        recent_failures: int = 0,
    ) -> TokenPair:
        """Create the session inside the caller's transaction; the caller commits."""
        session, signals = self._new_session(
            uow, user, client, methods=methods, at=at, recent_failures=recent_failures
        )
        uow.sessions.add(session)
        uow.events.add(session.created_event())
        self._alerts.review(uow, user, session, signals)
        refresh = self._minter.refresh_token(uow, session, at)
        uow.after_commit(
            lambda: announce(self._publisher, "session:created", session.id, user.id, at)
        )
        return self._minter.pair(user, session, refresh, at)

    def _new_session(
        self,
        uow: UnitOfWork,
        user: User,
        client: ClientContext,
        *,
        methods: tuple[AuthMethod, ...],
        at: datetime,
        recent_failures: int,
    ) -> tuple[DeviceSession, TrustSignals]:
        device = self._user_agents.parse(client.user_agent)
        network = self._network.network_of(client.ip)
        location = self._locator.locate(client.ip, client.location_hints)
        seen = uow.sessions.seen_before(user.id, device, network, location.country)
        second_factor = bool(SECOND_FACTORS.intersection(methods))
        signals = TrustSignals(
            known_device=seen.device,
            known_network=seen.network,
            second_factor=second_factor,
            new_country=seen.country is False,
            recent_failures=recent_failures,
            account_age_days=(at - user.created_at).days,
        )
        session = DeviceSession(
            id=SessionId(self._ids.new()),
            user_id=user.id,
            device=device,
            network=network,
            created_at=at,
            expires_at=at + self._minter.lifetimes.session_max,
            last_activity_at=at,
            methods=methods,
            trust_score=trust_score(signals),
            verification=(
                VerificationStatus.VERIFIED if second_factor else VerificationStatus.UNVERIFIED
            ),
            location=location,
        )
        return session, signals
