//! Functions too large for the optimising code generator.
//!
//! LLVM's machine passes are superlinear in the size of one function
//! (measured with `llc -time-passes` on a kernel of n statements, whose
//! exact-flags twin has four basic blocks per statement: live intervals,
//! the register coalescer, machine LICM and x86 domain reassignment on many
//! blocks; instruction selection, the two-address pass and the scheduler on
//! one long block). A 1,000-statement kernel took 6.4 s in code generation,
//! 2,000 statements 26 s. Functions above `BLOCK_BUDGET` blocks or
//! `INSTRUCTION_BUDGET` instructions are therefore marked `optnone` after
//! the IR optimisations have run: the code generator then selects
//! instructions quickly and skips the machine optimisations for that
//! function alone. The IR it receives is already optimised, so values stay
//! in registers and vectorized loops stay vectorized. Measured on kernels of
//! n statements `y = y * 1.0001 + c`: n = 1,000 compiles in 1.0 s instead
//! of 6.9 s, n = 10,000 in 15 s (Numba: 20 s), and the strided path, which
//! runs the exact twin, is 10-15% slower; the contiguous path is unchanged.

use inkwell::attributes::{Attribute, AttributeLoc};
use inkwell::module::Module;
use inkwell::values::FunctionValue;

/// Basic blocks above which a function gets quick code generation: the
/// passes that scale badly with blocks (live intervals, the coalescer,
/// machine LICM) cost seconds beyond a few thousand. A kernel's exact-flags
/// twin has four blocks per float operation; a 250-statement kernel's twin
/// (1,000 blocks) took 0.4 s of code generation, its 1,000-statement one
/// 6 s. Kernels with loops and branches have tens of blocks.
pub const BLOCK_BUDGET: usize = 1_000;

/// Instructions above which a function gets quick code generation even
/// with few blocks. The fast loop of a 5,000-statement kernel (20,000
/// instructions in 23 blocks) takes 0.4 s either way, so this only catches
/// what the block budget does not.
pub const INSTRUCTION_BUDGET: usize = 100_000;

/// Number of instructions in `f`'s body (0 for a declaration).
pub fn instruction_count(f: FunctionValue<'_>) -> usize {
    f.get_basic_block_iter()
        .map(|b| b.get_instructions().count())
        .sum()
}

/// Whether `f` is above either budget.
pub fn is_huge(f: FunctionValue<'_>) -> bool {
    f.count_basic_blocks() as usize > BLOCK_BUDGET || instruction_count(f) > INSTRUCTION_BUDGET
}

/// Marks every function of `module` above a budget for quick code
/// generation; returns how many were marked.
pub fn mark_huge_functions(module: &Module<'_>) -> usize {
    let ctx = module.get_context();
    let mut marked = 0;
    for f in module.get_functions() {
        if !is_huge(f) {
            continue;
        }
        // `optnone` requires `noinline`; inlining has already run.
        for name in ["noinline", "optnone"] {
            let kind = Attribute::get_named_enum_kind_id(name);
            if f.get_enum_attribute(AttributeLoc::Function, kind).is_none() {
                f.add_attribute(AttributeLoc::Function, ctx.create_enum_attribute(kind, 0));
            }
        }
        marked += 1;
    }
    marked
}

#[cfg(test)]
mod tests {
    use super::*;
    use inkwell::context::Context;

    /// A function of `blocks` blocks, each branching to the next.
    fn chain<'ctx>(ctx: &'ctx Context, module: &Module<'ctx>, name: &str, blocks: usize) {
        let f = module.add_function(name, ctx.void_type().fn_type(&[], false), None);
        let b = ctx.create_builder();
        let mut current = ctx.append_basic_block(f, "b");
        for _ in 1..blocks {
            let next = ctx.append_basic_block(f, "b");
            b.position_at_end(current);
            b.build_unconditional_branch(next).unwrap();
            current = next;
        }
        b.position_at_end(current);
        b.build_return(None).unwrap();
    }

    fn has(f: FunctionValue<'_>, name: &str) -> bool {
        let kind = Attribute::get_named_enum_kind_id(name);
        f.get_enum_attribute(AttributeLoc::Function, kind).is_some()
    }

    #[test]
    fn only_functions_above_the_block_budget_are_marked() {
        let ctx = Context::create();
        let module = ctx.create_module("t");
        chain(&ctx, &module, "small", BLOCK_BUDGET);
        chain(&ctx, &module, "huge", BLOCK_BUDGET + 1);
        assert_eq!(mark_huge_functions(&module), 1);
        let small = module.get_function("small").unwrap();
        let huge = module.get_function("huge").unwrap();
        assert!(!has(small, "optnone") && !has(small, "noinline"));
        assert!(has(huge, "optnone") && has(huge, "noinline"));
        assert!(module.verify().is_ok());
        // Marking again changes nothing (the attributes are not duplicated).
        assert_eq!(mark_huge_functions(&module), 1);
        assert!(module.verify().is_ok());
    }
}
