//! Typing rules for array views, the one place typing makes the typed
//! array operations (`Op::Array`): attributes (`a.shape`, `a.ndim`,
//! `a.size`), `len(a)`, element loads `a[i, j]`, partial indexing `a[i]`
//! (a view of the remaining axes), element stores `a[i, j] = v`, and
//! slices (rejected for now).
//!
//! As in NumPy, `a.shape`, `a.ndim`, `a.size` and `len(a)` are Python ints
//! (weak in promotion), and an element is a NumPy scalar of the array's
//! dtype. Indices are integers of any type, converted to int64; negative
//! indices count from the end. Stores convert the value to the dtype as
//! NumPy's item assignment does (`a[i] = 2.7` into an int array stores 2),
//! except that complex values are never silently made real.

use super::emit::Emit;
use super::rules::cast;
use crate::error::Result;
use crate::ir::{ArrayOp, Attr, Op};
use crate::syntax::Const;
use crate::types::{ArrayType, Kind, Type};

pub fn array_attr<E: Emit>(e: &mut E, attr: Attr, v: E::V) -> Result<E::V> {
    let t = e.ty(&v);
    let Type::Array(a) = t else {
        return Err(e.error(format!(
            "a value of type {t} has no attribute '.{}'",
            attr.name()
        )));
    };
    match attr {
        Attr::Shape => e.emit(
            Op::Array(ArrayOp::Shape),
            vec![v],
            Type::Tuple(vec![Type::PY_INT; a.ndim as usize]),
        ),
        Attr::Ndim => e.constant(Const::Int(a.ndim as i128), Type::PY_INT),
        Attr::Size => e.emit(Op::Array(ArrayOp::Size), vec![v], Type::PY_INT),
        Attr::T => transpose(e, v),
        Attr::Real | Attr::Imag => Err(e.unsupported(format!(
            "'.{}' of an array is not supported in kernels; index the element first (a[i].{})",
            attr.name(),
            attr.name()
        ))),
    }
}

/// Converts one index to int64, or explains why it is not an index.
fn index<E: Emit>(e: &mut E, i: E::V) -> Result<E::V> {
    let t = e.ty(&i);
    match t.kind() {
        Some(Kind::Int) => cast(e, i, &Type::I64),
        Some(Kind::Bool) => Err(e.error(
            "a boolean index selects elements by mask in NumPy, which kernels do not support; use an integer index",
        )),
        Some(_) => Err(e.error(format!(
            "array indices must be integers, not {t} (convert with int(...))"
        ))),
        None => Err(match t {
            Type::Array(_) => e.unsupported(
                "indexing with an array (fancy indexing) is not supported in kernels",
            ),
            _ => e.error(format!("a value of type {t} cannot be used as an array index")),
        }),
    }
}

fn too_many<E: Emit>(e: &E, a: &ArrayType, n: usize) -> crate::error::CompileError {
    e.error(format!(
        "too many indices for array: array is {}-dimensional, but {n} were indexed",
        a.ndim
    ))
}

/// `a[i]`, `a[i, j]`: an element when every axis is indexed, else a view
/// of the remaining (trailing) axes.
pub fn load<E: Emit>(e: &mut E, v: E::V, index_values: Vec<E::V>) -> Result<E::V> {
    if index_values.iter().any(|i| e.ty(i) == Type::Slice) {
        return subscript(e, v, index_values);
    }
    let t = e.ty(&v);
    let Type::Array(a) = t else {
        return Err(e.error(format!("a value of type {t} is not subscriptable")));
    };
    let n = index_values.len();
    if n > a.ndim as usize {
        return Err(too_many(e, &a, n));
    }
    let mut args = vec![v];
    for i in index_values {
        args.push(index(e, i)?);
    }
    if n == a.ndim as usize {
        e.emit(Op::Array(ArrayOp::Load), args, Type::Scalar(a.dtype))
    } else {
        // Leading axes are fixed, so the trailing ones keep their layout.
        let view = Type::Array(ArrayType {
            ndim: a.ndim - n as u32,
            ..a
        });
        e.emit(Op::Array(ArrayOp::View), args, view)
    }
}

/// `a[i, j] = value`.
pub fn store<E: Emit>(e: &mut E, v: E::V, index_values: Vec<E::V>, value: E::V) -> Result<()> {
    let t = e.ty(&v);
    let Type::Array(a) = t else {
        return Err(e.error(format!(
            "a value of type {t} does not support item assignment"
        )));
    };
    if a.readonly {
        let name = e
            .value_name(&v)
            .map(|n| format!("'{n}'"))
            .unwrap_or_else(|| "this array".to_string());
        return Err(e.error(format!(
            "cannot write to {name}: it is a read-only input (gufunc inputs are read-only unless listed in writable_args=(...); an array passed to @jit is read-only when its WRITEABLE flag is off)"
        )));
    }
    let n = index_values.len();
    if n > a.ndim as usize {
        return Err(too_many(e, &a, n));
    }
    let slicing = index_values.iter().any(|i| e.ty(i) == Type::Slice);
    if n < a.ndim as usize || slicing {
        // A part of the array: the view, then every element of it.
        let view = load(e, v, index_values)?;
        return assign(e, view, value);
    }
    let vt = e.ty(&value);
    let Some(kind) = vt.kind() else {
        return Err(e.error(format!(
            "cannot store a value of type {vt} into an element of a {} array",
            a.dtype
        )));
    };
    if kind == Kind::Complex && a.dtype.kind() != Kind::Complex {
        return Err(e.error(format!(
            "cannot store a complex value into a {} array (NumPy would discard the imaginary part); store .real or use a complex array",
            a.dtype
        )));
    }
    let mut args = vec![v];
    for i in index_values {
        args.push(index(e, i)?);
    }
    args.push(cast(e, value, &Type::Scalar(a.dtype))?);
    e.emit_effect(Op::Array(ArrayOp::Store), args)
}

pub fn len<E: Emit>(e: &mut E, v: E::V) -> Result<E::V> {
    match e.ty(&v) {
        Type::Tuple(items) => e.constant(Const::Int(items.len() as i128), Type::PY_INT),
        Type::Array(a) if a.ndim == 0 => Err(e.error("len() of a 0-dimensional array")),
        Type::Array(_) => e.emit(Op::Array(ArrayOp::Len), vec![v], Type::PY_INT),
        t => Err(e.error(format!(
            "a value of type {t} has no len() and cannot be iterated over ('for x in ...' works on range(...) and arrays)"
        ))),
    }
}

const SLICES_UNSUPPORTED: &str = "slices are not supported in @vectorize and @guvectorize kernels (a[start:stop:step]); index the elements in a loop";

/// `start:stop:step`: int parts (any integer type) or `None`, which
/// becomes `Type::SLICE_OMITTED`.
pub fn slice<E: Emit>(e: &mut E, start: E::V, stop: E::V, step: E::V) -> Result<E::V> {
    let mut parts = vec![];
    for (what, v) in [("start", start), ("stop", stop), ("step", step)] {
        let t = e.ty(&v);
        parts.push(match t {
            Type::NoneType => e.constant(Const::Int(Type::SLICE_OMITTED as i128), Type::I64)?,
            t if t.kind() == Some(Kind::Int) => cast(e, v, &Type::I64)?,
            t => return Err(e.error(format!("slice {what} must be an integer or None, not {t}"))),
        });
    }
    e.emit(Op::Slice, parts, Type::Slice)
}

/// `a[1:n:2, j]`: a view of the axes the slices keep (the rest whole).
pub fn subscript<E: Emit>(e: &mut E, v: E::V, items: Vec<E::V>) -> Result<E::V> {
    let t = e.ty(&v);
    let Type::Array(a) = t else {
        return Err(e.error(format!("a value of type {t} cannot be sliced")));
    };
    if items.len() > a.ndim as usize {
        return Err(too_many(e, &a, items.len()));
    }
    let mut args = vec![v];
    let mut dropped = 0;
    for i in items {
        if e.ty(&i) == Type::Slice {
            args.push(i);
        } else {
            args.push(index(e, i)?);
            dropped += 1;
        }
    }
    let view = Type::Array(ArrayType {
        ndim: a.ndim - dropped,
        layout: crate::types::Layout::Any,
        ..a
    });
    e.emit(Op::Array(ArrayOp::Subscript), args, view)
}

const ARRAYS_IN_UFUNCS: &str = "creating arrays (np.empty, np.zeros, ...) is supported in @jit functions, not in @vectorize and @guvectorize kernels";

/// Rejects kernels (and the functions they call) that create arrays or
/// assign to parts of arrays (which may need a temporary): a ufunc loop
/// has nowhere to report a failed allocation.
pub fn reject_allocation(program: &super::Program) -> Result<()> {
    for f in &program.functions {
        for inst in &f.insts {
            let message = match inst.op {
                Op::Array(ArrayOp::Empty) => ARRAYS_IN_UFUNCS.to_string(),
                Op::Array(ArrayOp::Assign) => "assigning to a part of an array is not supported in @vectorize and @guvectorize kernels; assign the elements one by one (or use @jit)".to_string(),
                _ => continue,
            };
            return Err(
                crate::error::CompileError::unsupported(inst.span, message).with_source(&f.source)
            );
        }
    }
    Ok(())
}

/// Rejects what ufunc kernels cannot have, when they are decorated (the
/// ufunc front doors check it before compiling anything): default
/// parameter values (a ufunc takes every operand), array creation, and
/// slices anywhere (dead code too).
pub fn check_ufunc_kernel(def: &crate::syntax::FunctionDef) -> Result<()> {
    if def.defaults > 0 {
        return Err(crate::error::CompileError::unsupported(
            def.span,
            "default parameter values are not supported in kernels",
        )
        .with_source(&def.source));
    }
    let mut raises = None;
    crate::syntax::walk_stmts(&def.body, &mut |s| {
        let what = match s.kind {
            crate::syntax::StmtKind::Raise { .. } => "'raise' statements",
            crate::syntax::StmtKind::Assert { .. } => "'assert' statements",
            _ => return,
        };
        if raises.is_none() {
            raises = Some((s.span, what));
        }
    });
    if let Some((span, what)) = raises {
        return Err(crate::error::CompileError::unsupported(
            span,
            format!("{what} are not supported in @vectorize and @guvectorize kernels (a ufunc loop cannot raise exceptions; return a sentinel such as nan instead, or use @jit)"),
        )
        .with_source(&def.source));
    }
    let mut creates = None;
    crate::syntax::walk_exprs(&def.body, &mut |e| {
        if let crate::syntax::ExprKind::Call { func, .. } = &e.kind {
            if let crate::syntax::ExprKind::Global(crate::syntax::Global::Callee(
                c @ crate::builtins::Callee::Array(..),
            )) = &func.kind
            {
                if creates.is_none() {
                    creates = Some((e.span, c.describe()));
                }
            }
        }
    });
    if let Some((span, name)) = creates {
        let name = name.replacen("numpy.", "np.", 1);
        return Err(crate::error::CompileError::unsupported(
            span,
            format!("'{name}' creates an array: {ARRAYS_IN_UFUNCS}"),
        )
        .with_source(&def.source));
    }
    match crate::syntax::first_slice(def) {
        Some(span) => Err(
            crate::error::CompileError::unsupported(span, SLICES_UNSUPPORTED)
                .with_source(&def.source),
        ),
        None => Ok(()),
    }
}

/// A call of a NumPy function that makes an array (`np.zeros`, `np.arange`,
/// `np.nonzero`, `a.copy()`, `a.astype(t)`, `a.transpose()`, ...).
pub fn array_call<E: Emit>(
    e: &mut E,
    f: crate::builtins::ArrayFn,
    dtype: Option<crate::types::Scalar>,
    args: Vec<E::V>,
) -> Result<E::V> {
    use crate::builtins::ArrayFn;
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
fn copy_as<E: Emit>(e: &mut E, a: E::V, to: crate::types::Scalar) -> Result<E::V> {
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
    dtype: Option<crate::types::Scalar>,
    args: Vec<E::V>,
) -> Result<E::V> {
    use crate::builtins::ArrayFn;
    use crate::types::{Layout, Memory, Scalar};
    let mut args = args.into_iter();
    let shape = args.next().ok_or_else(|| e.error("a shape is needed"))?;
    let dims = match e.ty(&shape) {
        t if t.kind() == Some(Kind::Int) => vec![cast(e, shape, &Type::I64)?],
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
    };
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
    let array = Type::Array(ArrayType {
        dtype,
        ndim: dims.len() as u32,
        layout: Layout::C,
        readonly: false,
        memory: Memory::Owned,
    });
    let a = e.emit(Op::Array(ArrayOp::Empty), dims, array)?;
    let fill = match f {
        ArrayFn::Arange
        | ArrayFn::Nonzero
        | ArrayFn::Copy
        | ArrayFn::Astype
        | ArrayFn::Transpose => unreachable!("made by array_call"),
        ArrayFn::Empty => None,
        ArrayFn::Zeros => Some(e.constant(Const::Int(0), Type::PY_INT)?),
        ArrayFn::Ones => Some(e.constant(Const::Int(1), Type::PY_INT)?),
        ArrayFn::Full => value,
    };
    if let Some(v) = fill {
        if e.ty(&v).kind().is_none() {
            return Err(e.error(format!("np.full() fills with a number, not {}", e.ty(&v))));
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

/// `a[...] = value` on a view: from a scalar (converted to the dtype as
/// item assignment does) or an array (broadcast at run time).
pub fn assign<E: Emit>(e: &mut E, view: E::V, value: E::V) -> Result<()> {
    let Type::Array(a) = e.ty(&view) else {
        return Err(e.error("only arrays take slice assignment"));
    };
    let vt = e.ty(&value);
    let value = match &vt {
        Type::Array(va) => {
            if va.dtype.kind() == Kind::Complex && a.dtype.kind() != Kind::Complex {
                return Err(e.error(format!(
                    "cannot assign a complex array into a {} array (NumPy would discard the imaginary part)",
                    a.dtype
                )));
            }
            value
        }
        t if t.kind().is_some() => {
            if t.kind() == Some(Kind::Complex) && a.dtype.kind() != Kind::Complex {
                return Err(e.error(format!(
                    "cannot store a complex value into a {} array (NumPy would discard the imaginary part); store .real or use a complex array",
                    a.dtype
                )));
            }
            cast(e, value, &Type::Scalar(a.dtype))?
        }
        t => return Err(e.error(format!("cannot assign a value of type {t} into an array"))),
    };
    e.emit_effect(Op::Array(ArrayOp::Assign), vec![view, value])
}
