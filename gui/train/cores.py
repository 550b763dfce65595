"""How many threads the window's training may use at each step: every core while the user isn't
drawing; one fewer from their first move until ``HOLD_SECONDS`` after their last, so the canvas
and the live guess have a core of their own."""
from __future__ import annotations

import time

import cnn

HOLD_SECONDS = 1.0


class CoreShare:
    """``user_busy()`` on the main thread (each pen move); ``workers_now()`` on the training
    thread before each batch. A float written by one thread and read by the other: no lock."""

    def __init__(self, cores: int | None = None, clock=time.monotonic):
        self.cores = cores or cnn.default_workers()
        self._clock = clock
        self._busy_until = -1.0

    def user_busy(self) -> None:
        self._busy_until = self._clock() + HOLD_SECONDS

    def drawing(self) -> bool:
        return self._clock() < self._busy_until

    def workers_now(self) -> int:
        return max(1, self.cores - 1) if self.drawing() else self.cores
