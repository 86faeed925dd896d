//! Zeek's view of a TCP connection, for the connection summary: each endpoint's coarse state
//! (inactive, SYN sent, SYN+ACK sent, partial, established, closed, reset), the `history`
//! letters and the `conn_state` code of Zeek's conn.log.
//!
//! Written from Zeek's published definitions (the conn.log field documentation: `conn_state`
//! codes S0 ... OTH and the `history` alphabet) and the behaviour of its TCP analyzer; the
//! originator is synack's client.

/// Zeek's per-endpoint TCP state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ZState {
    /// Nothing sent yet.
    #[default]
    Inactive,
    /// Sent a SYN.
    SynSent,
    /// Sent a SYN+ACK as the originator.
    SynAckSent,
    /// Sent traffic without a SYN having been seen (picked up mid-stream).
    Partial,
    /// Handshake done.
    Established,
    /// Sent a FIN.
    Closed,
    /// Sent a RST.
    Reset,
}

/// One endpoint as Zeek tracks it.
#[derive(Debug, Clone, Default)]
pub struct ZEndpoint {
    /// Current state.
    pub state: ZState,
    /// State before the last change.
    pub prev: ZState,
    /// History letter classes already recorded (bit per class).
    seen: u16,
    last_syn: Option<u32>,
    last_fin: Option<u32>,
    last_rst: Option<u32>,
    rxmit: u32,
    win0: u32,
    /// Payload bytes sent (Zeek's endpoint `size`, taken here from new data only).
    pub size: u64,
}

impl ZEndpoint {
    fn set(&mut self, s: ZState) {
        if s != self.state {
            self.prev = self.state;
            self.state = s;
        }
    }
}

/// What one segment looks like to the Zeek model.
#[derive(Debug, Clone, Copy)]
pub struct ZSegment {
    /// Sent by the originator (client).
    pub from_orig: bool,
    /// SYN, ACK, FIN, RST.
    pub syn: bool,
    /// ACK flag.
    pub ack: bool,
    /// FIN flag.
    pub fin: bool,
    /// RST flag.
    pub rst: bool,
    /// Raw sequence number.
    pub seq: u32,
    /// Payload length.
    pub len: u32,
    /// Window field (unscaled; only zero matters).
    pub window: u16,
    /// The payload repeats data already sent.
    pub retransmission: bool,
}

const H_SYN: u16 = 1;
const H_FIN: u16 = 2;
const H_RST: u16 = 4;
const H_FIN_RST: u16 = 8;
const H_DATA: u16 = 16;
const H_ACK: u16 = 32;
const H_MULTI: u16 = 64;

/// Zeek's two endpoints plus the history string.
#[derive(Debug, Clone, Default)]
pub struct ZConn {
    /// The originator (synack's client).
    pub orig: ZEndpoint,
    /// The responder (synack's server).
    pub resp: ZEndpoint,
    /// History letters, originator upper case.
    pub history: String,
}

impl ZConn {
    /// Start a connection; `flipped` when the first packet came from the responder (Zeek's
    /// `^`: the direction was decided by heuristics, not by who spoke first).
    pub fn new(flipped: bool) -> ZConn {
        let mut z = ZConn::default();
        if flipped {
            z.history.push('^');
        }
        z
    }

    fn letter(&mut self, from_orig: bool, c: char) {
        self.history.push(if from_orig { c.to_ascii_uppercase() } else { c });
    }

    /// Record a letter of a once-per-direction class; returns whether it was new.
    fn once(&mut self, from_orig: bool, mask: u16, c: char) -> bool {
        let e = if from_orig { &mut self.orig } else { &mut self.resp };
        if e.seen & mask != 0 {
            return false;
        }
        e.seen |= mask;
        self.letter(from_orig, c);
        true
    }

    /// Letters recorded logarithmically (`t`, `w`): at the 1st, 10th, 100th ... occurrence.
    fn logarithmic(&mut self, from_orig: bool, c: char, count: u32) {
        if count == 1 || (count >= 10 && 10u32.pow(count.ilog10()) == count) {
            self.letter(from_orig, c);
        }
    }

    /// Account for one segment.
    pub fn on_segment(&mut self, s: &ZSegment) {
        self.history_for(s);
        self.state_for(s);
        if s.len > 0 && !s.retransmission && !s.rst {
            let e = if s.from_orig { &mut self.orig } else { &mut self.resp };
            e.size += u64::from(s.len);
        }
    }

    /// The history alphabet: s/h SYN and SYN+ACK, f FIN, r RST (again when the sequence
    /// number differs), i FIN+RST, q other multi-flag packets, d payload and a pure ACK
    /// (once each), t retransmitted payload and w zero window (logarithmically).
    fn history_for(&mut self, s: &ZSegment) {
        let o = s.from_orig;
        let bits = u8::from(s.syn) + u8::from(s.fin) + u8::from(s.rst);
        if bits > 1 {
            if s.fin && s.rst {
                self.once(o, H_FIN_RST, 'i');
            } else {
                self.once(o, H_MULTI, 'q');
            }
        } else if bits == 1 {
            let e = if o { &mut self.orig } else { &mut self.resp };
            let mut add = None;
            if s.syn {
                if e.last_syn != Some(s.seq) {
                    add = Some(if s.ack { 'h' } else { 's' });
                }
                e.last_syn = Some(s.seq);
                e.seen |= H_SYN;
            } else if s.fin {
                // A FIN's sequence number is the one after its data.
                let at = s.seq.wrapping_add(s.len);
                if e.last_fin != Some(at) {
                    add = Some('f');
                }
                e.last_fin = Some(at);
                e.seen |= H_FIN;
            } else {
                if e.last_rst != Some(s.seq) {
                    add = Some('r');
                }
                e.last_rst = Some(s.seq);
                e.seen |= H_RST;
            }
            if let Some(c) = add {
                self.letter(o, c);
            }
        } else if s.len > 0 {
            self.once(o, H_DATA, 'd');
        } else if s.ack {
            self.once(o, H_ACK, 'a');
        }
        if s.retransmission && s.len > 0 {
            let e = if o { &mut self.orig } else { &mut self.resp };
            e.rxmit += 1;
            let n = e.rxmit;
            self.logarithmic(o, 't', n);
        }
        let (me, peer) = if o { (&self.orig, &self.resp) } else { (&self.resp, &self.orig) };
        // A zero window matters unless it comes with or after our RST, or after the peer's FIN.
        if s.window == 0 && !s.rst && peer.state != ZState::Closed && me.state != ZState::Reset {
            let e = if o { &mut self.orig } else { &mut self.resp };
            e.win0 += 1;
            let n = e.win0;
            self.logarithmic(o, 'w', n);
        }
    }

    fn state_for(&mut self, s: &ZSegment) {
        let o = s.from_orig;
        let (me, peer) = if o { (&mut self.orig, &mut self.resp) } else { (&mut self.resp, &mut self.orig) };
        match me.state {
            ZState::Inactive => {
                if s.syn {
                    if o {
                        me.set(if s.ack { ZState::SynAckSent } else { ZState::SynSent });
                    } else {
                        // The responder's SYN (normally a SYN+ACK) establishes both sides.
                        if peer.state == ZState::SynSent {
                            peer.set(ZState::Established);
                        }
                        me.set(ZState::Established);
                    }
                }
                if s.fin {
                    me.set(ZState::Closed);
                }
                if s.rst {
                    me.set(ZState::Reset);
                }
                if me.state == ZState::Inactive {
                    if !o && s.len == 0 && peer.state == ZState::SynSent {
                        // An ACK of the SYN before the SYN+ACK: not yet a partial connection.
                    } else if s.ack && peer.state == ZState::Established {
                        // SYN missed, SYN+ACK seen, now an ACK: the handshake completed.
                        me.set(ZState::Established);
                    } else {
                        me.set(ZState::Partial);
                    }
                }
            }
            ZState::SynSent | ZState::SynAckSent => {
                if s.fin {
                    me.set(ZState::Closed);
                }
                if s.rst {
                    me.set(ZState::Reset);
                }
            }
            ZState::Established | ZState::Partial => {
                if s.syn && me.state == ZState::Partial && peer.state == ZState::Inactive && !s.ack {
                    me.set(ZState::SynSent);
                }
                if s.fin && !s.rst {
                    me.set(ZState::Closed);
                    // A FIN then a RST from the peer was a normal close after all.
                    if peer.state == ZState::Reset && peer.prev == ZState::Closed {
                        peer.set(ZState::Closed);
                    }
                }
                if s.rst {
                    me.set(ZState::Reset);
                }
            }
            ZState::Closed => {
                // After a FIN exchange a RST changes nothing.
                if s.rst && peer.state != ZState::Closed {
                    me.set(ZState::Reset);
                }
            }
            ZState::Reset => {}
        }
    }

    /// The conn.log `conn_state` code.
    pub fn conn_state(&self) -> &'static str {
        use ZState::*;
        let (os, rs) = (self.orig.state, self.resp.state);
        let o_inactive = matches!(os, Inactive | Partial);
        let r_inactive = matches!(rs, Inactive | Partial);
        if rs == Reset {
            if matches!(os, SynSent | SynAckSent) || (os == Reset && self.orig.size == 0 && self.resp.size == 0) {
                "REJ"
            } else if o_inactive {
                "RSTRH"
            } else {
                "RSTR"
            }
        } else if os == Reset {
            if r_inactive {
                if self.syn_then_rst() {
                    "RSTOS0"
                } else {
                    "OTH"
                }
            } else {
                "RSTO"
            }
        } else if rs == Closed && os == Closed {
            "SF"
        } else if os == Closed {
            if r_inactive {
                "SH"
            } else {
                "S2"
            }
        } else if rs == Closed {
            if o_inactive {
                "SHR"
            } else {
                "S3"
            }
        } else if os == SynSent && rs == Inactive {
            "S0"
        } else if os == Established && rs == Established {
            "S1"
        } else {
            "OTH"
        }
    }

    /// History of the form `^?S[^HAFGIQ]*R.*`: the originator's SYN, then its RST with no
    /// handshake, ACK, FIN, gap, inconsistency or multi-flag packet from it in between.
    fn syn_then_rst(&self) -> bool {
        let h = self.history.strip_prefix('^').unwrap_or(&self.history);
        let Some(rest) = h.strip_prefix('S') else { return false };
        for c in rest.chars() {
            match c {
                'R' => return true,
                'H' | 'A' | 'F' | 'G' | 'I' | 'Q' => return false,
                _ => {}
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(from_orig: bool, flags: &str, seq: u32, len: u32) -> ZSegment {
        ZSegment {
            from_orig,
            syn: flags.contains('S'),
            ack: flags.contains('A'),
            fin: flags.contains('F'),
            rst: flags.contains('R'),
            seq,
            len,
            window: 1000,
            retransmission: false,
        }
    }

    fn run(segs: &[ZSegment]) -> ZConn {
        let mut z = ZConn::new(false);
        for s in segs {
            z.on_segment(s);
        }
        z
    }

    #[test]
    fn normal_connection_is_sf_with_classic_history() {
        let z = run(&[
            seg(true, "S", 100, 0),
            seg(false, "SA", 500, 0),
            seg(true, "A", 101, 0),
            seg(true, "A", 101, 10),
            seg(false, "A", 501, 20),
            seg(true, "FA", 111, 0),
            seg(false, "FA", 521, 0),
            seg(true, "A", 112, 0),
        ]);
        assert_eq!(z.history, "ShADdFf");
        assert_eq!(z.conn_state(), "SF");
        assert_eq!((z.orig.size, z.resp.size), (10, 20));
    }

    #[test]
    fn refused_is_rej() {
        let z = run(&[seg(true, "S", 100, 0), seg(false, "RA", 0, 0)]);
        assert_eq!(z.history, "Sr");
        assert_eq!(z.conn_state(), "REJ");
    }

    #[test]
    fn unanswered_syn_is_s0_and_repeated_syn_is_one_letter() {
        let z = run(&[seg(true, "S", 100, 0), seg(true, "S", 100, 0)]);
        assert_eq!(z.history, "S");
        assert_eq!(z.conn_state(), "S0");
    }

    #[test]
    fn syn_then_own_rst_is_rstos0() {
        let z = run(&[seg(true, "S", 100, 0), seg(true, "R", 101, 0)]);
        assert_eq!(z.history, "SR");
        assert_eq!(z.conn_state(), "RSTOS0");
    }

    #[test]
    fn established_then_originator_rst_is_rsto() {
        let z = run(&[seg(true, "S", 1, 0), seg(false, "SA", 9, 0), seg(true, "A", 2, 0), seg(true, "RA", 2, 0)]);
        assert_eq!(z.conn_state(), "RSTO");
        assert_eq!(z.history, "ShAR");
    }

    #[test]
    fn midstream_is_oth_and_established_open_is_s1() {
        let z = run(&[seg(true, "A", 1, 5), seg(false, "A", 9, 0)]);
        assert_eq!(z.conn_state(), "OTH");
        let z = run(&[seg(true, "S", 1, 0), seg(false, "SA", 9, 0), seg(true, "A", 2, 0)]);
        assert_eq!(z.conn_state(), "S1");
    }

    #[test]
    fn half_closes_are_s2_and_s3() {
        let open = [seg(true, "S", 1, 0), seg(false, "SA", 9, 0), seg(true, "A", 2, 0)];
        let mut a = open.to_vec();
        a.push(seg(true, "FA", 2, 0));
        assert_eq!(run(&a).conn_state(), "S2");
        let mut b = open.to_vec();
        b.push(seg(false, "FA", 10, 0));
        assert_eq!(run(&b).conn_state(), "S3");
    }

    #[test]
    fn retransmissions_are_logarithmic() {
        let mut z = ZConn::new(false);
        for _ in 0..12 {
            z.on_segment(&ZSegment { retransmission: true, ..seg(true, "A", 5, 10) });
        }
        assert_eq!(z.history, "DTT");
    }
}
