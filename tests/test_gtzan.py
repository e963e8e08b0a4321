import pandas as pd
import pytest

from musiclust.datasets.gtzan import read_gtzan
from musiclust.datasets.records import MetadataError


def _tree(touch, root, top):
    for rel in [
        "rock/rock.00001.wav", "rock/rock.00000.wav", "jazz/jazz.00054.wav", "jazz/jazz.00000.WAV",
        "blues/blues.00003.mp3",
        # not tracks: images, spreadsheets, AppleDouble / hidden files, nested folders
        "jazz/cover.png", "jazz/notes.txt", "jazz/._jazz.00000.wav", "rock/.DS_Store", "rock/deep/rock.00099.wav",
    ]:
        touch(root, f"{top}/{rel}")
    touch(root, "features_30_sec.csv", b"filename,label\n")
    touch(root, "images_original/jazz/jazz00054.png")


@pytest.mark.parametrize("top", ["genres_original", "genres"])
def test_reads_both_layouts(tmp_path, top, touch):
    _tree(touch, tmp_path, top)
    tracks = read_gtzan(tmp_path)
    assert list(tracks["track_id"]) == ["blues.00003", "jazz.00000", "jazz.00054", "rock.00000", "rock.00001"]
    assert list(tracks.columns[:5]) == ["track_id", "path", "language", "genre", "lyrics"]
    assert tracks["track_id"].is_unique
    row = tracks.set_index("track_id").loc["jazz.00054"]
    assert row["path"] == f"{top}/jazz/jazz.00054.wav"
    assert row["genre"] == "jazz"
    assert tracks.set_index("track_id").loc["jazz.00000", "path"] == f"{top}/jazz/jazz.00000.WAV"
    assert list(tracks["genre"]) == ["blues", "jazz", "jazz", "rock", "rock"]
    assert tracks["language"].isna().all() and tracks["lyrics"].isna().all()
    assert all(tracks["language"].map(lambda v: v is None))
    for rel in tracks["path"]:
        assert (tmp_path / rel).is_file() and "\\" not in rel


def test_prefers_genres_original(tmp_path, touch):
    touch(tmp_path, "genres_original/pop/pop.00000.wav")
    touch(tmp_path, "genres/pop/pop.00001.wav")
    assert list(read_gtzan(tmp_path)["path"]) == ["genres_original/pop/pop.00000.wav"]


def test_stripped_top_folder(tmp_path, touch):
    """extract_archive strips a single top folder: genres/<genre>/ becomes root/<genre>/."""
    touch(tmp_path, "metal/metal.00000.wav")
    touch(tmp_path, "classical/classical.00007.wav")
    tracks = read_gtzan(tmp_path)
    assert list(tracks["path"]) == ["classical/classical.00007.wav", "metal/metal.00000.wav"]
    assert list(tracks["genre"]) == ["classical", "metal"]


def test_missing_layout_names_root_and_layout(tmp_path, touch):
    touch(tmp_path, "music/a.wav")
    with pytest.raises(MetadataError) as err:
        read_gtzan(tmp_path)
    assert str(tmp_path) in str(err.value)
    assert "genres_original/<genre>/" in str(err.value)
    with pytest.raises(MetadataError, match="not a folder"):
        read_gtzan(tmp_path / "nope")


def test_no_audio_files(tmp_path, touch):
    touch(tmp_path, "genres/blues/blues.00000.au")
    with pytest.raises(MetadataError, match=r"no audio files.*\.au"):
        read_gtzan(tmp_path)


def test_duplicate_stem(tmp_path, touch):
    touch(tmp_path, "genres_original/jazz/x.00001.wav")
    touch(tmp_path, "genres_original/rock/x.00001.mp3")
    with pytest.raises(MetadataError, match="same track id 'x.00001'"):
        read_gtzan(tmp_path)


def test_reads_generated_corpus(synthetic_corpus):
    root, frame = synthetic_corpus("gtzan", tracks_per_genre=1, seconds=0.5, sample_rate=8000)
    tracks = read_gtzan(root)
    pd.testing.assert_frame_equal(tracks[["track_id", "path", "genre"]], frame[["track_id", "path", "genre"]],
                                  check_dtype=False)
    assert "jazz.00000" in set(tracks["track_id"])  # the planted unreadable file is listed too


def test_symlink_leading_out_of_the_corpus_is_refused(tmp_path, touch):
    root = tmp_path / "root"
    touch(root, "genres/rock/rock.00000.wav")
    secret = touch(tmp_path, "secret/private.wav")
    (root / "genres/rock/rock.00001.wav").symlink_to(secret)
    with pytest.raises(MetadataError, match=r"genres/rock/rock.00001.wav' resolves to .*outside"):
        read_gtzan(root)
