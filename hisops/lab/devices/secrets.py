"""Password hashes in each platform's look; the model never keeps a password in clear.

* Cisco ``secret 9``: real type 9 (scrypt N=16384 r=1 p=1, 14-character salt, Cisco's
  base64 alphabet), so the hashes are what a real IOS would accept.
* Ruijie ``secret 5`` (``$1$salt$hash``, the md5-crypt shape RGOS prints, e.g.
  ``enable secret 5 $1$7B8y$qyD6yvFCFA7EExzv``): salted SHA-256 in that shape.
* Huawei ``irreversible-cipher`` (``$1a$...$``) and H3C ``hash`` (``$h$6$...``): the real
  algorithms are proprietary; these keep the real shape (prefix, salt, length) on top
  of salted SHA-256/SHA-512.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets as _random

_CISCO_B64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_STD_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_TO_CISCO = str.maketrans(_STD_B64, _CISCO_B64)


def _salt(length: int, alphabet: str = _CISCO_B64) -> str:
    return "".join(_random.choice(alphabet) for _ in range(length))


def cisco_type9(password: str, salt: str | None = None) -> str:
    salt = salt or _salt(14)
    digest = hashlib.scrypt(password.encode(), salt=salt.encode(), n=16384, r=1, p=1, dklen=32)
    encoded = base64.b64encode(digest).decode().rstrip("=").translate(_TO_CISCO)
    return f"$9${salt}${encoded}"


def huawei_irreversible(password: str, salt: str | None = None) -> str:
    salt = salt or _salt(12)
    digest = hashlib.sha256((salt + password).encode()).digest()
    return f"$1a${salt}${base64.b64encode(digest).decode().rstrip('=')}$"


def comware_hash(password: str, salt: str | None = None) -> str:
    salt = salt or base64.b64encode(_random.token_bytes(12)).decode()
    digest = hashlib.sha512((salt + password).encode()).digest()
    return f"$h$6${salt}${base64.b64encode(digest).decode()}"


def ruijie_type5(password: str, salt: str | None = None) -> str:
    salt = salt or _salt(4)
    digest = hashlib.sha256((salt + password).encode()).digest()
    return f"$1${salt}${base64.b64encode(digest).decode().rstrip('=').translate(_TO_CISCO)[:16]}"


def is_hash(text: str) -> bool:
    return text.startswith(("$9$", "$1a$", "$h$6$"))


@functools.lru_cache(maxsize=512)  # scrypt costs ~20 ms; logins repeat the same pairs
def verify(password: str, stored: str) -> bool:
    if stored.startswith("$9$"):
        salt = stored.split("$")[2]
        return hmac.compare_digest(cisco_type9(password, salt), stored)
    if stored.startswith("$1a$"):
        salt = stored.split("$")[2]
        return hmac.compare_digest(huawei_irreversible(password, salt), stored)
    if stored.startswith("$1$"):
        salt = stored.split("$")[2]
        return hmac.compare_digest(ruijie_type5(password, salt), stored)
    if stored.startswith("$h$6$"):
        salt = stored.split("$")[3]
        return hmac.compare_digest(comware_hash(password, salt), stored)
    return False
