"""A heartbeat from a thread beside a long piece of work.

A document builder can spend minutes in one call (WeasyPrint laying out a PDF) without reporting
progress; the heartbeat must keep coming meanwhile, or the sweeper would take a live worker for a
dead one. The thread calls ``beat()`` every ``interval`` seconds until the work ends or ``beat()``
answers False (the work's claim was taken away: no point in beating for it).
"""

import logging
import threading
from collections.abc import Callable

from django.db import connection

logger = logging.getLogger(__name__)


class Heartbeat:
    """``with Heartbeat(beat, interval):`` runs ``beat`` in a thread for the block's duration."""

    def __init__(self, beat: Callable[[], bool], interval: float) -> None:
        self._beat = beat
        self._interval = interval
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="export-heartbeat", daemon=True)

    def __enter__(self) -> "Heartbeat":
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stopped.set()
        self._thread.join(timeout=self._interval + 5)

    def _run(self) -> None:
        try:
            while not self._stopped.wait(self._interval):
                try:
                    if not self._beat():
                        return
                except Exception:  # a database hiccup: the next beat may get through
                    logger.warning("heartbeat failed", exc_info=True)
        finally:
            connection.close()  # this thread's own connection
