"""Core's messages in the user's language.

``tcb_gui/core`` has no Qt and speaks English: the command line prints its messages, and
results, reports and history keep them as they are. It registers every message it may
hand to a user (``core.errors.messages()``): whole sentences, and templates whose
``{named}`` parts are data (an errcode, a count, a file name, the service's own errmsg)
or another registered message (a reason inside "… (gave up after 4 tries)").

``core_text`` shows such a message in the window's language: a whole message is looked
up, a templated one is matched against its template, the template translated and the
parts put back, the nested messages translated the same way and the data left as they
are (a part that may hold either, ``or_data``, is translated when it is a message of
ours). Text core never registered (the service's "STORAGE_FILE_NONEXIST", an OS error)
comes back unchanged, and so does everything while the window is in English.

``SOURCES`` lists the English texts for lupdate (context ``CoreText``), which cannot see
core's constants; ``tests/ui/test_core_text.py`` checks it matches the registry.
"""

from __future__ import annotations

import importlib
import re
import string
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from tcb_gui.core.errors import MessageTemplate, messages

CONTEXT: Final = "CoreText"

# The core modules that register messages, imported when the catalogue is first built
# (see the module docstring): not on import, as the window's table imports this module
# before its first paint and these bring the API client and the download engine.
REGISTERING: Final = tuple(
    f"tcb_gui.core.{name}"
    for name in (
        "client",
        "connection",
        "credentials",
        "doctor",
        "download_run",
        "download_session",
        "downloads",
        "export",
        "fileids",
        "history",
        "netmessages",
        "paths",
        "ratelimit",
        "resolve_run",
        "settings",
        "stable_token",
        "tokens",
        "trace_file",
    )
)

# Every message core registers, for lupdate (tests/ui/test_core_text.py keeps it equal to
# core.errors.messages()). QT_TRANSLATE_NOOP only marks them; translation is at run time.
_MARKED: Final[tuple[object, ...]] = (
    QT_TRANSLATE_NOOP("CoreText", "The token service answered error {errcode}."),
    QT_TRANSLATE_NOOP("CoreText", "The service answered error {errcode}."),
    QT_TRANSLATE_NOOP("CoreText", "The service answered status {status} for this file"),
    QT_TRANSLATE_NOOP("CoreText", "{message} ({detail})"),
    QT_TRANSLATE_NOOP("CoreText", "Network error: {problem}"),
    QT_TRANSLATE_NOOP("CoreText", "Network error: {error}"),
    QT_TRANSLATE_NOOP("CoreText", "Network error"),
    QT_TRANSLATE_NOOP("CoreText", "The service reports 'system busy'."),
    QT_TRANSLATE_NOOP("CoreText", "The service reports a system error."),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "Today's API quota for this account is used up. Nothing more can be resolved until the "
        "quota resets tomorrow (or ask the account owner to reset it).",
    ),
    QT_TRANSLATE_NOOP("CoreText", "The per-minute call limit was reached."),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "The access token is not valid. Paste a fresh token (Set token…) and try again.",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "The service received no access token. Set a token and try again.",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "The access token has expired (tokens live 2 hours). Paste a fresh token and resume.",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "This token may not call this API. Check the API mode (component or tcb) of the profile "
        "and that the permission set for CloudBase is authorized.",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "The service rejected this batch as invalid (often a malformed file ID in it).",
    ),
    QT_TRANSLATE_NOOP("CoreText", "The service says a required parameter is missing."),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "The service rejected the request format (a bug in TCB Links; please report it).",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "CloudBase is not enabled for this account. Enable CloudBase (云开发) for the mini "
        "program, or authorize it for the third-party platform.",
    ),
    QT_TRANSLATE_NOOP("CoreText", "CloudBase reports a system error."),
    QT_TRANSLATE_NOOP("CoreText", "CloudBase timed out."),
    QT_TRANSLATE_NOOP("CoreText", "The CloudBase request quota was reached."),
    QT_TRANSLATE_NOOP("CoreText", "The CloudBase concurrency limit was reached."),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "The service does not know this environment ID. Check the env part of the IDs.",
    ),
    QT_TRANSLATE_NOOP("CoreText", "The service rejected a parameter of this request."),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "WeChat rejected the AppSecret for this AppID. Copy the current AppSecret from the "
        "WeChat MP console (开发管理 → 开发设置 → AppSecret) and save it again; it changes "
        "whenever someone resets it.",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "The token service rejected the request format (a bug in TCB Links; please report it).",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "WeChat does not know this AppID. Check the mini program's AppID in the WeChat MP "
        "console (开发管理 → 开发设置): it is wx followed by 16 letters and digits. Then save "
        "it again.",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "This computer's IP address is not on the mini program's IP allowlist. Add it in the "
        "WeChat MP console (开发管理 → 开发设置 → IP白名单), or run from an allowed machine.",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "The AppSecret of this mini program is frozen. Unfreeze it in the WeChat MP console "
        "(开发管理 → 开发设置), then try again.",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "No AppID was sent. Set the mini program's AppID for this profile.",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "No AppSecret was sent. Save the mini program's AppSecret for this profile.",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "WeChat hands out no more access tokens to this mini program today (the daily quota of "
        "token requests is used up). Try again tomorrow, or ask the account owner to reset the "
        "quota.",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "WeChat asked the mini program's administrator to confirm calls from this computer's IP "
        "address. Try again once the administrator has approved it.",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "The mini program's administrator refused calls from this computer's IP address. Try "
        "again in 24 hours, or ask the administrator to add this IP to the IP allowlist "
        "(开发管理 → 开发设置 → IP白名单).",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "The mini program's administrator refused calls from this computer's IP address. Try "
        "again in 1 hour, or ask the administrator to add this IP to the IP allowlist (开发管理 "
        "→ 开发设置 → IP白名单).",
    ),
    QT_TRANSLATE_NOOP("CoreText", "File does not exist"),
    QT_TRANSLATE_NOOP("CoreText", "No permission to read this file"),
    QT_TRANSLATE_NOOP("CoreText", "Storage request failed"),
    QT_TRANSLATE_NOOP("CoreText", "File belongs to another environment"),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "{name} is not a text file (it looks like binary data). Open a text, CSV, TSV, JSON or "
        "log file with cloud file IDs.",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "{name} is not text in {encoding}. Save it as UTF-8 (or GB18030, or UTF-16 with a byte "
        "order mark) and try again.",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "{name} is text, but not in an encoding TCB Links reads (UTF-8, UTF-16 or GB18030): "
        "line {line} has the byte {byte} (“{char}” in Windows-1252 / Latin-1). Save the file "
        "as UTF-8 and try again.",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "{name} is text, but not in an encoding TCB Links reads (UTF-8, UTF-16 or GB18030): "
        "line {line} has the byte {byte}. Save the file as UTF-8 and try again.",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "{name} is larger than {limit}, the limit for a list of IDs. Split it into smaller files.",
    ),
    QT_TRANSLATE_NOOP("CoreText", "Cannot read {name}: {reason}."),
    QT_TRANSLATE_NOOP("CoreText", "{name} is a folder, not a file with IDs."),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "{name} is a named pipe, not a file: reading it could wait for ever. Save the IDs "
        "in a file and add that file.",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "{name} is a device, not a file: reading it may never end. Save the IDs in a file "
        "and add that file.",
    ),
    QT_TRANSLATE_NOOP("CoreText", "{name} is a socket, not a file with IDs."),
    QT_TRANSLATE_NOOP("CoreText", "{name} is a disk device, not a file with IDs."),
    QT_TRANSLATE_NOOP("CoreText", "{name} is not a file with IDs."),
    # core/fileids.py: why an ID was refused (the window's input banner names them)
    QT_TRANSLATE_NOOP("CoreText", "does not start with cloud://"),
    QT_TRANSLATE_NOOP("CoreText", "has no file path after the bucket"),
    QT_TRANSLATE_NOOP("CoreText", "environment and bucket are longer than {limit} characters"),
    QT_TRANSLATE_NOOP("CoreText", "has no environment ID or bucket"),
    QT_TRANSLATE_NOOP("CoreText", "has no '.' between the environment ID and the bucket"),
    QT_TRANSLATE_NOOP("CoreText", "has no environment ID before the first '.'"),
    QT_TRANSLATE_NOOP("CoreText", "environment ID may hold only lowercase letters, digits and '-'"),
    QT_TRANSLATE_NOOP("CoreText", "has an invalid bucket name"),
    QT_TRANSLATE_NOOP("CoreText", "file path holds control characters"),
    QT_TRANSLATE_NOOP("CoreText", "file path is longer than {limit} bytes"),
    QT_TRANSLATE_NOOP("CoreText", "Not a valid base URL: {url!r} ({error})."),
    QT_TRANSLATE_NOOP("CoreText", "Not a valid base URL: {url!r}."),
    QT_TRANSLATE_NOOP("CoreText", "The base URL must be an https:// address, not {url!r}."),
    QT_TRANSLATE_NOOP("CoreText", "The base URL may not carry a user name, a query or a fragment."),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "Refusing plain http:// for {host}: the token would travel unencrypted. Use https:// "
        "(plain http is allowed only for loopback addresses).",
    ),
    QT_TRANSLATE_NOOP("CoreText", "connection timed out"),
    QT_TRANSLATE_NOOP("CoreText", "the service took too long to answer"),
    QT_TRANSLATE_NOOP("CoreText", "sending the request timed out"),
    QT_TRANSLATE_NOOP("CoreText", "no free connection"),
    QT_TRANSLATE_NOOP("CoreText", "could not connect"),
    QT_TRANSLATE_NOOP("CoreText", "the connection was cut"),
    QT_TRANSLATE_NOOP("CoreText", "the host's answer was malformed"),
    QT_TRANSLATE_NOOP("CoreText", "the connection broke while reading"),
    QT_TRANSLATE_NOOP("CoreText", "The service answered HTTP {status}"),
    QT_TRANSLATE_NOOP("CoreText", "The service answered HTTP {status}. Check the base URL."),
    QT_TRANSLATE_NOOP("CoreText", "The service sent an unreadable (non-JSON or cut) answer"),
    QT_TRANSLATE_NOOP("CoreText", "The service sent an answer of an unexpected shape"),
    QT_TRANSLATE_NOOP("CoreText", "The service sent an answer with an unreadable error code"),
    QT_TRANSLATE_NOOP("CoreText", "The service's answer has no file list"),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "The service redirected to an invalid address. Check the base URL.",
    ),
    QT_TRANSLATE_NOOP("CoreText", "The service returned a link that is not http(s)"),
    QT_TRANSLATE_NOOP("CoreText", "The service returned no link for this file"),
    QT_TRANSLATE_NOOP("CoreText", "{message} (errcode {code})"),
    QT_TRANSLATE_NOOP("CoreText", "{message} (errcode {code}: {detail})"),
    QT_TRANSLATE_NOOP("CoreText", "no answer from the service"),
    QT_TRANSLATE_NOOP("CoreText", "no answer from the service for this file"),
    QT_TRANSLATE_NOOP("CoreText", "{problem}; gave up after {tries} tries"),
    QT_TRANSLATE_NOOP("CoreText", "Internal error while reading the service's answer"),
    QT_TRANSLATE_NOOP("CoreText", "The token works for this API."),
    QT_TRANSLATE_NOOP("CoreText", "The token check failed: {reason}"),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "Could not check the token: {problem}. Check the network and the base URL.",
    ),
    QT_TRANSLATE_NOOP("CoreText", "max age must be {low}..{high} seconds"),
    QT_TRANSLATE_NOOP("CoreText", "concurrency must be 1..{high}"),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "No access token is set. Set one for this profile, or set TCB_ACCESS_TOKEN.",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "Not saving {path!r}: it would end up outside the download folder {dest!r} (a symbolic "
        "link on disk points elsewhere). Remove the link or choose another folder.",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "Cannot read the rate {text!r}: use a number of bytes per second, optionally with K, M "
        "or G (1024-based), e.g. 2M or 500K.",
    ),
    QT_TRANSLATE_NOOP("CoreText", "The rate {text!r} is below one byte per second."),
    QT_TRANSLATE_NOOP("CoreText", "Download concurrency must be {low}..{high}, not {n}."),
    QT_TRANSLATE_NOOP("CoreText", "The rate limit must be at least one byte per second."),
    QT_TRANSLATE_NOOP("CoreText", "The chunk size must be positive."),
    QT_TRANSLATE_NOOP("CoreText", "At least one try is needed."),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "The server sent an HTML page ({media_type}) instead of the file",
    ),
    QT_TRANSLATE_NOOP("CoreText", "The server sent an HTML page instead of the file"),
    QT_TRANSLATE_NOOP("CoreText", "{reason}; it was not saved"),
    QT_TRANSLATE_NOOP("CoreText", "The download link is not a valid URL"),
    QT_TRANSLATE_NOOP("CoreText", "Refusing to fetch a link that is not http(s)"),
    QT_TRANSLATE_NOOP("CoreText", "The server redirected to an invalid address"),
    QT_TRANSLATE_NOOP("CoreText", "Too many redirects"),
    QT_TRANSLATE_NOOP("CoreText", "The server refused the link ({status})"),
    QT_TRANSLATE_NOOP("CoreText", "The link has expired ({status})"),
    QT_TRANSLATE_NOOP("CoreText", "The server answered {status}"),
    QT_TRANSLATE_NOOP("CoreText", "The file is not on the server ({status})"),
    QT_TRANSLATE_NOOP("CoreText", "{reason}, even with a fresh link"),
    QT_TRANSLATE_NOOP("CoreText", "{reason} (gave up after {tries} tries)"),
    QT_TRANSLATE_NOOP("CoreText", "The server sent more than the announced {total}; starting over"),
    QT_TRANSLATE_NOOP("CoreText", "The download ended early ({written} of {total}); resuming"),
    QT_TRANSLATE_NOOP("CoreText", "{reason}; starting over"),
    QT_TRANSLATE_NOOP("CoreText", "The server could not serve the rest of the file"),
    QT_TRANSLATE_NOOP("CoreText", "The server sent a different part of the file"),
    QT_TRANSLATE_NOOP("CoreText", "The file changed on the server"),
    QT_TRANSLATE_NOOP("CoreText", "{reason} after {written}; resuming"),
    QT_TRANSLATE_NOOP("CoreText", "{reason} after {written}; starting over"),
    QT_TRANSLATE_NOOP("CoreText", "The partial file holds {size}, not {total}"),
    QT_TRANSLATE_NOOP("CoreText", "Cannot write {path}: {reason}"),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "Cannot write {path}: {reason}. Make {folder} writable for you, or choose another "
        "download folder.",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "Cannot write {path}: {reason}. Choose a download folder on a disk that can be written to.",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "Cannot write {path}: {reason}. The disk of {folder} does not take files this large "
        "(a FAT32 disk takes at most 4 GiB per file): choose a download folder on another disk.",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "Cannot write {path}: {blocker} is a file where a folder of that name is needed. Move "
        "or rename that file, or choose another download folder.",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "Cannot write {path}: {reason}. A folder of that name is in the way: move or rename "
        "it, or choose another download folder.",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "Cannot write {path}: {reason}. Choose a download folder with a shorter path, or the "
        "flat layout (every file directly in the folder).",
    ),
    QT_TRANSLATE_NOOP("CoreText", "{name} is not a regular file; refusing to write it"),
    QT_TRANSLATE_NOOP("CoreText", "Cannot create the folder {dest}: {reason}"),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "The disk is full: {dest} has no room left ({reason}); partial files were kept and will "
        "resume. Free some space and run the download again.",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "The disk is full: {dest} has no room left ({reason}). Free some space and run the "
        "download again.",
    ),
    QT_TRANSLATE_NOOP("CoreText", "Stopped: the disk is full"),
    QT_TRANSLATE_NOOP("CoreText", "Cancelled"),
    QT_TRANSLATE_NOOP("CoreText", "No download link."),
    QT_TRANSLATE_NOOP("CoreText", "The service gave no download link."),
    QT_TRANSLATE_NOOP("CoreText", "Could not fetch a fresh link (internal error)."),
    QT_TRANSLATE_NOOP("CoreText", "No answer from the service."),
    QT_TRANSLATE_NOOP("CoreText", "A profile needs a name."),
    QT_TRANSLATE_NOOP("CoreText", "A profile name may have at most {limit} characters."),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "Invalid profile name {name!r}: use letters, digits, spaces and . _ @ -, starting with "
        "a letter or digit.",
    ),
    QT_TRANSLATE_NOOP("CoreText", "The service address (base URL) must be text."),
    QT_TRANSLATE_NOOP("CoreText", "The AppID must be text."),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "That is not a mini program AppID: it is wx followed by 16 letters a-f and digits, e.g. "
        "wx1234567890abcdef (WeChat MP console, 开发管理 → 开发设置).",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "A mini program (appid + appsecret) profile needs the mini program's AppID.",
    ),
    QT_TRANSLATE_NOOP("CoreText", "The API mode must be one of: {modes}."),
    QT_TRANSLATE_NOOP("CoreText", "{what} must be a whole number from {low} to {high}."),
    QT_TRANSLATE_NOOP("CoreText", "{what} must be one of: {choices}."),
    QT_TRANSLATE_NOOP("CoreText", "How the profile gets its token (auth)"),
    QT_TRANSLATE_NOOP("CoreText", "Link lifetime (max age)"),
    QT_TRANSLATE_NOOP("CoreText", "Concurrency"),
    QT_TRANSLATE_NOOP("CoreText", "Language"),
    QT_TRANSLATE_NOOP("CoreText", "Theme"),
    QT_TRANSLATE_NOOP("CoreText", "Download layout"),
    QT_TRANSLATE_NOOP("CoreText", "When a file exists"),
    QT_TRANSLATE_NOOP("CoreText", "Download concurrency"),
    QT_TRANSLATE_NOOP("CoreText", "History size"),
    QT_TRANSLATE_NOOP("CoreText", "Export format"),
    QT_TRANSLATE_NOOP("CoreText", "UTF-8 BOM in exports"),
    QT_TRANSLATE_NOOP("CoreText", "Details pane"),
    QT_TRANSLATE_NOOP("CoreText", "Hidden columns"),
    QT_TRANSLATE_NOOP("CoreText", "{what} must be true or false."),
    QT_TRANSLATE_NOOP("CoreText", "The window geometry is not valid."),
    QT_TRANSLATE_NOOP("CoreText", "The window geometry is not valid base64."),
    QT_TRANSLATE_NOOP("CoreText", "The download folder is not a valid path."),
    QT_TRANSLATE_NOOP("CoreText", "token_saved_at must be a unix time or None."),
    QT_TRANSLATE_NOOP("CoreText", "The settings must hold a {name!r} profile."),
    QT_TRANSLATE_NOOP("CoreText", "Profile {name!r} is stored under the wrong name."),
    QT_TRANSLATE_NOOP("CoreText", "There is no profile named {name!r}."),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "A profile named {other!r} exists already: {name!r} differs from it only in case, "
        "and some keyrings (Windows) keep such names as one. Pick another name.",
    ),
    QT_TRANSLATE_NOOP("CoreText", "Not a profile."),
    QT_TRANSLATE_NOOP("CoreText", "The default profile cannot be removed."),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "Refusing to write secret-like fields to the settings file: {fields}",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "A mini program (appid + appsecret) profile gets a mini program access_token, which "
        "works with the tcb API only: set the API mode to tcb.",
    ),
    QT_TRANSLATE_NOOP("CoreText", "That list is no longer in the history."),
    QT_TRANSLATE_NOOP("CoreText", "That is not a history entry."),
    QT_TRANSLATE_NOOP("CoreText", "History size must be a whole number from 0 to {high}."),
    QT_TRANSLATE_NOOP("CoreText", "That list in the history cannot be read."),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "No system keyring is available (macOS Keychain, Windows Credential Locker, or a Secret "
        "Service such as GNOME Keyring or KWallet), so the token was not saved: it is kept for "
        "this session only.",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "The system keyring could not save the token (it may be locked, or its service is not "
        "running). The token is kept for this session only; unlock the keyring and save it "
        "again to keep it.",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "The system keyring could not be read (it may be locked, or its service is not "
        "running). Unlock it and try again, or paste the token for this session.",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "The system keyring could not remove the saved token (it may be locked, or its service "
        "is not running). Unlock it and try again.",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "No system keyring is available (macOS Keychain, Windows Credential Locker, or a Secret "
        "Service such as GNOME Keyring or KWallet), so the AppSecret was not saved: it is kept "
        "for this session only.",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "The system keyring could not save the AppSecret (it may be locked, or its service is "
        "not running). It is kept for this session only; unlock the keyring and save it again "
        "to keep it.",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "The system keyring could not be read (it may be locked, or its service is not "
        "running). Unlock it and try again, or enter the AppSecret for this session.",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "The system keyring could not remove the saved AppSecret (it may be locked, or its "
        "service is not running). Unlock it and try again.",
    ),
    QT_TRANSLATE_NOOP("CoreText", "The keyring service name is empty."),
    QT_TRANSLATE_NOOP("CoreText", "The token must be text."),
    QT_TRANSLATE_NOOP("CoreText", "The token is empty. Paste the access token and try again."),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "That is too long for an access token ({length} characters). Paste only the token.",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "The token holds spaces, line breaks or control characters. Paste only the token.",
    ),
    QT_TRANSLATE_NOOP("CoreText", "The AppSecret must be text."),
    QT_TRANSLATE_NOOP("CoreText", "The AppSecret is empty. Paste the mini program's AppSecret."),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "That is not a mini program AppSecret: it is 32 letters a-f and digits (WeChat MP "
        "console, 开发管理 → 开发设置 → AppSecret). Paste only the AppSecret.",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "No AppSecret is set for this mini program profile. Save it (tcb-gui token set "
        "--appsecret reads it from stdin) or set the TCB_APP_SECRET variable.",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "The AppID and AppSecret work: WeChat gave an access token for the tcb API.",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "Could not get an access token from WeChat: {problem}; gave up after {tries} tries. "
        "Check the network and the base URL.",
    ),
    QT_TRANSLATE_NOOP("CoreText", "The token service sent an answer with an unreadable error code"),
    QT_TRANSLATE_NOOP("CoreText", "The token service sent an answer without a usable token"),
    QT_TRANSLATE_NOOP("CoreText", "The token service answered HTTP {status}"),
    QT_TRANSLATE_NOOP("CoreText", "The token service answered HTTP {status}. Check the base URL."),
    QT_TRANSLATE_NOOP("CoreText", "The token service sent an unreadable (non-JSON or cut) answer"),
    QT_TRANSLATE_NOOP("CoreText", "Not resolved: {reason}"),
    QT_TRANSLATE_NOOP("CoreText", "Not downloaded: {reason}"),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "Another download is writing into {dest} (process {pid} on {host}, started "
        "{started}). Wait until it ends, or choose another folder.",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "Another download may be writing into {dest} (process {pid} on {host}, started "
        "{started}). If that run is over, delete {lock} and start again.",
    ),
    QT_TRANSLATE_NOOP("CoreText", "Cannot lock the folder {dest}: {reason}"),
    QT_TRANSLATE_NOOP("CoreText", "Cannot read the file: {reason}"),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "No AppSecret for profile {name!r}. Save it with 'tcb-gui token set --appsecret' "
        "(reads it from stdin) or set the TCB_APP_SECRET variable.",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "No access token for profile {name!r}. Set one with 'tcb-gui token set' (reads it"
        " from stdin) or the TCB_ACCESS_TOKEN variable.",
    ),
    QT_TRANSLATE_NOOP("CoreText", "No profile named {name!r} (known: {known})."),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "Profile {name!r} gets its token from the mini program's AppID and AppSecret; "
        "such a token works with --api tcb only.",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "Profile {name!r} has no AppID: set it with 'tcb-gui token set --appsecret --appid wx…'.",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "Saved as the host sent it, compressed ({encoding}): the host ignored the request"
        " for the file as stored",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "Replaced a damaged copy: the file saved there earlier no longer matched what was "
        "recorded when it was downloaded",
    ),
    QT_TRANSLATE_NOOP("CoreText", "The checksum matches"),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "The downloaded file does not match the storage's checksum (CRC-64 {got}, "
        "expected {expected})",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText", "The file does not match the checksum recorded when it was downloaded"
    ),
    QT_TRANSLATE_NOOP("CoreText", "The file holds {size}, not {expected}"),
    QT_TRANSLATE_NOOP("CoreText", "The file is missing"),
    QT_TRANSLATE_NOOP("CoreText", "The server sent almost nothing for {seconds} s"),
    QT_TRANSLATE_NOOP("CoreText", "The size matches (no checksum was recorded)"),
    QT_TRANSLATE_NOOP(
        "CoreText", "The size is as saved (no checksum or size was announced to check it against)"
    ),
    QT_TRANSLATE_NOOP("CoreText", "The stall timeout must be positive."),
    QT_TRANSLATE_NOOP(
        "CoreText", "{dest} has no record of downloaded files to check (no manifest of TCB Links)"
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "The record of downloaded files in {dest} cannot be used ({problem}): nothing was "
        "checked. Download the folder's list again to check and record every file.",
    ),
    QT_TRANSLATE_NOOP("CoreText", "it is not a regular file that can be read"),
    QT_TRANSLATE_NOOP("CoreText", "it is not the JSON TCB Links writes"),
    QT_TRANSLATE_NOOP("CoreText", "it is of a version this TCB Links does not know: {version}"),
    QT_TRANSLATE_NOOP(
        "CoreText", "Its record in the manifest is damaged: the file was not checked"
    ),
    QT_TRANSLATE_NOOP("CoreText", "{reason}; downloading it again"),
    QT_TRANSLATE_NOOP("CoreText", "No free name for the partial file of {name}"),
    QT_TRANSLATE_NOOP("CoreText", "CloudBase reports the resource is unavailable."),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "The CloudBase environment has run out of storage space (see the CloudBase console).",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "The CloudBase environment's quota of read or write requests is used up. Nothing more "
        "can be resolved until it resets, or until the environment's plan is upgraded in the "
        "CloudBase console.",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "The service says a resource of this request is invalid or does not exist. Check the "
        "bucket part of the IDs.",
    ),
    QT_TRANSLATE_NOOP("CoreText", "{message} WeChat saw this computer's address as {ip}."),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "Nothing good came back from the service for {seconds} s (last: {problem}). Check the "
        "network and the base URL, then try the rest again.",
    ),
    QT_TRANSLATE_NOOP("CoreText", "no whole answer within {seconds} s"),
    QT_TRANSLATE_NOOP("CoreText", "interrupted by Ctrl+C"),
    QT_TRANSLATE_NOOP("CoreText", "{name} must be a number of seconds above 0"),
    # core/doctor.py: the checks' details and next steps
    QT_TRANSLATE_NOOP(
        "CoreText",
        "A component_access_token (a third-party platform's own environment) goes with "
        "componenttcb/…; a mini program's access_token, or an authorizer_access_token of an "
        "account that granted the platform the CloudBase permission set, goes with tcb/…",
    ),
    QT_TRANSLATE_NOOP("CoreText", "the keyring (unreadable)"),
    QT_TRANSLATE_NOOP("CoreText", "TCB_ACCESS_TOKEN"),
    QT_TRANSLATE_NOOP("CoreText", "the keyring"),
    QT_TRANSLATE_NOOP("CoreText", "this session"),
    QT_TRANSLATE_NOOP("CoreText", "stable_token with the AppID {appid}"),
    QT_TRANSLATE_NOOP("CoreText", "the profile"),
    QT_TRANSLATE_NOOP("CoreText", "connecting directly (no proxy variables set)"),
    QT_TRANSLATE_NOOP("CoreText", "connecting directly (tcb-gui does not use {names})"),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "{step} If this network reaches the internet only through the proxy in {name}, run "
        "tcb-gui where {host} can be reached directly.",
    ),
    QT_TRANSLATE_NOOP("CoreText", "cannot find {host} (DNS: {why}); {proxy_note}"),
    QT_TRANSLATE_NOOP("CoreText", "Check the base URL ({base_url}) and this computer's DNS."),
    QT_TRANSLATE_NOOP("CoreText", "{where} port {port} cannot be reached ({why}); {proxy_note}"),
    QT_TRANSLATE_NOOP("CoreText", "Check the base URL ({base_url}), the network and any firewall."),
    QT_TRANSLATE_NOOP(
        "CoreText", "{host} ({address}:{port}) answers, but TLS fails ({why}); {proxy_note}"
    ),
    QT_TRANSLATE_NOOP("CoreText", "timed out"),
    QT_TRANSLATE_NOOP("CoreText", "no such host name"),
    QT_TRANSLATE_NOOP("CoreText", "no answer from the DNS server in time"),
    QT_TRANSLATE_NOOP("CoreText", "the DNS server failed"),
    QT_TRANSLATE_NOOP("CoreText", "the name has no address"),
    QT_TRANSLATE_NOOP("CoreText", "connection refused"),
    QT_TRANSLATE_NOOP("CoreText", "the network is unreachable"),
    QT_TRANSLATE_NOOP("CoreText", "no route to the host"),
    QT_TRANSLATE_NOOP("CoreText", "the connection was reset"),
    QT_TRANSLATE_NOOP("CoreText", "the handshake timed out"),
    QT_TRANSLATE_NOOP("CoreText", "the certificate is not trusted: {reason}"),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "{problem}. Trying again cannot help: a network that inspects HTTPS (a company "
        "proxy or antivirus) needs its certificates named in SSL_CERT_FILE, and a wrong "
        "clock breaks TLS too.",
    ),
    QT_TRANSLATE_NOOP("CoreText", "it is not valid yet"),
    QT_TRANSLATE_NOOP("CoreText", "it has expired"),
    QT_TRANSLATE_NOOP("CoreText", "it is self-signed"),
    QT_TRANSLATE_NOOP("CoreText", "a self-signed certificate is in its chain"),
    QT_TRANSLATE_NOOP("CoreText", "its issuer is not known to this computer"),
    QT_TRANSLATE_NOOP("CoreText", "it is for another host name"),
    QT_TRANSLATE_NOOP("CoreText", "the port does not speak TLS (plain http?)"),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "A network that inspects HTTPS (a company proxy or antivirus) or a wrong clock breaks "
        "TLS: try another network, and check the clock.",
    ),
    QT_TRANSLATE_NOOP("CoreText", "{where} — DNS {dns}, TCP {tcp}, TLS {tls}; {proxy_note}"),
    QT_TRANSLATE_NOOP(
        "CoreText", "{where} — DNS {dns}, TCP {tcp}, plain http (loopback only); {proxy_note}"
    ),
    QT_TRANSLATE_NOOP("CoreText", "not checked"),
    QT_TRANSLATE_NOOP("CoreText", "not checked: {why}"),
    QT_TRANSLATE_NOOP("CoreText", "no answer with a Date header"),
    QT_TRANSLATE_NOOP("CoreText", "the service cannot be reached"),
    QT_TRANSLATE_NOOP("CoreText", "{why} (found in {source})"),
    QT_TRANSLATE_NOOP("CoreText", "no token"),
    QT_TRANSLATE_NOOP("CoreText", "no token ({words})"),
    QT_TRANSLATE_NOOP("CoreText", "the service refused this computer's IP"),
    QT_TRANSLATE_NOOP("CoreText", "{why} (token found in {source})"),
    QT_TRANSLATE_NOOP("CoreText", "quota/get gave no answer ({problem})"),
    QT_TRANSLATE_NOOP("CoreText", "quota/get's own quota is used up"),
    QT_TRANSLATE_NOOP("CoreText", "quota/get answered {words}"),
    QT_TRANSLATE_NOOP("CoreText", "the token is not accepted"),
    QT_TRANSLATE_NOOP("CoreText", "the token fits neither API"),
    QT_TRANSLATE_NOOP("CoreText", "within {seconds} s of the service's"),
    QT_TRANSLATE_NOOP("CoreText", "this computer's clock is {amount} behind the service's"),
    QT_TRANSLATE_NOOP("CoreText", "this computer's clock is {amount} ahead of the service's"),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "Set the clock automatically (NTP): link expiry times, the refresh of links before "
        "they end and the stable token's renewal are reckoned on this clock.",
    ),
    QT_TRANSLATE_NOOP("CoreText", "found in {source} — {why}"),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "The service answers TCP but not the API: check the base URL and run the check again.",
    ),
    QT_TRANSLATE_NOOP("CoreText", "from {source}, accepted"),
    QT_TRANSLATE_NOOP("CoreText", "from {source}, a working {api} token"),
    QT_TRANSLATE_NOOP("CoreText", "from {source}, expired ({words})"),
    QT_TRANSLATE_NOOP("CoreText", "from {source}, rejected ({words})"),
    QT_TRANSLATE_NOOP("CoreText", "from {source}, known to the service"),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "profile {profile} gets its token with the AppID {appid}, but no AppSecret is saved",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "Save it: tcb-gui token set --appsecret (reads it from stdin), or set TCB_APP_SECRET.",
    ),
    QT_TRANSLATE_NOOP("CoreText", "no token for profile {profile}"),
    QT_TRANSLATE_NOOP("CoreText", "no token for profile {profile} (the keyring could not be read)"),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "Set one: tcb-gui token set (reads it from stdin), Set token… in the window, or "
        "TCB_ACCESS_TOKEN.",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText", "stable_token refused the AppID and AppSecret (errcode {code}): {message}"
    ),
    QT_TRANSLATE_NOOP("CoreText", "stable_token refused the AppID and AppSecret: {message}"),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "Copy the current AppSecret from the WeChat MP console and save it again (tcb-gui "
        "token set --appsecret).",
    ),
    QT_TRANSLATE_NOOP("CoreText", "no token from stable_token (errcode {code}): {message}"),
    QT_TRANSLATE_NOOP("CoreText", "no token from stable_token: {message}"),
    QT_TRANSLATE_NOOP(
        "CoreText", "Run the check again later; if it persists, see the service's words above."
    ),
    QT_TRANSLATE_NOOP("CoreText", "the token fits {api} ({cgi_path})"),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "the token fits {other} ({other_path}), not the profile's {api} ({cgi_path} answered "
        "{words})",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "Choose API mode {other} ({switch}, or Edit profile… → API mode), or use a token for "
        "{api}. {family}.",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText", "A mini program's own token works with tcb only: keep API mode tcb. {family}."
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "the token fits neither API: {cgi_path} answered {words}; {other_path} answered "
        "{other_words}",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "{family}. For an authorised account, check that the platform was granted the "
        "CloudBase permission set (49 or 64).",
    ),
    QT_TRANSLATE_NOOP("CoreText", "the service accepts calls from this computer"),
    QT_TRANSLATE_NOOP("CoreText", "calls from this computer are refused (40164); {seen}"),
    QT_TRANSLATE_NOOP("CoreText", "the service sees this computer as {ip}"),
    QT_TRANSLATE_NOOP("CoreText", "the service names no address"),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "the mini program's IP allowlist (WeChat MP console → 开发管理 → 开发设置 → IP白名单)",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "the IP allowlist of the account the token belongs to (for a third-party platform: "
        "its development settings on the Open Platform)",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "Add {address} to {where}. Behind NAT or a proxy this is the network's public "
        "address, not this machine's own.",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "Add this network's public address to {where}. Behind NAT or a proxy this is the "
        "network's public address, not this machine's own.",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText", "Ask the mini program's administrator to allow this computer's IP address."
    ),
    QT_TRANSLATE_NOOP("CoreText", "quota/get answered without numbers"),
    QT_TRANSLATE_NOOP(
        "CoreText", "today's quota for {cgi_path} is used up (0 of {limit} calls left, {used} used)"
    ),
    QT_TRANSLATE_NOOP(
        "CoreText", "today's quota for {cgi_path} is used up (0 of {limit} calls left)"
    ),
    QT_TRANSLATE_NOOP(
        "CoreText", "today's quota for {cgi_path} is used up (0 calls left, {used} used)"
    ),
    QT_TRANSLATE_NOOP("CoreText", "today's quota for {cgi_path} is used up (0 calls left)"),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "Nothing more can be resolved until the quota resets tomorrow, or the account owner "
        "resets it (cgi-bin/clear_quota).",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText", "{remain} of {limit} calls left today for {cgi_path} (up to {ids} IDs)"
    ),
    QT_TRANSLATE_NOOP("CoreText", "{remain} calls left today for {cgi_path} (up to {ids} IDs)"),
    QT_TRANSLATE_NOOP("CoreText", "quota/get answered 45009 ({errmsg}): today's calls are used up"),
    QT_TRANSLATE_NOOP(
        "CoreText", "Wait until the quota resets tomorrow, or ask the account owner to reset it."
    ),
    QT_TRANSLATE_NOOP("CoreText", "not checked for {api}; for {other}: {detail}"),
    QT_TRANSLATE_NOOP("CoreText", "{backend} answers"),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "no system keyring answers: tokens and AppSecrets cannot be saved (they are never "
        "written to a file)",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "Set TCB_ACCESS_TOKEN (or TCB_APP_SECRET) in the shell, or start and unlock a keyring "
        "(GNOME Keyring, KWallet, the macOS Keychain, Windows Credential Locker).",
    ),
    # core.trace: what a call left before its end says ("Cancelled" is the downloads')
    QT_TRANSLATE_NOOP("CoreText", "Paused"),
    # core.trace_file.explain: the Requests view's plain words for an answer
    QT_TRANSLATE_NOOP(
        "CoreText",
        "The storage refused the link: it expired (past its t=) or its signature does not "
        "match. A fresh link is asked for and the download resumes.",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText", "The storage has no such file, or the link was garbled on the way."
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "The range asked for starts at the end of the file: the file is already complete.",
    ),
    QT_TRANSLATE_NOOP("CoreText", "The storage failed to answer; the request is tried again."),
    QT_TRANSLATE_NOOP("CoreText", "The storage answered HTTP {status}."),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "The service (or a gateway in front of it) answered HTTP {status}: busy or failing. "
        "The call is tried again with a growing pause.",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "The service answered HTTP {status}, which the API never does: the base URL probably "
        "points at something else.",
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "No answer from the service ({words}). Check the network, the base URL and any "
        "proxy: tcb-gui doctor checks them one by one.",
    ),
    QT_TRANSLATE_NOOP("CoreText", "no answer"),
    QT_TRANSLATE_NOOP("CoreText", "{words}. It is tried again."),
    QT_TRANSLATE_NOOP("CoreText", "{words}. That was its last try."),
    QT_TRANSLATE_NOOP(
        "CoreText", "{words} The service saw the address {ip}: that is the one to add."
    ),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "The token's account type does not fit this API: a component_access_token goes with "
        "componenttcb/…, a mini program's access_token or an authorizer_access_token with "
        "tcb/…. Choose the other API mode, or use the other token.",
    ),
    QT_TRANSLATE_NOOP("CoreText", "quota/get does not know this cgi_path (a bug in TCB Links)."),
    QT_TRANSLATE_NOOP("CoreText", "quota/get found the cgi_path malformed (a bug in TCB Links)."),
    QT_TRANSLATE_NOOP(
        "CoreText",
        "{words} A component_access_token works only with componenttcb/…; a mini program's "
        "access_token or an authorizer_access_token with tcb/….",
    ),
)

# (PySide's stubs type QT_TRANSLATE_NOOP as returning object; it returns its source.)
SOURCES: Final[tuple[str, ...]] = tuple(str(text) for text in _MARKED)

# How deep templates may nest ("{reason} (gave up after {tries} tries)" around "{reason};
# it was not saved" around a message): core nests three deep at most.
MAX_NESTING: Final = 6
# Messages translated per language before the cache starts over; a run's failures repeat
# a few messages over and over, file names make the rest.
CACHE_LIMIT: Final = 4096
# Chinese punctuation a nested message's own full stop must not double.
_CLOSING_PUNCTUATION: Final = "。，；：！？"
# A registered message whose translation tells the language in use; English if it
# comes back as it is (every shipped language translates it).
_PROBE: Final = "File does not exist"
_FORMATTER = string.Formatter()


def _translate(source: str) -> str:
    return QCoreApplication.translate(CONTEXT, source)


@dataclass(frozen=True, slots=True)
class _Pattern:
    """One template: its regular expressions and how specific it is."""

    template: MessageTemplate
    # Shortest parts first, then longest: two splits of an ambiguous text.
    regexes: tuple[re.Pattern[str], ...]
    literal_chars: int
    needle: str  # its longest fixed piece: a text without it cannot match

    @classmethod
    def of(cls, template: MessageTemplate) -> _Pattern:
        parsed = list(_FORMATTER.parse(template.text))
        pieces = [text for text, _, _, _ in parsed]
        variants = ("?", "") if len(template.fields) > 1 else ("?",)
        regexes = tuple(
            re.compile(_regex(parsed, template.nested, lazy), re.DOTALL) for lazy in variants
        )
        return cls(template, regexes, sum(map(len, pieces)), max(pieces, key=len))


def _regex(
    parsed: list[tuple[str, str | None, str | None, str | None]],
    nested: frozenset[str],
    lazy: str,
) -> str:
    out: list[str] = []
    seen: set[str] = set()
    for text, name, _spec, _conversion in parsed:
        out.append(re.escape(text))
        if name is None:
            continue
        if name in seen:
            out.append(f"(?P={name})")
            continue
        seen.add(name)
        # A nested message is never empty; data may be (an OS error without words).
        out.append(f"(?P<{name}>.+{lazy})" if name in nested else f"(?P<{name}>.*{lazy})")
    return "".join(out)


def _fill(translated: str, parts: dict[str, str], nested: frozenset[str]) -> str | None:
    """``translated`` with its fields replaced by ``parts``; None if it is malformed."""
    try:
        parsed = list(_FORMATTER.parse(translated))
    except ValueError:
        return None
    out: list[str] = []
    for index, (text, name, _spec, _conversion) in enumerate(parsed):
        out.append(text)
        if name is None:
            continue
        if name not in parts:
            return None
        value = parts[name]
        following = parsed[index + 1][0] if index + 1 < len(parsed) else ""
        if name in nested and following[:1] in _CLOSING_PUNCTUATION and following:
            value = value.removesuffix("。")  # "{problem}。请检查…" with a problem that ends "。"
        out.append(value)
    return "".join(out)


@dataclass(frozen=True, slots=True)
class _Reading:
    """One way to read a text as a registered message: its translation, and how many of
    its characters are data (the fewer, the more of the text is ours)."""

    text: str
    data_chars: int


class CoreCatalogue:
    """Core's registered messages, ready to be recognised in a text."""

    def __init__(self, templates: Iterable[MessageTemplate]) -> None:
        self.whole: set[str] = set()
        patterns: list[_Pattern] = []
        for template in templates:
            if template.fields:
                patterns.append(_Pattern.of(template))
            else:
                self.whole.add(template.text)
        # At the same amount of data, the most specific template wins.
        patterns.sort(key=lambda p: -p.literal_chars)
        self.patterns = tuple(patterns)

    def translate(self, text: str) -> str | None:
        """``text`` translated if it is a registered message, else None."""
        reading = self._read(text, 0, {})
        return reading.text if reading is not None else None

    def _read(self, text: str, depth: int, seen: _Seen) -> _Reading | None:
        """The reading of ``text`` that leaves the least to data ("Network error: X (y)"
        is "{message} ({detail})" around "Network error: {error}", not one long error)."""
        if text in self.whole:
            return _Reading(_translate(text), 0)
        if text in seen:
            return seen[text]  # the lazy and the greedy split often agree
        if depth >= MAX_NESTING:
            return None
        best: _Reading | None = None
        for pattern in self.patterns:
            if pattern.needle not in text:
                continue
            for regex in pattern.regexes:
                match = regex.fullmatch(text)
                if match is None:
                    continue
                reading = self._filled(pattern.template, match.groupdict(), depth, seen)
                if reading is not None and (best is None or reading.data_chars < best.data_chars):
                    best = reading
        seen[text] = best
        return best

    def _filled(
        self, template: MessageTemplate, parts: dict[str, str], depth: int, seen: _Seen
    ) -> _Reading | None:
        data_chars = 0
        for name, value in parts.items():
            if name not in template.nested:
                data_chars += len(value)
                continue
            inner = self._nested(value, depth + 1, seen)
            if inner is None and name in template.or_data:
                data_chars += len(value)  # the system's own words: kept as they are
                continue
            if inner is None:
                return None  # not this template: its part is no message of ours
            parts[name] = inner.text
            data_chars += inner.data_chars
        filled = _fill(_translate(template.text), parts, template.nested)
        return _Reading(filled, data_chars) if filled is not None else None

    def _nested(self, text: str, depth: int, seen: _Seen) -> _Reading | None:
        found = self._read(text, depth, seen)
        if found is None and text and not text.endswith("."):
            # Core drops the full stop of a message it embeds ("…; gave up after 4 tries").
            whole = self._read(text + ".", depth, seen)
            if whole is not None:
                cut = whole.text.removesuffix("。").removesuffix(".")
                return _Reading(cut, whole.data_chars)
        return found


# Readings already made while reading one text, by the part of it they read.
_Seen = dict[str, "_Reading | None"]


_catalogue: CoreCatalogue | None = None
_cache: dict[str, str] = {}
_cache_language = ""


def load_core_messages() -> None:
    """Import every core module that registers messages (``REGISTERING``)."""
    for name in REGISTERING:
        importlib.import_module(name)


def catalogue() -> CoreCatalogue:
    """The catalogue of every message core registered (built once)."""
    global _catalogue
    if _catalogue is None:
        load_core_messages()
        _catalogue = CoreCatalogue(messages())
    return _catalogue


def core_text(message: str) -> str:
    """``message`` in the window's language if core registered it, else unchanged."""
    global _cache_language
    if not message:
        return message
    language = _translate(_PROBE)
    if language == _PROBE:
        return message  # English: core's own words
    if language != _cache_language:
        _cache.clear()
        _cache_language = language
    shown = _cache.get(message)
    if shown is None:
        shown = catalogue().translate(message) or message
        if len(_cache) >= CACHE_LIMIT:
            _cache.clear()
        _cache[message] = shown
    return shown
