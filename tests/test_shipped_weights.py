"""The weights that ship in weights/ (CI sets MNIST_DIR, so this runs there on all 10,000 images)."""
from pathlib import Path

import numpy as np

import cnn

SHIPPED = Path(__file__).resolve().parents[1] / "weights" / "digitnet.npz"


def test_shipped_weights_score_at_least_99_4_percent_on_the_mnist_test_set(mnist_dir):
    model, meta = cnn.load_model(SHIPPED)
    x, y = cnn.load_mnist("test", mnist_dir)
    assert len(y) == 10_000
    ev = cnn.evaluate(model, x, y, prepare=cnn.make_prepare(meta["normalization"]))
    assert ev.accuracy >= 0.994
    assert ev.confusion.sum() == 10_000
    # the record in the file says what it scored, and is true
    assert abs(meta["training"]["test_accuracy"] - ev.accuracy) < 1e-9
    assert meta["architecture"] == cnn.ARCHITECTURE


def read(model, meta, images):
    """Calibrated probabilities and unsure flags for 28x28 inputs, as the window and the CLI judge."""
    norm = meta["normalization"]
    logits = model.forward(cnn.normalize(np.stack(images), norm["mean"], norm["std"]))
    return cnn.calibration.judge(logits, cnn.calibration.from_meta(meta))


def test_shipped_weights_are_calibrated_and_rarely_unsure_on_mnist(mnist_dir):
    model, meta = cnn.load_model(SHIPPED)
    assert cnn.calibration.problem(meta["training"]["calibration"]) is None
    x, y = cnn.load_mnist("test", mnist_dir)
    probabilities, unsure = read(model, meta, list(x))
    assert unsure.mean() <= 0.005
    assert cnn.calibration.expected_calibration_error(probabilities, y)[0] <= 0.01


def made_up_inputs():
    """What people try that is not a digit: a scribble, a dot, a dash, noise, a gradient, one pixel."""
    rng = np.random.default_rng(3)
    turns = np.cumsum(rng.normal(0, 0.6, 150))
    scribble = np.cumsum(np.stack([np.cos(turns), np.sin(turns)], 1), axis=0)
    drawn = {"scribble": [scribble], "dot": [[(5.0, 5.0)]], "dash": [[(0.0, 0.5), (1.0, 0.52)]]}
    images = {name: cnn.render_strokes(strokes) for name, strokes in drawn.items()}
    ys, xs = np.mgrid[0:64, 0:64]
    pixel = np.full((64, 64), 255, np.uint8)
    pixel[30, 30] = 0
    pictures = {"noise": rng.integers(0, 256, (64, 64)).astype(np.uint8),
                "gradient": (xs * 4).astype(np.uint8), "one pixel": pixel}
    images.update({name: cnn.to_mnist(cnn.ink_from_image(p)) for name, p in pictures.items()})
    return {name: image for name, image in images.items() if image is not None}


def test_shipped_weights_are_unsure_of_things_that_are_not_digits():
    model, meta = cnn.load_model(SHIPPED)
    inputs = made_up_inputs()
    assert {"scribble", "dot", "dash", "noise"} <= set(inputs)  # a gradient or one pixel may be blank
    _, unsure = read(model, meta, list(inputs.values()))
    assert unsure.all(), dict(zip(inputs, unsure))
