//! Typing: from untyped IR and a signature to a typed `Program`.
//!
//! `type_kernel` infers types (`infer`), then rebuilds the function in typed
//! form (`materialize`). Calls of other kernels are typed on demand for the
//! argument types they receive (`ProgramBuilder::instantiate`), once per
//! distinct argument types, and become functions of the same program.

pub mod array_calls;
pub mod arrays;
mod calls;
mod dicts;
mod elementwise;
mod emit;
mod fuse;
pub mod gufunc;
mod infer;
pub mod lazy;
mod lists;
mod literals;
mod materialize;
pub mod rules;
mod statics;

use std::collections::HashMap;
use std::sync::Arc;

use crate::error::{CompileError, ErrorKind, Result};
use crate::ir::verifier;
use crate::ir::Stage;
use crate::ir::{FuncId, Function, Op};
use crate::lower::lower_function;
use crate::syntax::{FunctionDef, KernelTarget};
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

    /// What running the program once more on the same arguments does: the
    /// farthest-reaching `Op::rerun` of its operations (every function's,
    /// so a call of one of them counts as its operations).
    pub fn rerun(&self) -> crate::ir::Rerun {
        self.functions
            .iter()
            .flat_map(|f| f.insts.iter())
            .map(|inst| inst.op.rerun())
            .max()
            .unwrap_or(crate::ir::Rerun::Harmless)
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

/// An instance of a function: its definition (by address) and argument
/// types.
type InstanceKey = (usize, Vec<Type>);

/// Collects typed functions while typing a kernel and its callees.
///
/// Recursion: an instance being typed calls itself; the call's type is the
/// return type known so far (the declared one, or what inference has found
/// on the paths that return without the call), which inference updates
/// until it settles. Mutual recursion (a callee calling back into a
/// function still being typed) is refused.
#[derive(Default)]
pub struct ProgramBuilder {
    functions: Vec<Option<Function>>,
    instances: HashMap<InstanceKey, (FuncId, Type)>,
    lowered: HashMap<usize, Arc<Function>>,
    /// Keeps callee definitions alive so their addresses stay unique keys
    /// (and finds a recursive call's definition by identity).
    defs: Vec<Arc<FunctionDef>>,
    /// The instances being typed, innermost last.
    typing: Vec<InstanceKey>,
    /// Instances whose return type a signature declares.
    declared: std::collections::HashSet<InstanceKey>,
    /// The scalar functions of array expressions, by expression and place.
    element_defs: HashMap<String, Arc<FunctionDef>>,
    /// The expression each element function computes (for fusion).
    element_trees: HashMap<FuncId, elementwise::ElemExpr>,
}

/// Instances typed inside one another before giving up (a recursion
/// whose argument types keep changing).
const MAX_NESTED_INSTANCES: usize = 64;

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

    /// The definition a call refers to: a recursive call's is found by
    /// the identity of the function being read when the call was read.
    fn resolve(&self, target: &KernelTarget) -> Result<Arc<FunctionDef>> {
        match target {
            KernelTarget::Def(def) | KernelTarget::Ufunc(def) => Ok(def.clone()),
            KernelTarget::Gufunc(g) => Ok(g.def.clone()),
            KernelTarget::Reading(identity, name) => self
                .defs
                .iter()
                .find(|d| d.identity == Some(*identity))
                .cloned()
                .ok_or_else(|| {
                    CompileError::new(
                        ErrorKind::Unsupported,
                        format!("'{name}' and a function it calls call each other: mutual recursion is not supported (a function calling itself is)"),
                    )
                }),
        }
    }

    /// The element function of array expression `expr` for operands of
    /// types `operands`: its id and the element type it returns.
    pub(crate) fn element_function(
        &mut self,
        expr: &elementwise::ElemExpr,
        operands: &[Type],
        source: &Arc<crate::error::SourceInfo>,
        span: crate::error::Span,
    ) -> Result<(FuncId, Type)> {
        let key = format!("{expr:?}@{span:?}");
        let def = self
            .element_defs
            .entry(key)
            .or_insert_with(|| Arc::new(expr.definition(operands.len(), source, span)))
            .clone();
        let types: Vec<Type> = operands.iter().map(elementwise::element_type).collect();
        let (id, ret) = self.instantiate(&KernelTarget::Def(def), &types)?;
        self.element_trees.insert(id, expr.clone());
        Ok((id, ret))
    }

    /// The expression element function `id` computes.
    pub(crate) fn element_tree(&self, id: FuncId) -> Option<&elementwise::ElemExpr> {
        self.element_trees.get(&id)
    }

    /// The instance inference is typing now, if any.
    pub(crate) fn current(&self) -> Option<&InstanceKey> {
        self.typing.last()
    }

    /// Records the return type inference has found so far for `key`;
    /// returns whether it changed (an instance with a declared return
    /// type keeps it).
    pub(crate) fn settle_return(&mut self, key: &InstanceKey, ret: Type) -> bool {
        match self.instances.get_mut(key) {
            Some((_, t)) if !t.is_known() || (*t != ret && !self.declared.contains(key)) => {
                *t = ret;
                true
            }
            _ => false,
        }
    }

    /// Types kernel `target` for argument types `args` (once per distinct
    /// types); returns its id and return type (for an instance being typed,
    /// the return type known so far, maybe `Unknown`).
    pub fn instantiate(&mut self, target: &KernelTarget, args: &[Type]) -> Result<(FuncId, Type)> {
        let def = self.resolve(target)?;
        let def = &def;
        let key = (Arc::as_ptr(def) as usize, args.to_vec());
        if let Some((id, ret)) = self.instances.get(&key) {
            if self.functions[id.index()].is_none() && self.typing.last() != Some(&key) {
                return Err(CompileError::new(
                    ErrorKind::Unsupported,
                    format!(
                        "'{}' is called back while another function it calls is typed (mutual recursion is not supported; direct recursion is)",
                        def.name
                    ),
                ));
            }
            return Ok((*id, ret.clone()));
        }
        if self.typing.len() >= MAX_NESTED_INSTANCES {
            return Err(CompileError::new(
                ErrorKind::Unsupported,
                format!(
                    "'{}' calls itself with argument types that keep changing; give its signature",
                    def.name
                ),
            ));
        }
        if args.len() != def.params.len() {
            let file = &def.source.filename;
            // jitufunc's Python implementations of methods take the
            // receiver first; Python counts the other arguments.
            let method =
                file.ends_with("_container_methods.py") || file.ends_with("_generator_methods.py");
            let message = if crate::error::is_library_file(file) {
                let skip = usize::from(method);
                format!(
                    "{}() takes at most {} arguments ({} given)",
                    def.name,
                    def.params.len().saturating_sub(skip),
                    args.len().saturating_sub(skip)
                )
            } else {
                format!(
                    "kernel '{}' takes {} arguments but is called with {}",
                    def.name,
                    def.params.len(),
                    args.len()
                )
            };
            return Err(CompileError::new(ErrorKind::Typing, message));
        }
        let untyped = self.lowered(def)?;
        let id = self.reserve();
        self.instances.insert(key.clone(), (id, Type::Unknown));
        self.typing.push(key.clone());
        let typed =
            type_function(&untyped, args, None, self).map_err(|e| e.with_source(&def.source));
        self.typing.pop();
        let typed = match typed {
            Ok(t) => t,
            Err(e) => {
                // Not an instance being typed any more: a later call
                // types it again (and reports the same error).
                self.instances.remove(&key);
                return Err(e);
            }
        };
        let ret = typed.ret.clone();
        self.functions[id.index()] = Some(typed);
        self.instances.insert(key, (id, ret.clone()));
        Ok((id, ret))
    }

    /// The program of the typed functions. A slot reserved for an
    /// instance whose typing failed (inference tries calls before their
    /// argument types settle) is dropped, and calls renumbered.
    fn finish(self, entry: FuncId) -> Program {
        // The functions the entry reaches (element functions that fusion
        // replaced are not).
        let mut reachable = vec![false; self.functions.len()];
        let mut stack = vec![entry.index()];
        while let Some(i) = stack.pop() {
            if std::mem::replace(&mut reachable[i], true) {
                continue;
            }
            if let Some(f) = &self.functions[i] {
                for b in &f.blocks {
                    for inst in &b.insts {
                        if let Some(id) = f.inst(*inst).op.callee() {
                            stack.push(id.index());
                        }
                    }
                }
            }
        }
        let mut remap = vec![None; self.functions.len()];
        let mut functions = vec![];
        for (i, f) in self.functions.into_iter().enumerate() {
            if let Some(f) = f.filter(|_| reachable[i]) {
                remap[i] = Some(FuncId::from_index(functions.len()));
                functions.push(f);
            }
        }
        for f in &mut functions {
            for inst in &mut f.insts {
                if let Some(id) = inst.op.callee_mut() {
                    // Instructions fusion removed from their blocks may
                    // name dropped functions; they are never emitted.
                    if let Some(new) = remap[id.index()] {
                        *id = new;
                    }
                }
            }
        }
        Program {
            functions,
            entry: remap[entry.index()].expect("the entry was typed"),
        }
    }
}

/// Whether `target` is a `@vectorize` kernel.
fn is_ufunc_kernel(target: &KernelTarget) -> bool {
    matches!(target, KernelTarget::Ufunc(_))
}

/// `args` of a call of `target`, completed with the default values of
/// the parameters the call leaves out.
fn with_defaults<E: Emit>(
    e: &mut E,
    target: &KernelTarget,
    mut args: Vec<E::V>,
) -> Result<Vec<E::V>> {
    let (KernelTarget::Def(def) | KernelTarget::Ufunc(def)) = target else {
        return Ok(args);
    };
    let n = def.params.len();
    let first_default = n - def.defaults;
    if args.len() >= n || args.len() < first_default {
        return Ok(args);
    }
    for k in args.len()..n {
        match def.default_values.get(k - first_default).cloned().flatten() {
            Some((c, t)) => args.push(e.constant(c, t)?),
            None => {
                return Err(e.unsupported(format!(
                    "the default value of parameter '{}' of '{}' is not a number or None: calls from compiled code must pass it",
                    def.params[k].name, def.name
                )))
            }
        }
    }
    Ok(args)
}

/// Types one untyped function for parameter types `params`.
fn type_function(
    f: &Function,
    params: &[Type],
    ret: Option<&Type>,
    ctx: &mut ProgramBuilder,
) -> Result<Function> {
    let inferred = infer::infer(f, params, ctx)?;
    let mut typed = materialize::materialize(f, &inferred, params, ret, ctx)?;
    fuse::fuse(&mut typed, ctx)?;
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
    // The entry is an instance too, so that it may call itself.
    let key = (Arc::as_ptr(def) as usize, sig.args.clone());
    ctx.defs.push(def.clone());
    ctx.lowered.insert(key.0, Arc::new(untyped.clone()));
    let declared = sig.ret.clone().unwrap_or(Type::Unknown);
    if sig.ret.is_some() {
        ctx.declared.insert(key.clone());
    }
    ctx.instances.insert(key.clone(), (entry, declared));
    ctx.typing.push(key);
    let typed = type_function(untyped, &sig.args, sig.ret.as_ref(), &mut ctx)
        .map_err(|e| e.with_source(&def.source))?;
    ctx.typing.pop();
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
            let target = f.kernel(*k);
            if let KernelTarget::Gufunc(g) = target {
                return Ok(Some(gufunc::call::call(e, g, args)?));
            }
            if is_ufunc_kernel(target) && elementwise::any_array(e, &args) {
                // A @vectorize kernel on arrays works as its ufunc does.
                return Ok(Some(elementwise::elementwise(
                    e,
                    elementwise::ElemNode::Kernel(target.clone()),
                    args,
                )?));
            }
            let args = with_defaults(e, target, args)?;
            e.call_kernel(target, args)?
        }
        Op::Prange(k, reducers) => {
            let args: Vec<E::V> = std::iter::from_fn(|| it.next()).collect();
            e.parallel_for(f.kernel(*k), args, reducers.clone())?
        }
        Op::CallValue => {
            let callee = next();
            let args: Vec<E::V> = std::iter::from_fn(|| it.next()).collect();
            match e.ty(&callee) {
                Type::Function(r) => {
                    let target = crate::syntax::function_value::get(r);
                    if let KernelTarget::Gufunc(g) = &target {
                        return Ok(Some(gufunc::call::call(e, g, args)?));
                    }
                    let args = with_defaults(e, &target, args)?;
                    e.call_kernel(&target, args)?
                }
                // `a.dtype.type(x)`: as `np.float32(x)`.
                Type::DType(s) => calls::call(e, crate::builtins::Callee::DType(s), args)?,
                t => {
                    let what = e
                        .value_name(&callee)
                        .map(|n| format!("'{n}'"))
                        .unwrap_or_else(|| "this value".into());
                    return Err(e.error(format!(
                        "{what} is not callable: it is a value of type {t} (functions passed as arguments must be @jit functions or jitufunc ufuncs)"
                    )));
                }
            }
        }
        Op::Attr(a) => rules::attr(e, *a, next())?,
        Op::Unpack(n) => {
            rules::unpack(e, next(), *n)?;
            return Ok(None);
        }
        Op::MakeTuple => {
            let args: Vec<E::V> = std::iter::from_fn(|| it.next()).collect();
            rules::make_tuple(e, args)?
        }
        Op::TupleGet(i) => rules::tuple_get(e, next(), *i as i128)?,
        Op::NewList(origin) => {
            let items: Vec<E::V> = std::iter::from_fn(|| it.next()).collect();
            lists::literal(e, *origin, items)?
        }
        Op::NewDict(origin) => {
            let items: Vec<E::V> = std::iter::from_fn(|| it.next()).collect();
            dicts::literal(e, *origin, items)?
        }
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
        Op::Len => {
            let v = next();
            match e.ty(&v) {
                Type::Dict(..) => dicts::compact(e, v)?,
                _ => arrays::len(e, v)?,
            }
        }
        Op::IterItem => {
            let (v, k) = (next(), next());
            match e.ty(&v) {
                Type::Dict(..) => dicts::entry(e, dicts::View::Keys, v, k)?,
                _ => rules::get_item(e, v, vec![k])?,
            }
        }
        Op::InPlace(op) => {
            let (a, b) = (next(), next());
            match e.ty(&a) {
                Type::Array(_) => arrays::in_place(e, *op, a, b)?,
                Type::List(_) => match lists::operator(e, *op, a.clone(), b.clone(), true)? {
                    Some(r) => r,
                    None => rules::binary(e, *op, a, b)?,
                },
                _ => rules::binary(e, *op, a, b)?,
            }
        }
        Op::Slice => {
            let (start, stop, step) = (next(), next(), next());
            arrays::slice(e, start, stop, step)?
        }
        Op::Range(r) => {
            let args: Vec<E::V> = std::iter::from_fn(|| it.next()).collect();
            rules::range_op(e, *r, args)?
        }
        Op::Frozen(a) => arrays::frozen(e, a)?,
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
        | Op::Random(_)
        | Op::CallFunc(_)
        | Op::ParallelFor(..)
        | Op::CallC(_)
        | Op::Map(_)
        | Op::MapInto(_)
        | Op::Reduce(..)
        | Op::ReduceAxis(..)
        | Op::Gufunc(..)
        | Op::Array(_)
        | Op::List(_)
        | Op::Dict(_) => return Err(CompileError::internal(format!("{op} in untyped IR"))),
    }))
}

#[cfg(test)]
mod tests;
