"""The cookies of a provider flow, each ``HttpOnly`` and scoped to the one API path that
reads it.

- ``bastion_oauth_{provider}``: the flow's browser binding (SECURITY OA-01), on that
  provider's callback, 10 minutes. ``SameSite=Lax``: Google and GitHub send the browser
  back with a top-level GET. Apple answers with a cross-site form post, which carries
  only a ``SameSite=None`` cookie (and browsers take those only with ``Secure``).
- ``bastion_link_{provider}``: the nonce of the page that asks the person to confirm a
  link, on that provider's ``link/confirm``, as long as a link ticket lives.
  ``SameSite=Strict``: a form posted from another site never carries it.

``Secure`` whenever ``BASTION_PUBLIC_URL`` is https (and always with ``SameSite=None``).
"""

from __future__ import annotations

from typing import Literal

from werkzeug.wrappers import Response

from application.social.flows import LINK_TICKET_TTL, STATE_TTL
from domain.social import Provider
from entrypoints.container.social import OAUTH_PATH
from entrypoints.http.api import container

SameSite = Literal["Strict", "Lax", "None"]


def binding_name(provider: str) -> str:
    return f"bastion_oauth_{provider}"


def confirmation_name(provider: str) -> str:
    return f"bastion_link_{provider}"


def confirm_path(provider: Provider) -> str:
    """Where the confirmation page's form posts."""
    return OAUTH_PATH.format(provider=provider.value) + "/link/confirm"


def bind(response: Response, provider: Provider, binding: str) -> None:
    _binding(response, provider, binding, STATE_TTL)


def unbind(response: Response, provider: Provider) -> None:
    """The binding's flow is over: the same cookie, expired."""
    _binding(response, provider, "", 0)


def keep_confirmation(response: Response, provider: Provider, nonce: str) -> None:
    _confirmation(response, provider, nonce, LINK_TICKET_TTL)


def drop_confirmation(response: Response, provider: Provider) -> None:
    _confirmation(response, provider, "", 0)


def _binding(response: Response, provider: Provider, value: str, max_age: int) -> None:
    path = OAUTH_PATH.format(provider=provider.value) + "/callback"
    same_site: SameSite = "None" if provider is Provider.APPLE else "Lax"
    _write(response, binding_name(provider.value), path, value, max_age, same_site)


def _confirmation(response: Response, provider: Provider, value: str, max_age: int) -> None:
    name = confirmation_name(provider.value)
    _write(response, name, confirm_path(provider), value, max_age, "Strict")


def _write(
    response: Response, name: str, path: str, value: str, max_age: int, same_site: SameSite
) -> None:
    https = container().settings().public_url.startswith("https://")
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        expires=0 if max_age == 0 else None,
        path=path,
        secure=https or same_site == "None",
        httponly=True,
        samesite=same_site,
    )
