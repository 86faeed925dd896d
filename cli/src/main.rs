//! The `synack` binary: everything lives in the library; this maps it to the process.
#![forbid(unsafe_code)]

use std::io::{self, BufWriter, IsTerminal, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    // Not locked for the whole run: watch's screen thread writes to the terminal too.
    let mut out = BufWriter::with_capacity(1 << 16, io::stdout());
    let mut err = io::stderr().lock();
    let (out_tty, err_tty) = (io::stdout().is_terminal(), io::stderr().is_terminal());
    let code = synack::main_with_tty(std::env::args_os(), &mut out, &mut err, out_tty, err_tty);
    match out.flush() {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            let _ = writeln!(err, "synack: {e}");
            ExitCode::from(2)
        }
        _ => ExitCode::from(code),
    }
}
