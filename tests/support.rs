//! Helpers shared by the integration tests: paths, tshark, and the synack CLI.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The path of the capture `name` in tests/captures, as text for an argument list.
pub fn cap(name: &str) -> String {
    root().join("tests/captures").join(name).to_string_lossy().into_owned()
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

/// Every frame of a capture as the CLI's reader delivers it: (capture facts, bytes).
pub fn frames(path: &Path) -> Vec<(dissector_core::FrameMeta, Vec<u8>)> {
    let mut v = Vec::new();
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let _ = synack::capture::for_each_frame(file, |m, d| {
        v.push((m, d.to_vec()));
        Ok(true)
    });
    v
}

/// The HOME tshark runs with in tests ([`tshark`], [`tshark_plugin`]): Wireshark's personal
/// configuration (a profile a test installs) is read from under it.
pub fn tshark_home() -> PathBuf {
    std::env::temp_dir().join("synack-tshark-home")
}

/// Run tshark with default preferences (a fresh, empty HOME) and return its stdout.
/// Panics with the fix when tshark is missing: the cross-check cannot be skipped silently.
pub fn tshark(args: &[&str]) -> String {
    let home = tshark_home();
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

/// Every capture end to end in one file (`mergecap -a`), made once per test run, so that a
/// comparison with tshark costs one tshark run rather than one per capture.
pub fn all_captures() -> PathBuf {
    static ALL: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("all-captures.pcapng");
        let mut cmd = Command::new("mergecap");
        cmd.arg("-a").arg("-w").arg(&out).args(captures());
        let st = cmd
            .status()
            .unwrap_or_else(|e| panic!("cannot run mergecap ({e}): install it with tests/scripts/setup.sh"));
        assert!(st.success(), "mergecap failed");
        out
    })
    .clone()
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

/// Build the synack binary with the release profile (what users run; a debug build's code
/// pages alone add several MiB of RSS) and return its path.
pub fn synack_release_binary() -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let st = Command::new(cargo)
        .args(["build", "--quiet", "--release", "-p", "synack", "--bin", "synack"])
        .current_dir(root())
        .status()
        .expect("cargo build --release -p synack");
    assert!(st.success(), "building the synack binary failed");
    let target = std::env::var("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|_| root().join("target"));
    target.join("release/synack")
}

/// Fail with the first 40 differences found, and how many there were in all.
pub fn assert_no_diffs(diffs: &[String]) {
    assert!(
        diffs.is_empty(),
        "{} differences:\n{}",
        diffs.len(),
        diffs.iter().take(40).cloned().collect::<Vec<_>>().join("\n")
    );
}

/// File name of a path, for messages.
pub fn name(p: &Path) -> String {
    p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// Build the plugin (cargo test does not build cdylibs) once and lay it out as Wireshark wants
/// it: `<dir>/<major.minor>/epan/synack.so`. Returns `<dir>`.
pub fn plugin_dir() -> PathBuf {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let st = Command::new(cargo)
            .args(["build", "--quiet", "-p", "synack-plugin", "--lib"])
            .current_dir(root())
            .status()
            .expect("cargo build -p synack-plugin");
        assert!(st.success(), "building the plugin failed");
        let target = std::env::var("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|_| root().join("target"));
        let so = target.join("debug/libsynack_plugin.so");
        let info = synack_plugin::ffi::load::read_plugin(&so).expect("the built plugin loads");
        let dir = std::env::temp_dir().join(format!("synack-plugin-{}", std::process::id()));
        let epan = dir.join(format!("{}.{}/epan", info.want.0, info.want.1));
        std::fs::create_dir_all(&epan).expect("plugin test folder");
        std::fs::copy(&so, epan.join("synack.so")).expect("copy the plugin");
        dir
    })
    .clone()
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("Uid:")).map(|l| l.split_whitespace().nth(1) == Some("0")))
        .unwrap_or(false)
}

/// tshark with synack's plugin loaded; returns (success, stdout, stderr). As root tshark ignores
/// WIRESHARK_PLUGIN_DIR, so it runs in a new user namespace (`unshare -U`), where it is not.
pub fn tshark_plugin(args: &[&str]) -> (bool, String, String) {
    let dir = plugin_dir();
    let home = tshark_home();
    let _ = std::fs::create_dir_all(&home);
    let mut cmd = if is_root() {
        let mut c = Command::new("unshare");
        c.args(["-U", "tshark"]);
        c
    } else {
        Command::new("tshark")
    };
    let out = cmd
        .args(args)
        .env("WIRESHARK_PLUGIN_DIR", &dir)
        .env("HOME", &home)
        .env("LC_ALL", "C.UTF-8")
        .output()
        .unwrap_or_else(|e| panic!("cannot run tshark ({e}): install it with tests/scripts/setup.sh"));
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Dissect every capture with the default options and with `off`, frame by frame: each field
/// `owned` says the switched-off work makes must be empty, each field `skip` says may change
/// is passed over, and every other field must keep its values. Returns the values compared.
pub fn switched_off_changes_only(
    off: dissector_core::Options,
    owned: impl Fn(dissector_core::fields::Field) -> bool,
    skip: impl Fn(dissector_core::fields::Field) -> bool,
) -> usize {
    use dissector_core::fields::{values, FIELDS};
    let mut compared = 0usize;
    for cap in captures() {
        let mut on = dissector_core::Dissector::new();
        let mut off = dissector_core::Dissector::with_options(off.clone());
        let (mut s1, mut s2) = (Vec::new(), Vec::new());
        for (meta, bytes) in frames(&cap) {
            let a = on.dissect(meta, &bytes, &mut s1);
            let b = off.dissect(meta, &bytes, &mut s2);
            let (mut va, mut vb) = (Vec::new(), Vec::new());
            for info in FIELDS.iter().filter(|i| !skip(i.field)) {
                va.clear();
                vb.clear();
                values(&a, info.field, &mut va);
                values(&b, info.field, &mut vb);
                if owned(info.field) {
                    assert!(
                        vb.is_empty(),
                        "{} frame {}: {} has {vb:?} switched off",
                        name(&cap),
                        meta.number,
                        info.abbrev
                    );
                } else {
                    compared += va.len();
                    assert_eq!(va, vb, "{} frame {}: {} differs switched off", name(&cap), meta.number, info.abbrev);
                }
            }
        }
    }
    compared
}
