//! Emitting one typed IR function as an LLVM function: IR blocks become
//! LLVM blocks, block parameters become phis, each operation is emitted by
//! the module for its kind (`scalar`, `arith`, `math`, `complex`, `arrays`).

use inkwell::basic_block::BasicBlock;
use inkwell::types::{BasicMetadataTypeEnum, BasicType};
use inkwell::values::{BasicValueEnum, FunctionValue, PhiValue};

use super::context::Codegen;
use super::fpstatus::{self, FlagMode};
use super::{arith, arrays, complex, math, scalar};
use crate::builtins::MathFn;
use crate::error::{CompileError, Result, Span};
use crate::ir::{Function, InstData, Op, Terminator, Value};
use crate::syntax::BinOp;
use crate::types::Type;
use crate::typing::Program;

/// Declares an LLVM function with the signature of `f` (internal,
/// always-inlined). Its first parameter is the FP status word
/// (`fpstatus`), the rest are `f`'s.
pub fn declare<'ctx>(cg: &Codegen<'ctx>, f: &Function, name: &str) -> Result<FunctionValue<'ctx>> {
    let mut params: Vec<BasicMetadataTypeEnum> = vec![cg.ptr_type().into()];
    for p in f.params() {
        let t = cg
            .llvm_type(f.ty(*p))?
            .ok_or_else(|| CompileError::internal("None parameter"))?;
        params.push(t.into());
    }
    let fn_type = match cg.llvm_type(&f.ret)? {
        Some(t) => t.fn_type(&params, false),
        None => cg.ctx.void_type().fn_type(&params, false),
    };
    Ok(cg.add_inline_function(name, fn_type))
}

/// Emits every function of `program`; returns the entry's LLVM function.
pub fn emit_program<'ctx>(
    cg: &mut Codegen<'ctx>,
    program: &Program,
    prefix: &str,
    flags: FlagMode,
) -> Result<FunctionValue<'ctx>> {
    cg.flag_mode = flags;
    let mut funcs = vec![];
    for (i, f) in program.functions.iter().enumerate() {
        let name = format!("{prefix}.{}.{i}", f.name);
        let decl = declare(cg, f, &name)?;
        funcs.push(decl);
    }
    for (i, f) in program.functions.iter().enumerate() {
        emit_body(cg, f, funcs[i], &funcs)?;
    }
    cg.flag_mode = FlagMode::Exact;
    Ok(funcs[program.entry.index()])
}

struct Emitter<'a, 'ctx> {
    cg: &'a mut Codegen<'ctx>,
    status_param: inkwell::values::PointerValue<'ctx>,
    f: &'a Function,
    values: Vec<Option<BasicValueEnum<'ctx>>>,
    funcs: &'a [FunctionValue<'ctx>],
}

impl<'ctx> Emitter<'_, 'ctx> {
    fn get(&self, v: Value) -> Result<BasicValueEnum<'ctx>> {
        self.values[v.index()].ok_or_else(|| {
            CompileError::internal(format!("{v} has no LLVM value (None used as a value?)"))
        })
    }

    /// Where an array access is, for `IndexError` messages.
    fn access_context(&self, array: Value, span: Span) -> String {
        let f = self.f;
        let name = f
            .value(array)
            .name
            .as_ref()
            .map(|n| format!("array '{n}'"))
            .unwrap_or_else(|| "an array".to_string());
        let line = f
            .source
            .line_text(span.line)
            .map(|t| format!(": {}", t.trim()))
            .unwrap_or_default();
        format!(
            " ({name} in '{}', {}, line {}{line})",
            f.name, f.source.filename, span.line
        )
    }

    fn emit_inst(
        &mut self,
        op: &Op,
        args: &[Value],
        result: Option<Value>,
        span: Span,
    ) -> Result<Option<BasicValueEnum<'ctx>>> {
        let f = self.f;
        if matches!(op, Op::GetItem | Op::SetItem) && self.cg.boundscheck {
            self.cg.access_context = self.access_context(args[0], span);
        }
        let rty = result.map(|r| f.ty(r).clone()).unwrap_or(Type::NoneType);
        let vals = args
            .iter()
            .map(|a| self.get(*a))
            .collect::<Result<Vec<_>>>()?;
        let cg = &mut *self.cg;
        let arg_ty = |i: usize| f.ty(args[i]).clone();
        Ok(Some(match op {
            Op::Const(c, t) => scalar::constant(cg, c, t)?,
            Op::Binary(b) => arith::binary(cg, *b, &rty, vals[0], vals[1])?,
            Op::Unary(u) => arith::unary(cg, *u, &rty, vals[0])?,
            Op::Compare(c) => scalar::compare(cg, *c, &arg_ty(0), vals[0], vals[1])?,
            Op::Truth => scalar::truth(cg, &arg_ty(0), vals[0])?,
            Op::Cast => scalar::cast(cg, &arg_ty(0), &rty, vals[0])?,
            Op::Select => {
                let v = vals;
                cg.builder
                    .build_select(v[0].into_int_value(), v[1], v[2], "")?
            }
            Op::MakeComplex => {
                let v = vals;
                complex::make(
                    cg,
                    rty.storage().expect("complex"),
                    v[0].into_float_value(),
                    v[1].into_float_value(),
                )?
            }
            Op::Math(m) => math::call(cg, *m, &arg_ty(0), &rty, &vals)?,
            Op::CallFunc(id) => {
                let callee = self.funcs[id.index()];
                let mut call_args = vec![self.status_param.into()];
                call_args.extend(vals);
                let call = cg.call(callee, &call_args)?;
                if cg.boundscheck {
                    return_if_failed(cg, self.status_param)?;
                }
                match call.try_as_basic_value() {
                    inkwell::values::ValueKind::Basic(v) => v,
                    _ => return Ok(None),
                }
            }
            Op::MakeTuple => {
                let ty = cg
                    .llvm_type(&rty)?
                    .ok_or_else(|| CompileError::internal("tuple type"))?
                    .into_struct_type();
                let mut agg: inkwell::values::AggregateValueEnum = ty.get_undef().into();
                for (i, v) in vals.into_iter().enumerate() {
                    agg = cg.builder.build_insert_value(agg, v, i as u32, "")?;
                }
                agg.into_struct_value().into()
            }
            Op::TupleGet(i) => {
                cg.builder
                    .build_extract_value(vals[0].into_struct_value(), *i, "")?
            }
            Op::Attr(a) => arrays::attr(cg, *a, &arg_ty(0), vals[0])?,
            Op::GetItem => {
                let v = vals;
                let index_types: Vec<Type> = (1..args.len()).map(arg_ty).collect();
                arrays::load(cg, &arg_ty(0), v[0], &index_types, &v[1..])?
            }
            Op::SetItem => {
                let v = vals;
                let n = args.len();
                let index_types: Vec<Type> = (1..n - 1).map(arg_ty).collect();
                arrays::store(
                    cg,
                    &arg_ty(0),
                    v[0],
                    &index_types,
                    &v[1..n - 1],
                    &arg_ty(n - 1),
                    v[n - 1],
                )?;
                return Ok(None);
            }
            Op::Len => arrays::len(cg, &arg_ty(0), vals[0])?,
            Op::Undef | Op::Call(_) | Op::CallKernel(_) => {
                return Err(CompileError::internal(format!(
                    "{op} reached code generation"
                )))
            }
        }))
    }
}

fn emit_body<'ctx>(
    cg: &mut Codegen<'ctx>,
    f: &Function,
    llvm: FunctionValue<'ctx>,
    funcs: &[FunctionValue<'ctx>],
) -> Result<()> {
    let rpo = f.reverse_post_order();
    let mut blocks: Vec<Option<BasicBlock<'ctx>>> = vec![None; f.blocks.len()];
    for &b in &rpo {
        blocks[b.index()] = Some(cg.ctx.append_basic_block(llvm, &b.to_string()));
    }
    let mut values: Vec<Option<BasicValueEnum<'ctx>>> = vec![None; f.values.len()];
    let mut phis: Vec<Option<PhiValue<'ctx>>> = vec![None; f.values.len()];
    for (i, p) in f.params().iter().enumerate() {
        values[p.index()] = llvm.get_nth_param(i as u32 + 1);
    }
    let status_param = llvm
        .get_nth_param(0)
        .expect("status parameter")
        .into_pointer_value();
    cg.status = if cg.fast_math.0 == 0 {
        Some(status_param)
    } else {
        None
    };
    cg.error_status = Some(status_param);
    for &b in &rpo {
        if b == f.entry {
            continue;
        }
        cg.builder
            .position_at_end(blocks[b.index()].expect("created"));
        for p in &f.block(b).params {
            if let Some(t) = cg.llvm_type(f.ty(*p))? {
                let phi = cg.builder.build_phi(t, "")?;
                values[p.index()] = Some(phi.as_basic_value());
                phis[p.index()] = Some(phi);
            }
        }
    }
    let mut em = Emitter {
        cg,
        status_param,
        f,
        values,
        funcs,
    };
    let uses = use_counts(f);
    let tainting = em.cg.flag_mode == FlagMode::Taint;
    let mut incoming: Vec<(PhiValue<'ctx>, BasicValueEnum<'ctx>, BasicBlock<'ctx>)> = vec![];
    for &b in &rpo {
        let bb = blocks[b.index()].expect("created");
        em.cg.builder.position_at_end(bb);
        for &inst in &f.block(b).insts {
            let d = f.inst(inst);
            if tainting {
                for k in absorbed_operands(f, d) {
                    let a = d.args[k];
                    taint_value(em.cg, f.ty(a), em.get(a)?)?;
                }
            }
            let v = em.emit_inst(&d.op, &d.args, d.result, d.span)?;
            if let Some(r) = d.result {
                em.values[r.index()] = v;
                if tainting && uses[r.index()] == 0 {
                    if let Some(v) = v {
                        taint_value(em.cg, f.ty(r), v)?;
                    }
                }
            }
        }
        let end = em.cg.builder.get_insert_block().expect("positioned");
        let term = &f.block(b).term;
        for t in term.targets() {
            for (p, a) in f.block(t.block).params.iter().zip(&t.args) {
                if let Some(phi) = phis[p.index()] {
                    incoming.push((phi, em.get(*a)?, end));
                }
            }
        }
        let builder = &em.cg.builder;
        match term {
            Terminator::Jump(t) => {
                builder.build_unconditional_branch(blocks[t.block.index()].expect("reachable"))?;
            }
            Terminator::Branch { cond, then, orelse } => {
                builder.build_conditional_branch(
                    em.get(*cond)?.into_int_value(),
                    blocks[then.block.index()].expect("reachable"),
                    blocks[orelse.block.index()].expect("reachable"),
                )?;
            }
            Terminator::Return(Some(v)) => {
                let value = em.get(*v)?;
                if tainting {
                    taint_value(em.cg, f.ty(*v), value)?;
                }
                em.cg.builder.build_return(Some(&value))?;
            }
            Terminator::Return(None) => {
                builder.build_return(None)?;
            }
            Terminator::None => return Err(CompileError::internal("unterminated block")),
        }
    }
    for (phi, v, bb) in incoming {
        phi.add_incoming(&[(&v, bb)]);
    }
    em.cg.status = None;
    em.cg.error_status = None;
    Ok(())
}

/// After a call of a kernel that may raise: if it did, returns at once
/// (with a zero result; the caller checks the status word too).
fn return_if_failed<'ctx>(
    cg: &Codegen<'ctx>,
    status: inkwell::values::PointerValue<'ctx>,
) -> Result<()> {
    let failed = fpstatus::has_error(cg, status)?;
    let here = cg.builder.get_insert_block().expect("positioned");
    let f = here.get_parent().expect("inside a function");
    let fail = cg.ctx.append_basic_block(f, "callee.failed");
    let ok = cg.ctx.append_basic_block(f, "callee.ok");
    cg.builder.build_conditional_branch(failed, fail, ok)?;
    cg.builder.position_at_end(fail);
    match f.get_type().get_return_type() {
        Some(t) => cg.builder.build_return(Some(&t.const_zero()))?,
        None => cg.builder.build_return(None)?,
    };
    cg.builder.position_at_end(ok);
    Ok(())
}

/// How many times each value is used (by instructions and terminators).
fn use_counts(f: &Function) -> Vec<u32> {
    let mut uses = vec![0u32; f.values.len()];
    for b in f.reverse_post_order() {
        let data = f.block(b);
        for inst in &data.insts {
            for a in &f.inst(*inst).args {
                uses[a.index()] += 1;
            }
        }
        for v in data.term.uses() {
            uses[v.index()] += 1;
        }
    }
    uses
}

/// The operands of `op` whose non-finite values the operation may turn
/// into something finite (or not a float), so that in taint mode they must
/// be tested before it (see `fpstatus::FlagMode::Taint`).
fn absorbed_operands(f: &Function, inst: &InstData) -> Vec<usize> {
    let (op, args) = (&inst.op, &inst.args);
    let non_finite_possible = |v: &Value| {
        matches!(
            f.ty(*v).kind(),
            Some(crate::types::Kind::Float | crate::types::Kind::Complex)
        ) || matches!(f.ty(*v), Type::Tuple(_))
    };
    let all = || (0..args.len()).collect::<Vec<_>>();
    let candidates: Vec<usize> = match op {
        Op::Compare(_) | Op::Truth => all(),
        Op::Binary(b) => match b {
            BinOp::TrueDiv => {
                if f.ty(args[0]).kind() == Some(crate::types::Kind::Complex) {
                    all()
                } else {
                    vec![1]
                }
            }
            BinOp::FloorDiv | BinOp::Mod | BinOp::Pow => all(),
            _ if f.ty(args[0]).kind() == Some(crate::types::Kind::Complex) => all(),
            _ => vec![],
        },
        // Conversions to integers and bools, and complex to real, drop
        // non-finite values; float widening and narrowing keep them.
        Op::Cast => {
            use crate::types::Kind;
            let from = f.ty(args[0]).kind();
            let to = inst.result.and_then(|r| f.ty(r).kind());
            match (from, to) {
                (Some(Kind::Complex), Some(Kind::Complex)) => vec![],
                (Some(Kind::Complex), _) => vec![0],
                (_, Some(Kind::Float | Kind::Complex)) => vec![],
                _ => vec![0],
            }
        }
        Op::Select => vec![1, 2],
        Op::Math(m) => {
            let complex = f.ty(args[0]).kind() == Some(crate::types::Kind::Complex);
            if complex || math_absorbs(*m) {
                all()
            } else {
                vec![]
            }
        }
        Op::TupleGet(_) => vec![0],
        _ => vec![],
    };
    candidates
        .into_iter()
        .filter(|k| non_finite_possible(&args[*k]))
        .collect()
}

/// Real functions that can map an infinity or NaN to a finite value (or to
/// a bool).
fn math_absorbs(m: MathFn) -> bool {
    use MathFn::*;
    matches!(
        m,
        Exp | Exp2
            | Expm1
            | Tanh
            | Atan
            | Atan2
            | Hypot
            | Copysign
            | Fmod
            | Erf
            | Erfc
            | Sign
            | Maximum
            | Minimum
            | Fmax
            | Fmin
            | Reciprocal
            | Real
            | Imag
            | Phase
            | IsNan
            | IsInf
            | IsFinite
            | Pow
    )
}

/// Tests the float parts of `v` (a scalar, complex or tuple of type `t`).
fn taint_value<'ctx>(cg: &Codegen<'ctx>, t: &Type, v: BasicValueEnum<'ctx>) -> Result<()> {
    use crate::types::Kind;
    match t {
        Type::Tuple(items) => {
            for (i, item) in items.iter().enumerate() {
                let part = cg
                    .builder
                    .build_extract_value(v.into_struct_value(), i as u32, "")?;
                taint_value(cg, item, part)?;
            }
            Ok(())
        }
        t => match t.kind() {
            Some(Kind::Float) => fpstatus::taint_values(cg, &[v.into_float_value()]),
            Some(Kind::Complex) => {
                let (re, im) = complex::parts(cg, v)?;
                fpstatus::taint_values(cg, &[re, im])
            }
            _ => Ok(()),
        },
    }
}
