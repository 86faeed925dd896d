//! The per-capture store behind the plugin: the core dissector, fed each frame once on the
//! first pass, and what each frame showed then, kept by frame number. Wireshark re-dissects
//! frames many times and in any order (the GUI, `tshark -2`); what they show must not move
//! when it does, so it is read back from here.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use dissector_core::{Dissector, FrameMeta, Options};

use crate::anno::{self, FrameAnno};

/// Per-capture state: the core dissector and what each frame showed.
pub struct Store {
    dissector: Dissector,
    scratch: Vec<u8>,
    /// By frame number: 1 + the position of the frame's annotation in `annos`, or 0.
    index: Vec<u32>,
    /// What each annotated frame showed, in the order the first pass met them. Kept in one
    /// array rather than a heap block per frame (behind a reference count) and another for
    /// its TCP options: two allocations a frame fewer, and about 40 bytes a frame.
    annos: Vec<FrameAnno>,
    /// Streams picked up mid-stream whose first segment has been seen.
    inferred: HashSet<u32>,
    /// Rows were finalized since the last frame of the first pass.
    finalized: bool,
    /// The frame each connection's verdict is shown on, by stream.
    verdict_at: HashMap<u32, u32>,
    /// The first frame of each encapsulation synack does not decode, and which (a few at most).
    undecoded_at: Vec<(u32, &'static str)>,
}

impl Default for Store {
    fn default() -> Self {
        Store::new()
    }
}

impl Store {
    /// An empty store for a new capture.
    pub fn new() -> Store {
        // The GUI and tshark -2 re-dissect: later frames' facts about earlier ones are shown then,
        // and the states of earlier frames as later evidence revised them (the informed view).
        // Wireshark shows its own sequence analysis: the plugin needs none of it shown (the
        // verdicts read the flags, worked out either way).
        let dissector = Dissector::with_options(Options {
            collect_late: true,
            revisions: true,
            analysis: false,
            ..Options::default()
        });
        Store {
            dissector,
            scratch: Vec::new(),
            index: Vec::new(),
            annos: Vec::new(),
            inferred: HashSet::new(),
            finalized: false,
            verdict_at: HashMap::new(),
            undecoded_at: Vec::new(),
        }
    }

    /// Dissect frame `meta.number` (its `data`) on the first pass, unless already done, and
    /// keep what it shows.
    pub fn first_pass(&mut self, meta: FrameMeta, data: &[u8]) {
        if self.anno(meta.number).is_some() {
            return;
        }
        self.finalized = false;
        let Store { dissector, scratch, inferred, undecoded_at, .. } = self;
        let kinds = dissector.undecoded().len();
        let pkt = dissector.dissect(meta, data, scratch);
        let first_inferred = pkt.track.as_ref().is_some_and(|t| t.inferred && inferred.insert(t.stream));
        let a = anno::annotate(&pkt, first_inferred);
        drop(pkt);
        // A kind of encapsulation met for the first time: named on this frame.
        undecoded_at.extend(dissector.undecoded()[kinds..].iter().map(|&(what, _)| (meta.number, what)));
        if let Some(a) = a {
            let closes = a.track.as_ref().filter(|t| t.verdict.is_some()).map(|t| t.stream);
            self.keep(meta.number, a);
            // One pass shows a verdict on the frame that closed the connection.
            if let Some(s) = closes {
                self.verdict_at.insert(s, meta.number);
            }
        }
        // Connection summaries are for the CLI; the plugin lets them go.
        self.dissector.take_summaries();
        self.revise();
    }

    /// The first pass is over (Wireshark shows a frame again, or tshark starts its second
    /// pass): rows as everything seen makes them. Frames that still come (a live capture) are
    /// weighed with them, and revise them again.
    pub fn finalize(&mut self) {
        self.dissector.finalize();
        self.revise();
        self.finalized = true;
    }

    /// Whether the rows are final for the frames seen so far.
    pub fn finalized(&self) -> bool {
        self.finalized
    }

    /// Show the rows later evidence revised instead of those kept, and each verdict found on
    /// its connection's last frame (moved from where it was shown before).
    fn revise(&mut self) {
        for (stream, frame, v) in self.dissector.take_verdicts() {
            if let Some(old) = self.verdict_at.insert(stream, frame) {
                if let Some(t) = self.track_mut(old) {
                    t.verdict = None;
                }
            }
            if let Some(t) = self.track_mut(frame) {
                t.verdict = Some(Arc::new(v));
            }
        }
        for (frame, row) in self.dissector.take_revisions() {
            let at = self.index.get(frame as usize).copied().unwrap_or(0);
            if let Some(t) =
                at.checked_sub(1).and_then(|i| self.annos.get_mut(i as usize)).and_then(|a| a.track.as_mut())
            {
                t.apply(&row);
            }
        }
    }

    fn track_mut(&mut self, frame: u32) -> Option<&mut dissector_core::conn::TcpTrack> {
        let at = self.index.get(frame as usize).copied().unwrap_or(0);
        at.checked_sub(1).and_then(|i| self.annos.get_mut(i as usize)).and_then(|a| a.track.as_mut())
    }

    /// The annotation of frame `num`, if it has one.
    pub fn anno(&self, num: u32) -> Option<&FrameAnno> {
        let at = *self.index.get(num as usize)?;
        self.annos.get(usize::try_from(at).ok()?.checked_sub(1)?)
    }

    /// The encapsulation synack does not decode that frame `num` was the first to carry, and
    /// how many frames carried it so far.
    pub fn undecoded_at(&self, num: u32) -> Option<(&'static str, u64)> {
        let &(_, what) = self.undecoded_at.iter().find(|(f, _)| *f == num)?;
        let count = self.dissector.undecoded().iter().find(|(w, _)| *w == what).map_or(1, |(_, n)| *n);
        Some((what, count))
    }

    /// The streams that connected to an address a DNS answer in frame `num` gave, known once
    /// later frames were seen (`synack.dns.used_by`).
    pub fn used_by(&self, num: u32) -> Vec<u32> {
        let mut late = Vec::new();
        let (Some(a), Some(facts)) = (self.anno(num), self.dissector.late_facts()) else { return late };
        for m in 0..a.dns_messages() {
            if let Some(u) = facts.used_by.get(&(num, m)) {
                late.extend(u.iter().copied());
            }
        }
        late
    }

    /// Keep `a` as frame `num`'s annotation.
    fn keep(&mut self, num: u32, a: FrameAnno) {
        let (Ok(slot), Ok(at)) = (usize::try_from(num), u32::try_from(self.annos.len() + 1)) else { return };
        if self.index.len() <= slot {
            self.index.resize(slot + 1, 0);
        }
        self.index[slot] = at;
        self.annos.push(a);
    }
}
