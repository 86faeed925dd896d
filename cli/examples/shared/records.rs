//! The reading both floors share (`read_loop.rs`, `track_floor.rs`): pcap-parser over the file in
//! 4 MiB refills, every packet record handed over as it lies in the buffer.

use std::fs::File;

use pcap_parser::{create_reader, PcapBlockOwned, PcapError};

/// Call `each` with every packet's captured bytes (pcap records, pcapng enhanced packets);
/// returns how many there were. Stops at the end, or at the first damaged block.
pub fn each_packet(path: &str, mut each: impl FnMut(&[u8])) -> u64 {
    let file = File::open(path).expect("open");
    let mut reader = create_reader(1 << 22, file).expect("a capture");
    let mut frames = 0u64;
    loop {
        match reader.next() {
            Ok((offset, block)) => {
                match block {
                    PcapBlockOwned::Legacy(b) => {
                        frames += 1;
                        each(b.data);
                    }
                    PcapBlockOwned::NG(pcap_parser::pcapng::Block::EnhancedPacket(b)) => {
                        frames += 1;
                        each(b.data);
                    }
                    _ => {}
                }
                reader.consume(offset);
            }
            Err(PcapError::Eof) => break,
            Err(PcapError::Incomplete(_)) => {
                if reader.refill().is_err() {
                    break;
                }
            }
            Err(_) => break,
        }
    }
    frames
}
