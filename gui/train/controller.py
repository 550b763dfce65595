"""Training from the window: Start and Stop, the live plots and log, and which weights stay in use.

Each tested epoch is shown live (predictions use its weights at once). When the run ends, its
best epoch stays in use if it is at least as good as the weights the run started from; if not,
those come back and the user is offered the run's weights anyway.
"""
from __future__ import annotations

import time

from PySide6.QtCore import QObject, Signal

from gui.active_model import UNTRAINED
from gui.train.controls_view import SHOWN_OPTIMIZER, epoch_line
from gui.train.job import TRAINING, TrainingJob

PROGRESS_INTERVAL_S = 0.1


class TrainingController(QObject):
    """Args:
        jobs: the ``JobRunner``; mnist: the ``MnistSource``; active: the ``ActiveModel``.
        controls: the ``TrainingView``; plots: the ``TrainingPlotsView``; banner: the ``Banner``.
        cores: the ``CoreShare`` saying how many threads a run may use at each step (None: all).

    Signals:
        run_ended(): a run is over and its outcome is shown (for tests and scripts to wait on).
    """

    run_ended = Signal()

    def __init__(self, jobs, mnist, active, controls, plots, banner, cores=None, parent=None):
        super().__init__(parent)
        self.cores = cores
        self.jobs, self.mnist, self.active = jobs, mnist, active
        self.controls, self.plots, self.banner = controls, plots, banner
        self.job: TrainingJob | None = None
        self.result = None  # the last run's cnn.RunResult
        self._before = None  # the ActiveModel snapshot the run started from
        self._from_scratch = False
        self._progress_shown = -1.0
        controls.start_requested.connect(self.start)
        controls.stop_requested.connect(self.stop)

    def is_running(self) -> bool:
        return self.jobs.is_running(TRAINING)

    # ----- commands ---------------------------------------------------------------------------
    def start(self, config=None, from_scratch: bool | None = None) -> bool:
        """Train with ``config`` (default: the controls' settings); False if it can't start now."""
        if self.is_running() or self.mnist.downloading:
            return False
        config = config or self.controls.config()
        from_scratch = self.controls.from_scratch() if from_scratch is None else from_scratch
        origin = "a fresh network" if from_scratch else self.active.source
        job = TrainingJob(config, self.mnist, None if from_scratch else self.active.copy_state(),
                          self.active.normalization_record, origin,
                          None if self.cores is None else self.cores.workers_now)
        for signal, slot in ((job.status_changed, self.controls.show_status), (job.batch_finished, self._on_batch),
                             (job.epoch_finished, self._on_epoch), (job.completed, self._on_completed),
                             (job.failed, self._on_failed), (job.mnist_not_found, self._on_mnist_missing),
                             (job.finished, self._on_finished)):
            signal.connect(slot)
        self.job, self._before, self._from_scratch = job, self.active.snapshot(), from_scratch
        self.jobs.start(TRAINING, job)
        self._show_started(config, origin)
        return True

    def stop(self) -> None:
        if self.is_running():
            self.controls.show_status("Stopping after this batch…")
            self.jobs.stop(TRAINING)

    # ----- a run ------------------------------------------------------------------------------
    def _show_started(self, config, origin: str) -> None:
        if self.banner.kind:
            self.banner.dismiss()  # an earlier failure or offer no longer applies
        self.controls.set_running(True)
        self.controls.reset_progress()
        self.plots.reset(config.epochs)
        size = f"{config.train_size:,}" if config.train_size else "all"
        optimizer = SHOWN_OPTIMIZER[config.optimizer.lower()]
        self.controls.append_log(
            f"Training on {size} images for {config.epochs} epoch(s), {optimizer} lr "
            f"{config.learning_rate:g}, batch {config.batch_size}, "
            f"{'with' if config.augment else 'without'} augmentation, starting from {origin}.")

    def _on_batch(self, info) -> None:
        self.plots.add_batch(info)  # buffered: drawn 10 times a second
        # The bar and its line at most 10 times a second too (each costs ~1 ms of the main
        # thread, which the training threads need), and always at an epoch's last batch.
        now = time.monotonic()
        if info.batch == info.batches or now - self._progress_shown >= PROGRESS_INTERVAL_S:
            self.controls.show_batch(info)
            self._progress_shown = now

    def _on_epoch(self, info, state, record) -> None:
        self.plots.add_epoch(info)
        self.controls.append_log(epoch_line(info))
        self.active.load_state(state, record, f"training: epoch {info.epoch}/{info.epochs}, live")

    def _on_completed(self, result) -> None:
        self.result = result
        outcome = self._keep_best(result)
        done = len(result.history.epochs)
        if result.diverged:
            head = f"Training diverged after {done} good epoch(s): {result.diverged}."
            self.banner.show_error(f"{head}\n{outcome}")
        elif result.history.stopped:
            head = f"Stopped after {done} full epoch(s)."
        else:
            head = f"Finished {done} epoch(s)."
        self.controls.append_log(f"{head} {outcome}")
        self.controls.finish_progress(head)

    def _keep_best(self, result) -> str:
        """Decide which weights stay in use after ``result``; returns what happened, in words."""
        before, best = self._before, result.best
        if best is None or not result.useful:
            self.active.restore(before)
            reached = "" if best is None else f"Its best epoch reached only {best.val_accuracy:.1%}. "
            return f"{reached}The weights in use are unchanged: {before.source}."
        if before.source == UNTRAINED or before.test_accuracy is None \
                or best.val_accuracy >= before.test_accuracy:
            self.use_result(result)
            return f"Using its best epoch, {best.epoch} (test accuracy {best.val_accuracy:.2%})."
        self.active.restore(before)
        text = (f"Its best epoch reached {best.val_accuracy:.2%}, below the {before.test_accuracy:.2%} of "
                f"{before.source}, so those stay in use.")
        if not result.diverged:
            self.banner.show_notice(text, [("Use this run's weights", lambda: self.use_result(result))])
        return text

    def use_result(self, result) -> None:
        """Put ``result``'s best epoch in use (also when it is worse: the user asked)."""
        epochs = len(result.history.epochs)
        self.active.load_state(result.model.state_dict(), result.record,
                               f"trained here (best epoch {result.best.epoch} of {epochs})")
        if self.banner.kind == "notice":
            self.banner.dismiss()

    def _on_failed(self, message: str) -> None:
        if self._before is not None:
            self.active.restore(self._before)
        self.controls.append_log(message)
        self.controls.finish_progress("Training failed.")
        self.banner.show_error(f"{message}\nThe weights in use are kept: {self.active.source}.")

    def _on_mnist_missing(self, message: str) -> None:
        self.controls.append_log("MNIST not found: nothing was trained.")
        self.controls.finish_progress("MNIST not found.")
        config, from_scratch = self.job.config, self._from_scratch
        self.mnist.offer(message, then=lambda: self.start(config, from_scratch))

    def _on_finished(self) -> None:
        self.plots.flush()
        self.controls.set_running(False)
        self.run_ended.emit()
