//! The `yumalab` binary: parse the arguments, run the command, map failures to exit codes
//! (0 ok, 1 user error, 2 internal error). Everything else lives in the library and `cli`.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    match cli::Cli::try_parse() {
        Ok(args) => match cli::run(args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(failure) => cli::report(failure),
        },
        Err(err) => cli::usage(err),
    }
}
