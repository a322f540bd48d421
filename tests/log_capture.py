"""A logging handler that keeps every record's text and attributes, for the secret
hygiene tests (command line and window) to search."""

from __future__ import annotations

import logging


class LogCapture(logging.Handler):
    """Every record as a handler writes it, plus all of its attributes."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.texts: list[str] = []
        self.names: set[str] = set()

    def emit(self, record: logging.LogRecord) -> None:
        self.names.add(record.name)
        self.texts.append(self.format(record) + "\n" + repr(vars(record)))
