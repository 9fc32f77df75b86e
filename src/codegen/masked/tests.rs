//! The masked form on hand-built LLVM functions: a counted loop with an
//! early exit widens (refill) into a module LLVM verifies; a function
//! without a loop, or whose loop is short, is refused.

use inkwell::context::Context;
use inkwell::module::Module;
use inkwell::values::{AsValueRef, FunctionValue};
use inkwell::{FloatPredicate, IntPredicate};

use super::widen::{widen, Form, Shape, MIN_TRIPS};

/// `f(x) -> {i32, i32}`: `for i in range(trips): if x > 4.0: return {i, 0}; x = x * x`,
/// then `return {trips, 0}`; with `trips == 0`, no loop at all.
fn kernel<'ctx>(ctx: &'ctx Context, module: &Module<'ctx>, trips: u64) -> FunctionValue<'ctx> {
    let f64t = ctx.f64_type();
    let i32t = ctx.i32_type();
    let i64t = ctx.i64_type();
    let ret = ctx.struct_type(&[i32t.into(), i32t.into()], false);
    let f = module.add_function("scalar", ret.fn_type(&[f64t.into()], false), None);
    let b = ctx.create_builder();
    let entry = ctx.append_basic_block(f, "entry");
    let x0 = f.get_nth_param(0).unwrap().into_float_value();
    let result = |b: &inkwell::builder::Builder<'ctx>, v: inkwell::values::IntValue<'ctx>| {
        let s = b.build_insert_value(ret.get_undef(), v, 0, "").unwrap();
        b.build_insert_value(s, i32t.const_zero(), 1, "").unwrap()
    };
    b.position_at_end(entry);
    if trips == 0 {
        let big = b
            .build_float_compare(FloatPredicate::OGT, x0, f64t.const_float(4.0), "")
            .unwrap();
        let v = b
            .build_select(big, i32t.const_int(1, false), i32t.const_zero(), "")
            .unwrap();
        b.build_return(Some(&result(&b, v.into_int_value())))
            .unwrap();
        return f;
    }
    let header = ctx.append_basic_block(f, "header");
    let latch = ctx.append_basic_block(f, "latch");
    let early = ctx.append_basic_block(f, "early");
    let done = ctx.append_basic_block(f, "done");
    b.build_unconditional_branch(header).unwrap();
    b.position_at_end(header);
    let i = b.build_phi(i64t, "i").unwrap();
    let x = b.build_phi(f64t, "x").unwrap();
    let xv = x.as_basic_value().into_float_value();
    let iv = i.as_basic_value().into_int_value();
    let big = b
        .build_float_compare(FloatPredicate::OGT, xv, f64t.const_float(4.0), "")
        .unwrap();
    b.build_conditional_branch(big, early, latch).unwrap();
    b.position_at_end(latch);
    let x2 = b.build_float_mul(xv, xv, "").unwrap();
    let i1 = b.build_int_add(iv, i64t.const_int(1, false), "").unwrap();
    let more = b
        .build_int_compare(IntPredicate::ULT, i1, i64t.const_int(trips, false), "")
        .unwrap();
    b.build_conditional_branch(more, header, done).unwrap();
    i.add_incoming(&[(&i64t.const_zero(), entry), (&i1, latch)]);
    x.add_incoming(&[(&x0, entry), (&x2, latch)]);
    b.position_at_end(early);
    let at = b.build_phi(i64t, "at").unwrap();
    at.add_incoming(&[(&iv, header)]);
    let v = b
        .build_int_truncate(at.as_basic_value().into_int_value(), i32t, "")
        .unwrap();
    b.build_return(Some(&result(&b, v))).unwrap();
    b.position_at_end(done);
    b.build_return(Some(&result(&b, i32t.const_int(trips, false))))
        .unwrap();
    f
}

fn widen_kernel(trips: u64) -> (Result<Form, String>, String) {
    widen_built(trips, kernel)
}

type Builder = for<'ctx> fn(&'ctx Context, &Module<'ctx>, u64) -> FunctionValue<'ctx>;

fn widen_built(trips: u64, build: Builder) -> (Result<Form, String>, String) {
    let ctx = Context::create();
    let module = ctx.create_module("masked");
    let scalar = build(&ctx, &module, trips);
    let ptr = ctx.ptr_type(inkwell::AddressSpace::default());
    let group = module.add_function(
        "group",
        ctx.void_type()
            .fn_type(&[ptr.into(), ptr.into(), ptr.into()], false),
        None,
    );
    let chunk = module.add_function(
        "chunk",
        ctx.void_type().fn_type(
            &[ptr.into(), ptr.into(), ptr.into(), ctx.i64_type().into()],
            false,
        ),
        None,
    );
    let shape = Shape {
        nin: 1,
        nout: 1,
        lanes: 8,
        mask_bits: 16,
    };
    let form = widen(
        module.as_mut_ptr(),
        scalar.as_value_ref(),
        group.as_value_ref(),
        chunk.as_value_ref(),
        &shape,
    );
    if form.is_ok() {
        // The other form has no body; give it one so the module verifies.
        for f in [group, chunk] {
            if f.count_basic_blocks() == 0 {
                let b = ctx.create_builder();
                b.position_at_end(ctx.append_basic_block(f, ""));
                b.build_return(None).unwrap();
            }
        }
        module
            .verify()
            .unwrap_or_else(|e| panic!("invalid IR: {}", e.to_string()));
    }
    (form, module.print_to_string().to_string())
}

#[test]
fn a_counted_loop_with_an_early_exit_widens_with_refill() {
    let (form, text) = widen_kernel(100);
    assert_eq!(form, Ok(Form::Refill));
    // Eight lanes of the input, a mask of 16-bit lanes, and the lanes
    // refilled one at a time (`cttz` over the free lanes' bits).
    assert!(text.contains("<8 x double>"), "{text}");
    assert!(text.contains("<8 x i16>"), "{text}");
    assert!(text.contains("llvm.cttz.i8"), "{text}");
}

#[test]
fn the_refill_loop_says_which_way_its_branches_usually_go() {
    // The trip loop is hot, the epilogue and the retiring cold (without
    // the weights, refill forms with more state spilled a value of the
    // escape-time loop).
    let (form, text) = widen_kernel(100);
    assert_eq!(form, Ok(Form::Refill));
    for weights in [
        "!{!\"branch_weights\", i32 1, i32 8}",
        "!{!\"branch_weights\", i32 64, i32 1}",
        "!{!\"branch_weights\", i32 1, i32 4}",
    ] {
        assert!(text.contains(weights), "{weights} missing in {text}");
    }
    assert_eq!(text.matches(", !prof !").count(), 3, "{text}");
}

#[test]
fn no_loop_or_a_short_loop_keeps_the_scalar_form() {
    let (form, _) = widen_kernel(0);
    assert_eq!(form, Err("no loop".to_string()));
    let (form, _) = widen_kernel(MIN_TRIPS - 1);
    assert!(form.unwrap_err().contains("counting to a constant"));
}

#[test]
fn a_counter_that_fits_counts_in_16_or_32_bits() {
    // `i` and the early exit's copy of it (the phis of the scalar form,
    // rewritten in place before widening).
    let (form, text) = widen_kernel(100);
    assert_eq!(form, Ok(Form::Refill));
    assert!(text.contains("phi i16 "), "{text}");
    assert!(!text.contains("phi i64 "), "{text}");
    let (form, text) = widen_kernel(40_000);
    assert_eq!(form, Ok(Form::Refill));
    assert!(text.contains("phi i32 "), "{text}");
    assert!(!text.contains("phi i64 "), "{text}");
}

/// `f(x) -> {i32, status}`: `s = 0; for i in range(trips): y = x * x;
/// s |= TAINT if y is not finite; if y > 4.0: return {i, s}; x = y`, then
/// `return {trips, s}` (the taint test of a taint-mode kernel).
fn taint_kernel<'ctx>(
    ctx: &'ctx Context,
    module: &Module<'ctx>,
    trips: u64,
) -> FunctionValue<'ctx> {
    let (f64t, i32t, i64t) = (ctx.f64_type(), ctx.i32_type(), ctx.i64_type());
    let ret = ctx.struct_type(&[i32t.into(), i32t.into()], false);
    let f = module.add_function("scalar", ret.fn_type(&[f64t.into()], false), None);
    let b = ctx.create_builder();
    let entry = ctx.append_basic_block(f, "entry");
    let header = ctx.append_basic_block(f, "header");
    let latch = ctx.append_basic_block(f, "latch");
    let early = ctx.append_basic_block(f, "early");
    let done = ctx.append_basic_block(f, "done");
    let result = |b: &inkwell::builder::Builder<'ctx>,
                  v: inkwell::values::IntValue<'ctx>,
                  s: inkwell::values::IntValue<'ctx>| {
        let r = b.build_insert_value(ret.get_undef(), v, 0, "").unwrap();
        let r = b.build_insert_value(r, s, 1, "").unwrap();
        b.build_return(Some(&r)).unwrap();
    };
    b.position_at_end(entry);
    b.build_unconditional_branch(header).unwrap();
    b.position_at_end(header);
    let i = b.build_phi(i64t, "i").unwrap();
    let x = b.build_phi(f64t, "x").unwrap();
    let s = b.build_phi(i32t, "s").unwrap();
    let (iv, xv) = (
        i.as_basic_value().into_int_value(),
        x.as_basic_value().into_float_value(),
    );
    let y = b.build_float_mul(xv, xv, "y").unwrap();
    let fabs = inkwell::intrinsics::Intrinsic::find("llvm.fabs")
        .unwrap()
        .get_declaration(module, &[f64t.into()])
        .unwrap();
    let a = b.build_call(fabs, &[y.into()], "").unwrap();
    let inkwell::values::ValueKind::Basic(a) = a.try_as_basic_value() else {
        panic!("fabs has a result")
    };
    let a = a.into_float_value();
    let inf = f64t.const_float(f64::INFINITY);
    let bad = b
        .build_float_compare(FloatPredicate::UEQ, a, inf, "")
        .unwrap();
    let bits = b
        .build_select(bad, i32t.const_int(0x100, false), i32t.const_zero(), "")
        .unwrap();
    let s1 = b
        .build_or(
            s.as_basic_value().into_int_value(),
            bits.into_int_value(),
            "s1",
        )
        .unwrap();
    let big = b
        .build_float_compare(FloatPredicate::OGT, y, f64t.const_float(4.0), "")
        .unwrap();
    b.build_conditional_branch(big, early, latch).unwrap();
    b.position_at_end(latch);
    let i1 = b.build_int_add(iv, i64t.const_int(1, false), "").unwrap();
    let more = b
        .build_int_compare(IntPredicate::ULT, i1, i64t.const_int(trips, false), "")
        .unwrap();
    b.build_conditional_branch(more, header, done).unwrap();
    i.add_incoming(&[(&i64t.const_zero(), entry), (&i1, latch)]);
    x.add_incoming(&[(&f.get_nth_param(0).unwrap(), entry), (&y, latch)]);
    s.add_incoming(&[(&i32t.const_zero(), entry), (&s1, latch)]);
    b.position_at_end(early);
    let at = b.build_phi(i64t, "at").unwrap();
    at.add_incoming(&[(&iv, header)]);
    let st = b.build_phi(i32t, "st").unwrap();
    st.add_incoming(&[(&s1, header)]);
    let v = b
        .build_int_truncate(at.as_basic_value().into_int_value(), i32t, "")
        .unwrap();
    result(&b, v, st.as_basic_value().into_int_value());
    b.position_at_end(done);
    let sd = b.build_phi(i32t, "sd").unwrap();
    sd.add_incoming(&[(&s1, latch)]);
    result(
        &b,
        i32t.const_int(trips, false),
        sd.as_basic_value().into_int_value(),
    );
    f
}

#[test]
fn a_taint_test_before_an_exit_comparison_moves_to_the_exit() {
    let (form, text) = widen_built(100, taint_kernel);
    assert_eq!(form, Ok(Form::Refill));
    // NaN leaves the loop (`ugt`); the test is made at the exit, on `y`
    // alone (never negative), and the loop carries no status.
    assert!(text.contains("fcmp ugt double %y, 4.0"), "{text}");
    assert!(text.contains("fcmp ueq double"), "{text}");
    assert!(!text.contains("%s1 = "), "{text}");
    assert!(!text.contains("llvm.fabs.f64(double %y)"), "{text}");
}
