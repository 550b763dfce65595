"""Where the shipped weights are: in the installed app, or in ``weights/`` of a working tree.

``pyproject.toml`` installs the ``weights/`` folder as the package ``digit_draw.weights``, so a
wheel, ``pipx install`` and an editable install all find the file through ``importlib.resources``,
from any working directory. A working tree that was never installed has no such package and reads
``weights/`` beside ``digit_draw/`` directly.
"""
from __future__ import annotations

import atexit
import contextlib
from importlib import resources
from pathlib import Path

PACKAGE = "digit_draw.weights"
FILENAME = "digitnet.npz"
_WORKING_TREE = Path(__file__).resolve().parent.parent / "weights" / FILENAME


def shipped_weights() -> Path:
    """The path of the weights that come with the app (the file may be missing in a bare checkout).

    Example:
        >>> shipped_weights().name
        'digitnet.npz'
    """
    try:
        resource = resources.files(PACKAGE) / FILENAME
    except ModuleNotFoundError:  # not installed: run from the working tree
        return _WORKING_TREE
    if isinstance(resource, Path):  # an ordinary folder on disk: wheels, pipx, editable installs
        return resource
    # Anywhere else (a zip, say), a real file that lasts as long as the process.
    stack = contextlib.ExitStack()
    atexit.register(stack.close)
    return stack.enter_context(resources.as_file(resource))


SHIPPED_WEIGHTS = shipped_weights()
