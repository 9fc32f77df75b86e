//! From a built LLVM module to machine code: verify, optimise (`PIPELINE`
//! with the host target machine, so the vectorizer knows AVX-512 is there),
//! emit an object file, link it with the engine.

use inkwell::module::Module;
use inkwell::passes::PassBuilderOptions;
use inkwell::targets::{FileType, TargetMachine};

use crate::dump::{self, DumpStage, Timings};
use crate::engine::host::host_target_machine;
use crate::engine::link::{load_object, LoadedCode};
use crate::error::{CompileError, Result};

/// The optimised module's text, assembly and object, as produced by
/// `optimize_and_emit`.
pub struct Emitted {
    pub object: Vec<u8>,
    pub llvm_ir: Option<String>,
    pub asm: Option<String>,
}

/// What to keep besides the object file (for introspection and tests).
#[derive(Clone, Copy, Debug, Default)]
pub struct EmitOptions {
    pub keep_llvm_ir: bool,
    pub keep_asm: bool,
}

/// Stamps the host triple and data layout onto `module`.
pub fn prepare_module(module: &Module<'_>, machine: &TargetMachine) {
    module.set_triple(&machine.get_triple());
    module.set_data_layout(&machine.get_target_data().get_data_layout());
}

/// The optimisation pipeline. Our IR is simple (kernels in SSA, loops
/// generated in rotated form), so a short list of passes does what
/// `default<O3>` does for it: inline the kernels into the loops, clean up,
/// hoist invariants, vectorize, clean up, and inline the masked vector-call
/// wrappers the vectorizer introduced. Measured on this machine against
/// `default<O3>` (set `JITUFUNC_PASSES=default<O3>`): compile of a fresh
/// one-signature kernel 12 ms vs 20 ms (`exp(-x*x)`) and 20 ms vs 30 ms
/// (five-region branchy), with the same run time on every benchmark kernel.
///
/// `instcombine<no-verify-fixpoint>`: as a textual pass, LLVM 19's
/// instcombine otherwise checks that one run reached a fixpoint and aborts
/// the process when it did not (the default pipelines do not check).
///
/// `jump-threading,correlated-propagation`: `a // b` and `a % b` each test
/// `b == 0` and `b == -1`; threading merges the tests so GVN sees one
/// division and the vectorizer can if-convert the loop (int64 `//`+`%`
/// benchmark: 41 ms -> 19 ms; compile time unchanged within noise).
///
/// `loop-rotate`: the loops of a kernel's own `for` statements (gufuncs)
/// test at the top; the vectorizer only takes loops that test at the
/// bottom (a gufunc `out[i] = a * x[i] + y[i]` over rows of 1000: 8.7 ms
/// -> 6.8 ms; compile +0.5 ms on the branchy kernel).
///
/// `loop-unroll<O3;no-partial;no-runtime>` before the vectorizer: loops
/// with a small constant trip count (`for k in range(50)` inside a loop
/// over elements, a fixed number of iterations) are unrolled completely,
/// so the loop around them becomes the innermost and vectorizes, math
/// calls included (as `default<O3>` does; Numba gets the same). Measured
/// by `benchmarks/run.py --only prange jit`: the serial loop of 50
/// `math.sin(x + k)` per element (the `prange-compute` row's note) 13.9 ms
/// for 4e5 elements against Numba's 227 ms; `create_fractal` 0.85x ->
/// 1.03x Numba; the compile rows unchanged within noise.
const PIPELINE: &str = "always-inline,\
function(sroa,early-cse,simplifycfg,instcombine<no-verify-fixpoint>,\
jump-threading,correlated-propagation,simplifycfg,loop(loop-rotate),loop-mssa(licm),gvn,\
simplifycfg,loop-unroll<O3;no-partial;no-runtime>,simplifycfg,instcombine<no-verify-fixpoint>,\
loop-simplify,lcssa,loop-vectorize,instcombine<no-verify-fixpoint>,simplifycfg,adce,\
div-rem-pairs),\
always-inline,globaldce";

thread_local! {
    /// The host target machine, built once per thread (TargetMachine is not
    /// `Sync`).
    static MACHINE: std::cell::RefCell<Option<TargetMachine>> = const { std::cell::RefCell::new(None) };
}

/// Verifies, optimises (`PIPELINE`) for the host and emits an object file.
pub fn optimize_and_emit(
    module: &Module<'_>,
    options: EmitOptions,
    timings: &mut Timings,
) -> Result<Emitted> {
    MACHINE.with(|m| {
        let mut m = m.borrow_mut();
        if m.is_none() {
            *m = Some(host_target_machine()?);
        }
        optimize_and_emit_with(module, options, m.as_ref().expect("set above"), timings)
    })
}

fn optimize_and_emit_with(
    module: &Module<'_>,
    options: EmitOptions,
    machine: &TargetMachine,
    timings: &mut Timings,
) -> Result<Emitted> {
    prepare_module(module, machine);
    module.verify().map_err(|e| {
        CompileError::internal(format!(
            "generated LLVM IR failed verification: {}",
            e.to_string()
        ))
    })?;
    timings.lap("verify");
    let name = module.get_name().to_string_lossy().into_owned();
    dump::dump(DumpStage::LlvmUnoptimized, &name, || {
        module.print_to_string().to_string()
    });
    crate::codegen::masked::complete(module, machine)?;
    timings.lap("masked");
    let pass_options = PassBuilderOptions::create();
    pass_options.set_loop_vectorization(true);
    pass_options.set_loop_slp_vectorization(false);
    pass_options.set_loop_unrolling(true);
    pass_options.set_merge_functions(false);
    // JITUFUNC_PASSES replaces the pipeline (e.g. `default<O3>`) to measure
    // the two against each other; it is a developer knob, not an API.
    let passes = std::env::var("JITUFUNC_PASSES").unwrap_or_else(|_| PIPELINE.to_owned());
    module
        .run_passes(&passes, machine, pass_options)
        .map_err(|e| CompileError::internal(format!("LLVM optimisation failed: {e}")))?;
    // The vectorizer has run: vector variants no longer need pinning, and
    // the unused ones should not be code-generated.
    delete_unused_variants(module);
    crate::engine::huge::mark_huge_functions(module);
    timings.lap("optimize");
    dump::dump(DumpStage::Llvm, &name, || {
        module.print_to_string().to_string()
    });
    let llvm_ir = options
        .keep_llvm_ir
        .then(|| module.print_to_string().to_string());
    let asm = if options.keep_asm || dump::enabled(DumpStage::Asm) {
        let buffer = machine
            .write_to_memory_buffer(module, FileType::Assembly)
            .map_err(|e| CompileError::internal(format!("LLVM assembly output failed: {e}")))?;
        let text = String::from_utf8_lossy(buffer.as_slice()).into_owned();
        dump::dump(DumpStage::Asm, &name, || text.clone());
        Some(text)
    } else {
        None
    };
    let buffer = machine
        .write_to_memory_buffer(module, FileType::Object)
        .map_err(|e| CompileError::internal(format!("LLVM code generation failed: {e}")))?;
    timings.lap("codegen");
    Ok(Emitted {
        object: buffer.as_slice().to_vec(),
        llvm_ir,
        asm,
    })
}

/// Makes the vector variants defined in the module internal again
/// (`Codegen::finish_vector_decls`) and deletes the internal functions
/// nothing calls any more (the variants the vectorizer did not use, and
/// those it used, now inlined), until none is left: what `globaldce` did
/// for them, without the fixed cost of a second pass pipeline (about a
/// third of a small kernel's optimisation time).
fn delete_unused_variants(module: &Module<'_>) {
    use inkwell::attributes::AttributeLoc;
    use inkwell::module::Linkage;
    use inkwell::values::BasicValue;
    for f in module.get_functions() {
        if f.get_string_attribute(
            AttributeLoc::Function,
            crate::codegen::context::VECTOR_VARIANT,
        )
        .is_some()
        {
            f.remove_string_attribute(
                AttributeLoc::Function,
                crate::codegen::context::VECTOR_VARIANT,
            );
            f.set_linkage(Linkage::Internal);
        }
    }
    loop {
        let unused: Vec<_> = module
            .get_functions()
            .filter(|f| {
                f.count_basic_blocks() > 0
                    && f.get_linkage() == Linkage::Internal
                    && f.as_global_value()
                        .as_pointer_value()
                        .get_first_use()
                        .is_none()
            })
            .collect();
        if unused.is_empty() {
            return;
        }
        for f in unused {
            // SAFETY: the function is internal and has no uses (not even
            // in a constant), so nothing in or outside the module refers
            // to it.
            unsafe { f.delete() };
        }
    }
}

/// Optimises, emits and links `module`, returning the addresses of `symbols`.
pub fn compile_module(
    module: &Module<'_>,
    symbols: &[String],
    options: EmitOptions,
    timings: &mut Timings,
) -> Result<(LoadedCode, Emitted)> {
    let emitted = optimize_and_emit(module, options, timings)?;
    let code = load_object(&emitted.object, symbols)?;
    timings.lap("link");
    Ok((code, emitted))
}
