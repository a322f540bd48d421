"""The strip at the top of the window: profile, token badge and the token's actions."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtGui import QHelpEvent, QPaintEvent, QPalette, QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QMenu,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QToolTip,
    QWidget,
)

from tcb_gui.core.service_modes import ApiMode
from tcb_gui.core.settings import Profile
from tcb_gui.ui.icons import Glyph, icon
from tcb_gui.ui.narrow import GivingRow, set_words
from tcb_gui.ui.palette import Tone
from tcb_gui.ui.token_badge import TokenBadge


class ElidedLabel(QLabel):
    """A label that shows the longest of its forms that fits instead of clipping: its
    full text, then each shorter form given, then the last one cut short with "…" — or
    nothing at all where even that would keep fewer than ``MIN_SHOWN`` characters ("co…35"
    tells nobody anything; the tooltip still holds the full text)."""

    MIN_SHOWN = 8

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._forms: tuple[str, ...] = ("",)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(0)

    def set_full_text(self, text: str, shorter: tuple[str, ...] = ()) -> None:
        self._forms = (text, *shorter)
        self.setToolTip(text)
        self._elide()

    def full_text(self) -> str:
        return self._forms[0]

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        metrics = self.fontMetrics()
        width = self.width()
        for form in self._forms:
            if metrics.horizontalAdvance(form) <= width:
                self.setText(form)
                return
        last = metrics.elidedText(self._forms[-1], Qt.TextElideMode.ElideRight, width)
        self.setText(last if len(last) > self.MIN_SHOWN else "")


class ProfileCombo(QComboBox):
    """The profile list, as wide as the profile's name; where the strip cannot give it
    that (a long name, half a screen) the name ends in "…" down to ``MIN_CHARS``
    characters, and the tooltip then gives it whole."""

    MIN_CHARS = 8

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        metrics = self.fontMetrics()
        text = self.currentText()
        short = metrics.horizontalAdvance(text[: self.MIN_CHARS] + "…")
        cut = max(0, metrics.horizontalAdvance(text) - short)
        return QSize(max(hint.width() - cut, 0), hint.height())

    def _cut_short(self) -> bool:
        return self.width() < self.sizeHint().width()

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self._cut_short():
            super().paintEvent(event)
            return
        # Here: making QStyle's Python type costs ~5 ms, not spent before the first paint.
        from PySide6.QtWidgets import QStyle, QStyleOptionComboBox, QStylePainter

        painter = QStylePainter(self)
        option = QStyleOptionComboBox()
        self.initStyleOption(option)
        field = self.style().subControlRect(
            QStyle.ComplexControl.CC_ComboBox,
            option,
            QStyle.SubControl.SC_ComboBoxEditField,
            self,
        )
        option.currentText = self.fontMetrics().elidedText(
            option.currentText, Qt.TextElideMode.ElideRight, field.width()
        )
        painter.drawComplexControl(QStyle.ComplexControl.CC_ComboBox, option)
        painter.drawControl(QStyle.ControlElement.CE_ComboBoxLabel, option)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and self._cut_short():
            assert isinstance(event, QHelpEvent)
            QToolTip.showText(event.globalPos(), f"{self.currentText()}\n{self.toolTip()}", self)
            return True
        return super().event(event)


class TokenPanel(QWidget):
    profileChosen = Signal(str)
    setTokenRequested = Signal()
    clearTokenRequested = Signal()
    checkRequested = Signal()
    editProfileRequested = Signal()
    newProfileRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = GivingRow()
        self.setLayout(layout)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        profile_label = QLabel(self.tr("&Profile"), self)
        layout.addWidget(profile_label)
        self.profile_combo = ProfileCombo(self)
        self.profile_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        # Its name is cut short only when nothing else can give way (a long name in a
        # window half a screen wide): the address beside it goes first.
        self.profile_combo.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.profile_combo.setToolTip(self.tr("Which account set-up (API, base URL) to use"))
        profile_label.setBuddy(self.profile_combo)
        self.profile_combo.activated.connect(self._chosen)
        layout.addWidget(self.profile_combo)
        self.profile_button = QToolButton(self)
        self.profile_button.setText("⋯")
        self.profile_button.setToolTip(self.tr("Edit or add profiles"))
        self.profile_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        # Its entries are made as it first opens: the first action made in the process
        # brings QAction's and QKeySequence's enums, ~3 ms the first frame need not wait.
        menu = QMenu(self.profile_button)
        menu.aboutToShow.connect(self._fill_profile_menu)
        self.profile_button.setMenu(menu)
        layout.addWidget(self.profile_button)
        self.where = ElidedLabel(self)
        # Muted, and still 4.5:1: PlaceholderText follows a switch of theme, where a
        # colour copied from the palette here would not.
        self.where.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        layout.addWidget(self.where, 1)
        self.badge = TokenBadge(self)
        self.badge.activated.connect(self.checkRequested.emit)
        layout.addWidget(self.badge)
        self.set_button = QPushButton(icon(Glyph.KEY, Tone.NEUTRAL), self.tr("Set token…"), self)
        self.set_button.clicked.connect(self.setTokenRequested.emit)
        layout.addWidget(self.set_button)
        self.check_button = QPushButton(self.tr("Check"), self)
        self.check_button.setToolTip(self.tr("Check the token with the service (F5)"))
        self.check_button.clicked.connect(self.checkRequested.emit)
        layout.addWidget(self.check_button)
        self.clear_button = QPushButton(self.tr("Clear token"), self)
        self.clear_button.setToolTip(self.tr("Forget the saved token of this profile"))
        self.clear_button.clicked.connect(self.clearTokenRequested.emit)
        layout.addWidget(self.clear_button)
        # Narrow (half a screen, a mini program profile): its key icon alone.
        layout.give_way(self.set_button)
        layout.keep_whole(self.profile_combo)

    def _fill_profile_menu(self) -> None:
        menu = self.profile_button.menu()
        if menu.isEmpty():
            menu.addAction(self.tr("Edit profile…"), self.editProfileRequested.emit)
            menu.addAction(self.tr("New profile…"), self.newProfileRequested.emit)

    def _chosen(self, index: int) -> None:
        name = self.profile_combo.itemData(index)
        if isinstance(name, str):
            self.profileChosen.emit(name)

    def set_profiles(self, names: list[str], current: str, demo_name: str | None = None) -> None:
        combo = self.profile_combo
        combo.blockSignals(True)
        combo.clear()
        for name in names:
            label = self.tr("Demo service") if name == demo_name else name
            combo.addItem(label, name)
        combo.setCurrentIndex(max(0, names.index(current) if current in names else 0))
        combo.blockSignals(False)

    def set_profile_details(self, profile: Profile, overridden: bool) -> None:
        api = "componenttcb" if profile.api is ApiMode.COMPONENT else "tcb"
        parts = [api, profile.appid] if profile.uses_appsecret else [api]
        note = " " + self.tr("(from the command line)") if overridden else ""
        # Where the strip is narrow: the address without its scheme, then the API alone
        # (with the note, which says why this is not the profile's own set-up).
        host = profile.base_url.partition("://")[2].rstrip("/") or profile.base_url
        self.where.set_full_text(
            " · ".join([*parts, profile.base_url]) + note,
            (" · ".join([*parts, host]) + note, api + note, api),
        )
        self.set_appsecret_mode(profile.uses_appsecret)

    def set_appsecret_mode(self, appsecret: bool) -> None:
        """A mini program profile is given its AppSecret, not a token."""
        if appsecret:
            set_words(
                self.set_button,
                self.tr("Set AppSecret…"),
                self.tr("Save the mini program's AppSecret; the app gets its tokens with it"),
            )
            self.clear_button.setText(self.tr("Clear AppSecret"))
            self.clear_button.setToolTip(self.tr("Forget the saved AppSecret of this profile"))
            self.check_button.setToolTip(
                self.tr("Get a token with the AppSecret and check it (F5)")
            )
        else:
            set_words(
                self.set_button,
                self.tr("Set token…"),
                self.tr("Paste the access token of this profile"),
            )
            self.clear_button.setText(self.tr("Clear token"))
            self.clear_button.setToolTip(self.tr("Forget the saved token of this profile"))
            self.check_button.setToolTip(self.tr("Check the token with the service (F5)"))
