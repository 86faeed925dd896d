//! The CLI on good and bad input: exit statuses, warnings, standard input, header and
//! separators.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::support::{cap, synack, synack_binary};

#[test]
fn unknown_field_is_a_usage_error() {
    let (code, out, err) = synack(&["-r", &cap("local_refused.pcap"), "-T", "fields", "-e", "tcp.nonsense"]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(err.contains("Some fields aren't valid") && err.contains("tcp.nonsense"), "{err}");
}

#[test]
fn not_a_capture_is_an_input_error() {
    let (code, _, err) = synack(&["-r", &cap("../exceptions.tsv"), "-T", "fields", "-e", "frame.number"]);
    assert_eq!(code, 2);
    assert!(err.contains("not a pcap or pcapng capture"), "{err}");
}

#[test]
fn missing_file_is_an_input_error() {
    let (code, _, err) = synack(&["-r", "/nonexistent.pcap", "-T", "fields", "-e", "frame.number"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot open"), "{err}");
}

#[test]
fn file_cut_short_prints_every_whole_packet_then_warns() {
    let bytes = std::fs::read(cap("local_http_get_ipv4.pcap")).unwrap();
    // 24-byte header, then records of 16 + 74 bytes: cut the third record in half.
    let cut = 24 + 2 * (16 + 74) + 50;
    let path = std::env::temp_dir().join("synack-cut-short.pcap");
    std::fs::write(&path, &bytes[..cut]).unwrap();
    let (code, out, err) =
        synack(&["-r", path.to_str().unwrap(), "-T", "fields", "-e", "frame.number", "-e", "tcp.flags.str"]);
    assert_eq!(code, 0);
    assert_eq!(out, "1\t··········S·\n2\t·······A··S·\n");
    assert!(err.contains("cut short") && err.contains("after frame 2"), "{err}");
}

#[test]
fn truncated_packet_yields_empty_fields_and_a_warning_naming_the_frame() {
    // tcp-malformed: frame 1 carries fewer bytes than a TCP header.
    let (code, out, err) =
        synack(&["-r", &cap("ppp_tcp-malformed.pcap"), "-T", "fields", "-e", "frame.number", "-e", "tcp.seq"]);
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), 2);
    assert!(err.contains("frame 1:"), "{err}");
}

#[test]
fn header_separator_and_occurrence_options() {
    let (code, out, _) = synack(&[
        "-r",
        &cap("local_dns_udp.pcap"),
        "-T",
        "fields",
        "-E",
        "header=y",
        "-E",
        "separator=,",
        "-E",
        "occurrence=f",
        "-e",
        "frame.number",
        "-e",
        "dns.resp.type",
        "-c",
        "2",
    ]);
    assert_eq!(code, 0);
    assert_eq!(out, "frame.number,dns.resp.type\n1,41\n2,1\n");
}

#[test]
fn reads_standard_input() {
    let bin = synack_binary();
    let mut child = Command::new(bin)
        .args(["-r", "-", "-T", "fields", "-e", "tcp.options.mss_val"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let bytes = std::fs::read(cap("ppp_one_tcp_rst.pcap")).unwrap();
    child.stdin.take().unwrap().write_all(&bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), "1460\n\n");
}

#[test]
fn closed_pipe_is_not_an_error() {
    let bin = synack_binary();
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "{} -r {} -T fields -e frame.number | head -1; exit ${{PIPESTATUS:-0}}",
            bin.display(),
            cap("ppp_sll.pcap")
        ))
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), "1\n");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("Broken pipe"));
}

/// The CLI skips the tracker only when nothing printed or filtered on needs it: a filter on a
/// tracker field still works when the printed fields do not need it (tshark: frames 2, 4, ...,
/// 28 are the responses, each with a dns.time).
#[test]
fn a_filter_on_a_tracker_field_keeps_the_tracker_on() {
    let p = cap("local_dns_udp.pcap");
    let (code, out, err) = synack(&["-r", &p, "-T", "fields", "-e", "frame.number", "-Y", "dns.time"]);
    assert_eq!(code, 0, "{err}");
    let want: Vec<String> = (2..=28).step_by(2).map(|n: u32| n.to_string()).collect();
    assert_eq!(out.lines().collect::<Vec<_>>(), want);
    let (code, out, err) =
        synack(&["-r", &p, "-T", "fields", "-e", "dns.qry.name", "-e", "synack.dns.summary", "-c", "2"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.lines().all(|l| l.split('\t').nth(1).is_some_and(|s| !s.is_empty())), "{out}");
}

/// A pipe that a producer writes slowly (as `dumpcap -w -` does): each packet's line comes out
/// as soon as its record is complete, before the next one is written, even when the file
/// header itself arrives in two pieces.
#[test]
fn a_slow_pipe_shows_each_packet_as_it_arrives() {
    let bytes = std::fs::read(cap("local_dns_then_http.pcap")).expect("capture");
    // pcap: a 24-byte header, then records of a 16-byte header (caplen at 8..12) and the bytes.
    assert_eq!(bytes[..4], [0xd4, 0xc3, 0xb2, 0xa1], "a little-endian microsecond pcap");
    let record = |at: usize| {
        let caplen = u32::from_le_bytes([bytes[at + 8], bytes[at + 9], bytes[at + 10], bytes[at + 11]]) as usize;
        at + 16 + caplen
    };
    let first_end = record(24);
    let second_end = record(first_end);
    let mut child = Command::new(synack_binary())
        .args(["-r", "-", "-T", "fields", "-e", "frame.number"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn synack");
    let mut stdin = child.stdin.take().expect("stdin");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stdout).lines() {
            if tx.send(line.unwrap_or_default()).is_err() {
                break;
            }
        }
    });
    let wait = std::time::Duration::from_secs(30);
    stdin.write_all(&bytes[..10]).expect("write");
    std::thread::sleep(std::time::Duration::from_millis(200));
    stdin.write_all(&bytes[10..first_end]).expect("write");
    assert_eq!(rx.recv_timeout(wait).as_deref(), Ok("1"), "frame 1 before frame 2 is written");
    stdin.write_all(&bytes[first_end..second_end]).expect("write");
    assert_eq!(rx.recv_timeout(wait).as_deref(), Ok("2"), "frame 2 before frame 3 is written");
    stdin.write_all(&bytes[second_end..]).expect("write");
    drop(stdin);
    let rest: Vec<String> = rx.iter().collect();
    let status = child.wait().expect("wait");
    assert!(status.success());
    assert_eq!(rest.first().map(String::as_str), Some("3"));
    assert_eq!(
        rest.len() + 2,
        synack(&["-r", &cap("local_dns_then_http.pcap"), "-T", "fields", "-e", "frame.number"]).1.lines().count()
    );
}

/// Several files as one capture: a capture cut into pieces with `editcap -c`, given as a
/// folder, or as files in any order (they are read in the order of their first packets), reads
/// as the whole: the same fields (states, sequence analysis, DNS links, verdicts) in one and two
/// passes, and the same conv rows, though the connections run across the cuts.
#[test]
fn pieces_of_a_capture_read_as_the_whole() {
    let fields = [
        "-T",
        "fields",
        "-e",
        "frame.number",
        "-e",
        "tcp.stream",
        "-e",
        "synack.stage",
        "-e",
        "synack.state.client",
        "-e",
        "synack.state.server",
        "-e",
        "tcp.analysis.retransmission",
        "-e",
        "dns.response_in",
        "-e",
        "synack.verdict",
    ];
    for (name, per_piece) in [("local_sack_loss_netns.pcap", "40"), ("ppp_sll.pcap", "100")] {
        let whole = cap(name);
        let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("pieces-{name}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("tmp dir");
        let st = Command::new("editcap")
            .args(["-c", per_piece, &whole])
            .arg(dir.join("piece.pcap"))
            .status()
            .expect("editcap (tests/scripts/setup.sh installs it with tshark)");
        assert!(st.success());
        let mut pieces: Vec<String> = std::fs::read_dir(&dir)
            .expect("pieces")
            .map(|e| e.expect("entry").path().to_string_lossy().into_owned())
            .collect();
        assert!(pieces.len() >= 3, "{name}: {pieces:?}");
        // Given backwards: the order of their first packets is what counts.
        pieces.sort();
        pieces.reverse();
        let backwards: Vec<&str> = pieces.iter().flat_map(|p| ["-r", p.as_str()]).collect();
        let folder = dir.to_str().expect("utf-8 path");
        for two in [&[][..], &["-2"]] {
            let run = |input: &[&str]| {
                let (code, out, err) = synack(&[two, input, &fields].concat());
                assert_eq!(code, 0, "{err}");
                out
            };
            let want = run(&["-r", &whole]);
            assert_eq!(run(&["-r", folder]), want, "{name} as a folder (two passes: {})", !two.is_empty());
            assert_eq!(run(&backwards), want, "{name} as files given backwards");
        }
        let conv = |input: &[&str]| synack(&[&["conv", "-T", "csv"][..], input].concat()).1;
        assert_eq!(conv(&["-r", folder]), conv(&["-r", &whole]), "{name}: conv");
    }
}
