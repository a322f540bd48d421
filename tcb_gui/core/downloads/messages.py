"""What a download tells its user, registered so the window can show it translated.

Every sentence the engine may put in an outcome, a progress row or an error is created
here with ``core.errors.message`` / ``MessageTemplate``; ``{reason}`` parts hold another
registered message. Sizes inside messages are written by ``human_bytes``.
"""

from __future__ import annotations

from typing import Final

from tcb_gui.core.errors import MessageTemplate, message

_NESTED_REASON: Final = frozenset({"reason"})

# Options
BAD_CONCURRENCY = MessageTemplate("Download concurrency must be {low}..{high}, not {n}.")
BAD_RATE = message("The rate limit must be at least one byte per second.")
BAD_CHUNK = message("The chunk size must be positive.")
NO_TRIES = message("At least one try is needed.")
BAD_STALL = message("The stall timeout must be positive.")

# What came back instead of the file
HTML_PAGE_TYPED = MessageTemplate("The server sent an HTML page ({media_type}) instead of the file")
HTML_PAGE = message("The server sent an HTML page instead of the file")
NOT_SAVED = MessageTemplate("{reason}; it was not saved", nested=_NESTED_REASON)
BAD_LINK = message("The download link is not a valid URL")
NOT_HTTP = message("Refusing to fetch a link that is not http(s)")
BAD_REDIRECT = message("The server redirected to an invalid address")
TOO_MANY_REDIRECTS = message("Too many redirects")
LINK_REFUSED = MessageTemplate("The server refused the link ({status})")
LINK_EXPIRED = MessageTemplate("The link has expired ({status})")
SERVER_ANSWERED = MessageTemplate("The server answered {status}")
NOT_ON_SERVER = MessageTemplate("The file is not on the server ({status})")
EVEN_FRESH = MessageTemplate("{reason}, even with a fresh link", nested=_NESTED_REASON)
GAVE_UP = MessageTemplate("{reason} (gave up after {tries} tries)", nested=_NESTED_REASON)

# The body and the part file
TOO_MUCH = MessageTemplate("The server sent more than the announced {total}; starting over")
ENDED_EARLY = MessageTemplate("The download ended early ({written} of {total}); resuming")
STARTING_OVER = MessageTemplate("{reason}; starting over", nested=_NESTED_REASON)
NO_REST = message("The server could not serve the rest of the file")
OTHER_PART = message("The server sent a different part of the file")
CHANGED = message("The file changed on the server")
CUT_AFTER = MessageTemplate("{reason} after {written}; resuming", nested=_NESTED_REASON)
# The same when nothing of it is kept (held back for the sniff, or no validator).
CUT_STARTING_OVER = MessageTemplate(
    "{reason} after {written}; starting over", nested=_NESTED_REASON
)
PART_SIZE = MessageTemplate("The partial file holds {size}, not {total}")
NO_PART_NAME = MessageTemplate("No free name for the partial file of {name}")
STALLED = MessageTemplate("The server sent almost nothing for {seconds} s")
HOST_ENCODED = MessageTemplate(
    "Saved as the host sent it, compressed ({encoding}): the host ignored the request "
    "for the file as stored"
)

# Integrity
CHECKSUM_MISMATCH = MessageTemplate(
    "The downloaded file does not match the storage's checksum (CRC-64 {got}, expected {expected})"
)
REPLACED_DAMAGED = message(
    "Replaced a damaged copy: the file saved there earlier no longer matched what was "
    "recorded when it was downloaded"
)
DOWNLOADING_AGAIN = MessageTemplate("{reason}; downloading it again", nested=_NESTED_REASON)
VERIFY_OK = message("The checksum matches")
VERIFY_SIZE_OK = message("The size matches (no checksum was recorded)")
VERIFY_UNCHECKED = message(
    "The size is as saved (no checksum or size was announced to check it against)"
)
VERIFY_MISSING = message("The file is missing")
VERIFY_SIZE = MessageTemplate("The file holds {size}, not {expected}")
VERIFY_CHECKSUM = message("The file does not match the checksum recorded when it was downloaded")
VERIFY_UNREADABLE = MessageTemplate("Cannot read the file: {reason}")
NO_MANIFEST = MessageTemplate(
    "{dest} has no record of downloaded files to check (no manifest of TCB Links)"
)
MANIFEST_DAMAGED = MessageTemplate(
    "The record of downloaded files in {dest} cannot be used ({problem}): nothing was "
    "checked. Download the folder's list again to check and record every file.",
    frozenset({"problem"}),
)
MANIFEST_NOT_READABLE = message("it is not a regular file that can be read")
MANIFEST_NOT_JSON = message("it is not the JSON TCB Links writes")
MANIFEST_VERSION = MessageTemplate("it is of a version this TCB Links does not know: {version}")
VERIFY_RECORD_DAMAGED = message("Its record in the manifest is damaged: the file was not checked")

# The folder
FOLDER_BUSY = MessageTemplate(
    "Another download is writing into {dest} (process {pid} on {host}, started {started}). "
    "Wait until it ends, or choose another folder."
)
FOLDER_BUSY_ELSEWHERE = MessageTemplate(
    "Another download may be writing into {dest} (process {pid} on {host}, started "
    "{started}). If that run is over, delete {lock} and start again."
)
CANNOT_LOCK = MessageTemplate("Cannot lock the folder {dest}: {reason}")

# The disk
CANNOT_WRITE = MessageTemplate("Cannot write {path}: {reason}")
# The same, where trying again cannot help: what to do instead.
NOT_PERMITTED = MessageTemplate(
    "Cannot write {path}: {reason}. Make {folder} writable for you, or choose another "
    "download folder."
)
READ_ONLY = MessageTemplate(
    "Cannot write {path}: {reason}. Choose a download folder on a disk that can be written to."
)
TOO_LARGE_FOR_DISK = MessageTemplate(
    "Cannot write {path}: {reason}. The disk of {folder} does not take files this large "
    "(a FAT32 disk takes at most 4 GiB per file): choose a download folder on another disk."
)
FILE_IN_THE_WAY = MessageTemplate(
    "Cannot write {path}: {blocker} is a file where a folder of that name is needed. Move "
    "or rename that file, or choose another download folder."
)
FOLDER_IN_THE_WAY = MessageTemplate(
    "Cannot write {path}: {reason}. A folder of that name is in the way: move or rename "
    "it, or choose another download folder."
)
PATH_TOO_LONG = MessageTemplate(
    "Cannot write {path}: {reason}. Choose a download folder with a shorter path, or the "
    "flat layout (every file directly in the folder)."
)
NOT_REGULAR = MessageTemplate("{name} is not a regular file; refusing to write it")
CANNOT_CREATE = MessageTemplate("Cannot create the folder {dest}: {reason}")
DISK_FULL = MessageTemplate(
    "The disk is full: {dest} has no room left ({reason}); partial files were kept and "
    "will resume. Free some space and run the download again."
)
# The same when nothing of the files stopped could be kept (small files held in memory).
DISK_FULL_NONE_KEPT = MessageTemplate(
    "The disk is full: {dest} has no room left ({reason}). Free some space and run the "
    "download again."
)
NO_SPACE = "no space"  # the reason when the system gives none (kept in English: data)
STOPPED_DISK_FULL = message("Stopped: the disk is full")
CANCELLED = message("Cancelled")

# Links
NO_DOWNLOAD_LINK = message("No download link.")
SERVICE_GAVE_NO_LINK = message("The service gave no download link.")
REFRESH_INTERNAL = message("Could not fetch a fresh link (internal error).")
REFRESH_NO_ANSWER = message("No answer from the service.")


def human_bytes(n: int) -> str:
    """``n`` bytes for a message: "512 B", "1.5 MiB" (binary units, up to GiB)."""
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"  # pragma: no cover - the loop always returns
