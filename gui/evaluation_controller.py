"""Owns the evaluation thread on the main thread and relays the worker's signals from there."""
from __future__ import annotations

from PySide6.QtCore import Signal

from gui.evaluation_worker import EvaluationWorker
from gui.mnist_cache import MnistTestSet
from gui.workers import WorkerHost, model_copy


class EvaluationController(WorkerHost):
    """Starts, stops and joins test-set evaluations; at most one at a time.

    Args:
        test_set: the ``MnistTestSet`` cache (shared with whoever else shows test digits).

    Signals (all on the main thread):
        started(): an evaluation began.
        progressed(int, int), completed(object), cancelled(), failed(str), mnist_not_found(str):
            relayed from the worker.
        finished(): the thread has ended; ``is_running()`` is False from here on.
    """

    started = Signal()
    progressed = Signal(int, int)
    completed = Signal(object)
    cancelled = Signal()
    failed = Signal(str)
    mnist_not_found = Signal(str)
    relayed = ("progressed", "completed", "cancelled", "failed", "mnist_not_found")

    def __init__(self, test_set: MnistTestSet | None = None, parent=None):
        super().__init__(parent)
        self.test_set = test_set or MnistTestSet()

    def start(self, state: dict, normalization: dict, source: str, data_dir=None) -> bool:
        """Evaluate a model holding a copy of ``state``; False if one is running already."""
        if self.is_running():
            return False
        worker = EvaluationWorker(model_copy(state), normalization, source, self._new_stop_event(),
                                  self.test_set, data_dir)
        self._launch(worker, "evaluation")
        self.started.emit()
        return True
