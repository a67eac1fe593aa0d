//! What every collector shares to take stacks and turn them into a profile: the registers to
//! start from ([`Regs`], from a signal's context or from the current function), the unwinder
//! with tables parsed beforehand ([`StackWalker`], async-signal-safe), the readable stack
//! ranges it checks its reads against ([`StackRanges`]), and the builder that symbolizes the
//! collected addresses into profile locations once, at write time ([`ProfileBuilder`]).

mod regs;
mod stack;
mod symbols;
mod unwind;

pub(crate) use regs::Regs;
#[allow(unused_imports)]
pub(crate) use stack::StackRanges;
pub(crate) use symbols::ProfileBuilder;
pub(crate) use unwind::StackWalker;

/// Frames kept per stack. Go keeps 64 (32 for heap profiles); Rust stacks run deeper (async
/// runtimes, iterator adapters, generic layers), so we keep 128. A deeper stack keeps its 128
/// innermost frames and is marked truncated.
pub(crate) const MAX_DEPTH: usize = 128;

/// The stack reached [`MAX_DEPTH`] with frames left.
pub(crate) const TRUNCATED: u32 = 1;
/// The unwinder stopped on an error before reaching the stack's root.
pub(crate) const UNWIND_FAILED: u32 = 2;
