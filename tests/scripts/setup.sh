#!/usr/bin/env bash
# Install everything synack's build and tests need on a fresh Debian/Ubuntu machine:
# tshark (the reference the tests compare against), Wireshark's development files and
# libclang (for the plugin's bindgen), pkg-config, a C compiler, and for the GUI test
# Wireshark's Qt GUI with Xvfb and xdotool, groff for the man-page test. Idempotent.
set -euo pipefail
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
pkgs="tshark libwireshark-dev libwiretap-dev libwsutil-dev libglib2.0-dev libclang-dev pkg-config gcc util-linux groff-base"
# The plugin's GUI test: Wireshark's Qt GUI under a virtual X server, driven by xdotool.
pkgs="$pkgs wireshark-qt xvfb xdotool x11-utils imagemagick"
# Other Wireshark versions (tests/scripts/wireshark_versions.sh): a root made with debootstrap.
pkgs="$pkgs debootstrap debian-archive-keyring"
# The Debian package (plugin/make-deb.sh): dpkg-shlibdeps for its Depends, strip.
pkgs="$pkgs dpkg-dev binutils"
# Live capture (tests/live.rs): dumpcap, ip for a private namespace's lo, python3 for traffic.
pkgs="$pkgs wireshark-common iproute2 python3"
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "setup: installing$missing" >&2
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing >/dev/null
fi
if ! command -v cargo >/dev/null; then
  echo "setup: cargo not found; install a Rust toolchain (https://rustup.rs) and run again" >&2
  exit 1
fi
# DuckDB's Python package reads synack's Parquet files back in tests/columnar.rs.
if ! python3 -c 'import duckdb' 2>/dev/null; then
  echo "setup: installing DuckDB's Python package" >&2
  python3 -m pip --version >/dev/null 2>&1 ||
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends python3-pip >/dev/null
  python3 -m pip install --quiet duckdb 2>/dev/null || python3 -m pip install --quiet --break-system-packages duckdb
fi
# PySpark for the Spark example's test (examples/spark), where Java 17+ is installed.
if command -v java >/dev/null && ! python3 -c 'import pyspark' 2>/dev/null; then
  echo "setup: installing PySpark" >&2
  python3 -m pip install --quiet pyspark 2>/dev/null || python3 -m pip install --quiet --break-system-packages pyspark ||
    echo "setup: PySpark did not install: the Spark example's test will say it skipped" >&2
fi
# rustfmt and clippy for the checks .ci/run makes before the tests.
for c in rustfmt clippy; do
  if ! cargo "${c/rustfmt/fmt}" --version >/dev/null 2>&1; then
    echo "setup: adding the $c component" >&2
    rustup component add "$c"
  fi
done
# cargo-fuzz for the fuzzing tests (dissector-core/fuzz); the stable toolchain runs it with
# RUSTC_BOOTSTRAP=1.
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "setup: installing cargo-fuzz" >&2
  cargo install cargo-fuzz --locked --quiet
fi
echo "setup: ready ($(tshark --version | head -1); $(cargo --version))" >&2
