//! Keeps a value on a cache line of its own.

use core::ops::Deref;

/// Aligns and pads `T` to 128 bytes, so that two padded values never share a
/// cache line, nor the pair of lines that x86's spatial prefetcher pulls in
/// together. Without it, the producers' `tail` and the consumers' `head`
/// would bounce one line between cores on every operation (false sharing).
#[derive(Debug, Default)]
#[repr(align(128))]
pub(crate) struct CachePadded<T>(T);

impl<T> CachePadded<T> {
    pub(crate) const fn new(value: T) -> Self {
        Self(value)
    }
}

impl<T> Deref for CachePadded<T> {
    type Target = T;

    #[inline(always)]
    fn deref(&self) -> &T {
        &self.0
    }
}
