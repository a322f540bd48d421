"""How a run ends, as a process exit status: one enum and one mapping, for both faces.

The command line returns these; the window returns ``OK`` (or ``USAGE`` for a bad
option) and shows the same facts as words. Documented in README ("Exit codes").
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum

from tcb_gui.core.errors import (
    ErrorKind,
    InputError,
    KeyringUnavailableError,
    RunInterrupted,
    ServiceError,
    TcbError,
    TokenError,
)


class ExitStatus(IntEnum):
    OK = 0  # everything worked
    SOME_FAILED = 1  # some files failed (missing, forbidden, …)
    USAGE = 2  # usage or input error: bad option, no IDs, unreadable input, no keyring
    TOKEN = 3  # token rejected or missing
    SERVICE = 4  # the service or the network failed after retries
    INTERRUPTED = 130  # Ctrl+C


# Failures of single files that mean the service or network gave out, not the file.
_SERVICE_KINDS = frozenset({ErrorKind.NETWORK, ErrorKind.RETRYABLE})


def status_for_error(error: BaseException) -> ExitStatus:
    """The status of a run that ended with ``error`` (raised, or a run's stop)."""
    if isinstance(error, TokenError):
        return ExitStatus.TOKEN
    if isinstance(error, KeyringUnavailableError | InputError):
        return ExitStatus.USAGE
    if isinstance(error, ServiceError):
        return ExitStatus.SERVICE
    if isinstance(error, KeyboardInterrupt | RunInterrupted):
        return ExitStatus.INTERRUPTED
    if isinstance(error, TcbError):
        # Another run holding the folder and the like: the user's set-up, not a file.
        return ExitStatus.USAGE if error.kind is ErrorKind.INPUT else ExitStatus.SOME_FAILED
    raise TypeError(f"no exit status for {type(error).__name__}")


def status_for_failures(kinds: Iterable[ErrorKind | None]) -> ExitStatus:
    """From the kinds of the files that failed: SERVICE when the service or network gave
    out on any, SOME_FAILED when files failed on their own, OK when none failed."""
    status = ExitStatus.OK
    for kind in kinds:
        if kind in _SERVICE_KINDS:
            return ExitStatus.SERVICE
        status = ExitStatus.SOME_FAILED
    return status


def status_for_run(stop: TcbError | None, failed_kinds: Iterable[ErrorKind | None]) -> ExitStatus:
    """A run that may have been stopped (token, service) and whose files may have failed."""
    if stop is not None:
        return status_for_error(stop)
    return status_for_failures(failed_kinds)
