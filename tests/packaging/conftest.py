"""Make packaging/ importable: its modules are scripts beside the spec, not a package."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"

if str(PACKAGING) not in sys.path:
    sys.path.insert(0, str(PACKAGING))


@pytest.fixture
def root() -> Path:
    """The project's root folder."""
    return ROOT
