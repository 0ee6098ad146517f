"""The ``README.txt`` of every export: what each file holds, and what it never holds."""

README = """\
Bastion data export
===================

This archive holds the data Bastion keeps about your account, as JSON (UTF-8, times in
ISO 8601 with their UTC offset). Secrets are never exported: no password hash, no
authenticator seed, no backup codes, no tokens, no IP addresses, no passkey keys.

profile.json        Your profile: name, email and phone (and whether they are verified),
                    role, status, avatar link, when the account was created and last
                    signed in.
sessions.json       Every device session still on record, newest first: browser, system,
                    device, network prefix (never the full address), approximate place,
                    trust score, sign-in methods, status, when it started, was last
                    active, expires or was ended and why.
events.json         Your security log, newest first: each event's id, type, time, the
                    session it came from and its details (no personal data).
factors.json        Which second steps are on (authenticator app, text message, backup
                    codes), since when and when last used, and how many backup codes are
                    left. Never the seed, the codes or their hashes.
passkeys.json       Your passkeys, newest first: each one's credential id (base64url),
                    name, whether it is synced between devices (device type, backed
                    up), how the browser reaches it (transports), when it was added and
                    last used. Never the public key.
providers.json      Sign-in providers (Google, GitHub, Apple) linked to your account:
                    each one's name, the email it reported, its connection status, when
                    it was linked and last refreshed. Never a token from the provider.
tasks.json          Your tasks, newest first.
deleted_tasks.json  Tasks in your trash: each task as it was, when it was deleted and
                    until when it can be restored.
README.txt          This file.
"""
