//! Masked lanes: running a block of elements through a kernel together
//! when its control flow depends on the data.
//!
//! LLVM's loop vectorizer only vectorizes innermost loops, so a kernel
//! with a loop of its own (an escape-time `for i in range(100): ... if
//! zr*zr + zi*zi > 4.0: return i`) runs one element at a time. Here such a
//! kernel is compiled a second time in *masked-lane* form (`widen`): each
//! of its values becomes a vector of one value per element, its branches
//! become masks, and its loops run until every lane has left them. Each
//! lane computes exactly what the scalar kernel computes for its element.
//!
//! The lane count is two vector registers' worth of the widest value
//! (16 float32 lanes with AVX2, 16 float64 with AVX-512), four with AVX2
//! and 64-bit values (16 float64 lanes): independent vectors per
//! operation keep the FP pipes busy while each waits on its latency
//! (`lane_count`).
//!
//! The protocol between the loop that wants the masked form and this
//! module, which builds it when the module is optimised:
//! - `request` (while the loop is emitted) declares the masked function
//!   and a flag saying whether it exists; the loop calls the function only
//!   when the flag is set, and keeps its scalar loop otherwise.
//! - `complete` (before the optimisation pipeline) simplifies the module,
//!   then builds every requested function whose kernel still has a loop
//!   (loops with a small constant trip count were unrolled, and those
//!   kernels vectorize as they are) and that `widen` accepts, and fixes
//!   the flags; LLVM then folds the paths not taken away.

mod cfg;
mod narrow;
mod taint;
#[cfg(test)]
mod tests;
mod widen;

use inkwell::attributes::AttributeLoc;
use inkwell::module::{Linkage, Module};
use inkwell::passes::PassBuilderOptions;
use inkwell::targets::TargetMachine;
use inkwell::values::{AsValueRef, FunctionValue, GlobalValue};

use super::Codegen;
use crate::error::{CompileError, Result};

/// The string attribute on a requested declaration: `scalar;nin;nout;lanes`.
const REQUEST: &str = "jitufunc-masked";

/// Simplifies the kernels before they are read: inlined, in SSA, loops
/// with a small constant trip count unrolled (as the main pipeline will),
/// no switches, loops in simplified and LCSSA form.
const PREPARE: &str = "always-inline,\
function(sroa,early-cse,simplifycfg,instcombine<no-verify-fixpoint>,\
jump-threading,correlated-propagation,simplifycfg,loop(loop-rotate),\
loop-unroll<O3;no-partial;no-runtime>,simplifycfg,instcombine<no-verify-fixpoint>,\
lower-switch,loop-simplify,lcssa)";

/// The value of `MaskedKernel::form` when no masked form was built.
pub const FORM_NONE: u64 = 0;
/// ... when `group` was built (lockstep).
pub const FORM_LOCKSTEP: u64 = 1;
/// ... when `chunk` was built (refill).
pub const FORM_REFILL: u64 = 2;

/// A requested masked form.
pub struct MaskedKernel<'ctx> {
    /// `group(in_0, ..., out_0, ..., status)`: `lanes` elements from each
    /// input pointer to each output pointer, in lockstep; ORs the lanes'
    /// FP status into `*status`.
    pub group: FunctionValue<'ctx>,
    /// `chunk(in_0, ..., out_0, ..., status, count)`: `count` elements
    /// (contiguous) through `lanes` lanes, refilled as lanes finish.
    pub chunk: FunctionValue<'ctx>,
    /// An `i8` global: which was built (`FORM_*`).
    pub form: GlobalValue<'ctx>,
    pub lanes: u32,
}

/// Lanes for values of at most `widest_bits` bits on this host
/// (`JITUFUNC_MASKED_LANES` overrides, rounded down to a power of two;
/// below 2 turns masked lanes off).
pub fn lane_count(cg: &Codegen<'_>, widest_bits: u32) -> u32 {
    if let Some(n) = std::env::var("JITUFUNC_MASKED_LANES")
        .ok()
        .and_then(|v| v.parse::<u32>().ok())
    {
        return power_of_two_lanes(n);
    }
    let features = &cg.host.features;
    let register = if features.contains("+avx512f") {
        512
    } else if features.contains("+avx") {
        256
    } else {
        128
    };
    let per_register = register / widest_bits.max(8);
    // Two vectors per operation keep both FP pipes busy while each waits
    // on its latency; with AVX2 and 64-bit values, four (16 lanes) did
    // better still. Measured on this machine (Zen 3, AVX2), 8 against 16
    // lanes, medians of 15 interleaved runs over 1e6 elements (the
    // kernels of `tests/vectorize/test_masked_lanes.py`): escape-time
    // 39.5 -> 38.3 ms, its smooth variant 54.7 -> 49.5 ms, Newton 41.8 ->
    // 37.7 ms, `blowup` 21.3 -> 18.5 ms, `sign_steps` 39.6 -> 37.2 ms, the
    // int64 ones unchanged (collatz 108 / 107 ms, digits 70.9 / 70.2 ms,
    // nested 93.2 / 93.4 ms). With float32, 16 lanes against 32: 24.9 /
    // 25.9 ms (escape-time), 11.2 / 13.3 ms (its grid), 35.6 / 41.8 ms
    // (smooth): two vectors stay best there. (`benchmarks/masked_lanes_ab.py
    // 8 16`, `--float32 16 32`.)
    let vectors = if register == 256 && widest_bits >= 64 {
        4
    } else {
        2
    };
    vectors * per_register
}

/// `n` lanes as the masked form takes them: a power of two, at most 64.
fn power_of_two_lanes(n: u32) -> u32 {
    if n < 2 {
        n
    } else {
        (1u32 << (31 - n.leading_zeros())).min(64)
    }
}

/// Bits per lane of the masks. With AVX-512's mask registers, `<N x i1>`
/// is native. On AVX2 a mask lives in a vector register, and narrow lanes
/// won: the escape-time benchmark at 8 lanes ran at 1.43x Numba with
/// `i1`, 1.52x with 64-bit, 1.62x with 32-bit and 1.69-1.71x with 16- or
/// 8-bit lanes on random points (1.69x, 1.77x, 1.97x, 1.95x, 2.09x on the
/// grid; measured on this machine, a Zen 3 with AVX2).
fn mask_bits(machine: &TargetMachine) -> u32 {
    let features = machine.get_feature_string().to_string_lossy();
    if features.contains("+avx512f") {
        1
    } else {
        16
    }
}

/// Declares the masked form of `scalar` (`scalar(x_0, ...) -> {y_0, ...,
/// status}`, numbers only, no memory) for `complete` to build.
pub fn request<'ctx>(
    cg: &Codegen<'ctx>,
    scalar: FunctionValue<'ctx>,
    nin: usize,
    nout: usize,
    lanes: u32,
) -> MaskedKernel<'ctx> {
    let name = scalar.get_name().to_string_lossy().into_owned();
    let ptr = cg.ptr_type();
    let declare = |suffix: &str, count: bool| {
        let mut params = vec![ptr.into(); nin + nout + 1];
        if count {
            params.push(cg.ctx.i64_type().into());
        }
        let ty = cg.ctx.void_type().fn_type(&params, false);
        let f = cg
            .module
            .add_function(&format!("{name}.{suffix}"), ty, Some(Linkage::External));
        cg.add_host_attributes(f);
        f
    };
    let group = declare("group", false);
    let chunk = declare("chunk", true);
    group.add_attribute(
        AttributeLoc::Function,
        cg.ctx
            .create_string_attribute(REQUEST, &format!("{name};{nin};{nout};{lanes}")),
    );
    let form = cg
        .module
        .add_global(cg.ctx.i8_type(), None, &format!("{name}.form"));
    form.set_linkage(Linkage::Internal);
    form.set_initializer(&cg.ctx.i8_type().const_zero());
    MaskedKernel {
        group,
        chunk,
        form,
        lanes,
    }
}

/// Runs `PREPARE` on the requested scalar forms only: every other function
/// with a body (the loops, the exact kernels) is marked `optnone` for the
/// run, so the main pipeline is the only one to see them (preparing the
/// whole module cost about 15 ms per loop kernel; the scalar forms alone
/// cost a few).
fn prepare_scalar_forms(
    module: &Module<'_>,
    machine: &TargetMachine,
    requests: &[(FunctionValue<'_>, String)],
) -> Result<()> {
    let ctx = module.get_context();
    let kind = |name: &str| inkwell::attributes::Attribute::get_named_enum_kind_id(name);
    let scalar_names: Vec<&str> = requests
        .iter()
        .filter_map(|(_, spec)| spec.split(';').next())
        .collect();
    let mut paused = vec![];
    for f in module.get_functions() {
        let name = f.get_name().to_string_lossy().into_owned();
        let inlined = f
            .get_enum_attribute(AttributeLoc::Function, kind("alwaysinline"))
            .is_some();
        if f.count_basic_blocks() == 0 || inlined || scalar_names.contains(&name.as_str()) {
            continue;
        }
        let had_noinline = f
            .get_enum_attribute(AttributeLoc::Function, kind("noinline"))
            .is_some();
        f.add_attribute(
            AttributeLoc::Function,
            ctx.create_enum_attribute(kind("optnone"), 0),
        );
        if !had_noinline {
            f.add_attribute(
                AttributeLoc::Function,
                ctx.create_enum_attribute(kind("noinline"), 0),
            );
        }
        paused.push((f, had_noinline));
    }
    let run = module
        .run_passes(PREPARE, machine, PassBuilderOptions::create())
        .map_err(|e| CompileError::internal(format!("LLVM preparation failed: {e}")));
    for (f, had_noinline) in paused {
        f.remove_enum_attribute(AttributeLoc::Function, kind("optnone"));
        if !had_noinline {
            f.remove_enum_attribute(AttributeLoc::Function, kind("noinline"));
        }
    }
    run
}

/// Builds the requested masked functions of `module` (see the module
/// docs). Does nothing when there are none.
pub fn complete(module: &Module<'_>, machine: &TargetMachine) -> Result<()> {
    let requests: Vec<(FunctionValue<'_>, String)> = module
        .get_functions()
        .filter_map(|f| {
            let a = f.get_string_attribute(AttributeLoc::Function, REQUEST)?;
            Some((f, a.get_string_value().to_string_lossy().into_owned()))
        })
        .collect();
    if requests.is_empty() {
        return Ok(());
    }
    prepare_scalar_forms(module, machine, &requests)?;
    let ctx = module.get_context();
    for (group, spec) in requests {
        let parts: Vec<&str> = spec.split(';').collect();
        let bad = || CompileError::internal(format!("malformed masked request {spec:?}"));
        let [name, nin, nout, lanes] = parts[..] else {
            return Err(bad());
        };
        let shape = widen::Shape {
            nin: nin.parse().map_err(|_| bad())?,
            nout: nout.parse().map_err(|_| bad())?,
            lanes: lanes.parse().map_err(|_| bad())?,
            mask_bits: mask_bits(machine),
        };
        let scalar = module.get_function(name).ok_or_else(bad)?;
        let chunk = module
            .get_function(&format!("{name}.chunk"))
            .ok_or_else(bad)?;
        let form_flag = module.get_global(&format!("{name}.form")).ok_or_else(bad)?;
        group.remove_string_attribute(AttributeLoc::Function, REQUEST);
        let form = widen::widen(
            module.as_mut_ptr(),
            scalar.as_value_ref(),
            group.as_value_ref(),
            chunk.as_value_ref(),
            &shape,
        );
        crate::dump::dump(
            crate::dump::DumpStage::Llvm,
            "masked lanes: scalar form as widened",
            || inkwell::values::AnyValue::print_to_string(&scalar).to_string(),
        );
        crate::dump::dump(crate::dump::DumpStage::Llvm, "masked lanes", || {
            format!("; {name}: {form:?}, {} lanes\n", shape.lanes)
        });
        let form_value = match form {
            Ok(widen::Form::Lockstep) => FORM_LOCKSTEP,
            Ok(widen::Form::Refill) => FORM_REFILL,
            Err(_) => FORM_NONE,
        };
        for f in [group, chunk] {
            if f.count_basic_blocks() == 0 {
                // Never called (the form says so): an empty body.
                let builder = ctx.create_builder();
                builder.position_at_end(ctx.append_basic_block(f, "unused"));
                builder
                    .build_return(None)
                    .map_err(|e| CompileError::internal(format!("masked: {e}")))?;
            }
            f.set_linkage(Linkage::Internal);
            let kind = inkwell::attributes::Attribute::get_named_enum_kind_id("alwaysinline");
            f.add_attribute(AttributeLoc::Function, ctx.create_enum_attribute(kind, 0));
        }
        form_flag.set_initializer(&ctx.i8_type().const_int(form_value, false));
        form_flag.set_constant(true);
        // SAFETY: the scalar form is only named by the request; nothing
        // calls it.
        unsafe { scalar.delete() };
    }
    module.verify().map_err(|e| {
        CompileError::internal(format!(
            "masked lanes produced invalid LLVM IR: {}",
            e.to_string()
        ))
    })
}

/// The distinct instructions that use LLVM value `v`.
fn users(v: llvm_sys::prelude::LLVMValueRef) -> Vec<llvm_sys::prelude::LLVMValueRef> {
    use llvm_sys::core::{LLVMGetFirstUse, LLVMGetNextUse, LLVMGetUser};
    let mut out = vec![];
    // SAFETY: walking the use list of a live value.
    unsafe {
        let mut u = LLVMGetFirstUse(v);
        while !u.is_null() {
            let user = LLVMGetUser(u);
            if !out.contains(&user) {
                out.push(user);
            }
            u = LLVMGetNextUse(u);
        }
    }
    out
}
