"""urlopen whose reads can always be stopped: a cancel, a silence timeout and a deadline.

A plain blocking read returns only when the server speaks, so nothing could stop a download
from a server that sends nothing at all. Here the response's socket, headers and body alike, is
read in slices of at most ``POLL`` seconds, and ``Watch.check`` is consulted between them.
"""
import functools
import io
import math
import time
import urllib.request
from http.client import HTTPResponse

POLL = 0.25  # longest a read blocks before cancel and the clocks are looked at again


class DownloadCancelled(Exception):
    """``cancel`` was set: the download stopped left no partial file, tried no other mirror."""


class DeadlineExceeded(Exception):
    """The attempt took longer than its deadline, however steadily the server sent."""


class Watch:
    """The limits one attempt at one file runs under: cancel, silence timeout, deadline."""

    def __init__(self, cancel, timeout, deadline):
        self.cancel, self.timeout, self.deadline = cancel, timeout, deadline
        self.start = self.heard = time.monotonic()

    def check(self):
        """Raise when the attempt must stop; else return how long a read may block."""
        if self.cancel is not None and self.cancel.is_set():
            raise DownloadCancelled("download cancelled")
        now = time.monotonic()
        if now - self.start >= self.deadline:
            raise DeadlineExceeded(f"not finished within the {self.deadline:g} s deadline")
        silence = math.inf if self.timeout is None else self.timeout
        if now - self.heard >= silence:
            raise TimeoutError("timed out")
        left = min(self.start + self.deadline, self.heard + silence) - now
        return max(min(POLL, left), 1e-3)  # 0 would make the socket non-blocking


class _SlicedReader(io.RawIOBase):
    """A response's socket read in slices of at most ``POLL`` s, consulting ``watch`` between.

    A plain blocking read returns only when the server speaks, so nothing could stop it.
    The socket's own stream (``stream``) is kept only to close it: that releases the
    socket exactly as http.client expects.
    """

    def __init__(self, sock, stream, watch):
        self._sock, self._stream, self._watch = sock, stream, watch

    def readable(self):
        return True

    def fileno(self):
        return self._sock.fileno()

    def readinto(self, buffer):
        previous = self._sock.gettimeout()
        try:
            while True:
                self._sock.settimeout(self._watch.check())
                try:
                    received = self._sock.recv_into(buffer)
                except TimeoutError as e:
                    if e.errno:  # the kernel gave up on the connection, not our slice
                        raise
                    continue
                self._watch.heard = time.monotonic()
                return received
        finally:
            self._sock.settimeout(previous)  # e.g. a TLS handshake after a proxy tunnel

    def close(self):
        self._stream.close()
        super().close()


class _SlicedResponse(HTTPResponse):
    # http.client reads the status line, the headers and the body all through ``self.fp``.
    def __init__(self, sock, *args, watch, **kwargs):
        super().__init__(sock, *args, **kwargs)
        self.fp = io.BufferedReader(_SlicedReader(sock, self.fp, watch))


class _Watched:
    """Mixin for urllib's HTTP(S) handlers: headers and body are read through ``_SlicedReader``."""

    def __init__(self, watch):
        super().__init__()
        self._watch = watch

    def do_open(self, http_class, req, **kwargs):
        def connection(*args, **kw):
            conn = http_class(*args, **kw)
            conn.response_class = functools.partial(_SlicedResponse, watch=self._watch)
            return conn
        return super().do_open(connection, req, **kwargs)


class _WatchedHTTPHandler(_Watched, urllib.request.HTTPHandler):
    pass


class _WatchedHTTPSHandler(_Watched, urllib.request.HTTPSHandler):
    pass


def open_watched(url, watch, user_agent):
    """urlopen, with the response read under ``watch`` (connecting is bounded by its timeout)."""
    opener = urllib.request.build_opener(_WatchedHTTPHandler(watch), _WatchedHTTPSHandler(watch))
    request = urllib.request.Request(url, headers={"User-Agent": user_agent})
    return opener.open(request, timeout=watch.timeout)
