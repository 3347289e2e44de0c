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

/// At most two malloc arenas (glibc's default is eight per core): the server's threads are
/// mostly idle or waiting on the database, and every extra arena keeps its own freed memory.
/// Call first thing in `main`, before any thread starts; a no-op off glibc.
pub fn limit_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator tuning; called before other threads exist.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}
