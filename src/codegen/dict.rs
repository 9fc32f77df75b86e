//! Typed Dict operations (`ir::DictOp`) on a dict's header
//! (`engine::dict::DictHeader`, 8-byte fields read by number). Lookups,
//! inserts and removals call the runtime's table functions with the key as
//! one 64-bit word (`key_word`); values are read and written in place in
//! the entries, whose address is read from the header each time (an insert
//! may move them). A missing key is Python's `KeyError(key)`
//! (`jitufunc_rt_dict_key_error`). Container values are counted here as
//! in `codegen::list`: a store takes a reference to the new value and
//! drops the one it replaces; `pop` hands the entry's reference over.

use inkwell::types::BasicType;
use inkwell::values::{BasicValueEnum, IntValue, PointerValue};
use inkwell::IntPredicate;

use super::container::{count_item, item_code, load_int, load_item, load_ptr, put_item};
use super::Codegen;
use crate::engine::dict::{
    entry_stride, KeyKind, FIELD_ENTRIES, FIELD_LEN, KEY_OFFSET, VALUE_OFFSET,
};
use crate::error::{CompileError, Result};
use crate::ir::DictOp;
use crate::types::{Item, Kind, Scalar, Type};

/// Key `v` of type `s` as the table's 64-bit word: integers sign- or
/// zero-extended, a bool 0/1, a float the bits of its float64 value.
fn key_word<'ctx>(
    cg: &Codegen<'ctx>,
    s: Scalar,
    v: BasicValueEnum<'ctx>,
) -> Result<IntValue<'ctx>> {
    let b = &cg.builder;
    let i64t = cg.ctx.i64_type();
    Ok(match s.kind() {
        Kind::Float => {
            let x = v.into_float_value();
            let x = if s == Scalar::F64 {
                x
            } else {
                b.build_float_ext(x, cg.ctx.f64_type(), "")?
            };
            b.build_bit_cast(x, i64t, "key")?.into_int_value()
        }
        _ => {
            let x = v.into_int_value();
            if x.get_type().get_bit_width() == 64 {
                x
            } else if s.is_signed() {
                b.build_int_s_extend(x, i64t, "key")?
            } else {
                b.build_int_z_extend(x, i64t, "key")?
            }
        }
    })
}

/// The key of type `s` a table word stands for.
fn word_key<'ctx>(
    cg: &Codegen<'ctx>,
    s: Scalar,
    w: IntValue<'ctx>,
) -> Result<BasicValueEnum<'ctx>> {
    let b = &cg.builder;
    Ok(match s.kind() {
        Kind::Float => {
            let x = b
                .build_bit_cast(w, cg.ctx.f64_type(), "")?
                .into_float_value();
            if s == Scalar::F64 {
                x.into()
            } else {
                b.build_float_trunc(x, cg.float_type(s), "key")?.into()
            }
        }
        Kind::Bool => b
            .build_int_compare(IntPredicate::NE, w, w.get_type().const_zero(), "key")?
            .into(),
        _ if s.bits() == 64 => w.into(),
        _ => b
            .build_int_truncate(w, cg.int_type(s.bits()), "key")?
            .into(),
    })
}

/// The address of entry `i`'s field at `offset` in a dict of values of
/// type `value`.
fn entry_field<'ctx>(
    cg: &Codegen<'ctx>,
    h: PointerValue<'ctx>,
    value: Item,
    i: IntValue<'ctx>,
    offset: u64,
) -> Result<PointerValue<'ctx>> {
    let entries = load_ptr(cg, h, FIELD_ENTRIES)?;
    let i64t = cg.ctx.i64_type();
    let stride = entry_stride(value.itemsize() as i64) as u64;
    let at = cg
        .builder
        .build_int_nsw_mul(i, i64t.const_int(stride, false), "")?;
    let at = cg
        .builder
        .build_int_nsw_add(at, i64t.const_int(offset, false), "")?;
    // SAFETY: callers pass a live entry (found by the table, or below the
    // compacted length): inside the entries buffer.
    Ok(unsafe {
        cg.builder
            .build_gep(cg.ctx.i8_type(), entries, &[at], "entry")?
    })
}

fn runtime<'ctx>(
    cg: &Codegen<'ctx>,
    name: &str,
    ret: inkwell::types::BasicTypeEnum<'ctx>,
    args: &[BasicValueEnum<'ctx>],
) -> Result<BasicValueEnum<'ctx>> {
    let params: Vec<_> = args.iter().map(|a| a.get_type().into()).collect();
    let f = cg.external(name, ret.fn_type(&params, false));
    cg.call_value(f, args)
}

/// The entry of key word `w` in `h`, or -1.
fn find<'ctx>(
    cg: &Codegen<'ctx>,
    h: PointerValue<'ctx>,
    w: IntValue<'ctx>,
) -> Result<IntValue<'ctx>> {
    Ok(runtime(
        cg,
        "jitufunc_rt_dict_find",
        cg.ctx.i64_type().into(),
        &[h.into(), w.into()],
    )?
    .into_int_value())
}

/// `KeyError(key)` unless entry `i` was found; `context` (where the
/// operation is in the user's code) is appended to the message.
fn key_error_unless_found<'ctx>(
    cg: &Codegen<'ctx>,
    h: PointerValue<'ctx>,
    w: IntValue<'ctx>,
    i: IntValue<'ctx>,
    context: &str,
) -> Result<()> {
    let found = cg.builder.build_int_compare(
        IntPredicate::SGE,
        i,
        cg.ctx.i64_type().const_zero(),
        "found",
    )?;
    super::raise::fail_unless(cg, found, "dict", |cg| {
        let void = cg.ctx.void_type();
        let report = cg.external(
            "jitufunc_rt_dict_key_error",
            void.fn_type(&[cg.ptr_type().into(), cg.ctx.i64_type().into()], false),
        );
        cg.builder.build_call(report, &[h.into(), w.into()], "")?;
        let text = cg
            .builder
            .build_global_string_ptr(context, "error.context")?
            .as_pointer_value();
        let add = cg.external(
            "jitufunc_rt_error_context",
            void.fn_type(&[cg.ptr_type().into()], false),
        );
        cg.builder.build_call(add, &[text.into()], "")?;
        Ok(())
    })
}

/// `found ? then() : default`, `then` emitted on the found path only.
fn if_found<'ctx>(
    cg: &Codegen<'ctx>,
    i: IntValue<'ctx>,
    default: BasicValueEnum<'ctx>,
    then: impl FnOnce(&Codegen<'ctx>) -> Result<BasicValueEnum<'ctx>>,
) -> Result<BasicValueEnum<'ctx>> {
    let b = &cg.builder;
    let f = b
        .get_insert_block()
        .and_then(|bb| bb.get_parent())
        .ok_or_else(|| CompileError::internal("dict lookup outside a function"))?;
    let before = b.get_insert_block().expect("checked");
    let found_bb = cg.ctx.append_basic_block(f, "dict.found");
    let merge = cg.ctx.append_basic_block(f, "dict.merge");
    let found = b.build_int_compare(IntPredicate::SGE, i, i.get_type().const_zero(), "found")?;
    b.build_conditional_branch(found, found_bb, merge)?;
    b.position_at_end(found_bb);
    let v = then(cg)?;
    let after = cg.builder.get_insert_block().expect("inside the function");
    cg.builder.build_unconditional_branch(merge)?;
    cg.builder.position_at_end(merge);
    let phi = cg.builder.build_phi(v.get_type(), "dict.value")?;
    phi.add_incoming(&[(&v, after), (&default, before)]);
    Ok(phi.as_basic_value())
}

fn remove<'ctx>(cg: &Codegen<'ctx>, h: PointerValue<'ctx>, i: IntValue<'ctx>) -> Result<()> {
    let f = cg.external(
        "jitufunc_rt_dict_remove",
        cg.ctx
            .void_type()
            .fn_type(&[cg.ptr_type().into(), cg.ctx.i64_type().into()], false),
    );
    cg.call(f, &[h.into(), i.into()])?;
    Ok(())
}

/// Emits dict operation `op`; `types` are its operands' types, `rty` its
/// result type, `context` where it is in the user's code (for the message
/// of a `KeyError`).
pub fn emit<'ctx>(
    cg: &Codegen<'ctx>,
    op: DictOp,
    types: &[Type],
    rty: &Type,
    vals: &[BasicValueEnum<'ctx>],
    context: &str,
) -> Result<Option<BasicValueEnum<'ctx>>> {
    let i64t = cg.ctx.i64_type();
    if op == DictOp::New {
        let Type::Dict(k, v) = rty else {
            return Err(CompileError::internal("dict.new of a non-dict type"));
        };
        let c = |x: i64| i64t.const_int(x as u64, true).into();
        let args = [
            c(k.typenum() as i64),
            c(KeyKind::of(*k) as i64),
            item_code(cg, *v)?.into(),
            c(v.itemsize() as i64),
        ];
        let h = runtime(cg, "jitufunc_rt_dict_new", cg.ptr_type().into(), &args)?;
        return Ok(Some(h));
    }
    let (Some(Type::Dict(ks, vs)), Some(h)) = (types.first(), vals.first()) else {
        return Err(CompileError::internal(format!(
            "dict.{} of a non-dict",
            op.name()
        )));
    };
    let (ks, vs, h) = (*ks, *vs, h.into_pointer_value());
    let key = |cg: &Codegen<'ctx>| key_word(cg, ks, vals[1]);
    Ok(match op {
        DictOp::New => unreachable!("handled above"),
        DictOp::Len => Some(load_int(cg, h, FIELD_LEN)?.into()),
        DictOp::Compact => {
            let n =
                runtime(cg, "jitufunc_rt_dict_compact", i64t.into(), &[h.into()])?.into_int_value();
            let ok = cg
                .builder
                .build_int_compare(IntPredicate::SGE, n, i64t.const_zero(), "")?;
            // The runtime reported the MemoryError.
            super::raise::fail_unless(cg, ok, "dict.compact", |_| Ok(()))?;
            Some(n.into())
        }
        DictOp::Key => {
            let p = entry_field(cg, h, vs, vals[1].into_int_value(), KEY_OFFSET)?;
            let w = cg.builder.build_load(i64t, p, "")?.into_int_value();
            Some(word_key(cg, ks, w)?)
        }
        DictOp::Value => {
            let p = entry_field(cg, h, vs, vals[1].into_int_value(), VALUE_OFFSET)?;
            Some(load_item(cg, vs, p)?)
        }
        DictOp::Get => {
            let w = key(cg)?;
            let i = find(cg, h, w)?;
            key_error_unless_found(cg, h, w, i, context)?;
            let p = entry_field(cg, h, vs, i, VALUE_OFFSET)?;
            Some(load_item(cg, vs, p)?)
        }
        DictOp::GetOr => {
            let w = key(cg)?;
            let i = find(cg, h, w)?;
            Some(if_found(cg, i, vals[2], |cg| {
                let p = entry_field(cg, h, vs, i, VALUE_OFFSET)?;
                load_item(cg, vs, p)
            })?)
        }
        DictOp::Contains => {
            let w = key(cg)?;
            let i = find(cg, h, w)?;
            Some(
                cg.builder
                    .build_int_compare(IntPredicate::SGE, i, i64t.const_zero(), "in")?
                    .into(),
            )
        }
        DictOp::Set => {
            let w = key(cg)?;
            let p = runtime(
                cg,
                "jitufunc_rt_dict_slot",
                cg.ptr_type().into(),
                &[h.into(), w.into()],
            )?
            .into_pointer_value();
            let ok = cg.builder.build_is_not_null(p, "")?;
            // The runtime reported the MemoryError.
            super::raise::fail_unless(cg, ok, "dict.grow", |_| Ok(()))?;
            // A new key's value slot is zeroed: a null container, which
            // decref ignores.
            let old = load_item(cg, vs, p)?;
            put_item(cg, vs, p, vals[2])?;
            count_item(cg, vs, false, old)?;
            None
        }
        DictOp::Pop => {
            let w = key(cg)?;
            let i = find(cg, h, w)?;
            key_error_unless_found(cg, h, w, i, context)?;
            let p = entry_field(cg, h, vs, i, VALUE_OFFSET)?;
            let v = load_item(cg, vs, p)?;
            remove(cg, h, i)?;
            Some(v)
        }
        DictOp::Copy => {
            let new = runtime(
                cg,
                "jitufunc_rt_dict_copy",
                cg.ptr_type().into(),
                &[h.into()],
            )?
            .into_pointer_value();
            let ok = cg.builder.build_is_not_null(new, "")?;
            // The runtime reported the MemoryError.
            super::raise::fail_unless(cg, ok, "dict.copy", |_| Ok(()))?;
            Some(new.into())
        }
        DictOp::Clear => {
            cg.call(
                cg.external(
                    "jitufunc_rt_dict_clear",
                    cg.ctx.void_type().fn_type(&[cg.ptr_type().into()], false),
                ),
                &[h.into()],
            )?;
            None
        }
        DictOp::PopOr => {
            let w = key(cg)?;
            let i = find(cg, h, w)?;
            // The result owns a reference: the entry's, or a new one to
            // the default.
            count_item(cg, vs, true, vals[2])?;
            Some(if_found(cg, i, vals[2], |cg| {
                count_item(cg, vs, false, vals[2])?;
                let p = entry_field(cg, h, vs, i, VALUE_OFFSET)?;
                let v = load_item(cg, vs, p)?;
                remove(cg, h, i)?;
                Ok(v)
            })?)
        }
    })
}

/// `dict.incref`/`dict.decref` of dict header `h`.
pub fn refcount<'ctx>(cg: &Codegen<'ctx>, increment: bool, h: BasicValueEnum<'ctx>) -> Result<()> {
    super::container::refcount(cg, "jitufunc_rt_dict", increment, h)
}
