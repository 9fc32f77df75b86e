//! The range function of an elementwise loop
//! (`elementwise::emit_exact_range`: the strided path, and the redo of a
//! chunk whose fast pass met a non-finite value; exact flags unless under
//! fast-math), compiled only when a call first needs it.
//!
//! A fresh compile that is not kept as an object (the on-disk cache
//! stores objects, which must not hold this process's addresses) and keeps
//! no IR or assembly text emits the loop with an indirect call through a
//! `DeferredExact` slot. The slot starts out pointing at `trampoline`,
//! which compiles the range function from the typed kernel kept in the
//! slot (the frontend does not run again) into a module of its own, links
//! it, stores its address in the slot and calls it; later calls go
//! straight to it. The range function is the same code an eager compile
//! puts into the loop's module, so results and flags are the same.
//!
//! Measured on `exp(-x*x)`: the exact kernel and the range function are
//! about half of the loop's machine code and of its compile time, spent
//! only by ufuncs that meet strided operands or non-finite values.
//!
//! The compile-on-first-call slot itself (`Lazy`), the load of a slot's
//! entry in generated code (`load_entry`) and the link of a deferred
//! function's module (`link_entry`) are shared with the deferred parts of
//! gufunc loops (`gufunc_deferred`).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use inkwell::context::Context;
use inkwell::values::{BasicValue, PointerValue};

use super::elementwise::{emit_exact_range, ElementwiseLoop};
use crate::codegen::fpstatus::FlagMode;
use crate::codegen::function::emit_program;
use crate::codegen::{Codegen, CodegenOptions};
use crate::dump::Timings;
use crate::engine::link::LoadedCode;
use crate::engine::object::{compile_module, EmitOptions};
use crate::error::{CompileError, Result};
use crate::types::Scalar;
use crate::typing::Program;

/// `void exact(char **args, npy_intp *steps, i64 lo, i64 hi, i32 *status,
/// DeferredExact *slot)`: the range function's ABI (the slot argument is
/// only read by `trampoline`).
pub(super) type ExactFn =
    unsafe extern "C" fn(*mut *mut u8, *const isize, i64, i64, *mut i32, *const DeferredExact);

/// What the range function is compiled from.
pub struct Pending {
    /// The loop's symbol (the range function is `{name}.exact`).
    pub name: String,
    /// Names the module's internal functions.
    pub prefix: String,
    pub program: Program,
    pub inputs: Vec<Scalar>,
    pub outputs: Vec<Scalar>,
    pub may_raise: bool,
    pub options: CodegenOptions,
}

/// A function compiled on its first call, in a module of its own: the
/// address generated code loads and calls (a trampoline until compiled),
/// and what compiling it takes. Shared by the elementwise loop's range
/// function (`DeferredExact`) and the gufunc loop's
/// (`gufunc_deferred::DeferredGufuncPart`), each the first field of its
/// slot, so the entry is at the slot's address.
#[repr(C)]
pub(super) struct Lazy<P> {
    /// First field: loaded (acquire) by generated code.
    entry: AtomicUsize,
    state: Mutex<LazyState<P>>,
}

struct LazyState<P> {
    /// Until compiled.
    pending: Option<P>,
    /// Once compiled.
    code: Option<LoadedCode>,
}

impl<P> Lazy<P> {
    pub(super) fn new(trampoline: usize, pending: P) -> Self {
        Lazy {
            entry: AtomicUsize::new(trampoline),
            state: Mutex::new(LazyState {
                pending: Some(pending),
                code: None,
            }),
        }
    }

    /// The address to call now (the trampoline until compiled).
    pub(super) fn current(&self) -> usize {
        self.entry.load(Ordering::Acquire)
    }

    /// The compiled function's address, compiling it on first use with
    /// `compile` (one thread compiles; the others wait for it). `what`
    /// names it in the message of a failure, which is a bug in jitufunc
    /// (the kernel compiled already; a NumPy loop cannot raise): the
    /// process aborts.
    pub(super) fn resolve(
        &self,
        compile: impl FnOnce(&P) -> Result<LoadedCode>,
        what: impl FnOnce(&P) -> String,
    ) -> usize {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(code) = &st.code {
            return code.addresses[0];
        }
        let Some(pending) = st.pending.take() else {
            eprintln!("jitufunc: internal error: a deferred loop has nothing to compile");
            std::process::abort();
        };
        match compile(&pending) {
            Ok(code) => {
                let address = code.addresses[0];
                st.code = Some(code);
                self.entry.store(address, Ordering::Release);
                address
            }
            Err(e) => {
                eprintln!("jitufunc: internal error compiling {}: {e}", what(&pending));
                std::process::abort();
            }
        }
    }
}

/// One loop's range function: the address its loop calls (`trampoline`
/// until compiled), and what compiling it takes. It also describes the
/// loop's operands for the loop driver (`driven`).
#[repr(C)]
pub struct DeferredExact {
    /// First field: the loop loads its entry at the slot's address.
    lazy: Lazy<Pending>,
    /// The number of inputs (the operands are the inputs, then the outputs).
    pub(super) nin: usize,
    /// Each operand's item size in bytes.
    pub(super) itemsizes: Vec<usize>,
    /// Whether FP flags are tracked (not fast-math): the vector pass is the
    /// taint kernel, redone exactly where it noted a non-finite value.
    pub(super) flags: bool,
    /// Whether the kernel can raise (the loop then stops at the first
    /// element that raised).
    pub(super) may_raise: bool,
    /// The chunk function only takes whole groups of this many elements
    /// (`elementwise::chunk_group`; 1 for kernels that can raise).
    pub(super) group: usize,
    /// `ElementwiseLoop::redo`: with flags tracked and no redo, every call
    /// runs the exact range function.
    pub(super) redo: bool,
    /// Bytes the driver's tail slots take: `group` items per operand,
    /// each slot rounded up to 64 bytes (none when `group` is 1).
    pub(super) tail_bytes: usize,
    /// A driven loop's chunk function (`driven`), set once its module is
    /// linked, before the loop is handed to NumPy; 0 before.
    chunk: AtomicUsize,
}

impl DeferredExact {
    /// `group`: what `elementwise::chunk_group` says for the loop; `redo`:
    /// `ElementwiseLoop::redo`.
    pub fn new(pending: Pending, group: u64, redo: bool) -> Arc<Self> {
        let trampoline: ExactFn = trampoline;
        let itemsizes: Vec<usize> = pending
            .inputs
            .iter()
            .chain(&pending.outputs)
            .map(|s| s.itemsize())
            .collect();
        let group = group as usize;
        let tail_bytes = if group > 1 {
            itemsizes
                .iter()
                .map(|size| (group * size).next_multiple_of(64))
                .sum()
        } else {
            0
        };
        let nin = pending.inputs.len();
        let flags = pending.options.fast_math.0 == 0;
        let may_raise = pending.may_raise;
        Arc::new(DeferredExact {
            lazy: Lazy::new(trampoline as usize, pending),
            nin,
            itemsizes,
            flags,
            may_raise,
            group,
            redo,
            tail_bytes,
            chunk: AtomicUsize::new(0),
        })
    }

    /// Records the address of the driven loop's chunk function, linked
    /// with `driven::ChunkFn`'s ABI (`driven`).
    pub fn set_chunk(&self, address: usize) {
        self.chunk.store(address, Ordering::Release);
    }

    /// The driven loop's chunk function's address (0 before `set_chunk`).
    pub(super) fn chunk(&self) -> usize {
        self.chunk.load(Ordering::Acquire)
    }

    /// The slot's address, which the loop's code holds (the slot must
    /// outlive that code: `LoadedCode::companions`).
    pub fn address(self: &Arc<Self>) -> usize {
        Arc::as_ptr(self) as usize
    }

    /// The range function to call now (`trampoline` until compiled).
    pub(super) fn current(&self) -> ExactFn {
        // SAFETY: the entry only ever holds `trampoline` or a range
        // function linked with the `ExactFn` ABI, alive while the slot is.
        unsafe { std::mem::transmute::<usize, ExactFn>(self.lazy.current()) }
    }

    /// The compiled range function, compiling it on first use.
    fn resolve(&self) -> ExactFn {
        let address = self
            .lazy
            .resolve(compile, |p| format!("the exact loop of {}", p.name));
        // SAFETY: the address is the range function's, linked with the
        // `ExactFn` ABI by `compile`, and alive while the slot is.
        unsafe { std::mem::transmute::<usize, ExactFn>(address) }
    }
}

/// Where the loop's indirect call first lands: compiles the range function
/// and runs it.
///
/// # Safety
/// Called by generated loops only, with NumPy's `args` and `steps`, a
/// range within the call's elements, the loop's status word, and the
/// loop's own slot (alive while the loop's code is).
unsafe extern "C" fn trampoline(
    args: *mut *mut u8,
    steps: *const isize,
    lo: i64,
    hi: i64,
    status: *mut i32,
    slot: *const DeferredExact,
) {
    // SAFETY: the loop passes its own slot, which its code keeps alive.
    let slot_ref = unsafe { &*slot };
    let exact = slot_ref.resolve();
    // SAFETY: the caller's arguments, passed on unchanged to the function
    // with the same ABI.
    unsafe { exact(args, steps, lo, hi, status, slot) }
}

/// Loads, in generated code, the entry of the slot at `address` (its first
/// field: a deferred function's address, stored with release once it is
/// compiled, a trampoline before): the slot pointer and the function.
pub(super) fn load_entry<'ctx>(
    cg: &Codegen<'ctx>,
    address: usize,
) -> Result<(PointerValue<'ctx>, PointerValue<'ctx>)> {
    let ptr = cg.ptr_type();
    let i64t = cg.ctx.i64_type();
    let slot =
        cg.builder
            .build_int_to_ptr(i64t.const_int(address as u64, false), ptr, "deferred.slot")?;
    let target = cg.builder.build_load(ptr, slot, "deferred.fn")?;
    if let Some(load) = target.as_instruction_value() {
        load.set_alignment(8)
            .map_err(|e| CompileError::internal(e.to_string()))?;
        load.set_atomic_ordering(inkwell::AtomicOrdering::Acquire)
            .map_err(|e| CompileError::internal(e.to_string()))?;
    }
    Ok((slot, target.into_pointer_value()))
}

/// Optimises, emits and links the module of a deferred function whose
/// entry is `symbol`.
pub(super) fn link_entry(cg: &mut Codegen<'_>, symbol: &str) -> Result<LoadedCode> {
    cg.finish_vector_decls();
    let mut timings = Timings::start();
    let (code, _) = compile_module(
        &cg.module,
        std::slice::from_ref(&symbol.to_string()),
        EmitOptions::default(),
        &mut timings,
    )?;
    timings.report(symbol);
    Ok(code)
}

/// Compiles `{name}.exact` in a module of its own and links it.
fn compile(p: &Pending) -> Result<LoadedCode> {
    let context = Context::create();
    let mut cg = Codegen::for_host(&context, &format!("{}.exact", p.name), p.options)?;
    let kernel = emit_program(&mut cg, &p.program, &p.prefix, FlagMode::Exact)?;
    let spec = ElementwiseLoop {
        name: p.name.clone(),
        inputs: p.inputs.clone(),
        outputs: p.outputs.clone(),
        kernel,
        fast_kernel: None,
        may_raise: p.may_raise,
        has_loops: false,
        deferred: None,
        group: 1,
        redo: false,
    };
    let symbol = format!("{}.exact", p.name);
    emit_exact_range(&mut cg, &spec, true)?;
    link_entry(&mut cg, &symbol)
}
