"""What the network is shown of a drawing: the strokes' points through ``cnn.render_strokes``,
the same whatever the pen, the digit's size on the paper, or how the strokes got there."""
import numpy as np
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

import cnn


def placed(points, size, left=0.5, top=0.5):
    """``points`` (paper units, digit spanning ~0.15..0.85) shrunk to ``size`` about (left, top)."""
    return [(left + (x - 0.5) * size, top + (y - 0.5) * size) for x, y in points]


def test_network_input_is_the_render_of_the_strokes(canvas, draw, shapes):
    assert canvas.network_image() is None
    draw(canvas, shapes.seven())
    expected = cnn.render_strokes([s.points for s in canvas.strokes])
    np.testing.assert_array_equal(canvas.network_image(), expected)


def test_a_dot_and_its_undo_leave_the_input_exactly_as_it_was(canvas, draw, shapes, qtbot):
    """Draw a digit, tap a dot, Ctrl+Z: the guess is made from the same input as before the dot."""
    draw(canvas, shapes.zero())
    draw(canvas, [(0.3, 0.2), (0.5, 0.2), (0.55, 0.9), (0.52, 0.3)])  # a sharp reversal
    before = canvas.network_image().copy()
    QTest.mouseClick(canvas, Qt.LeftButton, Qt.NoModifier, QPoint(30, 30))
    assert not np.array_equal(canvas.network_image(), before)
    with qtbot.waitSignal(canvas.undone):
        QTest.keyClick(canvas, Qt.Key_Z, Qt.ControlModifier)
    np.testing.assert_array_equal(canvas.network_image(), before)


def test_resizing_the_paper_does_not_change_the_input(canvas, draw, shapes):
    draw(canvas, shapes.seven())
    before = canvas.network_image().copy()
    canvas.resize(420, 420)
    np.testing.assert_array_equal(canvas.network_image(), before)


def test_small_large_thin_and_thick_digits_give_the_same_input(canvas, draw, shapes):
    """The pen width and the digit's size on screen don't reach the network (up to mouse pixels)."""
    canvas.resize(600, 600)
    draw(canvas, shapes.seven())
    normal = canvas.network_image().copy()
    for size, pen in [(0.3, 0.07), (1.0, 0.07), (1.0, 0.01), (1.0, 0.2), (0.3, 0.2)]:
        canvas.clear()
        canvas.set_pen_width(pen)
        for stroke in [shapes.seven()]:
            draw(canvas, placed(stroke, size, 0.3 if size < 1 else 0.5, 0.7 if size < 1 else 0.5))
        image = canvas.network_image()
        # Whole mouse pixels at a small size move points by up to half a pixel of 180: a few
        # per cent of a box pixel, so grey edges shift a little but the strokes stay put.
        assert np.abs(image - normal).mean() < 0.02, (size, pen)
        assert ((image > 0.5) != (normal > 0.5)).sum() <= 12, (size, pen)


def test_a_shown_digit_is_read_as_it_is_and_with_strokes_from_the_pixels(canvas, draw):
    digit = np.zeros((28, 28), np.uint8)
    digit[6:22, 12:16] = 200
    canvas.show_image(digit)
    np.testing.assert_allclose(canvas.network_image(), digit / 255, atol=1 / 255)  # not re-fitted
    draw(canvas, [(0.2, 0.5), (0.8, 0.5)])  # strokes over the test digit: both are read
    np.testing.assert_allclose(canvas.network_image(), cnn.to_mnist(canvas.ink()))
    assert canvas.network_image()[:, :10].max() > 0.5
