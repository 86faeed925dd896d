//! Columnar output: `synack -T parquet` and `synack conv -T parquet` write Parquet files that
//! DuckDB reads back equal, cell by cell, to the same output as text (`-T fields`, `conv -T
//! csv`), over every capture (tests/scripts/parquet_check.py; DuckDB's Python package comes
//! from tests/scripts/setup.sh).

use std::path::Path;
use std::process::Command;

use crate::support::{all_captures, root, synack};

fn check(mode: &str, parquet: &Path, text: &str) -> String {
    let txt = parquet.with_extension("txt");
    std::fs::write(&txt, text).expect("write the text output");
    let out = Command::new("python3")
        .arg(root().join("tests/scripts/parquet_check.py"))
        .arg(mode)
        .arg(parquet)
        .arg(&txt)
        .output()
        .expect("python3");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !err.contains("No module named 'duckdb'"),
        "DuckDB's Python package is missing: run tests/scripts/setup.sh"
    );
    assert!(out.status.success(), "{mode}: {err}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn parquet_fields_read_back_equal_to_the_fields_output() {
    let all = all_captures();
    let all = all.to_str().expect("utf-8 path");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let fields = [
        "frame.number",
        "frame.time_epoch",
        "frame.time_relative",
        "ip.src",
        "ipv6.src",
        "tcp.stream",
        "tcp.srcport",
        "tcp.flags.syn",
        "tcp.options.mss_val",
        "synack.stage",
        "synack.state.client",
        "synack.state.server",
        "synack.irtt",
        "dns.qry.name",
        "dns.a",
        "dns.resp.ttl",
    ];
    let mut args = vec!["-r", all, "-E", "occurrence=f"];
    for f in fields {
        args.extend(["-e", f]);
    }
    let (code, text, err) = synack(&[&args[..], &["-T", "fields"]].concat());
    assert_eq!(code, 0, "{err}");
    let parquet = dir.join("fields.parquet");
    let p = parquet.to_str().expect("utf-8 path");
    let (code, out, err) = synack(&[&args[..], &["-T", "parquet", "-w", p]].concat());
    assert_eq!(code, 0, "{err}");
    assert!(out.is_empty(), "{out}");
    let said = check("fields", &parquet, &text);
    assert!(said.starts_with(&format!("{} rows", text.lines().count())), "{said}");
    assert!(text.lines().count() > 5000, "{}", text.lines().count());

    // All occurrences (the default): text columns hold them joined as -T fields does; a typed
    // column holds the first, and that is said once per field.
    let (code, text, _) = synack(&["-r", all, "-T", "fields", "-e", "dns.a", "-e", "dns.qry.name"]);
    assert_eq!(code, 0);
    let (code, _, err) =
        synack(&["-r", all, "-T", "parquet", "-e", "dns.a", "-e", "dns.qry.name", "-e", "dns.resp.ttl", "-w", p]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(err.matches("-T parquet: dns.resp.ttl has").count(), 1, "{err}");
    let with_ttl: String = text.lines().map(|l| format!("{l}\n")).collect();
    check("fields", &parquet, &with_ttl);
}

#[test]
fn parquet_conv_reads_back_equal_to_the_csv() {
    let all = all_captures();
    let all = all.to_str().expect("utf-8 path");
    let (code, csv, err) = synack(&["conv", "-r", all, "-T", "csv"]);
    assert_eq!(code, 0, "{err}");
    let parquet = Path::new(env!("CARGO_TARGET_TMPDIR")).join("conv.parquet");
    let p = parquet.to_str().expect("utf-8 path");
    let (code, out, err) = synack(&["conv", "-r", all, "-T", "parquet", "-w", p]);
    assert_eq!(code, 0, "{err}");
    assert!(out.is_empty(), "{out}");
    let said = check("conv", &parquet, &csv);
    assert!(said.starts_with(&format!("{} rows", csv.lines().count() - 1)), "{said}");
    assert!(csv.lines().count() > 100, "{csv}");
    // -T parquet needs its file, and -w goes with it only.
    let (code, _, err) = synack(&["conv", "-r", all, "-T", "parquet"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("-w FILE"), "{err}");
    let (code, _, err) = synack(&["-r", all, "-T", "parquet", "-e", "frame.number"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("-w FILE"), "{err}");
}
