"""core/trace_file: the --trace writer (lines as they happen, never a secret), the ring
buffer's bound, "Copy as curl" as a shell reads it, and the plain words of answers."""

from __future__ import annotations

import json
import subprocess
import threading
from pathlib import Path

import pytest

from tcb_gui.core import tokens
from tcb_gui.core.redact import register_secret
from tcb_gui.core.trace import CallKind, Outcome, TraceEvent, TraceHub
from tcb_gui.core.trace_file import (
    MAX_EVENTS,
    SECRET_VARIABLE,
    TOKEN_VARIABLE,
    TraceBuffer,
    TraceWriter,
    curl_command,
    explain,
    read_trace,
    reported_ip,
    trace_line,
    write_trace,
)

TOKEN = "tok-5ecret-ACCESS-0123456789"
SECRET = "abcdef0123456789abcdef0123456789"
SIGN = "9f8e7d6c5b4a39281706f5e4d3c2b1a0"
BASE = "https://api.weixin.qq.com"


def api_event(**changes: object) -> TraceEvent:
    fields: dict[str, object] = {
        "time": 1_700_000_000.0,
        "kind": CallKind.API,
        "method": "POST",
        "endpoint": "/tcb/batchdownloadfile",
        "url": f"{BASE}/tcb/batchdownloadfile?access_token=***",
        "attempt": 1,
        "outcome": Outcome.OK,
        "duration_ms": 12.345,
        "env": "prod-1a2b",
        "ids": 2,
        "http_status": 200,
        "errcode": 0,
        "body": json.dumps(
            {
                "env": "prod-1a2b",
                "file_list": [
                    {"fileid": 'cloud://prod-1a2b.7072/a b/$HOME `x` "q" 图.png', "max_age": 7200}
                ],
            },
            ensure_ascii=False,
        ),
    }
    fields.update(changes)
    return TraceEvent(**fields)  # type: ignore[arg-type]


def test_variables_are_the_ones_the_app_reads() -> None:
    assert TOKEN_VARIABLE == tokens.TOKEN_ENV
    assert SECRET_VARIABLE == tokens.APP_SECRET_ENV


def test_lines_reach_the_file_as_they_happen(tmp_path: Path) -> None:
    path = tmp_path / "trace.jsonl"
    hub = TraceHub()
    writer = TraceWriter(path)
    hub.add(writer)
    hub.emit(api_event())
    hub.emit(api_event(attempt=2, outcome=Outcome.RETRY, http_status=502, errcode=None))
    # Still open: both lines are already in the file (line-buffered).
    records = read_trace(path)
    writer.close()
    assert [r["attempt"] for r in records] == [1, 2]
    first = records[0]
    assert first["kind"] == "api"
    assert first["outcome"] == "ok"
    assert first["duration_ms"] == 12.3
    for field in ("time", "method", "endpoint", "url", "env", "ids", "http_status", "errcode"):
        assert field in first
    assert writer.lines == 2
    hub.emit(api_event())  # after close: ignored, never raised
    assert len(read_trace(path)) == 2


def test_an_unwritable_path_fails_when_the_writer_is_made(tmp_path: Path) -> None:
    with pytest.raises(OSError, match="No such file"):
        TraceWriter(tmp_path / "missing" / "trace.jsonl")
    with pytest.raises(IsADirectoryError):
        TraceWriter(tmp_path)


def test_no_secret_in_a_line_even_if_an_event_carries_one() -> None:
    register_secret(TOKEN)
    register_secret(SECRET)
    leaky = api_event(
        kind=CallKind.TOKEN,
        endpoint="/cgi-bin/stable_token",
        url=f"{BASE}/cgi-bin/stable_token?access_token={TOKEN}",
        errmsg=f"echoed {TOKEN} and {SECRET}",
        body=json.dumps({"appid": "wx0123456789abcdef", "secret": "unregistered-secret-xyz"}),
    )
    line = trace_line(leaky)
    for secret in (TOKEN, SECRET, "unregistered-secret-xyz"):
        assert secret not in line
    assert '"appid":"wx0123456789abcdef"' in json.loads(line)["body"].replace(" ", "")
    link = api_event(kind=CallKind.FILE, url=f"http://h/download/b/k.png?sign={SIGN}&t=1700007200")
    assert SIGN not in trace_line(link)


def test_write_and_read_back(tmp_path: Path) -> None:
    events = [api_event(attempt=n) for n in range(1, 4)]
    assert write_trace(tmp_path / "t.jsonl", events) == 3
    assert [r["attempt"] for r in read_trace(tmp_path / "t.jsonl")] == [1, 2, 3]


# -- the ring buffer -----------------------------------------------------------------------


def test_the_buffer_keeps_only_the_newest() -> None:
    buffer = TraceBuffer()
    for n in range(20_000):
        buffer(api_event(attempt=n))
    assert len(buffer) == MAX_EVENTS
    assert buffer.total == 20_000
    held = buffer.events()
    assert held[0].attempt == 20_000 - MAX_EVENTS
    assert held[-1].attempt == 19_999


def test_since_gives_what_arrived_after_a_reader_looked() -> None:
    buffer = TraceBuffer(maxlen=10)
    for n in range(4):
        buffer(api_event(attempt=n))
    new, seen = buffer.since(0)
    assert ([e.attempt for e in new], seen) == ([0, 1, 2, 3], 4)
    for n in range(4, 30):
        buffer(api_event(attempt=n))
    new, seen = buffer.since(seen)  # more arrived than the buffer holds: the newest 10
    assert ([e.attempt for e in new], seen) == (list(range(20, 30)), 30)
    assert buffer.since(seen) == ([], 30)


def test_the_buffer_takes_events_from_several_threads() -> None:
    buffer = TraceBuffer(maxlen=100)

    def feed() -> None:
        for n in range(1000):
            buffer(api_event(attempt=n))

    threads = [threading.Thread(target=feed) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (buffer.total, len(buffer)) == (4000, 100)


# -- copy as curl --------------------------------------------------------------------------


def shell_words(command: str, **variables: str) -> list[str]:
    """The argv a POSIX shell makes of ``command`` (curl replaced by printf)."""
    script = 'eval "set -- $CMD"; printf "%s\\0" "$@"'
    env = {"PATH": "/usr/bin:/bin", "CMD": command.split("\n")[-1], **variables}
    out = subprocess.run(["sh", "-c", script], env=env, capture_output=True, check=True)
    return out.stdout.decode("utf-8").split("\0")[:-1]


def test_curl_for_an_api_call_takes_the_token_from_the_environment() -> None:
    event = api_event()
    command = curl_command(event)
    assert "${TCB_ACCESS_TOKEN}" in command
    assert "***" not in command
    words = shell_words(command, TCB_ACCESS_TOKEN="tok-from-env")
    assert words[:4] == ["curl", "-sS", "-X", "POST"]
    assert words[4] == f"{BASE}/tcb/batchdownloadfile?access_token=tok-from-env"
    assert words[5:7] == ["-H", "Content-Type: application/json"]
    assert words[7] == "--data-raw"
    assert json.loads(words[8]) == json.loads(event.body or "")  # $, `, " and 图 intact


def test_curl_adds_the_token_when_the_url_lost_it() -> None:
    command = curl_command(api_event(url=f"{BASE}/cgi-bin/openapi/quota/get"))
    words = shell_words(command, TCB_ACCESS_TOKEN="t")
    assert words[4] == f"{BASE}/cgi-bin/openapi/quota/get?access_token=t"


def test_curl_for_stable_token_takes_the_appsecret_from_the_environment() -> None:
    body = json.dumps(
        {"grant_type": "client_credential", "appid": "wx0123456789abcdef", "secret": "***"}
    )
    event = api_event(
        kind=CallKind.TOKEN,
        endpoint="/cgi-bin/stable_token",
        url=f"{BASE}/cgi-bin/stable_token",
        body=body,
    )
    command = curl_command(event)
    assert "access_token" not in command
    words = shell_words(command, TCB_APP_SECRET="from-env")
    assert json.loads(words[-1])["secret"] == "from-env"
    assert json.loads(words[-1])["appid"] == "wx0123456789abcdef"


def test_curl_for_a_file_keeps_no_signature() -> None:
    event = api_event(
        kind=CallKind.FILE,
        method="GET",
        url=f"http://127.0.0.1:1/download/b/a b.png?sign={SIGN}&t=1",
        body=None,
    )
    command = curl_command(event)
    assert SIGN not in command
    assert command.startswith("# The link's signature is not kept")
    assert shell_words(command)[:3] == ["curl", "-sS", "-O"]


def pasted_into_bash(command: str, cwd: Path, **variables: str) -> list[str]:
    """The argv curl gets when ``command`` is pasted into an interactive bash: history
    expansion on (``!!``, ``!#``), as it is by default there; curl is a function that
    prints its arguments (not its own name)."""
    script = (
        "set -o history -H\n"
        "echo an-earlier-command\n"
        'curl() { printf "%s\\0" "$@"; }\n'
        f"{command.splitlines()[-1]}\n"
    )
    env = {"PATH": "/usr/bin:/bin", **variables}
    out = subprocess.run(
        ["bash", "--norc", "--noprofile"],
        input=script.encode(),
        env=env,
        cwd=cwd,
        capture_output=True,
        check=True,
    )
    return out.stdout.decode("utf-8").removeprefix("an-earlier-command\n").split("\0")[:-1]


@pytest.mark.parametrize(
    "key",
    ["x!#;touch pwned;#", "a!!b", 'it\'s !$ `date` $(date) \\ "q" 图.png'],
)
def test_curl_pasted_into_an_interactive_bash_runs_nothing_from_a_key(
    tmp_path: Path, key: str
) -> None:
    body = json.dumps({"env": "e", "file_list": [{"fileid": f"cloud://e.b/{key}", "max_age": 1}]})
    command = curl_command(api_event(body=body))
    words = pasted_into_bash(command, tmp_path, TCB_ACCESS_TOKEN="tok")
    assert list(tmp_path.iterdir()) == []  # "touch pwned" did not run
    assert words[3] == f"{BASE}/tcb/batchdownloadfile?access_token=tok"
    assert json.loads(words[7]) == json.loads(body)
    file_event = api_event(
        kind=CallKind.FILE, method="GET", url=f"http://127.0.0.1:1/d/{key}?t=1", body=None
    )
    assert pasted_into_bash(curl_command(file_event), tmp_path)[2] == file_event.url


# -- plain words ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "words", "section"),
    [
        (
            {"errcode": 40164, "errmsg": "invalid ip 203.0.113.7 ipv6 ::ffff:203.0.113.7, no"},
            "The service saw the address 203.0.113.7",
            "#error-codes",
        ),
        (
            {"errcode": 76022, "endpoint": "/cgi-bin/openapi/quota/get"},
            "component_access_token goes with componenttcb/",
            "#quota",
        ),
        ({"errcode": 48001}, "A component_access_token works only with componenttcb", "#tokens"),
        ({"errcode": 42001}, "tokens live 2 hours", "#tokens"),
        ({"errcode": 45009}, "quota for this account is used up", "#error-codes"),
        ({"errcode": 40125, "kind": CallKind.TOKEN}, "rejected the AppSecret", "#error-codes"),
        ({"errcode": None, "http_status": 502}, "HTTP 502: busy or failing", "#error-codes"),
        (
            {"errcode": None, "http_status": None, "outcome": Outcome.RETRY, "errmsg": "boom"},
            "No answer from the service (boom)",
            "#error-codes",
        ),
        ({"kind": CallKind.FILE, "errcode": None, "http_status": 403}, "expired", "#downloads"),
    ],
)
def test_answers_in_plain_words(changes: dict[str, object], words: str, section: str) -> None:
    explanation = explain(api_event(**changes))
    assert explanation is not None
    assert words in explanation.text
    assert explanation.section == section  # a heading of Help ▸ Service notes


def test_every_section_named_exists_in_the_docs() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "WECHAT_API.md").read_text("utf-8")
    for anchor in ("error-codes", "quota", "tokens", "downloads", "endpoints"):
        assert f"`#{anchor}`" in docs


def test_a_garbled_answer_says_whether_it_is_tried_again() -> None:
    cut = {"errcode": None, "http_status": 200, "errmsg": "The service sent a cut answer"}
    retried = explain(api_event(outcome=Outcome.RETRY, **cut))
    last = explain(api_event(outcome=Outcome.GAVE_UP, **cut))
    assert retried is not None
    assert last is not None
    assert retried.text == "The service sent a cut answer. It is tried again."
    assert last.text == "The service sent a cut answer. That was its last try."


def test_a_plain_success_needs_no_words() -> None:
    assert explain(api_event()) is None
    assert explain(api_event(kind=CallKind.FILE, http_status=206, errcode=None)) is None


def test_the_address_in_a_40164_errmsg() -> None:
    assert reported_ip("invalid ip 1.2.3.4 ipv6 ::ffff:1.2.3.4, not in whitelist rid: x") == (
        "1.2.3.4"
    )
    assert reported_ip("invalid ip 2001:db8::1, not in whitelist") == "2001:db8::1"
    assert reported_ip("something else") is None
    assert reported_ip(None) is None


@pytest.mark.parametrize("words", ["Paused", "Cancelled"])
def test_a_call_left_on_the_operator_s_word_is_no_failure_to_explain(words: str) -> None:
    # A paused download's call read "No answer from the service (CancelledError). Check
    # the network, the base URL and any proxy": the network was fine, the operator paused.
    for http_status in (None, 200):
        left = api_event(
            kind=CallKind.FILE,
            method="GET",
            errcode=None,
            http_status=http_status,
            outcome=Outcome.CANCELLED,
            errmsg=words,
        )
        assert explain(left) is None
        assert json.loads(trace_line(left))["outcome"] == "cancelled"


_FULL_DISK_PROBE = """
import json, resource, sys
from pathlib import Path
from tcb_gui.core.trace import CallKind, Outcome, TraceEvent
from tcb_gui.core.trace_file import TraceWriter, read_trace

path = Path(sys.argv[1])
writer = TraceWriter(path)
# The file may grow to 1,000 bytes (Python ignores SIGXFSZ: the write fails with EFBIG),
# as a disk that fills up mid-line would have it.
resource.setrlimit(resource.RLIMIT_FSIZE, (1000, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
for attempt in range(1, 50):
    writer(TraceEvent(time=1.0, kind=CallKind.API, method="POST", endpoint="/e",
                      url="https://h/e", attempt=attempt, outcome=Outcome.OK, duration_ms=1.0))
writer.close()
print(json.dumps({"lines": writer.lines, "error": type(writer.error).__name__,
                  "size": path.stat().st_size,
                  "attempts": [r["attempt"] for r in read_trace(path)]}))
"""


def test_a_trace_cut_by_a_full_disk_keeps_whole_lines_only(tmp_path: Path) -> None:
    """The write that fails mid-line is taken back: `--trace` then says the trace stopped
    after N lines, and the file holds exactly those N lines, each one JSON document."""
    from tests.probe import run_probe

    path = tmp_path / "trace.jsonl"
    seen = json.loads(run_probe(_FULL_DISK_PROBE, str(path)))
    assert seen["error"] == "OSError" or seen["error"].endswith("Error")
    assert 1 <= seen["lines"] < 49
    assert seen["attempts"] == list(range(1, seen["lines"] + 1))
    assert path.read_bytes().endswith(b"\n")
    assert seen["size"] < 1000
