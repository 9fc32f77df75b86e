//! Loop metadata (`!llvm.loop`) on the loops we generate: whether to
//! vectorize, how far to interleave, whether to unroll.
//!
//! LLVM's C API cannot create `distinct` nodes, so a loop ID is made
//! self-referential the way the C++ API does it: a temporary node stands in
//! for the loop ID while the ID node is built, then every use of the
//! temporary is replaced by the ID itself.

use inkwell::values::{AsValueRef, InstructionValue};
use llvm_sys::core::{
    LLVMConstInt, LLVMGetMDKindIDInContext, LLVMInt1TypeInContext, LLVMInt32TypeInContext,
    LLVMMDNodeInContext2, LLVMMDStringInContext2, LLVMMetadataAsValue, LLVMSetMetadata,
    LLVMValueAsMetadata,
};
use llvm_sys::debuginfo::{LLVMMetadataReplaceAllUsesWith, LLVMTemporaryMDNode};
use llvm_sys::prelude::LLVMMetadataRef;

use crate::codegen::context::AccessGroup;
use crate::codegen::Codegen;

/// A property of one loop.
#[derive(Clone, Copy, Debug)]
pub enum LoopHint {
    /// `llvm.loop.vectorize.enable false`
    NoVectorize,
    /// `llvm.loop.interleave.count N`
    Interleave(u32),
    /// `llvm.loop.vectorize.width N`
    Width(u32),
    /// `llvm.loop.unroll.disable`
    NoUnroll,
    /// `llvm.loop.parallel_accesses` of an access group: iterations have no
    /// memory dependences between them.
    Parallel(AccessGroup),
}

/// Attaches `hints` as the `!llvm.loop` of the loop whose latch ends in
/// `branch`.
pub fn set_loop_hints(cg: &Codegen<'_>, branch: InstructionValue<'_>, hints: &[LoopHint]) {
    if hints.is_empty() {
        return;
    }
    let ctx = cg.ctx.raw();
    // SAFETY: all metadata is created in the module's own context; the
    // temporary node is replaced and then disposed exactly once; `branch`
    // is a live instruction of the module.
    unsafe {
        let string = |s: &str| LLVMMDStringInContext2(ctx, s.as_ptr() as *const _, s.len());
        let int_md = |ty, v: u64| LLVMValueAsMetadata(LLVMConstInt(ty, v, 0));
        let mut props: Vec<LLVMMetadataRef> = vec![];
        for hint in hints {
            let mut ops = match *hint {
                LoopHint::NoVectorize => vec![
                    string("llvm.loop.vectorize.enable"),
                    int_md(LLVMInt1TypeInContext(ctx), 0),
                ],
                LoopHint::Interleave(n) => vec![
                    string("llvm.loop.interleave.count"),
                    int_md(LLVMInt32TypeInContext(ctx), n as u64),
                ],
                LoopHint::Width(n) => vec![
                    string("llvm.loop.vectorize.width"),
                    int_md(LLVMInt32TypeInContext(ctx), n as u64),
                ],
                LoopHint::NoUnroll => vec![string("llvm.loop.unroll.disable")],
                LoopHint::Parallel(group) => vec![string("llvm.loop.parallel_accesses"), group.0],
            };
            props.push(LLVMMDNodeInContext2(ctx, ops.as_mut_ptr(), ops.len()));
        }
        let temp = LLVMTemporaryMDNode(ctx, std::ptr::null_mut(), 0);
        let mut ops = vec![temp];
        ops.extend(props);
        let id = LLVMMDNodeInContext2(ctx, ops.as_mut_ptr(), ops.len());
        // Replaces the temporary by the ID and deletes the temporary.
        LLVMMetadataReplaceAllUsesWith(temp, id);
        let kind = LLVMGetMDKindIDInContext(ctx, c"llvm.loop".as_ptr(), 9);
        LLVMSetMetadata(branch.as_value_ref(), kind, LLVMMetadataAsValue(ctx, id));
    }
}

/// A new access group (`distinct !{}`), made by parsing IR text in the
/// module's context since the C API cannot create distinct nodes.
pub fn new_access_group(cg: &Codegen<'_>) -> crate::error::Result<AccessGroup> {
    let text = "!jitufunc.access_group = !{!0}\n!0 = distinct !{}\n";
    let buffer = inkwell::memory_buffer::MemoryBuffer::create_from_memory_range_copy(
        text.as_bytes(),
        "group",
    );
    let parsed = cg
        .ctx
        .create_module_from_ir(buffer)
        .map_err(|e| crate::error::CompileError::internal(format!("access group IR: {e}")))?;
    let nodes = parsed.get_global_metadata("jitufunc.access_group");
    let node = nodes
        .first()
        .ok_or_else(|| crate::error::CompileError::internal("access group node missing"))?;
    // SAFETY: the node lives in the context (not the parsed module), which
    // outlives every module built in it.
    Ok(AccessGroup(unsafe {
        LLVMValueAsMetadata(node.as_value_ref())
    }))
}

pub use crate::codegen::memory::add_to_access_group;

/// Marks the conditional `branch` as almost never taking its first
/// successor (`!prof` branch weights), so that LLVM keeps it a branch the
/// CPU predicts rather than arithmetic on every trip.
pub fn set_rarely_taken(cg: &Codegen<'_>, branch: InstructionValue<'_>) {
    let i32t = cg.ctx.i32_type();
    let weights = cg.ctx.metadata_node(&[
        cg.ctx.metadata_string("branch_weights").into(),
        i32t.const_int(1, false).into(),
        i32t.const_int(1 << 20, false).into(),
    ]);
    // Setting metadata fails only on a non-instruction value.
    let _ = branch.set_metadata(weights, cg.ctx.get_kind_id("prof"));
}
