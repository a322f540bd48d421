"""Links out: copy, open and export what the rows hold.

Copy puts links on the clipboard (the selected rows', the ready ones shown — a filter
narrows Ctrl+Shift+C to the rows it shows — or one row's), Open hands an http(s) link
to the browser and nothing else, and ``export_to`` writes the rows of a ``Scope`` (every
row, the selected ones, or those a filter shows — the rows Ctrl+Shift+C copies from) in
input order through ``core.export`` in a worker thread — the same text
``tcb-gui resolve --format …`` prints for the same run (a row never resolved says
"Not resolved yet"; one a stopped run left says what the command line says), with a
UTF-8 BOM in front when asked (Excel).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QObject, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication

from tcb_gui.core.client import LinkResult
from tcb_gui.core.errors import InputError
from tcb_gui.core.export import (
    LINK_FORMATS,
    ExportTally,
    export_results,
    write_export,
)
from tcb_gui.core.export_formats import ExportFormat
from tcb_gui.ui.core_text import core_text
from tcb_gui.ui.formatting import fmt_int, plural
from tcb_gui.ui.notifier import Notifier
from tcb_gui.ui.palette import Tone
from tcb_gui.ui.results_model import ResultsModel, Row
from tcb_gui.ui.row_scope import Scope
from tcb_gui.ui.tasks import TaskKeeper

BANNER = "export"


class LinksPresenter(QObject):
    """The clipboard, the browser and export files, over the model's rows."""

    def __init__(
        self,
        model: ResultsModel,
        notifier: Notifier,
        tasks: TaskKeeper,
        selection: Callable[[], list[Row]],
        shown: Callable[[], Sequence[Row] | None] = lambda: None,
    ) -> None:
        super().__init__(model)
        self.model = model
        self.notifier = notifier
        self.tasks = tasks
        self._selection = selection
        # The rows a filter shows, or None when no filter is set.
        self._shown = shown

    def rows_in(self, scope: Scope) -> list[Row]:
        """The rows of ``scope`` in input order: the selected ones, the ones a filter shows
        (every row without a filter), or every row."""
        return self._rows_in(scope)[0]

    def _rows_in(self, scope: Scope) -> tuple[list[Row], bool]:
        """``rows_in(scope)``, and whether a filter is on (asked once: at 100,000 rows
        listing the rows shown takes a moment)."""
        shown = self._shown() if scope is Scope.SHOWN else None
        if scope is Scope.SELECTED:
            rows: Sequence[Row] = self._selection()
        elif shown is not None:
            rows = shown
        else:
            rows = self.model.rows()
        return sorted(rows, key=lambda r: r.index), shown is not None

    # --- the clipboard --------------------------------------------------------------

    def copy_selected_links(self) -> int:
        rows = self._selection()
        links = [r.working_url for r in rows if r.working_url]
        if not rows:
            self.notifier.show_status(
                self.tr("Select rows first (or Ctrl+Shift+C for every working link).")
            )
            return 0
        if not links:
            self.notifier.show_status(self.tr("The selected rows have no ready links."))
            return 0
        QGuiApplication.clipboard().setText("\n".join(links) + ("\n" if len(links) > 1 else ""))
        skipped = len(rows) - len(links)
        message = plural(len(links), self.tr("Copied 1 link"), self.tr("Copied {n} links"))
        if skipped:
            message = self.tr("{copied} ({n} rows without a ready link skipped)").format(
                copied=message, n=fmt_int(skipped)
            )
        self.notifier.show_status(message)
        return len(links)

    def copy_working_links(self) -> int:
        """Ctrl+Shift+C: the ready links of the rows shown (all rows without a filter)."""
        rows, filtering = self._rows_in(Scope.SHOWN)
        links = [url for r in rows if (url := r.working_url)]
        if not links:
            expired = sum(r.expired for r in rows)
            if expired:
                # Resolving again would say every ID has its answer: a refresh renews them.
                message = plural(
                    expired,
                    self.tr("No ready links: 1 has expired. Refresh expired (Ctrl+F5) renews it."),
                    self.tr(
                        "No ready links: {n} have expired. Refresh expired (Ctrl+F5) renews them."
                    ),
                )
            elif filtering:
                message = plural(
                    len(rows),
                    self.tr("The row shown has no ready link (the filter hides the others)."),
                    self.tr("None of the {n} rows shown has a ready link."),
                )
            else:
                message = self.tr("No ready links yet: resolve first (Ctrl+Return).")
            self.notifier.show_status(message)
            return 0
        QGuiApplication.clipboard().setText("\n".join(links) + "\n")
        if filtering:
            message = plural(
                len(links),
                self.tr("Copied 1 link, of the rows shown"),
                self.tr("Copied {n} links, of the rows shown"),
            )
        else:
            message = plural(len(links), self.tr("Copied 1 link"), self.tr("Copied {n} links"))
        self.notifier.show_status(message)
        return len(links)

    def copy_row_link(self, row: Row | None) -> bool:
        if row is None or not row.url:
            return False
        if row.expired:
            self.notifier.show_status(self.tr("That link has expired: use Refresh expired."))
            return False
        QGuiApplication.clipboard().setText(row.url)
        self.notifier.show_status(self.tr("Copied the link of {key}").format(key=row.fileid.key))
        return True

    def copy_text(self, text: str) -> None:
        """Put words on the clipboard (a failure's reason, from the row menu)."""
        QGuiApplication.clipboard().setText(text)
        self.notifier.show_status(self.tr("Copied."))

    def copy_row_ids(self, rows: Sequence[Row]) -> None:
        if rows:
            QGuiApplication.clipboard().setText("\n".join(r.fileid.raw for r in rows))

    # --- the browser ----------------------------------------------------------------

    def open_row_link(self, row: Row | None) -> bool:
        """Open a row's link in the browser: only http(s) links, never anything else."""
        if row is None or not row.url:
            return False
        return self.open_link(row.url)

    def open_link(self, link: str) -> bool:
        # The link is already percent-encoded: parse it as encoded bytes, tolerantly, so
        # %XX sequences are kept and not encoded a second time.
        try:
            raw = link.encode("ascii")
        except UnicodeEncodeError:
            raw = bytes(QUrl(link, QUrl.ParsingMode.TolerantMode).toEncoded().data())
        url = QUrl.fromEncoded(raw, QUrl.ParsingMode.TolerantMode)
        if not url.isValid() or url.scheme().lower() not in ("http", "https") or not url.host():
            self.notifier.show_status(self.tr("Only http(s) links can be opened."))
            return False
        if not QDesktopServices.openUrl(url):
            self.notifier.show_status(self.tr("No browser could open the link."))
            return False
        return True

    # --- export ---------------------------------------------------------------------

    def results(self, scope: Scope = Scope.ALL) -> list[LinkResult]:
        """The results of ``scope``'s rows in input order, as exported."""
        rows = self.rows_in(scope)
        not_done = self.tr("Not resolved yet")
        return [
            r.result
            if r.result is not None
            else LinkResult(r.fileid, False, None, not_done, None, None, None)
            for r in rows
        ]

    async def export_to(
        self, path: Path, fmt: ExportFormat, *, bom: bool = False, scope: Scope = Scope.ALL
    ) -> int:
        """Write ``scope``'s rows (input order) to ``path``; unresolved rows say so. ``bom``:
        a UTF-8 byte order mark first, so Excel reads the file as UTF-8. Returns what the
        file holds: rows, or links for a links format (``core.export.LINK_FORMATS``)."""
        results = self.results(scope)
        tally = ExportTally()
        try:
            text = await asyncio.to_thread(export_results, results, fmt, tally=tally)
            if bom:
                text = "\ufeff" + text
            await asyncio.to_thread(write_export, path, text)
        except (InputError, OSError) as exc:
            if isinstance(exc, InputError):
                message = core_text(exc.message)
            else:
                message = str(exc.strerror or exc)
            self.notifier.show_banner(
                BANNER,
                Tone.DANGER,
                self.tr("Could not export: {reason}").format(reason=message),
            )
            return 0
        self.notifier.hide_banner(BANNER)
        self.notifier.show_status(self._exported(tally, path, fmt))
        return tally.written

    def _exported(self, tally: ExportTally, path: Path, fmt: ExportFormat) -> str:
        """What an export wrote, by format: rows for a table, links for a links file and
        the rows it left out, with the way to a link for the expired ones."""
        if fmt not in LINK_FORMATS:
            done = plural(tally.written, self.tr("Exported 1 row"), self.tr("Exported {n} rows"))
            return self.tr("{done} to {path} ({format})").format(
                done=done, path=path, format=fmt.value
            )
        done = plural(tally.written, self.tr("Exported 1 link"), self.tr("Exported {n} links"))
        message = self.tr("{done} to {path} ({format})").format(
            done=done, path=path, format=fmt.value
        )
        left_out = []
        if tally.expired:
            left_out.append(
                plural(
                    tally.expired,
                    self.tr("1 expired: Refresh expired, Ctrl+F5"),
                    self.tr("{n} expired: Refresh expired, Ctrl+F5"),
                )
            )
        if tally.no_link:
            left_out.append(
                plural(
                    tally.no_link,
                    self.tr("1 row without a link"),
                    self.tr("{n} rows without a link"),
                )
            )
        if left_out:
            message = self.tr("{message} ({left_out})").format(
                message=message, left_out="; ".join(left_out)
            )
        return message
