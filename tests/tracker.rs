//! The connection tracker against tshark and against hand-checked expectations:
//! `synack.stream` is tshark's `tcp.stream`, `synack.irtt` is tshark's
//! `tcp.analysis.initial_rtt` wherever the handshake completed (tshark also shows one on a
//! RST that refuses the SYN, and on an ACK after a SYN whose SYN+ACK the capture lacks), `dns.response_in` matches tshark -2,
//! and the stage/state sequences of the loopback captures equal tests/expected/tracker/*.tsv,
//! which were checked by hand against the rule (the reasoning is in each file).

use crate::support::{captures, name, root, synack, tshark};

fn lines(s: &str) -> Vec<Vec<String>> {
    s.lines().map(|l| l.split('\t').map(str::to_string).collect()).collect()
}

#[test]
fn stream_and_irtt_equal_tsharks_on_every_capture() {
    let mut diffs = Vec::new();
    let mut compared = (0usize, 0usize);
    for cap in captures() {
        let p = cap.to_str().expect("utf-8 path");
        let theirs = lines(&tshark(&[
            "-r",
            p,
            "-T",
            "fields",
            "-e",
            "tcp.stream",
            "-e",
            "tcp.analysis.initial_rtt",
            "-e",
            "tcp.flags.reset",
            "-e",
            "tcp.flags",
        ]));
        // Streams with a SYN+ACK in the capture (one side's capture may have none).
        let answered: std::collections::HashSet<String> = theirs
            .iter()
            .filter(|t| t.get(3).is_some_and(|f| f == "0x0012"))
            .filter_map(|t| t.first().cloned())
            .collect();
        let (code, ours, err) = synack(&["-r", p, "-T", "fields", "-e", "synack.stream", "-e", "synack.irtt"]);
        assert_eq!(code, 0, "{err}");
        let ours = lines(&ours);
        assert_eq!(theirs.len(), ours.len(), "{}: frame counts differ", name(&cap));
        for (i, (t, o)) in theirs.iter().zip(&ours).enumerate() {
            let at = |v: &Vec<String>, j: usize| v.get(j).cloned().unwrap_or_default();
            // synack tracks the outermost TCP header; tshark also numbers one quoted in ICMP.
            if !at(o, 0).is_empty() {
                compared.0 += 1;
                if at(t, 0).split(',').next() != Some(at(o, 0).as_str()) {
                    diffs.push(format!(
                        "{} frame {}: tcp.stream {:?}, synack.stream {:?}",
                        name(&cap),
                        i + 1,
                        at(t, 0),
                        at(o, 0)
                    ));
                }
            }
            // tshark takes the first ACK after a SYN as the handshake's, a RST,ACK refusing it
            // too, even when the capture holds no SYN+ACK (one direction of an asymmetric
            // path); synack gives an initial RTT only for a handshake that completed. tshark
            // also takes an initial RTT of zero (a handshake logged in one instant, as NFLOG
            // can) as none and times the next ACK instead; synack keeps the zero it measured.
            let refusal = at(t, 2) == "1" && at(o, 1).is_empty();
            let unanswered = !answered.contains(&at(t, 0)) && at(o, 1).is_empty();
            let zero = at(o, 1) == "0.000000000";
            if !at(t, 1).is_empty() && !refusal && !unanswered && !zero {
                compared.1 += 1;
                if at(t, 1) != at(o, 1) {
                    diffs.push(format!(
                        "{} frame {}: initial_rtt {:?}, synack.irtt {:?}",
                        name(&cap),
                        i + 1,
                        at(t, 1),
                        at(o, 1)
                    ));
                }
            }
        }
    }
    eprintln!("tracker vs tshark: {} stream values, {} iRTT values compared", compared.0, compared.1);
    assert!(compared.0 > 1000 && compared.1 > 500, "too little compared: {compared:?}");
    assert!(diffs.is_empty(), "{} differences:\n{}", diffs.len(), diffs.join("\n"));
}

#[test]
fn two_pass_dns_response_in_equals_tshark_dash_2() {
    let fields = [
        "-T",
        "fields",
        "-e",
        "dns.id",
        "-e",
        "dns.response_in",
        "-e",
        "dns.response_to",
        "-e",
        "dns.time",
        "-e",
        "tcp.stream",
    ];
    let mut total = 0;
    for cap in captures() {
        let p = cap.to_str().expect("utf-8 path");
        let mut args = vec!["-2", "-r", p];
        args.extend(fields);
        let theirs = tshark(&args);
        let (code, ours, err) = synack(&args);
        assert_eq!(code, 0, "{err}");
        total += theirs.lines().filter(|l| l.split('\t').nth(1).is_some_and(|v| !v.is_empty())).count();
        assert_eq!(ours, theirs, "{}: synack -2 differs from tshark -2", name(&cap));
    }
    assert!(total > 200, "only {total} dns.response_in values compared");
}

#[test]
fn stage_and_state_sequences_match_the_hand_checked_files() {
    let dir = root().join("tests/expected/tracker");
    let mut files: Vec<_> =
        std::fs::read_dir(&dir).expect("tests/expected/tracker").filter_map(|e| e.ok().map(|e| e.path())).collect();
    files.sort();
    assert!(files.len() >= 20, "expected files: {}", files.len());
    let mut differing = 0;
    for f in files {
        let cap_name = name(&f).replace(".tsv", ".pcap");
        let cap = root().join("tests/captures").join(&cap_name);
        // Both views: the informed one (two passes) and the one a single pass shows.
        let run = |two_pass: bool| {
            let mut args = vec!["-r", cap.to_str().expect("utf-8 path"), "-T", "fields"];
            if two_pass {
                args.insert(0, "-2");
            }
            for f in FIELDS_OF_ROWS {
                args.extend(["-e", f]);
            }
            let (code, out, err) = synack(&args);
            assert_eq!(code, 0, "{err}");
            out
        };
        let (informed, one_pass) = (run(true), run(false));
        let (informed, one_pass): (Vec<&str>, Vec<&str>) = (informed.lines().collect(), one_pass.lines().collect());
        let want = std::fs::read_to_string(&f).expect("expected file");
        let mut rows: Vec<(usize, &str, &str)> = Vec::new();
        for line in want.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
            if let Some(one) = line.strip_prefix("1p\t") {
                let last = rows.last_mut().expect("a 1p line follows its frame's row");
                assert!(one.starts_with(&format!("{}\t", last.0)), "{cap_name}: 1p line for another frame: {one}");
                last.2 = one;
                differing += 1;
                continue;
            }
            let frame: usize = line.split('\t').next().and_then(|x| x.parse().ok()).expect("frame number");
            rows.push((frame, line, line));
        }
        assert!(!rows.is_empty(), "{cap_name}: no rows");
        for (frame, inf, one) in rows {
            assert_eq!(informed.get(frame - 1).copied(), Some(inf), "{cap_name} frame {frame}, informed view (-2)");
            assert_eq!(one_pass.get(frame - 1).copied(), Some(one), "{cap_name} frame {frame}, one-pass view");
        }
    }
    assert!(differing >= 10, "only {differing} frames differ between the views");
}

/// The fields of a row of tests/expected/tracker/*.tsv.
const FIELDS_OF_ROWS: [&str; 7] = [
    "frame.number",
    "synack.stage",
    "synack.hs.ack_ok",
    "synack.state.client",
    "synack.state.server",
    "synack.transition",
    "synack.anomaly",
];

#[test]
fn syn_names_the_dns_lookup_that_gave_its_address() {
    let cap = root().join("tests/captures/local_dns_then_http.pcap");
    let p = cap.to_str().expect("utf-8 path");
    let args = [
        "-2",
        "-r",
        p,
        "-T",
        "fields",
        "-e",
        "frame.number",
        "-e",
        "synack.dns.name",
        "-e",
        "synack.dns.frame",
        "-e",
        "synack.dns.used_by",
    ];
    let (code, out, err) = synack(&args);
    assert_eq!(code, 0, "{err}");
    let rows: Vec<&str> = out.lines().collect();
    // Frame 2 answers www.example.test (CNAME web.example.test, A 127.0.0.2); frame 3 is the
    // SYN to 127.0.0.2, the first packet of stream 0.
    assert_eq!(rows[1], "2\t\t\t0");
    assert_eq!(rows[2], "3\twww.example.test\t2\t");
    assert!(rows[3..].iter().all(|r| r.split('\t').skip(1).all(str::is_empty)), "{out}");
}

#[test]
fn connection_summaries_carry_zeek_codes() {
    // Checked by hand: each capture's story against Zeek's conn_state definitions.
    let cases = [
        ("local_close_client_first.pcap", vec!["SF"]),
        ("local_refused.pcap", vec!["REJ", "REJ"]),
        ("local_abort_rst.pcap", vec!["RSTO"]),
        // Mid-stream segments only. Frame 4 (stream 0 again) comes six years after the others,
        // far past the idle time: streams 0 and 1 are summarised when it arrives, and frame 4
        // starts a fresh mid-stream track with the same stream number.
        ("ppp_dns_over_tcp.pcapng", vec!["OTH", "OTH", "OTH"]),
    ];
    for (cap, want) in cases {
        let data = std::fs::read(root().join("tests/captures").join(cap)).expect("capture");
        let mut d = dissector_core::Dissector::with_options(dissector_core::Options {
            summaries: true,
            ..dissector_core::Options::default()
        });
        let mut scratch = Vec::new();
        let mut summaries = Vec::new();
        synack::capture::for_each_frame(std::io::Cursor::new(data), |meta, bytes| {
            d.dissect(meta, bytes, &mut scratch);
            summaries.extend(d.take_summaries());
            Ok(true)
        })
        .expect("a capture")
        .expect("read");
        d.finish_each(|s| summaries.push(s));
        let got: Vec<&str> = summaries.iter().map(|s| s.zeek_state).collect();
        assert_eq!(got, want, "{cap}: {summaries:#?}");
    }
}

/// With tracking off (what the CLI does when it prints only fields that do not need it), every
/// such field of the table has the same values, frame by frame, on every capture; the fields
/// that need the tracker are empty.
#[test]
fn tracking_off_changes_only_the_fields_that_need_it() {
    let off = dissector_core::Options { tracking: false, ..dissector_core::Options::default() };
    let compared = crate::support::switched_off_changes_only(off, |f| f.needs_tracking(), |_| false);
    eprintln!("tracking off: {compared} values compared");
    assert!(compared > 50_000, "only {compared} values compared");
}
