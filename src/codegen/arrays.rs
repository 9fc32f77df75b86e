//! Array views in generated code: `{data ptr, [ndim x i64] shape,
//! [ndim x i64] strides in bytes}`; element loads and stores; attributes.

use inkwell::types::StructType;
use inkwell::values::BasicValueEnum;

use super::context::Codegen;
use crate::error::{CompileError, Result};
use crate::ir::Attr;
use crate::types::Type;

/// The LLVM struct of an array view with `ndim` dimensions.
pub fn view_type<'ctx>(cg: &Codegen<'ctx>, ndim: u32) -> StructType<'ctx> {
    let i64t = cg.ctx.i64_type();
    cg.ctx.struct_type(
        &[
            cg.ptr_type().into(),
            i64t.array_type(ndim).into(),
            i64t.array_type(ndim).into(),
        ],
        false,
    )
}

pub fn attr<'ctx>(
    _cg: &Codegen<'ctx>,
    a: Attr,
    t: &Type,
    _v: BasicValueEnum<'ctx>,
) -> Result<BasicValueEnum<'ctx>> {
    Err(CompileError::internal(format!(
        "attribute .{} of {t} reached codegen",
        a.name()
    )))
}

pub fn load<'ctx>(
    _cg: &Codegen<'ctx>,
    t: &Type,
    _array: BasicValueEnum<'ctx>,
    _index_types: &[Type],
    _index: &[BasicValueEnum<'ctx>],
) -> Result<BasicValueEnum<'ctx>> {
    Err(CompileError::internal(format!(
        "indexing {t} reached codegen"
    )))
}

pub fn store<'ctx>(
    _cg: &Codegen<'ctx>,
    t: &Type,
    _array: BasicValueEnum<'ctx>,
    _index_types: &[Type],
    _index: &[BasicValueEnum<'ctx>],
    _value_type: &Type,
    _value: BasicValueEnum<'ctx>,
) -> Result<()> {
    Err(CompileError::internal(format!(
        "storing into {t} reached codegen"
    )))
}

pub fn len<'ctx>(
    _cg: &Codegen<'ctx>,
    t: &Type,
    _v: BasicValueEnum<'ctx>,
) -> Result<BasicValueEnum<'ctx>> {
    Err(CompileError::internal(format!(
        "len of {t} reached codegen"
    )))
}
