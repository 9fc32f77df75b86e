//! The pyo3 edge: the `jitufunc._core` extension module.
//!
//! Functions here translate Python arguments, call one function of the core
//! (with the GIL released around compilation), and turn the result into
//! Python objects. They hold no compiler logic.

pub mod dispatcher;
pub mod errors;
pub mod gufunc;
pub mod lazy;
pub mod numpy_abi;
pub mod print;
pub mod typed_dict;
pub mod typed_items;
pub mod typed_list;
pub mod ufunc;

use std::ffi::c_int;

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyInt, PyString};

use crate::codegen::{ErrorModel, FastMath};
use crate::driver::{CodegenOptions, EmitOptions};
use crate::error::{CompileError, ErrorKind};
use crate::frontend::read_function;
use crate::guvectorize::Gufunc;
use crate::types::gufunc_layout::parse_layout;
use crate::vectorize::Elementwise;
use errors::{enter, IntoPy};
use ufunc::{KernelLibrary, KernelSpec, UfuncKind};

/// `fastmath=`: a bool or a collection of LLVM flag names.
fn fast_math_option(value: &Bound<'_, PyAny>) -> PyResult<FastMath> {
    let py = value.py();
    if let Ok(b) = value.cast::<PyBool>() {
        return Ok(if b.is_true() {
            FastMath::ALL
        } else {
            FastMath::default()
        });
    }
    let usage = || {
        option_error(
            py,
            format!(
                "fastmath={} is not valid; use True/False or a set of flag names such as {{'nnan', 'contract'}}",
                value.repr().map(|r| r.to_string()).unwrap_or_default()
            ),
        )
    };
    if value.is_instance_of::<PyString>() {
        return Err(usage());
    }
    let mut names = vec![];
    for item in value.try_iter().map_err(|_| usage())? {
        names.push(item?.extract::<String>().map_err(|_| usage())?);
    }
    FastMath::from_names(names.iter().map(|s| s.as_str())).py_err(py)
}

pub(crate) fn option_error(py: Python<'_>, message: String) -> PyErr {
    errors::to_pyerr(py, CompileError::new(ErrorKind::Value, message))
}

/// `identity=`: 0, 1, None, "reorderable" or any value.
fn identity_option<'py>(value: &Bound<'py, PyAny>) -> PyResult<(c_int, Option<Bound<'py, PyAny>>)> {
    if value.is_none() {
        return Ok((ufunc::PYUFUNC_NONE, None));
    }
    if let Ok(s) = value.extract::<String>() {
        return match s.as_str() {
            "reorderable" => Ok((ufunc::PYUFUNC_REORDERABLE_NONE, None)),
            _ => Err(option_error(
                value.py(),
                format!("identity={s:?} is not valid; use 0, 1, None, \"reorderable\" or a number"),
            )),
        };
    }
    if value.is_instance_of::<PyInt>() && !value.is_instance_of::<PyBool>() {
        if let Ok(i) = value.extract::<i64>() {
            if i == 0 {
                return Ok((ufunc::PYUFUNC_ZERO, None));
            }
            if i == 1 {
                return Ok((ufunc::PYUFUNC_ONE, None));
            }
        }
    }
    Ok((ufunc::PYUFUNC_IDENTITY_VALUE, Some(value.clone())))
}

static TYPENUMS_CHECKED: PyOnceLock<()> = PyOnceLock::new();

/// What `vectorize_ufunc` and `guvectorize_ufunc` read the same way: the
/// kernel, its identity, the code generation and emission options, and
/// what the ufunc does with its loops.
pub struct Request<'py> {
    pub spec: KernelSpec,
    pub identity: (c_int, Option<Bound<'py, PyAny>>),
    pub signatures: Vec<String>,
}

/// Options of both decorators, as `_core` receives them.
struct Options<'py> {
    identity: Option<Bound<'py, PyAny>>,
    fastmath: Option<Bound<'py, PyAny>>,
    boundscheck: bool,
    keep_ir: bool,
    parallel: bool,
    cache: bool,
}

/// Reads the kernel and the options (in the order their errors are
/// reported), then the kind of ufunc (`kind`: a gufunc parses its layout).
fn request<'py>(
    py: Python<'py>,
    func: &Bound<'py, PyAny>,
    kind: impl FnOnce() -> crate::error::Result<UfuncKind>,
    signatures: Vec<String>,
    o: Options<'py>,
) -> PyResult<Request<'py>> {
    TYPENUMS_CHECKED.get_or_try_init(py, || ufunc::check_typenums(py))?;
    let fast_math = match &o.fastmath {
        Some(v) => fast_math_option(v)?,
        None => FastMath::default(),
    };
    let identity = match &o.identity {
        Some(v) => identity_option(v)?,
        None => (ufunc::PYUFUNC_NONE, None),
    };
    let def = read_function(py, func, &ufunc::kernel_definition, None)?.py_err(py)?;
    let kind = kind().py_err(py)?;
    Ok(Request {
        spec: KernelSpec {
            def,
            kind,
            options: CodegenOptions {
                fast_math,
                boundscheck: o.boundscheck,
                error_model: ErrorModel::Numpy,
            },
            emit: EmitOptions {
                keep_llvm_ir: o.keep_ir,
                keep_asm: o.keep_ir,
            },
            lazy: signatures.is_empty(),
            parallel: o.parallel,
            cache: o.cache,
            nin: 0,
            nout: 0,
        },
        identity,
        signatures,
    })
}

/// Compiles `func` for `signatures` and returns a NumPy ufunc; with no
/// signatures, a lazy ufunc that compiles a loop for each new dtype.
#[pyfunction]
#[pyo3(signature = (func, signatures, identity=None, fastmath=None, keep_ir=false, parallel=false, cache=false))]
#[allow(clippy::too_many_arguments)]
fn vectorize_ufunc<'py>(
    py: Python<'py>,
    func: Bound<'py, PyAny>,
    signatures: Vec<String>,
    identity: Option<Bound<'py, PyAny>>,
    fastmath: Option<Bound<'py, PyAny>>,
    keep_ir: bool,
    parallel: bool,
    cache: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let kind = || Ok(UfuncKind::Elementwise(Elementwise));
    let o = Options {
        identity,
        fastmath,
        boundscheck: false,
        keep_ir,
        parallel,
        cache,
    };
    ufunc::make_ufunc(py, request(py, &func, kind, signatures, o)?)
}

/// Compiles `func` for `signatures` over `layout` and returns a NumPy
/// generalized ufunc; with no signatures, a lazy one.
#[pyfunction]
#[pyo3(signature = (func, signatures, layout, identity=None, fastmath=None, writable_args=vec![], boundscheck=false, keep_ir=false, parallel=false, cache=false))]
#[allow(clippy::too_many_arguments)]
fn guvectorize_ufunc<'py>(
    py: Python<'py>,
    func: Bound<'py, PyAny>,
    signatures: Vec<String>,
    layout: String,
    identity: Option<Bound<'py, PyAny>>,
    fastmath: Option<Bound<'py, PyAny>>,
    writable_args: Vec<usize>,
    boundscheck: bool,
    keep_ir: bool,
    parallel: bool,
    cache: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let kind = || {
        Ok(UfuncKind::Gufunc(Gufunc::new(
            parse_layout(&layout)?,
            writable_args,
        )))
    };
    let o = Options {
        identity,
        fastmath,
        boundscheck,
        keep_ir,
        parallel,
        cache,
    };
    ufunc::make_ufunc(py, request(py, &func, kind, signatures, o)?)
}

/// `f.compile(signature)` of a lazy ufunc: compiles and adds a loop;
/// returns the signature with its return type filled in.
#[pyfunction]
fn add_signature(
    py: Python<'_>,
    lib: Bound<'_, KernelLibrary>,
    signature: &str,
) -> PyResult<String> {
    lazy::add_signature(py, lib.get(), signature)
}

/// `(signature, text)` for every loop of a jitufunc ufunc: `kind` is
/// "llvm" (optimised LLVM IR), "asm" or "types" (typed IR). LLVM IR and
/// assembly come from compiling each signature again with them kept.
#[pyfunction]
fn inspect(
    py: Python<'_>,
    lib: Bound<'_, KernelLibrary>,
    kind: &str,
) -> PyResult<Vec<(String, String)>> {
    let lib = lib.get();
    let Some(emit) = inspect_emit(py, kind)? else {
        return Ok(lib.typed_ir());
    };
    let mut out = vec![];
    for l in lib.loops() {
        let text = l.signature.to_string();
        let (_, compiled) = enter(py, || lazy::compile_signature(lib, &text, emit))?;
        let body = if kind == "llvm" {
            compiled.llvm_ir
        } else {
            compiled.asm
        };
        out.push((text, body.unwrap_or_default()));
    }
    Ok(out)
}

/// What an `inspect(kind)` compile keeps: `None` for "types" (the typed
/// IR kept by every compile), else LLVM IR ("llvm") or assembly ("asm").
pub(crate) fn inspect_emit(py: Python<'_>, kind: &str) -> PyResult<Option<EmitOptions>> {
    Ok(Some(match kind {
        "types" => return Ok(None),
        "llvm" => EmitOptions {
            keep_llvm_ir: true,
            keep_asm: false,
        },
        "asm" => EmitOptions {
            keep_llvm_ir: false,
            keep_asm: true,
        },
        other => {
            return Err(option_error(
                py,
                format!("inspect kind {other:?} is not one of 'llvm', 'asm', 'types'"),
            ))
        }
    }))
}

/// Called by code compiled elsewhere (Numba, through
/// `jitufunc._numba_bridge`) right after it ran one of a ufunc's loops
/// itself: 1 if the loop left a Python exception (a `raise` in the kernel,
/// or `np.errstate(all="raise")`), which is cleared so that the caller can
/// call the ufunc again from Python to raise it; else 0. Takes the GIL if
/// the calling thread does not hold it.
extern "C" fn take_python_error() -> i32 {
    Python::attach(|py| match PyErr::take(py) {
        Some(_) => 1,
        None => 0,
    })
}

/// The address of `take_python_error`.
#[pyfunction]
fn take_python_error_address() -> usize {
    take_python_error as extern "C" fn() -> i32 as usize
}

/// The library (compiled code and introspection data) of a jitufunc ufunc.
#[pyfunction]
fn library<'py>(
    py: Python<'py>,
    obj: Bound<'py, PyAny>,
) -> PyResult<Option<Bound<'py, KernelLibrary>>> {
    ufunc::library_of(py, &obj)
}

/// Parses a signature string and returns its normalised text (raises the
/// same errors `vectorize` would).
#[pyfunction]
fn normalize_signature(py: Python<'_>, text: &str) -> PyResult<String> {
    Ok(crate::types::parse_signature(text).py_err(py)?.to_string())
}

/// The IR text of `func` (for golden tests and debugging): untyped as
/// lowered, or typed for `signature` the way `@vectorize` (with a
/// `layout`, `@guvectorize`; with `jit`, `@jit`) types it. `bytecode`:
/// read the function from its bytecode even if it has source. `parallel`:
/// as `@jit(parallel=True)` (its `prange` loops run on the pool).
#[pyfunction]
#[pyo3(signature = (func, signature=None, layout=None, jit=false, bytecode=false, parallel=false))]
fn ir_text(
    py: Python<'_>,
    func: Bound<'_, PyAny>,
    signature: Option<String>,
    layout: Option<String>,
    jit: bool,
    bytecode: bool,
    parallel: bool,
) -> PyResult<String> {
    // As a `@jit` dispatcher reads it: a call of itself is recursion.
    let identity = jit.then_some(crate::syntax::Identity(0));
    let bytecode = bytecode || crate::frontend::bytecode_forced();
    let def = crate::frontend::read_function_from(
        py,
        &func,
        &ufunc::kernel_definition,
        identity,
        bytecode,
    )?
    .py_err(py)?;
    let mut def = def;
    if parallel {
        std::sync::Arc::get_mut(&mut def)
            .expect("a definition just read has one owner")
            .parallel = true;
    }
    let door: Box<dyn crate::driver::FrontDoor> = match (layout, jit) {
        (_, true) => Box::new(crate::jit::Jit),
        (Some(l), false) => Box::new(Gufunc {
            layout: parse_layout(&l).py_err(py)?,
            writable: vec![],
        }),
        (None, false) => Box::new(Elementwise),
    };
    enter(py, || match &signature {
        None => crate::driver::untyped_ir(&def),
        Some(text) => crate::driver::typed_ir(&*door, &def, text),
    })
}

/// Whether the IR verifier runs after every pass (`JITUFUNC_VERIFY=1`, as
/// the test suite sets it, or a debug build).
#[pyfunction]
fn verifier_enabled() -> bool {
    crate::ir::verifier::enabled()
}

/// The host CPU as LLVM sees it: (triple, cpu, features).
#[pyfunction]
fn host_cpu(py: Python<'_>) -> PyResult<(String, String, String)> {
    let h = crate::engine::host::host_cpu().py_err(py)?;
    Ok((h.triple.clone(), h.cpu.clone(), h.features.clone()))
}

/// How this process used the on-disk cache: {"hits" (entries linked from
/// disk), "rejected", "stores", "reused" (code this process already had)}.
#[pyfunction]
fn cache_stats() -> std::collections::HashMap<&'static str, u64> {
    let (hits, rejected, stores, reused) = crate::cache::stats();
    [
        ("hits", hits),
        ("rejected", rejected),
        ("stores", stores),
        ("reused", reused),
    ]
    .into_iter()
    .collect()
}

/// The directory of the on-disk cache.
#[pyfunction]
fn cache_dir() -> Option<std::path::PathBuf> {
    crate::cache::cache_dir()
}

/// Arrays compiled code has allocated and freed in this process:
/// {"allocated", "freed"} (blocks of `engine::memory`).
#[pyfunction]
fn memory_stats() -> std::collections::HashMap<&'static str, u64> {
    let (allocated, freed) = crate::engine::memory::stats();
    [
        ("allocated", allocated),
        ("freed", freed),
        ("lists_live", crate::engine::list::live()),
        ("dicts_live", crate::engine::dict::live()),
    ]
    .into_iter()
    .collect()
}

/// Threads `target="parallel"` ufuncs use (the pool's size).
#[pyfunction]
fn thread_count() -> usize {
    crate::loops::parallel::pool_size()
}

/// Whether `np.dot`/`@` in `@jit` code can call NumPy's BLAS
/// (`engine::blas`).
#[pyfunction]
fn blas_available() -> bool {
    crate::engine::blas::available()
}

#[pymodule]
#[pyo3(name = "_core")]
fn core_module(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(vectorize_ufunc, m)?)?;
    m.add_function(wrap_pyfunction!(guvectorize_ufunc, m)?)?;
    m.add_function(wrap_pyfunction!(library, m)?)?;
    m.add_function(wrap_pyfunction!(take_python_error_address, m)?)?;
    m.add_function(wrap_pyfunction!(add_signature, m)?)?;
    m.add_function(wrap_pyfunction!(inspect, m)?)?;
    m.add_function(wrap_pyfunction!(thread_count, m)?)?;
    m.add_function(wrap_pyfunction!(blas_available, m)?)?;
    m.add_function(wrap_pyfunction!(cache_stats, m)?)?;
    m.add_function(wrap_pyfunction!(cache_dir, m)?)?;
    m.add_function(wrap_pyfunction!(normalize_signature, m)?)?;
    m.add_function(wrap_pyfunction!(host_cpu, m)?)?;
    m.add_function(wrap_pyfunction!(ir_text, m)?)?;
    m.add_function(wrap_pyfunction!(verifier_enabled, m)?)?;
    m.add_function(wrap_pyfunction!(memory_stats, m)?)?;
    m.add_class::<KernelLibrary>()?;
    m.add_class::<dispatcher::Dispatcher>()?;
    m.add_class::<dispatcher::ArrayMemory>()?;
    m.add_class::<typed_list::TypedListBase>()?;
    m.add_class::<typed_dict::TypedDictBase>()?;
    m.add_function(wrap_pyfunction!(typed_dict::register_typed_dict, m)?)?;
    m.add_function(wrap_pyfunction!(typed_list::register_typed_list, m)?)?;
    m.add_function(wrap_pyfunction!(typed_items::item_code, m)?)?;
    m.add_function(wrap_pyfunction!(typed_items::item_name, m)?)?;
    m.add_class::<ufunc::UfuncOwner>()?;
    errors::init(m.py())?;
    numpy_abi::load_blas(m.py());
    crate::engine::runtime::set_error_handler(errors::raise_runtime_error);
    crate::engine::runtime::set_context_handler(errors::add_runtime_error_context);
    crate::engine::runtime::set_print_handler(print::print_handler);
    m.add("LLVM_VERSION", "19.1")?;
    Ok(())
}
