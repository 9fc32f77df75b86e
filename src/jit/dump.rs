//! `JITUFUNC_DUMP=typed,llvm-unopt,llvm,asm` prints the corresponding
//! stages of every compilation to stderr (for debugging and curiosity).

use std::sync::OnceLock;

/// A stage that can be dumped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// The typed IR of each kernel.
    Typed,
    /// LLVM IR before optimisation.
    LlvmUnoptimized,
    /// LLVM IR after optimisation.
    Llvm,
    /// Assembly.
    Asm,
}

fn stages() -> &'static [Stage] {
    static STAGES: OnceLock<Vec<Stage>> = OnceLock::new();
    STAGES.get_or_init(|| {
        let Ok(v) = std::env::var("JITUFUNC_DUMP") else {
            return vec![];
        };
        v.split(',')
            .filter_map(|s| match s.trim() {
                "typed" | "ir" => Some(Stage::Typed),
                "llvm-unopt" => Some(Stage::LlvmUnoptimized),
                "llvm" => Some(Stage::Llvm),
                "asm" => Some(Stage::Asm),
                _ => None,
            })
            .collect()
    })
}

pub fn enabled(stage: Stage) -> bool {
    stages().contains(&stage)
}

/// Prints `text` under a heading if `stage` is being dumped.
pub fn dump(stage: Stage, what: &str, text: impl FnOnce() -> String) {
    if enabled(stage) {
        eprintln!("==== jitufunc {stage:?}: {what} ====\n{}", text());
    }
}
