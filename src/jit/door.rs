//! The `@jit` front door: a specialisation is the function typed for its
//! argument types (the return type inferred, or checked against a given
//! signature), emitted with no floating-point flag tracking (as Numba's
//! functions) and wrapped in an entry function with the native calling
//! convention of `abi`.

use std::sync::Arc;

use inkwell::values::{BasicValue, BasicValueEnum, FunctionValue};
use inkwell::IntPredicate;

use super::abi::{self, canonical, return_leaves, view_words, Leaf, SLOT};
use crate::codegen::arrays::View;
use crate::codegen::fpstatus::{FlagMode, DIVBYZERO, ERROR, INVALID, OVERFLOW};
use crate::codegen::function::emit_program;
use crate::codegen::memory::{load_scalar, store_scalar};
use crate::codegen::{scalar, Codegen};
use crate::driver::{FrontDoor, LoopInfo, TypedEntry};
use crate::error::{CompileError, ErrorKind, Result};
use crate::ir::Function;
use crate::syntax::FunctionDef;
use crate::types::{Signature, Type};
use crate::typing::{type_kernel, Program};

/// `@jit`: whole functions behind a native entry point.
#[derive(Clone, Copy, Debug, Default)]
pub struct Jit;

impl FrontDoor for Jit {
    fn symbol_tag(&self) -> &'static str {
        "jit"
    }

    fn cache_tag(&self) -> String {
        "jit".into()
    }

    fn example(&self) -> &'static str {
        "jit([\"float64(float64[:])\"])"
    }

    fn type_entry<'a>(
        &'a self,
        def: &Arc<FunctionDef>,
        untyped: &Function,
        sig: &Signature,
        _text: &str,
    ) -> Result<Box<dyn TypedEntry + 'a>> {
        fn passable(t: &Type) -> bool {
            match t {
                Type::Scalar(_)
                | Type::Array(_)
                | Type::List(_)
                | Type::Dict(..)
                | Type::Weak(_)
                | Type::NoneType
                | Type::Generator
                | Type::Function(_) => true,
                Type::Tuple(items) => items.iter().all(|i| i.has_value() && passable(i)),
                _ => false,
            }
        }
        for (k, t) in sig.args.iter().enumerate() {
            if !passable(t) {
                return Err(CompileError::new(
                    ErrorKind::Signature,
                    format!(
                        "argument {k} of '{}' has type {t}; @jit functions take scalars, arrays and tuples of them",
                        def.name
                    ),
                ));
            }
        }
        let program = type_kernel(def, untyped, sig)?;
        let leaves = return_leaves(&program.entry().ret).map_err(|e| {
            CompileError::at(e.kind, program.entry().span, e.message).with_source(&def.source)
        })?;
        Ok(Box::new(Specialisation {
            signature: sig.clone(),
            program,
            leaves,
        }))
    }

    /// Specialisations stay in the order they were compiled; two for the
    /// same argument types are an error.
    fn order(&self, entries: &[LoopInfo]) -> Result<Vec<usize>> {
        for (i, a) in entries.iter().enumerate() {
            if entries[..i]
                .iter()
                .any(|b| b.signature.args == a.signature.args)
            {
                return Err(CompileError::new(
                    ErrorKind::Signature,
                    format!(
                        "two signatures have the same argument types ({})",
                        a.signature
                    ),
                ));
            }
        }
        Ok((0..entries.len()).collect())
    }
}

/// One specialisation, typed.
struct Specialisation {
    signature: Signature,
    program: Program,
    /// The leaves of the return value.
    leaves: Vec<Leaf>,
}

impl TypedEntry for Specialisation {
    fn program(&self) -> &Program {
        &self.program
    }

    fn emit<'ctx>(&self, cg: &mut Codegen<'ctx>, prefix: &str, symbol: &str) -> Result<()> {
        // Any function may raise (an allocation can fail).
        cg.check_every_call = true;
        cg.stack_limit_in_status = true;
        let kernel = emit_program(cg, &self.program, prefix, FlagMode::Off)?;
        emit_entry(cg, &self.program, kernel, &self.leaves, symbol)
    }

    fn finish(self: Box<Self>, symbol: String, address: usize) -> Result<LoopInfo> {
        let mut signature = self.signature;
        signature.ret = Some(self.program.entry().ret.strong());
        Ok(LoopInfo {
            inputs: vec![],
            outputs: vec![],
            address,
            data: 0,
            signature,
            typed_ir: self.program.to_string(),
            symbol,
        })
    }
}

/// `i32 symbol(ptr args, ptr ret)`: loads the arguments from their slots,
/// calls `kernel` with a status word of its own, stores the return value's
/// leaves and returns whether the kernel raised and the FP flags its
/// array expressions set (`abi`).
fn emit_entry<'ctx>(
    cg: &mut Codegen<'ctx>,
    program: &Program,
    kernel: FunctionValue<'ctx>,
    leaves: &[Leaf],
    symbol: &str,
) -> Result<()> {
    let f = program.entry();
    let ptr = cg.ptr_type();
    let i32t = cg.ctx.i32_type();
    let i64t = cg.ctx.i64_type();
    let entry =
        cg.module
            .add_function(symbol, i32t.fn_type(&[ptr.into(), ptr.into()], false), None);
    cg.add_host_attributes(entry);
    let args = entry
        .get_nth_param(0)
        .expect("declared")
        .into_pointer_value();
    let ret = entry
        .get_nth_param(1)
        .expect("declared")
        .into_pointer_value();
    let body = cg.ctx.append_basic_block(entry, "entry");
    cg.builder.position_at_end(body);
    // The status word, then the stack limit recursive functions check
    // (`codegen::function::STACK_LIMIT_OFFSET`).
    let record = crate::codegen::function::status_record_type(cg);
    let status = cg.builder.build_alloca(record, "status")?;
    cg.builder.build_store(status, i32t.const_zero())?;
    // Only recursive functions read the limit: others skip the call.
    let recursive = program.functions.iter().enumerate().any(|(i, g)| {
        g.insts
            .iter()
            .any(|inst| matches!(inst.op, crate::ir::Op::CallFunc(id) if id.index() == i))
    });
    if recursive {
        let limit = cg.external("jitufunc_rt_stack_limit", i64t.fn_type(&[], false));
        let limit = cg.call_value(limit, &[])?;
        let limit_at = cg
            .builder
            .build_struct_gep(record, status, 2, "stack.limit.at")?;
        cg.builder.build_store(limit_at, limit)?;
    }
    let mut values: Vec<BasicValueEnum<'ctx>> = vec![status.into()];
    for (k, p) in f.params().iter().enumerate() {
        if !f.ty(*p).has_value() {
            // `None` and functions have no value: the slot is not read.
            continue;
        }
        // SAFETY: the caller passes one pointer per parameter (`abi`).
        let slot_ptr = unsafe {
            cg.builder
                .build_gep(ptr, args, &[i64t.const_int(k as u64, false)], "")?
        };
        let slot = cg
            .builder
            .build_load(ptr, slot_ptr, "arg")?
            .into_pointer_value();
        let mut word = 0;
        values.push(load_argument(cg, f.ty(*p), slot, &mut word)?);
    }
    let call = cg.call(kernel, &values)?;
    if !leaves.is_empty() {
        let result = match call.try_as_basic_value() {
            inkwell::values::ValueKind::Basic(v) => v,
            _ => {
                return Err(CompileError::internal(
                    "a returning kernel returned nothing",
                ))
            }
        };
        let mut flat = vec![];
        flatten(cg, &f.ret, result, &mut flat)?;
        let mut word = 0;
        for (leaf, v) in leaves.iter().zip(flat) {
            // SAFETY: the caller's buffer has room for every leaf (`abi`).
            let at = unsafe {
                cg.builder
                    .build_gep(i64t, ret, &[i64t.const_int(word as u64, false)], "")?
            };
            match leaf {
                Leaf::Scalar(s) => {
                    let c = canonical(*s);
                    let v = scalar::cast(cg, &Type::Scalar(*s), &Type::Scalar(c), v)?;
                    store_scalar(cg, c, at, v)?;
                }
                Leaf::List(_) | Leaf::Dict(..) => {
                    let h = cg
                        .builder
                        .build_ptr_to_int(v.into_pointer_value(), i64t, "")?;
                    cg.builder.build_store(at, h)?;
                }
                Leaf::Array(a) => {
                    let view = View::unpack(cg, a, v)?;
                    let mut fields: Vec<BasicValueEnum<'ctx>> = vec![
                        cg.builder.build_ptr_to_int(view.ptr, i64t, "")?.into(),
                        cg.builder.build_ptr_to_int(view.owner, i64t, "")?.into(),
                    ];
                    fields.extend(view.shape.iter().map(|d| BasicValueEnum::from(*d)));
                    fields.extend(view.strides.iter().map(|d| BasicValueEnum::from(*d)));
                    for (k, field) in fields.into_iter().enumerate() {
                        // SAFETY: within the leaf's view record.
                        let p = unsafe {
                            cg.builder.build_gep(
                                i64t,
                                at,
                                &[i64t.const_int(k as u64, false)],
                                "",
                            )?
                        };
                        cg.builder.build_store(p, field)?;
                    }
                }
            }
            word += leaf.words();
        }
    }
    let word = cg.builder.build_load(i32t, status, "")?.into_int_value();
    let error = cg
        .builder
        .build_and(word, i32t.const_int(ERROR, false), "")?;
    let raised = cg
        .builder
        .build_int_compare(IntPredicate::NE, error, i32t.const_zero(), "")?;
    let raised = cg.builder.build_int_z_extend(raised, i32t, "")?;
    // The FP flags of array expressions, for `np.errstate` (`abi`).
    let flags = cg.builder.build_and(
        word,
        i32t.const_int(INVALID | DIVBYZERO | OVERFLOW, false),
        "",
    )?;
    let flags =
        cg.builder
            .build_left_shift(flags, i32t.const_int(abi::FLAGS_SHIFT as u64, false), "")?;
    let rc = cg.builder.build_or(raised, flags, "")?;
    cg.builder.build_return(Some(&rc))?;
    Ok(())
}

/// Argument of type `t` from the words at `slot` (`abi`), starting at
/// word `*word`, which it advances past it: a scalar slot, a view record,
/// or a tuple's leaves in order.
fn load_argument<'ctx>(
    cg: &Codegen<'ctx>,
    t: &Type,
    slot: inkwell::values::PointerValue<'ctx>,
    word: &mut usize,
) -> Result<BasicValueEnum<'ctx>> {
    let i64t = cg.ctx.i64_type();
    // SAFETY: the caller's record has every leaf of `t` (`abi`).
    let at = unsafe {
        cg.builder
            .build_gep(i64t, slot, &[i64t.const_int(*word as u64, false)], "")?
    };
    Ok(match t {
        Type::Scalar(_) | Type::Weak(_) => {
            *word += SLOT / 8;
            let c = canonical(t.storage().expect("a scalar"));
            let v = load_scalar(cg, c, at)?;
            scalar::cast(cg, &Type::Scalar(c), t, v)?
        }
        Type::Array(a) => {
            *word += view_words(a.ndim);
            let view = crate::codegen::arrays::view_type(cg, a.ndim);
            let load = cg.builder.build_load(view, at, "view")?;
            if let Some(i) = load.as_instruction_value() {
                let _ = i.set_alignment(8);
            }
            load
        }
        Type::List(_) | Type::Dict(..) | Type::Generator => {
            *word += 1;
            cg.builder.build_load(cg.ptr_type(), at, "pointer")?
        }
        Type::Tuple(items) => {
            let ty = cg
                .llvm_type(t)?
                .ok_or_else(|| CompileError::internal("a tuple parameter's type"))?
                .into_struct_type();
            let mut agg: inkwell::values::AggregateValueEnum = ty.get_undef().into();
            for (i, item) in items.iter().enumerate() {
                let v = load_argument(cg, item, slot, word)?;
                agg = cg.builder.build_insert_value(agg, v, i as u32, "")?;
            }
            agg.into_struct_value().into()
        }
        other => {
            return Err(CompileError::internal(format!(
                "a @jit parameter of type {other}"
            )))
        }
    })
}

/// The scalar leaves of `v` (of type `t`), depth first.
fn flatten<'ctx>(
    cg: &Codegen<'ctx>,
    t: &Type,
    v: BasicValueEnum<'ctx>,
    out: &mut Vec<BasicValueEnum<'ctx>>,
) -> Result<()> {
    match t {
        Type::Tuple(items) => {
            for (i, item) in items.iter().enumerate() {
                let part = cg
                    .builder
                    .build_extract_value(v.into_struct_value(), i as u32, "")?;
                flatten(cg, item, part, out)?;
            }
        }
        Type::NoneType => {}
        _ => out.push(v),
    }
    Ok(())
}
