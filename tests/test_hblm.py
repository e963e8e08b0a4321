import pandas as pd
import pytest
from conftest import write_csv

from musiclust.datasets.hblm import MetadataError, read_hblm, track_id_from_filename

REAL_LIKE = (
    'filename,language,genre,label_id,lyrics\n'
    'bangla/song_2.mp3,Bangla,Folk,0,"আমার সোনার বাংলা\nআমি তোমায় ভালোবাসি"\n'
    'english/song_1.mp3,English,Rock,1,"line one\nline, two ""quoted"""\n'
    'bangla/song_1.mp3,Bangla,Rock,0,'  # empty lyrics, no final newline
)


def test_reads_bom_multiline_no_final_newline(tmp_path):
    write_csv(tmp_path / "metadata.csv", REAL_LIKE)
    tracks = read_hblm(tmp_path)
    assert list(tracks["track_id"]) == ["bangla-song_1", "bangla-song_2", "english-song_1"]
    assert list(tracks.columns[:5]) == ["track_id", "path", "language", "genre", "lyrics"]
    row = tracks.set_index("track_id").loc["bangla-song_2"]
    assert row["lyrics"] == "আমার সোনার বাংলা\nআমি তোমায় ভালোবাসি"
    assert row["path"] == "audio/bangla/song_2.mp3" and row["label_id"] == 0
    assert tracks.set_index("track_id").loc["english-song_1", "lyrics"].endswith('"quoted"')
    assert pd.isna(tracks.set_index("track_id").loc["bangla-song_1", "lyrics"])


def test_duplicate_filename_names_both_lines(tmp_path):
    write_csv(tmp_path / "metadata.csv", 'filename,language,genre,label_id,lyrics\n'
                          'a/x.mp3,Bangla,Folk,0,"la\nla"\n'
                          'a/x.mp3,Bangla,Folk,0,hi\n')
    # lines are where each record starts: the first spans lines 2-3
    with pytest.raises(MetadataError, match=r"line 4.*line 2\b"):
        read_hblm(tmp_path)


def test_missing_column_and_file(tmp_path):
    with pytest.raises(MetadataError, match="not found"):
        read_hblm(tmp_path)
    write_csv(tmp_path / "metadata.csv", "filename,language\na.mp3,Bangla\n")
    with pytest.raises(MetadataError, match="genre"):
        read_hblm(tmp_path)


def test_track_id():
    assert track_id_from_filename("bangla/song_1.mp3") == "bangla-song_1"
    assert track_id_from_filename("x.y/z") == "x.y-z"


@pytest.mark.parametrize("filename", [
    "../../../../tmp/secret/private.wav", "/tmp/secret/private.wav", "..\\..\\secret.wav",
    "C:\\secret.wav", "a/../../../secret.wav",
])
def test_filename_outside_the_corpus_names_file_and_line(tmp_path, filename):
    write_csv(tmp_path / "metadata.csv", f"filename,language,genre\na.wav,en,pop\n{filename},en,pop\n")
    with pytest.raises(MetadataError, match=r"metadata.csv: line 3: filename .*(outside|absolute)"):
        read_hblm(tmp_path)


def test_symlink_out_of_the_corpus_and_symlink_loop(tmp_path):
    secret = tmp_path / "secret"
    secret.mkdir()
    root = tmp_path / "corpus"
    (root / "audio").mkdir(parents=True)
    (root / "audio/out.wav").symlink_to(secret / "private.wav")
    (root / "audio/a").symlink_to("b")
    (root / "audio/b").symlink_to("a")
    write_csv(root / "metadata.csv", "filename,language,genre\nout.wav,en,pop\n")
    with pytest.raises(MetadataError, match=r"line 2: filename 'out.wav' resolves to .*secret.*outside"):
        read_hblm(root)
    write_csv(root / "metadata.csv", "filename,language,genre\na,en,pop\n")
    with pytest.raises(MetadataError, match=r"line 2: filename 'a' cannot be resolved"):
        read_hblm(root)


def test_backslashes_are_separators(tmp_path):
    write_csv(tmp_path / "metadata.csv", "filename,language,genre\nbangla\\song.wav,bn,folk\n")
    assert read_hblm(tmp_path)["path"].tolist() == ["audio/bangla/song.wav"]


def test_cp1252_file_names_the_line(tmp_path):
    tmp_path.joinpath("metadata.csv").write_bytes("filename,language,genre\na.wav,en,pop\nBeyoncé.wav,en,pop\n"
                                                  .encode("cp1252"))
    with pytest.raises(MetadataError, match=r"metadata.csv: line 3: not valid UTF-8"):
        read_hblm(tmp_path)


def test_huge_field_names_file_and_line(tmp_path):
    write_csv(tmp_path / "metadata.csv", "filename,language,genre,lyrics\na.wav,en,pop,\"" + "la " * 200_000 + "\"\n")
    assert len(read_hblm(tmp_path)["lyrics"][0]) == 600_000  # over csv's default 128 KiB limit
    write_csv(tmp_path / "metadata.csv", "filename,language,genre,lyrics\na.wav,en,pop,x\nb.wav,en,pop,\""
                + "x" * (17 << 20) + "\"\n")
    with pytest.raises(MetadataError, match=r"metadata.csv: line 3: malformed CSV \(field larger"):
        read_hblm(tmp_path)


def test_two_metadata_files_name_both(tmp_path):
    write_csv(tmp_path / "metadata.csv", "filename,language,genre\na.wav,en,pop\n")
    write_csv(tmp_path / "old" / "metadata.csv", "filename,language,genre\nb.wav,en,pop\n")
    with pytest.raises(MetadataError, match=r"2 metadata files \('metadata.csv', 'old/metadata.csv'\)"):
        read_hblm(tmp_path)
    (tmp_path / "metadata.csv").unlink()
    with pytest.raises(MetadataError, match=r"not found .*found 'old/metadata.csv' instead"):
        read_hblm(tmp_path)


def test_odd_label_ids_are_none(tmp_path):
    write_csv(tmp_path / "metadata.csv",
              "filename,language,genre,label_id\na.wav,en,pop,²\nb.wav,en,pop,--1\nc.wav,en,pop,-3\n")
    assert read_hblm(tmp_path)["label_id"].tolist()[:2] == [pd.NA, pd.NA]
    assert read_hblm(tmp_path)["label_id"].tolist()[2] == -3
