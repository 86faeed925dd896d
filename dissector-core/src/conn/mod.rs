//! Per-connection state: one table owns each TCP connection (`table`): tshark's view of it
//! ([`view`]: stream indices, relative sequence numbers, window scaling), the RFC 9293
//! connection tracker (`tracker`, with its `rules` and the [`state`] machine), its partial
//! DNS-over-TCP messages; beside it, DNS transactions ([`lookup`]) and Zeek's connection
//! summary codes (`zeek`). What they produce is public: each segment's [`TcpTrack`], each
//! connection's [`ConnSummary`].

pub mod analysis;
pub(crate) mod arrival;
pub mod key;
pub mod lookup;
pub(crate) mod rules;
pub mod state;
pub mod summary;
pub(crate) mod table;
pub mod track;
pub(crate) mod tracker;
pub mod verdict;
pub mod view;
pub(crate) mod zeek;

pub use arrival::Revision;
pub use key::{ConnKey, Endpoint};
pub use lookup::{DnsLink, LateFacts, Transaction};
pub use state::{transition, Role, Segment, State};
pub use summary::{CloseKind, Closer, ConnSummary, Outer};
pub use track::{Anomalies, Change, Ctl, Negotiated, Note, Row, Stage, SynOptions, TcpTrack};
pub use verdict::{Finding, HostAnswer, Outcome, RefusedBy, Verdict};
pub use view::FlowView;
