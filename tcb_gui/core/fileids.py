"""Cloud file IDs: parse and validate them, and find them in any text an operator has.

An ID is ``cloud://<env>.<bucket>/<key>`` (docs/WECHAT_API.md#file-ids). The key is untrusted
input: it may hold spaces, Chinese, ``..``, a leading ``/``, Windows-reserved names.

How IDs are found (``find_ids``)
================================

Input text is split into lines at ``\\r\\n``, ``\\r`` and ``\\n``. Leading whitespace and a
byte order mark are ignored at the start of every line; blank lines are skipped.

1. **A whole JSON document** (the text starts with ``{`` or ``[`` and ``json`` parses it):
   every string literal, member names included, at any nesting, is decoded (``\\u56fe``,
   ``\\/``) and read by the line rules below, so ``fileID``, ``fileid``, ``files`` or any
   other key works. An ID ends where its string ends, so it may hold spaces and commas.
   Lines of a JSON document are layout, not records: none counts as "without an ID".
2. **A CSV/TSV table with a header**: the first non-blank line has no ID, splits into
   two or more fields at a tab, ``,`` or ``;`` (quotes respected), and at least 90 % of
   the next 1,000 non-blank lines split into the same number of fields. Every field of a
   row is read on its own; a row that starts with an ID but has a different number of
   fields is read as a plain line (rule 3). Each physical line is one record: quoted
   fields spanning lines are not joined. Without a header, CSV is read by rule 3: an ID
   in a later column or quoted is still cut at its field, but a bare ID in the first
   column runs to the end of the line, as a list whose keys hold commas needs.
3. **Plain lines**, in this order:

   - A line with a tab: each tab-separated field is read on its own.
   - A line that starts with ``cloud://`` is one ID to the end of the line (keys may hold
     spaces and commas); trailing whitespace and invisible characters (zero-width
     space, joiners, word joiner, BOM: ``trim_end``) are trimmed. Only where another
     ``cloud://`` follows whitespace, ``,``, ``;`` or ``|`` does a new ID start there.
   - A list marker before it (``- ``, ``* ``, ``• ``, ``1. ``, ``2) ``, ``3、`` or grep's
     ``12:``) is skipped, and the rest is read as above.
   - A line that is one JSON value (JSON Lines, a quoted string) is read as in rule 1.
   - A line where an ID opens a CSV field (right after ``,``, or quoted there or at the
     start) is split as CSV.
   - Anything else is log text (below).

A **field** (CSV/TSV cell, JSON string) is trimmed; if it starts with ``cloud://`` it is
one ID up to its end; otherwise it is read as log text.

In **log text** an ID starts at ``cloud://``. If a ``"`` stands right before it, the ID
is that JSON/quoted string (escapes decoded) up to the closing unescaped quote, spaces
included; after ``'``, ``‘``, ``“``, ``「``, ``『`` or ``《`` it runs to the matching closing
mark. Otherwise it ends at whitespace, a quote or quotation mark, a backtick, ``<`` ``>``,
a control character, Chinese sentence punctuation (``，。；、！？``) or where another
``cloud://`` begins (unless right after ``/``); then trailing ``.,;:!?``, invisible
characters and closing brackets without a matching opener inside the ID are dropped. So
``2026-11-01 12:00:01 INFO fetched cloud://env.b/x.png ok`` gives ``cloud://env.b/x.png``,
and ``see (cloud://e.b/a(1).png).`` gives ``cloud://e.b/a(1).png``. An unquoted ID in
log text cannot hold spaces: quote it.

Anything found that starts with ``cloud://`` but is not a valid ID is reported as
malformed with its line number, never silently dropped. A line counts as "without an
ID" when nothing starting with ``cloud://`` was found in it (header lines included).

Reading input (``decode_input``, ``read_ids_from_path``, ``read_ids_from_stream``)
===============================================================================

UTF-8 with or without BOM, UTF-16 and UTF-32 with a BOM, UTF-16 without a BOM when NUL
bytes sit in every other position, else strict UTF-8 and then GB18030 (Excel on Chinese
Windows). NUL bytes, or control characters other than tab, line breaks and ANSI colour
escapes in more than 1 % of the first ``SNIFF_BYTES``, mean binary input, refused with an
``InputError`` naming the input. Text that is neither (a Windows-1252 / Latin-1 file
with a "café" in it) is refused as text in an encoding this program does not read,
naming the line and the first byte that is not UTF-8, and what that byte is in
Windows-1252, so the user can find it and save the file as UTF-8. It is not read as
Windows-1252: every byte decodes in it, so a Latin-2, Cyrillic or Big5 file would pass
as mangled keys (the service would answer "not found", a download would save under the
wrong name), and keys in storage are UTF-8 anyway.

GB18030 reads most bytes too: Windows-1252 text whose accented letters are each followed
by an ASCII letter ("Zürich", "naïve") decodes as GB18030 into other characters. Such a
reading is not taken: in it most two-byte characters end in an ASCII byte (``ü`` + ``r``),
where in Chinese text nearly all end in a byte over 0x80 (GB2312's characters all do).
Nor is it for UTF-8 with a stray byte or two (a line pasted in from a Windows-1252 file):
its Chinese decodes as GB18030 too, into other characters ("图片" as "鍥剧墖"); when most
of a text's non-ASCII characters are valid UTF-8, the stray byte is named instead.
Inputs over ``MAX_INPUT_BYTES`` are refused before (files, by their size) or while
(streams) being read, never held whole; binary input is refused from its first
``SNIFF_BYTES``, the rest left unread.

Which paths are read as a list (``read_ids_from_path``'s ``reads``), per face: the
command line reads a file, a named pipe (process substitution, ``tcb-gui resolve
<(grep cloud:// app.log)``, waits for its writer as ``cat`` does) and a character device
(a terminal, ``/dev/stdin``), the last two as streams bounded like standard input
(``/dev/zero`` is refused as binary from its first ``SNIFF_BYTES``, endless text once it
passes ``MAX_INPUT_BYTES``); the window reads files only (``WINDOW_READS``): a pipe
without a writer would hold its reading for ever, and a device never ends. Anything
else (a folder, a socket, a disk device) is refused naming the path and what it is,
before it is opened, and again once open without waiting (it may have been replaced).
"""

from __future__ import annotations

import codecs
import csv
import functools
import itertools
import json
import os
import re
import stat
from collections.abc import Iterable, Iterator
from enum import Enum
from typing import BinaryIO, Final, NamedTuple

from tcb_gui.core.errors import InputError, MessageTemplate, message

SCHEME = "cloud://"

# Env IDs are lowercase letters, digits and '-' (docs/WECHAT_API.md#file-ids).
_ENV_RE = re.compile(r"[a-z0-9][a-z0-9-]*\Z")
_BUCKET_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\Z")
# C0/C1 controls, Unicode line/paragraph separators and lone surrogates: none can be part
# of a storage key that survives a text file or the clipboard (and COS refuses several).
_BAD_KEY_CHAR_RE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
# "编码长度最大为850个字节" — Tencent COS object key naming rules (CloudBase storage is COS).
MAX_KEY_BYTES = 850
# The bucket is a host name in download URLs (<bucket>.tcb.qcloud.la); RFC 1035 caps
# host names at 253 characters.
MAX_HOST_CHARS = 253
# Distinct env.bucket pairs remembered as valid; real lists name a handful.
_HOST_CACHE_SIZE = 256


# Why a candidate is not an ID: the command line prints it, the window's input banner
# shows it (translated, so registered).
_NOT_CLOUD = message("does not start with cloud://")
_NO_KEY = message("has no file path after the bucket")
_HOST_TOO_LONG = MessageTemplate("environment and bucket are longer than {limit} characters")
_NO_HOST = message("has no environment ID or bucket")
_NO_DOT = message("has no '.' between the environment ID and the bucket")
_NO_ENV = message("has no environment ID before the first '.'")
_BAD_ENV = message("environment ID may hold only lowercase letters, digits and '-'")
_BAD_BUCKET = message("has an invalid bucket name")
_CONTROL_IN_KEY = message("file path holds control characters")
_KEY_TOO_LONG = MessageTemplate("file path is longer than {limit} bytes")


class InvalidFileIdError(ValueError):
    """A string that looks like a cloud file ID but is not a valid one."""

    def __init__(self, text: str, reason: str) -> None:
        super().__init__(f"{reason}: {text!r}")
        self.text = text
        self.reason = reason


class FileId(NamedTuple):
    """One validated cloud file ID. ``raw`` is exactly what is sent to the service."""

    raw: str
    env: str
    bucket: str
    key: str

    def __str__(self) -> str:
        return self.raw


@functools.lru_cache(maxsize=_HOST_CACHE_SIZE)
def _split_host(host: str) -> tuple[str, str, str]:
    """``env.bucket`` as (env, bucket, "") or ("", "", reason). Cached: a list holds
    thousands of IDs but only a few environments."""
    if len(host) > MAX_HOST_CHARS:
        return "", "", _HOST_TOO_LONG.format(limit=MAX_HOST_CHARS)
    env, dot, bucket = host.partition(".")
    if not host:
        return "", "", _NO_HOST
    if not dot:  # "cloud://prod-1a2b/a.png": the env ID may be there, the bucket is not
        return "", "", _NO_DOT
    if not env:
        return "", "", _NO_ENV
    if not _ENV_RE.match(env):
        return "", "", _BAD_ENV
    if not bucket or not _BUCKET_RE.match(bucket):
        return "", "", _BAD_BUCKET
    return env, bucket, ""


def parse_fileid(text: str) -> FileId:
    """Parse one ID exactly as given (no trimming); raise InvalidFileIdError if malformed."""
    if not text.startswith(SCHEME):
        raise InvalidFileIdError(text, _NOT_CLOUD)
    host, slash, key = text[len(SCHEME) :].partition("/")
    if not slash or not key:
        raise InvalidFileIdError(text, _NO_KEY)
    env, bucket, reason = _split_host(host)
    if reason:
        raise InvalidFileIdError(text, reason)
    if _BAD_KEY_CHAR_RE.search(key):
        raise InvalidFileIdError(text, _CONTROL_IN_KEY)
    # Cheap length test first: UTF-8 takes at most 4 bytes a character.
    if len(key) > MAX_KEY_BYTES // 4 and len(key.encode("utf-8")) > MAX_KEY_BYTES:
        raise InvalidFileIdError(text, _KEY_TOO_LONG.format(limit=MAX_KEY_BYTES))
    return FileId(raw=text, env=env, bucket=bucket, key=key)


# --------------------------------------------------------------------------- results


# A malformed candidate is shown to the user; a runaway line must not be kept whole.
MALFORMED_TEXT_MAX = 200
# Malformed candidates kept to show, per input and per collection; the rest are counted.
# An input of nothing but "cloud://x" lines (64 MiB: ~6 million) would otherwise keep a
# record of each, ~130 bytes apiece (some 800 MB), where a person reads the first few.
MAX_MALFORMED_KEPT = 10_000


class Malformed(NamedTuple):
    """Something that starts with ``cloud://`` but is not a valid ID."""

    line: int  # 1-based line of the input
    text: str  # the candidate, cut to MALFORMED_TEXT_MAX characters
    reason: str
    source: str = ""  # the input it came from (file name), when known


class IdScan(NamedTuple):
    """What was taken from one or more inputs."""

    ids: tuple[FileId, ...]  # unique, in order of first occurrence
    duplicates: int  # IDs dropped because they came earlier
    lines_without_id: int  # non-blank lines where nothing starting with cloud:// was found
    malformed: tuple[Malformed, ...]  # the first MAX_MALFORMED_KEPT, in input order
    total_lines: int
    malformed_dropped: int = 0  # malformed candidates past those kept: only counted

    @property
    def malformed_count(self) -> int:
        """How many malformed candidates there were, kept or not."""
        return len(self.malformed) + self.malformed_dropped

    def summary(self) -> str:
        return summary(self)


def _plural(count: int, singular: str, plural: str) -> str:
    return f"{count:,} {singular if count == 1 else plural}"


def summary(scan: IdScan) -> str:
    """English one-liner, e.g. "1,204 IDs (3 duplicates, 2 lines without an ID)"."""
    parts = []
    if scan.duplicates:
        parts.append(_plural(scan.duplicates, "duplicate", "duplicates"))
    if scan.lines_without_id:
        parts.append(_plural(scan.lines_without_id, "line without an ID", "lines without an ID"))
    if scan.malformed_count:
        parts.append(_plural(scan.malformed_count, "malformed ID", "malformed IDs"))
    head = _plural(len(scan.ids), "ID", "IDs")
    return f"{head} ({', '.join(parts)})" if parts else head


class IdCollector:
    """Accumulates IDs from several inputs (files, pastes): first-seen order, no repeats."""

    def __init__(self) -> None:
        self._ids: dict[str, FileId] = {}
        self._duplicates = 0
        self._lines_without_id = 0
        self._malformed: list[Malformed] = []
        self._malformed_dropped = 0
        self._total_lines = 0

    def add(self, scan: IdScan) -> IdScan:
        """Fold in one input. Returns what it added: only its new IDs, and as duplicates
        both its own repeats and the IDs that were already collected."""
        new: list[FileId] = []
        duplicates = scan.duplicates
        for fid in scan.ids:
            if fid.raw in self._ids:
                duplicates += 1
            else:
                self._ids[fid.raw] = fid
                new.append(fid)
        self._duplicates += duplicates
        self._lines_without_id += scan.lines_without_id
        kept = scan.malformed[: max(0, MAX_MALFORMED_KEPT - len(self._malformed))]
        self._malformed.extend(kept)
        self._malformed_dropped += scan.malformed_count - len(kept)
        self._total_lines += scan.total_lines
        return IdScan(
            ids=tuple(new),
            duplicates=duplicates,
            lines_without_id=scan.lines_without_id,
            malformed=scan.malformed,
            total_lines=scan.total_lines,
            malformed_dropped=scan.malformed_dropped,
        )

    def add_text(self, text: str, *, source: str = "") -> IdScan:
        return self.add(find_ids(text, source=source))

    @property
    def ids(self) -> tuple[FileId, ...]:
        return tuple(self._ids.values())

    def scan(self) -> IdScan:
        """Everything collected so far, as one scan."""
        return IdScan(
            ids=self.ids,
            duplicates=self._duplicates,
            lines_without_id=self._lines_without_id,
            malformed=tuple(self._malformed),
            total_lines=self._total_lines,
            malformed_dropped=self._malformed_dropped,
        )

    def clear(self) -> None:
        self._ids.clear()
        self._duplicates = self._lines_without_id = self._total_lines = 0
        self._malformed_dropped = 0
        self._malformed.clear()

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, item: object) -> bool:
        raw = item.raw if isinstance(item, FileId) else item
        return isinstance(raw, str) and raw in self._ids


def merge_scans(*scans: IdScan) -> IdScan:
    """One scan of several inputs, in the order given; repeats across inputs count as
    duplicates."""
    collector = IdCollector()
    for scan in scans:
        collector.add(scan)
    return collector.scan()


class _Accumulator:
    """Turns candidates into IDs, duplicates and malformed reports for one input."""

    __slots__ = ("duplicates", "ids", "malformed", "malformed_dropped", "source")

    def __init__(self, source: str) -> None:
        self.ids: dict[str, FileId] = {}
        self.duplicates = 0
        self.malformed: list[Malformed] = []
        self.malformed_dropped = 0
        self.source = source

    def take(self, candidate: str, line: int) -> None:
        if candidate in self.ids:
            self.duplicates += 1
            return
        try:
            fid = parse_fileid(candidate)
        except InvalidFileIdError as exc:
            if len(self.malformed) >= MAX_MALFORMED_KEPT:
                self.malformed_dropped += 1
                return
            text = candidate
            if len(text) > MALFORMED_TEXT_MAX:
                text = text[: MALFORMED_TEXT_MAX - 1] + "…"
            self.malformed.append(Malformed(line, text, exc.reason, self.source))
            return
        self.ids[candidate] = fid


# --------------------------------------------------------------------------- finding

# Whitespace that may precede an ID at the start of a line: BOMs of concatenated files,
# ideographic and no-break spaces pasted from documents, zero-width spaces from web pages.
_LEADING = " \t\f\v\ufeff\u3000\xa0\u200b"
# Invisible characters that stick to the end of an ID copied from a chat app or a web
# page (zero-width space, non-joiner, joiner, word joiner, BOM). ``str.strip`` keeps them
# (they are not whitespace), so the ID's end trims them with whitespace; inside a key
# they stay, as spaces do.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"
# Marks an occurrence, including the JSON-escaped form written by e.g. PHP (`cloud:\/\/`).
_OCCURRENCE_RE = re.compile(r"cloud:(?://|\\/\\/)")
# Another ID starts inside an ID-led line or field only after one of these separators.
_SEPARATED_ID_RE = re.compile(r"[\s,;|]cloud://")
_ID_SEPARATOR_RE = re.compile(r"[\s,;|]+(?=cloud://)")
# List markers before an ID: "- ", "* ", "• ", "1. ", "2) ", "3、", grep -n's "12:".
_LIST_MARKER_RE = re.compile(r"(?:[-*+•·]|\d{1,9}[.)、:：])[ \t\u3000]*")
# An ID opens a CSV field: at the start (quoted) or right after a comma (maybe quoted).
# Not after ", ": that is prose listing IDs ("done: cloud://a.png, cloud://b.png.").
_CSV_ID_FIELD_RE = re.compile(r'(?:\A"|,"?)cloud:')
_JSON_DECODER = json.JSONDecoder()
# The rest of a quoted string after its opening quote, backslash escapes allowed.
_JSON_STRING_TAIL_RE = re.compile(r'[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
# An unquoted ID in log text; longer runs than any valid ID are cut there (and reported
# as malformed), so that scanning a huge line without whitespace stays linear.
_MAX_ID_CHARS = len(SCHEME) + MAX_HOST_CHARS + 1 + MAX_KEY_BYTES
_LOG_RUN_RE = re.compile("cloud://[^\\s\"'`<>\x00-\x1f\x7f，。；、！？“”「」『』《》]*")
# Quotation marks whose closer ends an ID that follows the opener (spaces allowed).
_PAIRED_QUOTES = {"'": "'", "‘": "’", "“": "”", "「": "」", "『": "』", "《": "》"}
_TRAILING_PUNCTUATION = ".,;:!?…"
_CLOSERS = {
    ")": "(",
    "]": "[",
    "}": "{",
    "）": "（",
    "】": "【",
    "」": "「",
    "』": "『",
    "》": "《",
}
_TABLE_DELIMITERS = ("\t", ",", ";")
# Share of rows that must match a header's field count for the text to be a table; a few
# ragged rows (a note with a stray comma) do not turn a CSV back into plain lines.
_TABLE_MIN_AGREEMENT = 0.9
# Lines after the first looked at to decide; rows past them that start with an ID but do
# not fit the table are still read as plain lines, so a sample is safe.
_TABLE_SAMPLE_LINES = 1000


# A spreadsheet cell may hold line breaks (Alt+Enter in Excel), written raw inside its
# quotes; a "record" spanning more physical lines than this is a stray quote instead.
_MAX_RECORD_LINES = 100


def _records(lines: list[str]) -> list[tuple[int, str]]:
    """Physical lines joined into CSV records, each with its first line's number.

    A line with an odd number of ``"`` opens a quoted field that the next line with an
    odd count closes; lines between belong to the same record. Linear time: the next
    odd line is looked up, not searched for.
    """
    odd = [line.count('"') % 2 == 1 for line in lines]
    next_odd = [0] * (len(lines) + 1)
    next_odd[len(lines)] = len(lines)
    for i in range(len(lines) - 1, -1, -1):
        next_odd[i] = i if odd[i] else next_odd[i + 1]
    records: list[tuple[int, str]] = []
    i = 0
    while i < len(lines):
        end = next_odd[i + 1] if odd[i] else i
        if odd[i] and end < len(lines) and end - i < _MAX_RECORD_LINES:
            records.append((i + 1, "\n".join(lines[i : end + 1])))
            i = end + 1
        else:
            records.append((i + 1, lines[i]))
            i += 1
    return records


class _Table(NamedTuple):
    delimiter: str
    fields: int  # the number of fields a row has


def _split_fields(line: str, delimiter: str) -> list[str]:
    if '"' not in line:
        return line.split(delimiter)
    try:
        return next(csv.reader((line,), delimiter=delimiter, strict=False, skipinitialspace=True))
    except (csv.Error, StopIteration):  # e.g. a field over csv's size limit
        return line.split(delimiter)


def _field_count(line: str, delimiter: str) -> int:
    if '"' not in line:
        return line.count(delimiter) + 1
    return len(_split_fields(line, delimiter))


def _read_quoted(text: str, opening: int) -> tuple[str, int] | None:
    """The string whose ``"`` is at ``opening``, JSON escapes decoded, and the offset after
    its closing quote; None if it never closes."""
    try:
        value, end = _JSON_DECODER.raw_decode(text, opening)
    except ValueError:  # not JSON after all (e.g. a Windows path in quotes): take it raw
        tail = _JSON_STRING_TAIL_RE.match(text, opening + 1)
        if tail is None:
            return None
        return text[opening + 1 : tail.end() - 1], tail.end()
    return (value, end) if isinstance(value, str) else None


def trim_end(text: str) -> str:
    """``text`` without the whitespace and invisible characters that end it."""
    while True:
        trimmed = text.rstrip().rstrip(_INVISIBLE)
        if trimmed == text:
            return text
        text = trimmed


def _trim_log_run(run: str) -> str:
    minimum = len(SCHEME)
    while len(run) > minimum:
        last = run[-1]
        dangling = last in _CLOSERS and run.count(_CLOSERS[last]) < run.count(last)
        if not dangling and last not in _TRAILING_PUNCTUATION and last not in _INVISIBLE:
            break
        run = run[:-1]
    return run


def _scan_log_text(text: str, out: list[str]) -> None:
    pos = 0
    # Closers absent from the rest of the text: never searched for again, so that hostile
    # input ('「cloud://' a million times) stays linear. A '"' string that does not close
    # means no later one does either: from its opening on, both scans see the same text.
    unclosed: set[str] = set()
    while (match := _OCCURRENCE_RE.search(text, pos)) is not None:
        start = match.start()
        before = text[start - 1] if start else ""
        if before == '"' and '"' not in unclosed:
            quoted = _read_quoted(text, start - 1)
            if quoted is not None:
                _scan_value(quoted[0], out)
                pos = quoted[1]
                continue
            unclosed.add('"')
        elif before in _PAIRED_QUOTES and _PAIRED_QUOTES[before] not in unclosed:
            end = text.find(_PAIRED_QUOTES[before], start)
            if end != -1:
                _scan_field(text[start:end], out)
                pos = end + 1
                continue
            unclosed.add(_PAIRED_QUOTES[before])
        if match.group() != SCHEME:  # the escaped form outside a JSON string: not an ID
            pos = match.end()
            continue
        run = _LOG_RUN_RE.match(text, start, start + _MAX_ID_CHARS + 1)
        assert run is not None  # the pattern matches whenever SCHEME does
        candidate = run.group()
        # Another ID glued on ("a.png,cloud://…", "x&b=cloud://…"), except after '/'.
        cut = candidate.find(SCHEME, len(SCHEME))
        while cut != -1 and candidate[cut - 1] == "/":
            cut = candidate.find(SCHEME, cut + len(SCHEME))
        if cut != -1:
            candidate = candidate[:cut]
        candidate = _trim_log_run(candidate)
        out.append(candidate)
        pos = start + len(candidate)


def _scan_id_led(text: str, out: list[str]) -> None:
    """``text`` starts with an ID that may hold spaces; further IDs follow separators."""
    if _SEPARATED_ID_RE.search(text, len(SCHEME)) is None:
        out.append(trim_end(text))
    elif '"' in text and "," in text:
        for field in _split_fields(text, ","):
            _scan_field(field, out)
    else:
        out.extend(trim_end(part) for part in _ID_SEPARATOR_RE.split(text) if part.strip())


def _scan_field(field: str, out: list[str]) -> None:
    field = field.strip()
    if field.startswith(SCHEME):
        _scan_id_led(field, out)
    elif "cloud:" in field:
        _scan_log_text(field, out)


def _json_strings_with_ids(text: str) -> Iterator[tuple[int, str]]:
    """(offset, decoded value) of each string in valid JSON ``text`` that holds an ID.

    In valid JSON ``cloud:`` can stand only inside a string, whose opening quote is the
    nearest unescaped '"' before it; the whole document need not be tokenised."""
    end = 0
    for match in _OCCURRENCE_RE.finditer(text):
        at = match.start()
        if at < end:  # inside the string just read
            continue
        opening = text.rfind('"', end, at)
        while opening > 0 and _is_escaped(text, opening):
            opening = text.rfind('"', end, opening)
        quoted = _read_quoted(text, opening) if opening != -1 else None
        if quoted is None:  # only if the text is not valid JSON after all
            continue
        end = quoted[1]
        yield opening, quoted[0]


def _is_escaped(text: str, index: int) -> bool:
    start = index
    while start > 0 and text[start - 1] == "\\":
        start -= 1
    return (index - start) % 2 == 1


def _scan_value(value: str, out: list[str]) -> None:
    """A decoded string (JSON or quoted): one field, or lines if it holds line breaks."""
    if "\n" in value or "\r" in value:
        for part in _normalise_newlines(value).split("\n"):
            content = part.lstrip(_LEADING)
            if content:
                _scan_line(content, out)
    elif SCHEME in value:
        _scan_line(value.lstrip(_LEADING), out)


def _scan_line(content: str, out: list[str]) -> None:
    """Rule 3 of the module docstring. ``content`` has no leading whitespace."""
    if "cloud:" not in content:
        return
    if "\t" in content:
        for field in _split_fields(content, "\t"):
            _scan_field(field, out)
        return
    if content.startswith(SCHEME):
        _scan_id_led(content, out)
        return
    marker = _LIST_MARKER_RE.match(content)
    if marker is not None and content.startswith(SCHEME, marker.end()):
        _scan_id_led(content[marker.end() :], out)
        return
    if content[0] in '{["':
        try:
            json.loads(content)
        except (ValueError, RecursionError):
            pass
        else:
            for _offset, value in _json_strings_with_ids(content):
                _scan_value(value, out)
            return
    if _CSV_ID_FIELD_RE.search(content) is not None:
        for field in _split_fields(content, ","):
            _scan_field(field, out)
        return
    _scan_log_text(content, out)


def _rows_agree(lines: list[str], delimiter: str, fields: int) -> bool:
    rows = agree = 0
    for line in itertools.islice(lines, _TABLE_SAMPLE_LINES):
        content = line.strip()
        if content:
            rows += 1
            agree += _field_count(content, delimiter) == fields
    return rows > 0 and agree >= rows * _TABLE_MIN_AGREEMENT


def _detect_table(lines: list[str]) -> _Table | None:
    """Rule 2 of the module docstring."""
    index = next((i for i, line in enumerate(lines) if line.strip(_LEADING)), None)
    if index is None:
        return None
    first = lines[index].strip(_LEADING)
    rest = lines[index + 1 :]
    # Without a header a table is not told apart from a list whose keys hold commas:
    # "cloud://e.b/a,b" is one ID by the line rule (README "Where an ID ends").
    if "cloud:" in first or first[0] in '{["':
        return None
    for delimiter in _TABLE_DELIMITERS:
        if delimiter in first:
            count = _field_count(first, delimiter)
            if count >= 2 and _rows_agree(rest, delimiter, count):
                return _Table(delimiter, count)
    return None


def _normalise_newlines(text: str) -> str:
    if "\r" in text:
        return text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _scan_json_document(text: str, acc: _Accumulator) -> bool:
    """Rule 1 of the module docstring; False when ``text`` is not one JSON document."""
    stripped = text.lstrip(_LEADING + "\r\n")
    if not stripped or stripped[0] not in "{[":
        return False
    try:
        json.loads(stripped)
    except (ValueError, RecursionError):
        return False
    line, counted_to = 1, 0
    found: list[str] = []
    for offset, value in _json_strings_with_ids(text):
        _scan_value(value, found)
        if found:
            line += text.count("\n", counted_to, offset)
            counted_to = offset
            for candidate in found:
                acc.take(candidate, line)
            found.clear()
    return True


def find_ids(text: str, *, source: str = "") -> IdScan:
    """Find every cloud file ID in ``text`` (rules in the module docstring). Never raises
    on bad input: what is not an ID is counted or reported as malformed."""
    text = _normalise_newlines(text)
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    acc = _Accumulator(source)
    lines_without_id = 0
    if not _scan_json_document(text, acc):
        # Lazily: a list of (number, line) pairs would cost ~90 bytes a line on top.
        rows: Iterable[tuple[int, str]] = enumerate(lines, start=1)
        table = _detect_table(lines)
        if '"' in text:
            # A table whose cells span lines is read record by record.
            records = _records(lines)
            if len(records) < len(lines):
                record_table = _detect_table([r for _, r in records])
                if record_table is not None:
                    table, rows = record_table, records
        found: list[str] = []
        for number, line in rows:
            content = line.lstrip(_LEADING)
            if not content or content.isspace():
                continue
            if "cloud:" in content:
                if table is None:
                    _scan_line(content, found)
                else:
                    _scan_table_row(content, table, found)
            if not found:
                lines_without_id += 1
                continue
            for candidate in found:
                acc.take(candidate, number)
            found.clear()
    return IdScan(
        ids=tuple(acc.ids.values()),
        duplicates=acc.duplicates,
        lines_without_id=lines_without_id,
        malformed=tuple(acc.malformed),
        total_lines=len(lines),
        malformed_dropped=acc.malformed_dropped,
    )


def _scan_table_row(content: str, table: _Table, out: list[str]) -> None:
    fields = _split_fields(content, table.delimiter)
    if content.startswith(SCHEME) and len(fields) != table.fields:
        _scan_line(content, out)
        return
    for field in fields:
        _scan_field(field, out)


# --------------------------------------------------------------------------- reading

# 64 MiB holds ~800,000 IDs of 80 bytes, far beyond any real list, and stays a modest
# amount of memory to decode and scan at once.
MAX_INPUT_BYTES = 64 * 1024 * 1024
# Binary input is recognised from this much of its start, before reading the rest.
SNIFF_BYTES = 64 * 1024
READ_CHUNK_BYTES = 1024 * 1024
# Text has almost no control characters besides tab and line breaks (ANSI colour escapes
# in logs are allowed); random bytes decoded as text have about 12 %.
MAX_CONTROL_SHARE = 0.01
_BINARY_CONTROL_RE = re.compile("[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]")
# UTF-16 without a BOM: ASCII-heavy text has a NUL in (nearly) every other byte.
_UTF16_NUL_MIN_SHARE = 0.3
_UTF16_NUL_MAX_OTHER_SHARE = 0.05
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"),  # before UTF-16 LE: it starts the same
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
)
_FALLBACK_CODECS = ("utf-8", "gb18030")


def _format_bytes(size: int) -> str:
    if size < 1024:
        return f"{size:,} bytes"
    value, unit = (size / 1024, "KiB") if size < 1024 * 1024 else (size / 1024 / 1024, "MiB")
    return f"{value:,.0f} {unit}" if value.is_integer() else f"{value:,.1f} {unit}"


_BINARY = MessageTemplate(
    "{name} is not a text file (it looks like binary data). Open a text, CSV, TSV, "
    "JSON or log file with cloud file IDs."
)
_NOT_IN_ENCODING = MessageTemplate(
    "{name} is not text in {encoding}. Save it as UTF-8 (or GB18030, or UTF-16 with "
    "a byte order mark) and try again."
)
_UNREAD_ENCODING = MessageTemplate(
    "{name} is text, but not in an encoding TCB Links reads (UTF-8, UTF-16 or GB18030): "
    "line {line} has the byte {byte} (“{char}” in Windows-1252 / Latin-1). Save the file "
    "as UTF-8 and try again."
)
_UNREAD_BYTE = MessageTemplate(
    "{name} is text, but not in an encoding TCB Links reads (UTF-8, UTF-16 or GB18030): "
    "line {line} has the byte {byte}. Save the file as UTF-8 and try again."
)
_TOO_LARGE = MessageTemplate(
    "{name} is larger than {limit}, the limit for a list of IDs. Split it into smaller files."
)
_CANNOT_READ = MessageTemplate("Cannot read {name}: {reason}.")
_A_FOLDER = MessageTemplate("{name} is a folder, not a file with IDs.")
_A_PIPE = MessageTemplate(
    "{name} is a named pipe, not a file: reading it could wait for ever. Save the IDs in "
    "a file and add that file."
)
_A_DEVICE = MessageTemplate(
    "{name} is a device, not a file: reading it may never end. Save the IDs in a file and "
    "add that file."
)
_A_SOCKET = MessageTemplate("{name} is a socket, not a file with IDs.")
_A_DISK = MessageTemplate("{name} is a disk device, not a file with IDs.")
_NOT_A_FILE = MessageTemplate("{name} is not a file with IDs.")


class PathKind(Enum):
    """What a path names, as far as reading it as a list of IDs goes."""

    FILE = "file"
    FOLDER = "folder"
    NAMED_PIPE = "named pipe"
    CHARACTER_DEVICE = "character device"
    SOCKET = "socket"
    BLOCK_DEVICE = "block device"
    OTHER = "other"


# Which kinds each face reads as a list (the module docstring).
COMMAND_LINE_READS: Final = frozenset(
    {PathKind.FILE, PathKind.NAMED_PIPE, PathKind.CHARACTER_DEVICE}
)
WINDOW_READS: Final = frozenset({PathKind.FILE})

_REFUSALS: Final = {
    PathKind.FOLDER: _A_FOLDER,
    PathKind.NAMED_PIPE: _A_PIPE,
    PathKind.CHARACTER_DEVICE: _A_DEVICE,
    PathKind.SOCKET: _A_SOCKET,
    PathKind.BLOCK_DEVICE: _A_DISK,
}


def path_kind(mode: int) -> PathKind:
    """The kind of a path from its ``st_mode``."""
    if stat.S_ISREG(mode):
        return PathKind.FILE
    if stat.S_ISDIR(mode):
        return PathKind.FOLDER
    if stat.S_ISFIFO(mode):
        return PathKind.NAMED_PIPE
    if stat.S_ISCHR(mode):
        return PathKind.CHARACTER_DEVICE
    if stat.S_ISSOCK(mode):
        return PathKind.SOCKET
    if stat.S_ISBLK(mode):
        return PathKind.BLOCK_DEVICE
    return PathKind.OTHER


def _check_kind(kind: PathKind, name: str, reads: frozenset[PathKind]) -> None:
    if kind not in reads:
        refusal = _REFUSALS.get(kind, _NOT_A_FILE)
        raise InputError(refusal.format(name=name), detail="not_a_file")


def _binary_error(name: str) -> InputError:
    return InputError(_BINARY.format(name=name), detail="binary")


def _encoding_error(name: str, expected: str) -> InputError:
    return InputError(_NOT_IN_ENCODING.format(name=name, encoding=expected), detail="encoding")


# A line break as find_ids splits lines, to name the line of a byte.
_LINE_BREAK_RE = re.compile(rb"\r\n|\r|\n")


def _first_stray_byte(data: bytes, final: bool) -> int:
    """Where the first byte that is not UTF-8 is (the first non-ASCII byte of valid
    UTF-8 that was not taken as such)."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(data, final=final)
        at = 0
    except UnicodeDecodeError as exc:
        at = exc.start
    return next((i for i in range(at, len(data)) if data[i] >= 0x80), at)


def _unread_encoding_error(name: str, data: bytes, at: int) -> InputError:
    """Text this program does not decode: where its first byte that is not UTF-8 is
    (``at``), and what that byte is in Windows-1252 (the likeliest reading of it)."""
    line = len(_LINE_BREAK_RE.findall(data, 0, at)) + 1
    byte = f"0x{data[at]:02X}" if at < len(data) else "?"
    try:
        char = data[at : at + 1].decode("cp1252")
    except UnicodeDecodeError:
        char = ""
    if char.isprintable() and char:
        text = _UNREAD_ENCODING.format(name=name, line=f"{line:,}", byte=byte, char=char)
    else:
        text = _UNREAD_BYTE.format(name=name, line=f"{line:,}", byte=byte)
    return InputError(text, detail="encoding")


def _looks_binary(data: bytes) -> bool:
    """Control characters (other than tab, line breaks and escapes) in more than
    ``MAX_CONTROL_SHARE`` of ``data``, whatever the encoding."""
    text = data.decode("latin-1")
    return len(_BINARY_CONTROL_RE.findall(text)) > len(text) * MAX_CONTROL_SHARE


# GB18030's multi-byte characters: four bytes (digits second and fourth), or two, the
# second an ASCII byte (group 1) or a byte over 0x80. Matched from the start of text
# GB18030 decoded, they fall on its characters.
_GB18030_MULTIBYTE_RE = re.compile(
    rb"[\x81-\xfe](?:[\x30-\x39][\x81-\xfe][\x30-\x39]|([\x40-\x7e])|[\x80-\xfe])"
)
# Characters looked at to tell Chinese from Windows-1252 read as GB18030.
_GB18030_SAMPLE_CHARS = 4_096


# Valid UTF-8 characters per stray byte for a text to be UTF-8 with a few stray bytes
# rather than GB18030, whose bytes form UTF-8 only by chance: most of them are strays.
_UTF8_PER_STRAY = 3


def _mostly_utf8(data: bytes) -> bool:
    """Whether text that is not valid UTF-8 is UTF-8 all the same but for a few bytes (a
    line pasted in from a Windows-1252 file): read as GB18030 its Chinese would turn into
    other characters, every key mangled, so it is refused naming the stray byte."""
    text = data.decode("utf-8", "replace")
    stray = text.count("\ufffd")
    valid = len(text) - len(text.encode("ascii", "ignore")) - stray
    return valid > 0 and valid >= stray * _UTF8_PER_STRAY


def _reads_as_chinese(data: bytes) -> bool:
    """Whether GB18030 text (it decodes) is Chinese rather than Windows-1252 text whose
    accented letters happen to pair with the ASCII letters after them: at most half of
    its two-byte characters end in an ASCII byte (the module docstring)."""
    ascii_ended = total = 0
    for match in itertools.islice(_GB18030_MULTIBYTE_RE.finditer(data), _GB18030_SAMPLE_CHARS):
        total += 1
        ascii_ended += match.group(1) is not None
    return ascii_ended * 2 <= total


def _too_large_error(name: str, max_bytes: int) -> InputError:
    return InputError(
        _TOO_LARGE.format(name=name, limit=_format_bytes(max_bytes)), detail="too_large"
    )


def _utf16_without_bom(sample: bytes) -> str | None:
    half = len(sample) // 2
    if half < 2:
        return None
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    if odd_nuls >= half * _UTF16_NUL_MIN_SHARE and even_nuls <= half * _UTF16_NUL_MAX_OTHER_SHARE:
        return "utf-16-le"
    if even_nuls >= half * _UTF16_NUL_MIN_SHARE and odd_nuls <= half * _UTF16_NUL_MAX_OTHER_SHARE:
        return "utf-16-be"
    return None


def _check_text(text: str, name: str) -> None:
    if "\x00" in text:
        raise _binary_error(name)
    head = text[:SNIFF_BYTES]
    if head and len(_BINARY_CONTROL_RE.findall(head)) > len(head) * MAX_CONTROL_SHARE:
        raise _binary_error(name)


def _decode(data: bytes, name: str, *, final: bool) -> str:
    """Decode ``data``; with ``final=False`` it is the start of a longer input."""
    codec, label = next(
        ((codec, label) for bom, codec, label in _BOMS if data.startswith(bom)),
        (_utf16_without_bom(data[:SNIFF_BYTES]) or "", "UTF-16"),
    )
    if codec:
        try:
            text = codecs.getincrementaldecoder(codec)().decode(data, final=final)
        except UnicodeDecodeError:
            raise _encoding_error(name, label) from None
        _check_text(text, name)
        return text
    if b"\x00" in data:
        raise _binary_error(name)
    for codec in _FALLBACK_CODECS:
        try:
            text = codecs.getincrementaldecoder(codec)().decode(data, final=final)
        except UnicodeDecodeError:
            continue
        if codec == "gb18030" and (_mostly_utf8(data) or not _reads_as_chinese(data)):
            break
        _check_text(text, name)
        return text
    # Binary from its start, or from where the text stops being UTF-8 (a list of IDs
    # with a binary tail): then not text at all, rather than text in another encoding.
    at = _first_stray_byte(data, final)
    if _looks_binary(data[:SNIFF_BYTES]) or _looks_binary(data[at : at + SNIFF_BYTES]):
        raise _binary_error(name)
    raise _unread_encoding_error(name, data, at)


def decode_input(data: bytes, name: str = "input") -> str:
    """Bytes of a list, a file or a drop as text; ``InputError`` if binary or undecodable.

    The BOM is dropped; ``name`` is used in the error message."""
    return _decode(data, name, final=True)


def _read_text(stream: BinaryIO, name: str, max_bytes: int) -> str:
    chunks: list[bytes] = []
    total = 0
    sniffed = False
    while True:
        want = min(READ_CHUNK_BYTES if sniffed else SNIFF_BYTES, max_bytes + 1 - total)
        chunk = stream.read(want)
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        if total > max_bytes:
            raise _too_large_error(name, max_bytes)
        if not sniffed and total >= SNIFF_BYTES:
            _decode(b"".join(chunks)[:SNIFF_BYTES], name, final=False)
            sniffed = True
    data = b"".join(chunks)
    chunks.clear()
    return _decode(data, name, final=True)


def read_ids_from_stream(
    stream: BinaryIO, name: str, *, max_bytes: int = MAX_INPUT_BYTES
) -> IdScan:
    """IDs from a binary stream (stdin, a dropped file), read in chunks: binary input is
    refused from its first ``SNIFF_BYTES``, input over ``max_bytes`` as soon as it passes."""
    try:
        text = _read_text(stream, name, max_bytes)
    except OSError as exc:
        raise InputError(_CANNOT_READ.format(name=name, reason=exc.strerror or exc)) from None
    return find_ids(text, source=name)


def _open_list(path: str | os.PathLike[str], name: str, reads: frozenset[PathKind]) -> BinaryIO:
    """``path`` opened for reading if it is of a kind in ``reads``, else ``InputError``.

    Its kind is checked before it is opened (opening a socket fails, a pipe waits for a
    writer) and again once open: only a pipe that may be read is opened waiting."""
    kind = path_kind(os.stat(path).st_mode)
    _check_kind(kind, name, reads)
    no_wait = 0 if kind is PathKind.NAMED_PIPE else getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0) | no_wait)
    try:
        _check_kind(path_kind(os.fstat(fd).st_mode), name, reads)
        if no_wait:
            os.set_blocking(fd, True)  # a terminal opened without waiting reads as one
        return open(fd, "rb")  # the caller closes it
    except BaseException:
        os.close(fd)
        raise


def read_ids_from_path(
    path: str | os.PathLike[str],
    *,
    max_bytes: int = MAX_INPUT_BYTES,
    reads: frozenset[PathKind] = COMMAND_LINE_READS,
) -> IdScan:
    """IDs from a file (or what else ``reads`` allows: the module docstring); a file over
    ``max_bytes`` is refused before it is read, a stream as soon as it passes it."""
    name = os.fspath(path)
    try:
        with _open_list(path, name, reads) as file:
            info = os.fstat(file.fileno())
            if stat.S_ISREG(info.st_mode) and info.st_size > max_bytes:
                raise _too_large_error(name, max_bytes)
            text = _read_text(file, name, max_bytes)
    except OSError as exc:
        raise InputError(_CANNOT_READ.format(name=name, reason=exc.strerror or exc)) from None
    return find_ids(text, source=name)
