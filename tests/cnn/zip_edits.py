"""Editing a zip archive's bytes and members, to make damaged weights files for the tests."""
import io
import struct
import warnings
import zipfile

import numpy as np

import cnn

# field: (offset in its record, struct format)
DIRECTORY_FIELDS = {"flags": (8, "H"), "method": (10, "H"), "crc": (16, "L"), "compressed": (20, "L"),
                    "size": (24, "L"), "name_length": (28, "H"), "extra_length": (30, "H"), "offset": (42, "L")}
LOCAL_FIELDS = {"flags": (6, "H"), "method": (8, "H"), "crc": (14, "L"), "compressed": (18, "L"),
                "size": (22, "L"), "name_length": (26, "H"), "extra_length": (28, "H")}
END_FIELDS = {"disk": (4, "H"), "entries_here": (8, "H"), "entries": (10, "H"), "directory_size": (12, "L"),
              "directory_offset": (16, "L"), "comment_length": (20, "H")}


def layout(data):
    """``([(directory entry offset, local header offset), ...], end record offset)`` of a zip."""
    end = data.rfind(b"PK\x05\x06")
    count, _, at = struct.unpack_from("<HLL", data, end + 10)
    entries = []
    for _ in range(count):
        lengths = struct.unpack_from("<HHH", data, at + 28)
        entries.append((at, struct.unpack_from("<L", data, at + 42)[0]))
        at += 46 + sum(lengths)
    return entries, end


def set_field(data, at, field, value):
    offset, fmt = field
    out = bytearray(data)
    struct.pack_into("<" + fmt, out, at + offset, value % 256 ** struct.calcsize("<" + fmt))
    return bytes(out)


def edit_member(data, name, field, value, where="directory"):
    """``data`` with one field of member ``name`` set in its directory entry, local header or both."""
    index = [info.filename for info in zipfile.ZipFile(io.BytesIO(data)).infolist()].index(name)
    directory, local = layout(data)[0][index]
    if where in ("directory", "both"):
        data = set_field(data, directory, DIRECTORY_FIELDS[field], value)
    if where in ("local", "both"):
        data = set_field(data, local, LOCAL_FIELDS[field], value)
    return data


def unzip(data):
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return [(info.filename, z.read(info)) for info in z.infolist()]


def rezip(members, compression=zipfile.ZIP_STORED, only=None):
    """An archive of ``(name, bytes)`` members with right CRCs, as another zip tool might write it.

    ``compression`` applies to every member, or only to the one named ``only``.
    """
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate names some cases want
        with zipfile.ZipFile(buf, "w") as z:
            for name, content in members:
                z.writestr(name, content, compression if only in (None, name) else zipfile.ZIP_STORED)
    return buf.getvalue()


def replace_member(members, name, content):
    return [(n, content if n == name else c) for n, c in members]


def npy_bytes(array):
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=True)
    return buf.getvalue()


def with_header(member, header, version=(1, 0)):
    """A ``.npy`` member's bytes with its header text replaced (its data kept)."""
    length = struct.unpack_from("<H" if member[6] == 1 else "<L", member, 8)[0]
    body = member[(10 if member[6] == 1 else 12) + length:]
    text = header.encode("latin1") + b"\n"
    prefix = b"\x93NUMPY" + bytes(version)
    size_format = "<H" if version[0] == 1 else "<L"
    return prefix + struct.pack(size_format, len(text)) + text + body


def meta_member(text):
    return npy_bytes(np.array(text))


def record(**changes):
    meta = {"format_version": 1, "architecture": cnn.ARCHITECTURE,
            "normalization": dict(cnn.normalization.DEFAULT), "training": {"test_accuracy": 0.5}}
    meta.update(changes)
    return meta


def get_field(data, at, field):
    offset, fmt = field
    return struct.unpack_from("<" + fmt, data, at + offset)[0]
