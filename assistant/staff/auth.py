"""Staff sign-in: argon2 password hashes, a lockout that outlives the browser session, idle timeout.

There is one staff credential, so the lockout counts attempts for the whole staff area, not per
browser: closing the tab or opening another session does not reset it. The attempts live in the
interaction database (Storage), so the lockout also holds across app instances sharing it.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from assistant.errors import AuthError
from assistant.files import write_atomic
from assistant.text import sha256

SECRETS_FILE = Path(".streamlit/secrets.toml")
SECRETS_KEY = "staff_password_hash"
ENV_KEY = "MENTOR_STAFF_PASSWORD_HASH"
MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 1024
HOW_TO_ENABLE = ("Run `mentor staff set-password` on the server (it writes MENTOR_STAFF_PASSWORD_HASH to .env), "
                 "then reload this page.")

_hasher = PasswordHasher()  # argon2id with the library's current recommended cost
_dummy_hash: str | None = None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def hash_password(password: str) -> str:
    """An argon2id hash of `password`, for MENTOR_STAFF_PASSWORD_HASH.

    Raises:
        AuthError: the password is shorter than MIN_PASSWORD_CHARS or absurdly long.
    """
    if len(password) < MIN_PASSWORD_CHARS:
        raise AuthError(f"the staff password has {len(password)} characters; use at least {MIN_PASSWORD_CHARS} "
                        "(a few unrelated words make a long password that is easy to remember)")
    if len(password) > MAX_PASSWORD_CHARS:
        raise AuthError(f"the staff password has {len(password):,} characters; use at most {MAX_PASSWORD_CHARS:,}")
    return _hasher.hash(password)


def is_password_hash(value: str | None) -> bool:
    """Whether `value` looks like an argon2 hash (and not, say, a password pasted into the setting)."""
    if not value or not value.startswith("$argon2"):
        return False
    try:
        _hasher.check_needs_rehash(value)  # parses the parameters
    except (InvalidHashError, ValueError):
        return False
    return True


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when `password` matches `stored_hash`, in constant time.

    With no usable hash the password is still checked against a dummy hash, so a missing or broken
    credential takes as long to refuse as a wrong password and timing gives nothing away.
    """
    global _dummy_hash
    password = password[:MAX_PASSWORD_CHARS + 1]
    if not is_password_hash(stored_hash):
        if _dummy_hash is None:
            _dummy_hash = _hasher.hash("not the staff password, only here to spend the same time")
        stored_hash, usable = _dummy_hash, False
    else:
        usable = True
    try:
        return _hasher.verify(stored_hash, password) and usable
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# -- where the credential comes from -----------------------------------------------------------
@dataclass(frozen=True)
class Credential:
    """The configured staff password hash and where it was found."""

    hash: str | None
    source: str  # "MENTOR_STAFF_PASSWORD_HASH", ".streamlit/secrets.toml" or "" when unset

    @property
    def configured(self) -> bool:
        return bool(self.hash)

    @property
    def valid(self) -> bool:
        return is_password_hash(self.hash)

    @property
    def fingerprint(self) -> str:
        """Changes when the password changes, so sessions signed in with the old one end."""
        return sha256(self.hash or "")[:16]

    def problem(self) -> str | None:
        """Why the staff area cannot be used, with the fix; None when it can."""
        if not self.configured:
            return f"No staff password is set, so the staff area is off. {HOW_TO_ENABLE}"
        if not self.valid:
            return (f"The staff password hash in {self.source} is not an argon2 hash (it should start with "
                    f"'$argon2id$'). Set it with `mentor staff set-password` rather than by hand.")
        return None


def read_secrets_file(path: Path = SECRETS_FILE) -> Mapping:
    """The secrets TOML as a mapping, or {} when there is no file (the CLI's view of st.secrets)."""
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as exc:
        raise AuthError(f"{path} is not valid TOML ({exc}); fix it or remove the file") from exc


def load_credential(settings, secrets: Mapping | None = None) -> Credential:
    """The staff credential: the setting (environment or .env) first, then `staff_password_hash` in secrets.

    Args:
        settings: a Settings; its staff_password_hash wins when set.
        secrets: st.secrets in the app; None reads .streamlit/secrets.toml (for the CLI).
    """
    secret = settings.staff_password_hash
    value = secret.get_secret_value().strip() if secret is not None else ""
    if value:
        return Credential(value, ENV_KEY)
    if secrets is None:
        secrets = read_secrets_file()
    try:
        value = str(secrets.get(SECRETS_KEY) or "").strip()
    except Exception:  # noqa: BLE001 - st.secrets raises when there is no secrets file at all
        value = ""
    return Credential(value or None, str(SECRETS_FILE) if value else "")


# -- lockout -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class LockState:
    """Where sign-in stands: how many tries are left, or until when it is locked."""

    failures: int
    max_attempts: int
    locked_until: dt.datetime | None = None

    @property
    def locked(self) -> bool:
        return self.locked_until is not None

    @property
    def attempts_left(self) -> int:
        return max(0, self.max_attempts - self.failures)

    def minutes_left(self, now: dt.datetime | None = None) -> int:
        if self.locked_until is None:
            return 0
        seconds = (self.locked_until - (now or _now())).total_seconds()
        return max(1, int(-(-seconds // 60)))  # round up: "1 minute" until the very end


@dataclass(frozen=True)
class LoginResult:
    ok: bool
    state: LockState
    message: str


class StaffGate:
    """Checks the staff password and enforces the lockout, remembering attempts in Storage.

    After `max_attempts` failures in a row, sign-in is refused for `lockout_minutes`, whatever the
    password; the count starts again after a success or once a lockout has passed.
    """

    def __init__(self, credential: Credential, storage, max_attempts: int = 5, lockout_minutes: int = 10,
                 scope: str = "staff"):
        if max_attempts <= 0:
            raise ValueError(f"max_attempts must be greater than 0, got {max_attempts}")
        if lockout_minutes <= 0:
            raise ValueError(f"lockout_minutes must be greater than 0, got {lockout_minutes}")
        self.credential = credential
        self.storage = storage
        self.max_attempts = max_attempts
        self.lockout = dt.timedelta(minutes=lockout_minutes)
        self.scope = scope

    @classmethod
    def from_settings(cls, settings, storage, secrets: Mapping | None = None) -> "StaffGate":
        return cls(load_credential(settings, secrets), storage, settings.staff_max_attempts,
                   settings.staff_lockout_minutes)

    def state(self, now: dt.datetime | None = None) -> LockState:
        locked_until, failures = self.storage.sign_ins.window(self.scope, now or _now(), self.lockout)
        if locked_until is not None:
            return LockState(self.max_attempts, self.max_attempts, locked_until)
        return LockState(failures, self.max_attempts)

    def attempt(self, password: str, now: dt.datetime | None = None) -> LoginResult:
        """Try `password`. Every outcome is recorded; a locked gate does not even look at the password.

        The attempt is reserved in the database before the password is checked (which takes about
        120 ms), so simultaneous attempts cannot all slip in under the limit.
        """
        now = now or _now()
        if self.credential.problem():
            verify_password(None, password)  # same time as a real check
            return LoginResult(False, self.state(now), self.credential.problem())
        row = self.storage.sign_ins.reserve(self.scope, now, self.lockout, self.max_attempts)
        if row is None:
            state = self.state(now)
            return LoginResult(False, state, self.locked_message(state, now))
        ok = False
        try:
            ok = verify_password(self.credential.hash, password)
        finally:
            locked_until, failures = self.storage.sign_ins.finish(row, ok, self.scope, now, self.lockout,
                                                               self.max_attempts)
        if ok:
            return LoginResult(True, LockState(0, self.max_attempts), "Signed in.")
        if locked_until is not None:
            locked = LockState(self.max_attempts, self.max_attempts, locked_until)
            return LoginResult(False, locked, self.locked_message(locked, now))
        left = self.max_attempts - failures
        return LoginResult(False, LockState(failures, self.max_attempts),
                           f"Wrong password. {left} attempt{'s' if left != 1 else ''} left before sign-in is locked "
                           f"for {self.lockout_minutes} minutes.")

    @property
    def lockout_minutes(self) -> int:
        return int(self.lockout.total_seconds() // 60)

    def locked_message(self, state: LockState, now: dt.datetime | None = None) -> str:
        minutes = state.minutes_left(now)
        return (f"Too many failed sign-in attempts: staff sign-in is locked until {state.locked_until:%H:%M} UTC "
                f"(about {minutes} minute{'s' if minutes != 1 else ''}). Try again then, or run "
                "`mentor staff unlock` on the server.")

    def unlock(self) -> int:
        """Forget past attempts, ending any lockout (for `mentor staff unlock`)."""
        return self.storage.sign_ins.clear(self.scope)


# -- the signed-in session -----------------------------------------------------------------------
SessionState = Literal["active", "expired", "signed_out"]


class StaffSession:
    """A staff sign-in kept in a browser session's state (st.session_state, or any dict in tests).

    It ends after `idle_minutes` without activity, and when the password changes.
    """

    KEY = "_staff_session"

    def __init__(self, state: MutableMapping, idle_minutes: int, credential: Credential):
        self.state = state
        self.idle = dt.timedelta(minutes=idle_minutes)
        self.credential = credential

    def start(self, now: dt.datetime | None = None) -> None:
        now = now or _now()
        self.state[self.KEY] = {"since": now, "seen": now, "credential": self.credential.fingerprint}

    def end(self) -> None:
        self.state.pop(self.KEY, None)

    def check(self, now: dt.datetime | None = None) -> SessionState:
        """'active' (and marks activity now), 'expired' (idle too long; now signed out) or 'signed_out'."""
        now = now or _now()
        session = self.state.get(self.KEY)
        if not session:
            return "signed_out"
        if session.get("credential") != self.credential.fingerprint or not self.credential.valid:
            self.end()
            return "signed_out"
        if now - session["seen"] > self.idle:
            self.end()
            return "expired"
        session["seen"] = now
        return "active"


# -- writing the credential (mentor staff set-password) ------------------------------------------
def _require_hash(password_hash: str) -> None:
    if not is_password_hash(password_hash):
        raise AuthError("refusing to store something that is not an argon2 hash; use hash_password() to make one")


def write_env_hash(path: Path, password_hash: str) -> Path:
    """Set MENTOR_STAFF_PASSWORD_HASH in a .env file, keeping its other lines.

    The value is single-quoted: an argon2 hash is full of '$', which a shell or a dotenv reader
    would otherwise try to expand.
    """
    _require_hash(password_hash)
    from dotenv import dotenv_values, set_key, unset_key

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        os.chmod(path, 0o600)  # owner only, before the hash is in it
        if ENV_KEY in dotenv_values(path, interpolate=False):
            unset_key(path, ENV_KEY)  # every definition: a second one would shadow the new value
    set_key(path, ENV_KEY, password_hash, quote_mode="always", export=False)  # atomic: temp file + os.replace
    os.chmod(path, 0o600)
    return path


def write_secrets_hash(path: Path, password_hash: str) -> Path:
    """Set `staff_password_hash` at the top level of a Streamlit secrets.toml, keeping everything else."""
    _require_hash(password_hash)
    path = Path(path)
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    line = f"{SECRETS_KEY} = '{password_hash}'"  # a TOML literal string: no escapes inside
    pattern = re.compile(rf"^\s*{SECRETS_KEY}\s*=")
    out, done, in_table = [], False, False
    for existing in lines:
        in_table = in_table or existing.lstrip().startswith("[")
        if not in_table and pattern.match(existing):
            if not done:
                out.append(line)
                done = True
            continue
        out.append(existing)
    if not done:
        out.insert(0, line)  # top-level keys must come before the first [table]
    text = "\n".join(out) + "\n"
    tomllib.loads(text)  # never leave a file Streamlit cannot read
    write_atomic(path, text, mode=0o600)  # owner only: it holds a password hash
    return path
