#!/usr/bin/env bash
# Smoke test of the built bundle (run `make package` first; this builds nothing):
#
#   bash packaging/smoke_test.sh [BUNDLE_DIR]        (default dist/tcb-gui)
#
# A copy of the bundle runs outside the checkout with an empty environment (no venv, no
# PYTHONPATH): --version, the demo service on a free port, resolve, download, token
# check, the token in a real Secret Service (gnome-keyring on a private D-Bus), and the
# window with --demo offscreen and, where Xvfb exists, on a real X server. Every process
# started here is stopped by its id at the end. Exits non-zero on the first failure.
#
# SMOKE_SCREENSHOT=FILE saves a screenshot of the window under Xvfb.
set -euo pipefail

APP_ID=io.github.tcblinks.TcbLinks
DEMO_TOKEN=demo-component-token  # tcb_gui/demo/service.py: DEMO_TOKEN
EXPIRED_TOKEN=demo-expired-token # tcb_gui/demo/service.py: EXPIRED_TOKEN
PROD=demo-prod-7g3k.7072-demo-prod-7g3k-1314114854  # tcb_gui/demo/samples.py: PROD
WINDOW_ALIVE_S=5        # the window must still run this long after starting
STEP_TIMEOUT_S=60       # any one command; they take about a second each
START_TIMEOUT_S=20      # demo service, D-Bus and keyring start-up
EXIT_SOME_FAILED=1      # DESIGN.md §4 exit codes
EXIT_TOKEN=3

# --- the window on a real X server: this script again, inside xvfb-run ---------------
if [[ ${1:-} == --x11-stage ]]; then
    exe=$2 log=$3
    shift 3
    "$@" env QT_QPA_PLATFORM=xcb DISPLAY="$DISPLAY" XAUTHORITY="${XAUTHORITY:-}" \
        "$exe" --demo >"$log" 2>&1 &
    pid=$!
    trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true' EXIT
    found=
    for _ in $(seq 1 $((START_TIMEOUT_S * 5))); do
        kill -0 "$pid" 2>/dev/null || { echo "the window exited early" >&2; exit 1; }
        if command -v xdotool >/dev/null; then
            found=$(xdotool search --onlyvisible --name 'TCB' 2>/dev/null | head -n 1 || true)
            [[ -n $found ]] && break
        fi
        sleep 0.2
    done
    if command -v xdotool >/dev/null && [[ -z $found ]]; then
        echo "no visible window titled TCB appeared" >&2
        exit 1
    fi
    sleep "$WINDOW_ALIVE_S"
    kill -0 "$pid" 2>/dev/null || { echo "the window exited" >&2; exit 1; }
    if [[ -n ${SMOKE_SCREENSHOT:-} ]] && command -v import >/dev/null; then
        import -window root "$SMOKE_SCREENSHOT"
    fi
    exit 0
fi

self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
root=$(cd "$(dirname "$0")/.." && pwd)
bundle_src=${1:-$root/dist/tcb-gui}
[[ -x $bundle_src/tcb-gui ]] || { echo "smoke: no bundle at $bundle_src (run make package)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/tcb-gui-smoke.XXXXXX")
bus_dir=
pids=()
checks=0

cleanup() {
    local pid
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$work"
    [[ -z $bus_dir ]] || rm -rf "$bus_dir"
}
trap cleanup EXIT

fail() {
    echo "smoke: FAIL: $*" >&2
    local log
    for log in "$work"/*.log; do
        [[ -s $log ]] && { echo "--- $(basename "$log")" >&2; tail -n 20 "$log" >&2; }
    done
    exit 1
}

ok() {
    checks=$((checks + 1))
    echo "smoke: ok: $*"
}

# The bundle runs from a copy outside the checkout, so nothing can come from the tree.
cp -a "$bundle_src" "$work/bundle"
exe=$work/bundle/tcb-gui
internal=$work/bundle/_internal
mkdir -p "$work/home" "$work/app-home"
cd "$work"

# An empty environment: no venv, no PYTHONPATH, no display, no D-Bus, no token.
base_env=(env -i "HOME=$work/home" "PATH=/usr/local/bin:/usr/bin:/bin" "LANG=C.UTF-8"
    "TMPDIR=$work" "TCB_GUI_HOME=$work/app-home")
bundle() {
    timeout "$STEP_TIMEOUT_S" "${base_env[@]}" "${extra_env[@]}" "$exe" "$@"
}
extra_env=()

# --- what the bundle carries --------------------------------------------------------
version=$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' "$root/tcb_gui/__init__.py")
[[ $(bundle --version) == "tcb-gui $version" ]] || fail "--version is not 'tcb-gui $version'"
ok "--version: tcb-gui $version"

for file in "resources/icons/app/tcb-gui.svg" "resources/icons/app/tcb-gui-256.png" \
    "packaging/linux/$APP_ID.desktop" "packaging/linux/$APP_ID.metainfo.xml" \
    "packaging/linux/install.sh" \
    PySide6/Qt/plugins/platforms/libqxcb.so PySide6/Qt/plugins/platforms/libqoffscreen.so \
    PySide6/Qt/plugins/iconengines/libqsvgicon.so PySide6/Qt/plugins/imageformats/libqsvg.so; do
    [[ -e $internal/$file ]] || fail "the bundle lacks $file"
done
compgen -G "$internal/keyring-*.dist-info/entry_points.txt" >/dev/null \
    || fail "the bundle lacks keyring's metadata (its backends are found through it)"
# The service notes (Help ▸ Service notes): the file itself, not a link out of the bundle.
notes=tcb_gui/resources/docs/WECHAT_API.md
[[ -f $internal/$notes && ! -L $internal/$notes ]] || fail "the bundle lacks $notes as a file"
cmp -s "$internal/$notes" "$root/docs/WECHAT_API.md" || fail "$notes differs from docs/WECHAT_API.md"
shopt -s nullglob
for source in "$root"/resources/translations/*.ts; do
    qm=tcb_gui/resources/translations/$(basename "${source%.ts}").qm
    [[ -f $internal/$qm ]] || fail "the bundle lacks $qm (compiled from $source)"
done
unwanted=("$internal"/PySide6/Qt/lib/libQt6Quick* "$internal"/PySide6/Qt/lib/libQt6Qml*
    "$internal"/PySide6/Qt/lib/libQt6Pdf* "$internal"/libgtk-3*)
shopt -u nullglob
((${#unwanted[@]} == 0)) || fail "left-out parts are in the bundle: ${unwanted[*]}"
ok "contents: icons, desktop files, service notes, Qt plugins, keyring metadata; no Qt Quick/QML/PDF/GTK"

# --- the demo service on a free port ------------------------------------------------
"${base_env[@]}" "$exe" demo-server --port 0 >"$work/demo-server.log" 2>&1 &
pids+=($!)
url=
for _ in $(seq 1 $((START_TIMEOUT_S * 10))); do
    url=$(sed -n 's/^TCB Links demo service: \(http[^ ]*\)$/\1/p' "$work/demo-server.log")
    [[ -n $url ]] && break
    kill -0 "${pids[-1]}" 2>/dev/null || fail "demo-server exited"
    sleep 0.1
done
[[ -n $url ]] || fail "demo-server printed no address within ${START_TIMEOUT_S}s"
sample=$(sed -n 's/^ *sample ID: //p' "$work/demo-server.log")
[[ $sample == cloud://* ]] || fail "demo-server printed no sample ID"
ok "demo-server listening at $url"

# --- resolve --------------------------------------------------------------------------
printf '%s\n' "$sample" "cloud://$PROD/gen/size-2048/two-k.bin" \
    "cloud://$PROD/gen/size-300K/three-hundred-k.bin" >ids.txt
extra_env=("TCB_ACCESS_TOKEN=$DEMO_TOKEN")
bundle resolve --base-url "$url" --format urls ids.txt >urls.txt 2>resolve.log \
    || fail "resolve exited with $?"
[[ $(grep -c "^$url/download/" urls.txt) == 3 ]] || fail "resolve gave not 3 links"
# A link works: fetch one with curl where it exists.
if command -v curl >/dev/null; then
    size=$(curl -sS --max-time 30 -o /dev/null -w '%{size_download}' "$(sed -n 2p urls.txt)")
    [[ $size == 2048 ]] || fail "the 2 KiB file's link gave $size bytes"
fi
ok "resolve: 3 working links (one with a Chinese key)"

printf '%s\n' "cloud://$PROD/no/such/file.txt" "cloud://$PROD/gen/x.bin" >mixed.txt
status=0
bundle resolve --base-url "$url" --format tsv mixed.txt >mixed.tsv 2>mixed.log || status=$?
((status == EXIT_SOME_FAILED)) || fail "resolve with a missing file exited $status, not 1"
[[ $(awk -F '\t' 'NR > 1 && $3 == "true"' mixed.tsv | wc -l) == 1 ]] \
    || fail "resolve of one good and one missing file did not give one good row"
ok "resolve: a missing file fails alone (exit 1)"

# --- download -------------------------------------------------------------------------
bundle download --base-url "$url" --dest files --report report.json ids.txt 2>download.log \
    || fail "download exited with $?"
[[ $(stat -c %s "files/demo-prod-7g3k/gen/size-2048/two-k.bin") == 2048 ]] \
    || fail "the 2 KiB download has the wrong size"
[[ $(stat -c %s "files/demo-prod-7g3k/gen/size-300K/three-hundred-k.bin") == 307200 ]] \
    || fail "the 300 KiB download has the wrong size"
[[ $(grep -c '"ok": true' report.json) == 3 ]] || fail "the download report lacks 3 ok rows"
bundle download --base-url "$url" --dest files ids.txt 2>download-again.log \
    || fail "a second download exited with $?"
ok "download: 3 files at their sizes, a re-run succeeds"

# --- token check ----------------------------------------------------------------------
bundle token check --base-url "$url" >token.log 2>&1 || fail "token check exited with $?"
extra_env=("TCB_ACCESS_TOKEN=$EXPIRED_TOKEN")
status=0
bundle token check --base-url "$url" >token-expired.log 2>&1 || status=$?
((status == EXIT_TOKEN)) || fail "token check of an expired token exited $status, not 3"
extra_env=()
ok "token check: valid 0, expired 3"

# --- the token in a real Secret Service -----------------------------------------------
if command -v dbus-daemon >/dev/null && command -v gnome-keyring-daemon >/dev/null \
    && command -v dbus-send >/dev/null; then
    bus_dir=$(mktemp -d /tmp/tcbsmk.XXXXXX) # short: unix socket paths are limited
    # No <servicedir>: the bus activates nothing, only the daemons started here run.
    cat >"$bus_dir/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=$bus_dir</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF
    dbus-daemon --config-file="$bus_dir/bus.conf" --nofork --print-address=1 \
        >"$bus_dir/address" 2>"$work/dbus.log" &
    pids+=($!)
    for _ in $(seq 1 $((START_TIMEOUT_S * 10))); do
        [[ -s $bus_dir/address ]] && break
        sleep 0.1
    done
    bus=$(head -n 1 "$bus_dir/address")
    [[ -n $bus ]] || fail "dbus-daemon printed no address"
    keyring_env=("HOME=$bus_dir" "XDG_RUNTIME_DIR=$bus_dir" "XDG_DATA_HOME=$bus_dir/data"
        "XDG_CONFIG_HOME=$bus_dir/config" "DBUS_SESSION_BUS_ADDRESS=$bus")
    # --unlock reads the new login keyring's password from stdin.
    printf 'smoke-test-password' | env "${keyring_env[@]}" gnome-keyring-daemon --foreground \
        --unlock --components=secrets >"$work/gnome-keyring.log" 2>&1 &
    pids+=($!)
    owned=
    for _ in $(seq 1 $((START_TIMEOUT_S * 10))); do
        if timeout 5 env "${keyring_env[@]}" dbus-send --session --print-reply \
            --dest=org.freedesktop.DBus /org/freedesktop/DBus \
            org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null \
            | grep -q 'boolean true'; then
            owned=1
            break
        fi
        sleep 0.1
    done
    [[ -n $owned ]] || fail "gnome-keyring-daemon did not start"
    extra_env=("${keyring_env[@]}")
    printf '%s\n' "$DEMO_TOKEN" | bundle token set --base-url "$url" >token-set.log 2>&1 \
        || fail "token set into the Secret Service exited with $?"
    bundle resolve --base-url "$url" --format urls ids.txt >keyring-urls.txt 2>/dev/null \
        || fail "resolve with the keyring's token exited with $?"
    [[ $(wc -l <keyring-urls.txt) == 3 ]] || fail "resolve with the keyring's token failed"
    bundle token clear >token-clear.log 2>&1 || fail "token clear exited with $?"
    status=0
    bundle token check --base-url "$url" >token-gone.log 2>&1 || status=$?
    ((status == EXIT_TOKEN)) || fail "token check after clear exited $status, not 3"
    extra_env=()
    grep -rqs "$DEMO_TOKEN" "$work/app-home" && fail "the token was written to the app's files"
    ok "keyring: token set, used, cleared in gnome-keyring over D-Bus"
else
    echo "smoke: skip: keyring (needs dbus-daemon, dbus-send and gnome-keyring-daemon)"
fi

# --- the window -----------------------------------------------------------------------
"${base_env[@]}" QT_QPA_PLATFORM=offscreen "$exe" --demo >"$work/window-offscreen.log" 2>&1 &
window=$!
pids+=("$window")
sleep "$WINDOW_ALIVE_S"
kill -0 "$window" 2>/dev/null || fail "the window (offscreen, --demo) exited early"
grep -q Traceback "$work/window-offscreen.log" && fail "the window logged a traceback"
kill "$window"
wait "$window" 2>/dev/null || true
ok "window: --demo runs offscreen for ${WINDOW_ALIVE_S}s"

if command -v xvfb-run >/dev/null && command -v xauth >/dev/null; then
    timeout $((STEP_TIMEOUT_S * 2)) xvfb-run -a -s "-screen 0 1280x800x24" \
        bash "$self" --x11-stage "$exe" "$work/window-x11.log" \
        "${base_env[@]}" || fail "the window on Xvfb failed"
    grep -q Traceback "$work/window-x11.log" && fail "the window on Xvfb logged a traceback"
    ok "window: --demo shows a window titled TCB on Xvfb (xcb)"
else
    echo "smoke: skip: window on X11 (needs xvfb-run and xauth)"
fi

# --- the demo service stops on Ctrl+C ------------------------------------------------
kill -INT "${pids[0]}"
for _ in $(seq 1 $((START_TIMEOUT_S * 10))); do
    kill -0 "${pids[0]}" 2>/dev/null || break
    sleep 0.1
done
kill -0 "${pids[0]}" 2>/dev/null && fail "demo-server still runs ${START_TIMEOUT_S}s after SIGINT"
status=0
wait "${pids[0]}" || status=$?
((status == 0)) || fail "demo-server exited $status on SIGINT"
ok "demo-server stops cleanly on SIGINT"

echo "smoke test: all $checks checks passed ($(du -sh "$bundle_src" | cut -f1) bundle)"
