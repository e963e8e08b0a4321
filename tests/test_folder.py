import pytest
from conftest import write_csv

from musiclust.datasets.folder import read_folder
from musiclust.datasets.records import MetadataError


def _corpus(touch, root):
    for rel in ["top.mp3", "jazz/a.wav", "jazz/live/b.FLAC", "rock/c.WAV", "rock/d.ogg",
                "rock/cover.jpg", "notes.txt", "jazz/.hidden.wav", ".cache/e.wav"]:
        touch(root, rel)


def _write_csv(root, text, name="labels.csv", bom=True):
    """Write a labels CSV into the corpus ``root`` and return its name, as read_folder takes it."""
    return write_csv(root / name, text, bom=bom).name


def test_no_csv_genre_from_top_folder(tmp_path, touch):
    _corpus(touch, tmp_path)
    tracks = read_folder(tmp_path)
    assert list(tracks["track_id"]) == ["jazz-a", "jazz-live-b", "rock-c", "rock-d", "top"]
    assert list(tracks.columns[:5]) == ["track_id", "path", "language", "genre", "lyrics"]
    by_id = tracks.set_index("track_id")
    assert by_id.loc["jazz-live-b", "path"] == "jazz/live/b.FLAC"
    assert by_id.loc["jazz-live-b", "genre"] == "jazz"  # the top-level subfolder, not "live"
    assert by_id.loc["rock-c", "path"] == "rock/c.WAV"  # upper-case extension
    assert by_id.loc["top", "genre"] is None  # directly in the root
    assert all(v is None for v in tracks["language"]) and all(v is None for v in tracks["lyrics"])
    assert tracks["track_id"].is_unique
    # stable: the same folder gives the same ids and rows
    assert read_folder(tmp_path).equals(tracks)


def test_labels_csv_bom_multiline_empty_cell(tmp_path, touch):
    _corpus(touch, tmp_path)
    name = _write_csv(tmp_path, (
        "filename,language,genre,lyrics,artist\n"
        'jazz/a.wav,English,Bebop,"first line\nsecond, line\n""third""",\n'
        "rock/c.WAV,,Metal,,Band\n"  # empty language and lyrics
        "top.mp3,Bangla,,,\n"  # empty genre: None (top.mp3 had no folder genre anyway)
        "jazz/live/b.FLAC,English,,,"  # empty genre overrides the folder default; no final newline
    ))
    tracks = read_folder(tmp_path, name)
    by_id = tracks.set_index("track_id")
    assert list(tracks["track_id"]) == ["jazz-a", "jazz-live-b", "rock-c", "rock-d", "top"]
    assert by_id.loc["jazz-a", "lyrics"] == 'first line\nsecond, line\n"third"'
    assert by_id.loc["jazz-a", ["language", "genre"]].tolist() == ["English", "Bebop"]
    assert by_id.loc["rock-c", "language"] is None and by_id.loc["rock-c", "lyrics"] is None
    assert by_id.loc["rock-c", ["genre", "artist"]].tolist() == ["Metal", "Band"]
    assert by_id.loc["top", ["language", "genre"]].tolist() == ["Bangla", None]
    assert by_id.loc["jazz-live-b", "genre"] is None
    # no CSV row: defaults kept
    assert by_id.loc["rock-d", ["language", "genre", "lyrics", "artist"]].tolist() == [None, "rock", None, None]
    # no BOM works too; an absolute path, even into the folder, is refused: the CSV is named as it lies in the corpus
    _write_csv(tmp_path, "filename,genre\r\nrock/d.ogg,Grunge\r\n", name="plain.csv", bom=False)
    again = read_folder(tmp_path, "plain.csv").set_index("track_id")
    assert again.loc["rock-d", "genre"] == "Grunge" and again.loc["rock-c", "genre"] == "rock"
    with pytest.raises(MetadataError, match="labels_csv: filename .* is an absolute path"):
        read_folder(tmp_path, tmp_path / "plain.csv")


def test_csv_row_for_missing_file_names_line(tmp_path, touch):
    _corpus(touch, tmp_path)
    name = _write_csv(tmp_path, (
        "filename,genre,lyrics\n"
        'jazz/a.wav,Jazz,"two\nlines"\n'
        "rock/missing.wav,Rock,\n"
    ))
    with pytest.raises(MetadataError, match=r"labels\.csv: line 4: 'rock/missing\.wav' does not exist"):
        read_folder(tmp_path, name)
    name = _write_csv(tmp_path, "filename,genre\nnotes.txt,Jazz\n", name="b.csv")
    with pytest.raises(MetadataError, match=r"b\.csv: line 2: 'notes\.txt' is not an audio file"):
        read_folder(tmp_path, name)


def test_duplicated_filename_names_both_lines(tmp_path, touch):
    _corpus(touch, tmp_path)
    name = _write_csv(tmp_path, (
        "filename,genre,lyrics\n"
        'rock/c.WAV,Rock,"a\nb"\n'
        "top.mp3,Pop,\n"
        "./rock/c.WAV,Metal,\n"
    ))
    with pytest.raises(MetadataError, match=r"line 5: filename 'rock/c\.WAV' is already listed on line 2"):
        read_folder(tmp_path, name)


def test_malformed_csv(tmp_path, touch):
    _corpus(touch, tmp_path)
    with pytest.raises(MetadataError, match="filename"):
        read_folder(tmp_path, _write_csv(tmp_path, "file,genre\ntop.mp3,Pop\n"))
    with pytest.raises(MetadataError, match="line 3: 3 field"):
        read_folder(tmp_path, _write_csv(tmp_path, "filename,genre\ntop.mp3,Pop\nrock/d.ogg,Rock,extra\n"))
    with pytest.raises(MetadataError, match="not found"):
        read_folder(tmp_path, "nope.csv")
    (tmp_path / "latin1.csv").write_bytes("filename,genre\ntop.mp3,Músic\n".encode("latin-1"))
    with pytest.raises(MetadataError, match="UTF-8"):
        read_folder(tmp_path, "latin1.csv")


def test_track_id_collision(tmp_path, touch):
    touch(tmp_path, "a/b.wav")
    touch(tmp_path, "a-b.mp3")
    with pytest.raises(MetadataError, match="same track id 'a-b'"):
        read_folder(tmp_path)
    touch(tmp_path / "x", "s.wav")
    touch(tmp_path / "x", "s.flac")
    with pytest.raises(MetadataError, match="same track id 's'"):
        read_folder(tmp_path / "x")


def test_empty_or_missing_root(tmp_path, touch):
    touch(tmp_path, "readme.md")
    with pytest.raises(MetadataError, match="no audio files"):
        read_folder(tmp_path)
    with pytest.raises(MetadataError, match="not a folder"):
        read_folder(tmp_path / "missing")


@pytest.mark.parametrize("name", ["../outside.wav", "/etc/outside.wav", "jazz\\..\\..\\outside.wav"])
def test_labels_row_outside_the_folder_names_file_and_line(tmp_path, touch, name):
    root = tmp_path / "root"
    _corpus(touch, root)
    touch(tmp_path, "outside.wav")
    csv = _write_csv(root, f"filename,genre\ntop.mp3,x\n{name},y\n")
    with pytest.raises(MetadataError, match=rf"{csv}: line 3: filename .*(outside|absolute)"):
        read_folder(root, csv)


def test_symlinked_audio_file_leading_out_is_refused(tmp_path, touch):
    root = tmp_path / "root"
    _corpus(touch, root)
    secret = touch(tmp_path, "secret/private.wav")
    (root / "jazz/private.wav").symlink_to(secret)
    with pytest.raises(MetadataError, match=r"filename 'jazz/private.wav' resolves to .*outside"):
        read_folder(root)


@pytest.mark.parametrize("layout", ["folder", "gtzan"])
def test_a_file_name_that_is_not_utf8_is_refused_naming_its_bytes(tmp_path, layout):
    """Every table stores names as UTF-8: such a name used to end in pyarrow's UnicodeEncodeError, naming nothing."""
    import os

    from musiclust.datasets.gtzan import read_gtzan

    genre = tmp_path / "genres_original" / "rock" if layout == "gtzan" else tmp_path / "rock"
    genre.mkdir(parents=True)
    (genre / "fine.00000.wav").write_bytes(b"RIFF")
    with open(os.fsencode(genre) + b"/caf\xe9.00001.wav", "wb") as f:  # Latin-1, as an old copy tool left it
        f.write(b"RIFF")
    reader = read_gtzan if layout == "gtzan" else read_folder
    with pytest.raises(MetadataError, match=r"b'.*caf\\xe9\.00001\.wav' is not valid UTF-8"):
        reader(tmp_path)
