"""Put a real MNIST test digit on the canvas, to compare a drawing with the real thing."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSpinBox, QWidget

from gui import theme

# The box takes any index a person may type; the controller says when it is past the end,
# instead of the box silently turning 99999 into 9999.
INDEX_LIMIT = 999_999


class TestDigitPicker(QWidget):
    """A row of controls: a random test digit, or the one with a chosen index.

    Signals:
        random_requested(): put a random test digit on the canvas.
        index_requested(int): put the test digit with this index on the canvas.
    """

    __test__ = False  # a widget, not a pytest test class

    random_requested = Signal()
    index_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.random_button = QPushButton("Random test digit")
        self.random_button.setToolTip("Put a random MNIST test digit on the canvas (Ctrl+T)")
        self.index_box = QSpinBox()
        self.index_box.setRange(0, INDEX_LIMIT)
        self.index_box.setPrefix("#")
        self.index_box.setToolTip("Index of an MNIST test digit (0 to 9,999)")
        self.show_button = QPushButton("Show")
        self.show_button.setToolTip("Put the test digit with this index on the canvas")
        self.label = QLabel("")
        self.label.setStyleSheet(f"color: {theme.MUTED};")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.random_button)
        row.addWidget(self.index_box)
        row.addWidget(self.show_button)
        row.addWidget(self.label, 1)
        self.random_button.clicked.connect(lambda checked=False: self.random_requested.emit())
        self.show_button.clicked.connect(lambda checked=False: self.index_requested.emit(self.index_box.value()))
        # Enter in the box shows that digit, as the Show button does.
        self.index_box.lineEdit().returnPressed.connect(lambda: self.index_requested.emit(self.index_box.value()))

    def show_digit(self, index: int, label: int) -> None:
        """The canvas now holds test digit ``index``, a ``label``."""
        self.index_box.setValue(index)
        self.label.setText(f"MNIST test digit #{index}: a {label}")

    def show_message(self, text: str) -> None:
        self.label.setText(text)
