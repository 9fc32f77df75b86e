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

/// A global array: read-only, C-contiguous, memory that compiled code
/// keeps (never freed, so borrowed).
pub fn frozen<E: Emit>(e: &mut E, a: &std::sync::Arc<crate::syntax::FrozenArray>) -> Result<E::V> {
    let t = Type::Array(ArrayType {
        dtype: a.dtype,
        ndim: a.shape.len() as u32,
        layout: crate::types::Layout::C,
        readonly: true,
        memory: crate::types::Memory::Borrowed,
    });
    e.emit(Op::Frozen(a.clone()), vec![], t)
}

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
        Attr::T => super::array_calls::transpose(e, v),
        Attr::Dtype => e.constant(Const::None, Type::DType(a.dtype)),
        Attr::Named(name) => super::statics::named_attr(e, name, v),
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

/// Whether an index is `None` (a new axis) or `...`: constants of type
/// `none` in the IR, told apart by their value.
fn special_index<E: Emit>(e: &E, i: &E::V) -> Option<Const> {
    match (e.ty(i), e.konst(i)) {
        (Type::NoneType, Some(Const::Ellipsis)) => Some(Const::Ellipsis),
        (Type::NoneType, _) => Some(Const::None),
        _ => None,
    }
}

/// `a[..., 0]`, `a[None, 1:]`: `...` replaced by full slices of the axes
/// nothing else indexes; returns the ints and slices, and where the new
/// axes of `None` go in the result (ascending).
fn expand_index<E: Emit>(
    e: &mut E,
    a: &ArrayType,
    items: Vec<E::V>,
) -> Result<(Vec<E::V>, Vec<u32>)> {
    let kinds: Vec<Option<Const>> = items.iter().map(|i| special_index(e, i)).collect();
    let ellipses = kinds
        .iter()
        .filter(|k| **k == Some(Const::Ellipsis))
        .count();
    if ellipses > 1 {
        return Err(e.error("an index can only have a single ellipsis ('...')"));
    }
    let indexed = kinds.iter().filter(|k| k.is_none()).count();
    if indexed > a.ndim as usize {
        return Err(too_many(e, a, indexed));
    }
    let mut out = vec![];
    let mut new_axes = vec![];
    let mut position = 0u32;
    for (i, kind) in items.into_iter().zip(kinds) {
        match kind {
            Some(Const::Ellipsis) => {
                for _ in 0..a.ndim as usize - indexed {
                    let omitted = Type::SLICE_OMITTED as i128;
                    let mut parts = vec![];
                    for _ in 0..3 {
                        parts.push(e.constant(Const::Int(omitted), Type::I64)?);
                    }
                    out.push(e.emit(Op::Slice, parts, Type::Slice)?);
                    position += 1;
                }
            }
            Some(_) => {
                new_axes.push(position);
                position += 1;
            }
            None => {
                if e.ty(&i) == Type::Slice {
                    position += 1;
                }
                out.push(i);
            }
        }
    }
    Ok((out, new_axes))
}

/// `a[np.array(1), np.array(2)]` with every axis indexed by a 0-d integer
/// array: their values as plain integer indices (NumPy gives the
/// element); anything else unchanged.
fn scalar_indices<E: Emit>(e: &mut E, a: &E::V, items: Vec<E::V>) -> Result<Vec<E::V>> {
    let Type::Array(at) = e.ty(a) else {
        return Ok(items);
    };
    let all_0d_ints = !items.is_empty()
        && items.len() == at.ndim as usize
        && items.iter().all(
            |i| matches!(e.ty(i), Type::Array(x) if x.ndim == 0 && x.dtype.kind() == Kind::Int),
        );
    if !all_0d_ints {
        return Ok(items);
    }
    items
        .into_iter()
        .map(|i| {
            let Type::Array(x) = e.ty(&i) else {
                unreachable!("checked")
            };
            e.emit(Op::Array(ArrayOp::Load), vec![i], Type::Scalar(x.dtype))
        })
        .collect()
}

/// `a[idx]`, `a[i0, i1]`, `a[mask]`: the index arrays over the leading
/// axes (a mask checked against them, then `np.nonzero` of it), or `None`
/// when no index is an array.
fn advanced_index<E: Emit>(e: &mut E, a: &E::V, items: &[E::V]) -> Result<Option<Vec<E::V>>> {
    let arrays = items
        .iter()
        .filter(|i| matches!(e.ty(i), Type::Array(_)))
        .count();
    if arrays == 0 {
        return Ok(None);
    }
    if arrays != items.len() {
        return Err(e.unsupported(
            "an array index mixed with integers, slices, None or ... is not supported yet; index with arrays only (a[idx], a[rows, cols], a[mask]) and slice the result",
        ));
    }
    let Type::Array(at) = e.ty(a) else {
        unreachable!("the caller checks")
    };
    let kinds: Vec<ArrayType> = items
        .iter()
        .map(|i| match e.ty(i) {
            Type::Array(x) => x,
            _ => unreachable!("counted"),
        })
        .collect();
    if let [mask] = kinds.as_slice() {
        if mask.dtype == crate::types::Scalar::Bool {
            if mask.ndim == 0 || mask.ndim > at.ndim {
                return Err(e.error(format!(
                    "a boolean mask of {} dimensions cannot index a {}-dimensional array",
                    mask.ndim, at.ndim
                )));
            }
            e.emit_effect(
                Op::Array(ArrayOp::CheckMask),
                vec![a.clone(), items[0].clone()],
            )?;
            let index = Type::Array(ArrayType {
                dtype: crate::types::Scalar::I64,
                ndim: 1,
                layout: crate::types::Layout::C,
                readonly: false,
                memory: crate::types::Memory::Owned,
            });
            let nz = e.emit(
                Op::Array(ArrayOp::Nonzero),
                vec![items[0].clone()],
                Type::Tuple(vec![index.clone(); mask.ndim as usize]),
            )?;
            let mut out = vec![];
            for k in 0..mask.ndim {
                out.push(e.emit(Op::TupleGet(k), vec![nz.clone()], index.clone())?);
            }
            return Ok(Some(out));
        }
    }
    if let Some(bad) = kinds.iter().find(|k| k.dtype.kind() != Kind::Int) {
        return Err(e.error(format!(
            "arrays used as indices must be of integer (or boolean) type, not {}",
            bad.dtype
        )));
    }
    if kinds.len() > at.ndim as usize {
        return Err(too_many(e, &at, kinds.len()));
    }
    Ok(Some(items.to_vec()))
}

/// `a[i]`, `a[i, j]`: an element when every axis is indexed, else a view
/// of the remaining (trailing) axes; with slices, `None` or `...`, a view
/// (`subscript`); with arrays, a new array (`array.take`).
pub fn load<E: Emit>(e: &mut E, v: E::V, index_values: Vec<E::V>) -> Result<E::V> {
    let index_values = scalar_indices(e, &v, index_values)?;
    if let Type::Array(at) = e.ty(&v) {
        if let Some(indices) = advanced_index(e, &v, &index_values)? {
            let Type::Array(first) = e.ty(&indices[0]) else {
                unreachable!("index arrays")
            };
            let t = Type::Array(ArrayType {
                dtype: at.dtype,
                ndim: first.ndim + at.ndim - indices.len() as u32,
                layout: crate::types::Layout::C,
                readonly: false,
                memory: crate::types::Memory::Owned,
            });
            let mut args = vec![v];
            args.extend(indices);
            return e.emit(Op::Array(ArrayOp::Take), args, t);
        }
    }

    if index_values.iter().any(|i| special_index(e, i).is_some()) {
        let Type::Array(a) = e.ty(&v) else {
            return Err(e.error(format!(
                "a value of type {} cannot be indexed with None or ...",
                e.ty(&v)
            )));
        };
        let (items, new_axes) = expand_index(e, &a, index_values)?;
        let mut view = subscript(e, v, items)?;
        for k in new_axes {
            let Type::Array(va) = e.ty(&view) else {
                unreachable!("subscript gives a view")
            };
            let at = e.constant(Const::Int(k as i128), Type::I64)?;
            let t = Type::Array(ArrayType {
                ndim: va.ndim + 1,
                layout: crate::types::Layout::Any,
                ..va
            });
            view = e.emit(Op::Array(ArrayOp::NewAxis), vec![view, at], t)?;
        }
        return Ok(view);
    }
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
    if let Type::List(s) = e.ty(&v) {
        return super::lists::set(e, v, s, index_values, value);
    }
    if let Type::Dict(..) = e.ty(&v) {
        return super::dicts::set(e, v, index_values, value);
    }
    let index_values = scalar_indices(e, &v, index_values)?;
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
            "cannot write to {name}: it is read-only (a global array is a constant frozen when the function is compiled; gufunc inputs are read-only unless listed in writable_args=(...); an array passed to @jit is read-only when its WRITEABLE flag is off; a.flat of a 2-d or more array not known to be C-contiguous is a read-only copy)"
        )));
    }
    if let Some(indices) = advanced_index(e, &v, &index_values)? {
        let value = match e.ty(&value) {
            Type::Array(va) if va.dtype.kind() == Kind::Complex && a.dtype.kind() != Kind::Complex => {
                return Err(e.error(format!(
                    "cannot assign a complex array into a {} array (NumPy would discard the imaginary part)",
                    a.dtype
                )))
            }
            Type::Array(_) => value,
            vt if vt.kind() == Some(Kind::Complex) && a.dtype.kind() != Kind::Complex => {
                return Err(e.error(format!(
                    "cannot store a complex value into a {} array (NumPy would discard the imaginary part)",
                    a.dtype
                )))
            }
            vt if vt.kind().is_some() => cast(e, value, &Type::Scalar(a.dtype))?,
            vt => {
                return Err(e.error(format!(
                    "cannot store a value of type {vt} into a {} array",
                    a.dtype
                )))
            }
        };
        let mut args = vec![v];
        args.extend(indices);
        args.push(value);
        return e.emit_effect(Op::Array(ArrayOp::Put), args);
    }
    let special = index_values.iter().any(|i| special_index(e, i).is_some());

    let n = index_values.len();
    if n > a.ndim as usize && !special {
        return Err(too_many(e, &a, n));
    }
    let slicing = index_values.iter().any(|i| e.ty(i) == Type::Slice);
    if n < a.ndim as usize || slicing || special {
        // A part of the array: the view, then every element of it.
        let view = load(e, v, index_values)?;
        return assign(e, view, value);
    }
    // A 0-d array stored into an element is its one element
    // (`out[0] = np.zeros((), dtype)`), as NumPy converts it.
    let value = match e.ty(&value) {
        Type::Array(va) if va.ndim == 0 => load(e, value, vec![])?,
        _ => value,
    };
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
        Type::List(_) => super::lists::len(e, v),
        Type::Dict(..) => super::dicts::len(e, v),
        t => Err(e.error(format!(
            "a value of type {t} has no len() and cannot be iterated over ('for x in ...' works on range(...) and arrays)"
        ))),
    }
}

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

/// Rejects what ufunc kernels cannot have, when they are decorated (the
/// ufunc front doors check it before compiling anything): default
/// parameter values (a ufunc takes every operand) and `print()` (a ufunc
/// loop may run without the GIL). Arrays, slices and array expressions
/// work in kernels as in `@jit` functions; a failed allocation raises
/// `MemoryError` from the ufunc call, as `raise` does.
pub fn check_ufunc_kernel(def: &crate::syntax::FunctionDef) -> Result<()> {
    if def.defaults > 0 {
        return Err(crate::error::CompileError::unsupported(
            def.span,
            "default parameter values are not supported in kernels",
        )
        .with_source(&def.source));
    }
    // `raise` and `assert` are allowed: the loop stops at the first
    // element that raises and the ufunc call raises the exception (as
    // Numba's ufuncs do).
    let mut prints = None;
    crate::syntax::walk_stmts(&def.body, &mut |s| {
        if matches!(s.kind, crate::syntax::StmtKind::Print { .. }) && prints.is_none() {
            prints = Some(s.span);
        }
    });
    if let Some(span) = prints {
        return Err(crate::error::CompileError::unsupported(
            span,
            "print() calls are not supported in @vectorize and @guvectorize kernels (a ufunc loop may run without the GIL, on several threads); use @jit",
        )
        .with_source(&def.source));
    }
    Ok(())
}

/// `a[...] = value` on a view: from a scalar (converted to the dtype as
/// item assignment does) or an array (broadcast at run time).
/// `a op= b` on array `a`: NumPy's in-place operation. The result's dtype
/// must cast to `a`'s with NumPy's `same_kind` rule (`int_array += 1.5` is
/// an error, as NumPy's `UFuncTypeError`); the result is `a`.
pub fn in_place<E: Emit>(e: &mut E, op: crate::syntax::BinOp, a: E::V, b: E::V) -> Result<E::V> {
    let Type::Array(at) = e.ty(&a) else {
        unreachable!("the caller checks")
    };
    if at.readonly {
        let name = e
            .value_name(&a)
            .map(|n| format!("'{n}'"))
            .unwrap_or_else(|| "this array".to_string());
        return Err(e.error(format!("cannot write to {name} in place: it is read-only")));
    }
    let r = super::rules::binary(e, op, a.clone(), b)?;
    if let Type::Array(rt) = e.ty(&r) {
        if !crate::types::promote::can_cast_scalar(
            rt.dtype,
            at.dtype,
            crate::types::Casting::SameKind,
        ) {
            return Err(e.error(format!(
                "cannot cast the result of '{}' from {} to {} (the dtype of the array written in place) with NumPy's casting rule 'same_kind'",
                op.symbol(),
                rt.dtype,
                at.dtype
            )));
        }
    }
    assign(e, a.clone(), r)?;
    Ok(a)
}

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
