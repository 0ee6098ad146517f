"""The code-for-token exchange, through authlib's OAuth 2 client: ``client_secret_post``,
the PKCE verifier when the flow sent a challenge, TLS verified, the budget's timeouts.
The provider's refresh token, if it sends one, is dropped here and never leaves."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests
from authlib.integrations.requests_client import OAuth2Session, OAuthError

from adapters.oauth.transport import Budget
from application.ports.providers import IdentityRejectedError, ProviderUnavailableError

_CLIENT_ERROR = 400
_SERVER_ERROR = 500


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenAnswer:
    access_token: str | None
    id_token: str | None
    scope: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Client:
    client_id: str
    redirect_uri: str


def exchange_code(
    client: Client,
    *,
    secret: str,
    token_endpoint: str,
    code: str,
    code_verifier: str | None,
    budget: Budget,
) -> TokenAnswer:
    session = OAuth2Session(
        client.client_id,
        secret,
        token_endpoint_auth_method="client_secret_post",  # noqa: S106 -- a method's name
        redirect_uri=client.redirect_uri,
    )
    session.trust_env = False
    extra = {"code_verifier": code_verifier} if code_verifier else {}
    try:
        token = session.fetch_token(
            token_endpoint,
            grant_type="authorization_code",
            code=code,
            timeout=budget.timeout(),
            allow_redirects=False,
            **extra,
        )
    except OAuthError:
        raise IdentityRejectedError("code") from None
    except requests.HTTPError as error:
        raise _http_failure(error) from None
    except requests.Timeout:
        raise ProviderUnavailableError("timeout") from None
    except requests.RequestException:
        raise ProviderUnavailableError("connection") from None
    except ValueError:
        raise ProviderUnavailableError("malformed") from None
    finally:
        session.close()
    return _answer(token)


def _http_failure(error: requests.HTTPError) -> Exception:
    status = error.response.status_code if error.response is not None else _SERVER_ERROR
    if _CLIENT_ERROR <= status < _SERVER_ERROR:
        return IdentityRejectedError("code")
    return ProviderUnavailableError(f"status_{status}")


def _answer(token: Any) -> TokenAnswer:
    if not isinstance(token, dict):
        raise ProviderUnavailableError("malformed")
    access, id_token, scope = (token.get(k) for k in ("access_token", "id_token", "scope"))
    return TokenAnswer(
        access_token=access if isinstance(access, str) and access else None,
        id_token=id_token if isinstance(id_token, str) and id_token else None,
        scope=scope if isinstance(scope, str) else None,
    )
