"""Fixtures for the window tests: offscreen Qt, a window with stand-in dialogs, drawing helpers."""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before anything imports Qt

import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

import cnn
from gui.application import SHIPPED_WEIGHTS, create_window
from gui.draw.canvas import DrawingCanvas
from gui.settings import WindowSettings
from tests import synthetic_mnist
from tools.mouse import draw_stroke

# The session's QApplication, made while collecting, before any test runs: a test elsewhere that
# made a bare QGuiApplication first would leave these tests no way to create a widget.
QAPP = QApplication.instance() or QApplication([])

HERE = Path(__file__).parent
# The offscreen platform has no window manager to pass size hints to and says so; harmless.
OFFSCREEN_NOISE = r"This plugin does not support propagateSizeHints\(\)"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.qt_log_ignore(OFFSCREEN_NOISE, extend=True))


# Small runs: a few hundred images, tested on 500, so a test trains in about a second.
SMALL_RUN = cnn.TrainingConfig(epochs=2, batch_size=64, train_size=512, test_size=500, augment=False,
                               workers=1)
# A learnable stand-in for MNIST (bars at ten angles), so training and evaluation tests need no
# download; a few tests still use the real MNIST through the ``mnist_dir`` fixture.
SYNTHETIC = synthetic_mnist.make(train=1024, test=600)


class FakeDialogs:
    """Answers the window's questions at once with preset paths (None = the user cancelled)."""

    def __init__(self):
        self.open_path = None
        self.save_path = None
        self.folder = None
        self.png_path = None
        self.suggested_png = None
        self.picture_path = None
        self.asked = []

    def open_weights_path(self, start):
        self.asked.append("open")
        return self.open_path

    def open_picture_path(self, start):
        self.asked.append("picture")
        return self.picture_path

    def save_weights_path(self, suggested):
        self.asked.append("save")
        return self.save_path

    def save_png_path(self, suggested):
        self.asked.append("png")
        self.suggested_png = suggested
        return self.png_path

    def mnist_folder(self, start):
        self.asked.append("folder")
        return self.folder

    # Quitting: by default the user lets the window close (tests close windows at teardown).
    quit_answer = True
    unsaved_answer = "discard"

    def confirm_quit(self, running):
        self.asked.append(f"quit during {running}")
        return self.quit_answer

    def ask_save_before_quit(self, what):
        self.asked.append("unsaved")
        return self.unsaved_answer

    def show_text(self, title, html):
        self.asked.append(title)
        self.shown = html


@pytest.fixture
def small_run():
    return SMALL_RUN


@pytest.fixture
def synthetic():
    return SYNTHETIC


@pytest.fixture
def dialogs():
    return FakeDialogs()


@pytest.fixture
def make_window(qtbot, dialogs, tmp_path):
    """``make_window(**options)``: a shown window with stand-in dialogs, closed (and joined) after.

    Without ``shipped_path`` it starts from a missing shipped file, i.e. untrained weights; without
    ``data_dir`` (or ``mnist_data``) it reads the synthetic MNIST.
    """
    def make(**options):
        options.setdefault("shipped_path", tmp_path / "no-shipped-weights.npz")
        options.setdefault("settings", WindowSettings(QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat)))
        if "data_dir" not in options:
            options.setdefault("mnist_data", SYNTHETIC)
        options.setdefault("training_defaults", SMALL_RUN)
        window = create_window(dialogs=dialogs, **options)
        qtbot.addWidget(window)  # closed at teardown: closeEvent joins any running thread
        window.show()
        qtbot.waitExposed(window)
        return window
    return make


@pytest.fixture
def window(make_window):
    return make_window()


@pytest.fixture
def canvas(qtbot):
    """A canvas on its own, shown at 280 x 280 logical pixels."""
    canvas = DrawingCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(280, 280)
    canvas.show()
    qtbot.waitExposed(canvas)
    return canvas


@pytest.fixture
def shipped_weights():
    if not SHIPPED_WEIGHTS.is_file():
        pytest.skip(f"no shipped weights at {SHIPPED_WEIGHTS}")
    return SHIPPED_WEIGHTS


def one_points(n=30):
    """A '1': a vertical stroke down the middle."""
    return [(0.5, y) for y in np.linspace(0.15, 0.85, n)]


def zero_points(n=60):
    """A '0': an upright oval, closed."""
    angles = np.linspace(0, 2 * math.pi, n)
    return [(0.5 + 0.22 * math.sin(a), 0.5 - 0.33 * math.cos(a)) for a in angles]


def seven_points():
    """A '7': a bar, then a slanted stem."""
    bar = [(x, 0.2) for x in np.linspace(0.28, 0.72, 15)]
    stem = [(0.72 - 0.3 * t, 0.2 + 0.62 * t) for t in np.linspace(0.05, 1, 20)]
    return bar + stem


@pytest.fixture
def draw():
    """``draw(canvas, points)``: one stroke drawn with real mouse events."""
    return draw_stroke


@pytest.fixture
def shapes():
    """Point lists for digits people draw: ``shapes.one()``, ``shapes.zero()``, ``shapes.seven()``."""
    return SimpleNamespace(one=one_points, zero=zero_points, seven=seven_points)
