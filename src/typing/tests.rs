//! Typing tests: NumPy 2 / NEP 50 result types and typed-IR verification.

use std::sync::Arc;

use super::type_kernel;
use crate::builtins::{Callee, Flavour, MathFn};
use crate::error::ErrorKind;
use crate::ir::verifier::verify;
use crate::ir::Stage;
use crate::lower::lower_function;
use crate::syntax::build::*;
use crate::syntax::{BinOp, CmpOp, FunctionDef};
use crate::types::{parse_signature, Scalar, Type};

fn typed_ret(def: FunctionDef, sig: &str) -> Result<Type, crate::error::CompileError> {
    let def = Arc::new(def);
    let f = lower_function(&def)?;
    let p = type_kernel(&def, &f, &parse_signature(sig)?)?;
    verify(p.entry(), Stage::Typed).unwrap_or_else(|e| panic!("{e:?}\n{p}"));
    Ok(p.entry().ret.clone())
}

fn ret_of(expr: crate::syntax::Expr, params: &[&str], sig: &str) -> Type {
    typed_ret(function("f", params, vec![ret(expr)]), sig).unwrap()
}

#[test]
fn weak_literals_adopt_strong_types() {
    assert_eq!(
        ret_of(bin(BinOp::Mul, float(2.5), name("x")), &["x"], "(f4)"),
        Type::Scalar(Scalar::F32)
    );
    assert_eq!(
        ret_of(bin(BinOp::Add, name("x"), int(1)), &["x"], "(i1)"),
        Type::Scalar(Scalar::I8)
    );
    assert_eq!(
        ret_of(bin(BinOp::Add, name("x"), float(1.0)), &["x"], "(i1)"),
        Type::Scalar(Scalar::F64)
    );
    assert_eq!(
        ret_of(bin(BinOp::TrueDiv, int(1), int(2)), &[], "()"),
        Type::PY_FLOAT
    );
}

#[test]
fn int_true_division_is_float64_and_bool_add_stays_bool() {
    assert_eq!(
        ret_of(
            bin(BinOp::TrueDiv, name("x"), name("y")),
            &["x", "y"],
            "(i1, i1)"
        ),
        Type::F64
    );
    assert_eq!(
        ret_of(
            bin(BinOp::Add, name("x"), name("y")),
            &["x", "y"],
            "(b1, b1)"
        ),
        Type::BOOL
    );
    assert_eq!(
        ret_of(
            bin(BinOp::FloorDiv, name("x"), name("y")),
            &["x", "y"],
            "(b1, b1)"
        ),
        Type::Scalar(Scalar::I8)
    );
}

#[test]
fn math_returns_python_float_numpy_keeps_float32() {
    let m = call(Callee::Math(MathFn::Exp, Flavour::Math), vec![name("x")]);
    assert_eq!(ret_of(m, &["x"], "(f4)"), Type::PY_FLOAT);
    let n = call(Callee::Math(MathFn::Exp, Flavour::Numpy), vec![name("x")]);
    assert_eq!(ret_of(n, &["x"], "(f4)"), Type::Scalar(Scalar::F32));
    let n = call(Callee::Math(MathFn::Sqrt, Flavour::Numpy), vec![name("x")]);
    assert_eq!(ret_of(n, &["x"], "(i1)"), Type::Scalar(Scalar::F16));
}

#[test]
fn loop_accumulator_widens_to_the_join() {
    // s = 0; for i in range(n): s += x * i; return s
    let def = function(
        "f",
        &["x", "n"],
        vec![
            assign("s", int(0)),
            for_range(
                "i",
                vec![name("n")],
                vec![aug("s", BinOp::Add, bin(BinOp::Mul, name("x"), name("i")))],
            ),
            ret(name("s")),
        ],
    );
    assert_eq!(
        typed_ret(def, "(f4, i8)").unwrap(),
        Type::Scalar(Scalar::F32)
    );
}

#[test]
fn errors_name_the_problem() {
    let e = typed_ret(
        function(
            "f",
            &["x"],
            vec![ret(bin(BinOp::Sub, name("x"), name("x")))],
        ),
        "(b1)",
    )
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Typing);
    assert!(e.message.contains("boolean subtract"), "{e}");
    let e = typed_ret(
        function("f", &["x"], vec![ret(bin(BinOp::Add, name("x"), int(300)))]),
        "(i1)",
    )
    .unwrap_err();
    assert!(e.message.contains("out of bounds for int8"), "{e}");
    let e = typed_ret(
        function(
            "f",
            &["x"],
            vec![ret(bin(BinOp::TrueDiv, name("x"), int(2)))],
        ),
        "i8(i8)",
    )
    .unwrap_err();
    assert!(e.message.contains("cannot be cast to int64"), "{e}");
    let e = typed_ret(
        function(
            "f",
            &["x"],
            vec![
                if_else(
                    cmp(name("x"), CmpOp::Gt, int(0)),
                    vec![assign("y", int(1))],
                    vec![],
                ),
                ret(name("y")),
            ],
        ),
        "(f8)",
    );
    // y is unassigned on one path: Python would raise there.
    let e = e.unwrap_err();
    assert!(
        e.message.contains("may be used before it is assigned"),
        "{e}"
    );
    let e = typed_ret(function("f", &["x"], vec![ret(name("y"))]), "(f8)").unwrap_err();
    assert!(e.message.contains("used before it is assigned"), "{e}");
    let e = typed_ret(function("f", &["x"], vec![]), "f8(f8)").unwrap_err();
    assert!(e.message.contains("without returning a value"), "{e}");
}
