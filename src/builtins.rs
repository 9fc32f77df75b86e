//! What kernels may call: Python builtins, `math`/`cmath` functions, NumPy
//! scalar functions and NumPy dtype constructors.
//!
//! The frontend maps Python objects to `Callee`s by identity (so
//! `from math import exp as e` works); typing gives each a type rule per
//! flavour (a `math` function returns a Python float, the NumPy function of
//! the same name keeps float32 as float32); codegen emits it.

use crate::types::Scalar;

/// A Python builtin function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Builtin {
    /// `abs(x)`
    Abs,
    /// `min(a, b, ...)`
    Min,
    /// `max(a, b, ...)`
    Max,
    /// `int(x)`
    Int,
    /// `float(x)`
    Float,
    /// `bool(x)`
    Bool,
    /// `complex(re, im=0)`
    Complex,
    /// `round(x)` / `round(x, ndigits)`
    Round,
    /// `range(...)` (only as a `for` iterable)
    Range,
    /// `len(a)`
    Len,
    /// `divmod(a, b)`
    Divmod,
    /// `pow(a, b)`
    Pow,
    /// `enumerate(a, start=0)` (only as a `for` iterable)
    Enumerate,
    /// `zip(a, b, ...)` (only as a `for` iterable)
    Zip,
    /// `print(...)` (only as a statement)
    Print,
    /// `sum(iterable, start=0)`: lowered to a loop adding the items to the
    /// start, as Python's `sum` does.
    Sum,
    /// `np.finfo(t)`: known from `t`'s type (`statics`).
    Finfo,
    /// `np.iinfo(t)`, as `Finfo`.
    Iinfo,
    /// `np.dtype(t)`: a dtype known from `t` (`statics`).
    NpDtype,
    /// `prange(...)` (`jitufunc.prange`, `numba.prange`): `range`, whose
    /// iterations a `parallel=True` function runs on the thread pool
    /// (`lower::parallel`; only as a `for` iterable).
    Prange,
    /// Where a `prange` loop's body function starts a reduction variable
    /// (`lower::parallel`; never written by users), from its value before
    /// the loop: the identity at its type for `+`, `*` and `^` (`0`, `1`),
    /// the value itself for the idempotent `min`, `max`, `|` and `&`.
    Identity(Reducer),
    /// `List.empty_list(item_type)` (`jitufunc.typed.List`): a new empty
    /// typed List; the item type is a dtype known when compiling.
    EmptyList,
    /// `l.append(v)` on a typed List (the receiver is the first argument).
    ListAppend,
    /// `l.pop()`, `l.pop(i)` on a typed List, `d.pop(k)`,
    /// `d.pop(k, default)` on a typed Dict (the receiver first).
    ListPop,
    /// `Dict.empty(key_type, value_type)` (`jitufunc.typed.Dict`): a new
    /// empty typed Dict; the types are dtypes known when compiling.
    EmptyDict,
    /// `d.get(k, default)` on a typed Dict (the receiver first).
    DictGet,
    /// `del d[k]` on a typed Dict (arguments the dict and the key; a
    /// statement, from `frontend::convert`).
    DelItem,
    /// The item of trip `k` of `for x in d.keys()` (arguments `d` and `k`;
    /// `lower::iteration`, only as a `for` iterable).
    DictKeys,
    /// The item of trip `k` of `for v in d.values()`.
    DictValues,
    /// The item of trip `k` of `for k, v in d.items()`: `(key, value)`.
    DictItems,
    /// `l.clear()` on a typed List, `d.clear()` on a typed Dict (the
    /// receiver is the argument).
    ContainerClear,
    /// `jitufunc._intrinsics.is_typed_list(x)`: whether `x` is a typed
    /// List, known when compiling (a constant), so that jitufunc's own
    /// methods (`a.sort()`) can take Lists and arrays.
    IsTypedList,
    /// `jitufunc._intrinsics.list_sort(l)`: sorts a typed List of numbers
    /// in place (`l.sort()`).
    ListSort,
}

/// How a `prange` loop updates a reduction variable declared before it:
/// `s += x` and `s -= x` (`Add`: the chunks' partial results are added),
/// `s *= x`, `s = min(s, x)`, `s = max(s, x)`, `s |= x`, `s &= x`,
/// `s ^= x`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reducer {
    Add,
    Mul,
    Min,
    Max,
    BitOr,
    BitAnd,
    BitXor,
}

impl Reducer {
    /// How the partial results of two chunks combine: `s += x` and
    /// `s -= x` both add partials.
    pub fn combining_op(self) -> Option<crate::syntax::BinOp> {
        use crate::syntax::BinOp;
        Some(match self {
            Reducer::Add => BinOp::Add,
            Reducer::Mul => BinOp::Mul,
            Reducer::BitOr => BinOp::BitOr,
            Reducer::BitAnd => BinOp::BitAnd,
            Reducer::BitXor => BinOp::BitXor,
            Reducer::Min | Reducer::Max => return None,
        })
    }

    /// The update as written (`+=`, `min`), for messages.
    pub fn spelling(self) -> &'static str {
        match self {
            Reducer::Add => "+= (or -=)",
            Reducer::Mul => "*=",
            Reducer::Min => "min",
            Reducer::Max => "max",
            Reducer::BitOr => "|=",
            Reducer::BitAnd => "&=",
            Reducer::BitXor => "^=",
        }
    }
}

impl Builtin {
    pub const ALL: [(&'static str, Builtin); 16] = [
        ("abs", Builtin::Abs),
        ("min", Builtin::Min),
        ("max", Builtin::Max),
        ("int", Builtin::Int),
        ("float", Builtin::Float),
        ("bool", Builtin::Bool),
        ("complex", Builtin::Complex),
        ("round", Builtin::Round),
        ("range", Builtin::Range),
        ("len", Builtin::Len),
        ("divmod", Builtin::Divmod),
        ("pow", Builtin::Pow),
        ("enumerate", Builtin::Enumerate),
        ("zip", Builtin::Zip),
        ("print", Builtin::Print),
        ("sum", Builtin::Sum),
    ];

    pub fn name(self) -> &'static str {
        match self {
            Builtin::Finfo => return "numpy.finfo",
            Builtin::Iinfo => return "numpy.iinfo",
            Builtin::NpDtype => return "numpy.dtype",
            Builtin::Prange => return "prange",
            Builtin::Identity(_) => return "reduction identity",
            Builtin::EmptyList => return "List.empty_list",
            Builtin::ListAppend => return ".append",
            Builtin::ListPop => return ".pop",
            Builtin::EmptyDict => return "Dict.empty",
            Builtin::DictGet => return ".get",
            Builtin::DelItem => return "del",
            Builtin::DictKeys => return ".keys",
            Builtin::DictValues => return ".values",
            Builtin::DictItems => return ".items",
            Builtin::ContainerClear => return ".clear",
            Builtin::IsTypedList => return "jitufunc._intrinsics.is_typed_list",
            Builtin::ListSort => return "jitufunc._intrinsics.list_sort",
            _ => {}
        }
        Builtin::ALL
            .iter()
            .find(|(_, b)| *b == self)
            .map(|(n, _)| *n)
            .unwrap_or("?")
    }
}

/// A numeric function that exists in `math`, `cmath` and/or NumPy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MathFn {
    Sqrt,
    Cbrt,
    Exp,
    Exp2,
    Expm1,
    Log,
    Log2,
    Log10,
    Log1p,
    Sin,
    Cos,
    Tan,
    Asin,
    Acos,
    Atan,
    Atan2,
    Sinh,
    Cosh,
    Tanh,
    Asinh,
    Acosh,
    Atanh,
    Hypot,
    Pow,
    Fabs,
    Abs,
    Floor,
    Ceil,
    Trunc,
    Rint,
    Copysign,
    Fmod,
    IsNan,
    IsInf,
    IsFinite,
    Erf,
    Erfc,
    Gamma,
    Lgamma,
    Degrees,
    Radians,
    Sign,
    Square,
    Reciprocal,
    Conj,
    Real,
    Imag,
    Phase,
    Maximum,
    Minimum,
    Fmax,
    Fmin,
}

impl MathFn {
    /// Number of arguments.
    pub fn arity(self) -> usize {
        use MathFn::*;
        match self {
            Atan2 | Hypot | Pow | Copysign | Fmod | Maximum | Minimum | Fmax | Fmin => 2,
            _ => 1,
        }
    }

    /// Whether the function accepts complex arguments (in cmath/NumPy).
    pub fn takes_complex(self) -> bool {
        use MathFn::*;
        matches!(
            self,
            Sqrt | Exp
                | Log
                | Log10
                | Log2
                | Log1p
                | Expm1
                | Sin
                | Cos
                | Tan
                | Asin
                | Acos
                | Atan
                | Sinh
                | Cosh
                | Tanh
                | Asinh
                | Acosh
                | Atanh
                | Pow
                | Abs
                | IsNan
                | IsInf
                | IsFinite
                | Sign
                | Square
                | Reciprocal
                | Conj
                | Real
                | Imag
                | Phase
                | Maximum
                | Minimum
                | Fmax
                | Fmin
                | Exp2
                | Rint
        )
    }

    /// Whether the function returns a bool (predicates).
    pub fn is_predicate(self) -> bool {
        matches!(self, MathFn::IsNan | MathFn::IsInf | MathFn::IsFinite)
    }
}

/// `math.NAME` functions.
pub const MATH_FUNCTIONS: &[(&str, MathFn)] = &[
    ("sqrt", MathFn::Sqrt),
    ("cbrt", MathFn::Cbrt),
    ("exp", MathFn::Exp),
    ("exp2", MathFn::Exp2),
    ("expm1", MathFn::Expm1),
    ("log", MathFn::Log),
    ("log2", MathFn::Log2),
    ("log10", MathFn::Log10),
    ("log1p", MathFn::Log1p),
    ("sin", MathFn::Sin),
    ("cos", MathFn::Cos),
    ("tan", MathFn::Tan),
    ("asin", MathFn::Asin),
    ("acos", MathFn::Acos),
    ("atan", MathFn::Atan),
    ("atan2", MathFn::Atan2),
    ("sinh", MathFn::Sinh),
    ("cosh", MathFn::Cosh),
    ("tanh", MathFn::Tanh),
    ("asinh", MathFn::Asinh),
    ("acosh", MathFn::Acosh),
    ("atanh", MathFn::Atanh),
    ("hypot", MathFn::Hypot),
    ("pow", MathFn::Pow),
    ("fabs", MathFn::Fabs),
    ("floor", MathFn::Floor),
    ("ceil", MathFn::Ceil),
    ("trunc", MathFn::Trunc),
    ("copysign", MathFn::Copysign),
    ("fmod", MathFn::Fmod),
    ("isnan", MathFn::IsNan),
    ("isinf", MathFn::IsInf),
    ("isfinite", MathFn::IsFinite),
    ("erf", MathFn::Erf),
    ("erfc", MathFn::Erfc),
    ("gamma", MathFn::Gamma),
    ("lgamma", MathFn::Lgamma),
    ("degrees", MathFn::Degrees),
    ("radians", MathFn::Radians),
];

/// `cmath.NAME` functions.
pub const CMATH_FUNCTIONS: &[(&str, MathFn)] = &[
    ("sqrt", MathFn::Sqrt),
    ("exp", MathFn::Exp),
    ("log", MathFn::Log),
    ("log10", MathFn::Log10),
    ("sin", MathFn::Sin),
    ("cos", MathFn::Cos),
    ("tan", MathFn::Tan),
    ("asin", MathFn::Asin),
    ("acos", MathFn::Acos),
    ("atan", MathFn::Atan),
    ("sinh", MathFn::Sinh),
    ("cosh", MathFn::Cosh),
    ("tanh", MathFn::Tanh),
    ("asinh", MathFn::Asinh),
    ("acosh", MathFn::Acosh),
    ("atanh", MathFn::Atanh),
    ("phase", MathFn::Phase),
    ("isnan", MathFn::IsNan),
    ("isinf", MathFn::IsInf),
    ("isfinite", MathFn::IsFinite),
];

/// `numpy.NAME` scalar functions (ufuncs applied to scalars).
pub const NUMPY_FUNCTIONS: &[(&str, MathFn)] = &[
    ("sqrt", MathFn::Sqrt),
    ("cbrt", MathFn::Cbrt),
    ("exp", MathFn::Exp),
    ("exp2", MathFn::Exp2),
    ("expm1", MathFn::Expm1),
    ("log", MathFn::Log),
    ("log2", MathFn::Log2),
    ("log10", MathFn::Log10),
    ("log1p", MathFn::Log1p),
    ("sin", MathFn::Sin),
    ("cos", MathFn::Cos),
    ("tan", MathFn::Tan),
    ("arcsin", MathFn::Asin),
    ("arccos", MathFn::Acos),
    ("arctan", MathFn::Atan),
    ("arctan2", MathFn::Atan2),
    ("sinh", MathFn::Sinh),
    ("cosh", MathFn::Cosh),
    ("tanh", MathFn::Tanh),
    ("arcsinh", MathFn::Asinh),
    ("arccosh", MathFn::Acosh),
    ("arctanh", MathFn::Atanh),
    ("asin", MathFn::Asin),
    ("acos", MathFn::Acos),
    ("atan", MathFn::Atan),
    ("atan2", MathFn::Atan2),
    ("asinh", MathFn::Asinh),
    ("acosh", MathFn::Acosh),
    ("atanh", MathFn::Atanh),
    ("hypot", MathFn::Hypot),
    ("power", MathFn::Pow),
    ("pow", MathFn::Pow),
    ("fabs", MathFn::Fabs),
    ("abs", MathFn::Abs),
    ("absolute", MathFn::Abs),
    ("floor", MathFn::Floor),
    ("ceil", MathFn::Ceil),
    ("trunc", MathFn::Trunc),
    ("rint", MathFn::Rint),
    ("copysign", MathFn::Copysign),
    ("fmod", MathFn::Fmod),
    ("isnan", MathFn::IsNan),
    ("isinf", MathFn::IsInf),
    ("isfinite", MathFn::IsFinite),
    ("degrees", MathFn::Degrees),
    ("rad2deg", MathFn::Degrees),
    ("radians", MathFn::Radians),
    ("deg2rad", MathFn::Radians),
    ("sign", MathFn::Sign),
    ("square", MathFn::Square),
    ("reciprocal", MathFn::Reciprocal),
    ("conj", MathFn::Conj),
    ("conjugate", MathFn::Conj),
    ("real", MathFn::Real),
    ("imag", MathFn::Imag),
    ("angle", MathFn::Phase),
    ("maximum", MathFn::Maximum),
    ("minimum", MathFn::Minimum),
    ("fmax", MathFn::Fmax),
    ("fmin", MathFn::Fmin),
];

/// `numpy.NAME` dtype constructors (`np.float32(x)`).
pub const NUMPY_DTYPES: &[(&str, Scalar)] = &[
    ("bool_", Scalar::Bool),
    ("bool", Scalar::Bool),
    ("int8", Scalar::I8),
    ("uint8", Scalar::U8),
    ("int16", Scalar::I16),
    ("uint16", Scalar::U16),
    ("int32", Scalar::I32),
    ("uint32", Scalar::U32),
    ("int64", Scalar::I64),
    ("uint64", Scalar::U64),
    ("intp", Scalar::I64),
    ("uintp", Scalar::U64),
    ("float16", Scalar::F16),
    ("float32", Scalar::F32),
    ("float64", Scalar::F64),
    ("complex64", Scalar::C64),
    ("complex128", Scalar::C128),
    ("double", Scalar::F64),
    ("single", Scalar::F32),
    ("half", Scalar::F16),
];

/// Which module's semantics a math function call follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Flavour {
    /// `math.f(x)`: arguments as Python floats, a Python float result.
    Math,
    /// `cmath.f(z)`: arguments as Python complex, a Python complex result.
    Cmath,
    /// `np.f(x)`: NumPy's ufunc loop for the argument dtype.
    Numpy,
    /// `x.f()`: a method of the NumPy scalar (`x.conjugate()` keeps a
    /// bool a bool, where `np.conj` makes it int8).
    Method,
}

/// Something a kernel can call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Callee {
    Builtin(Builtin),
    Math(MathFn, Flavour),
    /// `np.float32(x)` and friends.
    DType(Scalar),
    /// A C function: a ctypes function with declared `argtypes` and
    /// `restype`, or a cffi function (`c_functions`).
    C(CFuncRef),
    /// A NumPy function that makes an array, with the dtype the call gives.
    Array(ArrayFn, DtypeArg),
    /// A step of compiled code's random generator (`jitufunc._intrinsics`;
    /// `np.random.*` is written with them in `jitufunc._numpy_random`).
    Random(RandomFn),
}

/// The generator's primitive draws (`engine::random`), which
/// `jitufunc._numpy_random` builds `np.random.*` from. Their arguments
/// are checked there, before the call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RandomFn {
    /// `random_seed(n)`: reseeds the calling thread's generator (`n` an
    /// int64, taken as its 64 bits). No result.
    Seed,
    /// `random_double()`: a Python float uniform in [0, 1).
    Double,
    /// `random_normal()`: a standard normal Python float.
    Normal,
    /// `random_integer(lo, hi)`: a Python int uniform in [lo, hi)
    /// (int64 bounds, lo < hi).
    Integer,
    /// `random_poisson(lam)`: a Poisson Python int (0 <= lam, finite).
    Poisson,
    /// `random_binomial(n, p)`: a binomial Python int (n >= 0 an int64,
    /// 0 <= p <= 1).
    Binomial,
    /// `bitgen_double(g)`: the next double in [0, 1) of `numpy.random.Generator`
    /// `g`'s bit generator (its `next_double`, as `g.random()` draws it).
    BitgenDouble,
    /// `bitgen_uint64(g)`: the next 64 random bits of `g`'s bit generator
    /// (its `next_uint64`), a uint64.
    BitgenUint64,
}

impl RandomFn {
    pub const ALL: [(&'static str, RandomFn); 8] = [
        ("random_seed", RandomFn::Seed),
        ("random_double", RandomFn::Double),
        ("random_normal", RandomFn::Normal),
        ("random_integer", RandomFn::Integer),
        ("random_poisson", RandomFn::Poisson),
        ("random_binomial", RandomFn::Binomial),
        ("bitgen_double", RandomFn::BitgenDouble),
        ("bitgen_uint64", RandomFn::BitgenUint64),
    ];

    /// The operand types (as typing converts the arguments) and the result
    /// type (`None`: no result).
    pub fn signature(self) -> (Vec<crate::types::Type>, Option<crate::types::Type>) {
        use crate::types::Type;
        match self {
            RandomFn::Seed => (vec![Type::I64], None),
            RandomFn::Double | RandomFn::Normal => (vec![], Some(Type::PY_FLOAT)),
            RandomFn::Integer => (vec![Type::I64, Type::I64], Some(Type::PY_INT)),
            RandomFn::Poisson => (vec![Type::F64], Some(Type::PY_INT)),
            RandomFn::Binomial => (vec![Type::I64, Type::F64], Some(Type::PY_INT)),
            RandomFn::BitgenDouble => (vec![Type::Generator], Some(Type::PY_FLOAT)),
            RandomFn::BitgenUint64 => (
                vec![Type::Generator],
                Some(Type::Scalar(crate::types::Scalar::U64)),
            ),
        }
    }

    /// The intrinsic's name (`random_double`).
    pub fn name(self) -> &'static str {
        RandomFn::ALL
            .iter()
            .find(|(_, f)| *f == self)
            .map(|(n, _)| *n)
            .unwrap_or("?")
    }
}

/// The `dtype=` of a NumPy array function's call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DtypeArg {
    /// Not given (or `None`): NumPy's default for the function.
    Default,
    /// A dtype written in the call: `np.int32`, `float`, `"f4"`.
    Given(Scalar),
    /// A value such as `a.dtype`, passed as the last operand: its type
    /// says which dtype (a value of another type is an error).
    Operand,
}

/// NumPy functions that make arrays (`@jit` only).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ArrayFn {
    /// `np.empty(shape, dtype=float)`
    Empty,
    /// `np.zeros(shape, dtype=float)`
    Zeros,
    /// `np.ones(shape, dtype=float)`
    Ones,
    /// `np.full(shape, fill_value, dtype=None)`
    Full,
    /// `np.arange([start,] stop[, step], dtype=None)`
    Arange,
    /// `np.nonzero(a)`, `a.nonzero()`: a tuple of index arrays.
    Nonzero,
    /// `np.copy(a)`, `a.copy()`
    Copy,
    /// `a.astype(dtype)`
    Astype,
    /// `a.transpose()`, `a.T`
    Transpose,
    /// `np.reshape(a, shape)`, `a.reshape(shape)`, `a.reshape(m, n)`
    Reshape,
    /// `np.ravel(a)`, `a.ravel()`
    Ravel,
    /// `a.flatten()`
    Flatten,
    /// `np.empty_like(a, dtype=None)`
    EmptyLike,
    /// `np.zeros_like(a, dtype=None)`
    ZerosLike,
    /// `np.ones_like(a, dtype=None)`
    OnesLike,
    /// `np.full_like(a, fill_value, dtype=None)`
    FullLike,
    /// `np.eye(N, M=None, k=0, dtype=float)`
    Eye,
    /// `np.identity(n, dtype=float)`
    Identity,
    /// `np.linspace(start, stop, num=50, endpoint=True, dtype=None)`
    Linspace,
    /// `np.array(object, dtype=None)`: a new array of a number, a (nested)
    /// tuple or list of numbers, or a copy of an array.
    Array,
    /// `np.asarray(a, dtype=None)`: an array as it is, else as `np.array`.
    Asarray,
    /// `np.sum(a)`, `a.sum()`: a reduction of every element (`Reduction`).
    Reduce(Reduction),
    /// `np.mean(a)`, `a.mean()`
    Mean,
    /// `np.where(condition, x, y)`: element by element, `x` where the
    /// condition holds, else `y`.
    Where,
    /// `np.clip(a, a_min, a_max)`: `minimum(maximum(a, a_min), a_max)`.
    Clip,
    /// `np.add(x1, x2)`, `np.multiply`, ...: NumPy's ufunc of an operator.
    Binary(crate::syntax::BinOp),
    /// `np.less(x1, x2)`, `np.equal`, ...
    Compare(crate::syntax::CmpOp),
    /// `np.logical_and(x1, x2)`, `np.logical_or`: of the truth values.
    Logical(crate::syntax::BoolOp),
    /// `np.logical_not(x)`
    LogicalNot,
    /// `np.negative(x)`
    Negative,
    /// `np.exp(x, out=o)`, `np.maximum(x1, x2, where=m)`, `np.sqrt(x, o)`:
    /// a NumPy math ufunc called with `out=` or `where=` (called without
    /// them it is `Callee::Math`).
    Math(MathFn),
    /// `np.where(c, x, y)` on numbers inside an array expression's element
    /// function (`typing::elementwise::ElemNode::Select`): both computed,
    /// one chosen (`Op::Select`), with NumPy's promotion of `x` and `y`.
    Select,
    /// `jitufunc._intrinsics.blas_matmul(out, a, b)`: `out[...] = a @ b`
    /// by NumPy's BLAS when it can take the operands, returning whether it
    /// did (the NumPy functions written in Python fall back to a loop).
    BlasMatmul,
}

impl ArrayFn {
    /// How many positional arguments come before `dtype`.
    pub fn args_before_dtype(self) -> usize {
        match self {
            ArrayFn::Empty | ArrayFn::Zeros | ArrayFn::Ones => 1,
            ArrayFn::Full => 2,
            ArrayFn::Arange => 3,
            ArrayFn::Nonzero | ArrayFn::Copy | ArrayFn::Transpose => 1,
            // The array, then the dtype.
            ArrayFn::Astype => 1,
            ArrayFn::Reshape => 2,
            ArrayFn::Ravel | ArrayFn::Flatten => 1,
            ArrayFn::EmptyLike | ArrayFn::ZerosLike | ArrayFn::OnesLike => 1,
            ArrayFn::FullLike => 2,
            ArrayFn::Eye => 3,
            ArrayFn::Identity => 1,
            ArrayFn::Linspace => 4,
            ArrayFn::Array | ArrayFn::Asarray => 1,
            ArrayFn::Reduce(_) | ArrayFn::Mean => 2,
            ArrayFn::Where | ArrayFn::Select | ArrayFn::BlasMatmul => 3,
            // The ufuncs: no dtype.
            ArrayFn::Clip
            | ArrayFn::Binary(_)
            | ArrayFn::Compare(_)
            | ArrayFn::Logical(_)
            | ArrayFn::LogicalNot
            | ArrayFn::Negative
            | ArrayFn::Math(_) => self.params().len(),
        }
    }

    /// Whether this is a NumPy ufunc (it takes `out=` and `where=`).
    pub fn is_ufunc(self) -> bool {
        matches!(
            self,
            ArrayFn::Clip
                | ArrayFn::Binary(_)
                | ArrayFn::Compare(_)
                | ArrayFn::Logical(_)
                | ArrayFn::LogicalNot
                | ArrayFn::Negative
                | ArrayFn::Math(_)
        )
    }

    /// The parameter names, in order (the dtype last where there is one).
    pub fn params(self) -> &'static [&'static str] {
        match self {
            ArrayFn::Empty | ArrayFn::Zeros | ArrayFn::Ones => &["shape", "dtype"],
            ArrayFn::Full => &["shape", "fill_value", "dtype"],
            ArrayFn::Arange => &["start", "stop", "step", "dtype"],
            ArrayFn::Nonzero | ArrayFn::Copy | ArrayFn::Transpose => &["a"],
            ArrayFn::Astype => &["a", "dtype"],
            ArrayFn::Reshape => &["a", "shape"],
            ArrayFn::Ravel | ArrayFn::Flatten => &["a"],
            ArrayFn::EmptyLike | ArrayFn::ZerosLike | ArrayFn::OnesLike => &["a", "dtype"],
            ArrayFn::FullLike => &["a", "fill_value", "dtype"],
            ArrayFn::Eye => &["N", "M", "k", "dtype"],
            ArrayFn::Identity => &["n", "dtype"],
            ArrayFn::Linspace => &["start", "stop", "num", "endpoint", "dtype"],
            ArrayFn::Array => &["object", "dtype"],
            ArrayFn::Asarray => &["a", "dtype"],
            ArrayFn::Reduce(_) | ArrayFn::Mean => &["a", "axis"],
            ArrayFn::Where | ArrayFn::Select => &["condition", "x", "y"],
            ArrayFn::Clip => &["a", "a_min", "a_max", "out", "where"],
            ArrayFn::Binary(_) | ArrayFn::Compare(_) | ArrayFn::Logical(_) => {
                &["x1", "x2", "out", "where"]
            }
            ArrayFn::LogicalNot | ArrayFn::Negative => &["x", "out", "where"],
            ArrayFn::Math(f) if f.arity() == 2 => &["x1", "x2", "out", "where"],
            ArrayFn::Math(_) => &["x", "out", "where"],
            ArrayFn::BlasMatmul => &["out", "a", "b"],
        }
    }

    /// The value of parameter `k` when it is omitted (`None`: required,
    /// or for `np.arange` the bounds that are left out, for `np.eye` M,
    /// which is N).
    pub fn default(self, k: usize) -> Option<crate::syntax::Const> {
        use crate::syntax::Const;
        match (self, k) {
            (ArrayFn::Eye, 2) => Some(Const::Int(0)),
            (ArrayFn::Linspace, 2) => Some(Const::Int(50)),
            (ArrayFn::Linspace, 3) => Some(Const::Bool(true)),
            (ArrayFn::Reduce(_) | ArrayFn::Mean, 1) => Some(Const::None),
            // `out=` and `where=` of the ufuncs: a new array, every
            // element, when not given.
            (ArrayFn::Clip, 3 | 4)
            | (ArrayFn::Binary(_) | ArrayFn::Compare(_) | ArrayFn::Logical(_), 2 | 3)
            | (ArrayFn::LogicalNot | ArrayFn::Negative, 1 | 2) => Some(Const::None),
            (ArrayFn::Math(f), k) if k >= f.arity() => Some(Const::None),
            _ => None,
        }
    }

    /// The array method of this name (`a.copy()`), if there is one.
    pub fn method(name: &str) -> Option<ArrayFn> {
        Some(match name {
            "nonzero" => ArrayFn::Nonzero,
            "copy" => ArrayFn::Copy,
            "astype" => ArrayFn::Astype,
            "transpose" => ArrayFn::Transpose,
            "reshape" => ArrayFn::Reshape,
            "ravel" => ArrayFn::Ravel,
            "flatten" => ArrayFn::Flatten,
            "sum" => ArrayFn::Reduce(Reduction::Sum),
            "prod" => ArrayFn::Reduce(Reduction::Prod),
            "min" => ArrayFn::Reduce(Reduction::Min),
            "max" => ArrayFn::Reduce(Reduction::Max),
            "any" => ArrayFn::Reduce(Reduction::Any),
            "all" => ArrayFn::Reduce(Reduction::All),
            "mean" => ArrayFn::Mean,
            _ => return None,
        })
    }
}

/// `numpy.NAME` functions that make arrays.
pub const NUMPY_ARRAY_FUNCTIONS: &[(&str, ArrayFn)] = &[
    ("empty", ArrayFn::Empty),
    ("zeros", ArrayFn::Zeros),
    ("ones", ArrayFn::Ones),
    ("full", ArrayFn::Full),
    ("arange", ArrayFn::Arange),
    ("nonzero", ArrayFn::Nonzero),
    ("copy", ArrayFn::Copy),
    ("transpose", ArrayFn::Transpose),
    ("reshape", ArrayFn::Reshape),
    ("ravel", ArrayFn::Ravel),
    ("empty_like", ArrayFn::EmptyLike),
    ("zeros_like", ArrayFn::ZerosLike),
    ("ones_like", ArrayFn::OnesLike),
    ("full_like", ArrayFn::FullLike),
    ("eye", ArrayFn::Eye),
    ("identity", ArrayFn::Identity),
    ("linspace", ArrayFn::Linspace),
    ("array", ArrayFn::Array),
    ("asarray", ArrayFn::Asarray),
    ("sum", ArrayFn::Reduce(Reduction::Sum)),
    ("prod", ArrayFn::Reduce(Reduction::Prod)),
    ("min", ArrayFn::Reduce(Reduction::Min)),
    ("amin", ArrayFn::Reduce(Reduction::Min)),
    ("max", ArrayFn::Reduce(Reduction::Max)),
    ("amax", ArrayFn::Reduce(Reduction::Max)),
    ("any", ArrayFn::Reduce(Reduction::Any)),
    ("all", ArrayFn::Reduce(Reduction::All)),
    ("mean", ArrayFn::Mean),
    ("where", ArrayFn::Where),
    ("clip", ArrayFn::Clip),
    ("add", ArrayFn::Binary(BinOp::Add)),
    ("subtract", ArrayFn::Binary(BinOp::Sub)),
    ("multiply", ArrayFn::Binary(BinOp::Mul)),
    ("divide", ArrayFn::Binary(BinOp::TrueDiv)),
    ("true_divide", ArrayFn::Binary(BinOp::TrueDiv)),
    ("floor_divide", ArrayFn::Binary(BinOp::FloorDiv)),
    ("remainder", ArrayFn::Binary(BinOp::Mod)),
    ("mod", ArrayFn::Binary(BinOp::Mod)),
    ("bitwise_and", ArrayFn::Binary(BinOp::BitAnd)),
    ("bitwise_or", ArrayFn::Binary(BinOp::BitOr)),
    ("bitwise_xor", ArrayFn::Binary(BinOp::BitXor)),
    ("left_shift", ArrayFn::Binary(BinOp::LShift)),
    ("right_shift", ArrayFn::Binary(BinOp::RShift)),
    ("less", ArrayFn::Compare(CmpOp::Lt)),
    ("less_equal", ArrayFn::Compare(CmpOp::Le)),
    ("greater", ArrayFn::Compare(CmpOp::Gt)),
    ("greater_equal", ArrayFn::Compare(CmpOp::Ge)),
    ("equal", ArrayFn::Compare(CmpOp::Eq)),
    ("not_equal", ArrayFn::Compare(CmpOp::Ne)),
    ("logical_and", ArrayFn::Logical(BoolOp::And)),
    ("logical_or", ArrayFn::Logical(BoolOp::Or)),
    ("logical_not", ArrayFn::LogicalNot),
    ("negative", ArrayFn::Negative),
];

use crate::syntax::{BinOp, BoolOp, CmpOp};

impl ArrayFn {
    /// Works element by element (on numbers too): makes an array only
    /// when given one.
    pub fn elementwise(self) -> bool {
        matches!(
            self,
            ArrayFn::Where
                | ArrayFn::Clip
                | ArrayFn::Binary(_)
                | ArrayFn::Compare(_)
                | ArrayFn::Logical(_)
                | ArrayFn::LogicalNot
                | ArrayFn::Negative
        )
    }
}

/// How a reduction combines the elements of an array.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reduction {
    /// `np.sum`: from 0, adding (integers below 64 bits add as int64 or
    /// uint64, bools as int64, as NumPy).
    Sum,
    /// `np.prod`: from 1, multiplying (widened as `Sum`).
    Prod,
    /// `np.min`: the least element (NaN if any is NaN); `ValueError` for
    /// no elements.
    Min,
    /// `np.max`, as `Min`.
    Max,
    /// `np.any`: whether any element is true (non-zero).
    Any,
    /// `np.all`: whether every element is true.
    All,
    /// `np.mean`: the sum divided by the number of elements (NaN for
    /// none, as NumPy).
    Mean,
}

impl Reduction {
    /// The method's name (`a.sum()`).
    pub fn method_name(self) -> &'static str {
        match self {
            Reduction::Sum => "sum",
            Reduction::Prod => "prod",
            Reduction::Min => "min",
            Reduction::Max => "max",
            Reduction::Any => "any",
            Reduction::All => "all",
            Reduction::Mean => "mean",
        }
    }

    /// NumPy's name of the ufunc reducing (for messages).
    pub fn numpy_name(self) -> &'static str {
        match self {
            Reduction::Sum => "add",
            Reduction::Prod => "multiply",
            Reduction::Min => "minimum",
            Reduction::Max => "maximum",
            Reduction::Any => "logical_or",
            Reduction::All => "logical_and",
            Reduction::Mean => "add",
        }
    }
}

impl Callee {
    /// The name the user would write, for error messages.
    pub fn describe(self) -> String {
        match self {
            Callee::Builtin(b) => b.name().to_string(),
            Callee::Math(f, flavour) => {
                let (module, table) = match flavour {
                    Flavour::Math => ("math", MATH_FUNCTIONS),
                    Flavour::Cmath => ("cmath", CMATH_FUNCTIONS),
                    Flavour::Numpy => ("numpy", NUMPY_FUNCTIONS),
                    Flavour::Method => return format!(".{f:?}()").to_lowercase(),
                };
                let name = table
                    .iter()
                    .find(|(_, g)| *g == f)
                    .map(|(n, _)| *n)
                    .unwrap_or("?");
                format!("{module}.{name}")
            }
            Callee::DType(s) => format!("numpy.{s}"),
            Callee::C(r) => c_functions::get(r).name.clone(),
            Callee::Random(f) => format!("jitufunc._intrinsics.{}", f.name()),
            Callee::Array(ArrayFn::Astype, _) => ".astype()".into(),
            Callee::Array(ArrayFn::Flatten, _) => ".flatten()".into(),
            Callee::Array(ArrayFn::BlasMatmul, _) => "jitufunc._intrinsics.blas_matmul".into(),
            Callee::Array(ArrayFn::Select, _) => "numpy.where".into(),
            Callee::Array(ArrayFn::Math(f), _) => Callee::Math(f, Flavour::Numpy).describe(),
            Callee::Array(f, _) => {
                let name = NUMPY_ARRAY_FUNCTIONS
                    .iter()
                    .find(|(_, g)| *g == f)
                    .map(|(n, _)| *n)
                    .unwrap_or("?");
                format!("numpy.{name}")
            }
        }
    }
}

/// A builtin exception class compiled code may raise (`raise
/// ValueError("...")`, `assert`), by the code the runtime reports it with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum PyException {
    Exception = 0,
    ArithmeticError = 1,
    AssertionError = 2,
    IndexError = 3,
    KeyError = 4,
    LookupError = 5,
    MemoryError = 6,
    NotImplementedError = 7,
    OverflowError = 8,
    RuntimeError = 9,
    TypeError = 10,
    ValueError = 11,
    ZeroDivisionError = 12,
    /// Also what a recursion too deep for the thread's stack raises.
    RecursionError = 13,
}

impl PyException {
    pub const ALL: [PyException; 14] = [
        PyException::Exception,
        PyException::ArithmeticError,
        PyException::AssertionError,
        PyException::IndexError,
        PyException::KeyError,
        PyException::LookupError,
        PyException::MemoryError,
        PyException::NotImplementedError,
        PyException::OverflowError,
        PyException::RuntimeError,
        PyException::TypeError,
        PyException::ValueError,
        PyException::ZeroDivisionError,
        PyException::RecursionError,
    ];

    /// The builtin class's name.
    pub fn name(self) -> &'static str {
        match self {
            PyException::Exception => "Exception",
            PyException::ArithmeticError => "ArithmeticError",
            PyException::AssertionError => "AssertionError",
            PyException::IndexError => "IndexError",
            PyException::KeyError => "KeyError",
            PyException::LookupError => "LookupError",
            PyException::MemoryError => "MemoryError",
            PyException::NotImplementedError => "NotImplementedError",
            PyException::OverflowError => "OverflowError",
            PyException::RuntimeError => "RuntimeError",
            PyException::TypeError => "TypeError",
            PyException::ValueError => "ValueError",
            PyException::ZeroDivisionError => "ZeroDivisionError",
            PyException::RecursionError => "RecursionError",
        }
    }

    pub fn from_code(code: u32) -> Option<PyException> {
        PyException::ALL.into_iter().find(|e| *e as u32 == code)
    }
}

/// A C function kernels call, by its number in the process's table
/// (`c_functions`). Printed with its name, address and C types, so that
/// two processes' kernels calling different functions never share an
/// on-disk cache entry.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct CFuncRef(pub u32);

impl std::fmt::Debug for CFuncRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", c_functions::get(*self))
    }
}

/// The C functions kernels call: ctypes functions with declared
/// `argtypes`/`restype` and cffi functions, read by the frontend
/// (`frontend::resolve`) as an address and C scalar types. Entries are
/// never removed (compiled code holds their addresses; the Python objects
/// the addresses come from are kept by the kernels' globals).
pub mod c_functions {
    use std::fmt;
    use std::sync::{Arc, RwLock};

    use super::CFuncRef;
    use crate::types::Scalar;

    /// A C function's address and signature (C types as NumPy scalars:
    /// `double` is float64, `int` int32, `_Bool` bool, ...).
    #[derive(Clone, PartialEq, Eq, Hash)]
    pub struct CFunction {
        pub name: String,
        pub address: usize,
        pub params: Vec<Scalar>,
        /// `None` for `void`.
        pub ret: Option<Scalar>,
    }

    impl fmt::Display for CFunction {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            let params: Vec<&str> = self.params.iter().map(|s| s.name()).collect();
            let ret = self.ret.map_or("void", |s| s.name());
            write!(
                f,
                "C function {}@{:#x}({}) -> {ret}",
                self.name,
                self.address,
                params.join(", ")
            )
        }
    }

    static TABLE: RwLock<Vec<Arc<CFunction>>> = RwLock::new(Vec::new());

    /// The reference of `f` (the same for the same function and types).
    pub fn register(f: CFunction) -> CFuncRef {
        let mut t = TABLE.write().unwrap_or_else(|e| e.into_inner());
        if let Some(i) = t.iter().position(|g| **g == f) {
            return CFuncRef(i as u32);
        }
        t.push(Arc::new(f));
        CFuncRef((t.len() - 1) as u32)
    }

    /// The function `r` refers to.
    pub fn get(r: CFuncRef) -> Arc<CFunction> {
        TABLE.read().unwrap_or_else(|e| e.into_inner())[r.0 as usize].clone()
    }
}
