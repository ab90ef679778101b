//! The `agentcost` binary: parse the command line, run, map errors to documented exit codes.

mod cli;

use std::io::Write as _;

use clap::Parser;

fn main() {
    let cli = cli::Cli::parse();
    let code = match cli::run(cli) {
        Ok(code) => code,
        Err(e) => {
            // Messages quote the user's input (keys, names, lines of files): shown, not obeyed.
            // A failing stderr leaves only the exit code to tell, so it must not panic.
            let message = format!("error: {e:#}\n");
            let _ = std::io::stderr()
                .write_all(agentcost::report::escape::printable(&message).as_bytes());
            cli::exit_code(&e)
        }
    };
    std::process::exit(code);
}
