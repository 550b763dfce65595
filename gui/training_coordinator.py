"""Connects a training run to the views: panel, plots, log, weights in use, and MNIST offers.

It listens to the controllers' main-thread signals only; it never reaches into a running run.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal

import cnn
from gui.training_view import epoch_line

MNIST_DOWNLOAD_MB = 11


class TrainingCoordinator(QObject):
    """Start/Stop, live updates, and getting MNIST when it is missing.

    Signals:
        busy_changed(bool): training or a download started or ended (the window greys out
            the commands that must wait, like opening other weights).
    """

    busy_changed = Signal(bool)

    def __init__(self, trainer, downloader, active, panel, plots, banner, dialogs, data_dir=None,
                 parent=None):
        super().__init__(parent)
        self.trainer, self.downloader, self.active = trainer, downloader, active
        self.panel, self.plots, self.banner, self.dialogs = panel, plots, banner, dialogs
        self.data_dir = data_dir
        self._config = None
        self._origin = active.source
        self._resume = False  # start training once MNIST is there (it was missing at Start)
        self._downloaded = False
        panel.start_requested.connect(self.start)
        panel.stop_requested.connect(self.stop)
        trainer.started.connect(self._on_started)
        trainer.status_changed.connect(panel.show_status)
        trainer.batch_finished.connect(self._on_batch)
        trainer.epoch_finished.connect(self._on_epoch)
        trainer.completed.connect(self._on_completed)
        trainer.failed.connect(self._on_failed)
        trainer.mnist_not_found.connect(self._offer_mnist)
        trainer.finished.connect(self._on_finished)
        downloader.progressed.connect(self._on_download_progress)
        downloader.completed.connect(self._on_download_completed)
        downloader.failed.connect(self._on_download_failed)
        downloader.finished.connect(self._on_download_finished)

    # ----- commands ---------------------------------------------------------------------------
    def start(self, config=None) -> bool:
        if self.trainer.is_running() or self.downloader.is_running():
            return False
        self._config = config or self.panel.config()
        self._origin = "a fresh network" if self._config.from_scratch else self.active.source
        return self.trainer.start(self.active.copy_state(), self.active.normalization_record, self._config,
                                  self.data_dir)

    def stop(self) -> None:
        if self.trainer.is_running():
            self.panel.show_status("Stopping after this batch…")
            self.trainer.stop()

    def shutdown(self) -> None:
        """Stop everything running and join the threads (the window is closing)."""
        self.trainer.shutdown()
        self.downloader.shutdown()

    # ----- a run ------------------------------------------------------------------------------
    def _on_started(self, config) -> None:
        if self.banner.isVisible():
            self.banner.dismiss()  # an earlier failure or MNIST offer no longer applies
        self.panel.set_running(True)
        self.panel.reset_progress()
        self.plots.reset()
        augment = "with" if config.augment else "without"
        self.panel.append_log(
            f"Training on {config.train_size:,} images for {config.epochs} epoch(s), {config.optimizer} "
            f"lr {config.learning_rate:g}, batch {config.batch_size}, {augment} augmentation, "
            f"starting from {self._origin}.")
        self.busy_changed.emit(True)

    def _on_batch(self, info) -> None:
        self.plots.add_batch(info)
        self.panel.show_batch(info)

    def _on_epoch(self, info, state) -> None:
        self.plots.add_epoch(info)
        self.panel.append_log(epoch_line(info))
        training = {"epochs": info.epoch, **self._config.summary(), "train_loss": info.loss,
                    "train_accuracy": info.accuracy, "test_loss": info.val_loss,
                    "test_accuracy": info.val_accuracy, "test_images": self._config.test_size or 10_000,
                    "started_from": self._origin, "trained_in": "gui"}
        self.active.load_state(state, training, f"trained here ({info.epoch}/{info.epochs} epochs)")

    def _on_completed(self, history) -> None:
        done = len(history.epochs)
        if history.stopped:
            text = f"Stopped after {done} full epoch(s)" + ("; the weights in use are unchanged." if not done
                                                           else "; using the last full epoch.")
        else:
            text = f"Finished {done} epoch(s)."
        self.panel.append_log(text)
        self.panel.finish_progress(text)

    def _on_failed(self, message: str) -> None:
        self.panel.append_log(message)
        self.panel.finish_progress("Training failed.")
        self.banner.show_error(f"{message}\nThe weights in use are kept: {self.active.source}.")

    def _on_finished(self) -> None:
        self.plots.flush()
        self.panel.set_running(False)
        self.busy_changed.emit(False)

    # ----- MNIST ------------------------------------------------------------------------------
    def _offer_mnist(self, message: str) -> None:
        self._resume = True
        self.panel.append_log("MNIST not found: nothing was trained.")
        self.panel.finish_progress("MNIST not found.")
        self.banner.show_notice(
            f"Training needs the MNIST digits, which were not found.\n{message}",
            [(f"Download MNIST ({MNIST_DOWNLOAD_MB} MB)", self.download_mnist),
             ("Choose folder…", self.choose_mnist_folder)])

    def download_mnist(self) -> None:
        dest = Path(self.data_dir) if self.data_dir else cnn.default_cache_dir()
        if self.trainer.is_running() or not self.downloader.start(dest):
            return
        self.banner.show_notice(f"Downloading MNIST into {dest}…", [("Cancel", self.downloader.stop)])
        self.banner.set_progress(0, None)
        self.busy_changed.emit(True)

    def choose_mnist_folder(self) -> None:
        folder = self.dialogs.mnist_folder(Path(self.data_dir or Path.home()))
        if folder is None:
            return
        try:
            cnn.find_mnist_dir(folder)
        except cnn.MnistNotFoundError as e:
            self.banner.show_error(f"That folder does not hold MNIST.\n{e}")
            return
        self.data_dir = str(folder)
        self.banner.show_notice(f"Using MNIST from {folder}.")
        self._resume_training()

    def _on_download_progress(self, filename: str, done: int, total) -> None:
        self.banner.set_progress(done, total)
        size = f"{done / 1e6:.1f} of {total / 1e6:.1f} MB" if total else f"{done / 1e6:.1f} MB"
        self.banner.label.setText(f"Downloading {filename}: {size}")

    def _on_download_completed(self, folder: str) -> None:
        self.data_dir, self._downloaded = folder, True
        self.banner.show_notice(f"MNIST downloaded to {folder}.")

    def _resume_training(self) -> None:
        if self._resume:
            self._resume = False
            self.start(self._config)

    def _on_download_failed(self, message: str) -> None:
        self.banner.show_error(message, [("Retry", self.download_mnist),
                                         ("Choose folder…", self.choose_mnist_folder)])

    def _on_download_finished(self) -> None:
        self.busy_changed.emit(False)  # only now: the download thread has ended
        if self._downloaded:
            self._downloaded = False
            self._resume_training()
