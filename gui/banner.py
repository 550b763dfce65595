"""A message strip at the top of the window: errors and offers, without a modal dialog.

The window has one banner, and everything that reports to the user through it is handed it.
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QProgressBar, QPushButton, QSizePolicy

from gui import theme


class Banner(QFrame):
    """Shows one message at a time, with optional action buttons and a progress bar.

    Signals:
        dismissed(): the user closed the banner.
    """

    dismissed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("banner")
        self.kind = ""
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.label.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Preferred)
        self.progress = QProgressBar()
        self.progress.setFixedWidth(200)
        self.progress.hide()
        self._close = QPushButton("✕")
        self._close.setFlat(True)
        self._close.setFixedWidth(28)
        self._close.setToolTip("Dismiss")
        self._close.clicked.connect(self.dismiss)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(10, 6, 6, 6)
        self._layout.addWidget(self.label)
        self._layout.addWidget(self.progress)
        self._buttons: list[QPushButton] = []
        self._layout.addWidget(self._close)
        self.hide()

    def float_over(self, host) -> None:
        """Lie over the top of ``host`` instead of taking a place in a layout: the layout under
        it never jumps when a message comes or goes."""
        self.setParent(host)
        self.setAutoFillBackground(True)
        self._host = host
        host.installEventFilter(self)
        self._place()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is getattr(self, "_host", None) and event.type() == QEvent.Resize:
            self._place()
        return False

    def _place(self) -> None:
        host = getattr(self, "_host", None)
        if host is None:
            return
        width = max(1, host.width() - 8)
        height = self.heightForWidth(width) if self.hasHeightForWidth() else self.sizeHint().height()
        self.setGeometry(4, 4, width, max(height, self.sizeHint().height()))
        self.raise_()

    @property
    def text(self) -> str:
        return self.label.text()

    @property
    def buttons(self) -> list[QPushButton]:
        return list(self._buttons)

    def show_error(self, text: str, actions: list[tuple[str, Callable[[], None]]] = ()) -> None:
        self._show("error", text, theme.ERROR_BG, theme.ERROR_FG, actions)

    def show_notice(self, text: str, actions: list[tuple[str, Callable[[], None]]] = ()) -> None:
        self._show("notice", text, theme.NOTICE_BG, theme.NOTICE_FG, actions)

    def set_progress(self, done: int, total: int | None) -> None:
        """Show a progress bar (``total`` None: busy indicator)."""
        self.progress.setRange(0, total or 0)
        if total:
            self.progress.setValue(min(done, total))
        self.progress.show()

    def update_progress(self, text: str, done: int, total: int | None) -> None:
        """New words and progress for the message shown (a download's), keeping its buttons."""
        self.label.setText(text)
        self.set_progress(done, total)
        self._place()

    def dismiss(self) -> None:
        self.hide()
        self.kind = ""
        self.dismissed.emit()

    def _show(self, kind, text, background, foreground, actions) -> None:
        self.kind = kind
        self.setStyleSheet(f"#banner {{ background: {background}; border: 1px solid {foreground};"
                           f" border-radius: 4px; }} #banner QLabel {{ color: {foreground}; }}")
        self.label.setText(text)
        self.progress.hide()
        for button in self._buttons:
            self._layout.removeWidget(button)
            button.deleteLater()
        self._buttons = []
        for caption, callback in actions:
            button = QPushButton(caption)
            button.clicked.connect(callback)
            self._layout.insertWidget(self._layout.count() - 1, button)
            self._buttons.append(button)
        self.show()
        self._place()
