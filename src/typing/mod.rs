//! Typing: from untyped IR and a signature to a typed `Program`.
//!
//! `type_kernel` infers types (`infer`), then rebuilds the function in typed
//! form (`materialize`). Calls of other kernels are typed on demand for the
//! argument types they receive (`ProgramBuilder::instantiate`), once per
//! distinct argument types, and become functions of the same program.

pub mod array_calls;
pub mod arrays;
mod calls;
mod emit;
mod infer;
mod materialize;
pub mod rules;

use std::collections::HashMap;
use std::sync::Arc;

use crate::error::{CompileError, ErrorKind, Result};
use crate::ir::verifier;
use crate::ir::Stage;
use crate::ir::{FuncId, Function, Op};
use crate::lower::lower_function;
use crate::syntax::FunctionDef;
use crate::types::{Scalar, Signature, Type};

pub use emit::Emit;

/// Typed functions: the kernel being compiled and every kernel it calls.
#[derive(Debug, Clone)]
pub struct Program {
    pub functions: Vec<Function>,
    pub entry: FuncId,
}

impl Program {
    pub fn entry(&self) -> &Function {
        &self.functions[self.entry.index()]
    }
    pub fn function(&self, id: FuncId) -> &Function {
        &self.functions[id.index()]
    }
}

impl std::fmt::Display for Program {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, func) in self.functions.iter().enumerate() {
            writeln!(f, "# {}", FuncId::from_index(i))?;
            write!(f, "{func}")?;
        }
        Ok(())
    }
}

/// Collects typed functions while typing a kernel and its callees.
#[derive(Default)]
pub struct ProgramBuilder {
    functions: Vec<Option<Function>>,
    instances: HashMap<(usize, Vec<Type>), (FuncId, Type)>,
    lowered: HashMap<usize, Arc<Function>>,
    /// Keeps callee definitions alive so their addresses stay unique keys.
    defs: Vec<Arc<FunctionDef>>,
}

impl ProgramBuilder {
    fn reserve(&mut self) -> FuncId {
        self.functions.push(None);
        FuncId::from_index(self.functions.len() - 1)
    }

    fn lowered(&mut self, def: &Arc<FunctionDef>) -> Result<Arc<Function>> {
        let key = Arc::as_ptr(def) as usize;
        if let Some(f) = self.lowered.get(&key) {
            return Ok(f.clone());
        }
        let f = Arc::new(lower_function(def).map_err(|e| e.with_source(&def.source))?);
        self.defs.push(def.clone());
        self.lowered.insert(key, f.clone());
        Ok(f)
    }

    /// Types kernel `def` for argument types `args` (once per distinct
    /// types); returns its id and return type.
    pub fn instantiate(&mut self, def: &Arc<FunctionDef>, args: &[Type]) -> Result<(FuncId, Type)> {
        let key = (Arc::as_ptr(def) as usize, args.to_vec());
        if let Some((id, ret)) = self.instances.get(&key) {
            if self.functions[id.index()].is_none() {
                return Err(CompileError::new(
                    ErrorKind::Unsupported,
                    format!(
                        "recursive kernel calls are not supported ('{}' calls itself)",
                        def.name
                    ),
                ));
            }
            return Ok((*id, ret.clone()));
        }
        if args.len() != def.params.len() {
            return Err(CompileError::new(
                ErrorKind::Typing,
                format!(
                    "kernel '{}' takes {} arguments but is called with {}",
                    def.name,
                    def.params.len(),
                    args.len()
                ),
            ));
        }
        let untyped = self.lowered(def)?;
        let id = self.reserve();
        self.instances.insert(key.clone(), (id, Type::Unknown));
        let typed =
            type_function(&untyped, args, None, self).map_err(|e| e.with_source(&def.source))?;
        let ret = typed.ret.clone();
        self.functions[id.index()] = Some(typed);
        self.instances.insert(key, (id, ret.clone()));
        Ok((id, ret))
    }

    fn finish(self, entry: FuncId) -> Program {
        Program {
            functions: self
                .functions
                .into_iter()
                .map(|f| f.expect("every reserved function was typed"))
                .collect(),
            entry,
        }
    }
}

/// Types one untyped function for parameter types `params`.
fn type_function(
    f: &Function,
    params: &[Type],
    ret: Option<&Type>,
    ctx: &mut ProgramBuilder,
) -> Result<Function> {
    let types = infer::infer(f, params, ctx)?;
    let mut typed = materialize::materialize(f, &types, params, ret, ctx)?;
    verifier::check(&typed, Stage::Typed, "typing")?;
    crate::ir::refcount::insert(&mut typed);
    verifier::check(&typed, Stage::Typed, "refcount")?;
    Ok(typed)
}

/// Types the kernel `def` (already lowered to `untyped`) for `sig`.
/// The dtypes `def` returns for the argument types of `args` (a Python
/// number counts as its default dtype), or `None` when it returns something
/// else (nothing, arrays), which compiling it reports properly.
pub fn returned_dtypes(def: &Arc<FunctionDef>, args: Vec<Type>) -> Result<Option<Vec<Scalar>>> {
    let sig = Signature { args, ret: None };
    let untyped = lower_function(def).map_err(|e| e.with_source(&def.source))?;
    let program = type_kernel(def, &untyped, &sig)?;
    let dtype = |t: &Type| match t {
        Type::Scalar(s) => Some(*s),
        Type::Weak(w) => Some(w.default_scalar()),
        _ => None,
    };
    Ok(match &program.entry().ret {
        Type::Tuple(items) => items.iter().map(dtype).collect(),
        t => dtype(t).map(|s| vec![s]),
    })
}

pub fn type_kernel(def: &Arc<FunctionDef>, untyped: &Function, sig: &Signature) -> Result<Program> {
    if sig.args.len() != def.params.len() {
        return Err(CompileError::new(
            ErrorKind::Signature,
            format!(
                "signature '{sig}' has {} argument{} but '{}' takes {}",
                sig.args.len(),
                if sig.args.len() == 1 { "" } else { "s" },
                def.name,
                def.params.len()
            ),
        ));
    }
    let mut ctx = ProgramBuilder::default();
    let entry = ctx.reserve();
    let typed = type_function(untyped, &sig.args, sig.ret.as_ref(), &mut ctx)
        .map_err(|e| e.with_source(&def.source))?;
    ctx.functions[entry.index()] = Some(typed);
    let program = ctx.finish(entry);
    verifier::check_calls(&program.functions, "typing")?;
    Ok(program)
}

/// Applies the typing rule of an untyped operation of `f`.
pub(crate) fn type_inst<E: Emit>(
    e: &mut E,
    f: &Function,
    op: &Op,
    args: Vec<E::V>,
) -> Result<Option<E::V>> {
    let mut it = args.into_iter();
    let mut next = || it.next().expect("operand count checked by the verifier");
    Ok(Some(match op {
        Op::Const(c, t) => e.constant(*c, t.clone())?,
        Op::Binary(b) => {
            let (a, c) = (next(), next());
            rules::binary(e, *b, a, c)?
        }
        Op::Unary(u) => rules::unary(e, *u, next())?,
        Op::Compare(c) => {
            let (a, b) = (next(), next());
            rules::compare(e, *c, a, b)?
        }
        Op::Truth => rules::truth(e, next())?,
        Op::Call(c) => {
            let args: Vec<E::V> = std::iter::from_fn(|| it.next()).collect();
            calls::call(e, *c, args)?
        }
        Op::CallKernel(k) => {
            let args: Vec<E::V> = std::iter::from_fn(|| it.next()).collect();
            e.call_kernel(f.kernel(*k), args)?
        }
        Op::Attr(a) => rules::attr(e, *a, next())?,
        Op::MakeTuple => {
            let args: Vec<E::V> = std::iter::from_fn(|| it.next()).collect();
            rules::make_tuple(e, args)?
        }
        Op::TupleGet(i) => rules::tuple_get(e, next(), *i as i128)?,
        Op::GetItem => {
            let array = next();
            let index: Vec<E::V> = std::iter::from_fn(|| it.next()).collect();
            rules::get_item(e, array, index)?
        }
        Op::SetItem => {
            let array = next();
            let mut rest: Vec<E::V> = std::iter::from_fn(|| it.next()).collect();
            let value = rest.pop().expect("setitem has a value");
            arrays::store(e, array, rest, value)?;
            return Ok(None);
        }
        Op::Len => arrays::len(e, next())?,
        Op::Slice => {
            let (start, stop, step) = (next(), next(), next());
            arrays::slice(e, start, stop, step)?
        }
        Op::Range(r) => {
            let args: Vec<E::V> = std::iter::from_fn(|| it.next()).collect();
            rules::range_op(e, *r, args)?
        }
        Op::Print(format) => {
            let args: Vec<E::V> = std::iter::from_fn(|| it.next()).collect();
            rules::print(e, format, args)?;
            return Ok(None);
        }
        Op::Undef
        | Op::Cast
        | Op::TupleItem
        | Op::Select
        | Op::MakeComplex
        | Op::Math(_)
        | Op::CallFunc(_)
        | Op::Array(_) => return Err(CompileError::internal(format!("{op} in untyped IR"))),
    }))
}

#[cfg(test)]
mod tests;
