"""What the commands say is true: ``--on-exists`` explained in ``download --help``;
``token clear`` without a keyring does not claim it removed anything from one; ``verify``
on a folder that is not there, or on a file, says so rather than "no record"."""

from __future__ import annotations

from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from tcb_gui.core.tokens import TokenStore
from tests.e2e.cli_helpers import run_cli


def test_download_help_explains_each_on_exists_choice() -> None:
    run = run_cli(["download", "--help"])
    assert run.code == 0
    text = " ".join(run.stdout.split())
    assert "skip (default): a complete copy of the same file is left as it is" in text
    assert "a different file is kept and the new one saved beside it as 'name (1).ext'" in text
    assert "rename: always save beside it" in text
    assert "overwrite: replace what is there (destructive)" in text


@pytest.mark.parametrize(
    ("argv", "what"),
    [(["token", "clear"], "token"), (["token", "clear", "--appsecret"], "AppSecret")],
)
def test_clearing_without_a_keyring_claims_no_removal_from_one(argv: list[str], what: str) -> None:
    keyring.set_keyring(fail.Keyring())  # the memory_keyring fixture puts its own back
    run = run_cli(argv, token=None)
    assert run.code == 0, run.stderr
    assert "from the keyring" not in run.stderr
    assert run.stderr == (
        f"No system keyring is available, so no {what} of profile 'default' was kept in "
        "one: there was nothing to remove.\n"
    )


def test_clearing_with_a_keyring_says_it_removed_the_token() -> None:
    TokenStore().set("default", "a-token")  # into the memory keyring of the fixture
    run = run_cli(["token", "clear"], token=None)
    assert run.code == 0, run.stderr
    assert run.stderr == "Removed the token of profile 'default' from the keyring.\n"
    assert TokenStore().get("default") is None


def test_verify_names_a_folder_that_does_not_exist(tmp_path: Path) -> None:
    missing = tmp_path / "d1"
    run = run_cli(["verify", str(missing)])
    assert run.code == 2
    assert run.stderr == (
        f"tcb-gui: {missing} does not exist: name the folder tcb-gui download wrote to.\n"
    )


def test_verify_names_a_file_given_for_the_folder(tmp_path: Path) -> None:
    a_file = tmp_path / "report.json"
    a_file.write_text("[]", "utf-8")
    run = run_cli(["verify", str(a_file)])
    assert run.code == 2
    assert run.stderr == (
        f"tcb-gui: {a_file} is not a folder: name the folder tcb-gui download wrote to.\n"
    )


def test_verify_of_an_empty_folder_still_says_it_has_no_record(tmp_path: Path) -> None:
    run = run_cli(["verify", str(tmp_path)])
    assert run.code == 2
    assert "has no record of downloaded files to check" in run.stderr
