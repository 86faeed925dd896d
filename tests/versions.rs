//! One source, several Wireshark versions: the plugin built against Wireshark 4.4 and 4.6 (headers
//! and libraries unpacked from Debian trixie and sid, tshark run in a debootstrap root of that
//! suite) prints the CLI's `synack.*` values on every capture, in one and two passes.
//! 4.0 is the host's and is tested by tests/plugin.rs. The other versions are tested when
//! `tests/scripts/wireshark_versions.sh prepare <version>` has made their root (CI does);
//! otherwise the test says so and passes.

use std::process::Command;

use dissector_core::fields::FieldType;

use crate::support::{all_captures, root, synack};

fn script() -> std::path::PathBuf {
    root().join("tests/scripts/wireshark_versions.sh")
}

fn prepared(ver: &str) -> bool {
    let base = std::env::var("SYNACK_WS_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| root().join("target/wireshark-versions"));
    base.join(ver).join("root/usr/bin/tshark").exists() && base.join(ver).join("sysroot/.done").exists()
}

/// 4.4 and later print booleans in -T fields as True/False (4.0: 1/0) and a backslash in a
/// string as `\\`; map the CLI's output to that convention, column by column, before comparing.
fn as_newer_tshark(out: &str, types: &[FieldType]) -> String {
    let mut s = String::new();
    for line in out.lines() {
        let cols: Vec<String> = line
            .split('\t')
            .enumerate()
            .map(|(i, c)| {
                if types.get(i) == Some(&FieldType::Bool) && !c.is_empty() {
                    c.split(',').map(|v| if v == "1" { "True" } else { "False" }).collect::<Vec<_>>().join(",")
                } else if types.get(i) == Some(&FieldType::Str) {
                    c.replace('\\', "\\\\")
                } else {
                    c.to_string()
                }
            })
            .collect();
        s.push_str(&cols.join("\t"));
        s.push('\n');
    }
    s
}

fn check_version(ver: &str) {
    if !prepared(ver) {
        eprintln!("Wireshark {ver}: not prepared, skipped (run tests/scripts/wireshark_versions.sh prepare {ver})");
        return;
    }
    let st = Command::new(script()).args(["build", ver]).status().expect("wireshark_versions.sh build");
    assert!(st.success(), "building the plugin against Wireshark {ver} failed");
    let run = |args: &[&str]| {
        let out =
            Command::new(script()).args(["tshark", ver]).args(args).output().expect("wireshark_versions.sh tshark");
        assert!(out.status.success(), "tshark {ver} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let plugins = run(&["-G", "plugins"]);
    assert!(
        plugins.lines().any(|l| l.starts_with("synack.so") && l.contains("dissector")),
        "Wireshark {ver}: {plugins}"
    );
    let infos: Vec<_> = dissector_core::FIELDS.iter().filter(|f| f.abbrev.starts_with("synack.")).collect();
    let types: Vec<FieldType> = infos.iter().map(|f| f.ftype).collect();
    let mut fields = vec!["-T", "fields"];
    for f in &infos {
        fields.push("-e");
        fields.push(f.abbrev);
    }
    // Every capture in one file: two tshark runs rather than two per capture.
    let all = all_captures();
    let p = all.to_str().expect("utf-8 path");
    let mut lines = 0;
    for two in [false, true] {
        let mut args = if two { vec!["-2", "-r", p] } else { vec!["-r", p] };
        args.extend(&fields);
        let theirs = run(&args);
        let (code, ours, err) = synack(&args);
        assert_eq!(code, 0, "{err}");
        let ours = as_newer_tshark(&ours, &types);
        if theirs != ours {
            let at = theirs
                .lines()
                .zip(ours.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(theirs.lines().count().min(ours.lines().count()));
            panic!(
                "Wireshark {ver} (two passes: {two}), frame {}: tshark {:?}, synack {:?}",
                at + 1,
                theirs.lines().nth(at),
                ours.lines().nth(at)
            );
        }
        lines += theirs.lines().count();
    }
    eprintln!("Wireshark {ver}: {lines} lines equal to the CLI's");
    // The stats tree registers and counts there as in the Wireshark the tests build for.
    let counts = |z: &str| -> Vec<String> {
        z.lines()
            .skip_while(|l| !l.starts_with("Topic / Item"))
            .map(|l| l.split("  ").filter(|c| !c.is_empty()).take(2).collect::<Vec<_>>().join("|"))
            .collect()
    };
    let z = ["-2", "-q", "-r", p, "-z", "synack,tree"];
    let theirs = counts(&run(&z));
    let (ok, ours, err) = crate::support::tshark_plugin(&z);
    assert!(ok, "{err}");
    assert!(theirs.len() > 40, "{theirs:?}");
    assert_eq!(theirs, counts(&ours), "Wireshark {ver}: the stats tree");
}

#[test]
fn plugin_built_for_wireshark_4_4_agrees_with_the_cli() {
    check_version("4.4");
}

#[test]
fn plugin_built_for_wireshark_4_6_agrees_with_the_cli() {
    check_version("4.6");
}
