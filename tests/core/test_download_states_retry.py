"""Which failed downloads a retry of failed files takes (``retry_can_help``, core's one
rule): all but the service's last word on the file. What the operator can fix outside the
app (the quota, the allowlist, the folder, the disk, the network) is taken."""

from __future__ import annotations

from pathlib import Path

import pytest

from tcb_gui.core.client import LinkResult, TcbClient, make_http_client
from tcb_gui.core.download_run import DownloadRun, no_link_yet
from tcb_gui.core.download_states import retry_can_help
from tcb_gui.core.downloads import DownloadOptions
from tcb_gui.core.errors import ErrorKind, classify_errcode
from tcb_gui.core.fileids import FileId, parse_fileid
from tcb_gui.demo import samples
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import DEMO_TOKEN


async def test_the_services_last_word_is_left_out_the_rest_taken(tmp_path: Path) -> None:
    missing = parse_fileid(samples.PROD.fileid("no/such/file.bin"))
    unknown = parse_fileid("cloud://nosuch-env-9z.nosuch-bucket/gen/size-4K/a.bin")
    known = parse_fileid(samples.PROD.fileid("gen/size-4K/b.bin"))
    answers: dict[FileId, LinkResult] = {}

    def heard(results: list[LinkResult]) -> None:
        answers.update((r.fileid, r) for r in results)

    with DemoServer() as server:
        async with make_http_client() as http:
            client = TcbClient(http, lambda: DEMO_TOKEN, base_url=server.base_url)
            links = [no_link_yet(f) for f in (missing, unknown, known)]
            run = DownloadRun(http, client, DownloadOptions(dest=tmp_path), links, on_links=heard)
            result = await run.run()

    gone, refused, saved = result.outcomes
    assert saved.ok
    assert gone.kind is ErrorKind.FILE  # the service's answer for the file
    assert not retry_can_help(gone.kind, gone.errmsg, answers.get(missing))
    assert refused.kind is ErrorKind.CONFIG  # errcode -501005: an environment it lacks
    assert not retry_can_help(refused.kind, refused.errmsg, answers.get(unknown))


@pytest.mark.parametrize(
    ("kind", "errmsg"),
    [
        (ErrorKind.CONFIG, classify_errcode(45009).message),  # today's quota: it resets
        (ErrorKind.CONFIG, classify_errcode(40164).message),  # the IP allowlist
        (ErrorKind.CONFIG, "Cannot write a.bin: Permission denied. Make /x writable for you"),
        (ErrorKind.CONFIG, "Cannot write a.bin: Read-only file system. Choose a download …"),
        (ErrorKind.NETWORK, "Network error: connection refused (gave up after 5 tries)"),
        (ErrorKind.FILE, "The file is not on the server (404 Not Found)"),  # the host's
        (ErrorKind.FILE, "Cannot write a.bin: Input/output error"),
        (None, ""),
    ],
)
def test_what_the_operator_can_fix_is_taken(kind: ErrorKind | None, errmsg: str) -> None:
    fileid = parse_fileid(samples.PROD.fileid("gen/size-4K/b.bin"))
    link = LinkResult(fileid, True, 0, "", "https://example.test/b.bin", None)
    assert retry_can_help(kind, errmsg, None)
    assert retry_can_help(kind, errmsg, link)
