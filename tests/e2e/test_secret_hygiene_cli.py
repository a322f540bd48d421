"""Secret hygiene on the command line (issue 6, item 4; the window's half lives elsewhere).

A distinctive token goes through every command-line flow — ``token set``, ``token
check``, ``resolve``, ``download``, ``token clear`` — with ``--verbose`` where the command
has it and the root logger at DEBUG (httpx and httpcore included) captured in memory and
in a log file. The token, percent-encoded or raw, and its first and last 8 characters,
must then be in no output, no log record, no file under ``TCB_GUI_HOME`` (config, data,
cache, state: all walked, binary-safe, UTF-8 and UTF-16), no output or report file and no
exception text. The same with a token the service rejects (invalid, expired), with a
service that echoes the token back in its error messages, in a real process whose token
lives in a real Secret Service, and when there is no keyring at all.
"""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import time
import traceback
from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail

from tcb_gui import cli, cli_download
from tcb_gui.core.client import RetryPolicy, TcbClient, make_http_client
from tcb_gui.core.errors import TcbError
from tcb_gui.core.fileids import parse_fileid
from tcb_gui.core.tokens import KEYRING_SERVICE
from tcb_gui.demo import samples
from tcb_gui.demo.server import DemoServer
from tests.core.test_secret_service import _items as secret_service_items
from tests.core.test_secret_service import secret_service_bus  # noqa: F401
from tests.e2e.cli_helpers import (
    REPO,
    SUBPROCESS_TIMEOUT_S,
    CliRun,
    id_lines,
    run_cli,
    subprocess_env,
)

# The private D-Bus + gnome-keyring fixture of the token store's own tests, reused.
from tests.log_capture import LogCapture
from tests.memory_keyring import MemoryKeyring

# Distinctive, in the shape of a base64 token: '+', '/' and '=' change when the token is
# percent-encoded into the query string, so both forms can be told apart.
TOKEN = "Qm4Zx8Lp+hyg/Tk9=e2eNq-Wy3Kd9Rt"
# A token the service does not know, and one the service knows but says has expired.
REJECTED = {
    "invalid": "Vb7Nc1Xs+inv/Tok=4Lk0Hd-Jm2Pq8Ew",
    "expired": "Ef5Gh6Jk+exp/Tok=9Mn3Bv-Cx1Zq7Ra",
}
# A base64 token whose padding follows the letters "sign" (any case): the redaction of
# ``sign=`` signatures in URLs must not eat it and leave the rest in plain sight.
SIGN_TOKEN = "Tr8Yu2Io+pAd/xSign=Kl4Jh6Gf3Ds"
PREFIX_CHARS = 8
ECHO_BASE_URL = "http://127.0.0.1:9"  # loopback; never reached (a MockTransport answers)
SECRET_SERVICE_BACKEND = "keyring.backends.SecretService.Keyring"
HTTP_LOGGERS = ("httpx", "httpcore")


def forms(token: str) -> dict[str, str]:
    """Every form of the token that must never show up."""
    return {
        "raw": token,
        "percent-encoded": quote(token, safe=""),
        "percent-encoded, '/' kept": quote(token, safe="/"),
        "first 8": token[:PREFIX_CHARS],
        "last 8": token[-PREFIX_CHARS:],
    }


def leaks_in_text(token: str, text: str) -> list[str]:
    return [name for name, form in forms(token).items() if form in text]


def leaks_in_files(token: str, roots: Iterable[Path]) -> list[tuple[str, str]]:
    """(path, form) for every file under ``roots`` holding a form of the token in its
    name or bytes (UTF-8 or UTF-16), symlinks not followed."""
    found = []
    for root in roots:
        for path in sorted(root.rglob("*")):
            is_file = path.is_file() and not path.is_symlink()
            data = path.read_bytes() if is_file else b""
            for name, form in forms(token).items():
                in_data = any(form.encode(codec) in data for codec in ("utf-8", "utf-16-le"))
                if in_data or form in path.name:
                    found.append((str(path), name))
    return found


def assert_no_trace(token: str, *, texts: Iterable[str] = (), roots: Iterable[Path] = ()) -> None:
    for index, text in enumerate(texts):
        assert not leaks_in_text(token, text), f"text #{index}: {leaks_in_text(token, text)}"
    assert not leaks_in_files(token, roots)


def files_in(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


# -- DEBUG logging of everything ---------------------------------------------------------------


@pytest.fixture
def debug_logs(monkeypatch: pytest.MonkeyPatch, isolated_home: Path) -> Iterator[LogCapture]:
    """Root, httpx and httpcore at DEBUG for every CLI run, kept in memory and written to a
    log file under TCB_GUI_HOME (as an operator debugging a problem would)."""
    configure = cli._configure_logging

    def debug_logging(stderr: object, *, verbose: bool) -> None:
        configure(stderr, verbose=verbose)  # type: ignore[arg-type]
        logging.getLogger().setLevel(logging.DEBUG)
        for name in HTTP_LOGGERS:
            logging.getLogger(name).setLevel(logging.DEBUG)

    monkeypatch.setattr(cli, "_configure_logging", debug_logging)
    levels = {name: logging.getLogger(name).level for name in HTTP_LOGGERS}
    root = logging.getLogger()
    capture = LogCapture()
    log_dir = isolated_home / "state"
    log_dir.mkdir(parents=True, exist_ok=True)
    to_file = logging.FileHandler(log_dir / "debug.log", encoding="utf-8")
    to_file.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    root.addHandler(capture)
    root.addHandler(to_file)
    try:
        yield capture
    finally:
        root.removeHandler(capture)
        root.removeHandler(to_file)
        to_file.close()
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


def gen_ids(count: int) -> list[str]:
    return [samples.PROD.fileid(f"gen/size-2K/hygiene {n}.bin") for n in range(count)]


# -- the flows with a good token ----------------------------------------------------------------


def test_every_flow_with_a_good_token_leaves_no_trace(
    demo_server: DemoServer,
    memory_keyring: MemoryKeyring,
    debug_logs: LogCapture,
    isolated_home: Path,
    tmp_path: Path,
) -> None:
    state = demo_server.state
    state.add_token(TOKEN, "component")
    base = ["--base-url", demo_server.base_url]
    ids = [*gen_ids(60), samples.TEST.fileid("图片/测试.png")]
    out, report, dest = tmp_path / "links.json", tmp_path / "report.json", tmp_path / "files"
    runs: list[CliRun] = []

    runs.append(run_cli(["token", "set", *base], stdin=f"{TOKEN}\n".encode(), token=None))
    assert runs[-1].code == 0, runs[-1].stderr
    assert memory_keyring.store == {(KEYRING_SERVICE, "default"): TOKEN}
    runs.append(run_cli(["token", "check", *base], token=None))
    assert runs[-1].code == 0, runs[-1].stderr
    # Retries, a dropped connection, a cut body and a refused link: every path that logs.
    state.script_faults("batchdownloadfile", ["html502", "drop", "truncated", "errcode-1"])
    resolve = ["resolve", *base, "--verbose", "--format", "json", "--output", str(out)]
    runs.append(run_cli(resolve, stdin=id_lines(ids), token=None))
    assert runs[-1].code == 0, runs[-1].stderr
    state.script_faults("download", ["403", "cut", "500", "html200"])
    download = ["download", *base, "--verbose", "--dest", str(dest), "--report", str(report)]
    runs.append(run_cli(download, stdin=id_lines(ids), token=None))
    assert runs[-1].code == 0, runs[-1].stderr
    # The token from the environment instead of the keyring, output on stdout.
    runs.append(run_cli(["resolve", *base, "--verbose"], stdin=id_lines(ids[:3]), token=TOKEN))
    assert runs[-1].code == 0, runs[-1].stderr
    runs.append(run_cli(["token", "clear", *base], token=None))
    assert runs[-1].code == 0, runs[-1].stderr
    assert memory_keyring.store == {}

    # The checks below look at something: requests were logged (redacted), in the file too.
    # (The command line's API calls are logged by core.httpclient, as httpx logs its own.)
    names = {"tcb_gui.core.httpclient", "tcb_gui.core.client", "tcb_gui.core.downloads"}
    assert names <= debug_logs.names
    # The command line's calls go over the run's own connections (core.wire), so httpcore
    # never logs here; the window's test sees httpcore's logs redacted.
    assert not any(name.startswith("httpcore.") for name in debug_logs.names)
    assert any("access_token=***" in text for text in debug_logs.texts)
    assert "access_token=***" in (isolated_home / "state" / "debug.log").read_text("utf-8")
    assert (isolated_home / "config" / "settings.json").is_file()  # token_saved_at
    assert len(files_in(dest)) == len(ids) + 1  # and the manifest
    assert_no_trace(
        TOKEN,
        texts=[run.printed for run in runs] + debug_logs.texts,
        roots=[isolated_home, tmp_path],
    )


# -- tokens the service rejects -----------------------------------------------------------------


@pytest.mark.parametrize("kind", ["invalid", "expired"])
def test_rejected_tokens_leave_no_trace(
    demo_server: DemoServer,
    memory_keyring: MemoryKeyring,
    debug_logs: LogCapture,
    isolated_home: Path,
    tmp_path: Path,
    kind: str,
) -> None:
    token = REJECTED[kind]
    if kind == "expired":
        demo_server.state.add_token(token, "component")
        demo_server.state.expire_token(token)
    base = ["--base-url", demo_server.base_url]
    ids = gen_ids(5)
    resolve = ["resolve", *base, "-v", "-o", str(tmp_path / "l.csv"), "--format", "csv"]
    download = ["download", *base, "-v", "--dest", str(tmp_path / "d")]
    download += ["--report", str(tmp_path / "r.json")]
    runs = [
        run_cli(resolve, stdin=id_lines(ids), token=token),
        run_cli(download, stdin=id_lines(ids), token=token),
        run_cli(["token", "check", *base], token=token),
        # Saved first, then checked: the check says it is rejected.
        run_cli(["token", "set", *base], stdin=token.encode(), token=None),
    ]
    assert [run.code for run in runs] == [3, 3, 3, 3], [run.stderr for run in runs]
    assert f"Token {kind}" in runs[2].stdout
    assert memory_keyring.store == {(KEYRING_SERVICE, "default"): token}
    # The requests were logged (redacted), so the logs below are worth searching.
    assert any("access_token=***" in text for text in debug_logs.texts)
    assert_no_trace(
        token,
        texts=[run.printed for run in runs] + debug_logs.texts,
        roots=[isolated_home, tmp_path],
    )


# -- a service that echoes the token ------------------------------------------------------------


def echoing_service(token: str, form: str, errcode: int) -> httpx.MockTransport:
    """Answers every call with ``errcode`` and an errmsg quoting the token it was sent."""
    echoed = token if form == "raw" else quote(token, safe="")

    def answer(request: httpx.Request) -> httpx.Response:
        sent = request.url.params.get("access_token")
        assert sent == token  # the client sent the token; the service repeats it
        errmsg = f"invalid args, hint: [token {echoed} rejected] rid: 6a1f-2c"
        return httpx.Response(200, json={"errcode": errcode, "errmsg": errmsg})

    return httpx.MockTransport(answer)


async def exception_texts(token: str, transport: httpx.MockTransport) -> list[str]:
    """Everything an exception raised by the client could show: str, repr, args, detail
    and the whole formatted chain."""
    async with make_http_client(transport=transport) as http:
        client = TcbClient(
            http,
            lambda: token,
            base_url=ECHO_BASE_URL,
            retry=RetryPolicy(base_delay=0.001, max_delay=0.001),
        )
        try:
            results = await client.resolve_all([parse_fileid(fid) for fid in gen_ids(3)])
        except TcbError as exc:
            return [
                str(exc),
                repr(exc),
                repr(exc.args),
                exc.detail,
                "".join(traceback.format_exception(exc)),
            ]
    return [repr(result) for result in results]


# (token, how the service echoes it): the percent-encoded form is what it received in the
# query string; the raw form is what it decoded.
ECHOES = {
    "raw": (TOKEN, "raw"),
    "percent-encoded": (TOKEN, "percent-encoded"),
    "raw, token holding 'Sign='": (SIGN_TOKEN, "raw"),
}


@pytest.mark.parametrize("echo", list(ECHOES))
@pytest.mark.parametrize("errcode", [40001, 40097])
def test_a_service_echoing_the_token_in_errmsg_leaves_no_trace(
    monkeypatch: pytest.MonkeyPatch,
    memory_keyring: MemoryKeyring,
    debug_logs: LogCapture,
    isolated_home: Path,
    tmp_path: Path,
    echo: str,
    errcode: int,
) -> None:
    """40001 stops the run (the errmsg is kept as the error's detail); 40097 fails the
    batch with the service's errmsg in every row and on stderr."""
    token, form = ECHOES[echo]
    transport = echoing_service(token, form, errcode)

    def client_with_echo(**kwargs: object) -> httpx.AsyncClient:
        kwargs.pop("transport", None)  # the run's own transport gives way to the echo
        return make_http_client(transport=transport, **kwargs)

    monkeypatch.setattr(cli, "make_http_client", client_with_echo)
    monkeypatch.setattr(cli_download, "make_run_client", client_with_echo)
    base = ["--base-url", ECHO_BASE_URL]
    ids = gen_ids(3)
    runs = [
        run_cli(["resolve", *base, "-v", "--format", "json"], stdin=id_lines(ids), token=token),
        run_cli(
            [
                "download",
                *base,
                "-v",
                "--dest",
                str(tmp_path / "d"),
                "--report",
                str(tmp_path / "r.json"),
            ],
            stdin=id_lines(ids),
            token=token,
        ),
        run_cli(["token", "check", *base], token=token),
    ]
    assert all(run.code in (1, 3, 4) for run in runs), [run.stderr for run in runs]
    raised = asyncio.run(exception_texts(token, transport))
    assert_no_trace(
        token,
        texts=[run.printed for run in runs] + debug_logs.texts + raised,
        roots=[isolated_home, tmp_path],
    )


# -- a real process, the token in a real Secret Service ------------------------------------------

# The command with the root logger (httpx and httpcore included) at DEBUG, written to
# stderr and to the log file named first.
_DEBUG_CLI = """
import logging, sys
from tcb_gui import cli
configure = cli._configure_logging
def debug_logging(stderr, *, verbose):
    configure(stderr, verbose=verbose)
    root = logging.getLogger()
    root.setLevel(logging.DEBUG)
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    handler = logging.FileHandler(sys.argv[1], encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    root.addHandler(handler)
cli._configure_logging = debug_logging
raise SystemExit(cli.main(sys.argv[2:]))
"""


def run_debug_process(
    argv: list[str],
    *,
    home: Path,
    user_home: Path,
    log: Path,
    extra: dict[str, str],
    stdin: bytes = b"",
) -> CliRun:
    env = subprocess_env(home, token=None, extra=extra)
    env["HOME"] = str(user_home)  # apart from TCB_GUI_HOME: both are walked
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", _DEBUG_CLI, str(log), *argv],
        input=stdin,
        capture_output=True,
        env=env,
        cwd=REPO,
        timeout=SUBPROCESS_TIMEOUT_S,
        check=False,
    )
    return CliRun(
        done.returncode,
        done.stdout.decode("utf-8"),
        done.stderr.decode("utf-8"),
        time.monotonic() - started,
    )


@pytest.mark.secret_service
@pytest.mark.timeout(60)
def test_a_real_process_with_the_token_in_a_real_secret_service(
    secret_service_bus: str,  # noqa: F811
    demo_server: DemoServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    demo_server.state.add_token(TOKEN, "component")
    home, user_home, work = tmp_path / "tcb-home", tmp_path / "user-home", tmp_path / "work"
    for folder in (home, user_home, work):
        folder.mkdir()
    log = home / "debug.log"
    extra = {
        "DBUS_SESSION_BUS_ADDRESS": secret_service_bus,
        "PYTHON_KEYRING_BACKEND": SECRET_SERVICE_BACKEND,
    }
    base = ["--base-url", demo_server.base_url]
    ids = gen_ids(20)

    def run(argv: list[str], stdin: bytes = b"") -> CliRun:
        return run_debug_process(
            argv, home=home, user_home=user_home, log=log, extra=extra, stdin=stdin
        )

    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", secret_service_bus)
    runs = [run(["token", "set", *base], stdin=f"{TOKEN}\n".encode())]
    assert runs[-1].code == 0, runs[-1].stderr
    assert len(secret_service_items("default")) == 1  # a real Secret Service item
    runs.append(run(["token", "check", *base]))
    assert runs[-1].code == 0, runs[-1].stderr
    assert "(source: keyring)" in runs[-1].stdout
    out = work / "links.tsv"
    runs.append(run(["resolve", *base, "--verbose", "-o", str(out)], stdin=id_lines(ids)))
    assert runs[-1].code == 0, runs[-1].stderr
    download = ["download", *base, "--verbose", "--dest", str(work / "files")]
    runs.append(run([*download, "--report", str(work / "report.json")], stdin=id_lines(ids)))
    assert runs[-1].code == 0, runs[-1].stderr
    runs.append(run(["token", "clear", *base]))
    assert runs[-1].code == 0, runs[-1].stderr
    assert secret_service_items("default") == []

    assert "access_token=***" in log.read_text("utf-8")  # requests were logged, redacted
    assert "httpcore" not in log.read_text("utf-8")  # core.wire carried every call
    assert_no_trace(
        TOKEN,
        texts=[r.printed for r in runs],
        roots=[home, user_home, work],
    )


# -- no keyring at all --------------------------------------------------------------------------


def test_token_set_without_a_keyring_in_a_real_process_refuses_and_writes_nothing(
    demo_server: DemoServer, tmp_path: Path
) -> None:
    home, user_home = tmp_path / "tcb-home", tmp_path / "user-home"
    home.mkdir()
    user_home.mkdir()
    env = subprocess_env(home, token=None)  # keyring's "fail" backend: no keyring
    env["HOME"] = str(user_home)
    done = subprocess.run(
        [sys.executable, "-m", "tcb_gui.cli", "token", "set", "--base-url", demo_server.base_url],
        input=f"{TOKEN}\n".encode(),
        capture_output=True,
        env=env,
        cwd=REPO,
        timeout=SUBPROCESS_TIMEOUT_S,
        check=False,
    )
    assert done.returncode == 2
    printed = (done.stdout + done.stderr).decode("utf-8")
    assert "no system keyring" in printed.lower()
    assert list(home.rglob("*")) == []  # not a file, not a folder
    assert_no_trace(TOKEN, texts=[printed], roots=[user_home, tmp_path])
    assert not demo_server.state.stats.requests  # nothing was checked or sent either


class LeakyFailingKeyring(KeyringBackend):
    """A broken backend whose errors quote what they were given (some real ones do)."""

    priority = 1

    def get_password(self, service: str, username: str) -> str | None:
        raise RuntimeError(f"locked collection, cannot read {service}/{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise RuntimeError(f"locked collection, cannot store {password!r} for {username}")

    def delete_password(self, service: str, username: str) -> None:
        raise RuntimeError("locked collection")


@pytest.mark.parametrize("backend", [fail.Keyring, LeakyFailingKeyring], ids=["none", "leaky"])
def test_token_set_with_no_usable_keyring_refuses_and_writes_nothing(
    demo_server: DemoServer,
    isolated_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    backend: type[KeyringBackend],
) -> None:
    keyring.set_keyring(backend())  # conftest's memory_keyring restores the previous one
    capture = LogCapture()
    root = logging.getLogger()
    root.addHandler(capture)
    configure = cli._configure_logging

    def debug_logging(stderr: object, *, verbose: bool) -> None:
        configure(stderr, verbose=verbose)  # type: ignore[arg-type]
        root.setLevel(logging.DEBUG)

    monkeypatch.setattr(cli, "_configure_logging", debug_logging)
    try:
        run = run_cli(
            ["token", "set", "--base-url", demo_server.base_url],
            stdin=f"{TOKEN}\n".encode(),
            token=None,
        )
    finally:
        root.removeHandler(capture)
    assert run.code == 2, run.stderr
    assert list(isolated_home.rglob("*")) == []
    assert any("keyring" in text for text in capture.texts)  # the failure was logged
    assert_no_trace(TOKEN, texts=[run.printed, *capture.texts], roots=[isolated_home])
    assert not demo_server.state.stats.requests
    assert os.environ.get("TCB_ACCESS_TOKEN") is None
