"""The real downloader against local HTTP mirrors on 127.0.0.1 that misbehave on purpose."""
import gzip
import hashlib
import shutil
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import numpy as np
import pytest

from cnn import download
from cnn.download import DownloadCancelled, DownloadError, content_sha256, download_mnist
from cnn.mnist import load_mnist

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


def test_downloads_all_four_files(tmp_path, served):
    dest = download_mnist(tmp_path / "new" / "mnist", mirrors=[served.url + "/good"])
    assert_complete(dest, served.files)
    x, y = load_mnist("train", dest)
    assert x.shape == (3, 28, 28) and y.shape == (3,)


def test_progress_reports_every_file_to_the_end(tmp_path, local):
    calls = []
    download_mnist(tmp_path, progress=lambda *a: calls.append(a), mirrors=[local.url + "/good/"])
    for name, data in local.files.items():
        mine = [(done, total) for n, done, total in calls if n == name]
        assert mine[0] == (0, len(data)) and mine[-1] == (len(data), len(data))
        dones = [done for done, _ in mine]
        assert dones == sorted(dones)


def test_unknown_length_is_reported_as_none(tmp_path, local):
    calls = []
    mirrors = [local.url + "/nolength/"]
    download_mnist(tmp_path, progress=lambda *a: calls.append(a), mirrors=mirrors)
    assert_complete(tmp_path, local.files)
    assert {total for _, _, total in calls} == {None}


# The limits each misbehaving mirror runs into: slow answers after 1 s, a trickle would take
# minutes. Small enough for a quick test, and still loose for 127.0.0.1 on a busy machine.
LIMITS = {"slow": {"timeout": 0.25}, "trickle": {"deadline": 2}}


@pytest.mark.parametrize("bad", ["corrupt", "drop", "missing", "slow", "endless", "huge",
                                 "trickle"])
def test_a_failing_mirror_falls_through_to_the_next(tmp_path, local, bad):
    download_mnist(tmp_path, mirrors=[f"{local.url}/{bad}/", f"{local.url}/good/"],
                   **LIMITS.get(bad, {}))
    assert_complete(tmp_path, local.files)
    # Once a mirror has worked, it is asked first for the remaining files.
    assert [b for b, _ in local.requests] == [bad, "good", "good", "good", "good"]


@pytest.mark.parametrize("bad, reason", [
    ("corrupt", "checksum mismatch"),
    ("drop", "connection closed after"),
    ("missing", "HTTP 404"),
    ("endless", "stopped: sent more than the"),
    ("huge", "refused: announces 1000000000000 bytes"),
    ("trickle", "not finished within the 2 s deadline"),
])
def test_when_every_mirror_fails_nothing_is_left(tmp_path, local, bad, reason):
    mirrors = [f"{local.url}/{bad}/", f"{local.url}/missing/"]
    with pytest.raises(DownloadError) as info:
        download_mnist(tmp_path, mirrors=mirrors, **LIMITS.get(bad, {}))
    message = str(info.value)
    assert f"{local.url}/{bad}/{NAMES[0]}: {reason}" in message
    assert f"{local.url}/missing/{NAMES[0]}: HTTP 404" in message
    assert str(tmp_path) in message
    assert_nothing_left(tmp_path)


def test_an_endless_body_stops_at_the_cap_and_never_exceeds_it_on_disk(tmp_path, local):
    cap = download.MAX_BYTES[NAMES[0]]
    seen = []  # (bytes reported, bytes in the .part file) while the endless mirror streams

    def progress(name, done, total):
        part = tmp_path / (name + ".part")
        if total is None:  # the endless mirror sends no length; the good one does
            seen.append((done, part.stat().st_size))

    with pytest.raises(DownloadError, match=f"sent more than the {cap} bytes"):
        download_mnist(tmp_path, progress=progress, mirrors=[f"{local.url}/endless/"])
    assert_nothing_left(tmp_path)
    assert max(done for done, _ in seen) <= cap
    assert max(done for done, _ in seen) > cap - (64 << 10)  # it did read up to the cap
    assert all(on_disk <= done for done, on_disk in seen)


def test_an_announced_length_over_the_cap_is_refused_before_reading(tmp_path, local):
    calls = []
    download_mnist(tmp_path, progress=lambda *a: calls.append(a),
                   mirrors=[f"{local.url}/huge/", f"{local.url}/good/"])
    assert_complete(tmp_path, local.files)
    assert all(total != 10**12 for _, _, total in calls)  # not even the 0-byte report


def test_a_trickle_hits_the_deadline_however_steady(tmp_path, local):
    start = time.monotonic()
    download_mnist(tmp_path, mirrors=[f"{local.url}/trickle/", f"{local.url}/good/"], deadline=2)
    assert 2 <= time.monotonic() - start < 2 + 28  # well short of the 30 s a trickle lasts
    assert_complete(tmp_path, local.files)


@pytest.mark.parametrize("stall", ["stall_headers", "stall_body"])
def test_cancel_during_a_stalled_read_returns_promptly(tmp_path, served, stall):
    """The server falls silent for a minute; only the cancel can end the download soon."""
    cancel, cancelled_at = threading.Event(), []

    def cancel_once_stalled():
        if served.stalled.wait(10):
            time.sleep(0.5)  # the client is blocked in its read by now
            cancelled_at.append(time.monotonic())
            cancel.set()

    helper = threading.Thread(target=cancel_once_stalled)
    helper.start()
    try:
        with pytest.raises(DownloadCancelled):
            download_mnist(tmp_path, cancel=cancel,
                           mirrors=[f"{served.url}/{stall}/", f"{served.url}/good/"])
        returned_at = time.monotonic()
    finally:
        helper.join()
    assert returned_at - cancelled_at[0] < 5  # it polls every 0.25 s; 5 s is for busy machines
    assert_nothing_left(tmp_path)
    assert served.requests == [(stall, NAMES[0])]  # a cancel tries no other mirror


def test_a_cancel_set_beforehand_asks_no_mirror(tmp_path, local):
    already = SimpleNamespace(is_set=lambda: True)  # any object with is_set() will do
    with pytest.raises(DownloadCancelled):
        download_mnist(tmp_path, cancel=already, mirrors=[local.url + "/good/"])
    assert local.requests == []
    assert_nothing_left(tmp_path)


def test_cancel_between_files_keeps_the_verified_ones(tmp_path, local):
    cancel = threading.Event()

    def progress(name, done, total):
        if name == NAMES[1] and done == total:
            cancel.set()  # while the second file is being verified

    with pytest.raises(DownloadCancelled):
        download_mnist(tmp_path, progress=progress, cancel=cancel, mirrors=[local.url + "/good/"])
    assert_complete(tmp_path, {name: local.files[name] for name in NAMES[:2]})


def test_files_fetched_before_a_failure_are_complete(tmp_path, local):
    lost = local.files.pop(NAMES[2])
    with pytest.raises(DownloadError, match=NAMES[2]):
        download_mnist(tmp_path, mirrors=[local.url + "/good/"])
    assert_complete(tmp_path, {name: local.files[name] for name in NAMES[:2]})
    local.files[NAMES[2]] = lost
    download_mnist(tmp_path, mirrors=[local.url + "/good/"])  # resumes with what is missing
    assert_complete(tmp_path, local.files)
    assert [n for _, n in local.requests] == NAMES[:3] + NAMES[2:]


def test_a_silent_mirror_times_out(tmp_path, local):
    with pytest.raises(DownloadError, match="timed out"):
        download_mnist(tmp_path, mirrors=[f"{local.url}/slow/"], timeout=0.2)
    assert_nothing_left(tmp_path)


def test_valid_files_already_there_are_kept(tmp_path, local):
    first, second, *_ = NAMES
    (tmp_path / first).write_bytes(local.files[first])
    (tmp_path / second[:-3]).write_bytes(gzip.decompress(local.files[second]))  # unpacked
    download_mnist(tmp_path, mirrors=[local.url + "/good/"])
    assert sorted(n for _, n in local.requests) == sorted(NAMES[2:])


def test_damaged_file_already_there_is_replaced(tmp_path, local):
    (tmp_path / NAMES[0]).write_bytes(local.files[NAMES[0]][:-20])
    download_mnist(tmp_path, mirrors=[local.url + "/good/"])
    assert_complete(tmp_path, local.files)


def test_raising_from_progress_cancels_without_leftovers(tmp_path, local):
    class Cancelled(Exception):
        pass

    def progress(name, done, total):
        if done:
            raise Cancelled

    with pytest.raises(Cancelled):
        download_mnist(tmp_path, progress=progress, mirrors=[local.url + "/good/"])
    assert_nothing_left(tmp_path)


def test_offline_gets_its_own_message(tmp_path, monkeypatch):
    def no_dns(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    with pytest.raises(DownloadError) as info:
        download_mnist(tmp_path / "cache", mirrors=["http://mnist.invalid/", "https://b.invalid/"])
    message = str(info.value)
    assert "could not reach any MNIST mirror" in message and "offline" in message
    assert str(tmp_path / "cache") in message


def test_no_mirrors_is_a_usage_error(tmp_path):
    with pytest.raises(ValueError, match="mirrors"):
        download_mnist(tmp_path, mirrors=[])


@pytest.mark.parametrize("deadline", [0, -1])
def test_a_deadline_must_be_positive(tmp_path, deadline):
    with pytest.raises(ValueError, match=f"deadline .* got {deadline}"):
        download_mnist(tmp_path, mirrors=["http://mnist.invalid/"], deadline=deadline)


def test_the_caps_leave_room_for_other_gzip_headers():
    for name, size in download.SIZE.items():
        assert 2 * size <= download.MAX_BYTES[name] < 3 * size + (1 << 20), name


def test_default_mirrors_order():
    assert download.MIRRORS[0] == "https://ossci-datasets.s3.amazonaws.com/mnist/"
    assert download.MIRRORS[1] == "https://storage.googleapis.com/cvdf-datasets/mnist/"
    assert "yann.lecun.com" in download.MIRRORS[-1]


# --- the real files (need $MNIST_DIR; fail, never skip, when it is set but broken) ---

def test_hard_coded_digests_match_the_real_files(mnist_dir):
    for name, digest in download.SHA256.items():
        assert content_sha256(mnist_dir / name) == digest, name


def test_real_files_through_a_local_mirror(tmp_path, mnist_dir):
    server, handler = serve({name: (mnist_dir / name).read_bytes() for name in NAMES})
    url = f"http://127.0.0.1:{server.server_address[1]}/good/"
    calls = []
    try:
        dest = download_mnist(tmp_path, progress=lambda *a: calls.append(a), mirrors=[url])
    finally:
        shut(server, handler)
    x, y = load_mnist("test", dest)
    assert x.shape == (10000, 28, 28) and np.bincount(y).tolist()[:2] == [980, 1135]
    big = [done for name, done, _ in calls if name == "train-images-idx3-ubyte.gz"]
    assert len(big) > 100 and big == sorted(big) and big[-1] == 9912422


def test_real_files_already_there_are_not_fetched_again(tmp_path, mnist_dir):
    for name in NAMES:
        shutil.copy(mnist_dir / name, tmp_path / name)
    download_mnist(tmp_path, mirrors=["http://mnist.invalid/"])  # would fail if it fetched
