"""cnn.fit on data holding "not a digit" rows: the epoch's accuracy counts labelled rows only."""
import numpy as np
import pytest

import cnn
from cnn import Conv2D, Dense, Flatten, MaxPool2D, ReLU, Sequential
from cnn.negatives import NONE


def prepare(batch, rng):
    return cnn.normalize(batch)


def small_net():
    """No dropout, so the training forward pass predicts what the eval one does."""
    rng = np.random.default_rng(0)
    return Sequential([Conv2D(1, 4, 3, padding=1, rng=rng), MaxPool2D(2), ReLU(), Flatten(),
                       Dense(4 * 14 * 14, 10, rng=rng, init="xavier")])


@pytest.mark.parametrize("batch_size", [8, 32])
def test_epoch_accuracy_is_hits_over_labelled_rows(batch_size):
    x = np.random.default_rng(1).integers(0, 256, (32, 28, 28), dtype=np.uint8)
    model = small_net()
    predicted = cnn.evaluate(model, x, np.zeros(32, np.int64), prepare=prepare).predictions
    # Rows 0-15 "not a digit"; of the 16 labelled, 12 carry the model's own answer, 4 another digit.
    y = np.full(32, NONE, np.uint8)
    y[16:28] = predicted[16:28]
    y[28:] = (predicted[28:] + 1) % 10
    before = [p.data.copy() for p in model.parameters()]
    history = cnn.fit(model, cnn.SGD(model.parameters(), lr=0.1), x, y, epochs=1, batch_size=batch_size,
                      rng=np.random.default_rng(2), prepare=prepare,
                      lr_schedule=lambda progress: 0.0)  # no step moves the weights
    for old, p in zip(before, model.parameters()):
        np.testing.assert_array_equal(p.data, old)  # so training saw the predictions above
    info = history.epochs[0]
    assert 0 <= info.accuracy <= 1
    assert info.accuracy == 12 / 16  # not 12 / 32: "not a digit" rows have no right answer
    labelled = y != NONE
    assert info.accuracy == cnn.evaluate(model, x[labelled], y[labelled], prepare=prepare).accuracy
    assert np.isfinite(info.loss) and info.loss > 0


def test_all_none_epoch_reports_zero_accuracy_and_finite_loss():
    x = np.random.default_rng(3).integers(0, 256, (16, 28, 28), dtype=np.uint8)
    model = small_net()
    history = cnn.fit(model, cnn.SGD(model.parameters(), lr=0.01), x, np.full(16, NONE, np.uint8),
                      epochs=1, batch_size=8, rng=np.random.default_rng(4), prepare=prepare)
    assert history.epochs[0].accuracy == 0.0
    assert np.isfinite(history.epochs[0].loss) and history.epochs[0].loss > 0
