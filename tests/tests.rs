//! synack's integration tests: the tshark cross-check over real captures, the connection
//! tracker against tshark and hand-checked sequences, the Wireshark plugin inside tshark, and
//! the CLI's behaviour on good and bad input.

mod cli;
mod columnar;
mod columns;
mod corrupt;
mod crosscheck;
mod filters;
mod fuzz;
mod json;
mod limits;
mod live;
mod nothing_lost;
mod package;
mod plugin;
mod properties;
mod robustness;
mod split;
mod support;
mod tracker;
mod tunnels;
mod verdict;
mod versions;
mod views;
