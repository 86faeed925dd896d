//! Live capture the Wireshark way: `dumpcap` (which holds the capture privileges) writes
//! pcapng into a pipe that synack reads as it comes; `-w` keeps a copy of those bytes.

use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

use crate::run::RunError;

/// What to capture, from tshark's capture flags.
#[derive(Debug, Clone, Default)]
pub struct Capture {
    /// `-i`, each interface.
    pub interfaces: Vec<String>,
    /// `-f`: a capture (BPF) filter.
    pub filter: Option<String>,
    /// `-s`: the snapshot length.
    pub snaplen: Option<u32>,
    /// `-a`: stop conditions, as dumpcap takes them (`duration:N`, `packets:N`, ...).
    pub autostop: Vec<String>,
    /// `-w`: where to save what was captured.
    pub save: Option<PathBuf>,
}

/// The dumpcap to run: `SYNACK_DUMPCAP`, else the one on the PATH.
fn dumpcap() -> PathBuf {
    std::env::var_os("SYNACK_DUMPCAP").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("dumpcap"))
}

fn missing(e: &io::Error) -> RunError {
    RunError::Usage(format!(
        "cannot run {} ({e}): live capture needs dumpcap, Wireshark's capture program (Debian and Ubuntu: \
         apt-get install tshark, which brings it)",
        dumpcap().display()
    ))
}

/// What a normal user needs to capture, said when dumpcap could not.
const PERMISSION_HINT: &str = "If it was not allowed to capture: as a normal user, be in the wireshark group \
     (sudo dpkg-reconfigure wireshark-common, answer yes, then sudo usermod -aG wireshark $USER and log in \
     again), or give dumpcap the capture capabilities (sudo setcap cap_net_raw,cap_net_admin=eip \
     /usr/bin/dumpcap)";

/// `-D`: the interfaces dumpcap can capture on, as it lists them.
pub fn list_interfaces(out: &mut dyn Write) -> Result<(), RunError> {
    let o = Command::new(dumpcap()).arg("-D").stdin(Stdio::null()).output().map_err(|e| missing(&e))?;
    out.write_all(&o.stdout)?;
    if !o.status.success() {
        return Err(RunError::Usage(format!("{}\n{PERMISSION_HINT}", String::from_utf8_lossy(&o.stderr).trim())));
    }
    Ok(())
}

/// The pid of the dumpcap running, for the Ctrl-C handler (0: none).
static CHILD: AtomicU32 = AtomicU32::new(0);

/// Ask dumpcap (`pid`; 0: none) to end its capture, closing its output properly.
fn stop(pid: u32) {
    if pid != 0 {
        let _ = Command::new("kill").args(["-TERM", &pid.to_string()]).status();
    }
}

/// Stop the running capture; false when there is none (the user quit `watch`).
pub fn stop_capture() -> bool {
    let pid = CHILD.load(Ordering::Relaxed);
    stop(pid);
    pid != 0
}

/// A running capture.
pub struct Running {
    child: Child,
    /// dumpcap's messages, when held.
    messages: Option<std::thread::JoinHandle<Vec<u8>>>,
}

/// Start dumpcap; returns the capture's bytes to read (copied to `-w`'s file as they are read).
/// `hold_messages`: keep dumpcap's messages until the capture ends (a screen is drawn meanwhile).
pub fn start(
    c: &Capture,
    count: Option<u32>,
    hold_messages: bool,
) -> Result<(Box<dyn Read + Send>, Running), RunError> {
    let mut cmd = Command::new(dumpcap());
    for i in &c.interfaces {
        cmd.args(["-i", i]);
    }
    if let Some(f) = &c.filter {
        cmd.args(["-f", f]);
    }
    if let Some(s) = c.snaplen {
        cmd.args(["-s", &s.to_string()]);
    }
    if let Some(n) = count {
        cmd.args(["-c", &n.to_string()]);
    }
    for a in &c.autostop {
        cmd.args(["-a", a]);
    }
    // dumpcap's messages ("Capturing on 'lo'", its errors) go to stderr as they do under tshark.
    let stderr = if hold_messages { Stdio::piped() } else { Stdio::inherit() };
    cmd.args(["-q", "-w", "-"]).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(stderr);
    // The -w file first: failing after the spawn would leave dumpcap running.
    let save = match &c.save {
        Some(path) => Some(
            std::fs::File::create(path)
                .map_err(|e| RunError::Usage(format!("cannot write {}: {e}", path.display())))?,
        ),
        None => None,
    };
    let mut child = cmd.spawn().map_err(|e| missing(&e))?;
    CHILD.store(child.id(), Ordering::Relaxed);
    // Ctrl-C (SIGINT) stops dumpcap, which ends the capture cleanly: synack then reads to the
    // end and prints what it owes. SIGTERM, as dumpcap may have been started with SIGINT
    // ignored (a background job of a script).
    static HANDLER: std::sync::Once = std::sync::Once::new();
    HANDLER.call_once(|| {
        let _ = ctrlc::set_handler(|| stop(CHILD.load(Ordering::Relaxed)));
    });
    let messages = child.stderr.take().map(|mut e| {
        std::thread::spawn(move || {
            let mut m = Vec::new();
            let _ = e.read_to_end(&mut m);
            m
        })
    });
    let Some(stdout) = child.stdout.take() else {
        return Err(RunError::Io(io::Error::other("dumpcap has no output")));
    };
    let input: Box<dyn Read + Send> = match save {
        Some(file) => Box::new(Tee { inner: stdout, copy: io::BufWriter::new(file) }),
        None => Box::new(stdout),
    };
    Ok((input, Running { child, messages }))
}

impl Running {
    /// Stop dumpcap if it is still running (synack stopped reading: -c), and say why the
    /// capture failed when it produced nothing. Held messages go to `err` first.
    pub fn finish(mut self, frames_read: bool, err: &mut dyn Write) -> Result<(), RunError> {
        if !matches!(self.child.try_wait(), Ok(Some(_))) {
            stop(self.child.id());
        }
        let status = self.child.wait()?;
        CHILD.store(0, Ordering::Relaxed);
        if let Some(m) = self.messages.take().and_then(|m| m.join().ok()) {
            let _ = err.write_all(&m);
        }
        // dumpcap said why on stderr; what to do about the usual reason follows it.
        if !status.success() && !frames_read {
            return Err(RunError::Usage(format!(
                "dumpcap ended ({status}) before any packet: its message is above. {PERMISSION_HINT}"
            )));
        }
        Ok(())
    }
}

/// The bytes read, copied to a file on the way (the `-w` of a live capture).
struct Tee<R> {
    inner: R,
    copy: io::BufWriter<std::fs::File>,
}

impl<R: Read> Read for Tee<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.copy.write_all(&buf[..n])?;
        if n == 0 {
            self.copy.flush()?;
        }
        Ok(n)
    }
}

/// Check `-a` conditions: those of tshark's that a capture into a pipe can honour (`files:`
/// needs a ring buffer of files, which synack does not write).
pub fn check_autostop(a: &str) -> Result<(), String> {
    let usage = || format!("-a {a}: give duration:SECONDS, packets:N or filesize:KB");
    let (k, v) = a.split_once(':').ok_or_else(usage)?;
    if matches!(k, "duration" | "packets" | "filesize") && v.parse::<f64>().is_ok_and(|n| n > 0.0) {
        Ok(())
    } else {
        Err(usage())
    }
}
