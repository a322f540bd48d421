"""The settings file under hostile or unlucky conditions (something other than a file at
its name, a file far too large to be settings), and profile names in any script."""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path

import pytest

from tcb_gui.core.errors import InputError
from tcb_gui.core.settings import (
    MAX_SETTINGS_BYTES,
    Profile,
    Settings,
    ensure_dir,
    load_settings,
    profile_name_key,
    save_settings,
    settings_path,
    validate_profile_name,
)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_fifo_at_the_settings_name_does_not_stop_the_start(isolated_home: Path) -> None:
    """A FIFO (or a link to one) at settings.json: reading it used to wait for a writer
    for ever, so neither the window nor the command line ever started."""
    path = settings_path()
    ensure_dir(path.parent)
    os.mkfifo(path)
    loaded: list[Settings] = []
    reader = threading.Thread(target=lambda: loaded.append(load_settings()), daemon=True)
    reader.start()
    reader.join(timeout=10)
    if reader.is_alive():  # let the stuck reader go before failing
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        reader.join(timeout=5)
        pytest.fail("load_settings blocked on a FIFO")
    assert loaded == [Settings()]


@pytest.mark.skipif(sys.platform == "win32", reason="no /dev/zero")
def test_a_link_to_an_endless_device_gives_defaults(isolated_home: Path) -> None:
    path = settings_path()
    ensure_dir(path.parent)
    path.symlink_to("/dev/zero")
    assert load_settings() == Settings()


def test_a_huge_file_is_not_read_whole_and_is_kept_aside(isolated_home: Path) -> None:
    path = settings_path()
    ensure_dir(path.parent)
    # Valid JSON, so only its size tells it is not a settings file.
    padding = "x" * (MAX_SETTINGS_BYTES + 10)
    path.write_text(json.dumps({"theme": "dark", "download_dir": padding}), encoding="utf-8")
    size = path.stat().st_size
    assert load_settings() == Settings()
    bad = path.with_name(path.name + ".bad")
    assert bad.stat().st_size == size  # kept whole, not cut short
    assert json.loads(path.read_text(encoding="utf-8"))["theme"] == "system"
    assert load_settings() == Settings()


@pytest.mark.parametrize("name", ["हिन्दी", "ผลิต", "Cafe\u0301", "生产 环境", "tiếng Việt"])
def test_letters_of_any_script_make_a_profile_name(name: str) -> None:
    """Letters with combining marks were refused: \\w in ``re`` takes no marks."""
    assert validate_profile_name(name) == name
    assert Profile(name=name).name == name


@pytest.mark.parametrize("name", ["\u0301e", "a/b", "a#b", "a\u200b", " a", "a "])
def test_what_is_no_profile_name_stays_refused(name: str) -> None:
    with pytest.raises(InputError):
        validate_profile_name(name)


def test_names_that_read_alike_share_a_key() -> None:
    assert profile_name_key("Prod") == profile_name_key("prod")
    assert profile_name_key("Café") == profile_name_key("Cafe\u0301")
    assert profile_name_key("prod") != profile_name_key("prod 2")


def test_a_file_of_a_newer_version_is_kept_as_it_was_before_it_is_replaced(
    isolated_home: Path,
) -> None:
    """A newer version's keys are unknown here and dropped at the next save: the file
    as the newer version wrote it is kept beside it, and a load alone does not rewrite it."""
    path = settings_path()
    ensure_dir(path.parent)
    newer = {
        "version": 2,
        "current_profile": "prod",
        "profiles": {"default": {}, "prod": {"api": "tcb", "region": "ap-shanghai"}},
        "theme": "dark",
        "font_size": 14,
    }
    path.write_text(json.dumps(newer), encoding="utf-8")
    original = path.read_bytes()
    settings = load_settings()
    assert (settings.current_profile, settings.theme) == ("prod", "dark")
    assert path.read_bytes() == original
    bad = path.with_name(path.name + ".bad")
    assert bad.read_bytes() == original
    save_settings(settings)
    assert json.loads(path.read_text(encoding="utf-8"))["version"] == 1
    assert bad.read_bytes() == original
    # Our own file is not copied again.
    bad.unlink()
    load_settings()
    assert not bad.exists()
