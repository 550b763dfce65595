"""Weight files: the arrays of a state dict plus a small JSON metadata record, in one ``.npz``.

Reading trusts nothing (``weights_reader``): whatever file a user picks either loads or raises
``WeightsFileError`` naming it; nothing is ever unpickled. Writing goes to a temporary file in the
same folder, flushed to disk, then renamed over the target: a crash leaves the old file intact.
"""
import contextlib
import errno
import json
import math
import os
import re
import reprlib
import secrets
import time
from pathlib import Path

import numpy as np

from .calibration import problem as calibration_problem
from .model import StateDictError
from .network import ARCHITECTURE, ARCHITECTURES
from .normalization import DEFAULT as DEFAULT_NORMALIZATION
from .weights_reader import FileProblem, os_error_words, read_archive

FORMAT_VERSION = 1
META_KEY = "__meta__"
MAX_META_DEPTH = 32  # the real record nests 3 deep; callers may copy or re-save what they get
MIN_STD = 1e-6  # a smaller normalisation std would blow the inputs up past float32
_FLOAT32_MAX = float(np.finfo(np.float32).max)
_TEMP_NAME = re.compile(r"\.dd-[0-9a-f]{8}\.tmp")
_STALE_SECONDS = 60
_short = reprlib.Repr()
_short.maxstring = _short.maxother = 60


class WeightsFileError(Exception):
    """A weights file that cannot be used; the message names the file and the problem."""

    def __init__(self, path, problem):
        super().__init__(f"{path}: {problem}")
        self.path, self.problem = str(path), problem


def read_weights(path):
    """Return ``(state_dict, meta)`` from a weights file, or raise ``WeightsFileError``.

    Every failure (damage, a file of another kind, an unreadable path, a record out of range) is a
    ``WeightsFileError`` whose message names the file in words a user can act on.
    """
    try:
        arrays, text = read_archive(path, META_KEY)
        meta = _parse_meta(text)
        _check_arrays(arrays)
    except FileProblem as e:
        raise WeightsFileError(path, str(e)) from e
    except OSError as e:
        raise WeightsFileError(path, f"the file cannot be read ({os_error_words(e)})") from e
    except Exception as e:  # a file must never crash the caller, whatever it makes the reader do
        raise WeightsFileError(path, f"the file is damaged ({type(e).__name__}: {e})") from e
    return arrays, meta


def load_model(path, rng=None):
    """Build the architecture named in the file and load its weights: ``(model, meta)``.

    Raises ``WeightsFileError`` for any unusable file, including arrays that do not fit the network.
    """
    state, meta = read_weights(path)
    model = ARCHITECTURES[meta["architecture"]](rng if rng is not None else np.random.default_rng(0))
    try:
        model.load_state_dict(state, strict=True)
    except StateDictError as e:
        raise WeightsFileError(path, str(e)) from e
    return model.eval(), meta


def _parse_meta(text):
    try:
        meta = json.loads(text)
    except RecursionError as e:
        raise FileProblem("the metadata record is nested too deeply") from e
    except ValueError as e:
        raise FileProblem(f"the metadata record is not valid JSON ({e})") from e
    if _too_deep(meta, MAX_META_DEPTH):
        raise FileProblem("the metadata record is nested too deeply")
    version = meta.get("format_version") if isinstance(meta, dict) else None
    if type(version) is not int or version != FORMAT_VERSION:  # noqa: E721 (True == 1 must not pass)
        raise FileProblem(f"unsupported format version {_short.repr(version)} (expected {FORMAT_VERSION})")
    arch = meta.get("architecture")
    if not isinstance(arch, str) or arch not in ARCHITECTURES:
        raise FileProblem(f"unknown architecture {_short.repr(arch)}")
    _check_normalization(meta.get("normalization"))
    training = meta.setdefault("training", {})
    if not isinstance(training, dict):
        raise FileProblem("metadata 'training' is not a record")
    accuracy = training.get("test_accuracy", 0.0)
    if _float32(accuracy) is None or not 0.0 <= accuracy <= 1.0:
        raise FileProblem(f"metadata test accuracy {_short.repr(accuracy)} is not a number from 0 to 1")
    if "calibration" in training and (why := calibration_problem(training["calibration"])):
        raise FileProblem(why)
    return meta


def _check_normalization(norm):
    norm_ok = isinstance(norm, dict)
    mean, std = (_float32(norm.get("mean")), _float32(norm.get("std"))) if norm_ok else (None, None)
    # normalize() multiplies by 1/std and subtracts mean/std in float32: both must stay finite.
    if mean is None or std is None or std < MIN_STD or _float32(mean / std) is None:
        raise FileProblem("metadata has no valid normalization (finite float32 mean, std of at least "
                          f"{MIN_STD:g}): {_short.repr(norm)}")


def _float32(value):
    """``value`` as a float if it is a real number (not a bool) that is finite in float32, else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:  # an int of 400 digits
        return None
    return number if math.isfinite(number) and abs(number) <= _FLOAT32_MAX else None


def _too_deep(value, limit):
    # Iterative: a record nested just under json's recursion limit must not hit it here.
    todo = [(value, 1)]
    while todo:
        item, depth = todo.pop()
        if isinstance(item, (dict, list)):
            if depth > limit:
                return True
            todo.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return False


def _check_arrays(arrays):
    for key, value in arrays.items():
        if value.dtype != np.float32:
            raise FileProblem(f"array {key!r} holds {value.dtype} values, not float32")
        if not np.isfinite(value).all():
            raise FileProblem(f"array {key!r} holds NaN or infinite values")


# --- saving ---------------------------------------------------------------------------------------

def save_weights(path, model, meta=None):
    """Write ``model``'s state dict and a metadata record to ``path`` atomically.

    ``meta`` entries (e.g. ``{"training": {...}}``) are added to the record, which always holds
    ``format_version``, ``architecture`` and ``normalization``. The folder must exist. Temporary
    files that crashed saves left in it are removed.

    Raises:
        ValueError: nothing was written because ``read_weights`` would refuse the file: a weight
            is NaN or infinite, the record is out of range or not JSON, or the file too large.
        OSError: the file could not be written (no such folder, disk full, permission denied...):
            the subclass the system raised (``FileNotFoundError``, ``PermissionError``, ...), with
            its ``errno``. Any existing file at ``path`` is unchanged.
        Both messages start with ``path``, like ``"<path>: not saved (the disk is full)"``.
    """
    path = Path(path)
    state = model.state_dict()
    text = _checked_record(path, state, meta)
    _remove_stale_temp_files(path.parent, path.name)  # first: they may be what filled the disk
    try:
        _write_atomically(path, {**state, META_KEY: np.array(text)})
    except FileProblem as e:  # the written file did not read back
        raise ValueError(f"{path}: not saved ({e})") from e
    except OSError as e:
        raise _save_error(path, e) from e


def _checked_record(path, state, meta):
    """The record as JSON, once it and ``state`` pass the checks ``read_weights`` makes."""
    record = {"format_version": FORMAT_VERSION, "architecture": ARCHITECTURE,
              "normalization": dict(DEFAULT_NORMALIZATION), "training": {}}
    record.update(meta or {})
    try:
        _check_arrays(state)
        text = json.dumps(record)
        _parse_meta(text)
    except FileProblem as e:
        raise ValueError(f"{path}: not saved ({e})") from e
    except (TypeError, ValueError) as e:  # from json.dumps: not serialisable, or circular
        raise ValueError(f"{path}: not saved (the metadata cannot be written as JSON: {e})") from e
    return text


def _write_atomically(path, arrays):
    # Opened by name (not mkstemp, which makes 0600 files): the OS applies the user's umask. The short
    # name keeps any legal target name legal, and is what _remove_stale_temp_files looks for. A
    # missing folder fails here: creating it silently would hide a mistyped path.
    tmp = path.with_name(f".dd-{secrets.token_hex(4)}.tmp")
    f = open(tmp, "xb")  # outside the try: if another save owns this name, it is not ours to remove
    try:
        with f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        read_archive(tmp, META_KEY)  # publish only a file that reads back (e.g. within the size limits)
        os.replace(tmp, path)
    except BaseException:
        _remove_quietly(tmp)
        raise
    _sync_folder(path.parent)


def _sync_folder(folder):
    """Make the rename itself durable (POSIX only: Windows cannot open a folder)."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    with contextlib.suppress(OSError):  # the file is in place: failing now would report a save that happened
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _remove_stale_temp_files(folder, name):
    """Delete the temporary files of saves that were killed (they could not clean up).

    Only names this module makes, untouched for a minute: a save in progress keeps writing to its
    own and takes well under a second, so a concurrent save's file is left alone.
    """
    earlier = re.compile(rf"\.{re.escape(name)}\.\d+\.[0-9a-f]{{8}}\.tmp")  # what older versions made
    cutoff = time.time() - _STALE_SECONDS
    try:
        with os.scandir(folder) as entries:
            stale = [e.path for e in entries if (_TEMP_NAME.fullmatch(e.name) or earlier.fullmatch(e.name))
                     and e.is_file(follow_symlinks=False) and e.stat(follow_symlinks=False).st_mtime < cutoff]
    except OSError:
        return
    for tmp in stale:
        _remove_quietly(tmp)


def _remove_quietly(file):
    with contextlib.suppress(OSError):  # already gone or not ours: the save's own outcome matters more
        os.unlink(file)


def _save_error(path, error):
    """``error``'s kind (``PermissionError``, ...) and errno, with a message naming the target."""
    missing_folder = error.errno == errno.ENOENT and not os.path.isdir(path.parent)
    reason = f"the folder {path.parent} does not exist" if missing_folder else os_error_words(error)
    kind = type(error) if type(error).__module__ == "builtins" else OSError
    result = kind(f"{path}: not saved ({reason})")
    result.errno = error.errno
    return result
