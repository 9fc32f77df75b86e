//! What typed Lists and Dicts (`codegen::list`, `codegen::dict`) share:
//! their headers (`engine::list`, `engine::dict`) are arrays of 8-byte
//! fields, the first the reference count, read by field number; and their
//! references are counted by runtime calls. Items that are containers (or tuples holding them)
//! themselves (`types::Item::is_container`) are header pointers whose
//! reference the holding container owns (`engine::items`); array items are
//! view records whose owner is a block the container holds a reference to
//! (`put_item`).

use inkwell::values::{BasicValueEnum, IntValue, PointerValue};

use super::Codegen;
use crate::error::Result;
use crate::types::{Item, ItemKind};

/// The address of 8-byte field `k` of header `h`.
pub fn field<'ctx>(
    cg: &Codegen<'ctx>,
    h: PointerValue<'ctx>,
    k: u32,
) -> Result<PointerValue<'ctx>> {
    let i64t = cg.ctx.i64_type();
    // SAFETY: headers are `repr(C)` structs of 8-byte fields, of which `k`
    // is one (the callers' field constants).
    Ok(unsafe {
        cg.builder
            .build_gep(i64t, h, &[i64t.const_int(k as u64, false)], "field")?
    })
}

/// Integer field `k` of header `h`.
pub fn load_int<'ctx>(cg: &Codegen<'ctx>, h: PointerValue<'ctx>, k: u32) -> Result<IntValue<'ctx>> {
    let p = field(cg, h, k)?;
    Ok(cg
        .builder
        .build_load(cg.ctx.i64_type(), p, "")?
        .into_int_value())
}

/// Pointer field `k` of header `h`.
pub fn load_ptr<'ctx>(
    cg: &Codegen<'ctx>,
    h: PointerValue<'ctx>,
    k: u32,
) -> Result<PointerValue<'ctx>> {
    let p = field(cg, h, k)?;
    Ok(cg
        .builder
        .build_load(cg.ptr_type(), p, "")?
        .into_pointer_value())
}

/// `incref`/`decref` of header `h` by the runtime's `{prefix}_incref` or
/// `{prefix}_decref` (`jitufunc_rt_list`, `jitufunc_rt_dict`).
pub fn refcount<'ctx>(
    cg: &Codegen<'ctx>,
    prefix: &str,
    increment: bool,
    h: BasicValueEnum<'ctx>,
) -> Result<()> {
    let name = format!("{prefix}_{}", if increment { "incref" } else { "decref" });
    let f = cg.external(
        &name,
        cg.ctx.void_type().fn_type(&[cg.ptr_type().into()], false),
    );
    cg.call(f, &[h])?;
    Ok(())
}

/// The item of type `item` stored at `p` (a number, or a container's
/// header pointer, borrowed from the holder).
pub fn load_item<'ctx>(
    cg: &Codegen<'ctx>,
    item: Item,
    p: PointerValue<'ctx>,
) -> Result<BasicValueEnum<'ctx>> {
    match item.kind() {
        ItemKind::Scalar(s) => super::memory::load_scalar(cg, s, p),
        ItemKind::List(_) | ItemKind::Dict(..) => {
            Ok(cg.builder.build_load(cg.ptr_type(), p, "")?)
        }
        ItemKind::Array(_, ndim, _) => {
            Ok(cg
                .builder
                .build_load(super::arrays::view_type(cg, ndim), p, "")?)
        }
        ItemKind::Tuple(_) => {
            let ty = cg
                .llvm_type(&item.to_type())?
                .ok_or_else(|| crate::error::CompileError::internal("a tuple item's type"))?
                .into_struct_type();
            let mut agg: inkwell::values::AggregateValueEnum = ty.get_undef().into();
            for (k, (at, field)) in item.fields().into_iter().enumerate() {
                let v = load_item(cg, field, field_at(cg, p, at)?)?;
                agg = cg.builder.build_insert_value(agg, v, k as u32, "")?;
            }
            Ok(agg.into_struct_value().into())
        }
        ItemKind::Pending(_) => Err(pending()),
    }
}

/// The address `at` bytes into a tuple item at `p`.
fn field_at<'ctx>(
    cg: &Codegen<'ctx>,
    p: PointerValue<'ctx>,
    at: usize,
) -> Result<PointerValue<'ctx>> {
    let i64t = cg.ctx.i64_type();
    // SAFETY: `at` is a field offset of the tuple item at `p`
    // (`Item::fields`), inside its `itemsize` bytes.
    Ok(unsafe {
        cg.builder.build_gep(
            cg.ctx.i8_type(),
            p,
            &[i64t.const_int(at as u64, false)],
            "field",
        )?
    })
}

/// The items of tuple value `v` of item type `item`, with their offsets.
fn tuple_fields<'ctx>(
    cg: &Codegen<'ctx>,
    item: Item,
    v: BasicValueEnum<'ctx>,
) -> Result<Vec<(usize, Item, BasicValueEnum<'ctx>)>> {
    let agg = v.into_struct_value();
    item.fields()
        .into_iter()
        .enumerate()
        .map(|(k, (at, field))| {
            let x = cg.builder.build_extract_value(agg, k as u32, "")?;
            Ok((at, field, x))
        })
        .collect()
}

/// Stores `v` as an item of type `item` at `p`, without counting.
pub fn store_item<'ctx>(
    cg: &Codegen<'ctx>,
    item: Item,
    p: PointerValue<'ctx>,
    v: BasicValueEnum<'ctx>,
) -> Result<()> {
    match item.kind() {
        ItemKind::Scalar(s) => super::memory::store_scalar(cg, s, p, v),
        ItemKind::List(_) | ItemKind::Dict(..) | ItemKind::Array(..) => {
            cg.builder.build_store(p, v)?;
            Ok(())
        }
        ItemKind::Tuple(_) => {
            for (at, field, x) in tuple_fields(cg, item, v)? {
                store_item(cg, field, field_at(cg, p, at)?, x)?;
            }
            Ok(())
        }
        ItemKind::Pending(_) => Err(pending()),
    }
}

/// Stores `v` as an item of type `item` at `p` with the reference the
/// container holds to it: a container item's count goes up; an array's
/// view record gets an owner block of its own
/// (`engine::memory::jitufunc_rt_view_own`: an argument's memory is kept
/// by a block holding the argument, a global array's copied).
pub fn put_item<'ctx>(
    cg: &Codegen<'ctx>,
    item: Item,
    p: PointerValue<'ctx>,
    v: BasicValueEnum<'ctx>,
) -> Result<()> {
    match item.kind() {
        ItemKind::Array(dtype, ndim, _) => {
            store_item(cg, item, p, v)?;
            let i64t = cg.ctx.i64_type();
            let own = cg.external(
                "jitufunc_rt_view_own",
                cg.ctx
                    .i32_type()
                    .fn_type(&[cg.ptr_type().into(), i64t.into(), i64t.into()], false),
            );
            let ok = cg
                .call_value(
                    own,
                    &[
                        p.into(),
                        i64t.const_int(ndim as u64, false).into(),
                        i64t.const_int(dtype.itemsize() as u64, false).into(),
                    ],
                )?
                .into_int_value();
            let ok = cg.builder.build_int_compare(
                inkwell::IntPredicate::NE,
                ok,
                cg.ctx.i32_type().const_zero(),
                "",
            )?;
            // The runtime reported the MemoryError.
            super::raise::fail_unless(cg, ok, "array.item", |_| Ok(()))
        }
        ItemKind::Tuple(_) if item.fields().iter().any(|(_, f)| f.is_counted()) => {
            for (at, field, x) in tuple_fields(cg, item, v)? {
                put_item(cg, field, field_at(cg, p, at)?, x)?;
            }
            Ok(())
        }
        _ => {
            count_item(cg, item, true, v)?;
            store_item(cg, item, p, v)
        }
    }
}

/// `incref`/`decref` of a value of item type `item` (nothing for
/// numbers).
pub fn count_item<'ctx>(
    cg: &Codegen<'ctx>,
    item: Item,
    increment: bool,
    v: BasicValueEnum<'ctx>,
) -> Result<()> {
    match item.kind() {
        ItemKind::Scalar(_) => Ok(()),
        ItemKind::List(_) => refcount(cg, "jitufunc_rt_list", increment, v),
        ItemKind::Dict(..) => refcount(cg, "jitufunc_rt_dict", increment, v),
        ItemKind::Array(..) if increment => super::arrays::retain(cg, &item.to_type(), v),
        ItemKind::Array(..) => super::arrays::release(cg, &item.to_type(), v),
        ItemKind::Tuple(_) if !item.is_counted() => Ok(()),
        ItemKind::Tuple(_) => {
            for (_, field, x) in tuple_fields(cg, item, v)? {
                count_item(cg, field, increment, x)?;
            }
            Ok(())
        }
        ItemKind::Pending(_) => Err(pending()),
    }
}

fn pending() -> crate::error::CompileError {
    crate::error::CompileError::internal("a literal's item type left unknown by typing")
}

/// The item code of `item` as the header stores it: a constant for numbers
/// (NumPy's type numbers), a runtime lookup by name for containers, whose
/// codes are numbered per process (`engine::items::jitufunc_rt_item_code`;
/// compiled code may be cached and loaded by another process).
pub fn item_code<'ctx>(cg: &Codegen<'ctx>, item: Item) -> Result<IntValue<'ctx>> {
    let i64t = cg.ctx.i64_type();
    if !item.is_numbered_per_process() {
        return Ok(i64t.const_int(item.code() as u64, true));
    }
    let name = item.to_string();
    let text = cg
        .builder
        .build_global_string_ptr(&name, "item.type")?
        .as_pointer_value();
    let f = cg.external(
        "jitufunc_rt_item_code",
        i64t.fn_type(&[cg.ptr_type().into(), i64t.into()], false),
    );
    Ok(cg
        .call_value(
            f,
            &[text.into(), i64t.const_int(name.len() as u64, false).into()],
        )?
        .into_int_value())
}
