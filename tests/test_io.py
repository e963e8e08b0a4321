import json

import numpy as np
import pandas as pd
import pytest

from musiclust.io import NpyAppender, atomic_dir, atomic_path, read_vectors, write_json, write_vectors


def test_npy_appender_equals_np_save(tmp_path):
    rng = np.random.default_rng(0)
    blocks = [rng.random((n, 4, 5), dtype=np.float32) for n in (3, 0, 7, 1)]
    with NpyAppender(tmp_path / "a.npy", (4, 5)) as w:
        for b in blocks:
            w.append(b)
    np.save(tmp_path / "ref.npy", np.concatenate(blocks))
    got = np.load(tmp_path / "a.npy", mmap_mode="r")
    assert got.shape == (11, 4, 5)
    np.testing.assert_array_equal(got, np.load(tmp_path / "ref.npy"))


def test_npy_appender_float16_and_bad_shape(tmp_path):
    with NpyAppender(tmp_path / "h.npy", (2,), dtype="float16") as w:
        w.append(np.ones((3, 2)))
        with pytest.raises(ValueError, match="expected"):
            w.append(np.ones((3, 5)))
    assert np.load(tmp_path / "h.npy").dtype == np.float16


def test_npy_appender_leaves_nothing_on_error(tmp_path):
    with pytest.raises(RuntimeError):
        with NpyAppender(tmp_path / "x.npy", (2,)) as w:
            w.append(np.ones((1, 2)))
            raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_atomic_path_keeps_old_file_on_error(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(KeyError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise KeyError
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_atomic_dir_replaces_whole_folder(tmp_path):
    target = tmp_path / "d"
    target.mkdir()
    (target / "stale").write_text("x")
    with atomic_dir(target) as tmp:
        (tmp / "new").write_text("y")
    assert [p.name for p in target.iterdir()] == ["new"]


def test_write_json_refuses_nan_and_sorts(tmp_path):
    write_json({"b": 1, "a": {"d": 2, "c": 3}}, tmp_path / "m.json")
    assert list(json.loads((tmp_path / "m.json").read_text())) == ["a", "b"]
    with pytest.raises(ValueError):
        write_json({"x": float("nan")}, tmp_path / "n.json")
    assert not (tmp_path / "n.json").exists()


def test_vectors_roundtrip(tmp_path):
    frame = pd.DataFrame({"track_id": ["b", "a"], "chunk": [0, 1]})
    vectors = np.arange(6, dtype=np.float32).reshape(2, 3)
    write_vectors(frame, vectors, "z", tmp_path / "v.parquet")
    back, vec = read_vectors(tmp_path / "v.parquet", "z")
    pd.testing.assert_frame_equal(back, frame)
    np.testing.assert_array_equal(vec, vectors)
    with pytest.raises(ValueError, match="no column"):
        read_vectors(tmp_path / "v.parquet", "missing")


def test_empty_vector_table_roundtrip(tmp_path):
    write_vectors(pd.DataFrame({"track_id": pd.Series([], dtype=str)}), np.zeros((0, 1), np.float32),
                  "embedding", tmp_path / "e.parquet")
    frame, vec = read_vectors(tmp_path / "e.parquet", "embedding")
    assert frame.empty and vec.shape == (0, 1)


def test_outputs_get_the_users_modes_and_stale_temporaries_go(tmp_path):
    import os
    import stat

    from musiclust.io import write_csv

    mask = os.umask(0o022)
    try:
        target = tmp_path / "out" / "m.json"
        target.parent.mkdir()
        stale = target.parent / ".m.json.abc123.tmp"  # left by a killed run
        stale.write_text("half")
        (target.parent / ".other.json.x.tmp").write_text("not ours")
        write_json({"a": 1}, target)
        assert stat.S_IMODE(target.stat().st_mode) == 0o644
        assert not stale.exists() and (target.parent / ".other.json.x.tmp").exists()
        with atomic_dir(tmp_path / "folder") as tmp:
            (tmp / "f").write_text("x")
        assert stat.S_IMODE((tmp_path / "folder").stat().st_mode) == 0o755
        write_csv(pd.DataFrame({"label": ["=cmd|' /C calc'!A0", "+1", "-x", "@SUM(1)", "Rock"], "n": [1, 2, 3, 4, -5]}),
                  tmp_path / "c.csv")
        lines = (tmp_path / "c.csv").read_text().splitlines()
        assert lines[1].startswith("'=cmd") and lines[2] == "'+1,2" and lines[3] == "'-x,3"
        assert lines[4].startswith("'@SUM") and lines[5] == "Rock,-5"  # numbers are left alone
    finally:
        os.umask(mask)
