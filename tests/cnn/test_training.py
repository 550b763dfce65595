"""cnn.fit and cnn.evaluate: overfitting a tiny batch, callbacks, stopping, workers, NaN recovery."""
import math

import numpy as np
import pytest

import cnn
from cnn import Conv2D, Dense, Flatten, MaxPool2D, ReLU, Sequential
from cnn.blas import single_threaded_blas
from cnn.parallel import DataParallel

pytestmark = pytest.mark.filterwarnings("ignore:overflow encountered", "ignore:invalid value encountered")


def images(n, seed=0, classes=10):
    rng = np.random.default_rng(seed)
    return (rng.integers(0, 256, (n, 28, 28), dtype=np.uint8),
            rng.integers(0, classes, n).astype(np.uint8))


def prepare(batch, rng):
    return cnn.normalize(batch)


def small_net(seed=0):
    """A conv net without dropout, so its gradients do not depend on random masks."""
    rng = np.random.default_rng(seed)
    return Sequential([Conv2D(1, 4, 3, padding=1, rng=rng), MaxPool2D(2), ReLU(), Flatten(),
                       Dense(4 * 14 * 14, 10, rng=rng, init="xavier")])


def test_build_default_overfits_a_tiny_batch():
    x, y = images(32, seed=1)
    model = cnn.build_default(np.random.default_rng(1))
    before = cnn.evaluate(model, x, y, prepare=prepare)
    history = cnn.fit(model, cnn.Adam(model.parameters(), lr=1e-3), x, y, epochs=25, batch_size=16,
                      rng=np.random.default_rng(2), prepare=prepare)
    after = cnn.evaluate(model, x, y, prepare=prepare)
    assert before.accuracy < 0.5
    assert after.accuracy == 1.0
    assert after.loss < 0.5 * before.loss
    assert len(history.epochs) == 25 and not history.stopped
    assert history.epochs[-1].loss < history.epochs[0].loss
    np.testing.assert_array_equal(np.diag(after.confusion), np.bincount(y, minlength=10))


def test_callbacks_receive_sensible_fields():
    x, y = images(40, seed=3)
    model = small_net()
    batches, epochs = [], []
    history = cnn.fit(model, cnn.SGD(model.parameters(), lr=0.01), x, y, epochs=2, batch_size=16,
                      rng=np.random.default_rng(0), prepare=prepare, val=images(20, seed=4),
                      on_batch=batches.append, on_epoch=epochs.append)
    assert [(b.epoch, b.batch) for b in batches] == [(e, b) for e in (1, 2) for b in (1, 2, 3)]
    assert all(b.epochs == 2 and b.batches == 3 and b.total == 80 for b in batches)
    assert [b.seen for b in batches] == [16, 32, 40, 56, 72, 80]
    assert all(b.images_per_sec > 0 and math.isfinite(b.images_per_sec) for b in batches)
    assert all(math.isfinite(b.loss) and b.loss > 0 for b in batches)
    elapsed = [b.elapsed for b in batches]
    assert elapsed == sorted(elapsed) and elapsed[0] >= 0
    assert [e.epoch for e in epochs] == [1, 2] and all(e.epochs == 2 for e in epochs)
    assert history.epochs == epochs and not history.stopped
    for e in epochs:
        assert 0 <= e.accuracy <= 1 and round(e.accuracy * 40, 6).is_integer()
        assert e.images_per_sec > 0 and e.loss > 0
        assert e.val_loss is not None and 0 <= e.val_accuracy <= 1
    assert epochs[1].elapsed >= batches[-1].elapsed
    ev = cnn.evaluate(model, *images(20, seed=4), prepare=prepare)  # the weights after the last epoch
    assert epochs[-1].val_accuracy == ev.accuracy
    assert epochs[-1].val_loss == pytest.approx(ev.loss, rel=1e-5)


def test_epoch_info_without_val_has_none():
    x, y = images(16)
    model = small_net()
    history = cnn.fit(model, cnn.SGD(model.parameters(), lr=0.01), x, y, epochs=1, batch_size=8,
                      rng=np.random.default_rng(0), prepare=prepare)
    assert history.epochs[0].val_loss is None and history.epochs[0].val_accuracy is None


@pytest.mark.parametrize("stop_after", [6, 4])  # mid-epoch 2; at the end of epoch 1
def test_should_stop_ends_training_within_one_batch(stop_after):
    x, y = images(64, seed=5)
    model = small_net()
    batches, epochs, flag = [], [], []

    def on_batch(info):
        batches.append(info)
        if len(batches) == stop_after:
            flag.append(True)

    history = cnn.fit(model, cnn.SGD(model.parameters(), lr=0.01), x, y, epochs=3, batch_size=16,
                      rng=np.random.default_rng(0), prepare=prepare, on_batch=on_batch,
                      on_epoch=epochs.append, should_stop=lambda: bool(flag))
    assert len(batches) == stop_after  # no batch ran after the request
    assert history.stopped is True
    assert len(history.epochs) == len(epochs) == stop_after // 4  # only finished epochs are reported


def test_should_stop_before_the_first_batch_changes_nothing():
    x, y = images(16)
    model = small_net()
    before = model.state_dict()
    calls = []
    history = cnn.fit(model, cnn.SGD(model.parameters(), lr=0.1), x, y, epochs=2, batch_size=8,
                      rng=np.random.default_rng(0), prepare=prepare, on_batch=calls.append,
                      should_stop=lambda: True)
    assert history.stopped and not calls and not history.epochs
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[key])


def test_fit_with_one_or_two_workers_follows_the_same_path():
    x, y = images(48, seed=7)
    results = []
    for workers in (1, 2):
        model = small_net(seed=4)
        cnn.fit(model, cnn.SGD(model.parameters(), lr=0.01, momentum=0.9), x, y, epochs=2, batch_size=16,
                rng=np.random.default_rng(5), prepare=prepare, workers=workers)
        results.append(model.state_dict())
    start = small_net(seed=4).state_dict()
    for key in start:
        assert not np.allclose(results[0][key], start[key])
        np.testing.assert_allclose(results[1][key], results[0][key], rtol=1e-3, atol=1e-5)


def test_nan_input_raises_and_restores_the_epoch_start_weights():
    x, y = images(32, seed=8)
    model = small_net()
    saved, calls = [], []

    def poisoned(batch, rng):
        calls.append(1)
        out = prepare(batch, rng)
        if len(calls) == 6:  # epoch 2, batch 2
            out[0, 0, 3, 3] = np.nan
        return out

    with pytest.raises(cnn.NonFiniteLossError, match="epoch 2, batch 2"):
        cnn.fit(model, cnn.SGD(model.parameters(), lr=0.05), x, y, epochs=3, batch_size=8,
                rng=np.random.default_rng(0), prepare=poisoned,
                on_epoch=lambda info: saved.append(model.state_dict()))
    assert len(saved) == 1
    for key, value in model.state_dict().items():
        assert np.isfinite(value).all()
        np.testing.assert_array_equal(value, saved[0][key])  # the start of epoch 2, not batch 1's update


def test_huge_learning_rate_raises_non_finite_loss_with_finite_weights():
    x, y = images(32, seed=9)
    model = cnn.build_default(np.random.default_rng(1))
    start = model.state_dict()
    with pytest.raises(cnn.NonFiniteLossError, match="learning rate"):
        cnn.fit(model, cnn.SGD(model.parameters(), lr=1e6), x, y, epochs=5, batch_size=8,
                rng=np.random.default_rng(0), prepare=prepare)
    assert issubclass(cnn.NonFiniteLossError, FloatingPointError)
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value, start[key])


def test_lr_schedule_is_applied_before_every_batch():
    x, y = images(32, seed=10)
    model = small_net()
    opt = cnn.SGD(model.parameters(), lr=0.5)
    asked, seen = [], []

    def schedule(epoch_index):
        asked.append(epoch_index)
        return 0.1 / (epoch_index + 1)

    cnn.fit(model, opt, x, y, epochs=3, batch_size=16, rng=np.random.default_rng(0), prepare=prepare,
            lr_schedule=schedule, on_batch=lambda info: seen.append((info.epoch, opt.lr)))
    assert asked == [0, 0.5, 1, 1.5, 2, 2.5]  # epochs done, as a float
    assert seen == [(e, pytest.approx(0.1 / (p + 1))) for e, p in zip((1, 1, 2, 2, 3, 3), asked)]


def test_lr_schedule_reaches_the_update():
    """A schedule of a vanishing learning rate leaves the weights (almost) where they started."""
    x, y = images(16, seed=11)
    model = small_net()
    start = model.state_dict()
    cnn.fit(model, cnn.SGD(model.parameters(), lr=1.0), x, y, epochs=2, batch_size=8,
            rng=np.random.default_rng(0), prepare=prepare, lr_schedule=lambda e: 1e-12)
    for key, value in model.state_dict().items():
        np.testing.assert_allclose(value, start[key], atol=1e-9)


def test_evaluate_loss_accuracy_and_confusion():
    x, y = images(50, seed=12, classes=9)  # no sample of class 9
    model = small_net(seed=2)
    progress = []
    ev = cnn.evaluate(model, x, y, prepare=prepare, batch_size=16,
                      on_progress=lambda done, total: progress.append((done, total)))
    probs = model.predict_proba(prepare(x, None))
    pred = probs.argmax(axis=1)
    assert progress == [(16, 50), (32, 50), (48, 50), (50, 50)]
    assert ev.loss == pytest.approx(-np.mean(np.log(probs[np.arange(50), y])), rel=1e-4)
    assert ev.accuracy == pytest.approx(np.mean(pred == y))
    np.testing.assert_array_equal(ev.predictions, pred)
    assert ev.confusion.shape == (10, 10) and ev.confusion.dtype == np.int64
    assert ev.confusion.sum() == 50
    assert np.trace(ev.confusion) / 50 == pytest.approx(ev.accuracy)
    for t in range(10):
        for p in range(10):
            assert ev.confusion[t, p] == np.sum((y == t) & (pred == p))
    per_class = ev.per_class_accuracy()
    assert np.isnan(per_class[9])
    for c in range(9):
        assert per_class[c] == pytest.approx(np.mean(pred[y == c] == c))


@pytest.mark.parametrize("mode", ["train", "eval"])
def test_evaluate_runs_in_eval_mode_and_restores_the_mode(mode):
    x, y = images(20, seed=13)
    model = cnn.build_default(np.random.default_rng(0))
    getattr(model, mode)()
    first = cnn.evaluate(model, x, y, prepare=prepare)
    second = cnn.evaluate(model, x, y, prepare=prepare)
    assert model.training == (mode == "train")
    assert first.loss == second.loss  # no dropout during evaluation
    np.testing.assert_array_equal(first.probabilities, second.probabilities)
