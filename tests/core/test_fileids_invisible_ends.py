"""An ID copied from a chat app or a web page often ends in an invisible character (a
zero-width space, U+200B, or its kin: U+200C, U+200D, U+2060, U+FEFF). No-break and
ideographic spaces after an ID were trimmed, these were kept as part of the key: a row
that looks like a good one, and storage answers "File does not exist". They are trimmed
where whitespace is; inside a key they stay, as spaces do."""

from __future__ import annotations

import pytest

from tcb_gui.core.fileids import find_ids

PROD = "cloud://prod-4gkv.7072-prod-4gkv-1314114854"
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]


def raws(text: str) -> list[str]:
    scan = find_ids(text)
    assert scan.malformed == ()
    return [fid.raw for fid in scan.ids]


@pytest.mark.parametrize("mark", INVISIBLE)
def test_an_invisible_character_after_an_id_is_not_part_of_it(mark: str) -> None:
    want = [f"{PROD}/gen/zw.bin"]
    assert raws(f"{PROD}/gen/zw.bin{mark}") == want  # a line of its own
    assert raws(f"{PROD}/gen/zw.bin{mark} \u3000{mark}\n") == want
    assert raws(f"fetched {PROD}/gen/zw.bin{mark} ok") == want  # log text
    assert raws(f"see {PROD}/gen/zw.bin{mark}.") == want
    assert raws(f'{{"fileID": "{PROD}/gen/zw.bin{mark}"}}') == want  # a JSON string
    assert raws(f"name,{PROD}/gen/zw.bin{mark},3") == want  # a CSV field


def test_one_inside_a_key_stays_as_spaces_do() -> None:
    assert raws(f"{PROD}/a\u200bb c.png\u200b") == [f"{PROD}/a\u200bb c.png"]
