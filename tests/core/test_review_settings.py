"""The settings file under hostile or unlucky conditions: something other than a file at
its name, a file far too large to be settings."""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path

import pytest

from tcb_gui.core.settings import (
    MAX_SETTINGS_BYTES,
    Settings,
    ensure_dir,
    load_settings,
    settings_path,
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
