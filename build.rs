//! Build script of the Wireshark plugin (plugin/Cargo.toml points here).
//!
//! 1. Finds the installed Wireshark with pkg-config and records its version: the plugin ABI
//!    (`plugin_want_major/minor`) comes from that install's `ws_version.h`, and cfgs select the
//!    code that differs between versions (`ws_4_2`: `plugin_describe`; `ws_4_4`: renamed tvb
//!    accessors).
//! 2. Generates narrow bindings with bindgen: allowlists name every function, type and constant
//!    the plugin uses, nothing else.
//! 3. Compiles the C shims (plugin/shim.c) with cc: every Wireshark call that may throw (longjmp)
//!    is made there inside TRY/CATCH, never from a Rust frame.
//!
//! Missing pieces stop the build with one message naming the packages to install.

use std::env;
use std::path::PathBuf;
use std::process::Command;

const PACKAGES: &str = "libwireshark-dev libwiretap-dev libwsutil-dev libglib2.0-dev libclang-dev pkg-config";

fn fail(what: &str) -> ! {
    eprintln!("\nerror: {what}\n  synack's Wireshark plugin needs Wireshark's development files and libclang.");
    eprintln!("  On Debian/Ubuntu: sudo apt-get install {PACKAGES}");
    eprintln!("  (or run tests/scripts/setup.sh). To build only the CLI: cargo build -p synack\n");
    panic!("{what}");
}

fn pkg_config(args: &[&str]) -> Option<String> {
    let out = Command::new("pkg-config").args(args).arg("wireshark").output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn main() {
    println!("cargo:rerun-if-changed=../build.rs");
    println!("cargo:rerun-if-changed=wrapper.h");
    println!("cargo:rerun-if-changed=shim.c");
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_PATH");
    println!("cargo::rustc-check-cfg=cfg(ws_4_2)");
    println!("cargo::rustc-check-cfg=cfg(ws_4_4)");

    let Some(version) = pkg_config(&["--modversion"]) else {
        fail("pkg-config cannot find wireshark (wireshark.pc)");
    };
    let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    if (major, minor) < (4, 0) {
        fail(&format!("Wireshark {version} is too old: synack's plugin needs 4.0 or newer"));
    }
    println!("cargo:rustc-env=SYNACK_WIRESHARK_VERSION={version}");
    if (major, minor) >= (4, 2) {
        println!("cargo:rustc-cfg=ws_4_2");
    }
    if (major, minor) >= (4, 4) {
        println!("cargo:rustc-cfg=ws_4_4");
    }

    let cflags = pkg_config(&["--cflags"]).unwrap_or_default();
    let includes: Vec<PathBuf> =
        cflags.split_whitespace().filter_map(|f| f.strip_prefix("-I")).map(PathBuf::from).collect();
    let libs = pkg_config(&["--libs"]).unwrap_or_default();
    for dir in libs.split_whitespace().filter_map(|f| f.strip_prefix("-L")) {
        println!("cargo:rustc-link-search=native={dir}");
    }

    let here = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into()));
    let mut cc = cc::Build::new();
    cc.file(here.join("shim.c")).include(&here).warnings(true);
    for i in &includes {
        cc.include(i);
    }
    if let Err(e) = cc.try_compile("synack_shim") {
        fail(&format!("compiling plugin/shim.c against Wireshark {version} failed: {e}"));
    }
    // After the shim (static, linked first), so that --as-needed keeps what the shim calls.
    // wtap_pcap_encap_to_wtap_encap lives in libwiretap, which wireshark.pc does not list.
    for lib in ["wireshark", "wiretap", "wsutil", "glib-2.0"] {
        println!("cargo:rustc-link-lib=dylib={lib}");
    }

    let mut b = bindgen::Builder::default()
        .header(here.join("wrapper.h").to_string_lossy())
        .allowlist_function("synack_.*")
        .blocklist_function("synack_stats_.*")
        .allowlist_function("proto_register_protocol")
        .allowlist_function("proto_register_field_array")
        .allowlist_function("proto_register_subtree_array")
        .allowlist_function("proto_register_plugin")
        .allowlist_function("create_dissector_handle")
        .allowlist_function("register_postdissector")
        .allowlist_function("register_init_routine")
        .allowlist_function("register_cleanup_routine")
        .allowlist_function("expert_register_protocol")
        .allowlist_function("expert_register_field_array")
        .allowlist_function("prefs_register_protocol")
        .allowlist_function("prefs_register_bool_preference")
        .allowlist_function("register_tap")
        .allowlist_type("hf_register_info")
        .allowlist_type("ei_register_info")
        .allowlist_type("value_string")
        .allowlist_type("proto_plugin")
        .allowlist_type("synack_frame_t")
        .allowlist_type("synack_item_t")
        .allowlist_var("SYNACK_ITEM_.*")
        .allowlist_type("field_display_e")
        .allowlist_var("WIRESHARK_VERSION_MAJOR")
        .allowlist_var("WIRESHARK_VERSION_MINOR")
        .allowlist_var("PI_(SEQUENCE|MALFORMED|PROTOCOL|UNDECODED)")
        .allowlist_var("PI_(CHAT|NOTE|WARN|ERROR)")
        .opaque_type("_packet_info")
        .opaque_type("tvbuff")
        .opaque_type("_stats_tree")
        .opaque_type("_proto_node")
        .rustified_enum("ftenum")
        .rustified_enum("field_display_e")
        .derive_default(true)
        .layout_tests(false)
        .generate_comments(false);
    for i in &includes {
        b = b.clang_arg(format!("-I{}", i.display()));
    }
    // Without libclang, bindgen panics inside clang-sys: turn that into the same message.
    let generated = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| b.generate()));
    let bindings = match generated {
        Ok(Ok(g)) => g,
        Ok(Err(e)) => fail(&format!("bindgen could not read Wireshark {version}'s headers: {e}")),
        Err(_) => fail("bindgen could not load libclang"),
    };
    let out = PathBuf::from(env::var("OUT_DIR").unwrap_or_else(|_| ".".into())).join("bindings.rs");
    if let Err(e) = bindings.write_to_file(&out) {
        fail(&format!("cannot write {}: {e}", out.display()));
    }
}
