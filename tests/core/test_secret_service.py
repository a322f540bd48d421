"""The token store against a real Secret Service: gnome-keyring on a private D-Bus bus.

Each module run starts its own ``dbus-daemon`` (a minimal config with no service
activation, so nothing else gets started behind our back) and a ``gnome-keyring-daemon``
unlocked with a throw-away password, in a throw-away HOME. Both are stopped and reaped
at the end. The developer's own session bus and keyring are never touched.
"""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import keyring
import psutil
import pytest

from tcb_gui.core.errors import KeyringUnavailableError
from tcb_gui.core.settings import load_settings, save_settings
from tcb_gui.core.tokens import KEYRING_SERVICE, TokenInfo, TokenSource, TokenStore

secretstorage = pytest.importorskip("secretstorage")
SecretService = pytest.importorskip("keyring.backends.SecretService")

pytestmark = pytest.mark.secret_service

TOKEN = "71_SecretServiceTokenAbCdEf0123456789-default"
TOKEN_B = "71_SecretServiceTokenZyXwVu9876543210-prod"
KEYRING_PASSWORD = b"tcb-gui-test-password"
STARTUP_TIMEOUT_S = 10.0  # gnome-keyring is ready in well under a second here
# Without a bus the connection is refused at once; allow a slow, shared CI machine.
NO_BUS_LIMIT_S = 5.0

# No <servicedir>: the bus activates nothing, so only the daemons we start ever run.
BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={dir}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Terminate ``proc`` and anything it started, and reap it."""
    try:
        children = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        children = []
    for child in children:
        child.terminate()
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)
    _, alive = psutil.wait_procs(children, timeout=5)
    for child in alive:
        child.kill()


def _read_address(proc: subprocess.Popen[bytes]) -> str:
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], STARTUP_TIMEOUT_S)
    if not ready:
        raise RuntimeError("dbus-daemon printed no address")
    return proc.stdout.readline().decode().strip()


def _wait_for_secret_service(address: str, daemon: subprocess.Popen[bytes]) -> None:
    from jeepney.bus_messages import message_bus
    from jeepney.io.blocking import open_dbus_connection

    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    with closing(open_dbus_connection(bus=address)) as conn:
        while time.monotonic() < deadline:
            if daemon.poll() is not None:
                raise RuntimeError(f"gnome-keyring-daemon exited with {daemon.returncode}")
            reply = conn.send_and_get_reply(message_bus.NameHasOwner("org.freedesktop.secrets"))
            if reply.body[0]:
                return
            time.sleep(0.05)
    raise RuntimeError("gnome-keyring-daemon did not claim org.freedesktop.secrets")


@pytest.fixture(scope="module")
def secret_service_bus() -> Iterator[str]:
    """The address of a private session bus with an unlocked gnome-keyring on it."""
    missing = [cmd for cmd in ("dbus-daemon", "gnome-keyring-daemon") if not shutil.which(cmd)]
    if missing:
        pytest.skip(f"needs {' and '.join(missing)} (packages dbus and gnome-keyring)")
    # Short path: unix socket paths are limited to about 100 bytes.
    root = Path(tempfile.mkdtemp(prefix="tcbss"))
    config = root / "bus.conf"
    config.write_text(BUS_CONFIG.format(dir=root), encoding="utf-8")
    env = {
        **os.environ,
        "HOME": str(root),
        "XDG_RUNTIME_DIR": str(root),
        "XDG_DATA_HOME": str(root / "data"),
        "XDG_CONFIG_HOME": str(root / "config"),
    }
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    procs: list[subprocess.Popen[bytes]] = []
    logs = [(root / "dbus.log").open("wb"), (root / "keyring.log").open("wb")]
    try:
        bus = subprocess.Popen(
            ["dbus-daemon", f"--config-file={config}", "--nofork", "--print-address=1"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=logs[0],
            env=env,
        )
        procs.append(bus)
        address = _read_address(bus)
        env["DBUS_SESSION_BUS_ADDRESS"] = address
        daemon = subprocess.Popen(
            ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
            stdin=subprocess.PIPE,
            stdout=logs[1],
            stderr=subprocess.STDOUT,
            env=env,
        )
        procs.append(daemon)
        assert daemon.stdin is not None
        # --unlock reads the login keyring's password from stdin up to EOF.
        daemon.stdin.write(KEYRING_PASSWORD)
        daemon.stdin.close()
        _wait_for_secret_service(address, daemon)
        yield address
    finally:
        for proc in reversed(procs):
            _stop(proc)
            if proc.stdout is not None:
                proc.stdout.close()
        for log in logs:
            log.close()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def secret_service(secret_service_bus: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """A fresh SecretService keyring backend talking to the private bus; empty at the end."""
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", secret_service_bus)
    backend = SecretService.Keyring()
    yield backend
    for profile in ("default", "prod"):
        TokenStore(backend=backend).clear(profile)


def _items(profile: str) -> list[dict[str, str]]:
    """The attributes of the Secret Service items stored for ``profile``, read directly."""
    with closing(secretstorage.dbus_init()) as conn:
        collection = secretstorage.get_default_collection(conn)
        found = collection.search_items({"service": KEYRING_SERVICE, "username": profile})
        return [item.get_attributes() for item in found]


def _assert_nowhere_under(root: Path, *secrets: str) -> None:
    files = [p for p in root.rglob("*") if p.is_file()]
    for path in files:
        data = path.read_bytes()
        for secret in secrets:
            assert secret.encode() not in data, path


@pytest.mark.timeout(30)
def test_tokens_live_in_the_secret_service(secret_service: object, isolated_home: Path) -> None:
    keyring.set_keyring(secret_service)  # type: ignore[arg-type]
    store = TokenStore()  # loads the default backend lazily: the one just set
    assert store.keyring_available()
    store.set("default", f"{TOKEN}\n")
    store.set("prod", TOKEN_B)
    # Stored as real Secret Service items, one per profile, the profile as user name.
    assert len(_items("default")) == 1
    assert len(_items("prod")) == 1
    assert _items("default")[0]["service"] == KEYRING_SERVICE

    # A new store with a new backend object reads them back over D-Bus.
    other = TokenStore(backend=SecretService.Keyring())
    assert other.get("default") == TOKEN
    assert other.current("prod") == TokenInfo(TOKEN_B, TokenSource.KEYRING)

    # Overwriting replaces the item instead of adding a second one.
    store.set("prod", TOKEN)
    assert other.get("prod") == TOKEN
    assert len(_items("prod")) == 1

    settings = load_settings()
    settings.set_token_saved_at("default", time.time())
    save_settings(settings)

    store.clear("default")
    assert other.get("default") is None
    assert _items("default") == []
    assert other.get("prod") == TOKEN
    assert other.current("default") == TokenInfo(None, TokenSource.NONE)
    store.clear("default")  # clearing an absent entry is fine

    assert any(p.is_file() for p in isolated_home.rglob("*"))  # settings were written
    _assert_nowhere_under(isolated_home, TOKEN, TOKEN_B)


@pytest.mark.timeout(30)
async def test_async_wrappers_over_secret_service(secret_service: object) -> None:
    store = TokenStore(backend=secret_service)  # type: ignore[arg-type]
    assert await store.akeyring_available()
    await store.aset("default", TOKEN)
    assert (await store.acurrent("default")).source is TokenSource.KEYRING
    await store.aclear("default")
    assert await store.aget("default") is None


@pytest.mark.timeout(20)
@pytest.mark.parametrize("address", [None, "unix:path={tmp}/no-bus-here"], ids=["unset", "dead"])
def test_no_dbus_session_means_no_keyring(
    address: str | None,
    tmp_path: Path,
    isolated_home: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if address is None:
        monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    else:
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address.format(tmp=tmp_path))
    store = TokenStore(backend=SecretService.Keyring())
    started = time.monotonic()
    assert store.keyring_available() is False
    with pytest.raises(KeyringUnavailableError, match="session only") as info:
        store.set("default", TOKEN)
    assert TOKEN not in repr(info.value)
    assert info.value.__context__ is None
    assert "SecretService" in info.value.detail
    # The token is still usable for this session.
    assert store.current("default") == TokenInfo(TOKEN, TokenSource.SESSION)
    with pytest.raises(KeyringUnavailableError):
        TokenStore(backend=SecretService.Keyring()).current("default")
    # Failing must be quick, not a hang on a bus that is not there.
    assert time.monotonic() - started < NO_BUS_LIMIT_S
    _assert_nowhere_under(isolated_home, TOKEN)
    _assert_nowhere_under(tmp_path, TOKEN)
