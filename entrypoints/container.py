"""The one dependency-injector container: the only place that builds adapters.

``build_container(settings, store=..., ephemeral=...)`` picks SQL or in-memory storage
and Redis or in-process short-lived state; the app factory, the worker and the CLI all
call it, and tests override single providers (clock, ids).
"""

from __future__ import annotations

import hmac
from datetime import timedelta
from typing import Literal

from dependency_injector import containers, providers

from adapters.images.pillow import PillowImageSanitizer
from adapters.memory.ephemeral import (
    MemoryChallengeStore,
    MemoryLock,
    MemoryProfileCache,
    MemoryRateLimiter,
    MemorySessionValidityCache,
)
from adapters.memory.files import MemoryFileStore
from adapters.memory.health import MemoryHealthProbe
from adapters.memory.messaging import MemoryEventPublisher
from adapters.memory.persistence import MemoryDatabase, MemoryUnitOfWork
from adapters.notify.background import ThreadedExportQueue, ThreadedNotifier, ThreadedTasks
from adapters.notify.console import ConsoleNotifier
from adapters.notify.sms import ConsoleSmsSender, ThreadedSmsSender, WebhookSmsSender
from adapters.notify.smtp import SmtpNotifier
from adapters.notify.templates import NoticeRenderer
from adapters.redis.challenge_store import RedisChallengeStore
from adapters.redis.client import RedisConnector
from adapters.redis.health import RedisHealthProbe
from adapters.redis.invalidation_feed import RedisInvalidationFeed
from adapters.redis.lock import RedisLock
from adapters.redis.profile_cache import RedisProfileCache
from adapters.redis.publisher import RedisEventPublisher
from adapters.redis.rate_limiter import RedisRateLimiter
from adapters.redis.session_cache import RedisSessionValidityCache
from adapters.rq.depths import RqQueueDepths
from adapters.rq.exports import JOB_TIMEOUT as EXPORT_JOB_TIMEOUT
from adapters.rq.exports import RqExportQueue
from adapters.rq.notifier import QueuedNotifier
from adapters.rq.queues import RqQueues
from adapters.rq.sealing import SealedNoticeCourier
from adapters.rq.sms import QueuedSmsSender, SealedSmsCourier
from adapters.rq.tasks import QueuedTasks, SealedTaskCourier
from adapters.security.blocklist import ShippedPasswordBlocklist
from adapters.security.digests import HmacDigester
from adapters.security.network import HmacNetworkHasher
from adapters.security.passwords import BcryptPasswordHasher
from adapters.security.qr import SegnoQrRenderer
from adapters.security.secret_box import FernetSecretBox
from adapters.security.secrets import SystemSecretGenerator
from adapters.security.tokens import JwtAccessTokenCodec
from adapters.security.totp import PyOtpTotp
from adapters.sqlalchemy.engine import build_engine, build_session_factory
from adapters.sqlalchemy.health import SqlHealthProbe
from adapters.sqlalchemy.migrate import upgrade
from adapters.sqlalchemy.unit_of_work import SqlUnitOfWork
from adapters.storage.local import LocalFileStore
from adapters.system.clock import SystemClock
from adapters.system.geo import GeoIpLocator, NoGeoLocator, ProxyHeaderLocator
from adapters.system.ids import UuidV7Generator
from adapters.system.phones import PhonenumbersParser
from adapters.system.user_agents import UaParserUserAgentParser
from application.account.avatar import ChangeAvatar, OpenAvatar, RemoveAvatar
from application.account.change_password import ChangePassword
from application.account.confirm_email_change import ConfirmEmailChange
from application.account.create_admin import CreateAdmin
from application.account.delete_account import DeleteAccount
from application.account.get_profile import ForgetProfiles, GetProfile
from application.account.list_events import ListOwnEvents
from application.account.request_email_change import RequestEmailChange
from application.account.update_profile import UpdateProfile
from application.account.verify_phone import ConfirmPhone, SendPhoneCode
from application.admin.disable_user import DisableUser
from application.admin.enable_user import EnableUser
from application.admin.get_user import GetUser
from application.admin.list_events import ListEvents
from application.admin.list_users import ListUsers
from application.admin.revoke_user_sessions import RevokeUserSessions
from application.auth.complete_mfa_login import CompleteMfaLogin
from application.auth.log_in import LogIn
from application.auth.log_out import LogOut
from application.auth.purge_unverified_users import PurgeUnverifiedUsers
from application.auth.refresh_session import RefreshSession
from application.auth.register_user import RegisterUser
from application.auth.request_password_reset import RequestPasswordReset, SendPasswordReset
from application.auth.resend_verification import ResendVerification, SendVerification
from application.auth.reset_password import ResetPassword
from application.auth.send_login_sms import SendLoginSms
from application.auth.verify_email import VerifyEmail
from application.common.codes import CodePolicy, OneTimeCodes
from application.common.factor_checks import FactorChecks, StepUp
from application.common.issuing import SessionIssuer, SessionLifetimes, TokenMinter
from application.common.leases import Leases
from application.common.login_attempts import LoginAttempts
from application.common.near_cache import NearCache
from application.common.notices import NoticeBudget
from application.common.password_rules import PasswordRules
from application.common.revocation import SessionRevoker
from application.common.sign_in import SignInGate
from application.common.sign_in_alerts import SuspiciousSignIns
from application.common.texting import SmsCodes
from application.common.throttle import Throttle
from application.common.validity import SessionValidity
from application.exports.build_export import BuildExport
from application.exports.contents import ExportContents
from application.exports.fail_export import FailExport
from application.exports.purge_expired_exports import PurgeExpiredExports
from application.exports.read_exports import DownloadExport, GetExport, ListExports
from application.exports.reconcile_exports import ReconcileExports
from application.exports.request_export import RequestExport
from application.mfa.backup_codes import RegenerateBackupCodes
from application.mfa.confirm_sms import ConfirmSms
from application.mfa.confirm_totp import ConfirmTotp
from application.mfa.disable import DisableFactor
from application.mfa.reseal import ResealFactorSecrets
from application.mfa.start_sms_setup import StartSmsSetup
from application.mfa.start_totp_setup import StartTotpSetup
from application.mfa.status import GetMfaStatus
from application.sessions.authenticate import Authenticate
from application.sessions.list_sessions import ListSessions
from application.sessions.purge_expired_sessions import PurgeExpiredSessions
from application.sessions.revoke_other_sessions import RevokeOtherSessions
from application.sessions.revoke_session import RevokeSession
from application.tasks.create_task import CreateTask
from application.tasks.edit_task import GetTask, UpdateTask
from application.tasks.list_tasks import ListTasks, ListTrash
from application.tasks.purge_deleted_tasks import PurgeDeletedTasks
from application.tasks.trash import DeleteTask, DeleteTaskForever, RestoreTask
from domain.passwords import PasswordPolicy
from entrypoints.exports import export_builder, export_giver_up, export_progress
from entrypoints.metrics import count_events
from entrypoints.settings import Settings
from entrypoints.tasks import task_runner

Store = Literal["sql", "memory"]
Ephemeral = Literal["redis", "memory"]


def _lifetimes(settings: Settings) -> SessionLifetimes:
    return SessionLifetimes(
        refresh_idle=timedelta(seconds=settings.refresh_token_ttl),
        session_max=timedelta(seconds=settings.session_max_age),
        reuse_grace=timedelta(seconds=settings.refresh_reuse_grace),
    )


def _geo_source(settings: Settings) -> str:
    """A database file wins over proxy headers; with neither, locations stay empty."""
    if settings.geoip_db is not None:
        return "geoip"
    return "headers" if settings.location_headers and settings.trusted_proxies else "none"


def _redis_url(settings: Settings) -> str:
    return settings.redis_url.get_secret_value() if settings.redis_url else ""


def _digest_key(settings: Settings) -> bytes:
    return hmac.new(
        settings.secret("password_pepper"), b"bastion/keyed-digests/v1", "sha256"
    ).digest()


EXPORT_PENDING_STALE_SECONDS = 120
"""A pending export this old with no job waiting in the queue is queued again."""
EXPORT_PROCESSING_STALE_SECONDS = EXPORT_JOB_TIMEOUT + 300
"""A processing export this old has outlived any job that could still be writing it."""


class Container(containers.DeclarativeContainer):
    config = providers.Configuration()
    settings = providers.Dependency(instance_of=Settings)

    clock = providers.Singleton(SystemClock)
    ids = providers.Singleton(UuidV7Generator)
    secrets = providers.Singleton(SystemSecretGenerator)

    # --- durable storage -------------------------------------------------------------
    engine = providers.Singleton(build_engine, url=settings.provided.database_url)
    session_factory = providers.Singleton(build_session_factory, engine=engine)
    migrate = providers.Callable(upgrade, url=settings.provided.database_url)
    memory_database = providers.Singleton(MemoryDatabase)
    files = providers.Selector(
        config.store,
        sql=providers.Singleton(
            LocalFileStore, root=providers.Callable(lambda s: s.files_dir, settings)
        ),
        memory=providers.Singleton(MemoryFileStore),
    )
    redis = providers.Singleton(RedisConnector, url=providers.Callable(_redis_url, settings))
    profile_cache = providers.Selector(
        config.ephemeral,
        redis=providers.Singleton(RedisProfileCache, connector=redis),
        memory=providers.Singleton(MemoryProfileCache, clock=clock),
    )
    near_cache = providers.Selector(
        config.ephemeral,
        redis=providers.Singleton(
            NearCache, feed=providers.Singleton(RedisInvalidationFeed, connector=redis)
        ),
        memory=providers.Singleton(NearCache, feed=None),
    )
    """This process's copies of sessions' validity and profiles (the embedded default's
    caches are in-process already, so it keeps none)."""
    forget_profiles = providers.Singleton(ForgetProfiles, cache=profile_cache, near=near_cache)
    uow = providers.Selector(
        config.store,
        sql=providers.Factory(
            SqlUnitOfWork,
            session_factory=session_factory,
            ids=ids,
            users_changed=forget_profiles,
            events_recorded=count_events,
        ),
        memory=providers.Factory(
            MemoryUnitOfWork,
            db=memory_database,
            ids=ids,
            users_changed=forget_profiles,
            events_recorded=count_events,
        ),
    )
    read_session_factory = providers.Singleton(build_session_factory, engine=engine, read_only=True)
    read_uow = providers.Selector(
        config.store,
        sql=providers.Factory(
            SqlUnitOfWork, session_factory=read_session_factory, ids=ids, read_only=True
        ),
        memory=providers.Factory(MemoryUnitOfWork, db=memory_database, ids=ids),
    )
    """For reads of a single statement on the hot path (``GET /me``, list pages) and the
    lookup before a password check."""

    # --- short-lived state -----------------------------------------------------------
    fallback_limiter = providers.Singleton(MemoryRateLimiter, clock=clock)
    limiter = providers.Selector(
        config.ephemeral,
        redis=providers.Singleton(
            RedisRateLimiter, connector=redis, clock=clock, fallback=fallback_limiter
        ),
        memory=fallback_limiter,
    )
    validity_cache = providers.Selector(
        config.ephemeral,
        redis=providers.Singleton(RedisSessionValidityCache, connector=redis),
        memory=providers.Singleton(MemorySessionValidityCache, clock=clock),
    )
    challenges = providers.Selector(
        config.ephemeral,
        redis=providers.Singleton(RedisChallengeStore, connector=redis),
        memory=providers.Singleton(MemoryChallengeStore, clock=clock),
    )
    lock = providers.Selector(
        config.ephemeral,
        redis=providers.Singleton(RedisLock, connector=redis),
        memory=providers.Singleton(MemoryLock, clock=clock),
    )
    publisher = providers.Selector(
        config.ephemeral,
        redis=providers.Singleton(RedisEventPublisher, connector=redis),
        memory=providers.Singleton(MemoryEventPublisher),
    )

    # --- security --------------------------------------------------------------------
    hasher = providers.Singleton(
        BcryptPasswordHasher,
        pepper=providers.Callable(lambda s: s.secret("password_pepper"), settings),
        rounds=settings.provided.bcrypt_rounds,
        max_concurrent=settings.provided.max_concurrent_password_checks,
        waiting=settings.provided.password_checks_in_line,
    )
    blocklist = providers.Singleton(ShippedPasswordBlocklist)
    password_rules = providers.Singleton(
        PasswordRules,
        policy=providers.Factory(PasswordPolicy, min_length=settings.provided.password_min_length),
        blocklist=blocklist,
    )
    # Keyed digests (codes, budgets, backup codes) use a key derived from the pepper: it
    # never rotates (password hashes depend on it), so rotating encryption keys voids no
    # code, and the derivation keeps them apart from the password pre-hash.
    digester = providers.Singleton(HmacDigester, key=providers.Callable(_digest_key, settings))
    network = providers.Singleton(
        HmacNetworkHasher, key=providers.Callable(lambda s: s.secret("ip_hash_key"), settings)
    )
    secret_box = providers.Singleton(
        FernetSecretBox, keys=providers.Callable(lambda s: s.encryption_key_ring, settings)
    )
    codec = providers.Singleton(
        JwtAccessTokenCodec,
        secret=providers.Callable(lambda s: s.secret("jwt_secret"), settings),
        issuer=settings.provided.jwt_issuer,
        audience=settings.provided.jwt_audience,
        lifetime_seconds=settings.provided.access_token_ttl,
        clock=clock,
    )
    user_agents = providers.Singleton(UaParserUserAgentParser)
    phones = providers.Singleton(PhonenumbersParser)
    totp = providers.Singleton(PyOtpTotp)
    images = providers.Singleton(PillowImageSanitizer)
    geo_locator = providers.Selector(
        config.geo,
        geoip=providers.Singleton(GeoIpLocator, path=settings.provided.geoip_db),
        headers=providers.Singleton(
            ProxyHeaderLocator,
            country=settings.provided.geo_country_header,
            city=settings.provided.geo_city_header,
            timezone=settings.provided.geo_timezone_header,
        ),
        none=providers.Singleton(NoGeoLocator),
    )
    qr = providers.Singleton(SegnoQrRenderer)

    # --- messaging -------------------------------------------------------------------
    renderer = providers.Singleton(NoticeRenderer, public_url=settings.provided.public_url)
    direct_notifier = providers.Selector(
        config.mail,
        smtp=providers.Singleton(
            SmtpNotifier,
            url=providers.Callable(
                lambda s: s.smtp_url.get_secret_value() if s.smtp_url else "", settings
            ),
            sender=settings.provided.mail_from,
            renderer=renderer,
        ),
        console=providers.Singleton(ConsoleNotifier, renderer=renderer),
    )
    queues = providers.Singleton(RqQueues, connector=redis)
    queue_depths = providers.Selector(
        config.ephemeral,
        redis=providers.Singleton(RqQueueDepths, queues=queues),
        memory=providers.Object(dict),
    )
    """``{(queue, state): jobs}`` for ``/metrics``; the in-process worker keeps no queue."""
    notice_courier = providers.Singleton(
        SealedNoticeCourier, box=secret_box, notifier=direct_notifier
    )
    __self__ = providers.Self()
    run_task = providers.Singleton(task_runner, __self__)
    task_courier = providers.Singleton(SealedTaskCourier, box=secret_box, run=run_task)
    background_tasks = providers.Selector(
        config.ephemeral,
        redis=providers.Singleton(QueuedTasks, queues=queues, box=secret_box),
        memory=providers.Singleton(ThreadedTasks, run=run_task),
    )
    notifier = providers.Selector(
        config.ephemeral,
        redis=providers.Singleton(QueuedNotifier, queues=queues, box=secret_box),
        memory=providers.Singleton(ThreadedNotifier, inner=direct_notifier),
    )

    direct_sms = providers.Selector(
        config.sms,
        webhook=providers.Singleton(
            WebhookSmsSender,
            url=providers.Callable(
                lambda s: s.sms_webhook_url.get_secret_value() if s.sms_webhook_url else "",
                settings,
            ),
        ),
        console=providers.Singleton(ConsoleSmsSender),
    )
    sms_courier = providers.Singleton(
        SealedSmsCourier, box=secret_box, sender=direct_sms, clock=clock
    )
    sms_sender = providers.Selector(
        config.ephemeral,
        redis=providers.Singleton(QueuedSmsSender, queues=queues, box=secret_box),
        memory=providers.Singleton(ThreadedSmsSender, inner=direct_sms),
    )

    # --- shared steps ----------------------------------------------------------------
    throttle = providers.Singleton(
        Throttle,
        limiter=limiter,
        network=network,
        scale=settings.provided.rate_limit_scale,
        clock=clock,
        leases=providers.Singleton(Leases),
    )
    email_codes = providers.Singleton(
        OneTimeCodes,
        store=challenges,
        secrets=secrets,
        digester=digester,
        policy=providers.Object(CodePolicy(purpose="email_verification")),
    )
    notice_budget = providers.Singleton(NoticeBudget, store=challenges, digester=digester)
    lifetimes = providers.Singleton(providers.Callable(_lifetimes, settings))
    minter = providers.Singleton(
        TokenMinter, codec=codec, secrets=secrets, digester=digester, ids=ids, lifetimes=lifetimes
    )
    sign_in_alerts = providers.Singleton(
        SuspiciousSignIns, notifier=notifier, threshold=settings.provided.suspicious_trust_below
    )
    issuer = providers.Singleton(
        SessionIssuer,
        minter=minter,
        user_agents=user_agents,
        network=network,
        locator=geo_locator,
        alerts=sign_in_alerts,
        ids=ids,
        publisher=publisher,
    )
    login_attempts = providers.Singleton(
        LoginAttempts, store=challenges, secrets=secrets, digester=digester
    )
    gate = providers.Singleton(SignInGate, attempts=login_attempts, issuer=issuer)
    sms_codes = providers.Singleton(
        SmsCodes, throttle=throttle, sender=sms_sender, digester=digester, clock=clock
    )
    login_sms_codes = providers.Singleton(
        OneTimeCodes,
        store=challenges,
        secrets=secrets,
        digester=digester,
        policy=providers.Object(CodePolicy(purpose="login_sms", ttl_seconds=300)),
    )
    factor_checks = providers.Singleton(
        FactorChecks,
        totp=totp,
        box=secret_box,
        digester=digester,
        secrets=secrets,
        ids=ids,
        sms_codes=login_sms_codes,
        notifier=notifier,
    )
    step_up = providers.Singleton(
        StepUp,
        hasher=hasher,
        checks=factor_checks,
        throttle=throttle,
    )
    sms_setup_codes = providers.Singleton(
        OneTimeCodes,
        store=challenges,
        secrets=secrets,
        digester=digester,
        policy=providers.Object(CodePolicy(purpose="sms_setup", ttl_seconds=600)),
    )
    phone_codes = providers.Singleton(
        OneTimeCodes,
        store=challenges,
        secrets=secrets,
        digester=digester,
        policy=providers.Object(CodePolicy(purpose="phone_verification", ttl_seconds=600)),
    )
    email_change_codes = providers.Singleton(
        OneTimeCodes,
        store=challenges,
        secrets=secrets,
        digester=digester,
        policy=providers.Object(CodePolicy(purpose="email_change")),
    )
    revoker = providers.Singleton(
        SessionRevoker,
        uow_factory=uow.provider,
        cache=validity_cache,
        publisher=publisher,
        near=near_cache,
    )
    validity = providers.Singleton(
        SessionValidity, uow_factory=uow.provider, cache=validity_cache, near=near_cache
    )

    # --- use cases -------------------------------------------------------------------
    register_user = providers.Factory(
        RegisterUser,
        uow=uow,
        rules=password_rules,
        hasher=hasher,
        codes=email_codes,
        budget=notice_budget,
        notifier=notifier,
        publisher=publisher,
        clock=clock,
        ids=ids,
    )
    verify_email = providers.Factory(
        VerifyEmail,
        uow=uow,
        codes=email_codes,
        digester=digester,
        publisher=publisher,
        clock=clock,
    )
    resend_verification = providers.Factory(ResendVerification, uow=uow, tasks=background_tasks)
    send_verification = providers.Factory(
        SendVerification, uow=uow, codes=email_codes, budget=notice_budget, notifier=notifier
    )
    log_in = providers.Factory(
        LogIn,
        uow=uow,
        reads=read_uow,
        hasher=hasher,
        throttle=throttle,
        digester=digester,
        gate=gate,
        clock=clock,
        require_verified_email=settings.provided.require_verified_email,
    )
    complete_mfa_login = providers.Factory(
        CompleteMfaLogin,
        uow=uow,
        attempts=login_attempts,
        checks=factor_checks,
        throttle=throttle,
        gate=gate,
        clock=clock,
        require_verified_email=settings.provided.require_verified_email,
    )
    send_login_sms = providers.Factory(
        SendLoginSms,
        uow=uow,
        attempts=login_attempts,
        codes=login_sms_codes,
        sms=sms_codes,
        throttle=throttle,
    )
    get_mfa_status = providers.Factory(GetMfaStatus, uow=uow)
    start_totp_setup = providers.Factory(
        StartTotpSetup, uow=uow, totp=totp, qr=qr, box=secret_box, store=challenges
    )
    confirm_totp = providers.Factory(
        ConfirmTotp,
        uow=uow,
        totp=totp,
        box=secret_box,
        store=challenges,
        checks=factor_checks,
        notifier=notifier,
        clock=clock,
        ids=ids,
    )
    start_sms_setup = providers.Factory(
        StartSmsSetup,
        uow=uow,
        phones=phones,
        step_up=step_up,
        codes=sms_setup_codes,
        sms=sms_codes,
        box=secret_box,
        store=challenges,
        clock=clock,
    )
    confirm_sms = providers.Factory(
        ConfirmSms,
        uow=uow,
        codes=sms_setup_codes,
        box=secret_box,
        store=challenges,
        notifier=notifier,
        clock=clock,
        ids=ids,
    )
    disable_factor = providers.Factory(
        DisableFactor, uow=uow, step_up=step_up, notifier=notifier, clock=clock
    )
    regenerate_backup_codes = providers.Factory(
        RegenerateBackupCodes,
        uow=uow,
        step_up=step_up,
        checks=factor_checks,
        notifier=notifier,
        clock=clock,
    )
    reseal_factor_secrets = providers.Factory(ResealFactorSecrets, uow=uow, box=secret_box)
    send_phone_code = providers.Factory(SendPhoneCode, uow=uow, codes=phone_codes, sms=sms_codes)
    confirm_phone = providers.Factory(
        ConfirmPhone, uow=uow, codes=phone_codes, publisher=publisher, clock=clock
    )
    refresh_session = providers.Factory(
        RefreshSession, uow=uow, digester=digester, minter=minter, revoker=revoker, clock=clock
    )
    log_out = providers.Factory(LogOut, uow=uow, revoker=revoker, clock=clock)
    request_password_reset = providers.Factory(
        RequestPasswordReset, uow=uow, tasks=background_tasks
    )
    send_password_reset = providers.Factory(
        SendPasswordReset,
        uow=uow,
        store=challenges,
        secrets=secrets,
        digester=digester,
        budget=notice_budget,
        notifier=notifier,
        clock=clock,
    )
    reset_password = providers.Factory(
        ResetPassword,
        uow=uow,
        store=challenges,
        digester=digester,
        rules=password_rules,
        hasher=hasher,
        revoker=revoker,
        notifier=notifier,
        clock=clock,
    )
    purge_unverified_users = providers.Factory(
        PurgeUnverifiedUsers, uow=uow, lock=lock, clock=clock
    )
    get_profile = providers.Singleton(
        GetProfile, uow_factory=read_uow.provider, cache=profile_cache, near=near_cache
    )
    update_profile = providers.Factory(
        UpdateProfile, uow=uow, phones=phones, publisher=publisher, clock=clock
    )
    change_password = providers.Factory(
        ChangePassword,
        uow=uow,
        hasher=hasher,
        rules=password_rules,
        revoker=revoker,
        notifier=notifier,
        clock=clock,
    )
    request_email_change = providers.Factory(
        RequestEmailChange,
        uow=uow,
        step_up=step_up,
        codes=email_change_codes,
        store=challenges,
        box=secret_box,
        budget=notice_budget,
        notifier=notifier,
        clock=clock,
    )
    confirm_email_change = providers.Factory(
        ConfirmEmailChange,
        uow=uow,
        codes=email_change_codes,
        store=challenges,
        box=secret_box,
        notifier=notifier,
        publisher=publisher,
        clock=clock,
    )
    change_avatar = providers.Factory(
        ChangeAvatar,
        uow=uow,
        images=images,
        files=files,
        secrets=secrets,
        publisher=publisher,
        clock=clock,
        media_url=providers.Callable(lambda s: f"{s.public_url}/media", settings),
    )
    remove_avatar = providers.Factory(
        RemoveAvatar, uow=uow, files=files, publisher=publisher, clock=clock
    )
    open_avatar = providers.Factory(OpenAvatar, files=files)
    delete_account = providers.Factory(
        DeleteAccount,
        uow=uow,
        step_up=step_up,
        revoker=revoker,
        files=files,
        publisher=publisher,
        clock=clock,
    )
    create_admin = providers.Factory(
        CreateAdmin, uow=uow, rules=password_rules, hasher=hasher, clock=clock, ids=ids
    )
    authenticate = providers.Singleton(
        Authenticate, codec=codec, validity=validity, uow_factory=uow.provider, clock=clock
    )
    list_sessions = providers.Factory(ListSessions, uow=uow, clock=clock)
    revoke_session = providers.Factory(RevokeSession, uow=uow, revoker=revoker, clock=clock)
    revoke_other_sessions = providers.Factory(
        RevokeOtherSessions, uow=uow, revoker=revoker, clock=clock
    )
    purge_expired_sessions = providers.Factory(
        PurgeExpiredSessions, uow=uow, lock=lock, clock=clock
    )
    list_own_events = providers.Factory(ListOwnEvents, uow=read_uow)

    # --- tasks -----------------------------------------------------------------------
    create_task = providers.Factory(CreateTask, uow=uow, clock=clock, ids=ids)
    get_task = providers.Factory(GetTask, uow=read_uow)
    update_task = providers.Factory(UpdateTask, uow=uow, clock=clock)
    list_tasks = providers.Factory(ListTasks, uow=read_uow)
    list_trash = providers.Factory(ListTrash, uow=uow)
    delete_task = providers.Factory(
        DeleteTask,
        uow=uow,
        clock=clock,
        retention=providers.Callable(lambda s: timedelta(seconds=s.task_retention), settings),
    )
    restore_task = providers.Factory(RestoreTask, uow=uow, clock=clock)
    delete_task_forever = providers.Factory(DeleteTaskForever, uow=uow)
    purge_deleted_tasks = providers.Factory(PurgeDeletedTasks, uow=uow, lock=lock, clock=clock)

    # --- exports ---------------------------------------------------------------------
    export_queue = providers.Selector(
        config.ephemeral,
        redis=providers.Singleton(RqExportQueue, queues=queues),
        memory=providers.Singleton(
            ThreadedExportQueue,
            build=providers.Callable(export_builder, __self__),
            give_up=providers.Callable(export_giver_up, __self__),
        ),
    )
    request_export = providers.Factory(
        RequestExport, uow=uow, queue=export_queue, throttle=throttle, clock=clock, ids=ids
    )
    list_exports = providers.Factory(ListExports, uow=read_uow)
    get_export = providers.Factory(GetExport, uow=read_uow)
    download_export = providers.Factory(DownloadExport, uow=uow, files=files, clock=clock)
    fail_export = providers.Factory(FailExport, uow=uow, files=files, clock=clock)
    build_export = providers.Factory(
        BuildExport,
        uow=uow,
        contents=providers.Factory(ExportContents, uow=uow),
        files=files,
        notifier=notifier,
        fail=fail_export,
        clock=clock,
        ttl=providers.Callable(lambda s: timedelta(seconds=s.export_ttl), settings),
        progress=providers.Callable(export_progress, settings),
    )
    purge_expired_exports = providers.Factory(
        PurgeExpiredExports, uow=uow, files=files, lock=lock, clock=clock
    )
    reconcile_exports = providers.Factory(
        ReconcileExports,
        uow=uow,
        queue=export_queue,
        fail=fail_export,
        lock=lock,
        clock=clock,
        pending_after=providers.Object(timedelta(seconds=EXPORT_PENDING_STALE_SECONDS)),
        processing_after=providers.Object(timedelta(seconds=EXPORT_PROCESSING_STALE_SECONDS)),
    )

    # --- administration --------------------------------------------------------------
    list_users = providers.Factory(ListUsers, uow=uow)
    get_user = providers.Factory(GetUser, uow=uow, clock=clock)
    disable_user = providers.Factory(
        DisableUser, uow=uow, revoker=revoker, publisher=publisher, clock=clock
    )
    enable_user = providers.Factory(EnableUser, uow=uow, publisher=publisher, clock=clock)
    revoke_user_sessions = providers.Factory(
        RevokeUserSessions, uow=uow, revoker=revoker, clock=clock
    )
    list_events = providers.Factory(ListEvents, uow=uow)

    # --- operations ------------------------------------------------------------------
    database_probe = providers.Selector(
        config.store,
        sql=providers.Singleton(SqlHealthProbe, engine=engine),
        memory=providers.Singleton(MemoryHealthProbe),
    )
    health_probes = providers.Selector(
        config.ephemeral,
        redis=providers.Dict(
            database=database_probe, redis=providers.Singleton(RedisHealthProbe, connector=redis)
        ),
        memory=providers.Dict(database=database_probe),
    )


def build_container(
    settings: Settings, *, store: Store = "sql", ephemeral: Ephemeral | None = None
) -> Container:
    container = Container(settings=settings)
    container.config.from_dict(
        {
            "store": store,
            "ephemeral": ephemeral or ("redis" if settings.redis_url else "memory"),
            "mail": "smtp" if settings.smtp_url else "console",
            "sms": "webhook" if settings.sms_webhook_url else "console",
            "geo": _geo_source(settings),
        }
    )
    return container
