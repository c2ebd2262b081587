import datetime as dt
import tomllib

import pytest
from pydantic import SecretStr

from assistant.staff.auth import (Credential, StaffGate, StaffSession, hash_password, is_password_hash, load_credential,
                            verify_password, write_env_hash, write_secrets_hash)
from assistant.config import Settings
from assistant.errors import AuthError
from assistant.store.storage import Storage

PASSWORD = "correct horse battery staple"
T0 = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module")
def password_hash() -> str:
    return hash_password(PASSWORD)


def gate(tmp_path, password_hash, **kw) -> StaffGate:
    storage = Storage(f"sqlite:///{tmp_path / 'mentor.db'}")
    return StaffGate(Credential(password_hash, "test"), storage, **{"max_attempts": 5, "lockout_minutes": 10, **kw})


def test_hash_and_verify(password_hash):
    assert password_hash.startswith("$argon2id$") and is_password_hash(password_hash)
    assert verify_password(password_hash, PASSWORD)
    assert not verify_password(password_hash, PASSWORD.upper())
    assert not verify_password(None, PASSWORD)  # no credential: refused, after a dummy check
    assert not verify_password("plain-text-password", "plain-text-password")
    with pytest.raises(AuthError, match="use at least 12"):
        hash_password("short")


def test_wrong_password_is_rejected_and_the_lockout_holds(tmp_path, password_hash):
    staff = gate(tmp_path, password_hash)
    for n in range(4):
        result = staff.attempt("wrong password", now=T0 + dt.timedelta(seconds=n))
        assert not result.ok and f"{4 - n} attempt" in result.message
    fifth = staff.attempt("wrong password", now=T0 + dt.timedelta(seconds=5))
    assert not fifth.ok and fifth.state.locked and "locked until 09:10 UTC" in fifth.message

    # A fresh gate over the same database (another session, a restart) is still locked,
    # and the right password does not get through while it is.
    again = gate(tmp_path, password_hash)
    during = again.attempt(PASSWORD, now=T0 + dt.timedelta(minutes=9, seconds=30))
    assert not during.ok and during.state.locked and "about 1 minute" in during.message

    after = again.attempt(PASSWORD, now=T0 + dt.timedelta(minutes=11))
    assert after.ok
    assert again.state(now=T0 + dt.timedelta(minutes=12)).attempts_left == 5


def test_count_starts_again_after_a_success_or_a_lockout(tmp_path, password_hash):
    staff = gate(tmp_path, password_hash, max_attempts=3)
    staff.attempt("nope", now=T0)
    staff.attempt("nope", now=T0 + dt.timedelta(seconds=1))
    assert staff.attempt(PASSWORD, now=T0 + dt.timedelta(seconds=2)).ok
    assert staff.state(now=T0 + dt.timedelta(seconds=3)).failures == 0
    for n in range(3):
        staff.attempt("nope", now=T0 + dt.timedelta(minutes=1, seconds=n))
    assert staff.state(now=T0 + dt.timedelta(minutes=2)).locked
    later = T0 + dt.timedelta(minutes=12)
    assert staff.state(now=later).failures == 0 and not staff.state(now=later).locked
    assert "2 attempts left" in staff.attempt("nope", now=later).message
    staff.unlock()
    assert staff.state(now=later).failures == 0


def test_unconfigured_gate_refuses_everything(tmp_path):
    staff = gate(tmp_path, None)
    result = staff.attempt("anything at all")
    assert not result.ok and "mentor staff set-password" in result.message


def test_session_times_out_when_idle_and_ends_on_password_change(password_hash):
    state: dict = {}
    credential = Credential(password_hash, "test")
    session = StaffSession(state, idle_minutes=30, credential=credential)
    assert session.check(T0) == "signed_out"
    session.start(T0)
    assert session.check(T0 + dt.timedelta(minutes=29)) == "active"
    assert session.check(T0 + dt.timedelta(minutes=58)) == "active"  # activity at 29 kept it alive
    assert session.check(T0 + dt.timedelta(minutes=89)) == "expired"
    assert session.check(T0 + dt.timedelta(minutes=90)) == "signed_out"

    session.start(T0)
    changed = StaffSession(state, 30, Credential(hash_password("another long password"), "test"))
    assert changed.check(T0 + dt.timedelta(minutes=1)) == "signed_out"


def test_credential_comes_from_the_setting_then_secrets(tmp_path, password_hash):
    none = load_credential(Settings(_env_file=None, staff_password_hash=None), secrets={})
    assert not none.configured and "mentor staff set-password" in none.problem()

    from_secrets = load_credential(Settings(_env_file=None), secrets={"staff_password_hash": password_hash})
    assert from_secrets.valid and from_secrets.source == ".streamlit/secrets.toml"

    setting = Settings(_env_file=None, staff_password_hash=SecretStr(password_hash))
    assert load_credential(setting, secrets={"staff_password_hash": "other"}).source == "MENTOR_STAFF_PASSWORD_HASH"

    pasted = load_credential(Settings(_env_file=None, staff_password_hash=SecretStr("hunter2")), secrets={})
    assert pasted.configured and not pasted.valid and "not an argon2 hash" in pasted.problem()


def test_write_env_hash_keeps_other_lines_and_quotes_the_value(tmp_path, password_hash):
    env = tmp_path / ".env"
    env.write_text("MENTOR_RETRIEVAL=dense\nMENTOR_STAFF_PASSWORD_HASH=old\nexport MENTOR_STAFF_PASSWORD_HASH=older\n")
    write_env_hash(env, password_hash)
    assert env.read_text() == f"MENTOR_RETRIEVAL=dense\nMENTOR_STAFF_PASSWORD_HASH='{password_hash}'\n"
    assert env.stat().st_mode & 0o777 == 0o600
    settings = Settings(_env_file=str(env))
    assert settings.staff_password_hash.get_secret_value() == password_hash  # '$' survives dotenv
    with pytest.raises(AuthError):
        write_env_hash(env, "not a hash")


def test_write_secrets_hash_keeps_tables(tmp_path, password_hash):
    secrets = tmp_path / ".streamlit" / "secrets.toml"
    secrets.parent.mkdir()
    secrets.write_text('[connections.db]\nurl = "x"\n')
    write_secrets_hash(secrets, password_hash)
    data = tomllib.loads(secrets.read_text())
    assert data["staff_password_hash"] == password_hash and data["connections"]["db"]["url"] == "x"
    write_secrets_hash(secrets, password_hash)  # replacing, not adding a duplicate key
    assert secrets.read_text().count("staff_password_hash") == 1
