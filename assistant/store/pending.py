"""Writes the database refused, kept in order and retried until they are stored, so none is lost.

A question is answered whether or not its interaction can be stored at that moment (SQLite busy beyond its
retries, PostgreSQL restarting). Its row is kept here, in memory, and one thread per Storage stores the
waiting rows, oldest first, every RETRY_S seconds. The logs say once that writes are waiting and once
that they were stored. At exit the waiting rows get one more try; any still waiting then are reported
with their count (never their content).
"""

from __future__ import annotations

import atexit
import logging
import threading
from collections import deque
from collections.abc import Callable

from sqlalchemy.engine import Connection, Engine

from assistant.errors import DatabaseUnavailable
from assistant.store.database import run

log = logging.getLogger(__name__)

RETRY_S = 1.0
LIMIT = 50_000  # rows kept at most (about 1 kB each): beyond it a new row is refused, and that is logged


class PendingWrites:
    """A queue of write transactions to store once the database takes them again."""

    def __init__(self, engine: Engine, retry_s: float = RETRY_S, limit: int = LIMIT):
        self.engine = engine
        self.retry_s = retry_s
        self.limit = limit
        self._queue: deque[tuple[str, Callable[[Connection], object]]] = deque()
        self._lock = threading.Lock()
        self._flushing = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stored = 0
        self._refused = 0
        self._exit_hook = False

    def __len__(self) -> int:
        return len(self._queue)

    def add(self, what: str, work: Callable[[Connection], object], error: DatabaseUnavailable) -> bool:
        """Keep `work` (one write, e.g. "an interaction") to store later. False when the queue is full."""
        with self._lock:
            if len(self._queue) >= self.limit:
                self._refused += 1
                if self._refused == 1:
                    log.error("%d writes are waiting for the database, the most kept: %s and any later ones "
                              "are not stored until it is back (%s)", self.limit, what, error)
                return False
            self._queue.append((what, work))
            if len(self._queue) == 1 and self._stored == 0:
                log.warning("could not store %s, kept in memory and retried every %.0f s: %s", what, self.retry_s, error)
            if not self._exit_hook:  # only a Storage that ever had to wait needs a last try at exit
                atexit.register(self._at_exit)
                self._exit_hook = True
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._retry, name="mentor-pending-writes", daemon=True)
                self._thread.start()
        return True

    def flush(self) -> int:
        """Store the waiting writes, oldest first, until one fails. Returns how many are still waiting."""
        with self._flushing:
            while self._queue:
                what, work = self._queue[0]
                try:
                    run(self.engine, work, write=True)
                except DatabaseUnavailable:
                    break
                with self._lock:
                    self._queue.popleft()
                    self._stored += 1
            with self._lock:
                if not self._queue and self._stored:
                    log.warning("stored %d delayed writes%s", self._stored,
                                f"; {self._refused} more were refused while the queue was full" if self._refused else "")
                    self._stored = self._refused = 0
                return len(self._queue)

    def _retry(self) -> None:
        stop = threading.Event()
        while not stop.wait(self.retry_s):
            if self.flush() == 0:
                with self._lock:
                    if not self._queue:
                        self._thread = None
                        return

    def _at_exit(self) -> None:
        if self._queue and self.flush():
            log.error("%d writes could not be stored before exit: the database was unavailable", len(self._queue))
