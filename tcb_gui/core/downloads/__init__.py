"""The download engine: links in, files on disk, safely, resumably, verified.

``Downloader`` (``engine``) runs one list of files over the shared client: the window's
``httpx.AsyncClient``, or on the command line a ``wire.RunClient``, whose API calls go
over ``wire`` too and which never imports ``httpx`` on a run that goes well.
What it guarantees: a file reported ok is the file in storage, never spliced, truncated,
expanded or somebody else's.

* **Where.** Each file goes to ``paths.target_path(dest, env, key, layout)``, sanitised
  and confined inside ``dest``. Two files of one run that land on one name get
  ``name (1).ext`` … in input order, so a re-run picks the same names again. The run's
  name table also holds the engine's own names (partial files, sidecars, the ``.tcb-gui``
  folder), so no key is saved onto them and they never take a key's name. Every file
  operation below ``dest`` goes through a handle of its folder (``paths.ConfinedFolder``,
  ``FileOps``) opened from ``dest`` one component at a time, never through a link: a
  folder swapped for a link to elsewhere during the run gets nothing written through it
  (a file whose folder was moved or swapped fails, naming its path, its bytes kept in
  the real folder). Where the system has no ``dir_fd`` calls (Windows), paths are used.
* **One run per folder.** ``<dest>/.tcb-gui/lock`` (``folderlock``); a second run is
  refused with ``FolderBusyError`` naming the first; a lock left by a crash is taken over.
* **Existing files.** ``skip`` (default): a file completed earlier is recognised from the
  folder's manifest (``manifest``) with no request at all; another existing file costs a
  one-byte ``Range`` probe: the same size is kept and counted done, a different one is
  kept and the download goes beside it — unless the manifest records it as this ID's
  own earlier download and it no longer has the recorded size or CRC-64: damaged, it is
  replaced atomically (the outcome's ``repaired``). ``rename``: always a fresh name.
  ``overwrite``: replaced atomically. Nothing different is destroyed unless asked.
* **Transfer.** Over the engine's own kept-alive HTTP/1.1 connections (``wire``) when
  the shared client is a plain one, through ``httpx`` otherwise (mock transports,
  proxies): the same checks either way (``body``). Streamed as sent (never decoded: a
  host that compresses anyway gets its compressed bytes saved, and the outcome says so).
  A file under ``RECORDED_FROM`` (8 MiB) that starts from nothing goes to a temporary
  name in ``<dest>/.tcb-gui/tmp``, with no sidecar: up to ``SMALL_FILE_BYTES`` it is held
  in memory (a buffer reused from earlier files, ``files.BufferPool``, into which the
  wire reads the body directly) and written whole by a worker, above that it is
  streamed there as it comes. A larger one goes to ``<target>.part`` (``files``) under
  a sidecar, from its first byte, so that even a crash resumes it.
  Interrupted, whatever was received becomes the ``.part`` with its sidecar. Only a
  partial file under our own sidecar for the same file ID is resumed, with ``Range`` +
  ``If-Range``; the answer must carry the same validator, size and checksum and start
  where asked, or the file starts over. A body that stops making progress is retried.
* **Durability.** A file whose bytes are all in leaves its transfer slot and is put in
  place by worker threads (``syncer``), in batches: every file of the batch written and
  made durable (one ``syncfs`` of a local Linux file system for several files, else an
  fsync per file),
  then each checked on the disk (its length, and its CRC-64 when the storage sends one,
  ``integrity``) and moved to its name with a hard link (never over another file unless
  asked), then the names made durable (a second ``syncfs``, else an fsync per folder).
  Only then is it done: a file is never visible under its final name before its bytes
  are durable, and ``done`` means durable. A large file's writeback is started every
  2 MiB during the transfer, so the last sync has little left. Each file ends
  ``verified``, ``size checked``, ``unchecked`` (its answer announced neither a checksum
  nor a size) or failed. ``verify_folder`` checks a folder again.
* **Failures.** Network errors, 5xx, 429 and cut bodies retry with jittered backoff and
  resume (a malformed answer, the host breaking HTTP, is tried once more only); a
  refused or expired link is refreshed in batches (``refresher``); an HTML page is never
  saved; a full disk stops the run with ``DiskFullError``, keeping the partial files.
  Every sentence a user may see is in ``messages``.
* **Links asked for.** Only for files without a usable link that the folder's manifest
  does not vouch for (``skip``); ``linkneeds.link_needs`` says which before a run starts,
  reading the folder but writing nothing into it, so the quota preview
  (``core.download_run``) counts the same files.
* **Control and progress.** ``pause``/``resume``/``cancel``; ``on_progress`` gets plain
  data (``records``) at most every ``progress_interval`` seconds (``progress``).

``docs/ARCHITECTURE.md`` places the engine among the rest of the program. Signed links are
never logged whole (``httpchecks.safe_url``).
"""

from typing import TYPE_CHECKING

from tcb_gui.core.downloads import messages
from tcb_gui.core.downloads.engine import (
    CHECKSUM_RETRIES,
    MANIFEST_SAVE_SECONDS,
    MAX_LINK_REFRESHES,
    MAX_REDIRECTS,
    SMALL_FILE_BYTES,
    Downloader,
)
from tcb_gui.core.downloads.files import (
    DISK_FULL_ERRNOS,
    SIDECAR_SUFFIX,
    FileOps,
    PartFile,
    sidecar_path,
)
from tcb_gui.core.downloads.httpchecks import (
    HTML_EXTENSIONS,
    SNIFF_BYTES,
    html_refusal,
    protect_dot_segments,
    safe_url,
)
from tcb_gui.core.downloads.integrity import CRC64_HEADER
from tcb_gui.core.downloads.linkneeds import LINK_EXPIRY_MARGIN, LinkNeeds, link_needs
from tcb_gui.core.downloads.manifest import (
    LEGACY_MANIFEST_NAME,
    MANIFEST_NAME,
    MANIFEST_VERSION,
    STATE_DIR_NAME,
    manifest_path,
)
from tcb_gui.core.downloads.progress import DEFAULT_PROGRESS_INTERVAL, SPEED_WINDOW_SECONDS
from tcb_gui.core.downloads.records import (
    DEFAULT_CHUNK_SIZE,
    DEFAULT_DOWNLOAD_CONCURRENCY,
    DOWNLOAD_RETRY,
    MAX_DOWNLOAD_CONCURRENCY,
    MIN_DOWNLOAD_CONCURRENCY,
    MIN_PROGRESS_BYTES,
    STALL_SECONDS,
    DiskFullError,
    DownloadOptions,
    DownloadOutcome,
    FileProgress,
    FileState,
    FolderBusyError,
    Integrity,
    Layout,
    OnExists,
    ProgressCallback,
    RefreshLinks,
    TotalProgress,
)
from tcb_gui.core.downloads.refresher import (
    REFRESH_BATCH,
    REFRESH_COALESCE_SECONDS,
    REFRESH_CONCURRENCY,
)

if TYPE_CHECKING:
    from tcb_gui.core.downloads.verify import VerifyResult, VerifyState, verify_folder

# The part file under its old private name: tests outside this package patch its methods.
_PartFile = PartFile
_FROM_VERIFY = frozenset({"VerifyResult", "VerifyState", "verify_folder"})


def __getattr__(name: str) -> object:
    """``verify``'s names, imported when first asked for: a download run does not need
    them, so ``tcb-gui download`` starts without them."""
    if name in _FROM_VERIFY:
        from tcb_gui.core.downloads import verify

        value = getattr(verify, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "CHECKSUM_RETRIES",
    "CRC64_HEADER",
    "DEFAULT_CHUNK_SIZE",
    "DEFAULT_DOWNLOAD_CONCURRENCY",
    "DEFAULT_PROGRESS_INTERVAL",
    "DISK_FULL_ERRNOS",
    "DOWNLOAD_RETRY",
    "HTML_EXTENSIONS",
    "LEGACY_MANIFEST_NAME",
    "LINK_EXPIRY_MARGIN",
    "MANIFEST_NAME",
    "MANIFEST_SAVE_SECONDS",
    "MANIFEST_VERSION",
    "MAX_DOWNLOAD_CONCURRENCY",
    "MAX_LINK_REFRESHES",
    "MAX_REDIRECTS",
    "MIN_DOWNLOAD_CONCURRENCY",
    "MIN_PROGRESS_BYTES",
    "REFRESH_BATCH",
    "REFRESH_COALESCE_SECONDS",
    "REFRESH_CONCURRENCY",
    "SIDECAR_SUFFIX",
    "SMALL_FILE_BYTES",
    "SNIFF_BYTES",
    "SPEED_WINDOW_SECONDS",
    "STALL_SECONDS",
    "STATE_DIR_NAME",
    "DiskFullError",
    "DownloadOptions",
    "DownloadOutcome",
    "Downloader",
    "FileOps",
    "FileProgress",
    "FileState",
    "FolderBusyError",
    "Integrity",
    "Layout",
    "LinkNeeds",
    "OnExists",
    "PartFile",
    "ProgressCallback",
    "RefreshLinks",
    "TotalProgress",
    "VerifyResult",
    "VerifyState",
    "html_refusal",
    "link_needs",
    "manifest_path",
    "messages",
    "protect_dot_segments",
    "safe_url",
    "sidecar_path",
    "verify_folder",
]
