//! The browser stories' harness: a spawned `chromedriver` (killed with its browsers on drop),
//! headless Debian Chromium driven through WebDriver by `fantoccini`, and the whole server
//! under test — the sample world, a fresh SQLite database, services pointed at the world, a
//! worker pool so runs progress, and `web::serve` on loopback.
//!
//! Where the browser is: `LEADFORGE_CHROMEDRIVER` (and `LEADFORGE_CHROMIUM`), else Debian's
//! `/usr/bin/chromedriver` and `/usr/bin/chromium`. With neither, the stories print why and
//! pass without running; CI sets the variables, and a variable naming a missing file fails.

#![allow(dead_code, reason = "not every story uses every helper")]

use std::collections::BTreeMap;
use std::future::Future;
use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail, ensure};
use domain::{AgencyId, RunId, UserId, WorkflowStatus};
use fantoccini::{Client, ClientBuilder, Locator};
use futures::FutureExt;
use pipeline::{CampaignRequest, Config, Services, Stages, WorkerOptions, WorkerPool};
use sample_world::{RunningWorld, SampleWorld, WorldConfig};
use serde_json::{Value, json};
use store::testing::TestDb;
use store::{Run, Store};

/// How long one wait for the page may take before the story fails.
pub const PATIENCE: Duration = Duration::from_secs(45);

/// How long [`Ctx::find`] waits for an element to appear.
pub const FIND_PATIENCE: Duration = Duration::from_secs(20);

/// The desktop screen of most stories.
pub const DESKTOP: Viewport = Viewport {
    width: 1280,
    height: 900,
    phone: false,
};

/// A phone's screen (an iPhone 12–15's CSS pixels), with mobile emulation: the page's
/// `<meta name="viewport">` decides its layout width, as on a real phone.
pub const PHONE: Viewport = Viewport {
    width: 390,
    height: 844,
    phone: true,
};

/// The screen a story's browser has.
#[derive(Debug, Clone, Copy)]
pub struct Viewport {
    /// CSS pixels.
    pub width: u32,
    /// CSS pixels.
    pub height: u32,
    /// Emulate a phone (touch, mobile viewport rules).
    pub phone: bool,
}

/// The e-mail and password of the stories' user.
pub const EMAIL: &str = "owner@browser.test";
/// See [`EMAIL`].
pub const PASSWORD: &str = "correct horse battery staple";

// ---------------------------------------------------------------------------------------------
// chromedriver and Chromium

/// Where the binaries are, or why the stories cannot run here.
#[derive(Debug, Clone)]
pub struct Binaries {
    /// chromedriver.
    pub chromedriver: PathBuf,
    /// Chromium (Debian's `/usr/bin/chromium` is a wrapper script; chromedriver accepts it).
    pub chromium: PathBuf,
}

impl Binaries {
    /// The binaries from the environment or Debian's paths; `None` (the stories skip) only
    /// when `LEADFORGE_CHROMEDRIVER` is unset and `/usr/bin/chromedriver` is missing. A
    /// variable naming a file that is not there panics: CI must not skip silently.
    pub fn locate() -> Option<Self> {
        let chromedriver = match std::env::var_os("LEADFORGE_CHROMEDRIVER") {
            Some(p) => {
                let p = PathBuf::from(p);
                assert!(
                    p.is_file(),
                    "LEADFORGE_CHROMEDRIVER={} but there is no such file (install Debian's \
                     chromium-driver: bash .ci/install-chromium.sh)",
                    p.display()
                );
                p
            }
            None => {
                let p = PathBuf::from("/usr/bin/chromedriver");
                if !p.is_file() {
                    return None;
                }
                p
            }
        };
        let chromium = match std::env::var_os("LEADFORGE_CHROMIUM") {
            Some(p) => {
                let p = PathBuf::from(p);
                assert!(
                    p.is_file(),
                    "LEADFORGE_CHROMIUM={} but there is no such file (install Debian's \
                     chromium: bash .ci/install-chromium.sh)",
                    p.display()
                );
                p
            }
            None => PathBuf::from("/usr/bin/chromium"),
        };
        assert!(
            chromium.is_file(),
            "chromedriver is at {} but Chromium is not at {} (set LEADFORGE_CHROMIUM)",
            chromedriver.display(),
            chromium.display()
        );
        Some(Self {
            chromedriver,
            chromium,
        })
    }

    /// [`Binaries::locate`], printing why a story is skipped.
    pub fn or_skip(story: &str) -> Option<Self> {
        let found = Self::locate();
        if found.is_none() {
            eprintln!(
                "SKIPPED browser story {story}: no chromedriver (LEADFORGE_CHROMEDRIVER is unset \
                 and /usr/bin/chromedriver is missing; `bash .ci/install-chromium.sh` installs \
                 Debian's chromium and chromium-driver)"
            );
        }
        found
    }
}

/// A `chromedriver --port=0` of our own, in its own process group: dropping it kills the
/// group, so the browsers it started go with it.
#[derive(Debug)]
pub struct Chromedriver {
    child: Child,
    /// The port it listens on (loopback).
    pub port: u16,
}

impl Chromedriver {
    /// Starts chromedriver and waits for it to say which port it took.
    pub fn start(path: &Path) -> anyhow::Result<Self> {
        let mut child = Command::new(path)
            .args(["--port=0", "--log-level=SEVERE"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .process_group(0)
            .spawn()
            .with_context(|| format!("starting {}", path.display()))?;
        let stdout = child.stdout.take().context("chromedriver's stdout")?;
        let (tx, rx) = std::sync::mpsc::channel();
        // Reads the banner, then keeps draining stdout so chromedriver never blocks on it.
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(port) = line
                    .split("started successfully on port ")
                    .nth(1)
                    .and_then(|rest| rest.trim_end_matches('.').trim().parse::<u16>().ok())
                    && let Some(tx) = tx.take()
                {
                    let _ = tx.send(port);
                }
            }
        });
        let mut driver = Self { child, port: 0 };
        driver.port = rx
            .recv_timeout(Duration::from_secs(20))
            .map_err(|_| anyhow!("{} did not report its port within 20 s", path.display()))?;
        Ok(driver)
    }

    /// Its WebDriver URL.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        // The group id is chromedriver's pid (process_group(0)); Chromium inherits it.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A headless Chromium session on its own chromedriver.
#[derive(Debug)]
pub struct Browser {
    /// The WebDriver client.
    pub client: Client,
    driver: Chromedriver,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium with `viewport`.
    pub async fn start(bins: &Binaries, viewport: Viewport) -> anyhow::Result<Self> {
        let driver = Chromedriver::start(&bins.chromedriver)?;
        let args = vec![
            "--headless=new".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--hide-scrollbars".to_owned(),
            "--lang=en-US".to_owned(),
            format!("--window-size={},{}", viewport.width, viewport.height),
        ];
        let mut options = json!({
            "binary": bins.chromium.display().to_string(),
            "args": args,
        });
        if viewport.phone {
            options["mobileEmulation"] = json!({
                "deviceMetrics": {
                    "width": viewport.width,
                    "height": viewport.height,
                    "pixelRatio": 1.0,
                    "mobile": true,
                    "touch": true,
                },
            });
        }
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("chrome"));
        caps.insert("goog:chromeOptions".into(), options);
        let client = ClientBuilder::rustls()
            .context("the WebDriver client's connector")?
            .capabilities(caps)
            .connect(&driver.url())
            .await
            .context("a Chromium session from chromedriver")?;
        Ok(Self { client, driver })
    }

    /// Ends the session (Chromium exits), then chromedriver.
    pub async fn close(self) {
        let _ = tokio::time::timeout(Duration::from_secs(10), self.client.close()).await;
        drop(self.driver);
    }
}

// ---------------------------------------------------------------------------------------------
// The server under test

/// The sample world, the database, services, workers and the web server on loopback, with one
/// signed-up user owning one agency.
#[derive(Debug)]
pub struct Stack {
    /// The world the providers point at.
    pub world: RunningWorld,
    /// The database (its directory goes when this drops).
    pub db: TestDb,
    /// The services the server and the workers share.
    pub svc: Arc<Services>,
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub base: String,
    /// The stories' agency.
    pub agency: AgencyId,
    /// The stories' user.
    pub user: UserId,
    blobs: tempfile::TempDir,
    pool: Option<WorkerPool>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl Stack {
    /// Starts everything.
    pub async fn start() -> anyhow::Result<Self> {
        let world = SampleWorld::start(WorldConfig::default())
            .await
            .context("the sample world starts")?;
        let db = TestDb::sqlite();
        let blobs = tempfile::tempdir().context("a blob directory")?;
        let mut vars: BTreeMap<String, String> = world.env().into_iter().collect();
        vars.insert("DATABASE_URL".into(), db.url.clone());
        vars.insert(
            "BLOB_STORE_URL".into(),
            blobs.path().join("blobs").display().to_string(),
        );
        // Persona mapping by feature hashing: fast, and no model to load.
        vars.insert("LEADFORGE_EMBEDDINGS".into(), "hashing".into());
        let config = Config::from_vars(&vars).map_err(|e| anyhow!("configuration: {e}"))?;
        let svc = Arc::new(Services::open(&config).await.context("the services open")?);

        let (user, agency) = owner(&svc.store).await?;

        let pool = WorkerPool::start(
            svc.clone(),
            WorkerOptions {
                concurrency: 4,
                ..WorkerOptions::default()
            },
        );

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .context("a loopback port")?;
        let base = format!("http://{}", listener.local_addr()?);
        let state = web::AppState::new(svc.clone(), web::WebSettings::default());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(web::serve(state, listener, async move {
            let _ = stopped.await;
        }));
        Ok(Self {
            world,
            db,
            svc,
            base,
            agency,
            user,
            blobs,
            pool: Some(pool),
            stop: Some(stop),
            server: Some(server),
        })
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.svc.store
    }

    /// `path` on the server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Starts a run straight through the pipeline (not the UI) and waits for it to end
    /// completed.
    pub async fn completed_run(
        &self,
        vertical: &str,
        geography: &str,
        leads: u32,
        audit: u32,
        stages: Stages,
    ) -> anyhow::Result<Run> {
        let run = pipeline::start_run(
            self.store(),
            CampaignRequest {
                agency_id: self.agency.clone(),
                user_id: self.user.clone(),
                vertical: vertical.into(),
                geography: geography.into(),
                num_leads: leads,
                audit_leads: Some(audit),
                stages,
            },
        )
        .await
        .context("the run starts")?;
        let run = self.ended_run(&run.id).await?;
        ensure!(
            run.workflow_status == WorkflowStatus::Completed,
            "run {} ended {:?}",
            run.id,
            run.workflow_status
        );
        Ok(run)
    }

    /// The run once it has ended.
    pub async fn ended_run(&self, id: &RunId) -> anyhow::Result<Run> {
        let store = self.store();
        poll(
            &format!("run {id} to end"),
            Duration::from_secs(60),
            || async {
                store
                    .runs()
                    .get(id)
                    .await
                    .ok()
                    .flatten()
                    .filter(|r| r.workflow_status.is_terminal())
            },
        )
        .await
    }

    /// Stops the server, the workers and the world.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            // Live streams keep connections open; don't wait for them for long.
            if tokio::time::timeout(Duration::from_secs(3), server)
                .await
                .is_err()
            {
                // The task is dropped with the runtime.
            }
        }
        if let Some(pool) = self.pool.take() {
            let _ = tokio::time::timeout(Duration::from_secs(10), pool.shutdown()).await;
        }
        self.world.shutdown().await;
    }
}

/// The stories' user, with a password, owning the default agency (which wants every signal).
async fn owner(store: &Store) -> anyhow::Result<(UserId, AgencyId)> {
    let (_, agency) = store
        .users()
        .ensure_default()
        .await
        .context("the default agency")?;
    let user = store
        .users()
        .create(EMAIL, Some("Browser Owner"))
        .await
        .context("the user")?;
    store
        .users()
        .add_membership(&user.id, &agency.id, "owner")
        .await
        .context("the membership")?;
    let hash = web::auth::hash_password(PASSWORD)?;
    store
        .users()
        .set_password_hash(&user.id, &hash)
        .await
        .context("the password")?;
    Ok((user.id, agency.id))
}

// ---------------------------------------------------------------------------------------------
// Stories

/// What a story gets: the server and a signed-out browser on it.
#[derive(Debug)]
pub struct Ctx<'s> {
    /// The server under test.
    pub stack: &'s Stack,
    /// The WebDriver client.
    pub c: Client,
    /// The story's name (screenshots are named after it).
    pub name: String,
}

/// Where failing stories leave their screenshots: `target/browser-screenshots/`.
pub fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || {
            let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
            workspace.canonicalize().unwrap_or(workspace).join("target")
        },
        PathBuf::from,
    );
    target.join("browser-screenshots")
}

/// Runs `body` against a fresh server and browser. Any error or panic first saves a screenshot
/// to `target/browser-screenshots/<name>.png` (and prints the page's URL), then fails the test.
/// Without a chromedriver (see [`Binaries::locate`]) the story is skipped.
pub async fn story<F>(name: &str, viewport: Viewport, body: F)
where
    F: AsyncFnOnce(&Ctx<'_>) -> anyhow::Result<()>,
{
    let Some(bins) = Binaries::or_skip(name) else {
        return;
    };
    let started = Instant::now();
    let stack = Stack::start().await.expect("the server under test starts");
    let browser = Browser::start(&bins, viewport)
        .await
        .expect("headless Chromium starts");
    let ctx = Ctx {
        stack: &stack,
        c: browser.client.clone(),
        name: name.to_owned(),
    };
    let outcome = AssertUnwindSafe(tokio::time::timeout(Duration::from_secs(90), body(&ctx)))
        .catch_unwind()
        .await;
    // A panic has already been reported by the hook; an error is reported once saved.
    let (failure, panic): (Option<String>, Option<Box<dyn std::any::Any + Send>>) = match outcome {
        Ok(Ok(Ok(()))) => (None, None),
        Ok(Ok(Err(e))) => (Some(format!("story {name} failed: {e:#}")), None),
        Ok(Err(_)) => (Some(format!("story {name} took over 90 s")), None),
        Err(panic) => (Some(format!("story {name} panicked")), Some(panic)),
    };
    if failure.is_some() {
        let url = ctx.c.current_url().await.map(|u| u.to_string());
        let path = screenshot_dir().join(format!("{name}.png"));
        match save_screenshot(&ctx.c, &path).await {
            Ok(()) => eprintln!(
                "story {name}: screenshot of {} saved to {}",
                url.unwrap_or_default(),
                path.display()
            ),
            Err(e) => eprintln!("story {name}: no screenshot: {e:#}"),
        }
    }
    drop(ctx);
    browser.close().await;
    stack.shutdown().await;
    eprintln!("story {name}: {:.1} s", started.elapsed().as_secs_f64());
    if let Some(panic) = panic {
        std::panic::resume_unwind(panic);
    }
    if let Some(failure) = failure {
        panic!("{failure}");
    }
}

/// Saves a PNG of what the browser shows.
pub async fn save_screenshot(c: &Client, path: &Path) -> anyhow::Result<()> {
    let png = c.screenshot().await.context("taking the screenshot")?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    std::fs::write(path, png).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Page helpers

impl Ctx<'_> {
    /// Opens `path` on the server.
    pub async fn goto(&self, path: &str) -> anyhow::Result<()> {
        self.c
            .goto(&self.stack.url(path))
            .await
            .with_context(|| format!("opening {path}"))
    }

    /// The current URL's path.
    pub async fn path(&self) -> anyhow::Result<String> {
        Ok(self.c.current_url().await?.path().to_owned())
    }

    /// Signs in through `/signin` as the stories' user and waits to leave the sign-in page.
    pub async fn sign_in(&self) -> anyhow::Result<()> {
        self.goto("/signin").await?;
        let form = self.find("form#signin").await?;
        form.find(Locator::Css("input[name=email]"))
            .await
            .context("input[name=email] in form#signin")?
            .send_keys(EMAIL)
            .await?;
        form.find(Locator::Css("input[name=password]"))
            .await
            .context("input[name=password] in form#signin")?
            .send_keys(PASSWORD)
            .await?;
        form.find(Locator::Css(
            "button[type=submit], input[type=submit], button",
        ))
        .await
        .context("a submit button in form#signin")?
        .click()
        .await?;
        let left = poll_page("leaving /signin", || async {
            (self.path().await.ok()? != "/signin").then_some(())
        })
        .await;
        if let Err(e) = left {
            let problem = match self.all("#signin-error").await?.first() {
                Some(p) => p.text().await?,
                None => String::new(),
            };
            bail!(
                "{e}: still on {} after signing in ({problem})",
                self.here().await
            );
        }
        Ok(())
    }

    /// The element `css` (waiting for it to appear).
    pub async fn find(&self, css: &str) -> anyhow::Result<fantoccini::elements::Element> {
        match self
            .c
            .wait()
            .at_most(FIND_PATIENCE)
            .for_element(Locator::Css(css))
            .await
        {
            Ok(e) => Ok(e),
            Err(e) => Err(anyhow!(e).context(format!("no {css} on {}", self.here().await))),
        }
    }

    /// Every element `css` now (none is fine).
    pub async fn all(&self, css: &str) -> anyhow::Result<Vec<fantoccini::elements::Element>> {
        Ok(self.c.find_all(Locator::Css(css)).await?)
    }

    /// Whether `css` matches anything now.
    pub async fn has(&self, css: &str) -> anyhow::Result<bool> {
        Ok(!self.all(css).await?.is_empty())
    }

    /// The current URL, for messages.
    pub async fn here(&self) -> String {
        self.c
            .current_url()
            .await
            .map_or_else(|_| "?".into(), |u| u.to_string())
    }

    /// Runs `script` (a function body; `arguments` holds `args`) and returns its value.
    pub async fn js(&self, script: &str, args: Vec<Value>) -> anyhow::Result<Value> {
        Ok(self.c.execute(script, args).await?)
    }

    /// Marks the window; [`Ctx::still_marked`] tells whether the page was reloaded since.
    pub async fn mark_window(&self) -> anyhow::Result<()> {
        self.js("window.__marker = 1; return true;", vec![]).await?;
        Ok(())
    }

    /// Whether the mark of [`Ctx::mark_window`] survives (no navigation, no reload).
    pub async fn still_marked(&self) -> anyhow::Result<bool> {
        Ok(self
            .js("return window.__marker === 1;", vec![])
            .await?
            .as_bool()
            .unwrap_or(false))
    }

    /// `fetch(url)` from the page, with its cookies: `(status, content type, body)`.
    pub async fn fetch_text(&self, url: &str) -> anyhow::Result<(u16, String, String)> {
        let v = self
            .c
            .execute_async(
                "const [url, done] = arguments;
                 fetch(url, { credentials: 'same-origin' })
                   .then(async r => done([r.status, r.headers.get('content-type') || '', await r.text()]))
                   .catch(e => done([0, '', String(e)]));",
                vec![json!(url)],
            )
            .await?;
        let status = v[0].as_u64().unwrap_or(0);
        Ok((
            u16::try_from(status).unwrap_or(0),
            v[1].as_str().unwrap_or_default().to_owned(),
            v[2].as_str().unwrap_or_default().to_owned(),
        ))
    }
}

/// Polls `check` every 100 ms until it answers, for at most [`PATIENCE`].
pub async fn poll_page<T, F, Fut>(what: &str, check: F) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    poll(what, PATIENCE, check).await
}

/// Polls `check` every 100 ms until it answers, for at most `patience`.
pub async fn poll<T, F, Fut>(what: &str, patience: Duration, mut check: F) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + patience;
    loop {
        if let Some(v) = check().await {
            return Ok(v);
        }
        if Instant::now() >= deadline {
            bail!("gave up after {patience:?} waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
