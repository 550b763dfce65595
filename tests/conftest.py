"""Fixtures shared by the whole test suite."""
import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # every test is headless (read by QApplication)


@pytest.fixture
def mnist_dir():
    """The real MNIST folder named by ``$MNIST_DIR``.

    Skips only when the variable is unset. When it is set but points at a missing or
    broken folder, the tests using this fixture fail: CI sets it, and must not go green
    by silently skipping.
    """
    value = os.environ.get("MNIST_DIR")
    if not value:
        pytest.skip("MNIST_DIR is not set")
    return Path(value)
