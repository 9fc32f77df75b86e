//! Structural and type checks of a function, run after every pass when
//! verification is on (`enabled`: debug builds, tests, and
//! `JITUFUNC_VERIFY=1`, which the test suite sets): terminated blocks,
//! argument counts, definitions dominating uses, operations of the right
//! stage, and in typed IR, operand types that match what each operation
//! works at. Every problem is located at a function, block, instruction or
//! value (`VerifierError`).

use std::fmt;
use std::sync::OnceLock;

use super::entities::{Block, Inst, Value};
use super::function::{Function, Terminator, ValueDef};
use super::op::{ArrayOp, DictOp, ListOp, Op, RangeOp, Stage};
use crate::builtins::MathFn;
use crate::error::CompileError;
use crate::types::{Kind, Layout, Memory, Scalar, Type};

/// Where a problem is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Location {
    Function,
    Block(Block),
    Inst(Inst),
    Value(Value),
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Function => f.write_str("function"),
            Location::Block(b) => write!(f, "{b}"),
            Location::Inst(i) => write!(f, "{i}"),
            Location::Value(v) => write!(f, "{v}"),
        }
    }
}

/// One problem the verifier found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifierError {
    pub at: Location,
    pub message: String,
}

impl fmt::Display for VerifierError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.at, self.message)
    }
}

/// Every problem found in one function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifierErrors(pub Vec<VerifierError>);

impl VerifierErrors {
    /// Whether some error is at `at` and mentions `text`.
    pub fn has(&self, at: Location, text: &str) -> bool {
        self.0
            .iter()
            .any(|e| e.at == at && e.message.contains(text))
    }
}

impl fmt::Display for VerifierErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

/// Whether functions are verified after each pass: in debug builds and
/// tests always, otherwise when `JITUFUNC_VERIFY` is set (to anything but
/// `0`).
pub fn enabled() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    cfg!(debug_assertions)
        || cfg!(test)
        || *ON.get_or_init(|| std::env::var("JITUFUNC_VERIFY").is_ok_and(|v| v != "0"))
}

/// Verifies `f` (in `stage`) after pass `pass` if verification is on; a
/// failure is an internal error showing the problems and the IR.
pub fn check(f: &Function, stage: Stage, pass: &str) -> Result<(), CompileError> {
    if !enabled() {
        return Ok(());
    }
    verify(f, stage).map_err(|errors| {
        CompileError::internal(format!(
            "the IR of '{}' failed verification after {pass}:\n{errors}\n{f}",
            f.name
        ))
    })
}

/// Immediate dominators of reachable blocks (Cooper-Harvey-Kennedy).
pub fn dominators(f: &Function) -> Vec<Option<Block>> {
    let rpo = f.reverse_post_order();
    let mut order = vec![usize::MAX; f.blocks.len()];
    for (i, b) in rpo.iter().enumerate() {
        order[b.index()] = i;
    }
    let preds = f.predecessors();
    let mut idom: Vec<Option<Block>> = vec![None; f.blocks.len()];
    idom[f.entry.index()] = Some(f.entry);
    let mut changed = true;
    while changed {
        changed = false;
        for &b in rpo.iter().skip(1) {
            let mut new: Option<Block> = None;
            for &p in &preds[b.index()] {
                if idom[p.index()].is_none() {
                    continue;
                }
                new = Some(match new {
                    None => p,
                    Some(mut x) => {
                        let mut y = p;
                        while x != y {
                            while order[x.index()] > order[y.index()] {
                                x = idom[x.index()].expect("processed");
                            }
                            while order[y.index()] > order[x.index()] {
                                y = idom[y.index()].expect("processed");
                            }
                        }
                        x
                    }
                });
            }
            if new.is_some() && idom[b.index()] != new {
                idom[b.index()] = new;
                changed = true;
            }
        }
    }
    idom
}

fn dominates(idom: &[Option<Block>], a: Block, mut b: Block) -> bool {
    loop {
        if a == b {
            return true;
        }
        match idom[b.index()] {
            Some(p) if p != b => b = p,
            _ => return false,
        }
    }
}

struct Checker<'a> {
    f: &'a Function,
    errors: Vec<VerifierError>,
}

impl Checker<'_> {
    fn err(&mut self, at: Location, message: String) {
        self.errors.push(VerifierError { at, message });
    }

    /// The common type of `args`, reporting operands of another type.
    fn expect_same(&mut self, at: Location, what: &str, args: &[Value]) -> Option<Type> {
        let first = self.f.ty(*args.first()?).clone();
        for a in args {
            if *self.f.ty(*a) != first {
                self.err(
                    at,
                    format!(
                        "{what}: operand {a} has type {} but {} was expected",
                        self.f.ty(*a),
                        first
                    ),
                );
            }
        }
        Some(first)
    }

    fn arity(&mut self, at: Location, op: &Op, args: &[Value], n: usize) -> bool {
        if args.len() == n {
            return true;
        }
        self.err(
            at,
            format!("{op} takes {n} operand(s) but has {}", args.len()),
        );
        false
    }

    /// The typing contract of each operation (typed IR).
    fn check_typed_inst(&mut self, at: Location, op: &Op, args: &[Value], result: Option<Value>) {
        let f = self.f;
        let rty = result.map(|r| f.ty(r).clone()).unwrap_or(Type::NoneType);
        let is_bool = |t: &Type| t.storage() == Some(Scalar::Bool);
        match op {
            Op::Const(_, t) => {
                if *t != rty {
                    self.err(at, format!("constant of type {t} in a value of type {rty}"));
                }
            }
            Op::Frozen(a) => {
                let ok = matches!(&rty, Type::Array(t)
                    if t.dtype == a.dtype && t.ndim as usize == a.shape.len() && t.readonly
                        && a.bytes.len() == a.shape.iter().product::<usize>() * a.dtype.itemsize());
                if !args.is_empty() || !ok {
                    self.err(at, format!("a frozen array {a:?} typed {rty}"));
                }
            }
            Op::Binary(_) => {
                if self.arity(at, op, args, 2) {
                    if let Some(t) = self.expect_same(at, "binary", args) {
                        if t != rty || !t.is_scalar() {
                            self.err(at, format!("binary operands {t} but result {rty}"));
                        }
                    }
                }
            }
            Op::Unary(_) => {
                if self.arity(at, op, args, 1) {
                    let t = f.ty(args[0]);
                    if *t != rty || !t.is_scalar() {
                        self.err(at, format!("unary operand {t} but result {rty}"));
                    }
                }
            }
            Op::Compare(_) => {
                if self.arity(at, op, args, 2) {
                    self.expect_same(at, "compare", args);
                }
                if !is_bool(&rty) {
                    self.err(at, format!("compare result must be bool, is {rty}"));
                }
            }
            Op::Truth => {
                self.arity(at, op, args, 1);
                if !is_bool(&rty) {
                    self.err(at, format!("truth result must be bool, is {rty}"));
                }
            }
            Op::Cast => {
                let view = matches!((f.ty(args[0]), &rty), (Type::Array(x), Type::Array(y))
                    if crate::types::ty::view_converts(x, y));
                if self.arity(at, op, args, 1)
                    && !view
                    && !(f.ty(args[0]).is_scalar() && rty.is_scalar())
                {
                    self.err(at, format!("cast from {} to {rty}", f.ty(args[0])));
                }
            }
            Op::Select => {
                if args.len() != 3 || !is_bool(f.ty(args[0])) {
                    self.err(at, "select needs (bool, a, b)".into());
                } else if f.ty(args[1]) != &rty || f.ty(args[2]) != &rty {
                    self.err(at, format!("select arms must have the result type {rty}"));
                }
            }
            Op::MakeComplex => {
                if self.arity(at, op, args, 2) {
                    if let Some(t) = self.expect_same(at, "complex", args) {
                        if rty.kind() != Some(Kind::Complex) || t.kind() != Some(Kind::Float) {
                            self.err(at, format!("complex({t}, {t}) cannot give {rty}"));
                        }
                    }
                }
            }
            Op::Math(m) => {
                if args.len() != m.arity() {
                    self.err(at, format!("math.{m:?} takes {} arguments", m.arity()));
                }
                if let Some(t) = self.expect_same(at, "math", args) {
                    let ok = if m.is_predicate() {
                        is_bool(&rty)
                    } else if matches!(m, MathFn::Abs | MathFn::Real | MathFn::Imag | MathFn::Phase)
                        && t.kind() == Some(Kind::Complex)
                    {
                        rty.kind() == Some(Kind::Float)
                    } else {
                        rty == t
                    };
                    if !ok {
                        self.err(at, format!("math.{m:?} on {t} cannot give {rty}"));
                    }
                }
            }
            Op::Random(r) => {
                let (params, ret) = r.signature();
                let params_ok = args.len() == params.len()
                    && args.iter().zip(&params).all(|(a, p)| f.ty(*a) == p);
                let ret_ok = match (ret, result) {
                    (Some(t), Some(_)) => rty == t,
                    (None, None) => true,
                    _ => false,
                };
                if !params_ok || !ret_ok {
                    self.err(at, format!("{op} with mistyped operands or result {rty}"));
                }
            }
            // The verifier sees one function: typing checked the arguments
            // and result against the callee's typed signature.
            Op::CallFunc(_) => {}
            // Typing checked the body's signature; the partials are one
            // number per reducer.
            Op::ParallelFor(_, reducers) => {
                let ok = super::prange_partials_ok(&rty, reducers.len());
                if !ok {
                    self.err(
                        at,
                        format!("parallel_for with {} reducers gives {rty}", reducers.len()),
                    );
                }
            }
            Op::CallC(r) => {
                let c = crate::builtins::c_functions::get(*r);
                let params_ok = args.len() == c.params.len()
                    && args
                        .iter()
                        .zip(&c.params)
                        .all(|(a, p)| *f.ty(*a) == Type::Scalar(*p));
                let ret_ok = match c.ret {
                    Some(s) => rty == Type::Scalar(s),
                    None => rty == Type::NoneType,
                };
                if !params_ok || !ret_ok {
                    self.err(
                        at,
                        format!("call_c of {c} with mistyped arguments or result"),
                    );
                }
            }
            Op::ReduceAxis(_, axis, _) => {
                let ndim = args
                    .iter()
                    .map(|a| match f.ty(*a) {
                        Type::Array(t) => t.ndim,
                        _ => 0,
                    })
                    .max()
                    .unwrap_or(0);
                let ok = matches!(&rty, Type::Array(r)
                    if r.ndim + 1 == ndim && *axis < ndim && r.memory == crate::types::Memory::Owned);
                if !ok {
                    self.err(
                        at,
                        format!("reduce along axis {axis} of {ndim}-d operands gives {rty}"),
                    );
                }
            }
            Op::Reduce(..) => {
                let any_array = args.iter().any(|a| matches!(f.ty(*a), Type::Array(_)));
                let fine = args
                    .iter()
                    .all(|a| matches!(f.ty(*a), Type::Array(_)) || f.ty(*a).is_scalar());
                if !any_array || !fine || !matches!(rty, Type::Scalar(_)) {
                    self.err(
                        at,
                        format!("reduce needs arrays and scalars and gives a number, gives {rty}"),
                    );
                }
            }
            // The element function's parameters are checked with the
            // program's calls (`verify_calls`).
            Op::MapInto(_) => {
                let target = args.first().map(|a| f.ty(*a));
                let ok = matches!(target, Some(Type::Array(t))
                if !t.readonly
                    && args[1..].iter().all(|a| match f.ty(*a) {
                        Type::Array(x) => x.ndim <= t.ndim,
                        x => x.is_scalar(),
                    }))
                    && args[1..].iter().any(|a| matches!(f.ty(*a), Type::Array(_)));
                if !ok {
                    self.err(
                        at,
                        "map_into needs a writable array, then arrays of no more axes and scalars"
                            .into(),
                    );
                }
            }
            Op::Map(_) => {
                let ndim = args
                    .iter()
                    .map(|a| match f.ty(*a) {
                        Type::Array(t) => Some(t.ndim),
                        t if t.is_scalar() => Some(0),
                        _ => None,
                    })
                    .collect::<Option<Vec<u32>>>();
                let any_array = args.iter().any(|a| matches!(f.ty(*a), Type::Array(_)));
                let ok = match (&rty, ndim) {
                    (Type::Array(r), Some(n)) => {
                        any_array
                            && r.ndim == n.into_iter().max().unwrap_or(0)
                            && r.layout == crate::types::Layout::C
                            && r.memory == crate::types::Memory::Owned
                    }
                    _ => false,
                };
                if !ok {
                    self.err(
                        at,
                        format!("map needs arrays and scalars (one array at least) and gives a new C array, gives {rty}"),
                    );
                }
            }
            Op::Gufunc(_, call) => {
                let layout = &call.layout;
                let nin = layout.nin();
                // Inputs at the plan's dtypes with at least their core
                // dimensions; the loop dimensions of the longest.
                let loops: Option<Vec<u32>> = args
                    .iter()
                    .enumerate()
                    .map(|(k, a)| {
                        let core = layout.operand(k).len() as u32;
                        let dtype = call.plan.operands.get(k)?.dtype;
                        match f.ty(*a) {
                            Type::Array(t) if t.dtype == dtype && t.ndim >= core => {
                                Some(t.ndim - core)
                            }
                            Type::Scalar(s) if *s == dtype && core == 0 => Some(0),
                            _ => None,
                        }
                    })
                    .collect();
                let ok = match loops {
                    Some(loops) if args.len() == nin => {
                        call.result_type(loops.into_iter().max().unwrap_or(0)) == rty
                    }
                    _ => false,
                };
                if !ok {
                    self.err(
                        at,
                        format!(
                            "gufunc {} {:?} needs its {nin} inputs at the plan's dtypes with their core dimensions, and gives new C arrays of the loop shape and the outputs' core dimensions, gives {rty}",
                            call.name, layout.text
                        ),
                    );
                }
            }
            Op::MakeTuple => {
                let items = Type::Tuple(args.iter().map(|a| f.ty(*a).clone()).collect());
                if items != rty {
                    self.err(at, format!("tuple of {items} in a value of type {rty}"));
                }
            }
            Op::TupleGet(i) => {
                if self.arity(at, op, args, 1) {
                    match f.ty(args[0]) {
                        Type::Tuple(items) if (*i as usize) < items.len() => {
                            if items[*i as usize] != rty {
                                self.err(
                                    at,
                                    format!(
                                        "item {i} is {} but the result is {rty}",
                                        items[*i as usize]
                                    ),
                                );
                            }
                        }
                        t => self.err(at, format!("tuple_get {i} of a value of type {t}")),
                    }
                }
            }
            Op::Array(a) => self.check_array_op(at, *a, args, &rty),
            Op::TupleItem => {
                let ok = args.len() == 2
                    && *f.ty(args[1]) == Type::I64
                    && matches!(f.ty(args[0]), Type::Tuple(items)
                        if !items.is_empty() && items.iter().all(|t| *t == rty));
                if !ok {
                    self.err(
                        at,
                        format!("tuple_item needs a tuple of items of type {rty} and an int64"),
                    );
                }
            }
            Op::Slice => {
                if args.len() != 3
                    || args.iter().any(|a| *f.ty(*a) != Type::I64)
                    || rty != Type::Slice
                {
                    self.err(
                        at,
                        format!("a slice is three int64 parts, giving a slice, not {rty}"),
                    );
                }
            }
            Op::Dict(d) => {
                let types = match (args.first().map(|a| f.ty(*a)), &rty) {
                    (_, Type::Dict(k, v)) if *d == DictOp::New => Some((*k, *v)),
                    (Some(Type::Dict(k, v)), _) => Some((*k, *v)),
                    _ => None,
                };
                let ty = |k: usize| args.get(k).map(|a| f.ty(*a).clone());
                let ok = types.is_some_and(|(k, v)| {
                    let (k, v) = (Some(Type::Scalar(k)), v.to_type());
                    let n = args.len();
                    match d {
                        DictOp::New => n == 0,
                        DictOp::Len | DictOp::Compact => n == 1 && rty == Type::PY_INT,
                        DictOp::Key => n == 2 && ty(1) == Some(Type::I64) && Some(rty.clone()) == k,
                        DictOp::Value => n == 2 && ty(1) == Some(Type::I64) && rty == v,
                        DictOp::Get | DictOp::Pop => n == 2 && ty(1) == k && rty == v,
                        DictOp::GetOr | DictOp::PopOr => {
                            n == 3 && ty(1) == k && ty(2) == Some(v.clone()) && rty == v
                        }
                        DictOp::Contains => n == 2 && ty(1) == k && rty == Type::PY_BOOL,
                        DictOp::Set => n == 3 && ty(1) == k && ty(2) == Some(v),
                        DictOp::Clear => n == 1,
                        DictOp::Copy => {
                            n == 1 && matches!(&rty, Type::Dict(..)) && ty(0) == Some(rty.clone())
                        }
                    }
                });
                if !ok {
                    self.err(
                        at,
                        format!(
                            "dict.{} takes a typed Dict, keys and values of its types (entry numbers int64)",
                            d.name()
                        ),
                    );
                }
            }
            Op::List(l) => {
                let list = args.first().map(|a| f.ty(*a).clone());
                let item = match (&list, &rty) {
                    (_, Type::List(s)) if *l == ListOp::New => Some(*s),
                    (Some(Type::List(s)), _) => Some(*s),
                    _ => None,
                };
                let ty = |k: usize| args.get(k).map(|a| f.ty(*a).clone());
                let ok = item.is_some_and(|s| {
                    let s = s.to_type();
                    match l {
                        ListOp::New => args.is_empty(),
                        ListOp::Len => args.len() == 1 && rty == Type::PY_INT,
                        ListOp::Get => args.len() == 2 && ty(1) == Some(Type::I64) && rty == s,
                        ListOp::Set => {
                            args.len() == 3 && ty(1) == Some(Type::I64) && ty(2) == Some(s)
                        }
                        ListOp::Append => args.len() == 2 && ty(1) == Some(s),
                        ListOp::Pop => args.len() == 2 && ty(1) == Some(Type::I64) && rty == s,
                        ListOp::Clear => args.len() == 1,
                        ListOp::Sort => args.len() == 1 && matches!(s, Type::Scalar(_)),
                        ListOp::Copy => args.len() == 1 && Some(rty.clone()) == list,
                        ListOp::Slice => {
                            args.len() == 2
                                && ty(1) == Some(Type::Slice)
                                && Some(rty.clone()) == list
                        }
                        ListOp::Contains => {
                            args.len() == 2
                                && rty == Type::PY_BOOL
                                && match &s {
                                    Type::Scalar(_) => matches!(ty(1), Some(Type::Scalar(_))),
                                    _ => ty(1) == Some(s.clone()),
                                }
                        }
                        ListOp::Repeat => {
                            args.len() == 2 && ty(1) == Some(Type::I64) && Some(rty.clone()) == list
                        }
                        ListOp::Concat => {
                            args.len() == 2 && ty(1) == list && Some(rty.clone()) == list
                        }
                        ListOp::Extend => args.len() == 2 && ty(1) == list,
                        ListOp::Equal => {
                            args.len() == 2
                                && matches!(ty(1), Some(Type::List(_)))
                                && rty == Type::PY_BOOL
                        }
                    }
                });
                if !ok {
                    self.err(
                        at,
                        format!(
                            "list.{} takes a typed List, int64 indices and items of its type",
                            l.name()
                        ),
                    );
                }
            }
            Op::Range(r) => {
                let arity = match r {
                    RangeOp::Len => 3,
                    RangeOp::Next | RangeOp::Index => 2,
                };
                if args.len() != arity
                    || args.iter().any(|a| *f.ty(*a) != Type::PY_INT)
                    || rty != Type::PY_INT
                {
                    self.err(
                        at,
                        format!(
                            "range.{} takes {arity} Python ints and gives one, not {rty}",
                            r.name()
                        ),
                    );
                }
            }
            Op::Print(format) => {
                if args.len() != format.values()
                    || args
                        .iter()
                        .any(|a| !super::op::PrintFormat::printable(f.ty(*a)))
                {
                    self.err(
                        at,
                        format!(
                            "print of {} values needs {} numbers or arrays",
                            args.len(),
                            format.values()
                        ),
                    );
                }
            }
            // Untyped-only operations: the stage check reports them.
            Op::Undef
            | Op::Call(_)
            | Op::CallKernel(_)
            | Op::Prange(..)
            | Op::CallValue
            | Op::InPlace(_)
            | Op::Attr(_)
            | Op::GetItem
            | Op::SetItem
            | Op::Len
            | Op::NewList(_)
            | Op::NewDict(_)
            | Op::IterItem
            | Op::Unpack(_) => {}
        }
    }

    fn check_array_op(&mut self, at: Location, op: ArrayOp, args: &[Value], rty: &Type) {
        let f = self.f;
        match op {
            ArrayOp::Empty => {
                let ok = matches!(rty, Type::Array(a) if a.memory == Memory::Owned
                    && a.ndim as usize == args.len()
                    && !a.readonly
                    && (a.layout == Layout::C || a.ndim == 0));
                if !ok || args.iter().any(|d| *f.ty(*d) != Type::I64) {
                    self.err(
                        at,
                        format!("empty with {} int64 sizes gives {rty}", args.len()),
                    );
                }
                return;
            }
            ArrayOp::Subscript => {
                let (Some(Type::Array(a)), Type::Array(r)) = (args.first().map(|v| f.ty(*v)), rty)
                else {
                    self.err(at, format!("subscript gives {rty}"));
                    return;
                };
                let items = &args[1..];
                let dropped = items.iter().filter(|i| *f.ty(**i) == Type::I64).count();
                let ok = items.len() <= a.ndim as usize
                    && items
                        .iter()
                        .all(|i| matches!(f.ty(*i), Type::Slice) || *f.ty(*i) == Type::I64)
                    && r.dtype == a.dtype
                    && r.ndim as usize + dropped == a.ndim as usize
                    && r.readonly == a.readonly
                    && r.memory == a.memory;
                if !ok {
                    self.err(
                        at,
                        format!("subscript of {a} with {} items gives {rty}", items.len()),
                    );
                }
                return;
            }
            ArrayOp::Take | ArrayOp::Put => {
                let n = args.len();
                // Take: the array and the index arrays; Put: then the value.
                let end = if op == ArrayOp::Take {
                    n
                } else {
                    n.saturating_sub(1)
                };
                let indices = &args[1.min(end)..end];
                let int_arrays = !indices.is_empty()
                    && indices
                        .iter()
                        .all(|i| matches!(f.ty(*i), Type::Array(x) if x.dtype.kind() == Kind::Int));
                let ok = match (args.first().map(|v| f.ty(*v)), op) {
                    (Some(Type::Array(a)), ArrayOp::Take) => {
                        let s = indices.first().map(|i| match f.ty(*i) {
                            Type::Array(x) => x.ndim,
                            _ => 0,
                        });
                        int_arrays
                            && indices.len() <= a.ndim as usize
                            && matches!(rty, Type::Array(r) if r.dtype == a.dtype
                                && r.memory == Memory::Owned && r.layout == Layout::C
                                && Some(r.ndim + indices.len() as u32) == s.map(|s| s + a.ndim))
                    }
                    (Some(Type::Array(a)), _) => {
                        let value = f.ty(args[n - 1]);
                        int_arrays
                            && !a.readonly
                            && indices.len() <= a.ndim as usize
                            && (matches!(value, Type::Array(_)) || *value == Type::Scalar(a.dtype))
                    }
                    _ => false,
                };
                if !ok {
                    self.err(
                        at,
                        format!("array.{} with {} index arrays", op.name(), indices.len()),
                    );
                }
                return;
            }
            ArrayOp::CheckUnpack => {
                let ok = args.len() == 2
                    && *f.ty(args[1]) == Type::I64
                    && matches!(f.ty(args[0]), Type::Array(a) if a.ndim >= 1);
                if !ok {
                    self.err(
                        at,
                        "check_unpack needs an array of 1 or more axes and an int64".into(),
                    );
                }
                return;
            }
            ArrayOp::CheckMask => {
                let ok = args.len() == 2
                    && matches!((f.ty(args[0]), f.ty(args[1])), (Type::Array(a), Type::Array(m))
                        if m.dtype == Scalar::Bool && m.ndim <= a.ndim);
                if !ok {
                    self.err(
                        at,
                        "checkmask needs an array and a bool mask of no more axes".into(),
                    );
                }
                return;
            }
            ArrayOp::NewAxis => {
                let ok = args.len() == 2
                    && *f.ty(args[1]) == Type::I64
                    && matches!((f.ty(args[0]), rty), (Type::Array(a), Type::Array(r))
                        if r.dtype == a.dtype && r.ndim == a.ndim + 1
                            && r.readonly == a.readonly && r.memory == a.memory);
                if !ok {
                    self.err(at, format!("newaxis gives {rty}"));
                }
                return;
            }
            ArrayOp::MoveAxesToEnd => {
                let ok = args.len() >= 2
                    && args[1..].iter().all(|a| *f.ty(*a) == Type::I64)
                    && matches!((f.ty(args[0]), rty), (Type::Array(a), Type::Array(r))
                        if r.dtype == a.dtype && r.ndim == a.ndim && a.ndim as usize >= args.len() - 1
                            && r.readonly == a.readonly && r.memory == a.memory);
                if !ok {
                    self.err(at, format!("move_axes_to_end gives {rty}"));
                }
                return;
            }
            ArrayOp::Transpose => {
                let ok = args.len() == 1
                    && matches!((f.ty(args[0]), rty), (Type::Array(a), Type::Array(r))
                        if r.dtype == a.dtype && r.ndim == a.ndim
                            && r.readonly == a.readonly && r.memory == a.memory);
                if !ok {
                    self.err(at, format!("transpose gives {rty}"));
                }
                return;
            }
            ArrayOp::Arange => {
                let bounds = args.first().map(|v| f.ty(*v).clone());
                let ok = args.len() == 3
                    && matches!(bounds, Some(Type::Scalar(Scalar::I64 | Scalar::F64)))
                    && args.iter().all(|a| Some(f.ty(*a).clone()) == bounds)
                    && matches!(rty, Type::Array(r) if r.ndim == 1 && r.memory == Memory::Owned);
                if !ok {
                    self.err(
                        at,
                        format!("arange of three int64 or float64 bounds gives {rty}"),
                    );
                }
                return;
            }
            ArrayOp::Nonzero => {
                let ok = match (args.first().map(|v| f.ty(*v)), rty) {
                    (Some(Type::Array(a)), Type::Tuple(items)) => {
                        args.len() == 1
                            && items.len() == (a.ndim as usize).max(1)
                            && items.iter().all(|t| matches!(t, Type::Array(r)
                                if r.dtype == Scalar::I64 && r.ndim == 1 && r.memory == Memory::Owned))
                    }
                    _ => false,
                };
                if !ok {
                    self.err(at, format!("nonzero gives {rty}"));
                }
                return;
            }
            ArrayOp::Reshape => {
                let ok = matches!((args.first().map(|v| f.ty(*v)), rty),
                    (Some(Type::Array(a)), Type::Array(r)) if r.dtype == a.dtype
                        && r.ndim as usize + 1 == args.len()
                        && (r.layout == Layout::C || r.ndim == 0)
                        && r.readonly == a.readonly
                        && r.memory == Memory::Owned)
                    && args[1..].iter().all(|d| *f.ty(*d) == Type::I64);
                if !ok {
                    self.err(
                        at,
                        format!(
                            "reshape of an array to {} int64 sizes gives {rty}",
                            args.len().saturating_sub(1)
                        ),
                    );
                }
                return;
            }
            ArrayOp::BlasMatmul => {
                let dtype = args.first().and_then(|v| match f.ty(*v) {
                    Type::Array(a) if !a.readonly => Some(a.dtype),
                    _ => None,
                });
                let ok = args.len() == 3
                    && *rty == Type::BOOL
                    && matches!(
                        dtype,
                        Some(Scalar::F32 | Scalar::F64 | Scalar::C64 | Scalar::C128)
                    )
                    && args.iter().all(|a| {
                        matches!(f.ty(*a), Type::Array(x)
                        if x.ndim == 2 && Some(x.dtype) == dtype)
                    });
                if !ok {
                    self.err(
                        at,
                        "blas_matmul takes a writable out, a and b: 2-d arrays of one float or complex dtype, and gives a bool".into(),
                    );
                }
                return;
            }
            ArrayOp::Eye | ArrayOp::Linspace => {
                let params: &[Type] = if op == ArrayOp::Eye {
                    &[Type::I64, Type::I64, Type::I64]
                } else {
                    &[Type::F64, Type::F64, Type::I64, Type::BOOL]
                };
                let ndim = if op == ArrayOp::Eye { 2 } else { 1 };
                let ok = args.len() == params.len()
                    && args.iter().zip(params).all(|(a, p)| f.ty(*a) == p)
                    && matches!(rty, Type::Array(r) if r.ndim == ndim
                        && r.layout == Layout::C && !r.readonly && r.memory == Memory::Owned);
                if !ok {
                    self.err(at, format!("array.{} gives {rty}", op.name()));
                }
                return;
            }
            ArrayOp::Assign => {
                let target = args.first().map(|v| f.ty(*v));
                let ok = args.len() == 2
                    && matches!(target, Some(Type::Array(a)) if !a.readonly
                        && (matches!(f.ty(args[1]), Type::Array(_))
                            || *f.ty(args[1]) == Type::Scalar(a.dtype)));
                if !ok {
                    self.err(
                        at,
                        "assign needs a writable array and a value of its dtype or an array".into(),
                    );
                }
                return;
            }
            ArrayOp::IncRef | ArrayOp::DecRef => {
                if args.len() != 1 || !crate::ir::refcount::counted(f.ty(args[0])) {
                    self.err(
                        at,
                        format!(
                            "array.{} needs one value holding allocated arrays",
                            op.name()
                        ),
                    );
                }
                return;
            }
            _ => {}
        }
        let Some(first) = args.first() else {
            self.err(at, format!("array.{} needs an array operand", op.name()));
            return;
        };
        let Type::Array(a) = f.ty(*first) else {
            self.err(
                at,
                format!("array.{} of a value of type {}", op.name(), f.ty(*first)),
            );
            return;
        };
        let ndim = a.ndim as usize;
        let indices = match op {
            ArrayOp::Load | ArrayOp::View => &args[1..],
            ArrayOp::Store => &args[1..args.len().saturating_sub(1).max(1)],
            ArrayOp::Shape | ArrayOp::Size | ArrayOp::Len => &args[1..],
            // The value, not an index.
            ArrayOp::Fill => &[],
            ArrayOp::Empty
            | ArrayOp::IncRef
            | ArrayOp::DecRef
            | ArrayOp::Subscript
            | ArrayOp::Assign
            | ArrayOp::Transpose
            | ArrayOp::MoveAxesToEnd
            | ArrayOp::NewAxis
            | ArrayOp::Take
            | ArrayOp::Put
            | ArrayOp::CheckMask
            | ArrayOp::CheckUnpack
            | ArrayOp::Arange
            | ArrayOp::Nonzero
            | ArrayOp::Reshape
            | ArrayOp::Eye
            | ArrayOp::Linspace
            | ArrayOp::BlasMatmul => {
                unreachable!("checked above")
            }
        };
        if matches!(op, ArrayOp::Load | ArrayOp::View | ArrayOp::Store) {
            for i in indices {
                if *f.ty(*i) != Type::I64 {
                    self.err(at, format!("index {i} is {}, not int64", f.ty(*i)));
                }
            }
        } else if !indices.is_empty() {
            self.err(at, format!("array.{} takes only the array", op.name()));
        }
        match op {
            ArrayOp::Load => {
                if indices.len() != ndim || *rty != Type::Scalar(a.dtype) {
                    self.err(
                        at,
                        format!("load of {} with {} indices gives {rty}", a, indices.len()),
                    );
                }
            }
            ArrayOp::View => {
                // The trailing axes keep the layout, writability and owner.
                let ok = indices.len() < ndim
                    && matches!(rty, Type::Array(v) if v.dtype == a.dtype
                        && v.ndim as usize == ndim - indices.len()
                        && v.layout == a.layout
                        && v.readonly == a.readonly
                        && v.memory == a.memory);
                if !ok {
                    self.err(
                        at,
                        format!("view of {} with {} indices gives {rty}", a, indices.len()),
                    );
                }
            }
            ArrayOp::Store => {
                let value = args.last().filter(|_| args.len() >= 2);
                let ok = indices.len() == ndim
                    && value.is_some_and(|v| *f.ty(*v) == Type::Scalar(a.dtype));
                if !ok {
                    self.err(at, format!("store into {a} with {} indices", indices.len()));
                }
                if a.readonly {
                    self.err(at, format!("store into a read-only array {a}"));
                }
            }
            ArrayOp::Shape => {
                if *rty != Type::Tuple(vec![Type::PY_INT; ndim]) {
                    self.err(at, format!("shape of {a} is {rty}"));
                }
            }
            ArrayOp::Size | ArrayOp::Len => {
                if *rty != Type::PY_INT || (op == ArrayOp::Len && ndim == 0) {
                    self.err(at, format!("array.{} of {a} is {rty}", op.name()));
                }
            }
            ArrayOp::Fill => {
                let ok = args.len() == 2 && *f.ty(args[1]) == Type::Scalar(a.dtype);
                if !ok || a.readonly {
                    self.err(at, format!("fill of {a} needs one {} value", a.dtype));
                }
            }
            ArrayOp::Empty
            | ArrayOp::IncRef
            | ArrayOp::DecRef
            | ArrayOp::Subscript
            | ArrayOp::Assign
            | ArrayOp::Transpose
            | ArrayOp::MoveAxesToEnd
            | ArrayOp::NewAxis
            | ArrayOp::Take
            | ArrayOp::Put
            | ArrayOp::CheckMask
            | ArrayOp::CheckUnpack
            | ArrayOp::Arange
            | ArrayOp::Nonzero
            | ArrayOp::Reshape
            | ArrayOp::Eye
            | ArrayOp::Linspace
            | ArrayOp::BlasMatmul => unreachable!("checked above"),
        }
    }
}

/// Checks `f` as IR of `stage`; returns every problem found.
pub fn verify(f: &Function, stage: Stage) -> Result<(), VerifierErrors> {
    let mut c = Checker { f, errors: vec![] };
    let typed = stage == Stage::Typed;
    let idom = dominators(f);
    let rpo = f.reverse_post_order();
    // Where each instruction sits (block, position) for dominance in-block.
    let mut position = vec![None; f.insts.len()];
    for &b in &rpo {
        for (i, inst) in f.block(b).insts.iter().enumerate() {
            if position[inst.index()].is_some() {
                c.err(Location::Inst(*inst), "is listed in two places".into());
            }
            position[inst.index()] = Some((b, i));
        }
    }
    let defined_at = |v: Value| -> Option<(Block, isize)> {
        match f.value(v).def {
            ValueDef::Param(b, _) => Some((b, -1)),
            ValueDef::Inst(i) => position[i.index()].map(|(b, p)| (b, p as isize)),
        }
    };
    let check_use = |c: &mut Checker, at: Location, v: Value, b: Block, pos: isize| {
        if v.index() >= f.values.len() {
            c.err(at, format!("uses undefined value {v}"));
            return;
        }
        match defined_at(v) {
            None => c.err(at, format!("uses {v}, defined in an unreachable block")),
            Some((db, dpos)) => {
                let ok = if db == b {
                    dpos < pos
                } else {
                    dominates(&idom, db, b)
                };
                if !ok {
                    c.err(
                        at,
                        format!("uses {v}, whose definition does not dominate the use"),
                    );
                }
            }
        }
    };
    if typed {
        for p in f.params() {
            if !f.ty(*p).is_known() {
                c.err(Location::Value(*p), "parameter has no type".into());
            }
        }
    }
    for &b in &rpo {
        let data = f.block(b);
        for (p_index, p) in data.params.iter().enumerate() {
            if f.value(*p).def != ValueDef::Param(b, p_index as u32) {
                c.err(
                    Location::Value(*p),
                    format!("parameter {p_index} of {b} has a wrong definition"),
                );
            }
            if typed && !f.ty(*p).is_known() {
                c.err(Location::Value(*p), format!("parameter of {b} has no type"));
            }
        }
        for (pos, inst) in data.insts.iter().enumerate() {
            let at = Location::Inst(*inst);
            let d = f.inst(*inst);
            if !d.op.stages().allows(stage) {
                c.err(at, format!("{} is not allowed in {stage:?} IR", d.op));
            }
            if d.op.has_result() != d.result.is_some() {
                c.err(
                    at,
                    format!(
                        "{} {} a result",
                        d.op,
                        if d.op.has_result() {
                            "lacks"
                        } else {
                            "must not have"
                        }
                    ),
                );
            }
            if let Op::CallKernel(k) | Op::Prange(k, _) = &d.op {
                if k.index() >= f.kernels.len() {
                    c.err(at, format!("calls {k}, which is not in the kernel table"));
                }
            }
            for a in &d.args {
                check_use(&mut c, at, *a, b, pos as isize);
            }
            if let Some(r) = d.result {
                if f.value(r).def != ValueDef::Inst(*inst) {
                    c.err(
                        Location::Value(r),
                        format!("result of {inst} has a wrong definition"),
                    );
                }
                if typed && !f.ty(r).is_known() {
                    c.err(
                        Location::Value(r),
                        format!("result of {} has no type", d.op),
                    );
                }
            }
            if typed {
                c.check_typed_inst(at, &d.op, &d.args, d.result);
            }
        }
        let at = Location::Block(b);
        let end = data.insts.len() as isize;
        for v in data.term.uses() {
            check_use(&mut c, at, v, b, end);
        }
        match &data.term {
            Terminator::None => c.err(at, "has no terminator".into()),
            Terminator::Return(v) if typed => {
                let t = v.map(|v| f.ty(v).clone()).unwrap_or(Type::NoneType);
                if t != f.ret {
                    c.err(
                        at,
                        format!("returns {t} but the function returns {}", f.ret),
                    );
                }
            }
            Terminator::Branch { cond, .. }
                if typed && f.ty(*cond).storage() != Some(Scalar::Bool) =>
            {
                c.err(
                    at,
                    format!("branch condition {cond} is {}, not bool", f.ty(*cond)),
                );
            }
            Terminator::Jump(_)
            | Terminator::Branch { .. }
            | Terminator::Return(_)
            | Terminator::Raise(_) => {}
        }
        for t in data.term.targets() {
            let params = &f.block(t.block).params;
            if params.len() != t.args.len() {
                c.err(
                    at,
                    format!(
                        "passes {} arguments to {} which has {} parameters",
                        t.args.len(),
                        t.block,
                        params.len()
                    ),
                );
            } else if typed {
                for (a, p) in t.args.iter().zip(params) {
                    if f.ty(*a) != f.ty(*p) {
                        c.err(
                            at,
                            format!(
                                "passes {a}: {} to {p}: {} of {}",
                                f.ty(*a),
                                f.ty(*p),
                                t.block
                            ),
                        );
                    }
                }
            }
        }
    }
    if c.errors.is_empty() {
        Ok(())
    } else {
        Err(VerifierErrors(c.errors))
    }
}

/// `verify_calls` on a typed program if verification is on (see `check`).
pub fn check_calls(functions: &[Function], pass: &str) -> Result<(), CompileError> {
    if !enabled() {
        return Ok(());
    }
    verify_calls(functions).map_err(|errors| {
        let text: String = functions
            .iter()
            .enumerate()
            .map(|(i, f)| format!("# fn{i}\n{f}"))
            .collect();
        CompileError::internal(format!(
            "the calls of a typed program failed verification after {pass}:\n{errors}\n{text}"
        ))
    })
}

/// Checks every `call fnK` of `functions` (a typed program) against its
/// callee: the id names a function, the arguments have its parameter types
/// and the result its return type. (`verify` sees one function and
/// cannot.)
pub fn verify_calls(functions: &[Function]) -> Result<(), VerifierErrors> {
    let mut errors = vec![];
    for (fi, f) in functions.iter().enumerate() {
        for b in f.reverse_post_order() {
            for inst in &f.block(b).insts {
                let d = f.inst(*inst);
                let Some(id) = d.op.callee() else {
                    continue;
                };
                let mut err = |message: String| {
                    errors.push(VerifierError {
                        at: Location::Inst(*inst),
                        message: format!("in fn{fi}: {message}"),
                    })
                };
                let Some(callee) = functions.get(id.index()) else {
                    err(format!("calls {id}, which is not in the program"));
                    continue;
                };
                let params: Vec<&Type> = callee.params().iter().map(|p| callee.ty(*p)).collect();
                if let Op::Gufunc(_, call) = &d.op {
                    // The kernel takes the plan's parameters and returns
                    // numbers for the outputs filled from its return.
                    let want = call.plan.param_types(false);
                    if params != want.iter().collect::<Vec<_>>() {
                        err(format!(
                            "gufunc {} calls {id}, whose parameters are not the plan's",
                            call.name
                        ));
                    }
                    let returned = match &callee.ret {
                        Type::Tuple(items) => {
                            items.iter().all(|t| t.is_scalar())
                                && items.len() == call.plan.returned.len()
                        }
                        Type::NoneType => call.plan.returned.is_empty(),
                        t => t.is_scalar() && call.plan.returned.len() == 1,
                    };
                    if !returned {
                        err(format!(
                            "gufunc {} calls {id}, which returns {} for outputs {:?}",
                            call.name, callee.ret, call.plan.returned
                        ));
                    }
                    continue;
                }
                // A map passes elements of its array operands (a map into
                // a view: of the operands after the view).
                let skip = usize::from(matches!(d.op, Op::MapInto(_)));
                let elements: Vec<Type> = d.args[skip.min(d.args.len())..]
                    .iter()
                    .map(|a| match (f.ty(*a), &d.op) {
                        (
                            Type::Array(t),
                            Op::Map(_) | Op::MapInto(_) | Op::Reduce(..) | Op::ReduceAxis(..),
                        ) => Type::Scalar(t.dtype),
                        (t, _) => t.clone(),
                    })
                    .collect();
                // A prange body takes `lo` and `hi` (the trip count's
                // type) where the operation has the trip count.
                let elements = match d.op {
                    Op::ParallelFor(..) => super::prange_body_types(elements),
                    _ => elements,
                };
                let args: Vec<&Type> = elements.iter().collect();
                if params != args {
                    err(format!(
                        "calls {id} with ({}) but it takes ({})",
                        args.iter()
                            .map(|t| t.to_string())
                            .collect::<Vec<_>>()
                            .join(", "),
                        params
                            .iter()
                            .map(|t| t.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
                let result = match (d.result.map(|r| f.ty(r).clone()), &d.op) {
                    // Into a view: elements of its dtype.
                    (None, Op::MapInto(_)) => match d.args.first().map(|a| f.ty(*a)) {
                        Some(Type::Array(t)) => Type::Scalar(t.dtype),
                        _ => Type::NoneType,
                    },
                    // A map makes an array of the elements it returns.
                    (Some(Type::Array(a)), Op::Map(_) | Op::ReduceAxis(..)) => {
                        match callee.ret.storage() {
                            Some(s) if s == a.dtype => callee.ret.clone(),
                            _ => Type::Array(a),
                        }
                    }
                    (r, _) => r.unwrap_or(Type::NoneType),
                };
                if result != callee.ret {
                    err(format!(
                        "calls {id} for {result} but it returns {}",
                        callee.ret
                    ));
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(VerifierErrors(errors))
    }
}
