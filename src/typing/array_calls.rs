//! Typing of NumPy's array functions and methods in `@jit` functions
//! (`np.zeros`, `np.arange`, `a.reshape(...)`, `np.eye`, `np.array`, ...):
//! each becomes the typed array operations (`Op::Array`) that make it,
//! with the dtype, number of dimensions and layout NumPy gives.

use super::arrays::assign;
use super::emit::Emit;
use super::rules::cast;
use crate::error::Result;
use crate::ir::{ArrayOp, Op};
use crate::syntax::Const;
use crate::types::{ArrayType, Kind, Layout, Memory, Scalar, Type};

/// A call of a NumPy function that makes an array (`np.zeros`, `np.arange`,
/// `np.nonzero`, `a.copy()`, `a.astype(t)`, `a.transpose()`, ...).
pub fn array_call<E: Emit>(
    e: &mut E,
    f: crate::builtins::ArrayFn,
    dtype: crate::builtins::DtypeArg,
    mut args: Vec<E::V>,
) -> Result<E::V> {
    use crate::builtins::{ArrayFn, DtypeArg};
    let dtype = match dtype {
        DtypeArg::Default => None,
        DtypeArg::Given(s) => Some(s),
        // `dtype=a.dtype`: lowering passed it last.
        DtypeArg::Operand => match args.pop().map(|a| e.ty(&a)) {
            Some(Type::DType(s)) => Some(s),
            t => {
                return Err(e.error(format!(
                    "dtype= takes a dtype (np.float32, 'int64', float, a.dtype), not a value of type {}",
                    t.unwrap_or_default()
                )))
            }
        },
    };
    match f {
        ArrayFn::Empty | ArrayFn::Zeros | ArrayFn::Ones | ArrayFn::Full => {
            create(e, f, dtype, args)
        }
        ArrayFn::Arange => arange(e, dtype, args),
        ArrayFn::Nonzero => {
            let a = the_array(e, "nonzero", args)?;
            let Type::Array(at) = e.ty(&a) else {
                unreachable!("the_array checks")
            };
            if at.ndim == 0 {
                return Err(e.error(
                    "calling nonzero on 0-d arrays is not allowed (as in NumPy); use np.atleast_1d",
                ));
            }
            let index = Type::Array(ArrayType {
                dtype: crate::types::Scalar::I64,
                ndim: 1,
                layout: crate::types::Layout::C,
                readonly: false,
                memory: crate::types::Memory::Owned,
            });
            let result = Type::Tuple(vec![index; at.ndim.max(1) as usize]);
            e.emit(Op::Array(ArrayOp::Nonzero), vec![a], result)
        }
        ArrayFn::Copy
            if matches!(
                args.first().map(|a| e.ty(a)),
                Some(Type::List(_) | Type::Dict(..))
            ) =>
        {
            // `l.copy()`, `d.copy()` of a typed container: a new one
            // sharing the items.
            let [c] =
                <[E::V; 1]>::try_from(args).map_err(|_| e.error("copy() takes no arguments"))?;
            let t = e.ty(&c);
            let op = match t {
                Type::List(_) => Op::List(crate::ir::ListOp::Copy),
                _ => Op::Dict(crate::ir::DictOp::Copy),
            };
            e.emit(op, vec![c], t)
        }
        ArrayFn::Copy => {
            let a = the_array(e, "copy", args)?;
            let Type::Array(at) = e.ty(&a) else {
                unreachable!("the_array checks")
            };
            copy_as(e, a, at.dtype)
        }
        ArrayFn::Astype => {
            let a = the_array(e, "astype", args)?;
            let to = dtype.ok_or_else(|| e.error("astype() needs a dtype"))?;
            copy_as(e, a, to)
        }
        ArrayFn::Transpose => {
            let a = the_array(e, "transpose", args)?;
            transpose(e, a)
        }
        ArrayFn::Reshape => {
            let mut it = args.into_iter();
            let (Some(a), Some(shape), None) = (it.next(), it.next(), it.next()) else {
                return Err(e.error("reshape() takes an array and a shape"));
            };
            let a = the_array(e, "reshape", vec![a])?;
            let dims = shape_dims(e, shape)?;
            reshape(e, a, dims)
        }
        ArrayFn::Ravel => {
            let a = the_array(e, "ravel", args)?;
            let all = e.constant(Const::Int(-1), Type::I64)?;
            reshape(e, a, vec![all])
        }
        ArrayFn::Flatten => {
            let a = the_array(e, "flatten", args)?;
            let Type::Array(at) = e.ty(&a) else {
                unreachable!("the_array checks")
            };
            let copy = copy_as(e, a, at.dtype)?;
            let all = e.constant(Const::Int(-1), Type::I64)?;
            reshape(e, copy, vec![all])
        }
        ArrayFn::EmptyLike | ArrayFn::ZerosLike | ArrayFn::OnesLike | ArrayFn::FullLike => {
            like(e, f, dtype, args)
        }
        ArrayFn::Eye | ArrayFn::Identity => eye(e, f, dtype, args),
        ArrayFn::Linspace => linspace(e, dtype, args),
        ArrayFn::Array | ArrayFn::Asarray => array(e, f, dtype, args),
        // The array, then one axis (or None), or several (`axis=(0, 2)`).
        ArrayFn::Reduce(r) => {
            let mut args = args;
            let axes = args.split_off(1.min(args.len()));
            let a = the_array(e, r.method_name(), args)?;
            super::elementwise::reduce_with_axes(e, r, a, axes)
        }
        ArrayFn::Mean => {
            let mut args = args;
            let axes = args.split_off(1.min(args.len()));
            let a = the_array(e, "mean", args)?;
            super::elementwise::reduce_with_axes(e, crate::builtins::Reduction::Mean, a, axes)
        }
        ArrayFn::Where
        | ArrayFn::Clip
        | ArrayFn::Binary(_)
        | ArrayFn::Compare(_)
        | ArrayFn::Logical(_)
        | ArrayFn::LogicalNot
        | ArrayFn::Negative
        | ArrayFn::Math(_) => super::elementwise::numpy_function(e, f, args),
        ArrayFn::BlasMatmul => blas_matmul(e, args),
        ArrayFn::Select => select(e, args),
    }
}

/// `np.where(c, x, y)` of numbers in an element function: `x` and `y`
/// converted to NumPy's promotion of the two, then `Op::Select` on the
/// truth of `c` (both were computed, as NumPy computes both arrays whole).
fn select<E: Emit>(e: &mut E, args: Vec<E::V>) -> Result<E::V> {
    let [c, x, y] = <[E::V; 3]>::try_from(args)
        .map_err(|_| e.error("np.where(condition, x, y) takes three arguments"))?;
    if [&c, &x, &y].iter().any(|v| !e.ty(v).is_scalar()) {
        return Err(crate::error::CompileError::internal(
            "select of non-numbers in an element function",
        ));
    }
    let t = crate::types::promote::promote(&e.ty(&x), &e.ty(&y))
        .ok_or_else(|| e.error("np.where: x and y have no common type"))?;
    let c = super::rules::truth(e, c)?;
    let c = cast(e, c, &Type::BOOL)?;
    let x = cast(e, x, &t)?;
    let y = cast(e, y, &t)?;
    e.emit(Op::Select, vec![c, x, y], t)
}

/// `blas_matmul(out, a, b)`: the BLAS call when the three are 2-d arrays of
/// one float or complex dtype and `out` is writable; otherwise the
/// constant False (decided here, so the caller's fallback loop is all
/// that is compiled).
fn blas_matmul<E: Emit>(e: &mut E, args: Vec<E::V>) -> Result<E::V> {
    let types: Vec<Type> = args.iter().map(|a| e.ty(a)).collect();
    let [Type::Array(out), Type::Array(a), Type::Array(b)] = types.as_slice() else {
        return Err(e.error("blas_matmul(out, a, b) takes three 2-d arrays"));
    };
    if [out, a, b].iter().any(|t| t.ndim != 2) {
        return Err(e.error("blas_matmul(out, a, b) takes three 2-d arrays"));
    }
    let blas_dtype = matches!(
        out.dtype,
        Scalar::F32 | Scalar::F64 | Scalar::C64 | Scalar::C128
    );
    if blas_dtype && !out.readonly && a.dtype == out.dtype && b.dtype == out.dtype {
        e.emit(Op::Array(ArrayOp::BlasMatmul), args, Type::BOOL)
    } else {
        e.constant(Const::Bool(false), Type::BOOL)
    }
}

/// The one array argument of `name`.
fn the_array<E: Emit>(e: &E, name: &str, args: Vec<E::V>) -> Result<E::V> {
    let mut it = args.into_iter();
    match (it.next(), it.next()) {
        (Some(a), None) if matches!(e.ty(&a), Type::Array(_)) => Ok(a),
        (Some(a), None) => Err(e.error(format!(
            "{name}() of a value of type {} (it takes an array)",
            e.ty(&a)
        ))),
        _ => Err(e.error(format!("{name}() takes one array"))),
    }
}

/// `a.T`, `a.transpose()`: the view with the axes reversed.
pub fn transpose<E: Emit>(e: &mut E, a: E::V) -> Result<E::V> {
    let Type::Array(at) = e.ty(&a) else {
        return Err(e.error("transpose of a non-array"));
    };
    let t = Type::Array(ArrayType {
        layout: if at.ndim <= 1 {
            at.layout
        } else {
            crate::types::Layout::Any
        },
        ..at
    });
    e.emit(Op::Array(ArrayOp::Transpose), vec![a], t)
}

/// A new C-contiguous array of dtype `to` with the elements of `a`
/// (`a.copy()`, `a.astype(to)`: NumPy's unsafe casting, but complex to
/// real, which would drop the imaginary part).
pub(crate) fn copy_as<E: Emit>(e: &mut E, a: E::V, to: crate::types::Scalar) -> Result<E::V> {
    let Type::Array(at) = e.ty(&a) else {
        return Err(e.error("copy of a non-array"));
    };
    let shape = e.emit(
        Op::Array(ArrayOp::Shape),
        vec![a.clone()],
        Type::Tuple(vec![Type::PY_INT; at.ndim as usize]),
    )?;
    let mut dims = vec![];
    for k in 0..at.ndim {
        let d = e.emit(Op::TupleGet(k), vec![shape.clone()], Type::PY_INT)?;
        dims.push(cast(e, d, &Type::I64)?);
    }
    let new = e.emit(
        Op::Array(ArrayOp::Empty),
        dims,
        Type::Array(ArrayType {
            dtype: to,
            ndim: at.ndim,
            layout: crate::types::Layout::C,
            readonly: false,
            memory: crate::types::Memory::Owned,
        }),
    )?;
    assign(e, new.clone(), a)?;
    Ok(new)
}

/// `np.arange(stop)`, `np.arange(start, stop[, step])`: the dtype given, or
/// float64 when a bound is a float, else int64.
fn arange<E: Emit>(
    e: &mut E,
    dtype: Option<crate::types::Scalar>,
    args: Vec<E::V>,
) -> Result<E::V> {
    use crate::types::Scalar;
    for a in &args {
        match e.ty(a).kind() {
            Some(Kind::Bool | Kind::Int | Kind::Float) => {}
            _ => {
                return Err(e.error(format!(
                    "np.arange() takes integer or float bounds, not {}",
                    e.ty(a)
                )))
            }
        }
    }
    let inferred = if args.iter().any(|a| e.ty(a).kind() == Some(Kind::Float)) {
        Scalar::F64
    } else {
        Scalar::I64
    };
    let dtype = dtype.unwrap_or(inferred);
    if dtype.kind() == Kind::Complex || dtype == Scalar::Bool {
        return Err(e.error(format!("np.arange() of dtype {dtype} is not supported")));
    }
    // The bounds are computed in float64 or int64, as NumPy does.
    let work = if dtype.kind() == Kind::Float || inferred == Scalar::F64 {
        Scalar::F64
    } else {
        Scalar::I64
    };
    let mut it = args.into_iter();
    let (start, stop, step) = match (it.next(), it.next(), it.next()) {
        (Some(stop), None, None) => (None, stop, None),
        (Some(start), Some(stop), None) => (Some(start), stop, None),
        (Some(start), Some(stop), Some(step)) => (Some(start), stop, Some(step)),
        _ => return Err(e.error("np.arange() takes 1 to 3 bounds")),
    };
    let w = Type::Scalar(work);
    let start = match start {
        Some(v) => cast(e, v, &w)?,
        None => {
            let z = e.constant(Const::Int(0), Type::PY_INT)?;
            cast(e, z, &w)?
        }
    };
    let stop = cast(e, stop, &w)?;
    let step = match step {
        Some(v) => cast(e, v, &w)?,
        None => {
            let one = e.constant(Const::Int(1), Type::PY_INT)?;
            cast(e, one, &w)?
        }
    };
    let t = Type::Array(ArrayType {
        dtype,
        ndim: 1,
        layout: crate::types::Layout::C,
        readonly: false,
        memory: crate::types::Memory::Owned,
    });
    e.emit(Op::Array(ArrayOp::Arange), vec![start, stop, step], t)
}

/// `np.empty(shape)`, `np.zeros(shape)`, `np.ones(shape)`,
/// `np.full(shape, value)` with `dtype` (`None`: NumPy's default, float64,
/// or for `np.full` the value's type): a new C-contiguous array of the
/// dimensions `shape` gives (an int or a tuple of ints).
pub fn create<E: Emit>(
    e: &mut E,
    f: crate::builtins::ArrayFn,
    dtype: Option<Scalar>,
    args: Vec<E::V>,
) -> Result<E::V> {
    use crate::builtins::ArrayFn;
    let mut args = args.into_iter();
    let shape = args.next().ok_or_else(|| e.error("a shape is needed"))?;
    let dims = shape_dims(e, shape)?;
    let value = args.next();
    let dtype = match (dtype, &value) {
        (Some(d), _) => d,
        (None, Some(v)) if f == ArrayFn::Full => match e.ty(v) {
            Type::Scalar(s) => s,
            Type::Weak(w) => w.default_scalar(),
            t => return Err(e.error(format!("np.full() fills with a number, not {t}"))),
        },
        (None, _) => Scalar::F64,
    };
    let fill = fill_value(e, f, value)?;
    make(e, dtype, dims, fill)
}

/// The value `np.zeros`, `np.ones`, `np.full` (and their `_like` forms)
/// fill with; `None` for `np.empty`.
fn fill_value<E: Emit>(
    e: &mut E,
    f: crate::builtins::ArrayFn,
    value: Option<E::V>,
) -> Result<Option<E::V>> {
    use crate::builtins::ArrayFn;
    Ok(match f {
        ArrayFn::Zeros | ArrayFn::ZerosLike => Some(e.constant(Const::Int(0), Type::PY_INT)?),
        ArrayFn::Ones | ArrayFn::OnesLike => Some(e.constant(Const::Int(1), Type::PY_INT)?),
        ArrayFn::Full | ArrayFn::FullLike => {
            Some(value.ok_or_else(|| e.error("a fill value is needed"))?)
        }
        _ => None,
    })
}

/// The int64 sizes of a shape: an int, or a tuple of ints.
fn shape_dims<E: Emit>(e: &mut E, shape: E::V) -> Result<Vec<E::V>> {
    Ok(match e.ty(&shape) {
        t if matches!(t.kind(), Some(Kind::Int | Kind::Bool)) => vec![cast(e, shape, &Type::I64)?],
        Type::Tuple(items) => {
            let mut dims = vec![];
            for (k, item) in items.iter().enumerate() {
                if item.kind() != Some(Kind::Int) {
                    return Err(e.error(format!(
                        "array dimensions must be integers, but dimension {k} of the shape is {item}"
                    )));
                }
                let d = e.emit(Op::TupleGet(k as u32), vec![shape.clone()], item.clone())?;
                dims.push(cast(e, d, &Type::I64)?);
            }
            dims
        }
        t => {
            return Err(e.error(format!(
                "an array shape is an int or a tuple of ints, not {t}"
            )))
        }
    })
}

/// A new C-contiguous array of `dtype` and sizes `dims` (int64), filled
/// with `fill` (converted as NumPy's `fill` converts) if given.
fn make<E: Emit>(e: &mut E, dtype: Scalar, dims: Vec<E::V>, fill: Option<E::V>) -> Result<E::V> {
    let array = owned(dtype, dims.len() as u32);
    let a = e.emit(Op::Array(ArrayOp::Empty), dims, array)?;
    if let Some(v) = fill {
        if e.ty(&v).kind().is_none() {
            return Err(e.error(format!(
                "an array is filled with a number, not {}",
                e.ty(&v)
            )));
        }
        if e.ty(&v).kind() == Some(Kind::Complex) && dtype.kind() != Kind::Complex {
            return Err(e.error(format!(
                "cannot fill a {dtype} array with a complex value (NumPy would discard the imaginary part)"
            )));
        }
        let v = cast(e, v, &Type::Scalar(dtype))?;
        e.emit_effect(Op::Array(ArrayOp::Fill), vec![a.clone(), v])?;
    }
    Ok(a)
}

/// The type of a new C-contiguous array compiled code owns.
fn owned(dtype: Scalar, ndim: u32) -> Type {
    Type::Array(ArrayType {
        dtype,
        ndim,
        layout: Layout::C,
        readonly: false,
        memory: Memory::Owned,
    })
}

/// `np.empty_like(a)`, `np.zeros_like(a)`, `np.ones_like(a)`,
/// `np.full_like(a, v)`: a new C-contiguous array of `a`'s shape and
/// dtype (or `dtype`).
fn like<E: Emit>(
    e: &mut E,
    f: crate::builtins::ArrayFn,
    dtype: Option<Scalar>,
    args: Vec<E::V>,
) -> Result<E::V> {
    let mut it = args.into_iter();
    let a = it.next().ok_or_else(|| e.error("an array is needed"))?;
    let Type::Array(at) = e.ty(&a) else {
        return Err(e.error(format!(
            "the _like functions take an array here, not {}",
            e.ty(&a)
        )));
    };
    let shape = e.emit(
        Op::Array(ArrayOp::Shape),
        vec![a],
        Type::Tuple(vec![Type::PY_INT; at.ndim as usize]),
    )?;
    let dims = shape_dims(e, shape)?;
    let fill = fill_value(e, f, it.next())?;
    make(e, dtype.unwrap_or(at.dtype), dims, fill)
}

/// `a.reshape(dims)`: checks what it can now (one -1 at most, no other
/// negative constant), the rest when it runs.
fn reshape<E: Emit>(e: &mut E, a: E::V, dims: Vec<E::V>) -> Result<E::V> {
    let Type::Array(at) = e.ty(&a) else {
        return Err(e.error("reshape of a non-array"));
    };
    let constants: Vec<Option<i128>> = dims
        .iter()
        .map(|d| match e.konst(d) {
            Some(Const::Int(i)) => Some(i),
            _ => None,
        })
        .collect();
    if constants.iter().filter(|c| **c == Some(-1)).count() > 1 {
        return Err(e.error("can only specify one unknown dimension"));
    }
    if constants.iter().any(|c| matches!(c, Some(i) if *i < -1)) {
        return Err(e.error("negative dimensions not allowed"));
    }
    let t = Type::Array(ArrayType {
        ndim: dims.len() as u32,
        layout: Layout::C,
        memory: Memory::Owned,
        ..at
    });
    let mut operands = vec![a];
    operands.extend(dims);
    e.emit(Op::Array(ArrayOp::Reshape), operands, t)
}

/// `np.eye(N, M=None, k=0)`, `np.identity(n)`: float64 unless `dtype`.
fn eye<E: Emit>(
    e: &mut E,
    f: crate::builtins::ArrayFn,
    dtype: Option<Scalar>,
    args: Vec<E::V>,
) -> Result<E::V> {
    let name = if f == crate::builtins::ArrayFn::Eye {
        "eye"
    } else {
        "identity"
    };
    let mut ints = vec![];
    for v in &args {
        match e.ty(v).kind() {
            Some(Kind::Int | Kind::Bool) => ints.push(cast(e, v.clone(), &Type::I64)?),
            _ => return Err(e.error(format!("np.{name}() takes integer sizes, not {}", e.ty(v)))),
        }
    }
    if ints.len() == 1 {
        // np.identity(n) is np.eye(n, n, 0).
        let zero = e.constant(Const::Int(0), Type::I64)?;
        ints = vec![ints[0].clone(), ints[0].clone(), zero];
    }
    e.emit(
        Op::Array(ArrayOp::Eye),
        ints,
        owned(dtype.unwrap_or(Scalar::F64), 2),
    )
}

/// `np.linspace(start, stop, num, endpoint)`: float64 unless `dtype`
/// (computed in float64 as NumPy does, then converted).
fn linspace<E: Emit>(e: &mut E, dtype: Option<Scalar>, args: Vec<E::V>) -> Result<E::V> {
    let mut it = args.into_iter();
    let (Some(start), Some(stop), Some(num), Some(endpoint)) =
        (it.next(), it.next(), it.next(), it.next())
    else {
        return Err(e.error("np.linspace() needs start and stop"));
    };
    for (what, v) in [("start", &start), ("stop", &stop)] {
        match e.ty(v).kind() {
            Some(Kind::Bool | Kind::Int | Kind::Float) => {}
            _ => {
                return Err(e.error(format!(
                    "np.linspace() {what} must be a real number here, not {}",
                    e.ty(v)
                )))
            }
        }
    }
    if !matches!(e.ty(&num).kind(), Some(Kind::Int | Kind::Bool)) {
        return Err(e.error(format!(
            "np.linspace() num must be an integer, not {}",
            e.ty(&num)
        )));
    }
    let dtype = dtype.unwrap_or(Scalar::F64);
    if dtype.kind() == Kind::Complex {
        return Err(e.error("np.linspace() of a complex dtype is not supported yet"));
    }
    let start = cast(e, start, &Type::F64)?;
    let stop = cast(e, stop, &Type::F64)?;
    let num = cast(e, num, &Type::I64)?;
    let endpoint = super::rules::truth(e, endpoint)?;
    let endpoint = cast(e, endpoint, &Type::BOOL)?;
    e.emit(
        Op::Array(ArrayOp::Linspace),
        vec![start, stop, num, endpoint],
        owned(dtype, 1),
    )
}

/// `np.array(x)`, `np.asarray(x)`: of an array, the array itself
/// (`asarray`, same dtype) or a copy; of a number, a 0-d array; of a
/// (nested) tuple or list of numbers, an array of its shape and of the
/// dtype NumPy gives the numbers together (a Python int as int64, a
/// Python float as float64).
fn array<E: Emit>(
    e: &mut E,
    f: crate::builtins::ArrayFn,
    dtype: Option<Scalar>,
    args: Vec<E::V>,
) -> Result<E::V> {
    let x = args
        .into_iter()
        .next()
        .ok_or_else(|| e.error("an object is needed"))?;
    let t = e.ty(&x);
    if let Type::Array(at) = t {
        return match dtype {
            Some(d) if d != at.dtype => copy_as(e, x, d),
            _ if f == crate::builtins::ArrayFn::Asarray => Ok(x),
            _ => copy_as(e, x, at.dtype),
        };
    }
    let shape = nesting_shape(&t).map_err(|m| e.error(m))?;
    let mut leaves = vec![];
    collect_leaves(e, &x, &t, &mut vec![], &mut leaves)?;
    let inferred = leaves
        .iter()
        .map(|(_, v)| match e.ty(v) {
            Type::Weak(w) => w.default_scalar(),
            Type::Scalar(s) => s,
            _ => unreachable!("collect_leaves keeps numbers"),
        })
        .reduce(crate::types::promote::promote_scalars)
        .unwrap_or(Scalar::F64);
    let dtype = dtype.unwrap_or(inferred);
    let mut dims = vec![];
    for d in &shape {
        dims.push(e.constant(Const::Int(*d as i128), Type::I64)?);
    }
    let a = e.emit(
        Op::Array(ArrayOp::Empty),
        dims,
        owned(dtype, shape.len() as u32),
    )?;
    for (index, v) in leaves {
        if e.ty(&v).kind() == Some(Kind::Complex) && dtype.kind() != Kind::Complex {
            return Err(e.error(format!(
                "cannot put a complex value in a {dtype} array (NumPy would discard the imaginary part)"
            )));
        }
        let mut operands = vec![a.clone()];
        for i in index {
            operands.push(e.constant(Const::Int(i as i128), Type::I64)?);
        }
        operands.push(cast(e, v, &Type::Scalar(dtype))?);
        e.emit_effect(Op::Array(ArrayOp::Store), operands)?;
    }
    Ok(a)
}

/// The shape of a nesting of tuples of numbers (`()` for a number); an
/// error unless it is rectangular, as NumPy's "inhomogeneous shape".
fn nesting_shape(t: &Type) -> std::result::Result<Vec<usize>, String> {
    match t {
        Type::Tuple(items) => {
            let Some(first) = items.first() else {
                return Ok(vec![0]);
            };
            let inner = nesting_shape(first)?;
            for item in &items[1..] {
                if nesting_shape(item)? != inner {
                    return Err("np.array() of a ragged nesting: the sequences at one depth must all have the same shape (NumPy: inhomogeneous shape)".into());
                }
            }
            let mut shape = vec![items.len()];
            shape.extend(inner);
            Ok(shape)
        }
        t if t.kind().is_some() => Ok(vec![]),
        t => Err(format!(
            "np.array() takes numbers and (nested) tuples or lists of numbers here, not {t}"
        )),
    }
}

/// Every number of a nesting of tuples, with its index.
fn collect_leaves<E: Emit>(
    e: &mut E,
    v: &E::V,
    t: &Type,
    index: &mut Vec<usize>,
    leaves: &mut Vec<(Vec<usize>, E::V)>,
) -> Result<()> {
    match t {
        Type::Tuple(items) => {
            for (k, item) in items.iter().enumerate() {
                let iv = e.emit(Op::TupleGet(k as u32), vec![v.clone()], item.clone())?;
                index.push(k);
                collect_leaves(e, &iv, item, index, leaves)?;
                index.pop();
            }
            Ok(())
        }
        _ => {
            leaves.push((index.clone(), v.clone()));
            Ok(())
        }
    }
}
