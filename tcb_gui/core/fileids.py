"""Cloud file IDs: parse and validate them, and find them in any text an operator has.

An ID is ``cloud://<env>.<bucket>/<key>`` (WECHAT_API.md §3). The key is untrusted
input: it may hold spaces, Chinese, ``..``, a leading ``/``, Windows-reserved names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SCHEME = "cloud://"

# Env IDs are lowercase letters, digits and '-' (WECHAT_API.md §3).
_ENV_RE = re.compile(r"[a-z0-9][a-z0-9-]*\Z")
_BUCKET_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\Z")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


class InvalidFileIdError(ValueError):
    """A string that looks like a cloud file ID but is not a valid one."""

    def __init__(self, text: str, reason: str) -> None:
        super().__init__(f"{reason}: {text!r}")
        self.text = text
        self.reason = reason


@dataclass(frozen=True, slots=True)
class FileId:
    """One validated cloud file ID. ``raw`` is exactly what is sent to the service."""

    raw: str
    env: str
    bucket: str
    key: str

    def __str__(self) -> str:
        return self.raw


def parse_fileid(text: str) -> FileId:
    """Parse one ID exactly as given (no trimming); raise InvalidFileIdError if malformed."""
    if not text.startswith(SCHEME):
        raise InvalidFileIdError(text, "does not start with cloud://")
    rest = text[len(SCHEME) :]
    host, slash, key = rest.partition("/")
    if not slash or not key:
        raise InvalidFileIdError(text, "has no file path after the bucket")
    env, dot, bucket = host.partition(".")
    if not dot or not env:
        raise InvalidFileIdError(text, "has no environment ID before the first '.'")
    if not _ENV_RE.match(env):
        raise InvalidFileIdError(
            text, "environment ID may hold only lowercase letters, digits and '-'"
        )
    if not bucket or not _BUCKET_RE.match(bucket):
        raise InvalidFileIdError(text, "has an invalid bucket name")
    if _CONTROL_RE.search(key):
        raise InvalidFileIdError(text, "file path holds control characters")
    return FileId(raw=text, env=env, bucket=bucket, key=key)
