//! Everything `@guvectorize` does between reading the kernel and creating
//! the gufunc: parse the layout and the signatures, compile every loop,
//! and put the loops in registration order.

use std::sync::Arc;

use super::compile::compile_gufunc;
use super::layout::{parse_layout, Layout};
use crate::engine::object::EmitOptions;
use crate::error::{CompileError, ErrorKind, Result};
use crate::syntax::FunctionDef;
use crate::types::parse_signature;
use crate::vectorize::compile::{CodegenOptions, CompiledLoops, LoopInfo};
use crate::vectorize::order::order_loops;

/// Compiled loops ready to become a gufunc.
pub struct PreparedGufunc {
    pub layout: Layout,
    /// In registration order.
    pub loops: Vec<LoopInfo>,
    pub compiled: CompiledLoops,
}

pub fn prepare(
    def: &Arc<FunctionDef>,
    signatures: &[String],
    layout: &str,
    writable: &[usize],
    options: CodegenOptions,
    emit: EmitOptions,
) -> Result<PreparedGufunc> {
    let layout = parse_layout(layout)?;
    if signatures.is_empty() {
        return Err(CompileError::new(
            ErrorKind::Signature,
            "no signatures given; pass at least one, e.g. guvectorize([\"void(float64[:], float64[:])\"], \"(n)->()\")",
        ));
    }
    let sigs = signatures
        .iter()
        .map(|s| parse_signature(s))
        .collect::<Result<Vec<_>>>()?;
    let mut compiled = compile_gufunc(def, &layout, &sigs, signatures, writable, options, emit)?;
    let inputs: Vec<_> = compiled.loops.iter().map(|l| l.inputs.clone()).collect();
    let order = order_loops(&inputs)?;
    let loops = order.iter().map(|&i| compiled.loops[i].clone()).collect();
    compiled.loops.clear();
    Ok(PreparedGufunc {
        layout,
        loops,
        compiled,
    })
}
