//! Live capture through dumpcap (`-i`), inside a private network namespace (`unshare -rn`, lo
//! up) where tests/scripts/live_traffic.py makes a DNS lookup and a TCP connection: what is
//! shown live equals what `-r` shows of the file `-w` saved; `-c`, Ctrl-C and the errors.

use std::process::Command;

use crate::support::{root, synack, synack_binary};

const FIELDS: [&str; 10] =
    ["-T", "fields", "-e", "frame.number", "-e", "dns.qry.name", "-e", "synack.stage", "-e", "synack.state.server"];

/// Run `script` with sh in a new network namespace whose lo is up; returns (status, stdout, stderr).
fn in_namespace(script: &str) -> (bool, String, String) {
    let out = Command::new("unshare")
        .args(["-rn", "sh", "-c", &format!("ip link set lo up && {script}")])
        .current_dir(root())
        .output()
        .expect("unshare (util-linux)");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Ctrl-C (SIGINT to synack) ends the capture cleanly: every packet shown, the file complete,
/// exit status 0; the lines are those `-r` gives on the file.
#[test]
fn live_capture_shows_what_the_saved_file_shows() {
    let bin = synack_binary();
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("live");
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let saved = dir.join("saved.pcapng");
    let _ = std::fs::remove_file(&saved);
    let script = format!(
        "{} -i lo -w {} {} & pid=$!; sleep 2; python3 tests/scripts/live_traffic.py; sleep 0.5; kill -INT $pid; wait $pid",
        bin.display(),
        saved.display(),
        FIELDS.join(" ")
    );
    let (ok, live, err) = in_namespace(&script);
    assert!(ok, "{err}");
    assert!(err.contains("Capturing on"), "{err}");
    let (code, from_file, e) = synack(&[&["-r", saved.to_str().expect("utf-8")][..], &FIELDS].concat());
    assert_eq!(code, 0, "{e}");
    assert_eq!(live, from_file);
    // The lookup, then the handshake's three steps.
    assert!(live.contains("\tlive.example.test\t"), "{live}");
    for stage in ["\t1\t", "\t2\t", "\t3\t"] {
        assert!(live.contains(stage), "{stage:?} in {live}");
    }
}

/// `-c N` stops after N packets on its own (dumpcap is told too).
#[test]
fn live_capture_stops_after_c_packets() {
    let script = format!(
        "(sleep 2; python3 tests/scripts/live_traffic.py) & {} -i lo -c 5 -a duration:30 -T fields -e frame.number",
        synack_binary().display()
    );
    let (ok, out, err) = in_namespace(&script);
    assert!(ok, "{err}");
    assert_eq!(out, "1\n2\n3\n4\n5\n");
}

/// Not allowed to capture (an unprivileged user namespace, outside its network namespace):
/// dumpcap's message, then what to do, exit status 2. No dumpcap: said so. Flags that need a
/// live capture, or that a live capture cannot honour, are usage errors.
#[test]
fn live_capture_errors_say_what_to_do() {
    let out = Command::new("unshare")
        .args(["-U"])
        .arg(synack_binary())
        .args(["-i", "lo", "-c", "1"])
        .output()
        .expect("unshare");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("wireshark group") && err.contains("setcap"), "{err}");

    let out = Command::new(synack_binary())
        .args(["-i", "lo"])
        .env("SYNACK_DUMPCAP", "/nonexistent/dumpcap")
        .output()
        .expect("synack");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("needs dumpcap"), "{err}");

    for args in [
        &["-i", "lo", "-r", "x.pcap"][..],
        &["-r", "x.pcap", "-w", "y.pcapng"],
        &["-i", "lo", "-2"],
        &["-i", "lo", "-a", "forever"],
        &["-i", "lo", "-a", "files:3"],
    ] {
        let (code, _, err) = synack(args);
        assert_eq!(code, 2, "{args:?}: {err}");
    }
    let (code, out, err) = synack(&["-D"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.lines().any(|l| l.contains(". lo")), "{out}");
}

/// `synack watch -i lo` on a terminal: the connection is drawn as it happens; q stops dumpcap,
/// gives the terminal back and leaves the last table, the one `watch -r` gives on the `-w` file;
/// dumpcap's "Capturing on" waits until the screen is gone rather than cutting into it.
#[test]
fn live_watch_on_a_terminal_quits_on_q() {
    let bin = synack_binary();
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("live_watch");
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let saved = dir.join("saved.pcapng");
    let _ = std::fs::remove_file(&saved);
    let script = format!(
        "(sleep 2; python3 tests/scripts/live_traffic.py) & python3 tests/scripts/on_terminal.py 30 160 @5 q -- \
         {} watch -i lo -w {} --interval 0.2",
        bin.display(),
        saved.display()
    );
    let (ok, tty, err) = in_namespace(&script);
    assert!(ok, "{err} {tty:?}");
    let (screen, after) = tty.split_once("\x1b[?1049l").expect("the alternate screen left");
    assert!(screen.starts_with("\x1b[?1049h") && !screen.contains("Capturing"), "{screen:?}");
    let after = after.strip_prefix("\x1b[?25h").unwrap_or(after).replace("\r\n", "\n");
    let (code, from_file, e) = synack(&["watch", "-r", saved.to_str().expect("utf-8")]);
    assert_eq!(code, 0, "{e}");
    assert!(from_file.contains(" 3/3 "), "{from_file}");
    // The table, then dumpcap's message that was held.
    assert!(after.starts_with(&from_file) && after[from_file.len()..].contains("Capturing on"), "{after:?}");
}
