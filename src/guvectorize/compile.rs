//! Compiling a gufunc kernel for a list of signatures: lower once, plan and
//! type each signature (a version for any strides and, when the kernel
//! takes array views, one for unit innermost strides), emit every loop
//! into one LLVM module, optimise and link it once.

use std::sync::Arc;

use inkwell::context::Context;

use super::jam::JamWhen;
use super::layout::Layout;
use super::plan::{plan_kernel, KernelPlan};
use super::rerun::reads_outputs;
use crate::codegen::fpstatus::FlagMode;
use crate::codegen::function::{emit_program, emit_program_lanes};
use crate::codegen::{next_module_id, symbol_safe, Codegen};
use crate::dump::{dump, DumpStage, Timings};
use crate::engine::object::{compile_module, EmitOptions};
use crate::error::Result;
use crate::loops::gufunc::{self, GufuncLoop, KernelSet, LanesKernel};
use crate::lower::lower_function;
use crate::syntax::FunctionDef;
use crate::types::Signature;
use crate::typing::{type_kernel, Program};
use crate::vectorize::compile::{CodegenOptions, CompiledLoops, LoopInfo};

/// One signature, planned and typed.
struct TypedSignature {
    signature: Signature,
    plan: KernelPlan,
    general: Program,
    contiguous: Option<Program>,
}

/// Lowers, types and compiles `def` for every signature (`texts` are the
/// signatures as the user wrote them, for messages).
pub fn compile_gufunc(
    def: &Arc<FunctionDef>,
    layout: &Layout,
    signatures: &[Signature],
    texts: &[String],
    writable: &[usize],
    options: CodegenOptions,
    emit: EmitOptions,
) -> Result<CompiledLoops> {
    let mut timings = Timings::start();
    let untyped = lower_function(def).map_err(|e| e.with_source(&def.source))?;
    timings.lap("lower");
    let mut typed = vec![];
    for (sig, text) in signatures.iter().zip(texts) {
        let plan = plan_kernel(def, &untyped, layout, sig, text, writable)?;
        let general = type_kernel(def, &untyped, &plan.kernel_signature(false))?;
        let contiguous = if plan.has_core_views(layout) {
            Some(type_kernel(def, &untyped, &plan.kernel_signature(true))?)
        } else {
            None
        };
        dump(DumpStage::Typed, &format!("{} {sig}", def.name), || {
            general.to_string()
        });
        typed.push(TypedSignature {
            signature: sig.clone(),
            plan,
            general,
            contiguous,
        });
    }
    timings.lap("type");
    let id = next_module_id();
    let context = Context::create();
    let mut cg = Codegen::for_host(&context, &def.name, options)?;
    let mut symbols = vec![];
    for (k, t) in typed.iter().enumerate() {
        let prefix = format!("jitufunc.gu{id}.{k}");
        let tracked = options.fast_math.0 == 0;
        let outputs: Vec<usize> = t
            .plan
            .operands
            .iter()
            .enumerate()
            .skip(layout.nin())
            .filter_map(|(_, op)| op.param)
            .collect();
        let rerunnable =
            tracked && writable.is_empty() && !reads_outputs(t.general.entry(), &outputs);
        let any = emit_program(&mut cg, &t.general, &prefix, FlagMode::Exact)?;
        let (exact, fast) = if rerunnable {
            let fast_any = emit_program(
                &mut cg,
                &t.general,
                &format!("{prefix}.fast"),
                FlagMode::Taint,
            )?;
            let fast_unit = emit_optional(
                &mut cg,
                &t.contiguous,
                &format!("{prefix}.fast.unit"),
                FlagMode::Taint,
            )?;
            let unit_lanes = emit_lanes(
                &mut cg,
                &t.contiguous,
                &format!("{prefix}.fast.lanes"),
                FlagMode::Taint,
            )?;
            (
                KernelSet {
                    any,
                    unit: None,
                    unit_lanes: None,
                },
                Some(KernelSet {
                    any: fast_any,
                    unit: fast_unit,
                    unit_lanes,
                }),
            )
        } else {
            let unit = emit_optional(
                &mut cg,
                &t.contiguous,
                &format!("{prefix}.unit"),
                FlagMode::Exact,
            )?;
            let unit_lanes = emit_lanes(
                &mut cg,
                &t.contiguous,
                &format!("{prefix}.lanes"),
                FlagMode::Exact,
            )?;
            (
                KernelSet {
                    any,
                    unit,
                    unit_lanes,
                },
                None,
            )
        };
        let name = format!("jitufunc_gu{id}_{}_loop{k}", symbol_safe(&def.name));
        gufunc::emit(
            &mut cg,
            &GufuncLoop {
                name: name.clone(),
                layout,
                plan: &t.plan,
                exact,
                fast,
            },
        )?;
        symbols.push(name);
    }
    cg.finish_vector_decls();
    timings.lap("llvm-ir");
    let (code, emitted) = compile_module(&cg.module, &symbols, emit, &mut timings)?;
    timings.report(&def.name);
    let nin = layout.nin();
    let loops = typed
        .into_iter()
        .zip(code.addresses.iter().zip(&symbols))
        .map(|(t, (address, symbol))| {
            let dtypes = t.plan.dtypes();
            LoopInfo {
                inputs: dtypes[..nin].to_vec(),
                outputs: dtypes[nin..].to_vec(),
                address: *address,
                signature: t.signature,
                typed_ir: t.general.to_string(),
                symbol: symbol.clone(),
            }
        })
        .collect();
    Ok(CompiledLoops {
        loops,
        code: Arc::new(code),
        llvm_ir: emitted.llvm_ir,
        asm: emitted.asm,
        object: emitted.object,
    })
}

fn emit_optional<'ctx>(
    cg: &mut Codegen<'ctx>,
    program: &Option<Program>,
    name: &str,
    mode: FlagMode,
) -> Result<Option<inkwell::values::FunctionValue<'ctx>>> {
    program
        .as_ref()
        .map(|p| emit_program(cg, p, name, mode))
        .transpose()
}

/// `program` compiled for several outer iterations at once, if its control
/// flow allows (`jam::lanes`), as many as `jam::choose_lane_count` finds
/// worthwhile. `JITUFUNC_LANES` overrides the count (a developer knob for
/// measuring; 1 turns jamming off).
fn emit_lanes<'ctx>(
    cg: &mut Codegen<'ctx>,
    program: &Option<Program>,
    name: &str,
    mode: FlagMode,
) -> Result<Option<LanesKernel<'ctx>>> {
    let Some(program) = program else {
        return Ok(None);
    };
    let Some(mut lanes) = super::jam::lanes(program.entry(), 2) else {
        return Ok(None);
    };
    let (chosen, when) = super::jam::choose_lane_count(program.entry(), &lanes);
    let count = std::env::var("JITUFUNC_LANES")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(chosen);
    if count < 2 {
        return Ok(None);
    }
    lanes.count = count;
    let f = emit_program_lanes(cg, program, name, mode, &lanes)?;
    Ok(Some(LanesKernel {
        function: f,
        count,
        small_blocks_only: when == JamWhen::SmallBlocks,
    }))
}
