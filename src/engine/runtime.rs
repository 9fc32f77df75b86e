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

/// An exception raised by compiled code, to be set as the pending Python
/// exception by whoever handles it (the Python edge registers the handler).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuntimeError {
    /// `IndexError` (`boundscheck`).
    Index(String),
    /// `ZeroDivisionError` (Python's error model).
    ZeroDivision(String),
    /// `ValueError` (`np.empty` of a negative size, ...).
    Value(String),
    /// `MemoryError`: an array that cannot be allocated.
    Memory(String),
    /// `KeyError`: a key missing from a typed Dict (the key's `repr`).
    Key(String),
    /// `raise C("message")` in a function: the class's code
    /// (`builtins::PyException`) and the message, if any.
    Raise(u32, Option<String>),
}

/// Which division by zero generated code reports (its code is the `i32`
/// argument of `jitufunc_rt_zero_division`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(i32)]
pub enum ZeroDivision {
    /// `x / 0`
    Division = 0,
    /// `i // 0`
    IntegerDivision = 1,
    /// `i % 0`
    IntegerModulo = 2,
    /// `x // 0.0`
    FloatFloorDivision = 3,
    /// `x % 0.0`
    FloatModulo = 4,
    /// `z / 0j`
    Complex = 5,
}

impl ZeroDivision {
    fn message(code: i32) -> &'static str {
        match code {
            0 => "division by zero",
            1 => "integer division by zero",
            2 => "integer modulo by zero",
            3 => "float floor division by zero",
            4 => "float modulo by zero",
            _ => "complex division by zero",
        }
    }
}

static ERROR_HANDLER: OnceLock<fn(RuntimeError)> = OnceLock::new();

/// What `jitufunc_rt_error_context` hands the context of a reported error
/// to (the Python edge appends it to the pending exception's message).
static CONTEXT_HANDLER: OnceLock<fn(&str)> = OnceLock::new();

/// Registers what adds a call's context to a reported error (once).
pub fn set_context_handler(handler: fn(&str)) {
    let _ = CONTEXT_HANDLER.set(handler);
}

impl RuntimeError {
    /// Appends `context` to the message.
    fn add_context(&mut self, context: &str) {
        match self {
            RuntimeError::Index(m)
            | RuntimeError::ZeroDivision(m)
            | RuntimeError::Value(m)
            | RuntimeError::Memory(m)
            | RuntimeError::Key(m)
            | RuntimeError::Raise(_, Some(m)) => m.push_str(context),
            RuntimeError::Raise(_, message @ None) => {
                *message = Some(context.trim_start().to_string())
            }
        }
    }
}

/// Called by generated code when one of jitufunc's own NumPy functions
/// (`np.random.normal`, ...) raised, called from the user's code: appends
/// where the call is (`context`, NUL-terminated, ` (in 'f', file, line
/// 3: ...)`) to the error's message.
///
/// # Safety
/// `context` points to a NUL-terminated string.
pub unsafe extern "C" fn jitufunc_rt_error_context(context: *const std::ffi::c_char) {
    // SAFETY: a constant NUL-terminated string of the object, per the
    // contract.
    let context = unsafe { std::ffi::CStr::from_ptr(context) }.to_string_lossy();
    let deferred = DEFERRED.with(|d| match d.borrow_mut().as_mut() {
        Some(list) => {
            if let Some(last) = list.last_mut() {
                last.add_context(&context);
            }
            true
        }
        None => false,
    });
    if !deferred {
        if let Some(handler) = CONTEXT_HANDLER.get() {
            handler(&context);
        }
    }
}

/// Registers what compiled code's runtime errors are handed to (once).
pub fn set_error_handler(handler: fn(RuntimeError)) {
    let _ = ERROR_HANDLER.set(handler);
}

thread_local! {
    /// Set while a pool thread runs part of a loop for another thread: its
    /// errors are kept here for that thread to report (`collect_errors`).
    static DEFERRED: std::cell::RefCell<Option<Vec<RuntimeError>>> =
        const { std::cell::RefCell::new(None) };
}

pub(crate) fn report(error: RuntimeError) {
    let deferred = DEFERRED.with(|d| match d.borrow_mut().as_mut() {
        Some(list) => {
            list.push(error.clone());
            true
        }
        None => false,
    });
    if deferred {
        return;
    }
    reraise(error);
}

/// Hands `error` to the registered handler on this thread.
pub fn reraise(error: RuntimeError) {
    if let Some(handler) = ERROR_HANDLER.get() {
        handler(error);
    }
}

/// Runs `f`, returning the runtime errors compiled code reported meanwhile
/// on this thread instead of handing them to the handler.
pub fn collect_errors(f: impl FnOnce()) -> Vec<RuntimeError> {
    let previous = DEFERRED.with(|d| d.borrow_mut().replace(vec![]));
    f();
    DEFERRED.with(|d| std::mem::replace(&mut *d.borrow_mut(), previous).unwrap_or_default())
}

/// Called by generated code when an index is out of range (under
/// `boundscheck`). `context` is a NUL-terminated description of the array
/// and source line made at compile time.
///
/// The text of a context string generated code passes with an error
/// (where it happened), or nothing for null.
///
/// # Safety
/// `context` is null or a NUL-terminated string.
pub unsafe fn context_text(context: *const std::ffi::c_char) -> String {
    if context.is_null() {
        return String::new();
    }
    // SAFETY: a NUL-terminated string (the contract).
    unsafe { std::ffi::CStr::from_ptr(context) }
        .to_string_lossy()
        .into_owned()
}

/// # Safety
/// `context` must point to a NUL-terminated string.
pub unsafe extern "C" fn jitufunc_rt_index_error(
    context: *const std::ffi::c_char,
    index: i64,
    axis: i64,
    size: i64,
) {
    // SAFETY: null or a NUL-terminated string (the contract).
    let context = unsafe { context_text(context) };
    report(RuntimeError::Index(format!(
        "index {index} is out of bounds for axis {axis} with size {size}{context}"
    )));
}

/// Called by generated code for a division by zero under Python's error
/// model; `code` is a `ZeroDivision`.
pub extern "C" fn jitufunc_rt_zero_division(code: i32) {
    report(RuntimeError::ZeroDivision(
        ZeroDivision::message(code).to_string(),
    ));
}

/// What generated code reports as a `ValueError` (its code is the `i32`
/// argument of `jitufunc_rt_value_error`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(i32)]
pub enum ValueErrorKind {
    /// `np.empty(-1)`
    NegativeDimensions = 0,
    /// `a[::0]`
    ZeroStep = 1,
    /// `a[0:3] = b` where `b`'s shape does not broadcast to the slice's.
    Broadcast = 2,
    /// `range(0, n, 0)` with a step known only at run time.
    RangeZeroStep = 3,
    /// `a + b` where the shapes of `a` and `b` do not broadcast together.
    BroadcastOperands = 4,
    /// `np.min` of no elements.
    EmptyMinimum = 5,
    /// `np.max` of no elements.
    EmptyMaximum = 6,
    /// A gufunc called inside `@jit` on inputs whose core dimensions
    /// disagree with its layout or with each other.
    GufuncCoreDims = 7,
    /// `np.sum(a, axis=k)` with a run-time `k` out of bounds.
    AxisOutOfBounds = 8,
    /// `np.sum(a, axis=(j, k))` with run-time axes naming one axis twice.
    DuplicateAxis = 9,
}

/// Called by generated code for a `ValueErrorKind`.
pub extern "C" fn jitufunc_rt_value_error(code: i32) {
    let message = match code {
        0 => "negative dimensions are not allowed",
        1 => "slice step cannot be zero",
        2 => "could not broadcast the assigned array to the shape of the target",
        3 => "range() arg 3 must not be zero",
        4 => "operands could not be broadcast together (their shapes differ in an axis where neither has length 1)",
        5 => "zero-size array to reduction operation minimum which has no identity",
        6 => "zero-size array to reduction operation maximum which has no identity",
        8 => "axis is out of bounds for the array's number of dimensions (NumPy's AxisError)",
        9 => "duplicate value in 'axis'",
        7 => "a gufunc's input has a mismatch in its core dimensions: their sizes differ from the layout's fixed sizes or from the other inputs' (as NumPy's 'Input operand has a mismatch in its core dimension')",
        _ => "invalid value",
    };
    report(RuntimeError::Value(message.to_string()));
}

/// Called by generated code when `a.reshape(dims)` cannot reshape an
/// array of `size` elements: `ndim` sizes at `dims` as written (-1 for
/// the unknown one); the message is NumPy's.
///
/// # Safety
/// `dims` points to `ndim` readable `i64`s.
pub unsafe extern "C" fn jitufunc_rt_reshape_error(size: i64, ndim: i64, dims: *const i64) {
    // SAFETY: per the contract.
    let dims = unsafe { std::slice::from_raw_parts(dims, ndim.max(0) as usize) };
    let message = if dims.iter().filter(|d| **d == -1).count() > 1 {
        "can only specify one unknown dimension".to_string()
    } else if dims.iter().any(|d| *d < -1) {
        "negative dimensions not allowed".to_string()
    } else {
        let shape = match dims {
            [one] => format!("({one},)"),
            _ => format!(
                "({})",
                dims.iter()
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        format!("cannot reshape array of size {size} into shape {shape}")
    };
    report(RuntimeError::Value(message));
}

/// Called by generated code when a boolean mask's axis `axis` has
/// `mask_size` elements where the array's has `size` (NumPy's message).
pub extern "C" fn jitufunc_rt_mask_error(axis: i64, size: i64, mask_size: i64) {
    report(RuntimeError::Index(format!(
        "boolean index did not match indexed array along axis {axis}; size of axis is {size} but size of corresponding boolean axis is {mask_size}"
    )));
}

/// Called by generated code when `a, b = arr` finds `got` items where it
/// expects `expected` (Python's messages).
pub extern "C" fn jitufunc_rt_unpack_error(expected: i64, got: i64) {
    report(RuntimeError::Value(if got > expected {
        format!("too many values to unpack (expected {expected})")
    } else {
        format!("not enough values to unpack (expected {expected}, got {got})")
    }));
}

/// Called by generated code for `np.linspace(start, stop, num)` with a
/// negative `num`.
pub extern "C" fn jitufunc_rt_linspace_error(num: i64) {
    report(RuntimeError::Value(format!(
        "Number of samples, {num}, must be non-negative."
    )));
}

/// Called by generated code when a Python int does not fit the NumPy
/// integer type it is converted to (`int8_array + x` with `x = 1000`, a
/// Python int argument): NumPy 2's `OverflowError`. `typenum` is the
/// target's NumPy type number.
pub extern "C" fn jitufunc_rt_int_out_of_bounds(value: i64, typenum: i32) {
    let name = crate::types::Scalar::from_typenum(typenum)
        .map(|s| s.to_string())
        .unwrap_or_else(|| "this integer type".into());
    report(RuntimeError::Raise(
        crate::builtins::PyException::OverflowError as u32,
        Some(format!("Python integer {value} out of bounds for {name}")),
    ));
}

/// Called by generated code for `raise C("message")`: `class` is a
/// `builtins::PyException` code, `message` null or NUL-terminated.
///
/// # Safety
/// `message` is null or points to a NUL-terminated string.
pub unsafe extern "C" fn jitufunc_rt_raise(class: i32, message: *const std::ffi::c_char) {
    let message = if message.is_null() {
        None
    } else {
        // SAFETY: per the contract (a constant string of the object).
        Some(
            unsafe { std::ffi::CStr::from_ptr(message) }
                .to_string_lossy()
                .into_owned(),
        )
    };
    report(RuntimeError::Raise(class as u32, message));
}

/// One argument of `print(...)` as generated code lays it out: a key
/// (`print_key_*`, or `PRINT_TEXT`) and a pointer to the value: a
/// NUL-terminated string, a 16-byte scalar slot in canonical form (as
/// `jit::abi` passes scalars), or an array's view record.
#[repr(C)]
pub struct PrintItem {
    pub key: i64,
    pub data: *const u8,
}

/// The key of a string literal.
pub const PRINT_TEXT: i64 = -1;
const PRINT_PYTHON: i64 = 1 << 8;
const PRINT_ARRAY: i64 = 1 << 9;

/// The key of a scalar of type `s`; `python`: a Python number rather than
/// a NumPy scalar.
pub fn print_key_scalar(s: crate::types::Scalar, python: bool) -> i64 {
    s.typenum() as i64 | if python { PRINT_PYTHON } else { 0 }
}

/// The key of an array of dtype `s` with `ndim` dimensions.
pub fn print_key_array(s: crate::types::Scalar, ndim: u32) -> i64 {
    s.typenum() as i64 | PRINT_ARRAY | ((ndim as i64) << 10)
}

/// A `print` argument, read.
pub enum PrintArg<'a> {
    Text(&'a str),
    /// The canonical slot of a scalar of type `dtype`; `python`: print it
    /// as a Python number.
    Scalar {
        dtype: crate::types::Scalar,
        python: bool,
        slot: [u64; 2],
    },
    /// The view record (data, owner, shape, strides) of an array.
    Array {
        dtype: crate::types::Scalar,
        record: &'a [i64],
    },
}

/// What prints: the Python edge registers it (`print` needs Python's
/// `sys.stdout`). Returns false when printing failed, the error pending.
type PrintHandler = fn(&[PrintArg<'_>], &str, &str) -> bool;

static PRINT_HANDLER: OnceLock<PrintHandler> = OnceLock::new();

/// Registers what `print(...)` in compiled code calls (once).
pub fn set_print_handler(handler: PrintHandler) {
    let _ = PRINT_HANDLER.set(handler);
}

/// Called by generated code for `print(...)`: `n` items, `sep` and `end`
/// NUL-terminated. Returns 0, or 1 when printing raised (the exception is
/// pending for the caller of the compiled function).
///
/// # Safety
/// `items` points to `n` items laid out as `PrintItem` describes; `sep`
/// and `end` are NUL-terminated.
pub unsafe extern "C" fn jitufunc_rt_print(
    items: *const PrintItem,
    n: i64,
    sep: *const std::ffi::c_char,
    end: *const std::ffi::c_char,
) -> i32 {
    use crate::types::Scalar;
    let text = |p: *const std::ffi::c_char| {
        // SAFETY: NUL-terminated constants of the object, per the contract.
        unsafe { std::ffi::CStr::from_ptr(p) }.to_string_lossy()
    };
    // SAFETY: per the contract.
    let items = unsafe { std::slice::from_raw_parts(items, n.max(0) as usize) };
    let mut texts = vec![];
    for item in items {
        if item.key == PRINT_TEXT {
            texts.push(text(item.data as *const std::ffi::c_char));
        }
    }
    let mut next_text = texts.iter();
    let mut args = vec![];
    for item in items {
        if item.key == PRINT_TEXT {
            args.push(PrintArg::Text(next_text.next().expect("counted")));
            continue;
        }
        let Some(dtype) = Scalar::from_typenum((item.key & 0xff) as i32) else {
            return 1;
        };
        if item.key & PRINT_ARRAY != 0 {
            let ndim = (item.key >> 10) as usize;
            // SAFETY: a view record of `2 + 2 * ndim` words, per the contract.
            let record =
                unsafe { std::slice::from_raw_parts(item.data as *const i64, 2 + 2 * ndim) };
            args.push(PrintArg::Array { dtype, record });
        } else {
            // SAFETY: a 16-byte slot, per the contract.
            let slot = unsafe { *(item.data as *const [u64; 2]) };
            args.push(PrintArg::Scalar {
                dtype,
                python: item.key & PRINT_PYTHON != 0,
                slot,
            });
        }
    }
    match PRINT_HANDLER.get() {
        Some(handler) if handler(&args, &text(sep), &text(end)) => 0,
        Some(_) => 1,
        None => 0,
    }
}

/// Fills `count` items of `itemsize` bytes at `buf` with copies of the item
/// at `value`: the chunk buffer of a stride-0 (broadcast) input of an
/// elementwise loop. A call rather than a loop in every kernel: the fill
/// runs once per ufunc call, and its loop (vectorized, with a remainder)
/// was a fifth of a small kernel's code generation time.
///
/// # Safety
/// `buf` must be valid for `count * itemsize` bytes of writes, `value` for
/// `itemsize` bytes of reads, and the two must not overlap.
pub unsafe extern "C" fn jitufunc_rt_splat(
    buf: *mut u8,
    value: *const u8,
    itemsize: u64,
    count: u64,
) {
    let total = (itemsize * count) as usize;
    if total == 0 {
        return;
    }
    // SAFETY: the caller guarantees both ranges (see above); every copy
    // below stays within the first `total` bytes of `buf` and copies from
    // a filled prefix to the bytes right after it, which do not overlap.
    unsafe {
        std::ptr::copy_nonoverlapping(value, buf, itemsize as usize);
        let mut filled = itemsize as usize;
        while filled < total {
            let take = filled.min(total - filled);
            std::ptr::copy_nonoverlapping(buf, buf.add(filled), take);
            filled += take;
        }
    }
}

/// The lowest stack address a recursive compiled function may start at
/// on this thread (the stack's end plus a margin for what runs on top of
/// it, raising the error included); below it, it raises `RecursionError`
/// instead of overflowing the stack.
pub extern "C" fn jitufunc_rt_stack_limit() -> u64 {
    thread_local! {
        static LIMIT: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    }
    LIMIT.with(|limit| {
        if limit.get() == 0 {
            limit.set(stack_limit());
        }
        limit.get()
    })
}

fn stack_limit() -> u64 {
    // SAFETY: pthread_getattr_np fills `attr` for the calling thread, which
    // is destroyed after reading the stack's bounds from it.
    unsafe {
        let mut attr: libc::pthread_attr_t = std::mem::zeroed();
        if libc::pthread_getattr_np(libc::pthread_self(), &mut attr) != 0 {
            return 0;
        }
        let mut low: *mut libc::c_void = std::ptr::null_mut();
        let mut size: libc::size_t = 0;
        let got = libc::pthread_attr_getstack(&attr, &mut low, &mut size);
        libc::pthread_attr_destroy(&mut attr);
        if got != 0 {
            return 0;
        }
        let margin = (size / 8).clamp(64 << 10, 1 << 20);
        low as u64 + margin as u64
    }
}

/// The runtime functions generated code may call, by symbol name; the JIT
/// defines them before linking any object.
pub fn runtime_symbols() -> Vec<(&'static str, usize)> {
    vec![
        (
            "jitufunc_rt_index_error",
            jitufunc_rt_index_error as *const () as usize,
        ),
        (
            "jitufunc_rt_zero_division",
            jitufunc_rt_zero_division as *const () as usize,
        ),
        (
            "jitufunc_rt_value_error",
            jitufunc_rt_value_error as *const () as usize,
        ),
        ("jitufunc_rt_raise", jitufunc_rt_raise as *const () as usize),
        (
            "jitufunc_rt_error_context",
            jitufunc_rt_error_context as *const () as usize,
        ),
        (
            "jitufunc_rt_int_out_of_bounds",
            jitufunc_rt_int_out_of_bounds as *const () as usize,
        ),
        ("jitufunc_rt_print", jitufunc_rt_print as *const () as usize),
        ("jitufunc_rt_splat", jitufunc_rt_splat as *const () as usize),
        (
            "jitufunc_rt_stack_limit",
            jitufunc_rt_stack_limit as *const () as usize,
        ),
        (
            "jitufunc_rt_reshape_error",
            jitufunc_rt_reshape_error as *const () as usize,
        ),
        (
            "jitufunc_rt_mask_error",
            jitufunc_rt_mask_error as *const () as usize,
        ),
        (
            "jitufunc_rt_unpack_error",
            jitufunc_rt_unpack_error as *const () as usize,
        ),
        (
            "jitufunc_rt_linspace_error",
            jitufunc_rt_linspace_error as *const () as usize,
        ),
        (
            "jitufunc_rt_blas_matmul",
            super::blas::jitufunc_rt_blas_matmul as *const () as usize,
        ),
        (
            "jitufunc_rt_random_state",
            super::random::jitufunc_rt_random_state as *const () as usize,
        ),
        (
            "jitufunc_rt_random_seed",
            super::random::jitufunc_rt_random_seed as *const () as usize,
        ),
        (
            "jitufunc_rt_random_normal",
            super::random::jitufunc_rt_random_normal as *const () as usize,
        ),
        (
            "jitufunc_rt_random_integer",
            super::random::jitufunc_rt_random_integer as *const () as usize,
        ),
        (
            "jitufunc_rt_random_poisson",
            super::random::jitufunc_rt_random_poisson as *const () as usize,
        ),
        (
            "jitufunc_rt_random_binomial",
            super::random::jitufunc_rt_random_binomial as *const () as usize,
        ),
        (
            "jitufunc_rt_parallel_map",
            crate::loops::parallel::jitufunc_rt_parallel_map as *const () as usize,
        ),
        (
            "jitufunc_rt_parallel_for",
            crate::loops::prange::jitufunc_rt_parallel_for as *const () as usize,
        ),
        (
            "jitufunc_rt_alloc",
            super::memory::jitufunc_rt_alloc as *const () as usize,
        ),
        (
            "jitufunc_rt_incref",
            super::memory::jitufunc_rt_incref as *const () as usize,
        ),
        (
            "jitufunc_rt_decref",
            super::memory::jitufunc_rt_decref as *const () as usize,
        ),
        (
            "jitufunc_rt_view_own",
            super::memory::jitufunc_rt_view_own as *const () as usize,
        ),
        (
            "jitufunc_rt_list_equal",
            super::items::jitufunc_rt_list_equal as *const () as usize,
        ),
        (
            "jitufunc_rt_list_find",
            super::items::jitufunc_rt_list_find as *const () as usize,
        ),
        (
            "jitufunc_rt_item_code",
            super::items::jitufunc_rt_item_code as *const () as usize,
        ),
        (
            "jitufunc_rt_list_clear",
            super::list::jitufunc_rt_list_clear as *const () as usize,
        ),
        (
            "jitufunc_rt_list_copy",
            super::list::jitufunc_rt_list_copy as *const () as usize,
        ),
        (
            "jitufunc_rt_list_repeat",
            super::list::jitufunc_rt_list_repeat as *const () as usize,
        ),
        (
            "jitufunc_rt_list_concat",
            super::list::jitufunc_rt_list_concat as *const () as usize,
        ),
        (
            "jitufunc_rt_list_extend",
            super::list::jitufunc_rt_list_extend as *const () as usize,
        ),
        (
            "jitufunc_rt_list_slice",
            super::list::jitufunc_rt_list_slice as *const () as usize,
        ),
        (
            "jitufunc_rt_dict_copy",
            super::dict::jitufunc_rt_dict_copy as *const () as usize,
        ),
        (
            "jitufunc_rt_list_sort",
            super::list::jitufunc_rt_list_sort as *const () as usize,
        ),
        (
            "jitufunc_rt_dict_clear",
            super::dict::jitufunc_rt_dict_clear as *const () as usize,
        ),
        (
            "jitufunc_rt_list_new",
            super::list::jitufunc_rt_list_new as *const () as usize,
        ),
        (
            "jitufunc_rt_list_incref",
            super::list::jitufunc_rt_list_incref as *const () as usize,
        ),
        (
            "jitufunc_rt_list_decref",
            super::list::jitufunc_rt_list_decref as *const () as usize,
        ),
        (
            "jitufunc_rt_list_reserve",
            super::list::jitufunc_rt_list_reserve as *const () as usize,
        ),
        (
            "jitufunc_rt_list_error",
            super::list::jitufunc_rt_list_error as *const () as usize,
        ),
        (
            "jitufunc_rt_dict_new",
            super::dict::jitufunc_rt_dict_new as *const () as usize,
        ),
        (
            "jitufunc_rt_dict_incref",
            super::dict::jitufunc_rt_dict_incref as *const () as usize,
        ),
        (
            "jitufunc_rt_dict_decref",
            super::dict::jitufunc_rt_dict_decref as *const () as usize,
        ),
        (
            "jitufunc_rt_dict_find",
            super::dict::jitufunc_rt_dict_find as *const () as usize,
        ),
        (
            "jitufunc_rt_dict_slot",
            super::dict::jitufunc_rt_dict_slot as *const () as usize,
        ),
        (
            "jitufunc_rt_dict_remove",
            super::dict::jitufunc_rt_dict_remove as *const () as usize,
        ),
        (
            "jitufunc_rt_dict_compact",
            super::dict::jitufunc_rt_dict_compact as *const () as usize,
        ),
        (
            "jitufunc_rt_dict_key_error",
            super::dict::jitufunc_rt_dict_key_error as *const () as usize,
        ),
    ]
}
