//! Emitting one typed IR function as an LLVM function: IR blocks become
//! LLVM blocks, block parameters become phis, each operation is emitted by
//! the module for its kind (`scalar`, `arith`, `math`, `complex`, `arrays`).
//!
//! A function can also be emitted for several *lanes* (`Lanes`): one LLVM
//! function runs K independent calls in lockstep (a gufunc's consecutive
//! outer iterations), taking K copies of every parameter and returning a
//! struct of K results. Values the same in every lane (uniform: shapes,
//! loop counters) are computed once; the others once per lane, in the same
//! order as a single call would, so every lane's result is exactly that of
//! a call of its own. Control flow must be uniform (`guvectorize::jam`
//! checks it). K independent dependency chains let the CPU overlap what one
//! call would do in sequence (a strict-IEEE sum is one long chain).

use inkwell::basic_block::BasicBlock;
use inkwell::types::{BasicMetadataTypeEnum, BasicType};
use inkwell::values::{BasicValueEnum, FunctionValue, PhiValue};

use super::context::{Codegen, FunctionState};
use super::fpstatus::{self, FlagMode};
use super::{arith, arrays, complex, math, scalar};
use crate::builtins::MathFn;
use crate::error::{CompileError, Result, Span};
use crate::ir::{ArrayOp, Function, Inst, InstData, Op, Terminator, Value};
use crate::syntax::BinOp;
use crate::types::Type;
use crate::typing::Program;

/// How many calls one emitted function makes at once, and which values
/// and instructions are the same in all of them.
#[derive(Clone, Debug)]
pub struct Lanes {
    pub count: usize,
    /// Per value of the function: uniform across lanes.
    pub uniform_values: Vec<bool>,
    /// Per instruction: uniform (emitted once, for lane 0).
    pub uniform_insts: Vec<bool>,
}

impl Lanes {
    /// One call: nothing is shared.
    pub fn single(f: &Function) -> Self {
        Lanes {
            count: 1,
            uniform_values: vec![false; f.values.len()],
            uniform_insts: vec![false; f.insts.len()],
        }
    }
}

/// The LLVM type a function returns for `lanes` calls of a function
/// returning `ret`: `ret` itself for one lane, a struct of `count` of them
/// otherwise.
fn lanes_return_type<'ctx>(
    cg: &Codegen<'ctx>,
    ret: &Type,
    count: usize,
) -> Result<Option<inkwell::types::BasicTypeEnum<'ctx>>> {
    let Some(t) = cg.llvm_type(ret)? else {
        return Ok(None);
    };
    Ok(Some(if count == 1 {
        t
    } else {
        cg.ctx.struct_type(&vec![t; count], false).into()
    }))
}

/// Declares an LLVM function with the signature of `f` (internal,
/// always-inlined) for `count` lanes. Its first parameter is the FP status
/// word (`fpstatus`), then `f`'s parameters for lane 0, lane 1, ...
pub fn declare<'ctx>(
    cg: &Codegen<'ctx>,
    f: &Function,
    name: &str,
    count: usize,
) -> Result<FunctionValue<'ctx>> {
    let mut params: Vec<BasicMetadataTypeEnum> = vec![cg.ptr_type().into()];
    for _ in 0..count {
        // A `None` parameter has no machine value: callers pass nothing.
        for p in f.params() {
            if let Some(t) = cg.llvm_type(f.ty(*p))? {
                params.push(t.into());
            }
        }
    }
    let fn_type = match lanes_return_type(cg, &f.ret, count)? {
        Some(t) => t.fn_type(&params, false),
        None => cg.ctx.void_type().fn_type(&params, false),
    };
    let llvm = cg.add_inline_function(name, fn_type);
    if f.elementwise && has_costly_elements(f) {
        llvm.add_attribute(
            inkwell::attributes::AttributeLoc::Function,
            cg.ctx.create_string_attribute(COSTLY, ""),
        );
    }
    Ok(llvm)
}

/// The attribute of a function whose elements cost much more than a few
/// arithmetic instructions (`has_costly_elements`): maps of it go to the
/// thread pool at smaller sizes (`arrays::map`).
pub const COSTLY: &str = "jitufunc-costly";

/// Whether `f` calls a transcendental function, a power or another
/// function (which may do anything).
fn has_costly_elements(f: &Function) -> bool {
    use crate::builtins::MathFn as M;
    f.insts.iter().any(|i| match &i.op {
        Op::Math(m) => !matches!(
            m,
            M::Sqrt
                | M::Fabs
                | M::Abs
                | M::Floor
                | M::Ceil
                | M::Trunc
                | M::Rint
                | M::Copysign
                | M::IsNan
                | M::IsInf
                | M::IsFinite
                | M::Degrees
                | M::Radians
                | M::Sign
                | M::Square
                | M::Reciprocal
                | M::Conj
                | M::Real
                | M::Imag
                | M::Maximum
                | M::Minimum
                | M::Fmax
                | M::Fmin
        ),
        Op::Binary(BinOp::Pow) | Op::CallFunc(_) | Op::CallKernel(_) | Op::CallValue => true,
        _ => false,
    })
}

/// Emits every function of `program`; returns the entry's LLVM function.
pub fn emit_program<'ctx>(
    cg: &mut Codegen<'ctx>,
    program: &Program,
    prefix: &str,
    flags: FlagMode,
) -> Result<FunctionValue<'ctx>> {
    let mut funcs = vec![];
    for (i, f) in program.functions.iter().enumerate() {
        let name = format!("{prefix}.{}.{i}", f.name);
        let decl = declare(cg, f, &name, 1)?;
        if f.is_numpy_library() {
            cg.library.push(decl);
        }
        funcs.push(decl);
    }
    let twins = declare_twins(cg, program, &funcs, Twin::Exact)?;
    let sums = declare_twins(cg, program, &funcs, Twin::Sum)?;
    for (i, f) in program.functions.iter().enumerate() {
        emit_body(cg, f, funcs[i], &funcs, &Lanes::single(f), flags)?;
    }
    emit_twins(cg, program, &twins, &funcs, Twin::Exact)?;
    emit_twins(cg, program, &sums, &funcs, Twin::Sum)?;
    Ok(funcs[program.entry.index()])
}

/// The second copies of element functions (`Function::elementwise`) the
/// loops call. Each is declared before any body is emitted, so that the
/// loops find it (`twin`), and only unless fast-math drops flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Twin {
    /// Every element function is emitted in taint mode (`FlagMode::Taint`:
    /// full speed, `TAINT` when a value was not finite) and again in
    /// exact mode, which loops re-run on the elements that set `TAINT`.
    Exact,
    /// An element function a float sum or mean reduces (whole, or along
    /// its last axis, which `arrays::reduce_axis` sums pairwise row by
    /// row) is also emitted in taint mode without testing its returned
    /// value: the sum shows whether one was not finite, so its loop runs
    /// this twin first, testing nothing per element but what could vanish
    /// inside (`arrays::map::sum_twin_first`).
    Sum,
}

impl Twin {
    fn name(self, f: FunctionValue<'_>) -> String {
        let suffix = match self {
            Twin::Exact => "exact",
            Twin::Sum => "sum",
        };
        format!("{}.{suffix}", f.get_name().to_string_lossy())
    }

    /// Which functions of `program` have this twin.
    fn wanted(self, program: &Program) -> Vec<bool> {
        let elementwise = program.functions.iter().map(|f| f.elementwise);
        match self {
            Twin::Exact => elementwise.collect(),
            Twin::Sum => {
                use crate::builtins::Reduction;
                let mut summed = vec![false; program.functions.len()];
                for f in &program.functions {
                    for inst in &f.insts {
                        let id = match inst.op {
                            Op::Reduce(Reduction::Sum | Reduction::Mean, id) => id,
                            Op::ReduceAxis(Reduction::Sum | Reduction::Mean, axis, id) => {
                                let ndim = inst
                                    .args
                                    .iter()
                                    .map(|a| match f.ty(*a) {
                                        crate::types::Type::Array(t) => t.ndim,
                                        _ => 0,
                                    })
                                    .max()
                                    .unwrap_or(0);
                                if axis + 1 != ndim {
                                    continue;
                                }
                                id
                            }
                            _ => continue,
                        };
                        summed[id.index()] = true;
                    }
                }
                let float = program
                    .functions
                    .iter()
                    .map(|f| f.ret.kind() == Some(crate::types::Kind::Float));
                elementwise
                    .zip(float)
                    .zip(summed)
                    .map(|((e, f), s)| e && f && s)
                    .collect()
            }
        }
    }
}

/// Declares the `kind` twins of `program`'s functions (`funcs`).
fn declare_twins<'ctx>(
    cg: &Codegen<'ctx>,
    program: &Program,
    funcs: &[FunctionValue<'ctx>],
    kind: Twin,
) -> Result<Vec<Option<FunctionValue<'ctx>>>> {
    program
        .functions
        .iter()
        .zip(funcs)
        .zip(kind.wanted(program))
        .map(|((f, llvm), wanted)| {
            if wanted && cg.fast_math.0 == 0 {
                declare(cg, f, &kind.name(*llvm), 1).map(Some)
            } else {
                Ok(None)
            }
        })
        .collect()
}

/// Emits the bodies of the twins `declare_twins` declared.
fn emit_twins<'ctx>(
    cg: &mut Codegen<'ctx>,
    program: &Program,
    twins: &[Option<FunctionValue<'ctx>>],
    funcs: &[FunctionValue<'ctx>],
    kind: Twin,
) -> Result<()> {
    let (flags, return_untested) = match kind {
        Twin::Exact => (FlagMode::Exact, false),
        Twin::Sum => (FlagMode::Taint, true),
    };
    for (f, twin) in program.functions.iter().zip(twins) {
        if let Some(twin) = twin {
            let lanes = Lanes::single(f);
            emit_body_with(cg, f, *twin, funcs, &lanes, flags, return_untested)?;
        }
    }
    Ok(())
}

/// The `kind` twin of element function `f`, if it has one.
pub fn twin<'ctx>(
    cg: &Codegen<'ctx>,
    f: FunctionValue<'ctx>,
    kind: Twin,
) -> Option<FunctionValue<'ctx>> {
    cg.module.get_function(&kind.name(f))
}

/// Emits `program` with its entry function for `lanes` (its callees once
/// per lane that calls them); returns the entry's LLVM function.
pub fn emit_program_lanes<'ctx>(
    cg: &mut Codegen<'ctx>,
    program: &Program,
    prefix: &str,
    flags: FlagMode,
    lanes: &Lanes,
) -> Result<FunctionValue<'ctx>> {
    let mut funcs = vec![];
    for (i, f) in program.functions.iter().enumerate() {
        let name = format!("{prefix}.{}.{i}", f.name);
        let count = if i == program.entry.index() {
            lanes.count
        } else {
            1
        };
        let decl = declare(cg, f, &name, count)?;
        if f.is_numpy_library() {
            cg.library.push(decl);
        }
        funcs.push(decl);
    }
    let twins = declare_twins(cg, program, &funcs, Twin::Exact)?;
    let sums = declare_twins(cg, program, &funcs, Twin::Sum)?;
    for (i, f) in program.functions.iter().enumerate() {
        if i == program.entry.index() {
            emit_body(cg, f, funcs[i], &funcs, lanes, flags)?;
        } else {
            emit_body(cg, f, funcs[i], &funcs, &Lanes::single(f), flags)?;
        }
    }
    emit_twins(cg, program, &twins, &funcs, Twin::Exact)?;
    emit_twins(cg, program, &sums, &funcs, Twin::Sum)?;
    Ok(funcs[program.entry.index()])
}

struct Emitter<'a, 'ctx> {
    cg: &'a mut Codegen<'ctx>,
    status_param: inkwell::values::PointerValue<'ctx>,
    f: &'a Function,
    /// Per value: one LLVM value (uniform) or one per lane.
    values: Vec<Vec<BasicValueEnum<'ctx>>>,
    funcs: &'a [FunctionValue<'ctx>],
    /// The lane being emitted.
    lane: usize,
}

impl<'ctx> Emitter<'_, 'ctx> {
    /// `v` in the current lane (its only value if it is uniform).
    fn get(&self, v: Value) -> Result<BasicValueEnum<'ctx>> {
        let per_lane = &self.values[v.index()];
        per_lane
            .get(self.lane)
            .or(per_lane.first())
            .copied()
            .ok_or_else(|| {
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
        inst: Inst,
        op: &Op,
        args: &[Value],
        result: Option<Value>,
        span: Span,
    ) -> Result<Option<BasicValueEnum<'ctx>>> {
        let f = self.f;
        if let Some(held) = f.held.get(inst.index()) {
            self.cg.func.held = held
                .iter()
                .map(|v| Ok((f.ty(*v).clone(), self.get(*v)?)))
                .collect::<Result<_>>()?;
        }
        if matches!(op, Op::Array(a) if a.effects().touches_memory() || *a == ArrayOp::View)
            && self.cg.boundscheck
        {
            self.cg.func.access_context = self.access_context(args[0], span);
        }
        let rty = result.map(|r| f.ty(r).clone()).unwrap_or(Type::NoneType);
        // A tuple of values known from their types (`kind in ("f", "c")`,
        // decided by typing) has no machine value either.
        if matches!(op, Op::MakeTuple | Op::TupleGet(_)) && !rty.has_value() {
            return Ok(None);
        }
        // `None` arguments of calls have no machine value and no parameter.
        let vals = args
            .iter()
            .filter(|a| {
                !matches!(op, Op::CallFunc(_) | Op::ParallelFor(..)) || f.ty(**a).has_value()
            })
            .map(|a| self.get(*a))
            .collect::<Result<Vec<_>>>()?;
        let cg = &mut *self.cg;
        let arg_ty = |i: usize| f.ty(args[i]).clone();
        Ok(Some(match op {
            // `None` has no machine value (it only stands for an omitted
            // slice bound, which typing replaced), nor have values known
            // from their types (dtypes, strings, np.finfo).
            Op::Const(_, t) if !t.has_value() => return Ok(None),
            Op::Const(c, t) => scalar::constant(cg, c, t)?,
            Op::Frozen(a) => arrays::frozen(cg, a)?,
            Op::Binary(b) => arith::binary(cg, *b, &rty, vals[0], vals[1])?,
            Op::Unary(u) => arith::unary(cg, *u, &rty, vals[0])?,
            Op::Compare(c) => scalar::compare(cg, *c, &arg_ty(0), vals[0], vals[1])?,
            Op::Truth => scalar::truth(cg, &arg_ty(0), vals[0])?,
            // A view seen with a looser type is the same view.
            Op::Cast if matches!(rty, Type::Array(_)) => vals[0],
            Op::Cast => {
                if arg_ty(0) == Type::PY_INT {
                    if let Type::Scalar(to) = rty {
                        super::raise::python_int_fits(cg, to, vals[0].into_int_value())?;
                    }
                }
                scalar::cast(cg, &arg_ty(0), &rty, vals[0])?
            }
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
            Op::Random(r) => match super::random::emit(cg, *r, &vals)? {
                Some(v) => v,
                None => return Ok(None),
            },
            Op::Map(id) => {
                let types: Vec<Type> = (0..args.len()).map(arg_ty).collect();
                arrays::map(
                    cg,
                    self.funcs[id.index()],
                    self.status_param,
                    &types,
                    &vals,
                    &rty,
                )?
            }
            Op::MapInto(id) => {
                let types: Vec<Type> = (0..args.len()).map(arg_ty).collect();
                arrays::map_into(cg, self.funcs[id.index()], self.status_param, &types, &vals)?;
                return Ok(None);
            }
            Op::ReduceAxis(r, axis, id) => {
                let types: Vec<Type> = (0..args.len()).map(arg_ty).collect();
                arrays::reduce_axis(
                    cg,
                    *r,
                    *axis as usize,
                    self.funcs[id.index()],
                    self.status_param,
                    &types,
                    &vals,
                    &rty,
                )?
            }
            Op::Reduce(r, id) => {
                let types: Vec<Type> = (0..args.len()).map(arg_ty).collect();
                arrays::reduce(
                    cg,
                    *r,
                    self.funcs[id.index()],
                    self.status_param,
                    &types,
                    &vals,
                    &rty,
                )?
            }
            Op::Gufunc(id, call) => {
                let types: Vec<Type> = (0..args.len()).map(arg_ty).collect();
                let kernel = self.funcs[id.index()];
                arrays::gufunc(cg, kernel, self.status_param, call, &types, &vals, &rty)?
            }
            Op::CallFunc(id) => {
                // Callees take one lane: a call per lane.
                let callee = self.funcs[id.index()];
                let mut call_args = vec![self.status_param.into()];
                call_args.extend(vals);
                let call = cg.call(callee, &call_args)?;
                if cg.may_raise() {
                    let caller = cg.builder.get_insert_block().and_then(|bb| bb.get_parent());
                    let from_user = cg.library.contains(&callee)
                        && caller.is_some_and(|c| !cg.library.contains(&c));
                    if from_user {
                        let context = call_context(f, span);
                        return_if_failed_at(cg, self.status_param, Some(&context))?;
                    } else {
                        return_if_failed(cg, self.status_param)?;
                    }
                }
                match call.try_as_basic_value() {
                    inkwell::values::ValueKind::Basic(v) => v,
                    _ => return Ok(None),
                }
            }
            Op::CallC(r) => match super::c_call::call(cg, *r, &vals)? {
                Some(v) => v,
                None => return Ok(None),
            },
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
            Op::TupleItem => super::tuple::item(cg, &arg_ty(0), vals[0], vals[1])?,
            Op::TupleGet(i) => {
                cg.builder
                    .build_extract_value(vals[0].into_struct_value(), *i, "")?
            }
            Op::Array(a) => {
                let types: Vec<Type> = (0..args.len()).map(arg_ty).collect();
                match arrays::emit(cg, *a, &types, &rty, &vals)? {
                    Some(v) => v,
                    None => return Ok(None),
                }
            }
            Op::Slice => arrays::slice_value(cg, &vals)?,
            Op::Range(r) => super::range::emit(cg, *r, &vals)?,
            Op::List(l) => {
                let types: Vec<Type> = (0..args.len()).map(arg_ty).collect();
                let context = call_context(f, span);
                match super::list::emit(cg, *l, &types, &rty, &vals, &context)? {
                    Some(v) => v,
                    None => return Ok(None),
                }
            }
            Op::Dict(d) => {
                let types: Vec<Type> = (0..args.len()).map(arg_ty).collect();
                let context = call_context(f, span);
                match super::dict::emit(cg, *d, &types, &rty, &vals, &context)? {
                    Some(v) => v,
                    None => return Ok(None),
                }
            }
            Op::Print(format) => {
                let types: Vec<Type> = (0..args.len()).map(arg_ty).collect();
                super::print::emit(cg, format, &types, &vals)?;
                return Ok(None);
            }
            Op::ParallelFor(id, reducers) => {
                let body = self.funcs[id.index()];
                let v =
                    super::parallel_for::emit(cg, body, self.status_param, reducers, &rty, &vals)?;
                match v {
                    Some(v) => v,
                    None => return Ok(None),
                }
            }
            Op::Undef
            | Op::Call(_)
            | Op::CallKernel(_)
            | Op::Prange(..)
            | Op::CallValue
            | Op::InPlace(_)
            | Op::Attr(_)
            | Op::GetItem
            | Op::SetItem
            | Op::Unpack(_)
            | Op::Len
            | Op::NewList(_)
            | Op::NewDict(_)
            | Op::IterItem => {
                return Err(CompileError::internal(format!(
                    "{op} reached code generation"
                )))
            }
        }))
    }
}

/// Where a call of one of jitufunc's NumPy functions is in the user's
/// code, appended to the message of an error it raises.
fn call_context(f: &Function, span: Span) -> String {
    let line = f
        .source
        .line_text(span.line)
        .map(|t| format!(": {}", t.trim()))
        .unwrap_or_default();
    format!(
        " (in '{}', {}, line {}{line})",
        f.name, f.source.filename, span.line
    )
}

/// Emits the body of `f` into `llvm` in a function state of its own: FP
/// flags reported as `flags` says into the status word (the first
/// parameter), errors too.
fn emit_body<'ctx>(
    cg: &mut Codegen<'ctx>,
    f: &Function,
    llvm: FunctionValue<'ctx>,
    funcs: &[FunctionValue<'ctx>],
    lanes: &Lanes,
    flags: FlagMode,
) -> Result<()> {
    emit_body_with(cg, f, llvm, funcs, lanes, flags, false)
}

/// `emit_body`, with the returned value untested in taint mode when
/// `return_untested` (`Twin::Sum`).
fn emit_body_with<'ctx>(
    cg: &mut Codegen<'ctx>,
    f: &Function,
    llvm: FunctionValue<'ctx>,
    funcs: &[FunctionValue<'ctx>],
    lanes: &Lanes,
    flags: FlagMode,
    return_untested: bool,
) -> Result<()> {
    let status = llvm
        .get_nth_param(0)
        .ok_or_else(|| CompileError::internal("missing status parameter"))?
        .into_pointer_value();
    // Array expressions report NumPy's FP flags (`np.errstate`), also in
    // functions that report none themselves: at full speed in taint mode,
    // with an exact twin for the elements that need it
    // (`Twin::Exact`).
    let flags = if f.elementwise && flags != FlagMode::Exact {
        FlagMode::Taint
    } else {
        flags
    };
    let state = FunctionState {
        flag_mode: flags,
        return_untested: return_untested && flags == FlagMode::Taint,
        status: (cg.fast_math.0 == 0 && flags != FlagMode::Off).then_some(status),
        error_status: Some(status),
        access_group: None,
        access_context: String::new(),
        held: vec![],
        random_state: None,
    };
    let recursive = f
        .insts
        .iter()
        .any(|i| matches!(i.op, Op::CallFunc(id) if funcs[id.index()] == llvm));
    // Array expressions follow NumPy (no ZeroDivisionError).
    let model = cg.error_model;
    if f.elementwise {
        cg.error_model = super::ErrorModel::Numpy;
    }
    let emitted = cg.in_function(state, |cg| {
        emit_blocks(cg, f, llvm, funcs, lanes, status, recursive)
    });
    cg.error_model = model;
    emitted
}

/// Byte offset of the stack limit in a `@jit` entry's status record
/// (`Codegen::stack_limit_in_status`): `{i32 status, i32, i64 limit}`.
pub const STACK_LIMIT_OFFSET: u64 = 8;

/// The LLVM type of a status record (`STACK_LIMIT_OFFSET`); the limit is
/// field 2. `loops::parallel::StatusRecord` is the same record in Rust.
pub fn status_record_type<'ctx>(cg: &Codegen<'ctx>) -> inkwell::types::StructType<'ctx> {
    let (i32t, i64t) = (cg.ctx.i32_type(), cg.ctx.i64_type());
    cg.ctx
        .struct_type(&[i32t.into(), i32t.into(), i64t.into()], false)
}

/// At the start of a function that calls itself: `RecursionError` when
/// the thread's stack is nearly used up, rather than overflowing it.
fn check_stack<'ctx>(
    cg: &Codegen<'ctx>,
    status: inkwell::values::PointerValue<'ctx>,
) -> Result<()> {
    let i64t = cg.ctx.i64_type();
    let marker = cg.entry_alloca(cg.ctx.i8_type(), "stack.marker")?;
    let here = cg.builder.build_ptr_to_int(marker, i64t, "stack")?;
    let limit = if cg.stack_limit_in_status {
        // SAFETY: the entry's status record has the limit at this offset.
        let at = unsafe {
            cg.builder.build_gep(
                cg.ctx.i8_type(),
                status,
                &[i64t.const_int(STACK_LIMIT_OFFSET, false)],
                "stack.limit.at",
            )?
        };
        cg.builder
            .build_load(i64t, at, "stack.limit")?
            .into_int_value()
    } else {
        let limit = cg.external("jitufunc_rt_stack_limit", i64t.fn_type(&[], false));
        cg.call_value(limit, &[])?.into_int_value()
    };
    let room = cg
        .builder
        .build_int_compare(inkwell::IntPredicate::UGT, here, limit, "room")?;
    super::raise::fail_unless(cg, room, "recursion", |cg| {
        let message = cg.builder.build_global_string_ptr(
            "maximum recursion depth exceeded (the thread's stack is nearly full)",
            "recursion.message",
        )?;
        let i32t = cg.ctx.i32_type();
        let raise = cg.external(
            "jitufunc_rt_raise",
            cg.ctx
                .void_type()
                .fn_type(&[i32t.into(), cg.ptr_type().into()], false),
        );
        let class = crate::builtins::PyException::RecursionError as u64;
        cg.builder.build_call(
            raise,
            &[
                i32t.const_int(class, false).into(),
                message.as_pointer_value().into(),
            ],
            "",
        )?;
        Ok(())
    })
}

fn emit_blocks<'ctx>(
    cg: &mut Codegen<'ctx>,
    f: &Function,
    llvm: FunctionValue<'ctx>,
    funcs: &[FunctionValue<'ctx>],
    lanes: &Lanes,
    status_param: inkwell::values::PointerValue<'ctx>,
    recursive: bool,
) -> Result<()> {
    let rpo = f.reverse_post_order();
    let mut blocks: Vec<Option<BasicBlock<'ctx>>> = vec![None; f.blocks.len()];
    for &b in &rpo {
        blocks[b.index()] = Some(cg.ctx.append_basic_block(llvm, &b.to_string()));
    }
    // Lane k's parameters follow lane k-1's; `None` parameters have none.
    let passed: Vec<Value> = f
        .params()
        .iter()
        .copied()
        .filter(|p| f.ty(*p).has_value())
        .collect();
    let nparams = passed.len();
    let mut values: Vec<Vec<BasicValueEnum<'ctx>>> = vec![vec![]; f.values.len()];
    for (i, p) in passed.iter().enumerate() {
        values[p.index()] = (0..lanes.count)
            .map(|lane| {
                llvm.get_nth_param((1 + lane * nparams + i) as u32)
                    .ok_or_else(|| CompileError::internal("missing lane parameter"))
            })
            .collect::<Result<_>>()?;
    }
    let lanes_of = |v: Value| {
        if lanes.uniform_values[v.index()] {
            1
        } else {
            lanes.count
        }
    };
    let mut phis: Vec<Vec<PhiValue<'ctx>>> = vec![vec![]; f.values.len()];
    for &b in &rpo {
        if b == f.entry {
            continue;
        }
        cg.builder
            .position_at_end(blocks[b.index()].expect("created"));
        for p in &f.block(b).params {
            if let Some(t) = cg.llvm_type(f.ty(*p))? {
                for _ in 0..lanes_of(*p) {
                    let phi = cg.builder.build_phi(t, "")?;
                    values[p.index()].push(phi.as_basic_value());
                    phis[p.index()].push(phi);
                }
            }
        }
    }
    let mut em = Emitter {
        cg,
        status_param,
        f,
        values,
        funcs,
        lane: 0,
    };
    let uses = use_counts(f);
    let tainting = em.cg.func.flag_mode == FlagMode::Taint;
    let mut incoming: Vec<(PhiValue<'ctx>, BasicValueEnum<'ctx>, BasicBlock<'ctx>)> = vec![];
    for &b in &rpo {
        let bb = blocks[b.index()].expect("created");
        em.cg.builder.position_at_end(bb);
        if b == f.entry && recursive {
            check_stack(em.cg, status_param)?;
        }
        for &inst in &f.block(b).insts {
            let d = f.inst(inst);
            let count = if lanes.uniform_insts[inst.index()] {
                1
            } else {
                lanes.count
            };
            let mut results = vec![];
            // Operands the operation may absorb are tested before it,
            // unused results after it. (The order matters to LLVM: with
            // the operand test after a libm call, exp(-x*x) ran 35% slower.)
            if tainting {
                let mut tested = vec![];
                for lane in 0..count {
                    em.lane = lane;
                    for k in absorbed_operands(f, d) {
                        let a = d.args[k];
                        float_parts(em.cg, f.ty(a), em.get(a)?, &mut tested)?;
                    }
                }
                taint_all(em.cg, tested, lanes.count > 1)?;
            }
            let mut tested = vec![];
            for lane in 0..count {
                em.lane = lane;
                let v = em.emit_inst(inst, &d.op, &d.args, d.result, d.span)?;
                if let (Some(r), Some(v)) = (d.result, v) {
                    if tainting && uses[r.index()] == 0 {
                        float_parts(em.cg, f.ty(r), v, &mut tested)?;
                    }
                    results.push(v);
                }
            }
            taint_all(em.cg, tested, lanes.count > 1)?;
            if let Some(r) = d.result {
                em.values[r.index()] = results;
            }
        }
        let end = em.cg.builder.get_insert_block().expect("positioned");
        let term = &f.block(b).term;
        for t in term.targets() {
            for (p, a) in f.block(t.block).params.iter().zip(&t.args) {
                for (lane, phi) in phis[p.index()].iter().enumerate() {
                    em.lane = lane;
                    incoming.push((*phi, em.get(*a)?, end));
                }
            }
        }
        em.lane = 0;
        match term {
            Terminator::Jump(t) => {
                em.cg
                    .builder
                    .build_unconditional_branch(blocks[t.block.index()].expect("reachable"))?;
            }
            Terminator::Branch { cond, then, orelse } => {
                if lanes_of(*cond) != 1 {
                    return Err(CompileError::internal(
                        "a branch that differs between lanes",
                    ));
                }
                em.cg.builder.build_conditional_branch(
                    em.get(*cond)?.into_int_value(),
                    blocks[then.block.index()].expect("reachable"),
                    blocks[orelse.block.index()].expect("reachable"),
                )?;
            }
            Terminator::Return(Some(v)) => {
                let mut results = vec![];
                let mut tested = vec![];
                for lane in 0..lanes.count {
                    em.lane = lane;
                    let value = em.get(*v)?;
                    if tainting && !em.cg.func.return_untested && (lane == 0 || lanes_of(*v) > 1) {
                        float_parts(em.cg, f.ty(*v), value, &mut tested)?;
                    }
                    results.push(value);
                }
                taint_all(em.cg, tested, lanes.count > 1)?;
                let value = if lanes.count == 1 {
                    results[0]
                } else {
                    let ty = lanes_return_type(em.cg, &f.ret, lanes.count)?
                        .ok_or_else(|| CompileError::internal("lanes of None"))?
                        .into_struct_type();
                    let mut agg: inkwell::values::AggregateValueEnum = ty.get_undef().into();
                    for (lane, r) in results.into_iter().enumerate() {
                        agg = em.cg.builder.build_insert_value(agg, r, lane as u32, "")?;
                    }
                    agg.into_struct_value().into()
                };
                em.cg.builder.build_return(Some(&value))?;
            }
            Terminator::Return(None) => {
                em.cg.builder.build_return(None)?;
            }
            Terminator::Raise(r) => super::raise::raise_now(em.cg, r, llvm)?,
            Terminator::None => return Err(CompileError::internal("unterminated block")),
        }
    }
    for (phi, v, bb) in incoming {
        phi.add_incoming(&[(&v, bb)]);
    }
    Ok(())
}

/// After a call of a kernel that may raise: if it did, returns at once
/// (with a zero result; the caller checks the status word too).
pub(crate) fn return_if_failed<'ctx>(
    cg: &Codegen<'ctx>,
    status: inkwell::values::PointerValue<'ctx>,
) -> Result<()> {
    return_if_failed_at(cg, status, None)
}

/// `return_if_failed`, appending `context` (where the call is) to the
/// message of the error the callee raised.
fn return_if_failed_at<'ctx>(
    cg: &Codegen<'ctx>,
    status: inkwell::values::PointerValue<'ctx>,
    context: Option<&str>,
) -> Result<()> {
    let failed = fpstatus::has_error(cg, status)?;
    let here = cg.builder.get_insert_block().expect("positioned");
    let f = here.get_parent().expect("inside a function");
    let fail = cg.ctx.append_basic_block(f, "callee.failed");
    let ok = cg.ctx.append_basic_block(f, "callee.ok");
    cg.builder.build_conditional_branch(failed, fail, ok)?;
    cg.builder.position_at_end(fail);
    if let Some(context) = context {
        let text = cg
            .builder
            .build_global_string_ptr(context, "error.context")?
            .as_pointer_value();
        let runtime = cg.external(
            "jitufunc_rt_error_context",
            cg.ctx.void_type().fn_type(&[cg.ptr_type().into()], false),
        );
        cg.builder.build_call(runtime, &[text.into()], "")?;
    }
    super::raise::release_held(cg)?;
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
        ) || matches!(f.ty(*v), t @ Type::Tuple(_) if t.has_value())
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
        Op::TupleGet(_) | Op::TupleItem => vec![0],
        // The generator's functions give integers or finite floats.
        Op::Random(_) => all(),
        // A value stored into an array leaves the kernel there.
        Op::Array(ArrayOp::Store | ArrayOp::Fill | ArrayOp::Assign | ArrayOp::Put) => {
            vec![args.len() - 1]
        }
        // Values pass through unchanged (tuples, loads of elements whose
        // results are tested where they vanish), are not floats, or are
        // tested inside the called function.
        Op::Const(..)
        | Op::Unary(_)
        | Op::MakeComplex
        | Op::MakeTuple
        | Op::CallFunc(_)
        | Op::ParallelFor(..)
        | Op::CallC(_)
        | Op::Map(_)
        | Op::MapInto(_)
        | Op::Reduce(..)
        | Op::ReduceAxis(..)
        | Op::Gufunc(..)
        | Op::Array(
            ArrayOp::Load
            | ArrayOp::View
            | ArrayOp::Shape
            | ArrayOp::Size
            | ArrayOp::Len
            | ArrayOp::Empty
            | ArrayOp::Subscript
            | ArrayOp::Transpose
            | ArrayOp::MoveAxesToEnd
            | ArrayOp::NewAxis
            | ArrayOp::Take
            | ArrayOp::CheckMask
            | ArrayOp::CheckUnpack
            | ArrayOp::Arange
            | ArrayOp::Nonzero
            | ArrayOp::Reshape
            | ArrayOp::Eye
            | ArrayOp::Linspace
            | ArrayOp::BlasMatmul
            | ArrayOp::IncRef
            | ArrayOp::DecRef,
        ) => vec![],
        Op::Slice | Op::Range(_) | Op::List(_) | Op::Dict(_) | Op::Print(_) | Op::Frozen(_) => {
            vec![]
        }
        // Untyped only: never emitted.
        Op::Undef
        | Op::Call(_)
        | Op::CallKernel(_)
        | Op::Prange(..)
        | Op::CallValue
        | Op::InPlace(_)
        | Op::Attr(_)
        | Op::GetItem
        | Op::SetItem
        | Op::Unpack(_)
        | Op::Len
        | Op::NewList(_)
        | Op::NewDict(_)
        | Op::IterItem => vec![],
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

/// Collects the float parts of `v` (a scalar, complex or tuple of type `t`).
fn float_parts<'ctx>(
    cg: &Codegen<'ctx>,
    t: &Type,
    v: BasicValueEnum<'ctx>,
    out: &mut Vec<inkwell::values::FloatValue<'ctx>>,
) -> Result<()> {
    use crate::types::Kind;
    match t {
        Type::Tuple(items) => {
            for (i, item) in items.iter().enumerate() {
                let part = cg
                    .builder
                    .build_extract_value(v.into_struct_value(), i as u32, "")?;
                float_parts(cg, item, part, out)?;
            }
        }
        t => match t.kind() {
            Some(Kind::Float) => out.push(v.into_float_value()),
            Some(Kind::Complex) => {
                let (re, im) = complex::parts(cg, v)?;
                out.push(re);
                out.push(im);
            }
            _ => {}
        },
    }
    Ok(())
}

/// Records `TAINT` if any of `values` is not finite, testing the values of
/// each float type together (one vector test for the lanes of a jammed
/// kernel).
fn taint_all<'ctx>(
    cg: &Codegen<'ctx>,
    values: Vec<inkwell::values::FloatValue<'ctx>>,
    pack: bool,
) -> Result<()> {
    let mut groups: Vec<Vec<inkwell::values::FloatValue<'ctx>>> = vec![];
    for v in values {
        match groups.iter_mut().find(|g| g[0].get_type() == v.get_type()) {
            Some(g) => g.push(v),
            None => groups.push(vec![v]),
        }
    }
    for g in groups {
        fpstatus::taint_values(cg, &g, pack)?;
    }
    Ok(())
}
