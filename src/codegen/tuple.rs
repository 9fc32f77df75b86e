//! `t[i]` with an index known only when it runs (`Op::TupleItem`): the
//! item picked by a chain of selects, `IndexError` out of range.

use inkwell::values::BasicValueEnum;
use inkwell::IntPredicate;

use super::Codegen;
use crate::builtins::PyException;
use crate::error::{CompileError, Result};
use crate::types::Type;

pub fn item<'ctx>(
    cg: &Codegen<'ctx>,
    t: &Type,
    tuple: BasicValueEnum<'ctx>,
    index: BasicValueEnum<'ctx>,
) -> Result<BasicValueEnum<'ctx>> {
    let Type::Tuple(items) = t else {
        return Err(CompileError::internal(format!("tuple_item of {t}")));
    };
    let i64t = cg.ctx.i64_type();
    let n = i64t.const_int(items.len() as u64, false);
    let i = index.into_int_value();
    let b = &cg.builder;
    let negative = b.build_int_compare(IntPredicate::SLT, i, i64t.const_zero(), "")?;
    let i = b
        .build_select(negative, b.build_int_add(i, n, "")?, i, "")?
        .into_int_value();
    if cg.may_raise() {
        let inside = b.build_int_compare(IntPredicate::ULT, i, n, "in.tuple")?;
        super::raise::fail_unless(cg, inside, "tuple.index", |cg| {
            let message = cg
                .builder
                .build_global_string_ptr("tuple index out of range", "tuple.index.message")?;
            let i32t = cg.ctx.i32_type();
            let raise = cg.external(
                "jitufunc_rt_raise",
                cg.ctx
                    .void_type()
                    .fn_type(&[i32t.into(), cg.ptr_type().into()], false),
            );
            cg.builder.build_call(
                raise,
                &[
                    i32t.const_int(PyException::IndexError as u64, false).into(),
                    message.as_pointer_value().into(),
                ],
                "",
            )?;
            Ok(())
        })?;
    }
    let b = &cg.builder;
    let s = tuple.into_struct_value();
    let last = items.len() as u32 - 1;
    let mut picked = b.build_extract_value(s, last, "")?;
    for k in (0..last).rev() {
        let here = b.build_extract_value(s, k, "")?;
        let hit = b.build_int_compare(IntPredicate::EQ, i, i64t.const_int(k as u64, false), "")?;
        picked = b.build_select(hit, here, picked, "")?;
    }
    Ok(picked)
}
