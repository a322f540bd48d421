"""Quota before a big run: how many calls a list needs, and how many remain today.

Each ``batchdownloadfile`` call counts against the account's daily quota
(docs/WECHAT_API.md#quota), at most 50 IDs a call, one environment a call. Before a
list that needs more than ``PREVIEW_THRESHOLD_CALLS`` calls, both faces ask
``quota/get`` once (``TcbClient.check_token``) and say "This run needs N calls; M remain
today."; when N > M the command line refuses (exit 4) unless ``--ignore-quota`` is given,
and the window asks before starting. Smaller lists start at once: one more call would
cost more time than it saves.

The count is a floor: a retried call counts again, and IDs the service leaves out of an
answer are asked for again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from tcb_gui.core.client import MAX_IDS_PER_REQUEST
from tcb_gui.core.errors import TokenState

if TYPE_CHECKING:
    from tcb_gui.core.client import TcbClient
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
            "resets tomorrow. Resolve fewer IDs (--env, a shorter list), or ask the account "
            "owner to reset the quota."
        )


def needs_preview(needed: int, threshold: int = PREVIEW_THRESHOLD_CALLS) -> bool:
    return needed > threshold


async def preview_quota(
    client: TcbClient, ids: Iterable[FileId], *, threshold: int = PREVIEW_THRESHOLD_CALLS
) -> QuotaPreview | None:
    """For a list over ``threshold`` calls, ask quota/get once; None for a smaller list.

    A token the check finds invalid gives a preview without numbers: the run itself then
    stops on the token as it always does, with its own words.
    """
    needed = calls_needed(ids)
    if not needs_preview(needed, threshold):
        return None
    check = await client.check_token()
    if check.state is TokenState.VALID and check.quota is not None:
        quota = check.quota
        return QuotaPreview(needed, quota.remain, quota.daily_limit)
    return QuotaPreview(needed, None, None, check.message)
