"""IDs in: drops (real QMimeData and QDropEvent), the clipboard, the paste dialog, files."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from tcb_gui.ui.ids_presenter import ROW_INSERT_BATCH
from tcb_gui.ui.main_window import MainWindow
from tests.ui.conftest import wait_until

# Qt's headless "offscreen" platform cannot pass size hints to a window manager and warns
# for every top-level window with a layout; a real display (see test_real_window) does not.
pytestmark = pytest.mark.qt_log_ignore("propagateSizeHints")

ENV = "prod-4gkv"
BUCKET = "7072-prod-4gkv-1314114854"


def cid(key: str) -> str:
    return f"cloud://{ENV}.{BUCKET}/{key}"


def keys(window: MainWindow) -> list[str]:
    return [r.fileid.key for r in sorted(window.model.rows(), key=lambda r: r.index)]


def drop(window: MainWindow, mime: QMimeData) -> bool:
    """Drag ``mime`` over the window and drop it, as Qt delivers a real drop."""
    target = window.centralWidget()
    assert target is not None
    center = target.rect().center()
    point = window.mapFromGlobal(target.mapToGlobal(center))
    where = QPointF(point)
    # Qt 6 takes a QPoint for drag enter/move events and a QPointF for the drop.
    enter = QDragEnterEvent(
        point,
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(window, enter)
    if not enter.isAccepted():
        return False
    assert window.drop_overlay.isVisible()  # the drop highlight shows while hovering
    move = QDragMoveEvent(
        point,
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(window, move)
    assert move.isAccepted()
    event = QDropEvent(
        where,
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(window, event)
    assert not window.drop_overlay.isVisible()
    return event.isAccepted()


async def idle(window: MainWindow) -> None:
    """Wait until every add task has finished."""
    await wait_until(lambda: not any(n.startswith("add-") for n in window.tasks._tasks), 10)


async def test_drop_plain_text(window: MainWindow) -> None:
    mime = QMimeData()
    mime.setText(f"{cid('a b/图片 1.png')}\nnot an id\n{cid('c.png')}\n{cid('c.png')}\n")
    assert drop(window, mime)
    await idle(window)
    assert keys(window) == ["a b/图片 1.png", "c.png"]
    assert "Added 2 IDs (1 duplicate, 1 line without an ID)" in window.message_label.text()


async def test_drop_files_as_uri_list(window: MainWindow, tmp_path: Path) -> None:
    first = tmp_path / "ids.txt"
    first.write_text(f"{cid('one.png')}\n{cid('two.png')}\n", encoding="utf-8")
    second = tmp_path / "export.csv"
    # GB18030, as Excel on Chinese Windows saves it.
    second.write_bytes(f"fileid,size\n{cid('春节.png')},12\n{cid('one.png')},3\n".encode("gb18030"))
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(first)), QUrl.fromLocalFile(str(second))])
    assert mime.hasFormat("text/uri-list")
    assert drop(window, mime)
    await idle(window)
    assert keys(window) == ["one.png", "two.png", "春节.png"]
    assert "1 duplicate" in window.message_label.text()


async def test_drop_of_nothing_useful_is_refused(window: MainWindow) -> None:
    mime = QMimeData()
    mime.setData("application/octet-stream", b"\x00\x01")
    assert not drop(window, mime)
    assert window.model.rowCount() == 0


async def test_drag_leave_hides_the_highlight(window: MainWindow) -> None:
    mime = QMimeData()
    mime.setText(cid("x.png"))
    enter = QDragEnterEvent(
        QPoint(50, 50),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(window, enter)
    assert window.drop_overlay.isVisible()
    QApplication.sendEvent(window, QDragLeaveEvent())
    assert not window.drop_overlay.isVisible()


async def test_binary_file_is_refused_and_nothing_is_lost(
    window: MainWindow, tmp_path: Path
) -> None:
    await window.ids.add_text(cid("kept.png"))
    binary = tmp_path / "photo.bin"
    binary.write_bytes(bytes(range(256)) * 64)
    outcome = await window.ids.add_paths([binary])
    assert outcome.added == 0
    assert outcome.errors
    banner = window.banners.banner("input")
    assert banner is not None
    assert "photo.bin" in banner.text
    assert keys(window) == ["kept.png"]


async def test_text_without_ids_says_so(window: MainWindow) -> None:
    outcome = await window.ids.add_text("hello\nworld\n", source="the clipboard")
    assert outcome.added == 0
    banner = window.banners.banner("input")
    assert banner is not None
    assert "No cloud:// IDs found in the clipboard" in banner.text


async def test_new_ids_append_and_known_ones_are_counted(window: MainWindow) -> None:
    await window.ids.add_text(f"{cid('a.png')}\n{cid('b.png')}")
    outcome = await window.ids.add_text(f"{cid('b.png')}\n{cid('c.png')}")
    assert (outcome.added, outcome.duplicates) == (1, 1)
    assert keys(window) == ["a.png", "b.png", "c.png"]


async def test_big_paste_is_parsed_off_the_loop_and_inserted_in_batches(
    window: MainWindow, monkeypatch
) -> None:
    import tcb_gui.ui.ids_presenter as ids_presenter

    threads: list[str] = []
    real = ids_presenter.find_ids

    def spy(text: str, **kwargs: object):
        import threading

        threads.append(threading.current_thread().name)
        return real(text, **kwargs)

    monkeypatch.setattr(ids_presenter, "find_ids", spy)
    inserts: list[int] = []
    window.model.rowsInserted.connect(lambda _p, first, last: inserts.append(last - first + 1))
    count = ROW_INSERT_BATCH * 2 + 10
    text = "\n".join(cid(f"bulk/{n:06d}.png") for n in range(count))
    outcome = await window.ids.add_text(text)
    assert outcome.added == count
    assert threads
    assert threads[0] != "MainThread"
    assert inserts == [ROW_INSERT_BATCH, ROW_INSERT_BATCH, 10]


async def test_ctrl_v_adds_from_the_clipboard(window: MainWindow, qtbot, clipboard) -> None:
    QApplication.clipboard().setText(f"{cid('p1.png')}\n{cid('p2.png')}")
    window.activateWindow()
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    await idle(window)
    await wait_until(lambda: window.model.rowCount() == 2, 5)
    assert keys(window) == ["p1.png", "p2.png"]


async def test_add_ids_dialog(window: MainWindow) -> None:
    dialog = window.show_add_dialog()
    assert dialog.isVisible()
    dialog.edit.setPlainText(f"{cid('typed.png')}\n")
    dialog._update_count()
    assert dialog.count_label.text() == "1 ID found"
    dialog.accept()
    await idle(window)
    assert keys(window) == ["typed.png"]


async def test_ctrl_o_opens_a_file_dialog(window: MainWindow, qtbot, tmp_path: Path) -> None:
    from PySide6.QtWidgets import QFileDialog

    path = tmp_path / "list.txt"
    path.write_text(cid("from-file.png"), encoding="utf-8")
    window.activateWindow()
    qtbot.keyClick(window.view, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    dialogs = [w for w in window.findChildren(QFileDialog) if w.isVisible()]
    assert len(dialogs) == 1
    dialogs[0].filesSelected.emit([str(path)])
    dialogs[0].reject()
    await idle(window)
    assert keys(window) == ["from-file.png"]


async def test_every_malformed_id_is_counted_beyond_those_kept(window: MainWindow) -> None:
    """Core keeps the first MAX_MALFORMED_KEPT malformed lines (bounded memory) and counts
    the rest: the window says how many there were, not how many were kept."""
    from tcb_gui.core.fileids import MAX_MALFORMED_KEPT

    bad = MAX_MALFORMED_KEPT + 25
    text = "\n".join(["cloud://bad"] * bad + [cid("good.png")])
    outcome = await window.ids.add_text(text)
    assert outcome.added == 1
    assert outcome.malformed == bad
    assert f"{bad:,} malformed IDs" in window.message_label.text()
