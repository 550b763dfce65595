"""The evaluation job that runs on a worker thread: load the MNIST test set, then ``cnn.evaluate``.

The worker owns its own model (a copy of the weights in use, so a training epoch landing in the
meantime cannot change them mid-pass) and reports through signals only.
"""
from __future__ import annotations

import threading

from PySide6.QtCore import Signal

import cnn
from gui.evaluation_report import EvaluationReport
from gui.mnist_cache import MnistTestSet
from gui.workers import Worker

BATCH_SIZE = 256  # the fastest measured (128..1000), and ~40 progress steps over 10,000 images


class EvaluationWorker(Worker):
    """Evaluates one model on the test set; lives on a worker thread.

    Signals (besides ``Worker``'s failed, mnist_not_found and finished):
        progressed(int, int): images done, images in all.
        completed(object): the ``EvaluationReport``.
        cancelled(): ``stop`` was set before the pass ended.
    """

    progressed = Signal(int, int)
    completed = Signal(object)
    cancelled = Signal()
    task = "Evaluation"

    def __init__(self, model, normalization: dict, source: str, stop: threading.Event,
                 test_set: MnistTestSet, data_dir=None):
        super().__init__()
        self._model, self._normalization, self._source = model, normalization, source
        self._stop, self._test_set, self._data_dir = stop, test_set, data_dir

    def _work(self) -> None:
        images, labels = self._test_set.get(self._data_dir)
        evaluation = cnn.evaluate(self._model, images, labels, prepare=cnn.make_prepare(self._normalization),
                                  batch_size=BATCH_SIZE, on_progress=self.progressed.emit,
                                  should_stop=self._stop.is_set)
        if evaluation is None:
            self.cancelled.emit()
        else:
            self.completed.emit(EvaluationReport(evaluation, images, labels, self._source))
