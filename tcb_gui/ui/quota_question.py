"""The window's words for ``core.quota``: the preview line and the question before a run
(a resolve or a download) that would use up today's quota.

``quota_text(preview)`` is the command line's "This run needs N calls; M remain today."
in the window's language. ``quota_box(preview, parent)`` is the question: that line,
where the run would stop, "Start anyway" or Cancel (the default, and Esc).
``ask_quota(preview, parent)`` opens it without blocking (``open()``, never ``exec()``
in a coroutine) and returns whether to start. ``window_gate(preview, notifier, confirm)``
is the window's rule before a resolve and a download alike (core's ``command_line_gate``
is the command line's): the line in the status bar, and a run that would use up today's
quota starts only if ``confirm`` says so.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Final

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from tcb_gui.core.client import MAX_IDS_PER_REQUEST
from tcb_gui.core.quota import QuotaPreview
from tcb_gui.ui.formatting import fmt_int

if TYPE_CHECKING:
    from tcb_gui.ui.notifier import Notifier

OBJECT_NAME: Final = "quota_question"
# Asks the operator whether to start a run that would use up today's quota.
ConfirmQuota = Callable[[QuotaPreview], Awaitable[bool]]


def quota_text(preview: QuotaPreview) -> str:
    """ "This run needs N calls; M remain today." (the command line's line)"""
    if preview.remain is None:
        return QCoreApplication.translate(
            "QuotaQuestion", "This run needs {n} calls; today's quota is unknown."
        ).format(n=fmt_int(preview.needed))
    return QCoreApplication.translate(
        "QuotaQuestion", "This run needs {n} calls; {m} remain today."
    ).format(n=fmt_int(preview.needed), m=fmt_int(preview.remain))


def not_started_text(preview: QuotaPreview) -> str:
    """The status line after the operator declined."""
    return QCoreApplication.translate("QuotaQuestion", "Not started: {line}").format(
        line=quota_text(preview)
    )


def quota_box(preview: QuotaPreview, parent: QWidget | None = None) -> QMessageBox:
    """The question before a run that would use up today's quota: "Start anyway" or
    "Cancel" (the default)."""
    box = QMessageBox(parent)
    box.setObjectName(OBJECT_NAME)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(QCoreApplication.translate("QuotaQuestion", "Today's quota"))
    box.setText(quota_text(preview))
    if preview.remain is not None:
        box.setInformativeText(
            QCoreApplication.translate(
                "QuotaQuestion",
                "It would stop with today's quota used up after about {n} IDs; the rest "
                "would wait until the quota resets. Start with fewer IDs, or ask the "
                "account owner to reset the quota.",
            ).format(n=fmt_int(preview.remain * MAX_IDS_PER_REQUEST))
        )
    box.addButton(
        QCoreApplication.translate("QuotaQuestion", "Start anyway"),
        QMessageBox.ButtonRole.AcceptRole,
    )
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)
    return box


def _accepted(box: QMessageBox) -> bool:
    clicked = box.clickedButton()
    return clicked is not None and box.buttonRole(clicked) is QMessageBox.ButtonRole.AcceptRole


async def ask_quota(
    preview: QuotaPreview,
    parent: QWidget | None = None,
    *,
    shown: Callable[[QMessageBox | None], None] | None = None,
) -> bool:
    """Whether to start a run that would use up today's quota: the question, opened
    window-modal; False on Cancel, Esc, or the task being cancelled (the box closes).
    ``shown`` hears the box when it opens and None when it is gone."""
    box = quota_box(preview, parent)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    answer: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

    def finished(_result: int) -> None:
        if not answer.done():
            answer.set_result(_accepted(box))

    box.finished.connect(finished)
    if shown is not None:
        shown(box)
    box.open()
    try:
        return await answer
    finally:
        if shown is not None:
            shown(None)
        if answer.cancelled():  # the task was: the question goes with the run
            box.close()


async def window_gate(
    preview: QuotaPreview | None, notifier: Notifier, confirm: ConfirmQuota
) -> bool:
    """Whether a run may start: always without a preview (a small run); else the preview
    line goes to the status bar, and a run that would use up today's quota starts only if
    ``confirm`` says so ("Not started: …" when it does not)."""
    if preview is None:
        return True
    notifier.show_status(quota_text(preview), 0)
    if preview.exceeds and not await confirm(preview):
        notifier.show_status(not_started_text(preview))
        return False
    return True
