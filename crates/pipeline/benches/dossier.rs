//! The dossier prompt on real pages: the 35 real fixture pages (19 trafilatura pages, 16
//! Readability sources) turned into Markdown by the crawler and taken five at a time as one
//! site's scraped pages (7 sites), with the site checks those pages really fail and the
//! default page budget of 3 000 tokens.
//!
//! Before measuring it prints what the budget saves: the average prompt size in tokens against
//! a prompt carrying every scraped page whole. Then criterion times `build_prompt` and the
//! rules dossier held to its evidence (`rules` + `ground`), per site.
#![allow(clippy::unwrap_used, reason = "benchmark setup")]
#![expect(clippy::print_stdout, reason = "a benchmark reports on stdout")]

use std::hint::black_box;
use std::path::{Path, PathBuf};

use crawler::checks::{CheckContext, Finding, SiteChecks};
use crawler::page::analyze;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use domain::{AgencyId, CountryCode, OpportunityId};
use pipeline::audit::dossier::{DossierInput, PageText, build_prompt, ground, rules};
use store::{ApprovedClaim, Opportunity};
use url::Url;

/// `LEADFORGE_DOSSIER_PAGE_TOKENS`' default.
const PAGE_TOKEN_BUDGET: usize = 3_000;
/// Pages scraped per site.
const PAGES_PER_SITE: usize = 5;

fn fixture_html() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/html_pages");
    let mut files: Vec<PathBuf> = Vec::new();
    for entry in std::fs::read_dir(root.join("trafilatura"))
        .unwrap()
        .flatten()
    {
        if entry.path().extension().is_some_and(|e| e == "html") {
            files.push(entry.path());
        }
    }
    for entry in std::fs::read_dir(root.join("readability"))
        .unwrap()
        .flatten()
    {
        let source = entry.path().join("source.html");
        if source.exists() {
            files.push(source);
        }
    }
    files.sort();
    files
        .into_iter()
        .map(|path| String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned())
        .collect()
}

/// One site as `generate_dossier` sees it: its pages' Markdown and its site-level findings.
struct Site {
    pages: Vec<PageText>,
    findings: Vec<Finding>,
}

fn sites() -> Vec<Site> {
    let html = fixture_html();
    assert_eq!(html.len(), 35);
    let context = CheckContext::new(2026);
    let paths = ["", "about", "services", "contact", "team"];
    html.chunks(PAGES_PER_SITE)
        .enumerate()
        .map(|(s, group)| {
            let reports: Vec<_> = group
                .iter()
                .zip(paths)
                .map(|(html, path)| {
                    let url = Url::parse(&format!("https://www.site{s}.example/{path}")).unwrap();
                    analyze(&url, html, Some(CountryCode::DE), &context)
                })
                .collect();
            let per_page: Vec<Vec<Finding>> = reports.iter().map(|r| r.findings.clone()).collect();
            Site {
                findings: SiteChecks::aggregate(&per_page),
                pages: reports
                    .into_iter()
                    .map(|r| PageText {
                        url: r.url,
                        title: r.content.title,
                        markdown: r.content.markdown,
                    })
                    .collect(),
            }
        })
        .collect()
}

fn lead() -> Opportunity {
    Opportunity {
        id: OpportunityId::new(),
        agency_id: AgencyId::new(),
        lead_gen_flow_id: None,
        name: "Praxis am Markt".into(),
        domain: Some("site0.example".into()),
        website: Some("https://www.site0.example/".into()),
        phone: Some("+493012345678".into()),
        email: None,
        emails: vec![],
        place_id: "place-bench".into(),
        address: Some("Marktplatz 1, Berlin".into()),
        city: Some("Berlin".into()),
        rating: Some(3.6),
        reviews_count: Some(41),
        latitude: None,
        longitude: None,
        categories: vec!["Dentist".into()],
        source: "serper".into(),
        fit_reason: None,
        status: "DATA_READY".into(),
        meeting_time: None,
        target_vertical: "dentist".into(),
        target_geography: "Berlin".into(),
        qualification_score: 65,
        signals: vec!["NEEDS_WEB_AUDIT".into(), "LOW_GOOGLE_RATING".into()],
        persona_id: None,
        persona_score: None,
        created_at: 0,
        updated_at: 0,
    }
}

fn claims() -> Vec<ApprovedClaim> {
    [
        ("fast", "Mobile-friendly websites live in 14 days"),
        ("reviews", "We grow your Google reviews and reputation"),
        ("book", "Online booking that fills your calendar"),
        ("seo", "Local SEO that gets you found on Google Maps"),
    ]
    .into_iter()
    .map(|(id, text)| ApprovedClaim {
        id: id.into(),
        text: text.into(),
        source_url: None,
    })
    .collect()
}

fn dossier(c: &mut Criterion) {
    let sites = sites();
    let lead = lead();
    let claims = claims();
    let services = vec!["Websites for dentists".to_owned(), "Local SEO".to_owned()];
    let inputs: Vec<DossierInput<'_>> = sites
        .iter()
        .map(|site| DossierInput {
            lead: &lead,
            services: &services,
            claims: &claims,
            findings: &site.findings,
            pages: &site.pages,
            page_token_budget: PAGE_TOKEN_BUDGET,
        })
        .collect();

    let prompts: Vec<_> = inputs.iter().map(build_prompt).collect();
    let n = prompts.len();
    let avg = |f: fn(&pipeline::audit::dossier::Prompt) -> usize| {
        prompts.iter().map(f).sum::<usize>() / n
    };
    let (sent, whole) = (avg(|p| p.tokens), avg(|p| p.all_markdown_tokens));
    let smallest = prompts.iter().map(|p| p.tokens).min().unwrap();
    let largest = prompts.iter().map(|p| p.all_markdown_tokens).max().unwrap();
    println!(
        "dossier prompt over {n} sites of {PAGES_PER_SITE} real pages, page budget \
         {PAGE_TOKEN_BUDGET} tokens: {sent} tokens on average vs {whole} with every page whole \
         ({:.1}x smaller, {:.0}% saved; smallest prompt {smallest}, largest whole prompt \
         {largest})",
        whole as f64 / sent as f64,
        100.0 * (1.0 - sent as f64 / whole as f64),
    );
    let drops: u32 = inputs
        .iter()
        .zip(&sites)
        .map(|(input, site)| {
            let g = ground(&rules(input), &site.pages, &claims);
            g.dropped_gaps + g.dropped_talking_points
        })
        .sum();
    println!("rules dossiers: {drops} item(s) dropped by grounding over {n} sites");

    let mut group = c.benchmark_group("dossier");
    group.throughput(Throughput::Elements(u64::try_from(n).unwrap()));
    group.bench_function("build_prompt_per_site", |b| {
        b.iter(|| {
            for input in &inputs {
                black_box(build_prompt(black_box(input)));
            }
        });
    });
    group.bench_function("rules_and_ground_per_site", |b| {
        b.iter(|| {
            for (input, site) in inputs.iter().zip(&sites) {
                let draft = rules(black_box(input));
                black_box(ground(&draft, &site.pages, &claims));
            }
        });
    });
    group.finish();
}

criterion_group!(benches, dossier);
criterion_main!(benches);
