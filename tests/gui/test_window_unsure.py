"""The window says "not sure" when the weights' calibration says the network can't read a drawing."""
import numpy as np
import pytest

import cnn
from gui.draw.prediction_view import UNSURE


def weights_with(tmp_path, shipped_weights, unsure_below, temperature=1.0):
    """A copy of the shipped weights whose calibration record is ``(temperature, unsure_below)``."""
    model, meta = cnn.load_model(shipped_weights)
    path = tmp_path / f"calibrated-{unsure_below}.npz"
    calibration = {"temperature": temperature, "unsure_below": unsure_below}
    cnn.save_weights(path, model, {"training": {**meta["training"], "calibration": calibration}})
    return path


# A softening temperature keeps even a clear seven under the 0.999 threshold.
@pytest.mark.parametrize("unsure_below, temperature, unsure", [(0.0, 1.0, False), (0.999, 4.0, True)])
def test_the_guess_follows_the_weights_threshold(make_window, tmp_path, shipped_weights, draw, shapes,
                                                 unsure_below, temperature, unsure):
    window = make_window(weights_path=weights_with(tmp_path, shipped_weights, unsure_below, temperature))
    draw(window.canvas, shapes.seven())
    result = window.latest_result
    assert result.unsure is unsure
    view = window.prediction_view
    assert view.digit_label.text() == (UNSURE if unsure else str(result.digit))
    assert ("Not a digit?" in view.confidence_label.text()) is unsure
    assert f"{result.confidence:.0%}" in view.confidence_label.text()  # the best guess is still shown
    assert view.probabilities.sum() == pytest.approx(1.0, abs=1e-4)


def test_the_temperature_is_applied_to_what_the_window_shows(make_window, tmp_path, shipped_weights, draw, shapes):
    window = make_window(weights_path=weights_with(tmp_path, shipped_weights, 0.0, temperature=4.0))
    draw(window.canvas, shapes.seven())
    mean, std = window.active.normalization
    logits = window.active.model.forward(cnn.normalize(window.canvas.network_image(), mean, std))
    softened = cnn.softmax(logits / 4.0)[0]
    np.testing.assert_allclose(window.latest_result.probabilities, softened, atol=1e-5)
    assert window.latest_result.confidence < cnn.softmax(logits)[0].max()


def test_shipped_weights_are_unsure_of_a_scribble_a_dot_and_a_dash(make_window, shipped_weights, draw):
    window = make_window(shipped_path=shipped_weights)
    t = np.linspace(0, 6 * np.pi, 120)
    scribble = list(zip(0.5 + 0.3 * np.sin(t) * np.cos(0.37 * t), 0.5 + 0.3 * np.sin(1.7 * t)))
    for strokes in ([scribble], [[(0.5, 0.5)]], [[(0.2, 0.5), (0.8, 0.52)]]):
        window.canvas.clear()
        for stroke in strokes:
            draw(window.canvas, stroke)
        assert window.latest_result is not None and window.latest_result.unsure, strokes[0][:2]
        assert window.prediction_view.digit_label.text() == UNSURE
