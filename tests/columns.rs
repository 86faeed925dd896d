//! The Info column against tshark's, on every capture, for every packet whose Protocol column
//! tshark fills with TCP or DNS. tshark's sequence-analysis tags (`[TCP Retransmission] `,
//! `[TCP Dup ACK 5#1] `, ... in front, ` [TCP segment of a reassembled PDU]` behind) are
//! removed from tshark's text first: synack does not add them (the CLI issue allows that).
//! Segments whose Info another dissector wrote (HTTP, TLS over TCP) are not compared.

use crate::support::{captures, name, synack, tshark};

/// tshark's Info without its analysis tags.
pub fn strip_tags(info: &str) -> String {
    let mut s = info;
    while let Some(rest) = s.strip_prefix('[') {
        let Some(end) = rest.find("] ") else { break };
        let tag = &rest[..end];
        if !(tag.starts_with("TCP ") || tag.starts_with("Continuation to")) {
            break;
        }
        s = &rest[end + 2..];
    }
    let mut s = s.trim_end_matches(" [TCP segment of a reassembled PDU]");
    // Markers of tshark's exceptions (a field cut short, a reassembly conflict) end the text.
    for marker in ["[Malformed Packet]", "[Packet size limited during capture]", "[Reassembly error"] {
        if let Some(at) = s.find(marker) {
            s = &s[..at];
        }
    }
    s.to_string()
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
            if tp != "TCP" && tp != "DNS" {
                continue;
            }
            if EXCEPTIONS.iter().any(|(c, f, _)| *c == name(&cap) && *f == i + 1) {
                continue;
            }
            let want = strip_tags(ti);
            // A segment carrying part of an HTTP or TLS message gets that protocol's text in
            // Info while Protocol stays TCP: only TCP's own text ("sport → dport ...") counts.
            if tp == "TCP" && !tcp_text(&want) {
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
    assert!(
        diffs.is_empty(),
        "{} differences:\n{}",
        diffs.len(),
        diffs.iter().take(40).cloned().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn analysis_tags_are_stripped_and_nothing_else() {
    assert_eq!(strip_tags("[TCP Retransmission] 80 → 1 [ACK] Seq=1"), "80 → 1 [ACK] Seq=1");
    assert_eq!(strip_tags("[TCP Dup ACK 5#1] [TCP Window Update] 1 → 2 [ACK]"), "1 → 2 [ACK]");
    assert_eq!(strip_tags("1 → 2 [PSH, ACK] Len=5 [TCP segment of a reassembled PDU]"), "1 → 2 [PSH, ACK] Len=5");
    assert_eq!(strip_tags("[SYN] odd"), "[SYN] odd");
    assert_eq!(strip_tags("1 → 2 [ACK] Win=3[Malformed Packet]"), "1 → 2 [ACK] Win=3");
}
