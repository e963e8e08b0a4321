"""Tests for musiclust.datasets.extract: layouts, formats and malicious archives."""

from __future__ import annotations

import io
import stat
import tarfile
import zipfile

import pytest
from conftest import make_tar, make_zip, relative_files, tar_member

from musiclust.datasets import extract
from musiclust.datasets.extract import CorruptArchiveError, UnsafeArchiveError, extract_archive


def _special(name, type_, linkname=""):
    info = tarfile.TarInfo(name)
    info.type = type_
    info.linkname = linkname
    return info, None


KAGGLE_LIKE = [
    ("Data/", None),
    ("Data/genres_original/blues/blues.00000.wav", b"RIFF-blues"),
    ("Data/genres_original/rock/rock.00001.wav", b"RIFF-rock"),
    ("Data/features_30_sec.csv", b"a,b\n1,2\n"),
    ("__MACOSX/Data/._features_30_sec.csv", b"junk"),
    ("Data/.DS_Store", b"junk"),
]


# --------------------------------------------------------------- normal use


def test_zip_single_top_folder_is_stripped(tmp_path):
    archive = make_zip(tmp_path / "gtzan.zip", KAGGLE_LIKE)
    target = tmp_path / "out" / "gtzan"
    assert extract_archive(archive, target) == target
    assert relative_files(target) == [
        "features_30_sec.csv",
        "genres_original/blues/blues.00000.wav",
        "genres_original/rock/rock.00001.wav",
    ]
    assert (target / "genres_original/rock/rock.00001.wav").read_bytes() == b"RIFF-rock"
    # No temporary folders left beside the target.
    assert sorted(p.name for p in target.parent.iterdir()) == ["gtzan"]


def test_zip_without_top_folder_is_kept_as_is(tmp_path):
    archive = make_zip(
        tmp_path / "flat.zip",
        [("metadata.csv", b"filename\n"), ("audio/a.wav", b"A"), ("__MACOSX/._metadata.csv", b"junk")],
    )
    target = tmp_path / "flat"
    extract_archive(archive, target)
    assert relative_files(target) == ["audio/a.wav", "metadata.csv"]


def test_zip_single_file_is_not_stripped(tmp_path):
    archive = make_zip(tmp_path / "one.zip", [("metadata.csv", b"x")])
    extract_archive(archive, tmp_path / "t")
    assert relative_files(tmp_path / "t") == ["metadata.csv"]


def test_zip_with_implicit_top_folder_and_harmless_dotdot(tmp_path):
    # No explicit 'HBLM-100/' entry; 'audio/../metadata.csv' stays inside.
    archive = make_zip(
        tmp_path / "hblm.zip",
        [("HBLM-100/audio/../metadata.csv", b"m"), ("HBLM-100/audio/x.wav", b"x")],
    )
    extract_archive(archive, tmp_path / "hblm")
    assert relative_files(tmp_path / "hblm") == ["audio/x.wav", "metadata.csv"]


@pytest.mark.parametrize(
    "suffix, mode",
    [(".tar", "w"), (".tar.gz", "w:gz"), (".tgz", "w:gz"), (".tar.bz2", "w:bz2"), (".tar.xz", "w:xz")],
)
def test_tar_formats_with_top_folder(tmp_path, suffix, mode):
    members = [
        tar_member("./HBLM-100/metadata.csv", b"filename\n"),
        tar_member("./HBLM-100/audio/a.wav", b"A"),
        tar_member("./HBLM-100/._metadata.csv", b"appledouble"),
        tar_member("./__MACOSX/HBLM-100/._x", b"junk"),
    ]
    archive = make_tar(tmp_path / f"hblm{suffix}", members, mode)
    target = tmp_path / "hblm"
    extract_archive(archive, target)
    assert relative_files(target) == ["audio/a.wav", "metadata.csv"]
    assert (target / "audio/a.wav").read_bytes() == b"A"


def test_tar_internal_links_are_kept(tmp_path):
    members = [
        tar_member("top/data/a.txt", b"hello"),
        _special("top/link.txt", tarfile.SYMTYPE, "data/a.txt"),
        _special("top/hard.txt", tarfile.LNKTYPE, "top/data/a.txt"),
    ]
    archive = make_tar(tmp_path / "links.tar.gz", members)
    target = tmp_path / "t"
    extract_archive(archive, target)
    assert (target / "link.txt").is_symlink()
    assert (target / "link.txt").read_bytes() == b"hello"
    assert (target / "hard.txt").read_bytes() == b"hello"
    assert not (target / "hard.txt").is_symlink()


def test_tar_without_top_folder(tmp_path):
    archive = make_tar(tmp_path / "flat.tar.gz", [tar_member("a.txt", b"a"), tar_member("b/c.txt", b"c")])
    extract_archive(archive, tmp_path / "flat")
    assert relative_files(tmp_path / "flat") == ["a.txt", "b/c.txt"]


def test_tar_fallback_without_data_filter(tmp_path, monkeypatch):
    # Python 3.11 before 3.11.4 has no extraction filters: our checks alone.
    monkeypatch.delattr(tarfile, "data_filter", raising=False)
    info, data = tar_member("top/run.sh", b"#!/bin/sh\n")
    info.mode = 0o4755  # setuid must not survive
    archive = make_tar(tmp_path / "x.tar", [(info, data)], "w")
    extract_archive(archive, tmp_path / "t")
    mode = (tmp_path / "t" / "run.sh").stat().st_mode
    assert not mode & stat.S_ISUID
    assert mode & 0o100


def test_existing_target_is_replaced(tmp_path):
    target = tmp_path / "t"
    (target / "old").mkdir(parents=True)
    (target / "old" / "stale.txt").write_text("stale")
    archive = make_zip(tmp_path / "a.zip", [("new.txt", b"new"), ("other.txt", b"o")])
    extract_archive(archive, target)
    assert relative_files(target) == ["new.txt", "other.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.zip", "t"]


def test_format_detected_by_content(tmp_path):
    archive = make_zip(tmp_path / "misnamed.bin", [("a.txt", b"a")])
    extract_archive(archive, tmp_path / "t")
    assert relative_files(tmp_path / "t") == ["a.txt"]


def test_unsupported_file(tmp_path):
    bogus = tmp_path / "data.rar"
    bogus.write_bytes(b"Rar!\x1a\x07\x00" + b"\x00" * 600)
    with pytest.raises(ValueError, match="data.rar"):
        extract_archive(bogus, tmp_path / "t")
    assert not (tmp_path / "t").exists()


def test_missing_archive(tmp_path):
    with pytest.raises(FileNotFoundError):
        extract_archive(tmp_path / "nope.zip", tmp_path / "t")


def test_corrupt_member_cleans_up(tmp_path):
    archive = tmp_path / "bad.zip"
    make_zip(archive, [("a.txt", b"a" * 1000)])
    raw = bytearray(archive.read_bytes())
    raw[raw.index(b"a" * 100) : raw.index(b"a" * 100) + 10] = b"b" * 10  # CRC mismatch
    archive.write_bytes(bytes(raw))
    with pytest.raises(CorruptArchiveError, match="bad.zip.*Bad CRC"):
        extract_archive(archive, tmp_path / "t")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.zip"]


# ---------------------------------------------------------- malicious input


def _zip_symlink(path):
    info = zipfile.ZipInfo("top/link")
    info.create_system = 3  # Unix, so external_attr carries the mode
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("top/ok.txt", b"ok")
        zf.writestr(info, "/etc/passwd")
    return path


MALICIOUS = {
    "zip_absolute": lambda p: make_zip(p / "a.zip", [("ok.txt", b"ok"), ("/tmp/evil", b"x")]),
    "zip_dotdot": lambda p: make_zip(p / "a.zip", [("ok.txt", b"ok"), ("../evil", b"x")]),
    "zip_nested_dotdot": lambda p: make_zip(p / "a.zip", [("top/ok.txt", b"ok"), ("top/../../evil", b"x")]),
    "zip_backslash_dotdot": lambda p: make_zip(p / "a.zip", [("ok.txt", b"ok"), ("..\\evil", b"x")]),
    "zip_drive_letter": lambda p: make_zip(p / "a.zip", [("ok.txt", b"ok"), ("C:/evil", b"x")]),
    "zip_symlink": lambda p: _zip_symlink(p / "a.zip"),
    "tar_absolute": lambda p: make_tar(p / "a.tar.gz", [tar_member("ok.txt", b"ok"), tar_member("/tmp/evil", b"x")]),
    "tar_dotdot": lambda p: make_tar(p / "a.tar.gz", [tar_member("ok.txt", b"ok"), tar_member("../evil", b"x")]),
    "tar_symlink_outside": lambda p: make_tar(
        p / "a.tar.gz", [tar_member("ok.txt", b"ok"), _special("evil", tarfile.SYMTYPE, "../outside")]
    ),
    "tar_symlink_absolute": lambda p: make_tar(
        p / "a.tar.gz", [tar_member("ok.txt", b"ok"), _special("evil", tarfile.SYMTYPE, "/etc")]
    ),
    # Classic two-step attack: a symlink to the parent, then a file written through it.
    "tar_write_through_symlink": lambda p: make_tar(
        p / "a.tar.gz",
        [_special("d", tarfile.SYMTYPE, "."), _special("d/up", tarfile.SYMTYPE, ".."), tar_member("d/up/evil", b"x")],
    ),
    # 'l' -> '.' is fine, but 'l/..' is the parent of the target on disk.
    "tar_symlink_through_symlink": lambda p: make_tar(
        p / "a.tar.gz",
        [_special("l", tarfile.SYMTYPE, "."), _special("esc", tarfile.SYMTYPE, "l/../evil"), tar_member("x", b"x")],
    ),
    # Inside the archive root, but outside once the single top folder is stripped.
    "tar_symlink_escapes_after_strip": lambda p: make_tar(
        p / "a.tar.gz", [tar_member("top/ok.txt", b"ok"), _special("top/esc", tarfile.SYMTYPE, "../top2")]
    ),
    "tar_hardlink_absolute": lambda p: make_tar(
        p / "a.tar.gz", [tar_member("ok.txt", b"ok"), _special("evil", tarfile.LNKTYPE, "/etc/passwd")]
    ),
    "tar_hardlink_dotdot": lambda p: make_tar(
        p / "a.tar.gz", [tar_member("ok.txt", b"ok"), _special("evil", tarfile.LNKTYPE, "../x")]
    ),
    "tar_chardev": lambda p: make_tar(p / "a.tar.gz", [tar_member("ok.txt", b"ok"), _special("null", tarfile.CHRTYPE)]),
    "tar_blockdev": lambda p: make_tar(p / "a.tar.gz", [tar_member("ok.txt", b"ok"), _special("sda", tarfile.BLKTYPE)]),
    "tar_fifo": lambda p: make_tar(p / "a.tar.gz", [tar_member("ok.txt", b"ok"), _special("pipe", tarfile.FIFOTYPE)]),
}


@pytest.mark.parametrize("with_filter", [True, False], ids=["data_filter", "own_checks_only"])
@pytest.mark.parametrize("kind", sorted(MALICIOUS))
def test_malicious_archive_is_refused(tmp_path, monkeypatch, kind, with_filter):
    if not with_filter:
        # Our validation alone must suffice (Python 3.11 before 3.11.4).
        monkeypatch.delattr(tarfile, "data_filter", raising=False)
    # Archive and target live in separate folders so 'outside' is easy to watch.
    store = tmp_path / "store"
    store.mkdir()
    archive = MALICIOUS[kind](store)
    work = tmp_path / "work"
    work.mkdir()
    target = work / "target"
    before_tmp = sorted(p.name for p in tmp_path.iterdir())
    before_work = sorted(p.name for p in work.iterdir())
    before_store = sorted(p.name for p in store.iterdir())

    with pytest.raises(UnsafeArchiveError) as info:
        extract_archive(archive, target)

    assert str(archive) in str(info.value)
    assert not target.exists() and not target.is_symlink()
    assert sorted(p.name for p in work.iterdir()) == before_work
    assert sorted(p.name for p in tmp_path.iterdir()) == before_tmp
    assert sorted(p.name for p in store.iterdir()) == before_store


def test_error_names_offending_member(tmp_path):
    archive = make_zip(tmp_path / "a.zip", [("ok.txt", b"ok"), ("../evil", b"x")])
    with pytest.raises(UnsafeArchiveError, match=r"\.\./evil"):
        extract_archive(archive, tmp_path / "t")


def test_hardlink_error_names_member_and_target(tmp_path):
    archive = make_tar(tmp_path / "a.tar", [_special("innocent", tarfile.LNKTYPE, "/etc/passwd")], "w")
    with pytest.raises(UnsafeArchiveError, match=r"'innocent' is a hard link to '/etc/passwd'"):
        extract_archive(archive, tmp_path / "t")


def test_refusal_leaves_existing_target_untouched(tmp_path):
    target = tmp_path / "t"
    target.mkdir()
    (target / "keep.txt").write_text("keep")
    archive = make_tar(tmp_path / "a.tar.gz", [tar_member("ok.txt", b"ok"), tar_member("/tmp/evil", b"x")])
    with pytest.raises(UnsafeArchiveError, match="/tmp/evil"):
        extract_archive(archive, target)
    assert relative_files(target) == ["keep.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.tar.gz", "t"]


# ------------------------------------------------------------------ limits


def _zip_of_zeros(path, megabytes, name="bomb.bin"):
    """A zip whose one member expands to ``megabytes`` MiB of zeros (deflate: about 1000:1)."""
    block = bytes(1 << 20)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("ok.txt", b"ok")
        with zf.open(name, "w", force_zip64=True) as out:
            for _ in range(megabytes):
                out.write(block)
    return path


def _nothing_left(folder, *expected):
    assert sorted(p.name for p in folder.iterdir()) == sorted(expected)


def test_zip_bomb_is_refused_before_writing(tmp_path):
    archive = _zip_of_zeros(tmp_path / "bomb.zip", 64)
    assert archive.stat().st_size < 200_000
    with pytest.raises(UnsafeArchiveError, match=r"bomb\.zip: member 'bomb\.bin'.*more than 100 times"):
        extract_archive(archive, tmp_path / "t")  # the default ratio limit
    with pytest.raises(UnsafeArchiveError, match=r"more than 10000000 bytes uncompressed \(max_extract_bytes\)"):
        extract_archive(archive, tmp_path / "t", max_bytes=10_000_000, max_ratio=10_000)
    _nothing_left(tmp_path, "bomb.zip")


def test_tar_bomb_is_refused_at_its_header(tmp_path):
    info = tarfile.TarInfo("top/big.bin")
    info.size = 50 << 20

    class Zeros(io.RawIOBase):
        def readinto(self, b):
            b[:] = bytes(len(b))
            return len(b)

    archive = make_tar(tmp_path / "bomb.tar.gz", [tar_member("top/a.txt", b"a"), (info, Zeros())])
    with pytest.raises(UnsafeArchiveError, match=r"bomb\.tar\.gz: member 'top/big\.bin'.*max_extract_bytes"):
        extract_archive(archive, tmp_path / "t", max_bytes=1 << 20)
    _nothing_left(tmp_path, "bomb.tar.gz")


def test_member_count_limit(tmp_path):
    archive = make_zip(tmp_path / "many.zip", [(f"f{i}.txt", b"x") for i in range(20)])
    with pytest.raises(UnsafeArchiveError, match=r"many\.zip: more than 10 members \(max_extract_members\)"):
        extract_archive(archive, tmp_path / "t", max_members=10)
    extract_archive(archive, tmp_path / "t", max_members=20)
    assert len(relative_files(tmp_path / "t")) == 20


def test_written_bytes_are_counted(tmp_path, monkeypatch):
    # A zip's declared sizes are claims: the bytes written are bounded too.
    archive = make_zip(tmp_path / "a.zip", [("a.txt", b"a" * 3000), ("b.txt", b"b" * 3000)])
    budget_declare = extract._Budget.declare
    monkeypatch.setattr(extract._Budget, "declare", lambda self, label, size: budget_declare(self, label, 0))
    with pytest.raises(UnsafeArchiveError, match="member 'b.txt' expands to more than 5000 bytes"):
        extract_archive(archive, tmp_path / "t", max_bytes=5000)
    _nothing_left(tmp_path, "a.zip")


@pytest.mark.parametrize("limits", [{"max_bytes": 0}, {"max_members": 0}, {"max_ratio": 0.5}])
def test_bad_limits(tmp_path, limits):
    archive = make_zip(tmp_path / "a.zip", [("a.txt", b"a")])
    with pytest.raises(ValueError, match=r"a\.zip: extraction limits"):
        extract_archive(archive, tmp_path / "t", **limits)


def test_interrupt_leaves_no_temporary_folder(tmp_path, monkeypatch):
    archive = make_zip(tmp_path / "a.zip", [("a.txt", b"a"), ("b.txt", b"b")])
    real = extract._extract_zip

    def interrupted(*args):
        real(*args)
        raise KeyboardInterrupt

    monkeypatch.setattr(extract, "_extract_zip", interrupted)
    with pytest.raises(KeyboardInterrupt):
        extract_archive(archive, tmp_path / "t")
    _nothing_left(tmp_path, "a.zip")


LOOPS = {
    "pair": [_special("a", tarfile.SYMTYPE, "b"), _special("b", tarfile.SYMTYPE, "a")],
    "self": [_special("a", tarfile.SYMTYPE, "a")],
    "parent": [tar_member("x/f.txt", b"f"), _special("x/up", tarfile.SYMTYPE, "..")],
    "crossed": [tar_member("x/f", b"f"), tar_member("y/g", b"g"),
                _special("x/a", tarfile.SYMTYPE, "../y"), _special("y/b", tarfile.SYMTYPE, "../x")],
}


@pytest.mark.parametrize("kind", sorted(LOOPS))
def test_tar_symlink_loops_are_refused(tmp_path, kind):
    archive = make_tar(tmp_path / "loop.tar", [tar_member("ok.txt", b"ok"), *LOOPS[kind]], "w")
    with pytest.raises(UnsafeArchiveError, match=r"loop\.tar: member .* is a symlink to .*loop"):
        extract_archive(archive, tmp_path / "t")
    _nothing_left(tmp_path, "loop.tar")


def test_archive_suffix():
    assert extract.archive_suffix("x/GTZAN.TAR.GZ") == ".tar.gz"
    assert extract.archive_suffix("a.zip") == ".zip" and extract.archive_suffix("a.tgz") == ".tgz"
    assert extract.archive_suffix("download") == ""


@pytest.mark.parametrize("fmt", ["pax", "gnu"])
def test_a_tar_header_bomb_is_refused_before_its_payload_is_read(tmp_path, fmt):
    """A few KiB of gzip holding a 3 MiB PAX record or GNU long name: tarfile would read it whole
    into memory before any member is seen; the cap (here within the extraction budget) stops it."""
    import tarfile

    from musiclust.datasets.extract import MAX_TAR_HEADER_BYTES, UnsafeArchiveError, extract_archive

    archive = tmp_path / "bomb.tar.gz"
    huge = 3 << 20
    with tarfile.open(archive, "w:gz", format=tarfile.PAX_FORMAT if fmt == "pax" else tarfile.GNU_FORMAT) as tf:
        info = tarfile.TarInfo("top/" + "a" * huge if fmt == "gnu" else "top/a.wav")
        if fmt == "pax":
            info.pax_headers = {"comment": "x" * huge}
        info.size = 0
        tf.addfile(info)
    assert archive.stat().st_size < 64 << 10
    kind = "PAX" if fmt == "pax" else "GNU long-name"
    with pytest.raises(UnsafeArchiveError, match=rf"bomb.tar.gz: a {kind} header declares \d+ bytes"):
        extract_archive(archive, tmp_path / "out", max_bytes=1 << 30)
    # the extraction budget bounds it too: a budget below the cap is the bound
    assert MAX_TAR_HEADER_BYTES < huge
    with pytest.raises(UnsafeArchiveError, match=r"more than the 1000 read of one"):
        extract_archive(archive, tmp_path / "out", max_bytes=1000)
    assert not (tmp_path / "out").exists()
    # an ordinary long name (a few hundred bytes) still extracts
    ok = tmp_path / "ok.tar.gz"
    with tarfile.open(ok, "w:gz", format=tarfile.PAX_FORMAT if fmt == "pax" else tarfile.GNU_FORMAT) as tf:
        info = tarfile.TarInfo("top/" + "b" * 200 + ".wav")
        info.size = 0
        tf.addfile(info)
    assert (extract_archive(ok, tmp_path / "ok") / ("b" * 200 + ".wav")).exists()


def _hardlink(name: str, target: str) -> tuple[tarfile.TarInfo, None]:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = tarfile.LNKTYPE, target
    return info, None


@pytest.mark.parametrize("kind, build, message", [
    ("zip", lambda p: make_zip(p, [("c/a.wav", b"1"), ("c/a.wav", b"2")]), "have the same name 'a.wav'"),
    ("zip", lambda p: make_zip(p, [("c/a", b"file"), ("c/a/b.wav", b"2")]), "is a file, but 'c/a/b.wav' lies inside"),
    ("zip", lambda p: make_zip(p, [("c/" + "n" * 256 + ".wav", b"1")]), "has a name of 260 bytes"),
    ("tar", lambda p: make_tar(p, [_hardlink("c/b.wav", "c/a.wav"), tar_member("c/a.wav", b"1")]),
     "hard link to 'a.wav', which is not an earlier file"),
    ("tar", lambda p: make_tar(p, [tar_member("c/a.wav", b"1"), tar_member("c/a.wav", b"2")]),
     "have the same name"),
])
def test_names_the_file_system_would_settle_silently_are_refused(tmp_path, kind, build, message):
    """A duplicate used to overwrite the earlier member, a clash or a long name to end in a bare
    OSError, a hard link to a later member in a KeyError: each now names the archive and member."""
    archive = build(tmp_path / ("c.zip" if kind == "zip" else "c.tar.gz"))
    with pytest.raises(UnsafeArchiveError, match=rf"{archive.name}: .*{message}"):
        extract_archive(archive, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    # a hard link to an earlier file still extracts, as the file itself
    ok = make_tar(tmp_path / "ok.tar.gz", [tar_member("c/a.wav", b"1"), _hardlink("c/b.wav", "c/a.wav")])
    assert (extract_archive(ok, tmp_path / "ok") / "b.wav").read_bytes() == b"1"
