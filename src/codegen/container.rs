//! What typed Lists and Dicts (`codegen::list`, `codegen::dict`) share:
//! their headers (`engine::list`, `engine::dict`) are arrays of 8-byte
//! fields, the first the reference count, read by field number; and their
//! references are counted by runtime calls.

use inkwell::values::{BasicValueEnum, IntValue, PointerValue};

use super::Codegen;
use crate::error::Result;

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
