//! Corrupted captures, the way Wireshark's own fuzz test makes them: every test capture,
//! concatenated with mergecap, then `editcap -E <rate> --seed <n>` flips bytes at random. Over
//! each variant: the CLI exits 0 and prints every frame; tshark with the plugin finishes within
//! a time bound and prints the same tshark fields as without it, and the plugin's synack.*
//! fields equal the CLI's.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{captures, synack, tshark, tshark_plugin};

const VARIANTS: [(&str, u32); 12] = [
    ("0.01", 1),
    ("0.01", 2),
    ("0.02", 3),
    ("0.02", 4),
    ("0.05", 5),
    ("0.05", 6),
    ("0.1", 7),
    ("0.1", 8),
    ("0.2", 9),
    ("0.2", 10),
    ("0.5", 11),
    ("0.5", 12),
];

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(out.status.success(), "{cmd:?}: {}", String::from_utf8_lossy(&out.stderr));
}

fn merged(dir: &Path) -> PathBuf {
    let all = dir.join("all.pcapng");
    let mut m = Command::new("mergecap");
    m.arg("-a").arg("-w").arg(&all);
    for c in captures() {
        m.arg(c);
    }
    run(&mut m);
    all
}

#[test]
fn corrupted_captures_crash_nothing_and_change_no_tshark_field() {
    let dir = std::env::temp_dir().join(format!("synack-corrupt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let all = merged(&dir);
    let mut tshark_fields = vec!["-T", "fields"];
    for f in crate::crosscheck::FIELDS {
        tshark_fields.push("-e");
        tshark_fields.push(f);
    }
    let synack_names: Vec<&str> =
        dissector_core::FIELDS.iter().map(|f| f.abbrev).filter(|a| a.starts_with("synack.")).collect();
    let mut synack_fields = vec!["-T", "fields"];
    for f in &synack_names {
        synack_fields.push("-e");
        synack_fields.push(f);
    }
    for (rate, seed) in VARIANTS {
        let v = dir.join(format!("corrupt-{rate}-{seed}.pcapng"));
        run(Command::new("editcap").args(["-E", rate, "--seed", &seed.to_string()]).arg(&all).arg(&v));
        let p = v.to_str().expect("utf-8 path");
        let label = format!("editcap -E {rate} --seed {seed}");

        // The CLI: exit 0 (bad packets are warnings), one line per frame.
        let (code, ours, err) = synack(&[&["-r", p], synack_fields.as_slice()].concat());
        assert_eq!(code, 0, "{label}: {err}");
        let frames = tshark(&["-r", p, "-T", "fields", "-e", "frame.number"]).lines().count();
        assert_eq!(ours.lines().count(), frames, "{label}: the CLI lost frames");
        // Every other view reads the same garbage without failing.
        for view in [
            &["-r", p][..],
            &["-r", p, "-V"],
            &["-r", p, "-T", "jsonl"],
            &["conv", "-r", p, "-T", "csv"],
            &["ladder", "-r", p, "--explain"],
        ] {
            let (code, _, err) = synack(view);
            assert_eq!(code, 0, "{label}: synack {view:?}: {err}");
        }

        // tshark with the plugin: bounded time, tshark's own fields untouched.
        let timed = |args: &[&str]| {
            let mut a = vec!["-r", p];
            a.extend_from_slice(args);
            let start = std::time::Instant::now();
            let (ok, out, err) = tshark_plugin(&a);
            (ok, out, err, start.elapsed())
        };
        let (ok, with, err, took) = timed(&tshark_fields);
        assert!(ok, "{label}: tshark with the plugin failed: {err}");
        // Generous: the bound catches hangs, not slowness (tshark alone takes about a second).
        assert!(took.as_secs() < 120, "{label}: tshark with the plugin took {took:?}");
        let mut plain_args = vec!["-r", p];
        plain_args.extend_from_slice(&tshark_fields);
        assert_eq!(with, tshark(&plain_args), "{label}: the plugin changed tshark's own fields");

        // The plugin agrees with the CLI on every synack field, even on garbage.
        let (ok, theirs, err, _) = timed(&synack_fields);
        assert!(ok, "{label}: {err}");
        assert_eq!(theirs, ours, "{label}: tshark+plugin and the CLI differ");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
