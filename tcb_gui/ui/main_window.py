"""The main window: layout, actions and menus over the presenters that do the work.

Each job has a presenter, built here and given the model, the notifier (status line and
banners) and the task keeper, never the window:

- ``ids``: IDs in (``ids_presenter``); ``resolver``: resolve runs (``resolve_presenter``);
- ``tokens``: the token, profiles, settings and the demo (``token_presenter``);
- ``downloads``: download runs (``download_controller``); ``history``: the kept lists
  (``history``); ``links``: copy, open and export (``links_presenter``).

Slots stay thin: each starts a presenter's coroutine as a named task
(``task_names``), which tests await directly.

Around them the window keeps: the details pane of the current row (Ctrl+I), Undo of
Clear and Remove (Ctrl+Z), the counts of what is shown ("11 of 250 shown"), the
Requests view (Ctrl+Shift+R) and Check connection…, the quota question before a big
resolve, and a desktop notification when long work ends while the window is not active.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QModelIndex, QPoint, QRect, Qt, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QBoxLayout,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from tcb_gui.core.errors import InputError, TcbError, TokenState
from tcb_gui.core.export_formats import ExportFormat
from tcb_gui.core.service_modes import MAX_CONCURRENCY
from tcb_gui.core.settings import Profile, Settings
from tcb_gui.ui import task_names
from tcb_gui.ui.duration_spin import DurationSpinBox
from tcb_gui.ui.formatting import fmt_int, plural
from tcb_gui.ui.icons import Glyph, app_icon, icon
from tcb_gui.ui.narrow import EndElidedLabel, GivingRow, StackingRow
from tcb_gui.ui.palette import Tone
from tcb_gui.ui.prefs import WindowPrefs
from tcb_gui.ui.results_model import Column, ResultsModel, Row, RowState
from tcb_gui.ui.results_proxy import ResultsProxy, StatusFilter
from tcb_gui.ui.results_view import OPTIONAL_COLUMNS, ResultsView
from tcb_gui.ui.token_badge import BadgeInfo
from tcb_gui.ui.token_panel import TokenPanel

# Qt classes the first frame does not use are imported where they are: each class's
# enums are made when it is first imported, before the first paint if at the top.
if TYPE_CHECKING:
    from PySide6.QtGui import (
        QAction,
        QCloseEvent,
        QDragEnterEvent,
        QDragLeaveEvent,
        QDragMoveEvent,
        QDropEvent,
        QKeySequence,
        QPaintEvent,
    )
    from PySide6.QtWidgets import QMessageBox

    from tcb_gui.core.quota import QuotaPreview

    # Dialogs are imported when first opened, not on the way to the first paint; the
    # parts the first frame does not show (banners, row details, the downloads panel,
    # the drop overlay) by finish().
    from tcb_gui.ui.banner import BannerArea
    from tcb_gui.ui.dialogs import AddIdsDialog
    from tcb_gui.ui.download_cells import DownloadSummary
    from tcb_gui.ui.downloads_panel import DownloadsPanel
    from tcb_gui.ui.drop import DropOverlay
    from tcb_gui.ui.export_dialog import ExportDialog
    from tcb_gui.ui.requests_view import RequestsWindow
    from tcb_gui.ui.row_details import RowDetails
    from tcb_gui.ui.session import Session
    from tcb_gui.ui.undo import UndoStep

log = logging.getLogger(__name__)

# The expiry countdown and the token's time left tick once a second.
COUNTDOWN_INTERVAL_MS = 1_000
DEFAULT_SIZE = (1200, 740)
# Room left for the window manager's title bar when the default height meets the screen,
# and for its side borders when the default width does.
TITLE_BAR_ALLOWANCE = 40
SIDE_BORDER_ALLOWANCE = 16
# Half a 1366 px screen (683 px) and wider: every control stays in view, in English and
# Chinese, the rows giving way as they narrow (ui/narrow.py; the token badge says less,
# the table's Link and then Env columns step aside).
MIN_WIDTH = 680
UNDO_BANNER = "undo"
REQUESTS_SHORTCUT = "Ctrl+Shift+R"
SETTINGS_SHORTCUT = "Ctrl+,"


class MainWindow(QMainWindow):
    """The window. ``MainWindow(session)`` builds all of it; ``MainWindow(session,
    deferred=True)`` builds only what the first frame shows (``app.run``: the view,
    before the first paint) and ``finish()`` the rest after it (docs/ARCHITECTURE.md#start-up).
    """

    def __init__(
        self, session: Session, parent: QWidget | None = None, *, deferred: bool = False
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.setWindowTitle(self.tr("TCB Links"))
        self.setAcceptDrops(True)
        self._shutdown_hook: Callable[[], None] | None = None
        self._closed = False
        self._finished = False
        # app.run's window (deferred) closed before the app's loop runs: closed then.
        self._deferred = deferred
        self._close_asked = False
        # Start-up timing (perf_counter seconds), read by the smoke test and the bench.
        self.started_at: float | None = None
        self.first_paint_at: float | None = None
        self._first_paint_callback: Callable[[], None] | None = None

        self.prefs = WindowPrefs(session.settings)
        self.details_wanted = True
        self.quota_box: QMessageBox | None = None  # the quota question, while it is open
        self._undo: UndoStep | None = None
        self._resolve_started = 0.0

        self.model = ResultsModel(self)
        self.proxy = ResultsProxy(self)
        self.proxy.setSourceModel(self.model)

        central = QWidget(self)
        self.setCentralWidget(central)
        outer = QVBoxLayout(central)
        outer.setContentsMargins(14, 12, 14, 6)
        outer.setSpacing(10)

        self._outer = outer
        self.token_panel = TokenPanel(central)
        outer.addWidget(self.token_panel)
        outer.addLayout(self._build_run_bar(central))
        # finish() puts the banners here, and the row details and the downloads panel
        # under the list: nothing of them shows in the first frame. The banners' empty
        # place holds the layout's spacing, so nothing below moves when they come.
        self._banner_place = QWidget(central)
        outer.addWidget(self._banner_place)
        self.banners: BannerArea
        self.details: RowDetails
        self.downloads_panel: DownloadsPanel
        self.drop_overlay: DropOverlay
        outer.addLayout(self._build_filter_bar(central))
        self.view = ResultsView(central)
        self.view.setModel(self.proxy)
        for name in self.prefs.get("hidden_columns") or ():
            column = next((c for c in OPTIONAL_COLUMNS if c.name.lower() == name), None)
            if column is not None:
                self.view.user_hidden.add(column)
        self.view.configure_columns()
        outer.addWidget(self.view, 1)
        outer.addLayout(self._build_status_bar(central))
        self.setMinimumWidth(MIN_WIDTH)
        self._restore_geometry()
        self._show_first_frame()
        if not deferred:
            self.finish()

    def _show_first_frame(self) -> None:
        """What the first frame shows before the presenters exist: the profile and its run
        options, "Checking…" on the badge, the menu titles, an empty list's buttons off.
        ``finish()`` then sets the same through the presenters."""
        session = self.session
        profile = session.profile
        panel = self.token_panel
        panel.set_profiles(session.profile_names(), profile.name, None)
        panel.set_profile_details(
            profile, session.overrides.base_url is not None or session.overrides.api is not None
        )
        self._show_run_options(profile)
        panel.badge.set_info(BadgeInfo(TokenState.CHECKING, stable=profile.uses_appsecret))
        panel.clear_button.setEnabled(False)
        for button in (
            self.resolve_button,
            self.download_button,
            self.retry_button,
            self.refresh_button,
            self.copy_all_button,
            self.export_button,
            self.clear_button,
        ):
            button.setEnabled(False)
        bar = self.menuBar()
        titles = [
            self.tr("&File"),
            self.tr("&Edit"),
            self.tr("&View"),
            self.tr("&Links"),
            self.tr("&Downloads"),
            self.tr("&Token"),
            self.tr("&Help"),
        ]
        # The history's own menu (before Token), titled as ui/history.py titles it.
        titles.insert(-2, QCoreApplication.translate("HistoryController", "Hi&story"))
        for title in titles:
            bar.addMenu(title)

    def _build_hidden_parts(self) -> None:
        """The parts of the window the first frame does not show, in their places, and
        the window's icon."""
        from tcb_gui.ui.banner import BannerArea
        from tcb_gui.ui.downloads_panel import DownloadsPanel
        from tcb_gui.ui.drop import DropOverlay
        from tcb_gui.ui.row_details import RowDetails

        # The icon too: its seven PNGs, up to 256 px, made into the X window's icon
        # property took 6 ms of the first show(); the first frame does not paint it.
        window_icon = app_icon()
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.setWindowIcon(window_icon)  # dialogs and later windows take it from here
        self.setWindowIcon(window_icon)
        central = self.token_panel.parentWidget()
        assert central is not None
        outer = self._outer
        self.banners = BannerArea(central)
        outer.replaceWidget(self._banner_place, self.banners)  # above the filter bar
        self._banner_place.deleteLater()
        self.details = RowDetails(self.model, central)
        self.details.setVisible(False)
        outer.insertWidget(outer.indexOf(self.view) + 1, self.details)
        self.downloads_panel = DownloadsPanel(central)
        outer.insertWidget(outer.indexOf(self.details) + 1, self.downloads_panel)
        self.drop_overlay = DropOverlay(central)

    def finish(self) -> None:
        """The rest of the window: presenters, actions, menus, timers, the Requests view.

        Called by ``__init__``, or by ``app.run`` once the first frame is on the screen.
        """
        if self._finished:
            return
        self._finished = True
        # Imported here: the presenters bring the API client, the download engine and
        # asyncio, which the first frame does not need.
        from tcb_gui.ui.a11y import install as install_accessibility
        from tcb_gui.ui.desktop_notify import DoneNotifier
        from tcb_gui.ui.download_controller import DownloadController
        from tcb_gui.ui.history import HistoryController
        from tcb_gui.ui.ids_presenter import IdsPresenter
        from tcb_gui.ui.links_presenter import LinksPresenter
        from tcb_gui.ui.notifier import WindowNotifier
        from tcb_gui.ui.requests_view import RequestsWindow
        from tcb_gui.ui.resolve_presenter import ResolvePresenter
        from tcb_gui.ui.tasks import TaskKeeper
        from tcb_gui.ui.token_presenter import TokenPresenter

        session = self.session
        self._build_hidden_parts()
        # Shown only over text, so not in the first frame; making it loads an icon (~3 ms).
        self.filter_edit.setClearButtonEnabled(True)
        self.tasks = TaskKeeper(on_error=self._task_failed)
        self.view.columnsChanged.connect(self._columns_changed)

        # The presenters: each job its own, none holding the window.
        model, tasks = self.model, self.tasks
        self.notifier = notifier = WindowNotifier(self.message_label, self.banners)
        self.tokens = TokenPresenter(
            session,
            self.token_panel,
            notifier,
            tasks,
            load_samples=self._load_samples,
        )
        self.resolver = ResolvePresenter(
            model,
            notifier,
            tasks,
            session,
            self.tokens,
            self._run_options,
            confirm_quota=self.confirm_quota,
        )
        self.links = LinksPresenter(model, notifier, tasks, self.selected_rows, self.shown_rows)
        self.history = HistoryController(model, notifier, tasks, session, self.view)
        self.history.listReplaced.connect(self._drop_undo)
        self.ids = IdsPresenter(model, notifier, tasks, name_list=self._name_list)
        self.downloads = DownloadController(
            model,
            notifier,
            tasks,
            session,
            self.tokens,
            view=self.view,
            panel=self.downloads_panel,
            selection=self.selected_rows,
            shown=self.shown_rows,
            max_age=self.max_age_spin.value,
        )
        # A kept list coming into the table is another list (at start the table may be
        # empty, with no reset to say so).
        self.history.listReplaced.connect(self.downloads.list_replaced)
        self.done_notifier = DoneNotifier(self)
        # The Requests view listens from the start (its widgets are built when first shown).
        self.requests: RequestsWindow | None = RequestsWindow(session.trace, self)
        self.requests.setWindowTitle(self.tr("Requests"))

        self._build_actions()
        self.menuBar().clear()  # the first frame's titles: now the menus themselves
        self._build_menus()
        self._countdown_timer = QTimer(self)
        self._countdown_timer.setObjectName("countdown")
        self._countdown_timer.setInterval(COUNTDOWN_INTERVAL_MS)
        self._countdown_timer.timeout.connect(self._tick)
        self._countdown_timer.start()
        self._connect()
        self.tokens.apply_profile()
        self._update_counts()
        self._update_download_actions()
        self.set_details_shown(bool(self.prefs.get("details_pane")))
        self.act_undo.setEnabled(False)
        self.a11y = install_accessibility(self)  # screen-order Tab chain, accessible names

    # --- building -------------------------------------------------------------------

    def _build_run_bar(self, parent: QWidget) -> QHBoxLayout:
        bar = GivingRow()
        bar.setSpacing(8)
        self.add_button = QPushButton(icon(Glyph.ADD), self.tr("Add IDs…"), parent)
        self.add_button.setToolTip(self.tr("Paste or type IDs"))
        bar.addWidget(self.add_button)
        self.open_button = QPushButton(icon(Glyph.FOLDER), self.tr("Open list…"), parent)
        self.open_button.setToolTip(self.tr("Open files with IDs (Ctrl+O)"))
        bar.addWidget(self.open_button)
        bar.addStretch(1)
        max_age_label = QLabel(self.tr("Link l&ife"), parent)
        bar.addWidget(max_age_label)
        self.max_age_spin = DurationSpinBox(parent)
        self.max_age_spin.setMinimumWidth(110)
        max_age_label.setBuddy(self.max_age_spin)
        bar.addWidget(self.max_age_spin)
        concurrency_label = QLabel(self.tr("At &once"), parent)
        bar.addWidget(concurrency_label)
        self.concurrency_spin = QSpinBox(parent)
        self.concurrency_spin.setRange(1, MAX_CONCURRENCY)
        self.concurrency_spin.setToolTip(self.tr("Requests in flight at once (1–32)"))
        concurrency_label.setBuddy(self.concurrency_spin)
        bar.addWidget(self.concurrency_spin)
        self.resolve_button = QPushButton(icon(Glyph.PLAY, Tone.INFO), self.tr("Resolve"), parent)
        self.resolve_button.setToolTip(self.tr("Get download links (Ctrl+Return)"))
        self.resolve_button.setDefault(True)
        bar.addWidget(self.resolve_button)
        self.download_button = QPushButton(icon(Glyph.FOLDER), self.tr("Download…"), parent)
        self.download_button.setToolTip(self.tr("Download the files to a folder (Ctrl+D)"))
        bar.addWidget(self.download_button)
        # Narrow (half a screen): these show their icons alone, in this order; the File
        # menu and Ctrl+O, Ctrl+D do the same.
        bar.give_way(self.open_button, self.add_button, self.download_button)
        return bar

    def _build_filter_bar(self, parent: QWidget) -> QBoxLayout:
        bar = QHBoxLayout()
        bar.setSpacing(8)
        self.filter_edit = QLineEdit(parent)
        self.filter_edit.setPlaceholderText(self.tr("Filter by ID, link or status (Ctrl+F)"))
        self.filter_edit.setMinimumWidth(200)
        bar.addWidget(self.filter_edit, 2)
        self.status_combo = QComboBox(parent)
        for label, status in (
            (self.tr("All"), StatusFilter.ALL),
            (self.tr("Ready"), StatusFilter.READY),
            (self.tr("Failed"), StatusFilter.FAILED),
            (self.tr("Pending"), StatusFilter.PENDING),
            (self.tr("Expired"), StatusFilter.EXPIRED),
            (self.tr("Saved"), StatusFilter.SAVED),
            (self.tr("Download failed"), StatusFilter.DOWNLOAD_FAILED),
        ):
            self.status_combo.addItem(label, status)
        self.status_combo.setToolTip(self.tr("Show rows by status"))
        bar.addWidget(self.status_combo)
        bar.addStretch(1)
        # The list's buttons: beside the filter, or under it where the window is narrow.
        buttons = QHBoxLayout()
        buttons.setSpacing(8)
        buttons.addStretch(1)
        self.retry_button = QPushButton(self.tr("Retry failed"), parent)
        self.retry_button.setToolTip(
            self.tr("Ask again for the links that failed for a passing reason (Ctrl+R)")
        )
        self.refresh_button = QPushButton(self.tr("Refresh expired"), parent)
        self.refresh_button.setToolTip(self.tr("Get new links for the expired ones (Ctrl+F5)"))
        self.copy_all_button = QPushButton(icon(Glyph.COPY), self.tr("Copy links"), parent)
        self.copy_all_button.setToolTip(
            self.tr("The ready links of the rows shown, one per line (Ctrl+Shift+C)")
        )
        self.export_button = QPushButton(self.tr("Export…"), parent)
        self.export_button.setToolTip(
            self.tr("Save as CSV, JSON, a list of links or a downloader's input file (Ctrl+E)")
        )
        self.clear_button = QPushButton(self.tr("Clear"), parent)
        self.clear_button.setToolTip(
            self.tr("Remove every row; Undo (Ctrl+Z) brings them back, and History keeps them")
        )
        for button in (
            self.retry_button,
            self.refresh_button,
            self.copy_all_button,
            self.export_button,
            self.clear_button,
        ):
            buttons.addWidget(button)
        return StackingRow(bar, buttons, spacing=8)

    def _build_status_bar(self, parent: QWidget) -> QHBoxLayout:
        # A plain row rather than QStatusBar: its size grip adds nothing to a resizable
        # window and warns on headless platforms.
        bar = QHBoxLayout()
        bar.setSpacing(10)
        self.message_label = EndElidedLabel(parent)
        self.message_label.setTextFormat(Qt.TextFormat.PlainText)  # file names, as they are
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        bar.addWidget(self.message_label, 1)
        self.counts_label = QLabel(parent)
        bar.addWidget(self.counts_label)
        self.progress = QProgressBar(parent)
        self.progress.setFixedWidth(180)
        self.progress.setTextVisible(False)
        self.progress.hide()
        bar.addWidget(self.progress)
        self.cancel_button = QPushButton(self.tr("Cancel"), parent)
        self.cancel_button.setToolTip(self.tr("Stop resolving; what is done stays done"))
        self.cancel_button.hide()
        bar.addWidget(self.cancel_button)
        return bar

    def _action(
        self,
        text: str,
        slot: Callable[[], object],
        shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
        tip: str = "",
    ) -> QAction:
        from PySide6.QtGui import QAction, QKeySequence

        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setToolTip(tip)
            action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)  # shortcuts work even with the menu bar hidden
        return action

    def _build_actions(self) -> None:
        from PySide6.QtGui import QAction, QKeySequence

        resolver, links, tokens, downloads = self.resolver, self.links, self.tokens, self.downloads
        self.act_paste = self._action(
            self.tr("Add from clipboard"), self.paste_from_clipboard, QKeySequence.StandardKey.Paste
        )
        self.act_open = self._action(
            self.tr("Open list…"), self.choose_files, QKeySequence.StandardKey.Open
        )
        self.act_add = self._action(self.tr("Add IDs…"), self.show_add_dialog)
        self.act_resolve = self._action(
            self.tr("Resolve"), resolver.request_resolve, QKeySequence("Ctrl+Return")
        )
        # Enter on the keypad is a different key; accept both.
        self.act_resolve.setShortcuts([QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")])
        self.act_cancel = self._action(
            self.tr("Cancel resolving"), resolver.cancel, QKeySequence(Qt.Key.Key_Escape)
        )
        self.act_copy = self._action(
            self.tr("Copy selected links"),
            links.copy_selected_links,
            QKeySequence.StandardKey.Copy,
        )
        self.act_copy_all = self._action(
            self.tr("Copy the links shown"),
            links.copy_working_links,
            QKeySequence("Ctrl+Shift+C"),
        )
        self.act_export = self._action(
            self.tr("Export…"), self.choose_export, QKeySequence("Ctrl+E")
        )
        self.act_check = self._action(
            self.tr("Check token"), tokens.request_check, QKeySequence(Qt.Key.Key_F5)
        )
        self.act_filter = self._action(
            self.tr("Filter"), self.focus_filter, QKeySequence.StandardKey.Find
        )
        self.act_quit = self._action(self.tr("Quit"), self.close, QKeySequence("Ctrl+Q"))
        self.act_settings = self._action(
            self.tr("Settings…"), tokens.show_settings_dialog, QKeySequence(SETTINGS_SHORTCUT)
        )
        self.act_settings.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.act_retry = self._action(
            self.tr("Retry failed"), resolver.request_retry_failed, QKeySequence("Ctrl+R")
        )
        self.act_refresh = self._action(
            self.tr("Refresh expired"), resolver.request_refresh_expired, QKeySequence("Ctrl+F5")
        )
        self.act_remove = self._action(
            self.tr("Remove selected rows"), self.remove_selected, QKeySequence.StandardKey.Delete
        )
        # Only while the table has the focus: Delete in the filter box deletes text.
        self.act_remove.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.view.addAction(self.act_remove)
        self.act_clear = self._action(self.tr("Clear list"), self.clear_rows)
        self.act_undo = self._action(self.tr("Undo"), self.undo, QKeySequence.StandardKey.Undo)
        self.act_details = self._action(
            self.tr("Row details"), self.toggle_details, QKeySequence("Ctrl+I")
        )
        self.act_details.setCheckable(True)
        # Downloads.
        self.act_download = self._action(
            self.tr("Download…"), downloads.show_dialog, QKeySequence("Ctrl+D")
        )
        self.act_pause = self._action(
            self.tr("Pause download"), downloads.toggle_pause, QKeySequence("Ctrl+P")
        )
        self.act_cancel_download = self._action(
            self.tr("Cancel download"), downloads.cancel, QKeySequence("Shift+Esc")
        )
        self.act_retry_downloads = self._action(
            self.tr("Retry failed downloads"),
            downloads.request_retry_failed,
            QKeySequence("Ctrl+Shift+D"),
        )
        self.act_rest = self._action(self.tr("Download the rest"), downloads.request_rest)
        self.act_show_folder = self._action(
            self.tr("Show in folder"), lambda: downloads.show_folder()
        )
        self.act_show_failed = self._action(
            self.tr("Show failed downloads"), self.show_failed_downloads
        )
        # The token, the connection, profiles.
        self.act_set_token = self._action(self.tr("Set token…"), tokens.show_token_dialog)
        self.act_clear_token = self._action(self.tr("Clear token"), tokens.request_clear_token)
        self.act_doctor = self._action(self.tr("Check connection…"), self.check_connection)
        self.act_doctor.setToolTip(
            self.tr("Check the service, the clock, the token and today's quota, step by step")
        )
        self.act_requests = self._action(
            self.tr("Requests"), self.show_requests, QKeySequence(REQUESTS_SHORTCUT)
        )
        self.act_requests.setEnabled(self.requests is not None)
        self.act_edit_profile = self._action(self.tr("Edit profile…"), tokens.show_profile_dialog)
        self.act_new_profile = self._action(
            self.tr("New profile…"), lambda: tokens.show_profile_dialog(new=True)
        )
        self.act_demo = self._action(self.tr("Try the demo"), tokens.request_demo)
        self.act_notes = self._action(
            self.tr("Service notes"),
            self.show_service_notes,
            QKeySequence.StandardKey.HelpContents,
            self.tr("How the app uses the CloudBase service: tokens, quota, error codes"),
        )

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu(self.tr("&File"))
        for action in (self.act_add, self.act_paste, self.act_open):
            file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction(self.act_export)
        file_menu.addSeparator()
        file_menu.addAction(self.act_settings)
        file_menu.addSeparator()
        file_menu.addAction(self.act_quit)
        edit_menu = bar.addMenu(self.tr("&Edit"))
        _fill(
            edit_menu,
            self.act_undo,
            None,
            self.act_copy,
            self.act_copy_all,
            None,
            self.act_remove,
            self.act_clear,
            None,
            self.act_filter,
        )
        view_menu = bar.addMenu(self.tr("&View"))
        view_menu.addAction(self.act_details)
        columns = view_menu.addMenu(self.tr("Columns"))
        columns.aboutToShow.connect(lambda: self._fill_columns_menu(columns))
        view_menu.addSeparator()
        view_menu.addAction(self.act_requests)
        links_menu = bar.addMenu(self.tr("&Links"))
        for action in (
            self.act_resolve,
            self.act_cancel,
            self.act_retry,
            self.act_refresh,
        ):
            links_menu.addAction(action)
        _fill(
            bar.addMenu(self.tr("&Downloads")),
            self.act_download,
            self.act_pause,
            self.act_cancel_download,
            None,
            self.act_retry_downloads,
            self.act_rest,
            self.act_show_failed,
            self.act_show_folder,
        )
        bar.addMenu(self.history.menu)
        token_menu = bar.addMenu(self.tr("&Token"))
        for action in (self.act_set_token, self.act_check, self.act_clear_token):
            token_menu.addAction(action)
        token_menu.addSeparator()
        token_menu.addAction(self.act_doctor)
        token_menu.addSeparator()
        token_menu.addAction(self.act_edit_profile)
        token_menu.addAction(self.act_new_profile)
        token_menu.addSeparator()
        token_menu.addAction(self.act_demo)
        bar.addMenu(self.tr("&Help")).addAction(self.act_notes)

    def _columns_changed(self) -> None:
        hidden = sorted(c.name.lower() for c in self.view.user_hidden)
        self.prefs.set("hidden_columns", hidden)

    def _fill_columns_menu(self, menu: QMenu) -> None:
        menu.clear()
        for action in self.view.column_menu().actions():
            action.setParent(menu)
            menu.addAction(action)

    def _connect(self) -> None:
        links, resolver, downloads = self.links, self.resolver, self.downloads
        self.add_button.clicked.connect(self.show_add_dialog)
        self.open_button.clicked.connect(self.choose_files)
        self.resolve_button.clicked.connect(resolver.request_resolve)
        self.cancel_button.clicked.connect(resolver.cancel)
        self.retry_button.clicked.connect(resolver.request_retry_failed)
        self.refresh_button.clicked.connect(resolver.request_refresh_expired)
        self.copy_all_button.clicked.connect(links.copy_working_links)
        self.export_button.clicked.connect(self.choose_export)
        self.clear_button.clicked.connect(self.clear_rows)
        self.download_button.clicked.connect(lambda _checked=False: downloads.show_dialog())
        from tcb_gui.ui.text_filter import TextFilterInput

        self.text_filter = TextFilterInput(self.filter_edit, self.proxy)  # paced for long lists
        self.status_combo.currentIndexChanged.connect(self._status_filter_changed)
        self.model.countsChanged.connect(self._update_counts)
        self.model.countsChanged.connect(self._update_download_actions)
        self.model.rowsInserted.connect(self._rows_changed)
        self.model.rowsRemoved.connect(self._rows_changed)
        self.model.modelReset.connect(self._rows_changed)
        self.model.dataChanged.connect(self._data_changed)
        proxy, view = self.proxy, self.view
        for signal in (
            proxy.rowsInserted,
            proxy.rowsRemoved,
            proxy.modelReset,
            proxy.layoutChanged,
        ):
            signal.connect(view.refresh_empty_state)
            signal.connect(self._shown_changed)
        delegate = view.actions_delegate
        delegate.copyRequested.connect(lambda index: links.copy_row_link(self._row(index)))
        delegate.openRequested.connect(lambda index: links.open_row_link(self._row(index)))
        view.copy_row.connect(lambda index: links.copy_row_link(self._row(index)))
        view.activated_row.connect(self._row_activated)
        view.copyLinksRequested.connect(links.copy_selected_links)
        view.customContextMenuRequested.connect(self._context_menu)
        view.demo_button.clicked.connect(self.tokens.request_demo)
        selection = view.selectionModel()
        selection.currentRowChanged.connect(lambda *_: self._current_changed())
        self.details.closed.connect(lambda: self.set_details_shown(False))
        self.tokens.profileApplied.connect(self._show_run_options)
        # What is typed there is the profile's at once (showing a profile's own back is no
        # change), so Settings OK, a profile switch and a restart keep it.
        self.max_age_spin.valueChanged.connect(self.tokens.keep_max_age)
        self.concurrency_spin.valueChanged.connect(self.tokens.keep_concurrency)
        self.tokens.demoOfferChanged.connect(view.set_demo_offer)
        self.tokens.settingsApplied.connect(self._settings_applied)
        self.tokens.connectionCheckRequested.connect(self.check_connection)
        resolver.runningChanged.connect(self._resolve_running)
        resolver.progressed.connect(self._update_progress)
        resolver.finished.connect(self._resolve_finished)
        downloads.runningChanged.connect(self._update_download_actions)
        downloads.startingChanged.connect(lambda _starting: self._update_profile_choice())
        downloads.pausedChanged.connect(lambda _paused: self._update_download_actions())
        downloads.finished.connect(self._download_finished)
        self.downloads_panel.showFailedRequested.connect(self.show_failed_downloads)

    def _row(self, proxy_index: object) -> Row | None:
        if not isinstance(proxy_index, QModelIndex) or not proxy_index.isValid():
            return None
        return self.proxy.row_at(proxy_index.row())

    def selected_rows(self) -> list[Row]:
        selection = self.view.selectionModel()
        if selection is None:
            return []
        return self.proxy.rows_for(selection.selectedRows())

    def shown_rows(self) -> Sequence[Row] | None:
        """The rows a filter shows (view order), or None when no filter is set."""
        if not self.proxy.filtering:
            return None
        return self.proxy.visible_rows()

    def current_row(self) -> Row | None:
        return self._row(self.view.currentIndex())

    def _name_list(self, name: str) -> None:
        self.history.list_name = name

    def _run_options(self) -> tuple[int, int]:
        return self.max_age_spin.value(), self.concurrency_spin.value()

    def _show_run_options(self, profile: Profile) -> None:
        self.max_age_spin.setValue(profile.max_age)
        self.concurrency_spin.setValue(profile.concurrency)

    def _settings_applied(self, settings: Settings) -> None:
        self.history.set_keep(settings.history_size)

    async def _load_samples(self, text: str, source: str) -> object:
        if self.model.rowCount():
            return None  # the user's list stays; the samples are for an empty window
        return await self.ids.add_text(text, source=source)

    def _task_failed(self, name: str, error: BaseException) -> None:
        from tcb_gui.ui.core_text import core_text  # the presenters' import, after the paint
        from tcb_gui.ui.crash import report_crash

        if not isinstance(error, TcbError) and report_crash(error, f"task {name!r}"):
            return  # unexpected: a redacted crash report, and its banner (ui.crash)
        detail = core_text(error.message) if isinstance(error, TcbError) else type(error).__name__
        self.notifier.show_banner(
            "error",
            Tone.DANGER,
            self.tr("Something went wrong ({task}): {detail}").format(task=name, detail=detail),
        )

    # --- IDs in: the dialogs and the drop -------------------------------------------

    def paste_from_clipboard(self) -> None:
        from PySide6.QtGui import QGuiApplication

        from tcb_gui.ui.drop import payload_from_mime

        payload = payload_from_mime(QGuiApplication.clipboard().mimeData())
        if payload.empty:
            self.notifier.show_status(self.tr("The clipboard holds no text or files."))
            return
        self.ids.add_payload(payload, self.tr("the clipboard"))

    def choose_files(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        dialog = QFileDialog(self, self.tr("Open lists of IDs"))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
        dialog.setNameFilters(
            [
                self.tr("Lists (*.txt *.csv *.tsv *.json *.log)"),
                self.tr("All files (*)"),
            ]
        )
        dialog.filesSelected.connect(
            lambda files: self.ids.add_files_later([Path(f) for f in files])
        )
        dialog.open()

    def show_add_dialog(self) -> AddIdsDialog:
        from tcb_gui.ui.dialogs import AddIdsDialog

        dialog = AddIdsDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(
            lambda: self.tasks.start_unique(
                task_names.ADD_TEXT,
                self.ids.add_text(dialog.text(), source=self.tr("pasted text")),
            )
        )
        dialog.open()
        return dialog

    # drag and drop: anywhere on the window
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        from tcb_gui.ui.drop import payload_from_mime

        if not self._finished or payload_from_mime(event.mimeData()).empty:
            event.ignore()
            return
        event.acceptProposedAction()
        self.drop_overlay.show_over()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        event.acceptProposedAction()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        if self._finished:  # (Qt sends it even for a drag whose enter was ignored)
            self.drop_overlay.hide()
        event.accept()

    def dropEvent(self, event: QDropEvent) -> None:
        from tcb_gui.ui.drop import payload_from_mime

        if not self._finished:  # still starting: no presenter takes IDs yet
            event.ignore()
            return
        self.drop_overlay.hide()
        payload = payload_from_mime(event.mimeData())
        if payload.empty:
            event.ignore()
            return
        event.acceptProposedAction()
        self.ids.add_payload(payload, self.tr("the dropped text"))

    # --- links out: the row menu and the export dialog -------------------------------

    @property
    def run_active(self) -> bool:
        """Whether a resolve run is under way."""
        return self.resolver.running

    def _context_menu(self, pos: QPoint) -> QMenu | None:
        """The row menu (right click, Shift+F10, the menu key) of the rows under it."""
        links = self.links
        rows = self.selected_rows()
        clicked = self._row(self.view.indexAt(pos))
        if clicked is not None and clicked not in rows:
            rows = [clicked]
        if not rows:
            return None
        from PySide6.QtGui import QKeySequence

        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        first = rows[0]
        open_link = menu.addAction(icon(Glyph.OPEN), self.tr("Open link"))
        open_link.setShortcut(QKeySequence(Qt.Key.Key_Return))
        open_link.setEnabled(len(rows) == 1 and first.working_url is not None)
        open_link.triggered.connect(lambda: links.open_row_link(first))
        copy_link = menu.addAction(icon(Glyph.COPY), self.tr("Copy link"))
        copy_link.setShortcut(QKeySequence.StandardKey.Copy)
        copy_link.setEnabled(any(r.working_url for r in rows))
        copy_link.triggered.connect(
            lambda: links.copy_row_link(first) if len(rows) == 1 else links.copy_selected_links()
        )
        copy_id = menu.addAction(self.tr("Copy ID"))
        copy_id.triggered.connect(lambda: links.copy_row_ids(rows))
        details = menu.addAction(self.tr("Details"))
        details.setShortcut(QKeySequence("Ctrl+I"))
        details.triggered.connect(lambda: self.show_details_of(first))
        reason = self.model.words.reason(first)
        if len(rows) == 1 and reason:
            copy_reason = menu.addAction(self.tr("Copy the reason"))
            copy_reason.triggered.connect(lambda: links.copy_text(reason))
        menu.addSeparator()
        retry_rows = [r for r in rows if r.state is not RowState.RESOLVING and not r.working_url]
        retry = menu.addAction(self.tr("Resolve again"))
        retry.setEnabled(bool(retry_rows) and not self.resolver.running)
        retry.triggered.connect(lambda: self.resolver.start(retry_rows))
        self.downloads.extend_menu(menu, rows)
        menu.addSeparator()
        remove = menu.addAction(
            plural(len(rows), self.tr("Remove this row"), self.tr("Remove {n} rows"))
        )
        remove.setShortcut(QKeySequence.StandardKey.Delete)
        remove.triggered.connect(lambda: self.remove_rows(rows))
        menu.popup(self.view.viewport().mapToGlobal(pos))
        return menu

    def _row_activated(self, index: QModelIndex) -> None:
        """Return on a row: open its link; a row without one shows why in the details."""
        row = self._row(index)
        if row is None:
            return
        if row.working_url:
            self.links.open_row_link(row)
        else:
            self.show_details_of(row)

    def choose_export(self) -> ExportDialog | None:
        """Ctrl+E: the export dialog, in the last export's folder, with a name; all rows,
        the rows shown (first while a filter is on) or the selected ones."""
        from tcb_gui.ui.export_dialog import ExportDialog, default_export_dir

        if self.model.rowCount() == 0:
            self.notifier.show_status(self.tr("Nothing to export yet."))
            return None
        prefs = self.prefs
        folder_text = prefs.get("export_dir")
        folder = Path(folder_text) if folder_text else default_export_dir()
        if not folder.is_dir():
            folder = default_export_dir()
        try:
            fmt = ExportFormat(prefs.get("export_format"))
        except ValueError:
            fmt = ExportFormat.CSV
        shown = self.shown_rows()
        dialog = ExportDialog(
            rows=self.model.rowCount(),
            folder=folder,
            list_name=self.history.list_name or self.tr("TCB links"),
            fmt=fmt,
            bom=bool(prefs.get("export_bom")),
            shown=None if shown is None else len(shown),
            selected=len(self.selected_rows()),
            parent=self,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def chosen() -> None:
            picked = dialog.chosen()
            if picked is None:
                return
            path, fmt, bom = picked
            prefs.set("export_dir", str(path.parent))
            prefs.set("export_format", fmt.value)
            if fmt.value in ("csv", "tsv"):
                prefs.set("export_bom", bom)
            self.tasks.start(
                task_names.EXPORT,
                self.links.export_to(path, fmt, bom=bom, scope=dialog.scope()),
            )

        dialog.accepted.connect(chosen)
        dialog.open()
        return dialog

    # --- removing rows, and Undo ------------------------------------------------------

    def clear_rows(self) -> None:
        """Empty the list; Undo (Ctrl+Z) puts it back until something else is added."""
        count = self.model.rowCount()
        if not count:
            return
        self.resolver.cancel()
        cleared = self.history.clear_list()  # a new list; the cleared one stays in History
        self.notifier.hide_banner("run")
        from tcb_gui.ui.undo import UndoStep

        self._offer_undo(
            UndoStep([], cleared),
            plural(count, self.tr("Cleared 1 row."), self.tr("Cleared {n} rows.")),
        )

    def remove_selected(self) -> None:
        """Delete: remove the selected rows (Undo brings them back)."""
        rows = self.selected_rows()
        if not rows:
            self.notifier.show_status(self.tr("Select rows to remove first."))
            return
        self.remove_rows(rows)

    def remove_rows(self, rows: Sequence[Row]) -> int:
        removed = self.model.remove(rows)
        if not removed:
            return 0
        self.model.flush()
        from tcb_gui.ui.undo import UndoStep

        self._offer_undo(
            UndoStep(removed),
            plural(len(removed), self.tr("Removed 1 row."), self.tr("Removed {n} rows.")),
        )
        return len(removed)

    def _offer_undo(self, step: UndoStep, text: str) -> None:
        self._undo = step
        self.act_undo.setEnabled(True)
        self.notifier.show_banner(
            UNDO_BANNER,
            Tone.NEUTRAL,
            self.tr("{done} Undo (Ctrl+Z) puts back what was removed.").format(done=text),
            [(self.tr("Undo"), self.undo)],
        )

    def undo(self) -> int:
        """Ctrl+Z: put back the rows the last Clear or Remove took."""
        step, self._undo = self._undo, None
        self.act_undo.setEnabled(False)
        self.notifier.hide_banner(UNDO_BANNER)
        if step is None:
            self.notifier.show_status(self.tr("Nothing to undo."))
            return 0
        if step.cleared is not None:
            back = self.history.undo_clear(step.cleared)
            if not back and step.cleared.rows:
                self.notifier.show_status(
                    self.tr("The cleared list is in the History menu: new IDs came since.")
                )
                return 0
        else:
            back = self.model.restore(step.removed)
        self.model.flush()
        self.notifier.show_status(
            plural(back, self.tr("Put back 1 row."), self.tr("Put back {n} rows."))
        )
        return back

    def _drop_undo(self) -> None:
        """Another list came into the table: what Undo holds was the list before it's."""
        self._undo = None
        self.act_undo.setEnabled(False)
        self.notifier.hide_banner(UNDO_BANNER)

    def _forget_undo(self) -> None:
        if self._undo is not None and self._undo.cleared is not None and self.model.rowCount():
            # Something new came into the emptied list: the undo would mix two lists.
            self._undo = None
            self.act_undo.setEnabled(False)
            self.notifier.hide_banner(UNDO_BANNER)

    # --- the details pane ---------------------------------------------------------------

    def set_details_shown(self, shown: bool) -> None:
        self.details_wanted = shown
        self.prefs.set("details_pane", shown)
        self.act_details.setChecked(shown)
        self._place_details()

    def toggle_details(self) -> None:
        self.set_details_shown(not self.details_wanted)
        if self.details_wanted:
            self._current_changed()
            if self.details.row is None:
                self.notifier.show_status(
                    self.tr("Row details are on: select a row to see them (Ctrl+I hides them).")
                )

    def show_details_of(self, row: Row) -> None:
        """Show the pane with ``row`` in it (the row menu's Details, Return on a failure)."""
        self.details_wanted = True
        self.act_details.setChecked(True)
        self.details.show_row(row)
        self._place_details()

    def _place_details(self) -> None:
        # Shown for a row only: an empty pane would take the table's room for nothing.
        row = self.details.row
        self.details.setVisible(self.details_wanted and row is not None)

    def _current_changed(self) -> None:
        if self.details_wanted:
            self.details.show_row(self.current_row())
            self._place_details()

    def _data_changed(self, top: QModelIndex, bottom: QModelIndex) -> None:
        row = self.details.row
        if row is not None and self.details.isVisible() and top.row() <= row.pos <= bottom.row():
            self.details.refresh()

    # --- the Requests view, Check connection, the quota --------------------------------

    def show_requests(self) -> None:
        if self.requests is not None:
            self.requests.open()

    def show_service_notes(self) -> None:
        """Help ▸ Service notes (F1): the project's account of the service."""
        from tcb_gui.ui.service_notes import ServiceNotes

        ServiceNotes.open_at(self)

    def check_connection(self) -> None:
        """Token ▸ Check connection…: the doctor's checks of this window's profile."""
        self.tasks.start("doctor-open", self._open_doctor())

    async def _open_doctor(self) -> QWidget:
        from tcb_gui.ui.doctor_dialog import DoctorDialog, window_setup

        session = self.session
        setup = await window_setup(session.profile, session.token, session.store)
        await session.aopen_http()
        dialog = DoctorDialog(
            setup,
            store=session.store,
            http=session.http,
            trace=session.trace,
            runner=lambda name, coro: self.tasks.start(name, coro),
            on_quota=self.tokens.note_checked_quota,  # the badge says what it found
            parent=self,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    async def confirm_quota(self, preview: QuotaPreview) -> bool:
        """Before a resolve that would use up today's quota: start anyway, or not (the
        default) — the same question a download asks (``ui.quota_question``)."""
        from tcb_gui.ui.quota_question import ask_quota

        def shown(box: QMessageBox | None) -> None:
            self.quota_box = box

        return await ask_quota(preview, self, shown=shown)

    # --- long work ends -----------------------------------------------------------------

    def _resolve_finished(self, seconds: float, text: str) -> None:
        self.done_notifier.work_done(seconds, self.tr("Resolving finished"), text)

    def _download_finished(self, summary: DownloadSummary) -> None:
        self._update_download_actions()
        self.done_notifier.work_done(
            self.downloads.last_duration,
            self.tr("Download finished"),
            self.downloads_panel.summary_text(summary),
        )

    def show_failed_downloads(self) -> None:
        """Show only the rows whose download failed (the panel's "Show failed")."""
        # All of them, as the panel says: text typed in the filter earlier would hide
        # some (or all: "No rows match the filter" under "3 files failed").
        self.filter_edit.clear()
        index = self.status_combo.findData(StatusFilter.DOWNLOAD_FAILED)
        if index >= 0:
            self.status_combo.setCurrentIndex(index)
        # "Show failed lists them with their reasons": the reasons whole, not "Cannot …".
        self.view.show_whole_status()
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)
        if self.proxy.rowCount():
            self.view.setCurrentIndex(self.proxy.index(0, Column.FILE))

    def focus_filter(self) -> None:
        self.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_edit.selectAll()

    def _status_filter_changed(self, index: int) -> None:
        status = self.status_combo.itemData(index)
        if isinstance(status, StatusFilter):
            self.proxy.set_status_filter(status)

    # --- the status row and what is enabled -----------------------------------------

    def _rows_changed(self) -> None:
        self.view.refresh_empty_state()
        self._forget_undo()
        if self.details.row is not None:
            self.details.refresh()
        self._place_details()
        self._update_counts()

    def _shown_changed(self) -> None:
        # The filter's rows changed: "11 of 250 shown" follows (a cheap count).
        self._update_counts()

    def _tick(self) -> None:
        self.model.tick()
        # The countdown text is computed when painted: repaint only its column.
        view = self.view
        x = view.columnViewportPosition(Column.EXPIRES)
        if x >= 0 and self.model.counts().ok:
            width = view.columnWidth(Column.EXPIRES)
            view.viewport().update(QRect(x, 0, width, view.viewport().height()))
        if self.details.isVisible() and self.details.row is not None:
            self.details.refresh()  # one row: its expiry counts down too
        self.tokens.tick()

    def _resolve_running(self, running: bool) -> None:
        progress = self.resolver.progress
        if running:
            self._resolve_started = time.monotonic()
        self.progress.setVisible(running)
        self.cancel_button.setVisible(running)
        if running and progress is not None:
            self.progress.setRange(0, progress.total)
            self.progress.setValue(0)
        self._update_counts()

    def _update_progress(self) -> None:
        run = self.resolver.progress
        if run is None:
            return
        self.progress.setValue(run.done)
        text = self.tr("resolved {done} of {total}").format(
            done=fmt_int(run.done), total=fmt_int(run.total)
        )
        if run.failed:
            text += " · " + self.tr("{n} failed").format(n=fmt_int(run.failed))
        self.counts_label.setText(text)

    def _update_counts(self) -> None:
        counts = self.model.counts()
        running = self.resolver.running
        if running:
            self._update_progress()
        else:
            self.counts_label.setText(self.counts_text())
        to_resolve = counts.pending + counts.paused
        self.act_resolve.setEnabled(not running)
        self.resolve_button.setEnabled(not running and to_resolve > 0)
        self.resolve_button.setText(
            self.tr("Resume") if counts.paused and not running else self.tr("Resolve")
        )
        self.act_retry.setEnabled(not running and counts.failed > 0)
        self.retry_button.setEnabled(not running and counts.failed > 0)
        self.act_refresh.setEnabled(not running and counts.expired > 0)
        self.refresh_button.setEnabled(not running and counts.expired > 0)
        self.copy_all_button.setEnabled(counts.working > 0)
        self.act_copy_all.setEnabled(counts.working > 0)
        self.export_button.setEnabled(counts.total > 0)
        self.act_export.setEnabled(counts.total > 0)
        self.clear_button.setEnabled(counts.total > 0)
        self.act_clear.setEnabled(counts.total > 0)
        self.act_remove.setEnabled(counts.total > 0)
        self.act_cancel.setEnabled(running)
        self._update_profile_choice()

    def counts_text(self) -> str:
        """The status row's counts: "250 IDs · 235 ready · 15 failed", and with a filter
        "11 of 250 shown · …"; downloads add "196 saved · 1 download failed"."""
        counts = self.model.counts()
        if not counts.total:
            return ""
        if self.proxy.filtering:
            parts = [
                self.tr("{shown} of {total} shown").format(
                    shown=fmt_int(self.proxy.rowCount()), total=fmt_int(counts.total)
                )
            ]
        else:
            parts = [plural(counts.total, self.tr("1 ID"), self.tr("{n} IDs"))]
        if counts.working:
            parts.append(self.tr("{n} ready").format(n=fmt_int(counts.working)))
        if counts.failed:
            parts.append(self.tr("{n} failed").format(n=fmt_int(counts.failed)))
        if counts.expired:
            parts.append(self.tr("{n} expired").format(n=fmt_int(counts.expired)))
        waiting = counts.pending + counts.paused
        if waiting and waiting != counts.total:
            parts.append(self.tr("{n} to resolve").format(n=fmt_int(waiting)))
        if counts.saved:
            parts.append(self.tr("{n} saved").format(n=fmt_int(counts.saved)))
        if counts.download_failed:
            parts.append(
                plural(
                    counts.download_failed,
                    self.tr("1 download failed"),
                    self.tr("{n} downloads failed"),
                )
            )
        return " · ".join(parts)

    def _update_profile_choice(self) -> None:
        """The profile can be switched only while nothing runs: a run asks its profile's
        service with its profile's token, and a switch would change the token under it.
        "Try the demo" switches to the demo's profile, and a download that is starting
        (its quota question open) has chosen its profile already."""
        downloads = self.downloads
        idle = not self.resolver.running and not downloads.running and not downloads.starting
        self.token_panel.profile_combo.setEnabled(idle)
        self.act_demo.setEnabled(idle)
        self.view.demo_button.setEnabled(idle)

    def _update_download_actions(self) -> None:
        downloads = self.downloads
        running = downloads.running
        self._update_profile_choice()
        rows = self.model.rowCount() > 0
        self.download_button.setEnabled(not running and rows)
        self.act_download.setEnabled(not running and rows)
        self.act_pause.setEnabled(running)
        self.act_pause.setText(
            self.tr("Resume download") if downloads.paused else self.tr("Pause download")
        )
        self.act_cancel_download.setEnabled(running)
        idle = not running and downloads.last_options is not None
        counts = self.model.counts()
        self.act_retry_downloads.setEnabled(idle and counts.download_failed > 0)
        self.act_show_failed.setEnabled(counts.download_failed > 0)
        self.act_rest.setEnabled(idle and downloads.rest_count() > 0)
        self.act_show_folder.setEnabled(self.downloads_panel.dest is not None)

    # --- geometry and shutdown ------------------------------------------------------

    def _restore_geometry(self) -> None:
        saved = self.session.settings.window_geometry
        if saved:
            with contextlib.suppress(binascii.Error, ValueError):
                if self.restoreGeometry(base64.b64decode(saved)):
                    return
        # The first start: the default size, no taller than the screen's free height less
        # a title bar (a 1366 x 768 laptop has about 730 px under its panel: the status
        # row would be hidden) and no wider than its free width less the borders, down to
        # the window's minimum (a 1920 px screen at 200 % is 960 px wide: the token's
        # buttons, "At once" and Copy would be off its right edge).
        width, height = DEFAULT_SIZE
        screen = self.screen()
        if screen is not None:
            free = screen.availableGeometry()
            height = min(height, free.height() - TITLE_BAR_ALLOWANCE)
            width = max(self.minimumWidth(), min(width, free.width() - SIDE_BORDER_ALLOWANCE))
        self.resize(width, height)

    def on_first_paint(self, callback: Callable[[], None] | None) -> None:
        """Call ``callback`` when the window paints its first frame (``app.run`` waits
        for it before building the rest); None forgets it."""
        self._first_paint_callback = callback

    def paintEvent(self, event: QPaintEvent) -> None:
        if self.first_paint_at is None:
            self.first_paint_at = time.perf_counter()
            callback, self._first_paint_callback = self._first_paint_callback, None
            if callback is not None:
                callback()  # a nested loop's quit(): the frame still paints and flushes
        super().paintEvent(event)

    def set_shutdown_hook(self, hook: Callable[[], None] | None) -> None:
        """Let the app run an asynchronous shutdown instead of closing at once."""
        self._shutdown_hook = hook
        if hook is not None and self._close_asked:
            self._close_asked = False
            hook()  # closed (Ctrl+Q, the window manager) while it was starting

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._deferred and self._shutdown_hook is None:
            event.ignore()  # app.run is still starting it: closed once its loop runs
            self._close_asked = True
            return
        if self._shutdown_hook is not None and not self._closed:
            event.ignore()  # the app closes the window once tasks and the client are done
            self._shutdown_hook()
            return
        super().closeEvent(event)

    async def aclose(self) -> None:
        """Cancel tasks, remember the window geometry, close the session."""
        if self._closed:
            return
        self._closed = True
        self.notifier.close()
        self.done_notifier.close()
        if self.requests is not None:
            self.requests.dispose()
            self.requests.hide()
        self._countdown_timer.stop()
        await self.tasks.aclose()
        # A run the close cancelled kept no reading (``after_run`` does nothing while
        # tasks close): its link calls reach the file here, and ``session.aclose`` waits
        # for the write, so the command line's next run counts on from them.
        self.tokens.keep_reading()
        await self.history.aclose()
        self.session.settings.window_geometry = base64.b64encode(self.saveGeometry().data()).decode(
            "ascii"
        )
        try:
            await self.session.save_settings()
        except (InputError, OSError) as exc:
            log.warning("could not save the settings on exit: %s", type(exc).__name__)
        await self.session.aclose()


def _fill(menu: QMenu, *actions: QAction | None) -> None:
    """Add ``actions`` to ``menu``; None is a separator."""
    for action in actions:
        if action is None:
            menu.addSeparator()
        else:
            menu.addAction(action)
