"""Fixtures for the weights-file tests (``test_weights*.py``)."""
import numpy as np
import pytest

import cnn
from zip_edits import unzip


@pytest.fixture
def model():
    return cnn.build_default(np.random.default_rng(0))


@pytest.fixture
def inputs():
    return np.random.default_rng(1).standard_normal((4, 1, 28, 28)).astype(np.float32)


@pytest.fixture
def saved(tmp_path, model):
    """The bytes of a real weights file (stored, as save_weights writes it) and its members."""
    path = tmp_path / "real.npz"
    cnn.save_weights(path, model, {"training": {"test_accuracy": 0.5}})
    data = path.read_bytes()
    return data, unzip(data)
