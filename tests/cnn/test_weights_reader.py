"""The validating reader: zip-level damage that once leaked a traceback from ``np.load``, was
wrongly accepted, or made it read without bound.
"""
import errno
import json
import os
import tracemalloc
import zipfile

import numpy as np
import pytest

import cnn
from cnn import weights_reader
from weights_files import assert_weights_error, damaged_file, default_record
from zip_edits import edit_member, meta_member, npy_bytes, replace_member, rezip, with_header


# --- what np.load let through: every one of these was a raw traceback ----------------------------

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
