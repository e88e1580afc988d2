//! `ccops serve` — the web server (REST API + UI) over SQLite (default) or PostgreSQL.

use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Args)]
pub struct ServeArgs {
    /// Data directory; the SQLite database is `<DIR>/ccops.db` (created if missing).
    #[arg(long, default_value = "ccops-data")]
    pub data_dir: PathBuf,
    /// Database URL instead of the data directory: `postgres://user:pw@host/db` or `sqlite://path`.
    #[arg(long)]
    pub database: Option<String>,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Mark the session cookie `Secure` (set this when users reach ccops over https).
    #[arg(long)]
    pub secure_cookies: bool,
    /// Session lifetime in hours.
    #[arg(long, default_value_t = 12)]
    pub session_hours: i64,
    /// Base URL for links handed out (e.g. the iCalendar feed): `https://wfm.example.com`.
    #[arg(long)]
    pub public_url: Option<String>,
    /// Log as JSON lines (for log collectors) instead of text.
    #[arg(long)]
    pub log_json: bool,
    /// Create an admin user with this name if no user exists yet (password from
    /// `$CCOPS_ADMIN_PASSWORD`).
    #[arg(long)]
    pub bootstrap_admin: Option<String>,
}

/// The database URL for `--database` or `--data-dir`.
pub fn database_url(data_dir: &std::path::Path, database: Option<&str>) -> anyhow::Result<String> {
    if let Some(url) = database {
        return Ok(url.to_string());
    }
    std::fs::create_dir_all(data_dir).map_err(|e| anyhow::anyhow!("cannot create data directory {}: {e}", data_dir.display()))?;
    Ok(format!("sqlite://{}?mode=rwc", data_dir.join("ccops.db").display()))
}

pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    ccops_server::init_tracing(args.log_json);
    let url = database_url(&args.data_dir, args.database.as_deref())?;
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async move {
        let store = ccops_store::Store::open(&url).await.map_err(|e| anyhow::anyhow!("cannot open database: {e}"))?;
        if let Some(name) = &args.bootstrap_admin {
            bootstrap_admin(&store, name).await?;
        }
        let config = ccops_server::Config {
            secure_cookies: args.secure_cookies,
            session_ttl_secs: args.session_hours.max(1) * 3600,
            public_url: args.public_url.clone(),
            ..Default::default()
        };
        let state = ccops_server::AppState::new(store, config);
        eprintln!("ccops serving on http://{} (API docs: /api/docs)", args.listen);
        ccops_server::serve(state, args.listen).await
    })
}

async fn bootstrap_admin(store: &ccops_store::Store, name: &str) -> anyhow::Result<()> {
    if !store.list_users(None).await?.is_empty() {
        return Ok(());
    }
    let password = std::env::var("CCOPS_ADMIN_PASSWORD")
        .map_err(|_| anyhow::anyhow!("--bootstrap-admin needs the password in $CCOPS_ADMIN_PASSWORD"))?;
    store
        .create_user(&ccops_store::NewUser {
            username: name.to_string(),
            display_name: name.to_string(),
            password,
            role: "admin".into(),
            tenant_id: None,
            agent_id: None,
            locale: "en".into(),
        })
        .await?;
    eprintln!("created admin user `{name}`");
    Ok(())
}
