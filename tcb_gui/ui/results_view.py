"""The results table view: fixed-height rows, painted buttons, a painted empty state.

Fixed row heights and fixed/stretch column modes keep 100,000 rows smooth: Qt never
asks every row for its size. The columns always fit the table's width (no horizontal
scroll bar at the default widths): File stretches, Link takes part of the rest and gives
way first when the table is narrow (at 960 px Copy and Open stay in view), Env next (a
window half a screen wide: the row's details still name it), and the header's menu
hides or shows Env, Expires in and Link. Keyboard: Return opens the
current row's link (or shows why it has none), Space copies it, Shift+F10 or the menu
key opens the row menu, and the standard Copy key copies the selected rows' links.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QPoint, QRect, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QMenu,
    QPushButton,
    QTableView,
    QWidget,
)

from tcb_gui.ui.delegates import ActionsDelegate, StatusDelegate
from tcb_gui.ui.icons import Glyph, icon
from tcb_gui.ui.palette import Tone
from tcb_gui.ui.results_model import Column

# Initial widths of the columns that do not stretch, in pixels at the default font;
# File stretches, Link takes LINK_SHARE of what File and Link share.
COLUMN_WIDTHS = {
    Column.NUMBER: 56,
    Column.ENV: 130,
    Column.STATUS: 196,
    Column.EXPIRES: 100,
}
LINK_SHARE = 0.42
# Link is shown only while File keeps at least this much beside it ("auto").
MIN_FILE_WIDTH = 260
MIN_LINK_WIDTH = 160
# Env is shown only while File keeps at least this much beside it (a 680 px window).
NARROW_FILE_WIDTH = 160
# Columns the header's menu can hide (the others are the job itself).
OPTIONAL_COLUMNS = (Column.ENV, Column.EXPIRES, Column.LINK)
ROW_PADDING = 14  # added to the font height for each row
EMPTY_ICON = 56
EMPTY_GAP = 14


FOCUS_RING_WIDTH = 2


def paint_current_cell_focus(view: QAbstractItemView, skip_column: int | None = None) -> None:
    """A clear 2 px ring around the focused view's current cell.

    Fusion's own focus frame is a faint tint, invisible on a dark palette and on the
    selection; this one uses the accent colour, or HighlightedText on a selected row.
    ``skip_column``: a column whose delegate draws its own ring.
    """
    if not view.hasFocus():
        return
    index = view.currentIndex()
    if not index.isValid() or index.column() == skip_column:
        return
    rect = view.visualRect(index)
    if rect.isEmpty():
        return
    selection = view.selectionModel()
    selected = selection is not None and selection.isSelected(index)
    palette = view.palette()
    # Accent: Highlight's brighter sibling (6.6+), clearer against a dark base.
    role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Accent
    painter = QPainter(view.viewport())
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(palette.color(role), FOCUS_RING_WIDTH))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRoundedRect(QRectF(rect).adjusted(1.5, 1.5, -1.5, -1.5), 3, 3)
    painter.end()


class ResultsView(QTableView):
    """The table. Signals carry proxy indexes; the window maps them to rows."""

    copyLinksRequested = Signal()  # the standard Copy key over the table
    activated_row = Signal(QModelIndex)  # Return on a row: open its link, or explain
    copy_row = Signal(QModelIndex)  # Space on a row: copy its link
    columnsChanged = Signal()  # the user hid or showed an optional column

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # A viewport made here, set up as Qt's own: PySide has a wrapper for it, where
        # the first viewport() call on Qt's costs ~8 ms finding its Python type, before
        # the window's first paint (docs/ARCHITECTURE.md#start-up).
        viewport = QWidget(self)
        viewport.setObjectName("qt_scrollarea_viewport")
        viewport.setBackgroundRole(QPalette.ColorRole.Base)
        viewport.setAutoFillBackground(True)
        self.setViewport(viewport)
        self.actions_delegate = ActionsDelegate(self)
        self.status_delegate = StatusDelegate(self)
        # Actions and Status (a download's bar) are painted in Python; the rest keep Qt's
        # C++ delegate.
        self.setItemDelegateForColumn(Column.ACTIONS, self.actions_delegate)
        self.setItemDelegateForColumn(Column.STATUS, self.status_delegate)
        # Hidden by the user (header menu); Link is also hidden while the table is narrow.
        self.user_hidden: set[Column] = set()
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # keeps a key's extension
        self.setMouseTracking(True)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setCornerButtonEnabled(False)
        vertical = self.verticalHeader()
        vertical.setVisible(False)
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + ROW_PADDING)
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setStretchLastSection(False)
        header.setSortIndicatorShown(True)
        header.setSectionsClickable(True)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._header_menu)
        header.sectionResized.connect(self._section_resized)
        self._fitting = False
        # Env's width while it is shown (a hidden section's size reads 0).
        self._env_width = COLUMN_WIDTHS[Column.ENV]

        self._empty_title = self.tr("Drop files or text with cloud:// IDs here")
        self._empty_hint = self.tr(
            "or paste them with Ctrl+V · open a list with Ctrl+O · Add IDs… to type them"
        )
        self._filtered_title = self.tr("No rows match the filter")
        self._filtered_hint = self.tr("Clear the search text or choose “All” to see every row.")
        self.demo_button = QPushButton(self.tr("Try the demo"), self.viewport())
        self.demo_button.setIcon(icon(Glyph.PLAY, Tone.INFO))
        self.demo_button.setToolTip(
            self.tr("Start a local stand-in of the service with sample files and a demo token")
        )
        self.demo_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.demo_button.hide()
        self._offer_demo = False

    def configure_columns(self) -> None:
        """Column sizes; call after setModel (the header needs its sections)."""
        header = self.horizontalHeader()
        scale = max(1.0, self.fontMetrics().height() / 17)
        for column, width in COLUMN_WIDTHS.items():
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, int(width * scale))
        self._env_width = int(COLUMN_WIDTHS[Column.ENV] * scale)
        header.setSectionResizeMode(Column.FILE, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(Column.LINK, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(Column.ACTIONS, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(
            Column.ACTIONS, self.actions_delegate.preferred_width(self.fontMetrics())
        )
        header.setMinimumSectionSize(40)
        header.setSortIndicator(Column.NUMBER, Qt.SortOrder.AscendingOrder)
        self.setSortingEnabled(True)
        self.fit_columns()

    # --- columns that fit -------------------------------------------------------------

    def set_column_shown(self, column: Column, shown: bool) -> None:
        """Show or hide an optional column (the header's menu)."""
        if shown:
            self.user_hidden.discard(column)
        else:
            self.user_hidden.add(column)
        self.setColumnHidden(column, not shown)
        self.fit_columns()
        self.columnsChanged.emit()

    def link_fits(self) -> bool:
        """Whether Link is shown: not hidden by the user, and room for it beside File."""
        return Column.LINK not in self.user_hidden and self._shared_width() >= (
            MIN_FILE_WIDTH + MIN_LINK_WIDTH
        )

    def env_fits(self) -> bool:
        """Whether Env is shown: not hidden by the user, and File keeps
        ``NARROW_FILE_WIDTH`` beside it (Link hidden by then)."""
        if Column.ENV in self.user_hidden:
            return False
        header = self.horizontalHeader()
        others = sum(
            header.sectionSize(c)
            for c in Column
            if c not in (Column.FILE, Column.LINK, Column.ENV) and not self.isColumnHidden(c)
        )
        return self.viewport().width() - others - self._env_width >= NARROW_FILE_WIDTH

    def _shared_width(self) -> int:
        """The width File and Link share: the viewport less every other shown column."""
        header = self.horizontalHeader()
        others = sum(
            header.sectionSize(c)
            for c in Column
            if c not in (Column.FILE, Column.LINK) and not self.isColumnHidden(c)
        )
        return self.viewport().width() - others

    def fit_columns(self) -> None:
        """Keep every column in view: Link takes its share of what is left beside File,
        or hides while the table is too narrow for both."""
        if self._fitting or self.model() is None:
            return
        self._fitting = True
        try:
            self.setColumnHidden(Column.EXPIRES, Column.EXPIRES in self.user_hidden)
            self.setColumnHidden(Column.ENV, not self.env_fits())
            show_link = self.link_fits()
            self.setColumnHidden(Column.LINK, not show_link)
            if show_link:
                shared = self._shared_width()
                self.horizontalHeader().resizeSection(
                    Column.LINK, max(MIN_LINK_WIDTH, int(shared * LINK_SHARE))
                )
        finally:
            self._fitting = False

    def show_whole_status(self) -> None:
        """Widen Status (never narrow it) until the shown rows' words fit whole ("Download
        failed: Cannot write a.bin: Not a directory"), as far as File keeps
        ``MIN_FILE_WIDTH`` beside it; Link gives way first (``fit_columns`` hides it)."""
        header = self.horizontalHeader()
        others = sum(
            header.sectionSize(c)
            for c in Column
            if c not in (Column.FILE, Column.LINK, Column.STATUS) and not self.isColumnHidden(c)
        )
        room = self.viewport().width() - others - MIN_FILE_WIDTH
        width = min(self.sizeHintForColumn(Column.STATUS), room)
        if width > header.sectionSize(Column.STATUS):
            header.resizeSection(Column.STATUS, width)

    def _section_resized(self, index: int, _old: int, new: int) -> None:
        if index == Column.ENV and not self.isColumnHidden(Column.ENV) and new > 0:
            self._env_width = new
        if index not in (Column.FILE, Column.LINK) and not self._fitting:
            self.fit_columns()

    def _header_menu(self, pos: QPoint) -> None:
        menu = self.column_menu()
        menu.popup(self.horizontalHeader().mapToGlobal(pos))

    def column_menu(self) -> QMenu:
        """The header's menu: which optional columns show."""
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        model = self.model()
        for column in OPTIONAL_COLUMNS:
            title = model.headerData(column, Qt.Orientation.Horizontal) if model else ""
            action = menu.addAction(str(title))
            action.setCheckable(True)
            action.setChecked(column not in self.user_hidden)
            if column in (Column.LINK, Column.ENV):
                action.setToolTip(self.tr("Shown when the window is wide enough"))
            action.toggled.connect(lambda on, c=column: self.set_column_shown(c, on))
        menu.setToolTipsVisible(True)
        return menu

    # --- empty state ----------------------------------------------------------------

    def set_demo_offer(self, offer: bool) -> None:
        """Show "Try the demo" in the empty state (while no token is set)."""
        if offer == self._offer_demo:
            return
        self._offer_demo = offer
        self._place_demo_button()
        # The hint moves up to make room for the button (or back down): paint it anew,
        # or the button lands on the hint's old place.
        self.viewport().update()

    def is_empty(self) -> bool:
        model = self.model()
        return model is None or model.rowCount() == 0

    def _source_empty(self) -> bool:
        model = self.model()
        source = getattr(model, "sourceModel", None)
        inner = source() if callable(source) else model
        return inner is None or inner.rowCount() == 0

    def _place_demo_button(self) -> None:
        show = self._offer_demo and self._source_empty()
        if show:
            self.demo_button.adjustSize()
            area = self.viewport().rect()
            _, text_bottom = self._empty_layout(area)
            size = self.demo_button.sizeHint()
            self.demo_button.setGeometry(
                area.center().x() - size.width() // 2,
                text_bottom + EMPTY_GAP,
                size.width(),
                size.height(),
            )
        self.demo_button.setVisible(show)

    def _empty_layout(self, area: QRect) -> tuple[int, int]:
        """Top of the drop glyph and bottom of the hint text for the empty state."""
        fm = self.fontMetrics()
        title_h = int(fm.height() * 1.5)
        block = EMPTY_ICON + EMPTY_GAP + title_h + 6 + fm.height()
        if self._offer_demo:
            block += EMPTY_GAP + self.demo_button.sizeHint().height()
        top = max(8, area.center().y() - block // 2)
        return top, top + EMPTY_ICON + EMPTY_GAP + title_h + 6 + fm.height()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self.is_empty():
            # Keyboard focus on the current cell (Actions draws its own ring).
            paint_current_cell_focus(self, skip_column=Column.ACTIONS)
            return
        filtered = not self._source_empty()
        painter = QPainter(self.viewport())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        area = self.viewport().rect()
        palette = self.palette()
        muted = palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText)
        strong = palette.color(QPalette.ColorRole.WindowText)
        top, _ = self._empty_layout(area)
        glyph_rect = QRectF(area.center().x() - EMPTY_ICON / 2, top, EMPTY_ICON, EMPTY_ICON)
        self._paint_drop_glyph(painter, glyph_rect, muted)
        fm = self.fontMetrics()
        title_font = QFont(self.font())
        title_font.setPointSizeF(self.font().pointSizeF() * 1.35)
        title_font.setWeight(QFont.Weight.DemiBold)
        title_h = int(fm.height() * 1.5)
        y = int(glyph_rect.bottom()) + EMPTY_GAP
        painter.setFont(title_font)
        painter.setPen(strong)
        title = self._filtered_title if filtered else self._empty_title
        hint = self._filtered_hint if filtered else self._empty_hint
        painter.drawText(
            QRect(area.left() + 12, y, area.width() - 24, title_h),
            int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter),
            title,
        )
        painter.setFont(self.font())
        painter.setPen(muted)
        painter.drawText(
            QRect(area.left() + 12, y + title_h + 6, area.width() - 24, fm.height()),
            int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter),
            hint,
        )
        painter.end()

    @staticmethod
    def _paint_drop_glyph(painter: QPainter, rect: QRectF, colour: QColor) -> None:
        pen = QPen(colour, 2.5)
        pen.setStyle(Qt.PenStyle.DashLine)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(rect.adjusted(2, 2, -2, -2), 12, 12)
        pen.setStyle(Qt.PenStyle.SolidLine)
        pen.setWidthF(3)
        painter.setPen(pen)
        cx = rect.center().x()
        painter.drawLine(int(cx), int(rect.top() + 15), int(cx), int(rect.bottom() - 17))
        painter.drawLine(int(cx - 9), int(rect.bottom() - 26), int(cx), int(rect.bottom() - 17))
        painter.drawLine(int(cx + 9), int(rect.bottom() - 26), int(cx), int(rect.bottom() - 17))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_columns()
        self._place_demo_button()

    def viewportEvent(self, event: QEvent) -> bool:
        handled = super().viewportEvent(event)
        if event.type() == QEvent.Type.Resize:
            # The viewport also changes size without the view doing so (the header's
            # height, a scroll bar): the empty state is laid out again, and painted whole,
            # so the demo button never lands on the hint and no stale text stays.
            self.fit_columns()
            self._place_demo_button()
            if self.is_empty():
                self.viewport().update()
        return handled

    def refresh_empty_state(self) -> None:
        """Re-place the empty-state parts after rows were added or removed."""
        self._place_demo_button()
        self.viewport().update()

    # --- input ----------------------------------------------------------------------

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        super().mouseMoveEvent(event)
        self._update_hover(event.position().toPoint())

    def leaveEvent(self, event: QEvent) -> None:
        super().leaveEvent(event)
        if self.actions_delegate.set_hover(None, None):
            self.viewport().update()

    def _update_hover(self, pos: QPoint) -> None:
        index = self.indexAt(pos)
        button = None
        if index.isValid() and index.column() == Column.ACTIONS:
            cell = self.visualRect(index)
            button = self.actions_delegate.button_at(cell, pos, self.fontMetrics())
        if self.actions_delegate.set_hover(index if button else None, button):
            self.viewport().update()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Here, not at the top: QKeySequence's enums (0.7 ms) are not the first frame's.
        from PySide6.QtGui import QKeySequence

        if event.matches(QKeySequence.StandardKey.Copy):
            self.copyLinksRequested.emit()
            event.accept()
            return
        current = self.currentIndex()
        key = event.key()
        modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if key == Qt.Key.Key_Menu or (
            key == Qt.Key.Key_F10 and modifiers == Qt.KeyboardModifier.ShiftModifier
        ):
            self.open_row_menu()
            event.accept()
            return
        if current.isValid() and modifiers == Qt.KeyboardModifier.NoModifier:
            if key == Qt.Key.Key_Space:
                self.copy_row.emit(current)
                event.accept()
                return
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.activated_row.emit(current)
                event.accept()
                return
        super().keyPressEvent(event)

    def row_menu_point(self) -> QPoint:
        """Where the keyboard's row menu opens: on the current row, else the top left."""
        index = self.currentIndex()
        if index.isValid():
            rect = self.visualRect(index.siblingAtColumn(Column.FILE))
            if rect.isValid() and self.viewport().rect().intersects(rect):
                return QPoint(rect.left() + 12, rect.center().y())
        return QPoint(12, 12)

    def open_row_menu(self) -> None:
        """Shift+F10 or the menu key: the row menu of the current row, at that row."""
        self.customContextMenuRequested.emit(self.row_menu_point())
