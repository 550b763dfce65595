"""Weight files: the arrays of a state dict plus a small JSON metadata record, in one ``.npz``.

Loaded with ``allow_pickle=False``, so a file can never run code. Written to a temporary file in
the same folder, flushed to disk, then renamed over the target: a crash leaves the old file intact.
"""
import json
import math
import os
import uuid
import zipfile
import zlib
from pathlib import Path

import numpy as np

from .model import StateDictError
from .network import ARCHITECTURE, ARCHITECTURES
from .normalization import DEFAULT as DEFAULT_NORMALIZATION

FORMAT_VERSION = 1
META_KEY = "__meta__"


class WeightsFileError(Exception):
    """A weights file that cannot be used; the message names the file and the problem."""

    def __init__(self, path, problem):
        super().__init__(f"{path}: {problem}")
        self.path, self.problem = str(path), problem


def save_weights(path, model, meta=None):
    """Write ``model``'s state dict and a metadata record to ``path`` atomically.

    ``meta`` entries (e.g. ``{"training": {...}}``) are added to the record, which always holds
    ``format_version``, ``architecture`` and ``normalization``.
    """
    path = Path(path)
    record = {"format_version": FORMAT_VERSION, "architecture": ARCHITECTURE,
              "normalization": dict(DEFAULT_NORMALIZATION), "training": {}}
    record.update(meta or {})
    arrays = model.state_dict()
    arrays[META_KEY] = np.array(json.dumps(record))
    path.parent.mkdir(parents=True, exist_ok=True)
    # Opened by name (not mkstemp, which makes 0600 files): the OS applies the user's umask.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(tmp, "xb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def read_weights(path):
    """Return ``(state_dict, meta)`` from a weights file, or raise ``WeightsFileError``."""
    path = Path(path)
    if not path.is_file():
        raise WeightsFileError(path, "no such file")
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except ValueError as e:  # numpy refuses object arrays, i.e. pickled content
        raise WeightsFileError(path, f"not a plain weights file ({e})") from e
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error) as e:
        raise WeightsFileError(path, f"damaged or not a weights file ({e or type(e).__name__})") from e
    if META_KEY not in arrays:
        raise WeightsFileError(path, "no metadata record: not a Digit Draw weights file")
    meta = _parse_meta(path, arrays.pop(META_KEY))
    for key, value in arrays.items():
        if value.dtype != np.float32 or not np.isfinite(value).all():
            raise WeightsFileError(path, f"array {key!r} is not finite float32 ({value.dtype})")
    return arrays, meta


def _parse_meta(path, raw):
    try:
        meta = json.loads(str(raw))
    except ValueError as e:
        raise WeightsFileError(path, f"metadata record is not valid JSON ({e})") from e
    version = meta.get("format_version") if isinstance(meta, dict) else None
    if type(version) is not int or version != FORMAT_VERSION:  # noqa: E721 (True == 1 must not pass)
        raise WeightsFileError(path, f"unsupported format version {version!r} (expected {FORMAT_VERSION})")
    arch = meta.get("architecture")
    if not isinstance(arch, str) or arch not in ARCHITECTURES:
        raise WeightsFileError(path, f"unknown architecture {arch!r}")
    norm = meta.get("normalization")
    if not (isinstance(norm, dict) and _finite_number(norm.get("mean")) and _finite_number(norm.get("std"))
            and norm["std"] > 0):
        raise WeightsFileError(path, f"metadata has no valid normalization (finite mean, std > 0): {norm!r}")
    training = meta.setdefault("training", {})
    if not isinstance(training, dict):
        raise WeightsFileError(path, "metadata 'training' is not a record")
    return meta


def _finite_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def load_model(path, rng=None):
    """Build the architecture named in the file and load its weights: ``(model, meta)``."""
    state, meta = read_weights(path)
    model = ARCHITECTURES[meta["architecture"]](rng if rng is not None else np.random.default_rng(0))
    try:
        model.load_state_dict(state, strict=True)
    except StateDictError as e:
        raise WeightsFileError(path, str(e)) from e
    return model.eval(), meta
