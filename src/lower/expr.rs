//! Expressions. Short-circuiting `and`/`or`, conditional expressions and
//! chained comparisons become branches meeting in a block parameter, so
//! only the operands Python would evaluate are evaluated.

use super::Lowerer;
use crate::bail;
use crate::builtins::{ArrayFn, Builtin, Callee, DtypeArg, Flavour, MathFn};
use crate::error::{Result, Span};
use crate::ir::{Attr, BlockCall, Op, Terminator, Value};
use crate::syntax::{
    BinOp, BoolOp, CmpOp, Const, Expr, ExprKind, FunctionDef, Global, KernelTarget, Stmt, StmtKind,
    Target,
};
use crate::types::{Scalar, Type, Weak};

fn const_type(c: &Const) -> Type {
    match c {
        Const::Bool(_) => Type::Weak(Weak::Bool),
        Const::Int(_) => Type::Weak(Weak::Int),
        Const::Float(_) => Type::Weak(Weak::Float),
        Const::Complex(..) => Type::Weak(Weak::Complex),
        Const::None | Const::Ellipsis => Type::NoneType,
    }
}

impl Lowerer {
    pub(super) fn read_local(&mut self, name: &str, _span: Span) -> Result<Value> {
        Ok(self.ssa.read_var(self.cur, name))
    }

    /// One index of a subscript: `None` (a new axis) and `...` are
    /// constants here, typed by the subscript.
    pub(super) fn lower_index(&mut self, e: &Expr) -> Result<Value> {
        match &e.kind {
            ExprKind::Const(c @ (Const::None | Const::Ellipsis)) => {
                Ok(self.emit(Op::Const(*c, Type::NoneType), vec![], e.span))
            }
            _ => self.lower_expr(e),
        }
    }

    /// A value's truth as a branch condition.
    pub(super) fn lower_condition(&mut self, e: &Expr) -> Result<Value> {
        let v = self.lower_expr(e)?;
        Ok(self.emit(Op::Truth, vec![v], e.span))
    }

    pub(super) fn lower_expr(&mut self, e: &Expr) -> Result<Value> {
        match &e.kind {
            ExprKind::Name(name) => self.read_local(name, e.span),
            ExprKind::Const(c) => {
                if *c == Const::Ellipsis {
                    bail!(
                        Unsupported,
                        e.span,
                        "Ellipsis (...) is not supported as a value in kernels (only as an index: a[..., 0])"
                    );
                }
                Ok(self.emit(Op::Const(*c, const_type(c)), vec![], e.span))
            }
            ExprKind::Global(g) => self.lower_global(g, e.span),
            ExprKind::Binary(op, a, b) => {
                let a = self.lower_expr(a)?;
                let b = self.lower_expr(b)?;
                Ok(self.emit(Op::Binary(*op), vec![a, b], e.span))
            }
            ExprKind::Unary(op, a) => {
                let a = self.lower_expr(a)?;
                Ok(self.emit(Op::Unary(*op), vec![a], e.span))
            }
            ExprKind::BoolOp(op, values) => self.lower_bool_op(*op, values, e.span),
            ExprKind::Compare(left, rest) => self.lower_compare(left, rest, e.span),
            ExprKind::IfExp { test, body, orelse } => {
                let cond = self.lower_condition(test)?;
                let then_block = self.ssa.new_block();
                let else_block = self.ssa.new_block();
                let merge = self.ssa.new_block();
                let result = self.ssa.f.add_param(merge, Type::Unknown, None);
                self.ssa.terminate(
                    self.cur,
                    Terminator::Branch {
                        cond,
                        then: BlockCall::new(then_block),
                        orelse: BlockCall::new(else_block),
                    },
                );
                self.ssa.seal(then_block);
                self.ssa.seal(else_block);
                self.switch_to(then_block);
                let a = self.lower_expr(body)?;
                self.ssa.jump(
                    self.cur,
                    BlockCall {
                        block: merge,
                        args: vec![a],
                    },
                );
                self.switch_to(else_block);
                let b = self.lower_expr(orelse)?;
                self.ssa.jump(
                    self.cur,
                    BlockCall {
                        block: merge,
                        args: vec![b],
                    },
                );
                self.ssa.seal(merge);
                self.switch_to(merge);
                Ok(result)
            }
            ExprKind::Call {
                func,
                args,
                keywords,
            } => self.lower_call(func, args, keywords, e.span),
            ExprKind::Attribute(value, attr) => {
                let a = Attr::parse(attr);
                let v = self.lower_expr(value)?;
                Ok(self.emit(Op::Attr(a), vec![v], e.span))
            }
            ExprKind::Subscript(value, index) => {
                let mut args = vec![self.lower_expr(value)?];
                for i in index {
                    args.push(self.lower_index(i)?);
                }
                Ok(self.emit(Op::GetItem, args, e.span))
            }
            ExprKind::Slice { lower, upper, step } => {
                let mut args = vec![];
                for part in [lower, upper, step] {
                    args.push(match part {
                        Some(x) => self.lower_expr(x)?,
                        None => self.emit(Op::Const(Const::None, Type::NoneType), vec![], e.span),
                    });
                }
                Ok(self.emit(Op::Slice, args, e.span))
            }
            ExprKind::Tuple(items) => {
                let vs = items
                    .iter()
                    .map(|i| self.lower_expr(i))
                    .collect::<Result<Vec<_>>>()?;
                Ok(self.emit(Op::MakeTuple, vs, e.span))
            }
            ExprKind::List(items) => {
                let vs = items
                    .iter()
                    .map(|i| self.lower_expr(i))
                    .collect::<Result<Vec<_>>>()?;
                self.counter += 1;
                Ok(self.emit(Op::NewList(self.counter), vs, e.span))
            }
            ExprKind::Dict(pairs) => {
                let mut vs = vec![];
                for (k, v) in pairs {
                    vs.push(self.lower_expr(k)?);
                    vs.push(self.lower_expr(v)?);
                }
                self.counter += 1;
                Ok(self.emit(Op::NewDict(self.counter), vs, e.span))
            }
        }
    }

    fn lower_global(&mut self, g: &Global, span: Span) -> Result<Value> {
        match g {
            Global::Constant { value, ty } => Ok(self.emit(Op::Const(*value, ty.clone()), vec![], span)),
            Global::Array(a) => Ok(self.emit(Op::Frozen(a.clone()), vec![], span)),
            // `np.float64` as a value (`a.dtype == np.float64`,
            // `np.finfo(np.float32)`): known from its type, as `a.dtype`.
            Global::Callee(Callee::DType(s)) => {
                Ok(self.emit(Op::Const(Const::None, Type::DType(*s)), vec![], span))
            }
            // `float`, `int`, `complex`, `bool` as values: the dtypes NumPy
            // reads them as (`np.finfo(float)`, `np.dtype(int)`).
            Global::Callee(Callee::Builtin(
                b @ (Builtin::Float | Builtin::Int | Builtin::Complex | Builtin::Bool),
            )) => {
                let s = match b {
                    Builtin::Float => Scalar::F64,
                    Builtin::Int => Scalar::I64,
                    Builtin::Complex => Scalar::C128,
                    _ => Scalar::Bool,
                };
                Ok(self.emit(Op::Const(Const::None, Type::DType(s)), vec![], span))
            }
            Global::Callee(c) => bail!(
                Unsupported,
                span,
                "'{}' is a function; kernels can call it but not use it as a value",
                c.describe()
            ),
            Global::Kernel(def) => bail!(
                Unsupported,
                span,
                "'{}' is a kernel; kernels can call it but not use it as a value",
                def.name()
            ),
            Global::Module(name) => bail!(
                Unsupported,
                span,
                "module '{name}' cannot be used as a value in kernels"
            ),
            Global::Exception(e) => bail!(
                Unsupported,
                span,
                "'{}' is an exception class; functions can raise it ('raise {}(\"...\")') but not use it as a value",
                e.name(),
                e.name()
            ),
            Global::Unsupported { name, what } => bail!(
                Unsupported,
                span,
                "'{name}' is {what}; kernels can use numbers, math/cmath/NumPy functions, builtins such as abs and min, and other jitufunc kernels"
            ),
        }
    }

    fn lower_bool_op(&mut self, op: BoolOp, values: &[Expr], span: Span) -> Result<Value> {
        // a and b and c: each falsy operand short-circuits to the merge block
        // with itself as the result; the last operand is the result otherwise.
        let merge = self.ssa.new_block();
        let result = self.ssa.f.add_param(merge, Type::Unknown, None);
        let (last, init) = values.split_last().expect("BoolOp has operands");
        for v in init {
            let value = self.lower_expr(v)?;
            let truth = self.emit(Op::Truth, vec![value], v.span);
            let next = self.ssa.new_block();
            let exit = BlockCall {
                block: merge,
                args: vec![value],
            };
            let (then, orelse) = match op {
                BoolOp::And => (BlockCall::new(next), exit),
                BoolOp::Or => (exit, BlockCall::new(next)),
            };
            self.ssa.terminate(
                self.cur,
                Terminator::Branch {
                    cond: truth,
                    then,
                    orelse,
                },
            );
            self.ssa.seal(next);
            self.switch_to(next);
        }
        let value = self.lower_expr(last)?;
        self.ssa.jump(
            self.cur,
            BlockCall {
                block: merge,
                args: vec![value],
            },
        );
        self.ssa.seal(merge);
        self.switch_to(merge);
        let _ = span;
        Ok(result)
    }

    fn lower_compare(&mut self, left: &Expr, rest: &[(CmpOp, Expr)], span: Span) -> Result<Value> {
        let mut lhs = self.lower_expr(left)?;
        if rest.len() == 1 {
            let rhs = self.lower_expr(&rest[0].1)?;
            return Ok(self.emit(Op::Compare(rest[0].0), vec![lhs, rhs], span));
        }
        // a < b < c  ==  (a < b) and (b < c), with b evaluated once.
        let merge = self.ssa.new_block();
        let result = self.ssa.f.add_param(merge, Type::Unknown, None);
        for (i, (op, e)) in rest.iter().enumerate() {
            let rhs = self.lower_expr(e)?;
            let r = self.emit(Op::Compare(*op), vec![lhs, rhs], span);
            if i + 1 == rest.len() {
                self.ssa.jump(
                    self.cur,
                    BlockCall {
                        block: merge,
                        args: vec![r],
                    },
                );
            } else {
                let next = self.ssa.new_block();
                self.ssa.terminate(
                    self.cur,
                    Terminator::Branch {
                        cond: r,
                        then: BlockCall::new(next),
                        orelse: BlockCall {
                            block: merge,
                            args: vec![r],
                        },
                    },
                );
                self.ssa.seal(next);
                self.switch_to(next);
            }
            lhs = rhs;
        }
        self.ssa.seal(merge);
        self.switch_to(merge);
        Ok(result)
    }

    fn lower_call(
        &mut self,
        func: &Expr,
        args: &[Expr],
        keywords: &[(String, Expr)],
        span: Span,
    ) -> Result<Value> {
        let callee_name = || match &func.kind {
            ExprKind::Global(Global::Callee(c)) => c.describe(),
            ExprKind::Global(Global::Kernel(d)) => d.name().to_string(),
            _ => "this function".to_string(),
        };
        if let ExprKind::Global(Global::Callee(Callee::Array(f, _))) = &func.kind {
            return self.lower_array_call(*f, &callee_name(), args, keywords, span);
        }
        // A NumPy math ufunc given `out=` or `where=` (or `out`
        // positionally): the ufunc call with its operands.
        if let ExprKind::Global(Global::Callee(Callee::Math(f, Flavour::Numpy))) = &func.kind {
            if !keywords.is_empty() || args.len() > f.arity() {
                return self.lower_array_call(
                    ArrayFn::Math(*f),
                    &callee_name(),
                    args,
                    keywords,
                    span,
                );
            }
        }
        if let ExprKind::Global(Global::Callee(Callee::Builtin(Builtin::Sum))) = &func.kind {
            return self.lower_sum(args, keywords, span);
        }
        // Calls of other `@jit` functions bind keywords to parameters.
        if let ExprKind::Global(Global::Kernel(
            target @ (KernelTarget::Def(def) | KernelTarget::Ufunc(def)),
        )) = &func.kind
        {
            if !keywords.is_empty() {
                let vs = self.bind_keywords(def, args, keywords, span)?;
                let op = Op::CallKernel(self.ssa.f.kernel_ref(target));
                return Ok(self.emit(op, vs, span));
            }
        }
        // Array methods take NumPy's keywords (`a.sum(axis=0)`).
        let array_method =
            matches!(&func.kind, ExprKind::Attribute(_, m) if ArrayFn::method(m).is_some());
        if let Some((name, _)) = keywords.first().filter(|_| !array_method) {
            bail!(
                Unsupported,
                span,
                "keyword arguments are not supported in kernel calls ({name}= in a call to {})",
                callee_name()
            );
        }
        let op = match &func.kind {
            ExprKind::Global(Global::Callee(Callee::Builtin(
                b @ (Builtin::Range | Builtin::Prange | Builtin::Enumerate | Builtin::Zip),
            ))) => bail!(
                Unsupported,
                span,
                "{}() is only supported as the iterable of a for loop",
                b.name()
            ),
            ExprKind::Global(Global::Callee(c)) => Op::Call(*c),
            ExprKind::Global(Global::Kernel(def)) => Op::CallKernel(self.ssa.f.kernel_ref(def)),
            // (a NumPy function's `what` already says where the supported
            // ones are listed)
            ExprKind::Global(Global::Unsupported { name, what })
                if what.starts_with("a NumPy function")
                    || what.starts_with("a math function")
                    || what.starts_with("a cmath function")
                    || what.starts_with("a ufunc method")
                    || what.starts_with("jitufunc.typed.") =>
            {
                bail!(Unsupported, func.span, "'{name}' is {what}")
            }
            ExprKind::Global(Global::Unsupported { name, what }) => bail!(
                Unsupported,
                func.span,
                "'{name}' is {what}, which kernels cannot call; they can call math/cmath/NumPy functions, builtins such as abs, min and round, and other jitufunc kernels"
            ),
            ExprKind::Global(Global::Module(name)) => bail!(
                Unsupported,
                func.span,
                "module '{name}' is not callable"
            ),
            ExprKind::Global(Global::Constant { .. }) => bail!(
                Typing,
                func.span,
                "a number is not callable"
            ),
            ExprKind::Attribute(value, method) if ArrayFn::method(method).is_some() => {
                let f = ArrayFn::method(method).expect("checked");
                // `a.copy()` is `np.copy(a)`: the receiver is the first
                // argument.
                let mut all = vec![(**value).clone()];
                match f {
                    // `a.reshape(m, n)` is `a.reshape((m, n))`.
                    ArrayFn::Reshape if args.len() > 1 => all.push(Expr::new(
                        ExprKind::Tuple(args.to_vec()),
                        args[0].span,
                    )),
                    _ => all.extend(args.iter().cloned()),
                }
                return self.lower_array_call(f, &format!(".{method}"), &all, keywords, span);
            }
            // `a.dtype.type(x)`: the attribute's value is called (typing
            // knows what it is).
            ExprKind::Attribute(value, method) if method == "type" => {
                let v = self.lower_expr(value)?;
                let mut vs = vec![self.emit(Op::Attr(Attr::parse(method)), vec![v], func.span)];
                for a in args {
                    vs.push(self.lower_expr(a)?);
                }
                return Ok(self.emit(Op::CallValue, vs, span));
            }
            // `l.append(v)`, `l.pop()` on a typed List, `d.pop(k)` and
            // `d.get(k, default)` on a typed Dict, `.clear()` on either
            // (typing checks the receiver's type).
            ExprKind::Attribute(value, method)
                if matches!(method.as_str(), "append" | "pop" | "get" | "clear") =>
            {
                let b = match method.as_str() {
                    "append" => Builtin::ListAppend,
                    "pop" => Builtin::ListPop,
                    "clear" => Builtin::ContainerClear,
                    _ => Builtin::DictGet,
                };
                let mut vs = vec![self.lower_expr(value)?];
                for a in args {
                    vs.push(self.lower_expr(a)?);
                }
                return Ok(self.emit(Op::Call(Callee::Builtin(b)), vs, span));
            }
            ExprKind::Attribute(value, method) => {
                let m = match method.as_str() {
                    "conjugate" => MathFn::Conj,
                    _ => bail!(
                        Unsupported,
                        func.span,
                        "method '.{method}()' is not supported in kernels"
                    ),
                };
                if !args.is_empty() {
                    bail!(Typing, span, ".{method}() takes no arguments");
                }
                let v = self.lower_expr(value)?;
                return Ok(self.emit(Op::Call(Callee::Math(m, Flavour::Method)), vec![v], span));
            }
            // A function passed as an argument: typing finds which.
            ExprKind::Name(name) => {
                let mut vs = vec![self.read_local(name, func.span)?];
                for a in args {
                    vs.push(self.lower_expr(a)?);
                }
                return Ok(self.emit(Op::CallValue, vs, span));
            }
            _ => bail!(Unsupported, func.span, "this kind of call is not supported in kernels"),
        };
        let vs = args
            .iter()
            .map(|a| self.lower_expr(a))
            .collect::<Result<Vec<_>>>()?;
        Ok(self.emit(op, vs, span))
    }

    /// The arguments of a call of `def` with keywords, in parameter order:
    /// each keyword goes to the parameter of its name, and a parameter left
    /// out before the last one given takes its default value, as Python
    /// binds them.
    fn bind_keywords(
        &mut self,
        def: &FunctionDef,
        args: &[Expr],
        keywords: &[(String, Expr)],
        span: Span,
    ) -> Result<Vec<Value>> {
        let n = def.params.len();
        if args.len() > n {
            bail!(
                Typing,
                span,
                "{}() takes {n} arguments but {} were given",
                def.name,
                args.len()
            );
        }
        let mut slots: Vec<Option<&Expr>> = vec![None; n];
        for (slot, a) in slots.iter_mut().zip(args) {
            *slot = Some(a);
        }
        for (key, value) in keywords {
            let Some(k) = def.params.iter().position(|p| &p.name == key) else {
                bail!(
                    Typing,
                    value.span,
                    "{}() got an unexpected keyword argument '{key}'",
                    def.name
                );
            };
            if slots[k].is_some() {
                bail!(
                    Typing,
                    value.span,
                    "{}() got multiple values for argument '{key}'",
                    def.name
                );
            }
            slots[k] = Some(value);
        }
        let given = slots.iter().rposition(|s| s.is_some()).map_or(0, |k| k + 1);
        let first_default = n - def.defaults;
        let mut vs = Vec::with_capacity(given);
        for (k, slot) in slots.iter().take(given).enumerate() {
            let v = match slot {
                Some(expr) => self.lower_expr(expr)?,
                None if k < first_default => bail!(
                    Typing,
                    span,
                    "{}() missing required argument '{}'",
                    def.name,
                    def.params[k].name
                ),
                None => match def.default_values.get(k - first_default).cloned().flatten() {
                    Some((c, t)) => self.emit(Op::Const(c, t), vec![], span),
                    None => bail!(
                        Unsupported,
                        span,
                        "the default value of parameter '{}' of '{}' is not a number or None: calls from compiled code must pass it",
                        def.params[k].name,
                        def.name
                    ),
                },
            };
            vs.push(v);
        }
        Ok(vs)
    }

    /// `sum(iterable, start=0)`: `acc = start`, then `acc = acc + item`
    /// for each item (a loop as `for` makes it), as Python's `sum`.
    fn lower_sum(
        &mut self,
        args: &[Expr],
        keywords: &[(String, Expr)],
        span: Span,
    ) -> Result<Value> {
        let (iter, start) = match (args, keywords) {
            ([it], []) => (it, None),
            ([it, s], []) => (it, Some(s)),
            ([it], [(key, s)]) if key == "start" => (it, Some(s)),
            _ => bail!(
                Typing,
                span,
                "sum() takes an iterable and an optional start (sum(a) or sum(a, 0.0))"
            ),
        };
        let acc = self.fresh_name("sum");
        let item = self.fresh_name("item");
        let start = match start {
            Some(s) => self.lower_expr(s)?,
            None => self.int(0, span),
        };
        self.ssa.write_var(self.cur, &acc, start);
        let name = |n: &str| Expr::new(ExprKind::Name(n.to_string()), span);
        let add = Stmt {
            kind: StmtKind::Assign {
                targets: vec![Target::Name(acc.clone(), span)],
                value: Expr::new(
                    ExprKind::Binary(BinOp::Add, Box::new(name(&acc)), Box::new(name(&item))),
                    span,
                ),
            },
            span,
        };
        self.lower_for(&Target::Name(item, span), iter, &[add], &[], span)?;
        Ok(self.ssa.read_var(self.cur, &acc))
    }

    /// `np.empty(shape, dtype)`, `np.full(shape, value, dtype=...)`: the
    /// dtype, given positionally or as `dtype=`, becomes part of the callee
    /// (a NumPy scalar type or `float`/`int`/`complex`/`bool`).
    /// `np.sum(a, axis=(0, 2))`, `a.mean(axis=(-1, 0))`: the reduction
    /// called with the array and each axis as an operand of its own (typing
    /// reduces along them one after the other). `None` when the axis is not
    /// a tuple of integers written in the call.
    fn reduction_along_axes(
        &mut self,
        f: ArrayFn,
        args: &[Expr],
        keywords: &[(String, Expr)],
        span: Span,
    ) -> Result<Option<Value>> {
        let axis = keywords
            .iter()
            .find(|(k, _)| k == "axis")
            .map(|(_, e)| e)
            .or(args.get(1));
        let (
            Some(array),
            Some(Expr {
                kind: ExprKind::Tuple(items),
                ..
            }),
        ) = (args.first(), axis)
        else {
            return Ok(None);
        };
        if items.is_empty() || keywords.iter().any(|(k, _)| k != "axis") || args.len() > 2 {
            return Ok(None);
        }
        let mut axes = vec![];
        for item in items {
            let k = match &item.kind {
                ExprKind::Const(Const::Int(k)) => *k,
                ExprKind::Unary(crate::syntax::UnaryOp::Neg, inner) => match inner.kind {
                    ExprKind::Const(Const::Int(k)) => -k,
                    _ => return Ok(None),
                },
                _ => return Ok(None),
            };
            axes.push(k);
        }
        let mut vs = vec![self.lower_expr(array)?];
        for k in axes {
            vs.push(self.lower_expr(&Expr::new(ExprKind::Const(Const::Int(k)), span))?);
        }
        Ok(Some(self.emit(
            Op::Call(Callee::Array(f, DtypeArg::Default)),
            vs,
            span,
        )))
    }

    fn lower_array_call(
        &mut self,
        f: ArrayFn,
        name: &str,
        args: &[Expr],
        keywords: &[(String, Expr)],
        span: Span,
    ) -> Result<Value> {
        if matches!(f, ArrayFn::Reduce(_) | ArrayFn::Mean) {
            if let Some(v) = self.reduction_along_axes(f, args, keywords, span)? {
                return Ok(v);
            }
        }
        let params = f.params();
        let has_dtype = params.last() == Some(&"dtype");
        let n = params.len() - has_dtype as usize;
        let mut given: Vec<Option<&Expr>> = vec![None; params.len()];
        // A ufunc's `where=` is keyword-only.
        if f.is_ufunc() && args.len() == params.len() {
            bail!(
                Typing,
                span,
                "{name}() takes at most {} positional arguments ({}); where= is keyword-only",
                params.len() - 1,
                params[..params.len() - 1].join(", ")
            );
        }
        if args.len() > params.len() {
            bail!(
                Typing,
                span,
                "{name}() takes at most {} positional arguments here ({}), {} given",
                params.len(),
                params.join(", "),
                args.len()
            );
        }
        for (k, a) in args.iter().enumerate() {
            given[k] = Some(a);
        }
        for (key, value) in keywords {
            let Some(k) = params.iter().position(|p| p == key) else {
                bail!(
                    Unsupported,
                    value.span,
                    "{name}() keyword argument {key}= is not supported in kernels (only {})",
                    params.join("=, ") + "="
                );
            };
            if given[k].is_some() {
                bail!(Typing, value.span, "{name}() got multiple values for {key}");
            }
            given[k] = Some(value);
        }
        let dtype = match given.get(n).copied().flatten().filter(|_| has_dtype) {
            None => None,
            Some(e) => match &e.kind {
                ExprKind::Const(Const::None) => None,
                ExprKind::Global(Global::Callee(Callee::DType(s))) => Some(*s),
                ExprKind::Global(Global::Callee(Callee::Builtin(b))) => Some(match b {
                    Builtin::Float => Scalar::F64,
                    Builtin::Int => Scalar::I64,
                    Builtin::Complex => Scalar::C128,
                    Builtin::Bool => Scalar::Bool,
                    _ => bail!(
                        Unsupported,
                        e.span,
                        "dtype= takes a NumPy scalar type such as np.float32, or float, int, complex or bool"
                    ),
                }),
                // Another array's dtype (`a.dtype`), known when typing:
                // passed as the last operand.
                _ => None,
            },
        };
        let dtype_operand = match given.get(n).copied().flatten().filter(|_| has_dtype) {
            Some(e) if dtype.is_none() && !matches!(e.kind, ExprKind::Const(Const::None)) => {
                if !matches!(e.kind, ExprKind::Attribute(..) | ExprKind::Name(_)) {
                    bail!(
                        Unsupported,
                        e.span,
                        "dtype= takes a NumPy scalar type such as np.float32, float, int, complex or bool, a dtype string, or another array's a.dtype"
                    );
                }
                Some(e)
            }
            _ => None,
        };
        let mut vs = vec![];
        for (k, p) in params.iter().enumerate().take(n) {
            // np.eye(N, None) is np.eye(N).
            let given_none = |e: &&Expr| matches!(e.kind, ExprKind::Const(Const::None));
            match given[k].filter(|e| !(f == ArrayFn::Eye && given_none(e))) {
                Some(e) => vs.push(self.lower_expr(e)?),
                // np.arange(stop), np.arange(start, stop): the rest omitted.
                None if f == ArrayFn::Arange && k > 0 => break,
                // np.eye(N): M is N.
                None if f == ArrayFn::Eye && k == 1 => vs.push(vs[0]),
                None if f.default(k).is_some() => {
                    let c = f.default(k).expect("checked");
                    vs.push(self.lower_expr(&Expr::new(ExprKind::Const(c), span))?)
                }
                None => bail!(Typing, span, "{name}() missing required argument '{p}'"),
            }
        }
        if let Some(e) = dtype_operand {
            let d = self.lower_expr(e)?;
            vs.push(d);
        } else if f == ArrayFn::Astype && dtype.is_none() {
            bail!(Typing, span, "{name}() needs a dtype");
        }
        let dtype = match (dtype, dtype_operand) {
            (Some(s), _) => DtypeArg::Given(s),
            (None, Some(_)) => DtypeArg::Operand,
            (None, None) => DtypeArg::Default,
        };
        Ok(self.emit(Op::Call(Callee::Array(f, dtype)), vs, span))
    }
}
