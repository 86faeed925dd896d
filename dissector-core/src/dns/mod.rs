//! DNS messages (RFC 1035 §4.1) with EDNS(0) (RFC 6891), over UDP and over TCP (RFC 7766).
//!
//! [`parse_message`] never fails as a whole: it returns every section entry it could read and,
//! when it had to stop, a [`DnsProblem`] saying where and why (the Wireshark behaviour users
//! expect: fields up to the bad byte, then "malformed").

pub mod name;
pub mod rdata;

pub use name::{parse_name, Name, NameError, NameFlags};
pub use rdata::{parse_rdata, rtype, type_mnemonic, EdnsOption, RdataError, RecordData};

/// Length of the fixed header.
pub const HEADER_LEN: usize = 12;

/// The fixed DNS header (RFC 1035 §4.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// Transaction ID.
    pub id: u16,
    /// Flags word: QR, Opcode, AA, TC, RD, RA, Z, AD, CD, RCODE.
    pub flags: u16,
    /// QDCOUNT.
    pub qdcount: u16,
    /// ANCOUNT.
    pub ancount: u16,
    /// NSCOUNT.
    pub nscount: u16,
    /// ARCOUNT.
    pub arcount: u16,
}

impl Header {
    /// QR: this is a response.
    pub fn is_response(&self) -> bool {
        self.flags & 0x8000 != 0
    }
    /// Opcode (4 bits).
    pub fn opcode(&self) -> u16 {
        (self.flags >> 11) & 0xf
    }
    /// TC: truncated.
    pub fn truncated(&self) -> bool {
        self.flags & 0x0200 != 0
    }
    /// RCODE (low 4 bits; EDNS extends it).
    pub fn rcode(&self) -> u16 {
        self.flags & 0xf
    }
}

/// Parse the fixed header.
pub fn parse_header(b: &[u8]) -> Result<Header, DnsProblem> {
    let Some(h) = b.get(..HEADER_LEN) else { return Err(DnsProblem::ShortHeader) };
    let w = |i: usize| u16::from_be_bytes([h[i], h[i + 1]]);
    Ok(Header { id: w(0), flags: w(2), qdcount: w(4), ancount: w(6), nscount: w(8), arcount: w(10) })
}

/// One question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    /// QNAME.
    pub name: Name,
    /// QTYPE.
    pub qtype: u16,
    /// QCLASS as sent (mDNS uses the top bit as "unicast response").
    pub qclass: u16,
}

/// Section of a resource record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// Answer.
    Answer,
    /// Authority.
    Authority,
    /// Additional.
    Additional,
}

/// One resource record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Section it came from.
    pub section: Section,
    /// Owner name.
    pub name: Name,
    /// TYPE.
    pub rtype: u16,
    /// CLASS as sent (for OPT: the requestor's UDP payload size).
    pub class: u16,
    /// TTL (for OPT: extended RCODE, version, DO and Z).
    pub ttl: u32,
    /// RDLENGTH.
    pub rdlen: u16,
    /// Decoded RDATA, or why it could not be decoded.
    pub data: Result<RecordData, RdataError>,
}

/// Where and why parsing of a message stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DnsProblem {
    /// Fewer than 12 bytes.
    ShortHeader,
    /// A name could not be read.
    Name {
        /// Offset of the name.
        at: usize,
        /// The error.
        error: NameError,
    },
    /// The message ends inside a question or record.
    Truncated {
        /// Offset where more bytes were needed.
        at: usize,
    },
    /// RDATA does not match its type.
    BadRdata {
        /// Offset of the RDATA.
        at: usize,
        /// The error.
        error: RdataError,
    },
}

impl DnsProblem {
    /// Whether the message ends before what it declares (a name or record cut off): Wireshark
    /// stops there with an exception, before it pairs the message with its query or response.
    pub fn cut_short(&self) -> bool {
        matches!(self, DnsProblem::Truncated { .. } | DnsProblem::Name { error: NameError::Truncated, .. })
    }
}

impl std::error::Error for DnsProblem {}

impl core::fmt::Display for DnsProblem {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            DnsProblem::ShortHeader => write!(f, "DNS message shorter than its 12-byte header"),
            DnsProblem::Name { at, error } => write!(f, "DNS name at offset {at}: {error}"),
            DnsProblem::Truncated { at } => write!(f, "DNS message truncated at offset {at}"),
            DnsProblem::BadRdata { at, error } => write!(f, "DNS RDATA at offset {at}: {error}"),
        }
    }
}

/// A parsed DNS message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Header.
    pub header: Header,
    /// Questions read.
    pub questions: Vec<Question>,
    /// Records read, in wire order (answer, authority, additional).
    pub records: Vec<Record>,
    /// Multicast DNS or LLMNR framing (class top bit has another meaning).
    pub multicast: bool,
    /// Set when parsing stopped early.
    pub problem: Option<DnsProblem>,
    /// The type and class of a record whose RDATA runs past the message: Wireshark names it
    /// in the Info column and shows none of its fields.
    pub cut_record: Option<(u16, u16)>,
}

impl Message {
    /// One line about the message for people: `query 0x5a17 A www.example.test`, or
    /// `response 0x5a17 A www.example.test: CNAME web.example.test, A 127.0.0.2`.
    pub fn summary(&self) -> String {
        use core::fmt::Write;
        let h = &self.header;
        let mut s = String::with_capacity(128);
        let _ = write!(s, "{} 0x{:04x}", if h.is_response() { "response" } else { "query" }, h.id);
        for q in &self.questions {
            s.push(' ');
            rdata::write_type_name(&mut s, q.qtype);
            s.push(' ');
            s.push_str(&q.name.text);
        }
        if h.is_response() {
            if h.rcode() != 0 {
                let _ = write!(s, " rcode {}", h.rcode());
            }
            // The first four answers, then how many more.
            const SHOWN: usize = 4;
            let mut answers = 0;
            for r in self.section(Section::Answer) {
                answers += 1;
                if answers > SHOWN {
                    continue;
                }
                s.push_str(if answers == 1 { ": " } else { ", " });
                let _ = match &r.data {
                    Ok(RecordData::A(a)) => write!(s, "A {}", std::net::Ipv4Addr::from(*a)),
                    Ok(RecordData::Aaaa(a)) => write!(s, "AAAA {}", std::net::Ipv6Addr::from(*a)),
                    Ok(RecordData::Cname(n)) => write!(s, "CNAME {}", n.text),
                    _ => {
                        rdata::write_type_name(&mut s, r.rtype);
                        Ok(())
                    }
                };
            }
            if answers > SHOWN {
                let _ = write!(s, " and {} more", answers - SHOWN);
            }
        }
        s
    }

    /// Records of one section.
    pub fn section(&self, s: Section) -> impl Iterator<Item = &Record> {
        self.records.iter().filter(move |r| r.section == s)
    }
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    b.get(at..at + 2).map(|s| u16::from_be_bytes([s[0], s[1]]))
}

/// Parse a DNS message. Fails only when the 12-byte header is incomplete; a problem further
/// on is recorded in [`Message::problem`] with everything read before it.
pub fn parse_message(msg: &[u8], multicast: bool) -> Result<Message, DnsProblem> {
    let header = parse_header(msg)?;
    let mut m =
        Message { header, questions: Vec::new(), records: Vec::new(), multicast, problem: None, cut_record: None };
    if let Err(p) = parse_sections(msg, &mut m) {
        m.problem = Some(p);
    }
    Ok(m)
}

/// Read the question and record sections into `m`, stopping at the first problem.
fn parse_sections(msg: &[u8], m: &mut Message) -> Result<(), DnsProblem> {
    let header = m.header;
    let name_at = |off: usize| parse_name(msg, off).map_err(|error| DnsProblem::Name { at: off, error });
    let mut off = HEADER_LEN;
    // RFC 1035 §4.1.2: QDCOUNT questions of QNAME, QTYPE, QCLASS.
    for _ in 0..header.qdcount {
        let name = name_at(off)?;
        let at = off + name.wire_len;
        let (Some(qtype), Some(qclass)) = (be16(msg, at), be16(msg, at + 2)) else {
            return Err(DnsProblem::Truncated { at });
        };
        m.questions.push(Question { name, qtype, qclass });
        off = at + 4;
    }
    // RFC 1035 §4.1.3: resource records of NAME, TYPE, CLASS, TTL, RDLENGTH, RDATA.
    let sections = [
        (Section::Answer, header.ancount),
        (Section::Authority, header.nscount),
        (Section::Additional, header.arcount),
    ];
    for (section, count) in sections {
        for _ in 0..count {
            let name = name_at(off)?;
            let at = off + name.wire_len;
            let fixed = (be16(msg, at), be16(msg, at + 2), be16(msg, at + 4), be16(msg, at + 6), be16(msg, at + 8));
            let (Some(rtype), Some(class), Some(t1), Some(t2), Some(rdlen)) = fixed else {
                return Err(DnsProblem::Truncated { at });
            };
            let ttl = u32::from(t1) << 16 | u32::from(t2);
            let start = at + 10;
            let data = parse_rdata(msg, rtype, start, usize::from(rdlen));
            let stop = match &data {
                // Wireshark puts a record's subtree over its whole RDATA first: one that runs
                // past the message shows nothing of itself.
                Err(RdataError::Short) if start + usize::from(rdlen) > msg.len() => {
                    m.cut_record = Some((rtype, class));
                    return Err(DnsProblem::Truncated { at: msg.len() });
                }
                Err(error) => Some(DnsProblem::BadRdata { at: start, error: *error }),
                Ok(_) => None,
            };
            m.records.push(Record { section, name, rtype, class, ttl, rdlen, data });
            if let Some(p) = stop {
                return Err(p);
            }
            off = start + usize::from(rdlen);
        }
    }
    Ok(())
}

/// True if the payload looks like DNS by Wireshark's "DNS over UDP" heuristic: more than a
/// header, standard-query opcode, one question and no answers for queries, small counts for
/// responses.
pub(crate) fn looks_like_dns(b: &[u8]) -> bool {
    let Ok(h) = parse_header(b) else { return false };
    if b.len() <= HEADER_LEN || h.opcode() != 0 {
        return false;
    }
    let counts_ok = if h.is_response() {
        h.qdcount <= 1 && h.ancount <= 100 && h.nscount <= 10
    } else {
        h.qdcount == 1 && h.ancount == 0 && h.nscount == 0
    };
    counts_ok && h.arcount <= 10
}

#[cfg(test)]
mod tests {
    use super::*;

    /// dig www.corpus.test A response from dnsmasq, trimmed:
    /// id 02e7, flags 8580, 1 question, 1 answer; answer is a pointer to the qname, A, IN,
    /// TTL 0, 127.0.0.10.
    const RESPONSE: &[u8] = b"\x02\xe7\x85\x80\x00\x01\x00\x01\x00\x00\x00\x00\
\x03www\x06corpus\x04test\x00\x00\x01\x00\x01\
\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x00\x00\x04\x7f\x00\x00\x0a";

    #[test]
    fn response_with_compressed_answer() {
        let m = parse_message(RESPONSE, false).unwrap();
        assert_eq!(m.problem, None);
        assert_eq!(m.header.id, 0x02e7);
        assert!(m.header.is_response());
        assert_eq!(m.questions[0].name.text, "www.corpus.test");
        assert_eq!(m.records[0].name.text, "www.corpus.test");
        assert_eq!(m.records[0].data, Ok(RecordData::A([127, 0, 0, 10])));
    }

    #[test]
    fn hazard_truncated_rdata() {
        let cut = &RESPONSE[..RESPONSE.len() - 2];
        let m = parse_message(cut, false).unwrap();
        assert_eq!(m.questions.len(), 1);
        assert!(matches!(m.problem, Some(DnsProblem::Truncated { .. })));
    }

    #[test]
    fn every_prefix_parses_without_panic() {
        for n in 0..RESPONSE.len() {
            let _ = parse_message(&RESPONSE[..n], false);
        }
    }

    #[test]
    fn heuristic_accepts_query_rejects_noise() {
        assert!(looks_like_dns(RESPONSE));
        assert!(!looks_like_dns(&[0xff; 40]));
    }

    #[test]
    fn summary_shows_four_answers_then_counts_the_rest() {
        let mut m = b"\x12\x34\x81\x83\x00\x01\x00\x06\x00\x00\x00\x00\x01a\x04test\x00\x00\x01\x00\x01".to_vec();
        let rr = |m: &mut Vec<u8>, rtype: u16, rdata: &[u8]| {
            m.extend_from_slice(b"\xc0\x0c");
            m.extend_from_slice(&rtype.to_be_bytes());
            m.extend_from_slice(b"\x00\x01\x00\x00\x00\x3c");
            m.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
            m.extend_from_slice(rdata);
        };
        rr(&mut m, rtype::A, &[10, 0, 0, 1]);
        rr(&mut m, rtype::AAAA, &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
        rr(&mut m, rtype::CNAME, b"\x01b\x04test\x00");
        rr(&mut m, rtype::MX, b"\x00\x0a\xc0\x0c");
        rr(&mut m, 0xff00, b"");
        rr(&mut m, rtype::A, &[10, 0, 0, 2]);
        let msg = parse_message(&m, false).unwrap();
        assert_eq!(msg.problem, None);
        // Written out by hand: RFC 1035 rcode 3 (name error), answers in wire order.
        assert_eq!(
            msg.summary(),
            "response 0x1234 A a.test rcode 3: A 10.0.0.1, AAAA ::1, CNAME b.test, MX and 2 more"
        );
        let q = parse_message(&m[..12 + 12], false).unwrap();
        assert!(q.summary().starts_with("response 0x1234 A a.test rcode 3"), "{}", q.summary());
    }
}
