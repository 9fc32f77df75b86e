//! Folding a loop's taint test into the comparison that leaves the loop.
//!
//! In taint mode (`codegen::fpstatus::FlagMode::Taint`) a kernel records
//! `TAINT` when a non-finite float reaches a comparison, and the loop
//! re-runs the exact kernel on any chunk that recorded it: a tainted
//! element's results are thrown away. An escape-time loop tests its
//! comparison's operand on every trip:
//!
//! ```text
//!   status1 = status0 | (x is NaN or infinite ? TAINT : 0)
//!   br x > C, exit, stay
//! ```
//!
//! When `x` is never negative (`a*a + b*b`, `fabs`, `sqrt`) and `C` is
//! finite, every non-finite `x` (NaN or +inf) can leave the loop instead:
//! `br !(x <= C), exit, stay` sends NaN out too, so the lanes that stay have
//! a finite `x` and no taint, and the test moves to the exit block, which
//! the masked form runs only for the lanes leaving (a NaN lane now leaves
//! early, with `TAINT`, so its chunk is re-run exactly, as before). The
//! loop no longer carries a status word per lane.
//!
//! (Escape-time benchmark, 8 lanes on a Zen 3 with AVX2, interleaved runs
//! with and without: 48.7-52 ms against 51-53.7 ms on 1e6 random points,
//! 31.4-34.3 ms against 30.5-36.2 ms on the grid: 2-4 ms on random points.
//! Taking the taint test out of the loop entirely, as an upper bound, had
//! given about 9 ms.)

use llvm_sys::core::*;
use llvm_sys::prelude::*;
use llvm_sys::{LLVMOpcode, LLVMRealPredicate};

use super::cfg::Cfg;
use super::users;

/// `fpstatus::TAINT`.
const TAINT: u64 = crate::codegen::fpstatus::TAINT;

fn opcode(v: LLVMValueRef) -> Option<LLVMOpcode> {
    // SAFETY: inspecting a live value.
    unsafe { (!LLVMIsAInstruction(v).is_null()).then(|| LLVMGetInstructionOpcode(v)) }
}

fn operand(v: LLVMValueRef, k: u32) -> LLVMValueRef {
    // SAFETY: callers ask only for operands the instruction has.
    unsafe { LLVMGetOperand(v, k) }
}

/// The float value of a finite float constant.
fn finite_constant(v: LLVMValueRef) -> Option<f64> {
    // SAFETY: inspecting a live value.
    unsafe {
        if LLVMIsAConstantFP(v).is_null() {
            return None;
        }
        let mut lossy = 0;
        let x = LLVMConstRealGetDouble(v, &mut lossy);
        x.is_finite().then_some(x)
    }
}

/// The name of the function `call` calls, if it is a call.
fn callee_name(call: LLVMValueRef) -> Option<String> {
    if opcode(call)? != LLVMOpcode::LLVMCall {
        return None;
    }
    // SAFETY: `call` is a call instruction.
    unsafe {
        let f = LLVMGetCalledValue(call);
        if LLVMIsAFunction(f).is_null() {
            return None;
        }
        let mut len = 0usize;
        let p = LLVMGetValueName2(f, &mut len);
        Some(String::from_utf8_lossy(std::slice::from_raw_parts(p as *const u8, len)).into_owned())
    }
}

/// Whether `x` is never less than zero (it may be NaN): `a * a`, sums and
/// products of such values, `fabs`, `sqrt`, constants at least zero.
fn never_negative(x: LLVMValueRef, depth: u32) -> bool {
    if depth > 6 {
        return false;
    }
    if let Some(c) = finite_constant(x) {
        return c >= 0.0;
    }
    match opcode(x) {
        Some(LLVMOpcode::LLVMFMul) => {
            let (a, b) = (operand(x, 0), operand(x, 1));
            a == b || never_negative(a, depth + 1) && never_negative(b, depth + 1)
        }
        Some(LLVMOpcode::LLVMFAdd) | Some(LLVMOpcode::LLVMFDiv) => {
            never_negative(operand(x, 0), depth + 1) && never_negative(operand(x, 1), depth + 1)
        }
        Some(LLVMOpcode::LLVMCall) => callee_name(x)
            .is_some_and(|n| n.starts_with("llvm.fabs.") || n.starts_with("llvm.sqrt.")),
        _ => false,
    }
}

/// Whether `c` is the taint test of `x`: `fabs(x) ueq +inf` or
/// `is.fpclass(x, nan|inf)`.
fn is_taint_test(c: LLVMValueRef, x: LLVMValueRef) -> bool {
    match opcode(c) {
        Some(LLVMOpcode::LLVMFCmp) => {
            // SAFETY: `c` is an fcmp.
            let pred = unsafe { LLVMGetFCmpPredicate(c) };
            let (a, b) = (operand(c, 0), operand(c, 1));
            let inf = |v: LLVMValueRef| {
                // SAFETY: inspecting a live value.
                unsafe {
                    if LLVMIsAConstantFP(v).is_null() {
                        return false;
                    }
                    let mut lossy = 0;
                    LLVMConstRealGetDouble(v, &mut lossy) == f64::INFINITY
                }
            };
            let fabs_of_x = |v: LLVMValueRef| {
                callee_name(v).is_some_and(|n| n.starts_with("llvm.fabs.")) && operand(v, 0) == x
            };
            pred == LLVMRealPredicate::LLVMRealUEQ
                && (fabs_of_x(a) && inf(b) || fabs_of_x(b) && inf(a))
        }
        Some(LLVMOpcode::LLVMCall) => {
            callee_name(c).is_some_and(|n| n.starts_with("llvm.is.fpclass."))
                && operand(c, 0) == x
                // SAFETY: `is.fpclass` has an integer constant second operand.
                && unsafe {
                    let m = operand(c, 1);
                    !LLVMIsAConstantInt(m).is_null() && LLVMConstIntGetZExtValue(m) == 0x207
                }
        }
        _ => false,
    }
}

fn parent(v: LLVMValueRef) -> LLVMBasicBlockRef {
    // SAFETY: `v` is an instruction.
    unsafe { LLVMGetInstructionParent(v) }
}

/// Folds the taint tests of `cfg`'s loop exits (see the module docs).
/// Returns how many were folded; the caller re-reads the control flow
/// (no block is added or removed, but instructions are).
pub fn fold_taint_exits(cfg: &Cfg) -> usize {
    let mut done = 0;
    for (b, &bb) in cfg.blocks.iter().enumerate() {
        let Some(l) = cfg.innermost[b] else {
            continue;
        };
        // SAFETY: reading the block's terminator.
        let term = unsafe { LLVMGetBasicBlockTerminator(bb) };
        if term.is_null() || opcode(term) != Some(LLVMOpcode::LLVMBr) {
            continue;
        }
        // SAFETY: `term` is a branch.
        let (cond, succs) = unsafe {
            if LLVMIsConditional(term) == 0 {
                continue;
            }
            (
                LLVMGetCondition(term),
                [LLVMGetSuccessor(term, 0), LLVMGetSuccessor(term, 1)],
            )
        };
        let in_loop = |s: LLVMBasicBlockRef| {
            cfg.blocks
                .iter()
                .position(|&x| x == s)
                .is_some_and(|i| cfg.loops[l].body[i])
        };
        let exit_on_true = match (in_loop(succs[0]), in_loop(succs[1])) {
            (false, true) => true,
            (true, false) => false,
            _ => continue,
        };
        let exit = if exit_on_true { succs[0] } else { succs[1] };
        // SAFETY: `fold` checks the pattern before changing anything.
        if unsafe { fold(bb, term, cond, exit, exit_on_true) } {
            done += 1;
        }
    }
    done
}

/// Folds the taint test of block `bb` into its exit branch `term` if the
/// pattern of the module docs is there.
///
/// # Safety
/// `bb` is a loop block of the scalar form ending with conditional branch
/// `term` on `cond`, leaving the loop for `exit` when `cond` is
/// `exit_on_true`.
unsafe fn fold(
    bb: LLVMBasicBlockRef,
    term: LLVMValueRef,
    cond: LLVMValueRef,
    exit: LLVMBasicBlockRef,
    exit_on_true: bool,
) -> bool {
    use LLVMRealPredicate::*;
    if opcode(cond) != Some(LLVMOpcode::LLVMFCmp) {
        return false;
    }
    // SAFETY: `cond` is an fcmp; the rest as the caller promises.
    unsafe {
        let mut pred = LLVMGetFCmpPredicate(cond);
        let (mut x, mut c) = (operand(cond, 0), operand(cond, 1));
        if finite_constant(x).is_some() {
            std::mem::swap(&mut x, &mut c);
            pred = match pred {
                LLVMRealOGT => LLVMRealOLT,
                LLVMRealOLT => LLVMRealOGT,
                LLVMRealOGE => LLVMRealOLE,
                LLVMRealOLE => LLVMRealOGE,
                _ => return false,
            };
        }
        if finite_constant(c).is_none() || !never_negative(x, 0) {
            return false;
        }
        // The new condition: leave when `x > C` or `x` is NaN (`x` is
        // never -inf), in the branch's own polarity.
        let new_pred = match (exit_on_true, pred) {
            (true, LLVMRealOGT) => LLVMRealUGT,
            (true, LLVMRealOGE) => LLVMRealUGE,
            (false, LLVMRealOLT) => LLVMRealOLT,
            (false, LLVMRealOLE) => LLVMRealOLE,
            _ => return false,
        };
        // The status update `s1 = s0 | (taint(x) ? TAINT : 0)` in `bb`.
        let mut found = None;
        let mut i = LLVMGetFirstInstruction(bb);
        while !i.is_null() {
            if opcode(i) == Some(LLVMOpcode::LLVMOr) {
                for k in 0..2 {
                    let sel = operand(i, k);
                    if opcode(sel) != Some(LLVMOpcode::LLVMSelect) {
                        continue;
                    }
                    let (t, f) = (operand(sel, 1), operand(sel, 2));
                    let taint_bit = !LLVMIsAConstantInt(t).is_null()
                        && LLVMConstIntGetZExtValue(t) == TAINT
                        && !LLVMIsAConstantInt(f).is_null()
                        && LLVMConstIntGetZExtValue(f) == 0;
                    if taint_bit && is_taint_test(operand(sel, 0), x) {
                        found = Some((i, operand(i, 1 - k)));
                    }
                }
            }
            i = LLVMGetNextInstruction(i);
        }
        let Some((s1, s0)) = found else {
            return false;
        };
        // `exit` is reached from `bb` only; `s1` is not used in `bb` but
        // by its phis, and reaches `exit` through its phis only.
        let mut preds = 0;
        let mut p = LLVMGetFirstUse(LLVMBasicBlockAsValue(exit));
        while !p.is_null() {
            preds += 1;
            p = LLVMGetNextUse(p);
        }
        if preds != 1 {
            return false;
        }
        let exit_phis: Vec<LLVMValueRef> = users(s1)
            .into_iter()
            .filter(|&u| parent(u) == exit)
            .collect();
        // (A phi of `bb` takes `s1` round the loop, through `stay`.)
        for &u in &users(s1) {
            if parent(u) == bb && opcode(u) != Some(LLVMOpcode::LLVMPHI) {
                return false;
            }
        }
        for &u in &exit_phis {
            if opcode(u) != Some(LLVMOpcode::LLVMPHI) || LLVMCountIncoming(u) != 1 {
                return false;
            }
        }
        let ctx = LLVMGetTypeContext(LLVMTypeOf(x));
        let b = LLVMCreateBuilderInContext(ctx);
        // The branch leaves for NaN too.
        LLVMPositionBuilderBefore(b, term);
        let new_cond = LLVMBuildFCmp(b, new_pred, x, c, c"".as_ptr());
        LLVMSetCondition(term, new_cond);
        if users(cond).is_empty() {
            LLVMInstructionEraseFromParent(cond);
        }
        // At the exit: the test, on `x` and `s0` carried out by phis.
        let first = LLVMGetFirstInstruction(exit);
        LLVMPositionBuilderBefore(b, first);
        let mut from = [bb];
        let x_out = LLVMBuildPhi(b, LLVMTypeOf(x), c"".as_ptr());
        LLVMAddIncoming(x_out, [x].as_mut_ptr(), from.as_mut_ptr(), 1);
        let s0_out = LLVMBuildPhi(b, LLVMTypeOf(s0), c"".as_ptr());
        LLVMAddIncoming(s0_out, [s0].as_mut_ptr(), from.as_mut_ptr(), 1);
        let mut after = first;
        while opcode(after) == Some(LLVMOpcode::LLVMPHI) {
            after = LLVMGetNextInstruction(after);
        }
        LLVMPositionBuilderBefore(b, after);
        // `x` is never negative: it is NaN or infinite iff it is NaN or
        // +inf (one comparison, `fabs` not needed).
        let inf = LLVMConstReal(LLVMTypeOf(x), f64::INFINITY);
        let taint = LLVMBuildFCmp(b, LLVMRealUEQ, x_out, inf, c"".as_ptr());
        let st = LLVMTypeOf(s0);
        let bits = LLVMBuildSelect(
            b,
            taint,
            LLVMConstInt(st, TAINT, 0),
            LLVMConstInt(st, 0, 0),
            c"".as_ptr(),
        );
        let s1_out = LLVMBuildOr(b, s0_out, bits, c"".as_ptr());
        for u in exit_phis {
            LLVMReplaceAllUsesWith(u, s1_out);
            LLVMInstructionEraseFromParent(u);
        }
        // Lanes that stay have a finite `x`: no taint.
        LLVMReplaceAllUsesWith(s1, s0);
        let sel = if operand(s1, 0) == s0 {
            operand(s1, 1)
        } else {
            operand(s1, 0)
        };
        LLVMInstructionEraseFromParent(s1);
        // The old test, now unused.
        let mut dead = vec![sel];
        while let Some(v) = dead.pop() {
            if opcode(v).is_none() || !users(v).is_empty() {
                continue;
            }
            let n = LLVMGetNumOperands(v) as u32;
            let ops: Vec<LLVMValueRef> = (0..n).map(|k| operand(v, k)).collect();
            LLVMInstructionEraseFromParent(v);
            dead.extend(ops.into_iter().filter(|&o| o != x));
        }
        // A status phi left taking only itself and one value is that value.
        if opcode(s0) == Some(LLVMOpcode::LLVMPHI) {
            let others: Vec<LLVMValueRef> = (0..LLVMCountIncoming(s0))
                .map(|k| LLVMGetIncomingValue(s0, k))
                .filter(|&v| v != s0)
                .collect();
            if let Some(&v) = others.first() {
                if others.iter().all(|&o| o == v) {
                    LLVMReplaceAllUsesWith(s0, v);
                    LLVMInstructionEraseFromParent(s0);
                }
            }
        }
        LLVMDisposeBuilder(b);
        true
    }
}
