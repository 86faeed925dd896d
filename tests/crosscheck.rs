//! The cross-check: over every capture in tests/captures, tshark 4.0 and `synack -T fields`
//! print the same value for every field of issue #2's list, frame by frame. Differences that
//! are tshark's by design or synack's on purpose are listed, one per line with the reason, in
//! tests/exceptions.tsv.

use std::collections::HashMap;

use crate::support::{captures, name, root, synack, tshark};

/// The fields compared: issue #2's list, tcp.stream, the DNS transaction fields of issue #3,
/// tshark's TCP sequence analysis (issue 18), and every encapsulation and link layer's fields
/// (issue 19).
pub const FIELDS: &[&str] = &[
    "frame.number",
    "frame.time_relative",
    "frame.time_epoch",
    "frame.len",
    "frame.cap_len",
    "eth.src",
    "eth.addr",
    "eth.dst",
    "eth.type",
    "vlan.id",
    "ip.src",
    "ip.addr",
    "ip.dst",
    "ip.proto",
    "ip.ttl",
    "ipv6.src",
    "ipv6.addr",
    "ipv6.dst",
    "ipv6.nxt",
    "tcp.srcport",
    "tcp.dstport",
    "tcp.port",
    "tcp.stream",
    "tcp.flags",
    "tcp.flags.str",
    "tcp.flags.syn",
    "tcp.flags.ack",
    "tcp.flags.fin",
    "tcp.flags.reset",
    "tcp.seq",
    "tcp.seq_raw",
    "tcp.ack",
    "tcp.ack_raw",
    "tcp.nxtseq",
    "tcp.len",
    "tcp.hdr_len",
    "tcp.window_size_value",
    "tcp.window_size",
    "tcp.window_size_scalefactor",
    "tcp.option_kind",
    "tcp.option_len",
    "tcp.options.mss_val",
    "tcp.options.wscale.shift",
    "tcp.options.wscale.multiplier",
    "tcp.options.sack_perm",
    "tcp.options.sack_le",
    "tcp.options.sack_re",
    "tcp.options.timestamp.tsval",
    "tcp.options.timestamp.tsecr",
    "tcp.time_relative",
    "tcp.time_delta",
    "tcp.analysis.flags",
    "tcp.analysis.acks_frame",
    "tcp.analysis.ack_rtt",
    "tcp.analysis.bytes_in_flight",
    "tcp.analysis.push_bytes_sent",
    "tcp.analysis.reused_ports",
    "tcp.analysis.retransmission",
    "tcp.analysis.rto",
    "tcp.analysis.rto_frame",
    "tcp.analysis.fast_retransmission",
    "tcp.analysis.spurious_retransmission",
    "tcp.analysis.out_of_order",
    "tcp.analysis.lost_segment",
    "tcp.analysis.ack_lost_segment",
    "tcp.analysis.window_update",
    "tcp.analysis.window_full",
    "tcp.analysis.keep_alive",
    "tcp.analysis.keep_alive_ack",
    "tcp.analysis.duplicate_ack",
    "tcp.analysis.duplicate_ack_num",
    "tcp.analysis.duplicate_ack_frame",
    "tcp.analysis.zero_window",
    "tcp.analysis.zero_window_probe",
    "tcp.analysis.zero_window_probe_ack",
    "udp.srcport",
    "udp.dstport",
    "udp.length",
    "dns.id",
    "dns.flags",
    "dns.flags.response",
    "dns.flags.opcode",
    "dns.flags.rcode",
    "dns.flags.truncated",
    "dns.count.queries",
    "dns.count.answers",
    "dns.count.auth_rr",
    "dns.count.add_rr",
    "dns.qry.name",
    "dns.qry.type",
    "dns.qry.class",
    "dns.resp.name",
    "dns.resp.type",
    "dns.resp.ttl",
    "dns.resp.len",
    "dns.flags.recdesired",
    "dns.a",
    "dns.aaaa",
    "dns.cname",
    "dns.ns",
    "dns.ptr.domain_name",
    "dns.mx.mail_exchange",
    "dns.mx.preference",
    "dns.txt",
    "dns.soa.mname",
    "dns.soa.rname",
    "dns.srv.target",
    "dns.srv.port",
    "dns.rr.udp_payload_size",
    "dns.time",
    "dns.response_to",
    "gre.flags_and_version",
    "gre.proto",
    "gre.checksum",
    "gre.key",
    "gre.sequence_number",
    "gre.key.payload_length",
    "gre.key.call_id",
    "gre.ack_number",
    "erspan.version",
    "erspan.vlan",
    "erspan.spanid",
    "erspan.index",
    "erspan.timestamp",
    "erspan.o",
    "vxlan.flags",
    "vxlan.vni",
    "geneve.version",
    "geneve.flags",
    "geneve.proto_type",
    "geneve.vni",
    "teredo.orig.port",
    "teredo.orig.addr",
    "teredo.auth.idlen",
    "teredo.auth.aulen",
    "mpls.label",
    "mpls.exp",
    "mpls.bottom",
    "mpls.ttl",
    "pppoe.version",
    "pppoe.type",
    "pppoe.code",
    "pppoe.session_id",
    "pppoe.payload_length",
    "ppp.address",
    "ppp.control",
    "ppp.protocol",
    "chdlc.address",
    "chdlc.protocol",
    "gtp.flags",
    "gtp.flags.version",
    "gtp.flags.payload",
    "gtp.flags.reserved",
    "gtp.flags.e",
    "gtp.flags.s",
    "gtp.flags.pn",
    "gtp.message",
    "gtp.length",
    "gtp.teid",
    "gtp.seq_number",
    "gtp.npdu_number",
    "gtp.ext_hdr.next",
    "gtp.ext_hdr.length",
    "nflog.family",
    "nflog.version",
    "nflog.res_id",
    "nflog.tlv_length",
    "nflog.tlv_type",
    "nflog.protocol",
    "nflog.hook",
    "nflog.ifindex_indev",
    "nflog.ifindex_outdev",
    "nflog.uid",
    "nflog.gid",
    "radiotap.version",
    "radiotap.pad",
    "radiotap.length",
    "radiotap.present.word",
    "radiotap.flags",
    "radiotap.flags.fcs",
    "wlan.fc.type_subtype",
    "wlan.fc.type",
    "wlan.fc.subtype",
    "wlan.flags",
    "wlan.fc.ds",
    "wlan.fc.retry",
    "wlan.fc.protected",
    "wlan.duration",
    "wlan.ra",
    "wlan.ta",
    "wlan.da",
    "wlan.sa",
    "wlan.bssid",
    "wlan.staa",
    "wlan.seq",
    "wlan.frag",
    "wlan.qos.tid",
    "wlan.fcs",
    "llc.dsap",
    "llc.ssap",
    "llc.control",
    "llc.oui",
    "llc.type",
];

/// One line of tests/exceptions.tsv: capture, frame (or `*`), field (or `prefix.*`), reason.
struct Exception {
    capture: String,
    frame: Option<usize>,
    field: String,
    used: std::sync::atomic::AtomicBool,
}

impl Exception {
    fn covers(&self, capture: &str, frame: usize, field: &str) -> bool {
        self.capture == capture
            && self.frame.is_none_or(|f| f == frame)
            && match self.field.strip_suffix('*') {
                Some(prefix) => field.starts_with(prefix),
                None => self.field == field,
            }
    }
}

fn exceptions() -> Vec<Exception> {
    let text = std::fs::read_to_string(root().join("tests/exceptions.tsv")).expect("tests/exceptions.tsv");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            assert!(cols.len() == 4 && !cols[3].trim().is_empty(), "exceptions.tsv: need 4 columns and a reason: {l}");
            Exception {
                capture: cols[0].into(),
                frame: if cols[1] == "*" { None } else { Some(cols[1].parse().expect("frame number")) },
                field: cols[2].into(),
                used: std::sync::atomic::AtomicBool::new(false),
            }
        })
        .collect()
}

fn field_args() -> Vec<&'static str> {
    let mut v = vec!["-T", "fields"];
    for f in FIELDS {
        v.push("-e");
        v.push(f);
    }
    v
}

/// Compare one capture; returns the differences as printable lines.
fn compare(path: &std::path::Path, exc: &[Exception]) -> (usize, Vec<String>) {
    let p = path.to_str().expect("utf-8 path");
    let cap = name(path);
    let mut args = vec!["-r", p];
    args.extend(field_args());
    let theirs = tshark(&args);
    let (code, ours, err) = synack(&args);
    assert_eq!(code, 0, "synack failed on {cap}: {err}");
    let t: Vec<&str> = theirs.lines().collect();
    let o: Vec<&str> = ours.lines().collect();
    let mut diffs = Vec::new();
    if t.len() != o.len() {
        diffs.push(format!("{cap}: tshark printed {} frames, synack {}", t.len(), o.len()));
    }
    for (i, (a, b)) in t.iter().zip(&o).enumerate() {
        if a == b {
            continue;
        }
        let (ta, ob): (Vec<&str>, Vec<&str>) = (a.split('\t').collect(), b.split('\t').collect());
        for (j, field) in FIELDS.iter().enumerate() {
            let (x, y) = (ta.get(j).copied().unwrap_or(""), ob.get(j).copied().unwrap_or(""));
            if x == y {
                continue;
            }
            if let Some(e) = exc.iter().find(|e| e.covers(&cap, i + 1, field)) {
                e.used.store(true, std::sync::atomic::Ordering::Relaxed);
                continue;
            }
            diffs.push(format!("{cap} frame {} {field}: tshark {:?}, synack {:?}", i + 1, clip(x), clip(y)));
        }
    }
    (t.len(), diffs)
}

/// Long multi-occurrence values would drown the report: show their start.
fn clip(s: &str) -> String {
    if s.chars().count() > 100 {
        format!("{}... ({} chars)", s.chars().take(100).collect::<String>(), s.chars().count())
    } else {
        s.to_string()
    }
}

#[test]
fn synack_fields_equal_tshark_fields_on_every_capture() {
    let caps = captures();
    assert!(caps.len() >= 50, "the cross-check wants at least 50 captures, found {}", caps.len());
    let exc = exceptions();
    let results: HashMap<String, (usize, Vec<String>)> = std::thread::scope(|s| {
        let chunks: Vec<_> = caps.chunks(caps.len().div_ceil(2)).collect();
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                let exc = &exc;
                s.spawn(move || chunk.iter().map(|c| (name(c), compare(c, exc))).collect::<Vec<_>>())
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().expect("cross-check worker")).collect()
    });
    let frames: usize = results.values().map(|r| r.0).sum();
    let mut diffs: Vec<&String> = results.values().flat_map(|r| &r.1).collect();
    diffs.sort();
    let unused: Vec<String> = exc
        .iter()
        .filter(|e| !e.used.load(std::sync::atomic::Ordering::Relaxed))
        .map(|e| format!("{} {:?} {}", e.capture, e.frame, e.field))
        .collect();
    eprintln!(
        "cross-check: {} captures, {frames} frames, {} fields each, {} exception lines",
        caps.len(),
        FIELDS.len(),
        exc.len()
    );
    assert!(
        diffs.is_empty(),
        "{} differences from tshark (capture, frame, field, tshark's value, ours):\n{}",
        diffs.len(),
        diffs.iter().take(60).map(|s| s.as_str()).collect::<Vec<_>>().join("\n")
    );
    assert!(
        unused.is_empty(),
        "exceptions.tsv lines that no longer match a difference (remove them):\n{}",
        unused.join("\n")
    );
}

/// synack's own option fields agree with tshark's decode of the same options (first occurrence;
/// tshark shows SACK-permitted as the option's bytes, synack as a boolean). A segment quoted in
/// an ICMP error is no segment of the frame's connection: synack.opt.* says nothing of it.
#[test]
fn synack_option_fields_agree_with_tshark_options() {
    let theirs_f = [
        "tcp.options.mss_val",
        "tcp.options.wscale.shift",
        "tcp.options.sack_perm",
        "tcp.options.timestamp.tsval",
        "tcp.options.timestamp.tsecr",
        "icmp.type",
        "icmpv6.type",
    ];
    let ours_f = ["synack.opt.mss", "synack.opt.ws", "synack.opt.sack_perm", "synack.opt.tsval", "synack.opt.tsecr"];
    let mut compared = 0usize;
    for cap in captures() {
        let p = cap.to_str().unwrap();
        let mut targs = vec!["-r", p, "-T", "fields", "-E", "occurrence=f"];
        let mut oargs = targs.clone();
        for f in theirs_f {
            targs.extend(["-e", f]);
        }
        for f in ours_f {
            oargs.extend(["-e", f]);
        }
        let theirs = tshark(&targs);
        let (code, ours, err) = synack(&oargs);
        assert_eq!(code, 0, "{err}");
        for (i, (t, o)) in theirs.lines().zip(ours.lines()).enumerate() {
            let mut t: Vec<String> = t.split('\t').map(String::from).collect();
            if t.len() > 5 && t.drain(5..).any(|x| !x.is_empty()) {
                continue;
            }
            if !t[2].is_empty() {
                t[2] = "1".into();
            }
            let o: Vec<&str> = o.split('\t').collect();
            assert_eq!(t, o, "{} frame {}: tshark's options vs synack.opt.*", name(&cap), i + 1);
            compared += 1;
        }
    }
    assert!(compared > 1000);
}

/// tshark computes its sequence analysis on the first pass and shows the same on the second:
/// `-2` prints the same `tcp.analysis.*` values in both programs.
#[test]
fn sequence_analysis_equals_tsharks_in_two_passes() {
    let fields: Vec<&str> =
        FIELDS.iter().copied().filter(|f| f.starts_with("tcp.analysis.") || *f == "frame.number").collect();
    let mut diffs = Vec::new();
    let mut compared = 0;
    for cap in captures() {
        let p = cap.to_str().expect("utf-8 path");
        let mut args = vec!["-2", "-r", p, "-T", "fields"];
        for f in &fields {
            args.extend(["-e", f]);
        }
        let theirs = tshark(&args);
        let (code, ours, err) = synack(&args);
        assert_eq!(code, 0, "{err}");
        compared += theirs.lines().count();
        for (t, o) in theirs.lines().zip(ours.lines()) {
            if t != o {
                diffs.push(format!("{}: tshark {t:?}\n  synack {o:?}", name(&cap)));
            }
        }
        if theirs.lines().count() != ours.lines().count() {
            diffs.push(format!("{}: frame counts differ", name(&cap)));
        }
    }
    assert!(compared > 2_000, "only {compared} frames compared");
    assert!(diffs.is_empty(), "{} differences with -2:\n{}", diffs.len(), diffs[..diffs.len().min(20)].join("\n"));
}

/// With the analysis off (a run that asks for none of its fields), every other field keeps its
/// values, frame by frame, on every capture, and the analysis fields are empty.
#[test]
fn analysis_off_changes_only_its_own_fields() {
    use dissector_core::fields::Field;
    let off = dissector_core::Options { analysis: false, ..dissector_core::Options::default() };
    // The Info column keeps its text and loses only the tags: not compared here (its test is
    // tests/columns.rs). The verdict keeps its loss and stall findings (compared here).
    let compared = crate::support::switched_off_changes_only(
        off,
        |f| f.needs_analysis() && f != Field::ColInfo,
        |f| f == Field::ColInfo,
    );
    assert!(compared > 50_000, "only {compared} values compared");
}
