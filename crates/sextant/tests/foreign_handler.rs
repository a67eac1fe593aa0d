//! A SIGPROF handler installed by someone else is refused with a clear error, not chained
//! and not overwritten. Its own test binary: it must run before any profile starts.

extern "C" fn theirs(_: libc::c_int) {}

#[test]
fn another_sigprof_handler_is_refused_and_left_in_place() {
    // SAFETY: installs a trivial handler through a zeroed sigaction we own.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = theirs as *const () as libc::sighandler_t;
        assert_eq!(libc::sigaction(libc::SIGPROF, &sa, std::ptr::null_mut()), 0);
    }
    let err = sextant::cpu::ProfilerBuilder::new().start().unwrap_err();
    assert!(
        matches!(err, sextant::Error::ForeignSigprofHandler),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("SIGPROF handler is already installed")
    );
    // SAFETY: reads the current disposition into a zeroed struct we own.
    let now = unsafe {
        let mut old: libc::sigaction = std::mem::zeroed();
        libc::sigaction(libc::SIGPROF, std::ptr::null(), &mut old);
        old.sa_sigaction
    };
    assert_eq!(now, theirs as *const () as libc::sighandler_t);
    // And the refusal left nothing running: a second attempt gives the same error, not
    // "already in use".
    let err = sextant::cpu::ProfilerBuilder::new().start().unwrap_err();
    assert!(matches!(err, sextant::Error::ForeignSigprofHandler));
}
