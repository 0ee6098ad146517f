"""The rules of social sign-in that need no provider: who gets an account, names, and how
many ways into an account are left."""

from __future__ import annotations

import pytest

from domain.social import (
    Provider,
    ProviderIdentity,
    SignInVerdict,
    apple_user_names,
    first_sign_in,
    profile_name,
    sign_in_methods,
    split_full_name,
    valid_subject,
)


def identity(email: str | None) -> ProviderIdentity:
    return ProviderIdentity(provider=Provider.GOOGLE, subject="1", email=email)


def test_only_a_verified_email_no_account_holds_makes_an_account() -> None:
    assert first_sign_in(identity("a@example.com"), False) is SignInVerdict.CREATE_ACCOUNT
    assert first_sign_in(identity("a@example.com"), True) is SignInVerdict.ACCOUNT_EXISTS
    assert first_sign_in(identity(None), False) is SignInVerdict.EMAIL_UNVERIFIED


def test_every_password_passkey_and_provider_counts_as_a_way_in() -> None:
    assert sign_in_methods(has_password=False, passkeys=0, providers=1) == 1
    assert sign_in_methods(has_password=True, passkeys=2, providers=1) == 4


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1234", "1234"),
        (583231, "583231"),
        ("", None),
        (True, None),
        (None, None),
        ("a\nb", None),
        ("x" * 256, None),
    ],
)
def test_a_subject_is_text_of_bounded_length(raw: object, expected: str | None) -> None:
    assert valid_subject(raw) == expected


def test_names_are_cleaned_and_bounded() -> None:
    assert profile_name("  Grace ") == "Grace"
    assert profile_name("bad\x00name") == ""
    assert profile_name(42) == ""
    assert len(profile_name("x" * 80)) == 50
    assert split_full_name("Mona Lisa Octocat") == ("Mona", "Lisa Octocat")
    assert split_full_name(None) == ("", "")


def test_apple_user_field_gives_names_only() -> None:
    raw = '{"name": {"firstName": "Grace", "lastName": "Hopper"}, "email": "x@example.com"}'

    assert apple_user_names(raw) == ("Grace", "Hopper")
    assert apple_user_names("not json") == ("", "")
    assert apple_user_names('["list"]') == ("", "")
    assert apple_user_names(None) == ("", "")
    assert apple_user_names("{" + " " * 5000 + "}") == ("", "")
