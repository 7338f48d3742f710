//! The `fixtura` binary: parse the command line, run the command, and turn any error into
//! one line on standard error and a non-zero exit status.

mod cli;

fn main() {
    std::process::exit(cli::main());
}
