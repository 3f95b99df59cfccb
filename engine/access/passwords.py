"""Password hashing: scrypt, salted, checked in constant time, its cost a runtime setting.

The cost (`ScryptCost`) is part of the engine's runtime (`Runtime.password_cost`), set by
`engine.bootstrap.build_runtime`: the app, the CLI and the worker keep the default,
`PRODUCTION_COST`; the test suite builds its runtimes with a cheap cost so that creating
and logging in users does not spend ~80 ms of scrypt each time. A stored hash names the
cost it was made with, so `check_password` needs no setting.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass


@dataclass(frozen=True)
class ScryptCost:
    """scrypt's work factors: `n` (CPU and memory, a power of two), `r` (block size), `p`."""

    n: int = 2**14
    r: int = 8
    p: int = 1

    def __post_init__(self) -> None:
        if self.n < 2 or self.n & (self.n - 1):
            raise ValueError(f"scrypt n must be a power of two above 1, not {self.n}")
        if self.r < 1 or self.p < 1:
            raise ValueError(f"scrypt r and p must be at least 1, not r={self.r}, p={self.p}")


PRODUCTION_COST = ScryptCost()
"""What every runtime uses unless built otherwise: about 16 MiB and 50-100 ms per hash."""


def hash_password(password: str, cost: ScryptCost = PRODUCTION_COST) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=cost.n, r=cost.r, p=cost.p, dklen=32)
    return (f"scrypt${cost.n}${cost.r}${cost.p}${base64.b64encode(salt).decode()}"
            f"${base64.b64encode(digest).decode()}")


def check_password(stored: str | None, password: str) -> bool:
    if not stored or not stored.startswith("scrypt$"):
        return False
    _, n, r, p, salt, digest = stored.split("$")
    candidate = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r),
                               p=int(p), dklen=32)
    return hmac.compare_digest(candidate, base64.b64decode(digest))


def cost_of(stored: str) -> ScryptCost:
    """The cost a stored hash was made with."""
    _, n, r, p, _salt, _digest = stored.split("$")
    return ScryptCost(int(n), int(r), int(p))


__all__ = ["PRODUCTION_COST", "ScryptCost", "check_password", "cost_of", "hash_password"]
