//! The ufunc loop ABI NumPy calls:
//! `void loop(char **args, npy_intp const *dims, npy_intp const *steps, void *data)`.
//! Declares such a function (exported, host CPU, stack aligned for vector
//! spills) and reads its arguments.

use inkwell::values::{FunctionValue, IntValue, PointerValue};

use crate::codegen::Codegen;
use crate::error::Result;

/// A loop function being built, positioned in its entry block.
pub struct LoopEntry<'ctx> {
    pub function: FunctionValue<'ctx>,
    pub args: PointerValue<'ctx>,
    pub dims: PointerValue<'ctx>,
    pub steps: PointerValue<'ctx>,
    /// `dims[0]`: the number of (outer) iterations.
    pub n: IntValue<'ctx>,
}

/// Declares the loop function `name` and positions the builder in it.
pub fn begin_loop<'ctx>(cg: &mut Codegen<'ctx>, name: &str) -> Result<LoopEntry<'ctx>> {
    let ptr = cg.ptr_type();
    let i64t = cg.ctx.i64_type();
    let fn_type = cg
        .ctx
        .void_type()
        .fn_type(&[ptr.into(), ptr.into(), ptr.into(), ptr.into()], false);
    let f = cg.module.add_function(name, fn_type, None);
    cg.add_host_attributes(f);
    cg.align_stack_for_vectors(f);
    let entry = cg.ctx.append_basic_block(f, "entry");
    cg.builder.position_at_end(entry);
    let param = |i: u32| {
        f.get_nth_param(i)
            .expect("declared parameter")
            .into_pointer_value()
    };
    let dims = param(1);
    let n = cg.builder.build_load(i64t, dims, "n")?.into_int_value();
    Ok(LoopEntry {
        function: f,
        args: param(0),
        dims,
        steps: param(2),
        n,
    })
}
