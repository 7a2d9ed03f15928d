//! The `rarlink` binary: parses the command line and reports failures as one clear message.

use clap::Parser;

fn main() {
    let cli = rarlink::cli::Cli::parse();
    if let Err(message) = rarlink::cli::run(cli) {
        eprintln!("rarlink: {message}");
        std::process::exit(1);
    }
}
