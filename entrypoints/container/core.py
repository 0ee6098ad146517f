"""What every other part builds on: time, ids, randomness, password hashing, keyed digests,
encryption at rest, access tokens, and the parsers of what a client sends."""

from __future__ import annotations

import hmac

from dependency_injector import containers, providers

from adapters.images.pillow import PillowImageSanitizer
from adapters.security.blocklist import ShippedPasswordBlocklist
from adapters.security.digests import HmacDigester
from adapters.security.network import HmacNetworkHasher
from adapters.security.passwords import AdmittedPasswordHasher, BcryptPasswordHasher
from adapters.security.qr import SegnoQrRenderer
from adapters.security.secret_box import FernetSecretBox
from adapters.security.secrets import SystemSecretGenerator
from adapters.security.tokens import JwtAccessTokenCodec
from adapters.security.totp import PyOtpTotp
from adapters.security.webauthn import PyWebAuthnCeremonies
from adapters.system.clock import SystemClock
from adapters.system.geo import GeoIpLocator, NoGeoLocator, ProxyHeaderLocator
from adapters.system.ids import UuidV7Generator
from adapters.system.phones import PhonenumbersParser
from adapters.system.user_agents import UaParserUserAgentParser
from entrypoints.container.social import build_providers
from entrypoints.settings import Settings


def _digest_key(settings: Settings) -> bytes:
    return hmac.new(
        settings.secret("password_pepper"), b"bastion/keyed-digests/v1", "sha256"
    ).digest()


class Core(containers.DeclarativeContainer):
    config = providers.Configuration()
    settings = providers.Dependency(instance_of=Settings)

    clock = providers.Singleton(SystemClock)
    ids = providers.Singleton(UuidV7Generator)
    secrets = providers.Singleton(SystemSecretGenerator)

    hasher = providers.Singleton(
        AdmittedPasswordHasher,
        inner=providers.Singleton(
            BcryptPasswordHasher,
            pepper=providers.Callable(lambda s: s.secret("password_pepper"), settings),
            rounds=settings.provided.bcrypt_rounds,
        ),
        max_concurrent=settings.provided.max_concurrent_password_checks,
        waiting=settings.provided.password_checks_in_line,
    )
    blocklist = providers.Singleton(ShippedPasswordBlocklist)
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
    totp = providers.Singleton(PyOtpTotp)
    ceremonies = providers.Singleton(
        PyWebAuthnCeremonies,
        rp_id=settings.provided.webauthn_rp_id,
        rp_name=settings.provided.webauthn_rp_name,
        origins=settings.provided.webauthn_origin_list,
    )
    qr = providers.Singleton(SegnoQrRenderer)
    identity_providers = providers.Singleton(build_providers, settings)

    user_agents = providers.Singleton(UaParserUserAgentParser)
    phones = providers.Singleton(PhonenumbersParser)
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
