"""Saving weights: atomic writes, what a crashed save leaves behind, and how a save fails."""
import errno
import os
import stat
import time

import numpy as np
import pytest

import cnn
from cnn import weights as weights_module
from cnn import weights_reader


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
