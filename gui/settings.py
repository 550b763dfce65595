"""What the window remembers between runs (QSettings): its size and splitters, the pen, the
training settings and the folders last used. A missing or odd value falls back to the default.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

from PySide6.QtCore import QByteArray, QRect, QSettings, QSize, QStandardPaths
from PySide6.QtGui import QGuiApplication

import cnn

ORGANIZATION = APPLICATION = "Digit Draw"
TRAINING_KEYS = ("epochs", "batch_size", "lr", "optimizer", "train_size", "augment")
SCREEN_SHARE = 0.92  # of the available screen, when that is smaller than the preferred size


def default_settings() -> QSettings:
    """The user's settings file (``~/.config/Digit Draw/Digit Draw.conf`` on Linux)."""
    return QSettings(QSettings.IniFormat, QSettings.UserScope, ORGANIZATION, APPLICATION)


def scratch_settings(folder) -> "WindowSettings":
    """Settings kept in ``folder`` (a script's or a test's), never the user's."""
    return WindowSettings(QSettings(str(Path(folder) / "settings.ini"), QSettings.IniFormat))


def documents_folder() -> Path:
    """Where files are saved before the user has chosen a folder: their documents (or home)."""
    found = QStandardPaths.writableLocation(QStandardPaths.DocumentsLocation)
    return Path(found) if found and Path(found).is_dir() else Path.home()


def restore_window(window, settings, preferred: QSize, splitters: dict) -> None:
    """Open at the size last used if it fits a screen now, else at a size that fits this one."""
    saved = settings.geometry()
    if saved is None or not window.restoreGeometry(saved) or not on_a_screen(window.frameGeometry()):
        fit_to_screen(window, preferred)
    for name, splitter in splitters.items():
        state = settings.splitter(name)
        if state is not None:
            splitter.restoreState(state)


def fit_to_screen(window, preferred: QSize) -> None:
    """Size ``window`` to ``preferred``, or to most of its screen when that is smaller; centre it."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    available = screen.availableGeometry() if screen else QRect(0, 0, preferred.width(), preferred.height())
    size = preferred.boundedTo(QSize(int(available.width() * SCREEN_SHARE),
                                     int(available.height() * SCREEN_SHARE)))
    window.resize(size.expandedTo(window.minimumSizeHint()).boundedTo(available.size()))
    frame = window.frameGeometry()
    frame.moveCenter(available.center())
    window.move(frame.topLeft())


def keep_on_screen(window) -> None:
    """Move (and if need be shrink) ``window`` so that its frame, title bar included, is on its screen."""
    screen = window.screen()
    if screen is None or window.isMaximized() or window.isFullScreen():
        return
    available, frame = screen.availableGeometry(), window.frameGeometry()
    if available.contains(frame):
        return
    extra = QSize(frame.width() - window.width(), frame.height() - window.height())  # the decorations
    window.resize(window.size().boundedTo(available.size() - extra).expandedTo(window.minimumSize()))
    frame = window.frameGeometry()
    x = min(max(frame.left(), available.left()), available.right() - frame.width() + 1)
    y = min(max(frame.top(), available.top()), available.bottom() - frame.height() + 1)
    window.move(x, y)


def on_a_screen(frame: QRect) -> bool:
    """Whether ``frame`` lies wholly on one of the screens there are now."""
    return any(screen.availableGeometry().contains(frame) for screen in QGuiApplication.screens())


class WindowSettings:
    """Typed access to one ``QSettings`` store (tests pass one in a temporary folder)."""

    def __init__(self, store: QSettings | None = None):
        self.store = store if store is not None else default_settings()

    def __repr__(self) -> str:
        return f"WindowSettings({self.store.fileName()!r})"

    # ----- the window -------------------------------------------------------------------------
    def geometry(self) -> QByteArray | None:
        value = self.store.value("window/geometry")
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def splitter(self, name: str) -> QByteArray | None:
        value = self.store.value(f"window/splitter/{name}")
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def save_window(self, geometry: QByteArray, splitters: dict[str, QByteArray]) -> None:
        self.store.setValue("window/geometry", geometry)
        for name, state in splitters.items():
            self.store.setValue(f"window/splitter/{name}", state)

    # ----- the pen and the training controls --------------------------------------------------
    def pen_width(self, default: float) -> float:
        value = _number(self.store.value("draw/pen_width"), float)
        return default if value is None or not 0.01 <= value <= 0.2 else value

    def set_pen_width(self, width: float) -> None:
        self.store.setValue("draw/pen_width", float(width))

    def training(self, defaults: cnn.TrainingConfig) -> cnn.TrainingConfig:
        """The remembered training settings on top of ``defaults``; any bad value is dropped."""
        config = defaults
        for key in TRAINING_KEYS:
            raw = self.store.value(f"training/{key}")
            if raw is None:
                continue
            value = _typed(key, raw, getattr(defaults, key))
            try:
                config = dataclasses.replace(config, **{key: value})
            except (TypeError, ValueError):
                continue  # a hand-edited or old value the recipe refuses
        return config

    def set_training(self, config: cnn.TrainingConfig) -> None:
        for key in TRAINING_KEYS:
            value = getattr(config, key)
            self.store.setValue(f"training/{key}", "" if value is None else value)

    # ----- folders ----------------------------------------------------------------------------
    def folder(self, purpose: str) -> Path:
        """The folder last used to open or save ``purpose`` files, else the documents folder."""
        value = self.store.value(f"folders/{purpose}")
        return Path(value) if isinstance(value, str) and value and Path(value).is_dir() else documents_folder()

    def set_folder(self, purpose: str, folder: Path) -> None:
        self.store.setValue(f"folders/{purpose}", str(folder))

    def sync(self) -> None:
        self.store.sync()


def _typed(key: str, raw, default):
    """``raw`` as QSettings read it back (often a string) in the type of the setting."""
    if key == "optimizer":
        return str(raw)
    if key == "augment":
        return raw if isinstance(raw, bool) else str(raw).lower() == "true"
    if key in ("lr", "train_size") and raw in ("", None):
        return None
    return _number(raw, float if key == "lr" else int)


def _number(raw, kind):
    try:
        return kind(raw)
    except (TypeError, ValueError):
        return None
