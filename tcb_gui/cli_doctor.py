"""``tcb-gui doctor``: ``core.doctor``'s checks printed one line each, as they are known.

Each line starts with its level's mark, as the window shows it (``core.doctor.MARKS``:
✓ works, ✗ stops a resolve, ! a warning, – not checked), or its word (OK, FAIL, WARN,
--) where the terminal's encoding cannot show the marks.

Exit status: 0 when a resolve would work, 3 when the token is missing, rejected or fits
the other API mode, 4 when the service cannot be reached, refuses this computer's IP or
today's quota is used up (README "Exit codes"); 2 on usage errors, from ``cli``.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, TextIO

from tcb_gui.core.startup import settled_run

if TYPE_CHECKING:
    from tcb_gui.core.connection import Connection
    from tcb_gui.core.doctor import Check
    from tcb_gui.core.trace import TraceHub


def _can_print(stream: TextIO, text: str) -> bool:
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def run_doctor_command(
    conn: Connection, stdout: TextIO, stderr: TextIO, trace: TraceHub | None = None
) -> int:
    """Check ``conn`` and print one line per check on stdout; the exit status."""
    from tcb_gui.core.doctor import (
        ARROW,
        MARKS,
        describe_setup,
        exit_status,
        run_doctor,
        setup_for,
        summary,
    )
    from tcb_gui.core.errors import command_line_words
    from tcb_gui.core.tokens import TokenStore
    from tcb_gui.terminal import shown_safely

    store = TokenStore()
    setup = setup_for(conn, store)
    ascii_only = not _can_print(stdout, "".join(MARKS.values()) + ARROW)
    stdout.write(describe_setup(setup) + "\n")
    stdout.flush()

    async def checks() -> list[Check]:
        found: list[Check] = []
        async for check in run_doctor(setup, store=store, trace=trace):
            found.append(check)
            # The next step in a shell's words ("run it again with a fresh token"), not
            # the window's ("Paste a fresh token (Set token…)").
            said = dataclasses.replace(check, next_step=command_line_words(check.next_step))
            stdout.write(shown_safely(said.line(ascii_only=ascii_only)) + "\n")
            stdout.flush()
        return found

    found = settled_run(checks())
    _keep_quota(conn, found)
    stdout.write(summary(found, ascii_only=ascii_only) + "\n")
    return int(exit_status(found))


def _keep_quota(conn: Connection, found: list[Check]) -> None:
    """The quota check's numbers for the profile's own API, kept for the next run's
    "~N calls left today" (``core.quota_gauge``); the doctor spends no link call."""
    from tcb_gui.core.quota_gauge import QuotaPlace, QuotaReading, record_reading

    for check in found:
        if check.quota is not None and check.quota_asked_at is not None:
            place = QuotaPlace(conn.profile, conn.base_url, conn.api.cgi_path)
            record_reading(place, QuotaReading(check.quota, check.quota_asked_at))
