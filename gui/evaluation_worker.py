"""The evaluation job that runs on a worker thread: load the MNIST test set, then ``cnn.evaluate``.

The worker owns its own model (a copy of the weights in use, so a training epoch landing in the
meantime cannot change them mid-pass) and reports through signals only.
"""
from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QObject, Signal, Slot

import cnn
from gui.evaluation_report import EvaluationReport

log = logging.getLogger(__name__)

BATCH_SIZE = 256  # the fastest measured (128..1000), and ~40 progress steps over 10,000 images


class MnistTestSet:
    """The MNIST test set, loaded once per folder; shared by threads, hence the lock."""

    def __init__(self):
        self._lock = threading.Lock()
        self._data: dict[str, tuple] = {}

    def get(self, data_dir=None):
        """``(images (N, 28, 28) uint8, labels (N,))``; raises ``cnn.MnistNotFoundError``."""
        with self._lock:
            folder = str(cnn.find_mnist_dir(data_dir))
            if folder not in self._data:
                self._data[folder] = cnn.load_mnist("test", folder)
            return self._data[folder]


class EvaluationWorker(QObject):
    """Evaluates one model on the test set; lives on a worker thread.

    Signals:
        progressed(int, int): images done, images in all.
        completed(object): the ``EvaluationReport``.
        cancelled(): ``stop`` was set before the pass ended.
        failed(str): the message is for people.
        mnist_not_found(str): the test set was not where it was looked for.
        finished(): always last, whatever happened.
    """

    progressed = Signal(int, int)
    completed = Signal(object)
    cancelled = Signal()
    failed = Signal(str)
    mnist_not_found = Signal(str)
    finished = Signal()

    def __init__(self, model, normalization: dict, source: str, stop: threading.Event,
                 test_set: MnistTestSet, data_dir=None):
        super().__init__()
        self._model, self._normalization, self._source = model, normalization, source
        self._stop, self._test_set, self._data_dir = stop, test_set, data_dir

    @Slot()
    def run(self) -> None:
        try:
            self._evaluate()
        except cnn.MnistNotFoundError as e:
            self.mnist_not_found.emit(str(e))
        except cnn.MnistFormatError as e:
            self.failed.emit(f"The MNIST files are damaged: {e}")
        except Exception as e:  # a worker must always report back and finish
            log.exception("evaluation failed")
            self.failed.emit(f"Evaluation failed: {type(e).__name__}: {e}")
        finally:
            self.finished.emit()

    def _evaluate(self) -> None:
        images, labels = self._test_set.get(self._data_dir)
        evaluation = cnn.evaluate(self._model, images, labels, prepare=cnn.make_prepare(self._normalization),
                                  batch_size=BATCH_SIZE, on_progress=self.progressed.emit,
                                  should_stop=self._stop.is_set)
        if evaluation is None:
            self.cancelled.emit()
        else:
            self.completed.emit(EvaluationReport(evaluation, images, labels, self._source))
