"""bcrypt over a keyed pre-hash (SECURITY PW-01, PW-02, EN-01), and the admission that
bounds how many checks run at once (RL-07)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading

import bcrypt

from adapters.security.cpu_bound import BoundedCpuWork
from application.ports.security import PasswordHasher
from domain.passwords import PasswordHash, normalise

SCHEME = "bcrypt-hmac-sha256-v1"
MIN_ROUNDS, MAX_ROUNDS = 4, 31
MIN_PEPPER_BYTES = 16
_BCRYPT_FIELDS = 4  # "", "2b", "12", salt and hash


class BcryptPasswordHasher(PasswordHasher):
    """``bcrypt(base64(HMAC-SHA-256(pepper, NFC(password))), gensalt(rounds))``.

    The pre-hash is 44 ASCII bytes without NUL, so bcrypt 5 never meets its 72-byte limit
    (it raises past it) and nothing truncates; the pepper lives outside the database, so a
    stolen table alone cannot be cracked. The scheme name is stored beside the bcrypt
    string; a new scheme or pepper gets a new name and old hashes are upgraded on login.
    It runs on the caller's thread, unbounded: :class:`AdmittedPasswordHasher` bounds it.
    """

    def __init__(self, pepper: bytes, rounds: int) -> None:
        if not MIN_ROUNDS <= rounds <= MAX_ROUNDS:
            raise ValueError(f"bcrypt rounds must be within {MIN_ROUNDS}..{MAX_ROUNDS}")
        if len(pepper) < MIN_PEPPER_BYTES:
            raise ValueError(f"the password pepper needs at least {MIN_PEPPER_BYTES} bytes")
        self._pepper = pepper
        self._rounds = rounds
        self._dummy: bytes | None = None
        self._dummy_lock = threading.Lock()

    def hash(self, password: str) -> PasswordHash:
        salt = bcrypt.gensalt(self._rounds)
        value: bytes = bcrypt.hashpw(self._prehash(password), salt)
        return PasswordHash(SCHEME, value.decode("ascii"))

    def verify(self, password: str, stored: PasswordHash | None) -> bool:
        """Unknown users, users without a password and unknown schemes are checked against
        a dummy hash of the current cost, so every path costs one bcrypt check (EN-01)."""
        if stored is not None and stored.scheme == SCHEME:
            target, real = stored.value.encode("ascii", "replace"), True
        else:
            target, real = self.warm_up(), False
        matched = _check(self._prehash(password), target)
        return real and matched

    def needs_rehash(self, stored: PasswordHash) -> bool:
        return stored.scheme != SCHEME or _cost(stored.value) != self._rounds

    def warm_up(self) -> bytes:
        """Make the dummy hash now rather than on the first unknown-user login."""
        if self._dummy is None:
            with self._dummy_lock:
                if self._dummy is None:
                    self._dummy = bcrypt.hashpw(b"dummy", bcrypt.gensalt(self._rounds))
        return self._dummy

    def _prehash(self, password: str) -> bytes:
        mac = hmac.new(self._pepper, normalise(password).encode(), hashlib.sha256)
        return base64.b64encode(mac.digest())


class AdmittedPasswordHasher(PasswordHasher):
    """Another hasher's hashes and checks, run as :class:`BoundedCpuWork`: at most
    ``max_concurrent`` at once in this process and ``waiting`` more waiting their turn, at
    a lower CPU priority than request threads; other callers are shed at once with
    ``UnavailableError``. Built by the container around the real hasher."""

    def __init__(
        self, inner: BcryptPasswordHasher, max_concurrent: int = 2, waiting: int = 1
    ) -> None:
        self._inner = inner
        self._work = BoundedCpuWork(max_concurrent, waiting, name="bcrypt")

    def hash(self, password: str) -> PasswordHash:
        return self._work.run(self._inner.hash, password)

    def verify(self, password: str, stored: PasswordHash | None) -> bool:
        return self._work.run(self._inner.verify, password, stored)

    def needs_rehash(self, stored: PasswordHash) -> bool:
        return self._inner.needs_rehash(stored)

    def warm_up(self) -> bytes:
        return self._inner.warm_up()


def _check(prehashed: bytes, stored: bytes) -> bool:
    try:
        return bcrypt.checkpw(prehashed, stored)
    except ValueError:
        return False


def _cost(value: str) -> int | None:
    """The cost field of ``$2b$12$...``; None when the string is not bcrypt."""
    parts = value.split("$")
    if len(parts) != _BCRYPT_FIELDS or not parts[2].isdigit():
        return None
    return int(parts[2])
