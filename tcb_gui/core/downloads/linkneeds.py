"""Which files a download asks the service a link for, known before it starts.

The engine (``engine.Downloader.run``) asks for links in two rounds as it starts, each
sent as full batches per environment (``refresher``):

1. at once, every file without a usable link (none, a failed answer other than the
   file's own, or one about to expire) that the folder's manifest does not know;
2. once the files are named (the plan), those of the rest whose copy the manifest no
   longer vouches for (moved, changed, or its name taken by another file of the run).

A file the manifest vouches for is skipped with no request; a file whose link is still
good, or that the service already said does not exist or may not be read, needs none.

``link_needs`` works the two rounds out reading the folder only: it reads the manifest
and looks at the files it names (``lstat``), and creates, locks and writes nothing, so a
run refused on its quota leaves no trace. It is blocking: run it in a worker thread. The
plan's naming is followed with the platform's usual case rule (the run probes the folder
itself, with a temporary file this must not write), so on an unusual file system a name
clash may be counted differently; and links that expire or are refused during the run
are asked for again, on top of this count.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Final, NamedTuple

from tcb_gui.core import paths
from tcb_gui.core.client import LinkResult
from tcb_gui.core.downloads.files import FileOps, variant
from tcb_gui.core.downloads.httpchecks import link_query_expiry
from tcb_gui.core.downloads.manifest import STATE_DIR_NAME, Manifest
from tcb_gui.core.downloads.records import DownloadOptions, Layout, OnExists
from tcb_gui.core.errors import ErrorKind
from tcb_gui.core.fileids import FileId

# A link this close to its expiry is refreshed before use rather than after a 403.
LINK_EXPIRY_MARGIN: Final = timedelta(seconds=60)


def expiring(
    link: LinkResult | None, url: str, now: datetime, expiries: dict[str, datetime | None]
) -> bool:
    """Whether ``url`` (``link``'s, or one it redirected to) expires within the margin:
    by the link's own expiry, or by the ``t=`` in its query (``expiries`` caches those)."""
    if (
        link is not None
        and link.expires_at is not None
        and link.expires_at - LINK_EXPIRY_MARGIN <= now
    ):
        return True
    try:
        expiry = expiries[url]
    except KeyError:
        expiry = expiries[url] = link_query_expiry(url)
    return expiry is not None and expiry <= now


def needs_link(
    link: LinkResult | None, now: datetime, expiries: dict[str, datetime | None]
) -> bool:
    """Whether a file starting from ``link`` must ask the service for one first."""
    if link is None or not link.ok or not link.download_url:
        return True
    return expiring(link, link.download_url, now, expiries)


def dead_link(link: LinkResult | None) -> bool:
    """A per-file answer (e.g. "file does not exist"): asking again would not help."""
    return link is not None and not link.ok and link.kind is ErrorKind.FILE


class LinkNeeds(NamedTuple):
    """The files a run asks a link for as it starts, in the engine's two rounds."""

    first: tuple[FileId, ...]  # asked at once: unknown to the folder's manifest
    after_plan: tuple[FileId, ...]  # known to it, but no longer vouched for

    @property
    def ids(self) -> tuple[FileId, ...]:
        return self.first + self.after_plan


def wanting_links(items: Sequence[LinkResult], now: datetime | None = None) -> list[FileId]:
    """The files of ``items`` without a usable link, before the folder is looked at: what
    a run asks for at the most (files complete in the folder take some off)."""
    at = now if now is not None else datetime.now(UTC)
    expiries: dict[str, datetime | None] = {}
    return [i.fileid for i in items if needs_link(i, at, expiries) and not dead_link(i)]


def link_needs(
    items: Sequence[LinkResult], options: DownloadOptions, *, now: datetime | None = None
) -> LinkNeeds:
    """What a run of ``items`` into ``options.dest`` asks links for as it starts (see the
    module docstring); read-only and blocking."""
    wanted = wanting_links(items, now)
    if not wanted or options.on_exists is not OnExists.SKIP:
        return LinkNeeds(tuple(wanted), ())  # only "skip" trusts the manifest
    manifest = Manifest(options.dest, FileOps())
    manifest.load()  # reads; a folder that is not there has none
    known = manifest.entries
    first = tuple(f for f in wanted if f.raw not in known)
    if len(first) == len(wanted):
        return LinkNeeds(first, ())
    maybe = {f.raw for f in wanted if f.raw in known}
    # The plan, in input order over every file (a file with a link takes a name too).
    folder = paths.ConfinedFolder(options.dest)
    layout: paths.Layout = "flat" if options.layout is Layout.FLAT else "tree"
    fold = paths.default_case_insensitive()
    taken = {paths.path_key(options.dest / STATE_DIR_NAME, case_insensitive=fold)}
    after: list[FileId] = []
    for item in items:
        fid = item.fileid
        try:
            target = folder.target_for(paths.relative_path_for(fid.env, fid.key, layout))
        except paths.UnsafePathError:
            continue  # the plan fails it
        vouched = manifest.vouched(fid, target)
        if vouched is not None:
            key = paths.path_key(vouched[0], case_insensitive=fold)
            if key not in taken:
                taken.add(key)
                continue
        n, candidate = 0, target
        while paths.path_key(candidate, case_insensitive=fold) in taken:
            n += 1
            candidate = variant(target, n)
        taken.add(paths.path_key(candidate, case_insensitive=fold))
        if fid.raw in maybe:
            after.append(fid)
    return LinkNeeds(first, tuple(after))
