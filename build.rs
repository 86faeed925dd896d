//! Build script of the Wireshark plugin (plugin/Cargo.toml points here).
//!
//! For now it only finds the installed Wireshark with pkg-config and records its version, which
//! later selects version-specific code (4.2+ `plugin_describe`, 4.4 `tvb_get_uint*`). Binding
//! generation (bindgen) and the C shims (cc) arrive with the plugin itself.

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=../build.rs");
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_PATH");
    println!("cargo::rustc-check-cfg=cfg(ws_4_2)");
    println!("cargo::rustc-check-cfg=cfg(ws_4_4)");
    let out = Command::new("pkg-config").args(["--modversion", "wireshark"]).output();
    let version = match out {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).trim().to_string(),
        _ => {
            println!(
                "cargo:warning=Wireshark development files not found by pkg-config; \
                 install them with: apt-get install libwireshark-dev libglib2.0-dev pkg-config"
            );
            return;
        }
    };
    println!("cargo:rustc-env=SYNACK_WIRESHARK_VERSION={version}");
    let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    if (major, minor) >= (4, 2) {
        println!("cargo:rustc-cfg=ws_4_2");
    }
    if (major, minor) >= (4, 4) {
        println!("cargo:rustc-cfg=ws_4_4");
    }
}
