"""Training controls (settings, Start/Stop), progress and the per-epoch log. A passive view."""
from __future__ import annotations

import dataclasses
import math

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtGui import QDoubleValidator, QFont, QTextDocument
from PySide6.QtWidgets import (QCheckBox, QComboBox, QGridLayout, QHBoxLayout, QLabel,
                               QPlainTextDocumentLayout, QPlainTextEdit, QProgressBar, QPushButton,
                               QSpinBox, QVBoxLayout, QWidget)

import cnn
from gui import theme

MNIST_TRAIN_SIZE = 60_000
OPTIMIZERS = {"Adam": "adam", "SGD": "sgd"}  # shown name: the recipe's name
SHOWN_OPTIMIZER = {name: shown for shown, name in OPTIMIZERS.items()}
# What Start trains with unless the user changes it: 3 epochs of the whole set, augmented, on
# every core (the window lends one back to the user while they draw: gui/train/cores.py).
WINDOW_DEFAULTS = cnn.TrainingConfig(epochs=3, augment=True)

BATCH_SIZES = (16, 32, 64, 128, 256)
LEARNING_RATES = ("0.0001", "0.0003", "0.001", "0.002", "0.003", "0.01", "0.03", "0.05", "0.1")
LOG_LINES = 5  # the run's settings, three epochs and the outcome: a default run, whole


class TrainingView(QWidget):
    """Signals:
        start_requested(): Start was pressed (``config()`` and ``from_scratch()`` say what to run).
        stop_requested(): Stop was pressed.
    """

    start_requested = Signal()
    stop_requested = Signal()

    def __init__(self, defaults: cnn.TrainingConfig = WINDOW_DEFAULTS, parent: QWidget | None = None):
        super().__init__(parent)
        self._defaults = defaults
        self._make_controls()
        self.start_button = QPushButton("Start training")
        self.stop_button = QPushButton("Stop")
        self.progress_bar = QProgressBar()
        self.progress_label = QLabel("Not started")
        self.log = QPlainTextEdit()
        self._layout()
        self.start_button.clicked.connect(lambda checked=False: self.start_requested.emit())
        self.stop_button.clicked.connect(self.stop_requested.emit)
        self.optimizer_box.currentTextChanged.connect(self._suggest_learning_rate)
        self.set_config(defaults)
        self.set_running(False)

    def _make_controls(self) -> None:
        self.epochs_box = QSpinBox(minimum=1, maximum=100)
        self.batch_box = QComboBox()
        self.batch_box.addItems([str(b) for b in BATCH_SIZES])
        self.lr_box = QComboBox(editable=True)
        self.lr_box.addItems(LEARNING_RATES)
        self.lr_box.setValidator(QDoubleValidator(1e-6, 10.0, 6))
        self.optimizer_box = QComboBox()
        self.optimizer_box.addItems(list(OPTIMIZERS))
        self.optimizer_box.setToolTip("Adam, or SGD with momentum 0.9")
        self.size_box = QSpinBox(minimum=64, maximum=MNIST_TRAIN_SIZE, singleStep=1000)
        self.size_box.setGroupSeparatorShown(True)
        self.size_box.setToolTip("A random subset of the 60,000 MNIST training images")
        self.augment_box = QCheckBox("Augment (shift, rotate, scale, stroke)")
        self.augment_box.setToolTip("Random distortions, slashed zeros MNIST lacks, and made-up non-digits: "
                                    "the network reads people's digits better and learns to say \"not sure\"")
        self.scratch_box = QCheckBox("Start from a fresh network")
        self.scratch_box.setToolTip("Otherwise training continues from the weights in use")

    def _layout(self) -> None:
        grid = QGridLayout()
        pairs = [("Epochs", self.epochs_box), ("Batch size", self.batch_box),
                 ("Learning rate", self.lr_box), ("Optimizer", self.optimizer_box),
                 ("Training images", self.size_box)]
        for i, (text, widget) in enumerate(pairs):
            label = QLabel(text + ":")
            label.setBuddy(widget)
            grid.addWidget(label, i // 2, 2 * (i % 2))
            grid.addWidget(widget, i // 2, 2 * (i % 2) + 1)
        grid.addWidget(self.augment_box, 2, 2, 1, 2)
        grid.addWidget(self.scratch_box, 3, 2, 1, 2)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        buttons = QHBoxLayout()
        self.start_button.setDefault(True)
        self.start_button.setToolTip("Train a copy of the weights in use (Ctrl+Return)")
        self.stop_button.setToolTip("Stop after the current batch (Ctrl+.)")
        buttons.addWidget(self.start_button, 2)
        buttons.addWidget(self.stop_button, 1)
        self.progress_label.setStyleSheet(f"color: {theme.MUTED};")
        self.progress_bar.setTextVisible(True)
        self.log.setReadOnly(True)
        self.log.setMaximumBlockCount(500)
        self.log.setPlaceholderText("One line per epoch appears here.")
        self.log.installEventFilter(self)  # its font or style changes: fit the height again
        self._fit_log_height()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(grid)
        layout.addLayout(buttons)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.progress_label)
        layout.addWidget(self.log)

    def _fit_log_height(self) -> None:
        """Exactly ``LOG_LINES`` lines tall, so no line shows cut in half at the top or the bottom."""
        margins = self.log.contentsMargins()  # the frame
        text = 2 * self.log.document().documentMargin() + LOG_LINES * line_height(self.log.font())
        # + 1: scrolled to the end, QPlainTextEdit counts a line as fitting only with a pixel to spare.
        self.log.setFixedHeight(math.ceil(text) + 1 + margins.top() + margins.bottom())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.log and event.type() in (QEvent.FontChange, QEvent.StyleChange):
            self._fit_log_height()
        return super().eventFilter(watched, event)

    # ----- settings ---------------------------------------------------------------------------
    def config(self) -> cnn.TrainingConfig:
        """The settings shown now (hidden ones, like the test-set size, kept from the defaults).

        An empty or unreadable learning rate means the optimizer's default, and the field says so.
        """
        optimizer = OPTIMIZERS[self.optimizer_box.currentText()]
        try:
            lr = float(self.lr_box.currentText())
        except ValueError:
            lr = cnn.DEFAULT_LR[optimizer]
            self.lr_box.setCurrentText(f"{lr:g}")
        size = self.size_box.value()
        return dataclasses.replace(
            self._defaults, epochs=self.epochs_box.value(), batch_size=int(self.batch_box.currentText()),
            lr=lr, optimizer=optimizer, augment=self.augment_box.isChecked(),
            train_size=None if size >= MNIST_TRAIN_SIZE else size)

    def from_scratch(self) -> bool:
        """Whether to train a fresh network instead of the weights in use."""
        return self.scratch_box.isChecked()

    def set_config(self, config: cnn.TrainingConfig, from_scratch: bool = False) -> None:
        self._defaults = config
        self.epochs_box.setValue(config.epochs)
        self.batch_box.setCurrentText(str(config.batch_size))
        self.optimizer_box.blockSignals(True)
        self.optimizer_box.setCurrentText(SHOWN_OPTIMIZER[config.optimizer.lower()])
        self.optimizer_box.blockSignals(False)
        self.lr_box.setCurrentText(f"{config.learning_rate:g}")
        self.size_box.setValue(config.train_size or MNIST_TRAIN_SIZE)
        self.augment_box.setChecked(config.augment)
        self.scratch_box.setChecked(from_scratch)

    def _suggest_learning_rate(self, optimizer: str) -> None:
        self.lr_box.setCurrentText(f"{cnn.DEFAULT_LR[OPTIMIZERS[optimizer]]:g}")

    # ----- run state --------------------------------------------------------------------------
    def set_running(self, running: bool) -> None:
        self.start_button.setEnabled(not running)
        self.stop_button.setEnabled(running)
        for widget in (self.epochs_box, self.batch_box, self.lr_box, self.optimizer_box,
                       self.size_box, self.augment_box, self.scratch_box):
            widget.setEnabled(not running)

    def reset_progress(self) -> None:
        self.progress_bar.setRange(0, 0)  # busy until the first batch says how much there is
        self.progress_label.setText("Starting…")

    def show_status(self, text: str) -> None:
        self.progress_label.setText(text)

    def show_batch(self, info) -> None:
        """Progress from a ``cnn.BatchInfo``: bar, speed and time left."""
        if self.progress_bar.maximum() != info.total:
            self.progress_bar.setRange(0, info.total)
        self.progress_bar.setValue(info.seen)
        left = (info.total - info.seen) / info.images_per_sec if info.images_per_sec > 0 else 0.0
        self.progress_label.setText(
            f"Epoch {info.epoch}/{info.epochs} · batch {info.batch}/{info.batches} · "
            f"{info.images_per_sec:,.0f} images/s · {_clock(left)} left · loss {info.loss:.3f}")

    def finish_progress(self, text: str) -> None:
        if self.progress_bar.maximum() == 0:
            self.progress_bar.setRange(0, 1)
        self.progress_label.setText(text)

    def append_log(self, line: str) -> None:
        self.log.appendPlainText(line)


def line_height(font: QFont) -> float:
    """The height of one line of a ``QPlainTextEdit`` in ``font``, as its layout rounds it."""
    document = QTextDocument()
    document.setDocumentLayout(QPlainTextDocumentLayout(document))
    document.setDefaultFont(font)
    document.setPlainText("first\nmiddle\nlast")  # the middle block has no document margin
    return document.documentLayout().blockBoundingRect(document.findBlockByNumber(1)).height()


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def epoch_line(info) -> str:
    """The log line for one ``cnn.EpochInfo``."""
    line = (f"Epoch {info.epoch}/{info.epochs}: train loss {info.loss:.4f}, "
            f"accuracy {info.accuracy:.2%}")
    if info.val_loss is not None:
        line += f" · test loss {info.val_loss:.4f}, accuracy {info.val_accuracy:.2%}"
    return line + f" · {info.images_per_sec:,.0f} images/s · {_clock(info.elapsed)} elapsed"
