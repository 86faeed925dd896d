//! Helpers shared by the integration tests: paths, tshark, and the synack CLI.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every capture the tests use, sorted by name.
pub fn captures() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("tests/captures"))
        .expect("tests/captures")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "pcap" || e == "pcapng"))
        .collect();
    v.sort();
    v
}

/// Run tshark with default preferences (a fresh, empty HOME) and return its stdout.
/// Panics with the fix when tshark is missing: the cross-check cannot be skipped silently.
pub fn tshark(args: &[&str]) -> String {
    let home = std::env::temp_dir().join("synack-tshark-home");
    let _ = std::fs::create_dir_all(&home);
    let out = Command::new("tshark")
        .args(args)
        .env("HOME", &home)
        .env("LC_ALL", "C.UTF-8")
        .output()
        .unwrap_or_else(|e| panic!("cannot run tshark ({e}): install it with tests/scripts/setup.sh"));
    assert!(out.status.success(), "tshark {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Run the synack CLI in-process; returns (exit status, stdout, stderr).
pub fn synack(args: &[&str]) -> (u8, String, String) {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let argv = std::iter::once("synack").chain(args.iter().copied());
    let code = synack::main_with(argv, &mut out, &mut err);
    (code, String::from_utf8_lossy(&out).into_owned(), String::from_utf8_lossy(&err).into_owned())
}

/// Build the synack binary (cargo test does not build other packages' binaries) and return
/// its path.
pub fn synack_binary() -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let st = Command::new(cargo)
        .args(["build", "--quiet", "-p", "synack", "--bin", "synack"])
        .current_dir(root())
        .status()
        .expect("cargo build -p synack");
    assert!(st.success(), "building the synack binary failed");
    let target = std::env::var("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|_| root().join("target"));
    target.join("debug/synack")
}

/// File name of a path, for messages.
pub fn name(p: &Path) -> String {
    p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}
