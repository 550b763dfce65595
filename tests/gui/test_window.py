"""The window as a whole: layout pieces, keyboard shortcuts, the entry point, the API boundary."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import cnn
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

ROOT = Path(__file__).resolve().parents[2]


def test_window_shows_its_parts(window):
    assert window.windowTitle() == "Digit Draw"
    assert window.canvas.isVisible() and window.prediction_view.isVisible()
    assert window.plots.isVisible() and window.training_view.isVisible()
    assert not window.banner.isVisible()
    assert window.training_view.start_button.isEnabled()
    assert not window.training_view.stop_button.isEnabled()


def test_default_training_settings_use_all_of_mnist(make_window):
    from gui.train.controls_view import WINDOW_DEFAULTS
    window = make_window(training_defaults=WINDOW_DEFAULTS)
    config = window.training_view.config()
    assert config.train_size is None and config.optimizer == "adam" and config.epochs == 3
    assert config.learning_rate == pytest.approx(cnn.DEFAULT_LR["adam"]) and config.augment


def test_training_controls_make_the_config(window):
    panel = window.training_view
    panel.epochs_box.setValue(7)
    panel.batch_box.setCurrentText("128")
    panel.optimizer_box.setCurrentText("SGD")  # suggests SGD's usual rate
    assert float(panel.lr_box.currentText()) == pytest.approx(0.05)
    panel.lr_box.setCurrentText("0.01")
    panel.size_box.setValue(10_000)
    panel.augment_box.setChecked(False)
    config = panel.config()
    assert (config.epochs, config.batch_size, config.optimizer) == (7, 128, "sgd")
    assert config.learning_rate == pytest.approx(0.01)
    assert (config.train_size, config.augment) == (10_000, False)


def test_keyboard_shortcuts(window, draw, shapes):
    draw(window.canvas, shapes.one())
    draw(window.canvas, shapes.seven())
    window.canvas.setFocus()
    QTest.keyClick(window, Qt.Key_Z, Qt.ControlModifier)
    assert len(window.canvas.strokes) == 1
    QTest.keyClick(window, Qt.Key_Escape)
    assert window.canvas.is_empty() and window.latest_result is None
    draw(window.canvas, shapes.one())
    QTest.keyClick(window, Qt.Key_Delete)
    assert window.canvas.is_empty()
    shortcuts = {a.text().replace("&", ""): a.shortcut().toString() for a in window.actions()}
    assert shortcuts["Open weights…"] == "Ctrl+O"
    assert shortcuts["Save weights…"] == "Ctrl+S"
    assert shortcuts["Start training"] == "Ctrl+Return"
    assert shortcuts["Stop training"] == "Ctrl+."


def test_pen_slider_sets_the_width_of_new_strokes(window):
    window.pen_slider.setValue(window.pen_slider.maximum())
    assert window.canvas.pen_width() == pytest.approx(0.1)
    QTest.keyClick(window, Qt.Key_BracketLeft)
    assert window.canvas.pen_width() < 0.1


def test_run_opens_the_window_and_returns_the_exit_code(tmp_path):
    script = (
        "import sys; sys.path.insert(0, %r)\n"
        "from PySide6.QtCore import QTimer\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "QTimer.singleShot(300, lambda: print('windows', len(app.topLevelWidgets()) > 0) or app.exit(3))\n"
        "import gui\n"
        "sys.exit(gui.run(weights_path=None))\n" % str(ROOT))
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert done.returncode == 3, done.stderr
    assert "windows True" in done.stdout


def test_gui_uses_only_the_public_cnn_api():
    # Views may use ``cnn.<name>``, ``cnn.normalization.DEFAULT`` and the public ``cnn.calibration``
    # module, never cnn's internals.
    private = re.compile(r"^\s*(from cnn\.|import cnn\.)|cnn\.(?!normalization\.DEFAULT|calibration\.)\w+\.\w+\(",
                         re.MULTILINE)
    offenders = [p.name for p in (ROOT / "gui").rglob("*.py") if private.search(p.read_text())]
    assert offenders == []
