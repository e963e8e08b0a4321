"""Crafted and random inputs: dataset params that used to pass silently, and seeded fuzzing
of the metadata readers and the archive extractor (each input succeeds or raises the
documented error, naming the file)."""

from __future__ import annotations

import random
import shutil
import tarfile
import time
import zipfile

import pytest
from conftest import make_tar, make_zip, tar_member

from musiclust.config import ConfigError
from musiclust.datasets import DatasetParams
from musiclust.datasets.extract import extract_archive
from musiclust.datasets.folder import read_folder
from musiclust.datasets.hblm import read_hblm
from musiclust.datasets.records import MetadataError
from stages.params import build

SHA = "ab" * 32

# ------------------------------------------------------------------ params


@pytest.mark.parametrize("entry, key", [
    ({}, "datasets.d.format"),
    ({"synthetic": {"layout": "gtzan"}}, "datasets.d.format"),
    ({"format": "folder", "source": "/music", "sha256": SHA}, "datasets.d.sha256"),
    ({"format": "hblm", "source": "corpus.zip", "labels_csv": "labels.csv"}, "datasets.d.labels_csv"),
    ({"format": "synthetic", "source": "corpus.zip"}, "datasets.d.source"),
    ({"format": "hblm", "source": "corpus.zip", "sha256": "xyz"}, "datasets.d.sha256"),
    ({"format": "hblm", "source": "HTTPS://example.org/c.zip"}, "datasets.d.sha256"),
    ({"format": "hblm", "source": "http://example.org/c.zip", "sha256": SHA}, "datasets.d.source"),
    ({"format": "hblm", "source": "ftp://example.org/c.zip", "sha256": SHA}, "datasets.d.source"),
    ({"format": "synthetic", "synthetic": {"seed": 2**32}}, "datasets.d.synthetic.seed"),
    ({"format": "synthetic", "synthetic": {"seed": -1}}, "datasets.d.synthetic.seed"),
    ({"format": "synthetic", "max_download_bytes": 0}, "datasets.d.max_download_bytes"),
    ({"format": "synthetic", "min_download_rate": -1.0}, "datasets.d.min_download_rate"),
    ({"format": "synthetic", "max_extract_members": 0}, "datasets.d.max_extract_members"),
    ({"format": "synthetic", "max_compression_ratio": 0.5}, "datasets.d.max_compression_ratio"),
    # a labels CSV outside the corpus would be read unhashed (and its first line echoed in an error)
    ({"format": "folder", "source": "/music", "labels_csv": "/etc/passwd"}, "datasets.d.labels_csv"),
    ({"format": "folder", "source": "/music", "labels_csv": "../labels.csv"}, "datasets.d.labels_csv"),
    ({"format": "folder", "source": "/music", "labels_csv": "a\\..\\..\\x.csv"}, "datasets.d.labels_csv"),
    ({"format": "folder", "source": "/music", "labels_csv": "~/labels.csv"}, "datasets.d.labels_csv"),
    ({"format": "folder", "source": "/music", "labels_csv": "C:labels.csv"}, "datasets.d.labels_csv"),
])
def test_dataset_params_that_used_to_pass_name_the_key(entry, key):
    with pytest.raises(ConfigError, match=rf"params: {key}:"):
        build(DatasetParams, entry, "datasets.d")


def test_folder_source_with_sha256_names_the_key_for_any_format(tmp_path):
    with pytest.raises(ConfigError, match="datasets.d.sha256: a folder source has no checksum"):
        build(DatasetParams, {"format": "gtzan", "source": str(tmp_path), "sha256": SHA}, "datasets.d")


def test_a_labels_csv_linked_out_of_the_corpus_is_refused_without_reading_it(tmp_path):
    """The params check sees the name; a symbolic link inside the folder is caught when read."""
    music = tmp_path / "music"
    (music / "rock").mkdir(parents=True)
    (music / "rock" / "a.wav").write_bytes(b"RIFF")
    secret = tmp_path / "secret.csv"
    secret.write_text("filename,genre\nTOP-SECRET,x\n")
    (music / "labels.csv").symlink_to(secret)
    assert build(DatasetParams, {"format": "folder", "source": str(music), "labels_csv": "labels.csv"}, "d")
    with pytest.raises(MetadataError, match="labels_csv: filename 'labels.csv' resolves to .*outside") as info:
        read_folder(music, "labels.csv")
    assert "TOP-SECRET" not in str(info.value)


def test_valid_dataset_params():
    ok = build(DatasetParams, {"format": "hblm", "source": "HTTPS://example.org/c.zip", "sha256": SHA.upper()},
               "datasets.d")
    assert ok.max_download_bytes == 20 * 10**9 and ok.max_extract_members == 1_000_000
    assert build(DatasetParams, {"format": "synthetic", "synthetic": {"seed": 2**32 - 1}}, "d").synthetic.seed


# ------------------------------------------------------------------ fuzzing

VALID_META = ('filename,language,genre,label_id,lyrics\n'
              'bangla/song_2.mp3,Bangla,Folk,0,"আমার সোনার বাংলা\nআমি"\n'
              'english/song_1.mp3,English,Rock,1,"line one\nline, two ""quoted"""\n').encode("utf-8-sig")
VALID_LABELS = 'filename,language,genre,lyrics\njazz/a.wav,English,Bebop,"la\nla"\nb.wav,,Pop,\n'.encode()
ALPHABET = b'ab,"\n\r\\/.\x00\xef\xbb\xbf\xe9\xff -' + "ড".encode()


def _mutate(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        op = rng.random()
        pos = rng.randrange(len(out) + 1)
        if op < 0.3 and out:
            out[min(pos, len(out) - 1)] = rng.randrange(256)
        elif op < 0.6:
            out[pos:pos] = bytes(rng.choice(ALPHABET) for _ in range(rng.randint(1, 6)))
        elif op < 0.8:
            del out[pos:pos + rng.randint(1, 20)]
        else:
            out = out[:pos]
    return bytes(out)


def _inputs(seed: int, valid: bytes, n: int):
    rng = random.Random(seed)
    for i in range(n):
        if i % 3 == 0:
            yield i, bytes(rng.choice(ALPHABET) for _ in range(rng.randint(0, 300)))
        elif i % 3 == 1:
            yield i, rng.randbytes(rng.randint(0, 300))
        else:
            yield i, _mutate(rng, valid)


def _assert_names(exc: Exception, name: str, i: int, data: bytes) -> None:
    assert name in str(exc), f"input {i} ({data[:80]!r}): {type(exc).__name__} does not name {name}: {exc}"


def test_fuzz_hblm_metadata(tmp_path):
    t0 = time.monotonic()
    (tmp_path / "audio").mkdir()
    for i, data in _inputs(1, VALID_META, 300):
        (tmp_path / "metadata.csv").write_bytes(data)
        try:
            read_hblm(tmp_path)
        except MetadataError as exc:
            _assert_names(exc, "metadata.csv", i, data)
    assert time.monotonic() - t0 < 20


def test_fuzz_folder_labels(tmp_path, touch):
    t0 = time.monotonic()
    for rel in ("jazz/a.wav", "b.wav"):
        touch(tmp_path, rel)
    for i, data in _inputs(2, VALID_LABELS, 300):
        (tmp_path / "labels.csv").write_bytes(data)
        try:
            read_folder(tmp_path, "labels.csv")
        except MetadataError as exc:
            _assert_names(exc, "labels.csv", i, data)
    assert time.monotonic() - t0 < 20


def _valid_archives(folder) -> list[tuple[str, bytes]]:
    """A small corpus as a zip and as a tar of each compression (the tars with a symbolic link), as bytes."""
    files = [("C/metadata.csv", VALID_META), ("C/audio/a.wav", b"RIFF" + bytes(200))]
    link = tarfile.TarInfo("C/link")
    link.type, link.linkname = tarfile.SYMTYPE, "audio/a.wav"
    paths = [make_zip(folder / "valid.zip", files, zipfile.ZIP_DEFLATED)]
    for mode in ("w", "w:gz", "w:bz2", "w:xz"):
        suffix = ".tar" if mode == "w" else f".tar.{mode[2:]}"
        paths.append(make_tar(folder / f"valid{suffix}", [*(tar_member(*file) for file in files), (link, None)], mode))
    archives = [(path.name.removeprefix("valid"), path.read_bytes()) for path in paths]
    for path in paths:
        path.unlink()
    return archives


def test_fuzz_extract_archive(tmp_path):
    t0 = time.monotonic()
    valid = _valid_archives(tmp_path)
    rng = random.Random(3)
    outcomes = {"ok": 0, "error": 0}
    for i in range(300):
        suffix, data = valid[i % len(valid)]
        data = _mutate(rng, data) if i % 5 else rng.randbytes(rng.randint(0, 600))
        archive = tmp_path / f"in{i}{suffix}"
        archive.write_bytes(data)
        target = tmp_path / "out"
        try:
            extract_archive(archive, target)  # UnsafeArchiveError, CorruptArchiveError are ValueErrors
            outcomes["ok"] += 1
        except ValueError as exc:
            _assert_names(exc, archive.name, i, data)
            outcomes["error"] += 1
            assert not target.exists()
        assert sorted(p.name for p in tmp_path.iterdir() if p.name != "out") == [archive.name], i
        archive.unlink()
        if target.exists():
            shutil.rmtree(target)
    assert outcomes["ok"] and outcomes["error"]
    assert time.monotonic() - t0 < 20


def test_fuzz_audio_files_give_a_clean_skip_or_finite_features(tmp_path):
    """Seeded random and mutated byte strings as audio: each track is decoded to finite features
    or skipped with a reason naming the file; the stage never crashes, hangs or writes NaN."""
    import warnings

    import numpy as np
    import pandas as pd
    import soundfile as sf

    from musiclust.audio import AudioError, MelConfig
    from musiclust.features import corpus_features

    rng = np.random.default_rng(0)
    sr = 8000
    tone = (0.3 * np.sin(2 * np.pi * 440 * np.arange(sr * 2) / sr)).astype(np.float32)
    valid = {}
    for ext, fmt in (("wav", "WAV"), ("flac", "FLAC"), ("ogg", "OGG")):
        sf.write(tmp_path / f"valid.{ext}", tone, sr, format=fmt)
        valid[ext] = (tmp_path / f"valid.{ext}").read_bytes()
    names = []
    for i in range(240):
        ext = ("wav", "flac", "ogg", "mp3")[i % 4]
        if i % 3 == 0 or ext == "mp3":
            data = rng.bytes(int(rng.integers(0, 4000)))
        else:
            data = bytearray(valid[ext])
            for _ in range(int(rng.integers(1, 20))):  # flip bytes, also in the header
                data[int(rng.integers(0, len(data)))] = int(rng.integers(0, 256))
            data = bytes(data[: int(rng.integers(8, len(data) + 1))])
        (tmp_path / f"f{i:03d}.{ext}").write_bytes(data)
        names.append(f"f{i:03d}.{ext}")
    names.append("valid.wav")  # at least one usable track
    tracks = pd.DataFrame({"track_id": [n.replace(".", "_") for n in names], "path": names})
    cfg = MelConfig(sample_rate=sr, crop_seconds=1.0, chunk_seconds=0.5, min_seconds=0.5, n_fft=256,
                    hop_length=64, n_mels=32, frames=32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            features = corpus_features(tracks, tmp_path, cfg, tmp_path / "mels.npy", progress=False)
        except AudioError as exc:  # only when nothing at all is usable, and then it says why
            pytest.fail(f"valid.wav should stay usable: {exc}")
    status = features.status.set_index("track_id")
    skipped = status[status["status"] != "ok"]
    assert len(status) == len(names) and status.loc["valid_wav", "status"] == "ok"
    assert all(reason.strip() and track.replace("_", ".") in reason
               for track, reason in skipped["reason"].items() if "shorter" not in reason)
    assert np.isfinite(np.load(tmp_path / "mels.npy")).all() and np.isfinite(features.clip_stats).all()


@pytest.mark.parametrize("body, line", [
    # an unterminated quote would swallow every following row into one lyric
    ('a.wav,en,pop,"never closed\nb.wav,en,rock,fine\nc.wav,bn,folk,fine\n', 2),
    # text after a closing quote: the field's end is unclear
    ('a.wav,en,pop,fine\nb.wav,en,"rock" n roll,fine\n', 3),
])
def test_a_quote_left_open_or_followed_by_text_is_an_error_naming_the_line_the_record_starts(tmp_path, body, line):
    from musiclust.datasets.records import read_records

    path = tmp_path / "metadata.csv"
    path.write_text("filename,language,genre,lyrics\n" + body, encoding="utf-8")
    with pytest.raises(MetadataError, match=rf"metadata.csv: line {line}: malformed CSV"):
        read_records(path, required=("filename",))
    # the same rows, well quoted, read as three (or two) records
    fixed = body.replace('"never closed', '"never closed"').replace('"rock" n roll', '"rock n roll"')
    path.write_text("filename,language,genre,lyrics\n" + fixed, encoding="utf-8")
    assert len(read_records(path, required=("filename",))[1]) == body.count("\n")
