"""The main window: lays out the parts ``create_window`` made and builds the menus; nothing more.
Draw on the left, the guess below it; train, look inside and see where it goes wrong on the right.
"""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QAbstractSpinBox, QApplication, QComboBox, QFrame, QGroupBox, QLabel,
                               QLineEdit, QMainWindow, QPlainTextEdit, QScrollArea, QSplitter, QTabWidget,
                               QVBoxLayout, QWidget)

from gui import help as help_texts
from gui.settings import keep_on_screen, restore_window

PREFERRED_SIZE = QSize(1280, 800)
TYPING = (QLineEdit, QAbstractSpinBox, QComboBox, QPlainTextEdit)  # where Esc must not wipe the drawing


@dataclass
class Parts:
    """Everything the window shows or drives, made and wired by ``gui.application.create_window``."""
    active: object  # ActiveModel: the weights in use
    jobs: object  # JobRunner: all background work
    mnist: object  # MnistSource
    banner: object  # Banner: the one message strip
    canvas: object  # draw/: DrawingCanvas
    drawing_tools: object  # draw/: DrawingToolsView (Clear, Undo, pen)
    predictor: object  # draw/: Predictor
    prediction_view: object  # draw/: PredictionView
    picture: object  # draw/: PictureController (Open picture…, pictures dropped on the window)
    training: object  # train/: TrainingController
    training_view: object  # train/: TrainingView
    plots: object  # train/: TrainingPlotsView
    inspect: object  # inspect/: InspectController
    feature_maps_view: object  # inspect/: the views, then the digit picker
    filters_view: object
    evaluation_view: object
    test_digit_picker: object
    weights: object  # WeightsController
    dialogs: object  # Dialogs: questions to the user
    settings: object  # WindowSettings: what the window remembers


class MainWindow(QMainWindow):
    """``parts``: the ``Parts`` to lay out; each is also an attribute of the window (``window.canvas``)."""

    def __init__(self, parts: Parts, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Digit Draw")
        self.parts = parts
        for name, part in vars(parts).items():
            setattr(self, name, part)
        self.weights_label = QLabel()
        tools = self.drawing_tools
        self.clear_button, self.undo_button, self.pen_slider = tools.clear_button, tools.undo_button, tools.pen_slider
        self._build_layout()
        self._build_actions()
        self._connect()
        self._show_weights()
        self._update_commands()
        self._restore()

    @property
    def latest_result(self):
        """The newest ``Prediction`` (``.digit``, ``.probabilities``, ``.unsure``), or None when blank."""
        return self.predictor.latest

    # ----- layout -----------------------------------------------------------------------------
    def _build_layout(self) -> None:
        draw = QGroupBox("Draw a digit")
        draw_layout = QVBoxLayout(draw)
        draw_layout.addWidget(self.canvas, 1)
        draw_layout.addWidget(self.drawing_tools)
        draw_layout.addWidget(self.test_digit_picker)
        guess = QGroupBox("Prediction")
        QVBoxLayout(guess).addWidget(self.prediction_view)
        self.left_splitter = QSplitter(Qt.Vertical)
        self.left_splitter.addWidget(draw)
        self.left_splitter.addWidget(guess)
        for index, stretch in enumerate((3, 2)):
            self.left_splitter.setStretchFactor(index, stretch)
        right = QWidget()
        QVBoxLayout(right).addWidget(self._build_tabs())
        right.layout().setContentsMargins(0, 0, 0, 0)
        self.banner.float_over(right)  # over the tabs: the canvas is never covered or moved
        self.splitter = QSplitter(Qt.Horizontal)
        self.splitter.addWidget(_scrolling(self.left_splitter))
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 4)
        self.splitter.setStretchFactor(1, 6)
        self.splitter.setChildrenCollapsible(False)
        self.left_splitter.setChildrenCollapsible(False)
        self.setCentralWidget(self.splitter)
        self.statusBar().addWidget(self.weights_label, 1)  # a passing message (an export) covers it briefly

    def _build_tabs(self) -> QTabWidget:
        train = QWidget()
        train_layout = QVBoxLayout(train)
        train_layout.addWidget(self.training_view)
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
        for page, title in ((train, "Train and watch"), (inside, "Look inside"), (wrong, "Where it goes wrong")):
            page.layout().setContentsMargins(2, 2, 2, 2)  # room for the views at 1280 x 720
            self.tabs.addTab(_scrolling(page), title)
        return self.tabs

    def _build_actions(self) -> None:
        menu = self.menuBar()
        file_menu, edit_menu, train_menu = menu.addMenu("&File"), menu.addMenu("&Edit"), menu.addMenu("&Training")
        self.open_action = self._action(file_menu, "&Open weights…", QKeySequence.Open, self.weights.open)
        self.save_action = self._action(file_menu, "&Save weights…", QKeySequence.Save, self.weights.save)
        self.shipped_action = self._action(file_menu, "Use s&hipped weights", "Ctrl+Shift+O",
                                           self.weights.use_shipped)
        self.picture_action = self._action(file_menu, "Open &picture…", "Ctrl+Shift+P", self.picture.open)
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", QKeySequence.Quit, self.close)
        self.undo_action = self._action(edit_menu, "&Undo stroke", QKeySequence.Undo, self.canvas.undo)
        self.clear_action = self._action(edit_menu, "&Clear drawing", "Esc", self._clear_unless_typing)
        self.clear_action.setShortcuts([QKeySequence("Esc"), QKeySequence.Delete])
        self.test_digit_action = self._action(edit_menu, "Put a random &test digit on the canvas", "Ctrl+T",
                                              self.inspect.put_test_digit)
        edit_menu.addSeparator()
        self._action(edit_menu, "&Thicker pen", "]", lambda: self.drawing_tools.step_pen(+10))
        self._action(edit_menu, "Thi&nner pen", "[", lambda: self.drawing_tools.step_pen(-10))
        self.start_action = self._action(train_menu, "&Start training", "Ctrl+Return", self.training.start)
        self.stop_action = self._action(train_menu, "S&top training", "Ctrl+.", self.training.stop)
        self.evaluate_action = self._action(train_menu, "&Evaluate on the test set", "Ctrl+E",
                                            self._evaluate)
        train_menu.addSeparator()
        self.download_action = self._action(train_menu, "&Download MNIST", None, self.mnist.download)
        self._action(train_menu, "Choose MNIST &folder…", None, self.mnist.choose_folder)
        help_menu = menu.addMenu("&Help")
        self.shortcuts_action = self._action(help_menu, "&Keyboard shortcuts", QKeySequence.HelpContents,
                                             self.show_shortcuts)
        self.about_action = self._action(help_menu, "&About Digit Draw", None, self.show_about)

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
        for changed in (self.canvas.stroke_finished, self.canvas.undone, self.canvas.cleared,
                        self.canvas.image_shown):
            changed.connect(self.predictor.predict_now)
        self.predictor.predicted.connect(self.prediction_view.show_prediction)
        self.drawing_tools.clear_requested.connect(self.canvas.clear)
        self.drawing_tools.undo_requested.connect(self.canvas.undo)
        self.drawing_tools.pen_width_changed.connect(self.canvas.set_pen_width)
        self.active.changed.connect(self._show_weights)
        self.jobs.running_changed.connect(self._update_commands)
        self.inspect.exported.connect(lambda path: self.statusBar().showMessage(f"Saved {path}", 5000))

    def _clear_unless_typing(self) -> None:
        if isinstance(QApplication.focusWidget(), TYPING):
            self.canvas.setFocus()  # Esc leaves the field; the drawing stays
        else:
            self.canvas.clear()

    def show_shortcuts(self) -> None:
        self.dialogs.show_text("Keyboard shortcuts", help_texts.shortcuts_text(self.actions()))

    def show_about(self) -> None:
        self.dialogs.show_text("About Digit Draw", help_texts.about_text(self.active))

    def _update_commands(self) -> None:
        # Other weights must not be swapped in under a run that will hand back its own epochs,
        # and nothing may train while MNIST is still arriving.
        training, downloading = self.training.is_running(), self.mnist.downloading
        idle = not (training or downloading)
        for command in (self.open_action, self.start_action, self.download_action, self.training_view.start_button):
            command.setEnabled(idle)
        self.shipped_action.setEnabled(idle and self.weights.shipped_available())
        self.stop_action.setEnabled(training)

    def _evaluate(self) -> None:
        self.tabs.setCurrentIndex(2)
        self.inspect.evaluate()

    def _show_weights(self) -> None:
        self.weights_label.setText(self.active.describe())

    # ----- size, memory and quitting -----------------------------------------------------------
    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not getattr(self, "_placed", False):
            self._placed = True
            # The window manager adds its frame only once the window is mapped: check then,
            # unless the window was resized meanwhile (by the user, or a script).
            size = self.size()
            QTimer.singleShot(300, self, lambda: keep_on_screen(self) if self.size() == size else None)

    def _restore(self) -> None:
        self.splitter.setSizes([4000, 6000])  # 4:6 of whatever width there is, and the paper first,
        self.left_splitter.setSizes([6500, 3500])  # unless remembered
        restore_window(self, self.settings, PREFERRED_SIZE, {"main": self.splitter, "left": self.left_splitter})

    def _may_close(self) -> bool:
        running = [what for what, busy in (("training", self.training.is_running()),
                                            ("the MNIST download", self.mnist.downloading)) if busy]
        if running and not self.dialogs.confirm_quit(" and ".join(running)):
            return False
        if self.active.unsaved and not self.training.is_running():
            answer = self.dialogs.ask_save_before_quit(
                f"The weights in use ({self.active.source}) were trained here and are not saved.")
            return answer == "discard" or (answer == "save" and self.weights.save())
        return True

    def closeEvent(self, event) -> None:
        if not self._may_close():
            event.ignore()
            return
        self.settings.save_window(self.saveGeometry(), {"main": self.splitter.saveState(),
                                                        "left": self.left_splitter.saveState()})
        self.settings.set_pen_width(self.canvas.pen_width())
        self.settings.set_training(self.training_view.config())
        self.settings.sync()
        # A run stops before its next batch, but an epoch's test pass can take a few seconds
        # more: vanish at once, then join the worker threads so nothing outlives the window.
        self.hide()
        self.jobs.shutdown()
        super().closeEvent(event)


def _scrolling(widget: QWidget) -> QScrollArea:
    """``widget`` in a frameless scroll area: it can be squeezed below its minimum size and stay reachable."""
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.NoFrame)
    return area
