"""Rows brought back from the saved download list say how each file was checked.

A file that ended Verified reads Verified after a restart, not Saved (which the README
defines as "its size checked, or nothing to check it against"); a list written before
the check was kept says only what it knows: Saved, never Verified.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from tcb_gui.core.download_session import DownloadSession, SessionFile, SessionStore
from tcb_gui.core.downloads import FileState, Integrity, Layout, OnExists
from tcb_gui.demo.samples import PROD
from tcb_gui.ui.main_window import MainWindow
from tcb_gui.ui.results_model import Column, Row
from tests.core.test_session_integrity import write_saved_list

pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")  # offscreen platform only


def key(n: int) -> str:
    return f"gen/size-64K/checked-{n}.bin"


def status(window: MainWindow, row: Row, role: int = Qt.ItemDataRole.DisplayRole) -> str:
    return window.model.index(row.pos, Column.STATUS).data(role)


def details(window: MainWindow, row: Row) -> str:
    window.view.setCurrentIndex(
        window.proxy.mapFromSource(window.model.index(row.pos, Column.FILE))
    )
    window.view.setFocus()
    return window.details.text()


def saved_list(dest: Path, *files: SessionFile) -> None:
    SessionStore().save(
        DownloadSession(
            dest=dest,
            layout=Layout.TREE,
            on_exists=OnExists.SKIP,
            concurrency=4,
            limit_rate=None,
            files=files,
            started_at=1.0,
            updated_at=2.0,
            revision=1,
        )
    )


def done(n: int, dest: Path, integrity: Integrity | None, state: FileState = FileState.DONE):
    path = str(dest / PROD.env / key(n))
    return SessionFile(PROD.fileid(key(n)), state, 65536, 65536, path, integrity=integrity)


async def test_a_verified_file_reads_verified_after_a_restart(
    window: MainWindow, tmp_path: Path
) -> None:
    saved_list(
        tmp_path,
        done(0, tmp_path, Integrity.VERIFIED),
        done(1, tmp_path, Integrity.SIZE_CHECKED),
        done(2, tmp_path, Integrity.UNCHECKED),
        done(3, tmp_path, Integrity.VERIFIED, FileState.SKIPPED),
        SessionFile(PROD.fileid(key(4)), FileState.DOWNLOADING, 32768, 65536),
    )
    assert await window.downloads.restore_session() is not None
    rows = window.model.rows()
    assert [status(window, r) for r in rows] == [
        "Verified",
        "Saved",
        "Saved",
        "Already saved",
        "Paused at 50 %",
    ]
    assert [r.download.integrity for r in rows if r.download is not None] == [
        Integrity.VERIFIED,
        Integrity.SIZE_CHECKED,
        Integrity.UNCHECKED,
        Integrity.VERIFIED,
        None,
    ]
    assert "CRC-64 checksum matches" in status(window, rows[0], Qt.ItemDataRole.ToolTipRole)
    assert "CRC-64 checksum matches" in details(window, rows[0])
    assert "its size matches" in details(window, rows[1])
    assert "not checked" in details(window, rows[2])


async def test_a_list_saved_before_checks_were_kept_never_claims_verified(
    window: MainWindow, tmp_path: Path
) -> None:
    write_saved_list(
        SessionStore().path,
        tmp_path,
        {
            "fileid": PROD.fileid(key(0)),
            "state": "done",
            "bytes_done": 65536,
            "bytes_total": 65536,
            "path": str(tmp_path / "a.bin"),
        },
        {"fileid": PROD.fileid(key(1)), "state": "queued"},
    )
    assert await window.downloads.restore_session() is not None
    first = window.model.rows()[0]
    assert status(window, first) == "Saved"
    assert first.download is not None
    assert first.download.integrity is None
    text = details(window, first)
    assert "Saved to" in text
    assert "CRC-64" not in text
    assert "its size matches" not in text
