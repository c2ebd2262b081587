"""Who may call the API, and how often: API keys and per-key rate limits.

Keys are 256-bit random tokens, shown once when created. Only a sha256 of each is stored: a slow
password hash (argon2, as the staff password uses) protects guessable secrets, but nobody can guess
or brute-force a 256-bit random value from its sha256, so a fast hash loses nothing and keeps every
request cheap. A key is found by its first characters (not secret, shown by `mentor api-key list`),
then its hash is compared in constant time. Keys never reach a log.

The rate limit counts requests per key in fixed one-minute windows in the database, so every API
instance sharing the database enforces one limit together.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
import time
from dataclasses import dataclass

from fastapi import Depends, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from assistant.api.errors import ApiError
from assistant.store.storage import Storage

KEY_PREFIX = "mk_"  # marks a Mentor API key, so a leaked one is recognisable (and secret scanners can match it)
PREFIX_CHARS = 12  # stored and shown: "mk_" and 9 random characters, 54 of the key's 256 bits
WINDOW_S = 60
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
HOW_TO_SEND = "send it as the header 'Authorization: Bearer <key>'"


@dataclass(frozen=True)
class Caller:
    """Who a request comes from: an API key, or nobody when keys are not required."""

    key_id: int | None
    name: str

    @property
    def bucket(self) -> str:
        """Whose count a request adds to, and the session id its interactions are stored under."""
        return f"key-{self.key_id}" if self.key_id is not None else "open"


OPEN = Caller(None, "open")


def new_key() -> str:
    """A new API key: 'mk_' and 32 random bytes (256 bits), URL-safe."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def check_name(name: str) -> str:
    """A key's name, checked: letters, digits, '.', '_' and '-', up to 64 characters."""
    if not NAME.match(name or ""):
        raise ApiError(400, f"an API key name must be 1-64 letters, digits, '.', '_' or '-', starting with a letter "
                            f"or digit, got {name!r}; for example: slack-bot")
    return name


def create_key(storage: Storage, name: str) -> tuple[int, str]:
    """Create a key named `name`. Returns its id and the key, which is never available again.

    Raises:
        ApiError: the name is malformed or an active key already has it.
    """
    name = check_name(name)
    if any(row["name"] == name and row["revoked_at"] is None for row in storage.api_keys.rows()):
        raise ApiError(409, f"an active API key is already named {name!r}; choose another name, or revoke it "
                            f"first with `mentor api-key revoke {name}`")
    key = new_key()
    return storage.api_keys.add(name, key[:PREFIX_CHARS], key_hash(key)), key


def revoke_key(storage: Storage, name_or_id: str) -> list[dict]:
    """Revoke the active key with this id or name. Returns the rows revoked.

    Raises:
        ApiError: no active key has that id or name.
    """
    active = [row for row in storage.api_keys.rows() if row["revoked_at"] is None]
    chosen = [row for row in active if str(row["id"]) == name_or_id.strip() or row["name"] == name_or_id]
    if not chosen:
        names = ", ".join(f"{row['name']} (id {row['id']})" for row in active) or "none"
        raise ApiError(404, f"no active API key has the name or id {name_or_id!r}; active keys: {names}. "
                            "`mentor api-key list` shows every key")
    storage.api_keys.revoke([row["id"] for row in chosen])
    return chosen


def authenticate(storage: Storage, key: str | None, required: bool) -> Caller:
    """The caller a key belongs to.

    Raises:
        ApiError: 401 when the key is missing (and required), unknown or revoked.
    """
    challenge = {"WWW-Authenticate": "Bearer"}
    if not key:
        if not required:
            return OPEN
        raise ApiError(401, f"this request has no API key; {HOW_TO_SEND}. An administrator creates keys with "
                            "`mentor api-key create NAME` (MENTOR_API_KEYS_REQUIRED=false opens the API to anyone "
                            "who can reach it)", challenge)
    presented = key_hash(key)
    for row in storage.api_keys.rows(prefix=key[:PREFIX_CHARS]):
        if hmac.compare_digest(row["key_hash"], presented):
            if row["revoked_at"] is not None:
                raise ApiError(401, f"the API key named {row['name']!r} was revoked on {row['revoked_at']:%Y-%m-%d %H:%M} "
                                    "UTC; ask the administrator for a new one (`mentor api-key create NAME`)", challenge)
            return Caller(row["id"], row["name"])
    # Never echo the key: it may be a real secret pasted in the wrong place.
    raise ApiError(401, f"this API key is not known; check that it was copied whole (it starts with "
                        f"{KEY_PREFIX!r}), {HOW_TO_SEND}, or ask the administrator for a new one", challenge)


@dataclass(frozen=True)
class Quota:
    limit: int
    used: int
    reset_s: int  # seconds until the window ends

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)

    def headers(self) -> dict[str, str]:
        return {"X-RateLimit-Limit": str(self.limit), "X-RateLimit-Remaining": str(self.remaining),
                "X-RateLimit-Reset": str(self.reset_s)}


def spend(storage: Storage, caller: Caller, limit: int, now: float | None = None) -> Quota | None:
    """Count one request for the caller. Returns its quota, or None when there is no limit (0).

    Raises:
        ApiError: 429 with Retry-After when the caller has used up this window's requests.
    """
    if not limit:
        return None
    now = time.time() if now is None else now
    window = int(now // WINDOW_S) * WINDOW_S
    quota = Quota(limit, storage.rate_limit.count(caller.bucket, window), max(1, math.ceil(window + WINDOW_S - now)))
    if quota.used > limit:
        who = f"the API key {caller.name!r}" if caller.key_id is not None else "requests without an API key"
        raise ApiError(429, f"{who} made more than {limit} requests this minute (MENTOR_API_RATE_LIMIT); "
                            f"wait {quota.reset_s} s and try again",
                       {"Retry-After": str(quota.reset_s), **quota.headers()})
    return quota


# -- request dependencies, shared by every router of the API -----------------------------------------
bearer = HTTPBearer(auto_error=False, description="An API key from `mentor api-key create NAME`.")


async def current_runtime(request: Request):
    """The app's Runtime (assistant/api/app.py) serving this request (async: it only reads app.state, so
    needs no worker thread). Unannotated, so this module does not import the app that imports it."""
    return request.app.state.runtime


def current_caller(response: Response, credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
                   runtime=Depends(current_runtime)) -> Caller:
    """The key's owner, with this request counted against its rate limit."""
    settings = runtime.settings
    who = authenticate(runtime.storage, credentials.credentials if credentials else None,
                       settings.api_keys_required)
    quota = spend(runtime.storage, who, settings.api_rate_limit)
    if quota is not None:
        response.headers.update(quota.headers())
    return who
