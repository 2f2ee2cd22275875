//! The `prodgy-mock` binary: parse flags, start the server, print the listening line, serve
//! until SIGINT, SIGTERM, stdin EOF or idle timeout, exit with a documented code.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use prodgy_mock::cli::{Cli, Command, DriftArgs, RecordArgs};
use prodgy_mock::{MockServer, StartError, healthcheck};
use tokio::io::AsyncReadExt;

/// mimalloc: a request allocates and frees small buffers on whichever worker thread runs it,
/// and the journal frees them much later on another; glibc's malloc pays for both (bench/).
/// Built without transparent huge pages (`no_thp`): with them, each thread's first allocation
/// makes its arena resident 2 MiB at a time, which took idle RSS from 6 to 16 MB.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match &cli.command {
        Some(Command::Openapi) => openapi(),
        Some(Command::Healthcheck { url }) => healthcheck(&cli, url.as_deref()),
        Some(Command::Record(args)) => record(args),
        Some(Command::Drift(args)) => drift(args),
        None => serve(cli),
    }
}

fn serve(cli: Cli) -> ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            report(format_args!("cannot start the async runtime: {error}"));
            return ExitCode::from(1);
        }
    };
    prodgy_mock::logging::init(cli.log_format, cli.verbose);
    let code = match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            report(format_args!("{error}"));
            ExitCode::from(error.exit_code())
        }
    };
    // A blocked stdin read (--exit-on-stdin-eof) must not hold the process open.
    runtime.shutdown_timeout(Duration::from_millis(200));
    code
}

/// Prints the OpenAPI document. A reader that leaves early (`| head -1`) is not an error.
fn openapi() -> ExitCode {
    let document = prodgy_mock::openapi::document();
    let written = serde_json::to_vec_pretty(&document)
        .map_err(std::io::Error::from)
        .and_then(|mut bytes| {
            bytes.push(b'\n');
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(&bytes).and_then(|()| stdout.flush())
        });
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(error) => {
            report(format_args!("cannot write the OpenAPI document: {error}"));
            ExitCode::from(1)
        }
    }
}

/// `prodgy-mock record`: progress and warnings on stderr, the token mapping once on stdout.
fn record(args: &RecordArgs) -> ExitCode {
    let progress = |line: &str| report(format_args!("record: {line}"));
    let written = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime.block_on(prodgy_mock::record::record(&args.options(), &progress)),
        Err(error) => {
            report(format_args!("cannot start the async runtime: {error}"));
            return ExitCode::from(1);
        }
    };
    match written {
        Ok(written) => {
            for warning in &written.warnings {
                report(format_args!("record: warning: {warning}"));
            }
            let _ = write!(std::io::stdout().lock(), "{}", record_summary(&written));
            ExitCode::SUCCESS
        }
        Err(error) => {
            report(format_args!("{error}"));
            ExitCode::from(error.exit_code())
        }
    }
}

/// `prodgy-mock drift`: the table on stdout, progress on stderr, `--json` for CI; exit 0
/// when nothing differs, 1 on drift, 2 when nothing could be compared.
fn drift(args: &DriftArgs) -> ExitCode {
    use prodgy_mock::drift::{DriftError, live, spec};
    let progress = |line: &str| report(format_args!("drift: {line}"));
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            report(format_args!("cannot start the async runtime: {error}"));
            return ExitCode::from(1);
        }
    };
    let outcome = match (&args.spec, &args.upstream, &args.token) {
        (Some(path), _, _) => spec::drift(path),
        (None, Some(upstream), Some(token)) => {
            let options = live::LiveOptions {
                upstream: upstream.clone(),
                token: token.clone(),
                max_records: args.max_records,
                rate: args.rate,
                include_writes: args.include_writes,
            };
            runtime.block_on(live::drift(&options, &progress))
        }
        _ => Err(DriftError::Usage(
            "name an instance (--upstream URL --token T) or a document (--spec FILE)".into(),
        )),
    };
    runtime.shutdown_timeout(Duration::from_millis(200));
    let written = outcome.and_then(|found| match &args.json {
        Some(path) => std::fs::write(path, found.json() + "\n")
            .map(|()| found)
            .map_err(|source| DriftError::Json {
                path: path.clone(),
                source,
            }),
        None => Ok(found),
    });
    match written {
        Ok(found) => {
            let _ = write!(std::io::stdout().lock(), "{}", found.table());
            ExitCode::from(found.exit_code())
        }
        Err(error) => {
            report(format_args!("drift: {error}"));
            ExitCode::from(error.exit_code())
        }
    }
}

/// What `record` wrote, and the one time the token mapping is shown.
fn record_summary(written: &prodgy_mock::record::Written) -> String {
    let counts: Vec<String> = written
        .counts
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(kind, n)| format!("{} {n}", kind.plural()))
        .collect();
    let mut text = format!(
        "recorded into {}: {}\nserve it: prodgy-mock --fixtures {}\n",
        written.dir.display(),
        counts.join(", "),
        written.dir.display()
    );
    if written.tokens.is_empty() {
        text.push_str("no token record was readable: in lenient auth (the default) the mock takes any prodgy_ token\n");
    } else {
        text.push_str(
            "token secrets were replaced (shown once; the fixtures hold only the new ones):\n",
        );
    }
    for token in &written.tokens {
        let yours = if token.yours {
            "   <- the token you recorded with: use this one against the mock"
        } else {
            ""
        };
        text.push_str(&format!(
            "  {} ({}): {}… -> {}{yours}\n",
            token.name, token.id, token.prefix, token.secret
        ));
    }
    text
}

/// Writes `prodgy-mock: {message}` to stderr; a closed stderr is ignored (never a panic).
fn report(message: std::fmt::Arguments<'_>) {
    let _ = writeln!(std::io::stderr(), "prodgy-mock: {message}");
}

async fn run(cli: Cli) -> Result<(), StartError> {
    let settings = cli.settings()?;
    let signals = Signals::install();
    let server = MockServer::builder().settings(settings).try_start().await?;
    if let Some(path) = &cli.ready_file {
        write_ready_file(path, &server.uri()).map_err(|source| StartError::ReadyFile {
            path: path.clone(),
            source,
        })?;
    }
    // A closed stdout (the parent stopped reading) must not stop the server: the ready
    // file and the port still say where it listens.
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "prodgy-mock listening on {}", server.uri());
    let _ = stdout.flush();
    drop(stdout);
    tokio::spawn(settle_allocator());
    let reason = tokio::select! {
        () = signals.received() => "signal",
        () = stdin_closed(cli.exit_on_stdin_eof) => "standard input closed",
        () = idle(&server, cli.idle_timeout) => "idle timeout",
    };
    tracing::info!(reason, "shutting down: draining in-flight requests");
    server.shutdown().await;
    if let Some(path) = &cli.ready_file {
        let _ = std::fs::remove_file(path);
    }
    Ok(())
}

/// How long mimalloc waits before it returns freed memory to the OS (its `purge_delay`), with
/// a margin.
const PURGE_DELAY: Duration = Duration::from_millis(1200);

/// Lets an idle server give back what loading the fixtures freed. mimalloc returns freed pages
/// to the OS only once they have been free for [`PURGE_DELAY`], and only when it runs again;
/// loading a large seed frees about as much as it keeps (the file's text, the parsed trees), so
/// a server no request reaches would hold twice its memory. Once the delay has passed, one large
/// block is allocated and freed: its page goes back to the arena, which runs the purge (a
/// 100k-agent seed: about 178 MB resident after start, 89 MB from then on; `bench/run.sh`).
async fn settle_allocator() {
    tokio::time::sleep(PURGE_DELAY).await;
    // Large enough for a page of its own; never written, so never resident.
    drop(std::hint::black_box(Vec::<u8>::with_capacity(64 << 20)));
}

/// Checks the mock at `--url`, or where `--host`/`--port` (or their variables) say it
/// listens: exit 0 when healthy, 1 when not, 2 for an unusable address.
fn healthcheck(cli: &Cli, url: Option<&str>) -> ExitCode {
    let authority = match url {
        Some(url) => healthcheck::authority_of(url).map_err(|e| e.to_string()),
        None => cli
            .listen_addr()
            .map(healthcheck::local_authority)
            .map_err(|e| e.to_string()),
    };
    let authority = match authority {
        Ok(authority) if !authority.ends_with(":0") => authority,
        Ok(_) => {
            report(format_args!(
                "port 0 names no server: pass --url with the address the mock printed"
            ));
            return ExitCode::from(2);
        }
        Err(error) => {
            report(format_args!("{error}"));
            return ExitCode::from(2);
        }
    };
    match healthcheck::check(&authority) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            report(format_args!("{error}"));
            ExitCode::from(1)
        }
    }
}

/// Writes `url` to `path` atomically: a temporary file beside it, then a rename.
fn write_ready_file(path: &Path, url: &str) -> std::io::Result<()> {
    let mut temp = path.as_os_str().to_owned();
    temp.push(format!(".{}.tmp", std::process::id()));
    std::fs::write(&temp, format!("{url}\n"))?;
    std::fs::rename(&temp, path)
}

async fn stdin_closed(enabled: bool) {
    if !enabled {
        return std::future::pending().await;
    }
    let mut stdin = tokio::io::stdin();
    let mut buffer = [0u8; 1024];
    loop {
        match stdin.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
    }
}

async fn idle(server: &MockServer, timeout: Option<Duration>) {
    let Some(timeout) = timeout else {
        return std::future::pending().await;
    };
    let tick = (timeout / 4).clamp(Duration::from_millis(10), Duration::from_secs(1));
    loop {
        tokio::time::sleep(tick).await;
        if server.idle_for().is_some_and(|idle| idle >= timeout) {
            return;
        }
    }
}

/// SIGINT and SIGTERM, registered before the listening line is printed so a parent that
/// signals right after reading it is never met by the default (killing) handler.
struct Signals {
    #[cfg(unix)]
    streams: Vec<tokio::signal::unix::Signal>,
}

impl Signals {
    fn install() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let kinds = [SignalKind::terminate(), SignalKind::interrupt()];
            let streams = kinds
                .into_iter()
                .filter_map(|kind| signal(kind).ok())
                .collect();
            Self { streams }
        }
        #[cfg(not(unix))]
        Self {}
    }

    async fn received(mut self) {
        #[cfg(unix)]
        {
            if self.streams.is_empty() {
                return std::future::pending().await;
            }
            let waits = self.streams.iter_mut().map(|s| Box::pin(s.recv()));
            let _ = futures_util::future::select_all(waits).await;
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
