"""The row under the canvas: Clear, Undo and the pen's width. A passive view."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QWidget

PEN_STEPS = (0.03, 0.1)  # thinnest and thickest pen, as a fraction of the canvas side


class DrawingToolsView(QWidget):
    """Signals:
        clear_requested(), undo_requested(): the buttons.
        pen_width_changed(float): the slider moved; the width as a fraction of the paper's side.
    """

    clear_requested = Signal()
    undo_requested = Signal()
    pen_width_changed = Signal(float)

    def __init__(self, pen_width: float, parent: QWidget | None = None):
        super().__init__(parent)
        self.clear_button = QPushButton("Clear")
        self.clear_button.setToolTip("Wipe the drawing (Esc or Delete); Undo brings it back")
        self.undo_button = QPushButton("Undo")
        self.undo_button.setToolTip("Take back the last stroke or Clear (Ctrl+Z)")
        self.pen_slider = QSlider(Qt.Horizontal)
        self.pen_slider.setRange(0, 100)
        self.pen_slider.setToolTip("Pen width for the next strokes ([ and ])")
        self.set_pen_width(pen_width)
        pen_label = QLabel("Pen:")
        pen_label.setBuddy(self.pen_slider)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.clear_button)
        row.addWidget(self.undo_button)
        row.addSpacing(12)
        row.addWidget(pen_label)
        row.addWidget(self.pen_slider, 1)
        self.clear_button.clicked.connect(lambda checked=False: self.clear_requested.emit())
        self.undo_button.clicked.connect(lambda checked=False: self.undo_requested.emit())
        self.pen_slider.valueChanged.connect(self._on_slider)

    def set_pen_width(self, width: float) -> None:
        lo, hi = PEN_STEPS
        self.pen_slider.setValue(round(100 * (width - lo) / (hi - lo)))

    def step_pen(self, delta: int) -> None:
        """A thicker (+) or thinner (-) pen, in steps of the slider's 0..100."""
        self.pen_slider.setValue(self.pen_slider.value() + delta)

    def _on_slider(self, value: int) -> None:
        lo, hi = PEN_STEPS
        self.pen_width_changed.emit(lo + (hi - lo) * value / 100)
