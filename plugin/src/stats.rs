//! The counts behind Statistics → TCP handshakes (`tshark -z synack,tree`): connections by the
//! handshake step they reached, by outcome and finding (the verdict's codes), by what their
//! handshake negotiated and by both endpoints' states after their last frame, and the initial
//! RTTs. Fed each TCP frame's annotation in frame order, as the tap hands them; a connection
//! counts once in each group, moved between a group's nodes as its later frames change it.
//! Outcome, findings and end states are read on the frame that carries the verdict (with two
//! passes, the GUI's retaps included, the connection's last frame; in one pass, the frame that
//! closed it), so that the states it passed through leave no empty nodes behind.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use dissector_core::conn::{Stage, State, TcpTrack};

/// The top node, whose count is the number of connections.
pub const CONNECTIONS: &str = "Connections";
/// The node averaging each connection's iRTT (the stats tree's average, min and max columns).
pub const IRTT: &str = "Initial RTT (ms)";
/// The node counting iRTTs by range, in microseconds.
pub const IRTT_RANGES: &str = "Initial RTT by range (µs)";
/// Its ranges, as the stats tree takes them.
pub const IRTT_BUCKETS: [&str; 6] = ["0-99", "100-999", "1000-9999", "10000-99999", "100000-999999", "1000000-"];

/// The nodes shown even when nothing counts in them (a zero says "none of these").
pub fn fixed_nodes() -> Vec<(Group, &'static str)> {
    let mut n: Vec<(Group, &'static str)> = HANDSHAKE.iter().map(|h| (Group::Handshake, *h)).collect();
    n.extend(dissector_core::conn::verdict::CODES[..8].iter().map(|(c, _)| (Group::Outcome, *c)));
    n.push((Group::Outcome, NOT_KNOWN));
    n.extend(OPTIONS.iter().map(|o| (Group::Options, *o)));
    n
}

/// The handshake step reached (RFC 9293 §3.5); a connection picked up mid-stream showed none.
const HANDSHAKE: [&str; 6] = [
    "completed (3/3)",
    "completed (simultaneous open)",
    "SYN+ACK, no ACK (2/3)",
    "SYN only (1/3)",
    "picked up mid-stream",
    "no handshake seen",
];
/// A connection with no verdict yet: open, in one pass.
const NOT_KNOWN: &str = "not known yet (open, in one pass)";
const OPTIONS: [&str; 6] =
    ["MSS (both announced)", "window scaling", "SACK", "timestamps", "TCP Fast Open (data taken)", "ECN"];

/// The groups under [`CONNECTIONS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Group {
    Handshake,
    Outcome,
    Findings,
    Options,
    EndStates,
}

impl Group {
    pub const ALL: [Group; 5] = [Group::Handshake, Group::Outcome, Group::Findings, Group::Options, Group::EndStates];

    /// The group's node name.
    pub fn name(self) -> &'static str {
        match self {
            Group::Handshake => "Handshake reached",
            Group::Outcome => "Outcome",
            Group::Findings => "Findings",
            Group::Options => "Options negotiated",
            Group::EndStates => "States at the end (client / server)",
        }
    }
}

/// A node whose count changed: `group` None is [`CONNECTIONS`] itself (`name` is it) or a
/// group's own node (`name` is the group's).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Count {
    pub group: Option<Group>,
    pub name: String,
    pub value: i32,
}

/// What one connection counts as.
#[derive(Debug, Default)]
struct Conn {
    stage: u8,
    simultaneous: bool,
    inferred: bool,
    outcome: Option<&'static str>,
    findings: Vec<&'static str>,
    options: Vec<&'static str>,
    end: Option<(State, State)>,
    irtt: bool,
}

impl Conn {
    /// The nodes it counts in.
    fn nodes(&self) -> BTreeSet<(Group, String)> {
        let mut n = BTreeSet::new();
        // RFC 9293 §3.5: the three steps; a connection picked up mid-stream showed none.
        let stage = match (self.stage, self.inferred, self.simultaneous) {
            (3, _, true) => HANDSHAKE[1],
            (3, ..) => HANDSHAKE[0],
            (2, ..) => HANDSHAKE[2],
            (1, ..) => HANDSHAKE[3],
            (_, true, _) => HANDSHAKE[4],
            _ => HANDSHAKE[5],
        };
        n.insert((Group::Handshake, stage.to_string()));
        n.insert((Group::Outcome, self.outcome.unwrap_or(NOT_KNOWN).to_string()));
        n.extend(self.findings.iter().map(|f| (Group::Findings, f.to_string())));
        n.extend(self.options.iter().map(|o| (Group::Options, o.to_string())));
        if let Some((c, s)) = self.end {
            n.insert((Group::EndStates, format!("{} / {}", c.name(), s.name())));
        }
        n
    }
}

/// The counts for one stats tree (one Statistics window, or one `-z`).
#[derive(Debug, Default)]
pub struct Stats {
    conns: HashMap<u32, Conn>,
    counts: BTreeMap<(Group, String), i32>,
    /// Connections whose handshake completed: the base of "Options negotiated".
    completed: i32,
}

impl Stats {
    /// Take in one TCP frame's annotation; returns the counts that changed and, the first
    /// time the connection's iRTT is known, the iRTT in nanoseconds.
    pub fn frame(&mut self, t: &TcpTrack) -> (Vec<Count>, Option<i128>) {
        let new_conn = !self.conns.contains_key(&t.stream);
        let conn = self.conns.entry(t.stream).or_default();
        let before = if new_conn { BTreeSet::new() } else { conn.nodes() };
        let was_completed = conn.stage == 3;
        conn.stage = conn.stage.max(match t.stage {
            Some(Stage::Syn | Stage::SimultaneousSyn) => 1,
            Some(Stage::SynAck | Stage::SimultaneousSynAck) => 2,
            Some(Stage::Ack) => 3,
            None => 0,
        });
        conn.simultaneous |= matches!(t.stage, Some(Stage::SimultaneousSyn | Stage::SimultaneousSynAck));
        conn.inferred |= t.inferred;
        if let Some(v) = &t.verdict {
            // The outcome first, then what else stood out (Verdict::codes).
            let mut codes = v.codes();
            conn.outcome = codes.next();
            conn.findings = codes.collect();
            conn.end = Some((t.client, t.server));
        }
        if let Some(n) = &t.negotiated {
            // The open is complete (a simultaneous open's too, RFC 9293 §3.5 figure 7).
            conn.stage = 3;
            conn.options.clear();
            // RFC 6691: each end announces its MSS; RFC 7323 §2.2, §3.2 and RFC 2018: window
            // scaling, timestamps and SACK only when both SYNs carried them.
            let on = [n.mss_client.is_some() && n.mss_server.is_some(), n.ws.is_some(), n.sack, n.ts];
            conn.options.extend(OPTIONS.iter().zip(on).filter(|(_, on)| *on).map(|(o, _)| *o));
        }
        // TFO and ECN are the verdict's findings (RFC 7413; RFC 3168 §6.1.1).
        conn.options.retain(|o| !OPTIONS[4..].contains(o));
        for f in &conn.findings {
            match *f {
                "tfo-accepted" => conn.options.push(OPTIONS[4]),
                "ecn" => conn.options.push(OPTIONS[5]),
                _ => {}
            }
        }
        let irtt = match t.irtt_ns {
            Some(ns) if !conn.irtt => {
                conn.irtt = true;
                Some(ns)
            }
            _ => None,
        };
        let after = conn.nodes();
        let completed = conn.stage == 3;

        let mut changed = Vec::new();
        for k in before.difference(&after) {
            *self.counts.entry(k.clone()).or_default() -= 1;
            changed.push(k.clone());
        }
        for k in after.difference(&before) {
            *self.counts.entry(k.clone()).or_default() += 1;
            changed.push(k.clone());
        }
        let mut out: Vec<Count> =
            changed.into_iter().map(|k| Count { group: Some(k.0), value: self.counts[&k], name: k.1 }).collect();
        let total = i32::try_from(self.conns.len()).unwrap_or(i32::MAX);
        if new_conn {
            out.push(Count { group: None, name: CONNECTIONS.to_string(), value: total });
            for g in Group::ALL.into_iter().filter(|g| *g != Group::Options) {
                out.push(Count { group: None, name: g.name().to_string(), value: total });
            }
        }
        if completed && !was_completed {
            self.completed += 1;
            out.push(Count { group: None, name: Group::Options.name().to_string(), value: self.completed });
        }
        (out, irtt)
    }

    /// Every node's count now (for a test, or a tree redrawn from scratch).
    pub fn counts(&self) -> Vec<Count> {
        let total = i32::try_from(self.conns.len()).unwrap_or(i32::MAX);
        let mut out = vec![Count { group: None, name: CONNECTIONS.to_string(), value: total }];
        for g in Group::ALL {
            let value = if g == Group::Options { self.completed } else { total };
            out.push(Count { group: None, name: g.name().to_string(), value });
        }
        out.extend(self.counts.iter().filter(|(_, v)| **v != 0).map(|((g, n), v)| Count {
            group: Some(*g),
            name: n.clone(),
            value: *v,
        }));
        out
    }
}

/// The microsecond range an iRTT of `ns` nanoseconds falls in, as the stats tree ticks it.
pub fn irtt_us(ns: i128) -> i32 {
    i32::try_from(ns.max(0) / 1000).unwrap_or(i32::MAX)
}
