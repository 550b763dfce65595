"""Shows a guess: the digit large, its confidence, the ten probabilities and the network's 28x28 input."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QImage, QPixmap
from PySide6.QtWidgets import QGridLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from gui import theme

PREVIEW_SIZE = 112  # 28 x 4: whole pixels, nearest-neighbour
NO_GUESS = "?"  # in a light grey: a big bold dash read as a black bar
UNSURE = "not sure"  # in place of the digit when the network can't read the drawing
UNSURE_LINE = "Not a digit? Best guess {digit}, {confidence:.0%}"
EMPTY_PREVIEW = "Your drawing\nappears here,\n28×28 pixels"
BARS_HINT = "The ten probabilities appear as you draw"
# The empty states are light and say what will appear; the filled ones are the real thing.
EMPTY_DIGIT_STYLE = "color: #c3c8d0;"
UNSURE_STYLE = f"color: {theme.MUTED}; font-size: 22pt;"  # words, smaller than a digit
EMPTY_PREVIEW_STYLE = f"background: #f4f5f7; color: {theme.MUTED}; border: 1px dashed #b8bec8;"
PREVIEW_STYLE = "background: black; border: 1px solid #999;"


class PredictionView(QWidget):
    """A passive view: ``show_prediction(prediction_or_None)`` is its only input."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        theme.configure_pyqtgraph()
        self.digit_label = QLabel(NO_GUESS)
        self.confidence_label = QLabel("Draw a digit")
        self.preview_label = QLabel()
        self._build_labels()
        self.bars, self._plot = self._build_bars()
        self._probabilities = np.zeros(10, np.float32)
        self._empty = None  # which state the styles show (restyling costs a re-polish per call)
        # Opaque: a repaint of the guess then stops here instead of repainting the panels behind it.
        self.setAutoFillBackground(True)

        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        guess = QVBoxLayout()
        guess.addWidget(self.digit_label)
        guess.addWidget(self.confidence_label)
        layout.addLayout(guess, 0, 0)
        preview = QVBoxLayout()
        preview.addWidget(self.preview_label, 0, Qt.AlignHCenter)
        caption = QLabel("What the network sees")
        caption.setStyleSheet(f"color: {theme.MUTED};")
        preview.addWidget(caption, 0, Qt.AlignHCenter)
        layout.addLayout(preview, 0, 1)
        layout.addWidget(self._plot, 1, 0, 1, 2)
        layout.setRowStretch(1, 1)
        self.show_prediction(None)

    @property
    def probabilities(self) -> np.ndarray:
        """The ten bar heights shown now."""
        return self._probabilities.copy()

    def _build_labels(self) -> None:
        font = QFont(self.font())
        font.setPointSize(64)
        font.setBold(True)
        self.digit_label.setFont(font)
        self.digit_label.setAlignment(Qt.AlignCenter)
        self.digit_label.setMinimumWidth(110)
        self.digit_label.setAccessibleName("Predicted digit")
        # The guess changes on every pen move: if its texts' sizes reached the layout, each change
        # would re-lay out the window (the canvas resized under the pen, ~1 move in 7) and cost
        # the live guess several milliseconds. So the labels' sizes never depend on their text.
        self.digit_label.setFixedHeight(self.digit_label.sizeHint().height())
        self.digit_label.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
        self.confidence_label.setFixedHeight(self.confidence_label.sizeHint().height())
        self.confidence_label.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
        # Room for the longest text it ever shows, reserved once: never clipped, never re-laid out.
        longest = UNSURE_LINE.format(digit=8, confidence=1.0)
        self.confidence_label.setMinimumWidth(self.confidence_label.fontMetrics().horizontalAdvance(longest) + 8)
        self.confidence_label.setAlignment(Qt.AlignCenter)
        self.preview_label.setFixedSize(PREVIEW_SIZE, PREVIEW_SIZE)
        self.preview_label.setAlignment(Qt.AlignCenter)
        self.preview_label.setToolTip("The 28x28 image given to the network, scaled up")

    def _build_bars(self):
        plot_widget = pg.PlotWidget()
        plot = plot_widget.getPlotItem()
        theme.style_plot(plot, "", "probability", "digit")
        plot.setTitle(None)
        plot.setMouseEnabled(x=False, y=False)
        plot.setXRange(-0.6, 9.6, padding=0)
        plot.setYRange(0, 1.06, padding=0)
        plot.getAxis("bottom").setTicks([[(i, str(i)) for i in range(10)]])
        plot.getAxis("left").setTicks([[(v, f"{v:.0%}") for v in (0, 0.25, 0.5, 0.75, 1.0)]])
        plot_widget.setMinimumHeight(100)
        bars = pg.BarGraphItem(x=np.arange(10), height=np.zeros(10), width=0.7,
                               brushes=[theme.ACCENT_SOFT] * 10, pen=None)
        plot.addItem(bars)
        self.bars_hint = theme.plot_hint(plot, BARS_HINT)
        self.bars_hint.setPos(4.5, 0.53)
        return bars, plot_widget

    def show_prediction(self, prediction) -> None:
        unsure = prediction is not None and prediction.unsure
        self._show_state(empty=prediction is None, unsure=unsure)
        if prediction is None:
            self._probabilities = np.zeros(10, np.float32)
            self.digit_label.setText(NO_GUESS)
            self.confidence_label.setText("Draw a digit")
            self.preview_label.setText(EMPTY_PREVIEW)  # also drops the last drawing's pixmap
            brushes = [theme.ACCENT_SOFT] * 10
        else:
            self._probabilities = np.asarray(prediction.probabilities, np.float32).copy()
            self.digit_label.setText(UNSURE if unsure else str(prediction.digit))
            self.confidence_label.setText(
                UNSURE_LINE.format(digit=prediction.digit, confidence=prediction.confidence) if unsure
                else f"{prediction.confidence:.0%} confident")
            self.preview_label.setPixmap(_pixmap(prediction.image))
            top = theme.ACCENT_SOFT if unsure else theme.ACCENT
            brushes = [top if i == prediction.digit else theme.ACCENT_SOFT for i in range(10)]
        self.bars.setOpts(height=self._probabilities, brushes=brushes)

    def _show_state(self, empty: bool, unsure: bool = False) -> None:
        state = (empty, unsure)
        if state != self._empty:
            self._empty = state
            self.digit_label.setStyleSheet(EMPTY_DIGIT_STYLE if empty else UNSURE_STYLE if unsure else "")
            self.preview_label.setStyleSheet(EMPTY_PREVIEW_STYLE if empty else PREVIEW_STYLE)
            self.bars_hint.setVisible(empty)
            self.digit_label.setAccessibleName("Not sure: not a digit?" if unsure else "Predicted digit")


def _pixmap(image: np.ndarray) -> QPixmap:
    pixels = np.ascontiguousarray(np.clip(image, 0, 1) * 255, dtype=np.uint8)
    qimage = QImage(pixels.data, 28, 28, 28, QImage.Format_Grayscale8).copy()  # own the bytes
    return QPixmap.fromImage(qimage.scaled(PREVIEW_SIZE, PREVIEW_SIZE, Qt.IgnoreAspectRatio,
                                           Qt.FastTransformation))
