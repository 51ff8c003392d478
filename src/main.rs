use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use netsuite_mcp::cert::CertOptions;
use netsuite_mcp::cli::{CertCommand, Cli, Command, ServeArgs, ToolsCommand};
use netsuite_mcp::commands::serve::Transport;
use netsuite_mcp::commands::{self, CommandError, doctor};
use netsuite_mcp::config::Settings;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if !matches!(e, CommandError::ChecksFailed(_)) {
                eprintln!("error: {e}");
            }
            ExitCode::from(e.exit_code())
        }
    }
}

/// Logs go to stderr only: in stdio mode stdout carries protocol frames. `RUST_LOG` sets the level. Colours only
/// on a terminal (and without `NO_COLOR`): MCP clients write a server's stderr to log files.
fn init_tracing() {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let colour = std::io::stderr().is_terminal() && !no_color;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(colour)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}

async fn run(cli: Cli) -> Result<(), CommandError> {
    let config = cli.global.config.as_deref();
    let profile = cli.global.profile.as_deref();
    match cli.command {
        Command::Token { json } => {
            let settings = commands::load_settings(config, profile, Settings::default())?;
            println!("{}", commands::token::run(&settings, json).await?);
        }
        Command::Doctor { certificate } => {
            let settings = commands::load_settings(config, profile, Settings::default())?;
            let report = doctor::run(&settings, certificate.as_deref()).await;
            for line in &report {
                println!("{line}");
                if line.status == doctor::Status::Fail {
                    println!(
                        "       how to fix: {}",
                        commands::first_run::doctor_link(line.name)
                    );
                }
            }
            if !doctor::all_passed(&report) {
                return Err(CommandError::ChecksFailed("some checks failed".into()));
            }
        }
        Command::Login(args) => {
            let settings = commands::load_settings(config, profile, Settings::default())?;
            // Read only in paste mode, while nothing else runs: blocking a runtime thread is harmless.
            let mut input = std::io::BufReader::new(std::io::stdin());
            print!(
                "{}",
                commands::login::login(&settings, &args, &mut input).await?
            );
        }
        Command::Logout(args) => {
            let settings = commands::load_settings(config, profile, Settings::default())?;
            print!("{}", commands::login::logout(&settings, &args).await?);
        }
        Command::Cert(CertCommand::Generate(args)) => {
            let options = CertOptions {
                algorithm: args.algorithm.into(),
                rsa_bits: args.rsa_bits,
                days: args.days,
                common_name: args.common_name,
            };
            print!("{}", commands::cert::generate_files(&options, &args.out)?);
        }
        Command::Serve(args) => {
            let settings = commands::load_settings(config, profile, args.governance.settings())?;
            if args.sandbox {
                commands::serve::run_sandbox(settings, transport(&args)).await?;
            } else {
                commands::serve::run(&settings, transport(&args)).await?;
            }
        }
        Command::Tools(ToolsCommand::List { json, governance }) => {
            let settings = commands::load_settings(config, profile, governance.settings())?;
            print!("{}", commands::tools::list(&settings, json)?);
        }
        Command::Tools(ToolsCommand::Validate { dir }) => {
            let settings = commands::load_settings(config, profile, Settings::default())?;
            let dir = commands::tools::tools_dir(dir.as_deref(), settings.tools_dir.as_deref());
            let validation = commands::tools::validate(&dir)?;
            for line in &validation.lines {
                println!("{line}");
            }
            if !validation.ok {
                return Err(CommandError::ChecksFailed(
                    "some tool files are invalid".into(),
                ));
            }
        }
        Command::Sandbox { port, out } => commands::sandbox::run(port, out).await?,
        Command::Install(args) => print!("{}", commands::install::run(&args, config, profile)?),
        Command::Completions(args) => {
            commands::completions::completions(Cli::command(), args.shell, &mut std::io::stdout())
        }
        Command::Man(args) => match args.out {
            Some(dir) => commands::completions::man_to(Cli::command(), &dir)?,
            None => commands::completions::man(Cli::command(), &mut std::io::stdout())?,
        },
    }
    Ok(())
}

/// The transport chosen by --http / --stateless.
fn transport(args: &ServeArgs) -> Transport {
    match args.http {
        None => Transport::Stdio,
        Some(bind) => Transport::Http {
            bind,
            stateless: args.stateless,
        },
    }
}
