"""The export formats and the file name that names one: what the settings, the window and
the command line choose among, without the writers of ``core.export`` (and their
imports) before the window's first paint."""

from __future__ import annotations

from enum import StrEnum
from pathlib import PurePath


class ExportFormat(StrEnum):
    JSON = "json"
    CSV = "csv"
    TSV = "tsv"
    URLS = "urls"
    ARIA2 = "aria2"  # an aria2c input file (aria2c -i FILE)
    CURL = "curl"  # a curl config file (curl -K FILE)

    @property
    def suffix(self) -> str:
        # Distinct suffixes, so a typed file name says which format it wants.
        return ".txt" if self is ExportFormat.URLS else f".{self.value}"


def format_for(path: PurePath) -> ExportFormat | None:
    """The format a file name's extension names, if it names one (``links.json``: JSON,
    ``links.txt``: ready links): the window's export dialog and ``tcb-gui resolve
    --output`` both go by it, so one name gives the same file in both faces."""
    suffix = path.suffix.casefold()
    for fmt in ExportFormat:
        if fmt.suffix == suffix:
            return fmt
    return None
