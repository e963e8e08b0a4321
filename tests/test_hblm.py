import pandas as pd
import pytest

from musiclust.datasets.hblm import MetadataError, read_hblm, track_id_from_filename


def _write_meta(root, text):
    root.mkdir(parents=True, exist_ok=True)
    (root / "metadata.csv").write_bytes("\ufeff".encode() + text.encode("utf-8"))


REAL_LIKE = (
    'filename,language,genre,label_id,lyrics\n'
    'bangla/song_2.mp3,Bangla,Folk,0,"আমার সোনার বাংলা\nআমি তোমায় ভালোবাসি"\n'
    'english/song_1.mp3,English,Rock,1,"line one\nline, two ""quoted"""\n'
    'bangla/song_1.mp3,Bangla,Rock,0,'  # empty lyrics, no final newline
)


def test_reads_bom_multiline_no_final_newline(tmp_path):
    _write_meta(tmp_path, REAL_LIKE)
    tracks = read_hblm(tmp_path)
    assert list(tracks["track_id"]) == ["bangla-song_1", "bangla-song_2", "english-song_1"]
    assert list(tracks.columns[:5]) == ["track_id", "path", "language", "genre", "lyrics"]
    row = tracks.set_index("track_id").loc["bangla-song_2"]
    assert row["lyrics"] == "আমার সোনার বাংলা\nআমি তোমায় ভালোবাসি"
    assert row["path"] == "audio/bangla/song_2.mp3" and row["label_id"] == 0
    assert tracks.set_index("track_id").loc["english-song_1", "lyrics"].endswith('"quoted"')
    assert pd.isna(tracks.set_index("track_id").loc["bangla-song_1", "lyrics"])


def test_duplicate_filename_names_both_lines(tmp_path):
    _write_meta(tmp_path, 'filename,language,genre,label_id,lyrics\n'
                          'a/x.mp3,Bangla,Folk,0,"la\nla"\n'
                          'a/x.mp3,Bangla,Folk,0,hi\n')
    # lines are where each record starts: the first spans lines 2-3
    with pytest.raises(MetadataError, match=r"line 4.*line 2\b"):
        read_hblm(tmp_path)


def test_missing_column_and_file(tmp_path):
    with pytest.raises(MetadataError, match="not found"):
        read_hblm(tmp_path)
    _write_meta(tmp_path, "filename,language\na.mp3,Bangla\n")
    with pytest.raises(MetadataError, match="genre"):
        read_hblm(tmp_path)


def test_track_id():
    assert track_id_from_filename("bangla/song_1.mp3") == "bangla-song_1"
    assert track_id_from_filename("x.y/z") == "x.y-z"
