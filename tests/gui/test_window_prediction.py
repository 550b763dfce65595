"""Live prediction in the window: drawn digits are read, a blank canvas shows no guess."""
import numpy as np
import pytest

import cnn
from gui.draw.prediction_view import NO_GUESS, UNSURE


def expected_probabilities(window):
    """The network on the canvas's input, calibrated as ``app.py predict`` calibrates it."""
    mean, std = window.active.normalization
    logits = window.active.model.forward(cnn.normalize(window.canvas.network_image(), mean, std))
    return cnn.calibration.judge(logits, window.active.calibration)[0][0]


def test_blank_canvas_shows_no_guess(window):
    assert window.latest_result is None
    assert window.prediction_view.digit_label.text() == NO_GUESS
    assert np.all(window.prediction_view.probabilities == 0)


def test_release_predicts_at_once_from_the_rendered_strokes(window, draw, shapes):
    draw(window.canvas, shapes.seven())
    result = window.latest_result  # no waiting: the release predicts immediately
    assert result is not None
    assert result.probabilities.shape == (10,)
    assert result.probabilities.sum() == pytest.approx(1.0, abs=1e-4)
    assert result.digit == int(np.argmax(result.probabilities))
    np.testing.assert_allclose(result.probabilities, expected_probabilities(window), atol=1e-6)
    view = window.prediction_view
    assert view.digit_label.text() == (UNSURE if result.unsure else str(result.digit))
    np.testing.assert_allclose(view.probabilities, result.probabilities)
    assert f"{result.confidence:.0%}" in view.confidence_label.text()
    preview = view.preview_label.pixmap()
    assert (preview.width(), preview.height()) == (112, 112)


def test_a_burst_of_moves_gives_one_live_guess_not_one_per_move(window, draw, shapes, qtbot):
    seen = []
    window.predictor.predicted.connect(seen.append)
    draw(window.canvas, shapes.zero(n=60))  # 60 moves delivered before the event loop is free
    assert len(seen) == 1  # the release's guess; the pending live one is no longer needed
    qtbot.wait(50)
    assert len(seen) == 1


def test_each_move_of_a_slow_stroke_gets_its_guess(window, qtbot):
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest
    canvas, seen = window.canvas, []
    window.predictor.predicted.connect(seen.append)
    rect = canvas.paper_rect()
    x, top = round(rect.center().x()), round(rect.y() + 40)
    QTest.mousePress(canvas, Qt.LeftButton, Qt.NoModifier, QPoint(x, top))
    for step in range(1, 6):
        QTest.mouseMove(canvas, QPoint(x, top + 30 * step))
        qtbot.waitUntil(lambda: len(seen) == step, timeout=5000)  # the loop turned: this move is read
        assert seen[-1].image.sum() > 0
    QTest.mouseRelease(canvas, Qt.LeftButton, Qt.NoModifier, QPoint(x, top + 150))
    assert len(seen) == 6


def test_live_prediction_while_the_stroke_is_still_going(window, qtbot):
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest
    canvas = window.canvas
    rect = canvas.paper_rect()
    x = round(rect.center().x())
    QTest.mousePress(canvas, Qt.LeftButton, Qt.NoModifier, QPoint(x, round(rect.y() + 40)))
    QTest.mouseMove(canvas, QPoint(x, round(rect.y() + 200)))
    qtbot.waitUntil(lambda: window.latest_result is not None, timeout=2000)
    QTest.mouseRelease(canvas, Qt.LeftButton, Qt.NoModifier, QPoint(x, round(rect.y() + 200)))


def test_clear_and_undo_update_the_guess(window, draw, shapes, qtbot):
    draw(window.canvas, shapes.one())
    assert window.latest_result is not None
    window.clear_button.click()
    assert window.latest_result is None
    assert window.prediction_view.digit_label.text() == NO_GUESS
    assert np.all(window.prediction_view.probabilities == 0)
    draw(window.canvas, shapes.one())
    window.undo_action.trigger()
    assert window.latest_result is None


@pytest.mark.parametrize("shape, digit", [("one", 1), ("zero", 0), ("seven", 7)])
def test_shipped_weights_read_drawn_digits(make_window, shipped_weights, draw, shapes, shape, digit):
    window = make_window(shipped_path=shipped_weights)
    assert "shipped" in window.active.source
    draw(window.canvas, getattr(shapes, shape)())
    assert window.latest_result.digit == digit
    assert window.latest_result.confidence > 0.5
