"""The examples in ``cnn``'s docstrings run, so they stay true."""
import doctest
import importlib
import pkgutil

import pytest

import cnn

MODULES = sorted(name for _, name, _ in pkgutil.walk_packages(cnn.__path__, "cnn."))


def test_the_docstring_examples_exist():
    examples = sum(len(t.examples) for name in MODULES
                   for t in doctest.DocTestFinder().find(importlib.import_module(name)))
    assert examples >= 5


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} failed"
