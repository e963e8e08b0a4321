"""Fixtures shared by several test files."""

from __future__ import annotations

import http.server
import importlib.util
import io
import os
import shlex
import sys
import tarfile
import threading
import zipfile
from pathlib import Path
from typing import Callable

import pytest

REPO = Path(__file__).resolve().parents[1]


def pytest_collection_modifyitems(items) -> None:
    """A ``pipeline`` test (``dvc repro`` in a copy of the repository) is a ``slow`` one too."""
    for item in items:
        if item.get_closest_marker("pipeline"):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def repo() -> Path:
    """The repository's root folder."""
    return REPO


def load_script(name: str):
    """A module of scripts/ (not a package), imported from its file (its sibling modules are
    importable, as when it runs: pytest's pythonpath holds scripts/)."""
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def touch():
    """``touch(root, rel, data=b"x")``: write a small file, creating its folders."""

    def write(root: Path, rel: str, data: bytes = b"x") -> Path:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return path

    return write


def relative_files(root: Path) -> list[str]:
    """Relative paths of all files below ``root``, '/'-separated, sorted."""
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def write_csv(path: Path, text: str, *, bom: bool = True) -> Path:
    """Write ``text`` to ``path`` as UTF-8, after a byte-order mark unless ``bom`` is False (as
    spreadsheet programs save CSV), creating its folders; return ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def make_zip(path: Path, entries, compression: int = zipfile.ZIP_STORED) -> Path:
    """A zip at ``path`` of ``entries``: ``(name, bytes)`` for a file, ``(name, None)`` for a folder."""
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in entries:
            if data is None:
                zf.writestr(zipfile.ZipInfo(name.rstrip("/") + "/"), b"")
            else:
                zf.writestr(name, data)
    return path


def tar_member(name: str, data: bytes) -> tuple[tarfile.TarInfo, io.BytesIO]:
    """A regular file for :func:`make_tar`: its header (mode 644) and its contents."""
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    return info, io.BytesIO(data)


def make_tar(path: Path, members, mode: str = "w:gz") -> Path:
    """A tar at ``path`` (``mode`` picks the compression) of ``(TarInfo, fileobj or None)`` members."""
    with tarfile.open(path, mode) as tf:
        for info, fobj in members:
            tf.addfile(info, fobj)
    return path


@pytest.fixture(scope="session")
def synthetic_corpus(tmp_path_factory) -> Callable:
    """``synthetic_corpus(kind, *, replica=0, **params)``: a generated corpus and its track table,
    ``(folder, frame)``; ``kind`` is ``"hblm"`` (:func:`generate_corpus`) or ``"gtzan"``
    (:func:`generate_gtzan_corpus`), ``params`` their arguments (``progress`` off). Each corpus
    is generated once per session and shared: treat it as read-only. ``replica`` asks for another
    generation of the same parameters in its own folder (determinism tests)."""
    from musiclust.datasets.synthetic import generate_corpus, generate_gtzan_corpus

    generators = {"hblm": generate_corpus, "gtzan": generate_gtzan_corpus}
    made: dict = {}

    def corpus(kind: str, *, replica: int = 0, **params) -> tuple[Path, object]:
        key = (kind, replica, tuple(sorted(params.items())))
        if key not in made:
            folder = tmp_path_factory.mktemp(f"{kind}_corpus")
            made[key] = (folder, generators[kind](folder, **{"progress": False, **params}))
        return made[key]

    return corpus


@pytest.fixture
def allow_loopback_http(monkeypatch):
    """Plain http to 127.0.0.1 allowed for one test, as production never allows it."""
    from musiclust.datasets import download

    monkeypatch.setattr(download, "PLAIN_HTTP_HOSTS", frozenset({"127.0.0.1"}))


@pytest.fixture
def loopback_server(allow_loopback_http) -> Callable:
    """``loopback_server(handler)``: serve ``handler`` (a ``BaseHTTPRequestHandler`` class, or a
    callable making one per request) on 127.0.0.1 from a thread and return its base URL,
    ``http://127.0.0.1:<port>``; plain http to it is allowed. Stopped after the test."""
    servers = []

    def start(handler) -> str:
        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(httpd)
        return f"http://127.0.0.1:{httpd.server_address[1]}"

    yield start
    for httpd in servers:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="session")
def offline_env() -> dict:
    """The environment for running stages and DVC in a subprocess: this interpreter first on
    PATH, the repository importable, no network for models, a git identity for commits."""
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(PYTHONPATH=str(REPO), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", DVC_NO_ANALYTICS="1",
               GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t", GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@t")
    return env


@pytest.fixture(scope="session")
def exp_show_view() -> list[str]:
    """The arguments of the README's ``dvc exp show`` line: its view of the experiments side by side."""
    lines = [line.split("#")[0].strip() for line in (REPO / "README.md").read_text(encoding="utf-8").splitlines()
             if line.startswith("dvc exp show ")]
    assert len(lines) == 1, f"the README should give one `dvc exp show` command, found {lines}"
    return shlex.split(lines[0])[3:]
