//! End-to-end checks of the JIT path on hand-built LLVM IR: a vectorizable
//! loop calling `exp` compiles to AVX-512 code that calls libmvec.

use inkwell::attributes::AttributeLoc;
use inkwell::context::Context;
use inkwell::AddressSpace;

use super::host::host_cpu;
use super::object::{compile_module, EmitOptions};
use super::runtime::vector_math_available;

#[test]
fn exp_loop_vectorizes_through_libmvec_and_runs() {
    assert!(vector_math_available());
    let host = host_cpu().unwrap();
    let ctx = Context::create();
    let module = ctx.create_module("t");
    let f64t = ctx.f64_type();
    let i64t = ctx.i64_type();
    let ptr = ctx.ptr_type(AddressSpace::default());
    let exp = module.add_function("llvm.exp.f64", f64t.fn_type(&[f64t.into()], false), None);
    let mut used = vec![];
    for (name, width) in [("_ZGVeN8v_exp", 8u32), ("_ZGVdN4v_exp", 4)] {
        let v = f64t.vec_type(width);
        let decl = module.add_function(name, v.fn_type(&[v.into()], false), None);
        used.push(decl.as_global_value().as_pointer_value());
    }
    let arr_ty = ctx
        .ptr_type(AddressSpace::default())
        .array_type(used.len() as u32);
    let g = module.add_global(arr_ty, None, "llvm.compiler.used");
    g.set_linkage(inkwell::module::Linkage::Appending);
    g.set_section(Some("llvm.metadata"));
    g.set_initializer(&ctx.ptr_type(AddressSpace::default()).const_array(&used));
    let f = module.add_function(
        "apply_exp",
        ctx.void_type()
            .fn_type(&[ptr.into(), ptr.into(), i64t.into()], false),
        None,
    );
    f.add_attribute(
        AttributeLoc::Function,
        ctx.create_string_attribute("target-cpu", &host.cpu),
    );
    f.add_attribute(
        AttributeLoc::Function,
        ctx.create_string_attribute("target-features", &host.features),
    );
    let b = ctx.create_builder();
    let entry = ctx.append_basic_block(f, "entry");
    let body = ctx.append_basic_block(f, "body");
    let exit = ctx.append_basic_block(f, "exit");
    b.position_at_end(entry);
    let n = f.get_nth_param(2).unwrap().into_int_value();
    let nonempty = b
        .build_int_compare(inkwell::IntPredicate::SGT, n, i64t.const_zero(), "ne")
        .unwrap();
    b.build_conditional_branch(nonempty, body, exit).unwrap();
    b.position_at_end(body);
    let phi = b.build_phi(i64t, "i").unwrap();
    let i = phi.as_basic_value().into_int_value();
    let src = f.get_nth_param(0).unwrap().into_pointer_value();
    let dst = f.get_nth_param(1).unwrap().into_pointer_value();
    // SAFETY: in-bounds GEP on the test's own buffers.
    let (ps, pd) = unsafe {
        (
            b.build_gep(f64t, src, &[i], "ps").unwrap(),
            b.build_gep(f64t, dst, &[i], "pd").unwrap(),
        )
    };
    let x = b.build_load(f64t, ps, "x").unwrap();
    let call = b.build_call(exp, &[x.into()], "e").unwrap();
    call.add_attribute(
        AttributeLoc::Function,
        ctx.create_string_attribute(
            "vector-function-abi-variant",
            "_ZGVeN8v_llvm.exp.f64(_ZGVeN8v_exp),_ZGVdN4v_llvm.exp.f64(_ZGVdN4v_exp)",
        ),
    );
    call.add_attribute(
        AttributeLoc::Function,
        ctx.create_enum_attribute(
            inkwell::attributes::Attribute::get_named_enum_kind_id("memory"),
            0,
        ),
    );
    let y = call.try_as_basic_value().unwrap_basic();
    b.build_store(pd, y).unwrap();
    let next = b
        .build_int_add(i, i64t.const_int(1, false), "next")
        .unwrap();
    let done = b
        .build_int_compare(inkwell::IntPredicate::EQ, next, n, "done")
        .unwrap();
    b.build_conditional_branch(done, exit, body).unwrap();
    phi.add_incoming(&[(&i64t.const_zero(), entry), (&next, body)]);
    b.position_at_end(exit);
    b.build_return(None).unwrap();

    let (code, emitted) = compile_module(
        &module,
        &["apply_exp".to_string()],
        EmitOptions {
            keep_llvm_ir: true,
            keep_asm: true,
        },
        &mut crate::dump::Timings::start(),
    )
    .unwrap();
    let asm = emitted.asm.unwrap();
    assert!(
        asm.contains("_ZGVeN8v_exp") || asm.contains("_ZGVdN4v_exp"),
        "{}",
        emitted.llvm_ir.unwrap()
    );
    eprintln!(
        "{}",
        asm.lines()
            .filter(|l| l.contains("ZGV") || l.contains("zmm"))
            .take(8)
            .collect::<Vec<_>>()
            .join("\n")
    );
    type Kernel = unsafe extern "C" fn(*const f64, *mut f64, i64);
    // SAFETY: the symbol was compiled from the function above with this ABI.
    let kernel: Kernel = unsafe { std::mem::transmute(code.addresses[0]) };
    let input: Vec<f64> = (0..37).map(|i| i as f64 * 0.25 - 4.0).collect();
    let mut output = vec![0.0; input.len()];
    // SAFETY: both buffers hold `input.len()` elements.
    unsafe { kernel(input.as_ptr(), output.as_mut_ptr(), input.len() as i64) };
    for (x, y) in input.iter().zip(&output) {
        approx::assert_relative_eq!(x.exp(), *y, max_relative = 1e-14);
    }
}

#[test]
#[ignore = "timing probe, run by hand"]
fn emission_cost_of_a_trivial_module() {
    use super::object::{optimize_and_emit, EmitOptions};
    for round in 0..5 {
        let ctx = Context::create();
        let module = ctx.create_module("t");
        let i64t = ctx.i64_type();
        let f = module.add_function("id", i64t.fn_type(&[i64t.into()], false), None);
        let b = ctx.create_builder();
        b.position_at_end(ctx.append_basic_block(f, "entry"));
        b.build_return(Some(&f.get_nth_param(0).unwrap())).unwrap();
        let t = std::time::Instant::now();
        optimize_and_emit(
            &module,
            EmitOptions::default(),
            &mut crate::dump::Timings::start(),
        )
        .unwrap();
        eprintln!("round {round}: {:?}", t.elapsed());
    }
}
