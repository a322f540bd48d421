"""Settings and profiles: defaults, round trip, atomic and private writes, lenient loading."""

from __future__ import annotations

import json
import os
import stat
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from tcb_gui.core import settings as settings_mod
from tcb_gui.core.client import DEFAULT_BASE_URL, ApiMode, validate_base_url
from tcb_gui.core.errors import InputError
from tcb_gui.core.settings import (
    DEFAULT_DOWNLOAD_CONCURRENCY,
    AppDirs,
    Profile,
    Settings,
    app_dirs,
    load_settings,
    save_settings,
    settings_path,
    validate_profile_name,
)
from tcb_gui.core.tokens import TokenStore

TOKEN = "71_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-secretish"


def _bad_path() -> Path:
    return settings_path().with_name("settings.json.bad")


def _write_raw(text: str) -> Path:
    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_app_dirs_live_under_tcb_gui_home(isolated_home: Path) -> None:
    dirs = app_dirs()
    assert dirs == AppDirs(
        config=isolated_home / "config",
        data=isolated_home / "data",
        cache=isolated_home / "cache",
        state=isolated_home / "state",
    )
    # Created lazily: asking for the folders creates nothing.
    assert list(isolated_home.iterdir()) == []


def test_app_dirs_without_home_use_platformdirs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TCB_GUI_HOME")
    dirs = app_dirs()
    for path in (dirs.config, dirs.data, dirs.cache, dirs.state):
        assert "tcb-gui" in path.parts
        assert path.is_absolute()


def test_defaults_when_no_file(isolated_home: Path) -> None:
    s = load_settings()
    assert s == Settings()
    assert list(s.profiles) == ["default"]
    assert s.current() == Profile()
    assert s.current().api is ApiMode.COMPONENT
    assert s.current().base_url == DEFAULT_BASE_URL
    assert (s.language, s.theme, s.download_layout, s.on_exists) == (
        "system",
        "system",
        "tree",
        "skip",
    )
    assert (s.download_concurrency, s.history_size) == (DEFAULT_DOWNLOAD_CONCURRENCY, 10)
    assert s.download_dir is None
    assert s.window_geometry is None
    # Loading defaults writes nothing.
    assert not any(isolated_home.rglob("*"))


def test_round_trip(isolated_home: Path) -> None:
    s = Settings()
    s.put_profile(
        Profile(
            name="生产 prod-1",
            api=ApiMode.TCB,
            base_url="http://127.0.0.1:8765/",
            max_age=60,
            concurrency=32,
            token_saved_at=1_700_000_000.5,
        )
    )
    s.select_profile("生产 prod-1")
    s.language = "zh_CN"
    s.theme = "dark"
    s.download_dir = str(isolated_home / "下载")
    s.download_layout = "flat"
    s.on_exists = "rename"
    s.download_concurrency = 8
    s.history_size = 0
    s.window_geometry = "AdnQywADAAAAAAAAAAAAAAAAA+8AAAKP"
    save_settings(s)

    loaded = load_settings()
    assert loaded == s
    assert loaded.current().base_url == "http://127.0.0.1:8765"  # normalised, no slash
    assert loaded.current().api is ApiMode.TCB
    assert not _bad_path().exists()
    # The file is readable JSON with the documented shape.
    data = json.loads(settings_path().read_text(encoding="utf-8"))
    assert data["current_profile"] == "生产 prod-1"
    assert data["profiles"]["生产 prod-1"]["api"] == "tcb"


def test_save_creates_private_file(isolated_home: Path) -> None:
    save_settings(Settings())
    path = settings_path()
    assert path.parent == isolated_home / "config"
    if sys.platform != "win32":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_save_tightens_mode_of_existing_file(isolated_home: Path) -> None:
    if sys.platform == "win32":
        pytest.skip("POSIX file modes")
    path = _write_raw("{}")
    path.chmod(0o644)
    save_settings(Settings())
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_save_is_atomic(monkeypatch: pytest.MonkeyPatch) -> None:
    first = Settings(theme="dark")
    save_settings(first)
    before = settings_path().read_bytes()

    def broken_replace(src: object, dst: object) -> None:
        raise OSError("disk full")

    with monkeypatch.context() as patch:
        patch.setattr(os, "replace", broken_replace)
        with pytest.raises(OSError, match="disk full"):
            save_settings(Settings(theme="light"))
    # The old file is intact and no temp file is left behind.
    assert settings_path().read_bytes() == before
    # (the lock file beside it stays: core.atomicfile.locked)
    assert sorted(p.name for p in settings_path().parent.iterdir()) == [
        "settings.json",
        "settings.json.lock",
    ]
    assert load_settings().theme == "dark"


def test_save_writes_through_temp_file_and_replace(
    isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, str]] = []
    real_replace = os.replace

    def spy(src: str, dst: str) -> None:
        calls.append((os.fspath(src), os.fspath(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    save_settings(Settings())
    assert len(calls) == 1
    src, dst = calls[0]
    assert Path(dst) == settings_path()
    assert Path(src).parent == settings_path().parent
    assert Path(src) != settings_path()


@pytest.mark.parametrize(
    "content",
    ["{not json", "", "[1, 2, 3]", '"text"', "\x00\xff garbage", "[" * 100_000],
    ids=["syntax", "empty", "list", "string", "binary", "deep"],
)
def test_corrupt_file_gives_defaults_and_is_kept_aside(isolated_home: Path, content: str) -> None:
    path = _write_raw(content)
    original = path.read_bytes()
    s = load_settings()
    assert s == Settings()
    assert _bad_path().read_bytes() == original
    # The repaired file is valid again: a second load needs no repair.
    assert json.loads(path.read_text(encoding="utf-8"))["current_profile"] == "default"
    _bad_path().unlink()
    assert load_settings() == Settings()
    assert not _bad_path().exists()


def test_invalid_values_are_repaired_individually(isolated_home: Path) -> None:
    raw = {
        "current_profile": "missing",
        "language": "fr",
        "theme": "dark",
        "download_dir": 42,
        "download_layout": "flat",
        "on_exists": "explode",
        "download_concurrency": 0,
        "history_size": True,
        "window_geometry": "not base64!",
        "profiles": {
            "good": {"api": "tcb", "max_age": 300, "concurrency": 8},
            "mixed": {
                "api": "rest",
                "base_url": "http://example.com",
                "max_age": 86_401,
                "concurrency": 33,
                "token_saved_at": "yesterday",
            },
            "": {"api": "tcb"},
            "../etc": {},
            "x" * 65: {},
            "notadict": [1, 2],
        },
        "unknown_future_key": {"kept": "ignored"},
    }
    path = _write_raw(json.dumps(raw))
    original = path.read_bytes()
    s = load_settings()

    assert s.current_profile == "default"
    assert s.language == "system"
    assert s.theme == "dark"  # valid values survive
    assert s.download_dir is None
    assert s.download_layout == "flat"
    assert s.on_exists == "skip"
    assert s.download_concurrency == DEFAULT_DOWNLOAD_CONCURRENCY
    assert s.history_size == 10
    assert s.window_geometry is None
    assert sorted(s.profiles) == ["default", "good", "mixed", "notadict"]
    assert s.profiles["good"] == Profile(name="good", api=ApiMode.TCB, max_age=300, concurrency=8)
    assert s.profiles["mixed"] == Profile(name="mixed")
    assert s.profiles["notadict"] == Profile(name="notadict")
    assert _bad_path().read_bytes() == original
    # The file on disk now holds the repaired settings.
    assert load_settings() == s


def test_whole_numbers_only(isolated_home: Path) -> None:
    _write_raw(json.dumps({"profiles": {"default": {"max_age": 7200.5, "token_saved_at": 1}}}))
    s = load_settings()
    assert s.current().max_age == 7200
    assert s.current().token_saved_at == 1.0


def test_utf8_bom_is_accepted(isolated_home: Path) -> None:
    path = settings_path()
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps({"theme": "light"}).encode())
    assert load_settings().theme == "light"
    assert not _bad_path().exists()


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"max_age": 0}, "max age"),
        ({"max_age": 86_401}, "max age"),
        ({"max_age": True}, "max age"),
        ({"concurrency": 0}, "Concurrency"),
        ({"concurrency": 33}, "Concurrency"),
        ({"api": "rest"}, "API mode"),
        ({"name": ""}, "name"),
        ({"name": " lead"}, "profile name"),
        ({"name": "a/b"}, "profile name"),
        ({"name": "x" * 65}, "at most 64"),
        ({"base_url": "ftp://api.weixin.qq.com"}, "https://"),
        ({"base_url": "http://api.weixin.qq.com"}, "plain http"),
        ({"base_url": "https://"}, "https://"),
        ({"base_url": "https://h/?access_token=x"}, "query"),
        ({"token_saved_at": float("nan")}, "token_saved_at"),
        ({"token_saved_at": -1.0}, "token_saved_at"),
    ],
)
def test_profile_validation_raises_input_error(changes: dict[str, object], match: str) -> None:
    with pytest.raises(InputError, match=match):
        Profile(**changes)  # type: ignore[arg-type]


def test_profile_accepts_api_as_string_and_loopback_http() -> None:
    p = Profile(name="demo", api="tcb", base_url="http://localhost:9000")  # type: ignore[arg-type]
    assert p.api is ApiMode.TCB
    for url in ("http://127.0.0.5:1", "http://[::1]:8080/", "https://api.weixin.qq.com/"):
        assert validate_base_url(url) == url.rstrip("/")
    # replace() validates too
    with pytest.raises(InputError):
        replace(p, max_age=0)


@pytest.mark.parametrize("name", ["default", "prod", "生产", "a.b@c-d_e", "with space", "9"])
def test_valid_profile_names(name: str) -> None:
    assert validate_profile_name(name) == name


def test_settings_validation() -> None:
    with pytest.raises(InputError, match="default"):
        Settings(profiles={"other": Profile(name="other")}, current_profile="other")
    with pytest.raises(InputError, match="wrong name"):
        Settings(profiles={"default": Profile(), "a": Profile(name="b")})
    with pytest.raises(InputError, match="no profile"):
        Settings(current_profile="nope")
    s = Settings()
    s.theme = "neon"
    with pytest.raises(InputError, match="Theme"):
        save_settings(s)
    assert not settings_path().exists()


def test_profile_management() -> None:
    s = Settings()
    s.put_profile(Profile(name="b", api=ApiMode.TCB))
    assert s.select_profile("b").api is ApiMode.TCB
    assert s.set_token_saved_at("b", 100.0).token_saved_at == 100.0
    assert s.current().token_saved_at == 100.0
    s.remove_profile("b")
    assert s.current_profile == "default"
    with pytest.raises(InputError):
        s.remove_profile("default")
    with pytest.raises(InputError):
        s.select_profile("b")


def test_settings_file_never_holds_the_token(isolated_home: Path) -> None:
    store = TokenStore()
    store.set("default", TOKEN)
    s = load_settings()
    s.set_token_saved_at("default", 1_700_000_000.0)
    save_settings(s)
    assert store.get("default") == TOKEN
    text = settings_path().read_text(encoding="utf-8")
    assert TOKEN not in text
    assert "token_saved_at" in text
    for path in isolated_home.rglob("*"):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path


def test_secret_like_field_is_refused_on_save(monkeypatch: pytest.MonkeyPatch) -> None:
    real = settings_mod.settings_to_json

    def with_secret(s: Settings) -> dict[str, object]:
        data = real(s)
        data["profiles"]["default"]["access_token"] = TOKEN
        return data

    monkeypatch.setattr(settings_mod, "settings_to_json", with_secret)
    with pytest.raises(InputError, match=r"profiles\.default\.access_token") as info:
        save_settings(Settings())
    assert TOKEN not in str(info.value)
    assert not settings_path().exists()


def test_secret_in_hand_edited_file_is_dropped_not_copied(isolated_home: Path) -> None:
    _write_raw(json.dumps({"theme": "dark", "profiles": {"default": {"token": TOKEN}}}))
    s = load_settings()
    assert s.theme == "dark"
    assert not _bad_path().exists()
    for path in isolated_home.rglob("*"):
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path
