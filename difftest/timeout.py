"""A wall-clock limit on one engine call, so a hang becomes a finding instead of a stuck run."""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import Iterator


class Timeout(Exception):
    """The call ran past its limit."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise `Timeout` in this thread after `seconds` (only where signals can be used: the main thread).

    A call stuck inside C code is interrupted when it next returns to Python.
    """
    if threading.current_thread() is not threading.main_thread() or seconds <= 0:
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise Timeout(f"no answer within {seconds:g}s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
