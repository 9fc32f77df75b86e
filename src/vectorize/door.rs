//! The `@vectorize` front door: a signature of a scalar kernel is checked
//! (scalars in, scalars out), typed, and emitted inside the elementwise
//! ufunc loop (`loops::elementwise`); every loop of one ufunc must agree on
//! the number of inputs and outputs.

use std::sync::Arc;

use crate::codegen::fpstatus::FlagMode;
use crate::codegen::function::emit_program;
use crate::codegen::Codegen;
use crate::driver::{FrontDoor, LoopInfo, TypedEntry};
use crate::error::{CompileError, ErrorKind, Result};
use crate::ir::{Function, Rerun};
use crate::loops::deferred::{DeferredExact, Pending};
use crate::loops::elementwise::{self, ElementwiseLoop};
use crate::syntax::FunctionDef;
use crate::types::{Scalar, Signature, Type};
use crate::typing::{type_kernel, Program};

/// `@vectorize`: scalar kernels in elementwise ufunc loops.
#[derive(Clone, Copy, Debug, Default)]
pub struct Elementwise;

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

/// Checks that `sig` takes and returns scalars.
fn check_scalars(sig: &Signature) -> Result<()> {
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
    Ok(())
}

impl FrontDoor for Elementwise {
    fn symbol_tag(&self) -> &'static str {
        ""
    }

    fn cache_tag(&self) -> String {
        "elementwise".into()
    }

    fn example(&self) -> &'static str {
        "vectorize([\"float64(float64)\"])"
    }

    fn check_kernel(&self, def: &FunctionDef) -> Result<()> {
        crate::typing::arrays::check_ufunc_kernel(def)
    }

    fn type_entry<'a>(
        &'a self,
        def: &Arc<FunctionDef>,
        untyped: &Function,
        sig: &Signature,
        _text: &str,
    ) -> Result<Box<dyn TypedEntry + 'a>> {
        check_scalars(sig)?;
        let program = type_kernel(def, untyped, sig)?;
        let (inputs, outputs) = loop_types(sig, &program)?;
        Ok(Box::new(TypedLoop {
            signature: sig.clone(),
            program,
            inputs,
            outputs,
            driven: std::cell::OnceCell::new(),
        }))
    }

    fn check_entries(&self, loops: &[LoopInfo], texts: &[String]) -> Result<()> {
        let (nin, nout) = (loops[0].inputs.len(), loops[0].outputs.len());
        for (l, text) in loops.iter().zip(texts) {
            if l.inputs.len() != nin || l.outputs.len() != nout {
                return Err(CompileError::new(
                    ErrorKind::Signature,
                    format!(
                        "signature {text:?} has {} inputs and {} outputs but {:?} has {nin} and {nout}; all signatures of a ufunc must agree",
                        l.inputs.len(),
                        l.outputs.len(),
                        texts[0]
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// One signature, typed: the kernel and its loop's dtypes.
struct TypedLoop {
    signature: Signature,
    program: Program,
    inputs: Vec<Scalar>,
    outputs: Vec<Scalar>,
    /// The slot of the loop when it is driven (`loops::driven`): its
    /// symbol is then the chunk function, and NumPy calls the driver.
    driven: std::cell::OnceCell<Arc<DeferredExact>>,
}

impl TypedEntry for TypedLoop {
    fn program(&self) -> &Program {
        &self.program
    }

    fn emit<'ctx>(&self, cg: &mut Codegen<'ctx>, prefix: &str, symbol: &str) -> Result<()> {
        let may_raise = self.program.functions.iter().any(|f| {
            f.blocks
                .iter()
                .any(|b| matches!(b.term, crate::ir::Terminator::Raise(_)))
        });
        let tracked = cg.fast_math.0 == 0;
        // The range function (strided calls, and with flags tracked the
        // chunks that met a non-finite value) can be compiled when a call
        // first needs it. With flags tracked, the exact kernel runs only
        // there; under fast-math the vector path runs the same kernel.
        // Whether running the kernel once more on an element's values
        // changes nothing anyone can see: the driven loop then pads short
        // tails with copies of an element (`elementwise::chunk_group`; not
        // for kernels that raise), and a chunk whose fast pass met a
        // non-finite value may be redone exactly (`ElementwiseLoop::redo`).
        let repeats = self.program.rerun() == Rerun::Harmless;
        let group =
            elementwise::chunk_group(cg, &self.inputs, &self.outputs, repeats && !may_raise);
        let deferred = cg.defer_exact.then(|| {
            DeferredExact::new(
                Pending {
                    name: symbol.to_string(),
                    prefix: prefix.to_string(),
                    program: self.program.clone(),
                    inputs: self.inputs.clone(),
                    outputs: self.outputs.clone(),
                    may_raise,
                    options: cg.options(),
                },
                group,
                repeats,
            )
        });
        let fast_kernel = if tracked {
            Some(emit_program(
                cg,
                &self.program,
                &format!("{prefix}.fast"),
                FlagMode::Taint,
            )?)
        } else {
            None
        };
        let kernel = match (&deferred, fast_kernel) {
            // Not called in this module.
            (Some(_), Some(fast)) => fast,
            _ => emit_program(cg, &self.program, prefix, FlagMode::Exact)?,
        };
        let spec = ElementwiseLoop {
            name: symbol.to_string(),
            inputs: self.inputs.clone(),
            outputs: self.outputs.clone(),
            kernel,
            fast_kernel,
            may_raise,
            has_loops: self.program.functions.iter().any(|f| f.has_cycle()),
            deferred: deferred.as_ref().map(DeferredExact::address),
            group,
            redo: repeats,
        };
        if let Some(slot) = deferred {
            if elementwise::is_driven(cg, &spec) {
                let _ = self.driven.set(Arc::clone(&slot));
            }
            cg.companions.push(slot);
        }
        elementwise::emit(cg, &spec)?;
        Ok(())
    }

    fn finish(self: Box<Self>, symbol: String, address: usize) -> Result<LoopInfo> {
        let mut signature = self.signature;
        // The loop's output dtypes, not Python types (`pyfloat`).
        let ret = match &self.program.entry().ret {
            Type::Tuple(items) => Type::Tuple(
                self.outputs
                    .iter()
                    .map(|s| Type::Scalar(*s))
                    .take(items.len())
                    .collect(),
            ),
            _ => Type::Scalar(self.outputs[0]),
        };
        signature.ret = Some(ret);
        // A driven loop's symbol is its chunk function.
        let (address, data) = match self.driven.get() {
            Some(slot) => {
                slot.set_chunk(address);
                (
                    crate::loops::driven::elementwise_loop as *const () as usize,
                    slot.address(),
                )
            }
            None => (address, 0),
        };
        Ok(LoopInfo {
            inputs: self.inputs,
            outputs: self.outputs,
            address,
            data,
            signature,
            typed_ir: self.program.to_string(),
            symbol,
        })
    }
}
