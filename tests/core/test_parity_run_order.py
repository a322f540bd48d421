"""Both faces print and export a resolve in the order of ``ResolveRun.ids``: the input's
order, each ID where it first occurs, however the IDs are handed over."""

from __future__ import annotations

from tcb_gui.core.fileids import parse_fileid
from tcb_gui.core.resolve_run import ResolveRun


class NoClient:
    def resolve(self, ids):  # pragma: no cover - never called
        raise AssertionError("not resolving")


def test_a_run_keeps_each_id_where_it_first_occurs() -> None:
    a, b, c = (parse_fileid(f"cloud://e.b/{key}") for key in "abc")
    run = ResolveRun(NoClient(), [a, b, a, c, b])
    assert [f.key for f in run.ids] == ["a", "b", "c"]  # was b, a, c: by last occurrence
    assert run.progress.total == 3
