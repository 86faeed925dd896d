//! The CLI's views against snapshots in tests/expected/cli/, each read through by hand once
//! against the capture (the ladder's states are those of tests/expected/tracker/, its byte and
//! packet counts were added up from tshark's listing), and the CLI's conventions: help with no
//! input, completions, the man page, colour only when asked.

use crate::support::{cap, root, synack};

fn expect(args: &[&str], snapshot: &str) {
    let (code, out, err) = synack(args);
    assert_eq!(code, 0, "{err}");
    let want = std::fs::read_to_string(root().join("tests/expected/cli").join(snapshot)).expect("snapshot");
    assert_eq!(out, want, "synack {args:?} differs from tests/expected/cli/{snapshot}");
}

#[test]
fn ladder_explains_the_bundled_sample_in_english_and_korean() {
    let c = cap("local_dns_then_http.pcap");
    expect(&["ladder", "-r", &c, "--explain", "--width", "100", "--color", "never"], "ladder-dns_then_http-en.txt");
    expect(
        &["ladder", "-r", &c, "--explain", "--lang", "ko", "--width", "100", "--color", "never"],
        "ladder-dns_then_http-ko.txt",
    );
}

#[test]
fn ladder_draws_a_simultaneous_open_at_80_columns() {
    let c = cap("local_simultaneous_open.pcap");
    expect(
        &["ladder", "-r", &c, "--stream", "1", "--width", "80", "--color", "never"],
        "ladder-simultaneous_open-1.txt",
    );
    let (_, out, _) = synack(&["ladder", "-r", &c, "--stream", "1", "--width", "80", "--color", "never"]);
    assert!(out.lines().all(|l| l.chars().count() <= 110), "lines fit the width (the trailing stage tag aside)");
}

#[test]
fn conv_table_and_csv() {
    expect(&["conv", "-r", &cap("local_dns_then_http.pcap")], "conv-dns_then_http.txt");
    expect(&["conv", "-r", &cap("local_refused.pcap"), "-T", "csv"], "conv-refused.csv");
    let (code, out, _) = synack(&["conv", "-r", &cap("local_dns_then_http.pcap"), "-T", "json"]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with("[\n  {\"stream\": 0, ") && out.contains("\"conn_state\": \"SF\", \"history\": \"ShADadfF\""),
        "{out}"
    );
}

#[test]
fn default_view_is_tsharks_line_plus_the_annotation() {
    expect(&["-r", &cap("local_refused.pcap"), "--color", "never"], "text-refused.txt");
}

#[test]
fn json_views_and_filters() {
    let c = cap("local_dns_then_http.pcap");
    let (code, out, _) =
        synack(&["-r", &c, "-T", "jsonl", "-Y", "synack.stage", "-e", "frame.number", "-e", "synack.stage"]);
    assert_eq!(code, 0);
    assert_eq!(out, "{\"frame.number\": \"3\", \"synack.stage\": \"1\"}\n{\"frame.number\": \"4\", \"synack.stage\": \"2\"}\n{\"frame.number\": \"5\", \"synack.stage\": \"3\"}\n");
    let (_, out, _) = synack(&["-r", &c, "-T", "json", "-c", "1", "-e", "dns.qry.name"]);
    assert_eq!(out, "[\n  {\"dns.qry.name\": \"www.example.test\"}\n]\n");
    let (_, out, _) = synack(&[
        "-r",
        &c,
        "-T",
        "fields",
        "-e",
        "frame.number",
        "-Y",
        "synack.state.server == \"LISTEN\" || dns.a == 127.0.0.2",
    ]);
    assert_eq!(out, "2\n3\n");
    let (code, _, err) = synack(&["-r", &c, "-Y", "tcp.port == 80 and (synack.stage"]);
    assert_eq!(code, 2);
    assert!(err.contains("filter error at column 33: expected ')'"), "{err}");
    let (code, out, _) = synack(&["-r", &c, "-q"]);
    assert_eq!((code, out.as_str()), (0, ""));
}

#[test]
fn detail_view_lists_synacks_tree() {
    let (code, out, _) =
        synack(&["-r", &cap("local_dns_then_http.pcap"), "-V", "-Y", "frame.number == 4", "--color", "never"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("\nSYN/ACK: Handshake 2/3 SYN+ACK · client SYN_SENT · server LISTEN → SYN_RECEIVED\n"),
        "{out}"
    );
    assert!(out.contains("    Handshake stage: SYN+ACK (2)\n"), "{out}");
    assert!(out.contains("    Server state: SYN_RECEIVED\n"), "{out}");
}

#[test]
fn conventions_help_completions_man_and_colour() {
    let (code, out, _) = synack(&[]);
    assert_eq!(code, 0);
    assert!(out.contains("Usage: synack") && out.contains("Examples:") && out.contains("ladder"), "{out}");
    let (code, out, _) = synack(&["completions", "bash"]);
    assert_eq!(code, 0);
    assert!(out.contains("_synack()") && out.contains("ladder"), "bash completion");
    let (code, out, _) = synack(&["man"]);
    assert_eq!(code, 0);
    assert!(out.contains(".TH synack") && out.contains("ladder"), "man page");
    let c = cap("local_refused.pcap");
    let (_, plain, _) = synack(&["-r", &c, "-c", "1"]);
    assert!(!plain.contains('\x1b'), "no colour when not asked and not a terminal");
    let (_, coloured, _) = synack(&["-r", &c, "-c", "1", "--color", "always"]);
    assert!(coloured.contains("\x1b[36m"), "{coloured}");
    let (code, out, _) = synack(&["-v"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("synack "), "{out}");
}
