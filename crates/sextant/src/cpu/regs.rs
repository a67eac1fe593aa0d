//! The interrupted thread's registers, read from the signal's `ucontext`, per architecture.

/// What the unwinder starts from.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Regs {
    /// The interrupted instruction.
    pub(crate) pc: u64,
    /// The stack pointer.
    pub(crate) sp: u64,
    /// The frame pointer (`rbp`, `x29`).
    pub(crate) fp: u64,
    /// The link register (`x30`; unused on x86_64).
    #[cfg_attr(target_arch = "x86_64", allow(dead_code))]
    pub(crate) lr: u64,
}

impl Regs {
    /// Reads the registers saved in a signal's context.
    ///
    /// # Safety
    ///
    /// `ctx` must be the `ucontext_t` pointer the kernel passed to an `SA_SIGINFO` handler.
    #[cfg(target_arch = "x86_64")]
    pub(crate) unsafe fn from_ucontext(ctx: *const libc::c_void) -> Regs {
        // SAFETY: the caller passes the kernel's ucontext, valid for the handler's duration.
        let g = unsafe { &(*ctx.cast::<libc::ucontext_t>()).uc_mcontext.gregs };
        Regs {
            pc: g[libc::REG_RIP as usize] as u64,
            sp: g[libc::REG_RSP as usize] as u64,
            fp: g[libc::REG_RBP as usize] as u64,
            lr: 0,
        }
    }

    /// Reads the registers saved in a signal's context.
    ///
    /// # Safety
    ///
    /// `ctx` must be the `ucontext_t` pointer the kernel passed to an `SA_SIGINFO` handler.
    #[cfg(target_arch = "aarch64")]
    pub(crate) unsafe fn from_ucontext(ctx: *const libc::c_void) -> Regs {
        // SAFETY: the caller passes the kernel's ucontext, valid for the handler's duration.
        let m = unsafe { &(*ctx.cast::<libc::ucontext_t>()).uc_mcontext };
        Regs {
            pc: m.pc,
            sp: m.sp,
            fp: m.regs[29],
            lr: m.regs[30],
        }
    }

    /// framehop's register set for this architecture.
    #[cfg(target_arch = "x86_64")]
    pub(crate) fn unwind_regs(self) -> framehop::UnwindRegsNative {
        framehop::UnwindRegsNative::new(self.pc, self.sp, self.fp)
    }

    /// framehop's register set for this architecture.
    #[cfg(target_arch = "aarch64")]
    pub(crate) fn unwind_regs(self) -> framehop::UnwindRegsNative {
        framehop::UnwindRegsNative::new(self.lr, self.sp, self.fp)
    }
}
