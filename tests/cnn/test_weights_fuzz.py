"""1,000 seeded damaged copies of a real weights file: each loads unchanged or raises WeightsFileError.

The damage: byte flips and truncations (mostly where the structure is), edits of zip fields
(flags, compression method, sizes, offsets, the end record), and archives rebuilt with right CRCs
around edited members (duplicate and extra members, ``.npy`` header edits, metadata edits),
so the checks behind the CRC are reached too. The zip editing is in ``zip_edits.py``.
"""
import io
import json
import signal
import zipfile

import numpy as np
import pytest

import cnn
from zip_edits import (DIRECTORY_FIELDS, END_FIELDS, LOCAL_FIELDS, get_field, layout, meta_member,
                       npy_bytes, record, replace_member, rezip, set_field, unzip, with_header)

# --- the cases -----------------------------------------------------------------------------------

REFUSED, LOADS, CHANGED_META, EITHER = "refused", "loads", "loads with another record", "either"


def norm(mean, std):
    return json.dumps(record(normalization={"mean": mean, "std": std}))


BAD_RECORDS = [  # each must be refused
    "[" * 100_000 + "]" * 100_000, json.dumps(record(training={"deep": json.loads("[" * 32 + "]" * 32)})),
    norm(0.1, 1e-300), norm(1e39, 1), norm(1e33, 1e-6), norm(0.1, -0.3), norm(float("nan"), 0.3),
    norm(True, 0.3), norm("0.1", 0.3), norm(0.1, None), json.dumps(record(normalization=[0.1, 0.3])),
    norm(0.1, 0.3).replace("0.1,", "1" + "0" * 400 + ","),
    *(json.dumps(record(training={"test_accuracy": bad})) for bad in ("0.99", 99.5, True, None, float("inf"))),
    json.dumps(record(training=[1, 2])),
    json.dumps(record(format_version=True)), json.dumps(record(format_version=1.0)),
    json.dumps(record(architecture="")), json.dumps(record(architecture=7)),
    "", "null", "1" * 5000, '"text"', "{" + " " * 10_000,
]
GOOD_RECORDS = [  # each loads (with another record than the original's)
    json.dumps(record()), json.dumps(record(training={})), json.dumps(record(extra={"x": [1, None]})),
    json.dumps({k: v for k, v in record().items() if k != "training"}),
    json.dumps(record(training={"loss": float("nan"), "note": "é ✓", "nested": [[[1]]]})),
]
BAD_HEADERS = [  # refused for any float32 member; SHAPE and COUNT become its element count
    "{'descr': '>f4', 'fortran_order': False, 'shape': (SHAPE), }",
    "{'descr': '<f8', 'fortran_order': False, 'shape': (SHAPE), }",
    "{'descr': '|O', 'fortran_order': False, 'shape': (SHAPE), }",
    "{'descr': '<U1', 'fortran_order': False, 'shape': (SHAPE), }",
    "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (SHAPE), }",
    "{'descr': ('<f4', (2,)), 'fortran_order': False, 'shape': (SHAPE), }",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (100000000000,), }",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (100000000000000000000,), }",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (SHAPE, 2), }",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (-1, -COUNT), }",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (0,), }",
    "{'descr': '<f4', 'fortran_order': 'no', 'shape': (SHAPE), }",
    "{'descr': '<f4', 'fortran_order': False}",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (SHAPE), 'x': 1}",
    "[1, 2, 3]", "{'descr': '<f4', 'fortran_order': False, 'shape': (" + "(" * 300 + ")" * 300 + "), }",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (SHAPE), }" + " " * 20_000, "", "\xff" * 60,
    "__import__('os').system('echo owned')",
]
SIZES = [0, 1, 2**31, 2**32 - 1, 2**32 - 2, 100 * 2**30 % 2**32, 65 * 2**20]



def new_value(rng, field, old):
    if field == "flags":
        return old | 1 << int(rng.integers(16))
    if field == "method":
        return int(rng.choice([1, 6, 8, 9, 12, 14, 93, 99, 65535]))
    return int(rng.choice([old + 1, old - 1, old * 2, *SIZES]))


def raw_damage(rng, data, hot):
    """``(label, copy of data)`` damaged in place: each change is outside what the CRCs protect or breaks them.

    ``hot``: offsets where the structure is, which most flips and cuts aim at.
    """
    kind = rng.integers(6)
    if kind == 0:
        out = bytearray(data)
        for _ in range(rng.integers(1, 5)):
            at = int(rng.choice(hot)) if rng.random() < 0.7 else int(rng.integers(len(data)))
            out[at] ^= int(rng.integers(1, 256))
        return "flip", bytes(out)
    if kind == 1:
        cut = int(rng.choice(hot)) if rng.random() < 0.5 else int(rng.integers(len(data)))
        return "truncate", data[:cut]
    entries, end = layout(data)
    if kind == 2:  # a field of a member's directory entry (mostly) or of its local header
        directory, local = entries[rng.integers(len(entries))]
        table, fields, at = (("directory", DIRECTORY_FIELDS, directory) if rng.random() < 0.7
                             else ("local", LOCAL_FIELDS, local))
        field = list(fields)[rng.integers(len(fields))]
        value = new_value(rng, field, get_field(data, at, fields[field]))
        return f"{table}-{field}", set_field(data, at, fields[field], value)
    if kind == 3:
        field = list(END_FIELDS)[rng.integers(len(END_FIELDS))]
        value = new_value(rng, field, get_field(data, end, END_FIELDS[field]))
        return f"end-{field}", set_field(data, end, END_FIELDS[field], value)
    if kind == 4:  # harmless: a zip comment, or bytes after the end
        comment = rng.bytes(int(rng.integers(1, 200))).replace(b"PK", b"pk")
        if rng.random() < 0.5:
            return "comment", set_field(data, end, END_FIELDS["comment_length"], len(comment)) + comment
        return "appended", data + comment
    return "prepended", rng.bytes(int(rng.integers(1, 64))) + data


def rebuilt_damage(rng, members, recompressed):
    """``(label, archive, expectation)``: an archive rebuilt around edited members, CRCs right.

    ``recompressed`` maps zip methods to the whole archive made with them (slow: made once).
    """
    kind = rng.integers(9)
    names = [n for n, _ in members]
    name, content = members[rng.integers(len(members))]
    arrays = [n for n in names if n != "__meta__.npy"]
    if kind == 0:
        return "duplicate", rezip(members + [(names[rng.integers(len(names))], content)]), REFUSED
    if kind == 1:
        extra = ["README.txt", "folder/", "__MACOSX/._0.weight.npy", ".npy", "0.weight.npz"][rng.integers(5)]
        return "extra-member", rezip(members + [(extra, content)]), REFUSED
    if kind == 2:  # an extra array: readable, but not this network's
        extra = [np.zeros(3, np.float32), np.array([{"a": 1}], dtype=object)][rng.integers(2)]
        return "extra-array", rezip(members + [("extra.npy", npy_bytes(extra))]), REFUSED
    if kind == 3:
        left = [m for m in members if m[0] != name]
        return f"dropped-{name}", rezip(left), REFUSED
    if kind == 4:
        method = list(recompressed)[rng.integers(len(recompressed))]
        return f"method-{method}", recompressed[method], LOADS if method == zipfile.ZIP_DEFLATED else REFUSED
    if kind == 5:
        target = arrays[rng.integers(len(arrays))]
        member = dict(members)[target]
        shape = np.load(io.BytesIO(member)).shape
        version = [(1, 0), (2, 0)][rng.integers(2)]
        if rng.random() < 0.2:  # the same header, as format version 2.0 writes it
            header = f"{{'descr': '<f4', 'fortran_order': False, 'shape': {shape}, }}"
            member = with_header(member, header, (2, 0))
            return "header-v2", rezip(replace_member(members, target, member)), LOADS
        count = int(np.prod(shape))
        header = BAD_HEADERS[rng.integers(len(BAD_HEADERS))]
        header = header.replace("SHAPE", f"{count},").replace("COUNT", str(count))
        return "header", rezip(replace_member(members, target, with_header(member, header, version))), REFUSED
    if kind == 6:
        text = BAD_RECORDS[rng.integers(len(BAD_RECORDS))]
        return "bad-record", rezip(replace_member(members, "__meta__.npy", meta_member(text))), REFUSED
    if kind == 7:
        text = GOOD_RECORDS[rng.integers(len(GOOD_RECORDS))]
        return "good-record", rezip(replace_member(members, "__meta__.npy", meta_member(text))), LOADS
    text = json.dumps(record())  # a random edit of the JSON text: valid or not, the arrays stay
    at, cut, insert = int(rng.integers(len(text))), int(rng.integers(3)), "{}[]\",:0 -e\\"[rng.integers(12)]
    text = text[:at] + insert * int(rng.integers(3)) + text[at + cut:]
    return "json-edit", rezip(replace_member(members, "__meta__.npy", meta_member(text))), EITHER


def hot_offsets(data):
    """Where the structure is: zip records and the first bytes of every member (its .npy header)."""
    entries, end = layout(data)
    spots = list(range(end, len(data)))
    for directory, local in entries:
        spots += [*range(directory, directory + 60), *range(local, local + 200)]
    return np.array(spots)


# --- the test ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def original(tmp_path_factory):
    path = tmp_path_factory.mktemp("fuzz") / "digitnet.npz"
    cnn.save_weights(path, cnn.build_default(np.random.default_rng(0)), {"training": {"test_accuracy": 0.5}})
    state, meta = cnn.read_weights(path)
    return path.read_bytes(), state, meta


class Hang(BaseException):
    """Not an Exception: the reader turns every Exception into WeightsFileError."""


@pytest.fixture
def no_hang():
    """Turn a case that takes over 10 s into a failure instead of a stuck test run (POSIX)."""
    if not hasattr(signal, "SIGALRM"):
        yield lambda: None
        return

    def timeout(signum, frame):
        raise Hang("a damaged file made the reader hang")

    previous = signal.signal(signal.SIGALRM, timeout)
    yield lambda: signal.alarm(10)
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def overwrite(path, data):
    # In place: truncating a file and growing it again can cost milliseconds (ext4 with discard).
    with open(path, "r+b") as f:
        f.write(data)
        f.truncate()


def outcome(path, state, meta):
    """REFUSED, LOADS (as it was) or CHANGED_META (the arrays as they were); anything else fails."""
    try:
        read_state, read_meta = cnn.read_weights(path)
    except cnn.WeightsFileError as e:
        assert e.path == str(path) and "allow_pickle" not in str(e)
        return REFUSED
    if read_state.keys() == state.keys() and all(np.array_equal(read_state[k], state[k]) for k in state):
        return LOADS if read_meta == meta else CHANGED_META
    with pytest.raises(cnn.WeightsFileError):  # readable arrays, but not this network's (one missing, ...)
        cnn.load_model(path)
    return REFUSED


def test_damaged_copies_load_unchanged_or_raise_weights_file_error(tmp_path, original, no_hang):
    data, state, meta = original
    members = unzip(data)
    recompressed = {zipfile.ZIP_DEFLATED: rezip(members, zipfile.ZIP_DEFLATED),
                    **{method: rezip(members, method, only="0.bias.npy")  # bzip2 and lzma are slow
                       for method in (zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA)}}
    bases = [data, recompressed[zipfile.ZIP_DEFLATED]]  # raw edits reach the deflate paths too
    hot = [hot_offsets(base) for base in bases]
    rng = np.random.default_rng(2024)
    path, tally = tmp_path / "damaged.npz", {}
    path.write_bytes(data)
    for case in range(1000):
        if case % 2:
            b = int(rng.random() < 0.3)
            (label, damaged), expected = raw_damage(rng, bases[b], hot[b]), EITHER
        else:
            label, damaged, expected = rebuilt_damage(rng, members, recompressed)
        overwrite(path, damaged)
        no_hang()
        result = outcome(path, state, meta)
        # Raw damage sits outside the CRCs or breaks them: if it loads, the record is untouched too.
        assert result != CHANGED_META or not case % 2, (case, label)
        loaded = result in (LOADS, CHANGED_META)
        assert expected in (EITHER, result) or (expected == LOADS and loaded), (case, label, result)
        tally[result] = tally.get(result, 0) + 1
    # The run must exercise both outcomes, or it proves nothing about either.
    assert tally[REFUSED] > 600 and tally[LOADS] > 100, tally  # 754 and 191 when written
