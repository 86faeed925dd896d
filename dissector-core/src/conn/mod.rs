//! Per-connection state: the tshark-compatible conversation table (stream indices, relative
//! sequence numbers, window scaling), the RFC 9293 connection tracker built on it, DNS
//! transactions, and Zeek's connection summary codes.

pub mod key;
pub mod lookup;
pub mod state;
pub mod streams;
pub mod tracker;
pub mod zeek;

pub use key::{ConnKey, Endpoint};
pub use lookup::{DnsConv, DnsLink, LateFacts};
pub use state::{transition, Role, Segment, State};
pub use streams::{FlowView, TcpConversations};
pub use tracker::{
    Anomalies, Change, CloseKind, Closer, ConnSummary, Negotiated, Stage, SynOptions, TcpTrack, Tracker,
};
