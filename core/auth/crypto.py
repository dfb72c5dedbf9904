"""Encryption of secrets at rest (the users' TOTP secrets) with a key that is not in the database.

Anyone who reads the database or a backup must not be able to compute a user's six-digit codes.
The secret is sealed with AES-256-GCM (``cryptography``); the key is, in order of preference:

1. ``CESSIO_DATA_KEY`` (any string; stretched to 32 bytes with HKDF-SHA256),
2. the contents of ``CESSIO_DATA_KEY_FILE``,
3. derived from ``CESSIO_SECRET_KEY`` with HKDF (a different key from the one that signs cookies).

A stored value reads ``v1:<base64url(nonce | ciphertext | tag)>``. ``EncryptedSecret`` is the
column type: the ORM encrypts on write and decrypts on read, so services handle plain secrets.
A value that cannot be opened with this installation's key reads as ``UNREADABLE`` (never as
"no secret", which would let the password holder enrol an authenticator of their own).
"""

from __future__ import annotations

import base64
import logging
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import String
from sqlalchemy.types import TypeDecorator

from core.config import get_settings

PREFIX = "v1:"
UNREADABLE = "!unreadable"
_NONCE = 12
_log = logging.getLogger(__name__)


class DataKeyError(Exception):
    """A sealed value cannot be opened with the configured key (wrong or rotated key)."""


def _key_material() -> bytes:
    settings = get_settings()
    if settings.data_key is not None and settings.data_key.get_secret_value():
        return b"data-key:" + settings.data_key.get_secret_value().encode()
    if settings.data_key_file is not None:
        return b"data-key:" + settings.data_key_file.read_bytes().strip()
    return b"secret-key:" + settings.secret_key.get_secret_value().encode()


def data_key() -> bytes:
    """The 32-byte AES key of this installation."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"cessio", info=b"secrets at rest v1").derive(
        _key_material()
    )


def seal(plain: str, key: bytes | None = None) -> str:
    nonce = os.urandom(_NONCE)
    sealed = AESGCM(key or data_key()).encrypt(nonce, plain.encode(), b"cessio-secret")
    return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()


def is_sealed(value: str) -> bool:
    return value.startswith(PREFIX)


def open_sealed(value: str, key: bytes | None = None) -> str:
    """The plain secret; raises ``DataKeyError`` when the key does not fit or the value is damaged."""
    if not is_sealed(value):
        raise DataKeyError("the value is not sealed")
    try:
        raw = base64.urlsafe_b64decode(value[len(PREFIX) :].encode())
        return AESGCM(key or data_key()).decrypt(raw[:_NONCE], raw[_NONCE:], b"cessio-secret").decode()
    except (InvalidTag, ValueError) as exc:
        raise DataKeyError("the value cannot be opened with this installation's data key") from exc


class EncryptedSecret(TypeDecorator[str]):
    """A short secret stored sealed (see the module docstring); plain ``str`` in Python."""

    impl = String(255)
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        if value is None:
            return None
        if value == UNREADABLE:
            raise DataKeyError("an unreadable secret cannot be written back; reset the user's MFA instead")
        return seal(value)

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        if value is None:
            return None
        if value == UNREADABLE:
            return UNREADABLE
        try:
            return open_sealed(value)
        except DataKeyError:
            _log.error("a stored secret cannot be opened: CESSIO_DATA_KEY / CESSIO_SECRET_KEY changed?")
            return UNREADABLE
