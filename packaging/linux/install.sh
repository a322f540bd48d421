#!/bin/sh
# Install (or remove) TCB Links' desktop integration for one user: the .desktop entry,
# the AppStream metainfo and the icons, under ~/.local/share (XDG_DATA_HOME) by default.
#
#   packaging/linux/install.sh                      from a checkout (Exec=tcb-gui, on PATH)
#   dist/tcb-gui/_internal/packaging/linux/install.sh   from a bundle (Exec=that bundle)
#   install.sh --prefix /usr/local --exec /opt/tcb-gui/tcb-gui
#   install.sh --uninstall
set -eu

APP_ID=io.github.tcblinks.TcbLinks
ICON_SIZES="16 24 32 48 64 128 256 512"

usage() {
    cat <<EOF
usage: $0 [--prefix DIR] [--exec COMMAND] [--uninstall]
  --prefix DIR    install under DIR/share (default: \${XDG_DATA_HOME:-~/.local/share})
  --exec COMMAND  the program the menu entry starts (default: the bundle this script is
                  in, else tcb-gui on PATH)
  --uninstall     remove what an install put there
EOF
}

here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
root=$(CDPATH= cd -- "$here/../.." && pwd)
data_dir=${XDG_DATA_HOME:-$HOME/.local/share}
exec_cmd=
uninstall=0

while [ $# -gt 0 ]; do
    case $1 in
        --prefix) [ $# -ge 2 ] || { usage >&2; exit 2; }; data_dir=$2/share; shift 2 ;;
        --exec) [ $# -ge 2 ] || { usage >&2; exit 2; }; exec_cmd=$2; shift 2 ;;
        --uninstall) uninstall=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "$0: unknown option: $1" >&2; usage >&2; exit 2 ;;
    esac
done

if [ -z "$exec_cmd" ]; then
    # In a bundle this script sits in <bundle>/_internal/packaging/linux/.
    if [ -x "$root/../tcb-gui" ] && [ -f "$root/../tcb-gui" ]; then
        exec_cmd=$(CDPATH= cd -- "$root/.." && pwd)/tcb-gui
    else
        exec_cmd=tcb-gui
    fi
fi

desktop_target=$data_dir/applications/$APP_ID.desktop
metainfo_target=$data_dir/metainfo/$APP_ID.metainfo.xml
icon_root=$data_dir/icons/hicolor

refresh_caches() {
    # Menus and icon themes pick the change up without a new login where these exist.
    if command -v update-desktop-database >/dev/null 2>&1; then
        update-desktop-database -q "$data_dir/applications" 2>/dev/null || true
    fi
    if command -v gtk-update-icon-cache >/dev/null 2>&1 && [ -f "$icon_root/index.theme" ]; then
        gtk-update-icon-cache -q -t -f "$icon_root" 2>/dev/null || true
    fi
}

if [ "$uninstall" -eq 1 ]; then
    rm -f "$desktop_target" "$metainfo_target" "$icon_root/scalable/apps/$APP_ID.svg"
    for size in $ICON_SIZES; do
        rm -f "$icon_root/${size}x${size}/apps/$APP_ID.png"
    done
    refresh_caches
    echo "removed $APP_ID from $data_dir"
    exit 0
fi

icons=$root/resources/icons/app
for file in "$here/$APP_ID.desktop" "$here/$APP_ID.metainfo.xml" "$icons/tcb-gui.svg"; do
    [ -f "$file" ] || { echo "$0: missing $file" >&2; exit 1; }
done

# Desktop Entry spec: an Exec argument with reserved characters is double-quoted, with
# ", `, $ and \ escaped by a backslash. Plain paths stay as they are.
if printf '%s' "$exec_cmd" | grep -q '[^A-Za-z0-9_./+-]'; then
    escaped=$(printf '%s' "$exec_cmd" | sed -e 's/[\\"`$]/\\&/g')
    exec_field="\"$escaped\""
else
    exec_field=$exec_cmd
fi
# In the .desktop file's own escaping a backslash is written twice.
exec_line=$(printf '%s' "$exec_field" | sed -e 's/\\/\\\\/g')

mkdir -p "$data_dir/applications" "$data_dir/metainfo" "$icon_root/scalable/apps"
tmp=$desktop_target.tmp.$$
trap 'rm -f "$tmp"' EXIT
while IFS= read -r line || [ -n "$line" ]; do
    case $line in
        Exec=*) printf 'Exec=%s %%F\n' "$exec_line" ;;
        TryExec=*) printf 'TryExec=%s\n' "$exec_cmd" | sed -e 's/\\/\\\\/g' ;;
        *) printf '%s\n' "$line" ;;
    esac
done <"$here/$APP_ID.desktop" >"$tmp"
mv "$tmp" "$desktop_target"
trap - EXIT

cp "$here/$APP_ID.metainfo.xml" "$metainfo_target"
cp "$icons/tcb-gui.svg" "$icon_root/scalable/apps/$APP_ID.svg"
for size in $ICON_SIZES; do
    mkdir -p "$icon_root/${size}x${size}/apps"
    cp "$icons/tcb-gui-$size.png" "$icon_root/${size}x${size}/apps/$APP_ID.png"
done
refresh_caches
echo "installed $APP_ID under $data_dir (Exec=$exec_field)"
