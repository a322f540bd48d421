"""A file that failed for a reason a retry meets again is classed CONFIG (the set-up must
change) with words that say what to do: a folder that may not be written ("Permission
denied", "Operation not permitted", "Read-only file system") and an environment the
service does not know (errcode -501005). Both came as FILE / REQUEST, which the window
offered "Retry failed downloads … to try it again" for, and the command line's report
said only "Cannot write a.bin: Permission denied"."""

from __future__ import annotations

import errno
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tcb_gui.core.client import LinkResult, TcbClient, make_http_client
from tcb_gui.core.download_run import DownloadRun, no_link_yet
from tcb_gui.core.downloads import Downloader, DownloadOptions
from tcb_gui.core.errors import ErrorKind, classify_errcode, refused_errcode
from tcb_gui.core.exit_status import ExitStatus
from tcb_gui.core.fileids import parse_fileid
from tcb_gui.demo import samples
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import DEMO_TOKEN
from tests.core.test_downloads import FAST_RETRY, FakeCdn, Refresher, Refusing, good


@pytest.fixture
def cdn() -> FakeCdn:
    return FakeCdn()


@pytest.fixture
async def http(cdn: FakeCdn) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.MockTransport(cdn.handler)) as client:
        yield client


async def refused_by_the_folder(
    http: httpx.AsyncClient, cdn: FakeCdn, dest: Path, error: OSError
) -> tuple[bool, ErrorKind | None, str]:
    cdn.add("sub/a.bin", 2_000_000)  # a .part from the first byte
    options = DownloadOptions(dest=dest, retry=FAST_RETRY)
    downloader = Downloader(http, Refresher(cdn), options, files=Refusing(error))
    (outcome,) = await downloader.run([good(cdn, "sub/a.bin")])
    assert outcome.report()["errmsg"] == outcome.errmsg  # the command line's words
    return outcome.ok, outcome.kind, outcome.errmsg


@pytest.mark.parametrize(
    "error",
    [
        PermissionError(errno.EACCES, "Permission denied"),
        PermissionError(errno.EPERM, "Operation not permitted"),
    ],
)
async def test_a_folder_that_may_not_be_written_says_what_to_do(
    http: httpx.AsyncClient, cdn: FakeCdn, tmp_path: Path, error: OSError
) -> None:
    dest = tmp_path / "out"
    ok, kind, errmsg = await refused_by_the_folder(http, cdn, dest, error)
    assert not ok
    assert kind is ErrorKind.CONFIG
    folder = dest / "env-a" / "sub"
    assert errmsg == (
        f"Cannot write a.bin: {error.strerror}. Make {folder} writable for you, or choose "
        "another download folder."
    )


async def test_a_read_only_disk_says_to_choose_another_folder(
    http: httpx.AsyncClient, cdn: FakeCdn, tmp_path: Path
) -> None:
    error = OSError(errno.EROFS, "Read-only file system")
    ok, kind, errmsg = await refused_by_the_folder(http, cdn, tmp_path / "out", error)
    assert not ok
    assert kind is ErrorKind.CONFIG
    assert errmsg == (
        "Cannot write a.bin: Read-only file system. Choose a download folder on a disk that "
        "can be written to."
    )


async def test_another_write_error_may_pass_and_keeps_its_kind(
    http: httpx.AsyncClient, cdn: FakeCdn, tmp_path: Path
) -> None:
    error = OSError(errno.EIO, "Input/output error")
    ok, kind, errmsg = await refused_by_the_folder(http, cdn, tmp_path / "out", error)
    assert (ok, kind, errmsg) == (False, ErrorKind.FILE, "Cannot write a.bin: Input/output error")


async def refused_with(code: int, detail: str = "") -> LinkResult:
    """A file of a batch the service refused with ``code``, as the client gives it."""

    def service(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"errcode": code, "errmsg": detail})

    fileid = parse_fileid("cloud://nosuch-env.bucket/a.bin")
    async with httpx.AsyncClient(transport=httpx.MockTransport(service)) as http:
        client = TcbClient(http, lambda: DEMO_TOKEN, retry=FAST_RETRY)
        (result,) = await client.resolve_all([fileid])
    return result


@pytest.mark.parametrize("code", [-501005, -501009])
@pytest.mark.parametrize("detail", ["", "env not exists rid: 1"])
async def test_a_refusal_that_comes_again_whatever_the_moment_is_config(
    code: int, detail: str
) -> None:
    result = await refused_with(code, detail)
    assert not result.ok
    assert result.kind is ErrorKind.CONFIG
    assert refused_errcode(result.errmsg) == code
    assert result.errmsg.startswith(classify_errcode(code).message)


async def test_other_refusals_keep_their_kind() -> None:
    invalid = await refused_with(40097, "invalid args")  # a bad ID: the rest may pass alone
    assert invalid.kind is ErrorKind.REQUEST
    assert refused_errcode("File does not exist") is None


async def test_an_environment_the_service_does_not_know_is_not_worth_a_retry(
    tmp_path: Path,
) -> None:
    # The demo answers a batch of an environment it does not have with -501005.
    unknown = parse_fileid("cloud://nosuch-env-9z.nosuch-bucket/gen/size-4K/a.bin")
    known = parse_fileid(samples.PROD.fileid("gen/size-4K/b.bin"))
    with DemoServer() as server:
        async with make_http_client() as http:
            client = TcbClient(http, lambda: DEMO_TOKEN, base_url=server.base_url)
            links = [no_link_yet(unknown), no_link_yet(known)]
            result = await DownloadRun(http, client, DownloadOptions(dest=tmp_path), links).run()

    refused, saved = result.outcomes
    assert saved.ok
    assert refused.kind is ErrorKind.CONFIG
    assert "Check the env part of the IDs" in refused.report()["errmsg"]
    assert "(errcode -501005" in refused.errmsg
    assert result.exit_status is ExitStatus.SOME_FAILED  # as before: a file failed
