//! `JITUFUNC_DUMP=typed,llvm-unopt,llvm,asm,timing` prints the corresponding
//! stages of every compilation to stderr (for debugging and curiosity).

use std::sync::OnceLock;

/// A stage that can be dumped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DumpStage {
    /// The typed IR of each kernel.
    Typed,
    /// LLVM IR before optimisation.
    LlvmUnoptimized,
    /// LLVM IR after optimisation.
    Llvm,
    /// Assembly.
    Asm,
    /// Time spent in each phase.
    Timing,
}

fn stages() -> &'static [DumpStage] {
    static STAGES: OnceLock<Vec<DumpStage>> = OnceLock::new();
    STAGES.get_or_init(|| {
        let Ok(v) = std::env::var("JITUFUNC_DUMP") else {
            return vec![];
        };
        v.split(',')
            .filter_map(|s| match s.trim() {
                "typed" | "ir" => Some(DumpStage::Typed),
                "llvm-unopt" => Some(DumpStage::LlvmUnoptimized),
                "llvm" => Some(DumpStage::Llvm),
                "asm" => Some(DumpStage::Asm),
                "timing" => Some(DumpStage::Timing),
                _ => None,
            })
            .collect()
    })
}

pub fn enabled(stage: DumpStage) -> bool {
    stages().contains(&stage)
}

/// Prints `text` under a heading if `stage` is being dumped.
pub fn dump(stage: DumpStage, what: &str, text: impl FnOnce() -> String) {
    if enabled(stage) {
        eprintln!("==== jitufunc {stage:?}: {what} ====\n{}", text());
    }
}

/// Phase timings of one compilation, printed with `JITUFUNC_DUMP=timing`.
#[derive(Default)]
pub struct Timings {
    phases: Vec<(&'static str, std::time::Duration)>,
    last: Option<std::time::Instant>,
}

impl Timings {
    pub fn start() -> Self {
        Timings {
            phases: vec![],
            last: Some(std::time::Instant::now()),
        }
    }

    /// Ends the current phase under `name`.
    pub fn lap(&mut self, name: &'static str) {
        let now = std::time::Instant::now();
        if let Some(last) = self.last {
            self.phases.push((name, now - last));
        }
        self.last = Some(now);
    }

    pub fn report(&self, what: &str) {
        dump(DumpStage::Timing, what, || {
            self.phases
                .iter()
                .map(|(n, d)| format!("{n:>12}: {:7.2} ms", d.as_secs_f64() * 1e3))
                .collect::<Vec<_>>()
                .join("\n")
        });
    }
}
