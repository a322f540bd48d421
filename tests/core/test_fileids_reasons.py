"""A malformed ID's reason says what is wrong with it: ``cloud://prod-1a2b/a.png`` has its
environment ID but no '.' and bucket after it, where it was said to have "no environment
ID before the first '.'". The reasons are registered messages: the window shows them
translated in its input banner."""

from __future__ import annotations

import pytest

from tcb_gui.core.errors import messages
from tcb_gui.core.fileids import find_ids


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("cloud://demo-prod-7g3k/b.png", "has no '.' between the environment ID and the bucket"),
        ("cloud:///b.png", "has no environment ID or bucket"),
        ("cloud://.bucket/b.png", "has no environment ID before the first '.'"),
    ],
)
def test_a_missing_part_is_named_truly(text: str, reason: str) -> None:
    (bad,) = find_ids(text).malformed
    assert (bad.line, bad.text, bad.reason) == (1, text, reason)


def test_every_reason_is_a_registered_message() -> None:
    registered = {m.text for m in messages()}
    bad = [
        "cloud://demo-prod-7g3k/b.png",
        "cloud:///b.png",
        "cloud://.bucket/b.png",
        "cloud://Demo_Prod.b/x",
        "cloud://e.-b/x",
        "cloud://e.b/",
        "cloud://e.b/a\x01b",
    ]
    reasons = {m.reason for m in find_ids("\n".join(bad)).malformed}
    assert len(reasons) == len(bad)
    assert reasons <= registered
