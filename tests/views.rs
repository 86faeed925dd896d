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

/// The scenarios of issue 17, each a capture and a stream: their `ladder --explain` in English and
/// Korean are in tests/expected/cli/ladder/NAME-{en,ko}.txt, each read against the capture and
/// RFC 9293 (states as in tests/expected/tracker/).
const LADDERS: &[(&str, &str, &str)] = &[
    ("dns_then_http", "local_dns_then_http.pcap", "0"),
    ("close_client_first", "local_close_client_first.pcap", "0"),
    ("close_server_first", "local_close_server_first.pcap", "0"),
    ("http_get_ipv6", "local_http_get_ipv6.pcap", "0"),
    ("half_close", "local_half_close.pcap", "0"),
    ("simultaneous_open", "local_simultaneous_open.pcap", "1"),
    ("self_connect", "local_simultaneous_open.pcap", "0"),
    ("close_simultaneous", "local_close_simultaneous.pcap", "0"),
    ("close_crossing_at_client", "local_close_crossing_at_client.pcap", "0"),
    ("close_crossing_at_server", "local_close_crossing_at_server.pcap", "0"),
    ("refused", "local_refused.pcap", "0"),
    ("syn_retransmit", "local_syn_retransmit.pcap", "1"),
    ("syn_unanswered", "local_syn_unanswered.pcap", "1"),
    ("rst_in_syn_received_at_client", "local_rst_in_syn_received_at_client.pcap", "0"),
    ("rst_in_syn_received_at_server", "local_rst_in_syn_received_at_server.pcap", "0"),
    ("abort_rst", "local_abort_rst.pcap", "0"),
    ("rst_in_fin_wait_2", "local_rst_in_fin_wait_2.pcap", "0"),
    ("rst_in_close_wait", "local_rst_in_close_wait.pcap", "0"),
    ("tfo", "local_tfo_netns.pcap", "1"),
    ("midstream", "local_midstream.pcap", "0"),
    ("half_close_in_flight_at_client", "local_half_close_in_flight_at_client.pcap", "0"),
    ("half_close_in_flight_at_server", "local_half_close_in_flight_at_server.pcap", "0"),
    ("keepalive", "local_keepalive.pcap", "0"),
];

#[test]
fn ladder_explains_each_scenario_in_english_and_korean() {
    for (name, file, stream) in LADDERS {
        let c = cap(file);
        for lang in ["en", "ko"] {
            expect(
                &[
                    "ladder",
                    "-r",
                    &c,
                    "--stream",
                    stream,
                    "--explain",
                    "--lang",
                    lang,
                    "--width",
                    "100",
                    "--color",
                    "never",
                ],
                &format!("ladder/{name}-{lang}.txt"),
            );
        }
    }
}

/// The statements issue 17 found wrong, each where it was said.
#[test]
fn ladder_does_not_tell_the_old_wrong_stories() {
    let text = |file: &str, stream: &str| {
        let (code, out, err) = synack(&[
            "ladder",
            "-r",
            &cap(file),
            "--stream",
            stream,
            "--explain",
            "--width",
            "200",
            "--color",
            "never",
        ]);
        assert_eq!(code, 0, "{err}");
        out
    };
    let refused = text("local_refused.pcap", "0");
    for wrong in ["the server listens on port", "LISTEN → CLOSED", "initial RTT", "SYN → handshake ACK"] {
        assert!(!refused.contains(wrong), "refused: {wrong:?}\n{refused}");
    }
    assert!(refused.contains("verdict: refused: a RST answered the SYN after 0.013 ms"), "{refused}");
    let simultaneous = text("local_simultaneous_open.pcap", "1");
    for wrong in ["LISTEN → SYN_SENT", "2/3 SYN+ACK", "the server accepts", "Step 1/3"] {
        assert!(!simultaneous.contains(wrong), "simultaneous open: {wrong:?}\n{simultaneous}");
    }
    let selfc = text("local_simultaneous_open.pcap", "0");
    for wrong in ["client", "server", "1/3"] {
        assert!(
            !selfc.lines().skip(1).any(|l| l.contains(wrong) && !l.starts_with("negotiated")),
            "self-connect: {wrong:?}\n{selfc}"
        );
    }
    // A FIN that rides on the ACK of the peer's FIN: CLOSE_WAIT shows, and the active closer is
    // not "waiting for the peer's FIN" on the segment that carries it.
    let piggy = text("local_tfo_netns.pcap", "1");
    assert!(piggy.contains("server ESTABLISHED → CLOSE_WAIT"), "{piggy}");
    assert!(!piggy.contains("ESTABLISHED → LAST_ACK"), "{piggy}");
    assert!(piggy.contains("client FIN_WAIT_1 → FIN_WAIT_2 → TIME_WAIT"), "{piggy}");
    // "It can still receive" only where the peer does send after the FIN.
    for (file, stream) in [
        ("local_close_client_first.pcap", "0"),
        ("local_close_crossing_at_client.pcap", "0"),
        ("local_tfo_netns.pcap", "1"),
    ] {
        let out = text(file, stream);
        assert!(!out.contains("It can still receive"), "{file}: {out}");
    }
    assert!(text("local_half_close.pcap", "0").contains("It can still receive: the server sends more data in frame 7"));
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
    // Stream 1 there is four SYNs and nothing back (Zeek's S0).
    let (code, out, _) = synack(&["conv", "-r", &cap("local_syn_unanswered.pcap"), "-T", "csv"]);
    assert_eq!(code, 0);
    let row = out.lines().find(|l| l.starts_with("1,")).unwrap_or_default();
    assert!(row.contains(",unanswered,-,-,") && row.contains(",SYN_SENT,LISTEN,S0,S,,unanswered,"), "{out}");
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
    assert!(out.ends_with("\"layers\": {\n        \"dns.qry.name\": [\n          \"www.example.test\"\n        ]\n      }\n    }\n  }\n]\n"), "{out}");
    let (_, out, _) = synack(&[
        "-r",
        &c,
        "-T",
        "fields",
        "-e",
        "frame.number",
        "-Y",
        "synack.state.server == \"SYN_RECEIVED\" || dns.a == 127.0.0.2",
    ]);
    assert_eq!(out, "2\n3\n4\n");
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
        out.contains(
            "\nTCP handshake and states: Handshake 2/3 SYN+ACK · client SYN_SENT → ESTABLISHED · server SYN_RECEIVED\n"
        ),
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

#[test]
fn ladder_of_a_stream_the_capture_does_not_have_is_an_error() {
    // local_refused.pcap holds streams 0 and 1 (two refused connections); a UDP-only capture none.
    let (code, out, err) = synack(&["ladder", "-r", &cap("local_refused.pcap"), "--stream", "7"]);
    assert_eq!((code, out.as_str()), (2, ""), "{err}");
    assert_eq!(err.trim_end(), "synack: no TCP stream 7 in the capture: its streams are 0 to 1");
    let (code, _, err) = synack(&["ladder", "-r", &cap("local_dns_udp.pcap"), "--stream", "0"]);
    assert_eq!(code, 2);
    assert_eq!(err.trim_end(), "synack: no TCP stream 0 in the capture: it has no TCP connection");
    let (code, out, _) = synack(&["ladder", "-r", &cap("local_refused.pcap"), "--stream", "1", "--color", "never"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("TCP stream 1: "), "{out}");
}

#[test]
fn conv_table_in_colour_when_asked() {
    let c = cap("local_refused.pcap");
    let (code, plain, _) = synack(&["conv", "-r", &c]);
    assert_eq!(code, 0);
    assert!(!plain.contains('\x1b'), "{plain}");
    // States in green, a verdict that is a problem in red, the lines under the rows dim; the
    // columns stay where the plain table has them.
    let (code, coloured, _) = synack(&["conv", "-r", &c, "--color", "always"]);
    assert_eq!(code, 0);
    assert!(coloured.contains("\x1b[32mCLOSED\x1b[0m") && coloured.contains("\x1b[31mrefused\x1b[0m"), "{coloured}");
    let strip = |s: &str| {
        let mut out = String::new();
        let mut it = s.chars();
        while let Some(ch) = it.next() {
            if ch == '\x1b' {
                it.by_ref().take_while(|c| *c != 'm').for_each(drop);
            } else {
                out.push(ch);
            }
        }
        out
    };
    assert_eq!(strip(&coloured), plain);
}

#[test]
fn conv_table_details_under_every_row_past_the_held_rows() {
    // More connections than conv holds to size its columns: the rows after those are written as
    // they come, each still with its options and verdict lines.
    let dir = std::env::temp_dir().join(format!("synack-conv-rows-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let p = dir.join("flood.pcap");
    crate::limits::syn_flood(5000, &p);
    let (code, out, err) = synack(&["conv", "-r", p.to_str().expect("utf-8 path")]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 1 + 3 * 5000);
    for (k, row) in lines[1..].chunks(3).enumerate() {
        assert!(row[0].starts_with(&format!("{k} ")), "{row:?}");
        assert_eq!(row[1], format!("  stream {k}: client none; server -"));
        assert!(row[2].starts_with("    unanswered: "), "{row:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn protocol_names_filter_as_tshark_names_its_layers() {
    // tshark's frame.protocols lists the protocols of each frame; `-Y NAME` selects the frames
    // whose list has NAME (checked by hand with tshark -Y for every name on every capture).
    let names = [
        "frame", "eth", "vlan", "sll", "null", "ppp", "chdlc", "nflog", "radiotap", "wlan", "llc", "mpls", "pppoed",
        "pppoes", "ip", "ipv6", "icmp", "icmpv6", "gre", "erspan", "vxlan", "geneve", "teredo", "gtp", "tcp", "udp",
        "dns", "mdns", "llmnr",
    ];
    // Every capture in one file: one tshark run.
    let all = crate::support::all_captures();
    let p = all.to_str().expect("utf-8 path");
    let protos = crate::support::tshark(&["-r", p, "-T", "fields", "-e", "frame.protocols"]);
    let mut diffs = Vec::new();
    for name in names {
        let want: String = protos
            .lines()
            .enumerate()
            // frame.protocols leaves out "frame" itself, which every frame has.
            .filter(|(_, l)| name == "frame" || l.split(':').any(|x| x == name))
            .map(|(i, _)| format!("{}\n", i + 1))
            .collect();
        let (code, got, err) = synack(&["-r", p, "-Y", name, "-T", "fields", "-e", "frame.number"]);
        assert_eq!(code, 0, "{err}");
        if got != want {
            let (w, g): (Vec<&str>, Vec<&str>) = (want.lines().collect(), got.lines().collect());
            let only_t: Vec<&&str> = w.iter().filter(|x| !g.contains(x)).take(5).collect();
            let only_s: Vec<&&str> = g.iter().filter(|x| !w.contains(x)).take(5).collect();
            diffs.push(format!("-Y {name}: frames only tshark's {only_t:?}, only synack's {only_s:?}"));
        }
    }
    assert!(diffs.is_empty(), "{} differences: {diffs:?}", diffs.len());
}

/// synack(1) and one page per subcommand: a one-line NAME, a SYNOPSIS that names each
/// option's argument, EXAMPLES, EXIT STATUS, and SEE ALSO naming only pages that exist; each
/// page formats with groff without a warning.
#[test]
fn man_pages_for_the_command_and_each_subcommand() {
    let pages = ["", "conv", "ladder", "watch", "completions", "man"];
    for page in pages {
        let args: Vec<&str> = if page.is_empty() { vec!["man"] } else { vec!["man", page] };
        let (code, out, err) = synack(&args);
        assert_eq!(code, 0, "{page}: {err}");
        let title = if page.is_empty() { "synack".to_string() } else { format!("synack-{page}") };
        assert!(out.contains(&format!(".TH {title} 1")), "{page}: {out}");
        let name = out.split(".SH NAME\n").nth(1).and_then(|s| s.lines().next()).unwrap_or("");
        assert!(name.starts_with(&title.replace('-', "\\-")) && name.len() < 200, "{page}: NAME {name:?}");
        for section in [".SH SYNOPSIS", ".SH EXAMPLES", ".SH \"EXIT STATUS\"", ".SH \"SEE ALSO\""] {
            assert!(out.contains(section), "{page}: no {section}");
        }
        let synopsis = out.split(".SH SYNOPSIS\n").nth(1).and_then(|s| s.lines().next()).unwrap_or("");
        if page.is_empty() || page == "conv" || page == "ladder" {
            assert!(synopsis.contains("[\\fB\\-r\\fR \\fIFILE\\fR]"), "{page}: {synopsis}");
        }
        if page.is_empty() {
            assert!(synopsis.contains("\\fB\\-e\\fR \\fIFIELD\\fR]..."), "{synopsis}");
        }
        if page == "ladder" {
            for opt in ["\\-\\-explain", "\\-\\-lang", "\\-\\-stream"] {
                assert!(synopsis.contains(opt), "ladder: {opt} in {synopsis}");
            }
        }
        let see_also = out.split(".SH \"SEE ALSO\"\n").nth(1).unwrap_or("");
        for other in pages.iter().filter(|p| **p != page) {
            let want = if other.is_empty() { "synack(1)".to_string() } else { format!("synack\\-{other}(1)") };
            assert!(see_also.contains(&want), "{page}: SEE ALSO lacks {want}: {see_also}");
        }
        let path = std::env::temp_dir().join(format!("synack-man-{}-{page}.1", std::process::id()));
        std::fs::write(&path, &out).expect("write the page");
        let groff = std::process::Command::new("groff")
            .args(["-man", "-Tutf8", "-ww", "-z"])
            .arg(&path)
            .output()
            .unwrap_or_else(|e| panic!("cannot run groff ({e}): install it with tests/scripts/setup.sh"));
        let _ = std::fs::remove_file(&path);
        assert!(
            groff.status.success() && groff.stderr.is_empty(),
            "{page}: {}",
            String::from_utf8_lossy(&groff.stderr)
        );
    }
    let (code, _, err) = synack(&["man", "bogus"]);
    assert_eq!(code, 2);
    assert!(err.contains("no man page bogus"), "{err}");
    // The pages it offers are those above: each subcommand has one (watch once had none).
    let offered = err.trim().rsplit(": ").next().unwrap_or("").split(", ").collect::<Vec<_>>();
    let mut want: Vec<&str> = pages.iter().map(|p| if p.is_empty() { "synack" } else { p }).collect();
    let mut offered_sorted = offered.clone();
    offered_sorted.sort();
    want.sort();
    assert_eq!(offered_sorted, want, "{err}");
}

/// Completion scripts offer synack's field names after -e and -Y.
#[test]
fn completions_offer_field_names_after_e_and_y() {
    for shell in ["bash", "zsh", "fish"] {
        let (code, out, _) = synack(&["completions", shell]);
        assert_eq!(code, 0);
        for f in ["tcp.seq", "synack.state.server", "dns.qry.name", "ip.addr"] {
            assert!(out.contains(f), "{shell}: {f}");
        }
    }
    let (_, bash, _) = synack(&["completions", "bash"]);
    // bash: the words offered after -e and after -Y.
    for flag in ["-e)", "-Y)"] {
        let case =
            bash.split(&format!("                {flag}\n")).nth(1).and_then(|s| s.split(";;").next()).unwrap_or("");
        assert!(case.contains("synack.stage") && case.contains("compgen -W"), "bash {flag}: {case}");
    }
    // The field names are offered, not enforced: a bad one is still the usual error.
    let (code, _, err) = synack(&["-r", &cap("local_refused.pcap"), "-T", "fields", "-e", "tcp.nonsense"]);
    assert_eq!(code, 2);
    assert!(err.contains("Some fields aren't valid"), "{err}");
}

/// A connection whose tracking expired (idle past --idle-timeout) and that is seen again keeps
/// tshark's stream number: conv prints it as two rows of the same stream, the second marked.
#[test]
fn conv_marks_a_stream_seen_again_after_expiring() {
    let c = cap("ppp_dns_over_tcp.pcapng");
    let (code, csv, err) = synack(&["conv", "-r", &c, "-T", "csv"]);
    assert_eq!(code, 0, "{err}");
    let rows: Vec<(&str, &str)> =
        csv.lines().skip(1).map(|l| (l.split(',').next().unwrap_or(""), l.rsplit(',').next().unwrap_or(""))).collect();
    let zeros: Vec<&(&str, &str)> = rows.iter().filter(|(s, _)| *s == "0").collect();
    assert_eq!(zeros, [&("0", "1"), &("0", "2")], "{csv}");
    assert!(rows.iter().filter(|(s, _)| *s != "0").all(|(_, p)| *p == "1"), "{csv}");
    let (_, table, _) = synack(&["conv", "-r", &c, "--color", "never"]);
    assert_eq!(table.matches("  stream 0 again (part 2: ").count(), 1, "{table}");
    let (_, json, _) = synack(&["conv", "-r", &c, "-T", "json"]);
    assert!(json.contains("\"part\": 2"), "{json}");
}

/// `-V`: numbers with tshark's names, the flags block, and each TCP option in a block of its
/// own with kind and length; the options' lines are tshark's own, in order, on every capture
/// whose TCP options synack decodes.
#[test]
fn detail_view_names_values_and_lists_options_as_tshark() {
    let (code, out, _) = synack(&["-r", &cap("local_http_get_ipv4.pcap"), "-V", "-c", "1", "--color", "never"]);
    assert_eq!(code, 0);
    for line in [
        "\n    Type: IPv4 (0x0800)\n",
        "\n    Protocol: TCP (6)\n",
        "\n    Flags: 0x0002 (SYN)\n",
        "\n        Syn: Set\n",
        "\n    Options: (20 bytes), Maximum segment size, SACK permitted, Timestamps, No-Operation (NOP), Window scale\n",
        // synack's own option fields say what a value means too (RFC 7323 2.2).
        "\n    Window scale: multiply by 1024 (10)\n",
        "\n        TCP Option - Window scale: 10 (multiply by 1024)\n            Kind: Window Scale (3)\n            Length: 3\n            Shift count: 10\n            Multiplier: 1024\n",
    ] {
        assert!(out.contains(line), "{line:?} in {out}");
    }
    assert!(!out.contains("Kind: 2, 4") && !out.contains("Source or Destination"), "{out}");
    let option_lines = |text: &str| -> Vec<String> {
        text.lines()
            .map(str::trim)
            .filter(|l| l.starts_with("TCP Option - ") || l.starts_with("Options: (") || l.starts_with("Kind: "))
            .map(str::to_string)
            .collect()
    };
    let mut compared = 0;
    for c in crate::support::captures() {
        let n = crate::support::name(&c);
        if !n.starts_with("local_") {
            continue;
        }
        let p = c.to_str().expect("utf-8 path");
        let theirs = option_lines(&crate::support::tshark(&["-r", p, "-V"]));
        let (_, ours, _) = synack(&["-r", p, "-V", "--color", "never"]);
        let ours = option_lines(&ours);
        assert_eq!(ours, theirs, "{n}");
        compared += ours.len();
    }
    assert!(compared > 1000, "compared {compared} lines");
}

/// A text of several packets, each as its lines, split where a line starts with `Frame N: `.
fn by_frame(text: &str) -> std::collections::BTreeMap<u32, Vec<String>> {
    let mut out = std::collections::BTreeMap::new();
    let mut cur = None;
    for line in text.lines() {
        if let Some(n) = line.strip_prefix("Frame ").and_then(|r| r.split(':').next()).and_then(|n| n.parse().ok()) {
            cur = Some(n);
        }
        if let Some(n) = cur {
            out.entry(n).or_insert_with(Vec::new).push(line.to_string());
        }
    }
    out
}

/// `-O`: every layer synack reads gets tshark's title line (tshark run with -n: synack
/// resolves no names), in tshark's order, on every frame of every capture; only the named
/// protocols' trees are expanded.
#[test]
fn collapsed_trees_title_each_layer_as_tshark() {
    let all = crate::support::all_captures();
    let all = all.to_str().expect("utf-8 path");
    let theirs = by_frame(&crate::support::tshark(&["-n", "-r", all, "-O", "sctp"]));
    let (code, ours, err) = synack(&["-r", all, "-O", "sctp", "--color", "never"]);
    assert_eq!(code, 0, "{err}");
    let ours = by_frame(&ours);
    assert_eq!(ours.len(), theirs.len());
    let mut compared = 0;
    for (n, lines) in &ours {
        // synack does not read pcapng interface names: tshark's frame title ends with one.
        let t: Vec<String> =
            theirs[n].iter().map(|l| l.split(" on interface ").next().unwrap_or(l).to_string()).collect();
        let mut at = 0;
        // synack's own tree is the plugin's (tshark without it has none); tshark has more layers.
        for l in lines.iter().filter(|l| !l.is_empty() && !l.starts_with("TCP handshake and states")) {
            assert!(!l.starts_with(' '), "frame {n}: -O sctp expands nothing: {l:?}");
            match t[at..].iter().position(|x| x == l) {
                Some(i) => at += i + 1,
                None => panic!("frame {n}: {l:?} is not in tshark's titles (in order): {t:?}"),
            }
            compared += 1;
        }
    }
    assert!(compared > 20_000, "compared {compared} titles");

    let (_, out, _) = synack(&["-r", &cap("local_http_get_ipv4.pcap"), "-O", "tcp", "-c", "1", "--color", "never"]);
    assert!(
        out.contains(
            "Internet Protocol Version 4, Src: 127.0.0.1, Dst: 127.0.0.1\nTransmission Control Protocol, Src Port: "
        ) && out.contains(", Seq: 0, Len: 0\n    Source Port: "),
        "{out}"
    );
    // -V alone prints the trees only; -P adds tshark's summary line before each.
    let (_, v, _) = synack(&["-r", &cap("local_http_get_ipv4.pcap"), "-V", "-c", "1", "--color", "never"]);
    assert!(v.starts_with("Frame 1: ") && v.contains("\nTCP handshake and states: Handshake 1/3 SYN"), "{v}");
    let (_, p, _) = synack(&["-r", &cap("local_http_get_ipv4.pcap"), "-V", "-P", "-c", "1", "--color", "never"]);
    assert!(p.starts_with("    1 ") && p.contains("\nFrame 1: "), "{p}");
}

/// A `-x` dump as its data sources: name ("" when the packet has one only) and lines.
fn sources(packet: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in packet.lines() {
        if line.ends_with("):") {
            out.push((line.to_string(), String::new()));
        } else {
            if out.is_empty() {
                out.push((String::new(), String::new()));
            }
            if let Some(last) = out.last_mut() {
                last.1.push_str(line);
                last.1.push('\n');
            }
        }
    }
    out
}

/// `-x`: tshark's dump of the frame's bytes, and of an IP datagram the frame's fragment
/// completes, byte for byte on every frame of every capture (tshark's other sources come
/// from reassemblies synack does not do: HTTP bodies and the like).
#[test]
fn hex_dump_is_tsharks() {
    let all = crate::support::all_captures();
    let all = all.to_str().expect("utf-8 path");
    let theirs = crate::support::tshark(&["-r", all, "-x"]);
    let (code, ours, err) = synack(&["-r", all, "-x"]);
    assert_eq!(code, 0, "{err}");
    let theirs: Vec<&str> = theirs.split("\n\n").collect();
    let ours: Vec<&str> = ours.split("\n\n").collect();
    assert_eq!(ours.len(), theirs.len());
    let mut datagrams = 0;
    for (i, (o, t)) in ours.iter().zip(&theirs).enumerate() {
        let (o, t) = (sources(o), sources(t));
        let frame = |s: &[(String, String)]| s.first().map(|x| x.1.clone()).unwrap_or_default();
        assert_eq!(frame(&o), frame(&t), "frame {}", i + 1);
        let ip = |s: &[(String, String)]| -> Vec<(String, String)> {
            s.iter().filter(|x| x.0.starts_with("Reassembled IPv")).cloned().collect()
        };
        assert_eq!(ip(&o), ip(&t), "frame {}", i + 1);
        datagrams += ip(&o).len();
    }
    assert!(datagrams > 0, "no reassembled datagram dumped");
}

/// `synack watch`, not on a terminal: a table every --interval seconds (0: after each packet)
/// and a last one at the end, one row per connection, most recently active first, with both
/// endpoints' states after the connection's last segment (as -T fields shows them), the step
/// of the handshake reached, bytes each way and the verdict; -Y keeps the connections it selects.
#[test]
fn watch_tables_each_connection_with_its_last_states() {
    let (a, b) = (cap("local_dns_then_http.pcap"), cap("local_refused.pcap"));
    let (code, out, err) = synack(&["watch", "-r", &a, "-r", &b, "--interval", "3600"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.matches("synack watch: ").count(), 1, "{out}");
    let rows: Vec<Vec<&str>> =
        out.lines().skip(2).filter(|l| !l.is_empty()).map(|l| l.split_whitespace().collect()).collect();
    assert_eq!(rows.iter().map(|r| r[0]).collect::<Vec<_>>(), ["2", "1", "0"], "{out}");
    // Each stream's last states, as the per-packet fields give them.
    let (_, fields, _) = synack(&[
        "-r",
        &a,
        "-r",
        &b,
        "-T",
        "fields",
        "-e",
        "tcp.stream",
        "-e",
        "synack.state.client",
        "-e",
        "synack.state.server",
    ]);
    for r in &rows {
        let last = fields.lines().rfind(|l| l.split('\t').next() == Some(r[0])).expect("the stream's frames");
        let states: Vec<&str> = last.split('\t').skip(1).collect();
        assert_eq!(&r[4..6], &states[..], "stream {}: {out}", r[0]);
    }
    assert_eq!(&rows[0][1..4], ["127.0.0.1:48620", "127.0.0.2:80", "3/3"], "{out}");
    assert!(rows[0].ends_with(&["42", "166", "closed"]), "{out}");
    assert_eq!(&rows[1][1..4], ["[::1]:34854", "[::1]:18099", "1/3"], "{out}");
    assert_eq!(rows[1].last(), Some(&"refused"), "{out}");

    let (code, out, _) = synack(&["watch", "-r", &b, "-Y", "ipv6", "--interval", "0"]);
    assert_eq!(code, 0);
    // A table after each frame, and the last one.
    let frames = synack(&["-r", &b, "-T", "fields", "-e", "frame.number"]).1.lines().count();
    assert_eq!(out.matches("synack watch: ").count(), frames + 1, "{out}");
    assert!(out.contains(&format!("synack watch: 1 connections, {frames} frames\n")), "{out}");
    assert!(out.ends_with("refused\n\n") && !out.contains("127.0.0.1"), "{out}");
    // clap takes "nan" as a number: the default second then, not a panic.
    let (code, out, err) = synack(&["watch", "-r", &b, "--interval", "nan"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.matches("synack watch: ").count(), 1, "{out}");
}

/// Everything `on_terminal.py` saw a command write to a terminal of `rows` x `cols` after it
/// typed `keys` once `wait_for` appeared ("@N": after N seconds), and the exit code.
fn on_terminal(rows: u16, cols: u16, wait_for: &str, keys: &str, cmd: &[&str]) -> (i32, String) {
    let out = std::process::Command::new("python3")
        .arg(crate::support::root().join("tests/scripts/on_terminal.py"))
        .args([&rows.to_string(), &cols.to_string(), wait_for, keys, "--"])
        .args(cmd)
        .output()
        .expect("python3");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The screen part and, after it, what stays on the terminal, with the terminal's \r\n as \n.
fn split_screen(tty: &str) -> (&str, String) {
    let (enter, leave) = ("\x1b[?1049h", "\x1b[?1049l");
    assert!(tty.starts_with(enter), "no alternate screen: {tty:?}");
    let (screen, after) = tty.split_once(leave).expect("the alternate screen left");
    // The cursor shown again as the screen goes.
    let after = after.strip_prefix("\x1b[?25h").unwrap_or(after);
    (screen, after.replace("\r\n", "\n"))
}

/// `synack watch` on a terminal: the table drawn in place on the alternate screen (ratatui),
/// redrawn while the input is idle; q gives the terminal back and leaves the last table in the
/// scrollback, the same text as without a terminal. A pipe that goes quiet and never ends:
/// q ends at once.
#[test]
fn watch_on_a_terminal_redraws_in_place_and_quits_on_q() {
    let bin = crate::support::synack_binary();
    let bin = bin.to_str().expect("utf-8");
    let (a, b) = (cap("local_dns_then_http.pcap"), cap("local_refused.pcap"));
    let (_, plain, _) = synack(&["watch", "-r", &a, "-r", &b]);
    let (code, tty) = on_terminal(30, 160, "input", "q", &[bin, "watch", "-r", &a, "-r", &b, "--interval", "0.2"]);
    assert_eq!(code, 0, "{tty:?}");
    let (screen, after) = split_screen(&tty);
    assert_eq!(after, plain);
    // Each connection's cells were on the screen, and the end of the input was said.
    for cell in ["127.0.0.1:48620", "127.0.0.2:80", "[::1]:34854", "TIME_WAIT", "refused", "closed", "0.025", "input"] {
        assert!(screen.contains(cell), "{cell} not on the screen: {screen:?}");
    }

    // A FIFO whose writer stays: the frames are shown, then q ends synack without an end of input.
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("watch_tty");
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let fifo = dir.join("fifo");
    let _ = std::fs::remove_file(&fifo);
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo").success());
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let writer = {
        let (fifo, bytes) = (fifo.clone(), std::fs::read(&b).expect("capture"));
        std::thread::spawn(move || {
            use std::io::Write;
            let mut w = std::fs::OpenOptions::new().write(true).open(&fifo).expect("fifo");
            w.write_all(&bytes).expect("write");
            w.flush().expect("flush");
            let _ = rx.recv_timeout(std::time::Duration::from_secs(60));
        })
    };
    let started = std::time::Instant::now();
    let (code, tty) =
        on_terminal(30, 160, "@2", "q", &[bin, "watch", "-r", fifo.to_str().expect("utf-8"), "--interval", "0.2"]);
    let _ = tx.send(());
    writer.join().expect("writer");
    assert_eq!(code, 0, "{tty:?}");
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    let (screen, after) = split_screen(&tty);
    assert_eq!(after, synack(&["watch", "-r", &b]).1);
    assert!(screen.contains("[::1]:34854") && !screen.contains("input"), "{screen:?}");
}
