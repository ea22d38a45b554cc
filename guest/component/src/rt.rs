//! The no_std runtime the component needs on wasm32: an allocator, a panic
//! handler, the canonical ABI's `cabi_realloc`, and `memcmp`.
//!
//! With std, std and wasi-libc would supply these and drag in `wasi:cli` and
//! `wasi:io` imports; without them the component imports only what the code
//! uses, `wasi:random/random`.

use core::alloc::{GlobalAlloc, Layout};

/// dlmalloc over `memory.grow` (no imports), trapping when memory runs out.
///
/// Its lock is a no-op on wasm32 without the `atomics` feature, which is
/// right: the instance has one thread. Trapping here, where dlmalloc returns
/// null, is what the default out-of-memory path ends in anyway (a panic, then
/// `unreachable`); doing it first lets the optimizer see that allocations
/// never return null and drop the null checks and error calls after them
/// (about a kilobyte). The canonical ABI has no way to report running out of
/// memory, so a trap is the only outcome either way.
struct TrapOnOom;

#[global_allocator]
static ALLOCATOR: TrapOnOom = TrapOnOom;

/// Traps if `ptr` is null, else returns it.
#[inline(always)]
fn non_null(ptr: *mut u8) -> *mut u8 {
    if ptr.is_null() {
        core::arch::wasm32::unreachable();
    }
    ptr
}

// SAFETY: every method forwards to dlmalloc's `GlobalAlloc` with the same
// arguments, and only adds a trap where dlmalloc would report failure.
unsafe impl GlobalAlloc for TrapOnOom {
    #[inline(always)]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged from the caller's contract.
        non_null(unsafe { dlmalloc::GlobalDlmalloc.alloc(layout) })
    }

    #[inline(always)]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged from the caller's contract.
        non_null(unsafe { dlmalloc::GlobalDlmalloc.alloc_zeroed(layout) })
    }

    #[inline(always)]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged from the caller's contract.
        unsafe { dlmalloc::GlobalDlmalloc.dealloc(ptr, layout) }
    }

    #[inline(always)]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded unchanged from the caller's contract.
        non_null(unsafe { dlmalloc::GlobalDlmalloc.realloc(ptr, layout, new_size) })
    }
}

/// No code path panics on caller input (every refusal is an error code), so
/// a panic is a bug; trap at once rather than format a message nobody reads.
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

/// The canonical ABI's allocator: the host calls it to place strings and
/// lists it passes in.
///
/// wit-bindgen's `realloc` feature provides this only on targets without
/// wasi-libc (wasm32-unknown-unknown, wasip1); on wasip2 it leaves it to
/// wasi-libc, which a no_std build does not link. Same contract as
/// wit-bindgen's: `(0, 0, align, 0)` gives a dangling aligned pointer, and an
/// allocation that fails traps, as the ABI has no way to report it.
///
/// # Safety
///
/// Called by the canonical ABI only: `old_ptr`/`old_len`/`align` describe a
/// live allocation made by this function (or `old_len` is 0), and `align` is
/// a power of two.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cabi_realloc(
    old_ptr: *mut u8,
    old_len: usize,
    align: usize,
    new_len: usize,
) -> *mut u8 {
    let ptr = if old_len == 0 {
        if new_len == 0 {
            return align as *mut u8;
        }
        match Layout::from_size_align(new_len, align) {
            // SAFETY: the layout has a non-zero size.
            Ok(layout) => unsafe { alloc::alloc::alloc(layout) },
            Err(_) => core::ptr::null_mut(),
        }
    } else {
        match Layout::from_size_align(old_len, align) {
            // SAFETY: per this function's contract `old_ptr` was allocated
            // here with this layout; `new_len` is non-zero and, rounded up
            // to `align`, fits in an isize (it makes a valid layout).
            Ok(layout) if new_len != 0 && Layout::from_size_align(new_len, align).is_ok() => unsafe {
                alloc::alloc::realloc(old_ptr, layout, new_len)
            },
            _ => core::ptr::null_mut(),
        }
    };
    if ptr.is_null() {
        core::arch::wasm32::unreachable();
    }
    ptr
}

/// `memcmp`, which the compiler calls to compare byte strings (`str`
/// searches, slice equality).
///
/// On wasm32-wasip2 wasi-libc supplies it, and compiler-builtins leaves it
/// out; a no_std build links neither, so it is defined here. (`memcpy`,
/// `memmove` and `memset` need no definition: the target's bulk-memory
/// instructions replace them.)
///
/// # Safety
///
/// `left` and `right` are valid for reads of `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcmp(left: *const u8, right: *const u8, len: usize) -> i32 {
    let mut i = 0;
    while i < len {
        // SAFETY: `i < len`, and both pointers are valid for `len` bytes.
        let (a, b) = unsafe { (*left.add(i), *right.add(i)) };
        if a != b {
            return i32::from(a) - i32::from(b);
        }
        i += 1;
    }
    0
}
