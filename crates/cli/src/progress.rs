//! Live progress of a run on stderr: one bar per phase on a terminal, plain lines otherwise.
//! It watches the stored run (phases and events), so it shows the same thing whichever
//! process does the work.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::time::Duration;

use domain::{PhaseStatus, RunId};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use store::Store;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A running progress display.
#[derive(Debug)]
pub struct ProgressView {
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl ProgressView {
    /// Starts watching `run`.
    pub fn start(store: Store, run: RunId) -> Self {
        let (stop, mut stopped) = oneshot::channel();
        let task = tokio::spawn(async move {
            let mut view = View::new(std::io::stderr().is_terminal());
            loop {
                let last = tokio::select! {
                    _ = &mut stopped => true,
                    () = tokio::time::sleep(Duration::from_millis(150)) => false,
                };
                view.refresh(&store, &run).await;
                if last {
                    view.done();
                    break;
                }
            }
        });
        Self {
            stop: Some(stop),
            task,
        }
    }

    /// Shows the final state and stops.
    pub async fn finish(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
    }
}

struct View {
    terminal: bool,
    multi: MultiProgress,
    bars: HashMap<String, ProgressBar>,
    printed: HashMap<String, (PhaseStatus, u64, u64)>,
    last_event: Option<String>,
}

impl View {
    fn new(terminal: bool) -> Self {
        let multi = MultiProgress::with_draw_target(if terminal {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        });
        Self {
            terminal,
            multi,
            bars: HashMap::new(),
            printed: HashMap::new(),
            last_event: None,
        }
    }

    async fn refresh(&mut self, store: &Store, run: &RunId) {
        // A failed poll only delays the display; the run itself reports errors.
        if let Ok(events) = store
            .events()
            .list(run, self.last_event.as_deref(), 100)
            .await
        {
            for e in events {
                if self.terminal {
                    let _ = self.multi.println(format!("  {}", e.message));
                } else {
                    line(&format!("  {}", e.message));
                }
                self.last_event = Some(e.id);
            }
        }
        let Ok(phases) = store.runs().phases(run).await else {
            return;
        };
        for p in phases.iter().filter(|p| p.status != PhaseStatus::Skipped) {
            let name = p.name.as_str().to_owned();
            if self.terminal {
                let bar = self.bars.entry(name.clone()).or_insert_with(|| {
                    let bar = self.multi.add(ProgressBar::new(1));
                    bar.set_style(
                        ProgressStyle::with_template("{prefix:>16} {bar:30} {pos}/{len} {msg}")
                            .unwrap_or_else(|_| ProgressStyle::default_bar()),
                    );
                    bar.set_prefix(name.clone());
                    bar
                });
                bar.set_length(p.total.max(1));
                let done = if p.status == PhaseStatus::Complete {
                    p.total.max(1)
                } else {
                    p.done
                };
                bar.set_position(done);
                bar.set_message(p.status.as_str().to_owned());
            } else {
                let now = (p.status, p.done, p.total);
                if self.printed.get(&name) != Some(&now) && p.status != PhaseStatus::Pending {
                    line(&format!(
                        "[{name}] {} {}/{}",
                        p.status.as_str(),
                        p.done,
                        p.total
                    ));
                    self.printed.insert(name, now);
                }
            }
        }
    }

    fn done(&self) {
        for bar in self.bars.values() {
            bar.abandon();
        }
    }
}

fn line(text: &str) {
    #[expect(clippy::print_stderr, reason = "the CLI's own progress output")]
    {
        eprintln!("{text}");
    }
}
