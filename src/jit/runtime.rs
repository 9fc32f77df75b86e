//! Native libraries the generated code calls into.
//!
//! glibc's libmvec holds the SIMD variants of exp, log, sin, ... that the
//! loop vectorizer calls. It is not linked into Python, so it is loaded here
//! (RTLD_GLOBAL, so the JIT's process symbol search finds it) before any
//! object that names a `_ZGV...` symbol is linked. If it cannot be loaded,
//! `vector_math_available` is false and codegen emits scalar calls only.

use std::sync::OnceLock;

static LIBMVEC: OnceLock<bool> = OnceLock::new();

/// Loads `libmvec.so.1` once; returns whether it is available.
pub fn vector_math_available() -> bool {
    *LIBMVEC.get_or_init(|| {
        if std::env::var_os("JITUFUNC_DISABLE_LIBMVEC").is_some() {
            return false;
        }
        // SAFETY: dlopen with a constant, NUL-terminated name; the handle is
        // intentionally never closed (the library stays for the process).
        let handle =
            unsafe { libc::dlopen(c"libmvec.so.1".as_ptr(), libc::RTLD_NOW | libc::RTLD_GLOBAL) };
        !handle.is_null()
    })
}
