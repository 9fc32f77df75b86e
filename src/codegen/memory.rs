//! How scalars sit in NumPy's memory: loads and stores of every dtype (bool
//! is a byte, complex is two floats), byte-strided element addresses, and
//! the access-group tagging of those accesses (`codegen::metadata`).

use inkwell::values::{
    AsValueRef, BasicValue, BasicValueEnum, InstructionValue, IntValue, PointerValue,
};
use inkwell::IntPredicate;
use llvm_sys::core::{LLVMGetMDKindIDInContext, LLVMMetadataAsValue, LLVMSetMetadata};

use super::complex;
use super::context::AccessGroup;
use super::Codegen;
use crate::error::Result;
use crate::types::{Kind, Scalar};

/// Loads a scalar of type `s` stored at `p` (bool is a byte).
pub fn load_scalar<'ctx>(
    cg: &Codegen<'ctx>,
    s: Scalar,
    p: PointerValue<'ctx>,
) -> Result<BasicValueEnum<'ctx>> {
    let b = &cg.builder;
    let load = |ty: inkwell::types::BasicTypeEnum<'ctx>,
                p: PointerValue<'ctx>|
     -> Result<BasicValueEnum<'ctx>> {
        let v = b.build_load(ty, p, "")?;
        if let Some(i) = v.as_instruction_value() {
            // NumPy data is not guaranteed to be naturally aligned.
            let _ = i.set_alignment(1);
            if let Some(group) = cg.func.access_group {
                add_to_access_group(cg, i, group);
            }
        }
        Ok(v)
    };
    Ok(match s.kind() {
        Kind::Bool => {
            let byte = load(cg.ctx.i8_type().into(), p)?.into_int_value();
            b.build_int_compare(IntPredicate::NE, byte, cg.ctx.i8_type().const_zero(), "")?
                .into()
        }
        Kind::Complex => {
            let c = s.component();
            let ft = cg.float_type(c);
            // SAFETY: the imaginary part follows the real part in memory.
            let pi = unsafe {
                b.build_gep(
                    cg.ctx.i8_type(),
                    p,
                    &[cg.ctx.i64_type().const_int(c.itemsize() as u64, false)],
                    "",
                )?
            };
            let re = load(ft.into(), p)?.into_float_value();
            let im = load(ft.into(), pi)?.into_float_value();
            complex::make(cg, s, re, im)?
        }
        _ => load(cg.scalar_type(s), p)?,
    })
}

/// Stores a scalar of type `s` at `p`.
pub fn store_scalar<'ctx>(
    cg: &Codegen<'ctx>,
    s: Scalar,
    p: PointerValue<'ctx>,
    v: BasicValueEnum<'ctx>,
) -> Result<()> {
    let b = &cg.builder;
    let store = |p: PointerValue<'ctx>, v: BasicValueEnum<'ctx>| -> Result<()> {
        let i = b.build_store(p, v)?;
        let _ = i.set_alignment(1);
        if let Some(group) = cg.func.access_group {
            add_to_access_group(cg, i, group);
        }
        Ok(())
    };
    match s.kind() {
        Kind::Bool => {
            let byte = b.build_int_z_extend(v.into_int_value(), cg.ctx.i8_type(), "")?;
            store(p, byte.into())
        }
        Kind::Complex => {
            let c = s.component();
            let (re, im) = complex::parts(cg, v)?;
            // SAFETY: the imaginary part follows the real part in memory.
            let pi = unsafe {
                b.build_gep(
                    cg.ctx.i8_type(),
                    p,
                    &[cg.ctx.i64_type().const_int(c.itemsize() as u64, false)],
                    "",
                )?
            };
            store(p, re.into())?;
            store(pi, im.into())
        }
        _ => store(p, v),
    }
}

/// `base + i * stride` (bytes).
pub fn element_ptr<'ctx>(
    cg: &Codegen<'ctx>,
    base: PointerValue<'ctx>,
    i: IntValue<'ctx>,
    stride: IntValue<'ctx>,
) -> Result<PointerValue<'ctx>> {
    let offset = cg.builder.build_int_nsw_mul(i, stride, "")?;
    // SAFETY: NumPy guarantees base + i * stride is inside the operand for
    // 0 <= i < n.
    Ok(unsafe {
        cg.builder
            .build_gep(cg.ctx.i8_type(), base, &[offset], "")?
    })
}

/// Puts a load or store into an access group.
pub fn add_to_access_group(cg: &Codegen<'_>, inst: InstructionValue<'_>, group: AccessGroup) {
    let ctx = cg.ctx.raw();
    // SAFETY: `inst` and `group` belong to the module's context.
    unsafe {
        let kind = LLVMGetMDKindIDInContext(ctx, c"llvm.access.group".as_ptr(), 17);
        LLVMSetMetadata(inst.as_value_ref(), kind, LLVMMetadataAsValue(ctx, group.0));
    }
}
