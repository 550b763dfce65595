"""State dicts and weights files: round trip, strict and non-strict loading, plainly damaged files.

The zip-level damage is in ``test_weights_reader.py``, saving in ``test_weights_save.py``, and
``test_weights_fuzz.py`` makes a thousand more damaged files.
"""
import json
import os

import numpy as np
import pytest

import cnn
from weights_files import assert_weights_error, default_record, write_npz


def test_round_trip_keeps_predictions_and_metadata(tmp_path, model, inputs):
    path = tmp_path / "digits.npz"
    training = {"epochs": 3, "test_accuracy": 0.9912, "optimizer": "adam"}
    cnn.save_weights(path, model, {"training": training})
    state, meta = cnn.read_weights(path)
    assert meta == default_record(training=training)
    original = model.state_dict()
    assert state.keys() == original.keys()
    for key in original:
        assert state[key].dtype == np.float32
        np.testing.assert_array_equal(state[key], original[key])

    other = cnn.build_default(np.random.default_rng(99))
    assert not np.array_equal(other.predict_proba(inputs), model.predict_proba(inputs))
    loaded, meta2 = cnn.load_model(path)
    assert meta2 == meta and not loaded.training
    np.testing.assert_array_equal(loaded.predict_proba(inputs), model.predict_proba(inputs))


def test_save_replaces_an_existing_file(tmp_path, model, inputs):
    path = tmp_path / "w.npz"
    cnn.save_weights(path, cnn.build_default(np.random.default_rng(5)))
    cnn.save_weights(path, model)
    loaded, meta = cnn.load_model(path)
    assert meta["training"] == {}
    np.testing.assert_array_equal(loaded.predict_proba(inputs), model.predict_proba(inputs))
    assert sorted(os.listdir(path.parent)) == ["w.npz"]  # no temporary file left behind


def test_state_dict_is_a_copy(model):
    state = model.state_dict()
    key = next(iter(state))
    state[key][...] = 123.0
    assert not np.any(model.state_dict()[key] == 123.0)


def broken_state(model):
    state = model.state_dict()
    missing = "3.bias"
    del state[missing]
    state["99.weight"] = np.zeros(3, np.float32)
    state["0.weight"] = np.zeros((32, 1, 5, 5), np.float32)
    return state


def test_strict_load_names_missing_unexpected_and_misshaped_keys(model):
    with pytest.raises(ValueError) as info:
        model.load_state_dict(broken_state(model))
    message = str(info.value)
    assert isinstance(info.value, cnn.StateDictError)
    assert "3.bias" in message and "99.weight" in message and "0.weight" in message
    assert "(32, 1, 3, 3)" in message and "(32, 1, 5, 5)" in message


def test_failed_load_changes_nothing(model):
    before = model.state_dict()
    state = {k: v + 1.0 for k, v in before.items()}
    state["7.weight"] = np.zeros((1, 1), np.float32)  # one bad key among good ones
    for strict in (True, False):
        with pytest.raises(cnn.StateDictError, match="7.weight"):
            model.load_state_dict(state, strict=strict)
        for key, value in model.state_dict().items():
            np.testing.assert_array_equal(value, before[key])


def test_non_strict_loads_a_subset(model):
    before = model.state_dict()
    subset = {"0.bias": np.full(32, 0.5, np.float32), "10.weight": np.ones((10, 128), np.float32),
              "not.a.key": np.zeros(2, np.float32)}
    model.load_state_dict(subset, strict=False)
    after = model.state_dict()
    np.testing.assert_array_equal(after["0.bias"], 0.5)
    np.testing.assert_array_equal(after["10.weight"], 1.0)
    for key in before.keys() - {"0.bias", "10.weight"}:
        np.testing.assert_array_equal(after[key], before[key])
    with pytest.raises(cnn.StateDictError, match="missing keys"):
        model.load_state_dict(subset, strict=True)


def test_load_copies_into_the_existing_arrays(model):
    """Replicas and optimizers hold the arrays, so loading must write into them, not replace them."""
    params = model.parameters()
    state = {k: np.full_like(v, 0.25) for k, v in model.state_dict().items()}
    model.load_state_dict(state)
    for p in params:
        np.testing.assert_array_equal(p.data, 0.25)
    state["0.bias"][...] = 9.0
    assert not np.any(model.state_dict()["0.bias"] == 9.0)


# --- damaged files -------------------------------------------------------------------------------

def test_missing_file(tmp_path):
    assert_weights_error(tmp_path / "nowhere.npz", problem="no such file")
    assert_weights_error(tmp_path / "nowhere.npz", load=cnn.load_model)


def test_truncated_file(tmp_path, model):
    path = tmp_path / "cut.npz"
    cnn.save_weights(path, model)
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    assert_weights_error(path)
    assert_weights_error(path, load=cnn.load_model)


@pytest.mark.parametrize("content", [b"", b"\x00", np.random.default_rng(3).bytes(5000),
                                     b"PK\x03\x04" + np.random.default_rng(4).bytes(300)],
                         ids=["empty", "one-byte", "noise", "zip-magic-then-noise"])
def test_random_bytes(tmp_path, content):
    path = tmp_path / "noise.npz"
    path.write_bytes(content)
    error = assert_weights_error(path)
    assert "pickle" not in error.problem  # numpy's advice to change code, and untrue
    assert error.problem.startswith(("not a Digit Draw weights file", "the file is damaged"))


def test_wrong_shapes(tmp_path, model):
    state = model.state_dict()
    state["3.weight"] = np.zeros((64, 32, 5, 5), np.float32)
    path = write_npz(tmp_path / "shapes.npz", state, default_record())
    error = assert_weights_error(path, load=cnn.load_model)
    assert "3.weight" in str(error)


def test_missing_and_extra_arrays(tmp_path, model):
    state = model.state_dict()
    del state["7.bias"]
    state["extra"] = np.zeros(3, np.float32)
    path = write_npz(tmp_path / "keys.npz", state, default_record())
    error = assert_weights_error(path, load=cnn.load_model)
    assert "7.bias" in str(error) and "extra" in str(error)


def test_pickled_object_array_is_refused(tmp_path, model):
    state = model.state_dict()
    state["evil"] = np.array([{"run": "code"}, None], dtype=object)  # np.savez pickles this
    path = write_npz(tmp_path / "pickle.npz", state, default_record())
    assert "pickle" not in assert_weights_error(path, problem="evil").problem
    assert_weights_error(path, load=cnn.load_model)


def test_no_metadata(tmp_path, model):
    assert_weights_error(write_npz(tmp_path / "bare.npz", model.state_dict()), problem="metadata")


@pytest.mark.parametrize("meta,raw,problem", [
    (default_record(format_version=2), None, "format version"),
    (default_record(format_version="1"), None, "format version"),
    ({k: v for k, v in default_record().items() if k != "format_version"}, None, "format version"),
    (default_record(architecture="resnet-152"), None, "resnet-152"),
    (default_record(architecture=None), None, "architecture"),
    (default_record(architecture=["digitnet-v1"]), None, "architecture"),  # unhashable
    (default_record(architecture={"name": "digitnet-v1"}), None, "architecture"),
    (default_record(normalization=None), None, "normalization"),
    (default_record(normalization={"mean": "0.1", "std": 0.3}), None, "normalization"),
    (default_record(normalization={"mean": 0.1307, "std": 1e-300}), None, "normalization"),  # 0 in float32
    (default_record(normalization={"mean": 0.1307, "std": 1e-7}), None, "normalization"),
    (default_record(normalization={"mean": 1e39, "std": 0.3}), None, "normalization"),  # inf in float32
    (default_record(normalization={"mean": 1e33, "std": 1e-6}), None, "normalization"),  # so is mean/std
    (default_record(normalization={"mean": 0.1307, "std": -0.3081}), None, "normalization"),
    (default_record(normalization={"mean": float("nan"), "std": 0.3081}), None, "normalization"),
    (None, json.dumps(default_record()).replace("0.1307", "1" + "0" * 400), "normalization"),
    (default_record(training={"test_accuracy": "0.99"}), None, "test accuracy"),
    (default_record(training={"test_accuracy": True}), None, "test accuracy"),
    (default_record(training={"test_accuracy": 99.5}), None, "test accuracy"),
    (default_record(training={"test_accuracy": float("nan")}), None, "test accuracy"),
    (default_record(training=["epochs", 3]), None, "training"),
    (None, "[" * 100_000 + "]" * 100_000, "nested too deeply"),  # past json's own recursion limit
    (default_record(training={"notes": json.loads("[" * 40 + "]" * 40)}), None, "nested too deeply"),
    (None, "{not json", "json"),
    (None, "[1, 2, 3]", "format version"),
    (None, "", "json"),
], ids=["version-2", "version-string", "no-version", "unknown-arch", "arch-null", "arch-list", "arch-dict",
        "norm-null", "norm-string-mean", "std-1e-300", "std-1e-7", "mean-1e39", "mean-over-std", "std-negative",
        "mean-nan", "mean-10**400", "accuracy-string", "accuracy-bool", "accuracy-percent", "accuracy-nan",
        "training-list", "nested-100000", "nested-40", "bad-json", "json-list", "empty"])
def test_bad_metadata(tmp_path, model, meta, raw, problem):
    path = write_npz(tmp_path / "meta.npz", model.state_dict(), meta=meta, raw_meta=raw)
    assert_weights_error(path, problem=problem)
    assert_weights_error(path, load=cnn.load_model)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_weights(tmp_path, model, bad):
    state = model.state_dict()
    state["7.weight"][5, 5] = bad
    error = assert_weights_error(write_npz(tmp_path / "nan.npz", state, default_record()))
    assert "7.weight" in str(error)


def test_float64_weights_are_refused(tmp_path, model):
    state = model.state_dict()
    state["0.bias"] = state["0.bias"].astype(np.float64)
    error = assert_weights_error(write_npz(tmp_path / "f64.npz", state, default_record()))
    assert "0.bias" in str(error)
