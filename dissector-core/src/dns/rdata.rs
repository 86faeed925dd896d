//! Resource-record data (RFC 1035 §3.3-3.4 and later type RFCs).
//!
//! Each RDATA is parsed within its RDLENGTH; names inside it may still point anywhere earlier
//! in the message (RFC 1035 §4.1.4).

use super::name::{parse_name, Name, NameError};

/// RR type numbers synack decodes.
pub mod rtype {
    /// IPv4 address (RFC 1035).
    pub const A: u16 = 1;
    /// Name server (RFC 1035).
    pub const NS: u16 = 2;
    /// Canonical name (RFC 1035).
    pub const CNAME: u16 = 5;
    /// Start of authority (RFC 1035).
    pub const SOA: u16 = 6;
    /// Domain name pointer (RFC 1035).
    pub const PTR: u16 = 12;
    /// Mail exchange (RFC 1035).
    pub const MX: u16 = 15;
    /// Text strings (RFC 1035).
    pub const TXT: u16 = 16;
    /// IPv6 address (RFC 3596).
    pub const AAAA: u16 = 28;
    /// Service location (RFC 2782).
    pub const SRV: u16 = 33;
    /// EDNS(0) OPT pseudo-RR (RFC 6891).
    pub const OPT: u16 = 41;
    /// Delegation signer (RFC 4034).
    pub const DS: u16 = 43;
    /// RRSIG (RFC 4034).
    pub const RRSIG: u16 = 46;
    /// NSEC (RFC 4034).
    pub const NSEC: u16 = 47;
    /// DNSKEY (RFC 4034).
    pub const DNSKEY: u16 = 48;
    /// NSEC3 (RFC 5155).
    pub const NSEC3: u16 = 50;
    /// SVCB (RFC 9460).
    pub const SVCB: u16 = 64;
    /// HTTPS (RFC 9460).
    pub const HTTPS: u16 = 65;
    /// Certification authority authorization (RFC 8659).
    pub const CAA: u16 = 257;
}

/// One EDNS option (RFC 6891 §6.1.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdnsOption {
    /// Option code.
    pub code: u16,
    /// Option data.
    pub data: Vec<u8>,
}

/// Decoded RDATA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordData {
    /// Empty RDATA (RDLENGTH 0).
    Empty,
    /// IPv4 address.
    A([u8; 4]),
    /// IPv6 address.
    Aaaa([u8; 16]),
    /// Name server.
    Ns(Name),
    /// Canonical name.
    Cname(Name),
    /// Pointer.
    Ptr(Name),
    /// Mail exchange.
    Mx {
        /// Preference.
        preference: u16,
        /// Exchange host.
        exchange: Name,
    },
    /// Character strings.
    Txt(Vec<Vec<u8>>),
    /// Start of authority.
    Soa {
        /// Primary name server.
        mname: Name,
        /// Responsible mailbox.
        rname: Name,
        /// Serial, refresh, retry, expire, minimum.
        values: [u32; 5],
    },
    /// Service location.
    Srv {
        /// Priority.
        priority: u16,
        /// Weight.
        weight: u16,
        /// Port.
        port: u16,
        /// Target host.
        target: Name,
    },
    /// Certification authority authorization.
    Caa {
        /// Flags.
        flags: u8,
        /// Property tag.
        tag: Vec<u8>,
        /// Property value.
        value: Vec<u8>,
    },
    /// SVCB or HTTPS.
    Svcb {
        /// SvcPriority (0 = alias mode).
        priority: u16,
        /// TargetName.
        target: Name,
        /// SvcParams as (key, value).
        params: Vec<(u16, Vec<u8>)>,
    },
    /// EDNS options of an OPT record.
    Opt(Vec<EdnsOption>),
    /// DS: key tag, algorithm, digest type, digest.
    Ds {
        /// Key tag.
        key_tag: u16,
        /// Algorithm.
        algorithm: u8,
        /// Digest type.
        digest_type: u8,
        /// Digest.
        digest: Vec<u8>,
    },
    /// DNSKEY: flags, protocol, algorithm, key.
    Dnskey {
        /// Flags.
        flags: u16,
        /// Protocol (3).
        protocol: u8,
        /// Algorithm.
        algorithm: u8,
        /// Public key.
        key: Vec<u8>,
    },
    /// RRSIG: covered type, algorithm, signer; the rest kept raw.
    Rrsig {
        /// Type covered.
        type_covered: u16,
        /// Algorithm.
        algorithm: u8,
        /// Labels.
        labels: u8,
        /// Signer name.
        signer: Name,
        /// Whole RDATA.
        raw: Vec<u8>,
    },
    /// NSEC: next owner name, type bitmap raw.
    Nsec {
        /// Next domain name.
        next: Name,
        /// Type bit maps.
        bitmap: Vec<u8>,
    },
    /// NSEC3: hash algorithm, flags, iterations; the rest kept raw.
    Nsec3 {
        /// Hash algorithm.
        algorithm: u8,
        /// Flags.
        flags: u8,
        /// Iterations.
        iterations: u16,
        /// Type bit maps (after salt and hash).
        bitmap: Vec<u8>,
        /// Whole RDATA.
        raw: Vec<u8>,
    },
    /// Any other type, raw.
    Unknown(Vec<u8>),
}

/// Why RDATA could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RdataError {
    /// RDATA shorter than its type needs.
    Short,
    /// A name inside the RDATA is bad.
    Name(NameError),
}

impl core::fmt::Display for RdataError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            RdataError::Short => f.write_str("RDATA shorter than its type needs"),
            RdataError::Name(e) => write!(f, "name in RDATA: {e}"),
        }
    }
}

impl std::error::Error for RdataError {}

impl From<NameError> for RdataError {
    fn from(e: NameError) -> Self {
        RdataError::Name(e)
    }
}

fn be16(b: &[u8], at: usize) -> Result<u16, RdataError> {
    b.get(at..at + 2).map(|s| u16::from_be_bytes([s[0], s[1]])).ok_or(RdataError::Short)
}

fn be32(b: &[u8], at: usize) -> Result<u32, RdataError> {
    b.get(at..at + 4).map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]])).ok_or(RdataError::Short)
}

/// Parse a name inside RDATA: `rd_start..rd_end` bounds the labels, pointers reach back into
/// `msg[..rd_end]`.
fn name_in(msg: &[u8], at: usize, rd_end: usize) -> Result<Name, RdataError> {
    let bounded = msg.get(..rd_end).ok_or(RdataError::Short)?;
    Ok(parse_name(bounded, at)?)
}

/// The mnemonic of a type (RFC 1035 §3.2.2 and IANA's registry), or `TYPE<n>` (RFC 3597 §5).
pub fn type_name(t: u16) -> String {
    let mut s = String::new();
    write_type_name(&mut s, t);
    s
}

/// [`type_name`] appended to `s`.
pub fn write_type_name(s: &mut String, t: u16) {
    match type_mnemonic(t) {
        Some(n) => s.push_str(n),
        None => {
            use core::fmt::Write;
            let _ = write!(s, "TYPE{t}");
        }
    }
}

/// The mnemonics tshark 4.0 knows (IANA's DNS parameters registry, with the obsolete and
/// private ones it keeps): the one table the Info column and synack's summaries read.
pub fn type_mnemonic(t: u16) -> Option<&'static str> {
    Some(match t {
        1 => "A",
        2 => "NS",
        3 => "MD",
        4 => "MF",
        5 => "CNAME",
        6 => "SOA",
        7 => "MB",
        8 => "MG",
        9 => "MR",
        10 => "NULL",
        11 => "WKS",
        12 => "PTR",
        13 => "HINFO",
        14 => "MINFO",
        15 => "MX",
        16 => "TXT",
        17 => "RP",
        18 => "AFSDB",
        19 => "X25",
        20 => "ISDN",
        21 => "RT",
        22 => "NSAP",
        23 => "NSAP-PTR",
        24 => "SIG",
        25 => "KEY",
        26 => "PX",
        27 => "GPOS",
        28 => "AAAA",
        29 => "LOC",
        30 => "NXT",
        31 => "EID",
        32 => "NIMLOC",
        33 => "SRV",
        34 => "ATMA",
        35 => "NAPTR",
        36 => "KX",
        37 => "CERT",
        38 => "A6",
        39 => "DNAME",
        40 => "SINK",
        41 => "OPT",
        42 => "APL",
        43 => "DS",
        44 => "SSHFP",
        45 => "IPSECKEY",
        46 => "RRSIG",
        47 => "NSEC",
        48 => "DNSKEY",
        49 => "DHCID",
        50 => "NSEC3",
        51 => "NSEC3PARAM",
        52 => "TLSA",
        55 => "HIP",
        57 => "RKEY",
        58 => "TALINK",
        59 => "CDS",
        60 => "CDNSKEY",
        61 => "OPENPGPKEY",
        62 => "CSYNC",
        63 => "ZONEMD",
        64 => "SVCB",
        65 => "HTTPS",
        99 => "SPF",
        100 => "UINFO",
        101 => "UID",
        102 => "GID",
        103 => "UNSPEC",
        104 => "NID",
        105 => "L32",
        106 => "L64",
        107 => "LP",
        108 => "EUI48",
        109 => "EUI64",
        249 => "TKEY",
        250 => "TSIG",
        251 => "IXFR",
        252 => "AXFR",
        253 => "MAILA",
        254 => "MAILB",
        255 => "ANY",
        256 => "URI",
        257 => "CAA",
        32768 => "TA",
        32769 => "DLV",
        65281 => "WINS",
        65282 => "WINS-R",
        65422 => "XPF",
        _ => return None,
    })
}

/// Decode the RDATA of type `rtype` found at `msg[start..start + len]`.
pub fn parse_rdata(msg: &[u8], rtype: u16, start: usize, len: usize) -> Result<RecordData, RdataError> {
    let end = start + len;
    let rd = msg.get(start..end).ok_or(RdataError::Short)?;
    if rd.is_empty() && rtype != rtype::OPT {
        return Ok(RecordData::Empty);
    }
    Ok(match rtype {
        rtype::A => {
            let b: [u8; 4] = rd.get(..4).and_then(|s| s.try_into().ok()).ok_or(RdataError::Short)?;
            RecordData::A(b)
        }
        rtype::AAAA => {
            let b: [u8; 16] = rd.get(..16).and_then(|s| s.try_into().ok()).ok_or(RdataError::Short)?;
            RecordData::Aaaa(b)
        }
        rtype::NS => RecordData::Ns(name_in(msg, start, end)?),
        rtype::CNAME => RecordData::Cname(name_in(msg, start, end)?),
        rtype::PTR => RecordData::Ptr(name_in(msg, start, end)?),
        rtype::MX => RecordData::Mx { preference: be16(rd, 0)?, exchange: name_in(msg, start + 2, end)? },
        rtype::TXT => {
            // RFC 1035 §3.3.14: one or more <character-string>s, each length-prefixed.
            let mut strings = Vec::new();
            let mut i = 0;
            while i < rd.len() {
                let n = usize::from(rd[i]);
                let s = rd.get(i + 1..i + 1 + n).ok_or(RdataError::Short)?;
                strings.push(s.to_vec());
                i += 1 + n;
            }
            RecordData::Txt(strings)
        }
        rtype::SOA => {
            let mname = name_in(msg, start, end)?;
            let rname = name_in(msg, start + mname.wire_len, end)?;
            let at = mname.wire_len + rname.wire_len;
            let mut values = [0u32; 5];
            for (k, v) in values.iter_mut().enumerate() {
                *v = be32(rd, at + 4 * k)?;
            }
            RecordData::Soa { mname, rname, values }
        }
        rtype::SRV => RecordData::Srv {
            priority: be16(rd, 0)?,
            weight: be16(rd, 2)?,
            port: be16(rd, 4)?,
            target: name_in(msg, start + 6, end)?,
        },
        rtype::CAA => {
            let flags = *rd.first().ok_or(RdataError::Short)?;
            let tlen = usize::from(*rd.get(1).ok_or(RdataError::Short)?);
            let tag = rd.get(2..2 + tlen).ok_or(RdataError::Short)?.to_vec();
            RecordData::Caa { flags, tag, value: rd[2 + tlen..].to_vec() }
        }
        rtype::SVCB | rtype::HTTPS => {
            // RFC 9460 §2.2: SvcPriority, TargetName (uncompressed), SvcParams.
            let priority = be16(rd, 0)?;
            let target = name_in(msg, start + 2, end)?;
            let mut params = Vec::new();
            let mut i = 2 + target.wire_len;
            while i < rd.len() {
                let key = be16(rd, i)?;
                let n = usize::from(be16(rd, i + 2)?);
                let v = rd.get(i + 4..i + 4 + n).ok_or(RdataError::Short)?;
                params.push((key, v.to_vec()));
                i += 4 + n;
            }
            RecordData::Svcb { priority, target, params }
        }
        rtype::OPT => {
            // RFC 6891 §6.1.2: {code, length, data} triples.
            let mut opts = Vec::new();
            let mut i = 0;
            while i < rd.len() {
                let code = be16(rd, i)?;
                let n = usize::from(be16(rd, i + 2)?);
                let v = rd.get(i + 4..i + 4 + n).ok_or(RdataError::Short)?;
                opts.push(EdnsOption { code, data: v.to_vec() });
                i += 4 + n;
            }
            RecordData::Opt(opts)
        }
        rtype::DS => RecordData::Ds {
            key_tag: be16(rd, 0)?,
            algorithm: *rd.get(2).ok_or(RdataError::Short)?,
            digest_type: *rd.get(3).ok_or(RdataError::Short)?,
            digest: rd[4.min(rd.len())..].to_vec(),
        },
        rtype::DNSKEY => RecordData::Dnskey {
            flags: be16(rd, 0)?,
            protocol: *rd.get(2).ok_or(RdataError::Short)?,
            algorithm: *rd.get(3).ok_or(RdataError::Short)?,
            key: rd[4.min(rd.len())..].to_vec(),
        },
        rtype::RRSIG => {
            // RFC 4034 §3.1: 18 fixed bytes, then the signer's name (uncompressed).
            let type_covered = be16(rd, 0)?;
            let algorithm = *rd.get(2).ok_or(RdataError::Short)?;
            let labels = *rd.get(3).ok_or(RdataError::Short)?;
            if rd.len() < 18 {
                return Err(RdataError::Short);
            }
            let signer = name_in(msg, start + 18, end)?;
            RecordData::Rrsig { type_covered, algorithm, labels, signer, raw: rd.to_vec() }
        }
        rtype::NSEC => {
            let next = name_in(msg, start, end)?;
            RecordData::Nsec { bitmap: rd[next.wire_len.min(rd.len())..].to_vec(), next }
        }
        rtype::NSEC3 => {
            // RFC 5155 §3.2: alg, flags, iterations, salt length + salt, hash length + hash,
            // then the type bit maps.
            let salt_len = usize::from(*rd.get(4).ok_or(RdataError::Short)?);
            let hash_at = 5 + salt_len;
            let hash_len = usize::from(*rd.get(hash_at).ok_or(RdataError::Short)?);
            let bitmap = rd.get(hash_at + 1 + hash_len..).ok_or(RdataError::Short)?.to_vec();
            RecordData::Nsec3 {
                algorithm: rd[0],
                flags: *rd.get(1).ok_or(RdataError::Short)?,
                iterations: be16(rd, 2)?,
                bitmap,
                raw: rd.to_vec(),
            }
        }
        _ => RecordData::Unknown(rd.to_vec()),
    })
}

/// The RR types listed in an NSEC/NSEC3 type bit map (RFC 4034 §4.1.2): windows of a block
/// number, a length of 1 to 32, and that many bitmap octets.
pub fn bitmap_types(mut b: &[u8]) -> Vec<u16> {
    let mut types = Vec::new();
    while let [window, len, rest @ ..] = b {
        let n = usize::from(*len).min(rest.len());
        for (i, byte) in rest[..n].iter().enumerate() {
            for bit in 0..8 {
                if byte & (0x80 >> bit) != 0 {
                    types.push(u16::from(*window) << 8 | (i * 8 + bit) as u16);
                }
            }
        }
        b = &rest[n..];
    }
    types
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_bitmap_lists_types() {
        // window 0, 6 octets: NS(2) SOA(6) RRSIG(46) DNSKEY(48) NSEC3PARAM(51)
        let b = [0, 7, 0x22, 0, 0, 0, 0, 0x02, 0x90];
        assert_eq!(bitmap_types(&b), vec![2, 6, 46, 48, 51]);
        assert_eq!(bitmap_types(&[0, 40]), Vec::<u16>::new());
    }
}
