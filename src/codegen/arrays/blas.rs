//! `array.blas_matmul` (`ArrayOp::BlasMatmul`): the call of
//! `jitufunc_rt_blas_matmul` (`engine::blas`) with the shapes and byte
//! strides of `out`, `a` and `b`.

use inkwell::values::BasicValueEnum;

use super::{array_type, View};
use crate::codegen::context::Codegen;
use crate::engine::blas::GemmKind;
use crate::error::{CompileError, Result};
use crate::types::{Scalar, Type};

/// Emits the call; its value is the bool "BLAS did it".
pub(super) fn blas_matmul<'ctx>(
    cg: &Codegen<'ctx>,
    types: &[Type],
    vals: &[BasicValueEnum<'ctx>],
) -> Result<BasicValueEnum<'ctx>> {
    let views = types
        .iter()
        .zip(vals)
        .map(|(t, v)| View::unpack(cg, array_type(t, "blas_matmul")?, *v))
        .collect::<Result<Vec<_>>>()?;
    let kind = match array_type(&types[0], "blas_matmul")?.dtype {
        Scalar::F32 => GemmKind::F32,
        Scalar::F64 => GemmKind::F64,
        Scalar::C64 => GemmKind::C64,
        Scalar::C128 => GemmKind::C128,
        other => {
            return Err(CompileError::internal(format!(
                "blas_matmul of {other} (typing decides it is False)"
            )))
        }
    };
    let (out, a, b) = (&views[0], &views[1], &views[2]);
    let i64t = cg.ctx.i64_type();
    let ptr = cg.ptr_type();
    let mut params: Vec<inkwell::types::BasicMetadataTypeEnum> = vec![
        cg.ctx.i32_type().into(),
        i64t.into(),
        i64t.into(),
        i64t.into(),
    ];
    for _ in 0..3 {
        params.push(ptr.into());
        params.push(i64t.into());
        params.push(i64t.into());
    }
    let f = cg.external(
        "jitufunc_rt_blas_matmul",
        cg.ctx.bool_type().fn_type(&params, false),
    );
    let mut args: Vec<BasicValueEnum> = vec![
        cg.ctx.i32_type().const_int(kind as u64, false).into(),
        a.shape[0].into(),
        a.shape[1].into(),
        b.shape[1].into(),
    ];
    for v in [out, a, b] {
        args.push(v.ptr.into());
        args.push(v.strides[0].into());
        args.push(v.strides[1].into());
    }
    cg.call_value(f, &args)
}
