//! Per-connection state: the tshark-compatible conversation table (stream indices, relative
//! sequence numbers, window scaling) and DNS-over-TCP reassembly. The full RFC 9293 state
//! tracker builds on these keys.

pub mod key;
pub mod state;
pub mod streams;

pub use key::{ConnKey, Endpoint};
pub use state::{transition, Role, Segment, State};
pub use streams::{FlowView, TcpConversations};
