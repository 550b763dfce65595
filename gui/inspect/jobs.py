"""The inspection's background jobs: evaluating on the MNIST test set, and reading that set."""
from __future__ import annotations

from PySide6.QtCore import Signal

import cnn
from gui.jobs import Job

EVALUATION, TEST_SET = "evaluation", "test-set"  # their kinds for the JobRunner
BATCH_SIZE = 256  # the fastest measured (128..1000), and ~40 progress steps over 10,000 images


class EvaluationJob(Job):
    """Evaluates one model on the test set, its answers read with the weights' ``calibration`` record.

    Signals (besides ``Job``'s): progressed(int, int): images done, images in all;
    completed(object): the ``cnn.EvaluationReport``; cancelled(): stopped before the end.
    """

    progressed = Signal(int, int)
    completed = Signal(object)
    cancelled = Signal()
    task = "Evaluation"

    def __init__(self, model, normalization: dict, source: str, mnist, calibration: dict | None = None):
        super().__init__()
        self._model, self._normalization, self._source, self._mnist = model, normalization, source, mnist
        self._calibration = calibration

    def work(self) -> None:
        images, labels = self._mnist.test_set()
        evaluation = cnn.evaluate(self._model, images, labels, prepare=cnn.make_prepare(self._normalization),
                                  batch_size=BATCH_SIZE, on_progress=self.progressed.emit,
                                  should_stop=self.should_stop)
        if evaluation is None:
            self.cancelled.emit()
        else:
            self.completed.emit(cnn.EvaluationReport(evaluation, images, labels, self._source, self._calibration))


class TestSetJob(Job):
    """Reads the test set into the ``MnistSource``'s memory, off the main thread.

    Signals (besides ``Job``'s): completed(): the test set is in memory now.
    """

    __test__ = False  # a job, not a pytest test class
    completed = Signal()
    task = "Reading the MNIST test digits"

    def __init__(self, mnist):
        super().__init__()
        self._mnist = mnist

    def work(self) -> None:
        self._mnist.test_set()
        self.completed.emit()
