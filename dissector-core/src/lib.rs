//! dissector-core: the pure-Rust heart of synack.
//!
//! It turns the bytes of one captured frame into typed layers (link, IPv4/IPv6, ICMP quoting,
//! TCP with options, UDP, DNS) and keeps the little per-connection state that tshark-compatible
//! values need (relative sequence numbers, window scaling, stream indices, DNS-over-TCP
//! reassembly). It does no I/O and contains no `unsafe`.
//!
//! **Parsing never panics on any input.** Every parser is bounded by the bytes it is given;
//! malformed input yields partial layers plus [`Anomaly`] flags, never a crash. Hostile bytes
//! reach this code inside the user's Wireshark, so this is a hard rule, checked by tests and
//! fuzzing.
#![forbid(unsafe_code)]

pub mod columns;
pub mod conn;
pub mod defrag;
pub mod dissect;
pub mod dns;
pub mod fields;
pub mod format;
mod hash;
pub mod ip;
pub mod limits;
pub mod link;
pub mod packet;
pub mod tcp;
pub mod udp;
pub mod udp_ports;

pub use dissect::{prepare, Dissector, Options, Prepared};
pub use fields::{Field, FieldInfo, FieldType, FIELDS};
pub use limits::{Evictions, Limits};
pub use packet::{Anomaly, DnsLayer, FrameMeta, Layer, Packet, TcpLayer, UdpLayer};
