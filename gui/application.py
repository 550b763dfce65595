"""Putting the window together: the weights to start with, the controllers, the QApplication."""
from __future__ import annotations

import sys
from pathlib import Path

import shiboken6
import threadpoolctl
from PySide6.QtWidgets import QApplication

import cnn
from gui.active_model import ActiveModel
from gui.dialogs import Dialogs
from gui.download import DownloadController
from gui.main_window import MainWindow
from gui.training_controller import TrainingController
from gui.weights_actions import SHIPPED_SOURCE, load_weights

SHIPPED_WEIGHTS = Path(__file__).resolve().parent.parent / "weights" / "digitnet.npz"


def initial_model(weights_path=None, shipped_path: Path = SHIPPED_WEIGHTS) -> tuple[ActiveModel, str | None]:
    """The weights to start with and, if the requested file could not be used, why.

    An explicit ``weights_path`` comes first, then the shipped weights; with neither, a fresh
    untrained network (the status bar says so).
    """
    shipped_path = Path(shipped_path)
    path = Path(weights_path) if weights_path else shipped_path
    if not weights_path and not path.is_file():
        return ActiveModel.untrained(), None
    try:
        model, meta = load_weights(path)
    except cnn.WeightsFileError as e:
        return ActiveModel.untrained(), f"Could not open the weights file — {e}\nUsing untrained weights."
    source = SHIPPED_SOURCE.format(name=path.name) if path == shipped_path else path.name
    return ActiveModel(model, meta, source, path), None


def create_window(weights_path=None, data_dir=None, shipped_path: Path = SHIPPED_WEIGHTS,
                  dialogs: Dialogs | None = None, **window_options) -> MainWindow:
    """Build the window with its real collaborators (tests pass stand-ins for ``dialogs``)."""
    active, error = initial_model(weights_path, shipped_path)
    real_dialogs = dialogs is None
    dialogs = dialogs or Dialogs()
    window = MainWindow(active, TrainingController(), DownloadController(), dialogs,
                        shipped_path, data_dir, **window_options)
    for owned in (active, window.training.trainer, window.training.downloader):
        owned.setParent(window)  # they live as long as the window
    if real_dialogs:
        dialogs.parent = window
    if error:
        window.banner.show_error(error)
    return window


def limit_blas_threads() -> None:
    """One BLAS thread for the whole app.

    The window predicts one image at a time, where a multi-threaded BLAS spends far longer waking
    its threads than computing (measured: 8 ms vs 0.5 ms per forward pass on 2 cores), and
    ``cnn.fit`` runs single-threaded BLAS anyway. Process-wide, so it is set once, here.
    """
    threadpoolctl.threadpool_limits(limits=1, user_api="blas")


def run(argv=None, weights_path=None, data_dir=None) -> int:
    """Start the app: create the QApplication, show the window, return the exit code."""
    limit_blas_threads()
    app = QApplication.instance() or QApplication(list(sys.argv if argv is None else argv))
    app.setApplicationName("Digit Draw")
    app.setStyle("Fusion")
    window = create_window(weights_path, data_dir)
    window.show()
    try:
        return app.exec()
    finally:
        window.close()  # stops and joins a run still going (the event loop may end without a close)
        shiboken6.delete(window)  # now, while the QApplication still exists
