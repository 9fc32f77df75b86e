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
    let ctx = Context::create();
    let module = ctx.create_module("masked");
    let scalar = kernel(&ctx, &module, trips);
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
fn no_loop_or_a_short_loop_keeps_the_scalar_form() {
    let (form, _) = widen_kernel(0);
    assert_eq!(form, Err("no loop".to_string()));
    let (form, _) = widen_kernel(MIN_TRIPS - 1);
    assert!(form.unwrap_err().contains("counting to a constant"));
}
