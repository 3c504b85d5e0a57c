use std::process::ExitCode;

/// mimalloc rather than the system allocator: a scan holds millions of small strings
/// (keys, primary keys, hashes), which mimalloc packs without a header each.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_arena_eager_commit` and `mi_option_purge_delay` in the `mi_option_e` of
/// the mimalloc 3 header that libmimalloc-sys 0.1.49 (pinned) builds.
const ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> ExitCode {
    // Memory is committed as it is used and handed back as soon as it is freed:
    // polars' threads free large buffers all through a file scan, and by default
    // mimalloc keeps them, which doubled a Parquet scan's peak memory.
    // SAFETY: mi_option_set stores an option's value, which mimalloc reads when it
    // next reserves, commits or purges memory; it touches no Rust object.
    unsafe {
        libmimalloc_sys::mi_option_set(ARENA_EAGER_COMMIT, 0);
        libmimalloc_sys::mi_option_set(PURGE_DELAY, 0);
    }
    // No transparent huge pages: with memory handed back as soon as it is freed, each
    // 2 MiB page was zeroed again on its next use, a quarter of a database scan's CPU.
    // SAFETY: PR_SET_THP_DISABLE takes plain integers and changes only the process's
    // page policy.
    #[cfg(target_os = "linux")]
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
    let cli = dupaudit::cli::parse();
    match dupaudit::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
