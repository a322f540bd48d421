"""The names of the window's named tasks (``ui.tasks.TaskKeeper``), in one place.

A presenter that waits for, cancels or replaces another one's task names it from here;
starting a task under a running name cancels the old one unless ``replace=False``.
"""

from typing import Final

# IDs in: several may run at once (``TaskKeeper.start_unique`` adds "-N").
ADD_TEXT: Final = "add-text"
ADD_FILES: Final = "add-files"
# Resolving, and the token and profile.
RESOLVE: Final = "resolve"
CHECK_TOKEN: Final = "check-token"
SAVE_TOKEN: Final = "save-token"
CLEAR_TOKEN: Final = "clear-token"
PROFILE: Final = "profile"
DEMO: Final = "demo"
STABLE_TOKEN: Final = "stable-token"  # the renewal loop of a mini program profile
SETTINGS: Final = "settings"
SETTINGS_SECRETS: Final = "settings-secrets"
# Links out.
EXPORT: Final = "export"
# Downloads.
DOWNLOAD: Final = "download"
DOWNLOAD_RESTORE: Final = "download-restore"
# The history of lists.
HISTORY_SAVE: Final = "history-save"
HISTORY_RESTORE: Final = "history-restore"
HISTORY_OPEN: Final = "history-open"
HISTORY_PRUNE: Final = "history-prune"
