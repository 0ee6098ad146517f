"""What a page says after a change went through. A view that changed something redirects
to a page with ``?done=<key>`` (post/redirect/get, so a reload never posts twice); the
page shows the sentence for that key and nothing for an unknown one, so no text of the
URL ever reaches a page."""

from __future__ import annotations

from collections.abc import Mapping

NOTICES: Mapping[str, str] = {
    "signed_out": "You are signed out.",
    "session_ended": "Your session has ended. Please sign in again.",
    "sign_in_expired": "That sign-in took too long or was already finished. Please sign in again.",
    "login_text_sent": "We texted a code to your phone. It works for 5 minutes.",
    "verified": "Your email address is confirmed. Sign in to continue.",
    "code_sent": "If that address is waiting for a code, a new one is on its way.",
    "reset_sent": (
        "If an account uses that address, a link to reset its password is on its way. "
        "It works for 30 minutes."
    ),
    "password_reset": (
        "Your password is changed and every device was signed out. Sign in with the new one."
    ),
    "account_deleted": "Your account and everything in it are deleted. Goodbye!",
    "profile_saved": "Your profile is saved.",
    "phone_code_sent": "We texted a code to your phone. Enter it below.",
    "phone_verified": "Your phone number is confirmed.",
    "avatar_changed": "Your picture is updated.",
    "avatar_removed": "Your picture is removed.",
    "email_code_sent": "We mailed a code to the new address. Enter it below to finish.",
    "email_changed": "Your email address is changed.",
    "password_changed": "Your password is changed. Your other devices were signed out.",
    "totp_enabled": "The authenticator app is turned on.",
    "totp_disabled": "The authenticator app is turned off.",
    "sms_code_sent": "We texted a code to that number. Enter it below to turn on SMS codes.",
    "sms_enabled": "SMS codes are turned on.",
    "sms_disabled": "SMS codes are turned off.",
    "passkey_added": "Your passkey is added. You can sign in with it now.",
    "passkey_renamed": "The passkey is renamed.",
    "passkey_removed": "The passkey is removed.",
    "session_revoked": "That device is signed out.",
    "others_revoked": "Every other device is signed out.",
    "export_requested": "Your export is being prepared. This page updates by itself.",
    "task_restored": "The task is back in your list.",
    "task_deleted": "The task is deleted for good.",
    "provider_linked": "The account is linked. You can sign in with it now.",
    "provider_unlinked": "The account is unlinked.",
    "user_disabled": "The account is disabled and signed out everywhere.",
    "user_enabled": "The account is enabled again.",
    "user_signed_out": "The account is signed out everywhere.",
}
