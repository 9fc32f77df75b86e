//! End-to-end in Rust: hand-built gufunc kernels compiled and called the
//! way NumPy calls gufunc loops.

use std::sync::Arc;

use super::Gufunc;
use crate::builtins::{Builtin, Callee};
use crate::driver::{self, CodegenOptions, CompiledLoops, EmitOptions};
use crate::error::ErrorKind;
use crate::syntax::build::*;
use crate::syntax::{BinOp, FunctionDef};
use crate::types::gufunc_layout::parse_layout;
use crate::types::parse_signature;

type Loop = unsafe extern "C" fn(*mut *mut u8, *const isize, *const isize, *mut u8);

fn compile(def: FunctionDef, layout: &str, sig: &str) -> crate::error::Result<CompiledLoops> {
    let door = Gufunc {
        layout: parse_layout(layout).unwrap(),
        writable: vec![],
    };
    driver::compile(
        &door,
        &Arc::new(def),
        &[parse_signature(sig).unwrap()],
        &[sig.to_string()],
        CodegenOptions::default(),
        EmitOptions::default(),
    )
}

/// `s = 0.0; for i in range(len(x)): s += x[i]; out[0] = s`
fn row_sum() -> FunctionDef {
    function(
        "row_sum",
        &["x", "out"],
        vec![
            assign("s", float(0.0)),
            for_range(
                "i",
                vec![call(Callee::Builtin(Builtin::Len), vec![name("x")])],
                vec![aug("s", BinOp::Add, subscript(name("x"), vec![name("i")]))],
            ),
            set_item("out", vec![int(0)], name("s")),
        ],
    )
}

fn call_loop(compiled: &CompiledLoops, args: &mut [*mut u8], dims: &[isize], steps: &[isize]) {
    // SAFETY: the loop was compiled for these operands; `dims` and `steps`
    // describe the buffers `args` points to, as NumPy would pass them.
    unsafe {
        let f: Loop = std::mem::transmute(compiled.loops[0].address);
        f(
            args.as_mut_ptr(),
            dims.as_ptr(),
            steps.as_ptr(),
            std::ptr::null_mut(),
        );
    }
}

#[test]
fn row_sums_contiguous_and_strided() {
    let compiled = compile(row_sum(), "(n)->()", "void(f8[:], f8[:])").unwrap();
    // 3 rows of 5, C order.
    let x: Vec<f64> = (0..15).map(|i| i as f64).collect();
    let mut out = vec![0.0f64; 3];
    let mut args = [x.as_ptr() as *mut u8, out.as_mut_ptr() as *mut u8];
    call_loop(&compiled, &mut args, &[3, 5], &[40, 8, 8]);
    assert_eq!(out, vec![10.0, 35.0, 60.0]);
    // The transpose: 5 rows of 3 (columns of the above).
    let mut out = vec![0.0f64; 5];
    let mut args = [x.as_ptr() as *mut u8, out.as_mut_ptr() as *mut u8];
    call_loop(&compiled, &mut args, &[5, 3], &[8, 8, 40]);
    assert_eq!(out, vec![15.0, 18.0, 21.0, 24.0, 27.0]);
}

#[test]
fn writing_an_input_is_a_compile_error() {
    let def = function(
        "bad",
        &["x", "out"],
        vec![
            set_item("x", vec![int(0)], float(1.0)),
            set_item("out", vec![int(0)], float(1.0)),
        ],
    );
    let err = compile(def, "(n)->()", "void(f8[:], f8[:])").err().unwrap();
    assert_eq!(err.kind, ErrorKind::Typing);
    assert!(
        err.message.contains("'x'") && err.message.contains("writable_args"),
        "{}",
        err.message
    );
}

#[test]
fn scalar_output_declared_bare_must_be_returned() {
    let err = compile(row_sum(), "(n)->()", "void(f8[:], f8)")
        .err()
        .unwrap();
    assert_eq!(err.kind, ErrorKind::Layout);
    assert!(err.message.contains("return"), "{}", err.message);
}

/// `def` typed for `sig` (its entry function).
fn typed(def: FunctionDef, sig: &str) -> crate::ir::Function {
    let def = Arc::new(def);
    let untyped = crate::lower::lower_function(&def).unwrap();
    let program =
        crate::typing::type_kernel(&def, &untyped, &parse_signature(sig).unwrap()).unwrap();
    program.entry().clone()
}

#[test]
fn loops_over_core_dimensions_jam_and_branches_on_data_do_not() {
    let f = typed(row_sum(), "void(f8[:], f8[:])");
    let lanes = super::jam::lanes(&f, 4).expect("uniform control flow");
    // The loop counter and the row length are uniform; the sum is not.
    let (count, when) = super::jam::choose_lane_count(&f, &lanes);
    assert!(count >= 4, "{count}");
    assert_eq!(when, super::jam::JamWhen::Always);
    // `if x[i] > 0: s += x[i]`: the branch differs between rows.
    let def = function(
        "positive_sum",
        &["x", "out"],
        vec![
            assign("s", float(0.0)),
            for_range(
                "i",
                vec![call(Callee::Builtin(Builtin::Len), vec![name("x")])],
                vec![if_else(
                    crate::syntax::build::cmp(
                        subscript(name("x"), vec![name("i")]),
                        crate::syntax::CmpOp::Gt,
                        float(0.0),
                    ),
                    vec![aug("s", BinOp::Add, subscript(name("x"), vec![name("i")]))],
                    vec![],
                )],
            ),
            set_item("out", vec![int(0)], name("s")),
        ],
    );
    assert!(super::jam::lanes(&typed(def, "void(f8[:], f8[:])"), 4).is_none());
}

#[test]
fn kernels_that_read_their_outputs_cannot_be_rerun() {
    let f = typed(row_sum(), "void(f8[:], f8[:])");
    assert!(!super::rerun::reads_outputs(&f, &[1]));
    // `out[0] += x[0]` reads what a first run wrote.
    let def = function(
        "accumulate",
        &["x", "out"],
        vec![crate::syntax::Stmt {
            kind: crate::syntax::StmtKind::AugAssign {
                target: crate::syntax::Target::Subscript {
                    value: name("out"),
                    index: vec![int(0)],
                    span: crate::error::Span::line(1),
                },
                op: BinOp::Add,
                value: subscript(name("x"), vec![int(0)]),
            },
            span: crate::error::Span::line(1),
        }],
    );
    assert!(super::rerun::reads_outputs(
        &typed(def, "void(f8[:], f8[:])"),
        &[1]
    ));
}

/// `array.shape[k]`
fn dim(array: &str, k: i128) -> crate::syntax::Expr {
    subscript(attribute(name(array), "shape"), vec![int(k)])
}

/// `array[index] op= value`
fn aug_item(
    array: &str,
    index: Vec<crate::syntax::Expr>,
    op: BinOp,
    value: crate::syntax::Expr,
) -> crate::syntax::Stmt {
    crate::syntax::Stmt {
        kind: crate::syntax::StmtKind::AugAssign {
            target: crate::syntax::Target::Subscript {
                value: name(array),
                index,
                span: crate::error::Span::line(1),
            },
            op,
            value,
        },
        span: crate::error::Span::line(1),
    }
}

/// The i-k-j matrix product with `a = <k_value>` in the `k` body and the
/// accumulation into `C[<row>, j]`.
fn ikj(k_value: crate::syntax::Expr, row: crate::syntax::Expr, init_len: &str) -> FunctionDef {
    let init_dim = if init_len == "A" {
        dim("A", 1)
    } else {
        dim("B", 1)
    };
    function(
        "ikj",
        &["A", "B", "C"],
        vec![for_range(
            "i",
            vec![dim("A", 0)],
            vec![
                for_range(
                    "j",
                    vec![init_dim],
                    vec![set_item("C", vec![name("i"), name("j")], float(0.0))],
                ),
                for_range(
                    "k",
                    vec![dim("A", 1)],
                    vec![
                        assign("a", k_value),
                        for_range(
                            "j",
                            vec![dim("B", 1)],
                            vec![aug_item(
                                "C",
                                vec![row, name("j")],
                                BinOp::Add,
                                bin(
                                    BinOp::Mul,
                                    name("a"),
                                    subscript(name("B"), vec![name("k"), name("j")]),
                                ),
                            )],
                        ),
                    ],
                ),
            ],
        )],
    )
}

fn a_ik() -> crate::syntax::Expr {
    subscript(name("A"), vec![name("i"), name("k")])
}

const MATMUL_SIG: &str = "void(f8[:,:], f8[:,:], f8[:,:])";

#[test]
fn rows_set_then_accumulated_into_become_registers() {
    let mut f = typed(ikj(a_ik(), name("i"), "B"), MATMUL_SIG);
    assert!(super::rerun::reads_outputs(&f, &[2]));
    assert_eq!(super::accumulate::promote(&mut f, &[2]), 1, "{f}");
    crate::ir::verifier::verify(&f, crate::ir::Stage::Typed).unwrap();
    // The rewritten kernel no longer reads its output, and still jams.
    assert!(!super::rerun::reads_outputs(&f, &[2]), "{f}");
    assert!(super::jam::lanes(&f, 4).is_some());
    // Nothing left to rewrite.
    assert_eq!(super::accumulate::promote(&mut f, &[2]), 0);
}

#[test]
fn accumulations_the_rewrite_must_leave_alone() {
    let cases = [
        // Float arithmetic in the `k` body would run `p` times.
        ikj(bin(BinOp::Mul, a_ik(), float(3.0)), name("i"), "B"),
        // The row accumulated into is not the row set.
        ikj(a_ik(), name("k"), "B"),
        // The row is set over another range than it is accumulated over.
        ikj(a_ik(), name("i"), "A"),
    ];
    for def in cases {
        let mut f = typed(def, MATMUL_SIG);
        assert_eq!(super::accumulate::promote(&mut f, &[2]), 0, "{f}");
        assert!(super::rerun::reads_outputs(&f, &[2]));
    }
    // `C` is an input here: nothing to rewrite.
    let mut f = typed(ikj(a_ik(), name("i"), "B"), MATMUL_SIG);
    assert_eq!(super::accumulate::promote(&mut f, &[]), 0);
}
