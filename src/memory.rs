//! Handing freed memory back to the operating system after large, short-lived work.

/// glibc keeps freed memory in the arena of the thread that used it. A report (parsed fonts
/// aside, which stay cached) allocates around ten megabytes on whichever blocking thread ran
/// it; without this the server's resident memory grows by that much per thread that ever made
/// a report. Cheap next to making a report; a no-op off glibc.
pub fn release_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim has no preconditions; it only returns free pages to the kernel.
    unsafe {
        libc::malloc_trim(0);
    }
}
