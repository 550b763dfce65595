"""Putting the app together: ``create_window`` makes every part, wires it and hands it to the window."""
from __future__ import annotations

import sys
from pathlib import Path

import shiboken6
import threadpoolctl
from PySide6.QtWidgets import QApplication

import cnn
from gui.banner import Banner
from gui.dialogs import Dialogs
from gui.draw.canvas import DEFAULT_PEN_WIDTH, DrawingCanvas
from gui.draw.picture import PictureController
from gui.draw.prediction_view import PredictionView
from gui.draw.predictor import Predictor
from gui.draw.tools_view import DrawingToolsView
from gui.inspect.controller import InspectController
from gui.inspect.digit_picker import TestDigitPicker
from gui.inspect.evaluation_view import EvaluationView
from gui.inspect.feature_maps_view import FeatureMapsView
from gui.inspect.filters_view import FiltersView
from gui.jobs import JobRunner
from gui.main_window import MainWindow, Parts
from gui.mnist import MnistSource
from gui.settings import WindowSettings
from gui.train.controller import TrainingController
from gui.train.controls_view import WINDOW_DEFAULTS, TrainingView
from gui.train.cores import CoreShare
from gui.train.plots_view import TrainingPlotsView
from gui.weights import WeightsController, initial_model

from digit_draw.shipped import SHIPPED_WEIGHTS  # a pathlib.Path: weights/ here, or the installed copy


def create_window(weights_path=None, data_dir=None, *, shipped_path: Path = SHIPPED_WEIGHTS,
                  dialogs: Dialogs | None = None, mnist_data=None,
                  training_defaults: cnn.TrainingConfig = WINDOW_DEFAULTS,
                  settings: WindowSettings | None = None) -> MainWindow:
    """Build the window with its collaborators.

    Args:
        weights_path: weights to start with (a damaged file: the shipped ones, and the reason shown).
        data_dir: the MNIST folder, or None for ``$MNIST_DIR`` then the cache folder.
        shipped_path: the weights that come with the app.
        dialogs: asks for files (tests pass a stand-in that answers at once).
        mnist_data: ``((x_train, y_train), (x_test, y_test))`` to use instead of any folder.
        training_defaults: the settings the training controls start with (before remembered ones).
        settings: what the window remembers (default: the user's settings file).
    """
    active, error = initial_model(weights_path, shipped_path)
    settings = settings or WindowSettings()
    real_dialogs = dialogs is None
    dialogs = dialogs or Dialogs()
    jobs, banner = JobRunner(), Banner()
    mnist = MnistSource(jobs, banner, dialogs, data_dir, mnist_data)
    canvas = DrawingCanvas(pen_width=settings.pen_width(DEFAULT_PEN_WIDTH))
    drawing_tools, prediction_view = DrawingToolsView(canvas.pen_width()), PredictionView()
    predictor = Predictor(active, canvas.network_image)
    training_view, plots = TrainingView(settings.training(training_defaults)), TrainingPlotsView()
    cores = CoreShare()
    canvas.ink_changed.connect(cores.user_busy)  # the user is drawing: training lends a core back
    training = TrainingController(jobs, mnist, active, training_view, plots, banner, cores)
    feature_maps_view, filters_view, evaluation_view = FeatureMapsView(), FiltersView(), EvaluationView()
    picker = TestDigitPicker()
    inspect = InspectController(jobs, mnist, active, predictor, canvas, feature_maps_view, filters_view,
                                evaluation_view, picker, banner, dialogs)
    weights = WeightsController(active, dialogs, banner, shipped_path, settings)
    picture = PictureController(canvas, dialogs, banner, settings)
    window = MainWindow(Parts(active, jobs, mnist, banner, canvas, drawing_tools, predictor, prediction_view, picture,
                              training, training_view, plots, inspect, feature_maps_view, filters_view,
                              evaluation_view, picker, weights, dialogs, settings))
    for owned in (active, jobs, mnist, predictor, training, inspect, weights, picture):
        owned.setParent(window)  # they live as long as the window
    picture.accept_drops_on(window)
    if real_dialogs:
        dialogs.parent = window
    if error:
        banner.show_error(error)
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
