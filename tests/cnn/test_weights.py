"""State dicts and weights files: round trip, strict/non-strict loading, damaged files, atomic writes.

The damaged files here are the kinds that once leaked a traceback from ``np.load``, were wrongly
accepted, or made it read without bound; ``test_weights_fuzz.py`` makes a thousand more.
"""
import errno
import json
import os
import stat
import time
import tracemalloc
import zipfile

import numpy as np
import pytest

import cnn
from cnn import weights as weights_module
from cnn import weights_reader
from test_weights_fuzz import edit_member, meta_member, npy_bytes, replace_member, rezip, unzip, with_header


@pytest.fixture
def model():
    return cnn.build_default(np.random.default_rng(0))


@pytest.fixture
def inputs():
    return np.random.default_rng(1).standard_normal((4, 1, 28, 28)).astype(np.float32)


def default_record(**changes):
    record = {"format_version": 1, "architecture": cnn.ARCHITECTURE,
              "normalization": dict(cnn.normalization.DEFAULT), "training": {}}
    record.update(changes)
    return record


def write_npz(path, arrays, meta=None, raw_meta=None):
    """A hand-made weights file: ``arrays`` plus a metadata record (a dict, a raw string, or none)."""
    arrays = dict(arrays)
    if meta is not None:
        arrays["__meta__"] = np.array(json.dumps(meta))
    if raw_meta is not None:
        arrays["__meta__"] = np.array(raw_meta)
    with open(path, "wb") as f:
        np.savez(f, **arrays)
    return path


def assert_weights_error(path, load=cnn.read_weights, problem=None):
    with pytest.raises(cnn.WeightsFileError) as info:
        load(path)
    assert os.path.basename(str(path)) in str(info.value)
    if problem:
        assert problem.lower() in info.value.problem.lower()  # not in the path, which may hold any word
    return info.value


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


# --- what np.load let through: every one of these was a raw traceback ----------------------------

@pytest.fixture
def saved(tmp_path, model):
    """The bytes of a real weights file (stored, as save_weights writes it) and its members."""
    path = tmp_path / "real.npz"
    cnn.save_weights(path, model, {"training": {"test_accuracy": 0.5}})
    data = path.read_bytes()
    return data, unzip(data)


def damaged_file(tmp_path, data, name="damaged.npz"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("flag,problem", [
    (0x0001, "encrypted"), (0x0040, "encrypted"), (0x0020, "flags"), (0x2000, "flags"), (0x0010, "flags"),
], ids=["encrypted", "strong-encryption", "compressed-patched", "masked-headers", "reserved"])
def test_zip_flag_bits_a_weights_file_never_has(tmp_path, saved, flag, problem):
    data = edit_member(saved[0], "3.bias.npy", "flags", flag, where="both")
    for load in (cnn.read_weights, cnn.load_model):
        assert_weights_error(damaged_file(tmp_path, data), load=load, problem=problem)


def test_harmless_zip_flags_and_a_comment_still_load(tmp_path, saved, model):
    data = edit_member(saved[0], "3.bias.npy", "flags", 0x0800 | 0x0008, where="both")  # UTF-8 names
    with zipfile.ZipFile(damaged_file(tmp_path, data), "a") as z:
        z.comment = b"made by hand"
    state, _ = cnn.read_weights(tmp_path / "damaged.npz")
    assert all(np.array_equal(state[k], v) for k, v in model.state_dict().items())


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA, 99])
def test_compression_methods_other_than_stored_and_deflate(tmp_path, saved, method):
    if method == 99:
        data = edit_member(saved[0], "0.bias.npy", "method", 99, where="both")
    else:  # a real bzip2 or lzma member: zipfile would read it, but no weights file is made so
        data = rezip(saved[1], method, only="0.bias.npy")
    assert_weights_error(damaged_file(tmp_path, data), problem="compression method")


def test_a_deflated_copy_loads(tmp_path, saved, model):
    state, _ = cnn.read_weights(damaged_file(tmp_path, rezip(saved[1], zipfile.ZIP_DEFLATED)))
    assert all(np.array_equal(state[k], v) for k, v in model.state_dict().items())


@pytest.mark.parametrize("extra", ["README.txt", "folder/", "0.weight.npz", ".npy"])
def test_a_member_that_is_not_an_array(tmp_path, saved, extra):
    path = damaged_file(tmp_path, rezip(saved[1] + [(extra, b"hello")]))
    assert_weights_error(path, problem="not an array")
    assert_weights_error(path, load=cnn.load_model)


@pytest.mark.parametrize("shape", ["(100_000_000_000,)".replace("_", ""), "(100000000000000000000,)",
                                   "(25000000000, 1)", "(-1, -32)", "(0,)", "(64,)"])
def test_declared_shapes_that_do_not_fit_the_data(tmp_path, saved, shape):
    header = f"{{'descr': '<f4', 'fortran_order': False, 'shape': {shape}, }}"
    member = with_header(dict(saved[1])["0.bias.npy"], header)
    path = damaged_file(tmp_path, rezip(replace_member(saved[1], "0.bias.npy", member)))
    assert_weights_error(path, problem="shape")


@pytest.mark.parametrize("header,problem", [
    ("{'descr': '>f4', 'fortran_order': False, 'shape': (32,), }", ">f4"),
    ("{'descr': '<U1', 'fortran_order': False, 'shape': (32,), }", "<u1"),
    ("{'descr': '<f4', 'fortran_order': False, 'shape': (32,), }" + " " * 20_000, "header"),
    ("__import__('os').system('echo owned')", "header"),
], ids=["big-endian", "text", "header-over-10000", "code"])
def test_array_headers_that_are_refused(tmp_path, saved, header, problem):
    member = with_header(dict(saved[1])["0.bias.npy"], header)
    path = damaged_file(tmp_path, rezip(replace_member(saved[1], "0.bias.npy", member)))
    error = assert_weights_error(path, problem=problem)
    assert "pickle" not in error.problem  # numpy's message for a long header suggests allow_pickle


def test_a_version_2_header_and_a_fortran_ordered_array_load(tmp_path, saved, model):
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (32,), }"
    members = replace_member(saved[1], "0.bias.npy", with_header(dict(saved[1])["0.bias.npy"], header, (2, 0)))
    weight = model.state_dict()["10.weight"]
    members = replace_member(members, "10.weight.npy", npy_bytes(np.asfortranarray(weight)))
    state, _ = cnn.read_weights(damaged_file(tmp_path, rezip(members)))
    assert all(np.array_equal(state[k], v) for k, v in model.state_dict().items())


def test_a_single_npy_array_is_named_as_such(tmp_path, model):
    path = tmp_path / "weights.npz"
    with open(path, "wb") as f:
        np.save(f, model.state_dict()["0.weight"])
    assert_weights_error(path, problem="one numpy array (.npy)")
    assert_weights_error(path, load=cnn.load_model)


def test_a_name_too_long_for_the_system(tmp_path):
    for load in (cnn.read_weights, cnn.load_model):
        assert_weights_error(tmp_path / ("x" * 300 + ".npz"), load=load, problem="too long")


def test_a_folder_is_not_a_weights_file(tmp_path):
    (tmp_path / "folder.npz").mkdir()
    assert_weights_error(tmp_path / "folder.npz", problem="folder")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_is_refused_without_waiting_for_a_writer(tmp_path):
    os.mkfifo(tmp_path / "pipe.npz")
    assert_weights_error(tmp_path / "pipe.npz", problem="not a regular file")


def test_any_error_while_reading_is_a_weights_file_error(tmp_path, saved, monkeypatch):
    path = damaged_file(tmp_path, saved[0])

    def fail(*args, **kwargs):
        raise MemoryError("out of memory")

    monkeypatch.setattr(weights_reader.np, "frombuffer", fail)
    assert_weights_error(path, problem="memoryerror")
    monkeypatch.undo()

    def disk_fails(*args):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(weights_reader.zipfile.ZipFile, "open", disk_fails)
    assert_weights_error(path, problem="cannot be read (a disk input/output error)")


# --- what np.load wrongly accepted -----------------------------------------------------------------

def test_two_members_with_one_name(tmp_path, saved, model):
    """np.load gave the later copy, so a file could carry two versions of a weight."""
    other = npy_bytes(np.full(64, 7.0, np.float32))
    path = damaged_file(tmp_path, rezip(saved[1] + [("3.bias.npy", other)]))
    assert_weights_error(path, problem="two members named '3.bias.npy'")
    assert_weights_error(path, load=cnn.load_model)


# --- bounds: what a file declares is checked before anything is decompressed ----------------------

def read_peak(path):
    """``(error, peak bytes allocated)`` reading ``path``, which must be refused."""
    tracemalloc.start()
    try:
        with pytest.raises(cnn.WeightsFileError) as info:
            cnn.read_weights(path)
        return info.value, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_huge_metadata_record_is_refused_unread(tmp_path, saved):
    """2,000,000 spaces of JSON (8 MB as UTF-32, 8 kB deflated): np.load read all and accepted it."""
    text = json.dumps(default_record()) + " " * 2_000_000
    members = replace_member(saved[1], "__meta__.npy", meta_member(text))
    path = damaged_file(tmp_path, rezip(members, zipfile.ZIP_DEFLATED, only="__meta__.npy"))
    assert zipfile.ZipFile(path).getinfo("__meta__.npy").compress_size < 100_000
    error, peak = read_peak(path)
    assert "__meta__.npy" in str(error) and "declares" in str(error)
    assert peak < 2_000_000


def test_arrays_larger_than_any_weights_file_are_refused_unread(tmp_path, saved):
    big = npy_bytes(np.zeros(17 * 2**20, np.float32))  # 68 MB of zeros deflate to 70 kB
    path = damaged_file(tmp_path, rezip(saved[1] + [("big.npy", big)], zipfile.ZIP_DEFLATED))
    error, peak = read_peak(path)
    assert "declare" in str(error)
    assert peak < 5_000_000


def test_a_member_that_inflates_past_its_declared_size_is_cut_off(tmp_path, saved):
    """A deflate stream of 60 MB behind a directory entry that declares 3 kB."""
    bomb = with_header(dict(saved[1])["0.bias.npy"], "{'descr': '<f4', 'fortran_order': False, "
                       "'shape': (15000000,), }") + bytes(60_000_000 - 128)
    data = rezip(replace_member(saved[1], "0.bias.npy", bomb), zipfile.ZIP_DEFLATED, only="0.bias.npy")
    data = edit_member(data, "0.bias.npy", "size", 3000, where="both")
    error, peak = read_peak(damaged_file(tmp_path, data))
    assert "0.bias.npy" in str(error)
    assert peak < 5_000_000


def test_a_directory_declaring_too_many_members(tmp_path, saved):
    many = rezip(saved[1] + [(f"x{i}.npy", b"") for i in range(weights_reader.MAX_MEMBERS)])
    assert_weights_error(damaged_file(tmp_path, many), problem="declares")


# --- atomic write --------------------------------------------------------------------------------

def test_failed_write_keeps_the_previous_file(tmp_path, model, inputs, monkeypatch):
    path = tmp_path / "w.npz"
    cnn.save_weights(path, model, {"training": {"epochs": 1}})
    old_bytes = path.read_bytes()
    real_savez = np.savez

    def savez_then_fail(file, **arrays):
        real_savez(file, **dict(list(arrays.items())[:2]))  # part of the arrays reach the file
        raise OSError("disk full")

    monkeypatch.setattr(weights_module.np, "savez", savez_then_fail)
    with pytest.raises(OSError, match="disk full"):
        cnn.save_weights(path, cnn.build_default(np.random.default_rng(7)), {"training": {"epochs": 2}})
    monkeypatch.undo()
    assert path.read_bytes() == old_bytes
    assert os.listdir(tmp_path) == ["w.npz"]  # the temporary file was removed
    loaded, meta = cnn.load_model(path)
    assert meta["training"] == {"epochs": 1}
    np.testing.assert_array_equal(loaded.predict_proba(inputs), model.predict_proba(inputs))


def test_interrupted_write_removes_the_temporary_file(tmp_path, model, monkeypatch):
    def interrupted(file, **arrays):
        file.write(b"PK\x03\x04partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(weights_module.np, "savez", interrupted)
    with pytest.raises(KeyboardInterrupt):
        cnn.save_weights(tmp_path / "new.npz", model)
    assert os.listdir(tmp_path) == []  # neither a half-written target nor a temporary file


# --- saving: what a save leaves behind, and how it fails -------------------------------------------

def test_save_refuses_a_missing_folder_and_does_not_create_it(tmp_path, model):
    path = tmp_path / "typo" / "w.npz"
    with pytest.raises(FileNotFoundError) as info:
        cnn.save_weights(path, model)
    assert str(path) in str(info.value) and "does not exist" in str(info.value)
    assert info.value.errno == errno.ENOENT
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_save_refuses_non_finite_weights_before_writing(tmp_path, model, bad):
    path = tmp_path / "w.npz"
    cnn.save_weights(path, model)
    old_bytes = path.read_bytes()
    model.parameters()[2].data[0, 0, 0, 0] = bad
    with pytest.raises(ValueError) as info:
        cnn.save_weights(path, model)
    assert str(path) in str(info.value) and "3.weight" in str(info.value)
    assert path.read_bytes() == old_bytes and os.listdir(tmp_path) == ["w.npz"]


@pytest.mark.parametrize("meta,problem", [
    ({"training": {"test_accuracy": "high"}}, "test accuracy"),
    ({"normalization": {"mean": 0.1, "std": 0.0}}, "normalization"),
    ({"training": {"loss": np.float32(0.5)}}, "JSON"),
], ids=["accuracy-string", "std-zero", "not-json"])
def test_save_refuses_a_record_that_could_not_be_read_back(tmp_path, model, meta, problem):
    with pytest.raises(ValueError, match=problem):
        cnn.save_weights(tmp_path / "w.npz", model, meta)
    assert os.listdir(tmp_path) == []


def test_save_refuses_a_file_over_the_size_limits(tmp_path, model, monkeypatch):
    monkeypatch.setattr(weights_reader, "MAX_ARRAY_BYTES", 100_000)  # the network holds 1.7 MB
    with pytest.raises(ValueError, match="declare"):
        cnn.save_weights(tmp_path / "w.npz", model)
    assert os.listdir(tmp_path) == []  # the temporary file that did not read back is gone


def test_a_long_legal_name_can_be_saved(tmp_path, model):
    """The temporary name once added 22 characters to the target's, past the 255 a name may have."""
    path = tmp_path / ("w" * 251 + ".npz")
    cnn.save_weights(path, model)
    cnn.load_model(path)
    assert os.listdir(tmp_path) == [path.name]


def age(path, seconds):
    path.write_bytes(b"PK\x03\x04 half a weights file")
    then = time.time() - seconds
    os.utime(path, (then, then))
    return path


def test_a_save_removes_only_stale_temporary_files(tmp_path, model):
    """What saves killed mid-write left; a concurrent save's fresh file and others' files stay."""
    stale = [age(tmp_path / ".dd-0123abcd.tmp", 120), age(tmp_path / ".w.npz.4242.89abcdef.tmp", 3600)]
    kept = [age(tmp_path / ".dd-fedcba98.tmp", 5),  # another process is saving right now
            age(tmp_path / ".other.npz.4242.89abcdef.tmp", 3600),  # an older version saving another file
            age(tmp_path / ".dd-0123abcd.tmp.bak", 3600), age(tmp_path / "notes.tmp", 3600),
            age(tmp_path / ".dd-0123ABCD.tmp", 3600)]
    cnn.save_weights(tmp_path / "w.npz", model)
    assert sorted(os.listdir(tmp_path)) == sorted(["w.npz"] + [p.name for p in kept])
    assert not any(p.exists() for p in stale)


def test_what_a_killed_save_leaves_is_removed_by_a_later_save(tmp_path, model, monkeypatch):
    def killed(file, **arrays):
        file.write(b"PK\x03\x04 partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(weights_module.np, "savez", killed)
    monkeypatch.setattr(weights_module, "_remove_quietly", lambda file: None)  # a killed process cannot
    with pytest.raises(KeyboardInterrupt):
        cnn.save_weights(tmp_path / "w.npz", model)
    monkeypatch.undo()
    [leftover] = os.listdir(tmp_path)
    assert len(leftover) < 20  # short, whatever the target's name
    cnn.save_weights(tmp_path / "w.npz", model)
    assert sorted(os.listdir(tmp_path)) == sorted([leftover, "w.npz"])  # it may be a save in progress
    age(tmp_path / leftover, 120)
    cnn.save_weights(tmp_path / "w.npz", model)
    assert os.listdir(tmp_path) == ["w.npz"]


@pytest.mark.skipif(not hasattr(os, "O_DIRECTORY"), reason="only POSIX can sync a folder")
def test_the_folder_is_synced_after_the_rename(tmp_path, model, monkeypatch):
    events, real_fsync, real_replace = [], os.fsync, os.replace

    def fsync(fd):
        events.append("fsync folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else "fsync file")
        real_fsync(fd)

    def replace(src, dst):
        events.append("rename")
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    cnn.save_weights(tmp_path / "w.npz", model)
    assert events == ["fsync file", "rename", "fsync folder"]


@pytest.mark.parametrize("code,kind,words", [(errno.ENOSPC, OSError, "the disk is full"),
                                             (errno.EACCES, PermissionError, "permission denied"),
                                             (errno.EROFS, OSError, "read-only")])
@pytest.mark.parametrize("step", ["write", "rename"])
def test_save_errors_name_the_target_in_words(tmp_path, model, monkeypatch, code, kind, words, step):
    path = tmp_path / "w.npz"
    cnn.save_weights(path, model)
    old_bytes = path.read_bytes()

    def fail(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(*((weights_module.np, "savez") if step == "write" else (os, "replace")), fail)
    with pytest.raises(kind) as info:
        cnn.save_weights(path, model)
    message = str(info.value)
    assert message == f"{path}: not saved ({words})" or (words in message and str(path) in message)
    assert info.value.errno == code and "[Errno" not in message
    monkeypatch.undo()
    assert path.read_bytes() == old_bytes and os.listdir(tmp_path) == ["w.npz"]


@pytest.mark.skipif(os.name != "posix", reason="umask is POSIX")
def test_a_saved_file_honours_the_umask(tmp_path, model):
    old = os.umask(0o027)
    try:
        cnn.save_weights(tmp_path / "w.npz", model)
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "w.npz").st_mode) == 0o640
