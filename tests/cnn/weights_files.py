"""What the weights-file tests share: a model, hand-made and damaged files, the error check."""
import json
import os

import numpy as np
import pytest

import cnn


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


def damaged_file(tmp_path, data, name="damaged.npz"):
    path = tmp_path / name
    path.write_bytes(data)
    return path
