#!/usr/bin/env bash
# Open a capture in Wireshark's Qt GUI under Xvfb with synack's plugin, select frame N, expand
# the synack subtree in the packet details and take a screenshot.
#
#   tests/scripts/gui_screenshot.sh PLUGIN_DIR CAPTURE FRAME OUT.png [FIELDS_OUT.tsv [PROFILE_DIR]]
#
# PROFILE_DIR (plugin/profile): open the capture in that profile, as `wireshark -C synack`.
# PLUGIN_DIR holds <major.minor>/epan/synack.so. FIELDS_OUT gets, from tests/gui/check.lua run
# inside the GUI, each TCP frame's synack.stage and synack.summary as the GUI dissected them.
# Needs wireshark-qt, xvfb, xdotool, x11-utils and imagemagick (tests/scripts/setup.sh installs them).
# As root it runs Wireshark in a user namespace (unshare -U): root ignores WIRESHARK_PLUGIN_DIR.
set -euo pipefail
plugins=$(realpath "$1"); capture=$(realpath "$2"); frame=$3; out=$4
fields=${5:-/dev/null}
profile=${6:-}
here=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
chmod 700 "$tmp"
display=":$((90 + RANDOM % 400))"
cleanup() {
  [ -n "${ws_pid:-}" ] && kill "$ws_pid" 2>/dev/null || true
  [ -n "${x_pid:-}" ] && kill "$x_pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
Xvfb "$display" -ac -screen 0 1200x900x24 >/dev/null 2>&1 &
x_pid=$!
for _ in $(seq 50); do xdotool -v >/dev/null 2>&1 && DISPLAY=$display xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done
wrap=()
[ "$(id -u)" = 0 ] && wrap=(unshare -U)
touch "$fields"
with_profile=()
if [ -n "$profile" ]; then
  mkdir -p "$tmp/.config/wireshark/profiles/synack"
  cp "$profile"/* "$tmp/.config/wireshark/profiles/synack/"
  with_profile=(-C synack)
fi
"${wrap[@]}" env HOME="$tmp" XDG_RUNTIME_DIR="$tmp" DISPLAY="$display" WIRESHARK_PLUGIN_DIR="$plugins" \
  SYNACK_GUI_OUT="$(realpath "$fields")" \
  wireshark "${with_profile[@]}" -o gui.layout_type:1 -o gui.byte_view_show:FALSE \
  -X lua_script:"$here/tests/gui/check.lua" -r "$capture" -g "$frame" >"$tmp/ws.log" 2>&1 &
ws_pid=$!
export DISPLAY=$display
win=$(timeout 60 xdotool search --sync --onlyvisible --name "$(basename "$capture")" | head -1)
xdotool windowmove "$win" 0 0 windowsize "$win" 1200 900
sleep 3
eval "$(xdotool getwindowgeometry --shell "$win")"
# The details pane is the lower half in layout 1 with the byte view hidden.
xdotool mousemove --window "$win" $((WIDTH / 3)) $((HEIGHT * 3 / 4)) click 1
sleep 0.5
xdotool key --window "$win" End
sleep 0.3
xdotool key --window "$win" shift+Right
sleep 1
import -window root "$out"
echo "screenshot: $out" >&2
