//! synack's Wireshark plugin.
//!
//! Not built yet: this crate currently only checks, through the top-level `build.rs`, which
//! Wireshark is installed, and names the fields the plugin will register. The C-ABI
//! post-dissector (bindgen bindings, C shims for Wireshark's exceptions, registration of the
//! `synack.*` fields) is the plugin issue's work; nothing here claims to load into Wireshark.
#![deny(unsafe_code)]

use dissector_core::fields::{FieldInfo, FIELDS};

/// The Wireshark version this crate was configured against (`major.minor.micro`), if found.
pub const WIRESHARK_VERSION: Option<&str> = option_env!("SYNACK_WIRESHARK_VERSION");

/// The fields the plugin registers: synack's own, not the tshark-compatible ones.
pub fn plugin_fields() -> impl Iterator<Item = &'static FieldInfo> {
    FIELDS.iter().filter(|f| f.abbrev.starts_with("synack."))
}
