"""A download that could not start leaves the saved download list as it found it.

Bug: a run into a folder another run held (or one that could not be made) saved its own
list over the unfinished one of an earlier time, then cleared it: after a restart nothing
was offered, though no file had been touched.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tcb_gui.core.client import TcbClient
from tcb_gui.core.download_run import DownloadRun, no_link_yet
from tcb_gui.core.download_session import DownloadSession, SessionStore
from tcb_gui.core.downloads import DownloadOptions, FolderBusyError
from tcb_gui.core.errors import ErrorKind, InputError
from tcb_gui.core.fileids import parse_fileid
from tcb_gui.demo import samples
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import DEMO_TOKEN


def ids(prefix: str, n: int) -> list[str]:
    return [samples.PROD.fileid(f"gen/{prefix}-{i}.bin") for i in range(n)]


def a_run(
    http: httpx.AsyncClient, server: DemoServer, dest: Path, store: SessionStore
) -> DownloadRun:
    client = TcbClient(http, lambda: DEMO_TOKEN, base_url=server.base_url)
    links = [no_link_yet(parse_fileid(f)) for f in ids("new", 3)]
    return DownloadRun(http, client, DownloadOptions(dest=dest), links, store=store)


def earlier_list(tmp_path: Path) -> DownloadSession:
    return DownloadSession.start(DownloadOptions(dest=tmp_path / "earlier"), ids("old", 2))


async def test_a_folder_another_run_holds_keeps_the_earlier_list(
    http: httpx.AsyncClient, demo_server: DemoServer, held: Path, tmp_path: Path
) -> None:
    store = SessionStore(tmp_path / "downloads.json")
    earlier = earlier_list(tmp_path)
    store.save(earlier)
    with pytest.raises(FolderBusyError) as refused:
        await a_run(http, demo_server, held, store).run()
    assert refused.value.kind is ErrorKind.INPUT
    kept = store.load()
    assert kept is not None
    assert (kept.dest, kept.files) == (earlier.dest, earlier.files)
    assert not demo_server.state.stats.downloads


async def test_a_run_that_did_not_start_leaves_no_list_of_its_own(
    http: httpx.AsyncClient, demo_server: DemoServer, held: Path, tmp_path: Path
) -> None:
    store = SessionStore(tmp_path / "downloads.json")
    with pytest.raises(FolderBusyError):
        await a_run(http, demo_server, held, store).run()
    assert store.load() is None  # nothing to offer after a restart: nothing began


async def test_a_folder_that_cannot_be_made_keeps_the_earlier_list(
    http: httpx.AsyncClient, demo_server: DemoServer, tmp_path: Path
) -> None:
    store = SessionStore(tmp_path / "downloads.json")
    earlier = earlier_list(tmp_path)
    store.save(earlier)
    in_the_way = tmp_path / "a-file"
    in_the_way.write_bytes(b"x")
    with pytest.raises(InputError):
        await a_run(http, demo_server, in_the_way / "sub", store).run()
    kept = store.load()
    assert kept is not None
    assert kept.files == earlier.files
