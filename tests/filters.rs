//! `-Y` against tshark's `-Y`: every filter in tests/filters.txt selects exactly the frames
//! tshark 4.0 (with synack's plugin, for the `synack.*` fields) selects, over every capture in
//! tests/captures; filters tshark rejects, synack rejects too.

use std::path::PathBuf;
use std::process::Command;

use crate::support::{captures, root, synack, tshark_plugin};

/// Every capture end to end in one file (`mergecap -a`), so that each filter costs one tshark
/// run rather than one per capture.
fn all_captures() -> PathBuf {
    let out = std::env::temp_dir().join(format!("synack-filters-{}.pcapng", std::process::id()));
    let mut cmd = Command::new("mergecap");
    cmd.arg("-a").arg("-w").arg(&out).args(captures());
    let st =
        cmd.status().unwrap_or_else(|e| panic!("cannot run mergecap ({e}): install it with tests/scripts/setup.sh"));
    assert!(st.success(), "mergecap failed");
    out
}

fn filters() -> Vec<String> {
    let text = std::fs::read_to_string(root().join("tests/filters.txt")).expect("tests/filters.txt");
    text.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')).map(str::to_string).collect()
}

fn tshark_selects(cap: &str, filter: &str) -> String {
    let (ok, out, err) = tshark_plugin(&["-r", cap, "-Y", filter, "-T", "fields", "-e", "frame.number"]);
    assert!(ok, "tshark rejects {filter:?}: {err}");
    out
}

#[test]
fn filters_select_what_tshark_selects() {
    let all = all_captures();
    let cap = all.to_str().expect("utf-8 path").to_string();
    let list = filters();
    assert!(list.len() >= 60, "the list keeps at least 60 filters: {}", list.len());
    // tshark runs take the time: two at once.
    let theirs: Vec<String> = std::thread::scope(|s| {
        let halves: Vec<_> = list
            .chunks(list.len().div_ceil(2))
            .map(|chunk| {
                let cap = &cap;
                s.spawn(move || chunk.iter().map(|f| tshark_selects(cap, f)).collect::<Vec<_>>())
            })
            .collect();
        halves.into_iter().flat_map(|h| h.join().expect("tshark thread")).collect()
    });
    let mut diffs = Vec::new();
    let mut selecting = 0;
    for (f, want) in list.iter().zip(&theirs) {
        let (code, got, err) = synack(&["-r", &cap, "-Y", f, "-T", "fields", "-e", "frame.number"]);
        assert_eq!(code, 0, "synack rejects {f:?}: {err}");
        if !want.is_empty() {
            selecting += 1;
        }
        if &got != want {
            let (w, g): (Vec<&str>, Vec<&str>) = (want.lines().collect(), got.lines().collect());
            let only_t: Vec<&&str> = w.iter().filter(|x| !g.contains(x)).take(5).collect();
            let only_s: Vec<&&str> = g.iter().filter(|x| !w.contains(x)).take(5).collect();
            diffs.push(format!(
                "{f:?}: tshark {} frames, synack {}; only tshark {only_t:?}, only synack {only_s:?}",
                w.len(),
                g.len()
            ));
        }
    }
    let _ = std::fs::remove_file(&all);
    assert!(diffs.is_empty(), "{} of {} filters differ:\n{}", diffs.len(), list.len(), diffs.join("\n"));
    // A filter that selects nothing anywhere proves little; most must select something.
    assert!(selecting * 10 >= list.len() * 9, "only {selecting} of {} filters select a frame", list.len());
}

/// Filters tshark 4.0 rejects, for the reasons its messages give: synack rejects them too
/// (exit status 2 and a message), rather than guessing.
#[test]
fn filters_tshark_rejects_are_rejected() {
    let cap = crate::support::cap("local_dns_udp.pcap");
    for f in [
        "tcp.port in {80 443}",
        "tcp.flags[0] == 0",
        "tcp.port == \"80\"",
        "80 == tcp.port",
        "tcp.analysis.flags == 1",
        "ip.src == \"127.0.0.1\"",
        "tcp.flags.syn == true",
        "tcp.flags.syn == \"True\"",
        "dns.qry.type == A",
        "ip.proto == tcp",
        "tcp.port in {80-90}",
        "tcp.len == 0 xor tcp.flags.ack",
        "frame.time_epoch > \"2020-01-01 00:00:00\"",
    ] {
        let (ok, _, _) = tshark_plugin(&["-r", &cap, "-Y", f]);
        assert!(!ok, "tshark accepts {f:?}: take it off this list");
        let (code, out, err) = synack(&["-r", &cap, "-Y", f]);
        assert_eq!(code, 2, "synack accepts {f:?}");
        assert!(out.is_empty() && err.contains("filter error at column"), "{f:?}: {err}");
    }
}

/// Beyond tshark: the state fields take RFC 9293's spellings in any case, and select what
/// synack's own spelling selects in tshark.
#[test]
fn state_names_in_rfc_spelling() {
    let cap = crate::support::cap("local_http_get_ipv4.pcap");
    for (ours, rfc) in [
        ("synack.state.server == \"TIME_WAIT\"", "synack.state.server == \"TIME-WAIT\""),
        ("synack.state.client == \"SYN_SENT\"", "synack.state.client == \"syn-sent\""),
        ("synack.state.client != \"ESTABLISHED\"", "synack.state.client != \"Established\""),
        (
            "synack.state.server in {\"LISTEN\", \"SYN_RECEIVED\"}",
            "synack.state.server in {\"listen\", \"syn-received\"}",
        ),
    ] {
        let want = tshark_selects(&cap, ours);
        assert!(!want.is_empty(), "{ours} selects a frame of the capture");
        let (code, got, err) = synack(&["-r", &cap, "-Y", rfc, "-T", "fields", "-e", "frame.number"]);
        assert_eq!(code, 0, "{err}");
        assert_eq!(got, want, "{rfc}");
    }
}

/// A name tshark knows that synack does not dissect is told apart from a name nobody knows.
#[test]
fn names_tshark_knows_and_synack_does_not() {
    let cap = crate::support::cap("local_dns_udp.pcap");
    for (f, says) in [
        ("http", "\"http\" is a protocol synack does not dissect"),
        ("tcp.checksum == 0", "\"tcp.checksum\" is a field synack does not dissect"),
        ("http.request.nonsense", "belongs to http, a protocol synack does not dissect"),
        ("tcp.nonsense", "\"tcp.nonsense\" is not a field synack knows"),
    ] {
        let (code, _, err) = synack(&["-r", &cap, "-Y", f]);
        assert_eq!(code, 2, "{f}");
        assert!(err.contains(says), "{f}: {err}");
    }
}
