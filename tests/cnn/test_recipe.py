"""The training recipe that the CLI and the window share, on the small synthetic MNIST."""
import numpy as np
import pytest

import cnn
import cnn.recipe
from tests import synthetic_mnist


@pytest.fixture(scope="module")
def data():
    return synthetic_mnist.make(512, 128)


@pytest.fixture(scope="module")
def big_data():
    return synthetic_mnist.make(1536, 128)  # 24 batches of 64: enough for the chance-level check


def same_weights(a, b):
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def shifted_labels(data):
    """Training labels moved by one: learning them makes the true-label test accuracy fall."""
    (x, y), test = data
    return (x, ((y + 1) % 10).astype(y.dtype)), test


def test_the_result_holds_the_best_epoch_not_the_last(data):
    model = cnn.run_training(cnn.TrainingConfig(epochs=3), data).model  # reads the bars well
    states = {}
    result = cnn.run_training(cnn.TrainingConfig(epochs=3, lr=1e-3), shifted_labels(data), model=model,
                              on_epoch=lambda info, state: states.update({info.epoch: state}))
    assert result.diverged is None and len(states) == 3
    accuracies = [e.val_accuracy for e in result.history.epochs]
    assert result.best.epoch == 1 + int(np.argmax(accuracies)) < 3, accuracies
    assert same_weights(result.model.state_dict(), states[result.best.epoch])
    assert not same_weights(result.model.state_dict(), states[3])
    assert result.record["best_epoch"] == result.best.epoch and result.record["epochs"] == 3
    assert result.record["test_accuracy"] == result.best.val_accuracy


def test_the_record_describes_the_run(data):
    config = cnn.TrainingConfig(epochs=1, batch_size=32, train_size=100, seed=4, augment=True)
    record = cnn.run_training(config, data).record
    assert record["train_images"] == 100 and record["test_images"] == 128
    assert record["seed"] == 4 and record["batch_size"] == 32 and record["augment"] is True
    assert record["epochs_planned"] == 1 and record["stopped_early"] is False
    assert record["lr"] == cnn.DEFAULT_LR["adam"]


def record_training_images(monkeypatch):
    """The training images the recipe hands to ``fit``, one array per run, from now on."""
    seen, real_fit = [], cnn.recipe.fit

    def fit(model, optimizer, x, y, **kwargs):
        seen.append(x.copy())
        return real_fit(model, optimizer, x, y, **kwargs)

    monkeypatch.setattr(cnn.recipe, "fit", fit)
    return seen


def test_the_subset_is_random_and_seeded(data, monkeypatch):
    seen = record_training_images(monkeypatch)
    runs = [cnn.run_training(cnn.TrainingConfig(epochs=1, train_size=200, seed=seed), data) for seed in (7, 7, 8)]
    same, again, other = seen
    assert len(same) == 200
    assert np.array_equal(same, again) and same_weights(runs[0].model.state_dict(), runs[1].model.state_dict())
    assert not np.array_equal(same, other)
    assert not np.array_equal(same, data[0][0][:200])  # not simply the first 200
    rows = {image.tobytes() for image in data[0][0]}
    assert all(image.tobytes() in rows for image in same)


def test_a_huge_learning_rate_diverges_and_keeps_the_starting_weights(big_data):
    model = cnn.build_default(np.random.default_rng(0))
    start = model.state_dict()
    epochs = []
    result = cnn.run_training(cnn.TrainingConfig(epochs=2, lr=1000), big_data, model=model,
                              on_epoch=lambda info, state: epochs.append(info))
    assert result.diverged is not None and result.best is None and result.record == {}
    assert epochs == [] and result.history.stopped
    assert same_weights(result.model.state_dict(), start)


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning", "ignore:invalid value:RuntimeWarning")
def test_a_nan_loss_is_reported_as_divergence(data):
    result = cnn.run_training(cnn.TrainingConfig(epochs=2, optimizer="sgd", lr=1e4), data)
    assert result.diverged.startswith("the loss became nan") and result.best is None
    assert "try a lower learning rate" in result.diverged


def test_diverging_flags_chance_accuracy_and_a_growing_loss():
    def epoch(loss, accuracy, batches=30):
        return cnn.EpochInfo(1, 3, loss, accuracy, loss, accuracy, 1000.0, 1.0, batches)

    assert cnn.recipe.diverging(epoch(2.0, 0.9), start_loss=2.3) is None
    assert "chance level" in cnn.recipe.diverging(epoch(2.3, 0.11), start_loss=2.3)
    assert cnn.recipe.diverging(epoch(2.3, 0.11, batches=5), start_loss=2.3) is None  # too few steps to tell
    assert "loss grew" in cnn.recipe.diverging(epoch(9.0, 0.5), start_loss=2.3)


@pytest.mark.parametrize("bad, name", [
    ({"epochs": 0}, "epochs"), ({"batch_size": cnn.recipe.MAX_BATCH_SIZE + 1}, "batch_size"),
    ({"batch_size": 2.5}, "batch_size"), ({"seed": -1}, "seed"), ({"workers": 0}, "workers"),
    ({"train_size": 0}, "train_size"), ({"test_size": True}, "test_size"), ({"lr": float("nan")}, "lr"),
    ({"lr": -1.0}, "lr"), ({"optimizer": "rmsprop"}, "optimizer"), ({"architecture": "resnet"}, "architecture"),
])
def test_training_config_rejects_bad_values(bad, name):
    with pytest.raises(ValueError, match=name):
        cnn.TrainingConfig(**bad)


def test_stopping_mid_epoch_keeps_the_last_finished_epoch(data):
    (x, y), _ = data
    model = cnn.build_default(np.random.default_rng(0))
    opt = cnn.make_optimizer("adam", model.parameters())
    batches, finished = [], []
    history = cnn.fit(model, opt, x, y, epochs=3, batch_size=64, rng=np.random.default_rng(0),
                      prepare=cnn.make_prepare(), on_batch=batches.append,
                      on_epoch=lambda info: finished.append(model.state_dict()),
                      should_stop=lambda: len(batches) == 8 + 3)  # 3 batches into the second epoch
    assert history.stopped and len(history.epochs) == 1 and len(batches) == 11
    assert same_weights(model.state_dict(), finished[0])


def test_a_run_stopped_mid_epoch_reports_its_finished_epochs(data):
    batches = []
    result = cnn.run_training(cnn.TrainingConfig(epochs=3), data, on_batch=batches.append,
                              should_stop=lambda: len(batches) == 8 + 3)
    assert result.history.stopped and result.best.epoch == 1 and result.record["stopped_early"] is True


def test_augmenting_adds_slashed_zeros_and_made_up_non_digits(data, monkeypatch):
    seen, real_fit = [], cnn.recipe.fit

    def fit(model, optimizer, x, y, **kwargs):
        seen.append((x.copy(), y.copy()))
        return real_fit(model, optimizer, x, y, **kwargs)

    monkeypatch.setattr(cnn.recipe, "fit", fit)
    # stopped before the first step: only the images handed to fit matter
    cnn.run_training(cnn.TrainingConfig(epochs=1, augment=True), data, should_stop=lambda: True)
    (x, y), = seen
    originals = {image.tobytes() for image in data[0][0]}
    digits = np.flatnonzero(y < 10)
    assert np.array_equal(y[digits], data[0][1])  # every digit is there once, in order
    changed = [i for i in digits if x[i].tobytes() not in originals]
    assert set(y[changed]) == {0}
    zeros = (y[digits] == 0).sum()
    assert 0.1 * zeros < len(changed) < 0.3 * zeros  # cnn.writing_styles.SHARE (0.2) of them
    made_up = np.flatnonzero(y == 10)  # "not a digit", cnn.recipe.NEGATIVE_SHARE of the digits
    assert len(made_up) == pytest.approx(cnn.recipe.NEGATIVE_SHARE * len(digits), rel=0.05)
    assert not {x[i].tobytes() for i in made_up} & originals


def test_augmented_runs_hold_out_digits_to_calibrate_the_confidence(data, monkeypatch):
    monkeypatch.setattr(cnn.recipe, "MIN_IMAGES_TO_HOLD_OUT", 100)
    monkeypatch.setattr(cnn.recipe, "CALIBRATION_IMAGES", 64)
    result = cnn.run_training(cnn.TrainingConfig(epochs=1, augment=True, batch_size=32), data)
    record = result.record
    assert record["train_images"] == len(data[0][1]) - 64  # digits trained on, made-up ones not counted
    assert cnn.calibration.problem(record["calibration"]) is None
    assert record["calibration"] != cnn.calibration.DEFAULT  # fitted, not the fallback
    plain = cnn.run_training(cnn.TrainingConfig(epochs=1, batch_size=32), data).record
    assert plain["train_images"] == len(data[0][1]) and plain["calibration"] == cnn.calibration.DEFAULT
