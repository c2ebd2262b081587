"""The staff lockout holds against simultaneous sign-in attempts: real threads, real argon2, and a real
SQLite file or PostgreSQL database (where a row lock per scope replaces SQLite's write lock)."""

import threading

import pytest
from sqlalchemy import func, select

from assistant.staff.auth import Credential, StaffGate, hash_password
from assistant.store.schema import staff_logins
from assistant.store.storage import Storage

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def password_hash() -> str:
    return hash_password(PASSWORD)


def race(gate: StaffGate, passwords: list[str]) -> list:
    """Every password tried at the same moment, one thread each (as many browsers would)."""
    start = threading.Barrier(len(passwords))
    results = [None] * len(passwords)

    def attempt(n: int) -> None:
        start.wait()
        results[n] = gate.attempt(passwords[n])

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(len(passwords))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def checked(storage: Storage) -> int:
    """Passwords actually verified: each verification ends as a failure or a success row."""
    return outcomes(storage, "failure") + outcomes(storage, "success")


def outcomes(storage: Storage, outcome: str) -> int:
    with storage.engine.connect() as db:
        return db.execute(select(func.count()).where(staff_logins.c.outcome == outcome)).scalar()


@pytest.mark.parametrize("threads", [20, 50])
def test_simultaneous_wrong_passwords_never_get_more_checks_than_the_limit(database_url, password_hash, threads):
    storage = Storage(database_url)
    gate = StaffGate(Credential(password_hash, "test"), storage, max_attempts=5, lockout_minutes=10)
    results = race(gate, [f"wrong guess {n}" for n in range(threads)])
    assert checked(storage) == 5 and not any(r.ok for r in results)
    assert sum(r.state.locked for r in results) >= threads - 5
    assert gate.state().locked
    assert not gate.attempt(PASSWORD).ok  # once locked, even the right password is refused


def test_the_right_password_among_simultaneous_guesses_gets_in_only_within_the_limit(database_url, password_hash):
    storage = Storage(database_url)
    gate = StaffGate(Credential(password_hash, "test"), storage, max_attempts=5, lockout_minutes=10)
    results = race(gate, [f"wrong guess {n}" for n in range(49)] + [PASSWORD])
    assert checked(storage) == 5
    assert results[-1].ok == (outcomes(storage, "success") == 1)  # accepted only if it was checked
    assert gate.state().locked and not gate.attempt(PASSWORD).ok
