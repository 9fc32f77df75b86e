//! LLVM's one-time costs paid early, off the caller's path: when `_core`
//! loads, a native thread (which never takes the GIL) initialises the
//! target, reads the host CPU, loads libmvec, creates the JIT, and
//! compiles and links a tiny `exp(-x*x)` ufunc loop, so that the pages of
//! LLVM's code and tables the first real compile needs are already in
//! memory and its one-time set-ups done. The first `@vectorize` in a
//! fresh process then costs about what a later one does.
//!
//! `JITUFUNC_WARMUP=0` turns it off; so does any `JITUFUNC_DUMP` (its
//! output would show the warm-up compile). `wait` joins the thread: the
//! Python edge calls it before the interpreter exits and before a fork, so
//! LLVM is never torn down or copied mid-compile.

use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use super::Elementwise;
use crate::builtins::{Callee, Flavour, MathFn};
use crate::driver::{self, CodegenOptions, EmitOptions};
use crate::error::{SourceInfo, Span};
use crate::syntax::{BinOp, Expr, ExprKind, FunctionDef, Global, Param, Stmt, StmtKind, UnaryOp};
use crate::types::parse_signature;

static THREAD: Mutex<Option<JoinHandle<()>>> = Mutex::new(None);

/// Whether the warm-up runs in this process.
fn wanted() -> bool {
    std::env::var_os("JITUFUNC_DUMP").is_none()
        && std::env::var("JITUFUNC_WARMUP").map_or(true, |v| v != "0")
}

/// Starts the warm-up thread (once; a no-op when it is not wanted or a
/// thread cannot be started).
pub fn start() {
    if !wanted() {
        return;
    }
    let mut thread = THREAD.lock().unwrap_or_else(|e| e.into_inner());
    if thread.is_some() {
        return;
    }
    *thread = std::thread::Builder::new()
        .name("jitufunc-warmup".into())
        .spawn(|| {
            // Failures are not reported: the first real compile meets
            // them again and reports them.
            let _ = warm_up();
        })
        .ok();
}

/// Waits for the warm-up thread to finish (if one was started).
pub fn wait() {
    let handle = THREAD.lock().unwrap_or_else(|e| e.into_inner()).take();
    if let Some(h) = handle {
        let _ = h.join();
    }
}

/// `def warmup(x): return math.exp(-x * x)`, built by hand.
fn kernel() -> FunctionDef {
    let span = Span::line(1);
    let e = |kind| Expr::new(kind, span);
    let x = || e(ExprKind::Name("x".into()));
    let square = e(ExprKind::Binary(BinOp::Mul, Box::new(x()), Box::new(x())));
    let negated = e(ExprKind::Unary(UnaryOp::Neg, Box::new(square)));
    let exp = e(ExprKind::Call {
        func: Box::new(e(ExprKind::Global(Global::Callee(Callee::Math(
            MathFn::Exp,
            Flavour::Math,
        ))))),
        args: vec![negated],
        keywords: vec![],
    });
    FunctionDef {
        name: "warmup".into(),
        params: vec![Param {
            name: "x".into(),
            span,
        }],
        defaults: 0,
        default_values: vec![],
        body: vec![Stmt {
            kind: StmtKind::Return(Some(exp)),
            span,
        }],
        span,
        source: Arc::new(SourceInfo {
            filename: "<jitufunc warm-up>".into(),
            function: "warmup".into(),
            first_line: 1,
            lines: vec![],
        }),
        doc: None,
        identity: None,
        locals: vec![],
        elementwise: false,
        parallel: false,
    }
}

/// Compiles and links the warm-up kernel (the code is freed at once).
fn warm_up() -> crate::error::Result<()> {
    let text = "float64(float64)".to_string();
    let signature = parse_signature(&text)?;
    driver::compile_with(
        &Elementwise,
        &Arc::new(kernel()),
        &[signature],
        &[text],
        CodegenOptions::default(),
        EmitOptions::default(),
        true,
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn warm_up_compiles() {
        super::warm_up().unwrap();
    }
}
