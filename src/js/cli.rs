//! The CLI's entry point for `bin/clodo.js`.

/// Runs `clodo <args>` (the arguments after the program name) and returns the exit code.
#[napi]
pub fn run_cli(args: Vec<String>) -> i32 {
    crate::cli::run(args)
}
