//! Reading pcap (micro- and nanosecond, either byte order) and pcapng (any number of sections
//! and interfaces, each with its own link type and time resolution) with pcap-parser.

use std::io::Read;
use std::sync::{Arc, Mutex};

use dissector_core::FrameMeta;
use pcap_parser::pcapng::Block;
use pcap_parser::{create_reader, PcapBlockOwned, PcapError};

/// Largest block the reader buffers; pcapng blocks and pcap records are far smaller in practice.
const BUFFER: usize = 1 << 22;

/// Bytes asked of the input per read. The reader's buffer is sized for the largest block, but
/// filling it whole each time would keep all of it in memory (and out of the cache) for
/// records a few hundred bytes long: reads this size keep the used part small.
const READ: usize = 1 << 18;

/// A reader that reads at most [`READ`] bytes per call.
struct Capped<R>(R);

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(READ);
        self.0.read(&mut buf[..n])
    }
}

/// How reading a capture ended.
#[derive(Debug, Default)]
pub struct ReadSummary {
    /// Frames delivered.
    pub frames: u32,
    /// A warning to print after the frames (file cut short, bad record).
    pub warning: Option<String>,
}

/// The input is not a capture at all, or could not be read.
#[derive(Debug)]
pub struct NotACapture(pub String);

#[derive(Clone, Copy)]
struct Interface {
    linktype: u32,
    /// Timestamp units per second, as a power of 10 (`false`) or of 2 (`true`).
    resol: u8,
    resol_pow2: bool,
    offset_s: i64,
}

fn ts_ns(iface: &Interface, ts: u64) -> i128 {
    let ts = i128::from(ts);
    let base = if iface.resol_pow2 {
        (ts * 1_000_000_000) >> u32::from(iface.resol.min(63))
    } else if iface.resol <= 9 {
        ts * 10i128.pow(9 - u32::from(iface.resol))
    } else {
        ts / 10i128.pow(u32::from(iface.resol.min(38)) - 9)
    };
    base + i128::from(iface.offset_s) * 1_000_000_000
}

/// Read from `input` until `buf` holds `n` bytes or the input ends.
fn fill_to<R: Read>(input: &mut R, buf: &mut Vec<u8>, n: usize) -> std::io::Result<()> {
    while buf.len() < n {
        let have = buf.len();
        buf.resize(n, 0);
        let got = loop {
            match input.read(&mut buf[have..]) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                r => break r,
            }
        };
        buf.truncate(have + *got.as_ref().unwrap_or(&0));
        if got? == 0 {
            break;
        }
    }
    Ok(())
}

/// The input with its file header (pcap's 24 bytes, or pcapng's whole section header block)
/// read first and handed over in one read: the parser looks for it in its first read, and a
/// pipe may hand over less at first.
fn with_header<R: Read>(mut input: R) -> std::io::Result<std::io::Chain<std::io::Cursor<Vec<u8>>, R>> {
    let mut head = Vec::with_capacity(256);
    fill_to(&mut input, &mut head, 24)?;
    if head.starts_with(&[0x0a, 0x0d, 0x0d, 0x0a]) {
        let len = head.get(4..12).map(|b| {
            let order_le = b[4..8] == [0x4d, 0x3c, 0x2b, 0x1a];
            let l = [b[0], b[1], b[2], b[3]];
            if order_le {
                u32::from_le_bytes(l)
            } else {
                u32::from_be_bytes(l)
            }
        });
        // A damaged length is the parser's to report; only a plausible one is waited for.
        if let Some(len) = len.filter(|&l| l >= 28 && (l as usize) <= BUFFER / 2) {
            fill_to(&mut input, &mut head, len as usize)?;
        }
    }
    Ok(std::io::Cursor::new(head).chain(input))
}

/// Read every frame of `input`, calling `f` for each in order. Returns how reading ended; only
/// an input that is not a capture at all is an error.
pub fn for_each_frame<R: Read + Send>(
    input: R,
    mut f: impl FnMut(FrameMeta, &[u8]) -> std::io::Result<bool>,
) -> Result<std::io::Result<ReadSummary>, NotACapture> {
    let input = match with_header(input) {
        Ok(i) => i,
        Err(e) => return Err(NotACapture(format!("cannot read the input: {e}"))),
    };
    let mut reader = match create_reader(BUFFER, Capped(input)) {
        Ok(r) => r,
        Err(PcapError::Eof) => return Err(NotACapture("the input is empty".into())),
        Err(PcapError::HeaderNotRecognized) | Err(PcapError::Incomplete(_)) => {
            return Err(NotACapture("the input is not a pcap or pcapng capture".into()))
        }
        Err(e) => return Err(NotACapture(format!("cannot read the input: {e:?}"))),
    };
    let mut summary = ReadSummary::default();
    let mut legacy_linktype = 0u32;
    let mut legacy_nanos = false;
    let mut legacy_snaplen = 0u32;
    let mut legacy_be = false;
    let mut last_ts_sec: Option<u32> = None;
    let mut ifaces: Vec<Interface> = Vec::new();
    // Set while skipping over a damaged record: (bytes skipped, pcapng?).
    let mut resync: Option<(u64, bool)> = None;
    let mut warnings: Vec<String> = Vec::new();
    loop {
        let failure = match reader.next() {
            Ok((offset, block)) => {
                if let Some((skipped, ng)) = resync {
                    // While resynchronising, only a block that looks like a real record ends it.
                    let plausible = match &block {
                        PcapBlockOwned::Legacy(b) => {
                            legacy_plausible(b.caplen, b.origlen, b.ts_sec, legacy_snaplen, last_ts_sec)
                        }
                        PcapBlockOwned::NG(
                            Block::EnhancedPacket(_)
                            | Block::InterfaceDescription(_)
                            | Block::SectionHeader(_)
                            | Block::SimplePacket(_),
                        ) => ng,
                        _ => false,
                    };
                    if !plausible {
                        let step = if ng { 4 } else { 1 };
                        reader.consume(step);
                        resync = Some((skipped + step as u64, ng));
                        continue;
                    }
                    warnings.push(format!(
                        "damaged record after frame {}: skipped {skipped} bytes to the next good record (frame {})",
                        summary.frames,
                        summary.frames + 1
                    ));
                    resync = None;
                }
                let frame = match block {
                    PcapBlockOwned::LegacyHeader(h) => {
                        // The upper bits of the link-type field carry FCS information (pcap spec §4.1).
                        legacy_linktype = (h.network.0 as u32) & 0x03ff_ffff;
                        legacy_nanos = h.is_nanosecond_precision();
                        legacy_snaplen = h.snaplen;
                        legacy_be = h.is_bigendian();
                        None
                    }
                    PcapBlockOwned::Legacy(b) => {
                        last_ts_sec = Some(b.ts_sec);
                        let sub = if legacy_nanos { i128::from(b.ts_usec) } else { i128::from(b.ts_usec) * 1000 };
                        let ts = i128::from(b.ts_sec) * 1_000_000_000 + sub;
                        Some((legacy_linktype, ts, b.caplen, b.origlen, b.data))
                    }
                    PcapBlockOwned::NG(Block::SectionHeader(_)) => {
                        // Interface ids are per section (pcapng §4.1).
                        ifaces.clear();
                        None
                    }
                    PcapBlockOwned::NG(Block::InterfaceDescription(idb)) => {
                        ifaces.push(Interface {
                            linktype: (idb.linktype.0 as u32) & 0xffff,
                            resol: idb.if_tsresol & 0x7f,
                            resol_pow2: idb.if_tsresol & 0x80 != 0,
                            offset_s: idb.if_tsoffset,
                        });
                        None
                    }
                    PcapBlockOwned::NG(Block::EnhancedPacket(epb)) => {
                        let iface = ifaces.get(epb.if_id as usize).copied();
                        let ts = (u64::from(epb.ts_high) << 32) | u64::from(epb.ts_low);
                        let caplen = epb.caplen.min(epb.data.len() as u32);
                        let data = &epb.data[..caplen as usize];
                        match iface {
                            Some(i) => Some((i.linktype, ts_ns(&i, ts), caplen, epb.origlen, data)),
                            None => Some((u32::MAX, 0, caplen, epb.origlen, data)),
                        }
                    }
                    PcapBlockOwned::NG(Block::SimplePacket(spb)) => {
                        let lt = ifaces.first().map(|i| i.linktype).unwrap_or(u32::MAX);
                        Some((lt, 0, spb.data.len() as u32, spb.origlen, spb.data))
                    }
                    PcapBlockOwned::NG(_) => None,
                };
                if let Some((linktype, ts, caplen, len, data)) = frame {
                    summary.frames += 1;
                    let meta = FrameMeta { number: summary.frames, ts_ns: ts, caplen, len, linktype };
                    match f(meta, data) {
                        Ok(true) => {}
                        Ok(false) => return Ok(Ok(summary)),
                        Err(e) => return Ok(Err(e)),
                    }
                }
                // No shift here: refill() moves the few unread bytes to the front when it needs
                // room, where consume() would move half the buffer each time it passed the middle.
                reader.consume_noshift(offset);
                Failure::None
            }
            Err(PcapError::Eof) => Failure::Eof,
            Err(PcapError::Incomplete(needed)) => Failure::Incomplete(needed),
            Err(PcapError::UnexpectedEof) => Failure::UnexpectedEof,
            Err(_) => Failure::Other,
        };
        let skip = |reader: &mut Box<dyn pcap_parser::traits::PcapReaderIterator + Send>,
                    resync: &mut Option<(u64, bool)>| {
            let ng = legacy_snaplen == 0;
            let step = if ng { 4 } else { 1 };
            let (skipped, _) = resync.unwrap_or((0, ng));
            reader.consume(step);
            *resync = Some((skipped + step as u64, ng));
        };
        match failure {
            Failure::None => {}
            Failure::Eof => break,
            Failure::Incomplete(needed) => {
                // A length field that asks for more than any record holds is damage, not a
                // short read: skip forward to the next record that looks real.
                let damaged = resync.is_some()
                    || needed > BUFFER / 2
                    || header_damaged(reader.data(), legacy_snaplen, legacy_be, last_ts_sec);
                if !damaged || (!reader.reader_exhausted() && reader.data().len() < BUFFER / 2) {
                    // A short read, or damage whose next good record may not be buffered yet.
                    if let Err(e) = reader.refill() {
                        warnings.push(format!("read error after frame {}: {e:?}", summary.frames));
                        break;
                    }
                    if damaged && reader.reader_exhausted() {
                        skip(&mut reader, &mut resync);
                    }
                } else {
                    skip(&mut reader, &mut resync);
                }
            }
            Failure::UnexpectedEof
                if reader.data().len() > 16
                    && (resync.is_some() || header_damaged(reader.data(), legacy_snaplen, legacy_be, last_ts_sec)) =>
            {
                skip(&mut reader, &mut resync);
            }
            // Nothing left at all: the end of the file, reached after skipping damage.
            Failure::UnexpectedEof if reader.data().is_empty() && resync.is_none() => break,
            Failure::UnexpectedEof => {
                warnings.push(match resync {
                    Some((skipped, _)) => format!(
                        "damaged record after frame {}: no good record in the {skipped} bytes after it",
                        summary.frames
                    ),
                    None => format!(
                        "the capture file appears to have been cut short in the middle of a packet (after frame {})",
                        summary.frames
                    ),
                });
                break;
            }
            // A record the parser rejects: skip forward to the next one that looks real.
            Failure::Other => skip(&mut reader, &mut resync),
        }
    }
    if !warnings.is_empty() {
        summary.warning = Some(warnings.join("; "));
    }
    Ok(Ok(summary))
}

/// Why `next()` gave no block (owned, so the reader can be used again).
enum Failure {
    None,
    Eof,
    Incomplete(usize),
    UnexpectedEof,
    Other,
}

/// Is the record header at the start of `buf` damaged (lengths no record can have)? For pcap
/// (`snaplen` > 0) the 16-byte record header; for pcapng the block type and total length.
fn header_damaged(buf: &[u8], snaplen: u32, be: bool, last_ts: Option<u32>) -> bool {
    let word = |at: usize, be: bool| {
        buf.get(at..at + 4).map(|b| {
            let a = [b[0], b[1], b[2], b[3]];
            if be {
                u32::from_be_bytes(a)
            } else {
                u32::from_le_bytes(a)
            }
        })
    };
    if snaplen > 0 {
        let (Some(ts), Some(cap), Some(orig)) = (word(0, be), word(8, be), word(12, be)) else { return false };
        !legacy_plausible(cap, orig, ts, snaplen, last_ts)
    } else {
        let sane = |be: bool| word(4, be).is_some_and(|l| l >= 12 && l % 4 == 0 && (l as usize) <= BUFFER);
        buf.len() >= 8 && !sane(false) && !sane(true)
    }
}

/// Does a pcap record header found while skipping damage look like a real one? Its captured
/// length fits the snapshot length and is no more than 256 KiB, its original length is at least
/// the captured one, and its time is within a day before or a year after the last good record.
fn legacy_plausible(caplen: u32, origlen: u32, ts_sec: u32, snaplen: u32, last_ts: Option<u32>) -> bool {
    let cap_ok =
        caplen > 0 && caplen <= snaplen.max(65_535) && caplen <= 262_144 && origlen >= caplen && origlen <= 262_144;
    let ts_ok = last_ts.is_none_or(|t| ts_sec >= t.saturating_sub(86_400) && ts_sec <= t.saturating_add(366 * 86_400));
    cap_ok && ts_ok
}

/// Frames handed from the reading thread to the dissecting one: their bytes back to back, and
/// for each its end in `data` and what `prepare` made of it. On the way back, `spent` holds
/// what the dissecting side gives back to be dropped on the reading thread.
struct Batch<P> {
    data: Vec<u8>,
    frames: Vec<(FrameMeta, usize, P)>,
    spent: Vec<P>,
}

/// What the reading thread sends: frames, or how reading ended.
enum Sent<P> {
    Frames(Batch<P>),
    End(Result<std::io::Result<ReadSummary>, NotACapture>),
}

/// Bytes of frame data per batch. 256 KiB measured faster than 1 MiB (batches stay in the L2
/// cache) and costs a thread wake-up per batch at most.
const BATCH: usize = 1 << 18;
/// Frames per batch at most (small frames would otherwise make long frame lists).
const BATCH_FRAMES: usize = 2048;
/// Batches that may wait for the dissecting thread.
const AHEAD: usize = 2;

impl<P> Batch<P> {
    fn new() -> Batch<P> {
        Batch { data: Vec::with_capacity(BATCH), frames: Vec::with_capacity(BATCH_FRAMES), spent: Vec::new() }
    }
}

/// The reading thread's batch being filled, and the channels it goes by.
struct Outbox<P> {
    batch: Batch<P>,
    tx: std::sync::mpsc::SyncSender<Sent<P>>,
    spare_rx: std::sync::mpsc::Receiver<Batch<P>>,
}

impl<P> Outbox<P> {
    /// Hand the batch over (if it holds a frame), taking a spare one to fill next. False when
    /// the dissecting side is gone.
    fn send(&mut self) -> bool {
        if self.batch.frames.is_empty() {
            return true;
        }
        let next = match self.spare_rx.try_recv() {
            Ok(mut b) => {
                b.spent.clear();
                b
            }
            Err(_) => Batch::new(),
        };
        self.tx.send(Sent::Frames(std::mem::replace(&mut self.batch, next))).is_ok()
    }

    /// Add a frame (and what `prepare` makes of it), handing the batch over when it is full.
    /// False when the dissecting side is gone.
    fn push(&mut self, meta: FrameMeta, data: &[u8], prepare: &impl Fn(&FrameMeta, &[u8]) -> P) -> bool {
        self.batch.data.extend_from_slice(data);
        let at = self.batch.data.len();
        self.batch.frames.push((meta, at, prepare(&meta, data)));
        let full = self.batch.data.len() >= BATCH || self.batch.frames.len() >= BATCH_FRAMES;
        !full || self.send()
    }

    /// Hand over what is left, then how reading ended.
    fn end(&mut self, end: Result<std::io::Result<ReadSummary>, NotACapture>) {
        if self.send() {
            let _ = self.tx.send(Sent::End(end));
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A live input (a pipe): before each read, which may wait for the producer, the frames read so
/// far go to the dissecting thread, so each is shown as soon as its record is complete.
struct SendBeforeRead<R, P> {
    inner: R,
    outbox: Arc<Mutex<Outbox<P>>>,
}

impl<R: Read, P> Read for SendBeforeRead<R, P> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if !lock(&self.outbox).send() {
            // Nobody wants more frames: end the input.
            return Ok(0);
        }
        self.inner.read(buf)
    }
}

/// [`for_each_frame`] with the reading on a second thread. Copying the file out of the page
/// cache and framing its records was a third of `synack -q`'s time on the 1M benchmark mix
/// (perf); here a reading thread does it, and `prepare` on each frame (work that needs no
/// per-capture state), and hands over batches of frames while `f` works on the previous
/// batch. Frames arrive in order and the result is the same; when `f` stops early or fails, the
/// thread stops at its next batch. A `live` input (a pipe, a FIFO) hands each frame over as
/// soon as its record is read.
///
/// What `f` pushes into its last argument is dropped on the reading thread. Memory `prepare`
/// allocated should go back that way: freed on the other thread, the allocator's per-thread
/// caches stay empty on one side and full on the other, and both threads contend for its locks
/// (docs/performance.md has the numbers).
pub fn for_each_frame_ahead<R, P>(
    input: R,
    live: bool,
    prepare: impl Fn(&FrameMeta, &[u8]) -> P + Send + 'static,
    mut f: impl FnMut(FrameMeta, &[u8], P, &mut Vec<P>) -> std::io::Result<bool>,
) -> Result<std::io::Result<ReadSummary>, NotACapture>
where
    R: Read + Send + 'static,
    P: Send + Default + 'static,
{
    let (tx, rx) = std::sync::mpsc::sync_channel::<Sent<P>>(AHEAD);
    let (spare_tx, spare_rx) = std::sync::mpsc::sync_channel::<Batch<P>>(AHEAD + 2);
    let reader = move || {
        let mut outbox = Outbox { batch: Batch::new(), tx, spare_rx };
        // A pipe's frames go over before each read that may wait for more, not when a batch
        // fills: the batch is shared with the reader then (a regular file takes no lock).
        if live {
            let shared = Arc::new(Mutex::new(outbox));
            let input = SendBeforeRead { inner: input, outbox: Arc::clone(&shared) };
            let end = for_each_frame(input, |meta, data| Ok(lock(&shared).push(meta, data, &prepare)));
            lock(&shared).end(end);
        } else {
            let end = for_each_frame(input, |meta, data| Ok(outbox.push(meta, data, &prepare)));
            outbox.end(end);
        }
    };
    if let Err(e) = std::thread::Builder::new().name("synack-read".into()).spawn(reader) {
        return Ok(Err(e));
    }
    loop {
        match rx.recv() {
            Ok(Sent::Frames(mut batch)) => {
                let mut start = 0;
                let Batch { data, frames, spent } = &mut batch;
                for fr in frames.iter_mut() {
                    let (meta, end) = (fr.0, fr.1);
                    let prepared = std::mem::take(&mut fr.2);
                    match f(meta, &data[start..end], prepared, spent) {
                        Ok(true) => start = end,
                        Ok(false) => return Ok(Ok(ReadSummary { frames: meta.number, warning: None })),
                        Err(e) => return Ok(Err(e)),
                    }
                }
                batch.data.clear();
                batch.frames.clear();
                let _ = spare_tx.try_send(batch);
            }
            Ok(Sent::End(end)) => return end,
            Err(_) => return Ok(Err(std::io::Error::other("the reading thread stopped unexpectedly"))),
        }
    }
}
