//! `print(...)` (`Op::Print`): each value is written to a stack record in
//! the layout `engine::runtime::PrintItem` describes (scalars in the
//! canonical form of `jit::abi`, arrays as view records), and the runtime
//! prints them through Python's `print`.

use inkwell::values::BasicValueEnum;
use inkwell::IntPredicate;

use super::arrays::view_type;
use super::memory::store_scalar;
use super::{scalar, Codegen};
use crate::engine::runtime::{print_key_array, print_key_scalar, PRINT_TEXT};
use crate::error::{CompileError, Result};
use crate::ir::PrintFormat;
use crate::types::Type;

pub fn emit<'ctx>(
    cg: &Codegen<'ctx>,
    format: &PrintFormat,
    types: &[Type],
    vals: &[BasicValueEnum<'ctx>],
) -> Result<()> {
    let i64t = cg.ctx.i64_type();
    let ptr = cg.ptr_type();
    let item_type = cg.ctx.struct_type(&[i64t.into(), ptr.into()], false);
    let count = format.items.len();
    let items_type = item_type.array_type(count.max(1) as u32);
    let items = cg.entry_alloca(items_type, "print.items")?;
    let mut values = types.iter().zip(vals);
    for (k, item) in format.items.iter().enumerate() {
        let (key, data) = match item {
            Some(text) => {
                let s = cg.builder.build_global_string_ptr(text, "print.text")?;
                (PRINT_TEXT, s.as_pointer_value())
            }
            None => {
                let (t, v) = values
                    .next()
                    .ok_or_else(|| CompileError::internal("print with too few values"))?;
                match t {
                    Type::Scalar(_) | Type::Weak(_) => {
                        let s = t.storage().expect("a scalar");
                        let c = s.canonical();
                        let slot = cg.entry_alloca(i64t.array_type(2), "print.slot")?;
                        let v = scalar::cast(cg, t, &Type::Scalar(c), *v)?;
                        store_scalar(cg, c, slot, v)?;
                        (print_key_scalar(s, matches!(t, Type::Weak(_))), slot)
                    }
                    Type::Array(a) => {
                        let record = cg.entry_alloca(view_type(cg, a.ndim), "print.view")?;
                        cg.builder.build_store(record, *v)?;
                        (print_key_array(a.dtype, a.ndim), record)
                    }
                    other => {
                        return Err(CompileError::internal(format!(
                            "print of a value of type {other}"
                        )))
                    }
                }
            }
        };
        let zero = i64t.const_zero();
        let at = |field: u64| {
            // SAFETY: item `k` of `count`, field 0 or 1 of its struct.
            unsafe {
                cg.builder.build_gep(
                    items_type,
                    items,
                    &[
                        zero,
                        i64t.const_int(k as u64, false),
                        cg.ctx.i32_type().const_int(field, false),
                    ],
                    "",
                )
            }
        };
        cg.builder
            .build_store(at(0)?, i64t.const_int(key as u64, true))?;
        cg.builder.build_store(at(1)?, data)?;
    }
    let sep = cg
        .builder
        .build_global_string_ptr(&format.sep, "print.sep")?;
    let end = cg
        .builder
        .build_global_string_ptr(&format.end, "print.end")?;
    let runtime = cg.external(
        "jitufunc_rt_print",
        cg.ctx
            .i32_type()
            .fn_type(&[ptr.into(), i64t.into(), ptr.into(), ptr.into()], false),
    );
    let rc = cg
        .call_value(
            runtime,
            &[
                items.into(),
                i64t.const_int(count as u64, false).into(),
                sep.as_pointer_value().into(),
                end.as_pointer_value().into(),
            ],
        )?
        .into_int_value();
    let printed = cg.builder.build_int_compare(
        IntPredicate::EQ,
        rc,
        cg.ctx.i32_type().const_zero(),
        "printed",
    )?;
    // The exception print raised is pending already.
    super::raise::fail_unless(cg, printed, "print", |_| Ok(()))
}
