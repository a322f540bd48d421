"""history_writer against a disk that refuses the save at once."""

from __future__ import annotations

import errno
import threading
import time
from typing import Any

import pytest

from tcb_gui.core.fileids import parse_fileid
from tcb_gui.core.history import HistoryStore, new_entry_id
from tcb_gui.demo.samples import PROD
from tcb_gui.ui import history_writer


async def test_a_refused_save_stops_encoding(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the disk full, every save of a 100,000-row list still encoded all its rows
    on the window's loop (and held them all in memory) before saying it failed; the
    failed save is retried at each change now, so that cost came every few seconds."""

    encoded: list[int] = []
    refused_after: list[int] = []  # rows encoded when the disk said no
    refused = threading.Event()

    def refuse(_store: HistoryStore, *_args: Any, **_kwargs: Any) -> None:
        refused_after.append(sum(encoded))
        refused.set()
        raise OSError(errno.ENOSPC, "No space left on device")

    real_encode = history_writer.encode_rows

    def counting(ids: Any, results: Any, downloads: Any = None) -> str:
        if len(encoded) == 2:
            # A busy machine may start the writer's thread only after every line was
            # encoded: let it meet the full disk first (what is measured is the loop
            # stopping once it has).
            refused.wait(10)
        encoded.append(len(ids))
        return real_encode(ids, results, downloads)

    monkeypatch.setattr(HistoryStore, "save_encoded", refuse)
    monkeypatch.setattr(history_writer, "encode_rows", counting)
    ids = [parse_fileid(PROD.fileid(f"gen/refused-{n:06d}.bin")) for n in range(100_000)]
    started = time.perf_counter()
    with pytest.raises(OSError, match="No space left"):
        await history_writer.save_in_steps(
            HistoryStore(), new_entry_id(), ids, [None] * len(ids), created_at=0.0, profile=None
        )
    # Once the writer has refused, the loop stops within a line or two (it sees the
    # refusal at its next step). When the refusal comes depends on when the writer's
    # thread first runs, which a busy machine delays: that is not what is measured.
    assert refused_after
    assert sum(encoded) - refused_after[0] <= 3 * history_writer.ROWS_PER_LINE
    assert sum(encoded) < len(ids)
    print(f"\nrefused after {sum(encoded):,} rows, {time.perf_counter() - started:.2f} s")
