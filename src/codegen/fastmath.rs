//! Fast-math flags (`fastmath=True` or a set of flag names) on the floating
//! point instructions a kernel emits. The default is strict IEEE.

use inkwell::values::AsValueRef;

use super::context::{Codegen, FastMath};
use crate::error::{CompileError, ErrorKind, Result};

/// The flag names `fastmath=` accepts, and LLVM's bit for each.
pub const FLAGS: &[(&str, u32)] = &[
    ("reassoc", llvm_sys::LLVMFastMathAllowReassoc),
    ("nnan", llvm_sys::LLVMFastMathNoNaNs),
    ("ninf", llvm_sys::LLVMFastMathNoInfs),
    ("nsz", llvm_sys::LLVMFastMathNoSignedZeros),
    ("arcp", llvm_sys::LLVMFastMathAllowReciprocal),
    ("contract", llvm_sys::LLVMFastMathAllowContract),
    ("afn", llvm_sys::LLVMFastMathApproxFunc),
];

impl FastMath {
    pub const ALL: FastMath = FastMath(llvm_sys::LLVMFastMathAll);

    /// Parses flag names (`{"nnan", "contract"}`); `fast` means all.
    pub fn from_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<FastMath> {
        let mut bits = 0;
        for name in names {
            if name == "fast" {
                bits |= llvm_sys::LLVMFastMathAll;
                continue;
            }
            let Some((_, bit)) = FLAGS.iter().find(|(n, _)| *n == name) else {
                let known: Vec<&str> = FLAGS.iter().map(|(n, _)| *n).collect();
                return Err(CompileError::new(
                    ErrorKind::Value,
                    format!(
                        "unknown fastmath flag {name:?}; known flags: {}, fast",
                        known.join(", ")
                    ),
                ));
            };
            bits |= bit;
        }
        Ok(FastMath(bits))
    }
}

/// Sets the kernel's fast-math flags on `v` if it is a floating point
/// instruction that can carry them.
pub fn apply<'ctx>(cg: &Codegen<'ctx>, v: impl AsValueRef) {
    if cg.fast_math.0 == 0 {
        return;
    }
    let raw = v.as_value_ref();
    // SAFETY: `raw` is a live value of this module; LLVM checks whether it
    // is an instruction that may carry fast-math flags before we set them.
    unsafe {
        if llvm_sys::core::LLVMIsAInstruction(raw).is_null() {
            return;
        }
        if llvm_sys::core::LLVMCanValueUseFastMathFlags(raw) != 0 {
            llvm_sys::core::LLVMSetFastMathFlags(raw, cg.fast_math.0);
        }
    }
}
