"""How a profile gets its access token (``core.settings.Profile.auth``); what each means
at run time is ``core.credentials``."""

from __future__ import annotations

from enum import StrEnum


class AuthMode(StrEnum):
    TOKEN = "token"  # pasted (keyring / session) or TCB_ACCESS_TOKEN
    APPSECRET = "appsecret"  # stable token from the mini program's AppID + AppSecret
