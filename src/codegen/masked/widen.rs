//! Widening a scalar LLVM function to `lanes` lanes under masks (full
//! linearization of its control flow, as ISPC and whole-function
//! vectorizers do).
//!
//! Every scalar value becomes a vector of one value per lane. Every block
//! runs for all lanes, in the linear order of `cfg`, with a mask of the
//! lanes that are really there: the entry's mask is all lanes; a branch
//! splits its block's mask between its successors (`mask & cond`,
//! `mask & !cond`, the condition frozen so lanes that are not there cannot
//! make it poison); a block's mask is the union of what its predecessors
//! sent it. A phi becomes a slot that each incoming edge blends its value
//! into for the lanes it carries. A loop runs while its header's mask has
//! a lane: the latch *sets* the header's mask to the lanes going round
//! again; a lane that leaves stops being updated and its values stay what
//! they were when it left (the exit blocks' phis, which `lcssa` puts there,
//! are blended at the exit edge), and the masks of the loop's own blocks
//! restart empty at each trip. A `return` blends its value into the result
//! slots for its block's lanes.
//!
//! So each lane computes exactly what the scalar function computes for it:
//! the same operations on the same values in the same order. Lanes that
//! are not there compute too, on stale values: that is harmless for
//! arithmetic (the results are blended away), so only division gets a
//! safe divisor there, and calls are allowed only to functions that
//! touch no memory. Anything else (memory, switches, exceptions) is
//! refused, and the caller keeps its scalar loop.
//!
//! Slots and masks are allocas; SROA turns them into registers.

use std::collections::HashMap;
use std::ffi::CStr;

use llvm_sys::core::*;
use llvm_sys::prelude::*;
use llvm_sys::{LLVMAttributeFunctionIndex, LLVMIntPredicate, LLVMOpcode, LLVMTypeKind};

use super::cfg::{Cfg, Refusal};

/// Intrinsics whose vector form takes the same arguments, each widened,
/// overloaded on the (widened) result type.
const SAME_TYPE_INTRINSICS: &[&str] = &[
    "fabs",
    "sqrt",
    "fma",
    "fmuladd",
    "minnum",
    "maxnum",
    "minimum",
    "maximum",
    "copysign",
    "floor",
    "ceil",
    "trunc",
    "rint",
    "nearbyint",
    "round",
    "roundeven",
    "exp",
    "exp2",
    "exp10",
    "log",
    "log2",
    "log10",
    "sin",
    "cos",
    "tan",
    "pow",
    "smin",
    "smax",
    "umin",
    "umax",
    "ctpop",
    "bswap",
    "bitreverse",
];

/// Intrinsics whose last argument is an immediate that stays scalar,
/// overloaded on the widened result type.
const FLAG_INTRINSICS: &[&str] = &["abs", "ctlz", "cttz"];

/// Intrinsics overloaded on their (widened) first argument's type.
const ARG_TYPE_INTRINSICS: &[&str] = &[
    "sadd.with.overflow",
    "uadd.with.overflow",
    "ssub.with.overflow",
    "usub.with.overflow",
    "smul.with.overflow",
    "umul.with.overflow",
];

/// Intrinsics with no effect on values, dropped.
const DROPPED_INTRINSICS: &[&str] = &[
    "assume",
    "lifetime.start",
    "lifetime.end",
    "experimental.noalias.scope.decl",
];

/// What `widen` builds from `scalar(x_0, ..., x_{nin-1}) -> {y_0, ...,
/// status}`: either `group(in_0, ..., out_0, ..., status)`, all pointers,
/// which runs `lanes` consecutive elements in lockstep, or
/// `chunk(in_0, ..., out_0, ..., status, count)`, which runs `count`
/// elements through `lanes` lanes with refill. Both OR every element's
/// status into `*status`.
pub struct Shape {
    pub nin: usize,
    pub nout: usize,
    pub lanes: u32,
    /// Bits per lane of a mask at most (1 where the CPU has mask
    /// registers; see `masked::mask_bits`).
    pub mask_bits: u32,
}

/// Which form was built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    Lockstep,
    Refill,
}

/// Fills the body of `chunk` (refill, when the kernel is a prologue, one
/// loop and an epilogue) or else of `group` (lockstep) with the masked
/// form of `scalar`. On refusal both are left without a body.
pub fn widen(
    module: LLVMModuleRef,
    scalar: LLVMValueRef,
    group: LLVMValueRef,
    chunk: LLVMValueRef,
    shape: &Shape,
) -> Result<Form, Refusal> {
    let cfg = Cfg::read(scalar)?;
    if cfg.loops.is_empty() {
        return Err("no loop".into());
    }
    // The rule: an outer loop that counts to a constant of at least
    // `MIN_TRIPS` (an escape-time loop) pays for the lanes' bookkeeping;
    // a loop that may stop after a trip or two (a `while` of unknown
    // length) can cost more than it gains, and keeps its scalar loop.
    let counted = (0..cfg.loops.len())
        .filter(|&l| cfg.loops[l].parent.is_none())
        .any(|l| constant_trip_bound(&cfg, l).is_some_and(|n| n >= MIN_TRIPS));
    if !counted {
        return Err(format!(
            "no outer loop counting to a constant of at least {MIN_TRIPS}"
        ));
    }
    super::narrow::narrow_counters(&cfg);
    super::taint::fold_taint_exits(&cfg);
    let attempt = |target: LLVMValueRef, form: Form| -> Result<Form, Refusal> {
        let mut w = Widener::new(module, shape.lanes);
        w.mask_bits = shape.mask_bits.min(widest_bits(scalar));
        let result = match form {
            Form::Refill => w.build_refill(&cfg, scalar, target, shape),
            Form::Lockstep => w.build_lockstep(&cfg, scalar, target, shape),
        };
        if result.is_err() {
            // SAFETY: the blocks were appended to `target` by this attempt
            // and nothing outside them refers to them.
            unsafe {
                let mut b = LLVMGetFirstBasicBlock(target);
                while !b.is_null() {
                    let next = LLVMGetNextBasicBlock(b);
                    LLVMDeleteBasicBlock(b);
                    b = next;
                }
            }
        }
        result.map(|_| form)
    };
    attempt(chunk, Form::Refill).or_else(|_| attempt(group, Form::Lockstep))
}

/// Outer loops counting to fewer trips than this keep their scalar loop
/// (see `widen`).
pub const MIN_TRIPS: u64 = 16;

/// The number of trips loop `l` makes at most when its latch tests a
/// counter that starts at a constant and steps by a constant against a
/// constant (`for i in range(100)`, rotated by LLVM).
fn constant_trip_bound(cfg: &Cfg, l: usize) -> Option<u64> {
    let latch = cfg.blocks[cfg.loops[l].latch];
    let header = cfg.blocks[cfg.loops[l].header];
    let constant = |v: LLVMValueRef| -> Option<i64> {
        // SAFETY: inspecting a live value.
        unsafe { (!LLVMIsAConstantInt(v).is_null()).then(|| LLVMConstIntGetSExtValue(v)) }
    };
    let is_inst = |v: LLVMValueRef| {
        // SAFETY: inspecting a live value.
        !unsafe { LLVMIsAInstruction(v) }.is_null()
    };
    // SAFETY: reading the latch's terminator and the values it uses.
    let cond = unsafe {
        let term = LLVMGetBasicBlockTerminator(latch);
        if LLVMGetInstructionOpcode(term) != LLVMOpcode::LLVMBr || LLVMIsConditional(term) == 0 {
            return None;
        }
        LLVMGetCondition(term)
    };
    if !is_inst(cond) || opcode(cond) != LLVMOpcode::LLVMICmp {
        return None;
    }
    let (a, b) = (operand(cond, 0), operand(cond, 1));
    let (limit, mut counter) = match (constant(a), constant(b)) {
        (None, Some(c)) => (c, a),
        (Some(c), None) => (c, b),
        _ => return None,
    };
    // `i + step` or `i` itself, `i` a phi of the header.
    let mut step = None;
    if is_inst(counter) && opcode(counter) == LLVMOpcode::LLVMAdd {
        step = constant(operand(counter, 1));
        counter = operand(counter, 0);
    }
    // SAFETY: `counter` is checked to be a phi of the header first.
    unsafe {
        if !is_inst(counter)
            || opcode(counter) != LLVMOpcode::LLVMPHI
            || LLVMGetInstructionParent(counter) != header
        {
            return None;
        }
        let mut start = None;
        for k in 0..LLVMCountIncoming(counter) {
            let v = LLVMGetIncomingValue(counter, k);
            if LLVMGetIncomingBlock(counter, k) == latch {
                if step.is_none()
                    && is_inst(v)
                    && opcode(v) == LLVMOpcode::LLVMAdd
                    && operand(v, 0) == counter
                {
                    step = constant(operand(v, 1));
                }
            } else {
                start = constant(v);
            }
        }
        let (start, step) = (start?, step?);
        if step == 0 {
            return None;
        }
        Some((limit.checked_sub(start)?.unsigned_abs()) / step.unsigned_abs())
    }
}

/// The widest number (in bits) among `f`'s parameters and result fields:
/// the width of its masks' lanes.
fn widest_bits(f: LLVMValueRef) -> u32 {
    let bits = |t: LLVMTypeRef| -> u32 {
        // SAFETY: inspecting a live type.
        unsafe {
            match LLVMGetTypeKind(t) {
                LLVMTypeKind::LLVMIntegerTypeKind => LLVMGetIntTypeWidth(t),
                LLVMTypeKind::LLVMFloatTypeKind => 32,
                LLVMTypeKind::LLVMDoubleTypeKind => 64,
                LLVMTypeKind::LLVMHalfTypeKind => 16,
                _ => 0,
            }
        }
    };
    let mut widest = 8;
    // SAFETY: `f` is a function; its type's parameters and result are read.
    unsafe {
        let ty = LLVMGlobalGetValueType(f);
        let n = LLVMCountParamTypes(ty);
        let mut params = vec![std::ptr::null_mut(); n as usize];
        LLVMGetParamTypes(ty, params.as_mut_ptr());
        for p in params {
            widest = widest.max(bits(p));
        }
        let ret = LLVMGetReturnType(ty);
        if LLVMGetTypeKind(ret) == LLVMTypeKind::LLVMStructTypeKind {
            for k in 0..LLVMCountStructElementTypes(ret) {
                widest = widest.max(bits(LLVMStructGetTypeAtIndex(ret, k)));
            }
        }
    }
    widest.next_power_of_two().min(64)
}

/// Refill: lanes that returned wait until this many have (or no lane is
/// left in the loop) before they retire and take new elements.
/// (Half the lanes: on the escape-time benchmark with 8 lanes, once a trip
/// cost 4.5 ns, retiring at 1, 2, 3, 4, 5 or 6 returned lanes took 45-46,
/// 43-44, 43, 41-42, 42-43 and 45-49 ms on random points, 25-26, 24, 22.5,
/// 19-21, 18-19.5 and 18-19 ms on the grid. Before, with a trip at 6.8 ns,
/// a quarter of the lanes had been best: 1, 2, 4 or 8 ran at 1.53x, 1.59x,
/// 1.44x and 0.85x Numba on random points. With 16 float64 lanes on
/// AVX2, retiring at 4, 6, 8, 10 or 12: 41.7, 41.3, 39.1, 47.2 and 54.7 ms
/// on random points, 19.8, 18.8, 18.2, 17.8 and 17.9 ms on the grid:
/// `benchmarks/masked_lanes_ab.py 16:4 16:6 16:8 16:10 16:12`.)
/// `JITUFUNC_RETIRE_AT` overrides it (a developer knob for measuring,
/// `benchmarks/masked_lanes_ab.py`).
fn retire_threshold(lanes: u32) -> u32 {
    std::env::var("JITUFUNC_RETIRE_AT")
        .ok()
        .and_then(|v| v.parse::<u32>().ok())
        .map_or((lanes / 2).max(1), |n| n.clamp(1, lanes))
}

fn opcode(inst: LLVMValueRef) -> LLVMOpcode {
    // SAFETY: `inst` is an instruction of the scalar function.
    unsafe { LLVMGetInstructionOpcode(inst) }
}

fn operand(inst: LLVMValueRef, k: u32) -> LLVMValueRef {
    // SAFETY: callers ask only for operands the instruction has.
    unsafe { LLVMGetOperand(inst, k) }
}

fn type_of(v: LLVMValueRef) -> LLVMTypeRef {
    // SAFETY: `v` is a live value.
    unsafe { LLVMTypeOf(v) }
}

fn name_of(v: LLVMValueRef) -> String {
    let mut len = 0usize;
    // SAFETY: LLVM returns a pointer to `len` bytes owned by the value.
    unsafe {
        let p = LLVMGetValueName2(v, &mut len);
        if p.is_null() {
            return String::new();
        }
        String::from_utf8_lossy(std::slice::from_raw_parts(p as *const u8, len)).into_owned()
    }
}

/// The instructions of block `b`, in order.
fn instructions(b: LLVMBasicBlockRef) -> Vec<LLVMValueRef> {
    let mut out = vec![];
    // SAFETY: the block's instruction list is walked without changes.
    unsafe {
        let mut i = LLVMGetFirstInstruction(b);
        while !i.is_null() {
            out.push(i);
            i = LLVMGetNextInstruction(i);
        }
    }
    out
}

fn is_scalar_type(t: LLVMTypeRef) -> bool {
    // SAFETY: `t` is a live type.
    let kind = unsafe { LLVMGetTypeKind(t) };
    matches!(
        kind,
        LLVMTypeKind::LLVMIntegerTypeKind
            | LLVMTypeKind::LLVMFloatTypeKind
            | LLVMTypeKind::LLVMDoubleTypeKind
            | LLVMTypeKind::LLVMHalfTypeKind
    )
}

/// The intrinsic's name without `llvm.` and its type suffixes
/// (`llvm.fmuladd.f64` -> `fmuladd`, `llvm.smul.with.overflow.i64` ->
/// `smul.with.overflow`).
fn intrinsic_base(name: &str) -> Option<&str> {
    let rest = name.strip_prefix("llvm.")?;
    let mut end = rest.len();
    while let Some(dot) = rest[..end].rfind('.') {
        let suffix = &rest[dot + 1..end];
        let is_type = suffix.starts_with('v')
            && suffix[1..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_digit())
            || (suffix.starts_with('f') || suffix.starts_with('i'))
                && suffix.len() > 1
                && suffix[1..].chars().all(|c| c.is_ascii_digit());
        if !is_type {
            break;
        }
        end = dot;
    }
    Some(&rest[..end])
}

struct Widener {
    ctx: LLVMContextRef,
    module: LLVMModuleRef,
    b: LLVMBuilderRef,
    lanes: u32,
    /// Bits per lane of a mask.
    mask_bits: u32,
    /// Inputs of the scalar function (refill: the status pointer is
    /// parameter `nin + nout`).
    nin: usize,
    /// Scalar value -> its widened value.
    map: HashMap<LLVMValueRef, LLVMValueRef>,
    /// Per block of the scalar function: its new block and mask slot.
    blocks: Vec<LLVMBasicBlockRef>,
    masks: Vec<LLVMValueRef>,
    /// Per phi: its slot.
    phis: HashMap<LLVMValueRef, LLVMValueRef>,
    /// Per field of the scalar function's result: its slot and type.
    results: Vec<(LLVMValueRef, LLVMTypeRef)>,
    /// Guard blocks entering a loop, by position in the linear order.
    guards: HashMap<usize, LLVMBasicBlockRef>,
    target: LLVMValueRef,
    exit: LLVMBasicBlockRef,
    /// Where the range being emitted ends (`emit_range`).
    range_end: LLVMBasicBlockRef,
    /// Lanes that reached a `return` (refill: since they last retired).
    returned: LLVMValueRef,
    /// Refill: values of the prologue kept per lane, and their slots.
    carried: Vec<(LLVMValueRef, LLVMValueRef)>,
    /// Refill: exit blocks of the loop with one predecessor. The epilogue
    /// runs in the trip its lanes leave, so their phis take the incoming
    /// value whole, not blended into the lanes that leave (one select per
    /// exit value and trip less; not measurable alone on the escape-time
    /// loop, 6.7-6.8 ns per 8-lane trip before and after).
    whole_exits: Vec<usize>,
    /// Refill: a `return` ORs its lanes' status into `*status` at once,
    /// so no status slot is carried round the loop. (With the outputs
    /// read back from their slots in memory when lanes retire, so that no
    /// output slot is carried in registers either: the escape-time loop
    /// stopped spilling, 6.8 -> 4.5 ns per 8-lane trip; 47.5 -> 41-42.5
    /// ms on 1e6 random points, 29.5 -> 22 ms on the grid.)
    status_at_return: bool,
}

impl Drop for Widener {
    fn drop(&mut self) {
        // SAFETY: the builder was created by `new` and is disposed once.
        unsafe { LLVMDisposeBuilder(self.b) };
    }
}

impl Widener {
    fn new(module: LLVMModuleRef, lanes: u32) -> Self {
        // SAFETY: `module` is a live module; the builder is ours.
        let (ctx, b) = unsafe {
            let ctx = LLVMGetModuleContext(module);
            (ctx, LLVMCreateBuilderInContext(ctx))
        };
        Widener {
            ctx,
            module,
            b,
            lanes,
            mask_bits: 64,
            nin: 0,
            map: HashMap::new(),
            blocks: vec![],
            masks: vec![],
            phis: HashMap::new(),
            results: vec![],
            guards: HashMap::new(),
            target: std::ptr::null_mut(),
            exit: std::ptr::null_mut(),
            range_end: std::ptr::null_mut(),
            returned: std::ptr::null_mut(),
            carried: vec![],
            whole_exits: vec![],
            status_at_return: false,
        }
    }

    // --- types and constants -------------------------------------------
    // SAFETY (for this section): every type and value comes from the
    // module's context `self.ctx`.

    /// The widened type of a scalar type: a vector, or a struct of vectors
    /// for a struct of scalars.
    fn wide_type(&self, t: LLVMTypeRef) -> Result<LLVMTypeRef, Refusal> {
        if is_scalar_type(t) {
            // SAFETY: see the section comment.
            return Ok(unsafe { LLVMVectorType(t, self.lanes) });
        }
        // SAFETY: see the section comment.
        unsafe {
            if LLVMGetTypeKind(t) == LLVMTypeKind::LLVMStructTypeKind {
                let n = LLVMCountStructElementTypes(t);
                let mut fields = vec![];
                for k in 0..n {
                    let f = LLVMStructGetTypeAtIndex(t, k);
                    if !is_scalar_type(f) {
                        return Err("a nested aggregate".into());
                    }
                    fields.push(LLVMVectorType(f, self.lanes));
                }
                return Ok(LLVMStructTypeInContext(self.ctx, fields.as_mut_ptr(), n, 0));
            }
        }
        Err("a value that is not a number".into())
    }

    fn int1(&self) -> LLVMTypeRef {
        // SAFETY: see the section comment.
        unsafe { LLVMInt1TypeInContext(self.ctx) }
    }

    /// Masks are vectors of `mask_bits`-bit integers, all ones or zero per
    /// lane (`<N x i1>` when the CPU has mask registers).
    fn mask_type(&self) -> LLVMTypeRef {
        // SAFETY: see the section comment.
        unsafe { LLVMVectorType(LLVMIntTypeInContext(self.ctx, self.mask_bits), self.lanes) }
    }

    fn bool_vector_type(&self) -> LLVMTypeRef {
        // SAFETY: see the section comment.
        unsafe { LLVMVectorType(LLVMInt1TypeInContext(self.ctx), self.lanes) }
    }

    /// A mask as `<N x i1>`.
    fn test(&self, m: LLVMValueRef) -> LLVMValueRef {
        // SAFETY: see the section comment.
        unsafe {
            LLVMBuildICmp(
                self.b,
                LLVMIntPredicate::LLVMIntSLT,
                m,
                LLVMConstNull(self.mask_type()),
                c"".as_ptr(),
            )
        }
    }

    /// `<N x i1>` as a mask.
    fn mask_of_bools(&self, c: LLVMValueRef) -> LLVMValueRef {
        // SAFETY: see the section comment.
        unsafe { LLVMBuildSExt(self.b, c, self.mask_type(), c"".as_ptr()) }
    }

    fn splat(&self, c: LLVMValueRef) -> LLVMValueRef {
        let mut items = vec![c; self.lanes as usize];
        // SAFETY: see the section comment; `c` is a scalar constant.
        unsafe { LLVMConstVector(items.as_mut_ptr(), self.lanes) }
    }

    fn all_lanes(&self) -> LLVMValueRef {
        // SAFETY: see the section comment.
        unsafe { LLVMConstAllOnes(self.mask_type()) }
    }

    fn zero(&self, t: LLVMTypeRef) -> LLVMValueRef {
        // SAFETY: see the section comment.
        unsafe { LLVMConstNull(t) }
    }

    /// The widened value of scalar operand `v`.
    fn wide(&self, v: LLVMValueRef) -> Result<LLVMValueRef, Refusal> {
        if let Some(&w) = self.map.get(&v) {
            return Ok(w);
        }
        // SAFETY: see the section comment.
        unsafe {
            if LLVMIsAConstant(v).is_null() {
                return Err("a value used before it is defined".into());
            }
            let t = LLVMTypeOf(v);
            let wt = self.wide_type(t)?;
            if LLVMIsUndef(v) != 0 || LLVMIsPoison(v) != 0 {
                return Ok(LLVMGetPoison(wt));
            }
            if is_scalar_type(t) {
                return Ok(self.splat(v));
            }
            if LLVMIsNull(v) != 0 {
                return Ok(LLVMConstNull(wt));
            }
            // A struct of numbers: each field splatted.
            let n = LLVMCountStructElementTypes(t);
            let mut fields = vec![];
            for k in 0..n {
                let f = LLVMGetAggregateElement(v, k);
                if f.is_null() || !is_scalar_type(LLVMTypeOf(f)) {
                    return Err("an aggregate constant".into());
                }
                fields.push(self.wide(f)?);
            }
            Ok(LLVMConstStructInContext(
                self.ctx,
                fields.as_mut_ptr(),
                n,
                0,
            ))
        }
    }

    // --- instructions ----------------------------------------------------
    // SAFETY (for this section): as above, and the builder is positioned
    // in a block of the target function.

    fn load(&self, t: LLVMTypeRef, p: LLVMValueRef) -> LLVMValueRef {
        // SAFETY: see the section comment; `p` is a slot or a pointer
        // parameter of the target.
        unsafe { LLVMBuildLoad2(self.b, t, p, c"".as_ptr()) }
    }

    fn store(&self, v: LLVMValueRef, p: LLVMValueRef) {
        // SAFETY: see the section comment.
        unsafe { LLVMBuildStore(self.b, v, p) };
    }

    /// The address of item `index` of type `item` at `base` (an operand
    /// the caller holds at least `index + 1` items of).
    fn element(&self, base: LLVMValueRef, index: LLVMValueRef, item: LLVMTypeRef) -> LLVMValueRef {
        // SAFETY: see the section comment; in bounds per the contract.
        unsafe {
            let offset = LLVMBuildMul(self.b, index, LLVMSizeOf(item), c"".as_ptr());
            LLVMBuildGEP2(
                self.b,
                LLVMInt8TypeInContext(self.ctx),
                base,
                [offset].as_mut_ptr(),
                1,
                c"".as_ptr(),
            )
        }
    }

    /// A load from NumPy's memory (not naturally aligned).
    fn load_unaligned(&self, t: LLVMTypeRef, p: LLVMValueRef) -> LLVMValueRef {
        let v = self.load(t, p);
        // SAFETY: `v` is the load just built.
        unsafe { LLVMSetAlignment(v, 1) };
        v
    }

    /// A store to NumPy's memory (not naturally aligned).
    fn store_unaligned(&self, v: LLVMValueRef, p: LLVMValueRef) {
        // SAFETY: see the section comment.
        unsafe { LLVMSetAlignment(LLVMBuildStore(self.b, v, p), 1) };
    }

    fn slot(&self, t: LLVMTypeRef, init: LLVMValueRef) -> LLVMValueRef {
        // SAFETY: see the section comment (the builder is in the entry).
        let p = unsafe { LLVMBuildAlloca(self.b, t, c"".as_ptr()) };
        self.store(init, p);
        p
    }

    fn and(&self, a: LLVMValueRef, b: LLVMValueRef) -> LLVMValueRef {
        // SAFETY: see the section comment.
        unsafe { LLVMBuildAnd(self.b, a, b, c"".as_ptr()) }
    }

    fn or(&self, a: LLVMValueRef, b: LLVMValueRef) -> LLVMValueRef {
        // SAFETY: see the section comment.
        unsafe { LLVMBuildOr(self.b, a, b, c"".as_ptr()) }
    }

    fn not(&self, a: LLVMValueRef) -> LLVMValueRef {
        // SAFETY: see the section comment.
        unsafe { LLVMBuildNot(self.b, a, c"".as_ptr()) }
    }

    /// `a` in the lanes of mask `m`, else `b`.
    fn select(&self, m: LLVMValueRef, a: LLVMValueRef, b: LLVMValueRef) -> LLVMValueRef {
        let c = self.test(m);
        // SAFETY: see the section comment.
        unsafe { LLVMBuildSelect(self.b, c, a, b, c"".as_ptr()) }
    }

    fn br(&self, to: LLVMBasicBlockRef) {
        // SAFETY: see the section comment.
        unsafe { LLVMBuildBr(self.b, to) };
    }

    fn cond_br(&self, c: LLVMValueRef, then: LLVMBasicBlockRef, orelse: LLVMBasicBlockRef) {
        // SAFETY: see the section comment.
        unsafe { LLVMBuildCondBr(self.b, c, then, orelse) };
    }

    /// A conditional branch with the expected odds of its two ways
    /// (`!prof` branch weights), so that block placement and the register
    /// allocator favour the hot way.
    fn cond_br_weighted(
        &self,
        c: LLVMValueRef,
        then: LLVMBasicBlockRef,
        orelse: LLVMBasicBlockRef,
        (w_then, w_else): (u32, u32),
    ) {
        // SAFETY: see the section comment; the metadata is the context's.
        unsafe {
            let br = LLVMBuildCondBr(self.b, c, then, orelse);
            let i32t = LLVMInt32TypeInContext(self.ctx);
            let name = "branch_weights";
            let mut items = [
                LLVMMDStringInContext2(self.ctx, name.as_ptr() as *const _, name.len()),
                LLVMValueAsMetadata(LLVMConstInt(i32t, w_then as u64, 0)),
                LLVMValueAsMetadata(LLVMConstInt(i32t, w_else as u64, 0)),
            ];
            let node = LLVMMDNodeInContext2(self.ctx, items.as_mut_ptr(), items.len());
            let kind = "prof";
            let id =
                LLVMGetMDKindIDInContext(self.ctx, kind.as_ptr() as *const _, kind.len() as u32);
            LLVMSetMetadata(br, id, LLVMMetadataAsValue(self.ctx, node));
        }
    }

    fn position(&self, bb: LLVMBasicBlockRef) {
        // SAFETY: `bb` is a block of the target.
        unsafe { LLVMPositionBuilderAtEnd(self.b, bb) };
    }

    fn new_block(&self, name: &CStr) -> LLVMBasicBlockRef {
        // SAFETY: the target is a function of the module.
        unsafe { LLVMAppendBasicBlockInContext(self.ctx, self.target, name.as_ptr()) }
    }

    /// `llvm.<name>` overloaded on `types`, declared in the module.
    fn intrinsic(&self, name: &str, types: &mut [LLVMTypeRef]) -> Result<LLVMValueRef, Refusal> {
        // SAFETY: the name is read for its length; the types are the
        // context's.
        unsafe {
            let id = LLVMLookupIntrinsicID(name.as_ptr() as *const _, name.len());
            if id == 0 {
                return Err(format!("no intrinsic {name}"));
            }
            Ok(LLVMGetIntrinsicDeclaration(
                self.module,
                id,
                types.as_mut_ptr(),
                types.len(),
            ))
        }
    }

    fn call(&self, f: LLVMValueRef, args: &mut [LLVMValueRef]) -> LLVMValueRef {
        // SAFETY: see the section comment; `args` match `f`'s type (built
        // from the scalar call's arguments, widened as `f` declares).
        unsafe {
            let ty = LLVMGlobalGetValueType(f);
            LLVMBuildCall2(
                self.b,
                ty,
                f,
                args.as_mut_ptr(),
                args.len() as u32,
                c"".as_ptr(),
            )
        }
    }

    /// Whether any lane of mask `m` is set.
    fn any(&self, m: LLVMValueRef) -> Result<LLVMValueRef, Refusal> {
        let f = self.intrinsic("llvm.vector.reduce.or", &mut [self.bool_vector_type()])?;
        let c = self.test(m);
        Ok(self.call(f, &mut [c]))
    }

    /// Creates the target's blocks and slots (masks, phis, results); the
    /// builder is left at the end of the entry block.
    fn prepare(
        &mut self,
        cfg: &Cfg,
        scalar: LLVMValueRef,
        target: LLVMValueRef,
        shape: &Shape,
        entry_mask: LLVMValueRef,
    ) -> Result<(), Refusal> {
        self.target = target;
        let entry = self.new_block(c"entry");
        self.blocks = cfg.blocks.iter().map(|_| self.new_block(c"lane")).collect();
        self.exit = self.new_block(c"lanes.done");
        self.position(entry);
        for b in 0..cfg.blocks.len() {
            let init = if b == 0 {
                entry_mask
            } else {
                self.zero(self.mask_type())
            };
            self.masks.push(self.slot(self.mask_type(), init));
        }
        for &b in &cfg.order {
            for inst in instructions(cfg.blocks[b]) {
                if opcode(inst) == LLVMOpcode::LLVMPHI {
                    let t = type_of(inst);
                    if !is_scalar_type(t) {
                        return Err("a phi of an aggregate".into());
                    }
                    let wt = self.wide_type(t)?;
                    let s = self.slot(wt, self.zero(wt));
                    self.phis.insert(inst, s);
                }
            }
        }
        // SAFETY: the scalar function's type is a function type.
        let ret = unsafe { LLVMGetReturnType(LLVMGlobalGetValueType(scalar)) };
        // SAFETY: `ret` is a live type.
        let fields = unsafe {
            if LLVMGetTypeKind(ret) != LLVMTypeKind::LLVMStructTypeKind {
                return Err("a result that is not a struct".into());
            }
            (0..LLVMCountStructElementTypes(ret))
                .map(|k| LLVMStructGetTypeAtIndex(ret, k))
                .collect::<Vec<_>>()
        };
        if fields.len() != shape.nout + 1 {
            return Err("a result of the wrong shape".into());
        }
        for f in fields {
            let wt = self.wide_type(f)?;
            let s = self.slot(wt, self.zero(wt));
            self.results.push((s, wt));
        }
        self.returned = self.slot(self.mask_type(), self.zero(self.mask_type()));
        Ok(())
    }

    /// Deletes the blocks no lane reaches (never filled).
    fn drop_unreached(&self, cfg: &Cfg) {
        for (b, &bb) in self.blocks.iter().enumerate() {
            if !cfg.order.contains(&b) {
                // SAFETY: an empty block of the target nothing branches to.
                unsafe { LLVMDeleteBasicBlock(bb) };
            }
        }
    }

    fn param(&self, k: usize) -> LLVMValueRef {
        // SAFETY: callers ask for parameters the target has.
        unsafe { LLVMGetParam(self.target, k as u32) }
    }

    /// Lockstep: one group of `lanes` elements, all lanes from the start
    /// to their return.
    fn build_lockstep(
        &mut self,
        cfg: &Cfg,
        scalar: LLVMValueRef,
        target: LLVMValueRef,
        shape: &Shape,
    ) -> Result<(), Refusal> {
        self.prepare(cfg, scalar, target, shape, self.all_lanes())?;
        // Inputs: `lanes` consecutive values from each input pointer.
        for k in 0..shape.nin {
            // SAFETY: `scalar` has `nin` parameters.
            let p = unsafe { LLVMGetParam(scalar, k as u32) };
            let t = self.wide_type(type_of(p))?;
            let v = self.load_unaligned(t, self.param(k));
            self.map.insert(p, v);
        }
        self.range_end = self.exit;
        let first = self.linear_target(cfg, 0)?;
        self.br(first);
        self.emit_range(cfg, 0, cfg.order.len(), None)?;
        self.drop_unreached(cfg);

        // The results: store the outputs, OR the status in.
        self.position(self.exit);
        for j in 0..shape.nout {
            let (s, t) = self.results[j];
            let v = self.load(t, s);
            self.store_unaligned(v, self.param(shape.nin + j));
        }
        let (s, t) = self.results[shape.nout];
        let statuses = self.load(t, s);
        let status = self.reduce_or(statuses)?;
        let p = self.param(shape.nin + shape.nout);
        let before = self.load(type_of(status), p);
        let after = self.or(before, status);
        self.store(after, p);
        // SAFETY: the builder is positioned at the end of the exit block.
        unsafe { LLVMBuildRetVoid(self.b) };
        Ok(())
    }

    fn reduce_or(&self, v: LLVMValueRef) -> Result<LLVMValueRef, Refusal> {
        let f = self.intrinsic("llvm.vector.reduce.or", &mut [type_of(v)])?;
        Ok(self.call(f, &mut [v]))
    }

    /// Emits the blocks at positions `from..to` of the linear order, each
    /// followed by its branch to the next. Latches branch back to their
    /// headers while a lane is left, except the latch of `one_trip`, which
    /// falls through (the refill loop goes round it).
    fn emit_range(
        &mut self,
        cfg: &Cfg,
        from: usize,
        to: usize,
        one_trip: Option<usize>,
    ) -> Result<(), Refusal> {
        for pos in from..to {
            let b = cfg.order[pos];
            self.position(self.blocks[b]);
            self.emit_block(cfg, b)?;
            let mut next = if pos + 1 == to {
                self.range_end
            } else {
                self.linear_target(cfg, pos + 1)?
            };
            // Loops whose latch this is: go round while a lane is left,
            // innermost first (built from the outside in).
            let mut latched: Vec<usize> = (0..cfg.loops.len())
                .filter(|&l| cfg.loops[l].latch == b && Some(l) != one_trip)
                .collect();
            latched.sort_by_key(|&l| cfg.loops[l].body.iter().filter(|&&x| x).count());
            for l in latched.into_iter().rev() {
                let h = cfg.loops[l].header;
                let test = self.new_block(c"lanes.latch");
                self.position(test);
                let m = self.load(self.mask_type(), self.masks[h]);
                let any = self.any(m)?;
                self.cond_br(any, self.blocks[h], next);
                next = test;
            }
            self.position(self.blocks[b]);
            self.br(next);
        }
        Ok(())
    }

    /// Refill: the kernel is a prologue, one loop and an epilogue. Lanes
    /// stay in the loop; after each trip the lanes that returned store
    /// their results, and free lanes take the next elements through the
    /// prologue, so lanes do not idle while others finish.
    fn build_refill(
        &mut self,
        cfg: &Cfg,
        scalar: LLVMValueRef,
        target: LLVMValueRef,
        shape: &Shape,
    ) -> Result<(), Refusal> {
        self.nin = shape.nin;
        self.status_at_return = true;
        let top: Vec<usize> = (0..cfg.loops.len())
            .filter(|&l| cfg.loops[l].parent.is_none())
            .collect();
        let [main] = top[..] else {
            return Err("not one outer loop".into());
        };
        let header = cfg.loops[main].header;
        let start = cfg
            .order
            .iter()
            .position(|&b| b == header)
            .ok_or("a loop without a place")?;
        let len = cfg.loops[main].body.iter().filter(|&&x| x).count();
        let end = start + len;
        let prologue: Vec<usize> = cfg.order[..start].to_vec();
        let epilogue: Vec<usize> = cfg.order[end..].to_vec();
        self.prepare(cfg, scalar, target, shape, self.zero(self.mask_type()))?;
        // SAFETY: types of the context.
        let (i64t, i32t) = unsafe {
            (
                LLVMInt64TypeInContext(self.ctx),
                LLVMInt32TypeInContext(self.ctx),
            )
        };
        let (ctx, lanes) = (self.ctx, self.lanes);
        let bits_type = || {
            // SAFETY: a type of the context.
            unsafe { LLVMIntTypeInContext(ctx, lanes) }
        };
        // Per input, the lanes' values in memory (the refill writes lanes
        // one at a time; a trip loads them as one vector), and each lane's
        // element index.
        let buffer = |t: LLVMTypeRef| {
            // SAFETY: an array type of the context, allocated in the entry.
            unsafe {
                let a = LLVMBuildAlloca(self.b, LLVMArrayType2(t, self.lanes as u64), c"".as_ptr());
                LLVMSetAlignment(a, 64);
                LLVMBuildStore(
                    self.b,
                    LLVMConstNull(LLVMArrayType2(t, self.lanes as u64)),
                    a,
                );
                a
            }
        };
        let inputs: Vec<(LLVMValueRef, LLVMTypeRef, LLVMValueRef)> = (0..shape.nin)
            .map(|k| {
                // SAFETY: `scalar` has `nin` parameters.
                let p = unsafe { LLVMGetParam(scalar, k as u32) };
                let t = type_of(p);
                (p, t, buffer(t))
            })
            .collect();
        let indices = buffer(i64t);
        let lane_ptr = |w: &Self, buf: LLVMValueRef, t: LLVMTypeRef, lane: LLVMValueRef| {
            // SAFETY: `lane < lanes`, inside the buffer of `lanes` items.
            unsafe {
                LLVMBuildGEP2(
                    w.b,
                    LLVMArrayType2(t, w.lanes as u64),
                    buf,
                    [LLVMConstInt(i64t, 0, 0), lane].as_mut_ptr(),
                    2,
                    c"".as_ptr(),
                )
            }
        };
        // SAFETY: parameter counts as declared by `masked::request`.
        let count = self.param(shape.nin + shape.nout + 1);
        let next = self.slot(i64t, self.zero(i64t));
        // Whether the lanes hold one group loaded whole.
        let dense = self.slot(self.int1(), self.zero(self.int1()));
        // Lanes that retiring gave new elements already (bits).
        let refilled = self.slot(bits_type(), self.zero(bits_type()));
        // Values of the prologue used after it: kept per lane in slots.
        let mut carried: Vec<(LLVMValueRef, LLVMValueRef)> = vec![];
        for &b in &prologue {
            for inst in instructions(cfg.blocks[b]) {
                if self.used_outside(cfg, inst, &prologue) {
                    let t = type_of(inst);
                    if !is_scalar_type(t) {
                        return Err("an aggregate carried into the loop".into());
                    }
                    let wt = self.wide_type(t)?;
                    carried.push((inst, self.slot(wt, self.zero(wt))));
                }
            }
        }

        let refill = self.new_block(c"refill");
        let fill = self.new_block(c"refill.lane");
        let filled = self.new_block(c"refill.done");
        let trip = self.new_block(c"trip");
        let retire = self.new_block(c"retire");
        let retire_lane = self.new_block(c"retire.lane");
        let retired = self.new_block(c"retire.done");
        self.br(refill);

        // refill: free lanes (not in the loop) take the next elements.
        self.position(refill);
        let in_loop = self.load(self.mask_type(), self.masks[header]);
        let already = self.load(bits_type(), refilled);
        self.store(self.zero(bits_type()), refilled);
        // SAFETY: a mask of `lanes` bits is an integer of `lanes` bits.
        let free = unsafe {
            let not_in_loop = LLVMBuildBitCast(
                self.b,
                self.test(self.not(in_loop)),
                bits_type(),
                c"".as_ptr(),
            );
            LLVMBuildAnd(
                self.b,
                not_in_loop,
                LLVMBuildNot(self.b, already, c"".as_ptr()),
                c"".as_ptr(),
            )
        };
        let pre = refill;
        // Every lane free and a whole group of elements left: the group is
        // loaded as vectors (the start, and coherent data where lanes
        // finish together).
        let fast = self.new_block(c"refill.group");
        let n = self.load(i64t, next);
        // SAFETY: integer arithmetic of the context.
        let whole = unsafe {
            let all = LLVMBuildICmp(
                self.b,
                LLVMIntPredicate::LLVMIntEQ,
                free,
                LLVMConstAllOnes(bits_type()),
                c"".as_ptr(),
            );
            let end = LLVMBuildAdd(
                self.b,
                n,
                LLVMConstInt(i64t, self.lanes as u64, 0),
                c"".as_ptr(),
            );
            let fits = LLVMBuildICmp(
                self.b,
                LLVMIntPredicate::LLVMIntSLE,
                end,
                count,
                c"".as_ptr(),
            );
            LLVMBuildAnd(self.b, all, fits, c"".as_ptr())
        };
        self.cond_br(whole, fast, fill);
        self.position(fast);
        for (k, (_, t, buf)) in inputs.iter().enumerate() {
            // Elements `n..n + lanes <= count` of input `k`.
            let v = self.load_unaligned(self.wide_type(*t)?, self.element(self.param(k), n, *t));
            // SAFETY: the store was just built; the buffer is aligned to 64.
            unsafe { LLVMSetAlignment(LLVMBuildStore(self.b, v, *buf), 64) };
        }
        // SAFETY: integer vectors of the context.
        unsafe {
            let mut steps: Vec<LLVMValueRef> = (0..self.lanes)
                .map(|k| LLVMConstInt(i64t, k as u64, 0))
                .collect();
            let steps = LLVMConstVector(steps.as_mut_ptr(), self.lanes);
            let i32t = LLVMInt32TypeInContext(self.ctx);
            let one = LLVMBuildInsertElement(
                self.b,
                LLVMGetPoison(LLVMVectorType(i64t, self.lanes)),
                n,
                LLVMConstInt(i32t, 0, 0),
                c"".as_ptr(),
            );
            let base = LLVMBuildShuffleVector(
                self.b,
                one,
                LLVMGetPoison(LLVMVectorType(i64t, self.lanes)),
                LLVMConstNull(LLVMVectorType(i32t, self.lanes)),
                c"".as_ptr(),
            );
            let ids = LLVMBuildAdd(self.b, base, steps, c"".as_ptr());
            LLVMSetAlignment(LLVMBuildStore(self.b, ids, indices), 64);
            self.store(LLVMConstInt(self.int1(), 1, 0), dense);
            let n1 = LLVMBuildAdd(
                self.b,
                n,
                LLVMConstInt(i64t, self.lanes as u64, 0),
                c"".as_ptr(),
            );
            self.store(n1, next);
        }
        self.br(filled);
        // refill.lane: one free lane per trip round this block.
        self.position(fill);
        // SAFETY: phis of integers of the context, completed below.
        let (bits_phi, new_phi) = unsafe {
            (
                LLVMBuildPhi(self.b, bits_type(), c"".as_ptr()),
                LLVMBuildPhi(self.b, bits_type(), c"".as_ptr()),
            )
        };
        let n = self.load(i64t, next);
        // SAFETY: integer comparisons and arithmetic of the context.
        let (more, lane, zero_bits) = unsafe {
            let left = LLVMBuildICmp(self.b, LLVMIntPredicate::LLVMIntSLT, n, count, c"".as_ptr());
            let some = LLVMBuildICmp(
                self.b,
                LLVMIntPredicate::LLVMIntNE,
                bits_phi,
                LLVMConstNull(bits_type()),
                c"".as_ptr(),
            );
            let cttz = self.intrinsic("llvm.cttz", &mut [bits_type()])?;
            let mut args = [
                bits_phi,
                LLVMConstInt(LLVMInt1TypeInContext(self.ctx), 1, 0),
            ];
            let lane = self.call(cttz, &mut args);
            (
                LLVMBuildAnd(self.b, left, some, c"".as_ptr()),
                LLVMBuildIntCast2(self.b, lane, i32t, 0, c"".as_ptr()),
                LLVMConstNull(bits_type()),
            )
        };
        let take = self.new_block(c"refill.take");
        self.cond_br(more, take, filled);
        self.position(take);
        for (k, (_, t, s)) in inputs.iter().enumerate() {
            // Element `n < count` of input `k`.
            let x = self.load_unaligned(*t, self.element(self.param(k), n, *t));
            self.store(x, lane_ptr(self, *s, *t, lane));
        }
        self.store(n, lane_ptr(self, indices, i64t, lane));
        self.store(self.zero(self.int1()), dense);
        // SAFETY: integer arithmetic of the context; `lane < lanes`.
        unsafe {
            let n1 = LLVMBuildAdd(self.b, n, LLVMConstInt(i64t, 1, 0), c"".as_ptr());
            self.store(n1, next);
            let one = LLVMConstInt(bits_type(), 1, 0);
            let bit = LLVMBuildShl(
                self.b,
                one,
                LLVMBuildIntCast2(self.b, lane, bits_type(), 0, c"".as_ptr()),
                c"".as_ptr(),
            );
            let rest = LLVMBuildXor(self.b, bits_phi, bit, c"".as_ptr());
            let new = LLVMBuildOr(self.b, new_phi, bit, c"".as_ptr());
            self.br(fill);
            let mut vals = [free, rest];
            let mut from = [pre, take];
            LLVMAddIncoming(bits_phi, vals.as_mut_ptr(), from.as_mut_ptr(), 2);
            let _ = zero_bits;
            let mut vals = [already, new];
            LLVMAddIncoming(new_phi, vals.as_mut_ptr(), from.as_mut_ptr(), 2);
        }
        // refill.done: the new lanes run the prologue.
        self.position(filled);
        // SAFETY: an integer of `lanes` bits is a mask of `lanes` lanes;
        // the phi's incoming blocks are the two branches here.
        let new_mask = unsafe {
            let bits = LLVMBuildPhi(self.b, bits_type(), c"".as_ptr());
            let mut vals = [new_phi, LLVMConstAllOnes(bits_type())];
            let mut from = [fill, fast];
            LLVMAddIncoming(bits, vals.as_mut_ptr(), from.as_mut_ptr(), 2);
            self.mask_of_bools(LLVMBuildBitCast(
                self.b,
                bits,
                self.bool_vector_type(),
                c"".as_ptr(),
            ))
        };
        let any_new = self.any(new_mask)?;
        for &b in &prologue {
            let m = if b == 0 {
                new_mask
            } else {
                self.zero(self.mask_type())
            };
            self.store(m, self.masks[b]);
        }
        for (p, t, s) in &inputs {
            let v = self.load(self.wide_type(*t)?, *s);
            // SAFETY: the load just built; the buffer is aligned to 64.
            unsafe { LLVMSetAlignment(v, 64) };
            self.map.insert(*p, v);
        }
        let run_prologue = self.new_block(c"prologue");
        self.cond_br(any_new, run_prologue, trip);
        self.position(run_prologue);
        if prologue.is_empty() {
            return Err("a loop at the entry".into());
        }
        self.br(self.blocks[prologue[0]]);
        self.range_end = trip;
        self.carried = carried.clone();
        self.emit_range(cfg, 0, start, None)?;
        self.carried.clear();

        // trip: the loop once round (if a lane is in it), the epilogue,
        // then the lanes that returned retire.
        self.position(trip);
        for (p, t, s) in &inputs {
            let v = self.load(self.wide_type(*t)?, *s);
            // SAFETY: the load just built; the buffer is aligned to 64.
            unsafe { LLVMSetAlignment(v, 64) };
            self.map.insert(*p, v);
        }
        for (v, s) in &carried {
            let w = self.load(self.wide_type(type_of(*v))?, *s);
            self.map.insert(*v, w);
        }
        let after_trip = self.new_block(c"trip.done");
        let m = self.load(self.mask_type(), self.masks[header]);
        let any = self.any(m)?;
        self.cond_br(any, self.blocks[header], after_trip);
        self.range_end = after_trip;
        self.whole_exits = epilogue
            .iter()
            .copied()
            .filter(|&e| {
                let preds: Vec<usize> = (0..cfg.blocks.len())
                    .filter(|&p| cfg.succs[p].contains(&e))
                    .collect();
                preds.len() == 1
                    && cfg.succs[preds[0]].iter().filter(|&&x| x == e).count() == 1
                    && cfg.loops[main].body[preds[0]]
            })
            .collect();
        self.emit_range(cfg, start, end, Some(main))?;
        self.whole_exits.clear();
        // trip.done: the epilogue only when a lane is waiting for it, else
        // straight round again while a lane is in the loop.
        self.position(after_trip);
        let mut pending = self.zero(self.mask_type());
        for &b in &epilogue {
            let m = self.load(self.mask_type(), self.masks[b]);
            pending = self.or(pending, m);
        }
        let waiting = self.any(pending)?;
        let m = self.load(self.mask_type(), self.masks[header]);
        let busy = self.any(m)?;
        let again = self.new_block(c"trip.again");
        let first_after = match epilogue.first() {
            Some(&b) => self.blocks[b],
            None => retire,
        };
        // The weights (a lane leaves in about one trip in eight, the loop
        // goes round while a lane is in it) tell the register allocator
        // that the trip loop is the hot path. On today's escape-time loop
        // they change little (interleaved runs: random points 39.2-39.5 ->
        // 38.8-39.3 ms, the grid and a trip of 8 lanes, 4.0 ns, the same);
        // refill forms that carry more state round the loop (a branch-free
        // retire, a deferred epilogue) spilled one of the loop's four
        // vectors of z without them, a trip at 6.8 instead of 4.0 ns.
        self.cond_br_weighted(waiting, first_after, again, (1, 8));
        self.position(again);
        self.forget(cfg, &epilogue);
        self.cond_br_weighted(busy, self.blocks[header], retire, (64, 1));
        // After the epilogue: lanes that returned wait (their results are
        // in the result slots) until enough have, so retiring and
        // refilling, which cost about the same for one lane as for
        // several, happen less often.
        let after_epilogue = self.new_block(c"epilogue.done");
        self.range_end = after_epilogue;
        self.emit_range(cfg, end, cfg.order.len(), None)?;
        self.drop_unreached(cfg);
        self.position(after_epilogue);
        self.forget(cfg, &epilogue);
        let returned = self.load(self.mask_type(), self.returned);
        // SAFETY: a mask of `lanes` lanes is an integer of `lanes` bits.
        let count_returned = unsafe {
            let bits = LLVMBuildBitCast(self.b, self.test(returned), bits_type(), c"".as_ptr());
            let ctpop = self.intrinsic("llvm.ctpop", &mut [bits_type()])?;
            self.call(ctpop, &mut [bits])
        };
        let m = self.load(self.mask_type(), self.masks[header]);
        let busy = self.any(m)?;
        let wait = retire_threshold(self.lanes);
        // SAFETY: integer comparisons of the context.
        let go = unsafe {
            let enough = LLVMBuildICmp(
                self.b,
                LLVMIntPredicate::LLVMIntUGE,
                count_returned,
                LLVMConstInt(bits_type(), wait as u64, 0),
                c"".as_ptr(),
            );
            LLVMBuildOr(self.b, enough, self.not_i1(busy), c"".as_ptr())
        };
        self.cond_br_weighted(go, retire, self.blocks[header], (1, 4));

        // retire: store each returned lane's outputs at its element, and
        // give the lane the next element if one is left (the refill then
        // runs the prologue for it).
        self.position(retire);
        let returned = self.load(self.mask_type(), self.returned);
        // (The statuses went to `*status` at the returns.)
        let outs: Vec<LLVMValueRef> = (0..shape.nout)
            .map(|j| self.load(self.results[j].1, self.results[j].0))
            .collect();
        // SAFETY: a mask of `lanes` lanes is an integer of `lanes` bits.
        let bits =
            unsafe { LLVMBuildBitCast(self.b, self.test(returned), bits_type(), c"".as_ptr()) };
        // Every lane returned, holding consecutive elements (a group the
        // refill loaded whole): the outputs are stored as vectors.
        let group_store = self.new_block(c"retire.group");
        let lane_store = self.new_block(c"retire.lanes");
        let whole = {
            let d = self.load(self.int1(), dense);
            // SAFETY: integer comparisons of the context.
            unsafe {
                let all = LLVMBuildICmp(
                    self.b,
                    LLVMIntPredicate::LLVMIntEQ,
                    bits,
                    LLVMConstAllOnes(bits_type()),
                    c"".as_ptr(),
                );
                LLVMBuildAnd(self.b, all, d, c"".as_ptr())
            }
        };
        self.cond_br(whole, group_store, lane_store);
        self.position(group_store);
        let first = self.load(i64t, indices);
        for (j, &v) in outs.iter().enumerate() {
            // The group's elements `first..first + lanes` are below `count`.
            // SAFETY: `v` is a vector value.
            let item = unsafe { LLVMGetElementType(type_of(v)) };
            self.store_unaligned(v, self.element(self.param(shape.nin + j), first, item));
        }
        self.br(retired);
        self.position(lane_store);
        let from = lane_store;
        self.br(retire_lane);
        self.position(retire_lane);
        // SAFETY: a phi of the context, completed below.
        let bits_phi = unsafe { LLVMBuildPhi(self.b, bits_type(), c"".as_ptr()) };
        // SAFETY: integer comparisons of the context.
        let some = unsafe {
            LLVMBuildICmp(
                self.b,
                LLVMIntPredicate::LLVMIntNE,
                bits_phi,
                LLVMConstNull(bits_type()),
                c"".as_ptr(),
            )
        };
        let store_bb = self.new_block(c"retire.store");
        self.cond_br(some, store_bb, retired);
        self.position(store_bb);
        let cttz = self.intrinsic("llvm.cttz", &mut [bits_type()])?;
        // SAFETY: `lane < lanes` (a set bit of a `lanes`-bit mask); the
        // element index was given to the lane by the refill, below
        // `count`, and each output holds `count` elements; the next
        // element is read only when `n < count`, and each input holds
        // `count` elements.
        unsafe {
            let mut args = [
                bits_phi,
                LLVMConstInt(LLVMInt1TypeInContext(self.ctx), 1, 0),
            ];
            let lane = self.call(cttz, &mut args);
            let lane32 = LLVMBuildIntCast2(self.b, lane, i32t, 0, c"".as_ptr());
            let at = self.load(i64t, lane_ptr(self, indices, i64t, lane32));
            for (j, &v) in outs.iter().enumerate() {
                // Read from the slot in memory: with a lane that is not a
                // constant, the slots stay in memory, and the lanes'
                // results are not carried round the loop in registers.
                let item = LLVMGetElementType(type_of(v));
                let p = LLVMBuildGEP2(
                    self.b,
                    item,
                    self.results[j].0,
                    [lane32].as_mut_ptr(),
                    1,
                    c"".as_ptr(),
                );
                let x = self.load(item, p);
                self.store_unaligned(x, self.element(self.param(shape.nin + j), at, type_of(x)));
            }
            let bit = LLVMBuildShl(self.b, LLVMConstInt(bits_type(), 1, 0), lane, c"".as_ptr());
            // The lane takes its next element now: one loop over the
            // retiring lanes, not one to retire them and one to refill
            // them (escape-time benchmark, interleaved runs: 38.8-39.8 ms
            // against 40.2-40.9 ms on random points, the grid the same).
            let end = {
                let n = self.load(i64t, next);
                let left =
                    LLVMBuildICmp(self.b, LLVMIntPredicate::LLVMIntSLT, n, count, c"".as_ptr());
                let take = self.new_block(c"retire.take");
                let cont = self.new_block(c"retire.next");
                self.cond_br(left, take, cont);
                self.position(take);
                for (k, (_, t, buf)) in inputs.iter().enumerate() {
                    // Element `n < count` of input `k`.
                    let x = self.load_unaligned(*t, self.element(self.param(k), n, *t));
                    self.store(x, lane_ptr(self, *buf, *t, lane32));
                }
                self.store(n, lane_ptr(self, indices, i64t, lane32));
                self.store(self.zero(self.int1()), dense);
                let n1 = LLVMBuildAdd(self.b, n, LLVMConstInt(i64t, 1, 0), c"".as_ptr());
                self.store(n1, next);
                let had = self.load(bits_type(), refilled);
                self.store(LLVMBuildOr(self.b, had, bit, c"".as_ptr()), refilled);
                self.br(cont);
                self.position(cont);
                cont
            };
            let rest = LLVMBuildXor(self.b, bits_phi, bit, c"".as_ptr());
            self.br(retire_lane);
            let mut vals = [bits, rest];
            let mut blocks = [from, end];
            LLVMAddIncoming(bits_phi, vals.as_mut_ptr(), blocks.as_mut_ptr(), 2);
        }
        // retire.done: clear the epilogue, go round while elements or
        // lanes in the loop are left.
        self.position(retired);
        self.store(self.zero(self.mask_type()), self.returned);
        self.forget(cfg, &epilogue);
        for &(s, t) in &self.results {
            // SAFETY: a type of the context.
            self.store(unsafe { LLVMGetPoison(t) }, s);
        }
        let in_loop = self.load(self.mask_type(), self.masks[header]);
        let busy = self.any(in_loop)?;
        let n = self.load(i64t, next);
        // SAFETY: integer comparisons of the context.
        let waiting_new = {
            let r = self.load(bits_type(), refilled);
            // SAFETY: integer comparisons of the context.
            unsafe {
                LLVMBuildICmp(
                    self.b,
                    LLVMIntPredicate::LLVMIntNE,
                    r,
                    LLVMConstNull(bits_type()),
                    c"".as_ptr(),
                )
            }
        };
        // SAFETY: integer comparisons of the context.
        let go = unsafe {
            let left = LLVMBuildICmp(self.b, LLVMIntPredicate::LLVMIntSLT, n, count, c"".as_ptr());
            let more = LLVMBuildOr(self.b, left, busy, c"".as_ptr());
            LLVMBuildOr(self.b, more, waiting_new, c"".as_ptr())
        };
        self.cond_br(go, refill, self.exit);
        self.position(self.exit);
        // SAFETY: the builder is positioned at the end of the exit block.
        unsafe { LLVMBuildRetVoid(self.b) };
        Ok(())
    }

    /// Refill: after a trip whose waiting lanes have retired (or when none
    /// was waiting), the epilogue's masks are empty and its phis' values
    /// dead; saying so keeps them out of the loop's registers.
    fn forget(&self, cfg: &Cfg, epilogue: &[usize]) {
        for &b in epilogue {
            self.store(self.zero(self.mask_type()), self.masks[b]);
            for inst in instructions(cfg.blocks[b]) {
                if let Some(&s) = self.phis.get(&inst) {
                    // SAFETY: a type of the context.
                    let poison = unsafe {
                        LLVMGetPoison(self.wide_type(type_of(inst)).expect("a phi slot's type"))
                    };
                    self.store(poison, s);
                }
            }
        }
    }

    fn not_i1(&self, v: LLVMValueRef) -> LLVMValueRef {
        // SAFETY: an `i1` of the context.
        unsafe { LLVMBuildNot(self.b, v, c"".as_ptr()) }
    }

    /// Whether `inst` is used in a block outside `blocks`.
    fn used_outside(&self, cfg: &Cfg, inst: LLVMValueRef, blocks: &[usize]) -> bool {
        // SAFETY: walking the use list of a live instruction.
        unsafe {
            let mut u = LLVMGetFirstUse(inst);
            while !u.is_null() {
                let user = LLVMGetUser(u);
                if !LLVMIsAInstruction(user).is_null() {
                    let bb = LLVMGetInstructionParent(user);
                    match cfg.blocks.iter().position(|&x| x == bb) {
                        Some(b) if blocks.contains(&b) => {}
                        _ => return true,
                    }
                }
                u = LLVMGetNextUse(u);
            }
        }
        false
    }

    /// The block to go to for position `pos` of the linear order: the
    /// block itself, or for a loop header a guard that skips the loop when
    /// no lane enters it.
    fn linear_target(&mut self, cfg: &Cfg, pos: usize) -> Result<LLVMBasicBlockRef, Refusal> {
        let Some(&b) = cfg.order.get(pos) else {
            return Ok(self.range_end);
        };
        let Some(l) = cfg.loop_of_header(b) else {
            return Ok(self.blocks[b]);
        };
        if let Some(&g) = self.guards.get(&pos) {
            return Ok(g);
        }
        let len = cfg.loops[l].body.iter().filter(|&&x| x).count();
        let after = self.linear_target(cfg, pos + len)?;
        let saved = {
            // SAFETY: the builder is positioned (or not yet) in the target.
            unsafe { LLVMGetInsertBlock(self.b) }
        };
        let guard = self.new_block(c"lanes.enter");
        self.position(guard);
        let m = self.load(self.mask_type(), self.masks[b]);
        let any = self.any(m)?;
        self.cond_br(any, self.blocks[b], after);
        if !saved.is_null() {
            self.position(saved);
        }
        self.guards.insert(pos, guard);
        Ok(guard)
    }

    /// Emits block `b`: its mask, phis, instructions, and its terminator's
    /// edges (without the branch to the next block).
    fn emit_block(&mut self, cfg: &Cfg, b: usize) -> Result<(), Refusal> {
        if let Some(l) = cfg.loop_of_header(b) {
            // A new trip: the masks of the loop's own blocks restart.
            for c in 0..cfg.blocks.len() {
                if c != b && cfg.innermost[c] == Some(l) {
                    self.store(self.zero(self.mask_type()), self.masks[c]);
                }
            }
        }
        let m = self.load(self.mask_type(), self.masks[b]);
        for inst in instructions(cfg.blocks[b]) {
            match opcode(inst) {
                LLVMOpcode::LLVMPHI => {
                    let s = self.phis[&inst];
                    let v = self.load(self.wide_type(type_of(inst))?, s);
                    self.map.insert(inst, v);
                    self.carry(inst, v, m);
                }
                LLVMOpcode::LLVMBr => {
                    // SAFETY: a branch instruction of the scalar function.
                    let (conditional, succs) = unsafe {
                        let n = LLVMGetNumSuccessors(inst);
                        (
                            LLVMIsConditional(inst) != 0,
                            (0..n)
                                .map(|k| LLVMGetSuccessor(inst, k))
                                .collect::<Vec<_>>(),
                        )
                    };
                    let index = |s: LLVMBasicBlockRef| cfg.blocks.iter().position(|&x| x == s);
                    if conditional {
                        // SAFETY: a conditional branch has a condition.
                        let c = self.wide(unsafe { LLVMGetCondition(inst) })?;
                        // SAFETY: see `and`.
                        let c = unsafe { LLVMBuildFreeze(self.b, c, c"".as_ptr()) };
                        let c = self.mask_of_bools(c);
                        let taken = self.and(m, c);
                        let not_taken = self.and(m, self.not(c));
                        let s0 = index(succs[0]).ok_or("a foreign block")?;
                        let s1 = index(succs[1]).ok_or("a foreign block")?;
                        self.edge(cfg, b, s0, taken)?;
                        self.edge(cfg, b, s1, not_taken)?;
                    } else {
                        let s = index(succs[0]).ok_or("a foreign block")?;
                        self.edge(cfg, b, s, m)?;
                    }
                }
                LLVMOpcode::LLVMRet => {
                    let v = self.wide(operand(inst, 0))?;
                    for k in 0..self.results.len() {
                        let (s, t) = self.results[k];
                        // SAFETY: the result is a struct with these fields.
                        let f = unsafe { LLVMBuildExtractValue(self.b, v, k as u32, c"".as_ptr()) };
                        if self.status_at_return && k + 1 == self.results.len() {
                            let kept = self.select(m, f, self.zero(t));
                            let status = self.reduce_or(kept)?;
                            let p = self.param(self.results.len() - 1 + self.nin);
                            let before = self.load(type_of(status), p);
                            let after = self.or(before, status);
                            self.store(after, p);
                            continue;
                        }
                        let old = self.load(t, s);
                        let new = self.select(m, f, old);
                        self.store(new, s);
                    }
                    let old = self.load(self.mask_type(), self.returned);
                    let new = self.or(old, m);
                    self.store(new, self.returned);
                }
                _ => {
                    if let Some(v) = self.widen_instruction(inst, m)? {
                        self.map.insert(inst, v);
                        self.carry(inst, v, m);
                    }
                }
            }
        }
        Ok(())
    }

    /// Refill: keeps the lanes of `m` of `v` (the widened `inst`) when
    /// `inst` is carried out of the prologue.
    fn carry(&self, inst: LLVMValueRef, v: LLVMValueRef, m: LLVMValueRef) {
        if let Some(&(_, s)) = self.carried.iter().find(|(i, _)| *i == inst) {
            let old = self.load(type_of(v), s);
            let new = self.select(m, v, old);
            self.store(new, s);
        }
    }

    /// The lanes of `mask` leave block `from` for block `to`.
    fn edge(
        &mut self,
        cfg: &Cfg,
        from: usize,
        to: usize,
        mask: LLVMValueRef,
    ) -> Result<(), Refusal> {
        let back = cfg
            .loop_of_header(to)
            .is_some_and(|l| cfg.loops[l].latch == from);
        let slot = self.masks[to];
        if back {
            self.store(mask, slot);
        } else {
            let old = self.load(self.mask_type(), slot);
            let new = self.or(old, mask);
            self.store(new, slot);
        }
        for inst in instructions(cfg.blocks[to]) {
            if opcode(inst) != LLVMOpcode::LLVMPHI {
                break;
            }
            // SAFETY: `inst` is a phi.
            let incoming = unsafe {
                (0..LLVMCountIncoming(inst))
                    .find(|&k| LLVMGetIncomingBlock(inst, k) == cfg.blocks[from])
                    .map(|k| LLVMGetIncomingValue(inst, k))
            };
            let v = self.wide(incoming.ok_or("a phi without a value for an edge")?)?;
            let s = self.phis[&inst];
            if back || self.whole_exits.contains(&to) {
                // Every lane in the loop next trip comes this way; the
                // others' values are never used again. (Or: the lanes
                // leaving for an exit block run the epilogue before the
                // next trip, and the others' values are not used there.)
                self.store(v, s);
            } else {
                let old = self.load(type_of(v), s);
                let new = self.select(mask, v, old);
                self.store(new, s);
            }
        }
        Ok(())
    }

    /// The widened form of one instruction (`None` for one that is
    /// dropped); `m` is its block's mask.
    fn widen_instruction(
        &mut self,
        inst: LLVMValueRef,
        m: LLVMValueRef,
    ) -> Result<Option<LLVMValueRef>, Refusal> {
        use LLVMOpcode::*;
        let op = opcode(inst);
        let b = self.b;
        let name = c"".as_ptr();
        // SAFETY: every operand is widened before use, so all values passed
        // to the builder are the target's; the instruction kinds and
        // operand counts are those matched.
        let v = unsafe {
            match op {
                LLVMAdd | LLVMFAdd | LLVMSub | LLVMFSub | LLVMMul | LLVMFMul | LLVMFDiv
                | LLVMFRem | LLVMShl | LLVMLShr | LLVMAShr | LLVMAnd | LLVMOr | LLVMXor => {
                    let l = self.wide(operand(inst, 0))?;
                    let r = self.wide(operand(inst, 1))?;
                    LLVMBuildBinOp(b, op, l, r, name)
                }
                LLVMUDiv | LLVMSDiv | LLVMURem | LLVMSRem => {
                    // Lanes that are not there divide by one.
                    let l = self.wide(operand(inst, 0))?;
                    let r = self.wide(operand(inst, 1))?;
                    let one = self.splat(LLVMConstInt(type_of(operand(inst, 1)), 1, 0));
                    let r = self.select(m, r, one);
                    LLVMBuildBinOp(b, op, l, r, name)
                }
                LLVMFNeg => LLVMBuildFNeg(b, self.wide(operand(inst, 0))?, name),
                LLVMTrunc | LLVMZExt | LLVMSExt | LLVMFPToUI | LLVMFPToSI | LLVMUIToFP
                | LLVMSIToFP | LLVMFPTrunc | LLVMFPExt | LLVMBitCast => {
                    let to = type_of(inst);
                    if !is_scalar_type(to) || !is_scalar_type(type_of(operand(inst, 0))) {
                        return Err("a cast of a non-number".into());
                    }
                    let v = self.wide(operand(inst, 0))?;
                    LLVMBuildCast(b, op, v, self.wide_type(to)?, name)
                }
                LLVMICmp => {
                    let l = self.wide(operand(inst, 0))?;
                    let r = self.wide(operand(inst, 1))?;
                    let p: LLVMIntPredicate = LLVMGetICmpPredicate(inst);
                    LLVMBuildICmp(b, p, l, r, name)
                }
                LLVMFCmp => {
                    let l = self.wide(operand(inst, 0))?;
                    let r = self.wide(operand(inst, 1))?;
                    LLVMBuildFCmp(b, LLVMGetFCmpPredicate(inst), l, r, name)
                }
                LLVMSelect => {
                    if !is_scalar_type(type_of(inst)) {
                        return Err("a select of an aggregate".into());
                    }
                    let c = self.wide(operand(inst, 0))?;
                    let t = self.wide(operand(inst, 1))?;
                    let f = self.wide(operand(inst, 2))?;
                    LLVMBuildSelect(b, c, t, f, name)
                }
                LLVMFreeze => LLVMBuildFreeze(b, self.wide(operand(inst, 0))?, name),
                LLVMExtractValue | LLVMInsertValue => {
                    if LLVMGetNumIndices(inst) != 1 {
                        return Err("a nested aggregate".into());
                    }
                    let k = *LLVMGetIndices(inst);
                    let agg = self.wide(operand(inst, 0))?;
                    if op == LLVMExtractValue {
                        LLVMBuildExtractValue(b, agg, k, name)
                    } else {
                        let v = self.wide(operand(inst, 1))?;
                        LLVMBuildInsertValue(b, agg, v, k, name)
                    }
                }
                LLVMCall => return self.widen_call(inst),
                _ => return Err(format!("an instruction of kind {op:?}")),
            }
        };
        // SAFETY: `inst` and `v` are instructions; flags are copied only
        // where both can carry them.
        unsafe {
            if LLVMCanValueUseFastMathFlags(inst) != 0
                && !LLVMIsAInstruction(v).is_null()
                && LLVMCanValueUseFastMathFlags(v) != 0
            {
                LLVMSetFastMathFlags(v, LLVMGetFastMathFlags(inst));
            }
        }
        Ok(Some(v))
    }

    /// A call: to a vector variant the call names (libmvec), to the
    /// vector form of an intrinsic, or once per lane to a function that
    /// touches no memory.
    fn widen_call(&mut self, inst: LLVMValueRef) -> Result<Option<LLVMValueRef>, Refusal> {
        // SAFETY: `inst` is a call instruction.
        let (callee, nargs) = unsafe { (LLVMGetCalledValue(inst), LLVMGetNumArgOperands(inst)) };
        // SAFETY: `callee` is a live value.
        if unsafe { LLVMIsAFunction(callee) }.is_null() {
            return Err("an indirect call".into());
        }
        let fname = name_of(callee);
        let base = intrinsic_base(&fname);
        if base.is_some_and(|b| DROPPED_INTRINSICS.contains(&b) || b.starts_with("dbg.")) {
            return Ok(None);
        }
        let args: Vec<LLVMValueRef> = (0..nargs).map(|k| operand(inst, k)).collect();
        let ret = type_of(inst);
        if !is_scalar_type(ret) && base.is_none_or(|b| !ARG_TYPE_INTRINSICS.contains(&b)) {
            return Err(format!("a call to {fname} that returns no number"));
        }
        if let Some(v) = self.vector_variant(inst, &args)? {
            return Ok(Some(v));
        }
        if let Some(base) = base {
            let name = format!("llvm.{base}");
            let same = SAME_TYPE_INTRINSICS.contains(&base);
            let flag = FLAG_INTRINSICS.contains(&base);
            let by_arg = ARG_TYPE_INTRINSICS.contains(&base);
            if same || flag || by_arg {
                let overload = if by_arg {
                    self.wide_type(type_of(args[0]))?
                } else {
                    self.wide_type(ret)?
                };
                let f = self.intrinsic(&name, &mut [overload])?;
                let mut wide = vec![];
                for (k, &a) in args.iter().enumerate() {
                    wide.push(if flag && k == args.len() - 1 {
                        a
                    } else {
                        self.wide(a)?
                    });
                }
                return Ok(Some(self.call(f, &mut wide)));
            }
        }
        // Once per lane, for a function that touches no memory.
        // SAFETY: reading a function's attributes.
        let pure = unsafe {
            let kind = LLVMGetEnumAttributeKindForName(c"memory".as_ptr(), 6);
            let a = LLVMGetEnumAttributeAtIndex(callee, LLVMAttributeFunctionIndex, kind);
            !a.is_null() && LLVMGetEnumAttributeValue(a) == 0
        };
        if !pure {
            return Err(format!("a call to {fname}, which may touch memory"));
        }
        let wide: Vec<LLVMValueRef> = args
            .iter()
            .map(|&a| self.wide(a))
            .collect::<Result<_, _>>()?;
        let wt = self.wide_type(ret)?;
        // SAFETY: lanes are extracted from and inserted into vectors of
        // `lanes` elements, at indices below `lanes`.
        unsafe {
            let i32t = LLVMInt32TypeInContext(self.ctx);
            let mut out = LLVMGetPoison(wt);
            for lane in 0..self.lanes {
                let idx = LLVMConstInt(i32t, lane as u64, 0);
                let mut lane_args: Vec<LLVMValueRef> = wide
                    .iter()
                    .map(|&w| LLVMBuildExtractElement(self.b, w, idx, c"".as_ptr()))
                    .collect();
                let r = self.call(callee, &mut lane_args);
                out = LLVMBuildInsertElement(self.b, out, r, idx, c"".as_ptr());
            }
            Ok(Some(out))
        }
    }

    /// The call through a vector variant it names
    /// (`vector-function-abi-variant`, e.g. `_ZGVdN4v_llvm.exp.f64(_ZGVdN4v_exp)`)
    /// whose width divides `lanes`, on `lanes / width` parts.
    fn vector_variant(
        &mut self,
        inst: LLVMValueRef,
        args: &[LLVMValueRef],
    ) -> Result<Option<LLVMValueRef>, Refusal> {
        let key = "vector-function-abi-variant";
        // SAFETY: reading a call site's string attribute; the value is
        // copied before the attribute can go away.
        let text = unsafe {
            let a = LLVMGetCallSiteStringAttribute(
                inst,
                LLVMAttributeFunctionIndex,
                key.as_ptr() as *const _,
                key.len() as u32,
            );
            if a.is_null() {
                return Ok(None);
            }
            let mut len = 0u32;
            let p = LLVMGetStringAttributeValue(a, &mut len);
            String::from_utf8_lossy(std::slice::from_raw_parts(p as *const u8, len as usize))
                .into_owned()
        };
        // The widest unmasked variant taking every argument as a vector.
        let mut best: Option<(u32, LLVMValueRef)> = None;
        for item in text.split(',') {
            let Some(rest) = item.strip_prefix("_ZGV") else {
                continue;
            };
            let mut chars = rest.chars();
            let _isa = chars.next();
            if chars.next() != Some('N') {
                continue;
            }
            let rest = chars.as_str();
            let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
            let Ok(width) = digits.parse::<u32>() else {
                continue;
            };
            let params: String = rest[digits.len()..]
                .chars()
                .take_while(|&c| c != '_')
                .collect();
            if params.len() != args.len() || params.chars().any(|c| c != 'v') {
                continue;
            }
            if width == 0 || self.lanes % width != 0 {
                continue;
            }
            let (Some(open), Some(close)) = (item.find('('), item.rfind(')')) else {
                continue;
            };
            let Ok(cname) = std::ffi::CString::new(&item[open + 1..close]) else {
                continue;
            };
            // SAFETY: looking a name up in the module.
            let f = unsafe { LLVMGetNamedFunction(self.module, cname.as_ptr()) };
            if f.is_null() {
                continue;
            }
            if best.is_none_or(|(w, _)| width > w) {
                best = Some((width, f));
            }
        }
        let Some((width, f)) = best else {
            return Ok(None);
        };
        let wide: Vec<LLVMValueRef> = args
            .iter()
            .map(|&a| self.wide(a))
            .collect::<Result<_, _>>()?;
        let wt = self.wide_type(type_of(inst))?;
        // SAFETY: the shuffles pick indices below `lanes` from vectors of
        // `lanes` elements; the parts have the variant's width.
        unsafe {
            let i32t = LLVMInt32TypeInContext(self.ctx);
            let mut out = LLVMGetPoison(wt);
            for part in 0..self.lanes / width {
                let mut picks: Vec<LLVMValueRef> = (0..width)
                    .map(|k| LLVMConstInt(i32t, (part * width + k) as u64, 0))
                    .collect();
                let pick = LLVMConstVector(picks.as_mut_ptr(), width);
                let mut part_args: Vec<LLVMValueRef> = wide
                    .iter()
                    .map(|&w| {
                        LLVMBuildShuffleVector(
                            self.b,
                            w,
                            LLVMGetPoison(type_of(w)),
                            pick,
                            c"".as_ptr(),
                        )
                    })
                    .collect();
                let r = self.call(f, &mut part_args);
                for k in 0..width {
                    let from = LLVMConstInt(i32t, k as u64, 0);
                    let to = LLVMConstInt(i32t, (part * width + k) as u64, 0);
                    let x = LLVMBuildExtractElement(self.b, r, from, c"".as_ptr());
                    out = LLVMBuildInsertElement(self.b, out, x, to, c"".as_ptr());
                }
            }
            Ok(Some(out))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::intrinsic_base;

    #[test]
    fn intrinsic_names_lose_their_type_suffixes() {
        assert_eq!(intrinsic_base("llvm.fmuladd.f64"), Some("fmuladd"));
        assert_eq!(intrinsic_base("llvm.exp2.f32"), Some("exp2"));
        assert_eq!(
            intrinsic_base("llvm.smul.with.overflow.i64"),
            Some("smul.with.overflow")
        );
        assert_eq!(intrinsic_base("llvm.is.fpclass.f64"), Some("is.fpclass"));
        assert_eq!(
            intrinsic_base("llvm.vector.reduce.or.v8i1"),
            Some("vector.reduce.or")
        );
        assert_eq!(intrinsic_base("sin"), None);
    }
}
