//! Parts of a gufunc loop compiled only when a call first needs them: the
//! exact redo (`gufunc::emit_exact_range`: outer iterations rerun by the
//! exact-flags kernel after the fast kernel noted a non-finite float), and
//! the path for operands whose innermost core strides are not unit
//! (`gufunc::emit_general_range`: the fast kernel for any strides, whose
//! chunks are redone through the redo's slot).
//!
//! As for elementwise loops (`deferred`): a fresh compile that is not kept
//! as an object and keeps no IR or assembly text calls each part through a
//! `DeferredGufuncPart` slot, which starts out pointing at `trampoline`.
//! The trampoline compiles the part from the typed kernel kept in the slot
//! into a module of its own, links it, stores its address and calls it.
//! It is the code an eager compile puts into the loop, so results and
//! flags are the same.
//!
//! Measured under callgrind (`benchmarks/compile_costs.py callgrind`: the
//! benchmarks' matmul `(m,n),(n,p)->(m,p)` and row norm `(n)->()`):
//! compiling both took 379.6 M instructions with everything in the loop,
//! 211.1 M with both parts deferred; the row norm's loop function went from
//! 757 to 515 machine instructions (`compile_costs.py asm`). The exact
//! kernel had been emitted twice, in the unit-stride and the general path.

use std::sync::Arc;

use inkwell::context::Context;

use super::deferred::{link_entry, Lazy};
use super::gufunc::{emit_exact_range, emit_general_range, GufuncLoop, KernelSet};
use crate::codegen::fpstatus::FlagMode;
use crate::codegen::function::emit_program;
use crate::codegen::{Codegen, CodegenOptions};
use crate::engine::link::LoadedCode;
use crate::error::Result;
use crate::types::gufunc_layout::Layout;
use crate::types::gufunc_plan::KernelPlan;
use crate::typing::Program;

/// `gufunc::range_type` as a Rust function type.
type PartFn = unsafe extern "C" fn(
    *mut *mut u8,
    *const isize,
    *const isize,
    i64,
    i64,
    *mut i32,
    *const DeferredGufuncPart,
) -> i32;

/// Which part of the loop a slot compiles.
pub enum Part {
    /// The exact redo of a range of outer iterations.
    Redo,
    /// All outer iterations with operands of any strides, chunks redone
    /// through the redo slot at this address (kept alive beside this one
    /// by the loop's code).
    General { redo: usize },
}

/// What a part is compiled from.
pub struct GufuncPending {
    pub part: Part,
    /// The loop's symbol (the part is `{name}.exact` or `{name}.general`).
    pub name: String,
    /// Names the module's internal functions.
    pub prefix: String,
    /// The kernel for any strides.
    pub program: Program,
    pub layout: Layout,
    pub plan: KernelPlan,
    pub options: CodegenOptions,
}

/// One part of a gufunc loop: the address the loop calls (`trampoline`
/// until compiled) and what compiling it takes.
#[repr(C)]
pub struct DeferredGufuncPart {
    /// First field: the loop loads its entry at the slot's address.
    lazy: Lazy<GufuncPending>,
}

impl DeferredGufuncPart {
    pub fn new(pending: GufuncPending) -> Arc<Self> {
        let trampoline: PartFn = trampoline;
        Arc::new(DeferredGufuncPart {
            lazy: Lazy::new(trampoline as usize, pending),
        })
    }

    /// The slot's address, which the loop's code holds (the slot must
    /// outlive that code: `LoadedCode::companions`).
    pub fn address(self: &Arc<Self>) -> usize {
        Arc::as_ptr(self) as usize
    }
}

/// Where the loop's indirect call first lands: compiles the part and runs
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
    slot: *const DeferredGufuncPart,
) -> i32 {
    // SAFETY: the loop passes its own slot, which its code keeps alive.
    let slot_ref = unsafe { &*slot };
    let address = slot_ref
        .lazy
        .resolve(compile, |p| format!("a deferred part of {}", p.name));
    // SAFETY: the address is the part's, linked with the `PartFn` ABI by
    // `compile`, alive while the slot is.
    let part = unsafe { std::mem::transmute::<usize, PartFn>(address) };
    // SAFETY: the caller's arguments, passed on unchanged to the function
    // with the same ABI.
    unsafe { part(args, dims, steps, lo, count, status, slot) }
}

/// Compiles the part in a module of its own and links it.
fn compile(p: &GufuncPending) -> Result<LoadedCode> {
    let context = Context::create();
    let (suffix, mode, redo) = match p.part {
        Part::Redo => ("exact", FlagMode::Exact, None),
        Part::General { redo } => ("general", FlagMode::Taint, Some(redo)),
    };
    let symbol = format!("{}.{suffix}", p.name);
    let mut cg = Codegen::for_host(&context, &symbol, p.options)?;
    let prefix = match p.part {
        Part::Redo => p.prefix.clone(),
        Part::General { .. } => format!("{}.fast", p.prefix),
    };
    let any = emit_program(&mut cg, &p.program, &prefix, mode)?;
    let set = KernelSet {
        any,
        unit: None,
        unit_lanes: None,
    };
    let spec = GufuncLoop {
        name: p.name.clone(),
        layout: &p.layout,
        plan: &p.plan,
        exact: set,
        fast: redo.map(|_| set),
        snapshot_outputs: false,
        deferred: redo,
        deferred_general: None,
    };
    match p.part {
        Part::Redo => emit_exact_range(&mut cg, &spec, &symbol)?,
        Part::General { .. } => emit_general_range(&mut cg, &spec, &symbol)?,
    };
    link_entry(&mut cg, &symbol)
}
