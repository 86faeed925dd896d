#!/usr/bin/env bash
# Build synack's Debian package: the synack command with its man pages and shell completions,
# and the Wireshark plugin in the system plugin folder of the Wireshark it is built against
# (the one pkg-config finds), stripped, with the synack profile as a global profile.
#
#   plugin/make-deb.sh [OUTDIR]     prints the .deb's path (default OUTDIR: <target>/debian)
#
# Needs what the build needs (tests/scripts/setup.sh) plus dpkg-dev (dpkg-shlibdeps, the
# package's Depends) and binutils (strip). Install with `sudo apt install ./synack_*.deb`.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$here/target}
out=${1:-$target/debian}
log() { echo "make-deb: $*" >&2; }

for tool in dpkg-deb dpkg-shlibdeps dpkg-architecture strip pkg-config; do
  command -v "$tool" >/dev/null || { log "$tool missing: apt-get install dpkg-dev binutils pkg-config"; exit 1; }
done

log "cargo build --release (synack, plugin)"
(cd "$here" && cargo build --quiet --release -p synack -p synack-plugin)
bin=$target/release/synack
so=$target/release/libsynack_plugin.so

version=$(cd "$here" && cargo metadata --no-deps --format-version 1 |
  python3 -c 'import json,sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "synack"))')
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
# Wireshark loads a plugin only from the folder of the major.minor it was built for.
ws=$(pkg-config --modversion wireshark)
ws_mm=${ws%.*}

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
pkg=$stage/root
plugindir=usr/lib/$multiarch/wireshark/plugins/$ws_mm/epan
install -d "$pkg/DEBIAN" "$pkg/usr/bin" "$pkg/$plugindir" "$pkg/usr/share/man/man1" \
  "$pkg/usr/share/doc/synack" "$pkg/usr/share/bash-completion/completions" \
  "$pkg/usr/share/zsh/vendor-completions" "$pkg/usr/share/fish/vendor_completions.d"

# Debian policy 10.1: binaries shipped without debug symbols (the build keeps them for profiling).
install -m 0755 "$bin" "$pkg/usr/bin/synack"
install -m 0644 "$so" "$pkg/$plugindir/synack.so"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$pkg/usr/bin/synack" "$pkg/$plugindir/synack.so"

# One man page per page synack offers.
pages=$("$bin" man --list)
for page in $pages; do
  name=$([ "$page" = synack ] && echo synack || echo "synack-$page")
  if [ "$page" = synack ]; then "$bin" man; else "$bin" man "$page"; fi | gzip -9n > "$pkg/usr/share/man/man1/$name.1.gz"
done
"$bin" completions bash > "$pkg/usr/share/bash-completion/completions/synack"
"$bin" completions zsh > "$pkg/usr/share/zsh/vendor-completions/_synack"
"$bin" completions fish > "$pkg/usr/share/fish/vendor_completions.d/synack.fish"

# The profile as a global one: Wireshark lists it, tshark -C copies it to the user's folder.
"$target/release/synack-plugin" profile "$pkg/usr/share/wireshark/profiles/synack" >/dev/null

cat > "$pkg/usr/share/doc/synack/copyright" <<EOF
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: synack

Files: *
License: MIT or Apache-2.0
 On Debian systems the Apache license is in /usr/share/common-licenses/Apache-2.0.
EOF
find "$pkg/usr" -type f ! -path '*/usr/bin/*' -exec chmod 0644 {} +
find "$pkg" -type d -exec chmod 0755 {} +

# Depends from the libraries the two binaries link (libwireshark's soname pins the 4.x series).
mkdir -p "$stage/debian"
printf 'Source: synack\n\nPackage: synack\nArchitecture: any\n' > "$stage/debian/control"
depends=$(cd "$stage" && dpkg-shlibdeps -O -e"root/usr/bin/synack" -e"root/$plugindir/synack.so" 2>/dev/null |
  sed -n 's/^shlibs:Depends=//p')
size=$(du -sk --exclude=DEBIAN "$pkg" | cut -f1)
cat > "$pkg/DEBIAN/control" <<EOF
Package: synack
Version: $version-1
Architecture: $arch
Maintainer: synack developers <synack@users.noreply.github.com>
Installed-Size: $size
Depends: $depends
Recommends: tshark | wireshark
Section: net
Priority: optional
Description: TCP handshakes and states made legible, on the command line and in Wireshark
 synack tells which packet is step 1, 2 or 3 of the TCP three-way handshake, the
 RFC 9293 state of both endpoints after every packet, which options were
 negotiated and which DNS lookup led to the connection.
 .
 This package holds the synack command (tshark's flags, conv, ladder, watch),
 its man pages and completions, and the Wireshark $ws_mm plugin (fields synack.*,
 Statistics > TCP handshakes) with the synack configuration profile.
EOF
(cd "$pkg" && find usr -type f -print0 | sort -z | xargs -0 md5sum) > "$pkg/DEBIAN/md5sums"
chmod 0644 "$pkg/DEBIAN/control" "$pkg/DEBIAN/md5sums"

mkdir -p "$out"
deb=$out/synack_${version}-1_$arch.deb
dpkg-deb --root-owner-group -Zxz --build "$pkg" "$deb" >/dev/null
log "built $deb (Wireshark $ws_mm plugin; Depends: $depends)"
echo "$deb"
