"""Checksummed, resumable HTTPS downloads with only the standard library.

The body is streamed into ``<dest>.part`` and moved onto ``dest`` with
``os.replace`` only once its SHA-256 matches, so ``dest`` is either absent or
complete. Interrupted transfers resume with an HTTP ``Range`` request, both
across runs (a ``.part`` left behind) and across retries within one call.
"""

from __future__ import annotations

import collections
import contextlib
import hashlib
import http.client
import ipaddress
import os
import re
import socket
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

from tqdm import tqdm

from ..config import InputError

__all__ = ["PLAIN_HTTP_HOSTS", "DownloadError", "check_url", "download", "sha256_of"]

PLAIN_HTTP_HOSTS: frozenset[str] = frozenset()
"""Hosts that may be fetched over plain ``http://``: none. Tests serving on
loopback replace this with ``{"127.0.0.1"}``; nothing else ever does."""
_SHA256_RE = re.compile(r"[0-9a-fA-F]{64}")
_CONTENT_RANGE_RE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)", re.IGNORECASE)
_USER_AGENT = "musiclust-downloader/1.0 (+urllib)"



class DownloadError(InputError, RuntimeError):
    """A download failed; the message names the URL and what went wrong."""


class _Retry(Exception):
    """A transient failure: try again, resuming from what is on disk.

    ``unreachable`` marks failures to even reach the server (connection
    refused, connect timeout), which get the "seems offline" message when
    they exhaust the retries.
    """

    def __init__(self, message: str, *, unreachable: bool = False):
        super().__init__(message)
        self.unreachable = unreachable


class _Restart(Exception):
    """The ``.part`` file cannot be resumed; it was deleted, start from zero."""


def check_url(url: str) -> None:
    """Raise ``ValueError`` unless ``url`` is https (any case) with a host.

    Plain http (which a network attacker can rewrite) is accepted only for a
    host in :data:`PLAIN_HTTP_HOSTS`, which is empty outside the tests.
    """
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "https" and parts.hostname:
        return
    if scheme == "http" and parts.hostname and parts.hostname in PLAIN_HTTP_HOSTS:
        return
    raise ValueError(f"refusing to download {url!r}: only https:// URLs are allowed")


@dataclass(frozen=True)
class _Limits:
    """What one download may cost: bytes, wall time, and the slowest average rate tolerated.

    A hostile or broken server can otherwise fill the disk, or trickle bytes
    just fast enough to dodge the socket timeout and hold the pipeline forever.
    """

    max_bytes: int
    deadline_at: float  # time.monotonic() value
    min_rate: float  # bytes/s averaged over ``window`` seconds; 0 disables
    window: float

    def check_size(self, url: str, size: int, part: Path) -> None:
        if size > self.max_bytes:
            part.unlink(missing_ok=True)
            raise DownloadError(f"could not download {url}: it is larger than the limit of {self.max_bytes} bytes "
                                f"({size} bytes announced or received); raise max_download_bytes if it is expected")

    def check_deadline(self, url: str, received: int) -> None:
        if time.monotonic() > self.deadline_at:
            raise DownloadError(f"could not download {url}: not finished before the deadline "
                                f"({received} bytes on disk, kept to resume on the next run)")


class _RateMeter:
    """The average rate over the last ``window`` seconds, from (time, bytes) samples."""

    def __init__(self, limits: _Limits):
        self.limits = limits
        self.samples = collections.deque([(time.monotonic(), 0)])

    def add(self, received: int) -> None:
        now = time.monotonic()
        self.samples.append((now, received))
        horizon = now - self.limits.window
        while len(self.samples) > 1 and self.samples[1][0] <= horizon:
            self.samples.popleft()
        t0, b0 = self.samples[0]
        if self.limits.min_rate and t0 <= horizon and (received - b0) / (now - t0) < self.limits.min_rate:
            raise _Retry(f"transfer slower than {self.limits.min_rate:g} bytes/s over {self.limits.window:g} s "
                         f"({(received - b0) / (now - t0):.1f} bytes/s)")


def internal_host(host: str | None) -> bool:
    """Whether ``host`` is, or resolves to, an address that is not on the public internet: loopback,
    private, link-local (a cloud's metadata service at 169.254.169.254), unspecified or reserved.
    A name that does not resolve (offline) counts as public: connecting to it fails anyway."""
    if not host:
        return False
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except (socket.gaierror, UnicodeError, OSError):
        return False
    return any(not ipaddress.ip_address(address.split("%", 1)[0]).is_global for address in addresses)


class _SafeRedirectHandler(urllib.request.HTTPRedirectHandler):
    """Follow redirects, but never from https down to plain http (or ftp, file...), nor from a public
    host into this machine or its network (loopback, private, link-local addresses), where a
    hostile server could point the download at a service the user never named; a source that is
    itself internal (the user's own server) may redirect within."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        try:
            check_url(newurl)
        except ValueError:
            raise DownloadError(
                f"{req.full_url} redirected to {newurl}, which is not an https URL; refusing to follow"
            ) from None
        target = urllib.parse.urlsplit(newurl).hostname
        if internal_host(target) and not internal_host(urllib.parse.urlsplit(req.full_url).hostname):
            raise DownloadError(f"{req.full_url} redirected to {newurl}, an address of this machine or its "
                                "network (loopback, private or link-local); refusing to follow")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_WATCHED = threading.local()  # .sockets: the list the armed watchdog of this thread shuts, or None


def _watch(sock) -> None:
    """Hand a freshly connected socket to this thread's armed deadline watchdog, if any."""
    sockets = getattr(_WATCHED, "sockets", None)
    if sockets is not None:
        sockets.append(sock)


class _WatchedHTTPConnection(http.client.HTTPConnection):
    def connect(self):
        super().connect()
        _watch(self.sock)


class _WatchedHTTPSConnection(http.client.HTTPSConnection):
    def connect(self):
        super().connect()
        _watch(self.sock)


class _WatchedHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(_WatchedHTTPConnection, req)


class _WatchedHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        return self.do_open(_WatchedHTTPSConnection, req, context=self._context)


@contextlib.contextmanager
def _deadline_watchdog(deadline_at: float):
    """While armed, the sockets this thread connects are shut down when ``deadline_at``
    (``time.monotonic()``) passes: a server that drips its response headers, each byte inside the
    socket timeout, would otherwise hold the request forever. The blocked read then ends (an error,
    or headers cut short that look complete), and ``fired`` tells the caller why."""
    sockets: list = []
    _WATCHED.sockets = sockets
    state = SimpleNamespace(fired=False)

    def shut() -> None:
        state.fired = True
        for sock in list(sockets):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed

    timer = threading.Timer(max(0.0, deadline_at - time.monotonic()), shut)
    timer.daemon = True
    timer.start()
    try:
        yield state
    finally:
        timer.cancel()
        _WATCHED.sockets = None


_OPENER = urllib.request.build_opener(_SafeRedirectHandler, _WatchedHTTPHandler, _WatchedHTTPSHandler)


def _open(request: urllib.request.Request, timeout: float):
    """Open ``request``; a seam so tests can simulate failures such as DNS errors."""
    return _OPENER.open(request, timeout=timeout)


def sha256_of(path, chunk_size: int = 1 << 20) -> str:
    """Return the hex SHA-256 digest of a file.

    Parameters
    ----------
    path : path-like
        File to hash.
    chunk_size : int, optional
        Bytes read at a time, so large files are never held in memory.

    Returns
    -------
    str
        64 lowercase hex characters.
    """
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def _offline_message(url: str, reason: object, sha256: str) -> str:
    host = urllib.parse.urlsplit(url).hostname
    return (
        f"could not download {url}: cannot reach {host} ({reason}). "
        "The machine seems to be offline or the host is unreachable. "
        f"Download the file yourself (expected sha256 {sha256}) and set the "
        "dataset `source` to the local path instead."
    )


def _int_header(headers, name: str) -> int | None:
    value = headers.get(name)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _request(url, part: Path, *, sha256, timeout):
    """Open ``url``, asking for the rest of ``part`` if it exists; returns (response, offset).

    Raises ``_Retry``, ``_Restart`` or ``DownloadError`` as :func:`_fetch_once`
    does, or returns None when ``part`` already holds the whole body.
    """
    offset = part.stat().st_size if part.exists() else 0
    headers = {"User-Agent": _USER_AGENT, "Accept-Encoding": "identity"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    request = urllib.request.Request(url, headers=headers)

    # HTTPError is a URLError, so it must be handled first.
    try:
        return _open(request, timeout), offset
    except urllib.error.HTTPError as exc:
        status, reason = exc.code, exc.reason
        exc.close()
        if status == 416 and offset:
            # Nothing left to send: either an earlier run got the whole body
            # but stopped before the rename, or the .part is stale/too long.
            if sha256_of(part) == sha256:
                return None
            part.unlink(missing_ok=True)
            raise _Restart() from None
        if 500 <= status < 600:
            raise _Retry(f"HTTP {status} {reason}") from None
        raise DownloadError(f"could not download {url}: HTTP {status} {reason}") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, socket.gaierror):
            # DNS failure: retrying will not help, most likely we are offline.
            raise DownloadError(_offline_message(url, reason, sha256)) from None
        if isinstance(reason, ssl.SSLCertVerificationError):
            raise DownloadError(f"could not download {url}: TLS certificate check failed ({reason})") from None
        # Connection refused, connect timeout, network unreachable...
        raise _Retry(f"connection failed: {reason}", unreachable=isinstance(reason, OSError)) from None
    except (TimeoutError, ConnectionError, http.client.HTTPException, ssl.SSLError) as exc:
        raise _Retry(f"{type(exc).__name__}: {exc}") from None


def _fetch_once(url, part: Path, *, sha256, timeout, limits: _Limits, progress, chunk_size, desc) -> None:
    """Make one request and append/write the body to ``part``.

    Returns normally only when the whole body arrived; raises ``_Retry`` for
    transient failures (a too slow transfer included), ``_Restart`` when the
    ``.part`` file had to be discarded, and ``DownloadError`` for permanent
    ones (too large, past the deadline).
    """
    with _deadline_watchdog(limits.deadline_at) as watchdog:
        try:
            _fetch_watched(url, part, sha256=sha256, timeout=timeout, limits=limits, progress=progress,
                           chunk_size=chunk_size, desc=desc)
        finally:
            if watchdog.fired:  # whatever the cut-off read looked like, the reason is the deadline
                limits.check_deadline(url, part.stat().st_size if part.exists() else 0)


def _fetch_watched(url, part: Path, *, sha256, timeout, limits: _Limits, progress, chunk_size, desc) -> None:
    opened = _request(url, part, sha256=sha256, timeout=timeout)
    if opened is None:
        return
    response, offset = opened
    with response:
        status = response.status
        length = _int_header(response.headers, "Content-Length")
        if status == 206 and offset:
            match = _CONTENT_RANGE_RE.match(response.headers.get("Content-Range", ""))
            if match is None or int(match.group(1)) != offset:
                # The server answered a different range than asked: appending
                # would corrupt the file.
                part.unlink(missing_ok=True)
                raise _Restart()
            total = int(match.group(3)) if match.group(3) != "*" else None
            if length is None:
                length = int(match.group(2)) - offset + 1
            mode = "ab"
        elif 200 <= status < 300 and status != 206:
            # Either no Range was sent or the server ignored it: full body.
            offset, mode = 0, "wb"
            total = length
        else:
            raise _Retry(f"unexpected HTTP {status} {response.reason}")
        if length is not None:
            limits.check_size(url, max(total or 0, offset + length), part)
        received = _stream(response, part, mode, url=url, offset=offset, total=total, limits=limits,
                           progress=progress, chunk_size=chunk_size, desc=desc)
        # http.client returns b"" rather than raising when the peer closes
        # early, so a short body has to be detected here.
        if length is not None and received < length:
            raise _Retry(f"body ended after {received} of {length} bytes")


def _stream(response, part: Path, mode: str, *, url, offset, total, limits: _Limits, progress, chunk_size,
            desc) -> int:
    """Copy the body into ``part`` within ``limits``; returns the bytes received."""
    received = 0
    meter = _RateMeter(limits)
    with open(part, mode) as fh, tqdm(total=total, initial=offset, unit="B", unit_scale=True, unit_divisor=1024,
                                      desc=desc, disable=not progress) as bar:
        try:
            # read1 returns what has arrived: read() would wait for a whole
            # chunk, and a trickling server would never reach the checks.
            while chunk := response.read1(chunk_size):
                fh.write(chunk)
                received += len(chunk)
                bar.update(len(chunk))
                limits.check_size(url, offset + received, part)
                limits.check_deadline(url, offset + received)
                meter.add(received)
        except (TimeoutError, ConnectionError, http.client.HTTPException, ssl.SSLError) as exc:
            raise _Retry(f"connection lost after {offset + received} bytes: {type(exc).__name__}: {exc}") from None
    return received


def download(
    url: str,
    dest,
    *,
    sha256: str,
    timeout: float = 30.0,
    retries: int = 4,
    backoff: float = 1.0,
    progress: bool = True,
    chunk_size: int = 1 << 16,
    max_bytes: int = 20 * 10**9,
    deadline: float = 6 * 3600.0,
    min_rate: float = 10_000.0,
    rate_window: float = 60.0,
) -> Path:
    """Download ``url`` to ``dest``, resuming and verifying its SHA-256.

    Parameters
    ----------
    url : str
        An ``https://`` URL (plain ``http://`` only for the hosts in
        :data:`PLAIN_HTTP_HOSTS`, none outside the tests); redirects are
        followed under the same rule.
    dest : path-like
        Final file path. Its folder is created if needed.
    sha256 : str
        Expected hex digest (64 characters, any case). Required: an
        unverified download is never moved onto ``dest``.
    timeout : float, optional
        Socket timeout in seconds for connecting and for each read.
    retries : int, optional
        How many times to retry after a transient failure (timeouts,
        dropped connections, short bodies, HTTP 5xx, a too slow transfer).
    backoff : float, optional
        The n-th retry waits ``backoff * 2**n`` seconds (n from 0).
    progress : bool, optional
        Show a tqdm progress bar.
    chunk_size : int, optional
        Most bytes read from the socket at a time.
    max_bytes : int, optional
        Largest file accepted, checked against ``Content-Length`` before the
        body and against the bytes received while streaming.
    deadline : float, optional
        Seconds the whole call (all attempts and waits) may take, connecting
        and reading the response headers included: at the deadline a watchdog
        shuts the connection, however slowly the server drips its bytes.
    min_rate : float, optional
        Slowest average rate tolerated, in bytes/s over the last
        ``rate_window`` seconds of an attempt (0: no minimum).
    rate_window : float, optional
        Seconds the rate is averaged over.

    Returns
    -------
    pathlib.Path
        ``dest``, holding exactly the expected bytes.

    Raises
    ------
    ValueError
        If ``url`` has a disallowed scheme, ``sha256`` is malformed, or a
        limit is not positive.
    DownloadError
        On HTTP 4xx, an unreachable host, a checksum mismatch, a file over
        ``max_bytes``, the deadline passing, or when the retries are
        exhausted. Nothing is left at ``dest`` in that case.

    Notes
    -----
    The body is written to ``dest.name + ".part"`` beside ``dest``. If that
    file exists (an earlier interrupted run, or an earlier attempt of this
    call), the request asks for ``Range: bytes=<size>-`` and appends on
    ``206``; a ``200`` or ``416`` answer restarts from zero. Callers key
    ``dest`` by the checksum, so a ``.part`` is only ever resumed against
    the file it belongs to.
    """
    check_url(url)
    if not isinstance(sha256, str) or not _SHA256_RE.fullmatch(sha256):
        raise ValueError(f"sha256 for {url} must be 64 hex characters, got {sha256!r}")
    sha256 = sha256.lower()
    if retries < 0:
        raise ValueError(f"retries must be >= 0, got {retries}")
    if not (max_bytes > 0 and deadline > 0 and min_rate >= 0 and rate_window > 0):
        raise ValueError(f"download limits for {url} must be positive: max_bytes={max_bytes}, "
                         f"deadline={deadline}, min_rate={min_rate}, rate_window={rate_window}")
    limits = _Limits(max_bytes, time.monotonic() + deadline, min_rate, rate_window)

    dest = Path(dest)
    if dest.is_file() and sha256_of(dest) == sha256:
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    if part.exists():
        limits.check_size(url, part.stat().st_size, part)
    _retrying(url, part, sha256=sha256, retries=retries, backoff=backoff, limits=limits,
              fetch=dict(timeout=timeout, progress=progress, chunk_size=chunk_size, desc=dest.name))

    actual = sha256_of(part)
    if actual != sha256:
        # A corrupt .part must not be resumed by the next run.
        part.unlink(missing_ok=True)
        raise DownloadError(
            f"checksum mismatch for {url}: expected sha256 {sha256}, got {actual}; "
            "the partial file was deleted"
        )
    os.replace(part, dest)
    return dest


def _retrying(url, part: Path, *, sha256, retries, backoff, limits: _Limits, fetch: dict) -> None:
    """Call :func:`_fetch_once` until the body is complete, the retries run out or the deadline passes."""
    failures = 0
    while True:
        limits.check_deadline(url, part.stat().st_size if part.exists() else 0)
        try:
            _fetch_once(url, part, sha256=sha256, limits=limits, **fetch)
            return
        except _Restart:
            # Not counted as a failure: the .part is gone, so the next request
            # has no Range and cannot trigger another restart.
            continue
        except _Retry as exc:
            if failures >= retries:
                if exc.unreachable:
                    raise DownloadError(_offline_message(url, exc, sha256)) from None
                raise DownloadError(
                    f"could not download {url}: gave up after {failures + 1} attempts; "
                    f"last error: {exc}. If the machine is offline, download the file "
                    "yourself and set the dataset `source` to the local path instead."
                ) from None
            time.sleep(max(0.0, min(backoff * 2**failures, limits.deadline_at - time.monotonic())))
            failures += 1
