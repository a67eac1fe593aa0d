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

    /// The registers of the calling function, at the point of the call, for unwinding the
    /// current thread outside a signal handler (the heap sampler, thread creation, lock
    /// waits). Inlined into its caller, whose own frame is then the first one unwound.
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    pub(crate) fn capture() -> Regs {
        let (pc, sp, fp): (u64, u64, u64);
        // SAFETY: reads the instruction pointer, stack pointer and frame pointer into
        // registers; touches no memory and no flags.
        unsafe {
            std::arch::asm!(
                "lea {pc}, [rip]",
                "mov {sp}, rsp",
                "mov {fp}, rbp",
                pc = out(reg) pc,
                sp = out(reg) sp,
                fp = out(reg) fp,
                options(nomem, nostack, preserves_flags),
            );
        }
        Regs { pc, sp, fp, lr: 0 }
    }

    /// The registers of the calling function, at the point of the call, for unwinding the
    /// current thread outside a signal handler. Inlined into its caller.
    #[cfg(target_arch = "aarch64")]
    #[inline(always)]
    pub(crate) fn capture() -> Regs {
        let (pc, sp, fp, lr): (u64, u64, u64, u64);
        // SAFETY: reads pc, sp, x29 and x30 into registers; touches no memory and no flags.
        unsafe {
            std::arch::asm!(
                "adr {pc}, .",
                "mov {sp}, sp",
                "mov {fp}, x29",
                "mov {lr}, x30",
                pc = out(reg) pc,
                sp = out(reg) sp,
                fp = out(reg) fp,
                lr = out(reg) lr,
                options(nomem, nostack, preserves_flags),
            );
        }
        Regs { pc, sp, fp, lr }
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
