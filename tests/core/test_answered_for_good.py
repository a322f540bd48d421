"""Which failures a retry cannot change, decided once in core (``answered_for_good``) for
the window's Retry failed (Ctrl+R) and its downloads: the file's own answer and an
environment (or bucket) the account does not have. A run's "Not resolved: …" rows of an
account stop (today's quota, the IP allowlist) were never asked for: a retry takes them
once the operator has fixed the account."""

from __future__ import annotations

import pytest

from tcb_gui.core.errors import ERRCODES, ErrorKind, answered_for_good
from tcb_gui.core.resolve_run import NOT_RESOLVED
from tests.core.test_retry_kinds import refused_with


@pytest.mark.parametrize("code", [-501005, -501009])
async def test_an_environment_the_service_does_not_know_is_its_last_word(code: int) -> None:
    result = await refused_with(code, "env not exists")
    assert answered_for_good(result.kind, result.errmsg)


async def test_a_rejected_batch_is_worth_asking_again() -> None:
    result = await refused_with(40097)
    assert not answered_for_good(result.kind, result.errmsg)


def test_the_files_own_answer_is_its_last_word() -> None:
    assert answered_for_good(ErrorKind.FILE, "File does not exist")


@pytest.mark.parametrize("code", [45009, 40164, -501015])
def test_rows_an_account_stop_left_unasked_are_worth_asking_again(code: int) -> None:
    stopped = NOT_RESOLVED.format(reason=ERRCODES[code].message)
    assert not answered_for_good(ErrorKind.CONFIG, stopped)


@pytest.mark.parametrize("kind", [ErrorKind.NETWORK, ErrorKind.RETRYABLE, ErrorKind.REQUEST])
def test_the_network_and_a_busy_service_are_worth_asking_again(kind: ErrorKind) -> None:
    assert not answered_for_good(kind, "Network error")
