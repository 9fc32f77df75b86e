//! Calls of C functions (`Op::CallC`): a ctypes or cffi function's address
//! called with the C ABI of its declared scalar types.

use inkwell::types::{BasicMetadataTypeEnum, BasicType, BasicTypeEnum};
use inkwell::values::{BasicMetadataValueEnum, BasicValueEnum};
use inkwell::IntPredicate;

use super::context::Codegen;
use crate::builtins::{c_functions, CFuncRef};
use crate::error::Result;
use crate::types::Scalar;

/// The C ABI type of a scalar: `_Bool` is a byte.
fn c_type<'ctx>(cg: &Codegen<'ctx>, s: Scalar) -> BasicTypeEnum<'ctx> {
    match s {
        Scalar::Bool => cg.ctx.i8_type().into(),
        s => cg.scalar_type(s),
    }
}

/// Calls `r` with `args` (already of its parameter types); its result, or
/// `None` for a `void` function.
pub fn call<'ctx>(
    cg: &Codegen<'ctx>,
    r: CFuncRef,
    args: &[BasicValueEnum<'ctx>],
) -> Result<Option<BasicValueEnum<'ctx>>> {
    let c = c_functions::get(r);
    let b = &cg.builder;
    let params: Vec<BasicMetadataTypeEnum> =
        c.params.iter().map(|p| c_type(cg, *p).into()).collect();
    let fn_type = match c.ret {
        Some(s) => c_type(cg, s).fn_type(&params, false),
        None => cg.ctx.void_type().fn_type(&params, false),
    };
    let mut call_args: Vec<BasicMetadataValueEnum> = vec![];
    for (v, p) in args.iter().zip(&c.params) {
        call_args.push(match p {
            Scalar::Bool => b
                .build_int_z_extend(v.into_int_value(), cg.ctx.i8_type(), "")?
                .into(),
            _ => (*v).into(),
        });
    }
    let address = cg.ctx.i64_type().const_int(c.address as u64, false);
    let pointer = b.build_int_to_ptr(address, cg.ptr_type(), &c.name)?;
    let call = b.build_indirect_call(fn_type, pointer, &call_args, "")?;
    let Some(ret) = c.ret else {
        return Ok(None);
    };
    let v = match call.try_as_basic_value() {
        inkwell::values::ValueKind::Basic(v) => v,
        _ => {
            return Err(crate::error::CompileError::internal(
                "a C call without a value",
            ))
        }
    };
    Ok(Some(match ret {
        Scalar::Bool => {
            let zero = cg.ctx.i8_type().const_zero();
            b.build_int_compare(IntPredicate::NE, v.into_int_value(), zero, "")?
                .into()
        }
        _ => v,
    }))
}
