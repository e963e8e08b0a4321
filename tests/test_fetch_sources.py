"""The fetch stage on real-corpus layouts: a local HBLM-100 zip, a Kaggle-style GTZAN
tar.gz, a folder with a labels CSV, and a download from a local HTTP server."""

from __future__ import annotations

import http.server
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import make_zip, write_csv

from musiclust.datasets import DatasetParams, fetch_corpus
from musiclust.datasets.download import DownloadError, sha256_of


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
def hblm_zip(tmp_path_factory, synthetic_corpus) -> Path:
    """HBLM-100.zip as published: a tiny generated corpus under ``HBLM-100/``."""
    corpus, _ = synthetic_corpus("hblm", scale=0.08, min_seconds=4.0, max_seconds=5.0, audio_format="wav")
    archive = tmp_path_factory.mktemp("hblm") / "HBLM-100.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for f in sorted(corpus.rglob("*")):
            zf.write(f, f"HBLM-100/{f.relative_to(corpus).as_posix()}")
    return archive


@pytest.mark.slow
def test_local_hblm_zip(tmp_path, hblm_zip, fetch):
    proc = fetch(tmp_path, "hb", {"format": "hblm", "source": str(hblm_zip)})
    assert proc.returncode == 0, proc.stderr
    raw = tmp_path / "data/raw/hb"
    tracks = pd.read_parquet(raw / "tracks.parquet")
    assert (raw / "metadata.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # unwrapped from HBLM-100/
    assert len(tracks) == 8 and set(tracks.language) == {"Bangla", "English"}
    assert all((raw / p).is_file() for p in tracks.path)


@pytest.mark.slow
def test_local_gtzan_tar_kaggle_layout(tmp_path, fetch, synthetic_corpus):
    corpus, _ = synthetic_corpus("gtzan", tracks_per_genre=2, seconds=2.0)
    archive = tmp_path / "gtzan.tar.gz"
    with tarfile.open(archive, "w:gz") as tf:
        tf.add(corpus, arcname="Data")
    work = tmp_path / "work"
    work.mkdir()
    proc = fetch(work, "gt", {"format": "gtzan", "source": str(archive)})
    assert proc.returncode == 0, proc.stderr
    tracks = pd.read_parquet(work / "data/raw/gt/tracks.parquet")
    assert len(tracks) == 20 and tracks.genre.nunique() == 10
    assert "jazz.00001" in set(tracks.track_id)  # listed here, skipped with a reason later
    assert tracks.lyrics.isna().all() and tracks.language.isna().all()


@pytest.mark.slow
def test_folder_with_labels_csv(tmp_path, fetch):
    import numpy as np
    import soundfile as sf

    music = tmp_path / "music"
    for rel in ("jazz/a.wav", "jazz/b.flac", "rock/c.wav", "loose.wav"):
        (music / rel).parent.mkdir(parents=True, exist_ok=True)
        sf.write(music / rel, np.zeros(8000), 8000)
    write_csv(music / "labels.csv", 'filename,language,lyrics\njazz/a.wav,English,"la la\nla"\n')
    work = tmp_path / "work"
    work.mkdir()
    proc = fetch(work, "mine", {"format": "folder", "source": str(music), "labels_csv": "labels.csv"})
    assert proc.returncode == 0, proc.stderr
    tracks = pd.read_parquet(work / "data/raw/mine/tracks.parquet").set_index("track_id")
    assert list(tracks.index) == ["jazz-a", "jazz-b", "loose", "rock-c"]
    assert tracks.loc["jazz-a", "lyrics"] == "la la\nla" and tracks.loc["rock-c", "genre"] == "rock"


class _Handler(http.server.SimpleHTTPRequestHandler):
    ranges: list = []

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.ranges.append(self.headers.get("Range"))
        super().do_GET()


@pytest.fixture
def server(hblm_zip, loopback_server):
    """A plain-http loopback server of ``hblm_zip``'s folder, and the Range header of each request."""
    ranges: list = []
    handler = lambda *a, **k: type("H", (_Handler,), {"ranges": ranges})(*a, directory=str(hblm_zip.parent), **k)  # noqa: E731
    return loopback_server(handler), ranges


def _hblm(source: str, sha256: str = "") -> DatasetParams:
    return DatasetParams(format="hblm", source=source, sha256=sha256)


def test_download_source_verified_and_cached_by_sha256(tmp_path, hblm_zip, server):
    base, ranges = server
    digest = sha256_of(hblm_zip)
    downloads = tmp_path / "downloads"
    tracks = fetch_corpus(_hblm(f"{base}/{hblm_zip.name}", digest), tmp_path / "raw", cache_dir=downloads,
                          progress=False)
    assert len(tracks) == 8
    assert sorted(p.name for p in downloads.iterdir()) == [f"{digest}.zip"]
    # a second fetch of the same file is served from the cache
    fetch_corpus(_hblm(f"{base}/{hblm_zip.name}", digest.upper()), tmp_path / "raw2", cache_dir=downloads,
                 progress=False)
    assert ranges == [None]


def test_partial_download_of_another_dataset_is_not_resumed(tmp_path, hblm_zip, server):
    base, ranges = server
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    # Left by an interrupted fetch of another dataset whose URL also ends in the same name.
    (downloads / f"{hblm_zip.name}.part").write_bytes(b"other dataset")
    (downloads / f"{'0' * 64}.zip.part").write_bytes(b"other dataset")
    fetch_corpus(_hblm(f"{base}/{hblm_zip.name}", sha256_of(hblm_zip)), tmp_path / "raw", cache_dir=downloads,
                 progress=False)
    assert ranges == [None]


def test_download_with_wrong_checksum_leaves_nothing(tmp_path, hblm_zip, server):
    base, _ = server
    with pytest.raises(DownloadError) as info:
        fetch_corpus(_hblm(f"{base}/{hblm_zip.name}", "0" * 64), tmp_path / "raw", cache_dir=tmp_path / "dl",
                     progress=False)
    assert sha256_of(hblm_zip) in str(info.value) and "0" * 64 in str(info.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dl"] and not list((tmp_path / "dl").iterdir())


@pytest.mark.slow
def test_url_without_checksum_fails_naming_the_key(tmp_path, fetch):
    proc = fetch(tmp_path, "hb", {"format": "hblm", "source": "https://example.org/x.zip"})
    assert proc.returncode != 0 and "datasets.hb.sha256" in proc.stderr


@pytest.mark.slow
def test_plain_http_url_is_refused_naming_the_key(tmp_path, fetch):
    proc = fetch(tmp_path, "hb", {"format": "hblm", "source": "http://127.0.0.1:9/x.zip", "sha256": "0" * 64})
    assert proc.returncode != 0 and "datasets.hb.source" in proc.stderr and "only https" in proc.stderr


@pytest.mark.slow
def test_metadata_error_names_the_corpus_not_a_temporary_folder(tmp_path, fetch):
    meta = b"filename,language,genre\n../../../../tmp/secret/private.wav,en,pop\n"
    make_zip(tmp_path / "c.zip", [("C/metadata.csv", meta), ("C/audio/a.wav", b"x")])
    work = tmp_path / "work"
    work.mkdir()
    proc = fetch(work, "hb", {"format": "hblm", "source": str(tmp_path / "c.zip")})
    assert proc.returncode != 0
    assert "data/raw/hb/metadata.csv: line 2: filename '../../../../tmp/secret/private.wav'" in proc.stderr
    assert ".tmp" not in proc.stderr
    assert "Traceback" not in proc.stderr and proc.stderr.startswith("error: ")  # one line, not a crash
    assert not (work / "data/raw").exists() or not list((work / "data/raw").iterdir())


def test_folder_source_with_a_link_loop_is_refused(tmp_path):
    music = tmp_path / "music"
    (music / "audio").mkdir(parents=True)
    (music / "audio/a.wav").write_bytes(b"x")
    (music / "audio/loop").symlink_to("..")
    with pytest.raises(ValueError, match=r"music: 'audio/loop' is a symbolic link \(to '\.\.'\)"):
        fetch_corpus(DatasetParams(format="folder", source=str(music)), tmp_path / "out" / "raw", progress=False)
    assert not list((tmp_path / "out").iterdir())


def test_folder_source_holding_the_target_is_refused(tmp_path):
    (tmp_path / "a.wav").write_bytes(b"x")
    with pytest.raises(ValueError, match="copied into itself"):
        fetch_corpus(DatasetParams(format="folder", source=str(tmp_path)), tmp_path / "data" / "raw",
                     progress=False)
