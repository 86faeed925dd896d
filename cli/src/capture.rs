//! Reading pcap (micro- and nanosecond, either byte order) and pcapng (any number of sections
//! and interfaces, each with its own link type and time resolution) with pcap-parser.

use std::io::Read;

use dissector_core::FrameMeta;
use pcap_parser::pcapng::Block;
use pcap_parser::{create_reader, PcapBlockOwned, PcapError};

/// Largest block the reader buffers; pcapng blocks and pcap records are far smaller in practice.
const BUFFER: usize = 1 << 22;

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

/// Read every frame of `input`, calling `f` for each in order. Returns how reading ended; only
/// an input that is not a capture at all is an error.
pub fn for_each_frame<R: Read + Send>(
    input: R,
    mut f: impl FnMut(FrameMeta, &[u8]) -> std::io::Result<bool>,
) -> Result<std::io::Result<ReadSummary>, NotACapture> {
    let mut reader = match create_reader(BUFFER, input) {
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
    let mut ifaces: Vec<Interface> = Vec::new();
    loop {
        match reader.next() {
            Ok((offset, block)) => {
                let frame = match block {
                    PcapBlockOwned::LegacyHeader(h) => {
                        // The upper bits of the link-type field carry FCS information (pcap spec §4.1).
                        legacy_linktype = (h.network.0 as u32) & 0x03ff_ffff;
                        legacy_nanos = h.is_nanosecond_precision();
                        None
                    }
                    PcapBlockOwned::Legacy(b) => {
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
                reader.consume(offset);
            }
            Err(PcapError::Eof) => break,
            Err(PcapError::Incomplete(_)) => {
                if let Err(e) = reader.refill() {
                    summary.warning = Some(format!("read error after frame {}: {e:?}", summary.frames));
                    break;
                }
            }
            Err(PcapError::UnexpectedEof) => {
                summary.warning = Some(format!(
                    "the capture file appears to have been cut short in the middle of a packet (after frame {})",
                    summary.frames
                ));
                break;
            }
            Err(e) => {
                summary.warning = Some(format!(
                    "the capture file has a bad record after frame {}: {e:?}",
                    summary.frames
                ));
                break;
            }
        }
    }
    Ok(Ok(summary))
}
