//! `-Y` against tshark's `-Y`: every filter in tests/filters.txt selects exactly the frames
//! tshark 4.0 (with synack's plugin, for the `synack.*` fields) selects, over every capture in
//! tests/captures; filters tshark rejects, synack rejects too.

use crate::support::{all_captures, root, synack, tshark_plugin};

fn filters() -> Vec<String> {
    let text = std::fs::read_to_string(root().join("tests/filters.txt")).expect("tests/filters.txt");
    text.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')).map(str::to_string).collect()
}

fn tshark_selects(cap: &str, filter: &str) -> String {
    let (ok, out, err) = tshark_plugin(&["-r", cap, "-Y", filter, "-T", "fields", "-e", "frame.number"]);
    assert!(ok, "tshark rejects {filter:?}: {err}");
    out
}

/// The frames each filter selects, as `tshark -Y` would, in one tshark pass: one Lua tap a
/// filter (tests/scripts/filter_taps.lua). Each, the frame numbers one a line.
fn tshark_selects_each(cap: &str, filters: &[String]) -> Vec<String> {
    let list = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("filters.txt");
    std::fs::write(&list, filters.join("\n") + "\n").expect("write the filter list");
    let script = root().join("tests/scripts/filter_taps.lua");
    let (ok, out, err) = tshark_plugin(&[
        "-q",
        "-r",
        cap,
        "-X",
        &format!("lua_script:{}", script.display()),
        "-X",
        &format!("lua_script1:{}", list.display()),
    ]);
    assert!(ok && err.trim().is_empty(), "tshark with the filter taps: {err}");
    let mut each = vec![std::collections::BTreeSet::new(); filters.len()];
    for line in out.lines() {
        let (i, frame) = line.split_once('\t').expect("N<TAB>frame");
        let i: usize = i.parse().expect("filter number");
        each[i - 1].insert(frame.parse::<u32>().expect("frame number"));
    }
    each.into_iter().map(|frames| frames.iter().map(|f| format!("{f}\n")).collect()).collect()
}

#[test]
fn filters_select_what_tshark_selects() {
    let all = all_captures();
    let cap = all.to_str().expect("utf-8 path").to_string();
    let list = filters();
    assert!(list.len() >= 60, "the list keeps at least 60 filters: {}", list.len());
    let theirs = tshark_selects_each(&cap, &list);
    // The taps select what -Y selects (checked on a few filters: a tshark run each).
    for i in [0, list.len() / 2, list.len() - 1] {
        assert_eq!(tshark_selects(&cap, &list[i]), theirs[i], "{:?}: the tap and -Y differ", list[i]);
    }
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
