"""The window as a desktop app: it fits small screens, remembers, asks before losing work, helps."""
import numpy as np
import pytest
from PySide6.QtCore import QPoint, QRect, QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (QAbstractButton, QAbstractSlider, QAbstractSpinBox, QComboBox, QScrollArea,
                               QTabWidget)

import cnn
from gui.settings import WindowSettings

CONTROLS = (QAbstractButton, QAbstractSpinBox, QComboBox, QAbstractSlider)
TIMEOUT_MS = 120_000


def shown_at(window, qtbot, width, height):
    window.resize(width, height)
    qtbot.waitUntil(lambda: window.width() == width and window.height() == height, timeout=10_000)
    QTest.qWait(50)  # layouts settle


def pages(window):
    tabs = window.findChild(QTabWidget)
    return [tabs.widget(i) for i in range(tabs.count())]


def controls_on(widget):
    return [c for kind in CONTROLS for c in widget.findChildren(kind) if c.isVisibleTo(widget)]


def inside_a_scroll_area(widget):
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QScrollArea):
            return True
        parent = parent.parentWidget()
    return False


def rect_in_window(window, widget):
    return QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())


def test_at_1280x720_everything_fits_without_scrolling(window, qtbot):
    shown_at(window, qtbot, 1280, 720)
    tabs = window.findChild(QTabWidget)
    for index, page in enumerate(pages(window)):
        tabs.setCurrentIndex(index)
        bars = (page.verticalScrollBar(), page.horizontalScrollBar())
        # A page shown for the first time is laid out over a few event-loop turns.
        qtbot.waitUntil(lambda: not any(bar.isVisible() for bar in bars), timeout=3000)
        for control in controls_on(page.widget()):
            rect = rect_in_window(window, control)
            assert window.rect().contains(rect), (tabs.tabText(index), control, rect)
            assert control.width() >= control.minimumSizeHint().width() - 1, control  # not squeezed
    for control in controls_on(window.splitter.widget(0)):
        assert window.rect().contains(rect_in_window(window, control)), control


def test_at_960x540_every_control_is_reachable(window, qtbot):
    shown_at(window, qtbot, 960, 540)
    assert window.minimumSizeHint().width() <= 960 and window.minimumSizeHint().height() <= 540
    tabs = window.findChild(QTabWidget)
    for index, page in enumerate(pages(window)):
        tabs.setCurrentIndex(index)
        QTest.qWait(30)
        for control in controls_on(page.widget()):
            page.ensureWidgetVisible(control)  # what scrolling does
            QTest.qWait(5)
            assert window.rect().contains(rect_in_window(window, control)), (tabs.tabText(index), control)
    assert window.canvas.width() >= 160 and window.canvas.height() >= 160
    assert window.statusBar().geometry().bottom() <= window.height()


def test_a_banner_does_not_move_the_layout(window, qtbot):
    shown_at(window, qtbot, 1280, 720)
    before = (rect_in_window(window, window.canvas), rect_in_window(window, window.plots))
    window.banner.show_error("Something went wrong\non two lines", [("Retry", lambda: None)])
    QTest.qWait(30)
    assert window.banner.isVisible()
    assert (rect_in_window(window, window.canvas), rect_in_window(window, window.plots)) == before


def test_the_window_remembers_size_pen_and_training_settings(make_window, qtbot, tmp_path):
    settings = WindowSettings(QSettings(str(tmp_path / "remember.ini"), QSettings.IniFormat))
    first = make_window(settings=settings)
    shown_at(first, qtbot, 700, 500)  # the offscreen screen is 800 x 800
    first.pen_slider.setValue(first.pen_slider.maximum())
    first.training_view.epochs_box.setValue(7)
    first.training_view.optimizer_box.setCurrentText("SGD")
    first.close()
    again = make_window(settings=WindowSettings(QSettings(str(tmp_path / "remember.ini"), QSettings.IniFormat)))
    assert again.canvas.pen_width() == pytest.approx(0.1)
    config = again.training_view.config()
    assert (config.epochs, config.optimizer) == (7, "sgd")
    assert (again.width(), again.height()) == (700, 500)


def test_a_remembered_size_too_big_for_the_screen_is_fitted_to_it(make_window, qtbot, tmp_path):
    settings = WindowSettings(QSettings(str(tmp_path / "big.ini"), QSettings.IniFormat))
    first = make_window(settings=settings)
    shown_at(first, qtbot, 1900, 1400)
    first.close()
    again = make_window(settings=WindowSettings(QSettings(str(tmp_path / "big.ini"), QSettings.IniFormat)))
    screen = again.screen().availableGeometry()
    assert again.width() <= screen.width() and again.height() <= screen.height()


def test_odd_remembered_values_fall_back_to_the_defaults(make_window, tmp_path):
    store = QSettings(str(tmp_path / "odd.ini"), QSettings.IniFormat)
    for key, value in (("training/epochs", "many"), ("training/batch_size", "0"), ("draw/pen_width", "9"),
                       ("window/geometry", "garbage")):
        store.setValue(key, value)
    window = make_window(settings=WindowSettings(store))
    assert window.training_view.config().batch_size == 64 and window.canvas.pen_width() < 0.2


def trained_here(window):
    window.active.load_state(window.active.copy_state(), {"test_accuracy": 0.5}, "trained here (best epoch 1 of 1)")


def test_quitting_with_unsaved_weights_asks_and_cancel_keeps_the_window(window, dialogs, tmp_path):
    trained_here(window)
    dialogs.unsaved_answer = "cancel"
    assert not window.close()
    assert dialogs.asked == ["unsaved"] and window.isVisible()
    dialogs.unsaved_answer, dialogs.save_path = "save", tmp_path / "kept.npz"
    assert window.close()
    assert (tmp_path / "kept.npz").is_file()  # saved on the way out


def test_saved_weights_quit_without_a_question(window, dialogs):
    assert window.close() and "unsaved" not in dialogs.asked


def test_quitting_during_training_asks_first(window, dialogs, small_run, qtbot):
    import dataclasses
    window.training.start(dataclasses.replace(small_run, epochs=50, train_size=1024))
    dialogs.quit_answer = False
    assert not window.close() and window.training.is_running()
    dialogs.quit_answer = True
    assert window.close() and not window.training.is_running()
    assert "quit during training" in dialogs.asked


def test_the_shipped_weights_are_never_overwritten_from_the_window(make_window, dialogs, tmp_path):
    shipped = tmp_path / "shipped.npz"
    cnn.save_weights(shipped, cnn.build_default(np.random.default_rng(4)), {"training": {"test_accuracy": 0.9}})
    before = shipped.read_bytes()
    window = make_window(shipped_path=shipped)
    trained_here(window)
    dialogs.save_path = tmp_path / "." / "shipped.npz"  # the same file, another spelling
    window.save_action.trigger()
    assert shipped.read_bytes() == before
    assert window.banner.kind == "error" and "shipped" in window.banner.text and window.active.unsaved


def test_help_lists_the_shortcuts_and_about_names_the_network(window, dialogs):
    window.shortcuts_action.trigger()
    assert "Ctrl+O" in dialogs.shown and "Start training" in dialogs.shown
    window.about_action.trigger()
    assert "Digit Draw" in dialogs.shown and "parameters" in dialogs.shown and "untrained" in dialogs.shown


def test_esc_in_a_field_keeps_the_drawing(window, draw, shapes):
    draw(window.canvas, shapes.one())
    box = window.training_view.epochs_box
    box.setFocus()
    QTest.keyClick(box, Qt.Key_Escape)
    assert not window.canvas.is_empty()
    window.canvas.setFocus()
    QTest.keyClick(window.canvas, Qt.Key_Escape)
    assert window.canvas.is_empty()


def test_enter_in_the_index_box_shows_the_digit_and_a_bad_index_says_so(window, qtbot):
    picker = window.test_digit_picker
    box = picker.index_box
    box.lineEdit().selectAll()
    QTest.keyClicks(box.lineEdit(), "99999")
    assert box.value() == 99999  # not silently cut to 9999
    QTest.keyClick(box.lineEdit(), Qt.Key_Return)
    qtbot.waitUntil(lambda: "#0 to #599" in picker.label.text(), timeout=TIMEOUT_MS)
    box.lineEdit().selectAll()
    QTest.keyClicks(box.lineEdit(), "12")
    with qtbot.waitSignal(window.inspect.test_digit_shown, timeout=TIMEOUT_MS):
        QTest.keyClick(box.lineEdit(), Qt.Key_Return)
    assert "#12:" in picker.label.text()


def test_quitting_during_a_download_asks_first(make_window, dialogs, tmp_path, qtbot, monkeypatch):
    import threading
    started = threading.Event()

    def stalled(dest, progress=None, cancel=None):
        started.set()
        cancel.wait()
        raise cnn.DownloadCancelled()

    monkeypatch.setattr(cnn, "download_mnist", stalled)
    empty = tmp_path / "empty"
    empty.mkdir()
    window = make_window(data_dir=str(empty))
    assert window.mnist.download() and started.wait(30)
    dialogs.quit_answer = False
    assert not window.close() and window.mnist.downloading
    dialogs.quit_answer = True
    assert window.close() and not window.mnist.downloading
    assert "quit during the MNIST download" in dialogs.asked
