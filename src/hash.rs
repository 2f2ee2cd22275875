//! Stable hashing for seeded fake data, derived ids and per-namespace generators: the same
//! input gives the same value on every platform and Rust version (unlike `std`'s
//! `DefaultHasher`).

/// A concurrent map with a fast, non-cryptographic hasher (FxHash): every key the mock hashes
/// per request (record ids, namespace names, token ids) is short, and a local test server has
/// no hash-flooding adversary to defend against.
pub type FastMap<K, V> = dashmap::DashMap<K, V, rustc_hash::FxBuildHasher>;

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0100_0000_01b3;

/// FNV-1a, 64 bit. A `const fn`, so a hash of embedded bytes (the dashboard's ETags) is
/// computed when the crate is compiled.
pub const fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash = FNV_OFFSET;
    let mut i = 0;
    while i < bytes.len() {
        hash = (hash ^ bytes[i] as u64).wrapping_mul(FNV_PRIME);
        i += 1;
    }
    hash
}

/// FNV-1a, 64 bit, over several byte strings as if they were one.
pub fn fnv1a_all<'a>(parts: impl IntoIterator<Item = &'a [u8]>) -> u64 {
    parts.into_iter().flatten().fold(FNV_OFFSET, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(FNV_PRIME)
    })
}

/// A UUID (v4 layout) derived from `name` and `n`: distinct for distinct pairs in practice,
/// and identical across runs.
pub fn derived_uuid(name: &str, n: u64) -> String {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&fnv1a(name.as_bytes()).to_be_bytes());
    bytes[8..].copy_from_slice(&n.to_be_bytes());
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_and_derived_ids_are_stable() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a_all([&b"ab"[..], b"c"]), fnv1a(b"abc"));
        assert_eq!(derived_uuid("t", 1), derived_uuid("t", 1));
        assert_ne!(derived_uuid("t", 1), derived_uuid("t", 2));
    }
}
