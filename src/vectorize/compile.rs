//! Compiling a scalar kernel for a list of signatures into elementwise ufunc
//! loops: lower once, type per signature, emit every signature into one
//! LLVM module, optimise and link it once.

use std::sync::Arc;

use inkwell::context::Context;

use crate::codegen::fpstatus::FlagMode;
use crate::codegen::function::emit_program;
pub use crate::codegen::CodegenOptions;
use crate::codegen::{next_module_id, symbol_safe, Codegen};
use crate::dump::Timings;
use crate::engine::link::LoadedCode;
use crate::engine::object::{compile_module, EmitOptions};
use crate::error::{CompileError, ErrorKind, Result};
use crate::loops::elementwise::{self, ElementwiseLoop};
use crate::lower::lower_function;
use crate::syntax::FunctionDef;
use crate::types::{Scalar, Signature, Type};
use crate::typing::{type_kernel, Program};

/// One compiled loop: its dtypes and its address in `CompiledLoops::code`.
#[derive(Debug, Clone)]
pub struct LoopInfo {
    pub inputs: Vec<Scalar>,
    pub outputs: Vec<Scalar>,
    pub address: usize,
    /// The signature as written, with the return type filled in.
    pub signature: Signature,
    pub typed_ir: String,
    /// The loop's symbol in the object file.
    pub symbol: String,
}

pub struct CompiledLoops {
    pub loops: Vec<LoopInfo>,
    /// Shared: the on-disk cache hands the same code to every ufunc of
    /// this process made from one entry.
    pub code: Arc<LoadedCode>,
    pub llvm_ir: Option<String>,
    pub asm: Option<String>,
    /// The object file `code` was linked from (for the on-disk cache).
    pub object: Vec<u8>,
}

fn scalar_of(t: &Type, what: &str, sig: &Signature) -> Result<Scalar> {
    match t {
        Type::Scalar(s) => Ok(*s),
        Type::Weak(w) => Ok(w.default_scalar()),
        other => Err(CompileError::new(
            ErrorKind::Signature,
            format!("@vectorize kernels take and return scalars, but signature '{sig}' has {what} of type {other} (use @guvectorize for arrays)"),
        )),
    }
}

fn void_signature(sig: &Signature) -> CompileError {
    CompileError::new(
        ErrorKind::Signature,
        format!("@vectorize kernels must return a value, but '{sig}' returns void (void signatures are for @guvectorize)"),
    )
}

/// Input and output dtypes of a typed kernel.
fn loop_types(sig: &Signature, program: &Program) -> Result<(Vec<Scalar>, Vec<Scalar>)> {
    let inputs = sig
        .args
        .iter()
        .map(|a| scalar_of(a, "an argument", sig))
        .collect::<Result<Vec<_>>>()?;
    let ret = &program.entry().ret;
    let outputs = match ret {
        Type::Tuple(items) => items
            .iter()
            .map(|t| scalar_of(t, "a return value", sig))
            .collect::<Result<Vec<_>>>()?,
        Type::NoneType => return Err(void_signature(sig)),
        t => vec![scalar_of(t, "a return value", sig)?],
    };
    Ok((inputs, outputs))
}

/// Lowers, types and compiles `def` for every signature.
pub fn compile_elementwise(
    def: &Arc<FunctionDef>,
    signatures: &[Signature],
    options: CodegenOptions,
    emit: EmitOptions,
) -> Result<CompiledLoops> {
    let mut timings = Timings::start();
    let untyped = lower_function(def).map_err(|e| e.with_source(&def.source))?;
    timings.lap("lower");
    let mut typed = vec![];
    for sig in signatures {
        for a in &sig.args {
            scalar_of(a, "an argument", sig)?;
        }
        match &sig.ret {
            Some(Type::Tuple(items)) => {
                for t in items {
                    scalar_of(t, "a return value", sig)?;
                }
            }
            Some(Type::NoneType) => return Err(void_signature(sig)),
            Some(r) => {
                scalar_of(r, "a return value", sig)?;
            }
            None => {}
        }
        let program = type_kernel(def, &untyped, sig)?;
        crate::dump::dump(
            crate::dump::DumpStage::Typed,
            &format!("{} {sig}", def.name),
            || program.to_string(),
        );
        let (inputs, outputs) = loop_types(sig, &program)?;
        typed.push((sig, program, inputs, outputs));
    }
    timings.lap("type");
    let id = next_module_id();
    let context = Context::create();
    let mut cg = Codegen::for_host(&context, &def.name, options)?;
    let mut symbols = vec![];
    for (k, (_, program, inputs, outputs)) in typed.iter().enumerate() {
        let prefix = format!("jitufunc.{id}.{k}");
        let kernel = emit_program(&mut cg, program, &prefix, FlagMode::Exact)?;
        let fast_kernel = if options.fast_math.0 == 0 {
            Some(emit_program(
                &mut cg,
                program,
                &format!("{prefix}.fast"),
                FlagMode::Taint,
            )?)
        } else {
            None
        };
        let name = format!("jitufunc_{id}_{}_loop{k}", symbol_safe(&def.name));
        elementwise::emit(
            &mut cg,
            &ElementwiseLoop {
                name: name.clone(),
                inputs: inputs.clone(),
                outputs: outputs.clone(),
                kernel,
                fast_kernel,
            },
        )?;
        symbols.push(name);
    }
    cg.finish_vector_decls();
    timings.lap("llvm-ir");
    let (code, emitted) = compile_module(&cg.module, &symbols, emit, &mut timings)?;
    timings.report(&def.name);
    let loops = typed
        .into_iter()
        .zip(code.addresses.iter().zip(&symbols))
        .map(|((sig, program, inputs, outputs), (address, symbol))| {
            let mut signature = sig.clone();
            // The loop's output dtypes, not Python types (`pyfloat`).
            let ret = match &program.entry().ret {
                Type::Tuple(items) => Type::Tuple(
                    outputs
                        .iter()
                        .map(|s| Type::Scalar(*s))
                        .take(items.len())
                        .collect(),
                ),
                _ => Type::Scalar(outputs[0]),
            };
            signature.ret = Some(ret);
            LoopInfo {
                inputs,
                outputs,
                address: *address,
                signature,
                typed_ir: program.to_string(),
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
