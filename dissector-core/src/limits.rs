//! Bounds on per-capture state. synack reads hostile captures inside the user's Wireshark, so
//! nothing it keeps may grow with the number of packets: connections, DNS-over-TCP buffers,
//! DNS transactions and the DNS address book are all capped, connections also expire by
//! capture time, and every eviction is counted so that it can be reported.
//!
//! While a capture stays under the caps, synack keeps what tshark keeps and numbers streams as
//! tshark does; past them, evicted state is forgotten (a later segment of an evicted connection
//! starts a new stream), which the counts make visible.

/// How long a closed connection is kept for late segments by default: 2 MSL (RFC 9293 §3.4.2,
/// MSL = 2 minutes), the TIME-WAIT wait; see [`Limits::closed_linger_ns`].
pub const LINGER_NS: i128 = 240_000_000_000;

/// The caps. [`Limits::default`] suits captures of millions of packets in a few tens of MiB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Connections tracked at once; beyond this the least recently used are evicted (CLOCK).
    pub max_connections: usize,
    /// A connection with no segment for this long (capture time) is dropped from the tracker
    /// (its stream number is kept until the connection cap evicts it).
    pub idle_ns: i128,
    /// A connection whose endpoints are both CLOSED or in TIME_WAIT is kept this long for late
    /// segments: 2 MSL (RFC 9293 §3.4.2, MSL = 2 minutes).
    pub closed_linger_ns: i128,
    /// Partial DNS-over-TCP messages buffered at once (each at most 65,537 bytes).
    pub max_dns_tcp_buffers: usize,
    /// DNS transactions remembered: requests awaiting their response, and zone transfers (which
    /// answer in several messages); an answered request is done and forgotten at once.
    pub max_dns_transactions: usize,
    /// Addresses remembered from DNS answers, for linking connections to lookups.
    pub max_dns_addresses: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 16_384,
            idle_ns: 3_600_000_000_000,
            closed_linger_ns: LINGER_NS,
            max_dns_tcp_buffers: 256,
            max_dns_transactions: 16_384,
            max_dns_addresses: 16_384,
        }
    }
}

/// How much state was dropped because of [`Limits`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Evictions {
    /// Open connections evicted because the connection cap was reached (closed ones that were
    /// only lingering are not counted).
    pub connections_cap: u64,
    /// Connections whose tracker state was dropped after being idle for [`Limits::idle_ns`].
    pub connections_idle: u64,
    /// DNS-over-TCP messages not reassembled because the buffer cap was reached.
    pub dns_tcp_buffers: u64,
    /// Unanswered DNS requests forgotten (a late response to one gets no request frame or delay);
    /// answered ones are dropped silently.
    pub dns_transactions: u64,
    /// DNS answers forgotten from the address book.
    pub dns_addresses: u64,
}

impl Evictions {
    /// Whether anything was dropped.
    pub fn any(&self) -> bool {
        *self != Evictions::default()
    }
}

impl core::fmt::Display for Evictions {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let parts = [
            (self.connections_cap, "open connections evicted at the connection cap"),
            (self.connections_idle, "idle connections expired"),
            (self.dns_tcp_buffers, "DNS-over-TCP messages not reassembled (buffer cap)"),
            (self.dns_transactions, "unanswered DNS requests forgotten"),
            (self.dns_addresses, "DNS answers forgotten"),
        ];
        let shown: Vec<String> = parts.iter().filter(|(n, _)| *n > 0).map(|(n, what)| format!("{n} {what}")).collect();
        f.write_str(&shown.join(", "))
    }
}
