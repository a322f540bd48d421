"""The window's "Check connection…": ``tcb-gui doctor``'s checks, the same lines, live.

``DoctorDialog(setup, store=…, http=…, trace=…, parent=…)`` runs ``core.doctor``'s
checks when shown (and again on "Check again"), adding one line per check as it is
known: core's mark of its level (✓ works, ✗ stops a resolve, ! a warning, – not
checked; ``core.doctor.MARKS``, as the command line prints them) with the detail, and
the next step under a ✗ or a !. The summary at the bottom says whether a resolve would
work. "Copy" puts the lines on the clipboard (no
secret in them) for a support request. In the window's language: the heading, the checks'
names and the summary are this module's words; a check's detail and next step are
core's, shown through ``ui.core_text`` (so in English unless core registered them).

``window_setup(profile, token, store)`` builds the ``DoctorSetup`` of the window's
current profile and token (the AppSecret read off the event loop in mini program
mode). The checks run as an asyncio task of the running (qasync) loop; ``runner`` may be
the window's ``TaskKeeper.start`` to keep them with the window's other tasks.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtGui import QBrush, QColor, QGuiApplication, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from tcb_gui.core.client import ApiMode, Quota
from tcb_gui.core.doctor import (
    Check,
    CheckName,
    DoctorSetup,
    Level,
    exit_status,
    run_doctor,
    warnings,
)
from tcb_gui.core.exit_status import ExitStatus
from tcb_gui.core.settings import DEMO_SESSION_PROFILE
from tcb_gui.ui.core_text import core_text
from tcb_gui.ui.service_notes import ServiceNotes, section_words

if TYPE_CHECKING:
    import httpx

    from tcb_gui.core.settings import Profile
    from tcb_gui.core.tokens import TokenInfo, TokenStore
    from tcb_gui.core.trace import TraceHub

TASK_NAME: Final = "doctor"
Runner = Callable[[str, Coroutine[Any, Any, Any]], object]
# The colour of a line by its level (core's, as its mark is); OK and not checked: the text's.
_LEVEL_COLOURS: Final = {Level.FAIL: QColor(200, 40, 40), Level.WARNING: QColor(190, 120, 0)}
_LOOK_AT: Final = frozenset({Level.FAIL, Level.WARNING})  # what Service notes opens at first
# A line's section of the service notes (UserRole holds the check's name).
_SECTION_ROLE: Final = Qt.ItemDataRole.UserRole + 1
# The checks' names (core's CheckName values are the command line's English words).
_CHECK_NAMES: Final[dict[CheckName, object]] = {
    CheckName.SERVICE: QT_TRANSLATE_NOOP("DoctorDialog", "Service"),
    CheckName.CLOCK: QT_TRANSLATE_NOOP("DoctorDialog", "Clock"),
    CheckName.TOKEN: QT_TRANSLATE_NOOP("DoctorDialog", "Token"),
    CheckName.API_MODE: QT_TRANSLATE_NOOP("DoctorDialog", "API mode"),
    CheckName.IP: QT_TRANSLATE_NOOP("DoctorDialog", "IP allowlist"),
    CheckName.QUOTA: QT_TRANSLATE_NOOP("DoctorDialog", "Quota today"),
    CheckName.KEYRING: QT_TRANSLATE_NOOP("DoctorDialog", "Keyring"),
}
# The API modes as the profile editor names them (the command line's --api values).
_API_WORDS: Final[dict[ApiMode, object]] = {
    ApiMode.COMPONENT: QT_TRANSLATE_NOOP("DoctorDialog", "component"),
    ApiMode.TCB: QT_TRANSLATE_NOOP("DoctorDialog", "tcb"),
}
_SOURCE_WORDS: Final = {
    "environment": "TCB_ACCESS_TOKEN",
    "keyring": "the keyring",
    "session": "this session",
}


async def window_setup(profile: Profile, token: TokenInfo, store: TokenStore) -> DoctorSetup:
    """The doctor's setup for the window's profile and the token it holds."""
    from tcb_gui.core.credentials import AuthMode
    from tcb_gui.core.tokens import TokenSource

    base = DoctorSetup(base_url=profile.base_url, api=profile.api, profile=profile.name)
    explicit = token.source is TokenSource.ENVIRONMENT  # it wins, as in a run
    if token.token and (profile.auth is not AuthMode.APPSECRET or explicit):
        source = _SOURCE_WORDS.get(token.source.value, token.source.value)
        return DoctorSetup(
            base.base_url, base.api, base.profile, token=token.token, token_source=source
        )
    if profile.auth is AuthMode.APPSECRET:
        secret = await store.acurrent_app_secret(profile.name)
        return DoctorSetup(
            base.base_url,
            base.api,
            base.profile,
            appid=profile.appid,
            app_secret=secret.secret,
            secret_source=_SOURCE_WORDS.get(secret.source.value, "") if secret.secret else "",
        )
    return base


class DoctorDialog(QDialog):
    """The checks of ``core.doctor`` as a list that fills while they run."""

    def __init__(
        self,
        setup: DoctorSetup,
        *,
        store: TokenStore | None = None,
        http: httpx.AsyncClient | None = None,
        trace: TraceHub | None = None,
        runner: Runner | None = None,
        on_quota: Callable[[Quota, datetime], object] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Check connection"))
        self.setObjectName("doctor_dialog")
        self.setup = setup
        self._store = store
        self._http = http
        self._trace = trace
        self._runner = runner
        self._on_quota = on_quota  # hears the numbers of the profile's own quota check
        self._task: asyncio.Task[Any] | None = None
        self._closed = False  # done() was called: the checks stop, the widgets may go
        self.checks: list[Check] = []
        self.running = False

        self.heading = QLabel(self.setup_text(setup), self)
        self.heading.setWordWrap(True)
        self.list = QListWidget(self)
        self.list.setWordWrap(True)
        self.list.setAlternatingRowColors(True)
        self.list.setSelectionMode(QListWidget.SelectionMode.NoSelection)
        self.summary = QLabel("", self)
        self.summary.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.again_button = QPushButton(self.tr("Check again"), self)
        self.copy_button = QPushButton(self.tr("Copy"), self)
        self.copy_button.setToolTip(self.tr("The lines as text, for a support request (no secret)"))
        self.notes_button = QPushButton(self.tr("Service notes"), self)
        self.notes_button.setToolTip(
            self.tr("The project's notes on the service, at the first check that needs a look")
        )
        buttons.addButton(self.again_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.notes_button, QDialogButtonBox.ButtonRole.HelpRole)
        buttons.rejected.connect(self.reject)
        self.notes_button.clicked.connect(lambda _checked=False: self.show_notes())
        self.list.itemDoubleClicked.connect(self._notes_of_item)
        self.again_button.clicked.connect(self.start)
        self.copy_button.clicked.connect(self.copy_lines)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.summary)
        layout.addWidget(buttons)
        self.resize(720, 460)

    # -- running -----------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self.running and not self.checks:
            self.start()

    def start(self) -> None:
        """Run the checks (again), as a task of the running loop."""
        if self.running:
            return
        self._closed = False
        coro = self.run_checks()
        if self._runner is not None:
            started = self._runner(TASK_NAME, coro)
            # TaskKeeper.start returns the task: kept, so closing the dialog cancels it.
            self._task = started if isinstance(started, asyncio.Task) else None
        else:
            self._task = asyncio.get_running_loop().create_task(coro, name=TASK_NAME)

    async def run_checks(self) -> list[Check]:
        """Every check, each shown as it comes; the summary once all are in. Closing the
        dialog cancels it; nothing is shown after that (the widgets may be gone)."""
        self.running = True
        self.again_button.setEnabled(False)
        self.checks = []
        self.list.clear()
        self.summary.setText(self.tr("Checking…"))
        try:
            async for check in run_doctor(
                self.setup, store=self._store, http=self._http, trace=self._trace
            ):
                if self._closed:
                    return self.checks
                self._add(check)
                if check.quota is not None and check.quota_asked_at and self._on_quota:
                    self._on_quota(check.quota, check.quota_asked_at)
        except Exception as exc:  # a bug must not leave the dialog spinning
            if not self._closed:
                self.summary.setText(
                    self.tr("The check itself failed: {error}").format(error=type(exc).__name__)
                )
            raise
        finally:
            self.running = False
            if not self._closed:
                self.again_button.setEnabled(True)
        if not self._closed:
            self._finish()
        return self.checks

    def _add(self, check: Check) -> None:
        self.checks.append(check)
        item = QListWidgetItem(self.line(check))
        if check.section:
            item.setToolTip(self.tr("See {link}.").format(link=section_words(check.section)))
        item.setData(_SECTION_ROLE, check.section)
        colour = _LEVEL_COLOURS.get(check.level)
        if colour is not None:
            item.setForeground(QBrush(colour))
        item.setData(Qt.ItemDataRole.UserRole, check.name.value)
        self.list.addItem(item)

    def show_notes(self, section: str | None = None) -> ServiceNotes:
        """Service notes at ``section``; by default at the first check that is not ✓
        and has a section of the notes behind it (else at their top)."""
        if section is None:
            section = next(
                (c.section for c in self.checks if c.level in _LOOK_AT and c.section), ""
            )
        return ServiceNotes.open_at(self, section)

    def _notes_of_item(self, item: QListWidgetItem) -> None:
        section = item.data(_SECTION_ROLE)
        if section:
            self.show_notes(str(section))

    def _finish(self) -> None:
        self.summary.setText(self.summary_text(self.checks))

    # -- the words (core.doctor's, in the window's language) ---------------------------------

    def setup_text(self, setup: DoctorSetup) -> str:
        """``core.doctor.describe_setup``'s line: which profile, API mode and base URL."""
        if setup.mini_program:
            return self.tr(
                "Checking profile {profile!r}: API mode {api} ({path}), mini program {appid}, {url}"
            ).format(
                profile=self.profile_name(setup.profile),
                api=self.api_name(setup.api),
                path=setup.api.cgi_path,
                appid=setup.appid,
                url=setup.base_url,
            )
        return self.tr("Checking profile {profile!r}: API mode {api} ({path}), {url}").format(
            profile=self.profile_name(setup.profile),
            api=self.api_name(setup.api),
            path=setup.api.cgi_path,
            url=setup.base_url,
        )

    def profile_name(self, name: str) -> str:
        """The profile as the window's profile list names it: the demo's session profile
        by the token strip's "Demo service", never its internal name "(demo)"."""
        if name == DEMO_SESSION_PROFILE:
            return QCoreApplication.translate("TokenPanel", "Demo service")
        return name

    def api_name(self, api: ApiMode) -> str:
        return QCoreApplication.translate("DoctorDialog", str(_API_WORDS.get(api, api.value)))

    def check_name(self, name: CheckName) -> str:
        return QCoreApplication.translate("DoctorDialog", str(_CHECK_NAMES.get(name, name.value)))

    def line(self, check: Check) -> str:
        """``Check.line()`` with the check's name translated; the detail and the next step
        are core's words, translated where core registered them (``ui.core_text``)."""
        text = self.tr("{mark} {name}: {detail}").format(
            mark=check.mark, name=self.check_name(check.name), detail=core_text(check.detail)
        )
        if check.next_step and check.ok is not True:
            text += "\n    → " + core_text(check.next_step)
        return text

    def summary_text(self, checks: list[Check]) -> str:
        """``core.doctor.summary``, and the names of the checks that block a resolve."""
        status = exit_status(checks)
        if status is ExitStatus.OK:
            count = warnings(checks)
            if count == 1:
                return self.tr("Ready to resolve. 1 warning above.")
            if count > 1:
                return self.tr("Ready to resolve. {n} warnings above.").format(n=count)
            return self.tr("Ready to resolve.")
        text = self.tr("Not ready to resolve: fix the ✗ lines above, then run the check again.")
        failed = [
            self.check_name(c.name) for c in checks if c.level is Level.FAIL and c.blocks is status
        ]
        return self.tr("{summary} ({failed})").format(
            summary=text, failed=self.tr(", ").join(failed)
        )

    # -- reading -----------------------------------------------------------------------------

    @property
    def ready(self) -> bool:
        """Whether a resolve would work (after the checks ran)."""
        return bool(self.checks) and exit_status(self.checks) is ExitStatus.OK

    def check(self, name: CheckName) -> Check | None:
        return next((c for c in self.checks if c.name is name), None)

    def text(self) -> str:
        lines = [self.heading.text(), *(self.line(c) for c in self.checks), self.summary.text()]
        return "\n".join(lines) + "\n"

    def copy_lines(self) -> None:
        QGuiApplication.clipboard().setText(self.text())

    def done(self, result: int) -> None:
        self._closed = True
        if self._task is not None and not self._task.done():
            self._task.cancel()
        super().done(result)
