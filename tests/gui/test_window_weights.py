"""Opening, saving and resetting weights from the window; a bad file never costs the weights in use."""
import numpy as np
import pytest

import cnn


@pytest.fixture
def weights_file(tmp_path):
    """A valid weights file from a seeded model, with a test accuracy in its record."""
    path = tmp_path / "other.npz"
    model = cnn.build_default(np.random.default_rng(123))
    cnn.save_weights(path, model, {"training": {"epochs": 1, "test_accuracy": 0.4321}})
    return path


def weights_of(window):
    return window.active.model.state_dict()


def same_weights(a, b):
    return all(np.array_equal(a[k], b[k]) for k in a)


def test_untrained_weights_are_announced(window):
    assert window.active.source == "untrained"
    assert "untrained" in window.weights_label.text()
    assert not window.shipped_action.isEnabled()  # no shipped file in this test


def test_open_uses_the_file_and_shows_its_accuracy(window, dialogs, weights_file):
    dialogs.open_path = weights_file
    window.open_action.trigger()
    assert window.active.path == weights_file
    assert "other.npz" in window.weights_label.text()
    assert "43.21%" in window.weights_label.text()
    expected, _ = cnn.read_weights(weights_file)
    assert same_weights(expected, weights_of(window))


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 not really a zip", b"\x00" * 100])
def test_a_damaged_file_shows_the_error_and_keeps_the_weights(window, dialogs, tmp_path, draw,
                                                              shapes, content):
    damaged = tmp_path / "damaged.npz"
    damaged.write_bytes(content)
    draw(window.canvas, shapes.one())
    before, guess = weights_of(window), window.latest_result
    dialogs.open_path = damaged
    window.open_action.trigger()
    assert window.banner.isVisible() and window.banner.kind == "error"
    assert "damaged.npz" in window.banner.text
    assert "Still using: untrained" in window.banner.text
    assert same_weights(before, weights_of(window))
    assert window.active.source == "untrained"
    np.testing.assert_array_equal(window.latest_result.probabilities, guess.probabilities)


def test_a_truncated_weights_file_is_refused(window, dialogs, weights_file, tmp_path):
    cut = tmp_path / "cut.npz"
    cut.write_bytes(weights_file.read_bytes()[:5000])
    dialogs.open_path = cut
    window.open_action.trigger()
    assert window.banner.kind == "error" and "cut.npz" in window.banner.text
    assert window.active.source == "untrained"


def test_cancelled_open_changes_nothing(window, dialogs):
    window.open_action.trigger()
    assert dialogs.asked == ["open"]
    assert window.active.source == "untrained" and not window.banner.isVisible()


def test_save_then_open_round_trips(window, dialogs, tmp_path):
    dialogs.save_path = tmp_path / "saved.npz"
    window.save_action.trigger()
    assert dialogs.save_path.is_file()
    assert "saved.npz" in window.weights_label.text()
    saved, meta = cnn.read_weights(dialogs.save_path)
    assert same_weights(saved, weights_of(window))
    assert meta["normalization"]["mean"] == pytest.approx(window.active.normalization[0])


def test_use_shipped_weights(make_window, weights_file, dialogs):
    window = make_window(shipped_path=weights_file)
    assert "shipped" in window.active.source  # started from them
    dialogs.open_path = None
    window.active.replace(cnn.build_default(np.random.default_rng(9)), window.active.meta, "other")
    assert window.shipped_action.isEnabled()
    window.shipped_action.trigger()
    assert "shipped" in window.active.source
    expected, _ = cnn.read_weights(weights_file)
    assert same_weights(expected, weights_of(window))


def test_a_damaged_start_up_file_opens_the_window_untrained_with_the_error(make_window, tmp_path):
    damaged = tmp_path / "broken.npz"
    damaged.write_bytes(b"garbage")
    window = make_window(weights_path=damaged)
    assert window.active.source == "untrained"
    assert window.banner.kind == "error" and "broken.npz" in window.banner.text


def test_a_damaged_start_up_file_opens_the_window_on_the_shipped_weights(make_window, tmp_path, weights_file):
    damaged = tmp_path / "broken.npz"
    damaged.write_bytes(b"PK\x03\x04" + bytes(200))
    window = make_window(weights_path=damaged, shipped_path=weights_file)
    assert "shipped" in window.active.source and window.active.path == weights_file
    assert window.banner.kind == "error" and "broken.npz" in window.banner.text
    assert "shipped weights instead" in window.banner.text


def test_every_failing_open_shows_a_banner_even_for_unexpected_errors(window, dialogs, tmp_path,
                                                                      monkeypatch):
    def explode(path):
        raise RecursionError("maximum recursion depth exceeded")  # what deep JSON once raised

    monkeypatch.setattr(cnn, "load_model", explode)
    dialogs.open_path = tmp_path / "deep.npz"
    window.open_action.trigger()
    assert window.banner.kind == "error" and "deep.npz" in window.banner.text
    assert window.active.source == "untrained"


def test_a_later_success_clears_the_open_error(window, dialogs, tmp_path, weights_file):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"nope")
    dialogs.open_path = bad
    window.open_action.trigger()
    assert window.banner.kind == "error"
    dialogs.open_path = weights_file
    window.open_action.trigger()
    assert not window.banner.isVisible() and window.active.path == weights_file
