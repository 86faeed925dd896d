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
//!
//! Each parser module's entry point is `parse_<thing>(bytes) -> Result<Thing, Problem>`, with
//! a small `#[non_exhaustive]` problem enum that says in words what was wrong; what can be
//! read past a recoverable problem is kept, with the problem recorded next to it.
//!
//! # Example
//!
//! Read a capture (here a pcap file bundled with the tests: a loopback HTTP request) and print
//! each TCP segment's handshake step and both endpoints' states after it:
//!
//! ```
//! use dissector_core::{Dissector, FrameMeta};
//!
//! let pcap = include_bytes!("../../tests/captures/local_http_get_ipv4.pcap");
//! // A capture bundled with the crate, a whole pcap file; a program reading untrusted files
//! // would check the lengths (the CLI's reader does).
//! let linktype = u32::from_le_bytes([pcap[20], pcap[21], pcap[22], pcap[23]]);
//! let (mut d, mut scratch) = (Dissector::new(), Vec::new());
//! let (mut at, mut number) = (24, 0);
//! while let Some(rec) = pcap.get(at..at + 16) {
//!     let word = |i: usize| u32::from_le_bytes([rec[i], rec[i + 1], rec[i + 2], rec[i + 3]]);
//!     let (secs, usecs, caplen, len) = (word(0), word(4), word(8), word(12));
//!     let data = &pcap[at + 16..at + 16 + caplen as usize];
//!     at += 16 + caplen as usize;
//!     number += 1;
//!     let ts_ns = i128::from(secs) * 1_000_000_000 + i128::from(usecs) * 1_000;
//!     let meta = FrameMeta { number, ts_ns, caplen, len, linktype };
//!     let pkt = d.dissect(meta, data, &mut scratch);
//!     if let Some(t) = &pkt.track {
//!         let step = t.stage.map(|s| format!("{}/3 {}", s as u8, s.name())).unwrap_or_default();
//!         println!("{number:>2} {step:<12} client {:<12} server {}", t.client, t.server);
//!     }
//!     if number == 3 {
//!         // The third segment completes the handshake.
//!         let states = pkt.track.as_ref().map(|t| (t.client.name(), t.server.name()));
//!         assert_eq!(states, Some(("ESTABLISHED", "ESTABLISHED")));
//!     }
//! }
//! ```
#![forbid(unsafe_code)]

pub mod columns;
pub mod conn;
pub(crate) mod defrag;
pub mod dissect;
pub mod dns;
pub mod fields;
pub mod format;
mod hash;
pub mod ip;
pub mod limits;
pub mod link;
pub mod packet;
pub mod shard;
pub mod tcp;
pub mod tunnel;
pub mod udp;
pub(crate) mod udp_ports;
mod unprintable;
pub mod wlan;

pub use dissect::{prepare, Dissector, Options, Prepared};
pub use fields::{Field, FieldInfo, FieldType, FIELDS};
pub use limits::{Evictions, Limits};
pub use packet::{push_answered, Anomaly, DnsLayer, FrameMeta, Layer, Packet, TcpLayer, UdpLayer};

/// A fixed-size header cut short: the error of the parsers that need a whole header and
/// nothing else (TCP, UDP).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Truncated {
    /// Bytes missing.
    pub needed: usize,
}

impl core::fmt::Display for Truncated {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "header cut short ({} bytes missing)", self.needed)
    }
}

impl std::error::Error for Truncated {}
