//! synack's Wireshark plugin: a post-dissector (`synack`) that shows, for every TCP segment, the
//! handshake step, both endpoints' RFC 9293 states and what changed, the negotiated options,
//! the DNS lookup behind the connection, and expert infos for handshake anomalies.
//!
//! The same core as the `synack` CLI computes everything; the fields are registered from the
//! core's one field table, so `tshark -e synack.X` prints what `synack -e synack.X` prints.
//! `unsafe` is denied here and allowed only in `ffi/`, the C ABI edge.
#![deny(unsafe_code)]

pub mod anno;
pub mod ffi;
pub mod install;
pub mod items;
pub mod packed;
pub mod stats;
pub mod store;

/// The Wireshark version this plugin was built against (`major.minor.micro`).
pub const WIRESHARK_VERSION: &str = env!("SYNACK_WIRESHARK_VERSION");
