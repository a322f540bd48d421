"""The main window: IDs in (drop, paste, open, type), links out (copy, open, export).

Slots stay thin: each starts a named task (``TaskKeeper``) that runs one of the plain
coroutines below — ``add_text``, ``add_paths``, ``resolve_rows``, ``check_token``,
``save_token``, ``clear_token``, ``export_to``, ``start_demo`` — which tests await
directly. Blocking work (parsing big inputs, the keyring, writing files, starting the
demo service) runs in worker threads.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import dataclasses
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QPoint, QRect, Qt, QTimer, QUrl
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDesktopServices,
    QDragEnterEvent,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
    QGuiApplication,
    QKeySequence,
    QPaintEvent,
)
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
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

from tcb_gui.core.client import MAX_CONCURRENCY, LinkResult, TokenCheck
from tcb_gui.core.errors import (
    InputError,
    KeyringUnavailableError,
    ServiceError,
    TcbError,
    TokenError,
    TokenState,
)
from tcb_gui.core.export import ExportFormat, export_results, write_export
from tcb_gui.core.fileids import FileId, IdScan, find_ids, merge_scans, read_ids_from_path
from tcb_gui.core.tokens import TokenSource
from tcb_gui.ui.a11y import install as install_accessibility
from tcb_gui.ui.appsecret import StableTokens
from tcb_gui.ui.banner import BannerArea
from tcb_gui.ui.core_text import core_text
from tcb_gui.ui.crash import report_crash
from tcb_gui.ui.dialogs import AddIdsDialog, ProfileDialog, SetTokenDialog
from tcb_gui.ui.download_controller import DownloadController
from tcb_gui.ui.drop import DropOverlay, DropPayload, payload_from_mime
from tcb_gui.ui.duration_spin import DurationSpinBox
from tcb_gui.ui.formatting import fmt_int, plural
from tcb_gui.ui.gc_freeze import make_long_lived, settle_long_lived
from tcb_gui.ui.history import HistoryController
from tcb_gui.ui.icons import Glyph, app_icon, icon
from tcb_gui.ui.palette import Tone
from tcb_gui.ui.resolve_slices import resolve_in_slices
from tcb_gui.ui.results_model import Column, ResultsModel, Row, RowState
from tcb_gui.ui.results_proxy import ResultsProxy, StatusFilter
from tcb_gui.ui.results_view import ResultsView
from tcb_gui.ui.session import DEMO_PROFILE, Session
from tcb_gui.ui.settings_dialog import SHORTCUT as SETTINGS_SHORTCUT
from tcb_gui.ui.settings_dialog import SettingsDialog, open_settings_dialog
from tcb_gui.ui.tasks import TaskKeeper
from tcb_gui.ui.text_filter import TextFilterInput
from tcb_gui.ui.token_badge import BadgeInfo
from tcb_gui.ui.token_panel import TokenPanel

if TYPE_CHECKING:
    from tcb_gui.core.settings import Profile
    from tcb_gui.demo.server import DemoServer

log = logging.getLogger(__name__)

# Text longer than this is parsed in a worker thread (a few ms of regex work at most
# stays on the loop).
INLINE_PARSE_MAX_CHARS = 64 * 1024
# Rows inserted (or marked) per model change while handling a huge list; the loop
# breathes between batches, so no single step holds the window for long.
ROW_INSERT_BATCH = 2_000
# The expiry countdown and the token's time left tick once a second.
COUNTDOWN_INTERVAL_MS = 1_000
STATUS_MESSAGE_MS = 10_000
DEFAULT_SIZE = (1200, 740)

# Results recorded between two gc freezes during a run (see gc_freeze).
GC_SETTLE_EVERY = 2_000

RESOLVE_TASK = "resolve"
CHECK_TASK = "check-token"


@dataclass(slots=True)
class AddOutcome:
    """What one add (paste, drop, file) took."""

    added: int = 0
    duplicates: int = 0
    lines_without_id: int = 0
    malformed: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass(slots=True)
class RunProgress:
    total: int = 0
    done: int = 0
    failed: int = 0


class MainWindow(QMainWindow):
    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.tasks = TaskKeeper(on_error=self._task_failed)
        self.setWindowTitle(self.tr("TCB Links"))
        self.setWindowIcon(app_icon())
        self.setAcceptDrops(True)
        self._shutdown_hook: Callable[[], None] | None = None
        self._closed = False
        self._run: RunProgress | None = None
        self._last_check: TokenCheck | None = None
        # Start-up timing (perf_counter seconds), read by the smoke test and the bench.
        self.started_at: float | None = None
        self.first_paint_at: float | None = None

        self.model = ResultsModel(self)
        self.proxy = ResultsProxy(self)
        self.proxy.setSourceModel(self.model)

        central = QWidget(self)
        self.setCentralWidget(central)
        outer = QVBoxLayout(central)
        outer.setContentsMargins(14, 12, 14, 6)
        outer.setSpacing(10)

        self.token_panel = TokenPanel(central)
        outer.addWidget(self.token_panel)
        outer.addLayout(self._build_run_bar(central))
        self.banners = BannerArea(central)
        outer.addWidget(self.banners)
        outer.addLayout(self._build_filter_bar(central))
        self.view = ResultsView(central)
        self.view.setModel(self.proxy)
        self.view.configure_columns()
        outer.addWidget(self.view, 1)
        outer.addLayout(self._build_status_bar(central))
        self.history = HistoryController(self)  # saves the list, History menu, restore
        self.stable = StableTokens(self)  # mini program profiles: AppID + AppSecret
        self._build_actions()
        self._build_menus()
        self.drop_overlay = DropOverlay(central)

        self._countdown_timer = QTimer(self)
        self._countdown_timer.setObjectName("countdown")
        self._countdown_timer.setInterval(COUNTDOWN_INTERVAL_MS)
        self._countdown_timer.timeout.connect(self._tick)
        self._countdown_timer.start()

        self._connect()
        self.downloads = DownloadController(self)  # Ctrl+D, the Download column and panel
        outer.insertWidget(outer.count() - 1, self.downloads.panel)  # above the status row
        self._restore_geometry()
        self._apply_profile()
        self._update_counts()
        self.a11y = install_accessibility(self)  # screen-order Tab chain, accessible names

    # --- building -------------------------------------------------------------------

    def _build_run_bar(self, parent: QWidget) -> QHBoxLayout:
        bar = QHBoxLayout()
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
        return bar

    def _build_filter_bar(self, parent: QWidget) -> QHBoxLayout:
        bar = QHBoxLayout()
        bar.setSpacing(8)
        self.filter_edit = QLineEdit(parent)
        self.filter_edit.setPlaceholderText(self.tr("Filter by ID, link or message (Ctrl+F)"))
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setMinimumWidth(260)
        bar.addWidget(self.filter_edit, 2)
        self.status_combo = QComboBox(parent)
        for label, status in (
            (self.tr("All"), StatusFilter.ALL),
            (self.tr("Working"), StatusFilter.WORKING),
            (self.tr("Failed"), StatusFilter.FAILED),
            (self.tr("Pending"), StatusFilter.PENDING),
            (self.tr("Expired"), StatusFilter.EXPIRED),
        ):
            self.status_combo.addItem(label, status)
        self.status_combo.setToolTip(self.tr("Show rows by status"))
        bar.addWidget(self.status_combo)
        bar.addStretch(1)
        self.retry_button = QPushButton(self.tr("Retry failed"), parent)
        self.refresh_button = QPushButton(self.tr("Refresh expired"), parent)
        self.copy_all_button = QPushButton(icon(Glyph.COPY), self.tr("Copy working links"), parent)
        self.copy_all_button.setToolTip(self.tr("Every working link, one per line (Ctrl+Shift+C)"))
        self.export_button = QPushButton(self.tr("Export…"), parent)
        self.export_button.setToolTip(self.tr("Save as CSV, JSON or a list of links (Ctrl+E)"))
        self.clear_button = QPushButton(self.tr("Clear"), parent)
        self.clear_button.setToolTip(self.tr("Remove every row"))
        for button in (
            self.retry_button,
            self.refresh_button,
            self.copy_all_button,
            self.export_button,
            self.clear_button,
        ):
            bar.addWidget(button)
        return bar

    def _build_status_bar(self, parent: QWidget) -> QHBoxLayout:
        # A plain row rather than QStatusBar: its size grip adds nothing to a resizable
        # window and warns on headless platforms.
        bar = QHBoxLayout()
        bar.setSpacing(10)
        self.message_label = QLabel(parent)
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
        self._message_timer = QTimer(self)
        self._message_timer.setObjectName("status-message")
        self._message_timer.setSingleShot(True)
        self._message_timer.timeout.connect(self.message_label.clear)
        return bar

    def _action(
        self,
        text: str,
        slot: Callable[[], object],
        shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
        tip: str = "",
    ) -> QAction:
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
        self.act_paste = self._action(
            self.tr("Add from clipboard"), self.paste_from_clipboard, QKeySequence.StandardKey.Paste
        )
        self.act_open = self._action(
            self.tr("Open list…"), self.choose_files, QKeySequence.StandardKey.Open
        )
        self.act_add = self._action(self.tr("Add IDs…"), self.show_add_dialog)
        self.act_resolve = self._action(
            self.tr("Resolve"), self.request_resolve, QKeySequence("Ctrl+Return")
        )
        # Enter on the keypad is a different key; accept both.
        self.act_resolve.setShortcuts([QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")])
        self.act_cancel = self._action(self.tr("Cancel resolving"), self.cancel_run)
        self.act_copy = self._action(
            self.tr("Copy selected links"),
            self.copy_selected_links,
            QKeySequence.StandardKey.Copy,
        )
        self.act_copy_all = self._action(
            self.tr("Copy all working links"), self.copy_working_links, QKeySequence("Ctrl+Shift+C")
        )
        self.act_download = self._action(
            self.tr("Download…"), lambda: self.downloads.show_dialog(), QKeySequence("Ctrl+D")
        )
        self.act_export = self._action(
            self.tr("Export…"), self.choose_export, QKeySequence("Ctrl+E")
        )
        self.act_check = self._action(
            self.tr("Check token"), self.request_check, QKeySequence(Qt.Key.Key_F5)
        )
        self.act_filter = self._action(
            self.tr("Filter"), self.focus_filter, QKeySequence.StandardKey.Find
        )
        self.act_quit = self._action(self.tr("Quit"), self.close, QKeySequence("Ctrl+Q"))
        self.act_settings = self._action(
            self.tr("Settings…"), self.show_settings_dialog, QKeySequence(SETTINGS_SHORTCUT)
        )
        self.act_settings.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.act_retry = self._action(self.tr("Retry failed"), self.request_retry_failed)
        self.act_refresh = self._action(self.tr("Refresh expired"), self.request_refresh_expired)
        self.act_clear = self._action(self.tr("Clear list"), self.clear_rows)
        self.act_set_token = self._action(self.tr("Set token…"), self.show_token_dialog)
        self.act_clear_token = self._action(self.tr("Clear token"), self.request_clear_token)
        self.act_edit_profile = self._action(self.tr("Edit profile…"), self.show_profile_dialog)
        self.act_new_profile = self._action(
            self.tr("New profile…"), lambda: self.show_profile_dialog(new=True)
        )
        self.act_demo = self._action(self.tr("Try the demo"), self.request_demo)

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
        for action in (self.act_copy, self.act_copy_all, self.act_filter):
            edit_menu.addAction(action)
        links_menu = bar.addMenu(self.tr("&Links"))
        for action in (
            self.act_resolve,
            self.act_cancel,
            self.act_retry,
            self.act_refresh,
        ):
            links_menu.addAction(action)
        links_menu.addAction(self.act_download)
        links_menu.addSeparator()
        links_menu.addAction(self.act_clear)
        bar.addMenu(self.history.menu)
        token_menu = bar.addMenu(self.tr("&Token"))
        for action in (self.act_set_token, self.act_check, self.act_clear_token):
            token_menu.addAction(action)
        token_menu.addSeparator()
        token_menu.addAction(self.act_edit_profile)
        token_menu.addAction(self.act_new_profile)
        token_menu.addSeparator()
        token_menu.addAction(self.act_demo)

    def _connect(self) -> None:
        panel = self.token_panel
        panel.setTokenRequested.connect(self.show_token_dialog)
        panel.clearTokenRequested.connect(self.request_clear_token)
        panel.checkRequested.connect(self.request_check)
        panel.profileChosen.connect(self.request_profile)
        panel.editProfileRequested.connect(self.show_profile_dialog)
        panel.newProfileRequested.connect(lambda: self.show_profile_dialog(new=True))
        self.add_button.clicked.connect(self.show_add_dialog)
        self.open_button.clicked.connect(self.choose_files)
        self.resolve_button.clicked.connect(self.request_resolve)
        self.cancel_button.clicked.connect(self.cancel_run)
        self.retry_button.clicked.connect(self.request_retry_failed)
        self.refresh_button.clicked.connect(self.request_refresh_expired)
        self.copy_all_button.clicked.connect(self.copy_working_links)
        self.export_button.clicked.connect(self.choose_export)
        self.clear_button.clicked.connect(self.clear_rows)
        self.text_filter = TextFilterInput(self.filter_edit, self.proxy)  # paced for long lists
        self.status_combo.currentIndexChanged.connect(self._status_filter_changed)
        self.model.countsChanged.connect(self._update_counts)
        self.model.rowsInserted.connect(self._rows_changed)
        self.model.modelReset.connect(self._rows_changed)
        self.proxy.rowsInserted.connect(self.view.refresh_empty_state)
        self.proxy.rowsRemoved.connect(self.view.refresh_empty_state)
        self.proxy.modelReset.connect(self.view.refresh_empty_state)
        self.proxy.layoutChanged.connect(self.view.refresh_empty_state)
        delegate = self.view.actions_delegate
        delegate.copyRequested.connect(lambda index: self.copy_row_link(self._row(index)))
        delegate.openRequested.connect(lambda index: self.open_row_link(self._row(index)))
        self.view.copyLinksRequested.connect(self.copy_selected_links)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.view.demo_button.clicked.connect(self.request_demo)

    def _row(self, proxy_index: object) -> Row | None:
        if not isinstance(proxy_index, QModelIndex) or not proxy_index.isValid():
            return None
        return self.proxy.row_at(proxy_index.row())

    # --- messages -------------------------------------------------------------------

    def show_status(self, text: str, timeout_ms: int = STATUS_MESSAGE_MS) -> None:
        self.message_label.setText(text)
        if timeout_ms:
            self._message_timer.start(timeout_ms)
        else:
            self._message_timer.stop()

    def _task_failed(self, name: str, error: BaseException) -> None:
        if not isinstance(error, TcbError) and report_crash(error, f"task {name!r}"):
            return  # unexpected: a redacted crash report, and its banner (ui.crash)
        detail = core_text(error.message) if isinstance(error, TcbError) else type(error).__name__
        self.banners.show_message(
            "error",
            Tone.DANGER,
            self.tr("Something went wrong ({task}): {detail}").format(task=name, detail=detail),
        )

    # --- profile and token ----------------------------------------------------------

    def _apply_profile(self) -> None:
        session = self.session
        profile = session.profile
        self.token_panel.set_profiles(
            session.profile_names(),
            profile.name,
            DEMO_PROFILE if session.in_demo else None,
        )
        overridden = not session.in_demo and (
            session.overrides.base_url is not None or session.overrides.api is not None
        )
        self.token_panel.set_profile_details(profile, overridden)
        self.max_age_spin.setValue(profile.max_age)
        self.concurrency_spin.setValue(profile.concurrency)

    def _badge(self, state: TokenState, message: str = "", check: TokenCheck | None = None) -> None:
        token = self.session.token
        self.token_panel.badge.set_info(
            BadgeInfo(
                state=state,
                source=token.source,
                message=message,
                quota=check.quota if check is not None else None,
                time_left=self.session.time_left() if state is TokenState.VALID else None,
                checked_at=check.checked_at if check is not None else None,
            )
        )
        no_token = state is TokenState.NOT_SET
        self.view.set_demo_offer(no_token and not self.session.in_demo)
        self.token_panel.clear_button.setEnabled(token.source is not TokenSource.NONE)

    async def check_token(self) -> TokenCheck:
        """Reload the token (keyring off-thread) and ask the service what it thinks of it."""
        if self.stable.active:
            return await self.stable.check()
        self.stable.stop()
        try:
            await self.session.reload_token()
        except KeyringUnavailableError as exc:
            self.banners.show_message("keyring", Tone.WARNING, core_text(exc.message))
        if not self.session.token.is_set:
            check = TokenCheck(
                TokenState.NOT_SET,
                self.tr("No token is set for this profile."),
                datetime.now(UTC),
            )
            self._last_check = check
            self._badge(TokenState.NOT_SET, check.message)
            return check
        self._badge(TokenState.CHECKING, self.tr("Asking the service…"))
        await self.session.aopen_http()
        check = await self.session.client().check_token()
        self._last_check = check
        self._badge(check.state, check.message, check)
        paused = self.model.counts().paused
        if check.state is TokenState.VALID and paused and not self.run_active:
            self.banners.show_message(
                "run",
                Tone.INFO,
                self.tr("The token works. Resume to resolve the {n} waiting IDs.").format(
                    n=fmt_int(paused)
                ),
                [(self.tr("Resume"), self.request_resolve)],
            )
        return check

    async def save_token(self, token: str) -> None:
        """Keep ``token`` for the current profile (keyring, else this session) and check it."""
        profile = self.session.profile.name
        store = self.session.store
        if self.session.in_demo:
            # The demo profile is not a saved one: its token is for this session only.
            store.set_session(profile, token)
            self.session.use_demo_token(token)
            self.session.note_session_token(profile)
        else:
            try:
                await store.aset(profile, token)
            except KeyringUnavailableError as exc:
                # The store kept the token for this session; say so plainly.
                self.session.note_session_token(profile)
                self.banners.show_message("keyring", Tone.WARNING, core_text(exc.message))
            except InputError as exc:
                self.banners.show_message("token", Tone.DANGER, core_text(exc.message))
                return
            else:
                self.banners.hide_topic("keyring")
                self.session.settings.set_token_saved_at(profile, time.time())
                await self.session.save_settings()
        self.banners.hide_topic("token")
        self.show_status(self.tr("Token saved for profile “{name}”.").format(name=profile))
        await self.check_token()

    async def clear_token(self) -> None:
        if self.stable.active:
            await self.stable.clear_secret()
            return
        profile = self.session.profile.name
        if self.session.in_demo:
            self.show_status(self.tr("The demo token cannot be cleared; switch profiles instead."))
            return
        try:
            await self.session.store.aclear(profile)
        except KeyringUnavailableError as exc:
            self.banners.show_message("keyring", Tone.WARNING, core_text(exc.message))
        else:
            self.session.settings.set_token_saved_at(profile, None)
            await self.session.save_settings()
        check = await self.check_token()
        if check.state is not TokenState.NOT_SET and (
            self.session.token.source is TokenSource.ENVIRONMENT
        ):
            self.show_status(
                self.tr("The token comes from TCB_ACCESS_TOKEN; unset it to stop using it.")
            )
        else:
            self.show_status(self.tr("Token cleared for profile “{name}”.").format(name=profile))

    async def switch_profile(self, name: str) -> None:
        if self.run_active:
            self.tasks.cancel(RESOLVE_TASK)
        self.session.select_profile(name)
        if not self.session.in_demo:
            await self.session.save_settings()
        self._apply_profile()
        await self.check_token()

    async def save_profile(self, profile: Profile, app_secret: str | None = None) -> None:
        if app_secret is not None:
            try:
                await self.session.store.aset_app_secret(profile.name, app_secret)
            except KeyringUnavailableError as exc:  # kept for this session; say so
                self.banners.show_message("keyring", Tone.WARNING, core_text(exc.message))
            self.stable.stop()  # the next token comes from the new AppSecret
        self.session.put_profile(profile)
        await self.session.save_settings()
        self._apply_profile()
        await self.check_token()

    async def start_demo(self, *, load_samples: bool = True) -> None:
        """Start the built-in demo service and point this window at it."""
        if self.session.demo is None:
            server, token = await asyncio.to_thread(_start_demo_server)
            if self._closed:
                await asyncio.to_thread(server.stop)
                return
            self.session.use_demo(server, token)
        self._apply_profile()
        assert self.session.demo is not None
        self.banners.show_message(
            "demo",
            Tone.INFO,
            self.tr(
                "Demo mode: a local stand-in of the service at {url}, with a demo token for "
                "this session. Press Ctrl+Return to resolve."
            ).format(url=self.session.demo.base_url),
        )
        if load_samples and self.model.rowCount() == 0:
            from tcb_gui.demo.samples import sample_list_text

            await self.add_text(sample_list_text(), source=self.tr("demo samples"))
        await self.check_token()

    # --- IDs in ---------------------------------------------------------------------

    async def add_text(self, text: str, *, source: str = "") -> AddOutcome:
        """Find IDs in ``text`` and append the new ones."""
        try:
            if len(text) > INLINE_PARSE_MAX_CHARS:
                scan = await asyncio.to_thread(make_long_lived, find_ids, text, source=source)
            else:
                scan = find_ids(text, source=source)
        except InputError as exc:
            outcome = AddOutcome(errors=[core_text(exc.message)])
            self._report_add(outcome, source)
            return outcome
        return await self._take_scan(scan, [], source)

    async def add_paths(self, paths: Sequence[Path]) -> AddOutcome:
        """Read IDs from files (off the loop); unreadable files are reported, not fatal."""
        scans: list[IdScan] = []
        errors: list[str] = []
        for path in paths:
            try:
                scans.append(await asyncio.to_thread(make_long_lived, read_ids_from_path, path))
            except InputError as exc:
                errors.append(core_text(exc.message))
            except OSError as exc:
                errors.append(
                    self.tr("Cannot read {name}: {reason}").format(
                        name=path.name, reason=exc.strerror or type(exc).__name__
                    )
                )
        if len(scans) > 1:
            # Merging re-takes every ID (~30 ms at 100,000): not on the loop.
            scans = [await asyncio.to_thread(make_long_lived, merge_scans, *scans)]
        scan = scans[0] if scans else None
        names = ", ".join(p.name for p in paths[:3]) + ("…" if len(paths) > 3 else "")
        return await self._take_scan(scan, errors, names)

    async def _take_scan(self, scan: IdScan | None, errors: list[str], source: str) -> AddOutcome:
        outcome = AddOutcome(errors=list(errors))
        if scan is not None:
            outcome.duplicates = scan.duplicates
            outcome.lines_without_id = scan.lines_without_id
            outcome.malformed = len(scan.malformed)
            ids: tuple[FileId, ...] = scan.ids
            settle_long_lived()  # the parsed IDs live on in the rows
            for start in range(0, len(ids), ROW_INSERT_BATCH):
                added, dupes = self.model.append_ids(ids[start : start + ROW_INSERT_BATCH])
                outcome.added += added
                outcome.duplicates += dupes
                if start + ROW_INSERT_BATCH < len(ids):
                    settle_long_lived()
                    await asyncio.sleep(0)  # let the window paint between batches
            settle_long_lived()
        self._report_add(outcome, source)
        return outcome

    def _report_add(self, outcome: AddOutcome, source: str) -> None:
        parts = []
        if outcome.duplicates:
            parts.append(
                plural(outcome.duplicates, self.tr("1 duplicate"), self.tr("{n} duplicates"))
            )
        if outcome.lines_without_id:
            parts.append(
                plural(
                    outcome.lines_without_id,
                    self.tr("1 line without an ID"),
                    self.tr("{n} lines without an ID"),
                )
            )
        if outcome.malformed:
            parts.append(
                plural(outcome.malformed, self.tr("1 malformed ID"), self.tr("{n} malformed IDs"))
            )
        head = plural(outcome.added, self.tr("Added 1 ID"), self.tr("Added {n} IDs"))
        # Whole templates, not joined words: a translation may order and punctuate them.
        summary = (
            self.tr("{added} ({details})").format(added=head, details=self.tr(", ").join(parts))
            if parts
            else head
        )
        if source:
            summary = self.tr("{summary} from {source}").format(summary=summary, source=source)
        if outcome.errors:
            self.banners.show_message("input", Tone.DANGER, "\n".join(outcome.errors))
        elif outcome.added == 0 and not outcome.duplicates:
            self.banners.show_message(
                "input",
                Tone.WARNING,
                self.tr(
                    "No cloud:// IDs found in {source}. An ID looks like "
                    "cloud://env-id.bucket/path/file.png"
                ).format(source=source)
                if source
                else self.tr(
                    "No cloud:// IDs found. An ID looks like cloud://env-id.bucket/path/file.png"
                ),
            )
        else:
            self.banners.hide_topic("input")
        self.show_status(summary)

    def add_payload(self, payload: DropPayload, source: str) -> None:
        if payload.paths:
            self.tasks.start_unique("add-files", self.add_paths(list(payload.paths)))
        elif payload.text:
            self.tasks.start_unique("add-text", self.add_text(payload.text, source=source))

    def paste_from_clipboard(self) -> None:
        payload = payload_from_mime(QGuiApplication.clipboard().mimeData())
        if payload.empty:
            self.show_status(self.tr("The clipboard holds no text or files."))
            return
        self.add_payload(payload, self.tr("the clipboard"))

    def choose_files(self) -> None:
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
            lambda files: self.tasks.start_unique(
                "add-files", self.add_paths([Path(f) for f in files])
            )
        )
        dialog.open()

    def _files_chosen(self, files: list[str]) -> None:
        self.tasks.start_unique("add-files", self.add_paths([Path(f) for f in files]))

    def show_add_dialog(self) -> AddIdsDialog:
        dialog = AddIdsDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(
            lambda: self.tasks.start_unique(
                "add-text", self.add_text(dialog.text(), source=self.tr("pasted text"))
            )
        )
        dialog.open()
        return dialog

    # drag and drop: anywhere on the window
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if payload_from_mime(event.mimeData()).empty:
            event.ignore()
            return
        event.acceptProposedAction()
        self.drop_overlay.show_over()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        event.acceptProposedAction()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self.drop_overlay.hide()
        event.accept()

    def dropEvent(self, event: QDropEvent) -> None:
        self.drop_overlay.hide()
        payload = payload_from_mime(event.mimeData())
        if payload.empty:
            event.ignore()
            return
        event.acceptProposedAction()
        self.add_payload(payload, self.tr("the dropped text"))

    # --- resolve --------------------------------------------------------------------

    @property
    def run_active(self) -> bool:
        return self._run is not None

    def request_resolve(self) -> None:
        if self.run_active:
            self.show_status(self.tr("Already resolving."))
            return
        self.tasks.start(RESOLVE_TASK, self.resolve_rows(), replace=False)

    def request_retry_failed(self) -> None:
        rows = [r for r in self.model.rows_in(RowState.FAILED) if r.retryable]
        if not rows:
            self.show_status(
                self.tr(
                    "No failures worth retrying: those files failed themselves "
                    "(use Retry in the row's menu to try anyway)."
                )
            )
            return
        self.tasks.start(RESOLVE_TASK, self.resolve_rows(rows), replace=False)

    def request_refresh_expired(self) -> None:
        rows = [r for r in self.model.rows_in(RowState.OK) if r.expired]
        if not rows:
            self.show_status(self.tr("No expired links."))
            return
        self.tasks.start(RESOLVE_TASK, self.resolve_rows(rows), replace=False)

    def cancel_run(self) -> None:
        self.tasks.cancel(RESOLVE_TASK)

    async def resolve_rows(self, rows: Sequence[Row] | None = None) -> None:
        """Resolve ``rows`` (default: every pending or paused row) through core.

        A token error pauses the run: rows without a result wait for a valid token and
        the next resolve picks up exactly those. Nothing resolved is asked for again.
        """
        if self.run_active:
            return
        todo = (
            list(rows)
            if rows is not None
            else self.model.rows_in(RowState.PENDING, RowState.PAUSED)
        )
        if not todo:
            self.show_status(self.tr("Nothing to resolve: add IDs first."))
            return
        if self.stable.active and not await self.stable.before_run(todo):
            return  # no token from the AppID and AppSecret: rows paused, reason shown
        if not self.session.token.is_set:
            await self._reload_token_quietly()
        if not self.session.token.is_set:
            self.model.set_state(todo, RowState.PAUSED)
            self._badge(TokenState.NOT_SET)
            self.banners.show_message(
                "run",
                Tone.WARNING,
                self.tr("Set a token first: the service needs one to give out links."),
                self._token_actions(),
            )
            self.model.flush()
            return
        max_age, concurrency = self.max_age_spin.value(), self.concurrency_spin.value()
        if self.session.update_run_options(max_age, concurrency):
            await self.session.save_settings()
        await self.session.aopen_http()
        client = self.session.client(max_age=max_age, concurrency=concurrency)
        self._run = RunProgress(total=len(todo))
        self.banners.hide_topic("run")
        for start in range(0, len(todo), ROW_INSERT_BATCH):
            self.model.set_state(todo[start : start + ROW_INSERT_BATCH], RowState.RESOLVING)
            if len(todo) > ROW_INSERT_BATCH:
                self.model.flush()  # small ranged updates, not one 100,000-row re-filter
                await asyncio.sleep(0)
        self._show_progress(True)
        self._update_counts()
        try:
            # Slices: the engine's set-up of 100,000 IDs would hold the loop (resolve_slices).
            stream = resolve_in_slices(client, [r.fileid for r in todo])
            async with contextlib.aclosing(stream):
                settled_at = 0
                async for batch in stream:
                    self.model.apply_results(batch)
                    self._run.done += len(batch)
                    self._run.failed += sum(1 for r in batch if not r.ok)
                    if self._run.done - settled_at >= GC_SETTLE_EVERY:
                        settled_at = self._run.done
                        settle_long_lived()
                    self._update_progress()
        except TokenError as exc:
            self._pause(todo, exc)
        except ServiceError as exc:
            self._fail_rest(todo, exc)
        except asyncio.CancelledError:
            left = [r for r in todo if r.state is RowState.RESOLVING]
            self.model.set_state(left, RowState.PENDING)
            if not self._closed:
                self.show_status(
                    self.tr("Cancelled; {n} IDs were not resolved.").format(n=fmt_int(len(left)))
                )
            raise
        else:
            run = self._run
            self.show_status(
                self.tr("Done: {ok} links, {failed} failed.").format(
                    ok=fmt_int(run.done - run.failed), failed=fmt_int(run.failed)
                )
            )
        finally:
            self._run = None
            self.model.flush()
            if not self._closed:
                self._show_progress(False)
                self._update_counts()

    def _token_actions(self) -> list[tuple[str, Callable[[], object]]]:
        if self.stable.active:
            return self.stable.actions()
        return [(self.tr("Set token…"), self.show_token_dialog)]

    def _pause(self, todo: list[Row], exc: TokenError) -> None:
        waiting = [r for r in todo if r.state is RowState.RESOLVING]
        self.model.set_state(waiting, RowState.PAUSED)
        self._badge(exc.state, exc.message)
        self.banners.show_message(
            "run",
            Tone.DANGER,
            self.tr("Paused: {reason} {n} IDs are waiting; nothing resolved is lost.").format(
                reason=core_text(exc.message), n=fmt_int(len(waiting))
            ),
            [*self._token_actions(), (self.tr("Resume"), self.request_resolve)],
        )
        # After any token error the badge is re-checked against the service.
        self.tasks.start(CHECK_TASK, self._check_after_error(exc.state))

    async def _check_after_error(self, state: TokenState) -> None:
        check = await self.check_token()
        if check.state is TokenState.UNREACHABLE:
            self._badge(state)  # the service's own word stands until it can be asked

    def _fail_rest(self, todo: list[Row], exc: ServiceError) -> None:
        left = [r for r in todo if r.state is RowState.RESOLVING]
        self.model.apply_results(
            LinkResult(r.fileid, False, None, exc.message, None, None, exc.kind) for r in left
        )
        self.banners.show_message("run", Tone.DANGER, core_text(exc.message))

    async def _reload_token_quietly(self) -> None:
        try:
            await self.session.reload_token()
        except KeyringUnavailableError as exc:
            self.banners.show_message("keyring", Tone.WARNING, core_text(exc.message))

    def _show_progress(self, running: bool) -> None:
        self.progress.setVisible(running)
        self.cancel_button.setVisible(running)
        if running and self._run is not None:
            self.progress.setRange(0, self._run.total)
            self.progress.setValue(0)

    def _update_progress(self) -> None:
        run = self._run
        if run is None:
            return
        self.progress.setValue(run.done)
        text = self.tr("resolved {done} of {total}").format(
            done=fmt_int(run.done), total=fmt_int(run.total)
        )
        if run.failed:
            text += " · " + self.tr("{n} failed").format(n=fmt_int(run.failed))
        self.counts_label.setText(text)

    # --- links out ------------------------------------------------------------------

    def selected_rows(self) -> list[Row]:
        selection = self.view.selectionModel()
        if selection is None:
            return []
        return self.proxy.rows_for(selection.selectedRows())

    def copy_selected_links(self) -> int:
        rows = self.selected_rows()
        links = [r.working_url for r in rows if r.working_url]
        if not rows:
            self.show_status(self.tr("Select rows first (or Ctrl+Shift+C for every working link)."))
            return 0
        if not links:
            self.show_status(self.tr("The selected rows have no working links."))
            return 0
        QGuiApplication.clipboard().setText("\n".join(links) + ("\n" if len(links) > 1 else ""))
        skipped = len(rows) - len(links)
        message = plural(len(links), self.tr("Copied 1 link"), self.tr("Copied {n} links"))
        if skipped:
            message = self.tr("{copied} ({n} rows without a working link skipped)").format(
                copied=message, n=fmt_int(skipped)
            )
        self.show_status(message)
        return len(links)

    def copy_working_links(self) -> int:
        rows = sorted(self.model.rows(), key=lambda r: r.index)
        links = [url for r in rows if (url := r.working_url)]
        if not links:
            self.show_status(self.tr("No working links yet: resolve first (Ctrl+Return)."))
            return 0
        QGuiApplication.clipboard().setText("\n".join(links) + "\n")
        self.show_status(
            plural(
                len(links), self.tr("Copied 1 working link"), self.tr("Copied {n} working links")
            )
        )
        return len(links)

    def copy_row_link(self, row: Row | None) -> bool:
        if row is None or not row.url:
            return False
        if row.expired:
            self.show_status(self.tr("That link has expired: use Refresh expired."))
            return False
        QGuiApplication.clipboard().setText(row.url)
        self.show_status(self.tr("Copied the link of {key}").format(key=row.fileid.key))
        return True

    def copy_row_ids(self, rows: Sequence[Row]) -> None:
        if rows:
            QGuiApplication.clipboard().setText("\n".join(r.fileid.raw for r in rows))

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
            self.show_status(self.tr("Only http(s) links can be opened."))
            return False
        if not QDesktopServices.openUrl(url):
            self.show_status(self.tr("No browser could open the link."))
            return False
        return True

    def _context_menu(self, pos: QPoint) -> None:
        rows = self.selected_rows()
        clicked = self._row(self.view.indexAt(pos))
        if clicked is not None and clicked not in rows:
            rows = [clicked]
        if not rows:
            return
        menu = QMenu(self)
        first = rows[0]
        copy_link = menu.addAction(icon(Glyph.COPY), self.tr("Copy link"))
        copy_link.setEnabled(any(r.working_url for r in rows))
        copy_link.triggered.connect(
            lambda: self.copy_row_link(first) if len(rows) == 1 else self.copy_selected_links()
        )
        copy_id = menu.addAction(self.tr("Copy ID"))
        copy_id.triggered.connect(lambda: self.copy_row_ids(rows))
        open_link = menu.addAction(icon(Glyph.OPEN), self.tr("Open"))
        open_link.setEnabled(len(rows) == 1 and first.url is not None)
        open_link.triggered.connect(lambda: self.open_row_link(first))
        retry_rows = [r for r in rows if r.state is not RowState.RESOLVING and not r.working_url]
        retry = menu.addAction(self.tr("Retry"))
        retry.setEnabled(bool(retry_rows) and not self.run_active)
        retry.triggered.connect(
            lambda: self.tasks.start(RESOLVE_TASK, self.resolve_rows(retry_rows), replace=False)
        )
        self.downloads.extend_menu(menu, rows)
        menu.popup(self.view.viewport().mapToGlobal(pos))

    def choose_export(self) -> None:
        if self.model.rowCount() == 0:
            self.show_status(self.tr("Nothing to export yet."))
            return
        dialog = QFileDialog(self, self.tr("Export results"))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        filters = {
            self.tr("CSV (*.csv)"): ExportFormat.CSV,
            self.tr("JSON (*.json)"): ExportFormat.JSON,
            self.tr("Working links, one per line (*.txt)"): ExportFormat.URLS,
            self.tr("TSV (*.tsv)"): ExportFormat.TSV,
        }
        dialog.setNameFilters(list(filters))
        dialog.setDefaultSuffix("csv")
        dialog.filterSelected.connect(
            lambda name: dialog.setDefaultSuffix(filters[name].suffix.lstrip("."))
        )

        def chosen(path: str) -> None:
            fmt = filters.get(dialog.selectedNameFilter(), ExportFormat.CSV)
            self.tasks.start("export", self.export_to(Path(path), fmt))

        dialog.fileSelected.connect(chosen)
        dialog.open()

    async def export_to(self, path: Path, fmt: ExportFormat) -> int:
        """Write every row (input order) to ``path``; unresolved rows say so."""
        rows = sorted(self.model.rows(), key=lambda r: r.index)
        not_done = self.tr("Not resolved yet")
        results = [
            r.result
            if r.result is not None
            else LinkResult(r.fileid, False, None, not_done, None, None, None)
            for r in rows
        ]
        try:
            text = await asyncio.to_thread(export_results, results, fmt)
            await asyncio.to_thread(write_export, path, text)
        except (InputError, OSError) as exc:
            if isinstance(exc, InputError):
                message = core_text(exc.message)
            else:
                message = str(exc.strerror or exc)
            self.banners.show_message(
                "export",
                Tone.DANGER,
                self.tr("Could not export: {reason}").format(reason=message),
            )
            return 0
        self.banners.hide_topic("export")
        done = plural(len(rows), self.tr("Exported 1 row"), self.tr("Exported {n} rows"))
        self.show_status(self.tr("{done} to {path}").format(done=done, path=path))
        return len(rows)

    def clear_rows(self) -> None:
        if self.run_active:
            self.tasks.cancel(RESOLVE_TASK)
        self.history.clear_list()  # a new list; the cleared one stays in the history
        self.banners.hide_topic("run")
        self.show_status(self.tr("List cleared."))

    # --- small slots ----------------------------------------------------------------

    def request_check(self) -> None:
        self.tasks.start(CHECK_TASK, self.check_token())

    def request_clear_token(self) -> None:
        self.tasks.start("clear-token", self.clear_token())

    def request_profile(self, name: str) -> None:
        self.tasks.start("profile", self.switch_profile(name))

    def request_demo(self) -> None:
        self.tasks.start("demo", self.start_demo(), replace=False)

    def show_token_dialog(self) -> SetTokenDialog:
        if self.stable.active:
            return self.stable.show_secret_dialog()
        dialog = SetTokenDialog(self.session.profile.name, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(
            lambda: self.tasks.start("save-token", self.save_token(dialog.token()))
        )
        dialog.open()
        return dialog

    def show_settings_dialog(self) -> SettingsDialog:
        return open_settings_dialog(self)

    def show_profile_dialog(self, new: bool = False) -> ProfileDialog:
        current = None if new or self.session.in_demo else self.session.settings.current()
        dialog = ProfileDialog(current, self.session.profile_names(), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def saved() -> None:
            profile = dialog.profile()
            if profile is not None:
                self.tasks.start("profile", self.save_profile(profile, dialog.app_secret()))

        dialog.accepted.connect(saved)
        dialog.open()
        return dialog

    def focus_filter(self) -> None:
        self.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_edit.selectAll()

    def _status_filter_changed(self, index: int) -> None:
        status = self.status_combo.itemData(index)
        if isinstance(status, StatusFilter):
            self.proxy.set_status_filter(status)

    def _rows_changed(self) -> None:
        self.view.refresh_empty_state()
        self._update_counts()

    def _tick(self) -> None:
        self.model.tick()
        # The countdown text is computed when painted: repaint only its column.
        view = self.view
        x = view.columnViewportPosition(Column.EXPIRES)
        if x >= 0 and self.model.counts().ok:
            width = view.columnWidth(Column.EXPIRES)
            view.viewport().update(QRect(x, 0, width, view.viewport().height()))
        badge = self.token_panel.badge
        if badge.state is TokenState.VALID:
            info = badge.info
            left = self.session.time_left()
            if left is not None:
                badge.set_info(dataclasses.replace(info, time_left=left))

    def _update_counts(self) -> None:
        counts = self.model.counts()
        running = self.run_active
        if running:
            self._update_progress()
        else:
            parts = [plural(counts.total, self.tr("1 ID"), self.tr("{n} IDs"))]
            if counts.working:
                parts.append(self.tr("{n} working").format(n=fmt_int(counts.working)))
            if counts.failed:
                parts.append(self.tr("{n} failed").format(n=fmt_int(counts.failed)))
            if counts.expired:
                parts.append(self.tr("{n} expired").format(n=fmt_int(counts.expired)))
            waiting = counts.pending + counts.paused
            if waiting and waiting != counts.total:
                parts.append(self.tr("{n} to resolve").format(n=fmt_int(waiting)))
            self.counts_label.setText(" · ".join(parts) if counts.total else "")
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
        self.export_button.setEnabled(counts.total > 0)
        self.act_export.setEnabled(counts.total > 0)
        self.clear_button.setEnabled(counts.total > 0)
        self.act_cancel.setEnabled(running)
        self.token_panel.profile_combo.setEnabled(not running)

    # --- geometry and shutdown ------------------------------------------------------

    def _restore_geometry(self) -> None:
        saved = self.session.settings.window_geometry
        if saved:
            with contextlib.suppress(binascii.Error, ValueError):
                if self.restoreGeometry(base64.b64decode(saved)):
                    return
        self.resize(*DEFAULT_SIZE)

    def paintEvent(self, event: QPaintEvent) -> None:
        if self.first_paint_at is None:
            self.first_paint_at = time.perf_counter()
        super().paintEvent(event)

    def set_shutdown_hook(self, hook: Callable[[], None] | None) -> None:
        """Let the app run an asynchronous shutdown instead of closing at once."""
        self._shutdown_hook = hook

    def closeEvent(self, event: QCloseEvent) -> None:
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
        self._countdown_timer.stop()
        await self.tasks.aclose()
        await self.history.aclose()
        self.session.settings.window_geometry = base64.b64encode(self.saveGeometry().data()).decode(
            "ascii"
        )
        try:
            await self.session.save_settings()
        except (InputError, OSError) as exc:
            log.warning("could not save the settings on exit: %s", type(exc).__name__)
        await self.session.aclose()


def _start_demo_server() -> tuple[DemoServer, str]:
    """Import and start the demo service (in a worker thread: uvicorn imports are slow)."""
    from tcb_gui.demo.server import DemoServer
    from tcb_gui.demo.service import DEMO_TOKEN

    server = DemoServer()
    server.start()
    return server, DEMO_TOKEN
