//! When each segment arrived at its receiver, by the evidence of the receiver's own segments,
//! and the rows of states that follow (RFC 9293 Figures 6-13; the rule is in [`super::state`]).
//!
//! A capture is taken at one point. A segment is taken to arrive at the capture position
//! unless the receiver's later segments show it had not, or its sender shows it was lost:
//!
//! - a receiver's segment whose ACK does not cover a SYN or FIN had not received it (RFC 9293
//!   §3.4: SYN and FIN each occupy a sequence number the ACK then covers);
//! - a receiver's SYN without ACK had not received the peer's SYN (§3.10.7.3: it would
//!   answer it with SYN+ACK);
//! - a receiver's SYN+ACK had not received an ACK of its SYN (it would be ESTABLISHED);
//! - a SYN or FIN its sender sends again before any answer was lost; the copy that is answered
//!   is the one that arrived;
//! - a SYN never answered at all (known only once the connection is over) never arrived: the
//!   server stayed where it was (LISTEN).
//!
//! A segment that had not arrived arrives just after the receiver's last segment that shows
//! so, and never before an earlier segment of the same sender (in sequence order). Before the
//! server's first segment its state is also evidence: a server that answers the client's SYN
//! with RST had no listener (§3.10.7.1: CLOSED); one that sends its own SYN opened actively
//! (simultaneous open, Figure 7).
//!
//! Each new segment's row is given as known at that frame (a one-pass view); rows of earlier
//! frames that later evidence changes are handed out as revisions (the informed view, which
//! `-2`, the ladder, `conv` and the plugin show). Rows are kept only while some SYN or FIN in
//! them waits for its evidence, so memory is per live connection, bounded by [`MAX_PENDING`].

use super::rules;
use super::state::{transition, Role, Segment, State};
use super::track::{Anomalies, Change, Ctl, Note, Row};
use crate::tcp::SeqNumber;

/// Segments kept waiting for evidence at most; past this the oldest rows are taken as they
/// stand (a SYN retransmitted for ever, a FIN never acknowledged under a long transfer).
pub(crate) const MAX_PENDING: usize = 64;

/// One segment as the arrival model needs it: its flags and what its numbers say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Seg {
    pub(crate) frame: u32,
    pub(crate) from_client: bool,
    /// Flags and what the ACK and RST say, from the sender's point of view.
    pub(crate) seg: Segment,
    /// The sequence number and the ACK number as sent (the ACK meaningful with the ACK flag).
    pub(crate) seq: u32,
    pub(crate) ack_no: u32,
    /// The sequence number the peer's ACK must pass to cover this segment's SYN or FIN.
    pub(crate) ctl_seq: Option<u32>,
    /// Payload carried.
    pub(crate) has_data: bool,
    /// Data beyond the sender's own FIN.
    pub(crate) data_after_fin: bool,
}

impl Seg {
    fn ctl(&self) -> Option<Ctl> {
        if self.seg.fin {
            Some(Ctl::Fin)
        } else if self.seg.syn && self.seg.ack {
            Some(Ctl::SynAck)
        } else if self.seg.syn {
            Some(Ctl::Syn)
        } else {
            None
        }
    }

    /// This (receiver's) segment's ACK covers `seq`.
    fn covers(&self, seq: u32) -> bool {
        self.seg.ack && SeqNumber(self.ack_no) > SeqNumber(seq)
    }
}

/// When a segment arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Arrival {
    /// At the capture position.
    At,
    /// At the capture position, at a receiver that had given up on its open in between
    /// (RFC 9293 §3.10.4 ABORT in SYN-SENT sends nothing): it answers from CLOSED.
    AtClosed,
    /// Just after the segment at this pending index was sent (shown on the next row).
    After(usize),
    /// Never: lost (sent again), or a SYN never answered.
    Never,
}

/// One endpoint in the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Ep {
    state: State,
    /// It left LISTEN for SYN_RECEIVED: a RST there returns it to LISTEN.
    passive: bool,
}

/// What the model carries from one row to the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Model {
    eps: [Ep; 2],
    /// Some endpoint has been ESTABLISHED (a RST after that is not "in the handshake").
    established: bool,
    /// A SYN has been sent.
    syn_seen: bool,
}

/// The states an endpoint passed through within one row (for the state it went via).
#[derive(Debug, Clone, Copy, Default)]
struct Path {
    states: [Option<State>; 6],
}

impl Path {
    fn push(&mut self, s: State) {
        if let Some(slot) = self.states.iter_mut().find(|x| x.is_none()) {
            *slot = Some(s);
        }
    }

    /// The first state passed through that is neither where the row began nor where it ends.
    fn via(&self, from: State, to: State) -> Option<State> {
        self.states.iter().flatten().copied().find(|s| *s != from && *s != to)
    }
}

/// The rows of one connection, with the segments still waiting for evidence.
#[derive(Debug, Clone)]
pub(crate) struct Timeline {
    /// One socket talking to itself: both columns are its state, and it hears itself at once.
    itself: bool,
    /// The model after the rows no longer kept.
    base: Model,
    /// No row has been let go yet: the server's state before its first segment is still a
    /// matter of evidence.
    at_start: bool,
    pending: Vec<Seg>,
    /// The rows last handed out for `pending`, the model after each, and the arrivals and
    /// first server state behind them (to say what later evidence changed).
    shown: Vec<Row>,
    shown_models: Vec<Model>,
    shown_arrivals: Vec<Arrival>,
    shown_server_start: State,
    /// The rows shown were worked out as final (SYNs never answered taken as never arrived).
    shown_final: bool,
}

/// A row of the informed view that differs from the one handed out before: (frame, row).
pub type Revision = (u32, Row);

/// Kept segments whose arrivals are worked out on the stack; more (a long wait for evidence)
/// take a vector.
const ROOM: usize = 16;

impl Timeline {
    /// A connection whose endpoints stand in `start` (client, server) before its first
    /// segment.
    pub(crate) fn new(start: [State; 2], itself: bool) -> Timeline {
        let eps = start.map(|state| Ep { state, passive: false });
        Timeline {
            itself,
            base: Model { eps, established: false, syn_seen: false },
            at_start: true,
            pending: Vec::new(),
            shown: Vec::new(),
            shown_models: Vec::new(),
            shown_arrivals: Vec::new(),
            shown_server_start: start[1],
            shown_final: false,
        }
    }

    /// The (client, server) states after the last row handed out.
    pub(crate) fn states(&self) -> [State; 2] {
        self.shown.last().map_or(self.base.eps.map(|e| e.state), |r| [r.client, r.server])
    }

    /// Add a segment: its row as known now, and in `revisions` the earlier rows it changes.
    pub(crate) fn push(&mut self, seg: Seg, revisions: Option<&mut Vec<Revision>>) -> Row {
        // Nothing waits for evidence and this segment neither needs any nor gives any: its
        // row follows from the model alone (most segments of a transfer).
        if self.pending.is_empty() && !self.at_start && seg.ctl_seq.is_none() && !seg.seg.rst && !seg.seg.acks_peer_syn
        {
            let mut model = self.base;
            let row = self.row(&mut model, None, &seg, Arrival::At);
            self.base = model;
            return row;
        }
        let newest = if self.changes_no_arrival(&seg) {
            self.push_after(seg, revisions)
        } else {
            self.pending.push(seg);
            self.rework(false, revisions);
            self.shown[self.shown.len() - 1]
        };
        self.commit();
        newest
    }

    /// Whether `seg`, added to the kept segments, leaves every earlier arrival and the server's
    /// first state as they are and arrives itself at the capture position. A segment without
    /// SYN, FIN or RST is evidence only about the peer's SYNs and FINs its ACK does not cover
    /// (§3.4); the server's first state is read only from SYNs and RSTs (see `arrivals` and
    /// `server_start`).
    fn changes_no_arrival(&self, seg: &Seg) -> bool {
        let s = &seg.seg;
        !(self.shown_final || self.pending.is_empty() || s.syn || s.fin || s.rst)
            && (self.itself
                || self
                    .pending
                    .iter()
                    .all(|k| k.from_client == seg.from_client || k.ctl_seq.is_none_or(|seq| seg.covers(seq))))
    }

    /// Add a segment that [`Timeline::changes_no_arrival`]: the rows shown stand (but for a
    /// note, which the next row takes back), and its own follows from the last one's model.
    fn push_after(&mut self, seg: Seg, revisions: Option<&mut Vec<Revision>>) -> Row {
        let n = self.pending.len();
        let mut m = self.shown_models[n - 1];
        self.pending.push(seg);
        let earlier = Some((n - 1, &self.pending[..n], &self.shown_arrivals[..n]));
        let row = self.row(&mut m, earlier, &self.pending[n], Arrival::At);
        if self.shown[n - 1].note.is_some() {
            self.shown[n - 1].note = None;
            if let Some(out) = revisions {
                out.push((self.pending[n - 1].frame, self.shown[n - 1]));
            }
        }
        self.shown.push(row);
        self.shown_models.push(m);
        self.shown_arrivals.push(Arrival::At);
        row
    }

    /// The connection is over (or the capture): rows as everything known makes them, with
    /// SYNs never answered taken as never arrived. Kept segments stay, so a segment that
    /// comes after all (a live capture) is weighed with them.
    pub(crate) fn finalize(&mut self, revisions: Option<&mut Vec<Revision>>) {
        if self.pending.is_empty() {
            return;
        }
        self.rework(true, revisions);
    }

    /// Work out the rows of the kept segments again from what is known now, hand out in
    /// `revisions` those shown before that change, and show them; without `final_`, the
    /// newest segment's row is new and says why an endpoint moved.
    ///
    /// A row depends only on the model before the kept segments, the server's first state and
    /// the arrivals up to its own; rows before the first arrival that changed stand as shown,
    /// so a segment that changes nothing earlier costs one row.
    fn rework(&mut self, final_: bool, revisions: Option<&mut Vec<Revision>>) {
        let n = self.pending.len();
        let shown_n = self.shown.len();
        let (mut stack, mut heap) = ([Arrival::At; ROOM], Vec::new());
        let arrivals: &mut [Arrival] = if n <= ROOM {
            &mut stack[..n]
        } else {
            heap.resize(n, Arrival::At);
            &mut heap
        };
        self.arrivals(final_, arrivals);
        let server_start = self.server_start();
        let from = if server_start == self.shown_server_start {
            (0..shown_n).find(|&k| arrivals[k] != self.shown_arrivals[k]).unwrap_or(shown_n)
        } else {
            0
        };
        let mut out = revisions;
        // A note belongs to the one-pass view of its frame only: the next rows take it back.
        if let Some(last) = shown_n.checked_sub(1).filter(|&k| k < from && self.shown[k].note.is_some()) {
            self.shown[last].note = None;
            if let Some(out) = out.as_deref_mut() {
                out.push((self.pending[last].frame, self.shown[last]));
            }
        }
        let old_last = self.shown.last().copied();
        let mut m = match from.checked_sub(1) {
            Some(k) => self.shown_models[k],
            None => {
                let mut m = self.base;
                m.eps[1].state = server_start;
                m
            }
        };
        for r in from..n {
            let earlier = r.checked_sub(1).map(|prev| (prev, &self.pending[..r], &arrivals[..r]));
            let row = self.row(&mut m, earlier, &self.pending[r], arrivals[r]);
            if r < shown_n {
                if self.shown[r] != row {
                    if let Some(out) = out.as_deref_mut() {
                        out.push((self.pending[r].frame, row));
                    }
                }
                self.shown[r] = row;
                self.shown_models[r] = m;
            } else {
                self.shown.push(row);
                self.shown_models.push(m);
            }
        }
        // The newest row says why an endpoint is not where the previous row left it.
        if !final_ && n >= 2 {
            let note = self.note(old_last.as_ref(), &self.shown[n - 2], arrivals, server_start);
            self.shown[n - 1].note = note;
        }
        self.shown_arrivals.truncate(from);
        self.shown_arrivals.extend_from_slice(&arrivals[from..]);
        self.shown_server_start = server_start;
        self.shown_final = final_;
    }

    /// Why the endpoints before the newest row are not where the row before it, as handed out
    /// then, left them: the first endpoint corrected, and the evidence.
    fn note(&self, old: Option<&Row>, previous: &Row, arrivals: &[Arrival], server_start: State) -> Option<Note> {
        let old = old?;
        let moved = [old.client != previous.client, old.server != previous.server];
        if !moved[0] && !moved[1] {
            return None;
        }
        if moved[1] && self.at_start && server_start != self.shown_server_start {
            let active = self.pending.iter().any(|s| !s.from_client && s.seg.syn && !s.seg.ack);
            return Some(if active { Note::ActiveOpen } else { Note::NoListener });
        }
        // The earliest segment whose arrival the new evidence put later, to an endpoint that
        // moved: delivered on an earlier row before, now later or never.
        let n = self.pending.len() - 1;
        // An endpoint found to have given up on its open before a SYN+ACK reached it.
        let gave_up = (0..n)
            .find(|&k| self.shown_arrivals.get(k) == Some(&Arrival::At) && arrivals.get(k) == Some(&Arrival::AtClosed));
        if let Some(k) = gave_up {
            let client = !self.pending[k].from_client;
            if moved[usize::from(!client)] {
                return Some(Note::GaveUp { client });
            }
        }
        let row_of = |k: usize, a: Arrival| match a {
            Arrival::At | Arrival::AtClosed => k,
            Arrival::After(m) => m + 1,
            Arrival::Never => usize::MAX,
        };
        (0..n).find_map(|k| {
            let (was, now) = (*self.shown_arrivals.get(k)?, *arrivals.get(k)?);
            let s = &self.pending[k];
            let to_client = !s.from_client;
            // A copy found lost explains the move even if it was still waiting for its row: the
            // segments queued behind it (in sequence order) now arrive earlier.
            let lost_now = now == Arrival::Never && was != Arrival::Never;
            let later = row_of(k, was) < n && row_of(k, now) > row_of(k, was);
            if !moved[usize::from(!to_client)] || !(later || lost_now) {
                return None;
            }
            let what = s.ctl().unwrap_or(Ctl::Ack);
            Some(match now {
                Arrival::Never => Note::Unanswered { to_client, what, frame: s.frame },
                _ => Note::NotYetArrived { to_client, what, frame: s.frame },
            })
        })
    }

    /// Let go of the leading rows that no evidence can change any more: every SYN and FIN in
    /// them answered and delivered. A newest row with a note stays, so that the next segment
    /// can take the note back (it belongs to the one-pass view only).
    fn commit(&mut self) {
        let n = self.pending.len();
        let keep_newest = usize::from(self.shown.last().is_some_and(|r| r.note.is_some()));
        let settled = (0..n - keep_newest).take_while(|&k| self.settled(k)).count();
        // The longest cut whose segments have all been delivered within it (a segment arriving
        // after segment m is delivered on row m + 1).
        let mut c = (1..=settled)
            .rev()
            .find(|&c| self.shown_arrivals[..c].iter().all(|a| !matches!(a, Arrival::After(m) if m + 1 >= c)))
            .unwrap_or(0);
        if n > MAX_PENDING {
            c = c.max(n - MAX_PENDING / 2);
        }
        if c == 0 {
            return;
        }
        self.base = self.shown_models[c - 1];
        self.at_start = false;
        // What the kept rows start from: the server's state is no longer a matter of evidence.
        self.shown_server_start = self.base.eps[1].state;
        self.pending.drain(..c);
        self.shown.drain(..c);
        self.shown_models.drain(..c);
        self.shown_arrivals.drain(..c);
        // Arrivals are indices into the kept segments.
        for a in &mut self.shown_arrivals {
            if let Arrival::After(m) = a {
                *m = m.saturating_sub(c);
            }
        }
    }

    /// Whether no later segment can change when segment `k` arrived.
    fn settled(&self, k: usize) -> bool {
        let s = &self.pending[k];
        let mut later_peer = self.pending[k + 1..].iter().filter(|j| j.from_client != s.from_client || self.itself);
        if let Some(seq) = s.ctl_seq {
            return later_peer.any(|j| j.covers(seq) || j.seg.rst);
        }
        // An ACK of the peer's SYN is settled once the peer sent something else than SYN+ACK.
        !s.seg.acks_peer_syn || later_peer.any(|j| !j.seg.syn)
    }

    /// When each kept segment arrived, into `out` (one for each, all `At` on entry).
    fn arrivals(&self, final_: bool, out: &mut [Arrival]) {
        let p = &self.pending;
        let n = p.len();
        if self.itself {
            return;
        }
        // The latest delivery so far of each sender's segments (in sequence order).
        let mut last: [Option<usize>; 2] = [None, None];
        for k in 0..n {
            let s = &p[k];
            let from = usize::from(!s.from_client);
            let peer_after = |j: &usize| p[*j].from_client != s.from_client;
            // The first segment of the receiver that answers this SYN or FIN.
            let answered =
                s.ctl_seq.and_then(|seq| (k + 1..n).filter(peer_after).find(|&j| p[j].covers(seq) || p[j].seg.rst));
            if s.ctl_seq.is_some() {
                let end = answered.unwrap_or(n);
                // The same control again (a SYN+ACK is not the SYN sent again: it answers one).
                let again = (k + 1..end).any(|j| {
                    let c = &p[j];
                    c.from_client == s.from_client && c.ctl_seq == s.ctl_seq && c.ctl() == s.ctl()
                });
                // A SYN or FIN sent again before any answer was lost; a SYN never answered at
                // all never arrived (the server stayed where it was).
                let never_answered = final_ && answered.is_none() && s.seg.syn && !s.seg.ack;
                if again || never_answered {
                    out[k] = Arrival::Never;
                    continue;
                }
            }
            // The receiver's last segment that shows this one had not arrived.
            let mut not_before = None;
            for j in (k + 1..n).filter(peer_after) {
                let r = &p[j];
                let before_answer = answered.is_none_or(|a| j < a);
                let negative = (before_answer && s.ctl_seq.is_some_and(|seq| r.seg.ack && !r.covers(seq)))
                    || (s.seg.syn && r.seg.syn && !r.seg.ack)
                    || (s.seg.acks_peer_syn && r.seg.syn && r.seg.ack);
                if negative {
                    not_before = Some(j);
                }
            }
            out[k] = match not_before.into_iter().chain(last[from]).max() {
                Some(m) if m >= k => {
                    last[from] = Some(m);
                    Arrival::After(m)
                }
                _ => Arrival::At,
            };
        }
        // §3.10.7.1: a CLOSED endpoint answers a segment with ACK by <SEQ=SEG.ACK><CTL=RST>. A RST
        // of that form right after an acceptable SYN+ACK (which would have opened it) shows the
        // receiver had already given up on its open.
        for (j, r) in p.iter().enumerate() {
            if !r.seg.rst || r.seg.ack {
                continue;
            }
            let prev = (0..j).rev().find(|&k| p[k].from_client != r.from_client);
            if let Some(k) = prev.filter(|&k| {
                let s = &p[k];
                s.seg.syn
                    && s.seg.ack
                    && s.seg.acks_peer_syn
                    && s.ack_no == r.seq
                    && !p[k + 1..j].iter().any(|x| x.from_client == r.from_client)
            }) {
                if out[k] == Arrival::At {
                    out[k] = Arrival::AtClosed;
                }
            }
        }
    }

    /// The server's state before its first segment, by the evidence kept: CLOSED if it sends
    /// its own SYN or answers the client's SYN with RST, else as assumed.
    fn server_start(&self) -> State {
        let assumed = self.base.eps[1].state;
        if !self.at_start || self.itself || assumed != State::Listen {
            return assumed;
        }
        for s in self.pending.iter().filter(|s| !s.from_client) {
            if s.seg.syn {
                return if s.seg.ack { assumed } else { State::Closed };
            }
            if s.seg.rst && s.seg.acks_peer_syn {
                return State::Closed;
            }
        }
        assumed
    }

    /// The row of segment `s`: the segments that arrive just after the previous one (`earlier`:
    /// its index, and the segments and arrivals before `s`), then `s` sent, then `s` arriving
    /// if it arrives at the capture position.
    fn row(&self, m: &mut Model, earlier: Option<(usize, &[Seg], &[Arrival])>, s: &Seg, arrival: Arrival) -> Row {
        let before = m.eps.map(|e| e.state);
        let mut path = [Path::default(); 2];
        let mut arrived = None;
        if let Some((prev, segs, arrivals)) = earlier {
            for (d, a) in segs.iter().zip(arrivals) {
                if *a == Arrival::After(prev) {
                    self.deliver(m, d, &mut path);
                    arrived.get_or_insert(d.frame);
                }
            }
        }
        let me = usize::from(!s.from_client);
        let sender_before = m.eps[me].state;
        let receiver_now = if self.itself { sender_before } else { m.eps[1 - me].state };
        let mut anomalies = 0;
        if s.seg.rst && !m.established && m.syn_seen {
            anomalies |= Anomalies::RST_IN_HANDSHAKE;
        }
        if rules::not_acceptable(&s.seg, s.has_data, s.data_after_fin, sender_before, receiver_now) {
            anomalies |= Anomalies::NOT_ACCEPTABLE;
        }
        let sent = transition(sender_before, &s.seg, Role::Sender);
        m.eps[me].state = sent;
        path[me].push(sent);
        m.syn_seen |= s.seg.syn;
        match arrival {
            Arrival::At => self.deliver(m, s, &mut path),
            Arrival::AtClosed if !self.itself => {
                let to = usize::from(s.from_client);
                m.eps[to].state = State::Closed;
                path[to].push(State::Closed);
                self.deliver(m, s, &mut path);
            }
            _ => {}
        }
        if self.itself {
            m.eps[1] = m.eps[0];
        }
        m.established |= m.eps.iter().any(|e| e.state == State::Established);
        let after = m.eps.map(|e| e.state);
        let mut changes = [None, None];
        // A self-connect's one socket changes once, shown as the client.
        let roles = if self.itself { 1 } else { 2 };
        for i in 0..roles {
            if after[i] != before[i] {
                let via = path[i].via(before[i], after[i]);
                changes[i] = Some(Change { client: i == 0, from: before[i], via, to: after[i] });
            }
        }
        Row { client: after[0], server: after[1], changes, note: None, arrived, anomalies: Anomalies(anomalies) }
    }

    /// Segment `s` arrives at its receiver.
    fn deliver(&self, m: &mut Model, s: &Seg, path: &mut [Path; 2]) {
        let to = if self.itself { 0 } else { usize::from(s.from_client) };
        let ep = &mut m.eps[to];
        let role = Role::Receiver { passive: ep.passive };
        let before = ep.state;
        let mid = transition(before, &Segment { fin: false, ..s.seg }, role);
        let after = transition(before, &s.seg, role);
        if before == State::Listen && after == State::SynReceived {
            ep.passive = true;
        }
        path[to].push(mid);
        path[to].push(after);
        ep.state = after;
    }
}

#[cfg(test)]
mod tests {
    //! The model on captured orders of RFC 9293's exchanges: what an observer between the
    //! peers, or at one of them, records.
    use super::*;
    use State::*;

    /// Client ISN 100, server ISN 300. `seq`/`ack` raw; flags as in state.rs's tests, with
    /// ctl computed from them.
    fn seg(frame: u32, from_client: bool, flags: &str, seq: u32, ack: u32) -> Seg {
        let syn = flags.contains('S');
        let fin = flags.contains('F');
        Seg {
            frame,
            from_client,
            seg: Segment {
                syn,
                ack: flags.contains('A'),
                fin,
                rst: flags.contains('R'),
                acks_peer_syn: flags.contains('s'),
                acks_peer_fin: flags.contains('f'),
                rst_in_window: flags.contains('w'),
            },
            seq,
            ack_no: ack,
            ctl_seq: (syn || fin).then_some(seq),
            has_data: false,
            data_after_fin: false,
        }
    }

    fn states(r: &Row) -> (State, State) {
        (r.client, r.server)
    }

    /// Feed `segs` one at a time: the one-pass rows, then the informed rows after finalize.
    fn run(start: [State; 2], segs: &[Seg]) -> (Vec<Row>, Vec<Row>) {
        let mut t = Timeline::new(start, false);
        let mut revisions = Vec::new();
        let one_pass: Vec<Row> = segs.iter().map(|s| t.push(*s, Some(&mut revisions))).collect();
        t.finalize(Some(&mut revisions));
        let mut informed = one_pass.clone();
        for (frame, row) in revisions {
            informed[frame as usize - 1] = row;
        }
        (one_pass, informed)
    }

    #[test]
    fn basic_handshake_reads_as_figure_6_in_both_views() {
        let segs = [seg(1, true, "S", 100, 0), seg(2, false, "SAs", 300, 101), seg(3, true, "As", 101, 301)];
        let (one, informed) = run([Closed, Listen], &segs);
        let want = [(SynSent, SynReceived), (Established, SynReceived), (Established, Established)];
        assert_eq!(one.iter().map(states).collect::<Vec<_>>(), want);
        assert_eq!(one, informed);
    }

    #[test]
    fn simultaneous_open_reads_as_figure_7() {
        // Captured between the peers: A's SYN, B's SYN, A's SYN+ACK, B's SYN+ACK, then ACKs.
        let segs = [
            seg(1, true, "S", 100, 0),
            seg(2, false, "S", 300, 0),
            seg(3, true, "SAs", 100, 301),
            seg(4, false, "SAs", 300, 101),
            seg(5, true, "As", 101, 301),
        ];
        let (one, informed) = run([Closed, Listen], &segs);
        let want = [
            (SynSent, Closed),
            (SynReceived, SynSent),
            (SynReceived, SynReceived),
            (Established, SynReceived),
            (Established, Established),
        ];
        assert_eq!(informed.iter().map(states).collect::<Vec<_>>(), want);
        // One pass: the server is first thought LISTEN (and to have the SYN); its own SYN shows
        // it was CLOSED.
        assert_eq!(states(&one[0]), (SynSent, SynReceived));
        assert_eq!(one[1].note, Some(Note::ActiveOpen));
        assert_eq!(states(&one[1]), (SynReceived, SynSent));
    }

    #[test]
    fn simultaneous_close_reads_as_figure_13() {
        let segs = [
            seg(1, true, "FA", 100, 300),
            seg(2, false, "FA", 300, 100),
            seg(3, true, "Af", 101, 301),
            seg(4, false, "Af", 301, 101),
        ];
        let (one, informed) = run([Established, Established], &segs);
        let want = [(FinWait1, Established), (Closing, FinWait1), (Closing, TimeWait), (TimeWait, TimeWait)];
        assert_eq!(informed.iter().map(states).collect::<Vec<_>>(), want);
        // The server's arrival path through CLOSING is kept: FIN_WAIT_1 → CLOSING → TIME_WAIT.
        assert_eq!(
            informed[2].changes[1],
            Some(Change { client: false, from: FinWait1, via: Some(Closing), to: TimeWait })
        );
        // One pass: the client's FIN is first taken to have arrived; the server's FIN, which
        // does not acknowledge it, says otherwise.
        assert_eq!(states(&one[0]), (FinWait1, CloseWait));
        assert_eq!(one[1].note, Some(Note::NotYetArrived { to_client: false, what: Ctl::Fin, frame: 1 }));
        assert_eq!(informed[1].note, None);
    }

    #[test]
    fn normal_close_with_the_fin_on_the_ack_reads_as_figure_12() {
        let segs = [seg(1, true, "FA", 100, 300), seg(2, false, "FAf", 300, 101), seg(3, true, "Af", 101, 301)];
        let (one, informed) = run([Established, Established], &segs);
        let want = [(FinWait1, CloseWait), (TimeWait, LastAck), (TimeWait, Closed)];
        assert_eq!(one.iter().map(states).collect::<Vec<_>>(), want);
        assert_eq!(one, informed);
        assert_eq!(one[1].changes[0], Some(Change { client: true, from: FinWait1, via: Some(FinWait2), to: TimeWait }));
    }

    #[test]
    fn a_refused_syn_found_no_listener() {
        let segs = [seg(1, true, "S", 100, 0), seg(2, false, "RAsw", 0, 101)];
        let (one, informed) = run([Closed, Listen], &segs);
        assert_eq!(informed.iter().map(states).collect::<Vec<_>>(), [(SynSent, Closed), (Closed, Closed)]);
        assert_eq!(states(&one[0]), (SynSent, SynReceived));
        assert_eq!(one[1].note, Some(Note::NoListener));
    }

    #[test]
    fn a_syn_never_answered_left_the_server_listening() {
        let segs = [seg(1, true, "S", 100, 0), seg(2, true, "S", 100, 0), seg(3, true, "S", 100, 0)];
        let (one, informed) = run([Closed, Listen], &segs);
        assert!(informed.iter().all(|r| states(r) == (SynSent, Listen)), "{informed:?}");
        // One pass: each copy is taken to have arrived until the next one shows it was not
        // answered.
        assert_eq!(states(&one[0]), (SynSent, SynReceived));
        assert_eq!(one[1].note, Some(Note::Unanswered { to_client: false, what: Ctl::Syn, frame: 1 }));
    }

    #[test]
    fn a_syn_answered_after_a_retransmission_arrived_the_second_time() {
        let segs = [
            seg(1, true, "S", 100, 0),
            seg(2, true, "S", 100, 0),
            seg(3, false, "SAs", 300, 101),
            seg(4, true, "As", 101, 301),
        ];
        let (_, informed) = run([Closed, Listen], &segs);
        let want = [(SynSent, Listen), (SynSent, SynReceived), (Established, SynReceived), (Established, Established)];
        assert_eq!(informed.iter().map(states).collect::<Vec<_>>(), want);
    }

    /// The rows of every kept segment worked out from the model before them (what the kept
    /// rows must always equal).
    fn from_scratch(t: &Timeline, final_: bool) -> Vec<Row> {
        let n = t.pending.len();
        let mut arrivals = vec![Arrival::At; n];
        t.arrivals(final_, &mut arrivals);
        let mut m = t.base;
        m.eps[1].state = t.server_start();
        (0..n)
            .map(|r| {
                let earlier = r.checked_sub(1).map(|prev| (prev, &t.pending[..r], &arrivals[..r]));
                t.row(&mut m, earlier, &t.pending[r], arrivals[r])
            })
            .collect()
    }

    #[test]
    fn reworking_only_the_changed_rows_equals_working_all_out_again() {
        // Random exchanges (a fixed LCG): flags, numbers and what they acknowledge drawn from
        // a handful near each side's ISN, so SYNs, FINs and RSTs meet their answers often.
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |m: u64| {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (x >> 33) % m
        };
        let kinds = ["S", "SA", "A", "A", "A", "FA", "RA", "R"];
        for start in [[Closed, Listen], [SynSent, Listen], [Established, Established]] {
            for _ in 0..400 {
                let itself = next(20) == 0;
                let start = if itself { [start[0]; 2] } else { start };
                let mut t = Timeline::new(start, itself);
                let mut view: Vec<Row> = Vec::new();
                let len = 1 + next(12) as u32;
                for frame in 1..=len {
                    let from_client = next(2) == 0;
                    let flags = kinds[next(kinds.len() as u64) as usize];
                    let (isn, peer_isn) = if from_client { (100, 300) } else { (300, 100) };
                    let mut s = seg(frame, from_client, flags, isn + next(3) as u32, peer_isn + next(3) as u32);
                    s.seg.acks_peer_syn = s.seg.ack && next(2) == 0;
                    s.seg.acks_peer_fin = s.seg.ack && next(3) == 0;
                    s.seg.rst_in_window = s.seg.rst && next(2) == 0;
                    s.has_data = next(3) == 0;
                    if s.seg.fin {
                        s.ctl_seq = Some(s.seq + u32::from(s.has_data));
                    }
                    let mut revisions = Vec::new();
                    let row = t.push(s, Some(&mut revisions));
                    view.push(row);
                    for (f, r) in revisions {
                        let old = &mut view[f as usize - 1];
                        assert_ne!(*old, r, "a revision that changes nothing");
                        *old = r;
                    }
                    let mut kept = t.shown.clone();
                    if let Some(last) = kept.last_mut() {
                        last.note = None;
                    }
                    assert_eq!(kept, from_scratch(&t, false));
                    for (k, p) in t.pending.iter().enumerate() {
                        assert_eq!(view[p.frame as usize - 1], t.shown[k]);
                    }
                }
                let mut revisions = Vec::new();
                t.finalize(Some(&mut revisions));
                assert_eq!(t.shown, from_scratch(&t, true));
                for (f, r) in revisions {
                    view[f as usize - 1] = r;
                }
                for (k, p) in t.pending.iter().enumerate() {
                    assert_eq!(view[p.frame as usize - 1], t.shown[k]);
                }
                // A live capture: segments after the connection was taken as over.
                for frame in len + 1..=len + 3 {
                    let from_client = next(2) == 0;
                    let (isn, peer_isn) = if from_client { (100, 300) } else { (300, 100) };
                    let mut s = seg(frame, from_client, "A", isn + 1, peer_isn + next(3) as u32);
                    s.seg.acks_peer_syn = next(2) == 0;
                    t.push(s, None);
                    let mut kept = t.shown.clone();
                    if let Some(last) = kept.last_mut() {
                        last.note = None;
                    }
                    assert_eq!(kept, from_scratch(&t, false));
                }
            }
        }
    }

    #[test]
    fn rows_are_let_go_once_settled() {
        let mut t = Timeline::new([Closed, Listen], false);
        t.push(seg(1, true, "S", 100, 0), None);
        t.push(seg(2, false, "SAs", 300, 101), None);
        t.push(seg(3, true, "As", 101, 301), None);
        for i in 0..100 {
            t.push(seg(4 + i, i % 2 == 0, "As", 101, 301), None);
            assert!(t.pending.len() <= 4, "{}", t.pending.len());
        }
        // A SYN retransmitted for ever stays bounded.
        let mut t = Timeline::new([Closed, Listen], false);
        for i in 0..1000 {
            t.push(seg(1 + i, true, "S", 100, 0), None);
        }
        assert!(t.pending.len() <= MAX_PENDING);
    }
}
