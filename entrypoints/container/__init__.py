"""The one dependency-injector container: the only place that builds adapters.

``build_container(settings, store=..., ephemeral=...)`` picks SQL or in-memory storage
and Redis or in-process short-lived state; the app factory, the worker and the CLI all
call it, and tests override single providers (clock, ids).

It is assembled from parts, each a container that takes the parts below it as
``DependenciesContainer``s: ``core`` (time, ids, crypto, parsers), ``state`` (Redis or
memory), ``storage`` (SQL or memory), ``messaging`` (mail, SMS, tasks, export jobs),
``steps`` (what use cases share) and ``use_cases``. The names callers use stay on the
container itself, each bound to the part's own provider, so an override there
(``container.clock.override(...)``) is what every part sees.
"""

from __future__ import annotations

from typing import Literal

from dependency_injector import containers, providers

from entrypoints.container.core import Core
from entrypoints.container.messaging import Messaging
from entrypoints.container.state import State
from entrypoints.container.steps import Steps
from entrypoints.container.storage import Storage
from entrypoints.container.use_cases import UseCases
from entrypoints.settings import Settings

Store = Literal["sql", "memory"]
Ephemeral = Literal["redis", "memory"]


def _geo_source(settings: Settings) -> str:
    """A database file wins over proxy headers; with neither, locations stay empty."""
    if settings.geoip_db is not None:
        return "geoip"
    return "headers" if settings.location_headers and settings.trusted_proxies else "none"


class Container(containers.DeclarativeContainer):
    config = providers.Configuration()
    settings = providers.Dependency(instance_of=Settings)
    __self__ = providers.Self()

    core = providers.Container(Core, config=config, settings=settings)
    state = providers.Container(State, config=config, settings=settings, core=core)
    storage = providers.Container(Storage, config=config, settings=settings, core=core, state=state)
    messaging = providers.Container(
        Messaging, config=config, settings=settings, core=core, state=state, root=__self__
    )
    steps = providers.Container(
        Steps, settings=settings, core=core, storage=storage, state=state, messaging=messaging
    )
    use_cases = providers.Container(
        UseCases,
        settings=settings,
        core=core,
        storage=storage,
        state=state,
        messaging=messaging,
        steps=steps,
    )

    health_probes = providers.Selector(
        config.ephemeral,
        redis=providers.Dict(database=storage.database_probe, redis=state.redis_probe),
        memory=providers.Dict(database=storage.database_probe),
    )
    """Readiness spans two parts, so it is assembled here."""

    # --- the names the app, the worker, the CLI and the tests call -------------------
    # ``part.container.name`` is the part's own provider, typed as the part declares it.
    clock = core.container.clock
    ids = core.container.ids
    secrets = core.container.secrets
    hasher = core.container.hasher
    blocklist = core.container.blocklist
    digester = core.container.digester
    secret_box = core.container.secret_box
    codec = core.container.codec
    geo_locator = core.container.geo_locator
    ceremonies = core.container.ceremonies
    identity_providers = core.container.identity_providers

    redis = state.container.redis
    session_cache = state.container.session_cache
    live_sessions = storage.container.live_sessions
    forget_profiles = state.container.forget_profiles
    challenges = state.container.challenges
    lock = state.container.lock
    publisher = state.container.publisher
    queues = state.container.queues
    queue_depths = state.container.queue_depths

    engine = storage.container.engine
    migrate = storage.container.migrate
    memory_database = storage.container.memory_database
    files = storage.container.files
    uow = storage.container.uow
    read_uow = storage.container.read_uow

    notifier = messaging.container.notifier
    sms_sender = messaging.container.sms_sender
    background_tasks = messaging.container.background_tasks
    export_queue = messaging.container.export_queue
    notice_courier = messaging.container.notice_courier
    sms_courier = messaging.container.sms_courier
    task_courier = messaging.container.task_courier

    throttle = steps.container.throttle

    register_user = use_cases.container.register_user
    verify_email = use_cases.container.verify_email
    resend_verification = use_cases.container.resend_verification
    send_verification = use_cases.container.send_verification
    log_in = use_cases.container.log_in
    complete_mfa_login = use_cases.container.complete_mfa_login
    send_login_sms = use_cases.container.send_login_sms
    get_mfa_status = use_cases.container.get_mfa_status
    start_totp_setup = use_cases.container.start_totp_setup
    confirm_totp = use_cases.container.confirm_totp
    start_sms_setup = use_cases.container.start_sms_setup
    confirm_sms = use_cases.container.confirm_sms
    disable_factor = use_cases.container.disable_factor
    regenerate_backup_codes = use_cases.container.regenerate_backup_codes
    reseal_factor_secrets = use_cases.container.reseal_factor_secrets
    send_phone_code = use_cases.container.send_phone_code
    confirm_phone = use_cases.container.confirm_phone
    refresh_session = use_cases.container.refresh_session
    log_out = use_cases.container.log_out
    request_password_reset = use_cases.container.request_password_reset
    send_password_reset = use_cases.container.send_password_reset
    reset_password = use_cases.container.reset_password
    purge_unverified_users = use_cases.container.purge_unverified_users
    get_profile = use_cases.container.get_profile
    update_profile = use_cases.container.update_profile
    change_password = use_cases.container.change_password
    request_email_change = use_cases.container.request_email_change
    confirm_email_change = use_cases.container.confirm_email_change
    change_avatar = use_cases.container.change_avatar
    remove_avatar = use_cases.container.remove_avatar
    open_avatar = use_cases.container.open_avatar
    delete_account = use_cases.container.delete_account
    create_admin = use_cases.container.create_admin
    authenticate = use_cases.container.authenticate
    list_sessions = use_cases.container.list_sessions
    revoke_session = use_cases.container.revoke_session
    revoke_other_sessions = use_cases.container.revoke_other_sessions
    purge_expired_sessions = use_cases.container.purge_expired_sessions
    list_own_events = use_cases.container.list_own_events
    start_passkey_sign_in = use_cases.container.start_passkey_sign_in
    sign_in_with_passkey = use_cases.container.sign_in_with_passkey
    start_passkey_registration = use_cases.container.start_passkey_registration
    add_passkey = use_cases.container.add_passkey
    list_passkeys = use_cases.container.list_passkeys
    rename_passkey = use_cases.container.rename_passkey
    remove_passkey = use_cases.container.remove_passkey
    start_provider_sign_in = use_cases.container.start_provider_sign_in
    start_provider_link = use_cases.container.start_provider_link
    review_provider_link = use_cases.container.review_provider_link
    confirm_provider_link = use_cases.container.confirm_provider_link
    finish_provider_callback = use_cases.container.finish_provider_callback
    exchange_provider_code = use_cases.container.exchange_provider_code
    list_provider_links = use_cases.container.list_provider_links
    unlink_provider = use_cases.container.unlink_provider
    reseal_provider_tokens = use_cases.container.reseal_provider_tokens
    create_task = use_cases.container.create_task
    get_task = use_cases.container.get_task
    update_task = use_cases.container.update_task
    list_tasks = use_cases.container.list_tasks
    list_trash = use_cases.container.list_trash
    delete_task = use_cases.container.delete_task
    restore_task = use_cases.container.restore_task
    delete_task_forever = use_cases.container.delete_task_forever
    purge_deleted_tasks = use_cases.container.purge_deleted_tasks
    request_export = use_cases.container.request_export
    list_exports = use_cases.container.list_exports
    get_export = use_cases.container.get_export
    download_export = use_cases.container.download_export
    fail_export = use_cases.container.fail_export
    build_export = use_cases.container.build_export
    purge_expired_exports = use_cases.container.purge_expired_exports
    reconcile_exports = use_cases.container.reconcile_exports
    list_users = use_cases.container.list_users
    get_user = use_cases.container.get_user
    disable_user = use_cases.container.disable_user
    enable_user = use_cases.container.enable_user
    revoke_user_sessions = use_cases.container.revoke_user_sessions
    list_events = use_cases.container.list_events


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
