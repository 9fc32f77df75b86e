//! The operations of the IR.
//!
//! One enum serves both stages: lowering produces Python-level operations
//! (`Call`, `CallKernel`, mixed-type `Binary`), typing rewrites them into the
//! typed form, where every operand has exactly the type the operation works
//! at (explicit `Cast`s are inserted) and calls are resolved (`Math`,
//! `CallFunc`). `Op::stage` says which stage may contain an operation; the
//! verifier checks it.

use std::fmt;
use std::sync::Arc;

use crate::builtins::{Callee, MathFn};
use crate::ir::entities::FuncId;
use crate::syntax::{BinOp, CmpOp, Const, FunctionDef, UnaryOp};
use crate::types::Type;

/// Which IR stage an operation belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    Untyped,
    Typed,
    Both,
}

/// A named attribute of a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Attr {
    /// `z.real`
    Real,
    /// `z.imag`
    Imag,
    /// `a.shape` (a tuple)
    Shape,
    /// `a.ndim`
    Ndim,
    /// `a.size`
    Size,
}

impl Attr {
    pub fn parse(name: &str) -> Option<Attr> {
        Some(match name {
            "real" => Attr::Real,
            "imag" => Attr::Imag,
            "shape" => Attr::Shape,
            "ndim" => Attr::Ndim,
            "size" => Attr::Size,
            _ => return None,
        })
    }
    pub fn name(self) -> &'static str {
        match self {
            Attr::Real => "real",
            Attr::Imag => "imag",
            Attr::Shape => "shape",
            Attr::Ndim => "ndim",
            Attr::Size => "size",
        }
    }
}

#[derive(Clone, Debug)]
pub enum Op {
    /// A literal or global constant: `1`, `2.5`, `True`, `1j`, `math.pi`,
    /// `K` where `K = np.float32(3)` at module level. The type says whether
    /// it is a Python (weak) or NumPy (strong) scalar.
    Const(Const, Type),
    /// The value of a variable on a path where it was never assigned:
    /// `if c: y = 1` then `return y`. Typed IR replaces it with a zero.
    Undef,
    /// `a + b`, `a // b`, `a ** b`, `a << b`, `a & b`, ...
    Binary(BinOp),
    /// `-a`, `+a`, `~a`, `not a`
    Unary(UnaryOp),
    /// `a < b`, `a == b`, ...: a bool.
    Compare(CmpOp),
    /// The truth value of a value: `if a:`, `while a:`, `bool(a)`.
    Truth,
    /// A conversion to the value's type: `np.float32(x)`, `float(x)`,
    /// `int(x)`, and the implicit conversions typing inserts.
    Cast,
    /// `c ? a : b` on already-evaluated values, from `min(a, b)`, `max`,
    /// `abs`, ... (typed IR).
    Select,
    /// `complex(re, im)`, `np.complex128(re, im)`: build a complex value.
    MakeComplex,
    /// A call of a builtin, `math`/`cmath`/NumPy function or dtype:
    /// `abs(x)`, `math.exp(x)`, `np.float32(x)` (untyped IR).
    Call(Callee),
    /// A numeric function at one concrete type, e.g. `exp` on float32 (typed
    /// IR, from `math.exp(x)`, `np.exp(x)`, `abs(x)`, ...).
    Math(MathFn),
    /// `g(a, b)` where `g` is another jitufunc kernel (untyped IR).
    CallKernel(Arc<FunctionDef>),
    /// A call of a typed function of the same program (typed IR).
    CallFunc(FuncId),
    /// `value.attr`: `z.real`, `z.imag`, `a.shape`, `a.ndim`, `a.size`.
    Attr(Attr),
    /// `(a, b, c)`
    MakeTuple,
    /// `t[0]`, or one target of `a, b = t`.
    TupleGet(u32),
    /// `a[i]`, `a[i, j]`: arguments are the array then one index per axis.
    GetItem,
    /// `a[i, j] = v`: arguments are the array, the indices, then the value.
    SetItem,
    /// `len(a)`
    Len,
}

impl Op {
    pub fn stage(&self) -> Stage {
        match self {
            Op::Call(_) | Op::CallKernel(_) => Stage::Untyped,
            Op::Math(_) | Op::CallFunc(_) | Op::Select => Stage::Typed,
            _ => Stage::Both,
        }
    }

    /// Whether the operation produces a value.
    pub fn has_result(&self) -> bool {
        !matches!(self, Op::SetItem)
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Op::Const(c, _) => match c {
                Const::Bool(b) => write!(f, "const {}", if *b { "True" } else { "False" }),
                Const::Int(i) => write!(f, "const {i}"),
                Const::Float(x) => write!(f, "const {x:?}"),
                Const::Complex(re, im) => write!(f, "const ({re:?}{im:+?}j)"),
                Const::None => write!(f, "const None"),
            },
            Op::Undef => f.write_str("undef"),
            Op::Binary(b) => write!(f, "{}", binop_name(*b)),
            Op::Unary(u) => write!(f, "{}", unop_name(*u)),
            Op::Compare(c) => write!(f, "cmp {}", c.symbol()),
            Op::Truth => f.write_str("truth"),
            Op::Cast => f.write_str("cast"),
            Op::Select => f.write_str("select"),
            Op::MakeComplex => f.write_str("complex"),
            Op::Call(c) => write!(f, "call {}", c.describe()),
            Op::Math(m) => write!(f, "math.{m:?}"),
            Op::CallKernel(def) => write!(f, "call_kernel {}", def.name),
            Op::CallFunc(id) => write!(f, "call {id}"),
            Op::Attr(a) => write!(f, "attr .{}", a.name()),
            Op::MakeTuple => f.write_str("tuple"),
            Op::TupleGet(i) => write!(f, "tuple_get {i}"),
            Op::GetItem => f.write_str("getitem"),
            Op::SetItem => f.write_str("setitem"),
            Op::Len => f.write_str("len"),
        }
    }
}

pub fn binop_name(op: BinOp) -> &'static str {
    use BinOp::*;
    match op {
        Add => "add",
        Sub => "sub",
        Mul => "mul",
        TrueDiv => "truediv",
        FloorDiv => "floordiv",
        Mod => "mod",
        Pow => "pow",
        LShift => "shl",
        RShift => "shr",
        BitAnd => "and",
        BitOr => "or",
        BitXor => "xor",
    }
}

pub fn unop_name(op: UnaryOp) -> &'static str {
    match op {
        UnaryOp::Neg => "neg",
        UnaryOp::Pos => "pos",
        UnaryOp::Invert => "invert",
        UnaryOp::Not => "not",
    }
}
