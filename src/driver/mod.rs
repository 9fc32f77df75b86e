//! The one compile driver: lower the kernel once, type it for each
//! signature, emit every signature into one LLVM module, optimise and emit
//! that module once, link it (or take it from the on-disk cache).
//!
//! Front doors (`vectorize`, `guvectorize`, and next `jit`) implement
//! `FrontDoor`: how a signature is checked and typed, and the wrapper each
//! typed kernel is emitted in (the elementwise ufunc loop, the gufunc loop,
//! an entry function with a native calling convention). Everything else
//! (timings, dumps, symbol naming, module creation, loop order, caching)
//! is here, once. The result types are in `compiled`, the store of
//! compiled code that lazy ufuncs and dispatchers grow in `library`, the
//! order NumPy sees loops in `order`.

pub mod compiled;
pub mod library;
pub mod order;

use std::sync::Arc;

use inkwell::context::Context;

pub use crate::codegen::CodegenOptions;
use crate::codegen::{next_module_id, symbol_safe, Codegen};
use crate::dump::{dump, DumpStage, Timings};
use crate::engine::object::compile_module;
pub use crate::engine::object::EmitOptions;
use crate::error::{CompileError, ErrorKind, Result};
use crate::ir::Function;
use crate::lower::lower_function;
use crate::syntax::FunctionDef;
use crate::types::{parse_signature, Signature};
use crate::typing::Program;
pub use compiled::{CompiledLoops, LoopInfo};

/// One signature of a kernel, checked and typed by its front door, ready
/// to be emitted.
pub trait TypedEntry {
    /// The typed kernel (for `JITUFUNC_DUMP=typed` and `inspect_types`).
    fn program(&self) -> &Program;

    /// Emits the kernel and the wrapper around it into `cg`: the wrapper is
    /// exported as `symbol`, internal functions are named under `prefix`.
    fn emit<'ctx>(&self, cg: &mut Codegen<'ctx>, prefix: &str, symbol: &str) -> Result<()>;

    /// What the entry is once linked at `address`.
    fn finish(self: Box<Self>, symbol: String, address: usize) -> Result<LoopInfo>;
}

/// What a front door supplies to the driver.
pub trait FrontDoor: Sync {
    /// Tells the symbols of this kind of entry apart (`""`, `"gu"`).
    fn symbol_tag(&self) -> &'static str;

    /// What besides the kernel, its signatures and the codegen options the
    /// machine code depends on (a gufunc's layout, ...): part of the key of
    /// the on-disk cache.
    fn cache_tag(&self) -> String;

    /// A call that gives signatures, for the error when none are given.
    fn example(&self) -> &'static str;

    /// Rejects what this front door does not support anywhere in the kernel
    /// (checked when it is decorated, before any signature is known, and
    /// by `compile`).
    fn check_kernel(&self, _def: &FunctionDef) -> Result<()> {
        Ok(())
    }

    /// Checks signature `sig` (written `text`) against the kernel `def`
    /// (lowered once as `untyped`) and types it.
    fn type_entry<'a>(
        &'a self,
        def: &Arc<FunctionDef>,
        untyped: &Function,
        sig: &Signature,
        text: &str,
    ) -> Result<Box<dyn TypedEntry + 'a>>;

    /// Checks that the compiled entries fit together (one ufunc's loops
    /// must agree on the number of operands). `texts` are their signatures
    /// as written, in the same order.
    fn check_entries(&self, _entries: &[LoopInfo], _texts: &[String]) -> Result<()> {
        Ok(())
    }

    /// The order the entries are kept in (indices into `entries`): for a
    /// ufunc, the order NumPy tries its loops in (`order::order_loops`).
    fn order(&self, entries: &[LoopInfo]) -> Result<Vec<usize>> {
        let inputs: Vec<_> = entries.iter().map(|l| l.inputs.clone()).collect();
        order::order_loops(&inputs)
    }
}

/// Compiles `def` for every signature (`texts` are the signatures as the
/// user wrote them, for messages): the entries come back in the order of
/// `signatures`, all in one object.
pub fn compile(
    door: &dyn FrontDoor,
    def: &Arc<FunctionDef>,
    signatures: &[Signature],
    texts: &[String],
    options: CodegenOptions,
    emit: EmitOptions,
) -> Result<CompiledLoops> {
    compile_with(door, def, signatures, texts, options, emit, false)
}

/// `compile`; `defer`: parts of the loops that only some calls need
/// (`loops::deferred`) are compiled when a call first needs them. The
/// object then holds this process's addresses: it must not be cached.
pub fn compile_with(
    door: &dyn FrontDoor,
    def: &Arc<FunctionDef>,
    signatures: &[Signature],
    texts: &[String],
    options: CodegenOptions,
    emit: EmitOptions,
    defer: bool,
) -> Result<CompiledLoops> {
    let mut timings = Timings::start();
    door.check_kernel(def)?;
    let untyped = lower_function(def).map_err(|e| e.with_source(&def.source))?;
    timings.lap("lower");
    let mut typed = vec![];
    for (sig, text) in signatures.iter().zip(texts) {
        let entry = door.type_entry(def, &untyped, sig, text)?;
        dump(DumpStage::Typed, &format!("{} {sig}", def.name), || {
            entry.program().to_string()
        });
        typed.push(entry);
    }
    timings.lap("type");
    let id = next_module_id();
    let tag = door.symbol_tag();
    let context = Context::create();
    let mut cg = Codegen::for_host(&context, &def.name, options)?;
    cg.defer_exact = defer;
    let mut symbols = vec![];
    for (k, entry) in typed.iter().enumerate() {
        let prefix = format!("jitufunc.{tag}{id}.{k}");
        let symbol = format!("jitufunc_{tag}{id}_{}_loop{k}", symbol_safe(&def.name));
        entry.emit(&mut cg, &prefix, &symbol)?;
        symbols.push(symbol);
    }
    cg.finish_vector_decls();
    timings.lap("llvm-ir");
    let (mut code, emitted) = compile_module(&cg.module, &symbols, emit, &mut timings)?;
    code.companions = std::mem::take(&mut cg.companions);
    timings.report(&def.name);
    let loops = typed
        .into_iter()
        .zip(symbols)
        .zip(&code.addresses)
        .map(|((entry, symbol), address)| entry.finish(symbol, *address))
        .collect::<Result<Vec<_>>>()?;
    Ok(CompiledLoops {
        loops,
        code: Arc::new(code),
        llvm_ir: emitted.llvm_ir,
        asm: emitted.asm,
        object: emitted.object,
    })
}

/// Compiles `def` for the signature strings `texts` (through the on-disk
/// cache when `cache` is set and no IR text is asked for), checks that the
/// entries fit together, and returns them in registration order
/// (`FrontDoor::order`) beside the compiled code.
pub fn prepare(
    door: &dyn FrontDoor,
    def: &Arc<FunctionDef>,
    texts: &[String],
    options: CodegenOptions,
    emit: EmitOptions,
    cache: bool,
) -> Result<(Vec<LoopInfo>, CompiledLoops)> {
    if texts.is_empty() {
        return Err(CompileError::new(
            ErrorKind::Signature,
            format!(
                "no signatures given; pass at least one, e.g. {}",
                door.example()
            ),
        ));
    }
    let signatures = texts
        .iter()
        .map(|s| parse_signature(s))
        .collect::<Result<Vec<_>>>()?;
    prepare_signatures(door, def, &signatures, texts, options, emit, cache)
}

/// `prepare` for signatures already parsed (`texts` as written, for
/// messages and the cache key).
pub fn prepare_signatures(
    door: &dyn FrontDoor,
    def: &Arc<FunctionDef>,
    signatures: &[Signature],
    texts: &[String],
    options: CodegenOptions,
    emit: EmitOptions,
    cache: bool,
) -> Result<(Vec<LoopInfo>, CompiledLoops)> {
    let cached = cache && !emit.keep_llvm_ir && !emit.keep_asm;
    // A compile kept as an object (cached) or as text links everything
    // now; any other defers what only some calls need.
    let defer = !cache && !emit.keep_llvm_ir && !emit.keep_asm;
    let build = || {
        let mut compiled = compile_with(door, def, signatures, texts, options, emit, defer)?;
        door.check_entries(&compiled.loops, texts)?;
        let order = door.order(&compiled.loops)?;
        let loops = order.iter().map(|&i| compiled.loops[i].clone()).collect();
        compiled.loops.clear();
        Ok((loops, compiled))
    };
    if cached {
        crate::cache::cached(def, texts, &door.cache_tag(), options, build)
    } else {
        build()
    }
}

/// The untyped IR of `def`, as lowering leaves it (for golden tests and
/// debugging).
pub fn untyped_ir(def: &Arc<FunctionDef>) -> Result<String> {
    let untyped = lower_function(def).map_err(|e| e.with_source(&def.source))?;
    Ok(untyped.to_string())
}

/// The typed IR `door` compiles `def` with for the signature `text` (for
/// golden tests and debugging): the kernel and every kernel it calls.
pub fn typed_ir(door: &dyn FrontDoor, def: &Arc<FunctionDef>, text: &str) -> Result<String> {
    door.check_kernel(def)?;
    let untyped = lower_function(def).map_err(|e| e.with_source(&def.source))?;
    let sig = parse_signature(text)?;
    let entry = door.type_entry(def, &untyped, &sig, text)?;
    Ok(entry.program().to_string())
}
