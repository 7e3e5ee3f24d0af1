//! The `clodo` command line (`bin/clodo.js` hands it `process.argv`). Every
//! command prints one JSON document with `--json`; exit codes are 0 ok,
//! 1 failure, 2 usage, 3 partial (some domains failed).

mod add;
mod board;
mod login;
mod commands;
mod db;
mod deploy;
mod dotenv;
mod findings;
mod manage;
mod output;
mod report;
mod resources;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::error::{Error, Result};
pub use output::Output;

pub const OK: i32 = 0;
pub const FAILURE: i32 = 1;
pub const USAGE: i32 = 2;
pub const PARTIAL: i32 = 3;

#[derive(Parser)]
#[command(name = "clodo", version, about = "Configure, deploy and operate Cloudflare Workers + D1 services", propagate_version = true)]
struct Cli {
    /// Print one JSON document on stdout instead of text.
    #[arg(long, global = true)]
    json: bool,
    /// Answer yes to confirmations (needed when there is no terminal to ask).
    #[arg(long, short = 'y', global = true)]
    yes: bool,
    /// Run as if started in this folder (read first, as wrangler does: paths and .env files are relative to it).
    #[arg(long, global = true, value_name = "DIR")]
    cwd: Option<PathBuf>,
    /// The service's folder, or a folder of services (default: the working folder, or the folder of --config).
    #[arg(long, short = 'p', global = true, value_name = "DIR")]
    path: Option<PathBuf>,
    /// The wrangler config to use, as wrangler's -c; its folder is the service.
    #[arg(long, short = 'c', global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The environment, as wrangler's --env. Default: production for what acts on Cloudflare (a remote deploy,
    /// discover, db create, secrets push), development for everything else.
    #[arg(long = "env", short = 'e', global = true, value_name = "NAME")]
    environment: Option<String>,
    #[command(subcommand)]
    command: Command,
}

/// The service and environment a command works on, named the same way in every command.
pub struct Scope {
    pub path: PathBuf,
    environment: Option<String>,
}

impl Scope {
    /// `-e`, else the one rule: production when the command acts on Cloudflare, development otherwise.
    pub fn environment(&self, on_cloudflare: bool) -> String {
        self.environment.clone().unwrap_or_else(|| if on_cloudflare { "production" } else { "development" }.into())
    }

    /// Whether `-e` was given.
    pub fn named_environment(&self) -> Option<&str> {
        self.environment.as_deref()
    }

    fn of(cli: &Cli) -> std::result::Result<Scope, String> {
        if let Some(file) = &cli.config {
            crate::wrangler_config::prefer_config(file).map_err(|e| format!("--config {}: {e}", file.display()))?;
        }
        let beside_config = cli.config.as_ref().and_then(|f| f.parent()).map(|d| if d.as_os_str().is_empty() { PathBuf::from(".") } else { d.to_path_buf() });
        let path = cli.path.clone().or(beside_config).unwrap_or_else(|| PathBuf::from("."));
        Ok(Scope { path, environment: cli.environment.clone() })
    }
}

#[derive(Subcommand)]
enum Command {
    /// Deploy a service's domains (or every service under a folder), each with its own worker and D1 database.
    #[command(visible_alias = "deploy-portfolio")]
    Deploy(DeployArgs),
    /// What is known about a domain: services and runs here, and Cloudflare's zone, account, D1 and workers (with a token).
    Discover {
        /// The domain (a host name such as shop.example.com).
        domain: String,
        /// Ask Cloudflare again instead of using the cached answer (kept an hour in .clodo/cache).
        #[arg(long)]
        refresh: bool,
    },
    /// Services under a folder and the domains found for each.
    List,
    /// A saved deployment run: every domain and phase (default: the latest run).
    Status {
        /// The run's id (default: the latest run of the service).
        deployment_id: Option<String>,
        /// Also write the run as one self-contained HTML page (a timeline of every domain's phases).
        #[arg(long, value_name = "FILE")]
        html: Option<PathBuf>,
    },
    /// Put a run's domains (or one domain of the latest run) back to what they served before it.
    Rollback {
        /// A deployment id, or a domain of the latest run.
        target: String,
        /// Also restore the D1 database to the bookmark taken before the run's migrations.
        #[arg(long)]
        restore_database: bool,
        /// Deploy the earlier version even when secrets changed since it was active, with the secrets it had
        /// then (Cloudflare refuses that unless forced).
        #[arg(long)]
        force_secret_rollback: bool,
    },
    /// Check a service before deploying it.
    Validate {
        /// How deep to check: basic, standard or comprehensive.
        #[arg(long, default_value = "basic", value_parser = ["basic", "standard", "comprehensive"])]
        level: String,
    },
    /// D1 databases: list, migration status, migrate, backup.
    #[command(subcommand)]
    Db(db::DbCommand),
    /// The wrangler config: show, validate, add a D1 binding.
    #[command(subcommand)]
    Config(manage::ConfigCommand),
    /// A domain's secrets: generate into the encrypted store, push to its worker, list names.
    #[command(subcommand)]
    Secrets(manage::SecretsCommand),
    /// Customer records (`config/customers/<customer>/<env>.env`).
    #[command(subcommand)]
    Customers(manage::CustomersCommand),
    /// Add a feature to the worker's config, in place and to every environment (or -e's): a binding (ai, kv, d1,
    /// r2, vectorize, queues, hyperdrive, analytics, browser, email) or a cron trigger.
    Add {
        /// The feature, optionally with its binding's name: kv, kv:SESSIONS, d1:ORDERS, cron, …
        feature: String,
        /// Create the resource it reaches on Cloudflare (found by its exact name when it exists) and write its id.
        #[arg(long)]
        remote: bool,
        /// Print the change as a diff and write nothing.
        #[arg(long)]
        dry_run: bool,
        /// cron: the schedule (default "0 * * * *").
        #[arg(long, value_name = "CRON")]
        schedule: Option<String>,
        /// vectorize: the index to bind.
        #[arg(long, value_name = "NAME")]
        index: Option<String>,
        /// hyperdrive: the configuration's id.
        #[arg(long, value_name = "ID")]
        id: Option<String>,
    },
    /// Keep a Cloudflare API token for an account: verified with Cloudflare, then kept in the OS keychain (else in
    /// clodo's encrypted store). Asked for on a terminal, hidden; or read from stdin with --token-stdin.
    Login {
        /// Read the token from stdin (scripts and CI) instead of asking.
        #[arg(long)]
        token_stdin: bool,
        /// The account the token is for (default: CLOUDFLARE_ACCOUNT_ID, else the token's only account).
        #[arg(long, value_name = "ACCOUNT_ID")]
        account: Option<String>,
    },
    /// Forget the stored token of an account (default: the only one stored).
    Logout {
        #[arg(long, value_name = "ACCOUNT_ID")]
        account: Option<String>,
    },
    /// Which token and account a command would use, and where the token comes from (never the token).
    Whoami,
    /// What each domain uses: its D1 databases, KV namespaces, R2 buckets and queues.
    #[command(subcommand)]
    Resources(resources::ResourcesCommand),
    /// New services.
    #[command(subcommand)]
    Service(ServiceCommand),
    /// HTTP checks of a deployed worker (a URL, or a domain for its https address): /health and the given paths.
    Test {
        /// An http(s) address, or a domain (its https:// address).
        url: String,
        /// More paths to check, beside /health.
        #[arg(long = "endpoint")]
        endpoints: Vec<String>,
    },
}

#[derive(Subcommand)]
enum ServiceCommand {
    /// Write a new worker project that `wrangler dev` serves and `clodo deploy` deploys as it is.
    Create {
        /// The new service's name (its folder, worker and package name).
        name: String,
        /// The kind of service.
        #[arg(long = "type", default_value = "generic", value_parser = crate::service::create::TYPES)]
        service_type: String,
        /// The wrangler config's format: toml or jsonc.
        #[arg(long, default_value = "toml", value_parser = ["toml", "jsonc"])]
        format: String,
        /// A domain it serves (repeatable). The project folder goes in --path (default: the working folder).
        #[arg(long = "domain")]
        domains: Vec<String>,
        /// Write into an existing, non-empty folder.
        #[arg(long)]
        force: bool,
    },
    /// Add clodo to an existing worker: its domains in src/config/domains.js, clodo in package.json.
    Init {
        /// `host[:account-id[:zone-id]]`, comma-separated.
        #[arg(long, value_delimiter = ',', required = true)]
        domains: Vec<String>,
        /// Replace an existing src/config/domains.js.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Args)]
pub struct DeployArgs {
    /// Domains to limit the run to; folders of services may be named here too, beside --path.
    targets: Vec<String>,
    /// Local D1, a real build and `wrangler dev` (the default without CLOUDFLARE_API_TOKEN).
    #[arg(long, conflicts_with = "remote")]
    local: bool,
    /// Deploy to Cloudflare (a token from CLOUDFLARE_API_TOKEN or the domains' customer records).
    #[arg(long)]
    remote: bool,
    /// Print the plan (rendered configs, every command) and change nothing.
    #[arg(long)]
    dry_run: bool,
    /// Skip the health checks after deploying.
    #[arg(long)]
    no_tests: bool,
    /// The path each worker must answer 2xx on (default: clodo.json's, else /health); `none` when the
    /// worker has no health endpoint (then it only has to start and answer).
    #[arg(long, value_name = "PATH")]
    health_path: Option<String>,
    /// Text the health answer must contain.
    #[arg(long, value_name = "TEXT")]
    health_expect: Option<String>,
    /// How long each local `wrangler dev` may take to be ready (default: 90 s plus twice the build's time).
    #[arg(long, value_name = "SECONDS")]
    ready_timeout: Option<u64>,
    /// Also generate and upload clodo's ten standard secrets, beside the ones the project declares.
    #[arg(long)]
    standard_secrets: bool,
    /// When another deploy of the same service and environment is running, wait for it (default: fail with E_LOCKED).
    #[arg(long)]
    wait: bool,
    /// Write the run as one self-contained HTML page (a timeline of every domain's phases) when it ends.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// Choose the domains from a list (needs a terminal).
    #[arg(long, short = 'i')]
    interactive: bool,
    /// Roll out gradually: the new version gets this share of traffic, then 100 % or rolled back.
    #[arg(long, value_name = "PERCENT")]
    canary: Option<f64>,
    /// Continue a run that was interrupted.
    #[arg(long, value_name = "DEPLOYMENT_ID")]
    resume: Option<String>,
    /// When a domain is rolled back after this run changed its secrets, deploy the earlier version anyway,
    /// with the secrets it had then (Cloudflare refuses that unless forced). Default: the rollback fails and
    /// names the secrets.
    #[arg(long)]
    force_secret_rollback: bool,
    /// Domains in flight at once.
    #[arg(long, default_value_t = 2)]
    parallel: usize,
}

/// Runs the CLI on `args` (without the program name) and gives the exit code.
/// Ctrl-C, SIGTERM or a closed terminal end every process this run started
/// (each leads its own process group, so the terminal's signal does not
/// reach them), then the run, with 128 + the signal's number.
#[cfg(unix)]
fn end_children_when_interrupted() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else { return };
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            crate::wrangler::process::end_all();
            eprintln!("\ninterrupted: every process this run started was stopped; `clodo deploy --resume <deployment-id>` continues it");
            std::process::exit(128 + signal);
        }
    });
}

#[cfg(not(unix))]
fn end_children_when_interrupted() {}

/// Writes the report page of `runs` to `file`.
fn write_report(file: &std::path::Path, runs: &[crate::portfolio::state::RunState]) -> Result<PathBuf> {
    let file = crate::paths::absolute(file, &crate::paths::current_dir());
    crate::atomic_file::write_atomic(&file, report::html(runs).as_bytes(), crate::atomic_file::WriteOptions::default())?;
    Ok(file)
}

/// `--cwd <dir>` first, as wrangler does; then the project's `.env` files for `environment`.
fn prepare_environment(cwd: Option<&std::path::Path>, environment: Option<&str>, json: bool) -> std::result::Result<(), String> {
    if let Some(dir) = cwd {
        std::env::set_current_dir(dir).map_err(|e| format!("--cwd {}: {e}", dir.display()))?;
    }
    let (loaded, values) = dotenv::read(&crate::paths::current_dir(), environment);
    for (key, value) in values {
        // On Node's main thread before any work starts, as `process.env.X = …` would be.
        unsafe { std::env::set_var(key, value) };
    }
    if !loaded.is_empty() && !json {
        eprintln!("using variables from {}", loaded.join(", "));
    }
    Ok(())
}

pub fn run(args: Vec<String>) -> i32 {
    end_children_when_interrupted();
    let json = args.iter().any(|a| a == "--json");
    let environment = dotenv::environment_in(&args);
    let cli = match Cli::try_parse_from(std::iter::once("clodo".to_owned()).chain(args)) {
        Ok(cli) => cli,
        Err(e) => {
            let shown = matches!(e.kind(), clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion);
            // With --json, even help and usage errors are one JSON document.
            match (json, shown) {
                (false, _) => drop(e.print()),
                (true, true) => Output::new(true).result(&serde_json::json!({"help": e.render().to_string()}), |_| String::new()),
                (true, false) => Output::new(true).error(&Error::invalid(e.render().to_string().trim().to_owned())),
            }
            return if shown { OK } else { USAGE };
        }
    };
    if let Err(message) = prepare_environment(cli.cwd.as_deref(), environment.as_deref(), cli.json) {
        Output::new(cli.json).error(&Error::invalid(message));
        return USAGE;
    }
    let out = Output::new(cli.json);
    let scope = match Scope::of(&cli) {
        Ok(scope) => scope,
        Err(message) => {
            out.error(&Error::invalid(message));
            return USAGE;
        }
    };
    let path = scope.path.clone();
    let outcome = match cli.command {
        Command::Deploy(args) => deploy::run(&out, cli.yes, &scope, args),
        Command::List => commands::list(&out, &path, &scope.environment(false)),
        Command::Discover { domain, refresh } => commands::discover(&out, &path, &domain, &scope.environment(true), refresh),
        Command::Status { deployment_id, html } => commands::status(&out, &path, deployment_id.as_deref(), html.as_deref()),
        Command::Rollback { target, restore_database, force_secret_rollback } => commands::rollback(&out, &path, &target, restore_database, force_secret_rollback),
        Command::Validate { level } => commands::validate(&out, &path, &scope.environment(false), &level),
        Command::Test { url, endpoints } => commands::test(&out, &url, endpoints),
        Command::Db(command) => db::run(&out, cli.yes, &scope, command),
        Command::Service(ServiceCommand::Init { domains, force }) => service_init(&out, &path, &domains, force),
        Command::Service(ServiceCommand::Create { name, service_type, format, domains, force }) => {
            service_create(&out, crate::service::create::CreateOptions { name, service_type, format, domains, parent: path, force })
        }
        Command::Config(command) => manage::config(&out, &scope, command),
        Command::Secrets(command) => manage::secrets(&out, &scope, command),
        Command::Customers(command) => manage::customers(&out, &scope, command),
        Command::Resources(command) => resources::run(&out, &scope, command),
        Command::Login { token_stdin, account } => login::login(&out, token_stdin, account),
        Command::Logout { account } => login::logout(&out, account),
        Command::Whoami => login::whoami(&out),
        Command::Add { feature, remote, dry_run, schedule, index, id } => {
            add::run(&out, &scope, add::AddArgs { feature, remote, dry_run, inputs: crate::wrangler_config::features::Inputs { schedule, index, id } })
        }
    };
    match outcome {
        Ok(code) => code,
        Err(Failure::Usage(message)) => {
            out.error(&Error::invalid(message));
            USAGE
        }
        Err(Failure::Error(e)) => {
            out.error(&e);
            FAILURE
        }
    }
}

pub enum Failure {
    /// The command line asked for something that cannot be done as asked.
    Usage(String),
    Error(Error),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Error(e)
    }
}

pub type Outcome = std::result::Result<i32, Failure>;

/// The credentials wrangler gets, never from a flag: the environment's token (it wins, as in wrangler), else the
/// one `clodo login` stored for the environment's account (else for the only account stored).
fn credentials() -> crate::wrangler::Credentials {
    let from_env = environment_credentials();
    if from_env.api_token.is_some() {
        return from_env;
    }
    match crate::tokens::for_account(from_env.account_id.as_deref()) {
        Ok(Some((account, token))) => crate::wrangler::Credentials { api_token: Some(token), account_id: Some(account) },
        _ => from_env,
    }
}

/// `CLOUDFLARE_API_TOKEN` and `CLOUDFLARE_ACCOUNT_ID` as the environment (and its `.env` files) gives them.
fn environment_credentials() -> crate::wrangler::Credentials {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    crate::wrangler::Credentials { api_token: var("CLOUDFLARE_API_TOKEN"), account_id: var("CLOUDFLARE_ACCOUNT_ID") }
}

fn absolute(path: &std::path::Path) -> Result<PathBuf> {
    std::path::absolute(path).map_err(|e| Error::io("resolve", path, e))
}

/// Wrangler as the service finds it, else as the folder `clodo` runs in finds
/// it (`npx clodo` in a project whose services live elsewhere); found once and
/// handed on, so the work that follows does not search again.
fn wrangler_for(service: &std::path::Path) -> Option<PathBuf> {
    let here = std::env::current_dir().ok();
    let found = crate::wrangler::locate(None, service).or_else(|e| here.as_deref().map_or(Err(e), |h| crate::wrangler::locate(None, h)));
    found.ok().map(|w| w.path)
}

fn service_create(out: &Output, options: crate::service::create::CreateOptions) -> Outcome {
    let created = crate::service::create::create(&options)?;
    out.result(&created, |c| {
        let files = c["files"].as_array().map_or(0, Vec::len);
        format!("created {} ({}) in {}: {files} files; npm install, then npx wrangler dev", options.name, options.service_type, c["path"].as_str().unwrap_or_default())
    });
    Ok(OK)
}

fn service_init(out: &Output, path: &std::path::Path, specs: &[String], force: bool) -> Outcome {
    let domains = specs.iter().map(|s| crate::service::create::InitDomain::parse(s)).collect::<Result<Vec<_>>>()?;
    let done = crate::service::create::init(&absolute(path)?, &domains, force)?;
    out.result(&done, |d| format!("clodo added to {}: {} domain(s) in src/config/domains.js; run npm install", d["path"].as_str().unwrap_or_default(), domains.len()));
    Ok(OK)
}
