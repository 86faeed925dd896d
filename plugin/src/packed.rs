//! One TCP frame's row as the plugin keeps it: 32 bytes. Wireshark keeps its own per-frame
//! data for the capture's life; synack's share stays at one of these per TCP segment. What only
//! some frames have (the negotiated options, the DNS lookup, the verdict, the iRTT) lives in
//! per-connection or per-event records of the store, and the TCP options are read again from
//! the frame's bytes, which Wireshark hands over on every dissection.

use dissector_core::conn::{Anomalies, Change, Ctl, Note, Row, Stage, State, TcpTrack};

/// A TCP frame's tracker annotation, packed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packed {
    /// Frame number (the rows are kept sorted by it).
    pub frame: u32,
    stream: u32,
    /// The earlier frame that arrives just before this one; 0: none (frames count from 1).
    arrived: u32,
    /// The frame a note names (not yet arrived, unanswered).
    note_frame: u32,
    /// Where the TCP options area starts in the frame's bytes, when they are read from there.
    opt_at: u16,
    /// The options area's declared length.
    opt_len: u8,
    client: u8,
    server: u8,
    /// 0: none, else [`Stage`] as its number.
    stage: u8,
    bits: u8,
    /// Bits 0-1: change 0/1 is the client's; 2-3: change 0/1 present; 4: the connection's
    /// iRTT is shown; 5: negotiated options are kept for this frame; 6: a DNS link is.
    more: u8,
    /// 0: none, else 1 + the note's kind; bit 3: about the client (or to it); bits 4-5: [`Ctl`].
    note: u8,
    anomalies: u8,
    /// Each change: from, via (NONE: none), to.
    changes: [[u8; 3]; 2],
}

const _: () = assert!(std::mem::size_of::<Packed>() == 32);

const FROM_CLIENT: u8 = 1;
const INFERRED: u8 = 2;
const ITSELF: u8 = 4;
const INFERRED_START: u8 = 8;
const ACK_CHECKED: u8 = 16;
const ACK_OK: u8 = 32;
const OPTIONS: u8 = 64;

const IRTT: u8 = 16;
const NEGOTIATED: u8 = 32;
const DNS_LINK: u8 = 64;

const NONE: u8 = u8::MAX;
const CTLS: [Ctl; 4] = [Ctl::Syn, Ctl::SynAck, Ctl::Fin, Ctl::Ack];
const STAGES: [Stage; 5] = [Stage::Syn, Stage::SynAck, Stage::Ack, Stage::SimultaneousSyn, Stage::SimultaneousSynAck];

fn state(b: u8) -> State {
    State::ALL.get(usize::from(b)).copied().unwrap_or(State::Closed)
}

fn ctl_bits(c: Ctl) -> u8 {
    (CTLS.iter().position(|&x| x == c).unwrap_or(0) as u8) << 4
}

impl Packed {
    /// Pack `t`, frame `frame`'s annotation. `options`: where the options area starts in the
    /// frame's bytes and its declared length, when they can be read again from there.
    /// The iRTT, negotiated options and DNS link are not packed: the caller keeps them, as
    /// [`Packed::irtt`], [`Packed::negotiated`] and [`Packed::dns_link`] say.
    pub fn new(frame: u32, t: &TcpTrack, inferred_start: bool, options: Option<(u16, u8)>) -> Packed {
        let flag = |on: bool, bit: u8| if on { bit } else { 0 };
        let mut p = Packed {
            frame,
            stream: t.stream,
            arrived: 0,
            note_frame: 0,
            opt_at: options.map_or(0, |o| o.0),
            opt_len: options.map_or(0, |o| o.1),
            client: 0,
            server: 0,
            stage: t.stage.map_or(0, |s| s as u8),
            bits: flag(t.from_client, FROM_CLIENT)
                | flag(t.inferred, INFERRED)
                | flag(t.itself, ITSELF)
                | flag(inferred_start, INFERRED_START)
                | flag(t.ack_ok.is_some(), ACK_CHECKED)
                | flag(t.ack_ok == Some(true), ACK_OK)
                | flag(options.is_some(), OPTIONS),
            more: flag(t.irtt_ns.is_some(), IRTT)
                | flag(t.negotiated.is_some(), NEGOTIATED)
                | flag(t.dns.is_some(), DNS_LINK),
            note: 0,
            anomalies: t.anomalies.0,
            changes: [[NONE; 3]; 2],
        };
        p.set_row(&t.row());
        p.anomalies = t.anomalies.0;
        p
    }

    /// Take `row` as this frame's states (a revision from later evidence).
    pub fn set_row(&mut self, row: &Row) {
        self.client = row.client as u8;
        self.server = row.server as u8;
        self.arrived = row.arrived.unwrap_or(0);
        self.more &= !0b1111;
        for (i, c) in row.changes.iter().enumerate() {
            self.changes[i] = match c {
                Some(c) => {
                    self.more |= (u8::from(c.client) << i) | (4 << i);
                    [c.from as u8, c.via.map_or(NONE, |v| v as u8), c.to as u8]
                }
                None => [NONE; 3],
            };
        }
        (self.note, self.note_frame) = match row.note {
            None => (0, 0),
            Some(Note::NoListener) => (1, 0),
            Some(Note::ActiveOpen) => (2, 0),
            Some(Note::NotYetArrived { to_client, what, frame }) => {
                (3 | u8::from(to_client) << 3 | ctl_bits(what), frame)
            }
            Some(Note::GaveUp { client }) => (4 | u8::from(client) << 3, 0),
            Some(Note::Unanswered { to_client, what, frame }) => (5 | u8::from(to_client) << 3 | ctl_bits(what), frame),
        };
        self.anomalies = (self.anomalies & !Anomalies::STATE_BITS) | row.anomalies.0;
    }

    /// The connection (tshark's `tcp.stream`).
    pub fn stream(&self) -> u32 {
        self.stream
    }

    /// The frame shows its connection's iRTT.
    pub fn irtt(&self) -> bool {
        self.more & IRTT != 0
    }

    /// Negotiated options are kept for this frame.
    pub fn negotiated(&self) -> bool {
        self.more & NEGOTIATED != 0
    }

    /// A DNS link is kept for this frame.
    pub fn dns_link(&self) -> bool {
        self.more & DNS_LINK != 0
    }

    /// The first segment of a connection picked up mid-stream.
    pub fn inferred_start(&self) -> bool {
        self.bits & INFERRED_START != 0
    }

    /// Where the options area is in the frame's bytes and its declared length.
    pub fn options_at(&self) -> Option<(usize, usize)> {
        (self.bits & OPTIONS != 0).then_some((usize::from(self.opt_at), usize::from(self.opt_len)))
    }

    /// The annotation, without what the caller keeps elsewhere (iRTT, negotiated options, DNS
    /// link, verdict: `None` here).
    pub fn track(&self) -> TcpTrack {
        let change = |i: usize| {
            let [from, via, to] = self.changes[i];
            (self.more & (4 << i) != 0).then(|| Change {
                client: self.more & (1 << i) != 0,
                from: state(from),
                via: (via != NONE).then(|| state(via)),
                to: state(to),
            })
        };
        let about = self.note & 8 != 0;
        let what = CTLS[usize::from(self.note >> 4 & 3)];
        let frame = self.note_frame;
        let note = match self.note & 7 {
            1 => Some(Note::NoListener),
            2 => Some(Note::ActiveOpen),
            3 => Some(Note::NotYetArrived { to_client: about, what, frame }),
            4 => Some(Note::GaveUp { client: about }),
            5 => Some(Note::Unanswered { to_client: about, what, frame }),
            _ => None,
        };
        TcpTrack {
            stream: self.stream,
            from_client: self.bits & FROM_CLIENT != 0,
            inferred: self.bits & INFERRED != 0,
            itself: self.bits & ITSELF != 0,
            stage: STAGES.iter().copied().find(|s| *s as u8 == self.stage),
            client: state(self.client),
            server: state(self.server),
            changes: [change(0), change(1)],
            note,
            arrived: (self.arrived != 0).then_some(self.arrived),
            ack_ok: (self.bits & ACK_CHECKED != 0).then_some(self.bits & ACK_OK != 0),
            irtt_ns: None,
            negotiated: None,
            dns: None,
            anomalies: Anomalies(self.anomalies),
            verdict: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_change_and_note_survives_packing() {
        let mut t = TcpTrack {
            stream: 7,
            from_client: true,
            inferred: false,
            itself: true,
            stage: Some(Stage::SimultaneousSynAck),
            client: State::FinWait1,
            server: State::TimeWait,
            changes: [None, None],
            note: None,
            arrived: Some(3),
            ack_ok: Some(false),
            irtt_ns: None,
            negotiated: None,
            dns: None,
            anomalies: Anomalies(0b1010_0101),
            verdict: None,
        };
        let notes = [
            None,
            Some(Note::NoListener),
            Some(Note::ActiveOpen),
            Some(Note::GaveUp { client: true }),
            Some(Note::NotYetArrived { to_client: true, what: Ctl::Fin, frame: 9 }),
            Some(Note::Unanswered { to_client: false, what: Ctl::Ack, frame: u32::MAX }),
        ];
        for (i, note) in notes.into_iter().enumerate() {
            let s = State::ALL[i % State::ALL.len()];
            t.note = note;
            t.changes = [
                Some(Change { client: false, from: s, via: None, to: State::TimeWait }),
                (i % 2 == 0).then_some(Change { client: true, from: State::Listen, via: Some(s), to: State::Closed }),
            ];
            let p = Packed::new(40, &t, i == 3, Some((54, 20)));
            assert_eq!(p.track(), t);
            assert_eq!((p.frame, p.stream(), p.inferred_start(), p.options_at()), (40, 7, i == 3, Some((54, 20))));
        }
    }
}
