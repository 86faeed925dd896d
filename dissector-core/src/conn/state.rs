//! TCP connection states (RFC 9293 §3.3.2) and the one pure function that moves them.
//!
//! synack sees packets, not sockets, so it applies one rule that needs no look-ahead: a packet
//! moves its **sender** to the state that sending it proves (RFC 9293 §3.10), and moves its
//! **receiver** only where the RFC transition needs no reply from the receiver: SYN_RECEIVED →
//! ESTABLISHED, FIN_WAIT_1 → FIN_WAIT_2, CLOSING → TIME_WAIT and LAST_ACK → CLOSED on the ACK
//! of its SYN or FIN, and → CLOSED on an acceptable RST.

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
    /// The peer's FIN received and acknowledged; our side still open.
    CloseWait,
    /// FINs crossed: both sent, ours not yet acknowledged.
    Closing,
    /// Our FIN sent after the peer's, waiting for its ACK.
    LastAck,
    /// Both FINs done; waiting 2 MSL before the connection is forgotten.
    TimeWait,
}

impl State {
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
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a segment says, as far as states are concerned. The tracker computes the `acks_*`
/// facts from sequence numbers; they are from the sender's point of view.
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
    /// The ACK number covers the peer's SYN (peer ISN + 1 or later).
    pub acks_peer_syn: bool,
    /// The ACK number covers the peer's FIN.
    pub acks_peer_fin: bool,
    /// An RST the receiver must accept (RFC 9293 §3.10.7.1: in window, or acking our SYN).
    pub rst_acceptable: bool,
}

/// Which end of the segment an endpoint is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The endpoint sent the segment.
    Sender,
    /// The endpoint received the segment.
    Receiver,
}

/// The state of one endpoint after `seg`, given its state before and its role.
pub fn transition(state: State, seg: &Segment, role: Role) -> State {
    use Role::{Receiver, Sender};
    use State::*;
    let pure_syn = seg.syn && !seg.ack;
    match (role, state) {
        // §3.10.7: sending RST aborts the connection, whatever the state.
        (Sender, _) if seg.rst => Closed,
        // §3.10.7.1: an acceptable RST closes the receiver; LISTEN ignores RSTs (§3.10.7.2).
        (Receiver, Listen) => Listen,
        (Receiver, _) if seg.rst && seg.rst_acceptable => Closed,
        // §3.10.1 OPEN: a SYN from a closed endpoint is an active open.
        (Sender, Closed) if pure_syn => SynSent,
        // §3.10.2 SEND in LISTEN: naming the peer turns a passive open active (the second
        // SYN of a simultaneous open).
        (Sender, Listen) if pure_syn => SynSent,
        // Retransmitted SYNs prove nothing new.
        (Sender, SynSent) if pure_syn => SynSent,
        // §3.10.7.2: a SYN+ACK is LISTEN's answer to a SYN ...
        (Sender, Listen) if seg.syn && seg.ack => SynReceived,
        // ... or, after our own SYN crossed the peer's, the simultaneous-open answer (§3.5).
        (Sender, SynSent) if seg.syn && seg.ack => SynReceived,
        // §3.10.7.3: acknowledging the peer's SYN+ACK completes an active open.
        (Sender, SynSent) if seg.ack && seg.acks_peer_syn => Established,
        // A FIN that also acknowledges the peer's FIN: the peer closed first (CLOSE_WAIT), and
        // this FIN is our close (§3.10.4 in CLOSE-WAIT) -> LAST_ACK.
        (Sender, Established | CloseWait) if seg.fin && seg.acks_peer_fin => LastAck,
        // §3.10.4 CLOSE in ESTABLISHED: our FIN starts the active close.
        (Sender, Established | SynReceived) if seg.fin => FinWait1,
        // Acknowledging the peer's FIN while open: §3.10.7.4 eighth, ESTABLISHED -> CLOSE_WAIT.
        (Sender, Established) if seg.acks_peer_fin => CloseWait,
        // §3.10.7.4: FIN received in FIN_WAIT_1 before our FIN was acked: CLOSING; after it was
        // acked (FIN_WAIT_2): TIME_WAIT. Sending the ACK proves the FIN arrived.
        (Sender, FinWait1) if seg.acks_peer_fin => Closing,
        (Sender, FinWait2) if seg.acks_peer_fin => TimeWait,
        // The ACK of our SYN, FIN or both, received: the transitions that need no reply.
        (Receiver, SynReceived) if seg.ack && seg.acks_peer_syn => Established,
        (Receiver, FinWait1) if seg.ack && seg.acks_peer_fin => FinWait2,
        (Receiver, Closing) if seg.ack && seg.acks_peer_fin => TimeWait,
        (Receiver, LastAck) if seg.ack && seg.acks_peer_fin => Closed,
        // Everything else leaves the endpoint where it was.
        (_, s) => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Role::{Receiver, Sender};
    use State::*;

    fn seg(flags: &str) -> Segment {
        Segment {
            syn: flags.contains('S'),
            ack: flags.contains('A'),
            fin: flags.contains('F'),
            rst: flags.contains('R'),
            acks_peer_syn: flags.contains('s'),
            acks_peer_fin: flags.contains('f'),
            rst_acceptable: flags.contains('r'),
        }
    }

    /// Apply a script of (sender is client, flags) and return (client, server) after each.
    fn run(script: &[(bool, &str)]) -> Vec<(State, State)> {
        let (mut c, mut s) = (Closed, Listen);
        script
            .iter()
            .map(|&(from_client, f)| {
                let g = seg(f);
                if from_client {
                    (c, s) = (transition(c, &g, Sender), transition(s, &g, Receiver));
                } else {
                    (s, c) = (transition(s, &g, Sender), transition(c, &g, Receiver));
                }
                (c, s)
            })
            .collect()
    }

    #[test]
    fn established_normal_open_and_client_close() {
        // The walkthrough, packet by packet.
        let got = run(&[
            (true, "S"),
            (false, "SAs"),
            (true, "As"),
            (true, "FAs"),
            (false, "Asf"),
            (false, "FAsf"),
            (true, "Asf"),
        ]);
        assert_eq!(
            got,
            vec![
                (SynSent, Listen),
                (SynSent, SynReceived),
                (Established, Established),
                (FinWait1, Established),
                (FinWait2, CloseWait),
                (FinWait2, LastAck),
                (TimeWait, Closed),
            ]
        );
    }

    #[test]
    fn established_server_closes_first_with_combined_fin_ack() {
        let got = run(&[(true, "S"), (false, "SAs"), (true, "As"), (false, "FAs"), (true, "FAsf"), (false, "Asf")]);
        assert_eq!(got[3], (Established, FinWait1));
        // The client's FIN+ACK acks the server's FIN: CLOSE_WAIT then LAST_ACK at once; the
        // server's FIN is acked, FIN_WAIT_2.
        assert_eq!(got[4], (LastAck, FinWait2));
        assert_eq!(got[5], (Closed, TimeWait));
    }

    #[test]
    fn fin_wait_1_simultaneous_close_goes_through_closing() {
        let got = run(&[
            (true, "S"),
            (false, "SAs"),
            (true, "As"),
            (true, "FAs"),
            (false, "FAs"),
            (true, "Asf"),
            (false, "Asf"),
        ]);
        assert_eq!(got[4], (FinWait1, FinWait1));
        // The client acks the server's FIN while its own is unacked: it proves CLOSING. The
        // server receives the ACK of its FIN: FIN_WAIT_1 -> FIN_WAIT_2 (receiving the client's
        // FIN moved nothing, since that transition needs the server's reply).
        assert_eq!(got[5], (Closing, FinWait2));
        // The server's ACK of the client's FIN: it proves TIME_WAIT; the client, CLOSING, gets
        // the ACK of its FIN: TIME_WAIT.
        assert_eq!(got[6], (TimeWait, TimeWait));
    }

    #[test]
    fn syn_sent_refused_by_rst() {
        let got = run(&[(true, "S"), (false, "RAsr")]);
        assert_eq!(got, vec![(SynSent, Listen), (Closed, Closed)]);
    }

    #[test]
    fn syn_sent_retransmitted_syn_stays() {
        let got = run(&[(true, "S"), (true, "S"), (false, "SAs"), (false, "SAs"), (true, "As")]);
        assert_eq!(got[1], (SynSent, Listen));
        assert_eq!(got[3], (SynSent, SynReceived));
        assert_eq!(got[4], (Established, Established));
    }

    #[test]
    fn listen_ignores_rst() {
        assert_eq!(transition(Listen, &seg("Rr"), Receiver), Listen);
    }

    #[test]
    fn syn_sent_simultaneous_open() {
        // Both ends send SYN (each SYN_SENT), then each answers with SYN+ACK.
        let a = transition(Closed, &seg("S"), Sender);
        let b = transition(Closed, &seg("S"), Sender);
        assert_eq!((a, b), (SynSent, SynSent));
        let a = transition(a, &seg("SAs"), Sender);
        let b = transition(b, &seg("SAs"), Receiver);
        assert_eq!((a, b), (SynReceived, SynSent));
        let b2 = transition(b, &seg("SAs"), Sender);
        let a2 = transition(a, &seg("SAs"), Receiver);
        assert_eq!((a2, b2), (Established, SynReceived));
    }

    #[test]
    fn listen_sending_syn_is_an_active_open() {
        // Both SYNs cross, the server's first: RFC 9293 figure 7 seen from the wire.
        let got = run(&[(true, "S"), (false, "S"), (true, "SAs"), (false, "SAs"), (true, "As")]);
        assert_eq!(
            got,
            vec![
                (SynSent, Listen),
                (SynSent, SynSent),
                (SynReceived, SynSent),
                (Established, SynReceived),
                (Established, Established),
            ]
        );
    }

    #[test]
    fn established_rst_mid_connection_closes_both() {
        let got = run(&[(true, "S"), (false, "SAs"), (true, "As"), (false, "RAsr")]);
        assert_eq!(got[3], (Closed, Closed));
    }

    #[test]
    fn established_keepalive_and_data_change_nothing() {
        assert_eq!(transition(Established, &seg("As"), Sender), Established);
        assert_eq!(transition(Established, &seg("As"), Receiver), Established);
        assert_eq!(transition(CloseWait, &seg("Asf"), Sender), CloseWait);
    }

    #[test]
    fn names_are_the_rfc_names() {
        assert_eq!(SynReceived.to_string(), "SYN_RECEIVED");
        assert_eq!(FinWait1.to_string(), "FIN_WAIT_1");
    }
}
