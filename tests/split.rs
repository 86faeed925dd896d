//! Splitting the work (issue 23): `--threads N` prints the same bytes for every N, and the
//! outputs of `--shard K/N` for every K are, together, the whole run's, on every capture.

use std::path::Path;
use std::process::Command;

use crate::support::{all_captures, captures, name, root, synack};

/// Fields of every kind of state a shard must get right: stream numbers (counted over every
/// connection), the tracker's, the verdict (weighed against other connections to the same
/// host), DNS transactions and the lookup behind a connection (across clients), and tshark's
/// sequence analysis.
const FIELDS: [&str; 16] = [
    "frame.number",
    "tcp.stream",
    "tcp.seq",
    "tcp.analysis.flags",
    "synack.stage",
    "synack.state.client",
    "synack.state.server",
    "synack.transition",
    "synack.irtt",
    "synack.verdict",
    "synack.verdict.code",
    "synack.dns.name",
    "synack.dns.used_by",
    "dns.qry.name",
    "dns.response_in",
    "dns.time",
];

fn fields_args(two_pass: bool) -> Vec<&'static str> {
    let mut a = vec!["-T", "fields"];
    if two_pass {
        a.push("-2");
    }
    for f in FIELDS {
        a.extend(["-e", f]);
    }
    a
}

fn run(view: &[&str], cap: &str, extra: &[&str]) -> (u8, String, String) {
    let mut args: Vec<&str> = view.to_vec();
    args.extend(["-r", cap]);
    args.extend(extra);
    synack(&args)
}

#[test]
fn every_thread_count_prints_the_same_bytes_on_every_capture() {
    let views: [Vec<&str>; 3] = [fields_args(false), fields_args(true), vec!["conv", "-T", "csv"]];
    for cap in captures() {
        let c = cap.to_str().expect("utf-8 path");
        for view in &views {
            let one = run(view, c, &["--threads", "1"]);
            assert_eq!(one.0, 0, "{} {view:?}: {}", name(&cap), one.2);
            for n in ["2", "3", "4"] {
                let got = run(view, c, &["--threads", n]);
                assert!(got == one, "{} {view:?}: --threads {n} differs from --threads 1", name(&cap));
            }
        }
    }
}

#[test]
fn every_view_prints_the_same_bytes_with_threads() {
    // Every capture end to end: thousands of hosts, so each thread has its share.
    let all = all_captures();
    let all = all.to_str().expect("utf-8 path");
    let views: [&[&str]; 8] = [
        &[],
        &["-V"],
        &["-T", "json"],
        &["-T", "ek", "-2"],
        &["-T", "jsonl"],
        &[
            "-Y",
            "synack.stage == 1 or dns",
            "-E",
            "header=y",
            "-T",
            "fields",
            "-e",
            "frame.number",
            "-e",
            "synack.stage",
        ],
        &["conv"],
        &["conv", "-T", "json"],
    ];
    for view in views {
        let one = run(view, all, &["--threads", "1"]);
        assert_eq!(one.0, 0, "{view:?}: {}", one.2);
        for n in ["2", "3", "4"] {
            let got = run(view, all, &["--threads", n]);
            assert!(got == one, "{view:?}: --threads {n} differs from --threads 1");
        }
    }
}

/// Each line's frame number (the first field).
fn frame_of(line: &str) -> u32 {
    line.split('\t').next().and_then(|f| f.parse().ok()).unwrap_or(0)
}

/// The shards' `-T fields` lines in frame order, and `conv -T csv` rows sorted.
fn shards_together(view: &[&str], cap: &str, n: u32, extra: &[&str]) -> (String, Vec<String>) {
    let mut lines = Vec::new();
    let mut rows = Vec::new();
    for k in 1..=n {
        let shard = format!("{k}/{n}");
        let (code, out, err) = run(view, cap, &[&["--shard", &shard], extra].concat());
        assert_eq!(code, 0, "{cap} --shard {shard}: {err}");
        if view[0] == "conv" {
            rows.extend(out.lines().skip(1).map(str::to_string));
        } else {
            lines.extend(out.lines().map(str::to_string));
        }
    }
    lines.sort_by_key(|l| frame_of(l));
    rows.sort();
    (lines.iter().map(|l| format!("{l}\n")).collect(), rows)
}

#[test]
fn shards_together_print_what_the_whole_run_prints() {
    let mut caps: Vec<_> = captures();
    caps.push(all_captures());
    let mut shown_by_each = [0usize; 3];
    for cap in caps {
        let c = cap.to_str().expect("utf-8 path");
        for two_pass in [false, true] {
            let view = fields_args(two_pass);
            let (code, whole, err) = run(&view, c, &["--threads", "1"]);
            assert_eq!(code, 0, "{err}");
            let (together, _) = shards_together(&view, c, 3, &["--threads", "1"]);
            assert!(
                together == whole,
                "{} (-2: {two_pass}): the shards' lines differ from the whole run's",
                name(&cap)
            );
            // Threads within a shard split it further, and still add up.
            let (together, _) = shards_together(&view, c, 2, &["--threads", "3"]);
            assert!(together == whole, "{}: 2 shards of 3 threads differ from the whole run", name(&cap));
        }
        let conv = ["conv", "-T", "csv"];
        let (_, whole, _) = run(&conv, c, &["--threads", "1"]);
        let mut whole: Vec<String> = whole.lines().skip(1).map(str::to_string).collect();
        whole.sort();
        let (_, rows) = shards_together(&conv, c, 3, &[]);
        assert!(rows == whole, "{}: the shards' connections differ from the whole run's", name(&cap));
        if cap == all_captures() {
            for (k, n) in shown_by_each.iter_mut().enumerate() {
                let shard = format!("{}/3", k + 1);
                *n = run(&view_frames(), c, &["--shard", &shard]).1.lines().count();
            }
        }
    }
    // Not a split that gives one shard everything.
    assert!(shown_by_each.iter().all(|&n| n > 500), "frames per shard: {shown_by_each:?}");
}

fn view_frames() -> Vec<&'static str> {
    vec!["-T", "fields", "-e", "frame.number"]
}

#[test]
fn shards_parquet_files_together_are_the_whole_runs() {
    let all = all_captures();
    let all = all.to_str().expect("utf-8 path");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("shards");
    std::fs::create_dir_all(&dir).expect("a folder for the shards");
    for view in [fields_args(false), vec!["conv"]] {
        let is_conv = view[0] == "conv";
        let write = |file: &Path, shard: Option<String>| {
            let f = file.to_str().expect("utf-8 path");
            let mut args = view.iter().map(|s| s.to_string()).collect::<Vec<_>>();
            if !is_conv {
                args.retain(|a| a != "fields");
                args.insert(1, "parquet".into());
                args.extend(["-E".into(), "occurrence=f".into()]);
            } else {
                args.extend(["-T".into(), "parquet".into()]);
            }
            args.extend(["-r".into(), all.into(), "-w".into(), f.into()]);
            if let Some(s) = shard {
                args.extend(["--shard".into(), s]);
            }
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let (code, _, err) = synack(&args);
            assert_eq!(code, 0, "{args:?}: {err}");
        };
        let kind = if is_conv { "conv" } else { "fields" };
        let whole = dir.join(format!("{kind}-whole.parquet"));
        write(&whole, None);
        let mut cmd = Command::new("python3");
        cmd.arg(root().join("tests/scripts/parquet_check.py")).arg("union").arg(&whole);
        for k in 1..=4 {
            let part = dir.join(format!("{kind}-{k}of4.parquet"));
            write(&part, Some(format!("{k}/4")));
            cmd.arg(&part);
        }
        let out = cmd.output().expect("python3");
        assert!(out.status.success(), "{kind}: {}", String::from_utf8_lossy(&out.stderr));
    }
}

#[test]
fn shard_and_thread_counts_are_checked() {
    for bad in ["0/4", "5/4", "1/0", "two"] {
        let (code, _, err) = synack(&["-r", &crate::support::cap("local_dns_then_http.pcap"), "--shard", bad]);
        assert_eq!(code, 2, "--shard {bad}");
        assert!(err.contains("K/N"), "--shard {bad}: {err}");
    }
}
