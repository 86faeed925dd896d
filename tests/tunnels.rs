//! Encapsulations (issue 19): the tracker, DNS and `conv` run on the innermost TCP and UDP.
//! Each gen_*.pcap (tests/scripts/make_tunnel_captures.py) carries one conversation: a
//! handshake, a request, a reply and a close the client starts (RFC 9293 Figure 12: the client
//! ends in TIME_WAIT, the server CLOSED). tshark's fields on every encapsulation capture are
//! the cross-check's (tests/crosscheck.rs).

use crate::support::{captures, name, synack};

#[test]
fn the_tracker_follows_the_connection_inside_every_encapsulation() {
    let caps: Vec<_> = captures().into_iter().filter(|c| name(c).starts_with("gen_")).collect();
    assert!(caps.len() >= 16, "{} generated encapsulation captures", caps.len());
    for cap in caps {
        let p = cap.to_str().expect("utf-8 path");
        let (code, out, err) = synack(&["conv", "-T", "csv", "-r", p]);
        assert_eq!(code, 0, "{err}");
        let rows: Vec<&str> = out.lines().skip(1).collect();
        assert_eq!(rows.len(), 1, "{}: {out}", name(&cap));
        let c: Vec<&str> = rows[0].split(',').collect();
        let inner = ["10.1.0.1:40001", "[fd00::1]:40002"];
        assert!(inner.contains(&c[1]) && c[2].ends_with(":18400"), "{}: {}", name(&cap), rows[0]);
        assert_eq!((c[9], c[14], c[15], c[16]), ("complete", "client FIN", "TIME_WAIT", "CLOSED"), "{}", name(&cap));
        assert!(
            rows[0].ends_with(
                ",closed,\"closed normally, the client first (22 bytes from the client, 15 bytes from the server)\",1"
            ),
            "{}: {}",
            name(&cap),
            rows[0]
        );
        // The handshake's three steps, on the inner segments.
        let (_, stages, _) = synack(&["-r", p, "-T", "fields", "-e", "synack.stage"]);
        let stages: Vec<&str> = stages.lines().filter(|l| !l.is_empty()).collect();
        assert_eq!(stages, ["1", "2", "3"], "{}", name(&cap));
    }
}

#[test]
fn dns_inside_a_tunnel_names_the_connection() {
    // (capture, the query's frame): the answer follows it 1 ms later; the SYN follows the
    // answer, after the frames that are no part of either (a GTP echo, 802.11 control frames).
    for (cap, query, syn) in [
        ("gen_gre_ipv4.pcap", 1, 3),
        ("gen_vxlan_dns.pcap", 1, 3),
        ("gen_gtpu.pcap", 2, 4),
        ("gen_wlan_radiotap_fcs.pcap", 3, 7),
    ] {
        let p = crate::support::cap(cap);
        let (_, out, _) = synack(&[
            "-r",
            &p,
            "-T",
            "fields",
            "-e",
            "frame.number",
            "-e",
            "dns.time",
            "-e",
            "synack.dns.name",
            "-e",
            "synack.dns.frame",
        ]);
        let lines: Vec<&str> = out.lines().collect();
        // The answer pairs with the query, and the SYN names the lookup that gave its address.
        assert!(lines[query].starts_with(&format!("{}\t0.001000000", query + 1)), "{cap}: {out}");
        assert_eq!(lines[syn - 1], format!("{syn}\t\twww.example.test\t{}", query + 1), "{cap}: {out}");
    }
}

/// A raw-IPv4 pcap of `n` GRE version 1 packets (PPTP's enhanced GRE) carrying IPv4 instead
/// of PPP, which synack does not decode.
pub(crate) fn pptp_gre(n: u32, path: &std::path::Path) {
    let mut f = Vec::new();
    f.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    f.extend_from_slice(&[2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 228, 0, 0, 0]);
    for i in 0..n {
        let mut p = vec![0x45, 0, 0, 36, 0, 0, 0x40, 0, 64, 47, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2];
        p.extend_from_slice(&[0x30, 0x81, 0x08, 0x00, 0, 0, 0, 7, 0, 0, 0, 1, 0, 0, 0, 1]);
        for v in [1_700_000_000 + i, 0, p.len() as u32, p.len() as u32] {
            f.extend_from_slice(&v.to_le_bytes());
        }
        f.extend_from_slice(&p);
    }
    std::fs::write(path, f).expect("write the capture");
}

#[test]
fn an_encapsulation_not_decoded_is_named_once_per_capture() {
    let dir = std::env::temp_dir().join(format!("synack-pptp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let cap = dir.join("pptp.pcap");
    pptp_gre(5, &cap);
    let p = cap.to_str().expect("utf-8 path");
    let (code, out, err) = synack(&["-r", p, "-T", "fields", "-e", "gre.flags_and_version"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "0x3081\n".repeat(5));
    let warnings: Vec<&str> = err.lines().filter(|l| l.contains("does not decode")).collect();
    assert_eq!(
        warnings,
        [
            "synack: warning: 5 frames carry GRE version 1 with another protocol than PPP, which synack does not decode: \
             the connections inside are not tracked"
        ]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn conv_json_names_the_tunnel_and_its_outer_addresses() {
    // make_tunnel_captures.py puts the client's side of every outer IP header at .1 (192.0.2.1
    // or 2001:db8::1); link layers and label stacks (PPP, PPPoE, MPLS, 802.11) have no outer IP.
    for cap in captures().into_iter().filter(|c| name(c).starts_with("gen_")) {
        let n = name(&cap);
        let via = match n.trim_start_matches("gen_") {
            x if x.starts_with("gre") || x.starts_with("erspan") || x == "vxlan_in_gre.pcap" => Some("GRE"),
            x if x.starts_with("vxlan") => Some("VXLAN"),
            x if x.starts_with("geneve") => Some("Geneve"),
            x if x.starts_with("gtpu") => Some("GTP-U"),
            x if x.starts_with("ipip") => Some("IP in IP"),
            _ => None,
        };
        let (code, out, err) = synack(&["conv", "-T", "json", "-r", cap.to_str().expect("utf-8 path")]);
        assert_eq!(code, 0, "{err}");
        let want = match via {
            Some(v) if n.contains("4in6") || n.contains("6in6") => {
                format!("\"outer\": {{\"client\": \"2001:db8::1\", \"server\": \"2001:db8::2\", \"via\": \"{v}\"}}")
            }
            Some(v) => format!("\"outer\": {{\"client\": \"192.0.2.1\", \"server\": \"192.0.2.2\", \"via\": \"{v}\"}}"),
            None => "\"outer\": null".to_string(),
        };
        assert!(out.contains(&want), "{n}: want {want} in {out}");
    }
}
