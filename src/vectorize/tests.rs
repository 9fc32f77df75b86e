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

#[test]
fn prepare_orders_loops_and_the_library_compiles_each_entry_once() {
    use crate::driver::library::Library;
    use crate::driver::LoopInfo;
    use crate::error::ErrorKind;
    use crate::types::Scalar;

    let def = Arc::new(function(
        "add",
        &["x", "y"],
        vec![ret(bin(BinOp::Add, name("x"), name("y")))],
    ));
    let prepare = |sigs: &[&str]| {
        let texts: Vec<String> = sigs.iter().map(|s| s.to_string()).collect();
        driver::prepare(
            &Elementwise,
            &def,
            &texts,
            CodegenOptions::default(),
            EmitOptions::default(),
            false,
        )
    };
    // Registration order: float32 before float64 whatever the user wrote.
    let (loops, _) = prepare(&["f8(f8, f8)", "f4(f4, f4)"]).unwrap();
    let order: Vec<Scalar> = loops.iter().map(|l| l.inputs[0]).collect();
    assert_eq!(order, vec![Scalar::F32, Scalar::F64]);
    // Two loops for the same input types are refused.
    let err = prepare(&["f8(f8, f8)", "float64(float64, float64)"])
        .err()
        .unwrap();
    assert_eq!(err.kind, ErrorKind::Signature, "{}", err.message);
    assert!(err.message.contains("same input types"), "{}", err.message);

    let lib = Library::new();
    let compiles = std::cell::Cell::new(0);
    let f64_loop = |l: &LoopInfo| l.inputs == [Scalar::F64, Scalar::F64];
    for _ in 0..3 {
        let l = lib
            .get_or_compile(
                "add",
                f64_loop,
                || {
                    compiles.set(compiles.get() + 1);
                    prepare(&["f8(f8, f8)"])
                },
                |compiled, loops| {
                    lib.add(compiled, loops);
                    Ok(())
                },
            )
            .unwrap();
        assert_eq!(l.outputs, vec![Scalar::F64]);
    }
    assert_eq!(compiles.get(), 1);
    assert_eq!(lib.signatures(), vec!["float64(float64, float64)"]);
    // A compile that gives something else than asked for adds nothing.
    let err = lib
        .get_or_compile(
            "add",
            |l: &LoopInfo| l.inputs == [Scalar::I32, Scalar::I32] && l.outputs == [Scalar::I8],
            || prepare(&["i4(i4, i4)"]),
            |compiled, loops| {
                lib.add(compiled, loops);
                Ok(())
            },
        )
        .err()
        .unwrap();
    assert!(
        err.message.contains("not the output dtypes asked for"),
        "{}",
        err.message
    );
    assert_eq!(lib.loops().len(), 1);
}
