"""The weights that ship in weights/ (CI sets MNIST_DIR, so this runs there on all 10,000 images)."""
from pathlib import Path

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
