//! The `agentcost` binary: parse the command line, run, map errors to documented exit codes.

mod cli;

use clap::Parser;

fn main() {
    let cli = cli::Cli::parse();
    let code = match cli::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            cli::exit_code(&e)
        }
    };
    std::process::exit(code);
}
