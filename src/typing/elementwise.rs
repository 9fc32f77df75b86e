//! Array expressions: an operator or NumPy function applied to arrays
//! (`a * b - 4.1 * a`, `np.sqrt(a)`, `a > 0`) works element by element,
//! broadcasting as NumPy does.
//!
//! Each such operation is typed as an *element expression*: a tree of the
//! scalar operations, over leaves that are the operands (an array stands
//! for its elements, a scalar for itself; literals stay constants, so
//! NumPy's rules for Python numbers apply). The tree becomes a small scalar
//! function (typed by the ordinary rules, with NumPy's error model: no
//! `ZeroDivisionError`), and the operation an `Op::Map` of that function
//! over the broadcast operands into a new array. `fuse` later merges a map
//! into the map that consumes it, so a chain of operations is one loop.

use std::sync::Arc;

use super::emit::Emit;
use crate::builtins::{Callee, Flavour, MathFn, Reduction};
use crate::error::{Result, SourceInfo, Span};
use crate::ir::{ArrayOp, Op};
use crate::syntax::{
    BinOp, BoolOp, CmpOp, Const, Expr, ExprKind, FunctionDef, Global, KernelTarget, Param, Stmt,
    StmtKind, UnaryOp,
};
use crate::types::{ArrayType, Kind, Layout, Memory, Scalar, Type};

/// One scalar operation of an element expression.
#[derive(Clone)]
pub enum ElemNode {
    Binary(BinOp),
    Compare(CmpOp),
    Unary(UnaryOp),
    Math(MathFn, Flavour),
    /// A conversion to this dtype (an intermediate array's dtype, kept
    /// exactly when two maps are fused).
    Cast(Scalar),
    /// A jitufunc `@vectorize` kernel, inlined into the loop.
    Kernel(KernelTarget),
    /// `x if c else y`, computing only the one chosen (a `where=` mask:
    /// NumPy computes nothing where the mask is False).
    Where,
    /// `np.where(c, x, y)`: `x` where `c` holds, else `y`, both computed
    /// for every element as NumPy computes them whole (so their FP flags
    /// are NumPy's).
    Select,
    /// `np.logical_and`/`or` of the truth values.
    Logical(BoolOp),
}

impl std::fmt::Debug for ElemNode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ElemNode::Binary(op) => write!(f, "Binary({op:?})"),
            ElemNode::Compare(op) => write!(f, "Compare({op:?})"),
            ElemNode::Unary(op) => write!(f, "Unary({op:?})"),
            ElemNode::Math(m, fl) => write!(f, "Math({m:?}, {fl:?})"),
            ElemNode::Cast(s) => write!(f, "Cast({s})"),
            // By identity: the key of a definition is its address.
            ElemNode::Kernel(KernelTarget::Def(d) | KernelTarget::Ufunc(d)) => {
                write!(f, "Kernel({}@{:p})", d.name, Arc::as_ptr(d))
            }
            ElemNode::Kernel(t) => write!(f, "Kernel({})", t.name()),
            ElemNode::Where => f.write_str("Where"),
            ElemNode::Select => f.write_str("Select"),
            ElemNode::Logical(op) => write!(f, "Logical({op:?})"),
        }
    }
}

/// An element expression over numbered leaves.
#[derive(Clone, Debug)]
pub enum ElemExpr {
    /// Operand `k` of the map: an element of an array, or a scalar.
    Leaf(usize),
    /// A literal.
    Const(Const, Type),
    Node(ElemNode, Vec<ElemExpr>),
}

impl ElemExpr {
    /// The expression with leaf `k` replaced by `with`, and the leaves
    /// after it renumbered by `shift(index)`.
    pub fn substitute(
        &self,
        k: usize,
        with: &ElemExpr,
        shift: &dyn Fn(usize) -> usize,
    ) -> ElemExpr {
        match self {
            ElemExpr::Leaf(i) if *i == k => with.clone(),
            ElemExpr::Leaf(i) => ElemExpr::Leaf(shift(*i)),
            ElemExpr::Const(..) => self.clone(),
            ElemExpr::Node(n, args) => ElemExpr::Node(
                n.clone(),
                args.iter().map(|a| a.substitute(k, with, shift)).collect(),
            ),
        }
    }

    /// The expression with every leaf renumbered by `map`.
    pub fn renumber(&self, map: &dyn Fn(usize) -> usize) -> ElemExpr {
        match self {
            ElemExpr::Leaf(i) => ElemExpr::Leaf(map(*i)),
            ElemExpr::Const(..) => self.clone(),
            ElemExpr::Node(n, args) => {
                ElemExpr::Node(n.clone(), args.iter().map(|a| a.renumber(map)).collect())
            }
        }
    }

    /// As Python source (for printed IR and messages), leaves `x0`, `x1`.
    pub fn text(&self) -> String {
        let leaf = |i: usize| format!("x{i}");
        match self {
            ElemExpr::Leaf(i) => leaf(*i),
            ElemExpr::Const(c, _) => format!("{c:?}"),
            ElemExpr::Node(n, args) => {
                let a: Vec<String> = args.iter().map(|a| a.text()).collect();
                match n {
                    ElemNode::Binary(op) => format!("({} {:?} {})", a[0], op, a[1]),
                    ElemNode::Compare(op) => format!("({} {} {})", a[0], op.symbol(), a[1]),
                    ElemNode::Unary(op) => format!("{op:?}({})", a[0]),
                    ElemNode::Math(m, f) => format!("{f:?}.{m:?}({})", a.join(", ")),
                    ElemNode::Cast(s) => format!("{s}({})", a[0]),
                    ElemNode::Kernel(t) => format!("{}({})", t.name(), a.join(", ")),
                    ElemNode::Where => format!("({} if {} else {})", a[1], a[0], a[2]),
                    ElemNode::Select => format!("where({}, {}, {})", a[0], a[1], a[2]),
                    ElemNode::Logical(op) => format!("logical_{op:?}({})", a.join(", ")),
                }
            }
        }
    }

    /// The scalar function computing it, as a definition the ordinary
    /// frontend-to-typing path compiles: `def f(x0, x1, ...): return ...`.
    pub fn definition(&self, leaves: usize, source: &Arc<SourceInfo>, span: Span) -> FunctionDef {
        fn build(x: &ElemExpr, span: Span) -> Expr {
            let e = |kind| Expr::new(kind, span);
            match x {
                ElemExpr::Leaf(i) => e(ExprKind::Name(format!("x{i}"))),
                ElemExpr::Const(c, t) => match t {
                    Type::Weak(_) => e(ExprKind::Const(*c)),
                    _ => e(ExprKind::Global(Global::Constant {
                        value: *c,
                        ty: t.clone(),
                    })),
                },
                ElemExpr::Node(n, args) => {
                    let mut a: Vec<Expr> = args.iter().map(|a| build(a, span)).collect();
                    match n {
                        ElemNode::Binary(op) => {
                            let r = a.pop().expect("two operands");
                            let l = a.pop().expect("two operands");
                            e(ExprKind::Binary(*op, Box::new(l), Box::new(r)))
                        }
                        ElemNode::Compare(op) => {
                            let r = a.pop().expect("two operands");
                            let l = a.pop().expect("two operands");
                            e(ExprKind::Compare(Box::new(l), vec![(*op, r)]))
                        }
                        ElemNode::Unary(op) => {
                            e(ExprKind::Unary(*op, Box::new(a.pop().expect("an operand"))))
                        }
                        ElemNode::Math(m, f) => e(ExprKind::Call {
                            func: Box::new(e(ExprKind::Global(Global::Callee(Callee::Math(
                                *m, *f,
                            ))))),
                            args: a,
                            keywords: vec![],
                        }),
                        ElemNode::Cast(s) => e(ExprKind::Call {
                            func: Box::new(e(ExprKind::Global(Global::Callee(Callee::DType(*s))))),
                            args: a,
                            keywords: vec![],
                        }),
                        ElemNode::Where => {
                            let y = a.pop().expect("three operands");
                            let x = a.pop().expect("three operands");
                            let c = a.pop().expect("three operands");
                            e(ExprKind::IfExp {
                                test: Box::new(c),
                                body: Box::new(x),
                                orelse: Box::new(y),
                            })
                        }
                        // Both operands computed, then one chosen (an
                        // `Op::Select`: no control flow).
                        ElemNode::Select => e(ExprKind::Call {
                            func: Box::new(e(ExprKind::Global(Global::Callee(Callee::Array(
                                crate::builtins::ArrayFn::Select,
                                crate::builtins::DtypeArg::Default,
                            ))))),
                            args: a,
                            keywords: vec![],
                        }),
                        ElemNode::Logical(op) => {
                            // The truth of each operand: `x != 0` (complex
                            // numbers too).
                            let truth = |x: Expr| {
                                e(ExprKind::Compare(
                                    Box::new(x),
                                    vec![(CmpOp::Ne, e(ExprKind::Const(Const::Int(0))))],
                                ))
                            };
                            e(ExprKind::BoolOp(*op, a.into_iter().map(truth).collect()))
                        }
                        ElemNode::Kernel(t) => e(ExprKind::Call {
                            func: Box::new(e(ExprKind::Global(Global::Kernel(t.clone())))),
                            args: a,
                            keywords: vec![],
                        }),
                    }
                }
            }
        }
        FunctionDef {
            name: "<array expression>".into(),
            params: (0..leaves)
                .map(|i| Param {
                    name: format!("x{i}"),
                    span,
                })
                .collect(),
            defaults: 0,
            default_values: vec![],
            body: vec![Stmt {
                kind: StmtKind::Return(Some(build(self, span))),
                span,
            }],
            span,
            source: source.clone(),
            doc: None,
            identity: None,
            locals: vec![],
            elementwise: true,
            parallel: false,
        }
    }
}

/// The element type an operand contributes: an array's dtype, a scalar's
/// own type.
pub fn element_type(t: &Type) -> Type {
    match t {
        Type::Array(a) => Type::Scalar(a.dtype),
        t => t.clone(),
    }
}

/// What is done with an element function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// `Op::Map`: a new array of its results.
    Map,
    /// `Op::Reduce`: its results combined into one number.
    Reduce(Reduction),
    /// `Op::ReduceAxis`: combined along one axis into an array.
    ReduceAxis(Reduction, u32),
    /// `Op::CallFunc` on scalars: NumPy's arithmetic on numbers (`np.mean`
    /// dividing its sum, where Python's error model would raise).
    Scalar,
}

/// The type of what `mode` makes of an element function returning
/// `element` over operands of types `operands`.
pub fn result_type(mode: Mode, element: &Type, operands: &[Type]) -> Option<Type> {
    match mode {
        Mode::Map => map_type(element, operands),
        Mode::ReduceAxis(..) => match map_type(element, operands)? {
            Type::Array(a) => Some(Type::Array(ArrayType {
                ndim: a.ndim - 1,
                ..a
            })),
            _ => None,
        },
        Mode::Reduce(_) => Some(Type::Scalar(element.storage()?)),
        // A call of the element function on numbers: what it returns.
        Mode::Scalar => element.storage().map(|_| element.clone()),
    }
}

/// The dtype `r` accumulates elements of dtype `s` in (NumPy's: small
/// integers add and multiply as 64-bit ones).
pub fn accumulator(r: Reduction, s: Scalar) -> Scalar {
    match r {
        Reduction::Any | Reduction::All => Scalar::Bool,
        Reduction::Min | Reduction::Max => s,
        // The mean of integers and bools in float64, as NumPy.
        Reduction::Mean => match s.kind() {
            Kind::Bool | Kind::Int => Scalar::F64,
            _ => s,
        },
        Reduction::Sum | Reduction::Prod => match s.kind() {
            Kind::Bool => Scalar::I64,
            Kind::Int if s.is_signed() => Scalar::I64,
            Kind::Int => Scalar::U64,
            _ => s,
        },
    }
}

/// The axis an `axis=` value names (negative counts from the end), for an
/// array of `ndim` dimensions: `None` for all of them.
fn axis_of<E: Emit>(e: &E, axis: &E::V, ndim: u32) -> Result<Option<u32>> {
    match (e.ty(axis), e.konst(axis)) {
        (Type::NoneType, _) => Ok(None),
        (t, Some(Const::Int(k))) if t.kind() == Some(Kind::Int) => {
            let n = ndim as i128;
            if k < -n || k >= n {
                return Err(e.error(format!(
                    "axis {k} is out of bounds for an array of dimension {ndim} (NumPy's AxisError)"
                )));
            }
            Ok(Some(if k < 0 { k + n } else { k } as u32))
        }
        (t, _) => Err(e.error(format!(
            "axis= takes an integer, a tuple of integers or None, not a value of type {t}"
        ))),
    }
}

/// `np.sum(a)`, `a.max()`, `np.sum(a, axis=k)`: `r` over every element
/// of array `a`, or along the axis `axis` names (all: `None`). (A tuple of
/// axes written in the call is nested reductions, `lower::expr`.)
pub fn reduce_with_axis<E: Emit>(e: &mut E, r: Reduction, a: E::V, axis: E::V) -> Result<E::V> {
    if let Type::Tuple(items) = e.ty(&axis) {
        // A tuple held in a variable: its items.
        if items.is_empty() {
            return Err(e.unsupported("axis=() (reducing no axis) is not supported"));
        }
        let mut axes = vec![];
        for (i, t) in items.iter().enumerate() {
            axes.push(e.emit(Op::TupleGet(i as u32), vec![axis.clone()], t.clone())?);
        }
        return match axes.len() {
            1 => reduce_at_runtime_axes(e, r, a, axes),
            _ => reduce_with_axes(e, r, a, axes),
        };
    }
    if runtime_axis(e, &axis) {
        return reduce_at_runtime_axes(e, r, a, vec![axis]);
    }
    let ndim = match e.ty(&a) {
        Type::Array(at) => at.ndim,
        _ => 0,
    };
    let axis = axis_of(e, &axis, ndim)?;
    reduce_along(e, r, a, axis)
}

/// `np.sum(a, axis=k)` with `axes = [k]` (as `reduce_with_axis`), or
/// `np.sum(a, axis=(0, 2))` with one operand per axis: integers written in
/// the call, in bounds and distinct, reduced along one after the other
/// from the highest (so each still names its axis; a mean of means over
/// equal groups is the mean).
pub fn reduce_with_axes<E: Emit>(
    e: &mut E,
    r: Reduction,
    a: E::V,
    axes: Vec<E::V>,
) -> Result<E::V> {
    let mut axes = axes;
    if axes.iter().any(|x| runtime_axis(e, x)) {
        return reduce_at_runtime_axes(e, r, a, axes);
    }
    if axes.len() <= 1 {
        let axis = match axes.pop() {
            Some(axis) => axis,
            None => e.constant(Const::None, Type::NoneType)?,
        };
        return reduce_with_axis(e, r, a, axis);
    }
    let ndim = match e.ty(&a) {
        Type::Array(at) => at.ndim,
        _ => 0,
    };
    let mut ks = vec![];
    for axis in &axes {
        let Some(k) = axis_of(e, axis, ndim)? else {
            return Err(e.error("axis= holds None; it takes integers"));
        };
        if ks.contains(&k) {
            return Err(e.error("duplicate value in 'axis' (NumPy's ValueError)"));
        }
        ks.push(k);
    }
    ks.sort_unstable_by(|x, y| y.cmp(x));
    let mut v = a;
    for k in ks {
        v = reduce_along(e, r, v, Some(k))?;
    }
    Ok(v)
}

/// Whether `axis` is an integer known only when running.
fn runtime_axis<E: Emit>(e: &E, axis: &E::V) -> bool {
    e.konst(axis).is_none() && e.ty(axis).kind() == Some(Kind::Int)
}

/// `np.sum(a, axis=k)`, `np.sum(a, axis=(j, k))` with axes known only
/// when running: the axes moved to the end of a view (checked there:
/// NumPy's AxisError, or a duplicate), then reduced from the last.
fn reduce_at_runtime_axes<E: Emit>(
    e: &mut E,
    r: Reduction,
    a: E::V,
    axes: Vec<E::V>,
) -> Result<E::V> {
    let at = match e.ty(&a) {
        Type::Array(at) => at,
        t => {
            return Err(e.error(format!(
                "{}() with axis= takes an array, not a value of type {t}",
                r.method_name()
            )))
        }
    };
    if axes.len() > at.ndim as usize {
        return Err(e.error(format!(
            "{} axes given for an array of dimension {} (NumPy's AxisError)",
            axes.len(),
            at.ndim
        )));
    }
    let mut args = vec![a];
    for axis in axes {
        if e.ty(&axis).kind() != Some(Kind::Int) {
            return Err(e.error(format!(
                "axis= takes integers, not a value of type {}",
                e.ty(&axis)
            )));
        }
        args.push(super::rules::cast(e, axis, &Type::I64)?);
    }
    let n = args.len() - 1;
    let moved = Type::Array(ArrayType {
        layout: if at.ndim <= 1 { at.layout } else { Layout::Any },
        ..at
    });
    let mut v = e.emit(Op::Array(ArrayOp::MoveAxesToEnd), args, moved)?;
    for i in 0..n as u32 {
        v = reduce_along(e, r, v, Some(at.ndim - 1 - i))?;
    }
    Ok(v)
}

fn reduce_along<E: Emit>(e: &mut E, r: Reduction, a: E::V, axis: Option<u32>) -> Result<E::V> {
    let Type::Array(at) = e.ty(&a) else {
        return Err(e.error(format!(
            "{}() takes an array here, not a value of type {}",
            r.method_name(),
            e.ty(&a)
        )));
    };
    if matches!(r, Reduction::Min | Reduction::Max) && at.dtype.kind() == Kind::Complex {
        return Err(e.unsupported(format!(
            "{}() of a complex array is not supported",
            r.method_name()
        )));
    }
    let acc = accumulator(r, at.dtype);
    // float16 adds and multiplies in float32, as NumPy's, then rounds.
    let acc = if acc == Scalar::F16 { Scalar::F32 } else { acc };
    let expr = match r {
        // The truth of each element (`x != 0`, complex numbers included).
        Reduction::Any | Reduction::All => ElemExpr::Node(
            ElemNode::Compare(CmpOp::Ne),
            vec![
                ElemExpr::Leaf(0),
                ElemExpr::Const(Const::Int(0), Type::PY_INT),
            ],
        ),
        _ => ElemExpr::Node(ElemNode::Cast(acc), vec![ElemExpr::Leaf(0)]),
    };
    let (reduced, mode) = match axis {
        // Along the only axis: a number, as NumPy.
        Some(k) if at.ndim > 1 => (e.map(expr, vec![a], Mode::ReduceAxis(r, k))?, Mode::Map),
        _ => (e.map(expr, vec![a], Mode::Reduce(r))?, Mode::Scalar),
    };
    narrowed(e, reduced, acc, accumulator(r, at.dtype), mode)
}

/// `v`, computed in dtype `wide`, rounded to `dtype` when they differ
/// (float16 reduced in float32).
fn narrowed<E: Emit>(e: &mut E, v: E::V, wide: Scalar, dtype: Scalar, mode: Mode) -> Result<E::V> {
    if wide == dtype {
        return Ok(v);
    }
    let cast = ElemExpr::Node(ElemNode::Cast(dtype), vec![ElemExpr::Leaf(0)]);
    e.map(cast, vec![v], mode)
}

/// `np.where`, `np.add`, ... (`ArrayFn::elementwise`): element by element
/// on arrays, NumPy's arithmetic once on numbers.
pub fn numpy_function<E: Emit>(
    e: &mut E,
    f: crate::builtins::ArrayFn,
    args: Vec<E::V>,
) -> Result<E::V> {
    use crate::builtins::ArrayFn;
    let mut args = args;
    // `out=` and `where=`: the last two operands of the ufuncs.
    let given = |e: &E, v: Option<E::V>| v.filter(|o| e.ty(o) != Type::NoneType);
    let mask = match f.is_ufunc() {
        true => given(e, args.pop()),
        false => None,
    };
    let out = match f.is_ufunc() {
        true => given(e, args.pop()),
        false => None,
    };
    if let Some(m) = &mask {
        let t = e.ty(m);
        let bool_mask = match &t {
            Type::Array(a) => a.dtype == crate::types::Scalar::Bool,
            t => t.storage() == Some(crate::types::Scalar::Bool),
        };
        if !bool_mask {
            return Err(e.error(format!(
                "where= takes a boolean array or a bool, not a value of type {t}"
            )));
        }
    }
    if f == ArrayFn::Clip {
        clamp_int_bounds(e, &mut args)?;
    }
    let leaf = ElemExpr::Leaf;
    let expr = match f {
        ArrayFn::Where => ElemExpr::Node(ElemNode::Select, vec![leaf(0), leaf(1), leaf(2)]),
        ArrayFn::Clip => ElemExpr::Node(
            ElemNode::Math(MathFn::Minimum, Flavour::Numpy),
            vec![
                ElemExpr::Node(
                    ElemNode::Math(MathFn::Maximum, Flavour::Numpy),
                    vec![leaf(0), leaf(1)],
                ),
                leaf(2),
            ],
        ),
        ArrayFn::Binary(op) => ElemExpr::Node(ElemNode::Binary(op), vec![leaf(0), leaf(1)]),
        ArrayFn::Compare(op) => ElemExpr::Node(ElemNode::Compare(op), vec![leaf(0), leaf(1)]),
        ArrayFn::Logical(op) => ElemExpr::Node(ElemNode::Logical(op), vec![leaf(0), leaf(1)]),
        ArrayFn::LogicalNot => ElemExpr::Node(ElemNode::Unary(UnaryOp::Not), vec![leaf(0)]),
        ArrayFn::Negative => ElemExpr::Node(ElemNode::Unary(UnaryOp::Neg), vec![leaf(0)]),
        ArrayFn::Math(m) => ElemExpr::Node(
            ElemNode::Math(m, Flavour::Numpy),
            (0..m.arity()).map(leaf).collect(),
        ),
        other => {
            return Err(crate::error::CompileError::internal(format!(
                "numpy.{other:?} is not an elementwise function"
            )))
        }
    };
    for a in &args {
        let t = e.ty(a);
        if !(t.is_scalar() || matches!(t, Type::Array(_))) {
            return Err(e.error(format!(
                "numpy.{f:?}() takes arrays and numbers, not a value of type {t}"
            )));
        }
    }
    if let Some(out) = out {
        // NumPy writes the result into `out` (broadcast to its shape,
        // cast with the same_kind rule) and returns it.
        let Type::Array(ot) = e.ty(&out) else {
            return Err(e.error(format!(
                "out= takes an array, not a value of type {}",
                e.ty(&out)
            )));
        };
        let mode = if any_array(e, &args) {
            Mode::Map
        } else {
            Mode::Scalar
        };
        let made = e.map(expr, args, mode)?;
        let rt = e.ty(&made);
        let from = rt.storage().or(match &rt {
            Type::Array(a) => Some(a.dtype),
            _ => None,
        });
        if let Some(from) = from {
            if !crate::types::promote::can_cast_scalar(
                from,
                ot.dtype,
                crate::types::Casting::SameKind,
            ) {
                return Err(e.error(format!(
                    "cannot cast the result from {from} to {} (out='s dtype) with NumPy's casting rule 'same_kind'",
                    ot.dtype
                )));
            }
        }
        if ot.readonly {
            return Err(e.error("out= is a read-only array"));
        }
        // `where=`: out keeps its elements where the mask is False.
        let made = match mask {
            Some(mask) => {
                let guarded = ElemExpr::Node(
                    ElemNode::Where,
                    vec![
                        leaf(0),
                        ElemExpr::Node(ElemNode::Cast(ot.dtype), vec![leaf(1)]),
                        leaf(2),
                    ],
                );
                e.map(guarded, vec![mask, made, out.clone()], Mode::Map)?
            }
            None => made,
        };
        super::arrays::assign(e, out.clone(), made)?;
        return Ok(out);
    }
    if let Some(mask) = mask {
        // `where=` without `out=`: NumPy leaves the elements where the
        // mask is False uninitialized; here they are 0.
        if !any_array(e, &args) {
            return Err(e.unsupported(
                "where= without out= on numbers is not supported (NumPy's result would be uninitialized); pass out=",
            ));
        }
        let made = e.map(expr, args, Mode::Map)?;
        let Type::Array(mt) = e.ty(&made) else {
            return Err(crate::error::CompileError::internal(
                "a map over arrays made a number",
            ));
        };
        let guarded = ElemExpr::Node(
            ElemNode::Cast(mt.dtype),
            vec![ElemExpr::Node(
                ElemNode::Where,
                vec![
                    leaf(0),
                    leaf(1),
                    ElemExpr::Const(Const::Int(0), Type::PY_INT),
                ],
            )],
        );
        return e.map(guarded, vec![mask, made], Mode::Map);
    }
    if any_array(e, &args) {
        let made = e.map(expr, args, Mode::Map)?;
        // np.where is not a ufunc: it always makes an array.
        if f == ArrayFn::Where {
            return Ok(made);
        }
        zero_d_as_scalar(e, made)
    } else {
        // NumPy converts Python numbers to NumPy scalars of the default
        // dtypes when nothing else decides (`np.add(2, 3)` is an int64,
        // `np.less(1+2j, 2)` compares complex128 with int64); a Python
        // number next to a NumPy scalar stays weak (NEP 50).
        let args = if args.iter().all(|a| e.ty(a).is_weak()) {
            args.into_iter()
                .map(|a| {
                    let t = e.ty(&a);
                    match t.storage() {
                        Some(s) => super::rules::cast(e, a, &Type::Scalar(s)),
                        None => Ok(a),
                    }
                })
                .collect::<Result<Vec<_>>>()?
        } else {
            args
        };
        let number = e.map(expr, args, Mode::Scalar)?;
        if f == ArrayFn::Where {
            // A 0-d array, as NumPy's np.where of numbers.
            return super::array_calls::array_call(
                e,
                ArrayFn::Array,
                crate::builtins::DtypeArg::Default,
                vec![number],
            );
        }
        Ok(number)
    }
}

/// `np.clip(a, lo, hi)` of integers with a Python int bound outside `a`'s
/// dtype: NumPy 2 clips to the dtype's range instead of raising
/// `OverflowError` (`np.clip(uint8_array, -1, 300)` is `a` unchanged), so
/// such a literal bound becomes the dtype's limit.
fn clamp_int_bounds<E: Emit>(e: &mut E, args: &mut [E::V]) -> Result<()> {
    let dtype = match args.first().map(|a| e.ty(a)) {
        Some(Type::Array(a)) => a.dtype,
        Some(Type::Scalar(s)) => s,
        _ => return Ok(()),
    };
    if !dtype.is_int() {
        return Ok(());
    }
    let (lo, hi) = dtype.int_range();
    for bound in args.iter_mut().skip(1).take(2) {
        if e.ty(bound) != Type::PY_INT {
            continue;
        }
        if let Some(Const::Int(i)) = e.konst(bound) {
            let clamped = i.clamp(lo, hi);
            if clamped != i {
                *bound = e.constant(Const::Int(clamped), Type::PY_INT)?;
            }
        }
    }
    Ok(())
}

/// Whether any operand is an array (the operation is elementwise).
pub fn any_array<E: Emit>(e: &E, args: &[E::V]) -> bool {
    args.iter().any(|a| matches!(e.ty(a), Type::Array(_)))
}

/// `node` applied to `args` element by element (at least one an array).
pub fn elementwise<E: Emit>(e: &mut E, node: ElemNode, args: Vec<E::V>) -> Result<E::V> {
    let mut leaves = vec![];
    let mut operands = vec![];
    for a in args {
        let t = e.ty(&a);
        match (&t, e.konst(&a)) {
            (Type::Scalar(_) | Type::Weak(_), Some(c)) => operands.push(ElemExpr::Const(c, t)),
            (Type::Scalar(_) | Type::Weak(_) | Type::Array(_), _) => {
                operands.push(ElemExpr::Leaf(leaves.len()));
                leaves.push(a);
            }
            _ => {
                return Err(e.error(format!(
                    "an array expression takes arrays and numbers, not a value of type {t}"
                )))
            }
        }
    }
    let made = e.map(ElemExpr::Node(node, operands), leaves, Mode::Map)?;
    zero_d_as_scalar(e, made)
}

/// NumPy's ufuncs give a scalar, not a 0-d array, when every operand is
/// 0-d: the element of a 0-d result.
fn zero_d_as_scalar<E: Emit>(e: &mut E, made: E::V) -> Result<E::V> {
    match e.ty(&made) {
        Type::Array(a) if a.ndim == 0 => super::arrays::load(e, made, vec![]),
        _ => Ok(made),
    }
}

/// The type of the array a map of an element function returning `element`
/// over operands of types `operands` makes.
pub fn map_type(element: &Type, operands: &[Type]) -> Option<Type> {
    let dtype = element.storage()?;
    let ndim = operands
        .iter()
        .map(|t| match t {
            Type::Array(a) => a.ndim,
            _ => 0,
        })
        .max()?;
    Some(Type::Array(ArrayType {
        dtype,
        ndim,
        layout: Layout::C,
        readonly: false,
        memory: Memory::Owned,
    }))
}
