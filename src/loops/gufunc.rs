//! The inner loop of a generalized ufunc, as NumPy calls it:
//! `void loop(char **args, npy_intp const *dims, npy_intp const *steps, void *data)`
//! with `dims[0]` the number of outer iterations, `dims[1..]` the core
//! dimension sizes (NumPy's numbering, see `guvectorize::layout`), and
//! `steps` the outer stride of every operand followed by each operand's core
//! strides.
//!
//! Each outer iteration calls the (always-inlined) kernel with array views
//! of the operands' core blocks, or loaded scalars for `()` inputs, and
//! stores returned values into `()` outputs. Two versions of the kernel
//! are called: one compiled for unit innermost core strides (when every
//! view operand has them at run time, so loops over rows vectorize), one
//! for any strides.
//!
//! Broadcast dimensions (`n|1`) reach the kernel with the full size and a
//! zero stride on operands that have size 1 there. Optional dimensions
//! (`m?`) that are missing have size 1 and stride 0, as NumPy passes them.

use inkwell::values::{BasicValueEnum, FunctionValue, IntValue, PointerValue};
use inkwell::IntPredicate;

use super::elementwise::counted_loop;
use super::fpflags::FpFlags;
use super::metadata::LoopHint;
use crate::codegen::arrays::View;
use crate::codegen::memory::{element_ptr, load_scalar, store_scalar};
use crate::codegen::Codegen;
use crate::error::Result;
use crate::guvectorize::layout::Layout;
use crate::guvectorize::plan::{KernelPlan, Passing};

/// What one gufunc loop wraps.
pub struct GufuncLoop<'a, 'ctx> {
    pub name: String,
    pub layout: &'a Layout,
    pub plan: &'a KernelPlan,
    /// The kernel for any strides.
    pub kernel: FunctionValue<'ctx>,
    /// The kernel compiled for unit innermost strides, if there is one.
    pub contiguous_kernel: Option<FunctionValue<'ctx>>,
}

/// NumPy's arguments, read once at loop entry.
struct Operands<'ctx> {
    bases: Vec<PointerValue<'ctx>>,
    outer: Vec<IntValue<'ctx>>,
    /// Per operand, per core axis: (size, stride).
    axes: Vec<Vec<(IntValue<'ctx>, IntValue<'ctx>)>>,
}

fn load_i64<'ctx>(
    cg: &Codegen<'ctx>,
    base: PointerValue<'ctx>,
    index: usize,
    name: &str,
) -> Result<IntValue<'ctx>> {
    let i64t = cg.ctx.i64_type();
    // SAFETY: NumPy passes arrays of at least `index + 1` entries (checked
    // by construction: counts come from the same layout NumPy was given).
    let p = unsafe {
        cg.builder
            .build_gep(i64t, base, &[i64t.const_int(index as u64, false)], "")?
    };
    Ok(cg.builder.build_load(i64t, p, name)?.into_int_value())
}

fn read_operands<'ctx>(
    cg: &Codegen<'ctx>,
    layout: &Layout,
    args: PointerValue<'ctx>,
    dims: PointerValue<'ctx>,
    steps: PointerValue<'ctx>,
) -> Result<Operands<'ctx>> {
    let ptr = cg.ptr_type();
    let i64t = cg.ctx.i64_type();
    let nops = layout.nin() + layout.nout();
    let numpy_dims = (0..layout.numpy_dims)
        .map(|j| load_i64(cg, dims, 1 + j, &format!("dim{j}")))
        .collect::<Result<Vec<_>>>()?;
    // The size of each logical dimension: all its NumPy dimensions agree
    // or are 1 (broadcast, checked when the ufunc is called), so the
    // largest is the size.
    let mut logical: Vec<Option<IntValue<'ctx>>> = vec![None; layout.dims.len()];
    for (j, &owner) in layout.numpy_dim_owner.iter().enumerate() {
        logical[owner] = Some(match logical[owner] {
            None => numpy_dims[j],
            Some(size) => {
                let b = &cg.builder;
                let bigger = b.build_int_compare(IntPredicate::SGT, numpy_dims[j], size, "")?;
                b.build_select(bigger, numpy_dims[j], size, "")?
                    .into_int_value()
            }
        });
    }
    let mut bases = vec![];
    let mut outer = vec![];
    let mut axes = vec![];
    let mut step_index = nops;
    for k in 0..nops {
        // SAFETY: NumPy passes `nargs` data pointers.
        let pa = unsafe {
            cg.builder
                .build_gep(ptr, args, &[i64t.const_int(k as u64, false)], "")?
        };
        bases.push(
            cg.builder
                .build_load(ptr, pa, &format!("op{k}"))?
                .into_pointer_value(),
        );
        outer.push(load_i64(cg, steps, k, &format!("step{k}"))?);
        let mut op_axes = vec![];
        for d in layout.operand(k) {
            let mut stride = load_i64(cg, steps, step_index, "")?;
            step_index += 1;
            let size = logical[d.dim].expect("every dimension has a NumPy dimension");
            if d.broadcast {
                let b = &cg.builder;
                let one = b.build_int_compare(
                    IntPredicate::EQ,
                    numpy_dims[d.numpy],
                    i64t.const_int(1, false),
                    "",
                )?;
                stride = b
                    .build_select(one, i64t.const_zero(), stride, "")?
                    .into_int_value();
            }
            op_axes.push((size, stride));
        }
        axes.push(op_axes);
    }
    Ok(Operands { bases, outer, axes })
}

/// Whether every view operand with core axes has a unit innermost stride.
fn unit_strides<'ctx>(
    cg: &Codegen<'ctx>,
    spec: &GufuncLoop<'_, 'ctx>,
    ops: &Operands<'ctx>,
) -> Result<IntValue<'ctx>> {
    let i64t = cg.ctx.i64_type();
    let mut all = cg.ctx.bool_type().const_all_ones();
    for (k, op) in spec.plan.operands.iter().enumerate() {
        if !matches!(op.passing, Passing::View { .. }) {
            continue;
        }
        if let Some((_, stride)) = ops.axes[k].last() {
            let unit = cg.builder.build_int_compare(
                IntPredicate::EQ,
                *stride,
                i64t.const_int(op.dtype.itemsize() as u64, false),
                "",
            )?;
            all = cg.builder.build_and(all, unit, "")?;
        }
    }
    Ok(all)
}

/// One outer iteration: the kernel called on the blocks at iteration `r`.
/// Returns whether the kernel reported an error.
fn call_kernel<'ctx>(
    cg: &mut Codegen<'ctx>,
    spec: &GufuncLoop<'_, 'ctx>,
    ops: &Operands<'ctx>,
    kernel: FunctionValue<'ctx>,
    status: PointerValue<'ctx>,
    r: IntValue<'ctx>,
) -> Result<IntValue<'ctx>> {
    let plan = spec.plan;
    let i64t = cg.ctx.i64_type();
    let mut blocks = vec![];
    for k in 0..plan.operands.len() {
        blocks.push(element_ptr(cg, ops.bases[k], r, ops.outer[k])?);
    }
    let mut params: Vec<(usize, BasicValueEnum<'ctx>)> = vec![];
    for (k, op) in plan.operands.iter().enumerate() {
        let Some(p) = op.param else { continue };
        let value = match op.passing {
            Passing::View { .. } => {
                let (shape, strides) = if ops.axes[k].is_empty() {
                    // A `()` operand declared as an array: one element.
                    let size = i64t.const_int(op.dtype.itemsize() as u64, false);
                    (vec![i64t.const_int(1, false)], vec![size])
                } else {
                    ops.axes[k].iter().copied().unzip()
                };
                View {
                    ptr: blocks[k],
                    shape,
                    strides,
                }
                .pack(cg)?
            }
            Passing::Value => load_scalar(cg, op.dtype, blocks[k])?,
            // Never read (the planner rejects kernels that use it).
            Passing::Returned => cg.scalar_type(op.dtype).const_zero(),
        };
        params.push((p, value));
    }
    params.sort_by_key(|(p, _)| *p);
    let mut call_args = vec![status.into()];
    call_args.extend(params.into_iter().map(|(_, v)| v));
    let call = cg.call(kernel, &call_args)?;
    if !plan.returned.is_empty() {
        let result = match call.try_as_basic_value() {
            inkwell::values::ValueKind::Basic(v) => v,
            _ => {
                return Err(crate::error::CompileError::internal(
                    "gufunc kernel returns nothing",
                ))
            }
        };
        for (j, &k) in plan.returned.iter().enumerate() {
            let v = if plan.returned.len() == 1 {
                result
            } else {
                cg.builder
                    .build_extract_value(result.into_struct_value(), j as u32, "")?
            };
            store_scalar(cg, plan.operands[k].dtype, blocks[k], v)?;
        }
    }
    crate::codegen::fpstatus::has_error(cg, status)
}

/// The loop over outer iterations with one kernel version. An error stops
/// it (the kernel has set the Python exception).
fn outer_loop<'ctx>(
    cg: &mut Codegen<'ctx>,
    f: FunctionValue<'ctx>,
    spec: &GufuncLoop<'_, 'ctx>,
    ops: &Operands<'ctx>,
    kernel: FunctionValue<'ctx>,
    status: PointerValue<'ctx>,
    n: IntValue<'ctx>,
    name: &str,
) -> Result<()> {
    let stop = cg.ctx.append_basic_block(f, &format!("{name}.failed"));
    let done = cg.ctx.append_basic_block(f, &format!("{name}.done"));
    counted_loop(cg, f, n, name, &[LoopHint::NoUnroll], |cg, r| {
        let failed = call_kernel(cg, spec, ops, kernel, status, r)?;
        let next = cg.ctx.append_basic_block(f, "");
        cg.builder.build_conditional_branch(failed, stop, next)?;
        cg.builder.position_at_end(next);
        Ok(())
    })?;
    cg.builder.build_unconditional_branch(done)?;
    cg.builder.position_at_end(stop);
    cg.builder.build_unconditional_branch(done)?;
    cg.builder.position_at_end(done);
    Ok(())
}

pub fn emit<'ctx>(
    cg: &mut Codegen<'ctx>,
    spec: &GufuncLoop<'_, 'ctx>,
) -> Result<FunctionValue<'ctx>> {
    let ptr = cg.ptr_type();
    let i64t = cg.ctx.i64_type();
    let fn_type = cg
        .ctx
        .void_type()
        .fn_type(&[ptr.into(), ptr.into(), ptr.into(), ptr.into()], false);
    let f = cg.module.add_function(&spec.name, fn_type, None);
    cg.add_host_attributes(f);
    cg.align_stack_for_vectors(f);
    let entry = cg.ctx.append_basic_block(f, "entry");
    cg.builder.position_at_end(entry);
    let args = f.get_nth_param(0).expect("args").into_pointer_value();
    let dims = f.get_nth_param(1).expect("dims").into_pointer_value();
    let steps = f.get_nth_param(2).expect("steps").into_pointer_value();
    let n = cg.builder.build_load(i64t, dims, "n")?.into_int_value();
    let fp = FpFlags::begin(cg)?;
    let ops = read_operands(cg, spec.layout, args, dims, steps)?;
    let ret = cg.ctx.append_basic_block(f, "return");
    match spec.contiguous_kernel {
        Some(contiguous) => {
            let unit = unit_strides(cg, spec, &ops)?;
            let fast = cg.ctx.append_basic_block(f, "unit.strides");
            let general = cg.ctx.append_basic_block(f, "any.strides");
            cg.builder.build_conditional_branch(unit, fast, general)?;
            cg.builder.position_at_end(fast);
            outer_loop(cg, f, spec, &ops, contiguous, fp.status, n, "outer.unit")?;
            cg.builder.build_unconditional_branch(ret)?;
            cg.builder.position_at_end(general);
            outer_loop(cg, f, spec, &ops, spec.kernel, fp.status, n, "outer")?;
            cg.builder.build_unconditional_branch(ret)?;
        }
        None => {
            outer_loop(cg, f, spec, &ops, spec.kernel, fp.status, n, "outer")?;
            cg.builder.build_unconditional_branch(ret)?;
        }
    }
    cg.builder.position_at_end(ret);
    fp.finish(cg)?;
    cg.builder.build_return(None)?;
    Ok(f)
}
