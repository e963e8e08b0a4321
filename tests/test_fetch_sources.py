"""The fetch stage on real-corpus layouts: a local HBLM-100 zip, a Kaggle-style GTZAN
tar.gz, a folder with a labels CSV, and a download from a local HTTP server."""

from __future__ import annotations

import http.server
import subprocess
import sys
import tarfile
import threading
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import yaml

from musiclust.datasets.download import sha256_of
from musiclust.datasets.synthetic import generate_corpus, generate_gtzan_corpus


@pytest.fixture
def fetch(offline_env):
    """``fetch(workdir, name, entry)``: the fetch stage on a one-dataset params.yaml in ``workdir``."""

    def run(workdir: Path, name: str, entry: dict) -> subprocess.CompletedProcess:
        (workdir / "params.yaml").write_text(yaml.safe_dump({"datasets": {name: entry}, "run": [name]}))
        return subprocess.run([sys.executable, "-m", "stages.fetch", "--dataset", name, "--downloads",
                               "data/downloads", "--out", f"data/raw/{name}"],
                              cwd=workdir, env=offline_env, capture_output=True, text=True)

    return run


@pytest.fixture(scope="module")
def hblm_zip(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hblm")
    generate_corpus(root / "HBLM-100", scale=0.08, min_seconds=4.0, max_seconds=5.0,
                    audio_format="wav", progress=False)
    archive = root / "HBLM-100.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for f in sorted((root / "HBLM-100").rglob("*")):
            zf.write(f, f.relative_to(root).as_posix())
    return archive


def test_local_hblm_zip(tmp_path, hblm_zip, fetch):
    proc = fetch(tmp_path, "hb", {"format": "hblm", "source": str(hblm_zip)})
    assert proc.returncode == 0, proc.stderr
    raw = tmp_path / "data/raw/hb"
    tracks = pd.read_parquet(raw / "tracks.parquet")
    assert (raw / "metadata.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # unwrapped from HBLM-100/
    assert len(tracks) == 8 and set(tracks.language) == {"Bangla", "English"}
    assert all((raw / p).is_file() for p in tracks.path)


def test_local_gtzan_tar_kaggle_layout(tmp_path, fetch):
    src = tmp_path / "src"
    generate_gtzan_corpus(src / "Data", tracks_per_genre=2, seconds=2.0, progress=False)
    archive = tmp_path / "gtzan.tar.gz"
    with tarfile.open(archive, "w:gz") as tf:
        tf.add(src / "Data", arcname="Data")
    work = tmp_path / "work"
    work.mkdir()
    proc = fetch(work, "gt", {"format": "gtzan", "source": str(archive)})
    assert proc.returncode == 0, proc.stderr
    tracks = pd.read_parquet(work / "data/raw/gt/tracks.parquet")
    assert len(tracks) == 20 and tracks.genre.nunique() == 10
    assert "jazz.00001" in set(tracks.track_id)  # listed here, skipped with a reason later
    assert tracks.lyrics.isna().all() and tracks.language.isna().all()


def test_folder_with_labels_csv(tmp_path, fetch):
    import numpy as np
    import soundfile as sf

    music = tmp_path / "music"
    for rel in ("jazz/a.wav", "jazz/b.flac", "rock/c.wav", "loose.wav"):
        (music / rel).parent.mkdir(parents=True, exist_ok=True)
        sf.write(music / rel, np.zeros(8000), 8000)
    (music / "labels.csv").write_text('filename,language,lyrics\njazz/a.wav,English,"la la\nla"\n', encoding="utf-8-sig")
    work = tmp_path / "work"
    work.mkdir()
    proc = fetch(work, "mine", {"format": "folder", "source": str(music), "labels_csv": "labels.csv"})
    assert proc.returncode == 0, proc.stderr
    tracks = pd.read_parquet(work / "data/raw/mine/tracks.parquet").set_index("track_id")
    assert list(tracks.index) == ["jazz-a", "jazz-b", "loose", "rock-c"]
    assert tracks.loc["jazz-a", "lyrics"] == "la la\nla" and tracks.loc["rock-c", "genre"] == "rock"


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def server(hblm_zip):
    handler = lambda *a, **k: _Handler(*a, directory=str(hblm_zip.parent), **k)  # noqa: E731
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_download_source_verified_and_cached(tmp_path, hblm_zip, server, fetch):
    url = f"{server}/{hblm_zip.name}"
    proc = fetch(tmp_path, "hb", {"format": "hblm", "source": url, "sha256": sha256_of(hblm_zip)})
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "data/downloads" / hblm_zip.name).is_file()
    assert len(pd.read_parquet(tmp_path / "data/raw/hb/tracks.parquet")) == 8


def test_download_with_wrong_checksum_leaves_nothing(tmp_path, hblm_zip, server, fetch):
    proc = fetch(tmp_path, "hb", {"format": "hblm", "source": f"{server}/{hblm_zip.name}", "sha256": "0" * 64})
    assert proc.returncode != 0
    assert sha256_of(hblm_zip) in proc.stderr and "0" * 64 in proc.stderr
    assert not (tmp_path / "data/raw/hb").exists()
    assert not list((tmp_path / "data/raw").glob("*")) if (tmp_path / "data/raw").exists() else True


def test_url_without_checksum_fails_naming_the_key(tmp_path, fetch):
    proc = fetch(tmp_path, "hb", {"format": "hblm", "source": "https://example.org/x.zip"})
    assert proc.returncode != 0 and "datasets.hb.sha256" in proc.stderr
