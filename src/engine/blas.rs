//! Matrix products by the BLAS that NumPy itself calls for `a @ b`.
//!
//! NumPy's wheels link a 64-bit-integer OpenBLAS whose CBLAS symbols carry
//! the `scipy_` prefix and the `64_` suffix (`scipy_cblas_dgemm64_`). When
//! the process has loaded such a NumPy, `load` finds the four `gemm`s in
//! the already-loaded `_multiarray_umath` library (never loading anything)
//! and `jitufunc_rt_blas_matmul` calls them; compiled code falls back to
//! its own loop whenever this returns false (no such BLAS, a dtype or a
//! memory layout BLAS cannot take). So `np.dot`/`@` in `@jit` code gives
//! NumPy's own numbers at NumPy's speed, as Numba's do through SciPy.

use std::ffi::{c_void, CStr};
use std::sync::OnceLock;

/// CBLAS enumerations (`cblas.h`).
const ROW_MAJOR: i32 = 101;
const NO_TRANS: i32 = 111;
const TRANS: i32 = 112;

/// `cblas_?gemm` with 64-bit integers: order, transa, transb, m, n, k,
/// alpha, a, lda, b, ldb, beta, c, ldc. `S` is how alpha and beta are
/// passed: by value (`f32`, `f64`) for real ones, by pointer for complex
/// ones; the matrices are element pointers whatever their type.
type Gemm<S> = unsafe extern "C" fn(
    i32,
    i32,
    i32,
    i64,
    i64,
    i64,
    S,
    *const c_void,
    i64,
    *const c_void,
    i64,
    S,
    *mut c_void,
    i64,
);

/// The addresses of the four `gemm`s (null: not found), turned into
/// function pointers only where they are called.
struct Blas {
    sgemm: *mut c_void,
    dgemm: *mut c_void,
    cgemm: *mut c_void,
    zgemm: *mut c_void,
}

impl Blas {
    const NONE: Blas = Blas {
        sgemm: std::ptr::null_mut(),
        dgemm: std::ptr::null_mut(),
        cgemm: std::ptr::null_mut(),
        zgemm: std::ptr::null_mut(),
    };
}

// SAFETY: the fields are addresses of functions in a library that stays
// loaded; they are only read, and OpenBLAS's gemm may be called from any
// thread.
unsafe impl Send for Blas {}
// SAFETY: as for `Send`: shared reads of immutable addresses.
unsafe impl Sync for Blas {}

static BLAS: OnceLock<Blas> = OnceLock::new();

/// Whether `JITUFUNC_BLAS=0` asks for jitufunc's own loops (for tests and
/// for comparing the two).
fn disabled() -> bool {
    std::env::var_os("JITUFUNC_BLAS").is_some_and(|v| v == "0")
}

/// Finds the `gemm`s in `library`, a shared object this process has
/// already loaded (NumPy's `_multiarray_umath`); the first call decides.
pub fn load(library: &CStr) {
    BLAS.get_or_init(|| {
        if disabled() {
            return Blas::NONE;
        }
        // SAFETY: `library` is a NUL-terminated path; RTLD_NOLOAD only
        // returns a handle to an object that is already loaded (null
        // otherwise), so no library code (constructors) runs here.
        let handle = unsafe { libc::dlopen(library.as_ptr(), libc::RTLD_NOW | libc::RTLD_NOLOAD) };
        if handle.is_null() {
            return Blas::NONE;
        }
        let symbol = |name: &CStr| {
            // SAFETY: `handle` is a live handle from dlopen (never closed:
            // NumPy stays loaded for the life of the process) and `name`
            // is NUL-terminated.
            unsafe { libc::dlsym(handle, name.as_ptr()) }
        };
        Blas {
            sgemm: symbol(c"scipy_cblas_sgemm64_"),
            dgemm: symbol(c"scipy_cblas_dgemm64_"),
            cgemm: symbol(c"scipy_cblas_cgemm64_"),
            zgemm: symbol(c"scipy_cblas_zgemm64_"),
        }
    });
}

/// Whether a BLAS was found (for the tests and `inspect`).
pub fn available() -> bool {
    BLAS.get().is_some_and(|b| !b.dgemm.is_null())
}

/// The element kinds `jitufunc_rt_blas_matmul` takes (its `kind` argument).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(i32)]
pub enum GemmKind {
    F32 = 0,
    F64 = 1,
    C64 = 2,
    C128 = 3,
}

impl GemmKind {
    pub fn from_code(code: i32) -> Option<GemmKind> {
        [GemmKind::F32, GemmKind::F64, GemmKind::C64, GemmKind::C128]
            .into_iter()
            .find(|k| *k as i32 == code)
    }

    pub fn itemsize(self) -> i64 {
        match self {
            GemmKind::F32 => 4,
            GemmKind::F64 | GemmKind::C64 => 8,
            GemmKind::C128 => 16,
        }
    }
}

/// How BLAS reads a `rows` x `cols` operand with byte strides `s0`, `s1`:
/// `(transposed, leading dimension in elements)`, or `None` when neither
/// its rows nor its columns are contiguous (or a stride is negative or not
/// a whole number of elements). Strides of axes of length 1 do not matter.
pub fn operand_layout(
    rows: i64,
    cols: i64,
    s0: i64,
    s1: i64,
    itemsize: i64,
) -> Option<(bool, i64)> {
    let s0 = if rows == 1 {
        cols.max(1) * itemsize
    } else {
        s0
    };
    let s1 = if cols == 1 { itemsize } else { s1 };
    if s0 <= 0 || s1 <= 0 || s0 % itemsize != 0 || s1 % itemsize != 0 {
        return None;
    }
    let (e0, e1) = (s0 / itemsize, s1 / itemsize);
    if e1 == 1 && e0 >= cols.max(1) {
        Some((false, e0))
    } else if e0 == 1 && e1 >= rows.max(1) {
        Some((true, e1))
    } else {
        None
    }
}

/// The bytes `[lo, hi)` a `rows` x `cols` view with byte strides (`s0`,
/// `s1`, not negative) spans.
fn span(ptr: usize, rows: i64, cols: i64, s0: i64, s1: i64, itemsize: i64) -> (usize, usize) {
    if rows == 0 || cols == 0 {
        return (ptr, ptr);
    }
    let last = (rows - 1) * s0 + (cols - 1) * s1 + itemsize;
    (ptr, ptr + last as usize)
}

/// `out[:m, :p] = a[:m, :k] @ b[:k, :p]` by NumPy's BLAS; strides in bytes.
/// Returns false, having written nothing, when it cannot: no BLAS, an
/// unknown `kind`, an operand BLAS cannot read as it is, an `out` whose
/// rows are not contiguous, or an `out` that overlaps `a` or `b`.
///
/// # Safety
/// Each pointer with its shape and strides must describe memory valid for
/// the whole view (reads for `a` and `b`, writes for `out`) of `kind`'s
/// elements, for the duration of the call.
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn jitufunc_rt_blas_matmul(
    kind: i32,
    m: i64,
    k: i64,
    p: i64,
    out: *mut u8,
    out_s0: i64,
    out_s1: i64,
    a: *const u8,
    a_s0: i64,
    a_s1: i64,
    b: *const u8,
    b_s0: i64,
    b_s1: i64,
) -> bool {
    let Some(blas) = BLAS.get() else {
        return false;
    };
    let Some(kind) = GemmKind::from_code(kind) else {
        return false;
    };
    let size = kind.itemsize();
    let (Some((ta, lda)), Some((tb, ldb)), Some((false, ldc))) = (
        operand_layout(m, k, a_s0, a_s1, size),
        operand_layout(k, p, b_s0, b_s1, size),
        operand_layout(m, p, out_s0, out_s1, size),
    ) else {
        return false;
    };
    let o = span(out as usize, m, p, out_s0.max(0), out_s1.max(0), size);
    for (ptr, rows, cols, s0, s1) in [(a, m, k, a_s0, a_s1), (b, k, p, b_s0, b_s1)] {
        let (lo, hi) = span(ptr as usize, rows, cols, s0, s1, size);
        if lo < o.1 && o.0 < hi {
            return false;
        }
    }
    if m == 0 || p == 0 {
        return true;
    }
    let trans = |t: bool| if t { TRANS } else { NO_TRANS };
    let (ta, tb) = (trans(ta), trans(tb));
    let address = match kind {
        GemmKind::F32 => blas.sgemm,
        GemmKind::F64 => blas.dgemm,
        GemmKind::C64 => blas.cgemm,
        GemmKind::C128 => blas.zgemm,
    };
    if address.is_null() {
        return false;
    }
    let (one32, zero32) = ([1.0f32, 0.0], [0.0f32, 0.0]);
    let (one64, zero64) = ([1.0f64, 0.0], [0.0f64, 0.0]);
    let (a, b, out) = ((a.cast(), lda), (b.cast(), ldb), (out.cast(), ldc));
    let (trans, dims) = ([ta, tb], [m, p, k]);
    // SAFETY: `address` is the non-null address of OpenBLAS's ILP64 CBLAS
    // `gemm` for `kind`'s element type (`load`), whose C prototype the
    // function type it is turned into spells out (`scipy-openblas64` is
    // built with 64-bit `blasint`, as the `64_` suffix says). The caller
    // guarantees the three views; the layouts checked above make
    // (trans, ld) describe exactly them, with ld >= the row length BLAS
    // requires, and `out` does not overlap an input. With k == 0 BLAS
    // only scales `out` by beta = 0 (sets zeros). Real `gemm`s take alpha
    // and beta by value, complex ones by pointer (to parts that live until
    // the call returns), as passed here.
    unsafe {
        match kind {
            GemmKind::F32 => gemm(address, trans, dims, (1.0f32, 0.0f32), a, b, out),
            GemmKind::F64 => gemm(address, trans, dims, (1.0f64, 0.0f64), a, b, out),
            GemmKind::C64 => {
                let alpha: (*const c_void, *const c_void) =
                    (one32.as_ptr().cast(), zero32.as_ptr().cast());
                gemm(address, trans, dims, alpha, a, b, out)
            }
            GemmKind::C128 => {
                let alpha: (*const c_void, *const c_void) =
                    (one64.as_ptr().cast(), zero64.as_ptr().cast());
                gemm(address, trans, dims, alpha, a, b, out)
            }
        }
    }
    true
}

/// Calls the `gemm` at `address` (row-major): `out = one a @ b + zero
/// out` on (pointer, leading dimension) operands.
///
/// # Safety
/// `address` is a CBLAS ILP64 `gemm` taking alpha and beta as `S` (`Gemm`);
/// the operands describe valid matrices for `[m, n, k]` under `trans`,
/// `out` overlapping neither.
unsafe fn gemm<S>(
    address: *mut c_void,
    [ta, tb]: [i32; 2],
    [m, n, k]: [i64; 3],
    (one, zero): (S, S),
    (a, lda): (*const c_void, i64),
    (b, ldb): (*const c_void, i64),
    (out, ldc): (*mut c_void, i64),
) {
    // SAFETY: per the contract, `address` is a function of type `Gemm<S>`
    // (a function pointer, whatever `S`), called with its arguments.
    unsafe {
        let g = std::mem::transmute_copy::<*mut c_void, Gemm<S>>(&address);
        g(
            ROW_MAJOR, ta, tb, m, n, k, one, a, lda, b, ldb, zero, out, ldc,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::operand_layout;

    #[test]
    fn layouts_blas_can_read() {
        // C order, a row-sliced view, Fortran order.
        assert_eq!(operand_layout(3, 4, 32, 8, 8), Some((false, 4)));
        assert_eq!(operand_layout(3, 4, 80, 8, 8), Some((false, 10)));
        assert_eq!(operand_layout(3, 4, 8, 24, 8), Some((true, 3)));
        // One row or one column: the other stride does not matter.
        assert_eq!(operand_layout(1, 4, 0, 8, 8), Some((false, 4)));
        assert_eq!(operand_layout(4, 1, 8, 0, 8), Some((false, 1)));
        // Neither axis contiguous, negative, or not whole elements.
        assert_eq!(operand_layout(3, 4, 64, 16, 8), None);
        assert_eq!(operand_layout(3, 4, -32, 8, 8), None);
        assert_eq!(operand_layout(3, 4, 36, 9, 8), None);
        // Rows overlapping each other (a stride shorter than a row).
        assert_eq!(operand_layout(3, 4, 16, 8, 8), None);
    }
}
