//! cargo-fuzz over dissector-core (targets in dissector-core/fuzz/): a short run of every target
//! from the committed seed corpus is part of the tests; a long run is
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run <target> -- -max_total_time=3600` in dissector-core/fuzz.
//! The seed corpus is made from tests/captures by the ignored test below.

use std::path::PathBuf;
use std::process::Command;

use dissector_core::{Dissector, Layer};

use crate::support::{captures, frames, root};

const TARGETS: [&str; 4] = ["frame", "dns_message", "tcp_options", "tracker"];
/// Every link type synack decodes.
const LINKTYPES: &[u32] = dissector_core::link::SUPPORTED;

fn fuzz_dir() -> PathBuf {
    root().join("dissector-core/fuzz")
}

/// Remake dissector-core/fuzz/corpus/ from the test captures (small: a few frames each).
#[test]
#[ignore = "run by hand to remake the committed seed corpus"]
fn write_fuzz_seed_corpus() {
    let base = fuzz_dir().join("corpus");
    for t in TARGETS {
        let d = base.join(t);
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).expect("corpus dir");
    }
    let put = |target: &str, name: String, bytes: &[u8]| {
        std::fs::write(base.join(target).join(name), bytes).expect("write seed");
    };
    for cap in captures() {
        let stem = cap.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let fr = frames(&cap);
        let mut seq = Vec::new();
        let mut d = Dissector::new();
        let mut scratch = Vec::new();
        for (i, (meta, data)) in fr.iter().enumerate() {
            let sel = LINKTYPES.iter().position(|l| *l == meta.linktype).unwrap_or(0) as u8;
            let cut = &data[..data.len().min(600)];
            if i < 12 {
                let mut f = vec![sel];
                f.extend_from_slice(cut);
                put("frame", format!("{stem}-{i}"), &f);
            }
            if seq.len() < 8000 && i < 40 {
                seq.push(sel);
                seq.extend_from_slice(&(cut.len() as u16).to_be_bytes());
                seq.extend_from_slice(cut);
            }
            let p = d.dissect(*meta, data, &mut scratch);
            for l in &p.layers {
                match l {
                    Layer::Tcp(t) if !t.options.is_empty() && i < 12 => {
                        let mut o = vec![t.options_len as u8];
                        for e in t.options.entries() {
                            o.extend_from_slice(e.raw);
                        }
                        put("tcp_options", format!("{stem}-{i}"), &o);
                    }
                    Layer::Udp(u) if i < 12 && !u.in_icmp => {
                        // The DNS message follows the UDP header: find the header in the frame.
                        let h = [
                            u.header.src_port.to_be_bytes(),
                            u.header.dst_port.to_be_bytes(),
                            u.header.length.to_be_bytes(),
                        ]
                        .concat();
                        if let Some(at) = data.windows(6).position(|w| w == h.as_slice()) {
                            if p.layers.iter().any(|l| matches!(l, Layer::Dns(_))) {
                                let mut m = vec![u8::from(u.header.src_port == 5353 || u.header.dst_port == 5353)];
                                m.extend_from_slice(&data[(at + 8).min(data.len())..]);
                                put("dns_message", format!("{stem}-{i}"), &m);
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        put("tracker", stem.clone(), &seq);
    }
}

fn cargo_fuzz_available() -> bool {
    Command::new("cargo").args(["fuzz", "--version"]).output().is_ok_and(|o| o.status.success())
}

#[test]
fn every_fuzz_target_runs_clean_from_the_seed_corpus() {
    assert!(
        cargo_fuzz_available(),
        "cargo-fuzz is missing: tests/scripts/setup.sh installs it (cargo install cargo-fuzz)"
    );
    let seconds = std::env::var("SYNACK_FUZZ_SECONDS").unwrap_or_else(|_| "5".into());
    for t in TARGETS {
        let seeds = fuzz_dir().join("corpus").join(t);
        assert!(std::fs::read_dir(&seeds).map(|d| d.count()).unwrap_or(0) > 0, "no seeds for {t}");
        // New inputs go to a scratch corpus; the committed seeds are read only.
        let scratch = std::env::temp_dir().join(format!("synack-fuzz-{t}-{}", std::process::id()));
        std::fs::create_dir_all(&scratch).expect("scratch corpus");
        let out = Command::new("cargo")
            .current_dir(fuzz_dir())
            .env("RUSTC_BOOTSTRAP", "1")
            .args(["fuzz", "run", t])
            .arg(&scratch)
            .arg(&seeds)
            .args(["--", &format!("-max_total_time={seconds}"), "-rss_limit_mb=1024", "-timeout=10"])
            .output()
            .expect("cargo fuzz run");
        let err = String::from_utf8_lossy(&out.stderr);
        let runs = err.lines().rev().find_map(|l| l.strip_prefix("Done ")).unwrap_or("?").to_string();
        eprintln!("fuzz {t}: {runs}");
        assert!(
            out.status.success(),
            "fuzz target {t} failed:\n{}",
            err.lines().rev().take(40).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join("\n")
        );
        let _ = std::fs::remove_dir_all(&scratch);
    }
}
