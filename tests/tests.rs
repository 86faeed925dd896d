//! synack's integration tests: the tshark cross-check over real captures, and the CLI's
//! behaviour on good and bad input.

mod cli;
mod crosscheck;
mod robustness;
mod tracker;
mod support;
