"""Tests for musiclust.datasets.download against a misbehaving loopback server."""

from __future__ import annotations

import hashlib
import http.server
import os
import socket
import struct
import threading
import time
import urllib.error
import urllib.request

import pytest

from musiclust.datasets import download as dl
from musiclust.datasets.download import DownloadError, download, sha256_of

PAYLOAD = os.urandom(300 * 1024)
SHA = hashlib.sha256(PAYLOAD).hexdigest()
# Small reads so a drop mid-body reliably leaves some bytes on disk.
FAST = dict(sha256=SHA, timeout=5.0, retries=3, backoff=0.01, progress=False, chunk_size=8192)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Set per server by the fixture: {"requests": [(path, range_header)], "counts": {path: n}}
    state: dict = {}

    def log_message(self, *args):  # keep pytest output clean
        pass

    def _count(self) -> int:
        with self.state["lock"]:
            self.state["requests"].append((self.path, self.headers.get("Range")))
            n = self.state["counts"].get(self.path, 0) + 1
            self.state["counts"][self.path] = n
        return n

    def _send_body(self, body: bytes, *, honour_range: bool = True) -> None:
        rng = self.headers.get("Range")
        if honour_range and rng:
            start = int(rng.split("=")[1].split("-")[0])
            if start >= len(body):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(body)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            chunk = body[start:]
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            chunk = body
            self.send_response(200)
        self.send_header("Content-Length", str(len(chunk)))
        self.end_headers()
        self.wfile.write(chunk)

    def _error(self, code: int) -> None:
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        n = self._count()
        path = self.path
        try:
            if path == "/ok":
                self._send_body(PAYLOAD)
            elif path == "/wrongsum":
                self._send_body(PAYLOAD[::-1])
            elif path == "/norange":
                self._send_body(PAYLOAD, honour_range=False)
            elif path == "/truncated":
                if self.headers.get("Range"):
                    self._send_body(PAYLOAD)
                else:
                    # Promise everything, deliver a third, close cleanly.
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(PAYLOAD)))
                    self.end_headers()
                    self.wfile.write(PAYLOAD[: len(PAYLOAD) // 3])
                    self.close_connection = True
            elif path == "/drop":
                if n == 1:
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(PAYLOAD)))
                    self.end_headers()
                    self.wfile.write(PAYLOAD[:100_000])
                    # Let the client consume what was sent, then reset the
                    # connection (linger 0 makes close() send RST).
                    time.sleep(0.2)
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.connection.close()
                    self.close_connection = True
                else:
                    self._send_body(PAYLOAD)
            elif path == "/flaky500":
                if n <= 2:
                    self._error(500)
                else:
                    self._send_body(PAYLOAD)
            elif path == "/404":
                self._error(404)
            elif path in ("/trickle", "/nolength"):
                # Promise the whole payload, then send one byte every 0.1 s,
                # or send it all without a Content-Length header.
                self.send_response(200)
                if path == "/trickle":
                    self.send_header("Content-Length", str(len(PAYLOAD)))
                self.end_headers()
                if path == "/nolength":
                    self.wfile.write(PAYLOAD)
                    self.close_connection = True
                for i in range(100 if path == "/trickle" else 0):
                    self.wfile.write(PAYLOAD[i : i + 1])
                    self.wfile.flush()
                    time.sleep(0.1)
            elif path == "/redirect-http":
                self.send_response(302)
                self.send_header("Location", f"http://127.0.0.1:{self.server.server_address[1]}/ok")
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif path == "/drip-headers":
                # a header byte every 0.2 s: each read returns well inside the socket timeout
                self.wfile.write(b"HTTP/1.1 200 OK\r\n")
                for byte in b"X-Slow: " + b"a" * 200:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(0.2)
                self.close_connection = True
            elif path == "/slow":
                time.sleep(1.0)
                self._send_body(PAYLOAD)
            else:
                self._error(404)
        except OSError:
            # The client gave up (timeouts) or we reset the socket ourselves.
            self.close_connection = True


# The loopback server speaks plain http: allowed in every test here, as production never allows it.
pytestmark = pytest.mark.usefixtures("allow_loopback_http")


@pytest.fixture
def server(loopback_server):
    """The misbehaving server's base URL and its record of requests."""
    state = {"requests": [], "counts": {}, "lock": threading.Lock()}
    return loopback_server(type("Handler", (_Handler,), {"state": state})), state


def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir())


def test_sha256_of(tmp_path):
    f = tmp_path / "x.bin"
    f.write_bytes(PAYLOAD)
    assert sha256_of(f, chunk_size=1000) == SHA


def test_ok(server, tmp_path):
    base, state = server
    dest = tmp_path / "sub" / "data.bin"
    out = download(f"{base}/ok", dest, **FAST)
    assert out == dest
    assert dest.read_bytes() == PAYLOAD
    assert _leftovers(dest.parent) == ["data.bin"]
    assert state["requests"] == [("/ok", None)]


def test_ok_with_progress_bar_and_uppercase_digest(server, tmp_path, capsys):
    base, _ = server
    dest = tmp_path / "data.bin"
    download(f"{base}/ok", dest, **{**FAST, "progress": True, "sha256": SHA.upper()})
    assert dest.read_bytes() == PAYLOAD
    assert "data.bin" in capsys.readouterr().err


def test_wrong_checksum(server, tmp_path):
    base, _ = server
    dest = tmp_path / "data.bin"
    with pytest.raises(DownloadError) as info:
        download(f"{base}/wrongsum", dest, **FAST)
    msg = str(info.value)
    assert SHA in msg
    assert hashlib.sha256(PAYLOAD[::-1]).hexdigest() in msg
    assert f"{base}/wrongsum" in msg
    assert _leftovers(tmp_path) == []


def test_truncated_body_resumes_with_range(server, tmp_path):
    base, state = server
    dest = tmp_path / "data.bin"
    download(f"{base}/truncated", dest, **FAST)
    assert dest.read_bytes() == PAYLOAD
    assert state["requests"] == [("/truncated", None), ("/truncated", f"bytes={len(PAYLOAD) // 3}-")]
    assert _leftovers(tmp_path) == ["data.bin"]


def test_dropped_connection_resumes(server, tmp_path):
    base, state = server
    dest = tmp_path / "data.bin"
    download(f"{base}/drop", dest, **FAST)
    assert dest.read_bytes() == PAYLOAD
    assert state["counts"]["/drop"] == 2
    second_range = state["requests"][1][1]
    assert second_range is not None and second_range.startswith("bytes=")
    assert 0 < int(second_range[6:-1]) <= 100_000


def test_flaky_500_is_retried(server, tmp_path):
    base, state = server
    dest = tmp_path / "data.bin"
    download(f"{base}/flaky500", dest, **FAST)
    assert dest.read_bytes() == PAYLOAD
    assert state["counts"]["/flaky500"] == 3


def test_500_gives_up_after_retries(server, tmp_path):
    base, state = server
    with pytest.raises(DownloadError, match="after 2 attempts") as info:
        download(f"{base}/flaky500", tmp_path / "d.bin", **{**FAST, "retries": 1})
    assert "500" in str(info.value)
    assert state["counts"]["/flaky500"] == 2
    assert not (tmp_path / "d.bin").exists()


def test_404_fails_at_once(server, tmp_path):
    base, state = server
    with pytest.raises(DownloadError, match="404") as info:
        download(f"{base}/404", tmp_path / "d.bin", **FAST)
    assert f"{base}/404" in str(info.value)
    assert state["counts"]["/404"] == 1
    assert _leftovers(tmp_path) == []


def test_slow_server_times_out(server, tmp_path):
    base, state = server
    t0 = time.monotonic()
    with pytest.raises(DownloadError) as info:
        download(f"{base}/slow", tmp_path / "d.bin", **{**FAST, "timeout": 0.3, "retries": 1})
    assert time.monotonic() - t0 < 5
    msg = str(info.value)
    assert f"{base}/slow" in msg and "attempts" in msg and "timed out" in msg
    assert state["counts"]["/slow"] == 2
    assert not (tmp_path / "d.bin").exists()


def test_server_ignoring_range_restarts(server, tmp_path):
    base, state = server
    dest = tmp_path / "data.bin"
    # Garbage in the .part: if it were kept and appended to, the sum would fail.
    dest.with_name("data.bin.part").write_bytes(b"x" * 5000)
    download(f"{base}/norange", dest, **FAST)
    assert dest.read_bytes() == PAYLOAD
    assert state["requests"] == [("/norange", "bytes=5000-")]
    assert _leftovers(tmp_path) == ["data.bin"]


def test_resume_from_earlier_interrupted_run(server, tmp_path):
    base, state = server
    dest = tmp_path / "data.bin"
    dest.with_name("data.bin.part").write_bytes(PAYLOAD[:123_456])
    download(f"{base}/ok", dest, **FAST)
    assert dest.read_bytes() == PAYLOAD
    assert state["requests"] == [("/ok", "bytes=123456-")]


def test_part_longer_than_file_416_restarts(server, tmp_path):
    base, state = server
    dest = tmp_path / "data.bin"
    dest.with_name("data.bin.part").write_bytes(b"y" * (len(PAYLOAD) + 10))
    download(f"{base}/ok", dest, **FAST)
    assert dest.read_bytes() == PAYLOAD
    assert state["requests"] == [("/ok", f"bytes={len(PAYLOAD) + 10}-"), ("/ok", None)]


def test_complete_part_from_crashed_run_is_kept(server, tmp_path):
    base, state = server
    dest = tmp_path / "data.bin"
    dest.with_name("data.bin.part").write_bytes(PAYLOAD)
    download(f"{base}/ok", dest, **FAST)
    assert dest.read_bytes() == PAYLOAD
    assert state["requests"] == [("/ok", f"bytes={len(PAYLOAD)}-")]


def test_existing_correct_dest_makes_no_request(server, tmp_path):
    base, state = server
    dest = tmp_path / "data.bin"
    dest.write_bytes(PAYLOAD)
    mtime = dest.stat().st_mtime_ns
    assert download(f"{base}/ok", dest, **FAST) == dest
    assert state["requests"] == []
    assert dest.stat().st_mtime_ns == mtime


def test_existing_wrong_dest_is_replaced(server, tmp_path):
    base, state = server
    dest = tmp_path / "data.bin"
    dest.write_bytes(b"old version")
    download(f"{base}/ok", dest, **FAST)
    assert dest.read_bytes() == PAYLOAD
    assert state["counts"]["/ok"] == 1


def test_unreachable_host(tmp_path):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there any more: connection refused
    url = f"http://127.0.0.1:{port}/x"
    with pytest.raises(DownloadError) as info:
        download(url, tmp_path / "d.bin", **{**FAST, "retries": 2})
    msg = str(info.value)
    assert url in msg
    assert "offline" in msg and "unreachable" in msg
    assert "local path" in msg
    assert _leftovers(tmp_path) == []


def test_dns_failure_is_not_retried(tmp_path, monkeypatch):
    calls = []

    def fake_open(request, timeout):
        calls.append(request.full_url)
        raise urllib.error.URLError(socket.gaierror(socket.EAI_NONAME, "Name or service not known"))

    monkeypatch.setattr(dl, "_open", fake_open)
    url = "https://data.example.org/corpus.zip"
    with pytest.raises(DownloadError) as info:
        download(url, tmp_path / "d.zip", **FAST)
    msg = str(info.value)
    assert calls == [url]
    assert url in msg and "offline" in msg and "local path" in msg


@pytest.mark.parametrize(
    "url",
    ["http://example.org/a.zip", "ftp://127.0.0.1/a.zip", "file:///etc/passwd", "https:///nohost", "a.zip"],
)
def test_rejects_bad_urls(url, tmp_path):
    with pytest.raises(ValueError) as info:
        download(url, tmp_path / "d", **FAST)
    assert url in str(info.value)


@pytest.mark.parametrize("digest", ["", "abc", "g" * 64, SHA + "0", None])
def test_rejects_bad_digest(digest, tmp_path):
    with pytest.raises(ValueError, match="sha256"):
        download("https://example.org/a.zip", tmp_path / "d", **{**FAST, "sha256": digest})


def test_redirect_to_plain_http_refused():
    handler = dl._SafeRedirectHandler()
    req = urllib.request.Request("https://example.org/a.zip")
    with pytest.raises(DownloadError, match="http://evil.example/a.zip"):
        handler.redirect_request(req, None, 302, "Found", {}, "http://evil.example/a.zip")


@pytest.mark.parametrize("target", ["https://localhost/x.zip", "https://127.0.0.1:8443/x.zip", "https://[::1]/x.zip",
                                    "https://169.254.169.254/latest/meta-data/", "https://10.0.0.5/x.zip",
                                    "https://192.168.1.1/x.zip"])
def test_a_public_source_redirecting_into_this_machine_or_its_network_is_refused(target):
    handler = dl._SafeRedirectHandler()
    req = urllib.request.Request("https://93.184.216.34/a.zip")  # a public address: no name to resolve
    with pytest.raises(DownloadError, match="loopback, private or link-local"):
        handler.redirect_request(req, None, 302, "Found", {}, target)
    # to another public address it is followed; and a source of the user's own network may redirect within it
    assert handler.redirect_request(req, None, 302, "Found", {}, "https://93.184.216.35/a.zip").full_url \
        == "https://93.184.216.35/a.zip"
    own = urllib.request.Request("https://10.0.0.9/a.zip")
    assert handler.redirect_request(own, None, 302, "Found", {}, target).full_url == target


def test_production_policy_refuses_plain_http_even_on_loopback(server, tmp_path, monkeypatch):
    base, state = server
    monkeypatch.setattr(dl, "PLAIN_HTTP_HOSTS", frozenset())
    with pytest.raises(ValueError, match="only https"):
        download(f"{base}/ok", tmp_path / "d.bin", **FAST)
    handler = dl._SafeRedirectHandler()
    req = urllib.request.Request("https://example.org/a.zip")
    with pytest.raises(DownloadError, match="not an https URL"):
        handler.redirect_request(req, None, 302, "Found", {}, f"{base}/ok")
    assert state["requests"] == []


@pytest.mark.parametrize("scheme", ["HTTPS", "Https", "hTtPs"])
def test_uppercase_https_scheme_is_a_url(scheme, monkeypatch):
    monkeypatch.setattr(dl, "PLAIN_HTTP_HOSTS", frozenset())
    assert dl.check_url(f"{scheme}://example.org/a.zip") is None
    # The same spelling without a host, or as plain http, is refused: the scheme is compared, not waved through.
    for refused in (f"{scheme}:///a.zip", f"{scheme[:-1]}://example.org/a.zip"):
        with pytest.raises(ValueError, match="only https"):
            dl.check_url(refused)


def test_uppercase_scheme_of_an_allowed_host_downloads(server, tmp_path):
    base, state = server
    dest = download(base.replace("http://", "HTTP://") + "/ok", tmp_path / "d.bin", **FAST)
    assert dest.read_bytes() == PAYLOAD and state["requests"] == [("/ok", None)]


def test_redirect_is_checked_against_the_policy(server, tmp_path, monkeypatch):
    base, _ = server
    download(f"{base}/redirect-http", tmp_path / "a.bin", **FAST)  # allowed host: followed
    monkeypatch.setattr(dl, "PLAIN_HTTP_HOSTS", frozenset({"localhost"}))
    url = base.replace("127.0.0.1", "localhost")
    with pytest.raises(DownloadError, match="not an https URL"):
        download(f"{url}/redirect-http", tmp_path / "b.bin", **FAST)
    assert not (tmp_path / "b.bin").exists()


def test_content_length_over_the_limit_fails_before_the_body(server, tmp_path):
    base, _ = server
    t0 = time.monotonic()
    with pytest.raises(DownloadError, match=r"larger than the limit of 1000 bytes \(307200") as info:
        download(f"{base}/trickle", tmp_path / "d.bin", **FAST, max_bytes=1000)
    assert time.monotonic() - t0 < 2 and f"{base}/trickle" in str(info.value)
    assert _leftovers(tmp_path) == []


def test_body_over_the_limit_stops_while_streaming(server, tmp_path):
    base, _ = server
    with pytest.raises(DownloadError, match="larger than the limit of 50000 bytes"):
        download(f"{base}/nolength", tmp_path / "d.bin", **FAST, max_bytes=50_000)
    assert _leftovers(tmp_path) == []


def test_leftover_part_over_the_limit_is_dropped(server, tmp_path):
    base, state = server
    (tmp_path / "d.bin.part").write_bytes(b"x" * 2000)
    with pytest.raises(DownloadError, match="limit of 1000 bytes"):
        download(f"{base}/ok", tmp_path / "d.bin", **FAST, max_bytes=1000)
    assert _leftovers(tmp_path) == [] and state["requests"] == []


def test_trickling_server_fails_on_the_minimum_rate(server, tmp_path):
    base, state = server
    t0 = time.monotonic()
    with pytest.raises(DownloadError, match=r"slower than 1000 bytes/s over 0.5 s") as info:
        download(f"{base}/trickle", tmp_path / "d.bin",
                 **{**FAST, "retries": 1}, min_rate=1000, rate_window=0.5)
    assert time.monotonic() - t0 < 5
    assert "2 attempts" in str(info.value) and state["counts"]["/trickle"] == 2
    assert not (tmp_path / "d.bin").exists()


def test_trickling_server_fails_on_the_deadline(server, tmp_path):
    base, _ = server
    t0 = time.monotonic()
    with pytest.raises(DownloadError, match="deadline") as info:
        download(f"{base}/trickle", tmp_path / "d.bin", **FAST, min_rate=0, deadline=1.0)
    assert time.monotonic() - t0 < 4 and f"{base}/trickle" in str(info.value)
    assert not (tmp_path / "d.bin").exists()


def test_a_server_dripping_its_headers_is_cut_off_at_the_deadline(server, tmp_path):
    base, _ = server
    t0 = time.monotonic()
    with pytest.raises(DownloadError, match="deadline") as info:
        download(f"{base}/drip-headers", tmp_path / "d.bin", **{**FAST, "timeout": 2.0}, min_rate=0, deadline=1.5)
    # the headers alone would take 40 s; the deadline holds to within a socket timeout
    assert time.monotonic() - t0 < 4 and f"{base}/drip-headers" in str(info.value)
    assert not (tmp_path / "d.bin").exists()


@pytest.mark.parametrize("limit", [{"max_bytes": 0}, {"deadline": 0}, {"min_rate": -1}, {"rate_window": 0}])
def test_rejects_bad_limits(limit, tmp_path):
    with pytest.raises(ValueError, match="limits"):
        download("https://example.org/a.zip", tmp_path / "d", **FAST, **limit)
