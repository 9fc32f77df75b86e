//! The `@guvectorize` front door: a signature is planned against the
//! layout (`plan`: how each operand reaches the kernel), typed twice (a
//! version for any strides and, when the kernel takes array views, one for
//! unit innermost strides, also jammed over several outer iterations when
//! `jam` allows), and emitted inside the gufunc loop (`loops::gufunc`):
//! an exact-flags version, and unless the kernel writes its inputs a fast
//! one whose chunks are redone exactly when they note a non-finite float
//! (from snapshots of the outputs when the kernel reads them).

use std::sync::Arc;

use super::accumulate::promote;
use super::jam::JamWhen;
use super::rerun::reads_outputs;
use crate::codegen::fpstatus::FlagMode;
use crate::codegen::function::{emit_program, emit_program_lanes};
use crate::codegen::Codegen;
use crate::driver::{FrontDoor, LoopInfo, TypedEntry};
use crate::error::Result;
use crate::ir::verifier;
use crate::ir::{Function, Rerun, Stage};
use crate::loops::gufunc::{self, GufuncLoop, KernelSet, LanesKernel};
use crate::loops::gufunc_deferred::{DeferredGufuncPart, GufuncPending, Part};
use crate::syntax::FunctionDef;
use crate::types::gufunc_layout::Layout;
use crate::types::gufunc_plan::KernelPlan;
use crate::types::Signature;
use crate::typing::gufunc::planner::plan_kernel;
use crate::typing::{type_kernel, Program};

/// `@guvectorize`: kernels over array blocks in gufunc loops, for one
/// layout and the inputs the kernel may write.
#[derive(Clone, Debug)]
pub struct Gufunc {
    pub layout: Layout,
    /// Inputs the kernel may write (`writable_args`).
    pub writable: Vec<usize>,
}

impl Gufunc {
    /// The front door for `layout` with the inputs `writable_args` names.
    /// A layout without outputs (`"(n),(n),(m)"`) lets the kernel write its
    /// last operand too, as Numba does: that is where such kernels put
    /// their results.
    pub fn new(layout: Layout, mut writable: Vec<usize>) -> Gufunc {
        if layout.nout() == 0 && layout.nin() > 0 && !writable.contains(&(layout.nin() - 1)) {
            writable.push(layout.nin() - 1);
            writable.sort_unstable();
        }
        Gufunc { layout, writable }
    }
}

impl FrontDoor for Gufunc {
    fn symbol_tag(&self) -> &'static str {
        "gu"
    }

    fn cache_tag(&self) -> String {
        format!(
            "gufunc layout {:?} writable {:?}",
            self.layout.text, self.writable
        )
    }

    fn example(&self) -> &'static str {
        "guvectorize([\"void(float64[:], float64[:])\"], \"(n)->()\")"
    }

    fn check_kernel(&self, def: &FunctionDef) -> Result<()> {
        crate::typing::arrays::check_ufunc_kernel(def)
    }

    fn type_entry<'a>(
        &'a self,
        def: &Arc<FunctionDef>,
        untyped: &Function,
        sig: &Signature,
        text: &str,
    ) -> Result<Box<dyn TypedEntry + 'a>> {
        let plan = plan_kernel(def, untyped, &self.layout, sig, text, &self.writable)?;
        let general = type_kernel(def, untyped, &plan.kernel_signature(false))?;
        let contiguous = if plan.has_core_views(&self.layout) {
            Some(type_kernel(def, untyped, &plan.kernel_signature(true))?)
        } else {
            None
        };
        Ok(Box::new(TypedGufunc {
            door: self,
            signature: sig.clone(),
            plan,
            general,
            contiguous,
        }))
    }
}

/// One signature, planned and typed.
struct TypedGufunc<'a> {
    door: &'a Gufunc,
    signature: Signature,
    plan: KernelPlan,
    general: Program,
    contiguous: Option<Program>,
}

impl TypedEntry for TypedGufunc<'_> {
    fn program(&self) -> &Program {
        &self.general
    }

    fn emit<'ctx>(&self, cg: &mut Codegen<'ctx>, prefix: &str, symbol: &str) -> Result<()> {
        let layout = &self.door.layout;
        let tracked = cg.fast_math.0 == 0;
        let outputs: Vec<usize> = self
            .plan
            .operands
            .iter()
            .skip(layout.nin())
            .filter_map(|op| op.param)
            .collect();
        // Outputs set and then accumulated into become registers in the
        // unit-stride kernels (`accumulate`: the rewrite needs distinct
        // elements along the innermost axis). The same rewrite of the
        // general kernel only tells whether its output reads are all of
        // elements it wrote first.
        let promoting = !cg.boundscheck && self.door.writable.is_empty();
        let promoted = |p: &Program| -> Result<Program> {
            let mut p = p.clone();
            if promoting {
                let entry = &mut p.functions[p.entry.index()];
                if promote(entry, &outputs) > 0 {
                    verifier::check(entry, Stage::Typed, "accumulate")?;
                }
            }
            Ok(p)
        };
        let contiguous = self.contiguous.as_ref().map(promoted).transpose()?;
        // A kernel that reads its outputs (other than elements it wrote
        // first) reruns from snapshots of them (`loops::snapshot`); one
        // that writes its inputs, or whose second run would be seen
        // outside its arrays (draws, prints: `Rerun::ActsOutside`), runs
        // exactly, once.
        let rerunnable =
            tracked && self.door.writable.is_empty() && self.general.rerun() != Rerun::ActsOutside;
        let snapshot_outputs =
            rerunnable && reads_outputs(promoted(&self.general)?.entry(), &outputs);
        // Parts of the loop only some calls need can be compiled when a call
        // first needs them (`loops::gufunc_deferred`): the exact redo of
        // chunks where the fast kernel noted a non-finite float, and, when
        // a unit-stride kernel takes the other calls, the path for operands
        // of any strides. With output snapshots the exact kernels also run
        // blocks too big to snapshot, so everything stays here.
        let pending = |part: Part| GufuncPending {
            part,
            name: symbol.to_string(),
            prefix: prefix.to_string(),
            program: self.general.clone(),
            layout: layout.clone(),
            plan: self.plan.clone(),
            options: cg.options(),
        };
        let redo = (cg.defer_exact && rerunnable && !snapshot_outputs)
            .then(|| DeferredGufuncPart::new(pending(Part::Redo)));
        let general = match &redo {
            Some(r) if contiguous.is_some() => {
                Some(DeferredGufuncPart::new(pending(Part::General {
                    redo: r.address(),
                })))
            }
            _ => None,
        };
        let exact_any = match redo {
            Some(_) => None,
            None => Some(emit_program(cg, &self.general, prefix, FlagMode::Exact)?),
        };
        let (exact, fast) = if rerunnable {
            let fast_any = match general {
                Some(_) => None,
                None => Some(emit_program(
                    cg,
                    &self.general,
                    &format!("{prefix}.fast"),
                    FlagMode::Taint,
                )?),
            };
            let fast_unit = emit_optional(
                cg,
                &contiguous,
                &format!("{prefix}.fast.unit"),
                FlagMode::Taint,
            )?;
            let unit_lanes = emit_lanes(
                cg,
                &contiguous,
                &format!("{prefix}.fast.lanes"),
                FlagMode::Taint,
            )?;
            // Output blocks too big to snapshot run exactly with unit
            // strides where they can.
            let unit = if snapshot_outputs {
                emit_optional(cg, &contiguous, &format!("{prefix}.unit"), FlagMode::Exact)?
            } else {
                None
            };
            // A deferred part's kernel is not called in this module: any
            // kernel stands in for it.
            let fast_any = fast_any
                .or(fast_unit)
                .expect("a general fast kernel unless a unit-stride one takes its place");
            (
                KernelSet {
                    any: exact_any.unwrap_or(fast_any),
                    unit,
                    unit_lanes: None,
                },
                Some(KernelSet {
                    any: fast_any,
                    unit: fast_unit,
                    unit_lanes,
                }),
            )
        } else {
            let unit = emit_optional(cg, &contiguous, &format!("{prefix}.unit"), FlagMode::Exact)?;
            let unit_lanes =
                emit_lanes(cg, &contiguous, &format!("{prefix}.lanes"), FlagMode::Exact)?;
            (
                KernelSet {
                    any: exact_any.expect("exact kernels are deferred only with fast ones"),
                    unit,
                    unit_lanes,
                },
                None,
            )
        };
        gufunc::emit(
            cg,
            &GufuncLoop {
                name: symbol.to_string(),
                layout,
                plan: &self.plan,
                exact,
                fast,
                snapshot_outputs,
                deferred: redo.as_ref().map(DeferredGufuncPart::address),
                deferred_general: general.as_ref().map(DeferredGufuncPart::address),
            },
        )?;
        for slot in redo.into_iter().chain(general) {
            cg.companions.push(slot);
        }
        Ok(())
    }

    fn finish(self: Box<Self>, symbol: String, address: usize) -> Result<LoopInfo> {
        let nin = self.door.layout.nin();
        let dtypes = self.plan.dtypes();
        Ok(LoopInfo {
            inputs: dtypes[..nin].to_vec(),
            outputs: dtypes[nin..].to_vec(),
            address,
            data: 0,
            signature: self.signature,
            typed_ir: self.general.to_string(),
            symbol,
        })
    }
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
    // Outer iterations draw, print and call out one after another (lanes
    // in lockstep would interleave them, and make a call of a function
    // that draws, with uniform arguments, once for all lanes).
    if program.rerun() == Rerun::ActsOutside {
        return Ok(None);
    }
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
