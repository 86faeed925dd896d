//! `synack`: headless, tshark-compatible dissection of TCP handshakes and DNS.
//!
//! The library holds the whole command line so tests can drive it in-process: [`main_with`]
//! parses arguments (`args`), turns them into a validated [`Config`] (`config`), runs it with
//! output written to `&mut dyn Write` ([`run()`]), and returns the exit status (0 success, 2
//! usage or input error).
#![forbid(unsafe_code)]

mod args;
pub mod capture;
mod config;
mod conv;
mod explain;
pub mod filter;
mod json;
mod ko;
mod ladder;
mod live;
mod man;
mod output;
mod parquet;
mod run;
mod style;
mod threads;
mod verdict;
mod views;
mod watch;
mod width;

use std::io::{self, Write};

use clap::{CommandFactory, Parser};

use crate::args::{Cli, Command};
use crate::config::{config, UsageError};
pub use crate::config::{Config, Occurrence};
pub use crate::run::{run, RunError};
use crate::run::{run_conv, run_ladder};

/// output to `out` and warnings to `err`. Returns the exit status.
pub fn main_with<I, T>(argv: I, out: &mut dyn Write, err: &mut dyn Write) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    main_with_tty(argv, out, err, false, false)
}

/// [`main_with`], told whether standard output and standard error are terminals (colour,
/// progress bar).
pub fn main_with_tty<I, T>(argv: I, out: &mut dyn Write, err: &mut dyn Write, out_is_tty: bool, err_is_tty: bool) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(argv) {
        Ok(a) => a,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = if e.use_stderr() { write!(err, "{e}") } else { write!(out, "{e}") };
            return code;
        }
    };
    let result = match cli.command {
        Some(Command::Completions { shell }) => {
            let mut cmd = Cli::command();
            clap_complete::generate(shell, &mut cmd, "synack", out);
            Ok(())
        }
        Some(Command::Man { list: true, .. }) => {
            man::pages().iter().try_for_each(|p| writeln!(out, "{p}")).map_err(RunError::Io)
        }
        Some(Command::Man { page, .. }) => man::render(page.as_deref().unwrap_or("synack"), out).map_err(RunError::Io),
        Some(Command::Watch(w)) => match config(w.packets, out_is_tty) {
            Ok(mut c) => {
                c.watch = Some(w.interval);
                run(&c, out, err, err_is_tty)
            }
            Err(UsageError(m)) => Err(RunError::Usage(m)),
        },
        Some(Command::Conv(a)) => run_conv(&a, out, err, out_is_tty, err_is_tty),
        Some(Command::Ladder(a)) => run_ladder(&a, out, err, out_is_tty, err_is_tty),
        None => {
            let args = cli.packets;
            if args.list_fields {
                for f in dissector_core::FIELDS {
                    if writeln!(out, "{}\t{}\t{:?}\t{}", f.abbrev, f.name, f.ftype, f.desc).is_err() {
                        break;
                    }
                }
                return 0;
            }
            // `synack` alone: the help, as for any tool with nothing to do.
            if args.read.is_empty()
                && args.interfaces.is_empty()
                && !args.list_interfaces
                && args.format.is_none()
                && args.fields.is_empty()
            {
                let _ = write!(out, "{}", Cli::command().render_help());
                return 0;
            }
            if args.list_interfaces {
                live::list_interfaces(out)
            } else {
                match config(args, out_is_tty) {
                    Ok(c) => run(&c, out, err, err_is_tty),
                    Err(UsageError(m)) => Err(RunError::Usage(m)),
                }
            }
        }
    };
    match result {
        Ok(()) => 0,
        // `synack ... | head` closes the pipe early: that is not an error.
        Err(RunError::Io(e)) if e.kind() == io::ErrorKind::BrokenPipe => 0,
        Err(RunError::Io(e)) => {
            let _ = writeln!(err, "synack: {e}");
            2
        }
        Err(RunError::Usage(m)) => {
            let _ = writeln!(err, "synack: {m}");
            2
        }
    }
}
