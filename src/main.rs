//! The `tbtrain` binary: parse, dispatch, and turn every error into one line and an
//! exit code (2 usage, 1 data or I/O, 128 + the signal's number when stopped by SIGINT,
//! SIGTERM or SIGHUP: 130, 143, 129).

mod cli;
mod failure;
mod report;
mod signals;

use std::io::{IsTerminal, Write as _};
use std::process::ExitCode;
use std::sync::atomic::Ordering;

use clap::{CommandFactory, Parser};

use cli::{
    Cli, Command, CompareArgs, CompletionsArgs, ExportArgs, InspectArgs, SweepArgs, TrainArgs,
};
use failure::{Failure, EXIT_USAGE};
use tbtrain::sweep::{self, Shard, Sweep, SweepOptions};
use tbtrain::train::{self, Outcome};

/// Exit code after a stop whose signal is unknown (that of Ctrl-C, 128 + SIGINT).
const EXIT_INTERRUPTED: u8 = 130;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if e.use_stderr() => {
            let _ = e.print();
            return ExitCode::from(EXIT_USAGE);
        }
        // --help and --version: their text goes to standard output, which can fail.
        Err(e) => {
            return match print_out(&e.render().to_string()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(failure) => {
                    print_error(&failure.message);
                    ExitCode::from(failure.code)
                }
            }
        }
    };
    let result = match cli.command {
        Some(Command::Train(args)) => run_train(&args),
        Some(Command::Inspect(args)) => run_inspect(&args),
        Some(Command::Export(args)) => run_export(&args),
        Some(Command::Compare(args)) => run_compare(&args),
        Some(Command::Sweep(args)) => run_sweep(&args),
        Some(Command::Completions(args)) => run_completions(&args),
        Some(Command::Man) => run_man(),
        None => run_train(&cli.train),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            print_error(&failure.message);
            ExitCode::from(failure.code)
        }
    }
}

/// Writes `text` to standard output. A closed pipe (`tbtrain inspect logs | head`) is
/// not an error; any other failure (e.g. a full disk) is, instead of a panic.
fn print_out(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::data(format!(
            "cannot write to standard output: {e}"
        ))),
    }
}

/// Prints `tbtrain: <message>` on standard error; if even that fails, there is no one
/// left to tell (the exit code still says it).
fn print_error(message: &str) {
    // Messages quote paths, CSV fields and file contents: escaped, they cannot move
    // the cursor or fake a line.
    let message = tbtrain::escape::for_terminal(message);
    let _ = writeln!(std::io::stderr(), "tbtrain: {message}");
}

/// After a stop by a signal: prints `interrupted by <SIGNAL><what>` and returns the
/// exit code, 128 + the signal's number.
fn interrupted(what: &str) -> u8 {
    let signal = signals::received();
    let name = signal.map_or("a signal", signals::Signal::name);
    print_error(&format!("interrupted by {name}{what}"));
    signal.map_or(EXIT_INTERRUPTED, signals::Signal::exit_code)
}

fn run_train(args: &TrainArgs) -> Result<u8, Failure> {
    let mut config = args.to_config(chrono::Local::now());
    failure::refuse_unused(
        &args.settings.given,
        std::slice::from_ref(&config),
        "nothing in this run",
    )?;
    // The library never follows a run directory that is a link (it could have been
    // planted in a shared directory); a --logdir link is the user's own choice: follow it
    // here. A dangling one stays as it is and is refused.
    if std::fs::symlink_metadata(&config.logdir).is_ok_and(|m| m.file_type().is_symlink()) {
        if let Ok(target) = std::fs::canonicalize(&config.logdir) {
            config.logdir = target;
        }
    }
    let data = sweep::exec::load_data(&config).map_err(Failure::data)?;
    if args.logdir.is_none() {
        // A default directory is named by the second: two runs started in one second
        // get two directories (the second with a suffix), after every check passed.
        config.validate(&data.shape())?;
        config.logdir = train::fresh_default(&config.logdir)?;
    }
    let stop = signals::install();
    let show_bar = !args.output.quiet && std::io::stderr().is_terminal();
    let steps = config.counted_steps(data.train.len());
    let mut progress = report::Bar::new(show_bar, steps);
    let result = train::train(&config, &data, stop, &mut progress);
    progress.finish();
    let report = result?;
    if !args.output.quiet {
        print_out(&report::run_summary(&config, &report))?;
    }
    match report.outcome {
        Outcome::Completed => Ok(0),
        Outcome::Diverged { step, cause } => Err(Failure::data(format!(
            "training diverged at step {step}: {}. What was logged is in {}",
            failure::divergence_cause(cause, &config, report.divergence_limit),
            config.logdir.display()
        ))),
        Outcome::Interrupted { step } => Ok(interrupted(&format!(
            " before step {step}; the log so far is in {}",
            config.logdir.display()
        ))),
    }
}

/// `tbtrain completions SHELL`: the completion script on standard output.
fn run_completions(args: &CompletionsArgs) -> Result<u8, Failure> {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "tbtrain", &mut script);
    print_out(&String::from_utf8_lossy(&script))?;
    Ok(0)
}

/// `tbtrain man`: the manual page (roff) on standard output.
fn run_man() -> Result<u8, Failure> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut page)
        .map_err(|e| Failure::data(format!("cannot render the manual page: {e}")))?;
    print_out(&String::from_utf8_lossy(&page))?;
    Ok(0)
}

fn run_inspect(args: &InspectArgs) -> Result<u8, Failure> {
    let runs = tbtrain::inspect::scan(&args.path).map_err(Failure::data)?;
    if args.json {
        print_out(&format!("{}\n", tbtrain::inspect::render_json(&runs)))?;
    } else {
        print_out(&tbtrain::inspect::render_text(&runs))?;
    }
    Ok(0)
}

/// `tbtrain export`: rows on standard output (a closed pipe ends it quietly) or, with
/// `--out`, in a file that is whole or absent. Problems in the files go to standard
/// error, one line each, and the export goes on (exit 0).
fn run_export(args: &ExportArgs) -> Result<u8, Failure> {
    use tbtrain::export::{export, AtomicFile, Error};
    let problem = |run: &tbtrain::inspect::RunName, p: &str| {
        print_error(&format!("{}: {p}", run.to_text()));
    };
    let Some(out) = &args.out else {
        let stdout = std::io::stdout();
        let options = args.options(stdout.is_terminal());
        return match export(&args.path, &options, stdout.lock(), problem) {
            Ok(_) => Ok(0),
            Err(Error::Write(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(0),
            Err(Error::Write(e)) => Err(Failure::data(format!(
                "cannot write to standard output: {e}"
            ))),
            Err(e) => Err(Failure::data(e)),
        };
    };
    let cannot_write =
        |e: std::io::Error| Failure::data(format!("cannot write {}: {e}", out.display()));
    let mut file = AtomicFile::create(out).map_err(cannot_write)?;
    match export(&args.path, &args.options(false), &mut file, problem) {
        Ok(_) => file.commit().map_err(cannot_write).map(|()| 0),
        Err(Error::Write(e)) => Err(cannot_write(e)),
        Err(e) => Err(Failure::data(e)),
    }
}

/// Trainings at once: `--jobs`, or the number of cores.
fn jobs(flag: Option<u64>) -> usize {
    match flag {
        Some(n) => usize::try_from(n).unwrap_or(usize::MAX),
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    }
}

/// `tbtrain compare`: exit 0 when every run completed, 1 when one diverged or failed
/// (after printing the table), 128 + the signal's number when stopped by a signal.
fn run_compare(args: &CompareArgs) -> Result<u8, Failure> {
    let configs = args.to_configs();
    failure::refuse_unused(&args.settings.given, &configs, "none of the compared runs")?;
    if !args.output.overwrite {
        for config in &configs {
            train::check_logdir(&config.logdir, false)?;
        }
    }
    let Some(first) = configs.first() else {
        return Ok(0);
    };
    let data = sweep::exec::load_data(first).map_err(Failure::data)?;
    for config in &configs {
        config.validate(&data.shape())?;
    }
    let stop = signals::install();
    // Each run counts its `--steps` until its data is loaded, then its real steps
    // (`BatchProgress::recount`), as in a sweep.
    let bar = report::BatchBar::new(
        !args.output.quiet,
        configs.iter().map(|c| c.steps).sum(),
        configs.len(),
    );
    let jobs = jobs(args.jobs);
    let results = sweep::execute(&configs, jobs, stop, &bar);
    bar.finish();
    if !args.output.quiet {
        print_out(&format!(
            "{}view: tensorboard --logdir {}\n",
            report::compare_table(&configs, &results),
            args.logdir.display()
        ))?;
    }
    let mut failed = Vec::new();
    for (config, result) in configs.iter().zip(&results) {
        let act = config.act.name();
        match result {
            Some(Ok(r)) => match r.outcome {
                Outcome::Completed | Outcome::Interrupted { .. } => {}
                Outcome::Diverged { step, cause } => failed.push(format!(
                    "{act} diverged at step {step}: {}",
                    failure::divergence_cause(cause, config, r.divergence_limit)
                )),
            },
            Some(Err(e)) => failed.push(format!("{act}: {e}")),
            None => {}
        }
    }
    if stop.load(Ordering::SeqCst) {
        return Ok(interrupted(&format!(
            "; the logs so far are in {}",
            args.logdir.display()
        )));
    }
    if failed.is_empty() {
        Ok(0)
    } else {
        Err(Failure::data(failed.join("; ")))
    }
}

/// `tbtrain sweep`: exit 0 when the sweep ran, whatever its runs did (failed runs are in
/// the summary); 2 for bad flags, 1 when the sweep's own files cannot be written or the
/// log directory is in use, 128 + the signal's number when stopped (the summary of what
/// finished is still printed and written).
fn run_sweep(args: &SweepArgs) -> Result<u8, Failure> {
    if args.summarize_only {
        return run_summarize(args);
    }
    let spec = args.to_spec()?;
    if spec.collapsed() > 0 && !args.output.quiet {
        let why: Vec<String> = spec
            .collapsed_over()
            .iter()
            .map(|s| {
                format!(
                    "{} changes only {}",
                    failure::flag(*s),
                    s.used_by().unwrap_or("some runs")
                )
            })
            .collect();
        let (n, runs) = (spec.collapsed(), spec.len());
        print_error(&format!(
            "note: {n} {} of the lists {} the same run as another, run once ({}); {runs} {}",
            if n == 1 {
                "combination"
            } else {
                "combinations"
            },
            if n == 1 { "was" } else { "were" },
            why.join("; "),
            if runs == 1 { "run" } else { "runs" }
        ));
    }
    let shard = args.shard.unwrap_or(Shard::ALL);
    let sweep = Sweep::new(
        spec,
        SweepOptions {
            shard,
            jobs: jobs(args.jobs),
            overwrite: args.output.overwrite,
            resume: args.resume,
        },
    );
    let stop = signals::install();
    let plan = sweep.prepare()?;
    let bar = report::BatchBar::new(!args.output.quiet, plan.total_steps(), plan.to_train());
    let result = plan.run(stop, &bar);
    bar.finish();
    let done = result?;
    let logdir = sweep.logdir().display();
    if !args.output.quiet {
        let mut text = String::new();
        if !done.wrote_summary {
            text += &format!("shard {shard}: {} runs of the sweep\n", sweep.runs().len());
        }
        if args.resume {
            text += &format!(
                "resumed: {} of {} runs had finished and were kept\n",
                done.kept,
                sweep.runs().len()
            );
        }
        if !text.is_empty() {
            text += "\n";
        }
        text += &tbtrain::escape::lines_for_terminal(
            sweep::disk::summary_markdown(&done.summary).trim_end(),
        );
        text += "\n";
        if done.wrote_summary {
            text += &summary_files_line(&sweep.logdir().display().to_string());
        } else {
            text += &format!(
                "\nwhen every shard is done: tbtrain sweep --summarize-only --logdir {logdir}\n"
            );
        }
        text += &format!("view: tensorboard --logdir {logdir}\n");
        print_out(&text)?;
    }
    if stop.load(Ordering::SeqCst) {
        let runs = |n: usize| {
            if n == 1 {
                "1 run".into()
            } else {
                format!("{n} runs")
            }
        };
        return Ok(interrupted(&format!(
            "; {} not started, {} in the summary; the same command with --resume finishes the sweep",
            runs(done.not_started),
            runs(done.records.len())
        )));
    }
    Ok(0)
}

/// `tbtrain sweep --summarize-only`: rebuilds the summary from the logs.
fn run_summarize(args: &SweepArgs) -> Result<u8, Failure> {
    let rebuilt = sweep::summarize(&args.logdir)?;
    for dir in &rebuilt.skipped {
        print_error(&format!(
            "{} holds event files but no hparams session; not a sweep run, skipped",
            dir.display()
        ));
    }
    if !args.output.quiet {
        let logdir = args.logdir.display().to_string();
        print_out(&format!(
            "{}\n{}view: tensorboard --logdir {logdir}\n",
            tbtrain::escape::lines_for_terminal(
                sweep::disk::summary_markdown(&rebuilt.summary).trim_end()
            ),
            summary_files_line(&logdir)
        ))?;
    }
    Ok(0)
}

/// Where a sweep's summary files are.
fn summary_files_line(logdir: &str) -> String {
    let dir = sweep::disk::summary_dir(std::path::Path::new(logdir));
    format!(
        "\nsummary: {} and {}\n",
        dir.join(sweep::disk::SUMMARY_MD).display(),
        dir.join(sweep::disk::SUMMARY_CSV).display()
    )
}
