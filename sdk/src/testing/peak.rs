//! Peak heap of a piece of native code, to hold analyzers to bounded
//! memory in tests and benches.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The system allocator, counting live bytes and their peak. Install it in
/// a test or bench binary, then measure with [`PeakAllocator::peak_during`]:
///
/// ```
/// use perfwarden_sdk::testing::PeakAllocator;
///
/// #[global_allocator]
/// static ALLOCATOR: PeakAllocator = PeakAllocator::new();
///
/// # fn main() {
/// let (peak, kept) = ALLOCATOR.peak_during(|| vec![0u8; 1 << 20]);
/// assert!(peak >= kept.len());
/// # }
/// ```
#[derive(Debug)]
pub struct PeakAllocator {
    live: AtomicUsize,
    peak: AtomicUsize,
}

impl PeakAllocator {
    /// A counter at zero.
    pub const fn new() -> Self {
        Self {
            live: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
        }
    }

    /// Run `f` and return the most heap it held at once above what was live
    /// before, with its result. Run measurements one at a time: the counts
    /// are process-wide.
    pub fn peak_during<R>(&self, f: impl FnOnce() -> R) -> (usize, R) {
        let base = self.live.load(Ordering::Relaxed);
        self.peak.store(base, Ordering::Relaxed);
        let result = f();
        let peak = self.peak.load(Ordering::Relaxed).saturating_sub(base);
        (peak, result)
    }
}

impl Default for PeakAllocator {
    fn default() -> Self {
        Self::new()
    }
}

// SAFETY: every call goes to the system allocator unchanged; only the byte
// counts are added.
unsafe impl GlobalAlloc for PeakAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let live = self.live.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        self.peak.fetch_max(live, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        self.live.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
}
