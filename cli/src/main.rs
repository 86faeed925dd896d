//! The `synack` binary: everything lives in the library; this maps it to the process.

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut err = io::stderr().lock();
    let code = synack::main_with(std::env::args_os(), &mut out, &mut err);
    match out.flush() {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            let _ = writeln!(err, "synack: {e}");
            ExitCode::from(2)
        }
        _ => ExitCode::from(code),
    }
}
