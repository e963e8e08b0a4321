"""Safe, atomic extraction of zip and tar archives.

Every member is validated before anything is written, the archive is unpacked
into a temporary folder beside ``target``, and the result is moved into place
with ``os.replace``: ``target`` is either the complete extraction or untouched.
The total size, member count and compression ratio are bounded (checked on the
sizes the archive declares before writing, and on the bytes written), so an
archive bomb stops early instead of filling the disk.
"""

from __future__ import annotations

import copy
import lzma
import os
import posixpath
import re
import stat
import tarfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from ..config import InputError
from ..io import atomic_dir

__all__ = ["MAX_BYTES", "MAX_MEMBERS", "MAX_RATIO", "MAX_TAR_HEADER_BYTES", "CorruptArchiveError", "UnsafeArchiveError",
           "archive_suffix", "extract_archive"]

MAX_BYTES = 100 * 10**9
"""Default limit on the total uncompressed size (bytes)."""
MAX_MEMBERS = 1_000_000
"""Default limit on the number of members."""
MAX_RATIO = 100.0
"""Default limit on uncompressed size / archive size; audio compresses about 1.1:1, bombs 1000:1."""
_RATIO_FLOOR = 1 << 20  # the ratio is not applied below this many bytes: small archives vary widely

_DRIVE_RE = re.compile(r"^[A-Za-z]:")
_TAR_SUFFIXES = (".tar", ".tgz", ".tbz", ".tbz2", ".txz", ".tar.gz", ".tar.bz2", ".tar.xz")
# Finder litter that must neither be extracted nor count as a top-level folder.
_JUNK_DIRS = frozenset({"__MACOSX"})
_JUNK_FILES = frozenset({".DS_Store"})
# tarfile.FilterError only exists where the extraction filters do.
_FILTER_ERRORS = getattr(tarfile, "FilterError", ())



class UnsafeArchiveError(InputError, ValueError):
    """An archive member would escape the target or is not a plain file/folder.

    The message names the archive and the offending member.
    """


class CorruptArchiveError(InputError, ValueError):
    """An archive cannot be read (truncated, bad checksum, bad header); the message names it."""


MAX_TAR_HEADER_BYTES = 1 << 20
"""Largest payload of a tar member's extended header (a PAX record set, a GNU long name or link
target) that is read: a real one holds a path of at most a few KiB; a hostile one declares
gigabytes, which tarfile would read into memory before any member is seen."""


class _TarHeaderTooLarge(Exception):
    def __init__(self, kind: str, size: int, limit: int):
        super().__init__(kind, size, limit)
        self.kind, self.size, self.limit = kind, size, limit


def _capped_tarinfo(limit: int) -> type[tarfile.TarInfo]:
    """A TarInfo whose extended headers (PAX, GNU long name and link) are refused above ``limit``
    bytes before their payload is read."""

    class CappedTarInfo(tarfile.TarInfo):
        def _proc_gnulong(self, tarfile_):
            if self.size > limit:
                raise _TarHeaderTooLarge("GNU long-name", self.size, limit)
            return super()._proc_gnulong(tarfile_)

        def _proc_pax(self, tarfile_):
            if self.size > limit:
                raise _TarHeaderTooLarge("PAX", self.size, limit)
            return super()._proc_pax(tarfile_)

    return CappedTarInfo


# What the zip, tar and decompression modules raise on a damaged archive; an
# OSError without an errno is bz2's and gzip's way of saying the same.
_READ_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, tarfile.TarError, zlib.error, lzma.LZMAError,
                EOFError, NotImplementedError, RuntimeError, ValueError, OSError)


class _Budget:
    """The bytes and members an extraction may still write.

    Declared sizes are checked before anything is written (:meth:`declare`);
    the bytes actually written are counted too (:meth:`spend`), since a zip's
    headers are only what its maker claims.
    """

    def __init__(self, archive: Path, max_bytes: int, max_members: int, max_ratio: float):
        if not (max_bytes > 0 and max_members > 0 and max_ratio >= 1):
            raise ValueError(f"{archive}: extraction limits must be positive (max_bytes={max_bytes}, "
                             f"max_members={max_members}, max_ratio={max_ratio} >= 1)")
        self.archive = archive
        self.max_members = max_members
        self.max_bytes = max_bytes
        self.max_ratio = max_ratio
        self.size = archive.stat().st_size
        self.declared = self.written = self.members = 0

    def _check(self, total: int, what: str) -> None:
        if total > self.max_bytes:
            raise UnsafeArchiveError(f"{self.archive}: {what} more than {self.max_bytes} bytes uncompressed "
                                     "(max_extract_bytes); refusing to extract it")
        if total > max(self.max_ratio * self.size, _RATIO_FLOOR):
            raise UnsafeArchiveError(f"{self.archive}: {what} more than {self.max_ratio:g} times its own size "
                                     f"({self.size} bytes; max_compression_ratio), like an archive bomb")

    def declare(self, label: str, size: int) -> None:
        self.members += 1
        if self.members > self.max_members:
            raise UnsafeArchiveError(f"{self.archive}: more than {self.max_members} members (max_extract_members); "
                                     "refusing to extract it")
        self.declared += max(size, 0)
        self._check(self.declared, f"member {label!r} makes the members declare")

    def spend(self, label: str, size: int) -> None:
        self.written += size
        self._check(self.written, f"member {label!r} expands to")


@dataclass(frozen=True)
class _Member:
    """A validated member: ``name`` is normalized, '/'-separated and relative."""

    name: str
    kind: str  # "file", "dir", "symlink" or "hardlink"
    link: str | None  # symlink target (as stored) or normalized hardlink target
    raw: object  # the ZipInfo or TarInfo
    label: str  # the name as stored, for error messages


def _normalize(archive: Path, raw_name: str) -> str:
    """Return the normalized relative name of a member, refusing unsafe ones."""
    # Windows-made archives may use backslashes; treat them as separators so
    # '..\\x' cannot slip past the checks.
    name = raw_name.replace("\\", "/")
    if "\x00" in name:
        raise UnsafeArchiveError(f"{archive}: member {raw_name!r} has a NUL byte in its name")
    if name.startswith("/"):
        raise UnsafeArchiveError(f"{archive}: member {raw_name!r} has an absolute path")
    if _DRIVE_RE.match(name):
        raise UnsafeArchiveError(f"{archive}: member {raw_name!r} has a drive letter")
    norm = posixpath.normpath(name) if name else "."
    if norm == ".." or norm.startswith("../"):
        raise UnsafeArchiveError(f"{archive}: member {raw_name!r} escapes the target folder with '..'")
    return norm


def _step(cur: str, part: str) -> str | None:
    """Apply one path component to ``cur`` lexically; None if it leaves the root."""
    parts = [p for p in cur.split("/") if p not in ("", ".")]
    if part == "..":
        if not parts:
            return None
        parts.pop()
    elif part not in ("", "."):
        parts.append(part)
    return "/".join(parts) or "."


def _is_junk(name: str) -> bool:
    parts = name.split("/")
    # '._name' files are macOS AppleDouble metadata that bsdtar adds to tars.
    return parts[0] in _JUNK_DIRS or parts[-1] in _JUNK_FILES or parts[-1].startswith("._")


def _zip_members(archive: Path, zf: zipfile.ZipFile, budget: _Budget) -> list[_Member]:
    members = []
    for info in zf.infolist():
        budget.declare(info.filename, info.file_size)
        name = _normalize(archive, info.filename)
        # The high 16 bits hold the Unix mode when the zip was made on Unix.
        mode = info.external_attr >> 16
        ftype = stat.S_IFMT(mode)
        if stat.S_ISLNK(mode):
            raise UnsafeArchiveError(f"{archive}: member {info.filename!r} is a symlink")
        if ftype not in (0, stat.S_IFREG, stat.S_IFDIR):
            raise UnsafeArchiveError(f"{archive}: member {info.filename!r} is a special file (mode {oct(mode)})")
        kind = "dir" if info.is_dir() or ftype == stat.S_IFDIR else "file"
        members.append(_Member(name, kind, None, info, info.filename))
    return members


def _tar_members(archive: Path, tf: tarfile.TarFile, budget: _Budget) -> list[_Member]:
    members = []
    # Iterated rather than getmembers(), so a bomb is refused at the header
    # that crosses a limit, before the rest of the stream is decompressed.
    for info in tf:
        budget.declare(info.name, info.size)
        name = _normalize(archive, info.name)
        if info.issym():
            if info.linkname.startswith(("/", "\\")) or _DRIVE_RE.match(info.linkname):
                raise UnsafeArchiveError(
                    f"{archive}: member {info.name!r} is a symlink to the absolute path {info.linkname!r}"
                )
            members.append(_Member(name, "symlink", info.linkname, info, info.name))
        elif info.islnk():
            # Hard-link targets are relative to the archive root.
            try:
                link = _normalize(archive, info.linkname) if info.linkname else ""
            except UnsafeArchiveError:
                link = ""
            if not link or link == ".":
                raise UnsafeArchiveError(
                    f"{archive}: member {info.name!r} is a hard link to {info.linkname!r}, outside the target folder"
                )
            members.append(_Member(name, "hardlink", link, info, info.name))
        elif info.isdir():
            members.append(_Member(name, "dir", None, info, info.name))
        elif info.isreg():
            members.append(_Member(name, "file", None, info, info.name))
        else:
            raise UnsafeArchiveError(
                f"{archive}: member {info.name!r} is a device, FIFO or other special file; refusing to extract it"
            )
    return members


def _check_links(archive: Path, members: list[_Member]) -> None:
    """Refuse links resolving outside the root and paths that go through a symlink.

    ``members`` must already be rebased onto what becomes ``target``, so that
    a link is judged against the final folder (after any top-folder strip).
    """
    symlinks = {m.name for m in members if m.kind == "symlink"}

    def through_symlink(path: str) -> bool:
        # A path whose parent chain contains an archive symlink could be
        # redirected anywhere by that symlink.
        parts = path.split("/")
        return any("/".join(parts[:i]) in symlinks for i in range(1, len(parts)))

    for m in members:
        if m.name == "." and m.kind != "dir":
            raise UnsafeArchiveError(f"{archive}: member {m.label!r} would replace the target folder itself")
        if through_symlink(m.name):
            raise UnsafeArchiveError(f"{archive}: member {m.label!r} lies under a symlink in the archive")
        if m.kind == "symlink":
            # Walk the target one component at a time: the filesystem resolves
            # '..' after a symlinked component physically, not lexically, so
            # passing through another archive symlink is refused outright.
            parts = [p for p in m.link.replace("\\", "/").split("/") if p not in ("", ".")]
            cur: str | None = posixpath.dirname(m.name) or "."
            for i, part in enumerate(parts):
                cur = _step(cur, part)
                if cur is None:
                    raise UnsafeArchiveError(
                        f"{archive}: member {m.label!r} is a symlink to {m.link!r}, outside the target folder"
                    )
                if i < len(parts) - 1 and cur in symlinks:
                    raise UnsafeArchiveError(
                        f"{archive}: member {m.label!r} is a symlink through another symlink ({m.link!r})"
                    )
            _check_no_loop(archive, m, cur, symlinks)
        elif m.kind == "hardlink":
            if m.link in symlinks or through_symlink(m.link):
                raise UnsafeArchiveError(f"{archive}: member {m.label!r} is a hard link through a symlink")


NAME_MAX = 255
"""Longest file or folder name (bytes, UTF-8) of common file systems (ext4, APFS, NTFS in UTF-16 units)."""


def _check_names(archive: Path, members: list[_Member]) -> None:
    """Refuse what the file system would otherwise decide silently or with a bare OSError: a name
    given twice (the later member would overwrite the earlier), a file that is also a folder of
    other members, a name component over :data:`NAME_MAX` bytes, and a hard link to anything but
    an earlier file of the archive (tarfile needs its target extracted first)."""
    kinds: dict[str, _Member] = {}
    for m in members:
        for part in m.name.split("/"):
            if len(part.encode("utf-8", "surrogateescape")) > NAME_MAX:
                raise UnsafeArchiveError(f"{archive}: member {m.label!r} has a name of "
                                         f"{len(part.encode('utf-8', 'surrogateescape'))} bytes (file systems take "
                                         f"at most {NAME_MAX})")
        if m.kind == "hardlink":
            target = kinds.get(m.link)
            if target is None or target.kind != "file":
                raise UnsafeArchiveError(f"{archive}: member {m.label!r} is a hard link to {m.link!r}, which is not "
                                         "an earlier file of the archive")
        seen = kinds.get(m.name)
        if seen is not None and not (seen.kind == "dir" and m.kind == "dir"):
            raise UnsafeArchiveError(f"{archive}: members {seen.label!r} and {m.label!r} have the same name "
                                     f"{m.name!r} (one would silently replace the other)")
        kinds[m.name] = m
    for m in members:
        parts = m.name.split("/")
        for i in range(1, len(parts)):
            parent = kinds.get("/".join(parts[:i]))
            if parent is not None and parent.kind != "dir":
                raise UnsafeArchiveError(f"{archive}: member {parent.label!r} is a file, but {m.label!r} lies "
                                         "inside it as in a folder")


def _check_no_loop(archive: Path, link: _Member, dest: str, symlinks: set[str]) -> None:
    """Refuse a symlink whose target holds a symlink or holds the link itself.

    Following such a link can lead back to it (``a -> b``, ``b -> a``, or
    ``x/up -> ..``), and whatever walks the folder with links followed loops
    forever. A link into a symlink-free subtree that does not contain it can
    be followed at most once.
    """
    if dest == "." or link.name == dest or link.name.startswith(dest + "/"):
        raise UnsafeArchiveError(
            f"{archive}: member {link.label!r} is a symlink to {link.link!r}, a folder holding it (a loop)"
        )
    inner = sorted(s for s in symlinks if s == dest or s.startswith(dest + "/"))
    if inner:
        raise UnsafeArchiveError(
            f"{archive}: member {link.label!r} is a symlink to {link.link!r}, which is or holds the symlink "
            f"{inner[0]!r} (a chain or a loop of links)"
        )


def _rebase(archive: Path, members: list[_Member], top: str) -> list[_Member]:
    """Rewrite names (and hard-link targets) relative to the folder that becomes the target."""
    if top == ".":
        return members
    prefix = top + "/"
    out = []
    for m in members:
        name = "." if m.name == top else m.name[len(prefix):]
        link = m.link
        if m.kind == "hardlink":
            if not link.startswith(prefix):
                raise UnsafeArchiveError(
                    f"{archive}: member {m.label!r} is a hard link to {m.link!r}, outside the target folder"
                )
            link = link[len(prefix):]
        out.append(_Member(name, m.kind, link, m.raw, m.label))
    return out


def _single_top(members: list[_Member]) -> str:
    """Return the single top-level folder to strip, or ``"."`` for none."""
    tops = set()
    nested = False
    for m in members:
        if m.name == ".":
            continue
        top, _, rest = m.name.partition("/")
        tops.add(top)
        nested |= bool(rest) or m.kind == "dir"
    if len(tops) != 1 or not nested:
        return "."
    top = tops.pop()
    # The top entry itself must be a plain folder, not a file or link.
    if any(m.name == top and m.kind != "dir" for m in members):
        return "."
    return top


def _extract_zip(zf: zipfile.ZipFile, members: list[_Member], dest: Path, budget: _Budget) -> None:
    # Written by hand rather than ZipFile.extract, which silently rewrites
    # '..' and absolute names instead of resolving them as validated here.
    for m in members:
        if m.name == ".":
            continue  # the root itself (or the stripped top folder)
        path = dest.joinpath(*m.name.split("/"))
        if m.kind == "dir":
            path.mkdir(parents=True, exist_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        with zf.open(m.raw) as src, open(path, "wb") as out:
            while chunk := src.read(1 << 20):
                budget.spend(m.label, len(chunk))
                out.write(chunk)


def _extract_tar(tf: tarfile.TarFile, members: list[_Member], dest: Path) -> None:
    infos = []
    for m in members:
        if m.name == ".":
            continue  # the root itself (or the stripped top folder)
        info = copy.copy(m.raw)
        info.name = m.name
        if m.kind == "hardlink":
            info.linkname = m.link
        infos.append(info)
    if hasattr(tarfile, "data_filter"):
        # Python >= 3.12, and 3.8.17+/3.11.4+ backports: a second line of defence.
        tf.extractall(dest, members=infos, filter="data")
        return
    for info in infos:
        # Without the data filter: drop setuid/setgid/sticky bits and never
        # chown to the archive's owners (tarfile does when run as root).
        info.mode &= 0o755 if info.isdir() else 0o644 | (info.mode & 0o111)
        info.uid, info.gid, info.uname, info.gname = os.getuid(), os.getgid(), "", ""
    tf.extractall(dest, members=infos)


def archive_suffix(name: str) -> str:
    """The archive suffix ``name`` ends with (``.zip``, ``.tar.gz`` ...), in lower case, or ``""``."""
    lower = name.lower()
    return next((suffix for suffix in sorted((*_TAR_SUFFIXES, ".zip"), key=len, reverse=True)
                 if lower.endswith(suffix)), "")


def _is_tar(archive: Path) -> bool:
    try:
        return tarfile.is_tarfile(archive)
    except _READ_ERRORS as exc:  # a truncated or damaged compressed stream
        if isinstance(exc, OSError) and exc.errno is not None:
            raise
        raise CorruptArchiveError(_damaged(archive, exc)) from exc


def _damaged(archive: Path, exc: BaseException) -> str:
    return f"{archive}: damaged or unreadable archive ({type(exc).__name__}: {exc})"


def _archive_kind(archive: Path) -> str:
    name = archive.name.lower()
    # A tar holding a zip near its end can look like a zip, so trust a tar
    # suffix first when the content agrees.
    if name.endswith(_TAR_SUFFIXES) and _is_tar(archive):
        return "tar"
    if zipfile.is_zipfile(archive):
        return "zip"
    if _is_tar(archive):
        return "tar"
    raise ValueError(
        f"{archive} is not a supported archive (.zip, .tar, .tar.gz/.tgz, .tar.bz2, .tar.xz)"
    )


def extract_archive(archive, target, *, max_bytes: int = MAX_BYTES, max_members: int = MAX_MEMBERS,
                    max_ratio: float = MAX_RATIO) -> Path:
    """Extract a zip or tar archive into ``target`` safely and atomically.

    Parameters
    ----------
    archive : path-like
        A ``.zip``, ``.tar``, ``.tar.gz``/``.tgz``, ``.tar.bz2`` or
        ``.tar.xz`` file; the format is detected from the content.
    target : path-like
        Folder to create (or replace). If all members sit under one top-level
        folder, that folder's contents become ``target``. ``__MACOSX/``,
        ``.DS_Store`` and AppleDouble ``._*`` members are not extracted and
        do not count for that decision.
    max_bytes : int, optional
        Most bytes the members may expand to, declared or written.
    max_members : int, optional
        Most members (files, folders, links) the archive may have.
    max_ratio : float, optional
        Most the members may expand to, as a multiple of the archive's size
        (not applied below 1 MiB).

    Returns
    -------
    pathlib.Path
        ``target``.

    Raises
    ------
    FileNotFoundError
        If ``archive`` does not exist.
    ValueError
        If ``archive`` is not a supported archive, or a limit is not positive.
    CorruptArchiveError
        If the archive is damaged (truncated, bad checksum, bad header).
    UnsafeArchiveError
        If any member has an absolute path or drive letter, escapes with
        ``..``, is a link resolving outside the target, into a chain or a
        loop of links, is a device or FIFO, or is a zip symlink; or if a
        limit is exceeded. Every message names ``archive``. Nothing is left
        behind: the temporary folder is removed on any failure (an interrupt
        included) and an existing ``target`` is left untouched.
    """
    archive = Path(archive)
    target = Path(target)
    if not archive.is_file():
        raise FileNotFoundError(f"archive not found: {archive}")
    budget = _Budget(archive, max_bytes, max_members, max_ratio)
    kind = _archive_kind(archive)
    try:
        _extract(archive, kind, target, budget)
    except (UnsafeArchiveError, CorruptArchiveError):
        raise
    except _TarHeaderTooLarge as exc:
        raise UnsafeArchiveError(f"{archive}: a {exc.kind} header declares {exc.size} bytes, more than the "
                                 f"{exc.limit} read of one (a header bomb); refusing to extract it") from None
    except _FILTER_ERRORS as exc:
        raise UnsafeArchiveError(f"{archive}: {exc}") from exc
    except _READ_ERRORS as exc:
        if isinstance(exc, OSError) and exc.errno is not None:
            raise  # a real I/O error (disk full, permissions), not a damaged archive
        raise CorruptArchiveError(_damaged(archive, exc)) from exc
    return target


def _extract(archive: Path, kind: str, target: Path, budget: _Budget) -> None:
    """Validate every member, then unpack into a temporary folder that replaces ``target``."""
    if kind == "zip":
        opened = zipfile.ZipFile(archive)
    else:  # extended headers bounded before tarfile reads them, and within the extraction budget
        opened = tarfile.open(archive, tarinfo=_capped_tarinfo(min(MAX_TAR_HEADER_BYTES, budget.max_bytes)))
    with opened as handle:
        if kind == "zip":
            members = _zip_members(archive, handle, budget)
        else:
            members = _tar_members(archive, handle, budget)
        members = [m for m in members if not _is_junk(m.name)]
        members = _rebase(archive, members, _single_top(members))
        _check_links(archive, members)
        _check_names(archive, members)

        with atomic_dir(target) as tmp:
            if kind == "zip":
                _extract_zip(handle, members, tmp, budget)
            else:
                # Tar headers give each member's exact size, all declared and checked above.
                _extract_tar(handle, members, tmp)
