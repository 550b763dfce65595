"""Fetch the four MNIST files from public mirrors, verified, with urllib only.

Each file streams into ``<name>.part`` and is renamed to its final name only once it is
complete and its SHA-256 matches, so a final file is never partial. The digests are of the
DECOMPRESSED bytes: mirrors serve the same data under different gzip headers.
"""
import errno
import gzip
import hashlib
import os
import socket
import urllib.error
import urllib.request
import zlib
from http.client import HTTPException
from pathlib import Path

MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    # The original host; it has answered 403 to scripts for years, so it comes last.
    "http://yann.lecun.com/exdb/mnist/",
)
SHA256 = {
    "train-images-idx3-ubyte.gz":
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte.gz":
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte.gz":
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte.gz":
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
_CHUNK = 1 << 16
_USER_AGENT = "digit-draw (python urllib)"
# Network failures that move on to the next mirror; anything else (a bug, or an
# exception raised by the progress callback to cancel) propagates.
_MIRROR_ERRORS = (OSError, HTTPException)
_UNREACHABLE_ERRNOS = {errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN}


class DownloadError(RuntimeError):
    """No mirror delivered a complete, verified copy of an MNIST file."""


class _ChecksumError(Exception):
    pass


def content_sha256(path):
    """SHA-256 of a file's content, unpacked first when it is gzipped (sniffed, not by name)."""
    with open(path, "rb") as f:
        gzipped = f.read(2) == b"\x1f\x8b"
    digest = hashlib.sha256()
    with (gzip.open(path, "rb") if gzipped else open(path, "rb")) as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _is_valid(path, expected):
    try:
        return path.is_file() and content_sha256(path) == expected
    except (OSError, EOFError, zlib.error):  # damaged gzip: not valid, fetch it again
        return False


def _stream(url, part, name, progress, timeout):
    """Copy ``url`` into ``part``, reporting progress; raise when the body is cut short."""
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    with urllib.request.urlopen(request, timeout=timeout) as response, open(part, "wb") as out:
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        done = 0
        if progress:
            progress(name, done, total)
        while chunk := response.read(_CHUNK):
            out.write(chunk)
            done += len(chunk)
            if progress:
                progress(name, done, total)
    if total is not None and done != total:
        raise ConnectionError(f"connection closed after {done} of {total} bytes")


def _fetch(name, dest, progress, mirrors, timeout):
    """Try each mirror in turn until one delivers a verified copy of ``name``; return it."""
    final, part = dest / name, dest / (name + ".part")
    failures = []
    for mirror in mirrors:
        url = mirror.rstrip("/") + "/" + name
        try:
            _stream(url, part, name, progress, timeout)
            if not _is_valid(part, SHA256[name]):
                raise _ChecksumError("checksum mismatch: the file is corrupt or not MNIST")
            os.replace(part, final)
            return mirror
        except (_ChecksumError, *_MIRROR_ERRORS) as e:
            failures.append((url, e))
        finally:
            part.unlink(missing_ok=True)
    raise DownloadError(_failure_message(name, dest, failures))


def _unreachable(error):
    """True when ``error`` means the host could not be reached at all (no network, no DNS)."""
    reason = error.reason if isinstance(error, urllib.error.URLError) else error
    if isinstance(reason, socket.gaierror):
        return True
    return isinstance(reason, OSError) and reason.errno in _UNREACHABLE_ERRNOS


def _describe(error):
    if isinstance(error, urllib.error.HTTPError):
        return f"HTTP {error.code} {error.reason}"
    if isinstance(error, urllib.error.URLError):
        error = error.reason
    if isinstance(error, (TimeoutError, socket.timeout)):
        return "timed out"
    return str(error) or type(error).__name__


def _failure_message(name, dest, failures):
    tip = f"You can also copy the four MNIST files into {dest}"
    if all(_unreachable(e) for _, e in failures):
        return f"could not reach any MNIST mirror — are you offline? {tip}"
    lines = "\n".join(f"  {url}: {_describe(e)}" for url, e in failures)
    return f"could not download {name} from any mirror:\n{lines}\n{tip}"


def download_mnist(dest_dir, progress=None, mirrors=MIRRORS, timeout=30):
    """Download the four MNIST ``.gz`` files into ``dest_dir``.

    Files already there (as ``.gz`` or unpacked) with the right content are kept.

    Args:
        dest_dir: folder to fill; created if missing (e.g. ``mnist.default_cache_dir()``).
        progress: ``progress(filename, done_bytes, total_bytes_or_None)``, called per chunk.
            An exception raised from it (other than an OSError) cancels the download;
            no partial file is left.
        mirrors: base URLs tried in order for every file.
        timeout: seconds a connection may stay silent before the next mirror is tried.
    Returns:
        ``Path`` of ``dest_dir``.
    Raises:
        DownloadError: when every mirror failed for some file.
    """
    if not mirrors:
        raise ValueError("mirrors must hold at least one base URL")
    dest = Path(dest_dir)
    dest.mkdir(parents=True, exist_ok=True)
    order = list(mirrors)
    for name, digest in SHA256.items():
        unpacked = dest / name[: -len(".gz")]
        if not (_is_valid(dest / name, digest) or _is_valid(unpacked, digest)):
            good = _fetch(name, dest, progress, order, timeout)
            # Ask the mirror that just worked first next time, not one that may hang.
            order.remove(good)
            order.insert(0, good)
    return dest
