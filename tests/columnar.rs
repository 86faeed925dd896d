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

/// Whether Java and PySpark are there for the Spark example (tests/scripts/setup.sh installs
/// PySpark when Java is); says so when not.
fn spark_installed() -> bool {
    let has = |cmd: &mut Command| cmd.output().is_ok_and(|o| o.status.success());
    let ok = has(Command::new("java").arg("-version")) && has(Command::new("python3").args(["-c", "import pyspark"]));
    if !ok {
        eprintln!("Spark example skipped: Java or PySpark is not installed (the DuckDB tests above ran)");
    }
    ok
}

/// The Spark example (examples/spark) in local mode: every capture file a task, their Parquet
/// files one dataset, whose rows are the per-file `conv` rows and whose report of failed
/// handshakes per server is the one counted here from `conv -T csv`. Runs where Java and
/// PySpark are installed (tests/scripts/setup.sh installs PySpark when Java is there).
#[test]
fn spark_job_in_local_mode_makes_one_dataset_of_the_files() {
    if !spark_installed() {
        return;
    }
    let synack_bin = crate::support::synack_binary();
    let caps = crate::support::captures();
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("spark-dataset");
    let _ = std::fs::remove_dir_all(&out);
    let run = Command::new("python3")
        .arg(root().join("examples/spark/synack_job.py"))
        .args(["--master", "local[2]", "--synack"])
        .arg(&synack_bin)
        .arg("--out")
        .arg(&out)
        .arg(root().join("tests/captures"))
        .env("PYSPARK_PYTHON", "python3")
        .output()
        .expect("python3");
    let said = String::from_utf8_lossy(&run.stdout).into_owned();
    assert!(run.status.success(), "{said}\n{}", String::from_utf8_lossy(&run.stderr));
    // The union: as many rows as the files' conv outputs, and the same failed handshakes.
    let mut rows = 0;
    let mut failed = std::collections::BTreeMap::<String, u32>::new();
    for c in &caps {
        let (code, csv, err) = synack(&["conv", "-r", c.to_str().expect("utf-8 path"), "-T", "csv"]);
        assert!(code == 0 || code == 1, "{}: {err}", c.display());
        for line in csv.lines().skip(1) {
            rows += 1;
            // client, server, ..., handshake: the first ten columns are never quoted.
            let cols: Vec<&str> = line.splitn(11, ',').collect();
            if cols[9] != "complete" {
                let host = cols[2].rsplit_once(':').map_or(cols[2], |(h, _)| h);
                *failed.entry(host.to_string()).or_default() += 1;
            }
        }
    }
    assert!(said.contains(&format!("connections: {rows} from {} files", caps.len())), "{said}");
    let report: std::collections::BTreeMap<String, u32> = said
        .split("failed handshakes per server\n")
        .nth(1)
        .unwrap_or("")
        .lines()
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.trim().split_once('\t').map(|(h, n)| (h.to_string(), n.parse().unwrap_or(0))))
        .collect();
    assert_eq!(report, failed, "{said}");
    assert!(said.contains("iRTT (ms) per client /24") && said.contains(".0/24\t"), "{said}");
}

/// The Spark example with `--shards 3` over a ring buffer (every capture end to end, cut into
/// files of 700 frames by editcap -c): the dataset is the rows of `conv` over the files read
/// as one capture, connections across file boundaries included.
#[test]
fn spark_job_in_shards_makes_the_dataset_of_the_whole_capture() {
    if !spark_installed() {
        return;
    }
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let ring = tmp.join("spark-ring");
    let out = tmp.join("spark-shards");
    let _ = std::fs::remove_dir_all(&ring);
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&ring).expect("a folder for the ring");
    let st = Command::new("editcap")
        .args(["-c", "700"])
        .arg(all_captures())
        .arg(ring.join("ring.pcapng"))
        .status()
        .expect("editcap");
    assert!(st.success(), "editcap -c failed");
    let run = Command::new("python3")
        .arg(root().join("examples/spark/synack_job.py"))
        .args(["--master", "local[2]", "--shards", "3", "--synack"])
        .arg(crate::support::synack_binary())
        .arg("--out")
        .arg(&out)
        .arg(&ring)
        .env("PYSPARK_PYTHON", "python3")
        .output()
        .expect("python3");
    let said = String::from_utf8_lossy(&run.stdout).into_owned();
    assert!(run.status.success(), "{said}\n{}", String::from_utf8_lossy(&run.stderr));
    let files = std::fs::read_dir(&ring).expect("the ring").count();
    assert!(files > 3, "{files} files");
    let (code, csv, err) = synack(&["conv", "-r", ring.to_str().expect("utf-8 path"), "-T", "csv"]);
    assert!(code == 0 || code == 1, "{err}");
    let rows = csv.lines().skip(1).count();
    assert!(said.contains(&format!("connections: {rows} from {files} files")), "{said}");
    // The dataset's rows are conv's, cell by cell (DuckDB against the CSV, in any order).
    let whole = tmp.join("spark-whole.parquet");
    let (code, _, err) = synack(&[
        "conv",
        "-r",
        ring.to_str().expect("utf-8 path"),
        "-T",
        "parquet",
        "-w",
        whole.to_str().expect("utf-8"),
    ]);
    assert!(code == 0 || code == 1, "{err}");
    let mut check = Command::new("python3");
    check.arg(root().join("tests/scripts/parquet_check.py")).arg("union").arg(&whole);
    for f in std::fs::read_dir(&out).expect("the dataset").flatten() {
        if f.path().extension().is_some_and(|e| e == "parquet") {
            check.arg(f.path());
        }
    }
    let o = check.output().expect("python3");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}
