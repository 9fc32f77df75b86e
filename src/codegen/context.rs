//! The per-module code generation context: the LLVM module and builder,
//! host function attributes, LLVM types of IR types, and helper functions
//! (emitted once per module, always inlined).

use std::collections::HashMap;

use inkwell::attributes::{Attribute, AttributeLoc};
use inkwell::builder::Builder;
use inkwell::context::Context;
use inkwell::module::{Linkage, Module};
use inkwell::types::{BasicType, BasicTypeEnum, FloatType, FunctionType, StructType};
use inkwell::values::{BasicValueEnum, CallSiteValue, FunctionValue};
use inkwell::AddressSpace;

use crate::engine::host::HostCpu;
use crate::error::{CompileError, Result};
use crate::types::{Scalar, Type};

/// An LLVM access group (a `distinct !{}` metadata node of the module's
/// context), see `codegen::metadata`.
#[derive(Clone, Copy, Debug)]
pub struct AccessGroup(pub llvm_sys::prelude::LLVMMetadataRef);

/// Fast-math flags requested for the kernel (`fastmath=`), as LLVM's bits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct FastMath(pub u32);

/// What division by zero does.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ErrorModel {
    /// NumPy's: inf, nan or 0 and a floating-point flag (ufuncs; `@jit`
    /// with `error_model="numpy"`).
    #[default]
    Numpy,
    /// Python's: `/`, `//` and `%` by zero raise `ZeroDivisionError`
    /// (`@jit`'s default, as Numba's).
    Python,
}

/// Options that change the generated code.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct CodegenOptions {
    pub fast_math: FastMath,
    /// Check array indices (`boundscheck=True`).
    pub boundscheck: bool,
    pub error_model: ErrorModel,
}

/// The string attribute on a vector variant defined in the module (a masked
/// wrapper), kept external until the vectorizer has run
/// (`Codegen::finish_vector_decls`).
pub const VECTOR_VARIANT: &str = "jitufunc-vector-variant";

static MODULE_IDS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// A module's id, unique in this process and (through a per-process random
/// part) across processes, so that machine code loaded from the on-disk
/// cache never has the symbol names of code this process compiled.
/// The process id is part of it too: a child made by `fork()` inherits the
/// nonce and the counter.
#[derive(Clone, Copy, Debug)]
pub struct ModuleId {
    process: u64,
    pid: u32,
    counter: u64,
}

impl std::fmt::Display for ModuleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:016x}_{}_{}", self.process, self.pid, self.counter)
    }
}

fn process_nonce() -> u64 {
    static NONCE: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *NONCE.get_or_init(|| {
        use std::hash::{BuildHasher, Hasher};
        // RandomState is seeded from the OS's randomness.
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u32(std::process::id());
        if let Ok(t) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
            h.write_u128(t.as_nanos());
        }
        h.finish()
    })
}

/// An id no other module has, for unique symbol names.
pub fn next_module_id() -> ModuleId {
    ModuleId {
        process: process_nonce(),
        pid: std::process::id(),
        counter: MODULE_IDS.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
    }
}

/// `name` with everything but ASCII letters and digits replaced by `_`
/// (for symbol names).
pub fn symbol_safe(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// What belongs to the function being emitted rather than to the module:
/// how it reports FP flags and errors, and the access group of the loop
/// body being emitted. Each emitted function starts from its own
/// (`Codegen::in_function`), so a kernel inlined into a ufunc loop and a
/// stand-alone entry function never see each other's state.
#[derive(Clone, Debug, Default)]
pub struct FunctionState<'ctx> {
    /// How the function reports flags.
    pub flag_mode: super::fpstatus::FlagMode,
    /// In taint mode, whether the returned value goes untested (the sum
    /// twin of an element function: a sum's own result shows whether any
    /// element was not finite; `function::Twin::Sum`).
    pub return_untested: bool,
    /// The FP status word of the function (`fpstatus`); `None` when flags
    /// are not tracked (fast-math) or outside a kernel.
    pub status: Option<inkwell::values::PointerValue<'ctx>>,
    /// The status word, also under fast-math (runtime errors set
    /// `fpstatus::ERROR` in it).
    pub error_status: Option<inkwell::values::PointerValue<'ctx>>,
    /// While emitting a loop body whose iterations are independent, the
    /// access group its loads and stores join (`codegen::metadata`).
    pub access_group: Option<AccessGroup>,
    /// Describes the array access being emitted for `IndexError` messages:
    /// the array's name and the source line.
    pub access_context: String,
    /// The references to allocated arrays the function holds while the
    /// instruction being emitted runs (`ir::Function::held`): an early
    /// return because it raised drops them.
    pub held: Vec<(crate::types::Type, inkwell::values::BasicValueEnum<'ctx>)>,
    /// The calling thread's random generator state, fetched once at the
    /// entry of the function it belongs to (`codegen::random`).
    pub random_state: Option<(FunctionValue<'ctx>, inkwell::values::PointerValue<'ctx>)>,
}

/// The module being built: the LLVM module and builder, the host, the
/// options every function of the module is compiled with, and helpers and
/// declarations shared by its functions. `func` is the state of the
/// function being emitted.
pub struct Codegen<'ctx> {
    pub ctx: &'ctx Context,
    pub module: Module<'ctx>,
    pub builder: Builder<'ctx>,
    pub host: HostCpu,
    /// libmvec is loaded: transcendental calls carry vector variants.
    pub vector_math: bool,
    pub fast_math: FastMath,
    /// Check indices and raise `IndexError` (`boundscheck=True`).
    pub boundscheck: bool,
    pub error_model: ErrorModel,
    /// Every call checks whether the callee raised (whole functions, where
    /// allocation can fail too), not only under `may_raise`'s options.
    pub check_every_call: bool,
    /// The status word functions get is the first field of a `StatusRecord`
    /// whose `stack_limit` the entry filled in (`@jit` entries): a
    /// recursive function reads its stack limit there instead of calling
    /// the runtime.
    pub stack_limit_in_status: bool,
    helpers: HashMap<String, FunctionValue<'ctx>>,
    /// Vector variants declared for the loop vectorizer; kept alive through
    /// `llvm.compiler.used` until it has run.
    pub vector_decls: Vec<FunctionValue<'ctx>>,
    /// The function being emitted.
    pub func: FunctionState<'ctx>,
    /// The module's functions that are jitufunc's own NumPy functions
    /// (`ir::Function::is_numpy_library`).
    pub library: Vec<FunctionValue<'ctx>>,
    /// Elementwise loops leave their exact range function to be compiled
    /// on first use (`loops::deferred`): the module's code may then hold
    /// this process's addresses, so it is never kept as an object.
    pub defer_exact: bool,
    /// What the module's code refers to by address (`loops::deferred`
    /// slots): handed to the linked code, which keeps it alive.
    pub companions: Vec<std::sync::Arc<dyn std::any::Any + Send + Sync>>,
}

impl<'ctx> Codegen<'ctx> {
    /// A context for a module named `name` for the host CPU (with libmvec
    /// when it is available) and `options`.
    pub fn for_host(ctx: &'ctx Context, name: &str, options: CodegenOptions) -> Result<Self> {
        let mut cg = Codegen::new(
            ctx,
            name,
            crate::engine::host::host_cpu()?.clone(),
            crate::engine::runtime::vector_math_available(),
        );
        cg.fast_math = options.fast_math;
        cg.boundscheck = options.boundscheck;
        cg.error_model = options.error_model;
        Ok(cg)
    }

    pub fn new(ctx: &'ctx Context, name: &str, host: HostCpu, vector_math: bool) -> Self {
        Codegen {
            ctx,
            module: ctx.create_module(name),
            builder: ctx.create_builder(),
            host,
            vector_math,
            fast_math: FastMath::default(),
            boundscheck: false,
            error_model: ErrorModel::Numpy,
            check_every_call: false,
            stack_limit_in_status: false,
            helpers: HashMap::new(),
            vector_decls: vec![],
            func: FunctionState::default(),
            library: vec![],
            defer_exact: false,
            companions: vec![],
        }
    }

    /// The options this module is compiled with.
    pub fn options(&self) -> CodegenOptions {
        CodegenOptions {
            fast_math: self.fast_math,
            boundscheck: self.boundscheck,
            error_model: self.error_model,
        }
    }

    /// Whether generated functions may raise (and callers must check).
    pub fn may_raise(&self) -> bool {
        self.boundscheck || self.error_model == ErrorModel::Python || self.check_every_call
    }

    /// Runs `emit` with `state` as the state of the function being
    /// emitted, then restores the caller's.
    pub fn in_function<T>(
        &mut self,
        state: FunctionState<'ctx>,
        emit: impl FnOnce(&mut Self) -> T,
    ) -> T {
        let outer = std::mem::replace(&mut self.func, state);
        let result = emit(self);
        self.func = outer;
        result
    }

    /// A stack slot of type `ty` at the start of the current function's
    /// entry block, where LLVM's mem2reg promotes it to a register (an
    /// alloca inside a loop body stays in memory and grows the stack).
    pub fn entry_alloca(
        &self,
        ty: impl BasicType<'ctx>,
        name: &str,
    ) -> Result<inkwell::values::PointerValue<'ctx>> {
        let entry = self
            .builder
            .get_insert_block()
            .and_then(|bb| bb.get_parent())
            .and_then(|f| f.get_first_basic_block())
            .ok_or_else(|| CompileError::internal("alloca outside a function"))?;
        let at_entry = self.ctx.create_builder();
        match entry.get_first_instruction() {
            Some(first) => at_entry.position_before(&first),
            None => at_entry.position_at_end(entry),
        }
        Ok(at_entry.build_alloca(ty, name)?)
    }

    pub fn float_type(&self, s: Scalar) -> FloatType<'ctx> {
        match s {
            Scalar::F16 => self.ctx.f16_type(),
            Scalar::F32 | Scalar::C64 => self.ctx.f32_type(),
            _ => self.ctx.f64_type(),
        }
    }

    pub fn int_type(&self, bits: u32) -> inkwell::types::IntType<'ctx> {
        match bits {
            1 => self.ctx.bool_type(),
            8 => self.ctx.i8_type(),
            16 => self.ctx.i16_type(),
            32 => self.ctx.i32_type(),
            _ => self.ctx.i64_type(),
        }
    }

    pub fn complex_type(&self, s: Scalar) -> StructType<'ctx> {
        let f = self.float_type(s.component()).as_basic_type_enum();
        self.ctx.struct_type(&[f, f], false)
    }

    /// The LLVM type of a scalar in registers (bool is i1).
    pub fn scalar_type(&self, s: Scalar) -> BasicTypeEnum<'ctx> {
        match s {
            Scalar::Bool => self.ctx.bool_type().into(),
            s if s.is_int() => self.int_type(s.bits()).into(),
            s if s.is_float() => self.float_type(s).into(),
            s => self.complex_type(s).into(),
        }
    }

    /// The LLVM type of a value of IR type `t`; `None` for `NoneType`.
    pub fn llvm_type(&self, t: &Type) -> Result<Option<BasicTypeEnum<'ctx>>> {
        Ok(Some(match t {
            t if !t.has_value() => return Ok(None),
            t if t.is_scalar() => self.scalar_type(t.storage().expect("scalar")),
            Type::Tuple(items) => {
                let mut fields = vec![];
                for i in items {
                    fields.push(self.llvm_type(i)?.ok_or_else(|| {
                        CompileError::internal("None inside a tuple has no LLVM type")
                    })?);
                }
                self.ctx.struct_type(&fields, false).into()
            }
            Type::Array(a) => super::arrays::view_type(self, a.ndim).into(),
            Type::List(_) | Type::Dict(..) | Type::Generator => self.ptr_type().into(),
            Type::Slice => {
                let i64t = self.ctx.i64_type();
                self.ctx
                    .struct_type(&[i64t.into(), i64t.into(), i64t.into()], false)
                    .into()
            }
            other => return Err(CompileError::internal(format!("no LLVM type for {other}"))),
        }))
    }

    pub fn ptr_type(&self) -> inkwell::types::PointerType<'ctx> {
        self.ctx.ptr_type(AddressSpace::default())
    }

    /// Adds the host CPU attributes (and `nounwind`) to a function.
    pub fn add_host_attributes(&self, f: FunctionValue<'ctx>) {
        f.add_attribute(
            AttributeLoc::Function,
            self.ctx
                .create_string_attribute("target-cpu", &self.host.cpu),
        );
        f.add_attribute(
            AttributeLoc::Function,
            self.ctx
                .create_string_attribute("target-features", &self.host.features),
        );
        self.add_enum_attribute(f, "nounwind");
    }

    /// Makes `f` realign its stack frame to 64 bytes. Loops spill vector
    /// registers; on the ABI's 16-byte aligned stack a 64-byte spill slot
    /// straddles two cache lines three times in four, and the same loop ran
    /// at 42, 57 or 76 ms (benchmark `piecewise`) depending on where the
    /// process's stack happened to start.
    pub fn align_stack_for_vectors(&self, f: FunctionValue<'ctx>) {
        let kind = Attribute::get_named_enum_kind_id("alignstack");
        f.add_attribute(
            AttributeLoc::Function,
            self.ctx.create_enum_attribute(kind, 64),
        );
    }

    pub fn add_enum_attribute(&self, f: FunctionValue<'ctx>, name: &str) {
        let kind = Attribute::get_named_enum_kind_id(name);
        f.add_attribute(
            AttributeLoc::Function,
            self.ctx.create_enum_attribute(kind, 0),
        );
    }

    /// An internal, always-inlined function (kernels and helpers).
    pub fn add_inline_function(&self, name: &str, ty: FunctionType<'ctx>) -> FunctionValue<'ctx> {
        let f = self.module.add_function(name, ty, Some(Linkage::Internal));
        self.add_host_attributes(f);
        self.add_enum_attribute(f, "alwaysinline");
        f
    }

    /// Returns the helper `name`, building it with `build` the first time.
    /// `build` gets the empty function and must emit its body; the builder's
    /// position is saved and restored around it. Helpers are pure: they
    /// report no FP flags (their callers do), so no status word is in scope
    /// while they are built.
    pub fn helper(
        &mut self,
        name: &str,
        ty: FunctionType<'ctx>,
        build: impl FnOnce(&mut Self, FunctionValue<'ctx>) -> Result<()>,
    ) -> Result<FunctionValue<'ctx>> {
        if let Some(f) = self.helpers.get(name) {
            return Ok(*f);
        }
        let f = self.add_inline_function(name, ty);
        self.helpers.insert(name.to_string(), f);
        let saved = self.builder.get_insert_block();
        let entry = self.ctx.append_basic_block(f, "entry");
        self.builder.position_at_end(entry);
        let built = self.in_function(FunctionState::default(), |cg| build(cg, f));
        if let Some(b) = saved {
            self.builder.position_at_end(b);
        }
        built.map(|_| f)
    }

    /// Declares (once) an external function.
    pub fn external(&self, name: &str, ty: FunctionType<'ctx>) -> FunctionValue<'ctx> {
        self.module
            .get_function(name)
            .unwrap_or_else(|| self.module.add_function(name, ty, Some(Linkage::External)))
    }

    pub fn call(
        &self,
        f: FunctionValue<'ctx>,
        args: &[BasicValueEnum<'ctx>],
    ) -> Result<CallSiteValue<'ctx>> {
        let args: Vec<_> = args.iter().map(|a| (*a).into()).collect();
        Ok(self.builder.build_call(f, &args, "")?)
    }

    pub fn call_value(
        &self,
        f: FunctionValue<'ctx>,
        args: &[BasicValueEnum<'ctx>],
    ) -> Result<BasicValueEnum<'ctx>> {
        match self.call(f, args)?.try_as_basic_value() {
            inkwell::values::ValueKind::Basic(v) => Ok(v),
            _ => Err(CompileError::internal(
                "call of a void function used as a value",
            )),
        }
    }

    /// Keeps the declared vector variants alive until the vectorizer runs:
    /// declarations through `llvm.compiler.used` (which emits nothing),
    /// definitions (masked wrappers) by making them external for the
    /// optimisation pipeline, marked `VECTOR_VARIANT` so that
    /// `engine::object` makes them internal again and deletes the unused
    /// ones afterwards.
    pub fn finish_vector_decls(&self) {
        let mut ptrs = vec![];
        for f in &self.vector_decls {
            if f.count_basic_blocks() == 0 {
                ptrs.push(f.as_global_value().as_pointer_value());
            } else {
                f.set_linkage(Linkage::External);
                f.add_attribute(
                    AttributeLoc::Function,
                    self.ctx.create_string_attribute(VECTOR_VARIANT, ""),
                );
            }
        }
        if ptrs.is_empty() {
            return;
        }
        let ty = self.ptr_type().array_type(ptrs.len() as u32);
        let g = self.module.add_global(ty, None, "llvm.compiler.used");
        g.set_linkage(Linkage::Appending);
        g.set_section(Some("llvm.metadata"));
        g.set_initializer(&self.ptr_type().const_array(&ptrs));
    }
}
