"""Fetch the four MNIST files from public mirrors, verified, with urllib only.

Each file streams into ``<name>.part`` and is renamed to its final name only once it is
complete and its SHA-256 matches, so a final file is never partial. The digests are of the
DECOMPRESSED bytes: mirrors serve the same data under different gzip headers.

No mirror can hold a download hostage: a file may not grow past ``MAX_BYTES``, each attempt
has a deadline, and the socket is read in short slices (``watched_http.py``) so that a cancel,
the silence timeout and the deadline are all noticed while the server sends nothing at all.
"""
import errno
import functools
import gzip
import hashlib
import os
import socket
import urllib.error
import zlib
from http.client import HTTPException
from pathlib import Path

from .watched_http import DeadlineExceeded, DownloadCancelled, Watch, open_watched

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
# Sizes of the gzipped files as the first two mirrors serve them. Another mirror may use
# other gzip headers (name, time stamp, level), so the cap leaves ample room: it is there to
# stop a mirror that never ends, not to judge the file (the checksum does that).
SIZE = {
    "train-images-idx3-ubyte.gz": 9_912_422,
    "train-labels-idx1-ubyte.gz": 28_881,
    "t10k-images-idx3-ubyte.gz": 1_648_877,
    "t10k-labels-idx1-ubyte.gz": 4_542,
}
MAX_BYTES = {name: 2 * size + (64 << 10) for name, size in SIZE.items()}
_CHUNK = 1 << 16
_USER_AGENT = "digit-draw (python urllib)"
# Network failures that move on to the next mirror; anything else (a bug, or an
# exception raised by the progress callback to cancel) propagates.
_MIRROR_ERRORS = (OSError, HTTPException)
_UNREACHABLE_ERRNOS = {errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN}


class DownloadError(RuntimeError):
    """No mirror delivered a complete, verified copy of an MNIST file."""


class _BadMirror(Exception):
    """This mirror's answer is unusable (too big, too slow, wrong content): try the next one."""


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


def _stream(url, part, name, progress, watch):
    """Copy ``url`` into ``part`` with progress; raise if the body is cut short or too big."""
    cap = MAX_BYTES[name]
    with open_watched(url, watch, _USER_AGENT) as response:
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        if total is not None and total > cap:
            raise _BadMirror(f"refused: announces {total} bytes, more than the {cap} expected")
        with open(part, "wb") as out:
            done = 0
            if progress:
                progress(name, done, total)
            # One byte more than the cap allows is asked for, so that an endless body is
            # noticed before that byte is written: the file on disk never exceeds the cap.
            while chunk := response.read1(min(_CHUNK, cap + 1 - done)):
                if done + len(chunk) > cap:
                    raise _BadMirror(f"stopped: sent more than the {cap} bytes expected")
                out.write(chunk)
                done += len(chunk)
                if progress:
                    progress(name, done, total)
    if total is not None and done != total:
        raise ConnectionError(f"connection closed after {done} of {total} bytes")


def _fetch(name, dest, progress, mirrors, new_watch):
    """Try each mirror in turn until one delivers a verified copy of ``name``; return it."""
    final, part = dest / name, dest / (name + ".part")
    failures = []
    for mirror in mirrors:
        url = mirror.rstrip("/") + "/" + name
        watch = new_watch()
        try:
            watch.check()  # cancelled between files or mirrors: stop before connecting
            _stream(url, part, name, progress, watch)
            if not _is_valid(part, SHA256[name]):
                raise _BadMirror("checksum mismatch: the file is corrupt or not MNIST")
            os.replace(part, final)
            return mirror
        except (_BadMirror, DeadlineExceeded, *_MIRROR_ERRORS) as e:
            if isinstance(e, urllib.error.HTTPError):
                e.close()  # it holds the connection open until garbage-collected
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


def download_mnist(dest_dir, progress=None, mirrors=MIRRORS, timeout=30, deadline=600,
                   cancel=None):
    """Download the four MNIST ``.gz`` files into ``dest_dir``.

    Files already there (as ``.gz`` or unpacked) with the right content are kept. A mirror
    that fails a file (unreachable, HTTP error, cut short, bigger than ``MAX_BYTES``,
    silent for ``timeout``, slower than ``deadline``, wrong checksum) hands over to the next.

    Args:
        dest_dir: folder to fill; created if missing (e.g. ``mnist.default_cache_dir()``).
        progress: ``progress(filename, done_bytes, total_bytes_or_None)``, called per chunk.
            An exception raised from it (other than an OSError) cancels the download;
            no partial file is left.
        mirrors: base URLs tried in order for every file.
        timeout: seconds a connection may stay silent before the next mirror is tried.
        deadline: seconds one mirror gets to deliver one whole file (600 s is 10 MB at
            17 KB/s), so a server that trickles a byte now and then cannot stall forever.
        cancel: a ``threading.Event`` (anything with ``is_set()``), looked at every 0.25 s
            even while a read waits for data; once set, ``DownloadCancelled`` is raised.
            Only a connection being set up (DNS, TCP, TLS) may hold it up, for ``timeout``.
    Returns:
        ``Path`` of ``dest_dir``.
    Raises:
        DownloadError: when every mirror failed for some file.
        DownloadCancelled: when ``cancel`` was set; no partial file is left.
    """
    if not mirrors:
        raise ValueError("mirrors must hold at least one base URL")
    if not deadline > 0:
        raise ValueError(f"deadline must be a positive number of seconds, got {deadline!r}")
    dest = Path(dest_dir)
    dest.mkdir(parents=True, exist_ok=True)
    new_watch = functools.partial(Watch, cancel, timeout, deadline)
    order = list(mirrors)
    for name, digest in SHA256.items():
        unpacked = dest / name[: -len(".gz")]
        if not (_is_valid(dest / name, digest) or _is_valid(unpacked, digest)):
            good = _fetch(name, dest, progress, order, new_watch)
            # Ask the mirror that just worked first next time, not one that may hang.
            order.remove(good)
            order.insert(0, good)
    return dest
