#!/usr/bin/env bash
# Build synack's plugin against another Wireshark version and run that version's tshark with it,
# without touching the host's packages.
#
#   tests/scripts/wireshark_versions.sh prepare 4.4|4.6      headers+libs and a tshark root (cached)
#   tests/scripts/wireshark_versions.sh root 4.0|4.4|4.6     only the tshark root (4.0: a clean Debian 12
#                                                            for the package test, tests/package.rs)
#   tests/scripts/wireshark_versions.sh build 4.4|4.6        build the plugin against them; prints the .so
#   tests/scripts/wireshark_versions.sh tshark 4.4|4.6 ARGS  run that tshark with the plugin (captures
#                                                            named in ARGS are copied into the root)
#
# Versions: 4.4 is Debian trixie's (4.4.x), 4.6 is sid's (4.6.x). Everything lives under
# ${SYNACK_WS_DIR:-target/wireshark-versions}/<version>/:
#   apt/      a private apt configuration and cache (the host's sources stay as they are)
#   sysroot/  the -dev and library packages unpacked with dpkg -x, with wireshark.pc rewritten
#   root/     a minimal Debian of that suite with tshark (debootstrap): its binaries need its glibc
#   target/   cargo's target directory for that version (build.rs does not rerun on a new .pc)
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
cmd=${1:?usage: $0 prepare|build|tshark VERSION ...}
ver=${2:?usage: $0 $cmd 4.4|4.6}
shift 2
case "$ver" in
  4.0) suite=bookworm; libs="libwireshark16 libwsutil14 libwiretap13"; extra="" ;;
  4.4) suite=trixie; libs="libwireshark18 libwsutil16 libwiretap15"; extra="" ;;
  4.6) suite=sid; libs="libwireshark19 libwsutil17 libwiretap16"; extra=",libre2-11" ;;
  *) echo "unknown version $ver (4.0, 4.4 or 4.6)" >&2; exit 2 ;;
esac
base=${SYNACK_WS_DIR:-$here/target/wireshark-versions}/$ver
apt_dir=$base/apt; sysroot=$base/sysroot; root=$base/root
mirror=http://deb.debian.org/debian
log() { echo "wireshark-versions[$ver]: $*" >&2; }

apt_q() {
  local sandbox=()
  # As root, apt would hand downloads to the _apt user, who cannot write into our cache.
  [ "$(id -u)" = 0 ] && sandbox=(-o APT::Sandbox::User=root)
  apt-get -q -o Dir::Etc::sourcelist="$apt_dir/sources.list" -o Dir::Etc::sourceparts=/dev/null \
    -o Dir::State::Lists="$apt_dir/lists" -o Dir::Cache="$apt_dir/cache" -o Debug::NoLocking=1 \
    "${sandbox[@]}" "$@"
}

prepare_sysroot() {
  if [ -f "$sysroot/.done" ]; then return; fi
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/debs" "$sysroot"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main" > "$apt_dir/sources.list"
  log "apt-get update ($suite)"
  apt_q update >/dev/null
  log "downloading libwireshark-dev libwsutil-dev libwiretap-dev $libs"
  (cd "$apt_dir/debs" && apt_q download libwireshark-dev libwsutil-dev libwiretap-dev $libs >/dev/null)
  for d in "$apt_dir"/debs/*.deb; do dpkg -x "$d" "$sysroot"; done
  # The .pc must point into the sysroot everywhere (4.6's has absolute libdir/includedir, and a
  # wrong one silently builds against the host's 4.0 headers).
  pc=$(find "$sysroot" -name wireshark.pc | head -1)
  sed -i -e "s|^prefix=.*|prefix=$sysroot/usr|" \
         -e "s|^libdir=.*|libdir=$sysroot/usr/lib/x86_64-linux-gnu|" \
         -e "s|^includedir=.*|includedir=$sysroot/usr/include|" "$pc"
  touch "$sysroot/.done"
}

prepare_root() {
  if [ -x "$root/usr/bin/tshark" ]; then return; fi
  command -v debootstrap >/dev/null || { log "debootstrap missing: apt-get install debootstrap"; exit 1; }
  log "debootstrap $suite with tshark (about a minute)"
  rm -rf "$root"
  debootstrap --variant=minbase --include=tshark$extra "$suite" "$root" "$mirror" >"$base/debootstrap.log" 2>&1 \
    || { tail -20 "$base/debootstrap.log" >&2; exit 1; }
}

pc_dir() { dirname "$(find "$sysroot" -name wireshark.pc | head -1)"; }

build() {
  local target=$base/target
  PKG_CONFIG_PATH=$(pc_dir) CARGO_TARGET_DIR=$target cargo build --quiet -p synack-plugin --lib --manifest-path "$here/Cargo.toml" >&2
  local so=$target/debug/libsynack_plugin.so
  mkdir -p "$root/synack-plugins/$ver/epan"
  cp "$so" "$root/synack-plugins/$ver/epan/synack.so"
  chmod -R a+rX "$root/synack-plugins"
  echo "$so"
}

run_tshark() {
  mkdir -p "$root/captures"
  chmod a+rx "$root/captures"
  local args=()
  for a in "$@"; do
    case "$a" in
      # A capture is copied into the root (when newer) and named by its path there.
      *.pcap|*.pcapng)
        if [ -f "$a" ]; then
          cp -u "$a" "$root/captures/"
          chmod a+r "$root/captures/${a##*/}"
          args+=("/captures/${a##*/}")
        else
          args+=("$a")
        fi ;;
      *) args+=("$a") ;;
    esac
  done
  local env=(env -i PATH=/usr/bin:/bin HOME=/nonexistent LC_ALL=C.UTF-8 WIRESHARK_PLUGIN_DIR=/synack-plugins)
  if [ "$(id -u)" = 0 ]; then
    chroot --userspec=65534:65534 "$root" "${env[@]}" tshark "${args[@]}"
  else
    unshare -Ur --root="$root" "${env[@]}" tshark "${args[@]}"
  fi
}

case "$cmd" in
  prepare) prepare_sysroot; prepare_root; log "ready: $base" ;;
  root) mkdir -p "$base"; prepare_root; log "ready: $root" ;;
  build) prepare_sysroot; [ -d "$root" ] || prepare_root; build ;;
  tshark) run_tshark "$@" ;;
  *) echo "unknown command $cmd" >&2; exit 2 ;;
esac
