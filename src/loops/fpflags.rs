//! The FP status of a loop: the status word its kernels OR their flags
//! into (`codegen::fpstatus`), and the CPU flags (MXCSR) it found on entry,
//! restored at exit to those plus exactly what the kernels reported.

use inkwell::values::{FunctionValue, IntValue, PointerValue};

use crate::codegen::Codegen;
use crate::error::Result;

/// The loop's FP status word and the MXCSR it found on entry.
pub struct FpFlags<'ctx> {
    pub status: PointerValue<'ctx>,
    csr: Option<(PointerValue<'ctx>, IntValue<'ctx>)>,
}

/// MXCSR exception flag bits. Everything the loop's own instructions set
/// is dropped (underflow included: it cannot be told apart from the
/// spurious underflow of speculated operations and conversions).
const MXCSR_FLAGS: u64 = 0x3f;

fn mxcsr_intrinsic<'ctx>(cg: &Codegen<'ctx>, name: &str) -> Result<FunctionValue<'ctx>> {
    inkwell::intrinsics::Intrinsic::find(name)
        .and_then(|i| i.get_declaration(&cg.module, &[]))
        .ok_or_else(|| crate::error::CompileError::internal(format!("no intrinsic {name}")))
}

impl<'ctx> FpFlags<'ctx> {
    pub fn begin(cg: &Codegen<'ctx>) -> Result<Self> {
        let i32t = cg.ctx.i32_type();
        let status = cg.builder.build_alloca(i32t, "fpstatus")?;
        cg.builder.build_store(status, i32t.const_zero())?;
        let exact = cg.fast_math.0 == 0 && cg.host.triple.starts_with("x86_64");
        let csr = if exact {
            let slot = cg.builder.build_alloca(i32t, "mxcsr")?;
            cg.call(mxcsr_intrinsic(cg, "llvm.x86.sse.stmxcsr")?, &[slot.into()])?;
            let entry = cg
                .builder
                .build_load(i32t, slot, "mxcsr.entry")?
                .into_int_value();
            Some((slot, entry))
        } else {
            None
        };
        Ok(FpFlags { status, csr })
    }

    pub fn finish(&self, cg: &Codegen<'ctx>) -> Result<()> {
        let Some((slot, entry)) = self.csr else {
            return Ok(());
        };
        let i32t = cg.ctx.i32_type();
        let b = &cg.builder;
        let raised = b.build_load(i32t, self.status, "")?.into_int_value();
        cg.call(mxcsr_intrinsic(cg, "llvm.x86.sse.stmxcsr")?, &[slot.into()])?;
        let now = b.build_load(i32t, slot, "")?.into_int_value();
        let flags = i32t.const_int(MXCSR_FLAGS, false);
        let control = b.build_and(now, i32t.const_int(!MXCSR_FLAGS & 0xffff_ffff, false), "")?;
        let before = b.build_and(entry, flags, "")?;
        let raised = b.build_and(raised, flags, "")?;
        let new = b.build_or(control, b.build_or(before, raised, "")?, "")?;
        b.build_store(slot, new)?;
        cg.call(mxcsr_intrinsic(cg, "llvm.x86.sse.ldmxcsr")?, &[slot.into()])?;
        Ok(())
    }
}
