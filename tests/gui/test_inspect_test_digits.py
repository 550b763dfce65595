"""A real MNIST test digit on the canvas: drawn as ink, read by the network, undone like a stroke."""
import numpy as np
import pytest

import cnn


def a_digit():
    """A made-up 28x28 '1' in MNIST polarity (bright ink on black), uint8."""
    image = np.zeros((28, 28), np.uint8)
    image[4:24, 12:16] = 255
    return image


def test_show_image_puts_the_digit_on_the_paper_as_ink(canvas, qtbot):
    with qtbot.waitSignal(canvas.image_shown):
        canvas.show_image(a_digit())
    ink = canvas.ink()
    assert not canvas.is_empty() and canvas.strokes == []
    assert ink.max() == pytest.approx(1.0, abs=0.01)
    assert ink[140, 140] > 0.9 and ink[140, 30] == 0 and ink[10, 140] == 0  # scaled up 10x
    image = cnn.to_mnist(ink)
    assert image is not None and image[:, 14].sum() > 10


def test_strokes_go_on_top_and_undo_takes_back_the_image_last(canvas, draw, shapes, qtbot):
    canvas.show_image(a_digit())
    with_image = canvas.ink().copy()
    draw(canvas, [(0.1, 0.1), (0.3, 0.1)])
    assert canvas.ink()[28, 50] > 0.9 and len(canvas.strokes) == 1
    canvas.undo()
    np.testing.assert_array_equal(canvas.ink(), with_image)
    with qtbot.waitSignal(canvas.cleared):
        canvas.undo()
    assert canvas.is_empty() and canvas.ink().max() == 0


def test_clear_removes_the_image_and_drawing_replaces_nothing(canvas, draw, shapes):
    draw(canvas, shapes.one())
    canvas.show_image(a_digit())  # replaces the drawing
    assert canvas.strokes == []
    canvas.clear()
    assert canvas.is_empty() and canvas.ink().max() == 0


def test_test_digits_on_the_canvas_are_read_right(make_window, shipped_weights, mnist_dir):
    window = make_window(shipped_path=shipped_weights, data_dir=str(mnist_dir))
    x, y = cnn.load_mnist("test", mnist_dir)
    picker = window.test_digit_picker
    for index in (0, 1, 2, 3, 4, 8, 1234, 9999):
        picker.index_box.setValue(index)
        picker.show_button.click()
        result = window.latest_result
        assert result.digit == y[index], f"test digit #{index}"
        assert f"#{index}: a {y[index]}" in picker.label.text()
        # What the network sees is the MNIST image itself, up to resampling (and a pixel's shift).
        assert np.corrcoef(result.image.ravel(), x[index].ravel())[0, 1] > 0.6
    assert window.feature_maps_view.blocks  # the maps followed


def test_random_test_digit_and_undo(make_window, shipped_weights, mnist_dir):
    window = make_window(shipped_path=shipped_weights, data_dir=str(mnist_dir))
    window.test_digit_picker.random_button.click()
    assert window.latest_result is not None and not window.canvas.is_empty()
    index = window.test_digit_picker.index_box.value()
    assert f"#{index}:" in window.test_digit_picker.label.text()
    window.test_digit_action.trigger()  # Ctrl+T: another one
    window.undo_action.trigger()
    assert window.canvas.is_empty() and window.latest_result is None


def test_without_mnist_a_test_digit_offers_it(make_window, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    window = make_window(data_dir=str(empty))
    window.test_digit_picker.random_button.click()
    assert window.canvas.is_empty()
    assert window.banner.isVisible() and "MNIST" in window.banner.text
    assert "not found" in window.test_digit_picker.label.text()
