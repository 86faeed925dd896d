//! How users get synack: the Debian package (plugin/make-deb.sh) installed in a clean Debian 12
//! root made with debootstrap, and `cargo install --path cli` for the command alone.
//!
//! The package test needs root (chroot, dpkg) and the root that
//! `tests/scripts/wireshark_versions.sh root 4.0` makes (CI does); otherwise it says so and passes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::{all_captures, cap, root, synack};

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("Uid:")).map(|l| l.split_whitespace().nth(1) == Some("0")))
        .unwrap_or(false)
}

fn target() -> PathBuf {
    std::env::var("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|_| root().join("target"))
}

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn ok(what: &str, out: std::io::Result<Output>) -> String {
    let out = out.unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(out.status.success(), "{what}: {}\n{}", String::from_utf8_lossy(&out.stderr), text(&out));
    text(&out)
}

/// A command inside the Debian root: as root, or as `nobody` with a HOME of its own.
fn in_root(debian: &Path, user: bool, args: &[&str]) -> std::io::Result<Output> {
    let mut cmd = Command::new("chroot");
    if user {
        cmd.arg("--userspec=65534:65534");
    }
    let path = if user { "PATH=/usr/bin:/bin" } else { "PATH=/usr/sbin:/usr/bin:/sbin:/bin" };
    cmd.arg(debian).args(["env", "-i", path, "LC_ALL=C.UTF-8"]);
    cmd.arg(if user { "HOME=/tmp/home-nobody" } else { "HOME=/root" });
    cmd.args(args).output()
}

#[test]
fn debian_package_installs_in_a_clean_debian_and_works_there() {
    let base =
        std::env::var("SYNACK_WS_DIR").map(PathBuf::from).unwrap_or_else(|_| root().join("target/wireshark-versions"));
    let debian = base.join("4.0/root");
    if !is_root() || !debian.join("usr/bin/tshark").exists() {
        eprintln!(
            "package test skipped: needs root and a Debian 12 root (tests/scripts/wireshark_versions.sh root 4.0)"
        );
        return;
    }
    let out_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("debian");
    let made = ok("plugin/make-deb.sh", Command::new(root().join("plugin/make-deb.sh")).arg(&out_dir).output());
    let deb = PathBuf::from(made.lines().last().expect("make-deb.sh prints the package's path"));

    // What the package holds: the command, a man page for each page it offers, completions, and
    // the plugin, stripped, in the system folder of the Wireshark it was built for.
    let listing = ok("dpkg-deb -c", Command::new("dpkg-deb").arg("-c").arg(&deb).output());
    let (_, pages, _) = synack(&["man", "--list"]);
    let mut want = vec!["./usr/bin/synack".to_string()];
    for page in pages.lines() {
        let name = if page == "synack" { "synack".to_string() } else { format!("synack-{page}") };
        want.push(format!("./usr/share/man/man1/{name}.1.gz"));
    }
    let plugin = "/usr/lib/x86_64-linux-gnu/wireshark/plugins/4.0/epan/synack.so";
    want.extend(
        [
            plugin,
            "/usr/share/bash-completion/completions/synack",
            "/usr/share/zsh/vendor-completions/_synack",
            "/usr/share/fish/vendor_completions.d/synack.fish",
            "/usr/share/wireshark/profiles/synack/preferences",
            "/usr/share/wireshark/profiles/synack/colorfilters",
            "/usr/share/wireshark/profiles/synack/dfilter_buttons",
        ]
        .map(|p| format!(".{p}")),
    );
    for w in &want {
        assert!(listing.lines().any(|l| l.ends_with(&format!(" {w}"))), "{w} not in the package:\n{listing}");
    }
    let unpacked = out_dir.join("unpacked");
    let _ = std::fs::remove_dir_all(&unpacked);
    ok("dpkg-deb -x", Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&unpacked).output());
    for f in ["usr/bin/synack", &plugin[1..]] {
        let sections = ok("readelf -S", Command::new("readelf").arg("-SW").arg(unpacked.join(f)).output());
        // (.debug_gdb_scripts is loaded code's gdb hook, not debug info.)
        for kept in [".debug_info", ".debug_line", ".symtab"] {
            assert!(!sections.contains(kept), "{f} keeps {kept}:\n{sections}");
        }
    }

    // Installed with dpkg alone: the root's packages (Debian 12 with tshark) satisfy Depends.
    let _ = in_root(&debian, false, &["dpkg", "--purge", "synack"]);
    std::fs::copy(&deb, debian.join("tmp/synack.deb")).expect("copy the package into the root");
    ok("dpkg -i", in_root(&debian, false, &["dpkg", "-i", "/tmp/synack.deb"]));
    let caps = debian.join("captures");
    std::fs::create_dir_all(&caps).expect("captures folder in the root");
    let sample = cap("local_dns_then_http.pcap");
    for (from, to) in [(PathBuf::from(&sample), "sample.pcap"), (all_captures(), "all.pcapng")] {
        std::fs::copy(&from, caps.join(to)).expect("copy a capture into the root");
    }
    ok("chmod", Command::new("chmod").args(["-R", "a+rX"]).arg(&caps).output());
    let home = debian.join("tmp/home-nobody");
    let _ = std::fs::remove_dir_all(&home);
    std::fs::create_dir_all(&home).expect("HOME for nobody");
    ok("chown", Command::new("chown").args(["65534:65534"]).arg(&home).output());

    // The command runs there as it does here.
    let ladder = ok("synack ladder", in_root(&debian, true, &["synack", "ladder", "-r", "/captures/sample.pcap"]));
    let (code, here, err) = synack(&["ladder", "-r", &sample]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(ladder, here, "synack ladder in the Debian root");

    // tshark, as a normal user, finds the plugin in the system folder and prints the CLI's values.
    let plugins = ok("tshark -G plugins", in_root(&debian, true, &["tshark", "-G", "plugins"]));
    assert!(plugins.lines().any(|l| l.starts_with("synack.so") && l.ends_with(plugin)), "{plugins}");
    let fields = [
        "-T",
        "fields",
        "-e",
        "frame.number",
        "-e",
        "synack.stage",
        "-e",
        "synack.state.client",
        "-e",
        "synack.state.server",
        "-e",
        "synack.transition",
    ];
    for two in [false, true] {
        let mut args = vec!["-r", "/captures/all.pcapng"];
        if two {
            args.insert(0, "-2");
        }
        args.extend(fields);
        let theirs = ok("tshark -T fields", in_root(&debian, true, &[&["tshark"], &args[..]].concat()));
        let all = all_captures();
        let ours_args: Vec<&str> =
            args.iter().map(|a| if *a == "/captures/all.pcapng" { all.to_str().unwrap() } else { a }).collect();
        let (code, ours, err) = synack(&ours_args);
        assert_eq!(code, 0, "{err}");
        assert!(theirs.lines().count() > 1000, "{theirs}");
        assert!(theirs == ours, "tshark with the packaged plugin (two passes: {two}) differs from the CLI");
    }
    // The global profile: tshark -C copies it into the user's folder and shows its columns.
    let columns = ok(
        "tshark -C synack",
        in_root(&debian, true, &["tshark", "-C", "synack", "-r", "/captures/sample.pcap", "-Y", "tcp.flags.syn == 1"]),
    );
    assert!(columns.contains("SYN_SENT") && columns.contains("SYN_RECEIVED"), "{columns}");

    // Removed without a trace.
    ok("dpkg --purge", in_root(&debian, false, &["dpkg", "--purge", "synack"]));
    for gone in
        ["usr/bin/synack", &plugin[1..], "usr/share/wireshark/profiles/synack", "usr/share/man/man1/synack.1.gz"]
    {
        assert!(!debian.join(gone).exists(), "{gone} left after dpkg --purge");
    }
    let _ = std::fs::remove_file(debian.join("tmp/synack.deb"));
}

/// `cargo install --path cli`, for the command alone (no Wireshark development files needed).
#[test]
fn cargo_install_puts_the_command_in_its_root() {
    let dest = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cargo-install");
    let _ = std::fs::remove_dir_all(&dest);
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    ok(
        "cargo install --path cli",
        Command::new(cargo)
            .args(["install", "--quiet", "--locked", "--path", "cli", "--root"])
            .arg(&dest)
            .arg("--target-dir")
            .arg(target())
            .current_dir(root())
            .output(),
    );
    let bin = dest.join("bin/synack");
    let version = ok("synack -v", Command::new(&bin).arg("-v").output());
    assert!(version.starts_with(&format!("synack {}", env!("CARGO_PKG_VERSION"))), "{version}");
    let sample = cap("local_dns_then_http.pcap");
    let installed = ok("installed synack", Command::new(&bin).args(["conv", "-r", &sample]).output());
    let (code, here, err) = synack(&["conv", "-r", &sample]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(installed, here);
}
