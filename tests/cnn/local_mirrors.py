"""Local HTTP(S) mirrors on 127.0.0.1 that misbehave on purpose, for the downloader's tests.

``local`` (plain HTTP) and ``served`` (HTTP and TLS) are pytest fixtures: import them into a test
module. Each mirror serves tiny valid MNIST files whose digests and size caps replace the real ones.
"""
import gzip
import hashlib
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import numpy as np
import pytest

from cnn import download

NAMES = list(download.SHA256)


def tiny_mnist():
    """Valid gzipped IDX files, three items each, keyed by download name."""
    rng = np.random.default_rng(0)
    files = {}
    for name in NAMES:
        if "images" in name:
            raw = np.array([2051, 3, 28, 28], ">u4").tobytes() + rng.bytes(3 * 784)
        else:
            raw = np.array([2049, 3], ">u4").tobytes() + bytes(rng.integers(0, 10, 3).tolist())
        files[name] = gzip.compress(raw)
    return files


# A throwaway self-signed certificate for 127.0.0.1 (valid 2000-2100), so that the TLS path
# the real mirrors take is tested too; the client is told to trust it and nothing else.
TEST_CERT = """-----BEGIN CERTIFICATE-----
MIIBjjCCATOgAwIBAgIBATAKBggqhkjOPQQDAjAUMRIwEAYDVQQDDAkxMjcuMC4w
LjEwIBcNMDAwMTAxMDAwMDAwWhgPMjEwMDAxMDEwMDAwMDBaMBQxEjAQBgNVBAMM
CTEyNy4wLjAuMTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABIly2U9GoRNi7SDU
oQAYgYK6ImXDFeRIshzsKDRJR+yp30v/ymjcGhix2dqrAPF5h/L+FO77ZxtB3wzl
BGMemc2jdDByMA8GA1UdEQQIMAaHBH8AAAEwDwYDVR0TAQH/BAUwAwEB/zAOBgNV
HQ8BAf8EBAMCAoQwHQYDVR0OBBYEFB2SHoWssi0GD3lh3Lt66VdzE9PSMB8GA1Ud
IwQYMBaAFB2SHoWssi0GD3lh3Lt66VdzE9PSMAoGCCqGSM49BAMCA0kAMEYCIQDJ
/7ETAfXHN+yH5KghnNBhRclh1pUmzBVuj52T3w8goQIhAKx1Lre8fCcZze/Zu7i+
UYIoeK29jyKXYOEXO+ufnwvX
-----END CERTIFICATE-----
"""
TEST_KEY = """-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgodNd47QM5PSpxw5n
IJH2gH8yqTGUeorHLeC4hjFgXYahRANCAASJctlPRqETYu0g1KEAGIGCuiJlwxXk
SLIc7Cg0SUfsqd9L/8po3BoYsdnaqwDxeYfy/hTu+2cbQd8M5QRjHpnN
-----END PRIVATE KEY-----
"""
STALL_S = 60  # far beyond the client's 30 s silence timeout: only a cancel ends it early
TRICKLE_S = 0.1  # per byte: well inside any timeout, yet a whole file takes minutes


class Mirror(BaseHTTPRequestHandler):
    """``/<behaviour>/<name>``: good, corrupt, drop, missing, slow, nolength, endless (a body
    that never ends), huge (announces a terabyte), trickle (one byte per ``TRICKLE_S``),
    stall_headers or stall_body (silent for ``STALL_S`` before or halfway through the body).

    Every loop stops on ``stop`` (set when the server shuts down) or after 30 s at most.
    """

    timeout = 10  # a client that stops reading cannot block a handler thread for longer
    files = {}  # name -> gz bytes, set per server, like the attributes below
    requests = []
    stop = stalled = None  # threading.Event: server shutting down / a stall has begun

    def do_GET(self):
        _, behaviour, name = self.path.split("/", 2)
        self.requests.append((behaviour, name))
        self.close_connection = True
        if name not in self.files or behaviour == "missing":
            self.send_error(404)
        elif behaviour == "stall_headers":
            self.stall()
        elif behaviour == "endless":
            self.send_head(None)
            self.send_endless()
        else:
            self.send_file(behaviour, self.files[name])

    def send_file(self, behaviour, body):
        if behaviour == "corrupt":  # a valid gzip file with the wrong content
            body = gzip.compress(gzip.decompress(body)[:-1] + b"\x07")
        if behaviour == "slow":
            self.stop.wait(1.0)
        self.send_head({"nolength": None, "huge": 10**12}.get(behaviour, len(body)))
        if behaviour == "drop":
            body = body[: len(body) // 2]
        if behaviour == "stall_body":
            self.wfile.write(body[: len(body) // 2])
            self.stall()
        elif behaviour == "trickle":
            self.send_trickle(body)
        else:
            self.wfile.write(body)

    def send_head(self, length):
        self.send_response(200)
        if length is not None:
            self.send_header("Content-Length", str(length))
        self.end_headers()

    def stall(self):
        self.stalled.set()
        self.stop.wait(STALL_S)

    def send_endless(self):
        block, end = bytes(1 << 16), time.monotonic() + 30
        while not self.stop.is_set() and time.monotonic() < end:
            self.wfile.write(block)  # raises once the client has hung up

    def send_trickle(self, body):
        end = time.monotonic() + 30
        for i in range(len(body)):
            self.wfile.write(body[i:i + 1])
            if self.stop.wait(TRICKLE_S) or time.monotonic() > end:
                return

    def log_message(self, *args):
        pass


class QuietServer(ThreadingHTTPServer):
    daemon_threads = False  # server_close() joins every handler: none may outlive its test

    def handle_error(self, request, client_address):
        pass  # clients that time out or a dropped body leave broken pipes behind


def serve(files, context=None):
    """Start a mirror (TLS when ``context`` is an ``ssl.SSLContext``); stop it with ``shut``."""
    handler = type("Handler", (Mirror,), {"files": files, "requests": [],
                                          "stop": threading.Event(), "stalled": threading.Event()})
    server = QuietServer(("127.0.0.1", 0), handler)
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return server, handler


def shut(server, handler):
    handler.stop.set()  # ends stalls and trickles now rather than after STALL_S
    server.shutdown()
    server.server_close()


def tls_contexts(folder):
    """A server context holding the test certificate, and a client context trusting only it."""
    (folder / "cert.pem").write_text(TEST_CERT)
    (folder / "key.pem").write_text(TEST_KEY)
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    return server, ssl.create_default_context(cadata=TEST_CERT)


def start_local(monkeypatch, context=None):
    """A local mirror of tiny MNIST files whose digests and size caps replace the real ones.

    Returns the server, its handler class and a namespace with ``.url``
    (``http(s)://127.0.0.1:<port>``), ``.files`` (name -> gz bytes), ``.requests``
    (``(behaviour, name)`` in the order they came) and ``.stalled`` (an Event).
    """
    files = tiny_mnist()
    digests = {name: hashlib.sha256(gzip.decompress(data)).hexdigest()
               for name, data in files.items()}
    monkeypatch.setattr(download, "SHA256", digests)
    # The same rule as the real caps: twice the size plus 64 KB.
    monkeypatch.setattr(download, "MAX_BYTES",
                        {name: 2 * len(data) + (64 << 10) for name, data in files.items()})
    server, handler = serve(files, context)
    scheme = "http" if context is None else "https"
    url = f"{scheme}://127.0.0.1:{server.server_address[1]}"
    return server, handler, SimpleNamespace(url=url, files=files, requests=handler.requests,
                                            stalled=handler.stalled)


@pytest.fixture
def local(monkeypatch):
    server, handler, mirror = start_local(monkeypatch)
    yield mirror
    shut(server, handler)


@pytest.fixture(params=["http", "https"])
def served(request, monkeypatch, tmp_path_factory):
    """Like ``local``, over plain HTTP and over TLS (the client trusting the test certificate)."""
    context = None
    if request.param == "https":
        context, client = tls_contexts(tmp_path_factory.mktemp("tls"))
        monkeypatch.setattr(ssl, "_create_default_https_context", lambda: client)
    server, handler, mirror = start_local(monkeypatch, context)
    yield mirror
    shut(server, handler)


def assert_complete(dest, files):
    assert sorted(p.name for p in dest.iterdir()) == sorted(files)
    for name, data in files.items():
        assert (dest / name).read_bytes() == data


def assert_nothing_left(dest):
    assert list(dest.iterdir()) == []


# The limits each misbehaving mirror runs into: slow answers after 1 s, a trickle would take
# minutes. Small enough for a quick test, and still loose for 127.0.0.1 on a busy machine.
LIMITS = {"slow": {"timeout": 0.25}, "trickle": {"deadline": 2}}
