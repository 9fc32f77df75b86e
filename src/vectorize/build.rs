//! Everything `@vectorize` does between reading the kernel and creating the
//! ufunc: parse signatures, compile all loops, check they agree on the
//! number of inputs and outputs, and put them in registration order.

use std::sync::Arc;

use super::compile::{compile_elementwise, CodegenOptions, CompiledLoops, LoopInfo};
use super::order::order_loops;
use crate::engine::object::EmitOptions;
use crate::error::{CompileError, ErrorKind, Result};
use crate::syntax::FunctionDef;
use crate::types::parse_signature;

/// Compiled loops ready to become a ufunc.
pub struct PreparedUfunc {
    pub nin: usize,
    pub nout: usize,
    /// In registration order.
    pub loops: Vec<LoopInfo>,
    pub compiled: CompiledLoops,
}

pub fn prepare(
    def: &Arc<FunctionDef>,
    signatures: &[String],
    options: CodegenOptions,
    emit: EmitOptions,
) -> Result<PreparedUfunc> {
    if signatures.is_empty() {
        return Err(CompileError::new(
            ErrorKind::Signature,
            "no signatures given; pass at least one, e.g. vectorize([\"float64(float64)\"])",
        ));
    }
    let sigs = signatures
        .iter()
        .map(|s| parse_signature(s))
        .collect::<Result<Vec<_>>>()?;
    let mut compiled = compile_elementwise(def, &sigs, options, emit)?;
    let (nin, nout) = (
        compiled.loops[0].inputs.len(),
        compiled.loops[0].outputs.len(),
    );
    for (l, text) in compiled.loops.iter().zip(signatures) {
        if l.inputs.len() != nin || l.outputs.len() != nout {
            return Err(CompileError::new(
                ErrorKind::Signature,
                format!(
                    "signature {text:?} has {} inputs and {} outputs but {:?} has {nin} and {nout}; all signatures of a ufunc must agree",
                    l.inputs.len(),
                    l.outputs.len(),
                    signatures[0]
                ),
            ));
        }
    }
    let inputs: Vec<_> = compiled.loops.iter().map(|l| l.inputs.clone()).collect();
    let order = order_loops(&inputs)?;
    let loops = order.iter().map(|&i| compiled.loops[i].clone()).collect();
    compiled.loops.clear();
    Ok(PreparedUfunc {
        nin,
        nout,
        loops,
        compiled,
    })
}
