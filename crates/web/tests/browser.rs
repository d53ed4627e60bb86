//! Browser stories: headless Debian Chromium, driven over WebDriver, against the real server
//! (sample world, SQLite, workers, `web::serve` on loopback). Each story gets its own server
//! and browser; a failing story leaves `target/browser-screenshots/<story>.png`.
//!
//! Without chromedriver (`LEADFORGE_CHROMEDRIVER` unset and no `/usr/bin/chromedriver`) every
//! story prints why and passes without running; `.ci/run` installs Chromium and sets the
//! variables, so CI always runs them.
//!
//! `LEADFORGE_SCREENSHOTS_DIR=docs/screenshots cargo test -p leadforge-web --test browser
//! docs_screenshots` renders the README's screenshots (the story does nothing without it).

#![allow(clippy::expect_used, clippy::print_stderr, reason = "tests")]

mod browser_support;

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail, ensure};
use browser_support::{Browser, Ctx, DESKTOP, PHONE, poll, poll_page, save_screenshot, story};
use fantoccini::Locator;
use pipeline::Stages;
use serde_json::json;
use store::Run;

/// Signs in and starts a campaign through the UI's form; returns the run's id from the URL.
async fn start_campaign_from_form(ctx: &Ctx<'_>) -> anyhow::Result<String> {
    ctx.goto("/").await?;
    ctx.find("a#new-campaign").await?.click().await?;
    let form = ctx.find("form#new-campaign").await?;
    for (name, value) in [
        ("vertical", "dentist"),
        ("geography", "Austin, TX"),
        ("leads", "8"),
        ("audit", "3"),
    ] {
        let input = form
            .find(Locator::Css(&format!("input[name={name}]")))
            .await
            .with_context(|| format!("input[name={name}] in form#new-campaign"))?;
        input.clear().await?;
        input.send_keys(value).await?;
    }
    for name in ["personas", "decision_makers", "market_research"] {
        form.find(Locator::Css(&format!("input[type=checkbox][name={name}]")))
            .await
            .with_context(|| format!("checkbox {name} in form#new-campaign"))?;
    }
    form.find(Locator::Css("button[type=submit], input[type=submit]"))
        .await
        .context("the submit button of form#new-campaign")?
        .click()
        .await?;
    let landed = poll_page("the run page after starting a campaign", || async {
        ctx.path()
            .await
            .ok()?
            .strip_prefix("/runs/")
            .filter(|id| !id.is_empty() && !id.contains('/'))
            .map(str::to_owned)
    })
    .await;
    match landed {
        Ok(id) => Ok(id),
        Err(e) => {
            let problem = match ctx.all("#form-error").await?.first() {
                Some(p) => p.text().await?,
                None => String::new(),
            };
            bail!(
                "{e}: on {} after submitting form#new-campaign ({problem})",
                ctx.here().await
            )
        }
    }
}

/// A completed run of 8 dentists in Austin (3 audited), started through the pipeline; the
/// browser is signed in and shows its run page.
async fn run_page(ctx: &Ctx<'_>, stages: Stages) -> anyhow::Result<Run> {
    let run = ctx
        .stack
        .completed_run("dentist", "Austin, TX", 8, 3, stages)
        .await?;
    ctx.sign_in().await?;
    ctx.goto(&format!("/runs/{}", run.id)).await?;
    ctx.find("table#leads tr[data-lead-id]").await?;
    Ok(run)
}

/// `(data-lead-id, [data-signal of its badges])` of each row of the leads table.
async fn table_rows(ctx: &Ctx<'_>) -> anyhow::Result<Vec<(String, Vec<String>)>> {
    let v = ctx
        .js(
            "return Array.from(document.querySelectorAll('table#leads tr[data-lead-id]')).map(tr =>
               [tr.dataset.leadId,
                Array.from(tr.querySelectorAll('span.badge[data-signal]')).map(b => b.dataset.signal)]);",
            vec![],
        )
        .await?;
    Ok(serde_json::from_value(v)?)
}

// ---------------------------------------------------------------------------------------------

/// (a) A visitor is sent to sign in; a wrong password is refused on the page; the right one
/// lands on the campaigns list.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_in() {
    story("a_sign_in", DESKTOP, async |ctx| {
        ctx.goto("/").await?;
        ctx.find("form#signin").await?;
        ensure!(
            ctx.path().await? == "/signin",
            "a visitor without a session should be sent to /signin, is on {}",
            ctx.here().await
        );

        let form = ctx.find("form#signin").await?;
        form.find(Locator::Css("input[name=email]"))
            .await?
            .send_keys(browser_support::EMAIL)
            .await?;
        form.find(Locator::Css("input[name=password]"))
            .await?
            .send_keys("not the password")
            .await?;
        form.find(Locator::Css("button[type=submit]"))
            .await?
            .click()
            .await?;
        let problem = ctx.find("#signin-error").await?.text().await?;
        ensure!(!problem.trim().is_empty(), "the refusal says nothing");
        ensure!(
            !ctx.has("a#new-campaign").await?,
            "a wrong password signed in"
        );

        ctx.sign_in().await?;
        ensure!(
            ctx.path().await? == "/",
            "signing in should land on the campaigns list, is on {}",
            ctx.here().await
        );
        ctx.find("a#new-campaign").await?;
        ctx.find("#nav").await?;
        Ok(())
    })
    .await;
}

/// (b) A campaign started from the form runs to the end on its run page, which updates live:
/// progress reaches 100, the status says completed, the phases all end, events arrive and the
/// ranked leads appear — and the page is never reloaded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn b_campaign_runs_live() {
    story("b_campaign_runs_live", DESKTOP, async |ctx| {
        ctx.sign_in().await?;
        let run_id = start_campaign_from_form(ctx).await?;
        ctx.find("#progress[data-progress]").await?;
        ctx.find("#run-status[data-status]").await?;
        ctx.find("ul#phases li[data-phase][data-status]").await?;
        ctx.find("#events").await?;
        ctx.mark_window().await?;

        let seen = RefCell::new(BTreeSet::new());
        let last = RefCell::new((String::new(), String::new()));
        let waited = poll(
            "the run page to show progress 100 and status completed",
            Duration::from_secs(60),
            || async {
                let progress = ctx
                    .find("#progress")
                    .await
                    .ok()?
                    .attr("data-progress")
                    .await
                    .ok()??;
                let status = ctx
                    .find("#run-status")
                    .await
                    .ok()?
                    .attr("data-status")
                    .await
                    .ok()??;
                seen.borrow_mut().insert(progress.clone());
                *last.borrow_mut() = (progress.clone(), status.clone());
                (progress == "100" && status == "completed").then_some(())
            },
        )
        .await;
        let (seen, last) = (seen.into_inner(), last.into_inner());
        if let Err(e) = waited {
            let stored = ctx
                .stack
                .store()
                .runs()
                .get(&domain::RunId::parse(&run_id)?)
                .await?
                .map(|r| format!("{:?} {:.0}%", r.workflow_status, r.progress));
            bail!(
                "{e}: the page shows progress {:?} status {:?} (stored: {stored:?}; progress seen: \
                 {seen:?})",
                last.0,
                last.1
            );
        }
        let label = ctx.find("#progress").await?.text().await?;
        ensure!(
            label.contains("100%"),
            "#progress should read 100%, reads {label:?}"
        );

        // The rest of the page caught up too, still without a reload.
        poll_page("every phase to be complete or skipped", || async {
            let phases = ctx
                .js(
                    "return Array.from(document.querySelectorAll('ul#phases li[data-phase]'))
                       .map(li => li.dataset.status);",
                    vec![],
                )
                .await
                .ok()?;
            let phases = phases.as_array()?;
            (!phases.is_empty()
                && phases
                    .iter()
                    .all(|s| matches!(s.as_str(), Some("complete" | "skipped"))))
            .then_some(())
        })
        .await?;
        poll_page("events in #events", || async {
            (ctx.all("#events li").await.ok()?.len() > 1).then_some(())
        })
        .await?;
        let rows = poll_page("the ranked leads in table#leads", || async {
            let rows = table_rows(ctx).await.ok()?;
            (rows.len() == 8).then_some(rows)
        })
        .await
        .context("the leads table did not show the run's 8 leads live")?;
        ensure!(
            rows.iter().any(|(_, badges)| !badges.is_empty()),
            "no lead shows a signal badge"
        );
        ensure!(
            ctx.still_marked().await?,
            "the run page was reloaded (window.__marker is gone): updates should arrive live"
        );
        ensure!(
            ctx.path().await? == format!("/runs/{run_id}"),
            "left the run page"
        );
        if seen.len() < 2 {
            eprintln!("b_campaign_runs_live: the page only ever showed progress {seen:?}");
        }
        Ok(())
    })
    .await;
}

/// (c) Filtering the ranked table by a signal of the run keeps exactly the leads with it, each
/// showing its badge, swapped in place (no reload).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn c_filter_by_signal() {
    story("c_filter_by_signal", DESKTOP, async |ctx| {
        let run = run_page(ctx, Stages::NONE).await?;
        let rows = table_rows(ctx).await?;
        ensure!(rows.len() == 8, "expected 8 rows, got {}", rows.len());
        // The most selective signal present: a filter that keeps some rows and drops others.
        let mut counts: Vec<(usize, String)> = rows
            .iter()
            .flat_map(|(_, badges)| badges.iter().cloned())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .map(|s| (rows.iter().filter(|(_, b)| b.contains(&s)).count(), s))
            .collect();
        counts.sort();
        let (expected, signal) = counts
            .iter()
            .find(|(n, _)| *n < rows.len())
            .or(counts.first())
            .cloned()
            .context("no signal badge in the table")?;
        let stored = ctx
            .stack
            .store()
            .opportunities()
            .list_for_run(&ctx.stack.agency, &run.id)
            .await?;
        let stored_ids: BTreeSet<String> = stored
            .iter()
            .filter(|l| l.opportunity.signals.contains(&signal))
            .map(|l| l.opportunity.id.to_string())
            .collect();
        ensure!(
            stored_ids.len() == expected,
            "{expected} rows show {signal} but {} stored leads have it",
            stored_ids.len()
        );

        ctx.mark_window().await?;
        let select = ctx.find("form#lead-filters select[name=signal]").await?;
        select
            .select_by_value(&signal)
            .await
            .with_context(|| format!("no option {signal} in select[name=signal]"))?;
        let filtered = poll_page(&format!("the table to show only {signal}"), || async {
            let rows = table_rows(ctx).await.ok()?;
            let ids: BTreeSet<String> = rows.iter().map(|(id, _)| id.clone()).collect();
            (ids == stored_ids).then_some(rows)
        })
        .await?;
        for (id, badges) in &filtered {
            ensure!(
                badges.contains(&signal),
                "row {id} has no {signal} badge: {badges:?}"
            );
        }
        ensure!(
            ctx.still_marked().await?,
            "filtering reloaded the page: htmx should swap the table"
        );
        let url = ctx.c.current_url().await?;
        ensure!(
            url.query_pairs()
                .any(|(k, v)| k == "signal" && v == signal.as_str()),
            "the URL should keep the filter (hx-push-url), is {url}"
        );
        Ok(())
    })
    .await;
}

/// (d) A lead's page shows its dossier; a gap's evidence link opens the scraped page with the
/// quoted snippet marked and scrolled to. The story follows the first gap (of the run's
/// audited leads, best first) whose quote the page's stored text holds, and reports the
/// evidence links that open a page without their quote marked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn d_dossier_evidence() {
    story("d_dossier_evidence", DESKTOP, async |ctx| {
        let run = run_page(ctx, Stages::NONE).await?;
        let dossiers = ctx
            .stack
            .store()
            .audits()
            .dossiers_for_run(&ctx.stack.agency, &run.id)
            .await?;
        let ranked = ctx
            .stack
            .store()
            .opportunities()
            .list_for_run(&ctx.stack.agency, &run.id)
            .await?;
        let leads: Vec<String> = ranked
            .iter()
            .map(|l| l.opportunity.id.to_string())
            .filter(|id| {
                dossiers.iter().any(|d| {
                    d.opportunity_id.to_string() == *id
                        && d.identified_gaps.iter().any(|g| g.source_url.is_some())
                })
            })
            .collect();
        ensure!(
            !leads.is_empty(),
            "no dossier of the run has a gap citing a page ({} dossiers)",
            dossiers.len()
        );

        let mut unmarked = Vec::new();
        let mut chosen = None;
        for (n, lead) in leads.iter().enumerate() {
            if n == 0 {
                // The first one through the run table's link.
                ctx.find(&format!(
                    "tr[data-lead-id=\"{lead}\"] a[href=\"/leads/{lead}\"]"
                ))
                .await?
                .click()
                .await?;
            } else {
                ctx.goto(&format!("/leads/{lead}")).await?;
            }
            ctx.find("#dossier").await?;
            ensure!(
                ctx.path().await? == format!("/leads/{lead}"),
                "expected /leads/{lead}, on {}",
                ctx.here().await
            );
            let summary = ctx.find("#dossier #summary").await?.text().await?;
            ensure!(!summary.trim().is_empty(), "the dossier of {lead} has no summary");
            let hrefs: Vec<(String, String)> = serde_json::from_value(
                ctx.js(
                    "return Array.from(document.querySelectorAll('#dossier #gaps a.evidence'))
                       .map(a => [a.closest('li').dataset.gap, a.getAttribute('href')]);",
                    vec![],
                )
                .await?,
            )?;
            for (i, (gap, href)) in hrefs.iter().enumerate() {
                ensure!(
                    href.starts_with("/pages/") && href.contains("?q=") && href.ends_with("#evidence"),
                    "an evidence link should be /pages/{{id}}?q=…#evidence, is {href}"
                );
                let (status, _, body) = ctx.fetch_text(href).await?;
                ensure!(status == 200, "{href} answered {status}");
                if body.contains("<mark id=\"evidence\">") {
                    chosen.get_or_insert(i);
                } else {
                    unmarked.push(format!("lead {lead}, gap {gap:?}: {href}"));
                }
            }
            if chosen.is_some() {
                break;
            }
        }
        if !unmarked.is_empty() {
            eprintln!(
                "d_dossier_evidence: {} evidence link(s) open a page without their quote marked:\n  {}",
                unmarked.len(),
                unmarked.join("\n  ")
            );
        }
        let chosen = chosen.with_context(|| {
            format!(
                "no evidence link of {} audited lead(s) opens a page with its quote marked: \
                 {unmarked:#?}",
                leads.len()
            )
        })?;

        let links = ctx.all("#dossier #gaps a.evidence").await?;
        links
            .get(chosen)
            .context("the evidence link went away")?
            .click()
            .await?;
        let mark = ctx.find("mark#evidence").await?;
        let marked = mark.text().await?;
        ensure!(!marked.trim().is_empty(), "mark#evidence is empty");
        let url = ctx.c.current_url().await?;
        ensure!(
            url.path().starts_with("/pages/") && url.fragment() == Some("evidence"),
            "the evidence link led to {url}"
        );
        let q = url
            .query_pairs()
            .find(|(k, _)| k == "q")
            .map(|(_, v)| v.into_owned())
            .context("no q= in the evidence page's URL")?;
        let squash = |s: &str| {
            s.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase()
        };
        ensure!(
            squash(&marked) == squash(q.trim_matches(['"', '“', '”', '\''])),
            "the page marks {marked:?}, the link quoted {q:?}"
        );
        let in_view = ctx
            .js(
                "const r = document.getElementById('evidence').getBoundingClientRect();
                 return r.bottom > 0 && r.top < window.innerHeight;",
                vec![],
            )
            .await?;
        ensure!(
            in_view == json!(true),
            "the marked evidence is not scrolled into view"
        );
        Ok(())
    })
    .await;
}

/// Splits CSV text into records (RFC 4180 quoting, CRLF or LF).
fn csv_records(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(ch) = chars.next() {
        match (quoted, ch) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    records
}

/// (e) The run page's CSV export, fetched with the browser's session: a header row, then one
/// row per lead of the run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e_export_csv() {
    story("e_export_csv", DESKTOP, async |ctx| {
        let run = run_page(ctx, Stages::NONE).await?;
        let href = ctx
            .find("a#export-csv")
            .await?
            .attr("href")
            .await?
            .context("a#export-csv has no href")?;
        ensure!(
            href == format!("/runs/{}/export.csv", run.id),
            "a#export-csv points at {href}"
        );
        let (status, content_type, body) = ctx.fetch_text(&href).await?;
        ensure!(
            status == 200,
            "GET {href} answered {status}: {}",
            body.chars().take(300).collect::<String>()
        );
        ensure!(
            content_type.starts_with("text/csv"),
            "GET {href} is {content_type:?}, not text/csv"
        );
        let records = csv_records(&body);
        let (header, rows) = records.split_first().context("an empty CSV")?;
        let lower: Vec<String> = header.iter().map(|h| h.to_lowercase()).collect();
        let name_col = lower
            .iter()
            .position(|h| h == "name" || h == "business")
            .with_context(|| format!("no name column in the header {header:?}"))?;
        ensure!(
            lower.iter().any(|h| h.contains("phone")),
            "no phone column in the header {header:?}"
        );
        let leads = ctx
            .stack
            .store()
            .opportunities()
            .list_for_run(&ctx.stack.agency, &run.id)
            .await?;
        ensure!(
            rows.len() == leads.len() && leads.len() == 8,
            "{} CSV rows for {} leads",
            rows.len(),
            leads.len()
        );
        for row in rows {
            ensure!(
                row.len() == header.len(),
                "a row has {} fields, the header {}: {row:?}",
                row.len(),
                header.len()
            );
        }
        let names: BTreeSet<&str> = rows.iter().map(|r| r[name_col].as_str()).collect();
        for l in &leads {
            ensure!(
                names.contains(l.opportunity.name.as_str()),
                "{} is missing from the CSV",
                l.opportunity.name
            );
        }
        Ok(())
    })
    .await;
}

/// (f) On a phone, the run page fits the screen (no sideways scrolling) and every lead's name,
/// score and signals are on screen at a readable size.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f_phone_run_page() {
    story("f_phone_run_page", PHONE, async |ctx| {
        run_page(ctx, Stages::NONE).await?;
        let m = ctx
            .js(
                "const de = document.documentElement;
                 const vw = window.innerWidth;
                 const cells = Array.from(document.querySelectorAll(
                   'table#leads tr[data-lead-id] td.name, table#leads tr[data-lead-id] td.score, \
                    table#leads tr[data-lead-id] span.badge'));
                 const off = cells.filter(c => {
                   const r = c.getBoundingClientRect();
                   return r.left < -1 || r.right > vw + 1 || r.width === 0;
                 }).map(c => c.textContent.trim());
                 const tiny = cells.filter(c =>
                     parseFloat(getComputedStyle(c).fontSize) < (c.matches('span.badge') ? 10 : 12))
                   .map(c => c.textContent.trim());
                 return { vw, scrollWidth: de.scrollWidth, bodyScrollWidth: document.body.scrollWidth,
                          cells: cells.length, off, tiny };",
                vec![],
            )
            .await?;
        let vw = m["vw"].as_f64().unwrap_or(0.0);
        ensure!(
            (300.0..=420.0).contains(&vw),
            "the phone's viewport is {vw} px wide"
        );
        let scroll = m["scrollWidth"].as_f64().unwrap_or(f64::MAX);
        ensure!(
            scroll <= vw + 1.0,
            "the run page scrolls sideways on a phone: {m}"
        );
        ensure!(
            m["cells"].as_u64().unwrap_or(0) >= 16,
            "the leads table shows too little: {m}"
        );
        ensure!(
            m["off"].as_array().is_some_and(Vec::is_empty),
            "leads table content off screen on a phone: {m}"
        );
        ensure!(
            m["tiny"].as_array().is_some_and(Vec::is_empty),
            "leads table text too small on a phone (names and scores under 12px, badges under \
             10px): {m}"
        );
        Ok(())
    })
    .await;
}

/// The README's screenshots, into `LEADFORGE_SCREENSHOTS_DIR` (does nothing without it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn docs_screenshots() {
    let Some(dir) = std::env::var_os("LEADFORGE_SCREENSHOTS_DIR").map(PathBuf::from) else {
        eprintln!("docs_screenshots: LEADFORGE_SCREENSHOTS_DIR is unset, nothing to do");
        return;
    };
    // Relative to the workspace (cargo runs tests in the crate's directory).
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(dir);
    story("docs_screenshots", DESKTOP, async |ctx| {
        // A viewport of exactly 1280×900: the window also holds the (headless) browser's
        // chrome.
        let chrome = ctx
            .js("return window.outerHeight - window.innerHeight;", vec![])
            .await?
            .as_u64()
            .unwrap_or(0);
        ctx.c
            .set_window_size(DESKTOP.width, DESKTOP.height + u32::try_from(chrome)?)
            .await?;
        let shot = async |name: &str| save_screenshot(&ctx.c, &dir.join(name)).await;
        ctx.goto("/signin").await?;
        ctx.find("form#signin").await?;
        shot("signin.png").await?;

        let run = ctx
            .stack
            .completed_run("dentist", "Austin, TX", 12, 4, Stages::ALL)
            .await?;
        ctx.sign_in().await?;
        ctx.find("a#new-campaign").await?;
        shot("campaigns.png").await?;

        ctx.goto(&format!("/runs/{}", run.id)).await?;
        ctx.find("#run-status[data-status=completed]").await?;
        ctx.find("table#leads tr[data-lead-id]").await?;
        shot("run.png").await?;
        let leads = ctx.find("#lead-filters").await?;
        ctx.js(
            "arguments[0].closest('section').scrollIntoView({block: 'start'});",
            vec![serde_json::to_value(&leads)?],
        )
        .await?;
        shot("run-leads.png").await?;

        let dossiers = ctx
            .stack
            .store()
            .audits()
            .dossiers_for_run(&ctx.stack.agency, &run.id)
            .await?;
        let dossier = dossiers
            .iter()
            .max_by_key(|d| {
                d.identified_gaps
                    .iter()
                    .filter(|g| g.source_url.is_some())
                    .count()
            })
            .context("no dossier")?;
        ctx.goto(&format!("/leads/{}", dossier.opportunity_id))
            .await?;
        let gaps = ctx.find("#dossier").await?;
        ctx.js(
            "arguments[0].scrollIntoView({block: 'start'});",
            vec![serde_json::to_value(&gaps)?],
        )
        .await?;
        shot("lead.png").await?;

        // The first evidence link whose page marks its quote (else the first at all).
        let hrefs: Vec<String> = serde_json::from_value(
            ctx.js(
                "return Array.from(document.querySelectorAll('#dossier a.evidence'))
                   .map(a => a.getAttribute('href'));",
                vec![],
            )
            .await?,
        )?;
        let mut chosen = hrefs.first().cloned().context("no evidence link")?;
        for href in &hrefs {
            if ctx
                .fetch_text(href)
                .await?
                .2
                .contains("<mark id=\"evidence\">")
            {
                chosen = href.clone();
                break;
            }
        }
        ctx.goto(&chosen).await?;
        ctx.find("#page-content").await?;
        shot("evidence.png").await?;

        ctx.goto("/settings").await?;
        ctx.find("form#profile").await?;
        shot("settings.png").await?;

        let bins = browser_support::Binaries::locate().context("chromedriver")?;
        let phone = Browser::start(&bins, PHONE).await?;
        let on_phone = Ctx {
            stack: ctx.stack,
            c: phone.client.clone(),
            name: "docs_screenshots_phone".into(),
        };
        let done = async {
            on_phone.sign_in().await?;
            on_phone.goto(&format!("/runs/{}", run.id)).await?;
            on_phone.find("table#leads tr[data-lead-id]").await?;
            save_screenshot(&on_phone.c, &dir.join("run-phone.png")).await
        }
        .await;
        phone.close().await;
        done
    })
    .await;
}
