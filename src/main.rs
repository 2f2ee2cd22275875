//! The `prodgy-mock` binary: parse flags, start the server, print the listening line, serve
//! until SIGINT or SIGTERM, exit with a documented code.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use prodgy_mock::cli::Cli;
use prodgy_mock::{LogFormat, MockServer, StartError};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.log_format);
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("prodgy-mock: {error}");
            ExitCode::from(error.exit_code())
        }
    }
}

async fn run(cli: Cli) -> Result<(), StartError> {
    let settings = cli.settings()?;
    let server = MockServer::builder().settings(settings).try_start().await?;
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "prodgy-mock listening on {}", server.uri());
    let _ = stdout.flush();
    drop(stdout);
    shutdown_signal().await;
    tracing::info!("shutting down: draining in-flight requests");
    server.shutdown().await;
    Ok(())
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("PRODGY_MOCK_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}
