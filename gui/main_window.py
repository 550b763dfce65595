"""The main window: draw on the left, see the guess below it, train and watch on the right."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QGroupBox, QHBoxLayout, QLabel, QMainWindow, QPushButton, QSlider,
                               QTabWidget, QVBoxLayout, QWidget)

from gui.banner import Banner
from gui.canvas import DrawingCanvas
from gui.digit_picker import TestDigitPicker
from gui.evaluation_controller import EvaluationController
from gui.evaluation_view import EvaluationView
from gui.feature_maps_view import FeatureMapsView
from gui.filters_view import FiltersView
from gui.inspect_coordinator import InspectCoordinator
from gui.plots import TrainingPlots
from gui.prediction import Predictor
from gui.prediction_view import PredictionView
from gui.training_coordinator import TrainingCoordinator
from gui.training_view import TrainingPanel
from gui.training_worker import TrainingConfig
from gui.weights_actions import WeightsActions

PEN_STEPS = (0.03, 0.1)  # thinnest and thickest pen, as a fraction of the canvas side


class MainWindow(QMainWindow):
    """Args:
        active: the ``ActiveModel`` whose weights make the predictions.
        trainer: a ``TrainingController``; downloader: a ``DownloadController``.
        dialogs: a ``Dialogs`` (or a stand-in answering without modal dialogs).
        shipped_path: the weights file that comes with the app.
        data_dir: the MNIST folder, or None to search the usual places.
        training_defaults: the settings the training controls start with.
        evaluator: an ``EvaluationController`` (default: a new one owned by the window).
    """

    def __init__(self, active, trainer, downloader, dialogs, shipped_path: Path, data_dir=None,
                 training_defaults: TrainingConfig = TrainingConfig(), evaluator=None, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Digit Draw")
        self.active = active
        self.canvas = DrawingCanvas()
        self.prediction_view = PredictionView()
        self.training_panel = TrainingPanel(training_defaults)
        self.plots = TrainingPlots()
        self.banner = Banner()
        self.predictor = Predictor(active, self.canvas.ink, parent=self)
        self.weights = WeightsActions(active, dialogs, self.banner, shipped_path, parent=self)
        self.training = TrainingCoordinator(trainer, downloader, active, self.training_panel, self.plots,
                                            self.banner, dialogs, data_dir, parent=self)
        self.feature_maps_view = FeatureMapsView()
        self.filters_view = FiltersView()
        self.evaluation_view = EvaluationView()
        self.test_digit_picker = TestDigitPicker()
        self.inspect = InspectCoordinator(
            active, self.predictor, self.canvas, self.feature_maps_view, self.filters_view,
            self.evaluation_view, self.test_digit_picker, evaluator or EvaluationController(parent=self),
            self.training, self.banner, dialogs, parent=self)
        self.weights_label = QLabel()
        self._build_layout()
        self._build_actions()
        self._connect()
        self._show_weights()
        self.resize(1280, 800)

    @property
    def latest_result(self):
        """The newest ``Prediction`` (``.digit``, ``.probabilities``), or None for a blank canvas."""
        return self.predictor.latest

    # ----- layout -----------------------------------------------------------------------------
    def _build_layout(self) -> None:
        draw = QGroupBox("Draw a digit")
        draw_layout = QVBoxLayout(draw)
        draw_layout.addWidget(self.canvas, 1)
        draw_layout.addLayout(self._canvas_tools())
        draw_layout.addWidget(self.test_digit_picker)
        guess = QGroupBox("Prediction")
        QVBoxLayout(guess).addWidget(self.prediction_view)
        left = QVBoxLayout()
        left.addWidget(draw, 3)
        left.addWidget(guess, 2)
        columns = QHBoxLayout()
        columns.addLayout(left, 4)
        columns.addWidget(self._build_tabs(), 6)
        central = QWidget()
        outer = QVBoxLayout(central)
        outer.addWidget(self.banner)
        outer.addLayout(columns, 1)
        self.setCentralWidget(central)
        self.statusBar().addWidget(self.weights_label, 1)  # a passing message (an export) covers it briefly

    def _build_tabs(self) -> QTabWidget:
        train = QWidget()
        train_layout = QVBoxLayout(train)
        train_layout.addWidget(self.training_panel)
        train_layout.addWidget(self.plots, 1)
        inside = QWidget()
        inside_layout = QVBoxLayout(inside)
        maps = QGroupBox("Feature maps of the drawing")
        QVBoxLayout(maps).addWidget(self.feature_maps_view)
        filters = QGroupBox("Learned filters")
        QVBoxLayout(filters).addWidget(self.filters_view)
        inside_layout.addWidget(maps, 1)
        inside_layout.addWidget(filters)
        wrong = QWidget()
        QVBoxLayout(wrong).addWidget(self.evaluation_view)
        self.tabs = QTabWidget()
        self.tabs.addTab(train, "Train and watch")
        self.tabs.addTab(inside, "Look inside")
        self.tabs.addTab(wrong, "Where it goes wrong")
        return self.tabs

    def _canvas_tools(self) -> QHBoxLayout:
        self.clear_button = QPushButton("Clear")
        self.clear_button.setToolTip("Wipe the drawing (Esc or Delete)")
        self.undo_button = QPushButton("Undo stroke")
        self.undo_button.setToolTip("Take back the last stroke (Ctrl+Z)")
        self.pen_slider = QSlider(Qt.Horizontal)
        self.pen_slider.setRange(0, 100)
        lo, hi = PEN_STEPS
        self.pen_slider.setValue(round(100 * (self.canvas.pen_width() - lo) / (hi - lo)))
        self.pen_slider.setToolTip("Pen width for the next strokes")
        pen_label = QLabel("Pen:")
        pen_label.setBuddy(self.pen_slider)
        row = QHBoxLayout()
        row.addWidget(self.clear_button)
        row.addWidget(self.undo_button)
        row.addSpacing(12)
        row.addWidget(pen_label)
        row.addWidget(self.pen_slider, 1)
        return row

    def _build_actions(self) -> None:
        menu = self.menuBar()
        file_menu, edit_menu, train_menu = menu.addMenu("&File"), menu.addMenu("&Edit"), menu.addMenu("&Training")
        self.open_action = self._action(file_menu, "&Open weights…", QKeySequence.Open, self.weights.open)
        self.save_action = self._action(file_menu, "&Save weights…", QKeySequence.Save, self.weights.save)
        self.shipped_action = self._action(file_menu, "Use s&hipped weights", "Ctrl+Shift+O",
                                           self.weights.use_shipped)
        self.shipped_action.setEnabled(self.weights.shipped_available())
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", QKeySequence.Quit, self.close)
        self.undo_action = self._action(edit_menu, "&Undo stroke", QKeySequence.Undo, self.canvas.undo)
        self.clear_action = self._action(edit_menu, "&Clear drawing", "Esc", self.canvas.clear)
        self.clear_action.setShortcuts([QKeySequence("Esc"), QKeySequence.Delete])
        self.test_digit_action = self._action(edit_menu, "Put a random &test digit on the canvas", "Ctrl+T",
                                              self.inspect.put_test_digit)
        edit_menu.addSeparator()
        self._action(edit_menu, "&Thicker pen", "]", lambda: self._step_pen(+10))
        self._action(edit_menu, "Thi&nner pen", "[", lambda: self._step_pen(-10))
        self.start_action = self._action(train_menu, "&Start training", "Ctrl+Return", self.training.start)
        self.stop_action = self._action(train_menu, "S&top training", "Ctrl+.", self.training.stop)
        self.evaluate_action = self._action(train_menu, "&Evaluate on the test set", "Ctrl+E",
                                            self._evaluate)
        train_menu.addSeparator()
        self.download_action = self._action(train_menu, "&Download MNIST", None, self.training.download_mnist)
        self._action(train_menu, "Choose MNIST &folder…", None, self.training.choose_mnist_folder)
        self.stop_action.setEnabled(False)

    def _action(self, menu, text, shortcut, slot) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda checked=False: slot())
        menu.addAction(action)
        self.addAction(action)  # shortcuts work while any child has focus
        return action

    # ----- wiring -----------------------------------------------------------------------------
    def _connect(self) -> None:
        self.canvas.ink_changed.connect(self.predictor.schedule)
        self.canvas.stroke_finished.connect(self.predictor.predict_now)
        self.canvas.undone.connect(self.predictor.predict_now)
        self.canvas.cleared.connect(self.predictor.predict_now)
        self.canvas.image_shown.connect(self.predictor.predict_now)
        self.predictor.predicted.connect(self.prediction_view.show_prediction)
        self.clear_button.clicked.connect(self.canvas.clear)
        self.undo_button.clicked.connect(self.canvas.undo)
        self.pen_slider.valueChanged.connect(self._set_pen)
        self.active.changed.connect(self._show_weights)
        self.training.busy_changed.connect(self._set_busy)
        self.inspect.exported.connect(lambda path: self.statusBar().showMessage(f"Saved {path}", 5000))

    def _set_pen(self, value: int) -> None:
        lo, hi = PEN_STEPS
        self.canvas.set_pen_width(lo + (hi - lo) * value / 100)

    def _step_pen(self, delta: int) -> None:
        self.pen_slider.setValue(self.pen_slider.value() + delta)

    def _set_busy(self, busy: bool) -> None:
        # Other weights must not be swapped in under a run that will hand back its own epochs.
        running = self.training.trainer.is_running()
        for action in (self.open_action, self.shipped_action, self.start_action, self.download_action):
            action.setEnabled(not busy)
        self.shipped_action.setEnabled(not busy and self.weights.shipped_available())
        self.stop_action.setEnabled(running)

    def _evaluate(self) -> None:
        self.tabs.setCurrentIndex(2)
        self.inspect.evaluate()

    def _show_weights(self) -> None:
        self.weights_label.setText(self.active.describe())

    def closeEvent(self, event) -> None:
        # A run stops before its next batch, but an epoch's test pass can take a few seconds
        # more: vanish at once, then join the worker threads so nothing outlives the window.
        self.hide()
        self.training.shutdown()
        self.inspect.shutdown()
        super().closeEvent(event)
