//! The Wireshark plugin, loaded by the installed tshark: its symbols, its registration, and
//! its output against the CLI's on every capture (single pass and -2), and the guarantee that
//! it changes nothing in tshark's own fields.

use crate::support::{all_captures, plugin_dir, synack, tshark, tshark_plugin};

fn synack_fields() -> Vec<&'static str> {
    dissector_core::FIELDS.iter().map(|f| f.abbrev).filter(|a| a.starts_with("synack.")).collect()
}

fn field_args(fields: &[&'static str]) -> Vec<&'static str> {
    let mut v = vec!["-T", "fields"];
    for f in fields {
        v.push("-e");
        v.push(f);
    }
    v
}

#[test]
fn exported_symbols_name_the_version_and_the_wireshark_it_was_built_for() {
    let dir = plugin_dir();
    let so = std::fs::read_dir(&dir)
        .expect("plugin folder")
        .filter_map(|e| e.ok())
        .map(|e| e.path().join("epan/synack.so"))
        .find(|p| p.exists())
        .expect("synack.so");
    let info = synack_plugin::ffi::load::read_plugin(&so).expect("load the plugin");
    assert_eq!(info.version, env!("CARGO_PKG_VERSION"));
    let v = synack_plugin::WIRESHARK_VERSION;
    let mm = synack_plugin::install::major_minor(v).expect("version");
    assert_eq!(info.want, mm, "built against {v}");
    assert!(info.has_register);
    // plugin_describe exists exactly when building for 4.2 or later.
    assert_eq!(info.has_describe, mm >= (4, 2));
    // The check command agrees with the installed tshark.
    let report = synack_plugin::install::check(Some(so)).expect("versions match");
    assert!(report.contains("ok: versions match"), "{report}");
}

#[test]
fn tshark_lists_the_plugin_and_every_field_of_the_table() {
    let (ok, out, err) = tshark_plugin(&["-G", "plugins"]);
    assert!(ok, "tshark -G plugins failed: {err}");
    assert!(out.lines().any(|l| l.starts_with("synack.so") && l.contains("dissector")), "{out}");
    let (ok, out, err) = tshark_plugin(&["-G", "fields"]);
    assert!(ok, "tshark -G fields failed (a registration mistake exits 2): {err}");
    let registered: Vec<Vec<&str>> =
        out.lines().map(|l| l.split('\t').collect()).filter(|c: &Vec<&str>| c.first() == Some(&"F")).collect();
    for f in dissector_core::FIELDS.iter().filter(|f| f.abbrev.starts_with("synack.")) {
        let row = registered
            .iter()
            .find(|c| c.get(2) == Some(&f.abbrev))
            .unwrap_or_else(|| panic!("{} not registered", f.abbrev));
        let (ft, _) = synack_plugin::anno::wireshark_type(f.ftype);
        assert_eq!((row[1], row[3], row[4]), (f.name, ft, "synack"), "{}", f.abbrev);
    }
    assert!(registered.iter().any(|c| c.get(2) == Some(&"synack.expert.ack_mismatch")));
}

#[test]
fn plugin_fields_equal_the_clis_on_every_capture_in_one_and_two_passes() {
    // Every capture in one file: one tshark run a pass, and connections that meet again
    // across captures (a port reused, one expired while idle and picked up again).
    let all = all_captures();
    let p = all.to_str().expect("utf-8 path");
    let fields = synack_fields();
    let mut compared = 0;
    for two in [false, true] {
        let mut args = if two { vec!["-2", "-r", p] } else { vec!["-r", p] };
        args.extend(field_args(&fields));
        let (ok, theirs, err) = tshark_plugin(&args);
        assert!(ok, "tshark failed: {err}");
        let (code, ours, err) = synack(&args);
        assert_eq!(code, 0, "{err}");
        let differ: Vec<String> = theirs
            .lines()
            .zip(ours.lines())
            .enumerate()
            .filter(|(_, (t, o))| t != o)
            .take(5)
            .map(|(i, (t, o))| format!("frame {}: tshark+plugin {t:?}, synack {o:?}", i + 1))
            .collect();
        assert!(differ.is_empty(), "two passes: {two}:\n{}", differ.join("\n"));
        assert_eq!(theirs.lines().count(), ours.lines().count(), "two passes: {two}");
        compared += ours.lines().filter(|l| l.chars().any(|c| c != '\t')).count();
    }
    assert!(compared > 3000, "only {compared} non-empty lines compared");
}

#[test]
fn tsharks_own_fields_are_unchanged_with_the_plugin() {
    let all = all_captures();
    let mut args = vec!["-r", all.to_str().expect("utf-8 path"), "-T", "fields"];
    for f in crate::crosscheck::FIELDS {
        args.push("-e");
        args.push(f);
    }
    let without = tshark(&args);
    let (ok, with, err) = tshark_plugin(&args);
    assert!(ok, "{err}");
    assert!(with == without, "the plugin changed tshark's own fields");
}

#[test]
fn expert_infos_and_the_info_column_preference() {
    let cap = crate::support::root().join("tests/captures/local_refused.pcap");
    let p = cap.to_str().expect("utf-8 path");
    // RST,ACK answering a SYN: a refused connection is a note in the handshake.
    let (ok, out, err) =
        tshark_plugin(&["-r", p, "-Y", "synack.expert.rst_in_handshake", "-T", "fields", "-e", "frame.number"]);
    assert!(ok, "{err}");
    assert_eq!(out, "2\n4\n");
    let (ok, out, _) = tshark_plugin(&["-r", p, "-T", "fields", "-e", "_ws.expert.message", "-Y", "frame.number == 2"]);
    assert!(ok);
    assert!(out.contains("RST during the handshake"), "{out}");
    // Off by default: tshark's Info column is untouched ...
    let args = ["-r", p, "-T", "fields", "-e", "_ws.col.Info", "-Y", "frame.number == 1"];
    let (_, plain, _) = tshark_plugin(&args);
    assert!(!plain.contains("[SYN 1/3]"), "{plain}");
    assert_eq!(plain, tshark(&args));
    // ... and on request it tags the handshake step.
    let mut tagged_args = vec!["-o", "synack.info_tags:TRUE"];
    tagged_args.extend(args);
    let (ok, tagged, err) = tshark_plugin(&tagged_args);
    assert!(ok, "{err}");
    assert_eq!(tagged.trim_end(), format!("{} [SYN 1/3]", plain.trim_end()));
}

#[test]
fn filters_work_on_plugin_fields() {
    let cap = crate::support::root().join("tests/captures/local_close_client_first.pcap");
    let p = cap.to_str().expect("utf-8 path");
    let (ok, out, err) =
        tshark_plugin(&["-r", p, "-Y", "synack.state.server == \"CLOSE_WAIT\"", "-T", "fields", "-e", "frame.number"]);
    assert!(ok, "{err}");
    // RFC 9293 Figure 12: the server is CLOSE_WAIT from the arrival of the client's FIN (8)
    // until it sends its own (10).
    assert_eq!(out, "8\n9\n");
    let (ok, out, _) = tshark_plugin(&["-r", p, "-Y", "synack.stage == 2", "-T", "fields", "-e", "frame.number"]);
    assert!(ok);
    assert_eq!(out, "2\n");
    // Values with their meaning: the window-scale shift names its multiplier, in the tree and
    // in filters, as the CLI's -V does.
    let http = crate::support::cap("local_http_get_ipv4.pcap");
    let (ok, tree, _) = tshark_plugin(&["-r", &http, "-V", "-c", "1"]);
    assert!(ok && tree.contains("    [Window scale: multiply by 1024 (10)]\n"), "{tree}");
    let by = |f: &str| tshark_plugin(&["-r", &http, "-Y", f, "-T", "fields", "-e", "frame.number"]).1;
    assert_eq!(by("synack.opt.ws == \"multiply by 1024\""), by("synack.opt.ws == 10"));
    assert_eq!(by("synack.opt.ws == 10"), "1\n2\n");
}

#[test]
fn wireshark_gui_shows_the_subtree_with_the_clis_values() {
    // The Qt GUI under Xvfb, driven by tests/scripts/gui_screenshot.sh: it opens the bundled
    // sample with the plugin, selects the SYN+ACK (frame 4), expands synack's subtree and takes a
    // screenshot; a Lua tap inside the GUI writes what the GUI's dissection put in synack.stage
    // and synack.summary for every TCP frame.
    let root = crate::support::root();
    let cap = root.join("tests/captures/local_dns_then_http.pcap");
    let tmp = std::env::temp_dir().join(format!("synack-gui-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("temp dir");
    let png = tmp.join("details.png");
    let tsv = tmp.join("gui-fields.tsv");
    let st = std::process::Command::new(root.join("tests/scripts/gui_screenshot.sh"))
        .arg(plugin_dir())
        .arg(&cap)
        .arg("4")
        .arg(&png)
        .arg(&tsv)
        .arg(root.join("plugin/profile"))
        .status()
        .expect("run tests/scripts/gui_screenshot.sh (needs wireshark-qt, xvfb, xdotool, imagemagick: tests/scripts/setup.sh)");
    assert!(st.success(), "the GUI screenshot script failed");
    let size = std::fs::metadata(&png).map(|m| m.len()).unwrap_or(0);
    assert!(size > 20_000, "screenshot too small ({size} bytes): {}", png.display());
    let gui = std::fs::read_to_string(&tsv).expect("the Lua tap's output");
    let fields = "-T fields -e frame.number -e synack.stage -e synack.summary";
    let args: Vec<&str> = ["-r", cap.to_str().expect("utf-8")].into_iter().chain(fields.split(' ')).collect();
    let (code, cli, err) = synack(&args);
    assert_eq!(code, 0, "{err}");
    let cli: Vec<&str> = cli.lines().collect();
    let rows: Vec<&str> = gui.lines().collect();
    assert!(rows.len() >= 12, "the GUI dissected too few TCP frames:\n{gui}");
    for row in rows {
        let n: usize = row.split('\t').next().and_then(|x| x.parse().ok()).expect("frame number");
        assert_eq!(Some(row), cli.get(n - 1).copied(), "GUI and CLI differ on frame {n}");
    }
    assert!(gui.contains("4\t2\tHandshake 2/3 SYN+ACK · client SYN_SENT → ESTABLISHED · server SYN_RECEIVED"), "{gui}");
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn an_encapsulation_not_decoded_is_named_on_its_first_frame() {
    let dir = std::env::temp_dir().join(format!("synack-plugin-pptp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let cap = dir.join("pptp.pcap");
    crate::tunnels::pptp_gre(5, &cap);
    let p = cap.to_str().expect("utf-8 path");
    // One pass knows one frame when it shows the first; two passes know all five.
    for (two, count) in [(false, "1 frame"), (true, "5 frames")] {
        let mut args = vec!["-r", p, "-Y", "synack.expert.undecoded", "-T", "fields", "-e", "frame.number", "-e"];
        args.push("_ws.expert.message");
        if two {
            args.insert(0, "-2");
        }
        let (ok, out, err) = tshark_plugin(&args);
        assert!(ok, "{err}");
        // tshark adds its own expert infos to the frame's list (a bogus inner IP version here).
        let want = format!(
            "synack does not decode GRE version 1 with another protocol than PPP ({count} so far, the first here): the \
             connections inside are not tracked"
        );
        assert!(out.starts_with("1\t") && out.lines().count() == 1 && out.contains(&want), "{out}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Expert infos reach the expert tap, which asks for no tree: `tshark -z expert` (and so
/// Wireshark's Expert Information dialog, which retaps the same way) lists each one synack
/// raises in the tree, as many times, under the protocol `synack`.
#[test]
fn expert_tap_lists_each_expert_info_the_tree_shows() {
    // The tree cuts a long label shorter than the tap's summary: the first 120 characters.
    let head = |m: &str| m.chars().take(120).collect::<String>();
    let all = all_captures();
    let p = all.to_str().expect("utf-8 path");
    let mut in_tree: std::collections::BTreeMap<String, u32> = std::collections::BTreeMap::new();
    let (ok, tree, err) = tshark_plugin(&["-r", p, "-V"]);
    assert!(ok, "{err}");
    // synack's subtree is a top-level tree; its expert infos are the items in it.
    let mut in_synack = false;
    for line in tree.lines() {
        if !line.starts_with(' ') {
            // (A generated item: its title in brackets.)
            in_synack = line.trim_start_matches('[').starts_with("TCP handshake and states");
            continue;
        }
        // A label too long for the tree starts "[ [truncated]".
        let item = line.trim().replacen("[ [truncated]", "[", 1);
        if let Some(rest) = item.strip_prefix("[Expert Info (").filter(|_| in_synack) {
            let (kind, msg) = rest.split_once("): ").expect("(Severity/Group): message");
            let group = kind.split('/').nth(1).unwrap_or("");
            *in_tree.entry(format!("{group}\t{}", head(msg.trim_end_matches(']')))).or_default() += 1;
        }
    }
    let (ok, z, err) = tshark_plugin(&["-q", "-r", p, "-z", "expert"]);
    assert!(ok, "{err}");
    let mut tapped: std::collections::BTreeMap<String, u32> = std::collections::BTreeMap::new();
    for line in z.lines() {
        // "   Frequency      Group           Protocol  Summary"
        let cols: Vec<&str> = line.split_whitespace().collect();
        if cols.len() > 3 && cols[2] == "synack" {
            if let Ok(n) = cols[0].parse::<u32>() {
                let msg = line.trim_start().split_once(" synack  ").map_or("", |x| x.1).trim_end();
                *tapped.entry(format!("{}\t{}", cols[1], head(msg))).or_default() += n;
            }
        }
    }
    let kinds: std::collections::BTreeSet<&str> =
        in_tree.keys().map(|k| k.split('\t').nth(1).unwrap_or("").split(':').next().unwrap_or("")).collect();
    assert!(kinds.len() >= 5, "too few kinds of expert info to show anything: {kinds:?}");
    let differ: Vec<String> = in_tree
        .iter()
        .filter(|(k, n)| tapped.get(*k) != Some(n))
        .map(|(k, n)| format!("{k}: tree {n}, tap {:?}", tapped.get(k)))
        .chain(
            tapped
                .iter()
                .filter(|(k, _)| !in_tree.contains_key(*k))
                .map(|(k, n)| format!("{k}: tap {n}, not in the tree")),
        )
        .collect();
    assert!(differ.is_empty(), "tshark -z expert and the tree differ:\n{}", differ.join("\n"));
}

/// The `synack` profile (`wireshark -C synack`, written by `synack-plugin install`) through
/// tshark, which reads profiles as Wireshark does: the state columns in the packet list, the
/// colouring rules on the frames they name, and filter buttons that tshark accepts and that
/// select frames.
#[test]
fn the_synack_profile_shows_states_colours_and_buttons() {
    // tshark_plugin's HOME: Wireshark reads its profiles under ~/.config/wireshark.
    let home = crate::support::tshark_home();
    let dir = synack_plugin::install::install_profile(&home.join(".config/wireshark")).expect("install the profile");
    let cap = |n: &str| crate::support::cap(n);
    let (ok, list, err) = tshark_plugin(&["-C", "synack", "-r", &cap("local_dns_then_http.pcap"), "-c", "5"]);
    assert!(ok, "{err}");
    let line = |n: usize| list.lines().nth(n - 1).unwrap_or_default().to_string();
    assert!(line(3).contains(" SYN SYN_SENT SYN_RECEIVED client CLOSED → SYN_SENT"), "{list}");
    assert!(line(4).contains(" SYN+ACK ESTABLISHED SYN_RECEIVED client SYN_SENT → ESTABLISHED "), "{list}");
    assert!(line(5).contains(" ACK ESTABLISHED ESTABLISHED server SYN_RECEIVED → ESTABLISHED "), "{list}");

    // Each rule's background, as tshark's PSML writes it (#rrggbb from 16-bit channels).
    let rules = std::fs::read_to_string(dir.join("colorfilters")).expect("colorfilters");
    let background = |name: &str| -> String {
        let l = rules.lines().find(|l| l.starts_with(&format!("@synack: {name}"))).expect("the rule");
        let bg =
            l.rsplit('@').next().and_then(|c| c.strip_prefix('[')).and_then(|c| c.split(']').next()).expect("[bg]");
        let c: Vec<u32> = bg.split(',').map(|x| x.parse::<u32>().expect("channel") >> 8).collect();
        format!("background='#{:02x}{:02x}{:02x}'", c[0], c[1], c[2])
    };
    let frames_of = |cap: &str, filter: &str| -> Vec<usize> {
        let (ok, out, err) = tshark_plugin(&["-r", cap, "-Y", filter, "-T", "fields", "-e", "frame.number"]);
        assert!(ok, "{err}");
        out.lines().map(|l| l.parse().expect("frame number")).collect()
    };
    for (file, rule, filter) in [
        ("local_syn_unanswered.pcap", "SYN or SYN+ACK retransmitted", "synack.expert.syn_retransmission"),
        ("local_syn_unanswered.pcap", "handshake 1/3", "synack.stage == 1 && !synack.expert.syn_retransmission"),
        ("local_refused.pcap", "refused", "synack.expert.rst_in_handshake"),
        ("local_dns_then_http.pcap", "handshake 2/3", "synack.stage == 2"),
    ] {
        let p = cap(file);
        let (ok, psml, err) = tshark_plugin(&["-C", "synack", "--color", "-T", "psml", "-r", &p]);
        assert!(ok, "{err}");
        let packets: Vec<&str> = psml.lines().filter(|l| l.starts_with("<packet")).collect();
        let frames = frames_of(&p, filter);
        assert!(!frames.is_empty(), "{file}: nothing for {filter}");
        for n in frames {
            assert!(packets[n - 1].contains(&background(rule)), "{file} frame {n}: {} for {rule:?}", packets[n - 1]);
        }
    }

    let all = all_captures();
    let all = all.to_str().expect("utf-8 path");
    let buttons = std::fs::read_to_string(dir.join("dfilter_buttons")).expect("dfilter_buttons");
    let mut labels = Vec::new();
    for b in buttons.lines().filter(|l| l.starts_with('"')) {
        // "TRUE","label","filter","comment"; a quote inside a field is \x22, as Wireshark writes it.
        let inner = b.strip_prefix('"').and_then(|x| x.strip_suffix('"')).expect("quoted fields");
        let fields: Vec<String> = inner.split("\",\"").map(|f| f.replace("\\x22", "\"")).collect();
        assert_eq!(fields.len(), 4, "{b}");
        assert!(!frames_of(all, &fields[2]).is_empty(), "button {:?} selects nothing", fields[1]);
        labels.push(fields[1].clone());
    }
    assert_eq!(labels, ["Handshakes", "Refused", "Unanswered", "Resets"]);
}

/// `synack-plugin install` as a user would run it: the plugin in the personal folder of the
/// Wireshark it was built for, without its debug info (most of the built file), loaded by
/// tshark from there, the profile beside it; `uninstall` removes the plugin.
#[test]
fn install_puts_a_stripped_plugin_where_wireshark_loads_it() {
    plugin_dir(); // builds the plugin (debug) next to the installer
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let root = crate::support::root();
    let st = std::process::Command::new(cargo)
        .args(["build", "--quiet", "-p", "synack-plugin", "--bin", "synack-plugin"])
        .current_dir(&root)
        .status()
        .expect("cargo build");
    assert!(st.success());
    let target =
        std::env::var("CARGO_TARGET_DIR").map(std::path::PathBuf::from).unwrap_or_else(|_| root.join("target"));
    let installer = target.join("debug/synack-plugin");
    let home = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("install-home");
    let _ = std::fs::remove_dir_all(&home);
    std::fs::create_dir_all(&home).expect("home");
    let run = |cmd: &str| {
        let out = std::process::Command::new(&installer)
            .arg(cmd)
            .env("HOME", &home)
            .env_remove("XDG_CONFIG_HOME")
            .output()
            .expect("synack-plugin");
        assert!(out.status.success(), "{cmd}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let said = run("install");
    assert!(said.contains("wireshark -C synack") && !said.contains("strip (binutils) did not run"), "{said}");
    let v = synack_plugin::install::installed_wireshark().expect("tshark's version");
    let (major, minor) = synack_plugin::install::major_minor(&v).expect("major.minor");
    let plugins = home.join(".local/lib/wireshark/plugins");
    let so = plugins.join(format!("{major}.{minor}/epan/synack.so"));
    let built = std::fs::metadata(target.join("debug/libsynack_plugin.so")).expect("built").len();
    let installed = std::fs::metadata(&so).expect("installed").len();
    assert!(installed * 2 < built, "not stripped: {installed} of {built} bytes");
    let sections = std::process::Command::new("readelf").arg("-S").arg(&so).output().expect("readelf");
    assert!(!String::from_utf8_lossy(&sections.stdout).contains(".debug_info"));
    // Loaded from there, as the user's tshark would (WIRESHARK_PLUGIN_DIR: root ignores HOME's).
    let mut cmd = std::process::Command::new("unshare");
    cmd.args(["-U", "tshark", "-G", "plugins"]).env("WIRESHARK_PLUGIN_DIR", &plugins).env("HOME", &home);
    let listed = String::from_utf8_lossy(&cmd.output().expect("tshark").stdout).into_owned();
    assert!(listed.lines().any(|l| l.starts_with("synack.so")), "{listed}");
    assert!(home.join(".config/wireshark/profiles/synack/preferences").exists());
    assert!(run("uninstall").contains("removed"));
    assert!(!so.exists());
}

/// One stats tree row: depth (leading spaces), name, count and, when shown, the average.
fn stats_rows(z: &str) -> Vec<(usize, String, u64, Option<f64>)> {
    z.lines()
        .skip_while(|l| !l.starts_with("Topic / Item"))
        .skip(2)
        .take_while(|l| !l.starts_with("---"))
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let depth = l.len() - l.trim_start().len();
            let cols: Vec<&str> = l.trim().split("  ").map(str::trim).filter(|c| !c.is_empty()).collect();
            let average = cols.get(2).and_then(|a| a.parse::<f64>().ok()).filter(|_| cols.len() > 7);
            (depth, cols[0].to_string(), cols[1].parse().expect("count"), average)
        })
        .collect()
}

/// Statistics → TCP handshakes (`tshark -z synack,tree`), on every capture with two passes:
/// each count is what the per-frame fields of the same run give when counted by hand,
/// connection by connection (synack.stream): the step each reached, its verdict's outcome and
/// findings, what its handshake negotiated (synack.mss.* both, synack.ws.*, synack.sack,
/// synack.ts on the 3rd step; TFO and ECN from the findings), both ends' states on the frame
/// with its verdict, and the iRTTs (count, average and ranges). With one pass, connections
/// still open have no verdict yet and say so.
#[test]
fn statistics_tree_counts_connections_as_the_fields_do() {
    use std::collections::{BTreeMap, BTreeSet};
    let all = all_captures();
    let p = all.to_str().expect("utf-8");
    let (ok, z, err) = tshark_plugin(&["-2", "-q", "-r", p, "-z", "synack,tree"]);
    assert!(ok, "{err}");
    assert!(z.contains("TCP handshakes:"), "{z}");
    let rows = stats_rows(&z);
    // Each row under its parent: (parent, name) -> count.
    let mut got: BTreeMap<(String, String), u64> = BTreeMap::new();
    let mut path: Vec<String> = Vec::new();
    for (depth, name, count, _) in &rows {
        path.truncate(*depth);
        let parent = path.last().cloned().unwrap_or_default();
        path.push(name.clone());
        if *count > 0 {
            got.insert((parent, name.clone()), *count);
        }
    }

    let fields = [
        "synack.stream",
        "synack.stage",
        "synack.inferred",
        "synack.verdict.code",
        "synack.state.client",
        "synack.state.server",
        "synack.irtt",
        "synack.mss.client",
        "synack.mss.server",
        "synack.ws.client",
        "synack.sack",
        "synack.ts",
    ];
    let (ok, out, err) = tshark_plugin(&[&["-2", "-r", p][..], &field_args(&fields)].concat());
    assert!(ok, "{err}");
    #[derive(Default)]
    struct Conn {
        stage: u8,
        simultaneous: bool,
        inferred: bool,
        codes: Vec<String>,
        end: String,
        irtt: Option<f64>,
        options: BTreeSet<&'static str>,
    }
    let mut conns: BTreeMap<u32, Conn> = BTreeMap::new();
    for line in out.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let Ok(stream) = f[0].parse::<u32>() else { continue };
        let c = conns.entry(stream).or_default();
        let stage: u8 = f[1].parse().unwrap_or(0);
        c.simultaneous |= stage >= 4;
        c.stage = c.stage.max(match stage {
            4 => 1,
            5 => 2,
            s => s,
        });
        c.inferred |= f[2] == "1";
        if !f[3].is_empty() {
            c.codes = f[3].split(',').map(String::from).collect();
            c.end = format!("{} / {}", f[4], f[5]);
        }
        if c.irtt.is_none() && !f[6].is_empty() {
            c.irtt = Some(f[6].parse::<f64>().expect("irtt") * 1e3);
        }
        // The 3rd step (or a simultaneous open's completion) carries what was negotiated.
        if !f[7].is_empty() || !f[9].is_empty() || !f[10].is_empty() || !f[11].is_empty() {
            c.stage = 3;
            for (on, name) in [
                (!f[7].is_empty() && !f[8].is_empty(), "MSS (both announced)"),
                (!f[9].is_empty(), "window scaling"),
                (f[10] == "1", "SACK"),
                (f[11] == "1", "timestamps"),
            ] {
                if on {
                    c.options.insert(name);
                }
            }
        }
    }
    let mut want: BTreeMap<(String, String), u64> = BTreeMap::new();
    let mut add = |g: &str, n: &str| *want.entry((g.to_string(), n.to_string())).or_default() += 1;
    let mut completed = 0;
    let mut irtts = Vec::new();
    for c in conns.values() {
        add("", "Connections");
        let step = match (c.stage, c.simultaneous, c.inferred) {
            (3, true, _) => "completed (simultaneous open)",
            (3, ..) => "completed (3/3)",
            (2, ..) => "SYN+ACK, no ACK (2/3)",
            (1, ..) => "SYN only (1/3)",
            (_, _, true) => "picked up mid-stream",
            _ => "no handshake seen",
        };
        add("Handshake reached", step);
        add("Outcome", &c.codes[0]);
        for f in &c.codes[1..] {
            add("Findings", f);
        }
        add("States at the end (client / server)", &c.end);
        if c.stage == 3 {
            completed += 1;
        }
        for o in &c.options {
            add("Options negotiated", o);
        }
        for (code, o) in [("tfo-accepted", "TCP Fast Open (data taken)"), ("ecn", "ECN")] {
            if c.codes.iter().any(|x| x == code) {
                add("Options negotiated", o);
            }
        }
        irtts.extend(c.irtt);
    }
    let buckets = ["0-99", "100-999", "1000-9999", "10000-99999", "100000-999999", "1000000-"];
    for ms in &irtts {
        let us = (ms * 1e3).floor() as u64;
        let b = [100, 1000, 10_000, 100_000, 1_000_000, u64::MAX].iter().position(|top| us < *top).expect("bucket");
        add("Initial RTT by range (µs)", buckets[b]);
    }
    let n = conns.len() as u64;
    for g in ["Handshake reached", "Outcome", "Findings", "States at the end (client / server)"] {
        want.insert(("Connections".into(), g.into()), n);
    }
    want.insert(("Connections".into(), "Options negotiated".into()), completed);
    want.insert(("".into(), "Initial RTT by range (µs)".into()), irtts.len() as u64);
    want.insert(("".into(), "Initial RTT (ms)".into()), irtts.len() as u64);
    assert!(n > 100 && irtts.len() > 50 && want.len() > 40, "too few to tell: {n} connections");
    assert_eq!(got, want, "{z}");
    // The iRTT average, to the tree's two decimals.
    let avg = rows.iter().find(|r| r.1 == "Initial RTT (ms)").and_then(|r| r.3).expect("an average");
    let mean = irtts.iter().sum::<f64>() / irtts.len() as f64;
    assert!((avg - mean).abs() < 0.01, "{avg} vs {mean}");

    // One pass: the connections with no verdict by the end are "not known yet".
    let (ok, z1, err) = tshark_plugin(&["-q", "-r", p, "-z", "synack,tree"]);
    assert!(ok, "{err}");
    let (ok, v1, err) = tshark_plugin(&["-r", p, "-T", "fields", "-e", "synack.stream", "-e", "synack.verdict.code"]);
    assert!(ok, "{err}");
    let mut with_verdict = BTreeSet::new();
    let mut streams = BTreeSet::new();
    for l in v1.lines() {
        let (s, v) = l.split_once('\t').unwrap_or((l, ""));
        if !s.is_empty() {
            streams.insert(s.to_string());
            if !v.is_empty() {
                with_verdict.insert(s.to_string());
            }
        }
    }
    let rows1 = stats_rows(&z1);
    let count = |name: &str| rows1.iter().find(|r| r.1 == name).map(|r| r.2).expect(name);
    assert_eq!(count("Connections"), n);
    assert_eq!(count("not known yet (open, in one pass)"), (streams.len() - with_verdict.len()) as u64, "{z1}");
    assert!(count("not known yet (open, in one pass)") > 0);
}

/// The plugin's store keeps 32 bytes per TCP frame (in chunks, so the last chunk's room is
/// the only slack) and nothing for other frames: the TCP options and the DNS summaries are read
/// back from the frame's bytes, except where those alone do not give them (a segment from a
/// reassembled IP datagram, DNS over TCP or in a tunnel; a response's request frame and time). On every capture, what it shows is
/// what a plain dissection of the frame showed.
#[test]
fn plugin_store_keeps_32_bytes_per_tcp_frame_and_rereads_the_rest() {
    use dissector_core::{Dissector, Options};
    use synack_plugin::store::Store;
    let (mut tcp, mut rows, mut with_options, mut with_dns, mut dns_kept, mut frames_seen) = (0, 0, 0, 0, 0, 0);
    let mut dns_answered = 0;
    for path in crate::support::captures() {
        let frames = crate::support::frames(&path);
        let mut store = Store::new();
        let mut plain = Dissector::with_options(Options { collect_late: true, revisions: true, ..Options::default() });
        let mut want = Vec::new();
        let mut scratch = Vec::new();
        for (meta, data) in &frames {
            store.first_pass(*meta, data);
            let pkt = plain.dissect(*meta, data, &mut scratch);
            tcp += usize::from(pkt.track.is_some());
            let reassembled = pkt.reassembled.is_some();
            let a = synack_plugin::anno::annotate(&pkt, false);
            want.push((a.as_ref().and_then(|a| a.options.clone()), a.map(|a| a.dns).unwrap_or_default(), reassembled));
        }
        store.finalize();
        for ((meta, data), (options, dns, reassembled)) in frames.iter().zip(&want) {
            let got = store.anno(*meta, data, true);
            let at = format!("{}: frame {}", path.display(), meta.number);
            assert_eq!(&got.as_ref().and_then(|a| a.options.clone()), options, "{at}");
            assert_eq!(&got.map(|a| a.dns).unwrap_or_default(), dns, "{at}");
            with_options += usize::from(options.is_some());
            with_dns += usize::from(!dns.is_empty());
            assert!(options.is_none() || !reassembled || store.footprint().options_kept > 0, "{at}");
        }
        let f = store.footprint();
        assert!(f.row_bytes <= 32 * f.rows + 32 * 4096, "{}: {f:?}", path.display());
        rows += f.rows;
        dns_kept += f.dns_kept;
        dns_answered += f.dns_answered;
        frames_seen += frames.len();
    }
    eprintln!(
        "store: {rows} rows for {frames_seen} frames; options of {with_options}, DNS of {with_dns} frames shown, \
         {dns_kept} DNS kept, {dns_answered} read again with their request's frame and time"
    );
    assert_eq!(rows, tcp, "one row per tracked TCP frame, none for others");
    assert!(with_options > 1000 && with_dns > 300, "{with_options} {with_dns}");
    // Kept: DNS over TCP and in tunnels, and datagrams whose DNS the first pass did not show.
    // A plain datagram's response keeps only its request's frame and time.
    assert!(dns_kept * 10 < with_dns, "{dns_kept} of {with_dns} DNS frames kept ({frames_seen} frames)");
    assert!(dns_answered * 10 > with_dns, "{dns_answered} of {with_dns}");
}
