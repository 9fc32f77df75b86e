//! End-to-end in Rust: hand-built kernels compiled into ufunc loops and
//! called on buffers the way NumPy calls them.

use std::sync::Arc;

use super::Elementwise;
use crate::builtins::{Callee, Flavour, MathFn};
use crate::driver::{self, CodegenOptions, EmitOptions};
use crate::syntax::build::*;
use crate::syntax::{BinOp, FunctionDef};
use crate::types::parse_signature;

type Loop = unsafe extern "C" fn(*mut *mut u8, *const isize, *const isize, *mut u8);

fn run_binary(def: FunctionDef, sig: &str, a: &[f64], b: &[f64], steps: [isize; 3]) -> Vec<f64> {
    let compiled = driver::compile(
        &Elementwise,
        &Arc::new(def),
        &[parse_signature(sig).unwrap()],
        &[sig.to_string()],
        CodegenOptions::default(),
        EmitOptions {
            keep_llvm_ir: false,
            keep_asm: true,
        },
    )
    .unwrap();
    let n = a.len().max(b.len());
    let mut out = vec![0.0f64; n];
    let mut args = [
        a.as_ptr() as *mut u8,
        b.as_ptr() as *mut u8,
        out.as_mut_ptr() as *mut u8,
    ];
    let dims = [n as isize];
    // SAFETY: the loop was compiled for three float64 operands; steps and
    // sizes describe the buffers above.
    unsafe {
        let f: Loop = std::mem::transmute(compiled.loops[0].address);
        f(
            args.as_mut_ptr(),
            dims.as_ptr(),
            steps.as_ptr(),
            std::ptr::null_mut(),
        );
    }
    out
}

#[test]
fn add_loop_contiguous_and_broadcast() {
    let def = function(
        "add",
        &["x", "y"],
        vec![ret(bin(BinOp::Add, name("x"), name("y")))],
    );
    let a: Vec<f64> = (0..100).map(|i| i as f64).collect();
    let b: Vec<f64> = (0..100).map(|i| 0.5 * i as f64).collect();
    let out = run_binary(def, "f8(f8, f8)", &a, &b, [8, 8, 8]);
    assert_eq!(out[10], 15.0);
    let def = function(
        "add",
        &["x", "y"],
        vec![ret(bin(BinOp::Add, name("x"), name("y")))],
    );
    let out = run_binary(def, "f8(f8, f8)", &a, &[2.0], [8, 0, 8]);
    assert_eq!(out[99], 101.0);
}

#[test]
fn exp_kernel_vectorizes_with_libmvec() {
    // exp(-x*x)
    let def = Arc::new(function(
        "gauss",
        &["x"],
        vec![ret(call(
            Callee::Math(MathFn::Exp, Flavour::Math),
            vec![neg(bin(BinOp::Mul, name("x"), name("x")))],
        ))],
    ));
    let compiled = driver::compile(
        &Elementwise,
        &def,
        &[
            parse_signature("f8(f8)").unwrap(),
            parse_signature("f4(f4)").unwrap(),
        ],
        &["f8(f8)".to_string(), "f4(f4)".to_string()],
        CodegenOptions::default(),
        EmitOptions {
            keep_llvm_ir: true,
            keep_asm: true,
        },
    )
    .unwrap();
    let asm = compiled.asm.unwrap();
    assert!(
        asm.contains("_ZGVeN8v_exp") || asm.contains("_ZGVdN4v_exp"),
        "{}",
        compiled.llvm_ir.unwrap()
    );
}
