"""Owns the training thread on the main thread and relays the worker's signals from there."""
from __future__ import annotations

from PySide6.QtCore import Signal

from gui.mnist_cache import MnistCache
from gui.training_worker import TrainingConfig, TrainingWorker
from gui.workers import WorkerHost, model_copy


class TrainingController(WorkerHost):
    """Starts, stops and joins training runs; at most one at a time.

    Signals (all on the main thread):
        started(object): a run began with this ``TrainingConfig``.
        status_changed(str), batch_finished(object), epoch_finished(object, object),
        completed(object), failed(str), mnist_not_found(str): relayed from the worker.
        finished(): the run's thread has ended; ``is_running()`` is False from here on.
    """

    started = Signal(object)
    status_changed = Signal(str)
    batch_finished = Signal(object)
    epoch_finished = Signal(object, object)
    completed = Signal(object)
    failed = Signal(str)
    mnist_not_found = Signal(str)
    relayed = ("status_changed", "batch_finished", "epoch_finished", "completed", "failed",
               "mnist_not_found")

    def __init__(self, data: MnistCache | None = None, parent=None):
        super().__init__(parent)
        self._data = data or MnistCache()

    def start(self, state: dict, normalization: dict, config: TrainingConfig,
              data_dir=None) -> bool:
        """Train a copy of the model holding ``state``; False if a run is going already.

        The copy is left at its random initialisation when ``config.from_scratch``.
        ``normalization`` is the weights' ``{"mean": .., "std": ..}``: training keeps using it.
        """
        if self.is_running():
            return False
        model = model_copy(None if config.from_scratch else state, config.seed)
        worker = TrainingWorker(model, normalization, config, self._new_stop_event(), self._data, data_dir)
        self._launch(worker, "training")
        self.started.emit(config)
        return True
