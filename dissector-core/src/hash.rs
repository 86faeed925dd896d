//! The hash map of the per-packet tables.

/// ahash, randomly keyed per process, so a hostile capture cannot aim for collisions, and
/// several times faster than SipHash on small keys.
pub(crate) type Map<K, V> = std::collections::HashMap<K, V, ahash::RandomState>;
