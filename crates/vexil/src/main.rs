//! The `vexil` command: argument parsing and glue only. Each subcommand
//! lives in its own module under [`cmd`], with its arguments struct; this
//! file dispatches and turns results into exit codes.
//!
//! Exit codes (also shown by `vexil --help`):
//! - `0`: success;
//! - `1`: the analysis found a problem (reserved for verdicts such as
//!   `vexil scan` flagging a file as malicious);
//! - `2`: usage or input error: bad arguments, an unreadable, malformed or
//!   unsupported file, an address that is not code. The message goes to
//!   stderr as one line, `vexil: <message>: <cause>: ...`.
//!
//! Anything else (101) is a panic, which is always a bug.

mod cmd;

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  the analysis found a problem (e.g. a scan verdict)
  2  usage or input error (bad arguments; unreadable, malformed or unsupported file)";

/// Cross-architecture binary lifting, execution and detection.
#[derive(Debug, Parser)]
#[command(name = "vexil", version, about, after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Show what an ELF file is: architecture, byte order, entry, segments.
    Info(cmd::info::Args),
    /// Lift blocks of machine code to vexil IR and print them.
    Lift(cmd::lift::Args),
    /// Measure how much of a binary's code lifts to IR.
    Coverage(cmd::coverage::Args),
    /// Measure throughput (lifting), to compare with reference tools.
    Bench(cmd::bench::Args),
    /// Extract IR n-gram features from binaries (JSON lines, LibSVM, .npz).
    Features(cmd::features::Args),
    /// Train a classifier from labeled binaries or features.
    Train(cmd::train::Args),
    /// Classify binaries: verdict, score and the n-grams behind it.
    Scan(cmd::scan::Args),
    /// Train on some architectures, test on others; reports and plots.
    Eval(cmd::eval::Args),
}

/// What a successful run concluded.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing to report (exit 0).
    Ok,
    /// The analysis found a problem (exit 1).
    Found,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // --help and --version are not errors; everything else clap
            // rejects is a usage error.
            let code = if err.use_stderr() { 2 } else { 0 };
            let _ = err.print();
            return ExitCode::from(code);
        }
    };
    let mut stdout = std::io::stdout().lock();
    let result = match cli.command {
        Command::Info(args) => cmd::info::run(&args, &mut stdout),
        Command::Lift(args) => cmd::lift::run(&args, &mut stdout),
        Command::Coverage(args) => cmd::coverage::run(&args, &mut stdout),
        Command::Bench(args) => cmd::bench::run(&args, &mut stdout),
        Command::Features(args) => cmd::features::run(&args, &mut stdout),
        Command::Train(args) => cmd::train::run(&args, &mut stdout),
        Command::Scan(args) => cmd::scan::run(&args, &mut stdout),
        Command::Eval(args) => cmd::eval::run(&args, &mut stdout),
    };
    let result = result.and_then(|outcome| {
        stdout.flush()?;
        Ok(outcome)
    });
    match result {
        Ok(Outcome::Ok) => ExitCode::SUCCESS,
        Ok(Outcome::Found) => ExitCode::from(1),
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            // One line, the whole cause chain: `{:#}` joins it with ": ".
            let msg = format!("{err:#}").replace('\n', " ");
            eprintln!("vexil: {msg}");
            ExitCode::from(2)
        }
    }
}

/// `vexil info ... | head` closes the pipe early; that is not an error.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
