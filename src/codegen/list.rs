//! Typed List operations (`ir::ListOp`) on a list's header
//! (`engine::list::ListHeader`: refcount, len, cap, data, itemsize,
//! item, each 8 bytes). Every operation reads the header's fields when
//! it runs, so a buffer reallocated by an append (here or in a call) is
//! always the one used. Errors are Python's `IndexError`s
//! (`jitufunc_rt_list_error`). Container items are counted here: a store
//! takes a reference to the new item and drops the one it replaces, `pop`
//! hands the list's reference to its result.

use inkwell::values::{BasicValueEnum, IntValue, PointerValue};
use inkwell::IntPredicate;

use super::container::{count_item, field, item_code, load_int, load_item, load_ptr, put_item};
use super::Codegen;
use crate::engine::list::{ListError, FIELD_CAP, FIELD_DATA, FIELD_LEN};
use crate::error::{CompileError, Result};
use crate::ir::ListOp;
use crate::types::{Item, Type};

/// The address of item `i` (in range) of a list of `s`.
fn item_ptr<'ctx>(
    cg: &Codegen<'ctx>,
    h: PointerValue<'ctx>,
    s: Item,
    i: IntValue<'ctx>,
) -> Result<PointerValue<'ctx>> {
    let data = load_ptr(cg, h, FIELD_DATA)?;
    let i64t = cg.ctx.i64_type();
    let offset = cg
        .builder
        .build_int_nsw_mul(i, i64t.const_int(s.itemsize() as u64, false), "")?;
    // SAFETY: the caller checked `0 <= i < len <= cap`: inside the buffer.
    Ok(unsafe {
        cg.builder
            .build_gep(cg.ctx.i8_type(), data, &[offset], "item")?
    })
}

/// `i` counted from the end when negative, checked to be below `len`;
/// `IndexError(error)` otherwise (`context`: where, for the message).
fn checked_index<'ctx>(
    cg: &Codegen<'ctx>,
    i: IntValue<'ctx>,
    len: IntValue<'ctx>,
    error: ListError,
    context: &str,
) -> Result<IntValue<'ctx>> {
    let b = &cg.builder;
    let i64t = cg.ctx.i64_type();
    let negative = b.build_int_compare(IntPredicate::SLT, i, i64t.const_zero(), "")?;
    let from_end = b.build_int_add(i, len, "")?;
    let i = b
        .build_select(negative, from_end, i, "index")?
        .into_int_value();
    // One unsigned compare: below zero is a huge unsigned value.
    let ok = b.build_int_compare(IntPredicate::ULT, i, len, "")?;
    list_error_unless(cg, ok, error, context)?;
    Ok(i)
}

fn list_error_unless<'ctx>(
    cg: &Codegen<'ctx>,
    ok: IntValue<'ctx>,
    error: ListError,
    context: &str,
) -> Result<()> {
    let i32t = cg.ctx.i32_type();
    let context = cg
        .builder
        .build_global_string_ptr(context, "list.context")?
        .as_pointer_value();
    super::raise::raise_unless(
        cg,
        ok,
        "list",
        "jitufunc_rt_list_error",
        &[i32t.into(), cg.ptr_type().into()],
        &[i32t.const_int(error as u64, false).into(), context.into()],
    )
}

/// Emits list operation `op`; `rty` is its result type, `context` where it
/// is in the user's code (for the message of an `IndexError`).
pub fn emit<'ctx>(
    cg: &Codegen<'ctx>,
    op: ListOp,
    types: &[Type],
    rty: &Type,
    vals: &[BasicValueEnum<'ctx>],
    context: &str,
) -> Result<Option<BasicValueEnum<'ctx>>> {
    let i64t = cg.ctx.i64_type();
    if op == ListOp::New {
        let Type::List(s) = rty else {
            return Err(CompileError::internal("list.new of a non-list type"));
        };
        let new = cg.external(
            "jitufunc_rt_list_new",
            cg.ptr_type().fn_type(&[i64t.into(), i64t.into()], false),
        );
        let h = cg.call_value(
            new,
            &[
                i64t.const_int(s.itemsize() as u64, false).into(),
                item_code(cg, *s)?.into(),
            ],
        )?;
        return Ok(Some(h));
    }
    let (Some(Type::List(s)), Some(h)) = (types.first(), vals.first()) else {
        return Err(CompileError::internal(format!(
            "list.{} of a non-list",
            op.name()
        )));
    };
    let (s, h) = (*s, h.into_pointer_value());
    let b = &cg.builder;
    Ok(match op {
        ListOp::New => unreachable!("handled above"),
        ListOp::Len => Some(load_int(cg, h, FIELD_LEN)?.into()),
        ListOp::Get => {
            let len = load_int(cg, h, FIELD_LEN)?;
            let i = checked_index(cg, vals[1].into_int_value(), len, ListError::Index, context)?;
            let p = item_ptr(cg, h, s, i)?;
            Some(load_item(cg, s, p)?)
        }
        ListOp::Set => {
            let len = load_int(cg, h, FIELD_LEN)?;
            let i = checked_index(
                cg,
                vals[1].into_int_value(),
                len,
                ListError::Assignment,
                context,
            )?;
            let p = item_ptr(cg, h, s, i)?;
            let old = load_item(cg, s, p)?;
            put_item(cg, s, p, vals[2])?;
            count_item(cg, s, false, old)?;
            None
        }
        ListOp::Append => {
            let len = load_int(cg, h, FIELD_LEN)?;
            let cap = load_int(cg, h, FIELD_CAP)?;
            let full = b.build_int_compare(IntPredicate::SGE, len, cap, "full")?;
            let f = b
                .get_insert_block()
                .and_then(|bb| bb.get_parent())
                .ok_or_else(|| CompileError::internal("append outside a function"))?;
            let grow = cg.ctx.append_basic_block(f, "list.grow");
            let store = cg.ctx.append_basic_block(f, "list.store");
            b.build_conditional_branch(full, grow, store)?;
            b.position_at_end(grow);
            let reserve = cg.external(
                "jitufunc_rt_list_reserve",
                cg.ctx
                    .i32_type()
                    .fn_type(&[cg.ptr_type().into(), i64t.into()], false),
            );
            let need = b.build_int_add(len, i64t.const_int(1, false), "")?;
            let got = cg
                .call_value(reserve, &[h.into(), need.into()])?
                .into_int_value();
            let ok =
                b.build_int_compare(IntPredicate::NE, got, cg.ctx.i32_type().const_zero(), "")?;
            // The runtime reported the MemoryError.
            super::raise::fail_unless(cg, ok, "list.grow", |_| Ok(()))?;
            cg.builder.build_unconditional_branch(store)?;
            cg.builder.position_at_end(store);
            let p = item_ptr(cg, h, s, len)?;
            put_item(cg, s, p, vals[1])?;
            let next = cg
                .builder
                .build_int_nsw_add(len, i64t.const_int(1, false), "")?;
            cg.builder.build_store(field(cg, h, FIELD_LEN)?, next)?;
            None
        }
        ListOp::Pop => {
            let len = load_int(cg, h, FIELD_LEN)?;
            let nonempty = b.build_int_compare(IntPredicate::SGT, len, i64t.const_zero(), "")?;
            list_error_unless(cg, nonempty, ListError::PopEmpty, context)?;
            let i = checked_index(
                cg,
                vals[1].into_int_value(),
                len,
                ListError::PopIndex,
                context,
            )?;
            let p = item_ptr(cg, h, s, i)?;
            let item = load_item(cg, s, p)?;
            let b = &cg.builder;
            let last = b.build_int_sub(len, i64t.const_int(1, false), "")?;
            // Items after `i` move down one place (none for `pop()`).
            let after = b.build_int_sub(last, i, "")?;
            let moves = b.build_int_compare(IntPredicate::SGT, after, i64t.const_zero(), "")?;
            let f = b
                .get_insert_block()
                .and_then(|bb| bb.get_parent())
                .ok_or_else(|| CompileError::internal("pop outside a function"))?;
            let shift = cg.ctx.append_basic_block(f, "list.shift");
            let done = cg.ctx.append_basic_block(f, "list.popped");
            b.build_conditional_branch(moves, shift, done)?;
            b.position_at_end(shift);
            let next = b.build_int_add(i, i64t.const_int(1, false), "")?;
            let src = item_ptr(cg, h, s, next)?;
            let bytes =
                cg.builder
                    .build_int_mul(after, i64t.const_int(s.itemsize() as u64, false), "")?;
            cg.builder
                .build_memmove(p, 1, src, 1, bytes)
                .map_err(|e| CompileError::internal(e.to_string()))?;
            cg.builder.build_unconditional_branch(done)?;
            cg.builder.position_at_end(done);
            cg.builder.build_store(field(cg, h, FIELD_LEN)?, last)?;
            Some(item)
        }
        ListOp::Contains if s.as_scalar().is_none() => Some(find_item(cg, h, s, vals[1])?),
        ListOp::Contains => Some(contains(cg, h, s, &types[1], vals[1])?),
        ListOp::Equal => {
            let eq = runtime(
                cg,
                "jitufunc_rt_list_equal",
                Some(cg.ctx.i8_type().into()),
                &[h.into(), vals[1]],
            )?
            .expect("a result")
            .into_int_value();
            Some(
                cg.builder
                    .build_int_compare(IntPredicate::NE, eq, cg.ctx.i8_type().const_zero(), "")?
                    .into(),
            )
        }
        ListOp::Clear => {
            runtime(cg, "jitufunc_rt_list_clear", None, &[h.into()])?;
            None
        }
        ListOp::Sort => {
            runtime(cg, "jitufunc_rt_list_sort", None, &[h.into()])?;
            None
        }
        ListOp::Copy | ListOp::Slice => {
            let new = if op == ListOp::Copy {
                runtime(
                    cg,
                    "jitufunc_rt_list_copy",
                    Some(cg.ptr_type().into()),
                    &[h.into()],
                )?
            } else {
                let slice = vals[1].into_struct_value();
                let mut args = vec![h.into()];
                for k in 0..3 {
                    args.push(cg.builder.build_extract_value(slice, k, "")?);
                }
                runtime(
                    cg,
                    "jitufunc_rt_list_slice",
                    Some(cg.ptr_type().into()),
                    &args,
                )?
            }
            .expect("a result")
            .into_pointer_value();
            let ok = cg.builder.build_is_not_null(new, "")?;
            // The runtime reported the MemoryError.
            super::raise::fail_unless(cg, ok, "list.copy", |_| Ok(()))?;
            Some(new.into())
        }
        ListOp::Repeat | ListOp::Concat => {
            let name = if op == ListOp::Repeat {
                "jitufunc_rt_list_repeat"
            } else {
                "jitufunc_rt_list_concat"
            };
            let new = runtime(cg, name, Some(cg.ptr_type().into()), &[h.into(), vals[1]])?
                .expect("a result")
                .into_pointer_value();
            let ok = cg.builder.build_is_not_null(new, "")?;
            // The runtime reported the MemoryError.
            super::raise::fail_unless(cg, ok, "list.new", |_| Ok(()))?;
            Some(new.into())
        }
        ListOp::Extend => {
            let i32t = cg.ctx.i32_type();
            let got = runtime(
                cg,
                "jitufunc_rt_list_extend",
                Some(i32t.into()),
                &[h.into(), vals[1]],
            )?
            .expect("a result")
            .into_int_value();
            let ok = cg
                .builder
                .build_int_compare(IntPredicate::NE, got, i32t.const_zero(), "")?;
            // The runtime reported the MemoryError.
            super::raise::fail_unless(cg, ok, "list.extend", |_| Ok(()))?;
            None
        }
    })
}

/// `v in l` for items that are not numbers: `v` stored in a stack slot
/// (without a reference: only read) and compared with the items by the
/// runtime (`engine::items::jitufunc_rt_list_find`).
fn find_item<'ctx>(
    cg: &Codegen<'ctx>,
    h: PointerValue<'ctx>,
    s: Item,
    v: BasicValueEnum<'ctx>,
) -> Result<BasicValueEnum<'ctx>> {
    let i64t = cg.ctx.i64_type();
    let slot = cg.entry_alloca(
        cg.ctx.i8_type().array_type(s.itemsize() as u32),
        "item.slot",
    )?;
    slot.as_instruction()
        .ok_or_else(|| CompileError::internal("a stack slot"))?
        .set_alignment(8)
        .map_err(|e| CompileError::internal(e.to_string()))?;
    super::container::store_item(cg, s, slot, v)?;
    let code = item_code(cg, s)?;
    let at = runtime(
        cg,
        "jitufunc_rt_list_find",
        Some(i64t.into()),
        &[h.into(), code.into(), slot.into(), i64t.const_zero().into()],
    )?
    .expect("a result")
    .into_int_value();
    Ok(cg
        .builder
        .build_int_compare(IntPredicate::SGE, at, i64t.const_zero(), "found")?
        .into())
}

/// `v in l`: a loop over the items of `l` (numbers of type `s`), each
/// converted to `v`'s type `t` and compared with `==`, ending at the first
/// equal one.
fn contains<'ctx>(
    cg: &Codegen<'ctx>,
    h: PointerValue<'ctx>,
    s: Item,
    t: &Type,
    v: BasicValueEnum<'ctx>,
) -> Result<BasicValueEnum<'ctx>> {
    let Some(scalar) = s.as_scalar() else {
        return Err(CompileError::internal(
            "list.contains of a list of containers",
        ));
    };
    let b = &cg.builder;
    let i64t = cg.ctx.i64_type();
    let bool_t = cg.ctx.bool_type();
    let start = b
        .get_insert_block()
        .ok_or_else(|| CompileError::internal("contains outside a block"))?;
    let f = start
        .get_parent()
        .ok_or_else(|| CompileError::internal("contains outside a function"))?;
    let len = load_int(cg, h, FIELD_LEN)?;
    let head = cg.ctx.append_basic_block(f, "contains.head");
    let body = cg.ctx.append_basic_block(f, "contains.body");
    let next = cg.ctx.append_basic_block(f, "contains.next");
    let done = cg.ctx.append_basic_block(f, "contains.done");
    b.build_unconditional_branch(head)?;
    b.position_at_end(head);
    let i = b.build_phi(i64t, "i")?;
    i.add_incoming(&[(&i64t.const_zero(), start)]);
    let iv = i.as_basic_value().into_int_value();
    let more = b.build_int_compare(IntPredicate::SLT, iv, len, "")?;
    b.build_conditional_branch(more, body, done)?;
    b.position_at_end(body);
    let p = item_ptr(cg, h, s, iv)?;
    let item = load_item(cg, s, p)?;
    let item = super::scalar::cast(cg, &Type::Scalar(scalar), t, item)?;
    let eq = super::scalar::compare(cg, crate::syntax::CmpOp::Eq, t, item, v)?.into_int_value();
    let b = &cg.builder;
    b.build_conditional_branch(eq, done, next)?;
    b.position_at_end(next);
    let i1 = b.build_int_nsw_add(iv, i64t.const_int(1, false), "")?;
    i.add_incoming(&[(&i1, next)]);
    b.build_unconditional_branch(head)?;
    b.position_at_end(done);
    let found = b.build_phi(bool_t, "found")?;
    found.add_incoming(&[
        (&bool_t.const_zero(), head),
        (&bool_t.const_all_ones(), body),
    ]);
    Ok(found.as_basic_value())
}

/// A call of runtime function `name` (`ret` None: void).
fn runtime<'ctx>(
    cg: &Codegen<'ctx>,
    name: &str,
    ret: Option<inkwell::types::BasicTypeEnum<'ctx>>,
    args: &[BasicValueEnum<'ctx>],
) -> Result<Option<BasicValueEnum<'ctx>>> {
    use inkwell::types::BasicType;
    let params: Vec<inkwell::types::BasicMetadataTypeEnum<'ctx>> =
        args.iter().map(|a| a.get_type().into()).collect();
    let Some(ret) = ret else {
        let f = cg.external(name, cg.ctx.void_type().fn_type(&params, false));
        cg.call(f, args)?;
        return Ok(None);
    };
    let f = cg.external(name, ret.fn_type(&params, false));
    Ok(Some(cg.call_value(f, args)?))
}

/// `list.incref`/`list.decref` of list header `h`.
pub fn refcount<'ctx>(cg: &Codegen<'ctx>, increment: bool, h: BasicValueEnum<'ctx>) -> Result<()> {
    super::container::refcount(cg, "jitufunc_rt_list", increment, h)
}
