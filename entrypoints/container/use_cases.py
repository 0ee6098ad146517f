"""Every use case, built from the other parts. Factories give each call its own unit of
work; ``authenticate`` is a singleton that outlives a request."""

from __future__ import annotations

from datetime import timedelta

from dependency_injector import containers, providers

from adapters.rq.exports import JOB_TIMEOUT as EXPORT_JOB_TIMEOUT
from application.account.avatar import ChangeAvatar, OpenAvatar, RemoveAvatar
from application.account.change_password import ChangePassword
from application.account.confirm_email_change import ConfirmEmailChange
from application.account.create_admin import CreateAdmin
from application.account.delete_account import DeleteAccount
from application.account.get_profile import GetProfile
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
from application.auth.sign_in_with_passkey import SignInWithPasskey
from application.auth.start_passkey_sign_in import StartPasskeySignIn
from application.auth.verify_email import VerifyEmail
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
from application.passkeys.add_passkey import AddPasskey
from application.passkeys.list_passkeys import ListPasskeys
from application.passkeys.remove_passkey import RemovePasskey
from application.passkeys.rename_passkey import RenamePasskey
from application.passkeys.start_registration import StartPasskeyRegistration
from application.sessions.authenticate import Authenticate
from application.sessions.list_sessions import ListSessions
from application.sessions.purge_expired_sessions import PurgeExpiredSessions
from application.sessions.revoke_other_sessions import RevokeOtherSessions
from application.sessions.revoke_session import RevokeSession
from application.social.accounts import ProviderAccounts
from application.social.confirm_link import ConfirmProviderLink
from application.social.confirmations import LinkConfirmations
from application.social.exchange_code import ExchangeProviderCode
from application.social.finish_callback import FinishProviderCallback
from application.social.linking import IdentityLinker
from application.social.list_links import ListProviderLinks
from application.social.reseal import ResealProviderTokens
from application.social.review_link import ReviewProviderLink
from application.social.signing_in import IdentitySignIn
from application.social.start_link import StartProviderLink
from application.social.start_sign_in import StartProviderSignIn
from application.social.starting import FlowStarter
from application.social.unlink import UnlinkProvider
from application.tasks.create_task import CreateTask
from application.tasks.edit_task import GetTask, UpdateTask
from application.tasks.list_tasks import ListTasks, ListTrash
from application.tasks.purge_deleted_tasks import PurgeDeletedTasks
from application.tasks.trash import DeleteTask, DeleteTaskForever, RestoreTask
from entrypoints.container.social import authorize_url
from entrypoints.exports import export_progress
from entrypoints.settings import Settings

EXPORT_PENDING_STALE_SECONDS = 120
"""A pending export this old with no job waiting in the queue is queued again."""
EXPORT_PROCESSING_STALE_SECONDS = EXPORT_JOB_TIMEOUT + 300
"""A processing export this old has outlived any job that could still be writing it."""


class UseCases(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)
    core = providers.DependenciesContainer()
    storage = providers.DependenciesContainer()
    state = providers.DependenciesContainer()
    messaging = providers.DependenciesContainer()
    steps = providers.DependenciesContainer()

    # --- sign-up, sign-in, second factors, account, sessions ---------------------------
    register_user = providers.Factory(
        RegisterUser,
        uow=storage.uow,
        rules=steps.password_rules,
        hasher=core.hasher,
        codes=steps.email_codes,
        budget=steps.notice_budget,
        notifier=messaging.notifier,
        publisher=state.publisher,
        clock=core.clock,
        ids=core.ids,
    )
    verify_email = providers.Factory(
        VerifyEmail,
        uow=storage.uow,
        codes=steps.email_codes,
        digester=core.digester,
        publisher=state.publisher,
        clock=core.clock,
    )
    resend_verification = providers.Factory(
        ResendVerification, uow=storage.uow, tasks=messaging.background_tasks
    )
    send_verification = providers.Factory(
        SendVerification,
        uow=storage.uow,
        codes=steps.email_codes,
        budget=steps.notice_budget,
        notifier=messaging.notifier,
    )
    log_in = providers.Factory(
        LogIn,
        uow=storage.uow,
        reads=storage.read_uow,
        hasher=core.hasher,
        throttle=steps.throttle,
        digester=core.digester,
        gate=steps.gate,
        clock=core.clock,
        require_verified_email=settings.provided.require_verified_email,
    )
    complete_mfa_login = providers.Factory(
        CompleteMfaLogin,
        uow=storage.uow,
        attempts=steps.login_attempts,
        checks=steps.factor_checks,
        throttle=steps.throttle,
        gate=steps.gate,
        clock=core.clock,
        require_verified_email=settings.provided.require_verified_email,
        challenges=steps.passkey_challenges,
        assertions=steps.passkey_assertions,
    )
    send_login_sms = providers.Factory(
        SendLoginSms,
        uow=storage.uow,
        attempts=steps.login_attempts,
        codes=steps.login_sms_codes,
        sms=steps.sms_codes,
        throttle=steps.throttle,
    )
    get_mfa_status = providers.Factory(GetMfaStatus, uow=storage.uow)
    start_totp_setup = providers.Factory(
        StartTotpSetup,
        uow=storage.uow,
        totp=core.totp,
        qr=core.qr,
        box=core.secret_box,
        store=state.challenges,
    )
    confirm_totp = providers.Factory(
        ConfirmTotp,
        uow=storage.uow,
        totp=core.totp,
        box=core.secret_box,
        store=state.challenges,
        checks=steps.factor_checks,
        notifier=messaging.notifier,
        clock=core.clock,
        ids=core.ids,
    )
    start_sms_setup = providers.Factory(
        StartSmsSetup,
        uow=storage.uow,
        phones=core.phones,
        step_up=steps.step_up,
        codes=steps.sms_setup_codes,
        sms=steps.sms_codes,
        box=core.secret_box,
        store=state.challenges,
        clock=core.clock,
    )
    confirm_sms = providers.Factory(
        ConfirmSms,
        uow=storage.uow,
        codes=steps.sms_setup_codes,
        box=core.secret_box,
        store=state.challenges,
        notifier=messaging.notifier,
        clock=core.clock,
        ids=core.ids,
    )
    disable_factor = providers.Factory(
        DisableFactor,
        uow=storage.uow,
        step_up=steps.step_up,
        notifier=messaging.notifier,
        clock=core.clock,
    )
    regenerate_backup_codes = providers.Factory(
        RegenerateBackupCodes,
        uow=storage.uow,
        step_up=steps.step_up,
        checks=steps.factor_checks,
        notifier=messaging.notifier,
        clock=core.clock,
    )
    reseal_factor_secrets = providers.Factory(
        ResealFactorSecrets, uow=storage.uow, box=core.secret_box
    )
    send_phone_code = providers.Factory(
        SendPhoneCode, uow=storage.uow, codes=steps.phone_codes, sms=steps.sms_codes
    )
    confirm_phone = providers.Factory(
        ConfirmPhone,
        uow=storage.uow,
        codes=steps.phone_codes,
        publisher=state.publisher,
        clock=core.clock,
    )
    refresh_session = providers.Factory(
        RefreshSession,
        uow=storage.uow,
        digester=core.digester,
        minter=steps.minter,
        revoker=steps.revoker,
        clock=core.clock,
    )
    log_out = providers.Factory(LogOut, uow=storage.uow, revoker=steps.revoker, clock=core.clock)
    request_password_reset = providers.Factory(
        RequestPasswordReset, uow=storage.uow, tasks=messaging.background_tasks
    )
    send_password_reset = providers.Factory(
        SendPasswordReset,
        uow=storage.uow,
        store=state.challenges,
        secrets=core.secrets,
        digester=core.digester,
        budget=steps.notice_budget,
        notifier=messaging.notifier,
        clock=core.clock,
    )
    reset_password = providers.Factory(
        ResetPassword,
        uow=storage.uow,
        store=state.challenges,
        digester=core.digester,
        rules=steps.password_rules,
        hasher=core.hasher,
        revoker=steps.revoker,
        notifier=messaging.notifier,
        clock=core.clock,
    )
    purge_unverified_users = providers.Factory(
        PurgeUnverifiedUsers, uow=storage.uow, lock=state.lock, clock=core.clock
    )
    get_profile = providers.Factory(GetProfile, uow=storage.read_uow)
    update_profile = providers.Factory(
        UpdateProfile,
        uow=storage.uow,
        phones=core.phones,
        publisher=state.publisher,
        clock=core.clock,
    )
    change_password = providers.Factory(
        ChangePassword,
        uow=storage.uow,
        hasher=core.hasher,
        rules=steps.password_rules,
        revoker=steps.revoker,
        notifier=messaging.notifier,
        clock=core.clock,
    )
    request_email_change = providers.Factory(
        RequestEmailChange,
        uow=storage.uow,
        step_up=steps.step_up,
        codes=steps.email_change_codes,
        store=state.challenges,
        box=core.secret_box,
        budget=steps.notice_budget,
        notifier=messaging.notifier,
        clock=core.clock,
    )
    confirm_email_change = providers.Factory(
        ConfirmEmailChange,
        uow=storage.uow,
        codes=steps.email_change_codes,
        store=state.challenges,
        box=core.secret_box,
        notifier=messaging.notifier,
        publisher=state.publisher,
        clock=core.clock,
    )
    change_avatar = providers.Factory(
        ChangeAvatar,
        uow=storage.uow,
        images=core.images,
        files=storage.files,
        secrets=core.secrets,
        publisher=state.publisher,
        clock=core.clock,
        media_url=providers.Callable(lambda s: f"{s.public_url}/media", settings),
    )
    remove_avatar = providers.Factory(
        RemoveAvatar,
        uow=storage.uow,
        files=storage.files,
        publisher=state.publisher,
        clock=core.clock,
    )
    open_avatar = providers.Factory(OpenAvatar, files=storage.files)
    delete_account = providers.Factory(
        DeleteAccount,
        uow=storage.uow,
        presence=steps.presence,
        revoker=steps.revoker,
        files=storage.files,
        publisher=state.publisher,
        clock=core.clock,
    )
    create_admin = providers.Factory(
        CreateAdmin,
        uow=storage.uow,
        rules=steps.password_rules,
        hasher=core.hasher,
        clock=core.clock,
        ids=core.ids,
    )
    authenticate = providers.Singleton(
        Authenticate,
        codec=core.codec,
        live=storage.live_sessions,
        throttle=steps.throttle,
        activity=storage.session_activity,
        clock=core.clock,
    )
    list_sessions = providers.Factory(ListSessions, uow=storage.uow, clock=core.clock)
    revoke_session = providers.Factory(
        RevokeSession, uow=storage.uow, revoker=steps.revoker, clock=core.clock
    )
    revoke_other_sessions = providers.Factory(
        RevokeOtherSessions, uow=storage.uow, revoker=steps.revoker, clock=core.clock
    )
    purge_expired_sessions = providers.Factory(
        PurgeExpiredSessions, uow=storage.uow, lock=state.lock, clock=core.clock
    )
    list_own_events = providers.Factory(ListOwnEvents, uow=storage.read_uow)

    # --- passkeys ---------------------------------------------------------------------
    start_passkey_sign_in = providers.Factory(
        StartPasskeySignIn,
        reads=storage.read_uow,
        attempts=steps.login_attempts,
        challenges=steps.passkey_challenges,
        ceremonies=core.ceremonies,
        secrets=core.secrets,
        digester=core.digester,
    )
    sign_in_with_passkey = providers.Factory(
        SignInWithPasskey,
        uow=storage.uow,
        challenges=steps.passkey_challenges,
        assertions=steps.passkey_assertions,
        digester=core.digester,
        gate=steps.gate,
        clock=core.clock,
        require_verified_email=settings.provided.require_verified_email,
    )
    start_passkey_registration = providers.Factory(
        StartPasskeyRegistration,
        uow=storage.uow,
        challenges=steps.passkey_challenges,
        ceremonies=core.ceremonies,
        secrets=core.secrets,
    )
    add_passkey = providers.Factory(
        AddPasskey,
        uow=storage.uow,
        challenges=steps.passkey_challenges,
        ceremonies=core.ceremonies,
        notifier=messaging.notifier,
        clock=core.clock,
    )
    list_passkeys = providers.Factory(ListPasskeys, uow=storage.read_uow)
    rename_passkey = providers.Factory(RenamePasskey, uow=storage.uow)
    remove_passkey = providers.Factory(
        RemovePasskey, uow=storage.uow, notifier=messaging.notifier, clock=core.clock
    )

    # --- social sign-in ---------------------------------------------------------------
    flow_starter = providers.Factory(
        FlowStarter, providers=core.identity_providers, flows=steps.provider_flows
    )
    link_confirmations = providers.Factory(
        LinkConfirmations, secrets=core.secrets, digester=core.digester
    )
    start_provider_sign_in = providers.Factory(
        StartProviderSignIn,
        providers=core.identity_providers,
        starter=flow_starter,
        allowlist=settings.provided.redirect_targets,
    )
    review_provider_link = providers.Factory(
        ReviewProviderLink,
        uow=storage.read_uow,
        providers=core.identity_providers,
        flows=steps.provider_flows,
        confirmations=link_confirmations,
    )
    confirm_provider_link = providers.Factory(
        ConfirmProviderLink,
        providers=core.identity_providers,
        flows=steps.provider_flows,
        confirmations=link_confirmations,
        starter=flow_starter,
    )
    start_provider_link = providers.Factory(
        StartProviderLink,
        uow=storage.uow,
        providers=core.identity_providers,
        flows=steps.provider_flows,
        presence=steps.presence,
        allowlist=settings.provided.redirect_targets,
        authorize_url=providers.Callable(authorize_url, settings),
        clock=core.clock,
    )
    finish_provider_callback = providers.Factory(
        FinishProviderCallback,
        providers=core.identity_providers,
        flows=steps.provider_flows,
        signer=providers.Factory(
            IdentitySignIn,
            uow=storage.uow,
            accounts=providers.Factory(ProviderAccounts, publisher=state.publisher, ids=core.ids),
            clock=core.clock,
        ),
        linker=providers.Factory(IdentityLinker, uow=storage.uow, notifier=messaging.notifier),
        box=core.secret_box,
        clock=core.clock,
    )
    exchange_provider_code = providers.Factory(
        ExchangeProviderCode,
        uow=storage.uow,
        flows=steps.provider_flows,
        gate=steps.gate,
        clock=core.clock,
        require_verified_email=settings.provided.require_verified_email,
    )
    list_provider_links = providers.Factory(ListProviderLinks, uow=storage.read_uow)
    unlink_provider = providers.Factory(
        UnlinkProvider, uow=storage.uow, notifier=messaging.notifier, clock=core.clock
    )
    reseal_provider_tokens = providers.Factory(
        ResealProviderTokens, uow=storage.uow, box=core.secret_box
    )

    # --- tasks -----------------------------------------------------------------------
    create_task = providers.Factory(CreateTask, uow=storage.uow, clock=core.clock, ids=core.ids)
    get_task = providers.Factory(GetTask, uow=storage.read_uow)
    update_task = providers.Factory(UpdateTask, uow=storage.uow, clock=core.clock)
    list_tasks = providers.Factory(ListTasks, uow=storage.read_uow)
    list_trash = providers.Factory(ListTrash, uow=storage.uow)
    delete_task = providers.Factory(
        DeleteTask,
        uow=storage.uow,
        clock=core.clock,
        retention=providers.Callable(lambda s: timedelta(seconds=s.task_retention), settings),
    )
    restore_task = providers.Factory(RestoreTask, uow=storage.uow, clock=core.clock)
    delete_task_forever = providers.Factory(DeleteTaskForever, uow=storage.uow)
    purge_deleted_tasks = providers.Factory(
        PurgeDeletedTasks, uow=storage.uow, lock=state.lock, clock=core.clock
    )

    # --- exports ---------------------------------------------------------------------
    request_export = providers.Factory(
        RequestExport,
        uow=storage.uow,
        queue=messaging.export_queue,
        throttle=steps.throttle,
        clock=core.clock,
        ids=core.ids,
    )
    list_exports = providers.Factory(ListExports, uow=storage.read_uow)
    get_export = providers.Factory(GetExport, uow=storage.read_uow)
    download_export = providers.Factory(
        DownloadExport, uow=storage.uow, files=storage.files, clock=core.clock
    )
    fail_export = providers.Factory(
        FailExport, uow=storage.uow, files=storage.files, clock=core.clock
    )
    build_export = providers.Factory(
        BuildExport,
        uow=storage.uow,
        contents=providers.Factory(ExportContents, uow=storage.uow),
        files=storage.files,
        notifier=messaging.notifier,
        fail=fail_export,
        clock=core.clock,
        ttl=providers.Callable(lambda s: timedelta(seconds=s.export_ttl), settings),
        progress=providers.Callable(export_progress, settings),
    )
    purge_expired_exports = providers.Factory(
        PurgeExpiredExports, uow=storage.uow, files=storage.files, lock=state.lock, clock=core.clock
    )
    reconcile_exports = providers.Factory(
        ReconcileExports,
        uow=storage.uow,
        queue=messaging.export_queue,
        fail=fail_export,
        lock=state.lock,
        clock=core.clock,
        pending_after=providers.Object(timedelta(seconds=EXPORT_PENDING_STALE_SECONDS)),
        processing_after=providers.Object(timedelta(seconds=EXPORT_PROCESSING_STALE_SECONDS)),
    )

    # --- administration --------------------------------------------------------------
    list_users = providers.Factory(ListUsers, uow=storage.uow)
    get_user = providers.Factory(GetUser, uow=storage.uow, clock=core.clock)
    disable_user = providers.Factory(
        DisableUser,
        uow=storage.uow,
        revoker=steps.revoker,
        publisher=state.publisher,
        clock=core.clock,
    )
    enable_user = providers.Factory(
        EnableUser, uow=storage.uow, publisher=state.publisher, clock=core.clock
    )
    revoke_user_sessions = providers.Factory(
        RevokeUserSessions, uow=storage.uow, revoker=steps.revoker, clock=core.clock
    )
    list_events = providers.Factory(ListEvents, uow=storage.uow)
