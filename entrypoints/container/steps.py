"""The steps use cases share (``application.common``): password rules, throttling, one-time
codes, issuing and revoking sessions, second factors."""

from __future__ import annotations

from datetime import timedelta

from dependency_injector import containers, providers

from application.common.codes import CodePolicy, OneTimeCodes
from application.common.factor_checks import FactorChecks, StepUp
from application.common.issuing import SessionIssuer, SessionLifetimes, TokenMinter
from application.common.login_attempts import LoginAttempts
from application.common.notices import NoticeBudget
from application.common.passkey_assertions import PasskeyAssertions
from application.common.passkey_challenges import PasskeyChallenges
from application.common.password_rules import PasswordRules
from application.common.presence import Presence
from application.common.revocation import SessionRevoker
from application.common.sign_in import SignInGate
from application.common.sign_in_alerts import SuspiciousSignIns
from application.common.texting import SmsCodes
from application.common.throttle import Throttle
from application.social.flows import ProviderFlows
from domain.passwords import PasswordPolicy
from entrypoints.settings import Settings


def _lifetimes(settings: Settings) -> SessionLifetimes:
    return SessionLifetimes(
        refresh_idle=timedelta(seconds=settings.refresh_token_ttl),
        session_max=timedelta(seconds=settings.session_max_age),
        reuse_grace=timedelta(seconds=settings.refresh_reuse_grace),
    )


def _codes(
    policy: CodePolicy,
    core: providers.DependenciesContainer,
    state: providers.DependenciesContainer,
) -> providers.Singleton[OneTimeCodes]:
    """One purpose's codes, held in the challenge store under that purpose."""
    return providers.Singleton(
        OneTimeCodes,
        store=state.challenges,
        secrets=core.secrets,
        digester=core.digester,
        policy=policy,
    )


class Steps(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)
    core = providers.DependenciesContainer()
    storage = providers.DependenciesContainer()
    state = providers.DependenciesContainer()
    messaging = providers.DependenciesContainer()

    password_rules = providers.Singleton(
        PasswordRules,
        policy=providers.Factory(PasswordPolicy, min_length=settings.provided.password_min_length),
        blocklist=core.blocklist,
    )
    throttle = providers.Singleton(
        Throttle,
        limiter=state.limiter,
        network=core.network,
        scale=settings.provided.rate_limit_scale,
    )
    notice_budget = providers.Singleton(
        NoticeBudget, store=state.challenges, digester=core.digester
    )

    email_codes = _codes(CodePolicy(purpose="email_verification"), core, state)
    login_sms_codes = _codes(CodePolicy(purpose="login_sms", ttl_seconds=300), core, state)
    sms_setup_codes = _codes(CodePolicy(purpose="sms_setup", ttl_seconds=600), core, state)
    phone_codes = _codes(CodePolicy(purpose="phone_verification", ttl_seconds=600), core, state)
    email_change_codes = _codes(CodePolicy(purpose="email_change"), core, state)
    sms_codes = providers.Singleton(
        SmsCodes,
        throttle=throttle,
        sender=messaging.sms_sender,
        digester=core.digester,
        clock=core.clock,
    )

    lifetimes = providers.Singleton(providers.Callable(_lifetimes, settings))
    minter = providers.Singleton(
        TokenMinter,
        codec=core.codec,
        secrets=core.secrets,
        digester=core.digester,
        ids=core.ids,
        lifetimes=lifetimes,
    )
    sign_in_alerts = providers.Singleton(
        SuspiciousSignIns,
        notifier=messaging.notifier,
        threshold=settings.provided.suspicious_trust_below,
    )
    issuer = providers.Singleton(
        SessionIssuer,
        minter=minter,
        user_agents=core.user_agents,
        network=core.network,
        locator=core.geo_locator,
        alerts=sign_in_alerts,
        ids=core.ids,
        publisher=state.publisher,
    )
    login_attempts = providers.Singleton(
        LoginAttempts, store=state.challenges, secrets=core.secrets, digester=core.digester
    )
    gate = providers.Singleton(SignInGate, attempts=login_attempts, issuer=issuer)
    factor_checks = providers.Singleton(
        FactorChecks,
        totp=core.totp,
        box=core.secret_box,
        digester=core.digester,
        secrets=core.secrets,
        ids=core.ids,
        sms_codes=login_sms_codes,
        notifier=messaging.notifier,
    )
    passkey_challenges = providers.Singleton(PasskeyChallenges, store=state.challenges)
    passkey_assertions = providers.Singleton(PasskeyAssertions, ceremonies=core.ceremonies)
    step_up = providers.Singleton(
        StepUp, hasher=core.hasher, checks=factor_checks, throttle=throttle
    )
    presence = providers.Singleton(Presence, step_up=step_up)

    provider_flows = providers.Singleton(
        ProviderFlows, store=state.challenges, secrets=core.secrets, digester=core.digester
    )

    revoker = providers.Singleton(
        SessionRevoker, live=storage.live_sessions, publisher=state.publisher
    )
