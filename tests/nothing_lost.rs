//! Nothing lost: a damaged record, a packet whose captured length exceeds its length, and an
//! interface of unknown link type in a pcapng file each cost only themselves. Every other
//! packet is dissected and printed, and the warning names the frame. (A file cut short is in
//! tests/cli.rs.)

use crate::support::synack;

/// An Ethernet + IPv4 + TCP SYN from port `sport`.
fn syn(sport: u16) -> Vec<u8> {
    let mut f = vec![0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00];
    f.extend_from_slice(&[0x45, 0, 0, 40, 0, 0, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
    f.extend_from_slice(&sport.to_be_bytes());
    f.extend_from_slice(&[0, 80, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0]);
    f
}

fn pcap(records: &[(u32, u32, Vec<u8>)]) -> Vec<u8> {
    let mut b = 0xa1b2_c3d4u32.to_le_bytes().to_vec();
    b.extend_from_slice(&[2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0]);
    for (i, (incl, orig, data)) in records.iter().enumerate() {
        for v in [1_700_000_000 + i as u32, 0, *incl, *orig] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        b.extend_from_slice(data);
    }
    b
}

fn run(bytes: &[u8], name: &str) -> (u8, String, String) {
    let dir = std::env::temp_dir().join(format!("synack-lost-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write capture");
    let r = synack(&["-r", p.to_str().expect("utf-8"), "-T", "fields", "-e", "frame.number", "-e", "tcp.srcport"]);
    let _ = std::fs::remove_dir_all(&dir);
    r
}

#[test]
fn a_record_with_a_bad_length_is_skipped_and_the_rest_read() {
    let ok = |p: u16| (54u32, 54u32, syn(p));
    // The second record claims 2 GB; its 54 bytes of data follow as usual.
    let file = pcap(&[ok(1001), (0x7fff_f000, 0x7fff_f000, syn(1002)), ok(1003), ok(1004)]);
    let (code, out, err) = run(&file, "badlen.pcap");
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "1\t1001\n2\t1003\n3\t1004\n");
    assert!(err.contains("damaged record after frame 1: skipped 70 bytes to the next good record (frame 2)"), "{err}");
}

#[test]
fn a_packet_longer_captured_than_sent_is_printed_with_a_warning() {
    let file = pcap(&[(54, 54, syn(1001)), (54, 40, syn(1002)), (54, 54, syn(1003))]);
    let (code, out, err) = run(&file, "caplen.pcap");
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "1\t1001\n2\t1002\n3\t1003\n");
    assert!(err.contains("frame 2: captured length 54 is more than the packet's length 40"), "{err}");
}

/// A pcapng block: type, total length, body (padded to 4), total length.
fn block(kind: u32, body: &[u8]) -> Vec<u8> {
    let mut body = body.to_vec();
    while !body.len().is_multiple_of(4) {
        body.push(0);
    }
    let len = (12 + body.len()) as u32;
    let mut b = Vec::new();
    b.extend_from_slice(&kind.to_le_bytes());
    b.extend_from_slice(&len.to_le_bytes());
    b.extend_from_slice(&body);
    b.extend_from_slice(&len.to_le_bytes());
    b
}

fn shb() -> Vec<u8> {
    let mut body = 0x1a2b_3c4du32.to_le_bytes().to_vec();
    body.extend_from_slice(&[1, 0, 0, 0]);
    body.extend_from_slice(&u64::MAX.to_le_bytes());
    block(0x0a0d_0d0a, &body)
}

fn idb(linktype: u16) -> Vec<u8> {
    let mut body = linktype.to_le_bytes().to_vec();
    body.extend_from_slice(&[0, 0]);
    body.extend_from_slice(&65535u32.to_le_bytes());
    block(1, &body)
}

fn epb(iface: u32, data: &[u8]) -> Vec<u8> {
    let mut body = iface.to_le_bytes().to_vec();
    body.extend_from_slice(&[0; 8]);
    body.extend_from_slice(&(data.len() as u32).to_le_bytes());
    body.extend_from_slice(&(data.len() as u32).to_le_bytes());
    body.extend_from_slice(data);
    block(6, &body)
}

#[test]
fn an_interface_of_unknown_link_type_costs_only_its_packets() {
    // Interface 0 is Ethernet, interface 1 LINKTYPE_USER0 (147), which synack does not read.
    let mut file = shb();
    file.extend(idb(1));
    file.extend(idb(147));
    file.extend(epb(0, &syn(1001)));
    file.extend(epb(1, b"opaque user-defined frame"));
    file.extend(epb(0, &syn(1003)));
    let (code, out, err) = run(&file, "mixed.pcapng");
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "1\t1001\n2\t\n3\t1003\n");
    assert!(err.contains("frame 2: unsupported link type 147"), "{err}");
}

#[test]
fn a_damaged_pcapng_block_is_skipped_and_the_rest_read() {
    let mut file = shb();
    file.extend(idb(1));
    file.extend(epb(0, &syn(1001)));
    // A block whose length field is garbage, then good blocks again.
    let mut bad = epb(0, &syn(1002));
    bad[4..8].copy_from_slice(&0x7fff_fff0u32.to_le_bytes());
    file.extend(bad);
    file.extend(epb(0, &syn(1003)));
    let (code, out, err) = run(&file, "damaged.pcapng");
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "1\t1001\n2\t1003\n");
    assert!(err.contains("damaged record after frame 1"), "{err}");
}

/// Every frame as `for_each_frame` delivers it (meta and bytes), stopping after `stop` frames,
/// and how reading ended.
type Read = (Vec<(dissector_core::FrameMeta, Vec<u8>)>, Option<(u32, Option<String>)>);

/// `ahead`: through the reading thread (`Some(live)`: as a pipe), or not (`None`).
fn read_all(bytes: &[u8], ahead: Option<bool>, stop: Option<u32>) -> Read {
    let mut got = Vec::new();
    let mut each = |m: dissector_core::FrameMeta, d: &[u8]| {
        got.push((m, d.to_vec()));
        Ok(stop.is_none_or(|s| m.number < s))
    };
    let end = match ahead {
        Some(live) => synack::capture::for_each_frame_ahead(
            std::io::Cursor::new(bytes.to_vec()),
            live,
            |_, _| (),
            |m, d, (), _| each(m, d),
        ),
        None => synack::capture::for_each_frame(std::io::Cursor::new(bytes), each),
    };
    let end = match end {
        Ok(Ok(s)) => Some((s.frames, s.warning)),
        _ => None,
    };
    (got, end)
}

/// The reading thread changes nothing: the same frames, bytes, frame count and warnings as
/// reading in place, on every bundled capture, on damaged and cut-short copies of the largest
/// one (where batches are many), and when the consumer stops early.
#[test]
fn reading_ahead_on_a_thread_delivers_the_same_frames_and_warnings() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/captures");
    let mut files: Vec<_> = std::fs::read_dir(&dir).expect("captures").map(|e| e.expect("entry").path()).collect();
    files.sort();
    let mut largest = Vec::new();
    for f in &files {
        let bytes = std::fs::read(f).expect("read capture");
        let plain = read_all(&bytes, None, None);
        assert!(plain.1.is_some(), "{}", f.display());
        assert!(read_all(&bytes, Some(false), None) == plain, "{}", f.display());
        assert!(read_all(&bytes, Some(true), None) == plain, "{} (as a pipe)", f.display());
        if f.extension().is_some_and(|e| e == "pcap") && bytes.len() > largest.len() {
            largest = bytes;
        }
    }
    // Repeat the largest pcap's records until the data spans several batches.
    let body = largest[24..].to_vec();
    while largest.len() < 3 << 20 {
        largest.extend_from_slice(&body);
    }
    let n = read_all(&largest, None, None).0.len() as u32;
    assert!(n > 1000, "{n} frames");
    // Record headers (little-endian pcap) at about 100 KB, 1 MB and 2.5 MB get a length no
    // record has.
    let mut damaged = largest.clone();
    let (mut at, mut targets) = (24usize, vec![2_500_000usize, 1_000_000, 100_000]);
    while let Some(&t) = targets.last() {
        let caplen = u32::from_le_bytes(damaged[at + 8..at + 12].try_into().expect("4 bytes")) as usize;
        if at >= t {
            damaged[at + 8..at + 16].copy_from_slice(&[0xff; 8]);
            targets.pop();
        }
        at += 16 + caplen;
    }
    let cut = &largest[..largest.len() - 7];
    for (what, bytes) in [("repeated", &largest[..]), ("damaged", &damaged[..]), ("cut short", cut)] {
        let plain = read_all(bytes, None, None);
        assert!(read_all(bytes, Some(false), None) == plain, "{what}");
        assert!(read_all(bytes, Some(true), None) == plain, "{what} (as a pipe)");
        if what != "repeated" {
            assert!(plain.1.as_ref().is_some_and(|(_, w)| w.is_some()), "{what}: a warning");
        }
    }
    for stop in [1, 2, n / 2, n - 1] {
        let plain = read_all(&largest, None, Some(stop));
        assert_eq!(plain.0.len() as u32, stop);
        assert!(read_all(&largest, Some(false), Some(stop)) == plain, "stop at {stop}");
        assert!(read_all(&largest, Some(true), Some(stop)) == plain, "stop at {stop} (as a pipe)");
    }
}
