"""Mini program mode on the command line, end to end against the demo over loopback:
``token set --appsecret`` keeps the AppSecret in the keyring and switches the profile,
``resolve``/``download``/``token check`` get a stable token with it, and the AppSecret
never shows up in what the program prints or writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tcb_gui.core.settings import Profile, Settings, load_settings, save_settings, settings_path
from tcb_gui.core.tokens import APP_SECRET_ENV, KEYRING_SERVICE
from tcb_gui.demo import samples
from tcb_gui.demo.server import DemoServer
from tcb_gui.demo.service import DEMO_APPID, DEMO_APPSECRET, DEMO_TOKEN
from tests.e2e.cli_helpers import contains_anywhere, id_lines, run_cli, run_subprocess
from tests.memory_keyring import MemoryKeyring

SECRET_ENTRY = (KEYRING_SERVICE, "default#appsecret")
WRONG_SECRET = "0badc0de0badc0de0badc0de0badc0de"
IDS = [samples.PROD.fileid("gen/00003.jpg"), samples.TEST.fileid("gen/00004.jpg")]


@pytest.fixture(autouse=True)
def no_app_secret_from_outside(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(APP_SECRET_ENV, raising=False)


def token_cmd(server: DemoServer, action: str, *extra: str) -> list[str]:
    return ["token", action, "--base-url", server.base_url, *extra]


def set_secret(server: DemoServer, *extra: str) -> list[str]:
    return token_cmd(server, "set", "--appsecret", "--appid", DEMO_APPID, *extra)


def resolve_cmd(server: DemoServer, *extra: str) -> list[str]:
    return ["resolve", "--base-url", server.base_url, "--format", "json", *extra]


def appsecret_profile(name: str = "default") -> None:
    settings = Settings()
    settings.put_profile(settings.profiles.get(name, Profile(name=name)).with_appsecret(DEMO_APPID))
    save_settings(settings)


def test_set_check_resolve_clear(
    demo_server: DemoServer, memory_keyring: MemoryKeyring, isolated_home: Path
) -> None:
    state = demo_server.state
    saved = run_cli(set_secret(demo_server), stdin=f" {DEMO_APPSECRET}\n".encode(), token=None)
    assert saved.code == 0, saved.stderr
    assert memory_keyring.store == {SECRET_ENTRY: DEMO_APPSECRET}
    assert "now gets its tokens with the AppID wxdec0de0000000001 (tcb API)" in saved.stderr
    assert "Saved the AppSecret" in saved.stderr
    assert "Token valid: The AppID and AppSecret work" in saved.stderr
    assert "The token ends in 1 h 59 min." in saved.stderr
    profile = load_settings().current()
    assert (profile.auth, profile.appid, profile.api.value) == ("appsecret", DEMO_APPID, "tcb")
    stored = json.loads(settings_path().read_text(encoding="utf-8"))["profiles"]["default"]
    assert stored["auth"] == "appsecret"
    assert state.stats.requests["stable_token"] == 1

    checked = run_cli(token_cmd(demo_server, "check"), token=None)
    assert checked.code == 0, checked.stderr
    assert checked.stdout.startswith("Token valid")
    assert "Quota today: 1,000,000 of 1,000,000 calls left." in checked.stdout
    assert "(source: AppSecret from the keyring)" in checked.stdout
    assert state.stats.requests["stable_token"] == 2

    # No --api: the profile implies tcb, and the token comes from stable_token.
    resolved = run_cli(resolve_cmd(demo_server), stdin=id_lines(IDS), token=None)
    assert resolved.code == 0, resolved.stderr
    rows = json.loads(resolved.stdout)
    assert [r["fileid"] for r in rows] == IDS
    assert all(r["ok"] for r in rows)
    assert state.stats.requests["tcb/batchdownloadfile"] == 2
    assert state.stats.requests["componenttcb/batchdownloadfile"] == 0
    assert state.stats.requests["stable_token"] == 3
    # The same stable token every time (normal mode): nobody else's token was cut off.
    assert len([t for t in state.tokens if t.startswith("demo-stable-")]) == 1

    for run in (saved, checked, resolved):
        assert DEMO_APPSECRET not in run.printed
        assert state.stable_token is not None
        assert state.stable_token not in run.printed
    assert contains_anywhere(isolated_home, DEMO_APPSECRET) == []

    cleared = run_cli(token_cmd(demo_server, "clear"), token=None)
    assert cleared.code == 0
    assert "Removed the AppSecret" in cleared.stderr
    assert memory_keyring.store == {}
    gone = run_cli(token_cmd(demo_server, "check"), token=None)
    assert gone.code == 3
    assert "No AppSecret for profile 'default'" in gone.stderr
    failed = run_cli(resolve_cmd(demo_server), stdin=id_lines(IDS), token=None)
    assert failed.code == 3
    assert "No AppSecret" in failed.stderr


def test_download_with_the_appsecret(
    demo_server: DemoServer, memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    assert run_cli(set_secret(demo_server), stdin=DEMO_APPSECRET.encode(), token=None).code == 0
    dest = tmp_path / "files"
    done = run_cli(
        ["download", "--base-url", demo_server.base_url, "--dest", str(dest)],
        stdin=id_lines(IDS[:1]),
        token=None,
    )
    assert done.code == 0, done.stderr
    fid = IDS[0].removeprefix("cloud://")
    env, _, rest = fid.partition(".")
    bucket, _, key = rest.partition("/")
    expected = b"".join(samples.iter_file_bytes(bucket, key, 0, samples.file_size(bucket, key)))
    assert (dest / env / key).read_bytes() == expected
    assert DEMO_APPSECRET not in done.printed


def test_wrong_secret_exits_3_without_printing_it(
    demo_server: DemoServer, memory_keyring: MemoryKeyring
) -> None:
    saved = run_cli(set_secret(demo_server), stdin=WRONG_SECRET.encode(), token=None)
    assert saved.code == 3, saved.stderr
    assert "WeChat rejected the AppSecret for this AppID" in saved.stderr
    assert "开发管理 → 开发设置 → AppSecret" in saved.stderr
    assert WRONG_SECRET not in saved.printed
    resolved = run_cli(resolve_cmd(demo_server), stdin=id_lines(IDS), token=None)
    assert resolved.code == 3
    assert "WeChat rejected the AppSecret" in resolved.stderr
    assert WRONG_SECRET not in resolved.printed
    assert resolved.stdout == ""
    assert demo_server.state.stats.requests["tcb/batchdownloadfile"] == 0


def test_wrong_appid_exits_3(demo_server: DemoServer, memory_keyring: MemoryKeyring) -> None:
    run = run_cli(
        token_cmd(demo_server, "set", "--appsecret", "--appid", "wx0123456789abcdef"),
        stdin=DEMO_APPSECRET.encode(),
        token=None,
    )
    assert run.code == 3
    assert "WeChat does not know this AppID" in run.stderr


def test_ip_not_on_the_allowlist_in_plain_words(
    demo_server: DemoServer, memory_keyring: MemoryKeyring
) -> None:
    assert run_cli(set_secret(demo_server), stdin=DEMO_APPSECRET.encode(), token=None).code == 0
    demo_server.state.ip_allowlisted = False
    words = "This computer's IP address is not on the mini program's IP allowlist"
    checked = run_cli(token_cmd(demo_server, "check"), token=None)
    assert checked.code == 4
    assert words in checked.stdout
    assert "IP白名单" in checked.stdout
    resolved = run_cli(resolve_cmd(demo_server), stdin=id_lines(IDS), token=None)
    assert resolved.code == 4
    assert words in resolved.stderr
    assert "40164" not in resolved.stderr  # words, not a bare code
    assert DEMO_APPSECRET not in checked.printed + resolved.printed


def test_service_faults_are_retried(demo_server: DemoServer, memory_keyring: MemoryKeyring) -> None:
    assert run_cli(set_secret(demo_server), stdin=DEMO_APPSECRET.encode(), token=None).code == 0
    demo_server.state.script_faults("stable_token", ["drop", "errcode-1"])
    resolved = run_cli(resolve_cmd(demo_server), stdin=id_lines(IDS), token=None)
    assert resolved.code == 0, resolved.stderr
    assert demo_server.state.stats.faults == {"drop": 1, "errcode-1": 1}
    # (Giving up after 4 tries, exit 4, is pinned in tests/core/test_stable_token.py.)


def test_explicit_token_wins(demo_server: DemoServer, memory_keyring: MemoryKeyring) -> None:
    assert run_cli(set_secret(demo_server), stdin=DEMO_APPSECRET.encode(), token=None).code == 0
    calls = demo_server.state.stats.requests["stable_token"]
    # A component token from TCB_ACCESS_TOKEN, with the API it needs.
    resolved = run_cli(
        resolve_cmd(demo_server, "--api", "component"), stdin=id_lines(IDS), token=DEMO_TOKEN
    )
    assert resolved.code == 0, resolved.stderr
    assert "Using TCB_ACCESS_TOKEN" in resolved.stderr
    checked = run_cli(token_cmd(demo_server, "check", "--api", "component"), token=DEMO_TOKEN)
    assert checked.code == 0, checked.stderr
    assert "(source: environment)" in checked.stdout
    assert demo_server.state.stats.requests["stable_token"] == calls
    assert demo_server.state.stats.requests["componenttcb/batchdownloadfile"] == 2
    # Without it, the component API makes no sense for a mini program token.
    refused = run_cli(
        resolve_cmd(demo_server, "--api", "component"), stdin=id_lines(IDS), token=None
    )
    assert refused.code == 2
    assert "works with --api tcb only" in refused.stderr


def test_pasting_a_token_switches_back(
    demo_server: DemoServer, memory_keyring: MemoryKeyring
) -> None:
    assert run_cli(set_secret(demo_server), stdin=DEMO_APPSECRET.encode(), token=None).code == 0
    pasted = run_cli(
        token_cmd(demo_server, "set", "--api", "component"),
        stdin=DEMO_TOKEN.encode(),
        token=None,
    )
    assert pasted.code == 0, pasted.stderr
    assert "now uses this token instead" in pasted.stderr
    profile = load_settings().current()
    assert (profile.auth, profile.appid) == ("token", DEMO_APPID)
    # The AppSecret stays saved for a switch back; `token clear --appsecret` removes it.
    assert memory_keyring.store[SECRET_ENTRY] == DEMO_APPSECRET
    cleared = run_cli(token_cmd(demo_server, "clear", "--appsecret"), token=None)
    assert cleared.code == 0
    assert SECRET_ENTRY not in memory_keyring.store
    assert (KEYRING_SERVICE, "default") in memory_keyring.store


@pytest.mark.parametrize(
    ("argv_extra", "stdin", "words"),
    [
        (["--appsecret", "--appid", "wx123"], DEMO_APPSECRET, "not a mini program AppID"),
        (["--appsecret"], DEMO_APPSECRET, "has no AppID"),
        (["--appsecret", "--appid", DEMO_APPID], "", "No AppSecret on standard input"),
        (
            ["--appsecret", "--appid", DEMO_APPID],
            "not-a-secret-value",
            "not a mini program AppSecret",
        ),
        (["--appid", DEMO_APPID], DEMO_TOKEN, "--appid goes with"),
        (["--appsecret", "--appid", DEMO_APPID, "--api", "component"], DEMO_APPSECRET, "tcb"),
    ],
)
def test_usage_errors_exit_2(
    demo_server: DemoServer,
    memory_keyring: MemoryKeyring,
    argv_extra: list[str],
    stdin: str,
    words: str,
) -> None:
    run = run_cli(token_cmd(demo_server, "set", *argv_extra), stdin=stdin.encode(), token=None)
    assert run.code == 2, run.stderr
    assert words in run.stderr
    if stdin:
        assert stdin not in run.printed
    assert memory_keyring.store == {}
    assert demo_server.state.stats.requests["stable_token"] == 0


def test_real_process_with_the_secret_from_the_environment(
    demo_server: DemoServer, isolated_home: Path
) -> None:
    """No keyring at all: TCB_APP_SECRET is the way, and it never leaks."""
    appsecret_profile()
    env = {APP_SECRET_ENV: DEMO_APPSECRET}
    resolved = run_subprocess(
        resolve_cmd(demo_server, "--format", "urls"),
        home=isolated_home,
        token=None,
        stdin=id_lines(IDS),
        extra_env=env,
    )
    assert resolved.code == 0, resolved.stderr
    assert len(resolved.stdout.splitlines()) == 2
    checked = run_subprocess(
        token_cmd(demo_server, "check"), home=isolated_home, token=None, extra_env=env
    )
    assert checked.code == 0, checked.stderr
    assert "(source: AppSecret from the environment)" in checked.stdout
    # Saving needs a keyring: said plainly, exit 2, the secret in no file.
    saved = run_subprocess(
        set_secret(demo_server), home=isolated_home, token=None, stdin=DEMO_APPSECRET.encode()
    )
    assert saved.code == 2
    assert "no system keyring is available" in saved.stderr
    assert "Set TCB_APP_SECRET" in saved.stderr
    for run in (resolved, checked, saved):
        assert DEMO_APPSECRET not in run.printed
    assert contains_anywhere(isolated_home, DEMO_APPSECRET) == []


def test_no_keyring_leaves_the_profile_as_it_was(
    demo_server: DemoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The AppSecret could not be kept: the profile still gets its token as before (a
    pasted one), not switched to an AppSecret it does not have."""
    import keyring
    from keyring.backends import fail

    settings = Settings()
    settings.put_profile(Profile(name="default", base_url=demo_server.base_url))
    save_settings(settings)
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        saved = run_cli(set_secret(demo_server), stdin=DEMO_APPSECRET.encode(), token=None)
    finally:
        keyring.set_keyring(previous)
    assert saved.code == 2, saved.stderr
    assert "the AppSecret was not saved" in saved.stderr
    assert "now gets its tokens" not in saved.stderr
    assert DEMO_APPSECRET not in saved.printed
    profile = load_settings().current()
    assert (profile.auth, profile.appid) == ("token", None)
    # The pasted token still works with the profile as it is.
    checked = run_cli(token_cmd(demo_server, "check"), token=DEMO_TOKEN)
    assert checked.code == 0, checked.stderr
    assert checked.stdout.startswith("Token valid")
