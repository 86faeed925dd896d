//! IEEE 802.11 (LINKTYPE_IEEE802_11, 105) and the radiotap header in front of it
//! (LINKTYPE_IEEE802_11_RADIOTAP, 127): a data frame's LLC/SNAP header names what it carries.
//! Management and control frames are read for their header and go no further; a protected
//! frame's body is ciphertext and is left opaque.

use crate::link::Next;

/// The radiotap header (radiotap.org): its length and present bitmaps, and the flags field
/// when present (it says whether the frame ends with an FCS).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Radiotap {
    /// Version (0).
    pub version: u8,
    /// Padding byte.
    pub pad: u8,
    /// Length of the whole radiotap header.
    pub length: u16,
    /// The present bitmaps (at most [`RADIOTAP_WORDS_KEPT`] kept).
    pub present: [u32; RADIOTAP_WORDS_KEPT],
    /// Present bitmaps kept.
    pub words: u8,
    /// The flags field (bit 1 of the first bitmap), when present.
    pub flags: Option<u8>,
}

/// Present bitmaps kept for their field; later ones are skipped (radiotap allows a chain).
pub const RADIOTAP_WORDS_KEPT: usize = 4;

/// Radiotap flags: the frame ends with its 4-byte FCS.
const RADIOTAP_F_FCS: u8 = 0x10;
/// Radiotap flags: padding between the 802.11 header and the body, to a 4-byte boundary.
const RADIOTAP_F_DATAPAD: u8 = 0x20;

/// An 802.11 MAC header (IEEE 802.11-2020 §9.2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wlan {
    /// Frame control, first byte: subtype (4 bits), type (2), protocol version (2).
    pub fc: u8,
    /// Frame control, second byte: To DS, From DS, More Fragments, Retry, ..., Protected, Order.
    pub flags: u8,
    /// Duration/ID.
    pub duration: u16,
    /// The address fields present (1 to 4).
    pub addr: [[u8; 6]; 4],
    /// How many address fields the frame has.
    pub addrs: u8,
    /// Sequence control (management and data frames).
    pub seq_ctl: Option<u16>,
    /// QoS control (QoS data frames).
    pub qos: Option<u16>,
    /// The FCS, when the capture keeps it.
    pub fcs: Option<u32>,
}

/// 802.11 frame types.
const TYPE_MGMT: u8 = 0;
const TYPE_CONTROL: u8 = 1;
const TYPE_DATA: u8 = 2;

impl Wlan {
    /// The frame type (0 management, 1 control, 2 data, 3 extension).
    pub fn frame_type(&self) -> u8 {
        (self.fc >> 2) & 3
    }

    /// The subtype.
    pub fn subtype(&self) -> u8 {
        self.fc >> 4
    }

    /// To DS and From DS, as the two low bits.
    pub fn ds(&self) -> u8 {
        self.flags & 3
    }

    fn a(&self, n: usize) -> Option<[u8; 6]> {
        (n < usize::from(self.addrs)).then(|| self.addr[n])
    }

    /// Receiver address: address 1 of every frame.
    pub fn ra(&self) -> Option<[u8; 6]> {
        self.a(0)
    }

    /// Transmitter address: address 2, where the frame has one.
    pub fn ta(&self) -> Option<[u8; 6]> {
        self.a(1)
    }

    /// Destination, source and BSS ID by the DS bits (§9.3.2.1 Table 9-30); control frames
    /// have none of them.
    pub fn da_sa_bssid(&self) -> [Option<[u8; 6]>; 3] {
        if self.frame_type() == TYPE_CONTROL {
            return [None; 3];
        }
        match self.ds() {
            0 => [self.a(0), self.a(1), self.a(2)],
            1 => [self.a(2), self.a(1), self.a(0)],
            2 => [self.a(0), self.a(2), self.a(1)],
            _ => [self.a(2), self.a(3), None],
        }
    }

    /// Whether the frame is a data frame whose body is an A-MSDU (QoS control bit 7).
    pub fn is_amsdu(&self) -> bool {
        self.frame_type() == TYPE_DATA && self.qos.is_some_and(|q| q & 0x80 != 0)
    }

    /// The station's address in a data frame to or from an AP: the source going to the DS, the
    /// destination coming from it.
    pub fn staa(&self) -> Option<[u8; 6]> {
        if self.frame_type() != TYPE_DATA {
            return None;
        }
        match self.ds() {
            1 => self.a(1),
            2 => self.a(0),
            _ => None,
        }
    }
}

/// An LLC header with its SNAP extension when the SAPs are 0xaa (IEEE 802.2, RFC 1042).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Llc {
    /// Destination SAP.
    pub dsap: u8,
    /// Source SAP.
    pub ssap: u8,
    /// Control.
    pub control: u8,
    /// SNAP: organization code and protocol ID (an EtherType when the code is 0).
    pub snap: Option<(u32, u16)>,
}

/// What a radiotap-framed or bare 802.11 frame holds: the headers, then what follows and its
/// bytes. `missing`: bytes the capture cut off the frame's end (part or all of an FCS).
/// `None` only when the radiotap or 802.11 header itself is cut short.
pub(crate) fn walk(
    radiotap: bool,
    data: &[u8],
    missing: usize,
    mut each: impl FnMut(crate::link::LinkHeader),
) -> Option<(Next, &[u8])> {
    use crate::link::LinkHeader;
    let (mut frame, mut fcs, mut datapad) = (data, 0, false);
    if radiotap {
        let (r, rest) = parse_radiotap(data)?;
        each(LinkHeader::Radiotap(r));
        let flags = r.flags.unwrap_or(0);
        frame = rest;
        fcs = if flags & RADIOTAP_F_FCS != 0 { 4 } else { 0 };
        datapad = flags & RADIOTAP_F_DATAPAD != 0;
    }
    // The FCS bytes among the captured ones.
    let captured_fcs = fcs - missing.min(fcs);
    let (mut w, body) = parse_wlan(frame, captured_fcs, datapad)?;
    if fcs == 4 && captured_fcs == 4 {
        w.fcs = frame.get(frame.len() - 4..).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    }
    each(LinkHeader::Wlan(w));
    // Only an unprotected data frame with a body (subtype bit 2 clear: not a Null) has an MSDU.
    let msdu = w.frame_type() == TYPE_DATA && w.subtype() & 0x4 == 0 && w.flags & 0x40 == 0;
    // A QoS frame's A-MSDU (QoS control bit 7) holds subframes, not an LLC header.
    if !msdu || w.is_amsdu() {
        return Some((Next::Other(u32::from(w.fc)), &[]));
    }
    let Some((llc, rest)) = parse_llc(body) else { return Some((Next::Other(0), &[])) };
    each(LinkHeader::Llc(llc));
    match llc.snap {
        // RFC 1042 and 802.1H (bridge tunnel) encapsulation: the protocol ID is an EtherType.
        Some((0 | 0xf8, ethertype)) => Some((crate::link::next_from_ethertype(ethertype), rest)),
        _ => Some((Next::Other(0), &[])),
    }
}

/// Parse a radiotap header: the fields past the flags are skipped by the header's length.
fn parse_radiotap(data: &[u8]) -> Option<(Radiotap, &[u8])> {
    let [version, pad, l0, l1, ..] = *data else { return None };
    let length = u16::from_le_bytes([l0, l1]);
    let rest = data.get(usize::from(length)..)?;
    let header = &data[..usize::from(length)];
    let mut r = Radiotap { version, pad, length, present: [0; RADIOTAP_WORDS_KEPT], words: 0, flags: None };
    // Present bitmaps chain while bit 31 is set; the fields start after the last one.
    let mut at = 4;
    let mut n = 0;
    loop {
        let w = header.get(at..at + 4)?;
        let word = u32::from_le_bytes([w[0], w[1], w[2], w[3]]);
        if n < RADIOTAP_WORDS_KEPT {
            r.present[n] = word;
        }
        n += 1;
        at += 4;
        if word & 0x8000_0000 == 0 {
            break;
        }
    }
    r.words = u8::try_from(n.min(RADIOTAP_WORDS_KEPT)).unwrap_or(0);
    if r.present[0] & 0x2 != 0 {
        // TSFT (bit 0) comes first, 8 bytes aligned to 8 from the header's start.
        if r.present[0] & 0x1 != 0 {
            at = at.next_multiple_of(8) + 8;
        }
        r.flags = header.get(at).copied();
    }
    Some((r, rest))
}

/// Parse an 802.11 MAC header: which fields are present follows from the type, the subtype
/// and the DS bits (§9.3). Returns the header and the body, without the `fcs` bytes at the end.
fn parse_wlan(frame: &[u8], fcs: usize, datapad: bool) -> Option<(Wlan, &[u8])> {
    let end = frame.len().checked_sub(fcs)?;
    let b = &frame[..end];
    let [fc, flags, d0, d1, ..] = *b else { return None };
    let mut w = Wlan {
        fc,
        flags,
        duration: u16::from_le_bytes([d0, d1]),
        addr: [[0; 6]; 4],
        addrs: 0,
        seq_ctl: None,
        qos: None,
        fcs: None,
    };
    let addr = |at: usize| b.get(at..at + 6).map(|s| [s[0], s[1], s[2], s[3], s[4], s[5]]);
    let (kind, subtype) = (w.frame_type(), w.subtype());
    let mut at = 4;
    let addrs = match kind {
        // Control frames: CTS and ACK carry only the receiver; the others add a transmitter.
        TYPE_CONTROL => match subtype {
            12 | 13 => 1,
            _ => 2,
        },
        TYPE_MGMT => 3,
        TYPE_DATA if w.ds() == 3 => 4,
        TYPE_DATA => 3,
        _ => 0,
    };
    for i in 0..addrs.min(3) {
        w.addr[i] = addr(at)?;
        at += 6;
        w.addrs += 1;
    }
    if kind == TYPE_CONTROL {
        return Some((w, &[]));
    }
    if kind == TYPE_MGMT || kind == TYPE_DATA {
        let s = b.get(at..at + 2)?;
        w.seq_ctl = Some(u16::from_le_bytes([s[0], s[1]]));
        at += 2;
    }
    if addrs == 4 {
        w.addr[3] = addr(at)?;
        at += 6;
        w.addrs += 1;
    }
    if kind == TYPE_DATA && subtype & 0x8 != 0 {
        let q = b.get(at..at + 2)?;
        w.qos = Some(u16::from_le_bytes([q[0], q[1]]));
        at += 2;
        // +HTC: the Order bit on a QoS data frame adds a 4-byte HT control field.
        if flags & 0x80 != 0 {
            at += 4;
        }
    }
    if datapad {
        at = at.next_multiple_of(4);
    }
    Some((w, b.get(at..).unwrap_or(&[])))
}

/// Parse an LLC header and, for SAPs 0xaa, its SNAP header.
pub(crate) fn parse_llc(b: &[u8]) -> Option<(Llc, &[u8])> {
    let [dsap, ssap, control, rest @ ..] = b else { return None };
    let mut llc = Llc { dsap: *dsap, ssap: *ssap, control: *control, snap: None };
    if *dsap == 0xaa && *ssap == 0xaa {
        let [o0, o1, o2, t0, t1, rest @ ..] = rest else { return None };
        llc.snap = Some((u32::from_be_bytes([0, *o0, *o1, *o2]), u16::from_be_bytes([*t0, *t1])));
        return Some((llc, rest));
    }
    Some((llc, rest))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::link::LinkHeader;

    fn walk_all(radiotap: bool, data: &[u8]) -> (Vec<LinkHeader>, Option<(Next, &[u8])>) {
        let mut h = Vec::new();
        let r = walk(radiotap, data, 0, |x| h.push(x));
        (h, r)
    }

    const STA: [u8; 6] = [2, 0, 0, 0, 0, 1];
    const AP: [u8; 6] = [2, 0, 0, 0, 0, 2];
    const GW: [u8; 6] = [2, 0, 0, 0, 0, 3];

    /// A QoS data frame to the DS carrying `payload` behind LLC/SNAP for IPv4.
    fn qos_data_to_ds(payload: &[u8]) -> Vec<u8> {
        let mut f = vec![0x88, 0x01, 0x2c, 0x00];
        f.extend(AP);
        f.extend(STA);
        f.extend(GW);
        f.extend([0x10, 0x00, 0x06, 0x00]);
        f.extend([0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00]);
        f.extend(payload);
        f
    }

    #[test]
    fn a_qos_data_frame_names_its_addresses_and_payload() {
        let f = qos_data_to_ds(&[0x45, 0]);
        let (h, next) = walk_all(false, &f);
        assert_eq!(next.unwrap(), (Next::Ipv4, &[0x45, 0][..]));
        let LinkHeader::Wlan(w) = h[0] else { panic!("{h:?}") };
        assert_eq!((w.frame_type(), w.subtype(), w.ds(), w.qos), (2, 8, 1, Some(6)));
        assert_eq!(
            (w.ra(), w.ta(), w.da_sa_bssid(), w.staa()),
            (Some(AP), Some(STA), [Some(GW), Some(STA), Some(AP)], Some(STA))
        );
        assert!(matches!(h[1], LinkHeader::Llc(Llc { snap: Some((0, 0x0800)), .. })));
    }

    #[test]
    fn radiotap_flags_say_where_the_fcs_is() {
        // Present: TSFT and flags. Header (8), TSFT at 8..16, flags 0x10 (FCS at the end) at
        // 16, padding to the length of 20.
        let mut f = vec![0, 0, 20, 0, 0x03, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0x10, 0, 0, 0];
        f.extend(qos_data_to_ds(&[0x45, 0]));
        f.extend([0xde, 0xad, 0xbe, 0xef]);
        let (h, next) = walk_all(true, &f);
        assert_eq!(next.unwrap(), (Next::Ipv4, &[0x45, 0][..]));
        let LinkHeader::Radiotap(r) = h[0] else { panic!("{h:?}") };
        assert_eq!((r.length, r.words, r.flags), (20, 1, Some(0x10)));
        let LinkHeader::Wlan(w) = h[1] else { panic!("{h:?}") };
        assert_eq!(w.fcs, Some(0xefbe_adde));
    }

    #[test]
    fn control_management_and_protected_frames_carry_nothing_read_on() {
        let mut ack = vec![0xd4, 0x00, 0, 0];
        ack.extend(STA);
        let (h, next) = walk_all(false, &ack);
        let LinkHeader::Wlan(w) = h[0] else { panic!("{h:?}") };
        assert_eq!((w.ra(), w.ta(), w.da_sa_bssid()[0]), (Some(STA), None, None));
        assert!(matches!(next, Some((Next::Other(_), []))));
        let mut protected = qos_data_to_ds(&[0x45, 0]);
        protected[1] |= 0x40;
        assert!(matches!(walk_all(false, &protected).1, Some((Next::Other(_), []))));
        // A header cut short is an error; a body cut short is only an empty body.
        assert!(walk_all(false, &ack[..6]).1.is_none());
        assert!(walk_all(true, &[0, 0, 30, 0, 0, 0, 0, 0]).1.is_none());
    }
}
