//! The operations of the IR and what each one does.
//!
//! One enum serves both stages: lowering produces Python-level operations
//! (`Call`, `CallKernel`, mixed-type `Binary`, `GetItem` on anything),
//! typing rewrites them into the typed form, where every operand has
//! exactly the type the operation works at (explicit `Cast`s are inserted),
//! calls are resolved (`Math`, `CallFunc`) and array operations are one
//! family (`Array(ArrayOp)`), handled by `typing/arrays.rs` and
//! `codegen/arrays.rs` only.
//!
//! Every operation declares its properties here, next to it: the stages it
//! may appear in (`Op::stages`, checked by the verifier), whether it has a
//! result (`Op::has_result`), and its memory effects and views
//! (`Op::effects`), which the analyses (`guvectorize::jam`,
//! `guvectorize::rerun`) query instead of matching operations. All of these
//! matches are exhaustive: a new operation does not compile until each
//! property is decided. `docs/contributing.md` has the checklist.

use std::fmt;
use std::sync::Arc;

use crate::builtins::{Callee, MathFn, RandomFn};
use crate::ir::entities::{FuncId, KernelRef};
use crate::syntax::{BinOp, CmpOp, Const, UnaryOp};
use crate::types::Type;

/// The parameter types of a `prange` loop's body function
/// (`Op::Prange`, `Op::ParallelFor`) from the types of the operation's
/// operands: the trip count's type for `lo` and `hi`, then the others'.
pub fn prange_body_types(mut operands: Vec<Type>) -> Vec<Type> {
    let trips = if operands.is_empty() {
        Type::PY_INT
    } else {
        operands.remove(0)
    };
    let mut types = vec![trips.clone(), trips];
    types.extend(operands);
    types
}

/// Whether `ret` is what a `prange` loop's body function returns for
/// `reducers` reductions: one number per reduction, `None` without any.
pub fn prange_partials_ok(ret: &Type, reducers: usize) -> bool {
    match ret {
        Type::NoneType => reducers == 0,
        Type::Tuple(items) => {
            items.len() == reducers
                && items
                    .iter()
                    .all(|t| matches!(t, Type::Scalar(_) | Type::Weak(_)))
        }
        _ => false,
    }
}

/// How `Op::Gufunc` calls a gufunc's kernel.
#[derive(Debug)]
pub struct GufuncCall {
    /// The ufunc's name (for messages).
    pub name: String,
    pub layout: crate::types::gufunc_layout::Layout,
    /// How each operand (inputs, then outputs) reaches the kernel.
    pub plan: crate::types::gufunc_plan::KernelPlan,
    /// What the kernel returns (numbers for the outputs the plan fills
    /// from its return value, converted to their dtypes).
    pub kernel_ret: Type,
}

impl GufuncCall {
    /// The outputs, for inputs whose loop dimensions broadcast to `loops`
    /// axes: new C-ordered arrays of those axes and their core dimensions.
    pub fn output_types(&self, loops: u32) -> Vec<Type> {
        let nin = self.layout.nin();
        (nin..nin + self.layout.nout())
            .map(|k| {
                Type::Array(crate::types::ArrayType {
                    dtype: self.plan.operands[k].dtype,
                    ndim: loops + self.layout.operand(k).len() as u32,
                    layout: crate::types::Layout::C,
                    readonly: false,
                    memory: crate::types::Memory::Owned,
                })
            })
            .collect()
    }

    /// The operation's result for `loops` loop axes: the one output, or
    /// the tuple of them.
    pub fn result_type(&self, loops: u32) -> Type {
        match <[Type; 1]>::try_from(self.output_types(loops)) {
            Ok([one]) => one,
            Err(all) => Type::Tuple(all),
        }
    }

    /// Whether the kernel may write an input.
    pub fn writes_inputs(&self) -> bool {
        self.plan.operands[..self.layout.nin()].iter().any(|o| {
            matches!(
                o.passing,
                crate::types::gufunc_plan::Passing::View { writable: true, .. }
            )
        })
    }
}

/// The stage a function's IR is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// As lowered from the syntax tree: types unknown.
    Untyped,
    /// After typing for one signature.
    Typed,
}

/// The stages an operation may appear in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stages {
    UntypedOnly,
    TypedOnly,
    Both,
}

impl Stages {
    pub fn allows(self, stage: Stage) -> bool {
        matches!(
            (self, stage),
            (Stages::Both, _)
                | (Stages::UntypedOnly, Stage::Untyped)
                | (Stages::TypedOnly, Stage::Typed)
        )
    }
}

/// A set of an instruction's operands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operands {
    /// None of them.
    None,
    /// The first (the array of `a[i]`, the tuple of `t[0]`).
    First,
    /// Any of them.
    All,
}

impl Operands {
    /// Whether operand `k` is in the set.
    pub fn contains(self, k: usize) -> bool {
        match self {
            Operands::None => false,
            Operands::First => k == 0,
            Operands::All => true,
        }
    }
}

/// What an operation does besides computing a value from its operands'
/// values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Effects {
    /// Reads array memory through (views in) these operands.
    pub reads: Operands,
    /// Writes array memory through these operands.
    pub writes: Operands,
    /// The result may be, or hold, a view of the memory of these operands
    /// (a row of an array, a tuple holding an array).
    pub aliases: Operands,
    /// The result depends only on the shape of the first operand, not on
    /// its data or address (`a.shape`, `len(a)`).
    pub shape_only: bool,
    /// The result holds a reference of its own to the memory it refers to
    /// (fresh memory, or a reference a call returns), rather than sharing
    /// one of its operands' (`ir::refcount`).
    pub new_reference: bool,
}

impl Effects {
    /// Computes a value from its operands' values and nothing else.
    pub const PURE: Effects = Effects {
        reads: Operands::None,
        writes: Operands::None,
        aliases: Operands::None,
        shape_only: false,
        new_reference: false,
    };
    /// Reads only the shape of its first operand.
    pub const SHAPE: Effects = Effects {
        shape_only: true,
        ..Effects::PURE
    };
    /// A call of code that may read and write through any operand and
    /// return views of them.
    pub const CALL: Effects = Effects {
        reads: Operands::All,
        writes: Operands::All,
        aliases: Operands::All,
        shape_only: false,
        new_reference: true,
    };

    /// Whether the operation may read or write memory.
    pub fn touches_memory(&self) -> bool {
        self.reads != Operands::None || self.writes != Operands::None
    }
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
    /// `a.T`
    T,
    /// `a.dtype` (of an array or a NumPy scalar): a `Type::DType`.
    Dtype,
    /// Another attribute, known from its object's type alone (typing makes
    /// it a constant or refuses it): `a.dtype.kind`, `a.dtype.type`,
    /// `x.itemsize`, `np.finfo(t).eps`, `np.iinfo(t).max`.
    Named(&'static str),
}

impl Attr {
    pub fn parse(name: &str) -> Attr {
        match name {
            "real" => Attr::Real,
            "imag" => Attr::Imag,
            "shape" => Attr::Shape,
            "ndim" => Attr::Ndim,
            "size" => Attr::Size,
            "T" => Attr::T,
            "dtype" => Attr::Dtype,
            other => Attr::Named(crate::types::intern(other)),
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Attr::Real => "real",
            Attr::Imag => "imag",
            Attr::Shape => "shape",
            Attr::Ndim => "ndim",
            Attr::Size => "size",
            Attr::T => "T",
            Attr::Dtype => "dtype",
            Attr::Named(name) => name,
        }
    }
}

/// An operation on array views (typed IR). Arguments start with the array.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ArrayOp {
    /// `a[i, j]` with every axis indexed: the element. Arguments: the
    /// array, then one int64 index per axis (negative counts from the end).
    Load,
    /// `a[i]` on an array of more dimensions: a view of the remaining
    /// (trailing) axes. Arguments as for `Load`, fewer indices.
    View,
    /// `a[i, j] = v`: arguments are the array, one index per axis, then the
    /// value (of the array's dtype).
    Store,
    /// `a.shape`: a tuple of ints.
    Shape,
    /// `a.size`
    Size,
    /// `len(a)`: the length of the first axis.
    Len,
    /// `a[1:n:2, j]`: a view; arguments are the array, then one item per
    /// leading axis, an int64 index (the axis is dropped) or a slice value
    /// (the axis is kept, its bounds and step applied as Python does).
    Subscript,
    /// `a[1:5] = v`, `a[:, 0] = b`, `a[i] = 0` on a 2-d array: every
    /// element of the view (first argument) set from the value (second): a
    /// scalar of the view's dtype, or an array broadcast to the view's
    /// shape (copied first when the two overlap, as NumPy does).
    Assign,
    /// `a.T`, `a.transpose()`: the view with the axes reversed.
    Transpose,
    /// `np.sum(a, axis=k)`, `a.max(axis=ks)` with axes known only when
    /// running: the view of the array (first argument) with the axes the
    /// other arguments name (int64, negative counting from the end) moved
    /// to the end in that order, the others keeping theirs; typing then
    /// reduces the last axes. `ValueError` (NumPy's AxisError) for an axis
    /// out of bounds, `ValueError` for one named twice.
    MoveAxesToEnd,
    /// `a[idx]`, `a[i0, i1]`, `a[mask]` (as the index arrays
    /// `np.nonzero(mask)` gives): arguments are the array and one integer
    /// array per leading axis, all of one shape S; a new C-ordered array of
    /// shape `S + a.shape[k:]`. Negative indices count from the end;
    /// `IndexError` out of range (always checked, as NumPy does).
    Take,
    /// `a[idx] = v`, `a[mask] = v`: arguments are the array, the index
    /// arrays (as for `Take`), then the value: a scalar of the array's
    /// dtype or an array broadcast to `S + a.shape[k:]` (read in full
    /// before any write).
    Put,
    /// `a[mask]`: `IndexError` unless the mask (second argument) has the
    /// shape of the first axes of the array (first argument).
    CheckMask,
    /// `a[None]`, `a[:, np.newaxis]`: the view with an axis of length 1
    /// (stride 0) inserted before axis `k`; arguments are the array and
    /// `k`, an int64 constant.
    NewAxis,
    /// `np.arange(start, stop, step)`: a new 1-d array of the result type;
    /// arguments are the bounds (int64 or float64, as NumPy computes them).
    Arange,
    /// `np.nonzero(a)`: a tuple of new int64 arrays, the indices of the
    /// non-zero elements along each axis.
    Nonzero,
    /// `a.reshape(m, n)`, `np.reshape(a, shape)`, `a.ravel()`: arguments
    /// are the array and the new sizes (int64, one may be -1: the rest).
    /// A C-contiguous view of the same memory when the array is
    /// C-contiguous at run time, else a C-contiguous copy; either way the
    /// result holds a reference of its own. `ValueError` when the sizes
    /// do not multiply to the array's size.
    Reshape,
    /// `np.eye(N, M, k)`, `np.identity(n)`: a new N x M array of the
    /// result's dtype, ones on diagonal `k`, zeros elsewhere; arguments
    /// are N, M and k (int64).
    Eye,
    /// `np.linspace(start, stop, num, endpoint)`: a new 1-d array of `num`
    /// evenly spaced values computed as NumPy does (float64, then floored
    /// for an integer dtype); arguments are start and stop (float64), num
    /// (int64) and endpoint (bool).
    Linspace,
    /// `np.empty((m, n), dtype)`: a new C-contiguous array of the result
    /// type; arguments are the sizes (int64). Also the first step of
    /// `np.zeros`, `np.ones`, `np.full`.
    Empty,
    /// Every element of the array (first argument) set to the value
    /// (second, of the array's dtype): the rest of `np.zeros(n)`,
    /// `np.full(n, v)`.
    Fill,
    /// A new reference to the memory of the operand (an array, a typed
    /// List, or a tuple holding them); inserted by `ir::refcount`, not
    /// written by users.
    IncRef,
    /// Drops a reference taken by the operand's definition or an
    /// `IncRef`; the memory is freed with the last one (`ir::refcount`).
    DecRef,
    /// `a, b = arr`: raises Python's `ValueError` ("too many values to
    /// unpack (expected 2)", "not enough values to unpack (expected 2, got
    /// 1)") unless the array (first argument) has as many items along its
    /// first axis as the second argument (int64) says. No result.
    CheckUnpack,
    /// `blas_matmul(out, a, b)` in jitufunc's own NumPy functions
    /// (`np.dot`, `a @ b` on 2-d arrays): `out = a @ b` by NumPy's BLAS,
    /// all three 2-d arrays of one float or complex dtype. The result
    /// (bool) says whether BLAS did it; when false nothing was written.
    BlasMatmul,
}

impl ArrayOp {
    pub fn name(self) -> &'static str {
        match self {
            ArrayOp::Load => "load",
            ArrayOp::View => "view",
            ArrayOp::Store => "store",
            ArrayOp::Shape => "shape",
            ArrayOp::Size => "size",
            ArrayOp::Len => "len",
            ArrayOp::Subscript => "subscript",
            ArrayOp::Transpose => "transpose",
            ArrayOp::MoveAxesToEnd => "move_axes_to_end",
            ArrayOp::NewAxis => "newaxis",
            ArrayOp::Take => "take",
            ArrayOp::Put => "put",
            ArrayOp::CheckMask => "checkmask",
            ArrayOp::Arange => "arange",
            ArrayOp::Nonzero => "nonzero",
            ArrayOp::Reshape => "reshape",
            ArrayOp::Eye => "eye",
            ArrayOp::Linspace => "linspace",
            ArrayOp::Assign => "assign",
            ArrayOp::Empty => "empty",
            ArrayOp::Fill => "fill",
            ArrayOp::IncRef => "incref",
            ArrayOp::DecRef => "decref",
            ArrayOp::BlasMatmul => "blas_matmul",
            ArrayOp::CheckUnpack => "check_unpack",
        }
    }

    pub fn effects(self) -> Effects {
        match self {
            ArrayOp::Load => Effects {
                reads: Operands::First,
                ..Effects::PURE
            },
            ArrayOp::View => Effects {
                aliases: Operands::First,
                ..Effects::PURE
            },
            ArrayOp::Store => Effects {
                writes: Operands::First,
                ..Effects::PURE
            },
            ArrayOp::Shape | ArrayOp::Size | ArrayOp::Len => Effects::SHAPE,
            ArrayOp::Empty => Effects {
                new_reference: true,
                ..Effects::PURE
            },
            ArrayOp::Fill => Effects {
                writes: Operands::First,
                ..Effects::PURE
            },
            ArrayOp::Subscript | ArrayOp::Transpose | ArrayOp::MoveAxesToEnd | ArrayOp::NewAxis => {
                Effects {
                    aliases: Operands::First,
                    ..Effects::PURE
                }
            }
            ArrayOp::Arange | ArrayOp::Eye | ArrayOp::Linspace => Effects {
                new_reference: true,
                ..Effects::PURE
            },
            // A view of the operand or a copy of it, with a reference of
            // its own either way.
            ArrayOp::Reshape => Effects {
                reads: Operands::First,
                aliases: Operands::First,
                new_reference: true,
                ..Effects::PURE
            },
            ArrayOp::Nonzero => Effects {
                reads: Operands::First,
                new_reference: true,
                ..Effects::PURE
            },
            ArrayOp::Assign | ArrayOp::Put | ArrayOp::BlasMatmul => Effects {
                reads: Operands::All,
                writes: Operands::First,
                ..Effects::PURE
            },
            ArrayOp::Take => Effects {
                reads: Operands::All,
                new_reference: true,
                ..Effects::PURE
            },
            // Read only the shapes; raise on a mismatch.
            ArrayOp::CheckMask | ArrayOp::CheckUnpack => Effects::SHAPE,
            // They change the reference count, never the elements.
            ArrayOp::IncRef | ArrayOp::DecRef => Effects::PURE,
        }
    }

    /// Whether the operation produces a value.
    pub fn has_result(self) -> bool {
        match self {
            ArrayOp::Store
            | ArrayOp::Fill
            | ArrayOp::Assign
            | ArrayOp::Put
            | ArrayOp::CheckMask
            | ArrayOp::CheckUnpack
            | ArrayOp::IncRef
            | ArrayOp::DecRef => false,
            ArrayOp::Load
            | ArrayOp::View
            | ArrayOp::Shape
            | ArrayOp::Size
            | ArrayOp::Len
            | ArrayOp::Subscript
            | ArrayOp::Transpose
            | ArrayOp::MoveAxesToEnd
            | ArrayOp::NewAxis
            | ArrayOp::Take
            | ArrayOp::Arange
            | ArrayOp::Nonzero
            | ArrayOp::Reshape
            | ArrayOp::Eye
            | ArrayOp::Linspace
            | ArrayOp::Empty
            | ArrayOp::BlasMatmul => true,
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
    /// `if c: y = 1` then `return y`. Typing reports a use of it.
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
    /// `int(x)`, and the implicit conversions typing inserts (typed IR).
    Cast,
    /// `c ? a : b` on already-evaluated values, from `min(a, b)`, `max`,
    /// `abs`, ... (typed IR).
    Select,
    /// `complex(re, im)`, `np.complex128(re, im)`: build a complex value
    /// (typed IR).
    MakeComplex,
    /// A call of a builtin, `math`/`cmath`/NumPy function or dtype:
    /// `abs(x)`, `math.exp(x)`, `np.float32(x)` (untyped IR).
    Call(Callee),
    /// A numeric function at one concrete type, e.g. `exp` on float32 (typed
    /// IR, from `math.exp(x)`, `np.exp(x)`, `abs(x)`, ...).
    Math(MathFn),
    /// A draw from (or the reseeding of) the calling thread's random
    /// generator (typed IR), from `np.random.random()`, `np.random.seed(n)`
    /// and the rest of `np.random`, which `jitufunc._numpy_random` writes
    /// with these primitives (`RandomFn` says which and their operand
    /// types). Touches no arrays, but is not pure: every draw advances the
    /// generator, so no two are ever merged or computed once for many
    /// lanes. `Seed` has no result.
    Random(RandomFn),
    /// `g(a, b)` where `g` is another jitufunc kernel, listed in the
    /// function's kernel table (untyped IR).
    CallKernel(KernelRef),
    /// `x op= y` (untyped IR): on an array, NumPy's in-place operation
    /// (the elements of `x` are overwritten; the result is `x` itself); on
    /// a number, `x op y`.
    InPlace(BinOp),
    /// `g(a, b)` where `g` is a variable (a function passed as an
    /// argument): the first operand is the callee, the rest its arguments
    /// (untyped IR; typing calls the kernel the callee's type names).
    CallValue,
    /// A call of a typed function of the same program (typed IR).
    CallFunc(FuncId),
    /// `for i in prange(start, stop, step): body` in a `parallel=True`
    /// function (untyped IR, `lower::parallel`): the body is the kernel,
    /// a function of `(lo, hi, start, step, captured..., reduced...)`
    /// that runs trips `lo..hi` with each reduction variable starting at
    /// its identity and returns their partial results (a tuple, in the
    /// order of the reducers; `None` without reductions). The operands
    /// are the trip count, start, step, the captured variables and the
    /// reduction variables' values before the loop; the result is the
    /// combined partials, which the lowering then combines into the
    /// variables.
    Prange(KernelRef, Arc<[crate::builtins::Reducer]>),
    /// `Prange` typed: runs the body function (a function of the program)
    /// over chunks of `0..trips` on the thread pool (or on this thread
    /// when the loop is small), each chunk's partials combined in chunk
    /// order by the reducers (typed IR; `codegen::parallel_for`). Reads
    /// and writes what the body does: every array operand.
    ParallelFor(FuncId, Arc<[crate::builtins::Reducer]>),
    /// `a * b - 4.1 * a`, `np.sqrt(a)`: the scalar function (an element
    /// function of the program, `typing::elementwise`) applied to the
    /// elements of the operands, arrays and scalars broadcast together as
    /// NumPy does (`ValueError` when they cannot be), into a new C-ordered
    /// array (typed IR). Reads its array operands; the result aliases
    /// nothing.
    Map(FuncId),
    /// `c[:] = a * b + 1`, `np.exp(a, out=c)`: a `Map` whose array is only
    /// assigned to the view `c` (first operand; the rest are the map's
    /// operands), written straight into `c` when it has the operands'
    /// broadcast shape and overlaps none of them; otherwise through a
    /// temporary, as the assignment does. The element function returns
    /// `c`'s dtype. Made by fusion (`typing::fuse`), never by typing.
    /// Writes the first operand, reads all.
    MapInto(FuncId),
    /// `np.sum(a * b)`, `a.max()`: the element function applied as by
    /// `Map`, its results combined by the reduction into one number of
    /// the function's result type (typed IR). Reads its array operands;
    /// `ValueError` for `Min`/`Max` of no elements.
    Reduce(crate::builtins::Reduction, FuncId),
    /// `f(a, b)` where `f` is a `@guvectorize` gufunc (typed IR): the
    /// kernel (function `FuncId`, typed for the plan's parameter types)
    /// called once per index of the inputs' loop dimensions (those before
    /// their core dimensions, broadcast together as NumPy does), on views
    /// of the core blocks (loaded values for `()` inputs the plan passes
    /// by value). The operands are the inputs, at the plan's dtypes. The
    /// outputs are new C-ordered arrays of the loop shape followed by
    /// their core dimensions; the result is the one output, or a tuple of
    /// them. `ValueError` when the inputs' core dimensions disagree with
    /// the layout or each other, or their loop dimensions do not
    /// broadcast. Reads every operand, writes the inputs the kernel may
    /// write (`writable_args`).
    Gufunc(FuncId, Arc<GufuncCall>),
    /// `a.sum(axis=1)`: as `Reduce` along one axis (of the broadcast
    /// operands), into a new C-ordered array of the other axes (typed IR).
    ReduceAxis(crate::builtins::Reduction, u32, FuncId),
    /// `value.attr`: `z.real`, `z.imag`, `a.shape`, `a.ndim`, `a.size`
    /// (untyped IR; typing resolves it by the value's type).
    Attr(Attr),
    /// `(a, b, c)`
    MakeTuple,
    /// `t[0]`, or one target of `a, b = t` (of an array, typing makes it
    /// the element or view `a[0]`).
    TupleGet(u32),
    /// `f(x)` of a C function (`c_functions`; typed IR): the arguments
    /// converted to its C types; the result of its return type (`none`
    /// for `void`). It may do anything (an unknown call).
    CallC(crate::builtins::CFuncRef),
    /// `a, b = v` (untyped IR), before the items are taken: `v` must have
    /// exactly this many items. Typing checks a tuple's length; an array's
    /// first axis is checked when running (`ArrayOp::CheckUnpack`). No
    /// result.
    Unpack(u32),
    /// `t[i]` with `i` (int64) known only when it runs, on a tuple whose
    /// items all have one type (from `for x in t` and `t[i]`): the item,
    /// counting from the end for a negative `i`; `IndexError` out of
    /// range (typed IR).
    TupleItem,
    /// `a[i]`, `a[i, j]`, `a[1:n]`: arguments are the value then one index
    /// per axis (untyped IR; typing makes it a `TupleGet` or an array op).
    GetItem,
    /// `a[i, j] = v`: arguments are the value, the indices, then the value
    /// stored (untyped IR).
    SetItem,
    /// `len(a)` (untyped IR).
    Len,
    /// `[a, b]`, `[]` and a list comprehension's list (untyped IR): a
    /// new typed List holding the operands. Its item type is found by
    /// typing from the operands and from every value stored into the list
    /// in the function (`typing::lists::literal`); the number tells the
    /// literals of a function apart. Fresh memory.
    NewList(u32),
    /// `{k: v, ...}`, `{}` and a dict comprehension's dict (untyped IR): a
    /// new typed Dict of the operands (key, value, key, value, ...), its
    /// types found as a list literal's are. Fresh memory.
    NewDict(u32),
    /// The item of trip `k` of `for x in v` (untyped IR): arguments `v`
    /// and `k`. Typing makes it `v[k]` for arrays, tuples and Lists, the
    /// key of entry `k` for a typed Dict (`DictOp::Key`).
    IterItem,
    /// `start:stop:step` inside a subscript (`a[1:n:2]`); arguments are the
    /// three bounds: `None` constants where omitted (untyped IR), int64
    /// values with `Type::SLICE_OMITTED` there (typed IR).
    Slice,
    /// An operation on array views (typed IR).
    Array(ArrayOp),
    /// The counting of a `for` loop over `range(...)` or an array.
    Range(RangeOp),
    /// An operation on a typed List (`jitufunc.typed.List`; typed IR).
    List(ListOp),
    /// An operation on a typed Dict (`jitufunc.typed.Dict`; typed IR).
    Dict(DictOp),
    /// `print(a, "text", b, sep=..., end=...)`: writes the operands (the
    /// values, in order) between the format's literal text, as Python's
    /// `print` does, to `sys.stdout`. Reads arrays; an effect, no result.
    Print(Arc<PrintFormat>),
    /// `A` for a global NumPy array `A`: a read-only, C-contiguous view of
    /// its elements as they were when the function was read, which compiled
    /// code keeps as a constant. Pure.
    Frozen(Arc<crate::syntax::FrozenArray>),
}

/// The text of a `print(...)` around its values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrintFormat {
    /// In order: `Some(text)` a string literal, `None` the next operand.
    pub items: Vec<Option<Arc<str>>>,
    pub sep: Arc<str>,
    pub end: Arc<str>,
}

impl PrintFormat {
    /// Whether `print` prints values of type `t`: numbers and arrays.
    pub fn printable(t: &Type) -> bool {
        matches!(t, Type::Scalar(_) | Type::Weak(_) | Type::Array(_))
    }

    /// How many values it prints.
    pub fn values(&self) -> usize {
        self.items.iter().filter(|i| i.is_none()).count()
    }
}

/// How `for i in range(start, stop, step)` (and `for x in a`, a range over
/// `len(a)`) counts: a trip count computed once, then a counter and the
/// loop variable advanced together, so the loop runs exactly as often as
/// Python's even where `i + step` would overflow, and LLVM sees a counted
/// loop with non-wrapping steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RangeOp {
    /// `len(range(start, stop, step))`: operands start, stop, step
    /// (int64), giving an int64 (saturated at its maximum). A zero step
    /// raises `ValueError` where the function may raise and counts no
    /// trips elsewhere. Pure apart from that error.
    Len,
    /// `i + step` at the end of a trip: operands the value and the step.
    /// The sum is used only by the next trip, which exists only when it
    /// lies in the range, so it never overflows where it is used
    /// (codegen emits a non-wrapping add). Pure.
    Next,
    /// `start + k`, the index `enumerate(x, start)` gives trip `k`:
    /// Python ints (a start of a narrower integer type counts as a Python
    /// int, as Python's `enumerate` does), wrapping as int64 sums do.
    /// Pure.
    Index,
}

impl RangeOp {
    /// The name in printed IR (`range.len`).
    pub fn name(self) -> &'static str {
        match self {
            RangeOp::Len => "len",
            RangeOp::Next => "next",
            RangeOp::Index => "index",
        }
    }
}

/// An operation on a typed Dict (`Type::Dict`, `engine::dict`); the
/// first argument is the dict, keys have its key type, values its value
/// type. Errors are Python's: `KeyError(key)` for a missing key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DictOp {
    /// `Dict.empty(types.int64, types.float64)`: a new empty dict of the
    /// result's types, with a reference of its own. No arguments.
    New,
    /// `len(d)`: reads the dict.
    Len,
    /// The trip count of `for k in d` (and of `d.keys()`, `d.values()`,
    /// `d.items()`): squeezes removed entries out of the table (keeping
    /// the order) so that trip `k` reads entry `k`, and gives `len(d)`.
    /// Writes the table (not what Python sees); `MemoryError`.
    Compact,
    /// The key of entry `k` (an int64 below the `Compact` count): the item
    /// of `for k in d`. Reads the dict.
    Key,
    /// The value of entry `k`: the item of `for v in d.values()`. Reads.
    Value,
    /// `d[k]`: the value; `KeyError(k)` when missing. Reads the dict.
    Get,
    /// `d.get(k, default)`: arguments the dict, the key and the default
    /// (of the value type). Reads the dict.
    GetOr,
    /// `k in d`: a Python bool. Reads the dict.
    Contains,
    /// `d[k] = v`: arguments the dict, the key and the value; the key is
    /// added at the end of the order when missing (the table may be
    /// reallocated; every holder sees it through the header). Writes;
    /// `MemoryError`.
    Set,
    /// `d.pop(k)`: the value, removed; `KeyError(k)` when missing. Writes.
    Pop,
    /// `d.pop(k, default)`: the value removed, or the default (of the
    /// value type) when missing. Writes the dict.
    PopOr,
    /// `d.clear()`: removes every key (dropping container values'
    /// references). Writes the dict.
    Clear,
    /// `d.copy()`: a new dict of the same keys and values in the same
    /// order (container values shared), with a reference of its own;
    /// `MemoryError`. Reads the dict.
    Copy,
}

impl DictOp {
    /// The name in printed IR (`dict.get`).
    pub fn name(self) -> &'static str {
        match self {
            DictOp::New => "new",
            DictOp::Len => "len",
            DictOp::Compact => "compact",
            DictOp::Key => "key",
            DictOp::Value => "value",
            DictOp::Get => "get",
            DictOp::GetOr => "get_or",
            DictOp::Contains => "contains",
            DictOp::Set => "set",
            DictOp::Pop => "pop",
            DictOp::PopOr => "pop_or",
            DictOp::Clear => "clear",
            DictOp::Copy => "copy",
        }
    }

    pub fn has_result(self) -> bool {
        !matches!(self, DictOp::Set | DictOp::Clear)
    }

    pub fn effects(self) -> Effects {
        match self {
            DictOp::New => Effects {
                new_reference: true,
                ..Effects::PURE
            },
            DictOp::Copy => Effects {
                reads: Operands::First,
                new_reference: true,
                ..Effects::PURE
            },
            DictOp::Len
            | DictOp::Key
            | DictOp::Value
            | DictOp::Get
            | DictOp::GetOr
            | DictOp::Contains => Effects {
                reads: Operands::First,
                ..Effects::PURE
            },
            DictOp::Compact | DictOp::Set | DictOp::Clear => Effects {
                reads: Operands::First,
                writes: Operands::First,
                ..Effects::PURE
            },
            // A container value removed comes with the entry's reference
            // (and `pop_or`'s default with a new one).
            DictOp::Pop | DictOp::PopOr => Effects {
                reads: Operands::First,
                writes: Operands::First,
                new_reference: true,
                ..Effects::PURE
            },
        }
    }
}

/// An operation on a typed List (`Type::List`, `engine::list`); the
/// first argument is the list, indices are int64 (negative counting from
/// the end, as Python's), items have the list's item type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ListOp {
    /// `List.empty_list(types.float64)`: a new empty list of the result's
    /// item type, with a reference of its own. No arguments.
    New,
    /// `len(l)` (and the trip count of `for x in l`): reads the list.
    Len,
    /// `l[i]` (and the item of `for x in l`): `IndexError("list index out
    /// of range")` outside `-len <= i < len`. Reads the list; a container
    /// item is shared with the list (`ir::refcount` takes a reference).
    Get,
    /// `l[i] = v`: arguments the list, the index and the value;
    /// `IndexError("list assignment index out of range")`. Writes the list;
    /// a container item stored gets a reference of the list's own.
    Set,
    /// `l.append(v)`: arguments the list and the value; the buffer may be
    /// reallocated (every holder sees it through the header). Writes.
    Append,
    /// `l.pop()`, `l.pop(i)`: arguments the list and the index (-1 for
    /// `pop()`); the item removed. `IndexError("pop from empty list")`,
    /// `IndexError("pop index out of range")`. Writes the list.
    Pop,
    /// `l.clear()`: removes every item (dropping container items'
    /// references). Writes the list.
    Clear,
    /// `l.sort()` of a List of numbers: sorted in place, ascending (NaN
    /// last, complex numbers by real then imaginary part, as NumPy).
    /// Writes the list.
    Sort,
    /// `l.copy()`: a new list of the same items (container items shared,
    /// with references of the new list's own), with a reference of its
    /// own; `MemoryError`. Reads the list.
    Copy,
    /// `l[a:b:c]`: arguments the list and the slice; a new list of those
    /// items (Python's `slice.indices`; container items shared), with a
    /// reference of its own. `ValueError` for a zero step, `MemoryError`.
    /// Reads the list.
    Slice,
    /// `v in l`: arguments the list and the value; a Python bool. For a
    /// List of numbers the value has the type items are compared in (the
    /// items' and the value's common type; `==` as NumPy compares
    /// numbers); for other items it has the items' type and is compared
    /// as `Equal` compares items. Reads the list.
    Contains,
    /// `a == b` of two Lists: arguments the two lists; a Python bool:
    /// the same length and equal items, numbers compared by value as
    /// Python compares them (`1 == 1.0`), container items recursively,
    /// tuples field by field (`engine::items::equal`; not arrays). Reads
    /// both.
    Equal,
    /// `l * n` and `n * l`: arguments the list and the count (an int64);
    /// a new list of the items repeated (none for `n <= 0`; container
    /// items shared), with a reference of its own; `MemoryError`. Reads
    /// the list.
    Repeat,
    /// `a + b`: two lists of one type; a new list of `a`'s items then
    /// `b`'s, with a reference of its own; `MemoryError`. Reads both.
    Concat,
    /// `a += b`: two lists of one type; `b`'s items appended to `a`
    /// (`a += a` doubles it); `MemoryError`. Writes the first, reads both.
    Extend,
}

impl ListOp {
    /// The name in printed IR (`list.append`).
    pub fn name(self) -> &'static str {
        match self {
            ListOp::New => "new",
            ListOp::Len => "len",
            ListOp::Get => "get",
            ListOp::Set => "set",
            ListOp::Append => "append",
            ListOp::Pop => "pop",
            ListOp::Contains => "contains",
            ListOp::Equal => "equal",
            ListOp::Repeat => "repeat",
            ListOp::Concat => "concat",
            ListOp::Extend => "extend",
            ListOp::Clear => "clear",
            ListOp::Sort => "sort",
            ListOp::Copy => "copy",
            ListOp::Slice => "slice",
        }
    }

    pub fn has_result(self) -> bool {
        !matches!(
            self,
            ListOp::Set | ListOp::Append | ListOp::Clear | ListOp::Sort | ListOp::Extend
        )
    }

    pub fn effects(self) -> Effects {
        match self {
            ListOp::New => Effects {
                new_reference: true,
                ..Effects::PURE
            },
            ListOp::Len | ListOp::Get | ListOp::Contains => Effects {
                reads: Operands::First,
                ..Effects::PURE
            },
            ListOp::Equal => Effects {
                reads: Operands::All,
                ..Effects::PURE
            },
            ListOp::Repeat => Effects {
                reads: Operands::First,
                new_reference: true,
                ..Effects::PURE
            },
            ListOp::Concat => Effects {
                reads: Operands::All,
                new_reference: true,
                ..Effects::PURE
            },
            ListOp::Extend => Effects {
                reads: Operands::All,
                writes: Operands::First,
                ..Effects::PURE
            },
            ListOp::Copy | ListOp::Slice => Effects {
                reads: Operands::First,
                new_reference: true,
                ..Effects::PURE
            },
            ListOp::Set | ListOp::Append | ListOp::Clear | ListOp::Sort => Effects {
                reads: Operands::First,
                writes: Operands::First,
                ..Effects::PURE
            },
            // A container item removed comes with the list's reference.
            ListOp::Pop => Effects {
                reads: Operands::First,
                writes: Operands::First,
                new_reference: true,
                ..Effects::PURE
            },
        }
    }
}

/// `$then` with `$id` bound to the operation's callee (`Op::callee`),
/// else `None`: one exhaustive match for `callee` and `callee_mut`.
macro_rules! match_callee {
    ($op:expr, $id:ident => $then:expr) => {
        match $op {
            Op::CallFunc($id)
            | Op::ParallelFor($id, _)
            | Op::Map($id)
            | Op::MapInto($id)
            | Op::Reduce(_, $id)
            | Op::ReduceAxis(_, _, $id)
            | Op::Gufunc($id, _) => $then,
            Op::Const(..)
            | Op::Undef
            | Op::Frozen(_)
            | Op::Binary(_)
            | Op::Unary(_)
            | Op::Compare(_)
            | Op::Truth
            | Op::Cast
            | Op::Select
            | Op::MakeComplex
            | Op::Call(_)
            | Op::Math(_)
            | Op::Random(_)
            | Op::CallKernel(_)
            | Op::Prange(..)
            | Op::CallValue
            | Op::InPlace(_)
            | Op::Attr(_)
            | Op::MakeTuple
            | Op::TupleGet(_)
            | Op::TupleItem
            | Op::GetItem
            | Op::SetItem
            | Op::Len
            | Op::Unpack(_)
            | Op::CallC(_)
            | Op::Slice
            | Op::Range(_)
            | Op::Print(_)
            | Op::Array(_)
            | Op::List(_)
            | Op::Dict(_)
            | Op::NewList(_)
            | Op::NewDict(_)
            | Op::IterItem => None,
        }
    };
}

/// What running an operation once more on the same operands does
/// (`Op::rerun`), from nothing to the farthest-reaching (ordered so).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rerun {
    /// Nothing anyone can see: the same results again.
    Harmless,
    /// Writes or makes a container or array again (the same values, to
    /// memory the kernel can reach): harmless where those are the
    /// kernel's own outputs or temporaries.
    Rewrites,
    /// Something seen outside the kernel's arrays: a draw from a generator
    /// (the next draws differ), a `print`, a call whose effects are not
    /// known here.
    ActsOutside,
}

impl Op {
    /// The stages the operation may appear in.
    pub fn stages(&self) -> Stages {
        match self {
            Op::Undef
            | Op::Call(_)
            | Op::CallKernel(_)
            | Op::Prange(..)
            | Op::CallValue
            | Op::InPlace(_)
            | Op::Attr(_)
            | Op::GetItem
            | Op::SetItem
            | Op::Unpack(_)
            | Op::Len
            | Op::NewList(_)
            | Op::NewDict(_)
            | Op::IterItem => Stages::UntypedOnly,
            Op::Cast
            | Op::Select
            | Op::MakeComplex
            | Op::Math(_)
            | Op::Random(_)
            | Op::CallFunc(_)
            | Op::ParallelFor(..)
            | Op::Map(_)
            | Op::MapInto(_)
            | Op::Reduce(..)
            | Op::ReduceAxis(..)
            | Op::Gufunc(..)
            | Op::TupleItem
            | Op::CallC(_)
            | Op::Array(_)
            | Op::List(_)
            | Op::Dict(_) => Stages::TypedOnly,
            Op::Const(..)
            | Op::Binary(_)
            | Op::Unary(_)
            | Op::Compare(_)
            | Op::Truth
            | Op::MakeTuple
            | Op::TupleGet(_)
            | Op::Slice
            | Op::Range(_)
            | Op::Frozen(_)
            | Op::Print(_) => Stages::Both,
        }
    }

    /// Whether the operation produces a value.
    pub fn has_result(&self) -> bool {
        match self {
            Op::SetItem | Op::Print(_) | Op::MapInto(_) | Op::Unpack(_) => false,
            Op::Random(f) => *f != RandomFn::Seed,
            Op::Array(a) => a.has_result(),
            Op::List(l) => l.has_result(),
            Op::Dict(d) => d.has_result(),
            Op::Const(..)
            | Op::Undef
            | Op::Frozen(_)
            | Op::Binary(_)
            | Op::Unary(_)
            | Op::Compare(_)
            | Op::Truth
            | Op::Cast
            | Op::Select
            | Op::MakeComplex
            | Op::Call(_)
            | Op::Math(_)
            | Op::CallKernel(_)
            | Op::CallValue
            | Op::InPlace(_)
            | Op::CallFunc(_)
            | Op::Prange(..)
            | Op::ParallelFor(..)
            | Op::CallC(_)
            | Op::Map(_)
            | Op::Reduce(..)
            | Op::ReduceAxis(..)
            | Op::Gufunc(..)
            | Op::Attr(_)
            | Op::MakeTuple
            | Op::TupleGet(_)
            | Op::TupleItem
            | Op::GetItem
            | Op::Len
            | Op::NewList(_)
            | Op::NewDict(_)
            | Op::IterItem
            | Op::Slice
            | Op::Range(_) => true,
        }
    }

    /// The function of the program the operation calls (typed IR): a
    /// call's callee, the element function of a map or reduction, a
    /// gufunc's kernel.
    pub fn callee(&self) -> Option<FuncId> {
        match_callee!(self, id => Some(*id))
    }

    /// `callee`, to renumber it.
    pub fn callee_mut(&mut self) -> Option<&mut FuncId> {
        match_callee!(self, id => Some(id))
    }

    /// What running the operation once more on the same operands does
    /// (`Rerun`; a program's is its operations' farthest-reaching,
    /// `typing::Program::rerun`). The driven elementwise loop pads a short
    /// tail with copies of an element, and redoes a chunk that met a
    /// non-finite value, only for `Harmless` kernels; a gufunc loop redoes
    /// a chunk (its outputs rewritten with the same values, from snapshots
    /// where it reads them) and jams outer iterations unless `ActsOutside`.
    pub fn rerun(&self) -> Rerun {
        match self {
            Op::Const(..)
            | Op::Undef
            | Op::Binary(_)
            | Op::Unary(_)
            | Op::Compare(_)
            | Op::Truth
            | Op::Cast
            | Op::Select
            | Op::MakeComplex
            | Op::Math(_)
            | Op::Attr(_)
            | Op::MakeTuple
            | Op::TupleGet(_)
            | Op::TupleItem
            | Op::Unpack(_)
            | Op::Len
            | Op::Slice
            | Op::Range(_)
            | Op::IterItem
            | Op::GetItem
            | Op::Frozen(_) => Rerun::Harmless,
            // A function of the same program: its own operations are
            // asked too (callers check every function of a program).
            Op::CallFunc(_) => Rerun::Harmless,
            Op::InPlace(_)
            | Op::Prange(..)
            | Op::ParallelFor(..)
            | Op::Map(_)
            | Op::MapInto(_)
            | Op::Reduce(..)
            | Op::Gufunc(..)
            | Op::ReduceAxis(..)
            | Op::SetItem
            | Op::NewList(_)
            | Op::NewDict(_)
            | Op::Array(_)
            | Op::List(_)
            | Op::Dict(_) => Rerun::Rewrites,
            Op::Random(_)
            | Op::Print(_)
            | Op::Call(_)
            | Op::CallKernel(_)
            | Op::CallValue
            | Op::CallC(_) => Rerun::ActsOutside,
        }
    }

    /// The operation's memory effects and views.
    pub fn effects(&self) -> Effects {
        match self {
            Op::Const(..)
            | Op::Undef
            | Op::Binary(_)
            | Op::Unary(_)
            | Op::Compare(_)
            | Op::Truth
            | Op::MakeComplex
            | Op::Math(_)
            | Op::Slice
            | Op::Range(_) => Effects::PURE,
            // The generator's state is no array: as far as arrays go, a
            // draw is pure (`Op::Random` says why it is still never merged).
            Op::Random(_) => Effects::PURE,
            // A number converted; or an array view seen with a looser type
            // (any layout, read-only, owned): the same view.
            Op::Cast => Effects {
                aliases: Operands::First,
                ..Effects::PURE
            },
            // Picks one of two values: the result is whichever was picked.
            Op::Select => Effects {
                aliases: Operands::All,
                ..Effects::PURE
            },
            // Builtins and math functions read no arrays, but before typing
            // the callee is not known to be one.
            Op::Call(_) | Op::CallKernel(_) | Op::CallValue | Op::CallFunc(_) | Op::CallC(_) => {
                Effects::CALL
            }
            // The body may read and write every array it captured; the
            // result is numbers (the reductions' partials).
            Op::Prange(..) | Op::ParallelFor(..) => Effects {
                aliases: Operands::None,
                new_reference: false,
                ..Effects::CALL
            },
            Op::Attr(a) => match a {
                Attr::Shape | Attr::Ndim | Attr::Size => Effects::SHAPE,
                // The dtype is the array's type: nothing is read.
                Attr::Real | Attr::Imag | Attr::Dtype | Attr::Named(_) => Effects::PURE,
                Attr::T => Effects {
                    aliases: Operands::First,
                    ..Effects::PURE
                },
            },
            // (reads an array's shape)
            Op::Len | Op::Unpack(_) => Effects::SHAPE,
            Op::Frozen(_) => Effects::PURE,
            // May overwrite the first operand's elements.
            Op::InPlace(_) => Effects {
                reads: Operands::All,
                writes: Operands::First,
                aliases: Operands::First,
                ..Effects::PURE
            },
            Op::Map(_) => Effects {
                reads: Operands::All,
                new_reference: true,
                ..Effects::PURE
            },
            Op::MapInto(_) => Effects {
                reads: Operands::All,
                writes: Operands::First,
                ..Effects::PURE
            },
            Op::Reduce(..) => Effects {
                reads: Operands::All,
                ..Effects::PURE
            },
            Op::ReduceAxis(..) => Effects {
                reads: Operands::All,
                new_reference: true,
                ..Effects::PURE
            },
            Op::Gufunc(_, call) => Effects {
                reads: Operands::All,
                writes: if call.writes_inputs() {
                    Operands::All
                } else {
                    Operands::None
                },
                new_reference: true,
                ..Effects::PURE
            },
            // Writes to sys.stdout: kept by having no result.
            Op::Print(_) => Effects {
                reads: Operands::All,
                ..Effects::PURE
            },
            Op::MakeTuple => Effects {
                aliases: Operands::All,
                ..Effects::PURE
            },
            Op::TupleGet(_) | Op::TupleItem => Effects {
                aliases: Operands::First,
                ..Effects::PURE
            },
            Op::NewList(_) | Op::NewDict(_) => Effects {
                new_reference: true,
                ..Effects::PURE
            },
            Op::GetItem | Op::IterItem => Effects {
                reads: Operands::First,
                aliases: Operands::First,
                ..Effects::PURE
            },
            Op::SetItem => Effects {
                writes: Operands::First,
                ..Effects::PURE
            },
            Op::Array(a) => a.effects(),
            Op::List(l) => l.effects(),
            Op::Dict(d) => d.effects(),
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // Values known from their types: the type says which.
            Op::Const(
                Const::None,
                t @ (Type::Str(_) | Type::DType(_) | Type::Info(_) | Type::ItemType(_)),
            ) => {
                write!(f, "const {t}")
            }
            Op::Const(c, _) => match c {
                Const::Bool(b) => write!(f, "const {}", if *b { "True" } else { "False" }),
                Const::Int(i) => write!(f, "const {i}"),
                Const::Float(x) => write!(f, "const {x:?}"),
                Const::Complex(re, im) => write!(f, "const ({re:?}{im:+?}j)"),
                Const::None => write!(f, "const None"),
                Const::Ellipsis => write!(f, "const ..."),
            },
            Op::Undef => f.write_str("undef"),
            Op::Frozen(a) => write!(f, "{a:?}"),
            Op::Binary(b) => write!(f, "{}", binop_name(*b)),
            Op::Unary(u) => write!(f, "{}", unop_name(*u)),
            Op::Compare(c) => write!(f, "cmp {}", c.symbol()),
            Op::Truth => f.write_str("truth"),
            Op::Cast => f.write_str("cast"),
            Op::Select => f.write_str("select"),
            Op::MakeComplex => f.write_str("complex"),
            Op::Call(c) => write!(f, "call {}", c.describe()),
            Op::Math(m) => write!(f, "math.{m:?}"),
            Op::Random(r) => write!(f, "random.{}", r.name().trim_start_matches("random_")),
            Op::CallKernel(k) => write!(f, "call_kernel {k}"),
            Op::CallValue => f.write_str("call_value"),
            Op::InPlace(b) => write!(f, "inplace {}", binop_name(*b)),
            Op::CallFunc(id) => write!(f, "call {id}"),
            Op::Prange(k, r) => write!(f, "prange {k} {r:?}"),
            Op::ParallelFor(id, r) => write!(f, "parallel_for {id} {r:?}"),
            Op::Map(id) => write!(f, "map {id}"),
            Op::MapInto(id) => write!(f, "map_into {id}"),
            Op::Reduce(r, id) => write!(f, "reduce.{} {id}", r.method_name()),
            Op::ReduceAxis(r, axis, id) => write!(f, "reduce.{} axis {axis} {id}", r.method_name()),
            Op::Gufunc(id, call) => write!(f, "gufunc {} {:?} {id}", call.name, call.layout.text),
            Op::Attr(a) => write!(f, "attr .{}", a.name()),
            Op::MakeTuple => f.write_str("tuple"),
            Op::TupleGet(i) => write!(f, "tuple_get {i}"),
            Op::TupleItem => f.write_str("tuple_item"),
            Op::GetItem => f.write_str("getitem"),
            Op::SetItem => f.write_str("setitem"),
            Op::Len => f.write_str("len"),
            Op::Unpack(n) => write!(f, "unpack {n}"),
            Op::CallC(r) => write!(f, "call_c {}", crate::builtins::c_functions::get(*r).name),
            Op::Slice => f.write_str("slice"),
            Op::Array(a) => write!(f, "array.{}", a.name()),
            Op::Range(r) => write!(f, "range.{}", r.name()),
            Op::List(l) => write!(f, "list.{}", l.name()),
            Op::Dict(d) => write!(f, "dict.{}", d.name()),
            Op::IterItem => f.write_str("iter.item"),
            Op::NewList(n) => write!(f, "list.literal {n}"),
            Op::NewDict(n) => write!(f, "dict.literal {n}"),
            Op::Print(p) => {
                f.write_str("print")?;
                for item in &p.items {
                    match item {
                        Some(t) => write!(f, " {t:?}")?,
                        None => f.write_str(" _")?,
                    }
                }
                write!(f, " sep={:?} end={:?}", p.sep, p.end)
            }
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
