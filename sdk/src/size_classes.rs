//! The components' global allocator: free lists of small blocks in front
//! of a general allocator (Talc).
//!
//! Parsers allocate and free small objects by the million (tokens' strings,
//! boxed syntax nodes); a general allocator pays for binning, boundary tags
//! and coalescing on each. Here a small block comes from its size class's
//! free list (one load and one store) or from a bump pointer into a 64 KiB
//! slab, and goes back to the list on free. Larger or over-aligned
//! requests go to the backing allocator, which can grow them in place.
//!
//! Slabs are never returned: a block freed into one class serves that
//! class only, so memory held is bounded by the sum of each class's peak.
//! An analyzer runs once and its instance is dropped, which suits that.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::ptr;

/// Size step of the classes, and the alignment every small block has.
const GRANULE: usize = 16;
/// Number of classes: blocks up to `GRANULE * CLASSES` bytes.
const CLASSES: usize = 32;
/// Bytes asked of the backing allocator at a time for small blocks.
const SLAB: usize = 64 * 1024;

pub(crate) struct SizeClasses<A> {
    backing: A,
    state: UnsafeCell<State>,
}

struct State {
    /// Head of each class's list of freed blocks; a free block holds the
    /// address of the next.
    free: [*mut u8; CLASSES],
    /// Unused part of the current slab.
    bump: *mut u8,
    end: *mut u8,
}

// Without the atomics feature a wasm32 component has one thread: nothing
// can reach the state concurrently.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
unsafe impl<A: Sync> Sync for SizeClasses<A> {}

impl<A: GlobalAlloc> SizeClasses<A> {
    pub(crate) const fn new(backing: A) -> Self {
        Self {
            backing,
            state: UnsafeCell::new(State {
                free: [ptr::null_mut(); CLASSES],
                bump: ptr::null_mut(),
                end: ptr::null_mut(),
            }),
        }
    }

    /// The class serving `layout`, if it is small.
    fn class(layout: Layout) -> Option<usize> {
        (layout.size() <= GRANULE * CLASSES && layout.align() <= GRANULE)
            .then(|| layout.size().max(1).div_ceil(GRANULE) - 1)
    }

    /// # Safety
    /// The caller has the state to itself (one thread).
    unsafe fn alloc_small(&self, class: usize) -> *mut u8 {
        // SAFETY: one thread (the caller's contract).
        let state = unsafe { &mut *self.state.get() };
        let head = state.free[class];
        if !head.is_null() {
            // SAFETY: a free block of this class holds the next free one.
            state.free[class] = unsafe { head.cast::<*mut u8>().read() };
            return head;
        }
        let size = (class + 1) * GRANULE;
        if (state.end as usize) - (state.bump as usize) < size {
            // SAFETY: SLAB and GRANULE make a valid, non-zero layout.
            let slab = unsafe {
                self.backing
                    .alloc(Layout::from_size_align_unchecked(SLAB, GRANULE))
            };
            if slab.is_null() {
                return slab;
            }
            // The old slab's tail (under one block) is left unused.
            state.bump = slab;
            // SAFETY: the slab is SLAB bytes long.
            state.end = unsafe { slab.add(SLAB) };
        }
        let block = state.bump;
        // SAFETY: at least `size` bytes remain in the slab.
        state.bump = unsafe { block.add(size) };
        block
    }
}

unsafe impl<A: GlobalAlloc> GlobalAlloc for SizeClasses<A> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match Self::class(layout) {
            // SAFETY: single-threaded by the Sync bound's cfg (or a test's
            // own instance).
            Some(class) => unsafe { self.alloc_small(class) },
            // SAFETY: forwarded as given.
            None => unsafe { self.backing.alloc(layout) },
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        match Self::class(layout) {
            Some(class) => {
                // SAFETY: as in `alloc`; a recycled block must be cleared.
                let block = unsafe { self.alloc_small(class) };
                if !block.is_null() {
                    // SAFETY: the block has at least `layout.size()` bytes.
                    unsafe { block.write_bytes(0, layout.size()) };
                }
                block
            }
            // SAFETY: forwarded as given; fresh memory may skip the clearing.
            None => unsafe { self.backing.alloc_zeroed(layout) },
        }
    }

    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        match Self::class(layout) {
            Some(class) => {
                // SAFETY: one thread; the block (at least GRANULE bytes,
                // GRANULE-aligned) is ours again and holds the link.
                let state = unsafe { &mut *self.state.get() };
                unsafe { block.cast::<*mut u8>().write(state.free[class]) };
                state.free[class] = block;
            }
            // SAFETY: allocated by the backing allocator with this layout.
            None => unsafe { self.backing.dealloc(block, layout) },
        }
    }

    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller guarantees `new_size` forms a valid layout
        // with the old alignment.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        match (Self::class(layout), Self::class(new_layout)) {
            (Some(old), Some(new)) if old == new => block,
            // SAFETY: both layouts are the backing allocator's.
            (None, None) => unsafe { self.backing.realloc(block, layout, new_size) },
            _ => {
                // SAFETY: a fresh block for the new layout; the old one is
                // valid for its size and freed once copied.
                unsafe {
                    let moved = self.alloc(new_layout);
                    if !moved.is_null() {
                        ptr::copy_nonoverlapping(block, moved, layout.size().min(new_size));
                        self.dealloc(block, layout);
                    }
                    moved
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::alloc::System;

    use super::*;

    fn layout(size: usize, align: usize) -> Layout {
        Layout::from_size_align(size, align).unwrap()
    }

    #[test]
    fn small_blocks_are_aligned_disjoint_and_recycled() {
        let heap = SizeClasses::new(System);
        let sizes = [1, 8, 16, 17, 24, 100, 255, 256, 500, 512];
        let blocks: Vec<(*mut u8, Layout)> = (0..2_000)
            .map(|i| {
                let layout = layout(sizes[i % sizes.len()], 1 << (i % 5));
                let block = unsafe { heap.alloc(layout) };
                assert!(!block.is_null());
                assert_eq!(block as usize % layout.align(), 0);
                unsafe { block.write_bytes(i as u8, layout.size()) };
                (block, layout)
            })
            .collect();
        // Every block kept its own bytes: no two overlap.
        for (i, (block, layout)) in blocks.iter().enumerate() {
            let bytes = unsafe { std::slice::from_raw_parts(*block, layout.size()) };
            assert!(
                bytes.iter().all(|b| *b == i as u8),
                "block {i} was overwritten"
            );
        }
        let (last, last_layout) = blocks[blocks.len() - 1];
        for (block, layout) in &blocks {
            unsafe { heap.dealloc(*block, *layout) };
        }
        // The last block freed into a class is the next one it serves.
        assert_eq!(unsafe { heap.alloc(last_layout) }, last);
    }

    #[test]
    fn realloc_keeps_the_contents_across_classes_and_into_the_backing_allocator() {
        let heap = SizeClasses::new(System);
        let mut size = 3;
        let mut block = unsafe { heap.alloc(layout(size, 8)) };
        unsafe { block.write_bytes(7, size) };
        for new_size in [5, 40, 300, 4_000, 100_000, 64, 2] {
            block = unsafe { heap.realloc(block, layout(size, 8), new_size) };
            assert!(!block.is_null());
            let kept = size.min(new_size);
            let bytes = unsafe { std::slice::from_raw_parts(block, kept) };
            assert!(
                bytes.iter().all(|b| *b == 7),
                "lost bytes growing {size} -> {new_size}"
            );
            unsafe { block.write_bytes(7, new_size) };
            size = new_size;
        }
        unsafe { heap.dealloc(block, layout(size, 8)) };
    }

    #[test]
    fn recycled_blocks_come_back_zeroed_when_asked() {
        let heap = SizeClasses::new(System);
        let small = layout(48, 8);
        let block = unsafe { heap.alloc(small) };
        unsafe { block.write_bytes(0xAA, 48) };
        unsafe { heap.dealloc(block, small) };
        let zeroed = unsafe { heap.alloc_zeroed(small) };
        assert_eq!(zeroed, block);
        let bytes = unsafe { std::slice::from_raw_parts(zeroed, 48) };
        assert!(bytes.iter().all(|b| *b == 0));
    }

    #[test]
    fn large_and_over_aligned_requests_go_to_the_backing_allocator() {
        assert_eq!(SizeClasses::<System>::class(layout(513, 8)), None);
        assert_eq!(SizeClasses::<System>::class(layout(64, 32)), None);
        assert_eq!(SizeClasses::<System>::class(layout(16, 16)), Some(0));
        assert_eq!(SizeClasses::<System>::class(layout(17, 1)), Some(1));
        let heap = SizeClasses::new(System);
        let wide = layout(64, 4096);
        let block = unsafe { heap.alloc(wide) };
        assert_eq!(block as usize % 4096, 0);
        unsafe { heap.dealloc(block, wide) };
    }
}
