"""Reading a weights archive without trusting it.

A weights file is a zip of ``<key>.npy`` members, as ``np.savez`` writes it. ``np.load`` believes
what a file declares, so a 1 MB file could ask for 10 GB. Here everything is checked before it is
used: the file type, then the zip directory (names, flags, compression, declared sizes), and only
then is a member decompressed, never beyond its declared size, and its ``.npy`` header checked
against that size. Nothing is ever unpickled.
"""
import errno
import io
import math
import os
import stat
import struct
import zipfile
import zlib

import numpy as np
from numpy.lib import format as npy_format

MAX_ARRAY_BYTES = 64 * 2**20  # all arrays together, as stored; the shipped file holds 1.7 MB
MAX_META_BYTES = 2**20  # the metadata member (UTF-32 text); ~2 kB in practice
MAX_MEMBERS = 256
_MAX_FILE_BYTES = MAX_ARRAY_BYTES + MAX_META_BYTES + 2**20  # room for headers and the directory
_MAX_DIRECTORY_BYTES = 2**18  # zipfile makes an object per entry: bound it before it reads them
_ENCRYPTED = 0x0001 | 0x0040  # traditional and strong encryption
_HARMLESS_FLAGS = 0x0002 | 0x0004 | 0x0008 | 0x0800  # deflate level hints, data descriptor, UTF-8 names
_END = struct.Struct("<4s4H2LH")  # the end-of-central-directory record, as zipfile reads it
_FLOAT32 = np.dtype("<f4")
_NPY_HEADERS = {(1, 0): npy_format.read_array_header_1_0, (2, 0): npy_format.read_array_header_2_0}
_OS_WORDS = {
    errno.ENOENT: "no such file", errno.ENOTDIR: "a folder in the path is a file",
    errno.EACCES: "permission denied", errno.EPERM: "permission denied", errno.ENOSPC: "the disk is full",
    getattr(errno, "EDQUOT", -1): "the disk quota is used up", errno.EROFS: "the disk is read-only",
    errno.ENAMETOOLONG: "the name is too long", errno.EISDIR: "it is a folder",
    errno.EIO: "a disk input/output error",
}


class FileProblem(Exception):
    """What is wrong with a file, in the user's words; the caller adds the file's name."""


def damaged(detail):
    return FileProblem(f"the file is damaged ({detail})")


def foreign(detail):
    return FileProblem(f"not a Digit Draw weights file ({detail})")


def os_error_words(error):
    """An ``OSError`` as a user would say it ("the disk is full"), without errno numbers."""
    return _OS_WORDS.get(error.errno) or error.strerror or str(error) or type(error).__name__


def read_archive(path, meta_key):
    """``({key: float32 array}, metadata text)`` from the file at ``path``; raises ``FileProblem``.

    Lets other ``OSError``s (a failing disk) through, for the caller to word.
    """
    with _open_regular_file(path) as f:
        size = os.fstat(f.fileno()).st_size
        _check_file_type(f.read(6), size)
        entries = _check_end_record(f, size)
        try:
            f.seek(0)
            with zipfile.ZipFile(f) as archive:
                infos = _checked_members(archive.infolist(), entries, size, meta_key + ".npy")
                arrays = {info.filename[:-4]: _read_member(archive, info, meta_key + ".npy")
                          for info in infos}
        except zlib.error as e:
            raise damaged("its compressed data is corrupt") from e
        except (zipfile.BadZipFile, EOFError, NotImplementedError) as e:  # zipfile's words for damage
            raise damaged(str(e) or "it ends too early") from e
    return arrays, arrays.pop(meta_key)


def _open_regular_file(path):
    # O_NONBLOCK: opening a named pipe must not wait for a writer (it has no effect on files).
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError as e:
        raise FileProblem("no such file") from e
    except OSError as e:
        raise FileProblem(f"the file cannot be opened ({os_error_words(e)})") from e
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise FileProblem("this is a folder, not a file" if stat.S_ISDIR(mode) else "not a regular file")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _check_file_type(head, size):
    if size > _MAX_FILE_BYTES:
        raise foreign(f"{size / 2**20:,.0f} MB is far more than a weights file holds")
    if head.startswith(b"\x93NUMPY"):
        raise foreign("it holds one NumPy array (.npy); a weights file is an .npz archive")
    if not head.startswith(b"PK\x03\x04"):
        raise foreign("the file is empty" if size == 0 else "it is not an .npz archive")


def _check_end_record(f, size):
    """The number of entries the zip directory declares, after bounding the directory's size.

    Finds the end record the way ``zipfile`` does (the last 22 bytes, else the last signature
    within a comment's reach), so the record checked is the one ``zipfile`` will use.
    """
    start = max(size - _END.size - 0xFFFF, 0)
    lead = min(start, 20)  # a ZIP64 locator would sit just before the record
    f.seek(start - lead)
    data = f.read()
    tail = data[-_END.size:]
    if len(tail) == _END.size and tail.startswith(b"PK\x05\x06") and tail.endswith(b"\0\0"):
        at = len(data) - _END.size
    else:
        at = data.rfind(b"PK\x05\x06", lead)
    if at < 0 or len(data) - at < _END.size:
        raise damaged("its zip directory is missing: the file may be cut short")
    _, disk, directory_disk, entries_here, entries, directory_size, offset, _ = _END.unpack_from(data, at)
    if at >= 20 and data[at - 20:at - 16] == b"PK\x06\x07":
        raise damaged("it has ZIP64 records, which a weights file never needs")
    if disk or directory_disk or entries_here != entries:
        raise damaged("it claims to span several disks")
    if offset + directory_size != start - lead + at:  # zipfile would shift every offset
        raise damaged("its zip directory is not where the end record says")
    if entries > MAX_MEMBERS or directory_size > _MAX_DIRECTORY_BYTES:
        raise damaged(f"its zip directory declares {entries:,} members in {directory_size:,} bytes")
    return entries


def _checked_members(infos, entries, size, meta_name):
    if len(infos) != entries:
        raise damaged(f"its zip directory lists {len(infos)} members but declares {entries}")
    names = set()
    for info in infos:
        _check_member(info, size, info.filename == meta_name)
        if info.filename in names:  # zipfile would silently give the later copy
            raise damaged(f"it holds two members named {info.filename!r}")
        names.add(info.filename)
    if meta_name not in names:
        raise foreign("it has no metadata record")
    total = sum(info.file_size for info in infos if info.filename != meta_name)
    if total > MAX_ARRAY_BYTES:
        raise damaged(f"its arrays declare {total / 2**20:,.0f} MB, far more than a weights file holds")
    return infos


def _check_member(info, size, is_meta):
    name = info.filename
    if not name.endswith(".npy") or name == ".npy" or "/" in name:
        raise foreign(f"it holds {name!r}, which is not an array")
    if info.flag_bits & _ENCRYPTED:
        raise foreign(f"{name!r} is encrypted")
    if info.flag_bits & ~_HARMLESS_FLAGS:
        raise damaged(f"{name!r} has unknown zip flags 0x{info.flag_bits:04x}")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise damaged(f"{name!r} uses zip compression method {info.compress_type}; "
                      "weights files are stored or deflated")
    limit = MAX_META_BYTES if is_meta else MAX_ARRAY_BYTES
    if info.file_size > limit:
        raise damaged(f"{name!r} declares {info.file_size:,} bytes; a weights file allows {limit:,}")
    if info.header_offset + info.compress_size > size:
        raise damaged(f"{name!r} runs past the end of the file")
    if info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size:
        raise damaged(f"{name!r} declares two different sizes")


def _read_member(archive, info, meta_name):
    with archive.open(info) as member:
        raw = member.read(info.file_size + 1)  # zipfile stops at the declared size; +1 shows if not
    if len(raw) != info.file_size:
        raise damaged(f"{info.filename!r} holds {len(raw):,} bytes, not the {info.file_size:,} declared")
    return _parse_npy(raw, info.filename, info.filename == meta_name)


def _parse_npy(raw, name, is_meta):
    """The array (or, for the metadata, the text) in one ``.npy`` member's bytes."""
    buf = io.BytesIO(raw)
    try:
        read_header = _NPY_HEADERS.get(npy_format.read_magic(buf))
        shape, fortran_order, dtype = read_header(buf) if read_header else (None, None, None)
    # numpy raises ValueError, but literal_eval on a crafted header can raise others (MemoryError,
    # RecursionError). Its messages are not for users (one even suggests allow_pickle).
    except Exception as e:
        raise damaged(f"{name!r} has no valid array header") from e
    if read_header is None:
        raise damaged(f"{name!r} is not in a .npy format version this program reads")
    if is_meta and not (dtype.kind == "U" and dtype.str.startswith("<") and shape == ()):
        raise damaged(f"{name!r} should hold text, not {dtype} values of shape {shape}")
    if not is_meta and dtype != _FLOAT32:
        raise foreign(f"{name!r} holds {dtype} values, not float32")
    start = buf.tell()
    if min(shape, default=0) < 0 or start + math.prod(shape) * dtype.itemsize != len(raw):
        raise damaged(f"{name!r} declares shape {shape}, which does not fit its {len(raw) - start:,} bytes")
    if is_meta:
        try:
            return raw[start:].decode("utf-32-le").rstrip("\0")  # numpy strips NULs from text too
        except UnicodeDecodeError as e:
            raise damaged(f"{name!r} is not valid text") from e
    values = np.frombuffer(raw, _FLOAT32, math.prod(shape), offset=start)
    return values.reshape(shape, order="F" if fortran_order else "C").copy()  # writable, own memory
