//! TCP (RFC 9293): header, options, and wrapping sequence numbers.

pub mod header;
pub mod option;
pub mod seq;

pub use header::{parse_header, Flags, TcpHeader};
pub use option::{layout, parse_options, write_layout, Entries, OptionEntry, OptionProblem, TcpOption, TcpOptions};
pub use seq::SeqNumber;
