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
    with qtbot.waitSignal(canvas.undone):
        canvas.undo()
    assert canvas.is_empty() and canvas.ink().max() == 0


def test_clear_removes_the_image_and_drawing_replaces_nothing(canvas, draw, shapes):
    draw(canvas, shapes.one())
    canvas.show_image(a_digit())  # replaces the drawing
    assert canvas.strokes == []
    canvas.clear()
    assert canvas.is_empty() and canvas.ink().max() == 0


TIMEOUT_MS = 60_000


def show(window, qtbot, index=None):
    """Ask for test digit ``index`` (random for None) and wait until it is on the canvas."""
    with qtbot.waitSignal(window.inspect.test_digit_shown, timeout=TIMEOUT_MS):
        if index is None:
            window.test_digit_picker.random_button.click()
        else:
            window.test_digit_picker.index_box.setValue(index)
            window.test_digit_picker.show_button.click()


def test_a_synthetic_test_digit_goes_on_the_canvas(window, synthetic, qtbot):
    show(window, qtbot, 7)
    images, _ = synthetic[1]
    assert np.corrcoef(window.latest_result.image.ravel(), images[7].ravel())[0, 1] > 0.5
    assert "#7:" in window.test_digit_picker.label.text()


def test_a_test_digit_read_from_a_folder_arrives_after_its_job(make_window, tmp_path, qtbot):
    from tests import synthetic_mnist
    folder = synthetic_mnist.write_idx(tmp_path / "mnist", synthetic_mnist.make(64, 64))
    window = make_window(data_dir=str(folder))
    assert not window.mnist.has_test_set()
    with qtbot.waitSignal(window.inspect.test_digit_shown, timeout=TIMEOUT_MS) as shown:
        assert not window.inspect.put_test_digit(5)  # not yet: the test set is being read
        assert "Reading" in window.test_digit_picker.label.text() and window.canvas.is_empty()
    assert shown.args == [5] and window.mnist.has_test_set() and not window.canvas.is_empty()


def test_an_index_past_the_end_is_refused_in_words(window, qtbot):
    show(window, qtbot, 0)
    assert not window.inspect.put_test_digit(600)  # the synthetic test set has 600 digits
    assert "#0 to #599" in window.test_digit_picker.label.text()


def test_random_test_digit_and_undo(window, qtbot):
    show(window, qtbot)
    assert window.latest_result is not None and not window.canvas.is_empty()
    index = window.test_digit_picker.index_box.value()
    assert f"#{index}:" in window.test_digit_picker.label.text()
    first = window.canvas.ink().copy()
    with qtbot.waitSignal(window.inspect.test_digit_shown, timeout=TIMEOUT_MS):
        window.test_digit_action.trigger()  # Ctrl+T: another one
    window.undo_action.trigger()  # back to the first digit
    np.testing.assert_array_equal(window.canvas.ink(), first)
    window.undo_action.trigger()
    assert window.canvas.is_empty() and window.latest_result is None


def test_without_mnist_a_test_digit_offers_it(make_window, tmp_path, qtbot):
    empty = tmp_path / "empty"
    empty.mkdir()
    window = make_window(data_dir=str(empty))
    window.test_digit_picker.random_button.click()
    qtbot.waitUntil(lambda: "not found" in window.test_digit_picker.label.text(), timeout=TIMEOUT_MS)
    assert window.canvas.is_empty()
    assert window.banner.isVisible() and "MNIST" in window.banner.text
