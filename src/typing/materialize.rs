//! Building the typed function from the untyped one and its inferred types:
//! every instruction is re-typed by its rule, which emits typed operations
//! with explicit casts; block arguments are cast to their parameters'
//! types; return values are checked against and cast to the return type.

use super::emit::Emit;
use super::infer::Inferred;
use super::rules::cast;
use super::{type_inst, ProgramBuilder};
use crate::error::{CompileError, ErrorKind, Result, Span};
use crate::ir::{Block, BlockCall, Function, Op, Terminator, Value};
use crate::syntax::{Const, KernelTarget};
use crate::types::{can_cast, Casting, Type};

#[derive(Clone, Copy)]
enum Mapped {
    Missing,
    Value(Value),
    /// A variable read where it was never assigned.
    Undef,
}

struct Builder<'a, 'p> {
    old: &'a Function,
    new: Function,
    map: Vec<Mapped>,
    cur: Block,
    span: Span,
    ctx: &'p mut ProgramBuilder,
    /// What each list and dict literal holds (found by inference).
    literals: super::literals::Literals,
}

impl Emit for Builder<'_, '_> {
    type V = Value;

    fn ty(&self, v: &Value) -> Type {
        self.new.ty(*v).clone()
    }
    fn konst(&self, v: &Value) -> Option<Const> {
        match self.new.def_inst(*v)?.op {
            Op::Const(c, _) => Some(c),
            _ => None,
        }
    }
    fn emit(&mut self, op: Op, args: Vec<Value>, ty: Type) -> Result<Value> {
        Ok(self
            .new
            .push(self.cur, op, args, ty, self.span)
            .expect("value-producing operation"))
    }
    fn emit_effect(&mut self, op: Op, args: Vec<Value>) -> Result<()> {
        self.new.push(self.cur, op, args, Type::NoneType, self.span);
        Ok(())
    }
    fn call_kernel(&mut self, target: &KernelTarget, args: Vec<Value>) -> Result<Value> {
        let types: Vec<Type> = args.iter().map(|a| self.ty(a)).collect();
        let (id, ret) = self.ctx.instantiate(target, &types).map_err(|mut e| {
            // Errors about the call itself point at it; errors inside the
            // callee say where it was called from.
            if e.span.is_none() && e.location.is_none() && self.span.is_known() {
                e.span = Some(self.span);
            } else if e.location.is_some() && e.call_site.is_none() && self.span.is_known() {
                e.call_site = Some(self.span);
            }
            e
        })?;
        if !ret.is_known() {
            return Err(self.error(format!(
                "cannot infer the return type of the recursive function '{}': no return reaches a value without calling it; give its signature (e.g. @jit(\"int64(int64)\"))",
                target.name()
            )));
        }
        self.emit(Op::CallFunc(id), args, ret)
    }
    fn parallel_for(
        &mut self,
        target: &KernelTarget,
        args: Vec<Value>,
        reducers: std::sync::Arc<[crate::builtins::Reducer]>,
    ) -> Result<Value> {
        let types = crate::ir::prange_body_types(args.iter().map(|a| self.ty(a)).collect());
        let (id, ret) = self.ctx.instantiate(target, &types)?;
        super::emit::check_partials(&ret, &reducers)?;
        self.emit(Op::ParallelFor(id, reducers), args, ret)
    }
    fn gufunc(
        &mut self,
        g: &std::sync::Arc<crate::syntax::GufuncTarget>,
        types: &[Type],
    ) -> Result<(crate::ir::FuncId, std::sync::Arc<crate::ir::GufuncCall>)> {
        self.ctx.gufunc_instance(g, types)
    }
    fn map(
        &mut self,
        expr: super::elementwise::ElemExpr,
        leaves: Vec<Value>,
        mode: super::elementwise::Mode,
    ) -> Result<Value> {
        use super::elementwise::Mode;
        let types: Vec<Type> = leaves.iter().map(|l| self.ty(l)).collect();
        let source = self.old.source.clone();
        let (id, ret) = self
            .ctx
            .element_function(&expr, &types, &source, self.span)?;
        let ty = super::elementwise::result_type(mode, &ret, &types).ok_or_else(|| {
            self.error(format!(
                "an array expression whose elements are {ret} (arrays hold numbers)"
            ))
        })?;
        let op = match mode {
            Mode::Map => Op::Map(id),
            Mode::Reduce(r) => Op::Reduce(r, id),
            Mode::ReduceAxis(r, k) => Op::ReduceAxis(r, k, id),
            Mode::Scalar => Op::CallFunc(id),
        };
        self.emit(op, leaves, ty)
    }
    fn span(&self) -> Span {
        self.span
    }
    fn literal(&self, origin: u32) -> super::literals::Found {
        self.literals.get(&origin).copied().unwrap_or_default()
    }
    fn note_literal(&mut self, _origin: u32, _found: super::literals::Found) {}
    fn value_name(&self, v: &Value) -> Option<String> {
        self.new.value(*v).name.clone()
    }
}

impl Builder<'_, '_> {
    fn var_name(&self, v: Value) -> String {
        self.old
            .value(v)
            .name
            .clone()
            .unwrap_or_else(|| format!("{v}"))
    }

    fn arg(&self, v: Value, span: Span) -> Result<Value> {
        match self.map[v.index()] {
            Mapped::Value(n) => Ok(n),
            Mapped::Undef => Err(CompileError::typing(
                span,
                format!(
                    "local variable '{}' is used before it is assigned",
                    self.var_name(v)
                ),
            )),
            Mapped::Missing => Err(CompileError::internal(format!(
                "value {v} used before its definition was typed"
            ))),
        }
    }

    /// The arguments of an edge, cast to the target's parameter types.
    fn edge(
        &mut self,
        t: &BlockCall,
        blocks: &[Option<Block>],
        kept: &[Vec<usize>],
    ) -> Result<BlockCall> {
        let target = blocks[t.block.index()].expect("reachable target");
        let mut args = vec![];
        let params = self.new.block(target).params.clone();
        for (param, &k) in params.iter().zip(&kept[t.block.index()]) {
            let pty = self.new.ty(*param).clone();
            let a = match self.map[t.args[k].index()] {
                Mapped::Undef => {
                    let old_param = self.old.block(t.block).params[k];
                    return Err(self.maybe_unassigned(old_param));
                }
                _ => {
                    let v = self.arg(t.args[k], self.span)?;
                    cast(self, v, &pty)?
                }
            };
            args.push(a);
        }
        Ok(BlockCall {
            block: target,
            args,
        })
    }

    /// A variable that is read where some path reaching the read never
    /// assigned it (Python would raise UnboundLocalError on that path).
    fn maybe_unassigned(&self, param: Value) -> CompileError {
        let name = self.var_name(param);
        // Report at the first instruction that reads it (or a value it
        // flows into), else at the function.
        let in_inst = self
            .old
            .insts
            .iter()
            .find(|i| i.args.contains(&param))
            .map(|i| i.span);
        let in_return = self
            .old
            .blocks
            .iter()
            .find(|b| b.term == Terminator::Return(Some(param)))
            .map(|b| b.term_span);
        let span = in_inst.or(in_return).unwrap_or(self.old.span);
        CompileError::typing(
            span,
            format!(
                "local variable '{name}' may be used before it is assigned: some path reaches this use without assigning it (Python would raise UnboundLocalError there); assign it a value before the branch or loop"
            ),
        )
    }

    fn span_of(&self, v: Value) -> Span {
        self.old
            .def_inst(v)
            .map(|i| i.span)
            .unwrap_or(self.old.span)
    }

    fn check_return(&self, from: &Type, to: &Type, span: Span) -> Result<()> {
        let ok = match (from, to) {
            (Type::Tuple(xs), Type::Tuple(ys)) if xs.len() == ys.len() => {
                for (x, y) in xs.iter().zip(ys) {
                    self.check_return(x, y, span)?;
                }
                true
            }
            (f, Type::Scalar(s)) => can_cast(f, *s, Casting::SameKind),
            (f, t) => f == t,
        };
        if ok {
            return Ok(());
        }
        let hint = match to {
            Type::Scalar(s) => format!("; convert explicitly, e.g. np.{s}(...)"),
            _ => String::new(),
        };
        Err(CompileError::typing(
            span,
            format!(
                "'{}' returns {from} here, but its signature's return type is {to}, and {from} cannot be cast to {to} without losing information{hint}",
                self.old.name
            ),
        ))
    }
}

/// Builds the typed version of `old` given what inference found: its live
/// blocks only, and a jump where a branch's direction is decided. `ret` is
/// the declared return type (`None`: the join of what it returns).
pub fn materialize(
    old: &Function,
    inferred: &Inferred,
    params: &[Type],
    ret: Option<&Type>,
    ctx: &mut ProgramBuilder,
) -> Result<Function> {
    let types = &inferred.types;
    let mut new = Function::new(old.name.clone(), old.source.clone(), old.span);
    new.elementwise = old.elementwise;
    let rpo: Vec<Block> = old
        .reverse_post_order()
        .into_iter()
        .filter(|b| inferred.live[b.index()])
        .collect();
    let mut map = vec![Mapped::Missing; old.values.len()];
    for inst in &old.insts {
        if let (Op::Undef, Some(r)) = (&inst.op, inst.result) {
            map[r.index()] = Mapped::Undef;
        }
    }
    // Blocks and their parameters (parameters that never get a type only
    // ever receive unassigned values; uses of them are errors).
    let mut blocks: Vec<Option<Block>> = vec![None; old.blocks.len()];
    let mut kept: Vec<Vec<usize>> = vec![vec![]; old.blocks.len()];
    for &b in &rpo {
        let nb = if b == old.entry {
            new.entry
        } else {
            new.new_block()
        };
        blocks[b.index()] = Some(nb);
        for (k, &p) in old.block(b).params.iter().enumerate() {
            let t = if b == old.entry {
                params[k].clone()
            } else {
                types[p.index()].clone()
            };
            if t.is_known() {
                let np = new.add_param(nb, t, old.value(p).name.clone());
                map[p.index()] = Mapped::Value(np);
                kept[b.index()].push(k);
            } else {
                map[p.index()] = Mapped::Undef;
            }
        }
    }
    // The return type.
    let mut returned: Option<Type> = None;
    let mut returns_none = false;
    for &b in &rpo {
        if let Terminator::Return(v) = &old.block(b).term {
            match v {
                // `return None`, as a bare `return`.
                Some(v) if types[v.index()] == Type::NoneType => returns_none = true,
                Some(v) if types[v.index()].is_known() => {
                    let t = &types[v.index()];
                    returned = Some(match &returned {
                        None => t.clone(),
                        Some(r) => crate::types::join(r, t).ok_or_else(|| {
                            CompileError::typing(
                                old.def_inst(*v).map(|i| i.span).unwrap_or(old.span),
                                format!(
                                    "'{}' returns {r} in one place and {t} in another",
                                    old.name
                                ),
                            )
                        })?,
                    });
                }
                Some(_) => {}
                None => returns_none = true,
            }
        }
    }
    new.ret = match ret {
        Some(t) => t.clone(),
        None => match (&returned, returns_none) {
            (Some(t), false) => t.clone(),
            (None, _) => Type::NoneType,
            (Some(t), true) => {
                return Err(CompileError::typing(
                    old.span,
                    format!(
                        "'{}' returns {t} on some paths and nothing (None) on others",
                        old.name
                    ),
                ))
            }
        },
    };

    let mut bld = Builder {
        old,
        new,
        map,
        cur: Block(0),
        span: old.span,
        ctx,
        literals: inferred.literals.clone(),
    };
    for &b in &rpo {
        bld.cur = blocks[b.index()].expect("created above");
        for &inst in &old.block(b).insts {
            let data = old.inst(inst);
            if matches!(data.op, Op::Undef) {
                continue;
            }
            bld.span = data.span;
            let args = data
                .args
                .iter()
                .map(|a| bld.arg(*a, data.span))
                .collect::<Result<Vec<_>>>()?;
            let result = type_inst(&mut bld, old, &data.op, args)?;
            if let (Some(r), Some(v)) = (data.result, result) {
                bld.map[r.index()] = Mapped::Value(v);
                if bld.new.value(v).name.is_none() {
                    bld.new.values[v.index()].name = old.value(r).name.clone();
                }
            }
        }
        let term = match &old.block(b).term {
            Terminator::Jump(t) => Terminator::Jump(bld.edge(t, &blocks, &kept)?),
            Terminator::Branch { then, orelse, .. } if inferred.decided[b.index()].is_some() => {
                let taken = if inferred.decided[b.index()] == Some(true) {
                    then
                } else {
                    orelse
                };
                Terminator::Jump(bld.edge(taken, &blocks, &kept)?)
            }
            Terminator::Branch { cond, then, orelse } => {
                bld.span = bld.span_of(*cond);
                let c = bld.arg(*cond, bld.span)?;
                let c = super::rules::truth(&mut bld, c)?;
                Terminator::Branch {
                    cond: c,
                    then: bld.edge(then, &blocks, &kept)?,
                    orelse: bld.edge(orelse, &blocks, &kept)?,
                }
            }
            Terminator::Return(None) => {
                if bld.new.ret != Type::NoneType {
                    return Err(CompileError::at(
                        ErrorKind::Typing,
                        old.span,
                        format!(
                            "'{}' can reach its end (or a bare 'return') without returning a value, but must return {}",
                            old.name, bld.new.ret
                        ),
                    ));
                }
                Terminator::Return(None)
            }
            Terminator::Return(Some(v)) => {
                let span = match old.block(b).term_span {
                    s if s.is_known() => s,
                    _ => bld.span_of(*v),
                };
                bld.span = span;
                let nv = bld.arg(*v, span)?;
                let ret = bld.new.ret.clone();
                if ret == Type::NoneType && bld.ty(&nv) == Type::NoneType {
                    Terminator::Return(None)
                } else if ret == Type::NoneType {
                    return Err(CompileError::typing(
                        span,
                        format!(
                            "'{}' returns a value, but its signature returns void",
                            old.name
                        ),
                    ));
                } else {
                    let from = bld.ty(&nv);
                    bld.check_return(&from, &ret, span)?;
                    Terminator::Return(Some(cast(&mut bld, nv, &ret)?))
                }
            }
            Terminator::Raise(r) => Terminator::Raise(r.clone()),
            Terminator::None => return Err(CompileError::internal("unterminated block")),
        };
        let cur = bld.cur;
        bld.new.set_term(cur, term);
    }
    Ok(bld.new)
}
