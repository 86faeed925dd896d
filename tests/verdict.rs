//! One test per verdict code, each on a real capture that shows it (tests/captures; the
//! loopback ones are made by tests/scripts/make_captures.py, whose docstrings say how). What a
//! sentence states — times, counts, TTLs, MSS, flags — is checked against tshark's own fields
//! of the same frames, not against synack's output. The verdict is the same with two passes (on
//! the last frame), in `conv`, and in one pass where the connection closed.

use std::collections::BTreeMap;

use crate::support::{cap, synack, tshark};

/// (codes, sentence) of each stream's verdict with two passes.
fn verdicts(capture: &str) -> BTreeMap<u32, (Vec<String>, String)> {
    let p = cap(capture);
    let args =
        ["-2", "-r", &p, "-T", "fields", "-e", "tcp.stream", "-e", "synack.verdict.code", "-e", "synack.verdict"];
    let (code, out, err) = synack(&args);
    assert_eq!(code, 0, "{err}");
    let mut m = BTreeMap::new();
    for line in out.lines() {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() == 3 && !cols[1].is_empty() {
            let stream: u32 = cols[0].parse().expect("stream");
            let codes = cols[1].split(',').map(str::to_string).collect();
            assert!(
                m.insert(stream, (codes, cols[2].to_string())).is_none(),
                "{capture}: stream {stream} has two verdicts"
            );
        }
    }
    m
}

/// The verdict of `stream`, checked to be the one `conv` gives.
fn verdict(capture: &str, stream: u32) -> (Vec<String>, String) {
    let v = verdicts(capture).remove(&stream).unwrap_or_else(|| panic!("{capture}: no verdict for stream {stream}"));
    let (code, out, err) = synack(&["conv", "-T", "json", "-r", &cap(capture)]);
    assert_eq!(code, 0, "{err}");
    let needle = format!("\"stream\": {stream}, ");
    let row = out.lines().find(|l| l.contains(&needle)).unwrap_or_else(|| panic!("{capture}: conv has no {stream}"));
    assert!(row.contains(&format!("\"verdict\": \"{}\"", v.0.join(" "))), "{capture}: conv says {row}");
    v
}

/// tshark's values of `fields` for the frames `filter` selects, one Vec per frame.
fn ts(capture: &str, filter: &str, fields: &[&str]) -> Vec<Vec<String>> {
    let p = cap(capture);
    let mut args = vec!["-r", p.as_str(), "-Y", filter, "-T", "fields"];
    for f in fields {
        args.push("-e");
        args.push(f);
    }
    tshark(&args).lines().map(|l| l.split('\t').map(str::to_string).collect()).collect()
}

fn secs(s: &str) -> f64 {
    s.parse().unwrap_or_else(|_| panic!("not a time: {s:?}"))
}

fn ms(x: f64) -> String {
    format!("{:.3}", x * 1e3)
}

fn codes(v: &(Vec<String>, String)) -> Vec<&str> {
    v.0.iter().map(String::as_str).collect()
}

#[test]
fn refused_by_the_host_answers_as_fast_as_its_syn_acks() {
    let c = "local_refused_paths_at_client.pcap";
    let v = verdict(c, 1);
    assert_eq!(codes(&v), ["refused"]);
    let syn_rst = ts(c, "tcp.stream == 1", &["frame.time_relative", "ip.ttl"]);
    let took = secs(&syn_rst[1][0]) - secs(&syn_rst[0][0]);
    let hs = ts(c, "tcp.stream == 0 and tcp.flags.syn == 1", &["frame.time_relative", "ip.ttl"]);
    let host = secs(&hs[1][0]) - secs(&hs[0][0]);
    assert!(v.1.contains(&format!("after {} ms", ms(took))), "{}", v.1);
    assert!(v.1.contains(&format!("({} ms, TTL {})", ms(host), hs[1][1])), "{}", v.1);
    assert_eq!(syn_rst[1][1], hs[1][1], "the host's RST has the host's TTL");
    assert!(v.1.starts_with("refused by the host"), "{}", v.1);
}

#[test]
fn refused_by_a_firewall_shows_its_own_ttl() {
    let c = "local_refused_paths_at_client.pcap";
    let v = verdict(c, 2);
    assert_eq!(codes(&v), ["refused", "rst-middlebox"]);
    let rst = ts(c, "tcp.stream == 2 and tcp.flags.reset == 1", &["ip.ttl"]);
    let host = ts(c, "tcp.stream == 0 and tcp.flags.syn == 1 and tcp.flags.ack == 1", &["ip.ttl"]);
    assert!(v.1.contains(&format!("with TTL {}, where the host's packets have {}", rst[0][0], host[0][0])), "{}", v.1);
}

#[test]
fn refused_with_nothing_to_compare_says_it_cannot_tell() {
    let v = verdict("local_refused.pcap", 0);
    assert_eq!(codes(&v), ["refused"]);
    assert!(v.1.contains("no other answer from the host"), "{}", v.1);
}

#[test]
fn unanswered_lists_each_syn() {
    let c = "local_syn_unanswered.pcap";
    let v = verdict(c, 1);
    assert_eq!(codes(&v), ["unanswered"]);
    let syns = ts(c, "tcp.stream == 1 and tcp.flags.syn == 1", &["frame.time_relative"]);
    let first = secs(&syns[0][0]);
    let at: Vec<String> = syns.iter().map(|s| format!("{:.3}", secs(&s[0]) - first)).collect();
    assert!(v.1.contains(&format!("sent {} times, at {} s", syns.len(), at.join(", "))), "{}", v.1);
    // Waits of about 1 s each (the listener's full queue), not a doubling backoff.
    assert!(!v.1.contains("backoff"), "{}", v.1);
}

#[test]
fn half_open_counts_the_unacknowledged_syn_acks() {
    let c = "local_half_open_at_server.pcap";
    let v = verdict(c, 0);
    assert_eq!(codes(&v), ["half-open"]);
    let synacks = ts(c, "tcp.flags.syn == 1 and tcp.flags.ack == 1", &["frame.number"]);
    let acks = ts(c, "tcp.srcport != 18300 and tcp.flags.syn == 0", &["frame.number"]);
    assert!(acks.is_empty(), "the client's ACK reached the server");
    assert!(v.1.contains(&format!("(sent {} times)", synacks.len())), "{}", v.1);
}

#[test]
fn reset_and_aborted_name_the_side_and_both_states() {
    let v = verdict("local_rst_in_syn_received_at_server.pcap", 0);
    assert_eq!(codes(&v), ["reset"]);
    let c = "local_abort_rst.pcap";
    let v = verdict(c, 0);
    assert_eq!(codes(&v), ["aborted"]);
    // RFC 9293 §3.10.7.4: a RST in ESTABLISHED; the client (port 18200's peer) sent it.
    let rst = ts(c, "tcp.flags.reset == 1", &["tcp.dstport"]);
    assert_eq!(rst[0][0], "18200");
    let bytes = |f: &str| ts(c, f, &["tcp.len"]).iter().map(|r| r[0].parse::<u64>().unwrap_or(0)).sum::<u64>();
    let (to, from) = (bytes("tcp.dstport == 18200"), bytes("tcp.srcport == 18200"));
    assert!(
        v.1.contains(&format!(
            "the client sent a RST in ESTABLISHED, the server being in ESTABLISHED ({to} bytes from the client, {from} bytes from the server)"
        )),
        "{}",
        v.1
    );
}

#[test]
fn no_data_closed_and_open() {
    let c = "local_syn_retransmit.pcap";
    let v = verdict(c, 0);
    assert_eq!(codes(&v), ["no-data"]);
    assert!(ts(c, "tcp.stream == 0 and tcp.len > 0", &["frame.number"]).is_empty());
    assert_eq!(codes(&verdict("local_close_client_first.pcap", 0)), ["closed"]);
    let v = verdict("td_accecn_handshake.pcap", 0);
    assert_eq!(v.0[0], "open");
    assert!(ts("td_accecn_handshake.pcap", "tcp.flags.fin == 1 or tcp.flags.reset == 1", &["frame.number"]).is_empty());
}

#[test]
fn midstream_and_port_reuse() {
    assert_eq!(codes(&verdict("local_midstream.pcap", 0)), ["closed", "midstream"]);
    let c = "local_port_reuse.pcap";
    let v = verdict(c, 1);
    assert_eq!(codes(&v), ["closed", "port-reuse"]);
    // tshark flags the second SYN on the same ports.
    let reused = ts(c, "tcp.analysis.reused_ports", &["tcp.stream"]);
    assert_eq!(reused, [["1"]]);
    assert!(v.1.contains("reused the ports of stream 0"), "{}", v.1);
}

#[test]
fn loss_counts_tsharks_retransmissions_by_sender() {
    for (c, client_port) in [("local_sack_loss_netns.pcap", "38758"), ("zeek_tcp_retransmit-fast009.pcap", "50368")] {
        let v = verdict(c, 0);
        assert!(codes(&v).contains(&"loss"), "{c}: {v:?}");
        for (who, side) in
            [("client", format!("tcp.srcport == {client_port}")), ("server", format!("tcp.dstport == {client_port}"))]
        {
            let n = |flag: &str| ts(c, &format!("{side} and {flag}"), &["frame.number"]).len();
            let all = n("(tcp.analysis.retransmission or tcp.analysis.fast_retransmission or tcp.analysis.spurious_retransmission)");
            let fast = n("tcp.analysis.fast_retransmission");
            let text = format!("the {who} retransmitted {all} segments ({fast} fast)");
            assert_eq!(v.1.contains(&text), all > 0, "{c}: {text:?} in {}", v.1);
        }
    }
}

#[test]
fn zero_window_stall_lasts_until_the_window_opens() {
    let c = "local_zero_window.pcap";
    let v = verdict(c, 0);
    assert_eq!(codes(&v), ["closed", "zero-window"]);
    // The server's segments: from its first zero window to its next non-zero window.
    let rows = ts(
        c,
        "tcp.srcport == 18200 and tcp.flags.syn == 0",
        &["frame.time_relative", "tcp.window_size_value", "tcp.analysis.zero_window"],
    );
    let start = rows.iter().position(|r| r[2] == "1").expect("a zero window");
    let end = rows[start..].iter().find(|r| r[1] != "0").expect("the window opens");
    let stall = secs(&end[0]) - secs(&rows[start][0]);
    assert!(
        v.1.contains(&format!("the server's window was zero once for {stall:.3} s in all (longest {stall:.3} s)")),
        "{}",
        v.1
    );
}

#[test]
fn slow_handshake_against_the_data_round_trip() {
    let c = "local_slow_handshake_at_client.pcap";
    let v = verdict(c, 0);
    assert_eq!(codes(&v), ["closed", "slow-handshake"]);
    let hs = ts(c, "tcp.flags.syn == 1", &["frame.time_relative"]);
    let answer = secs(&hs[1][0]) - secs(&hs[0][0]);
    // The server acknowledging the client's data (RFC 6298 §3 sampling): the client's first
    // data segment after the handshake, to the server's first ACK that covers it.
    let sent = &ts(c, "tcp.dstport == 18300 and tcp.len > 0", &["frame.time_relative", "tcp.seq_raw", "tcp.len"])[0];
    let end = sent[1].parse::<u64>().unwrap() + sent[2].parse::<u64>().unwrap();
    let acks = ts(c, "tcp.srcport == 18300 and tcp.flags.syn == 0", &["frame.time_relative", "tcp.ack_raw"]);
    let acked = acks.iter().find(|r| r[1].parse::<u64>().unwrap() >= end).expect("an ACK of the request");
    let data = secs(&acked[0]) - secs(&sent[0]);
    assert!(answer > 0.3 && data < 0.05, "the capture is not what the scenario made: {answer} {data}");
    assert!(
        v.1.contains(&format!(
            "the server took {} ms to answer the SYN, where it acknowledges data in {} ms",
            ms(answer),
            ms(data)
        )),
        "{}",
        v.1
    );
    let v = verdict("local_syn_retransmit.pcap", 1);
    assert!(v.1.contains("(the SYN was sent 2 times)"), "{}", v.1);
}

#[test]
fn stripped_options_low_mss_and_refused_ecn() {
    let c = "local_options_stripped_at_client.pcap";
    let v = verdict(c, 0);
    assert_eq!(codes(&v), ["closed", "no-window-scaling", "no-sack", "low-mss", "ecn-refused"]);
    let f =
        ["tcp.options.wscale.shift", "tcp.options.sack_perm", "tcp.options.mss_val", "tcp.flags.ece", "tcp.flags.cwr"];
    let syn = &ts(c, "tcp.flags.syn == 1 and tcp.flags.ack == 0", &f)[0];
    let synack = &ts(c, "tcp.flags.syn == 1 and tcp.flags.ack == 1", &f)[0];
    assert!(!syn[0].is_empty() && synack[0].is_empty(), "WS: {syn:?} {synack:?}");
    assert!(!syn[1].is_empty() && synack[1].is_empty(), "SACK: {syn:?} {synack:?}");
    // RFC 3168 §6.1.1: ECE and CWR on the SYN ask; no ECE on the SYN+ACK declines.
    assert_eq!((&*syn[3], &*syn[4], &*synack[3]), ("1", "1", "0"));
    assert!(v.1.contains(&format!("(the client's {})", syn[2])), "{}", v.1);
    assert!(
        v.1.contains("the server did not use window scaling") && v.1.contains("the server did not use SACK"),
        "{}",
        v.1
    );
}

#[test]
fn fast_open_accepted_refused_and_cookie_requests() {
    let c = "local_tfo_netns.pcap";
    assert_eq!(codes(&verdict(c, 0)), ["closed", "tfo-cookie"]);
    let v = verdict(c, 1);
    assert_eq!(codes(&v), ["closed", "tfo-accepted"]);
    let syn = &ts(c, "tcp.stream == 1 and tcp.flags.syn == 1 and tcp.flags.ack == 0", &["tcp.len", "tcp.seq_raw"])[0];
    let synack = &ts(c, "tcp.stream == 1 and tcp.flags.syn == 1 and tcp.flags.ack == 1", &["tcp.ack_raw"])[0];
    let len: u32 = syn[1].parse::<u32>().unwrap().wrapping_add(1).wrapping_add(syn[0].parse::<u32>().unwrap());
    assert_eq!(synack[0], len.to_string(), "RFC 7413: the SYN+ACK acknowledges the SYN's data");
    assert!(v.1.contains(&format!("took the {} bytes sent with the SYN", syn[0])), "{}", v.1);
    let c = "sv_tfo-data-on-syn-nack.pcap";
    let v = verdict(c, 0);
    assert!(codes(&v).contains(&"tfo-refused"), "{v:?}");
    let syn = &ts(c, "tcp.flags.syn == 1 and tcp.flags.ack == 0", &["tcp.len", "tcp.seq_raw"])[0];
    let synack = &ts(c, "tcp.flags.syn == 1 and tcp.flags.ack == 1", &["tcp.ack_raw"])[0];
    assert_eq!(synack[0], (syn[1].parse::<u32>().unwrap() + 1).to_string(), "only the SYN acknowledged");
    assert!(v.1.contains(&format!("not its {} bytes of data", syn[0])), "{}", v.1);
}

#[test]
fn accurate_ecn_negotiated() {
    let c = "td_accecn_handshake.pcap";
    let v = verdict(c, 0);
    assert!(codes(&v).contains(&"ecn"), "{v:?}");
    // RFC 9768 §3.1.1: AE, CWR and ECE on the SYN; a SYN+ACK other than ECE alone agrees.
    let syn =
        &ts(c, "tcp.flags.syn == 1 and tcp.flags.ack == 0", &["tcp.flags.ae", "tcp.flags.cwr", "tcp.flags.ece"])[0];
    assert_eq!(syn, &["1", "1", "1"]);
    assert!(v.1.contains("Accurate ECN negotiated"), "{}", v.1);
}

/// Every code is in the field's description (`--list-fields`), and a verdict shown in one pass,
/// where the connection closed, is the one two passes show on its last frame.
#[test]
fn every_code_is_documented_and_one_pass_agrees_where_it_closed() {
    let doc = dissector_core::fields::Field::SynackVerdictCode.info().desc;
    for (code, _) in dissector_core::conn::verdict::CODES {
        assert!(doc.contains(code), "{code} is not in synack.verdict.code's description");
    }
    for capture in ["local_refused_paths_at_client.pcap", "local_zero_window.pcap", "local_abort_rst.pcap"] {
        let two = verdicts(capture);
        let p = cap(capture);
        let (_, one, _) = synack(&[
            "-r",
            &p,
            "-T",
            "fields",
            "-e",
            "tcp.stream",
            "-e",
            "synack.verdict.code",
            "-e",
            "synack.verdict",
        ]);
        for line in one.lines().filter(|l| !l.ends_with("\t\t")) {
            let cols: Vec<&str> = line.split('\t').collect();
            let s: u32 = cols[0].parse().unwrap();
            assert_eq!(two[&s].1, cols[2], "{capture}: stream {s}");
        }
    }
}
