//! The `rarlink` binary: parses the command line and reports failures as one clear message.

use clap::Parser;

fn main() {
    // SAFETY: first thing in main: one thread, no SQLite connection opened yet.
    unsafe { rarlink::db::sqlite_memory_statistics_off() };
    // SAFETY: as above, no other thread exists yet.
    unsafe { rarlink::db::limit_malloc_arenas() };
    let cli = rarlink::cli::Cli::parse();
    if let Err(message) = rarlink::cli::run(cli) {
        eprintln!("rarlink: {message}");
        std::process::exit(1);
    }
}
