"""Quota before a big run: how many calls a list needs, and how many remain today.

Each ``batchdownloadfile`` call counts against the account's daily quota
(docs/WECHAT_API.md#quota), at most 50 IDs a call, one environment a call. Before a
run that needs more than ``PREVIEW_THRESHOLD_CALLS`` calls, both faces ask
``quota/get`` once (``TcbClient.check_token``) and say "This run needs N calls; M remain
today."; when N > M the command line refuses (exit 4, ``command_line_gate``) unless
``--ignore-quota`` is given, and the window asks before starting. Smaller runs start at
once: one more call would cost more time than it saves.

A resolve needs a call per 50 IDs of an environment (``calls_needed``, ``preview_quota``);
a download only for the files that still need a link (``core.download_run``
``preview_download_quota`` counts them, then ``preview_calls``).

The count is a floor: a retried call counts again, and IDs the service leaves out of an
answer (or links that expire during a download) are asked for again.

The preview keeps the check it asked (``QuotaPreview.check``): the window's token badge
counts what is left from it (``core.quota_gauge``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from tcb_gui.core.client import MAX_IDS_PER_REQUEST
from tcb_gui.core.errors import ErrorKind, ServiceError, TokenState

if TYPE_CHECKING:
    from tcb_gui.core.client import TcbClient, TokenCheck
    from tcb_gui.core.fileids import FileId

# "A few hundred calls": 200 calls are 10,000 IDs of one environment.
PREVIEW_THRESHOLD_CALLS: Final = 200


def calls_needed(ids: Iterable[FileId]) -> int:
    """The ``batchdownloadfile`` calls resolving ``ids`` takes at the least: unique IDs
    grouped by environment, ``MAX_IDS_PER_REQUEST`` a call (as ``TcbClient`` sends them)."""
    per_env: Counter[str] = Counter()
    seen: set[str] = set()
    for fid in ids:
        if fid.raw not in seen:
            seen.add(fid.raw)
            per_env[fid.env] += 1
    return sum(-(-count // MAX_IDS_PER_REQUEST) for count in per_env.values())


@dataclass(frozen=True, slots=True)
class QuotaPreview:
    """What a run will use against what remains today."""

    needed: int  # calls the run needs (at the least)
    remain: int | None  # calls left today; None when quota/get gave no number
    daily_limit: int | None = None
    problem: str = ""  # why there is no number (the check's message), when there is none
    # The quota/get answer the numbers come from (not part of what the preview says).
    check: TokenCheck | None = field(default=None, compare=False, repr=False)

    @property
    def exceeds(self) -> bool:
        """Whether the run would use up today's quota before it ends."""
        return self.remain is not None and self.needed > self.remain

    @property
    def text(self) -> str:
        """The line both faces show: "This run needs N calls; M remain today." """
        if self.remain is None:
            why = f" ({self.problem.rstrip('.')})" if self.problem else ""
            return f"This run needs {self.needed:,} calls; today's quota is unknown{why}."
        return f"This run needs {self.needed:,} calls; {self.remain:,} remain today."

    @property
    def warning(self) -> str:
        """What happens if the run starts anyway (empty when it fits)."""
        if not self.exceeds:
            return ""
        assert self.remain is not None
        return (
            f"It would stop with today's quota used up after about "
            f"{self.remain * MAX_IDS_PER_REQUEST:,} IDs; the rest would wait until the quota "
            "resets tomorrow. Start with fewer IDs (--env, a shorter list), or ask the "
            "account owner to reset the quota."
        )

    @property
    def refusal(self) -> str:
        """The command line's word when it does not start (exit 4)."""
        return f"Not started. {self.warning} Pass --ignore-quota to start anyway."

    @property
    def started_anyway(self) -> str:
        """The command line's word when ``--ignore-quota`` starts it all the same."""
        return f"Starting anyway (--ignore-quota). {self.warning}"


class QuotaRefused(ServiceError):
    """The command line does not start a run that needs more calls than remain today:
    exit 4 (``ExitStatus.SERVICE``), nothing asked for; ``--ignore-quota`` starts it."""

    def __init__(self, preview: QuotaPreview) -> None:
        super().__init__(preview.refusal, kind=ErrorKind.CONFIG)
        self.preview = preview


def needs_preview(needed: int, threshold: int = PREVIEW_THRESHOLD_CALLS) -> bool:
    return needed > threshold


async def preview_quota(
    client: TcbClient, ids: Iterable[FileId], *, threshold: int = PREVIEW_THRESHOLD_CALLS
) -> QuotaPreview | None:
    """For a list to resolve over ``threshold`` calls, ask quota/get once; None for a
    smaller list (nothing asked)."""
    return await preview_calls(client, calls_needed(ids), threshold=threshold)


async def preview_calls(
    client: TcbClient, needed: int, *, threshold: int = PREVIEW_THRESHOLD_CALLS
) -> QuotaPreview | None:
    """For a run of ``needed`` calls over ``threshold``, ask quota/get once; else None.

    A token the check finds invalid gives a preview without numbers: the run itself then
    stops on the token as it always does, with its own words.
    """
    if not needs_preview(needed, threshold):
        return None
    check = await client.check_token()
    if check.state is TokenState.VALID and check.quota is not None:
        quota = check.quota
        return QuotaPreview(needed, quota.remain, quota.daily_limit, check=check)
    return QuotaPreview(needed, None, None, check.message, check)


def command_line_gate(
    preview: QuotaPreview | None, say: Callable[[str], object], *, ignore: bool
) -> None:
    """The command line's rule, for ``resolve`` and ``download`` alike: ``say`` the
    preview line; a run that would not fit raises ``QuotaRefused`` unless ``ignore``
    (then it says that it starts anyway)."""
    if preview is None:
        return
    say(preview.text)
    if not preview.exceeds:
        return
    if not ignore:
        raise QuotaRefused(preview)
    say(preview.started_anyway)
