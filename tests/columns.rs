//! The Info column against tshark's, on every capture, for every packet whose Protocol column
//! tshark fills with TCP or DNS, sequence-analysis tags (`[TCP Retransmission] `, `[TCP Dup ACK
//! 5#1] `, ...) included. What comes from reassembly for other protocols (`[Continuation to
//! #N] ` in front, ` [TCP segment of a reassembled PDU]` behind) is removed from tshark's text
//! first: synack dissects no protocol above TCP but DNS. Segments whose Info another dissector
//! wrote (HTTP, TLS over TCP) are not compared.

use crate::support::{captures, name, synack, tshark};

/// tshark's Info without what reassembly for protocols synack does not dissect adds.
pub fn strip_foreign(info: &str) -> String {
    let mut s = info;
    while let Some(rest) = s.strip_prefix("[Continuation to #") {
        let Some(end) = rest.find("] ") else { break };
        s = &rest[end + 2..];
    }
    let mut s = s.trim_end_matches(" [TCP segment of a reassembled PDU]");
    // A reassembly conflict is reassembly's, for a protocol synack does not dissect.
    if let Some(at) = s.find("[Reassembly error") {
        s = &s[..at];
    }
    s.to_string()
}

/// tshark's Info without its analysis tags either: the text TCP itself wrote.
fn strip_tags(info: &str) -> String {
    let mut s = info;
    while let Some(rest) = s.strip_prefix("[TCP ") {
        let Some(end) = rest.find("] ") else { break };
        s = &rest[end + 2..];
    }
    strip_foreign(s)
}

/// Known differences, with their reasons: (capture, frame).
const EXCEPTIONS: [(&str, usize, &str); 1] = [(
    "td_dns_fwdptr.pcap",
    1,
    "a 63 KB message of forward pointers: synack stops reading at the first bad name (and says so); \
     tshark lists hundreds of records as \"Unknown (507) <Name too long>\"",
)];

/// Does the text start as TCP's Info does: `<port> → <port>`?
fn tcp_text(s: &str) -> bool {
    let mut w = s.split(' ');
    let port = |x: Option<&str>| x.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    port(w.next()) && w.next() == Some("→") && port(w.next())
}

#[test]
fn info_column_equals_tsharks_for_tcp_and_dns() {
    let args = ["-T", "fields", "-e", "_ws.col.Protocol", "-e", "_ws.col.Info"];
    let mut diffs = Vec::new();
    let mut compared = 0;
    for cap in captures() {
        let p = cap.to_str().expect("utf-8 path");
        let theirs = tshark(&[&["-r", p], &args[..]].concat());
        let (code, ours, err) = synack(&[&["-r", p], &args[..]].concat());
        assert_eq!(code, 0, "{err}");
        for (i, (t, o)) in theirs.lines().zip(ours.lines()).enumerate() {
            let (tp, ti) = t.split_once('\t').unwrap_or((t, ""));
            // GTP fences the column around what its tunnel carries: `GTP <TCP>`.
            let tp = tp.strip_prefix("GTP <").and_then(|p| p.strip_suffix('>')).unwrap_or(tp);
            if tp != "TCP" && tp != "DNS" {
                continue;
            }
            if EXCEPTIONS.iter().any(|(c, f, _)| *c == name(&cap) && *f == i + 1) {
                continue;
            }
            let want = strip_foreign(ti);
            // A segment carrying part of an HTTP or TLS message gets that protocol's text in
            // Info while Protocol stays TCP: only TCP's own text ("sport → dport ...") counts.
            if tp == "TCP" && !tcp_text(&strip_tags(&want)) {
                continue;
            }
            compared += 1;
            let (_, oi) = o.split_once('\t').unwrap_or((o, ""));
            if want != oi {
                diffs.push(format!("{} frame {}:\n  tshark {want:?}\n  synack {oi:?}", name(&cap), i + 1));
            }
        }
    }
    eprintln!("Info column: {compared} TCP/DNS packets compared");
    crate::support::assert_no_diffs(&diffs);
}

#[test]
fn only_foreign_text_is_stripped() {
    assert_eq!(strip_foreign("[TCP Retransmission] 80 → 1 [ACK] Seq=1"), "[TCP Retransmission] 80 → 1 [ACK] Seq=1");
    assert_eq!(strip_foreign("[Continuation to #4] 1 → 2 [ACK]"), "1 → 2 [ACK]");
    assert_eq!(strip_foreign("1 → 2 [PSH, ACK] Len=5 [TCP segment of a reassembled PDU]"), "1 → 2 [PSH, ACK] Len=5");
    assert_eq!(strip_tags("[TCP Dup ACK 5#1] [TCP Window Update] 1 → 2 [ACK]"), "1 → 2 [ACK]");
    assert_eq!(strip_tags("[SYN] odd"), "[SYN] odd");
    assert_eq!(strip_foreign("1 → 2 [ACK] Win=3[Malformed Packet]"), "1 → 2 [ACK] Win=3[Malformed Packet]");
    assert_eq!(strip_foreign("1 → 2 [ACK] Len=3[Reassembly error, protocol TCP: New fragment]"), "1 → 2 [ACK] Len=3");
}
