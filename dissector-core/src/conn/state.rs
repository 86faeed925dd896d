//! TCP connection states (RFC 9293 §3.3.2) and the one pure function that moves them.
//!
//! # The rule: RFC 9293's own figures
//!
//! RFC 9293 draws every exchange (Figures 6-13) as rows that give **both endpoints' states once a
//! segment has been sent and received**. synack's states on a frame are exactly that row: the
//! sender's state after sending the segment, and the receiver's state after processing its
//! arrival (§3.10.7, SEGMENT ARRIVES). The basic handshake (Figure 6) and a normal close
//! (Figure 12) read:
//!
//! ```text
//!  Figure 6, line                 client        server
//!  2. SYN                         SYN_SENT      SYN_RECEIVED
//!  3. SYN,ACK                     ESTABLISHED   SYN_RECEIVED
//!  4. ACK                         ESTABLISHED   ESTABLISHED
//!
//!  Figure 12, line                A             B
//!  2. FIN,ACK (A closes)          FIN_WAIT_1    CLOSE_WAIT
//!  3. ACK                         FIN_WAIT_2    CLOSE_WAIT
//!  4. FIN,ACK (B closes)          TIME_WAIT     LAST_ACK
//!  5. ACK                         TIME_WAIT     CLOSED
//! ```
//!
//! A capture is taken at one point, so when a segment arrived is a matter of evidence, weighed
//! by the tracker (`conn::arrival`): a segment arrives at the capture position unless the
//! receiver's own segments show it had not (an ACK that does not cover a SYN or FIN, a SYN
//! without ACK, a SYN+ACK sent again after the ACK of it). This function only says what one
//! segment does to one endpoint.

use core::fmt;

/// An endpoint's state, named as RFC 9293 §3.3.2 names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// No connection.
    Closed,
    /// Waiting for a connection request (the server before the first SYN).
    Listen,
    /// SYN sent, waiting for the peer's SYN.
    SynSent,
    /// SYN received and answered, waiting for the ACK of our SYN.
    SynReceived,
    /// Open: data flows both ways.
    Established,
    /// Our FIN sent, not yet acknowledged.
    FinWait1,
    /// Our FIN acknowledged, waiting for the peer's FIN.
    FinWait2,
    /// The peer's FIN received; our side still open.
    CloseWait,
    /// FINs crossed: both sent, ours not yet acknowledged.
    Closing,
    /// Our FIN sent after the peer's, waiting for its ACK.
    LastAck,
    /// Both FINs done; waiting 2 MSL before the connection is forgotten.
    TimeWait,
}

impl State {
    /// Every state, in RFC order.
    pub const ALL: [State; 11] = [
        State::Closed,
        State::Listen,
        State::SynSent,
        State::SynReceived,
        State::Established,
        State::FinWait1,
        State::FinWait2,
        State::CloseWait,
        State::Closing,
        State::LastAck,
        State::TimeWait,
    ];

    /// The name users know (`SYN_RECEIVED`).
    pub fn name(self) -> &'static str {
        match self {
            State::Closed => "CLOSED",
            State::Listen => "LISTEN",
            State::SynSent => "SYN_SENT",
            State::SynReceived => "SYN_RECEIVED",
            State::Established => "ESTABLISHED",
            State::FinWait1 => "FIN_WAIT_1",
            State::FinWait2 => "FIN_WAIT_2",
            State::CloseWait => "CLOSE_WAIT",
            State::Closing => "CLOSING",
            State::LastAck => "LAST_ACK",
            State::TimeWait => "TIME_WAIT",
        }
    }

    /// The state named `s`, as synack writes it (`SYN_RECEIVED`) or as RFC 9293 does
    /// (`SYN-RECEIVED`), in any case.
    pub fn from_name(s: &str) -> Option<State> {
        State::ALL.into_iter().find(|st| st.name().eq_ignore_ascii_case(&s.replace('-', "_")))
    }

    /// Synchronized (§3.5): the handshake is done for this endpoint.
    pub fn is_synchronized(self) -> bool {
        !matches!(self, State::Closed | State::Listen | State::SynSent | State::SynReceived)
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a segment says, as far as states are concerned. The tracker computes the `acks_*`
/// and RST facts from sequence numbers; `acks_*` are from the sender's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Segment {
    /// SYN set.
    pub syn: bool,
    /// ACK set.
    pub ack: bool,
    /// FIN set.
    pub fin: bool,
    /// RST set.
    pub rst: bool,
    /// The ACK number covers the peer's SYN (beyond the peer's ISN, within what it sent).
    pub acks_peer_syn: bool,
    /// The ACK number covers the peer's FIN.
    pub acks_peer_fin: bool,
    /// A RST whose sequence number is in the receiver's window (§3.10.7.4 first check); in
    /// SYN-SENT a RST is acceptable when its ACK covers the receiver's SYN instead (§3.10.7.3).
    pub rst_in_window: bool,
}

/// Which end of the segment an endpoint is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The endpoint sent the segment: its state after sending it (what sending it proves).
    Sender,
    /// The endpoint received the segment: its state after processing it (§3.10.7).
    /// `passive`: it left LISTEN for SYN_RECEIVED (a passive open), so a RST in SYN_RECEIVED
    /// returns it to LISTEN (§3.10.7.4 first check).
    Receiver {
        /// The endpoint's open was passive.
        passive: bool,
    },
}

/// The state of one endpoint after `seg`, given its state before and its role.
pub fn transition(state: State, seg: &Segment, role: Role) -> State {
    use Role::{Receiver, Sender};
    use State::*;
    let pure_syn = seg.syn && !seg.ack;
    match (role, state) {
        // §3.10.7.3: in SYN-SENT a TCP sends RST only to answer a SYN+ACK that does not cover
        // its SYN, and stays (figure 8). Elsewhere it sends RST when it aborts (§3.10.4) or
        // has no connection (§3.10.7.1).
        (Sender, SynSent) if seg.rst => SynSent,
        (Sender, _) if seg.rst => Closed,
        // §3.10.1 OPEN: a SYN from a closed endpoint is an active open; §3.10.2 SEND in LISTEN
        // turns a passive open active. A SYN sent again proves nothing new.
        (Sender, Closed | Listen | SynSent) if pure_syn => SynSent,
        // A SYN+ACK is sent in SYN_RECEIVED (§3.10.7.2, §3.10.7.3): when the capture missed
        // the SYN it answers, sending it still proves that state.
        (Sender, Closed | Listen | SynSent) if seg.syn => SynReceived,
        // Acknowledging the peer's SYN proves the open completed (§3.10.7.3), if the arrival
        // of the SYN+ACK was not seen.
        (Sender, SynSent) if seg.ack && seg.acks_peer_syn => Established,
        // §3.10.4 CLOSE: in ESTABLISHED (or SYN_RECEIVED) a FIN starts the active close; in
        // CLOSE_WAIT it answers the peer's. A FIN that also acknowledges the peer's FIN whose
        // arrival was not seen is the passive close too.
        (Sender, Established) if seg.fin && seg.acks_peer_fin => LastAck,
        (Sender, Established | SynReceived) if seg.fin => FinWait1,
        (Sender, CloseWait) if seg.fin => LastAck,
        // Acknowledging the peer's FIN proves it arrived (§3.10.7.4 eighth), if its arrival was
        // not seen.
        (Sender, Established) if seg.acks_peer_fin => CloseWait,
        (Sender, FinWait1) if seg.acks_peer_fin => Closing,
        (Sender, FinWait2) if seg.acks_peer_fin => TimeWait,
        (Sender, s) => s,

        // §3.10.7.1: CLOSED answers anything with RST and stays closed.
        (Receiver { .. }, Closed) => Closed,
        // §3.10.7.2 LISTEN: a RST is ignored, an ACK answered with RST, a SYN starts a passive
        // open.
        (Receiver { .. }, Listen) if pure_syn && !seg.rst => SynReceived,
        (Receiver { .. }, Listen) => Listen,
        // §3.10.7.3 SYN-SENT: an ACK that does not cover our SYN is answered with RST (or
        // dropped, if it is a RST); a RST with an acceptable ACK closes; a SYN that
        // acknowledges ours completes the open, one that does not is a simultaneous open.
        (Receiver { .. }, SynSent) if seg.ack && !seg.acks_peer_syn => SynSent,
        (Receiver { .. }, SynSent) if seg.rst => {
            if seg.ack {
                Closed
            } else {
                SynSent
            }
        }
        (Receiver { .. }, SynSent) if seg.syn && seg.ack => {
            if seg.fin {
                CloseWait
            } else {
                Established
            }
        }
        (Receiver { .. }, SynSent) if seg.syn => SynReceived,
        (Receiver { .. }, SynSent) => SynSent,
        // §3.10.7.4 first check: an acceptable RST returns a passive open to LISTEN and closes
        // anything else.
        (Receiver { passive }, SynReceived) if seg.rst => {
            if !seg.rst_in_window {
                SynReceived
            } else if passive {
                Listen
            } else {
                Closed
            }
        }
        (_, s) if seg.rst => {
            if seg.rst_in_window {
                Closed
            } else {
                s
            }
        }
        // §3.10.7.4 fifth check: without ACK a segment is dropped in these states.
        (Receiver { .. }, s) if !seg.ack => s,
        // SYN_RECEIVED: the ACK of our SYN (figure 7 line 7: also on the peer's SYN+ACK)
        // completes the open; a FIN with it closes the peer's side at once (eighth check).
        (Receiver { .. }, SynReceived) if seg.acks_peer_syn => {
            if seg.fin {
                CloseWait
            } else {
                Established
            }
        }
        (Receiver { .. }, SynReceived) => SynReceived,
        // Eighth check, FIN: ESTABLISHED enters CLOSE_WAIT; FIN_WAIT_1 enters TIME_WAIT if its
        // FIN is acknowledged (perhaps in this segment), CLOSING otherwise; FIN_WAIT_2 enters
        // TIME_WAIT.
        (Receiver { .. }, Established) if seg.fin => CloseWait,
        (Receiver { .. }, FinWait1) if seg.fin => {
            if seg.acks_peer_fin {
                TimeWait
            } else {
                Closing
            }
        }
        (Receiver { .. }, FinWait2) if seg.fin => TimeWait,
        // Fifth check, the ACK of our FIN: FIN_WAIT_1 -> FIN_WAIT_2, CLOSING -> TIME_WAIT,
        // LAST_ACK -> CLOSED.
        (Receiver { .. }, FinWait1) if seg.acks_peer_fin => FinWait2,
        (Receiver { .. }, Closing) if seg.acks_peer_fin => TimeWait,
        (Receiver { .. }, LastAck) if seg.acks_peer_fin => Closed,
        (Receiver { .. }, s) => s,
    }
}

/// [`transition`], and the state passed through on the way when the segment moves the
/// endpoint two steps (an ACK and a FIN together: FIN_WAIT_1 → FIN_WAIT_2 → TIME_WAIT).
pub fn transition_via(state: State, seg: &Segment, role: Role) -> (State, Option<State>) {
    let after = transition(state, seg, role);
    if !seg.fin || matches!(role, Role::Sender) {
        return (after, None);
    }
    let first = transition(state, &Segment { fin: false, ..*seg }, role);
    (after, (first != state && first != after).then_some(first))
}

#[cfg(test)]
mod tests {
    //! RFC 9293's figures, each as its table: the segments in the order an observer between
    //! the peers sees them, and after each, (A's state, B's state) as the figure's row gives
    //! them. Arrivals are applied where the figure draws them (`...` lines arrive later).
    use super::*;
    use State::*;

    /// One endpoint of a figure.
    #[derive(Clone, Copy)]
    struct Peer {
        state: State,
        passive: bool,
    }

    impl Peer {
        fn new(state: State) -> Peer {
            Peer { state, passive: false }
        }

        fn send(&mut self, s: &Segment) {
            self.state = transition(self.state, s, Role::Sender);
        }

        fn receive(&mut self, s: &Segment) {
            let before = self.state;
            self.state = transition(before, s, Role::Receiver { passive: self.passive });
            if before == Listen && self.state == SynReceived {
                self.passive = true;
            }
        }
    }

    /// A segment from flags: S SYN, A ACK, F FIN, R RST; s/f: acknowledges the peer's SYN/FIN;
    /// w: a RST in the window.
    fn seg(flags: &str) -> Segment {
        Segment {
            syn: flags.contains('S'),
            ack: flags.contains('A'),
            fin: flags.contains('F'),
            rst: flags.contains('R'),
            acks_peer_syn: flags.contains('s'),
            acks_peer_fin: flags.contains('f'),
            rst_in_window: flags.contains('w'),
        }
    }

    #[test]
    fn figure_6_basic_three_way_handshake() {
        // A: CLOSED, B: LISTEN.
        //  2. SYN-SENT    --> <SEQ=100><CTL=SYN>               --> SYN-RECEIVED
        //  3. ESTABLISHED <-- <SEQ=300><ACK=101><CTL=SYN,ACK>  <-- SYN-RECEIVED
        //  4. ESTABLISHED --> <SEQ=101><ACK=301><CTL=ACK>       --> ESTABLISHED
        //  5. ESTABLISHED --> <SEQ=101><ACK=301><CTL=ACK><DATA> --> ESTABLISHED
        let (mut a, mut b) = (Peer::new(Closed), Peer::new(Listen));
        let rows = [("S", true, (SynSent, SynReceived)), ("SAs", false, (Established, SynReceived))];
        for (f, from_a, want) in rows {
            let s = seg(f);
            if from_a {
                a.send(&s);
                b.receive(&s);
            } else {
                b.send(&s);
                a.receive(&s);
            }
            assert_eq!((a.state, b.state), want, "{f}");
        }
        for f in ["As", "As"] {
            a.send(&seg(f));
            b.receive(&seg(f));
            assert_eq!((a.state, b.state), (Established, Established));
        }
    }

    #[test]
    fn figure_7_simultaneous_open() {
        // A: CLOSED, B: CLOSED.
        //  2. SYN-SENT     --> <SEQ=100><CTL=SYN>              ...
        //  3. SYN-RECEIVED <-- <SEQ=300><CTL=SYN>              <-- SYN-SENT
        //  4.              ... <SEQ=100><CTL=SYN>              --> SYN-RECEIVED
        //  5. SYN-RECEIVED --> <SEQ=100><ACK=301><CTL=SYN,ACK> ...
        //  6. ESTABLISHED  <-- <SEQ=300><ACK=101><CTL=SYN,ACK> <-- SYN-RECEIVED
        //  7.              ... <SEQ=100><ACK=301><CTL=SYN,ACK> --> ESTABLISHED
        let (mut a, mut b) = (Peer::new(Closed), Peer::new(Closed));
        let (syn_a, syn_b, synack_a, synack_b) = (seg("S"), seg("S"), seg("SAs"), seg("SAs"));
        a.send(&syn_a);
        assert_eq!((a.state, b.state), (SynSent, Closed));
        b.send(&syn_b);
        a.receive(&syn_b);
        assert_eq!((a.state, b.state), (SynReceived, SynSent));
        b.receive(&syn_a);
        assert_eq!((a.state, b.state), (SynReceived, SynReceived));
        a.send(&synack_a);
        assert_eq!((a.state, b.state), (SynReceived, SynReceived));
        b.send(&synack_b);
        a.receive(&synack_b);
        assert_eq!((a.state, b.state), (Established, SynReceived));
        b.receive(&synack_a);
        assert_eq!((a.state, b.state), (Established, Established));
    }

    #[test]
    fn figure_8_recovery_from_old_duplicate_syn() {
        // A: CLOSED, B: LISTEN.
        //  2. SYN-SENT    --> <SEQ=100><CTL=SYN>               ...
        //  3. (duplicate) ... <SEQ=90><CTL=SYN>                --> SYN-RECEIVED
        //  4. SYN-SENT    <-- <SEQ=300><ACK=91><CTL=SYN,ACK>   <-- SYN-RECEIVED
        //  5. SYN-SENT    --> <SEQ=91><CTL=RST>                --> LISTEN
        //  6.             ... <SEQ=100><CTL=SYN>               --> SYN-RECEIVED
        //  7. ESTABLISHED <-- <SEQ=400><ACK=101><CTL=SYN,ACK>  <-- SYN-RECEIVED
        //  8. ESTABLISHED --> <SEQ=101><ACK=401><CTL=ACK>      --> ESTABLISHED
        let (mut a, mut b) = (Peer::new(Closed), Peer::new(Listen));
        a.send(&seg("S"));
        b.receive(&seg("S")); // the old duplicate
        assert_eq!((a.state, b.state), (SynSent, SynReceived));
        // B's SYN+ACK acknowledges 91, not A's SYN: A answers with RST and stays SYN-SENT.
        b.send(&seg("SA"));
        a.receive(&seg("SA"));
        assert_eq!((a.state, b.state), (SynSent, SynReceived));
        // A's RST answers the bad ACK: A stays SYN-SENT; B, a passive open, returns to LISTEN.
        a.send(&seg("Rw"));
        b.receive(&seg("Rw"));
        assert_eq!((a.state, b.state), (SynSent, Listen));
        b.receive(&seg("S"));
        assert_eq!((a.state, b.state), (SynSent, SynReceived));
        b.send(&seg("SAs"));
        a.receive(&seg("SAs"));
        assert_eq!((a.state, b.state), (Established, SynReceived));
        a.send(&seg("As"));
        b.receive(&seg("As"));
        assert_eq!((a.state, b.state), (Established, Established));
    }

    #[test]
    fn figure_9_half_open_connection_discovery() {
        // A crashed (CLOSED); B still ESTABLISHED.
        //  3. SYN-SENT --> <SEQ=400><CTL=SYN>              --> (??)
        //  4. (!!)     <-- <SEQ=300><ACK=100><CTL=ACK>     <-- ESTABLISHED
        //  5. SYN-SENT --> <SEQ=100><CTL=RST>              --> (Abort!!)
        //  6. SYN-SENT                                         CLOSED
        let (mut a, mut b) = (Peer::new(Closed), Peer::new(Established));
        a.send(&seg("S"));
        b.receive(&seg("S")); // not in B's window: answered with an ACK, nothing changes
        assert_eq!((a.state, b.state), (SynSent, Established));
        b.send(&seg("A"));
        a.receive(&seg("A")); // does not acknowledge A's SYN: A answers with RST
        assert_eq!((a.state, b.state), (SynSent, Established));
        a.send(&seg("Rw"));
        b.receive(&seg("Rw"));
        assert_eq!((a.state, b.state), (SynSent, Closed));
    }

    #[test]
    fn figure_10_active_side_causes_half_open_discovery() {
        // A crashed (CLOSED); B ESTABLISHED sends data; A answers with RST; B aborts.
        let (mut a, mut b) = (Peer::new(Closed), Peer::new(Established));
        b.send(&seg("A"));
        a.receive(&seg("A"));
        assert_eq!((a.state, b.state), (Closed, Established));
        a.send(&seg("Rw"));
        b.receive(&seg("Rw"));
        assert_eq!((a.state, b.state), (Closed, Closed));
    }

    #[test]
    fn figure_11_old_duplicate_syn_resets_two_passive_sockets() {
        // A and B both LISTEN; an old SYN reaches B, whose SYN+ACK reaches A (LISTEN answers an
        // ACK with RST); the RST returns B to LISTEN.
        let (mut a, mut b) = (Peer::new(Listen), Peer::new(Listen));
        b.receive(&seg("S"));
        assert_eq!((a.state, b.state), (Listen, SynReceived));
        b.send(&seg("SA"));
        a.receive(&seg("SA"));
        assert_eq!((a.state, b.state), (Listen, SynReceived));
        b.receive(&seg("Rw"));
        assert_eq!((a.state, b.state), (Listen, Listen));
    }

    #[test]
    fn figure_12_normal_close() {
        //  2. FIN-WAIT-1  --> <SEQ=100><ACK=300><CTL=FIN,ACK>  --> CLOSE-WAIT
        //  3. FIN-WAIT-2  <-- <SEQ=300><ACK=101><CTL=ACK>      <-- CLOSE-WAIT
        //  4. TIME-WAIT   <-- <SEQ=300><ACK=101><CTL=FIN,ACK>  <-- LAST-ACK
        //  5. TIME-WAIT   --> <SEQ=101><ACK=301><CTL=ACK>      --> CLOSED
        let (mut a, mut b) = (Peer::new(Established), Peer::new(Established));
        let rows = [
            ("FA", true, (FinWait1, CloseWait)),
            ("Af", false, (FinWait2, CloseWait)),
            ("FAf", false, (TimeWait, LastAck)),
            ("Af", true, (TimeWait, Closed)),
        ];
        for (f, from_a, want) in rows {
            let s = seg(f);
            if from_a {
                a.send(&s);
                b.receive(&s);
            } else {
                b.send(&s);
                a.receive(&s);
            }
            assert_eq!((a.state, b.state), want, "{f}");
        }
    }

    #[test]
    fn figure_13_simultaneous_close() {
        //  2. FIN-WAIT-1  --> <SEQ=100><ACK=300><CTL=FIN,ACK>  ... FIN-WAIT-1
        //                 <-- <SEQ=300><ACK=100><CTL=FIN,ACK>  <--
        //                 ... <SEQ=100><ACK=300><CTL=FIN,ACK>  -->
        //  3. CLOSING     --> <SEQ=101><ACK=301><CTL=ACK>      ... CLOSING
        //                 <-- <SEQ=301><ACK=101><CTL=ACK>      <--
        //                 ... <SEQ=101><ACK=301><CTL=ACK>      -->
        //  4. TIME-WAIT                                            TIME-WAIT
        let (mut a, mut b) = (Peer::new(Established), Peer::new(Established));
        let (fin_a, fin_b) = (seg("FA"), seg("FA"));
        a.send(&fin_a);
        b.send(&fin_b);
        assert_eq!((a.state, b.state), (FinWait1, FinWait1));
        a.receive(&fin_b);
        b.receive(&fin_a);
        assert_eq!((a.state, b.state), (Closing, Closing));
        let (ack_a, ack_b) = (seg("Af"), seg("Af"));
        a.send(&ack_a);
        b.send(&ack_b);
        assert_eq!((a.state, b.state), (Closing, Closing));
        a.receive(&ack_b);
        b.receive(&ack_a);
        assert_eq!((a.state, b.state), (TimeWait, TimeWait));
    }

    #[test]
    fn rst_per_state_follows_the_first_check() {
        let rst = seg("RAw");
        // §3.10.7.4: a passive open returns to LISTEN, an active one closes.
        assert_eq!(transition(SynReceived, &rst, Role::Receiver { passive: true }), Listen);
        assert_eq!(transition(SynReceived, &rst, Role::Receiver { passive: false }), Closed);
        for s in [Established, FinWait1, FinWait2, CloseWait, Closing, LastAck, TimeWait] {
            assert_eq!(transition(s, &rst, Role::Receiver { passive: false }), Closed, "{s}");
            // Out of the window, a RST is not acceptable and changes nothing.
            assert_eq!(transition(s, &seg("RA"), Role::Receiver { passive: false }), s, "{s}");
        }
        // §3.10.7.2: LISTEN ignores RSTs; §3.10.7.3: SYN-SENT accepts one whose ACK covers its
        // SYN (refused), not one without ACK.
        assert_eq!(transition(Listen, &rst, Role::Receiver { passive: false }), Listen);
        assert_eq!(transition(SynSent, &seg("RAs"), Role::Receiver { passive: false }), Closed);
        assert_eq!(transition(SynSent, &seg("R"), Role::Receiver { passive: false }), SynSent);
    }

    #[test]
    fn an_ack_and_a_fin_together_pass_through_the_middle_state() {
        let r = Role::Receiver { passive: false };
        assert_eq!(transition_via(FinWait1, &seg("FAf"), r), (TimeWait, Some(FinWait2)));
        assert_eq!(transition_via(SynReceived, &seg("FAs"), r), (CloseWait, Some(Established)));
        assert_eq!(transition_via(Established, &seg("FA"), r), (CloseWait, None));
    }

    #[test]
    fn names_are_the_rfc_names_and_read_back_either_way() {
        assert_eq!(SynReceived.to_string(), "SYN_RECEIVED");
        assert_eq!(FinWait1.to_string(), "FIN_WAIT_1");
        for s in State::ALL {
            assert_eq!(State::from_name(s.name()), Some(s));
            assert_eq!(State::from_name(&s.name().replace('_', "-").to_lowercase()), Some(s));
        }
        assert_eq!(State::from_name("TIME-WAIT"), Some(TimeWait));
    }
}
