"""Sensitive fields at rest: AES-256-GCM ciphertext plus a keyed blind index (HMAC-SHA256).

The ciphertext is random per write; the blind index is deterministic, so exact lookup and
uniqueness work without decrypting. Keys come from settings (JIAYI_FIELD_KEY, JIAYI_INDEX_KEY).
"""

import base64
import functools
import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

_VERSION = "v1"


@functools.cache
def _aead(key_hex: str) -> AESGCM:
    return AESGCM(bytes.fromhex(key_hex))


@functools.cache
def _index_key(key_hex: str) -> bytes:
    return bytes.fromhex(key_hex)


def encrypt(plain: str | None) -> str:
    if not plain:
        return ""
    nonce = os.urandom(12)
    data = _aead(settings.JIAYI_FIELD_KEY).encrypt(nonce, plain.encode(), _VERSION.encode())
    return _VERSION + ":" + base64.urlsafe_b64encode(nonce + data).decode().rstrip("=")


def decrypt(token: str | None) -> str:
    if not token:
        return ""
    version, _sep, body = token.partition(":")
    raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    return _aead(settings.JIAYI_FIELD_KEY).decrypt(raw[:12], raw[12:], version.encode()).decode()


def blind_index(kind: str, value: str | None) -> str:
    """Keyed hash of a normalised value; `kind` separates namespaces (an ID never matches a phone)."""
    if not value:
        return ""
    mac = hmac.new(_index_key(settings.JIAYI_INDEX_KEY), f"{kind}:{value}".encode(), hashlib.sha256)
    return mac.hexdigest()[:40]
