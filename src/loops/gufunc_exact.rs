//! The exact redo of a gufunc loop (`gufunc::emit_exact_range`: outer
//! iterations rerun by the exact-flags kernel after the fast kernel noted a
//! non-finite float), compiled only when a call first needs it.
//!
//! As for elementwise loops (`deferred`): a fresh compile that is not kept
//! as an object and keeps no IR or assembly text calls the redo through a
//! `DeferredGufuncExact` slot, which starts out pointing at `trampoline`.
//! The trampoline compiles the range function from the typed kernel kept
//! in the slot into a module of its own, links it, stores its address and
//! calls it. It is the code an eager compile inlines into the loop, so
//! results and flags are the same.
//!
//! Measured on two kernels (row norms `(n)->()`, a matrix product
//! `(m,n),(n,p)->(m,p)`): the inlined redo (the exact kernel, emitted in
//! both the unit-stride and the general path) was a quarter of their
//! compile time, spent only by gufuncs that meet non-finite values.

use std::sync::Arc;

use inkwell::context::Context;

use super::deferred::Lazy;
use super::gufunc::{emit_exact_range, GufuncLoop, KernelSet};
use crate::codegen::fpstatus::FlagMode;
use crate::codegen::function::emit_program;
use crate::codegen::{Codegen, CodegenOptions};
use crate::dump::Timings;
use crate::engine::link::LoadedCode;
use crate::engine::object::{compile_module, EmitOptions};
use crate::error::Result;
use crate::types::gufunc_layout::Layout;
use crate::types::gufunc_plan::KernelPlan;
use crate::typing::Program;

/// `gufunc::exact_range_type` as a Rust function type.
type ExactFn = unsafe extern "C" fn(
    *mut *mut u8,
    *const isize,
    *const isize,
    i64,
    i64,
    *mut i32,
    *const DeferredGufuncExact,
) -> i32;

/// What the redo is compiled from.
pub struct GufuncPending {
    /// The loop's symbol (the range function is `{name}.exact`).
    pub name: String,
    /// Names the module's internal functions.
    pub prefix: String,
    /// The kernel for any strides.
    pub program: Program,
    pub layout: Layout,
    pub plan: KernelPlan,
    pub options: CodegenOptions,
}

/// One gufunc loop's exact redo: the address the loop calls
/// (`trampoline` until compiled) and what compiling it takes.
#[repr(C)]
pub struct DeferredGufuncExact {
    /// First field: the loop loads its entry at the slot's address.
    lazy: Lazy<GufuncPending>,
}

impl DeferredGufuncExact {
    pub fn new(pending: GufuncPending) -> Arc<Self> {
        let trampoline: ExactFn = trampoline;
        Arc::new(DeferredGufuncExact {
            lazy: Lazy::new(trampoline as usize, pending),
        })
    }

    /// The slot's address, which the loop's code holds (the slot must
    /// outlive that code: `LoadedCode::companions`).
    pub fn address(self: &Arc<Self>) -> usize {
        Arc::as_ptr(self) as usize
    }

    /// Whether the redo has been compiled (for tests).
    pub fn is_compiled(&self) -> bool {
        self.lazy.is_compiled()
    }
}

/// Where the loop's indirect call first lands: compiles the redo and runs
/// it.
///
/// # Safety
/// Called by generated gufunc loops only, with NumPy's `args`, `dims` and
/// `steps`, a range of the call's outer iterations, the loop's status word,
/// and the loop's own slot (alive while the loop's code is).
unsafe extern "C" fn trampoline(
    args: *mut *mut u8,
    dims: *const isize,
    steps: *const isize,
    lo: i64,
    count: i64,
    status: *mut i32,
    slot: *const DeferredGufuncExact,
) -> i32 {
    // SAFETY: the loop passes its own slot, which its code keeps alive.
    let slot_ref = unsafe { &*slot };
    let address = slot_ref
        .lazy
        .resolve(compile, |p| format!("the exact redo of {}", p.name));
    // SAFETY: the address is the range function's, linked with the
    // `ExactFn` ABI by `compile`, alive while the slot is.
    let exact = unsafe { std::mem::transmute::<usize, ExactFn>(address) };
    // SAFETY: the caller's arguments, passed on unchanged to the function
    // with the same ABI.
    unsafe { exact(args, dims, steps, lo, count, status, slot) }
}

/// Compiles `{name}.exact` in a module of its own and links it.
fn compile(p: &GufuncPending) -> Result<LoadedCode> {
    let context = Context::create();
    let symbol = format!("{}.exact", p.name);
    let mut cg = Codegen::for_host(&context, &symbol, p.options)?;
    let any = emit_program(&mut cg, &p.program, &p.prefix, FlagMode::Exact)?;
    let spec = GufuncLoop {
        name: p.name.clone(),
        layout: &p.layout,
        plan: &p.plan,
        exact: KernelSet {
            any,
            unit: None,
            unit_lanes: None,
        },
        fast: None,
        snapshot_outputs: false,
        deferred: None,
    };
    emit_exact_range(&mut cg, &spec, &symbol)?;
    cg.finish_vector_decls();
    let mut timings = Timings::start();
    let (code, _) = compile_module(
        &cg.module,
        std::slice::from_ref(&symbol),
        EmitOptions::default(),
        &mut timings,
    )?;
    timings.report(&symbol);
    Ok(code)
}
