"""Safe local paths for downloaded files.

The key of a cloud file ID is untrusted input (WECHAT_API.md §3): it may hold ``..``, a
leading ``/``, ``\\``, ``:``, control characters, Windows device names, trailing dots or
names too long for any file system. This module turns it into a relative path that is
valid on Linux, macOS and Windows, and checks that the final path stays inside the folder
the user chose, symbolic links already on disk included (DESIGN §3 "Downloads").

Rules of ``sanitize_segment`` (one path component), applied in this order:

1. Unicode is normalised to NFC (macOS and Windows users type NFC; the same name
   must not become two files).
2. ``/ \\ : * ? " < > |``, C0 and C1 control characters (U+0000–U+001F, U+007F–U+009F)
   and lone surrogates become ``_``. Format characters (RTL marks, zero-width joiners)
   are kept: they are legitimate in names and harmless to the file system.
3. Whitespace is stripped at both ends. A segment made only of dots becomes as many
   ``_`` (``..`` → ``__``), so a traversal never survives; otherwise trailing dots and
   spaces are removed (Windows drops them silently). Nothing left → ``_``.
4. A Windows device name (``CON``, ``PRN``, ``AUX``, ``NUL``, ``COM0``–``COM9``,
   ``LPT0``–``LPT9``, ``COM¹``… and ``CONIN$``/``CONOUT$``), with or without an
   extension, in any case, gets a ``_`` prefix: ``CON.txt`` → ``_CON.txt``.
5. Names over ``SEGMENT_MAX_BYTES`` UTF-8 bytes are cut at a character boundary (never
   splitting a base character from its combining marks), keeping the extension, and get
   ``~<hash of the whole name>`` so two long names sharing a prefix stay distinct.

The result is idempotent: ``sanitize_segment(sanitize_segment(s)) == sanitize_segment(s)``.

Known, accepted collisions (two keys, one local path, in tree layout): keys that differ
only in characters replaced by ``_`` (``a:b``, ``a*b``, ``a_b``), in ``/`` versus ``\\``,
in empty or ``.`` segments or a leading ``/`` (``a//b``, ``a/./b``, ``/a/b``, ``a/b/``), in
trailing dots, spaces or surrounding whitespace (``a.`` and ``a``), dot-only segments
versus underscores (``..`` and ``__``), a device name versus its ``_`` form (``CON`` and
``_CON``), or only in canonically equivalent Unicode. Case-only differences collide on
case-insensitive file systems (Windows, macOS); ``unique_path`` resolves those when asked.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import os
import re
import stat
import sys
import tempfile
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Iterable
from pathlib import Path, PurePath, PurePosixPath
from typing import Final, Literal

from tcb_gui.core.errors import ErrorKind, MessageTemplate, TcbError

__all__ = [
    "MAX_RELATIVE_PATH_UNITS",
    "NAME_MAX_BYTES",
    "PART_SUFFIX",
    "SEGMENT_MAX_BYTES",
    "ConfinedFolder",
    "Layout",
    "UnsafePathError",
    "Where",
    "check_inside",
    "ensure_parent",
    "is_case_insensitive",
    "part_path",
    "path_key",
    "relative_path_for",
    "sanitize_segment",
    "split_extension",
    "target_path",
    "unique_path",
]

Layout = Literal["tree", "flat"]

# Longest file name: 255 bytes on ext4/XFS/APFS, 255 UTF-16 units on NTFS (never more
# units than UTF-8 bytes), so a 255-byte UTF-8 limit is safe everywhere.
NAME_MAX_BYTES: Final = 255
# Partial downloads are written to "<name>.part" beside the target (DESIGN §3).
PART_SUFFIX: Final = ".part"
# A sanitised name leaves room for ".part" so the partial file fits the same limit.
SEGMENT_MAX_BYTES: Final = NAME_MAX_BYTES - len(PART_SUFFIX.encode("ascii"))
# Whole relative path, in UTF-16 units (Windows' unit): MAX_PATH is 260 including the
# NUL; this leaves about 50 for the destination folder, " (N)" and ".part".
MAX_RELATIVE_PATH_UNITS: Final = 200
# When a path is shortened: the file name keeps at most this many units (half the
# budget: the name is what users look for) and each folder at most this many.
SHORT_NAME_UNITS: Final = MAX_RELATIVE_PATH_UNITS // 2
SHORT_FOLDER_UNITS: Final = 40
# Hex digits of SHA-256 added to shortened names: 48 bits, collisions negligible for
# the number of shortened names one download holds.
HASH_HEX_DIGITS: Final = 12
# A suffix longer than this (".a-long-version-tag") is not treated as an extension.
MAX_EXTENSION_BYTES: Final = 16
# unique_path gives up after this many " (N)" candidates rather than loop forever.
MAX_UNIQUE_ATTEMPTS: Final = 100_000

REPLACEMENT: Final = "_"
HASH_MARK: Final = "~"

# Forbidden on Windows (Naming Files, Paths, and Namespaces, learn.microsoft.com) plus
# '/' (POSIX separator); controls C0, DEL and C1; lone surrogates cannot be encoded.
_FORBIDDEN_RE: Final = re.compile(r'[/\\:*?"<>|\x00-\x1f\x7f-\x9f\ud800-\udfff]')
_LEADING_SPACE_RE: Final = re.compile(r"\A\s+")
_TRAILING_DOTS_SPACES_RE: Final = re.compile(r"[\s.]+\Z")
_KEY_SEPARATORS_RE: Final = re.compile(r"[/\\]")
# Windows device names (same Microsoft page, which lists COM0/LPT0 and the superscript
# digits too); CONIN$/CONOUT$ are console devices on current Windows.
_RESERVED_STEMS: Final = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"{port}{digit}" for port in ("COM", "LPT") for digit in "0123456789¹²³"}
)
# Compression suffixes that belong with a preceding ".tar" (archive.tar.gz is one type).
_TAR_SUFFIX: Final = ".tar"
_ZERO_WIDTH_JOINER: Final = "\u200d"
_CASE_PROBE_PREFIX: Final = "TcbCaseProbe-"


_OUTSIDE = MessageTemplate(
    "Not saving {path!r}: it would end up outside the download folder {dest!r} (a symbolic "
    "link on disk points elsewhere). Remove the link or choose another folder."
)


class UnsafePathError(TcbError):
    """A download target that would resolve outside the chosen folder.

    Kind FILE: it is one file's failure (its key or a link on disk is hostile); the rest
    of the download goes on.
    """

    kind = ErrorKind.FILE

    def __init__(self, path: PurePath, dest: PurePath) -> None:
        super().__init__(_OUTSIDE.format(path=os.fspath(path), dest=os.fspath(dest)))
        self.path = path
        self.dest = dest


# --- one segment ---------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def sanitize_segment(segment: str) -> str:
    """One path component made safe on Linux, macOS and Windows (rules in the module doc).

    Never returns an empty string, ``.`` or ``..``; the result is at most
    ``SEGMENT_MAX_BYTES`` UTF-8 bytes.
    """
    name = _clean(segment)
    if _utf8_len(name) <= SEGMENT_MAX_BYTES:
        return name
    return _tagged(name, _digest(unicodedata.normalize("NFC", segment)), SEGMENT_MAX_BYTES)


def split_extension(name: str) -> tuple[str, str]:
    """Split a file name into stem and extension: ``("archive", ".tar.gz")``.

    The extension is the last suffix, or ``.tar.<x>`` whole. Dotfiles (``.bashrc``),
    names ending in a dot, suffixes holding whitespace or longer than
    ``MAX_EXTENSION_BYTES`` have no extension.
    """
    dot = name.rfind(".")
    if dot <= 0:
        return name, ""
    ext = name[dot:]
    if len(ext) == 1 or _utf8_len(ext) > MAX_EXTENSION_BYTES or any(c.isspace() for c in ext):
        return name, ""
    stem = name[:dot]
    if len(stem) > len(_TAR_SUFFIX) and stem[-len(_TAR_SUFFIX) :].lower() == _TAR_SUFFIX:
        return stem[: -len(_TAR_SUFFIX)], stem[-len(_TAR_SUFFIX) :] + ext
    return stem, ext


def _clean(segment: str) -> str:
    """Rules 1–4: everything but the length limit."""
    text = _FORBIDDEN_RE.sub(REPLACEMENT, unicodedata.normalize("NFC", segment)).strip()
    if text and text.count(".") == len(text):
        # "..", "..." are traversals (or the folder itself, once Windows drops the dots).
        return REPLACEMENT * len(text)
    text = _TRAILING_DOTS_SPACES_RE.sub("", text)
    if not text:
        return REPLACEMENT
    return _unreserve(text)


def _unreserve(name: str) -> str:
    return REPLACEMENT + name if _is_reserved(name) else name


def _is_reserved(name: str) -> bool:
    # Windows ignores the extension and trailing spaces: "nul .txt" is still NUL.
    return name.split(".", 1)[0].rstrip(" ").upper() in _RESERVED_STEMS


def _tagged(name: str, digest: str, max_bytes: int, max_units: int | None = None) -> str:
    """``name`` cut to fit with ``~<digest>`` before its extension; a clean segment."""
    tag = HASH_MARK + digest
    stem, ext = split_extension(name)
    units = max_units if max_units is not None else max_bytes
    # One byte/unit spare for the "_" a device name would need.
    stem_bytes = max_bytes - _utf8_len(tag) - _utf8_len(ext) - len(REPLACEMENT)
    stem_units = units - _utf16_len(tag) - _utf16_len(ext) - len(REPLACEMENT)
    if stem_bytes < 0 or stem_units < 0:
        stem, ext = name, ""
        stem_bytes = max_bytes - _utf8_len(tag) - len(REPLACEMENT)
        stem_units = units - _utf16_len(tag) - len(REPLACEMENT)
    return _unreserve(_truncate(stem, stem_bytes, stem_units) + tag + ext)


def _shortened_folder(folder: str, max_units: int) -> str:
    """A clean folder name cut to ``max_units`` (no hash: the file name carries it)."""
    if _utf16_len(folder) <= max_units:
        return folder
    cut = _truncate(folder, SEGMENT_MAX_BYTES, max_units - len(REPLACEMENT))
    text = _TRAILING_DOTS_SPACES_RE.sub("", cut)
    # The cut keeps the start of a clean name, so it has no leading space or dot-only form.
    return _unreserve(text) if text else REPLACEMENT


def _truncate(text: str, max_bytes: int, max_units: int) -> str:
    """The longest prefix within both limits, cut between whole characters."""
    used_bytes = used_units = 0
    for index, char in enumerate(text):
        used_bytes += _char_utf8_len(char)
        used_units += 2 if ord(char) > 0xFFFF else 1
        if used_bytes > max_bytes or used_units > max_units:
            cut = index
            break
    else:
        return text
    # Do not leave a base character without its combining marks (or a dangling ZWJ).
    back = cut
    while back > 0 and _is_mark(text[back]):
        back -= 1
    if back > 0:
        cut = back
    return text[:cut].removesuffix(_ZERO_WIDTH_JOINER)


def _is_mark(char: str) -> bool:
    return char == _ZERO_WIDTH_JOINER or unicodedata.category(char).startswith("M")


def _char_utf8_len(char: str) -> int:
    code = ord(char)
    if code < 0x80:
        return 1
    if code < 0x800:
        return 2
    return 3 if code < 0x10000 else 4


def _utf8_len(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _utf16_len(text: str) -> int:
    # In C: a per-character count in Python was a third of a path's cost (2,000 files:
    # 5 ms before the first link request).
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:HASH_HEX_DIGITS]


# --- a whole relative path -----------------------------------------------------------


def relative_path_for(env: str, key: str, layout: Layout) -> PurePosixPath:
    """The local path of a cloud file, relative to the download folder.

    ``tree``: ``<env>/<key segments…>``; the key is split on ``/`` and ``\\``, empty and
    ``.`` segments are dropped (so a leading ``/`` is ignored), every other segment is
    sanitised (``..`` → ``__``). ``flat``: the sanitised last segment only; the caller
    resolves collisions with ``unique_path``. A key with no usable segment is named ``_``.

    A path longer than ``MAX_RELATIVE_PATH_UNITS`` is shortened: the file name is cut to
    ``SHORT_NAME_UNITS`` and gets ``~<hash of env and key>``, folders are cut to
    ``SHORT_FOLDER_UNITS`` and the deepest that no longer fit are dropped.
    """
    segments = [
        sanitize_segment(part) for part in _KEY_SEPARATORS_RE.split(key) if part not in ("", ".")
    ]
    name = segments[-1] if segments else REPLACEMENT
    if layout == "flat":
        parts = [name]
        source = key
    elif layout == "tree":
        parts = [sanitize_segment(env), *segments[:-1], name]
        source = f"{env}/{key}"
    else:
        raise ValueError(f"unknown layout {layout!r}; expected 'tree' or 'flat'")
    if _utf16_len("/".join(parts)) > MAX_RELATIVE_PATH_UNITS:
        parts = _shorten(parts, _digest(source))
    return PurePosixPath(*parts)


def _shorten(parts: list[str], digest: str) -> list[str]:
    name = _tagged(parts[-1], digest, SEGMENT_MAX_BYTES, SHORT_NAME_UNITS)
    if len(parts) == 1:
        return [name]
    env = _shortened_folder(parts[0], SHORT_FOLDER_UNITS)
    budget = MAX_RELATIVE_PATH_UNITS - _utf16_len(env) - 1 - _utf16_len(name)
    kept: list[str] = []
    for folder in parts[1:-1]:
        short = _shortened_folder(folder, SHORT_FOLDER_UNITS)
        cost = _utf16_len(short) + 1
        if cost > budget:
            break
        kept.append(short)
        budget -= cost
    return [env, *kept, name]


# --- on disk -------------------------------------------------------------------------


def target_path(dest: Path, env: str, key: str, layout: Layout) -> Path:
    """``dest`` joined with the file's relative path, verified to resolve inside ``dest``.

    Symbolic links already on disk are followed, so a link inside ``dest`` that points
    elsewhere raises ``UnsafePathError``. Creating folders is the caller's job
    (``ensure_parent``).
    """
    path = Path(dest) / relative_path_for(env, key, layout)
    check_inside(path, dest)
    return path


def check_inside(path: Path, dest: Path, *, allow_dest: bool = False) -> Path:
    """The real path of ``path`` if it lies inside ``dest`` (after following links).

    ``allow_dest`` accepts ``dest`` itself (for a parent folder); a file never may be it.
    """
    root = os.path.normcase(os.path.realpath(dest))
    real = os.path.normcase(os.path.realpath(path))
    inside = real.startswith(root.rstrip(os.sep) + os.sep) or (allow_dest and real == root)
    if not inside:
        raise UnsafePathError(path, dest)
    return Path(real)


def ensure_parent(path: Path, dest: Path) -> Path:
    """Create the folders above ``path`` and return ``path``, still confined to ``dest``.

    Checked before and again after ``mkdir``: a link planted in between is caught by the
    second check, before anything is written through it.
    """
    check_inside(path, dest)
    path.parent.mkdir(parents=True, exist_ok=True)
    check_inside(path, dest)
    return path


# Every file operation of a run below the download folder goes through a handle of its
# folder (a descriptor, ``ConfinedFolder.at``) opened from the download folder's own one
# component at a time, never through a link: a folder swapped for a link during the run
# cannot redirect a write, the handle stays on the real folder. Where the system has no
# such calls (Windows), operations use paths, as ``check`` left them.
FOLDER_HANDLES: Final = {
    os.open,
    os.mkdir,
    os.rename,
    os.link,
    os.stat,
    os.unlink,
    os.rmdir,
} <= os.supports_dir_fd and os.scandir in os.supports_fd
# Folder handles a run keeps open at most, the least recently used closed first: a run
# may write into thousands of folders, and 1,024 open files is a common limit (256 on
# macOS): never more than a quarter of the process's limit, for connections and files.
MAX_FOLDER_HANDLES: Final = 256
MIN_FOLDER_HANDLES: Final = 8
_FOLDER_FLAGS: Final = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)
# What opening a link with O_DIRECTORY | O_NOFOLLOW fails with: ENOTDIR (Linux), ELOOP
# (macOS, POSIX), EMLINK (FreeBSD).
_LINK_ERRNOS: Final = frozenset({errno.ENOTDIR, errno.ELOOP, errno.EMLINK})


class _Replaced(Exception):
    """A folder on the way is a link now (or not a folder): it was swapped mid-run."""


class _Handle:
    """One open folder: its descriptor, what it is, and how many operations use it."""

    __slots__ = ("dev", "fd", "ino", "users")

    def __init__(self, fd: int) -> None:
        st = os.fstat(fd)
        self.fd = fd
        self.dev = st.st_dev
        self.ino = st.st_ino
        self.users = 0


class Where:
    """Where one operation acts, from ``ConfinedFolder.at`` (or ``.inside``): call
    ``os.open(where.name, …, dir_fd=where.dir_fd)`` and the like. ``dir_fd`` is the
    folder's handle, held open until the ``with`` block ends; it is None where handles
    are not used, and ``name`` is then the whole path (the calls take both)."""

    __slots__ = ("_folder", "_handle", "dir_fd", "folder_path", "name")

    def __init__(
        self,
        folder: ConfinedFolder | None,
        handle: _Handle | None,
        name: str,
        folder_path: str,
    ) -> None:
        self._folder = folder
        self._handle = handle
        self.dir_fd = handle.fd if handle is not None else None
        self.name = name
        self.folder_path = folder_path

    def __enter__(self) -> Where:
        return self

    def __exit__(self, *exc: object) -> None:
        handle, self._handle = self._handle, None
        if handle is not None and self._folder is not None:
            self._folder._release(handle)

    def leads_here(self) -> bool:
        """Whether the folder's path (links followed) still leads to the folder this
        handle holds: False once it was moved, or swapped for a link, since it was opened
        (what happened there is then not where its path says). One ``stat``."""
        handle = self._handle
        if handle is None:
            return True
        try:
            st = os.stat(self.folder_path)
        except OSError:
            return False
        return (st.st_dev, st.st_ino) == (handle.dev, handle.ino)


class ConfinedFolder:
    """``target_path``, ``check_inside`` and ``ensure_parent`` for one download folder,
    remembering what a run already checked, and the folder handles its operations go
    through (``at``, ``inside``; ``close`` them at the end of the run).

    The real path of the folder itself and of every folder above a file is worked out
    once per run (``os.path.realpath`` costs an ``lstat`` per path component); a file then
    costs one ``lstat`` of its own name, which may be a link pointing anywhere. A folder
    is created and checked the first time a file needs it.

    A folder's handle is opened the first time an operation needs it, from the handle
    of the folder above, along the real path worked out when the run looked, never
    through a link (``O_NOFOLLOW``): a link inside the download folder that was there
    when the run looked and leads inside is followed (its real path is walked); a folder
    that became a link since, or whose path now has one, is refused (``UnsafePathError``).
    The download folder itself is resolved once: that it may be a link is the user's
    choice. A handle then stays on its folder whatever happens to the path: only a
    folder moved out of the download folder by someone who may write there takes the
    handle's writes with it (``Where.leads_here`` tells).
    """

    def __init__(self, dest: Path) -> None:
        self.dest = Path(dest)
        root = os.path.normcase(os.path.realpath(self.dest))
        self._root = root
        self._prefix = root.rstrip(os.sep) + os.sep
        self._dest_text = os.fspath(self.dest)
        self._dest_prefix = self._dest_text.rstrip(os.sep) + os.sep
        self._real: dict[str, str] = {}  # folder → its real path (inside, or the root)
        self._made: set[str] = set()  # folders made and checked in this run
        # Names in a folder when the run looked (``scan``): what is *not* there needs no
        # lstat later. Only ever used to say "absent"; anything else asks the disk.
        self._listed: dict[str, frozenset[str]] = {}
        # Open folder handles by real path, least recently used first.
        self._handles: OrderedDict[str, _Handle] = OrderedDict()
        self._keep = _handle_budget()
        self._lock = threading.RLock()  # the loop and the worker threads open handles

    # -- handles ---------------------------------------------------------------------------

    def uses_handles(self, path: Path | str) -> bool:
        """Whether operations on ``path`` go through folder handles."""
        folder = os.path.dirname(os.fspath(path))
        return FOLDER_HANDLES and self._below(folder)

    def _below(self, folder: str) -> bool:
        return folder == self._dest_text or folder.startswith(self._dest_prefix)

    def at(self, path: Path | str, *, create: bool = False) -> Where:
        """The handle of ``path``'s folder and ``path``'s name in it (``Where``), the
        folder (and those above it) made first with ``create``. Raises
        ``UnsafePathError`` if the folder is a link now, or leads outside, and
        ``OSError`` if it cannot be opened (``FileNotFoundError``: it is not there)."""
        text = os.fspath(path)
        folder, name = os.path.split(text)
        if not FOLDER_HANDLES or not self._below(folder):
            return Where(None, None, text, folder)
        return Where(self, self._handle(folder, text, create), name, folder)

    def inside(self, folder: Path | str, *, create: bool = False) -> Where:
        """The handle of ``folder`` itself (``name`` is empty then: act on ``dir_fd``);
        where handles are not used, ``dir_fd`` is None and ``name`` the folder's path."""
        text = os.fspath(folder)
        if not FOLDER_HANDLES or not self._below(text):
            return Where(None, None, text, text)
        return Where(self, self._handle(text, text, create), "", text)

    def _handle(self, folder: str, path: str, create: bool) -> _Handle:
        try:
            return self._acquire(self._real_folder(folder), create)
        except (UnsafePathError, _Replaced):
            raise UnsafePathError(Path(path), self.dest) from None

    def _acquire(self, real: str, create: bool) -> _Handle:
        with self._lock:
            handle = self._handles.get(real)
            if handle is None:
                handle = self._open(real, create)
                self._handles[real] = handle
                handle.users += 1  # before evicting: never the handle being handed out
                self._evict()
            else:
                self._handles.move_to_end(real)
                handle.users += 1
            return handle

    def _release(self, handle: _Handle) -> None:
        with self._lock:
            handle.users -= 1

    def _open(self, real: str, create: bool) -> _Handle:
        if real == self._root:
            return _Handle(os.open(real, _FOLDER_FLAGS))
        above, name = os.path.split(real)
        parent = self._acquire(above, create)
        try:
            return _Handle(_open_folder(parent.fd, name, create))
        finally:
            self._release(parent)

    def _evict(self) -> None:
        """Close the least recently used handles no operation holds, down to the limit."""
        handles = self._handles
        if len(handles) <= self._keep:
            return
        for real in [r for r, h in handles.items() if h.users == 0 and r != self._root]:
            os.close(handles.pop(real).fd)
            if len(handles) <= self._keep:
                return

    def close(self) -> None:
        """Close every folder handle (the end of the run)."""
        with self._lock:
            handles = list(self._handles.values())
            self._handles.clear()
        for handle in handles:
            with contextlib.suppress(OSError):
                os.close(handle.fd)

    # -- names -----------------------------------------------------------------------------

    def scan(self, folders: Iterable[str]) -> None:
        """List ``folders`` once (a folder missing is empty). Only on a file system that
        compares names byte for byte: elsewhere a listing cannot say a name is absent."""
        for folder in folders:
            if folder in self._listed:
                continue
            try:
                with self.inside(folder) as where, os.scandir(_listable(where)) as entries:
                    self._listed[folder] = frozenset(entry.name for entry in entries)
            except FileNotFoundError:
                self._listed[folder] = frozenset()
            except (OSError, UnsafePathError):
                continue

    def absent(self, path: Path) -> bool:
        """True when ``path`` was known to be absent when its folder was listed."""
        folder, name = os.path.split(os.fspath(path))
        names = self._listed.get(folder)
        return names is not None and name not in names

    def lexists(self, path: Path) -> bool:
        """``os.path.lexists`` (through the folder's handle), answered from the listing
        when it says "absent"."""
        if self.absent(path):
            return False
        try:
            with self.at(path) as where:
                os.stat(where.name, dir_fd=where.dir_fd, follow_symlinks=False)
        except OSError:
            return False
        return True

    def _inside(self, real: str, *, allow_dest: bool) -> bool:
        return real.startswith(self._prefix) or (allow_dest and real == self._root)

    def _real_folder(self, folder: str) -> str:
        real = self._real.get(folder)
        if real is None:
            real = os.path.normcase(os.path.realpath(folder))
            if not self._inside(real, allow_dest=True):
                raise UnsafePathError(Path(folder), self.dest)
            self._real[folder] = real
        return real

    def check(self, path: Path) -> None:
        """``check_inside(path, dest)``: raises ``UnsafePathError`` if ``path`` (a file
        below the folder, links followed) would resolve outside it."""
        text = os.fspath(path)
        folder, name = os.path.split(text)
        try:
            real_folder = self._real_folder(folder)
        except UnsafePathError:
            raise UnsafePathError(path, self.dest) from None
        if name in ("", ".", "..") or (not self.absent(path) and os.path.islink(text)):
            check_inside(path, self.dest)
            return
        if not self._inside(os.path.join(real_folder, os.path.normcase(name)), allow_dest=False):
            raise UnsafePathError(path, self.dest)

    def target_path(self, env: str, key: str, layout: Layout) -> Path:
        """``target_path(dest, env, key, layout)``, checked with what this run knows."""
        return self.target_for(relative_path_for(env, key, layout))

    def target_for(self, relative: PurePosixPath) -> Path:
        """``dest / relative`` (from ``relative_path_for``), checked."""
        path = self.dest / relative
        self.check(path)
        return path

    def ensure_parent(self, path: Path) -> Path:
        """``ensure_parent(path, dest)``: the folders above ``path`` made (once per run:
        through handles, one component at a time, never through a link; elsewhere
        checked before and after ``mkdir`` as ``ensure_parent`` does), ``path`` checked."""
        folder = os.path.dirname(os.fspath(path))
        if folder not in self._made:
            if self.uses_handles(path):
                try:
                    with self.inside(folder, create=True):
                        pass
                except UnsafePathError:
                    raise UnsafePathError(path, self.dest) from None
            else:
                ensure_parent(path, self.dest)
                self._real.pop(folder, None)  # it exists now: resolve it again, for real
                self._real_folder(folder)
            self._made.add(folder)
        self.check(path)
        return path


def _handle_budget() -> int:
    """``MAX_FOLDER_HANDLES``, or a quarter of this process's limit of open files."""
    try:
        import resource  # POSIX only, as folder handles are
    except ImportError:
        return MAX_FOLDER_HANDLES
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return MAX_FOLDER_HANDLES
    return max(MIN_FOLDER_HANDLES, min(MAX_FOLDER_HANDLES, soft // 4))


def _open_folder(parent: int, name: str, create: bool) -> int:
    """A handle of the folder ``name`` in the folder ``parent`` holds, never through a
    link; made first with ``create`` if missing. Raises ``_Replaced`` for a link."""
    for _ in range(2):
        try:
            return os.open(name, _FOLDER_FLAGS, dir_fd=parent)
        except FileNotFoundError:
            if not create:
                raise
        except OSError as exc:
            if exc.errno in _LINK_ERRNOS and _is_link(parent, name):
                raise _Replaced(name) from None
            raise
        with contextlib.suppress(FileExistsError):  # made meanwhile (then opened as is)
            os.mkdir(name, dir_fd=parent)
    return os.open(name, _FOLDER_FLAGS, dir_fd=parent)


def _listable(where: Where) -> int | str:
    return where.dir_fd if where.dir_fd is not None else where.name


def _is_link(parent: int, name: str) -> bool:
    try:
        return stat.S_ISLNK(os.stat(name, dir_fd=parent, follow_symlinks=False).st_mode)
    except OSError:
        return False


def part_path(target: Path) -> Path:
    """``<name>.part`` beside ``target``, shortened (with a hash) if it would be too long."""
    name = target.name + PART_SUFFIX
    if _utf8_len(name) <= NAME_MAX_BYTES:
        return target.with_name(name)
    max_bytes = NAME_MAX_BYTES - len(PART_SUFFIX)
    return target.with_name(_tagged(target.name, _digest(target.name), max_bytes) + PART_SUFFIX)


def path_key(path: PurePath, *, case_insensitive: bool) -> str:
    """How ``unique_path`` records a path in ``taken``: NFC, casefolded if asked."""
    text = unicodedata.normalize("NFC", os.fspath(path))
    return text.casefold() if case_insensitive else text


def unique_path(
    path: Path,
    taken: set[str] | None = None,
    *,
    case_insensitive: bool | None = None,
    lexists: Callable[[Path], bool] = os.path.lexists,
) -> Path:
    """``path``, or ``name (1).ext``, ``name (2).ext``… the first free one.

    A candidate is taken if anything exists there (even a broken link) or its
    ``path_key`` is in ``taken``; the chosen path's key is added to ``taken``.
    ``case_insensitive`` defaults to the platform's usual file system (Windows, macOS);
    probe a folder with ``is_case_insensitive`` for the truth. Extensions follow
    ``split_extension``: ``archive.tar.gz`` → ``archive (1).tar.gz``, ``.bashrc`` →
    ``.bashrc (1)``. Names stay within ``SEGMENT_MAX_BYTES``. ``lexists`` looks at the
    disk (a run's ``ConfinedFolder.lexists``, through its folder's handle).
    """
    fold = default_case_insensitive() if case_insensitive is None else case_insensitive
    seen = taken if taken is not None else set()
    candidate = path
    counter = 0
    while lexists(candidate) or path_key(candidate, case_insensitive=fold) in seen:
        counter += 1
        if counter > MAX_UNIQUE_ATTEMPTS:
            raise FileExistsError(f"no free name for {path.name!r} after {counter - 1} tries")
        candidate = numbered_path(path, counter)
    seen.add(path_key(candidate, case_insensitive=fold))
    return candidate


def numbered_path(path: Path, counter: int) -> Path:
    """``name (counter).ext`` beside ``path``, within ``SEGMENT_MAX_BYTES``."""
    stem, ext = split_extension(path.name)
    suffix = f" ({counter}){ext}"
    room = SEGMENT_MAX_BYTES - _utf8_len(suffix)
    return path.with_name(_truncate(stem, room, room) + suffix)


def is_case_insensitive(directory: Path) -> bool:
    """Whether ``directory``'s file system ignores case, probed with a temporary file.

    Falls back to the platform default if the folder cannot be written.
    """
    try:
        with tempfile.NamedTemporaryFile(prefix=_CASE_PROBE_PREFIX, dir=directory) as probe:
            probe_path = Path(probe.name)
            return os.path.exists(probe_path.with_name(probe_path.name.swapcase()))
    except OSError:
        return default_case_insensitive()


def default_case_insensitive() -> bool:
    """The platform's usual file system, for a folder not probed (nothing written)."""
    # NTFS and APFS/HFS+ are case-insensitive by default; Linux file systems are not.
    return sys.platform == "win32" or sys.platform == "darwin"
