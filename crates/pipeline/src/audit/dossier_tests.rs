#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

use crawler::checks::FindingKey;
use domain::{AgencyId, OpportunityId};

use super::*;

#[test]
fn short_pages_keep_everything_and_long_ones_share_the_rest() {
    assert_eq!(
        fair_shares(&[100, 5_000, 5_000], 1_100),
        vec![100, 500, 500]
    );
    assert_eq!(fair_shares(&[10, 20], 1_000), vec![10, 20]);
    assert_eq!(fair_shares(&[], 1_000), Vec::<usize>::new());
}

/// A small deterministic generator (xorshift64*), so property checks need no extra crate and
/// a failure always reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % u64::try_from(n).unwrap()).unwrap()
    }
}

#[test]
fn fair_shares_stay_within_the_budget_and_the_pages_and_fill_short_pages_whole() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for case in 0..5_000 {
        let n = rng.below(12);
        // Mix the scales: tiny pages, pages around the fair share, huge pages.
        let scale = [10, 1_000, 30_000][rng.below(3)];
        let lengths: Vec<usize> = (0..n).map(|_| rng.below(scale + 1)).collect();
        let budget = rng.below(40_000);
        let shares = fair_shares(&lengths, budget);
        let why = format!("case {case}: lengths {lengths:?}, budget {budget}, shares {shares:?}");

        assert_eq!(shares.len(), n, "{why}");
        let sum: usize = shares.iter().sum();
        let total: usize = lengths.iter().sum();
        assert!(sum <= budget, "over budget: {why}");
        assert_eq!(sum, budget.min(total), "budget left unused: {why}");
        for (i, (&share, &len)) in shares.iter().zip(&lengths).enumerate() {
            assert!(share <= len, "page {i} gets more than it has: {why}");
            if n > 0 && len <= budget / n {
                assert_eq!(share, len, "page {i} is under the fair share: {why}");
            }
        }
        // Water-filling: a cut page gets at least as much as any other page, to within the
        // rounding of one character.
        for (i, (&share, &len)) in shares.iter().zip(&lengths).enumerate() {
            if share < len {
                for (j, &other) in shares.iter().enumerate() {
                    assert!(other <= share + 1, "page {j} beats cut page {i}: {why}");
                }
            }
        }
    }
}

#[test]
fn fair_shares_with_nothing_to_share_give_nothing() {
    assert_eq!(fair_shares(&[100, 0, 7], 0), vec![0, 0, 0]);
    assert_eq!(fair_shares(&[0, 0], 1_000), vec![0, 0]);
    assert_eq!(fair_shares(&[5_000], 1_000), vec![1_000]);
}

const MARKER: &str = "\n[…]";

/// `cut`'s text without its marker, checked to be a prefix of `text`.
fn kept<'a>(text: &str, out: &'a str) -> &'a str {
    let body = out.strip_suffix(MARKER).unwrap_or(out);
    assert!(
        text.starts_with(body),
        "{out:?} is not a prefix of {text:?}"
    );
    body
}

#[test]
fn cut_keeps_short_text_whole() {
    assert_eq!(cut("hello world", 11), "hello world");
    assert_eq!(cut("hello world", 100), "hello world");
    assert_eq!(cut("", 0), "");
    assert_eq!(cut("日本語", 3), "日本語");
}

#[test]
fn cut_never_splits_a_multi_byte_character() {
    let texts = [
        "Zahnarztpraxis Dr. Müller — Öffnungszeiten: Mo–Fr 8–18 Uhr. Schöne Grüße!",
        "日本語のテキストは空白がありません。歯科医院の予約はこちら。",
        "emoji 🦷🦷🦷 everywhere 😀 in 👨‍👩‍👧 the text 🦷",
        "ééééééééééééééééééééééééééééééééééééééééé",
    ];
    for text in texts {
        let len = text.chars().count();
        for max in 0..=len + 2 {
            let out = cut(text, max);
            let body = kept(text, &out);
            assert!(out.chars().count() <= max, "{max}: {out:?}");
            assert!(body.chars().count() <= max, "{max}: {out:?}");
            if max >= len {
                assert_eq!(out, text);
            } else if max >= MARKER.chars().count() {
                assert!(out.ends_with(MARKER), "{max}: {out:?}");
            }
        }
    }
}

#[test]
fn cut_prefers_a_line_break_then_a_word_break_near_the_end() {
    let first = "Our practice offers family dentistry";
    let text = format!("{first}\nand emergency appointments on weekends");
    // The line break (36) is within the last quarter of the first 40 characters.
    assert_eq!(cut(&text, 40), format!("{first}{MARKER}"));

    let words = "alpha beta gamma delta epsilon zeta eta theta iota kappa";
    let out = cut(words, 30);
    let body = kept(words, &out);
    assert_eq!(body, "alpha beta gamma delta");
    assert!(words[body.len()..].starts_with(' '), "cut at a word break");

    // A break too far back (before three quarters of the text kept) is not used. The cut
    // leaves room for the marker, so the whole stays within `max`.
    let room = 40 - MARKER.chars().count();
    let text = format!("short\n{}", "x".repeat(100));
    let body_len = kept(&text, &cut(&text, 40)).chars().count();
    assert_eq!(body_len, room, "hard cut when no break is near");

    // No break at all: a hard cut, marker included, at exactly `max` characters.
    let word = "Donaudampfschifffahrtsgesellschaftskapitän".repeat(3);
    let out = cut(&word, 50);
    assert_eq!(out.chars().count(), 50);
}

#[test]
fn cut_output_is_at_most_max_characters() {
    let text = "word ".repeat(100);
    for max in [0, 1, 10, 99, 250] {
        let out = cut(&text, max);
        assert!(
            out.chars().count() <= max,
            "{max}: {} chars",
            out.chars().count()
        );
    }
}

fn opportunity() -> Opportunity {
    Opportunity {
        id: OpportunityId::new(),
        agency_id: AgencyId::new(),
        lead_gen_flow_id: None,
        name: "North Loop Dental Care".into(),
        domain: Some("northloopdental.com".into()),
        website: Some("https://northloopdental.com/".into()),
        phone: Some("+15125550119".into()),
        email: None,
        emails: vec![],
        place_id: "place-1".into(),
        address: Some("1 Loop St, Austin, TX".into()),
        city: Some("Austin".into()),
        rating: Some(3.4),
        reviews_count: Some(27),
        latitude: None,
        longitude: None,
        categories: vec!["Dentist".into()],
        source: "serper".into(),
        fit_reason: None,
        status: "DATA_READY".into(),
        meeting_time: None,
        target_vertical: "Dentist".into(),
        target_geography: "Austin, TX".into(),
        qualification_score: 65,
        signals: vec!["NEEDS_WEB_AUDIT".into(), "LOW_GOOGLE_RATING".into()],
        persona_id: None,
        persona_score: None,
        created_at: 0,
        updated_at: 0,
    }
}

fn claim(id: &str, text: &str) -> ApprovedClaim {
    ApprovedClaim {
        id: id.into(),
        text: text.into(),
        source_url: None,
    }
}

fn claims() -> Vec<ApprovedClaim> {
    vec![
        claim("fast", "Mobile-friendly websites live in 14 days"),
        claim("reviews", "We grow your Google reviews and reputation"),
        claim("book", "Online booking that fills your calendar"),
        claim("dogs", "We love dogs"),
    ]
}

const HOME: &str = "https://northloopdental.com/";
const ABOUT: &str = "https://northloopdental.com/about";
const CONTACT: &str = "https://northloopdental.com/contact-us";

fn finding(key: FindingKey, passed: bool, url: &str) -> Finding {
    Finding {
        key,
        passed,
        value: format!(
            "{} {}",
            key.as_str().to_lowercase(),
            if passed { "ok" } else { "found" }
        ),
        source_url: url.into(),
        evidence: "<html>…</html>".into(),
    }
}

fn findings() -> Vec<Finding> {
    vec![
        finding(FindingKey::NoHttps, true, HOME),
        finding(FindingKey::WebsiteNotMobileFriendly, false, HOME),
        finding(FindingKey::NoBooking, false, CONTACT),
        finding(FindingKey::NoCallToAction, false, ABOUT),
        finding(FindingKey::MissingMetaDescription, true, HOME),
    ]
}

fn page_text(url: &str, title: Option<&str>, markdown: String) -> PageText {
    PageText {
        url: url.into(),
        title: title.map(str::to_owned),
        markdown,
    }
}

fn pages(words_each: usize) -> Vec<PageText> {
    let body = |w: &str| {
        (0..words_each)
            .map(|i| format!("{w}{i}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    vec![
        page_text(HOME, Some("Home"), body("home")),
        page_text(ABOUT, None, body("about")),
        page_text(CONTACT, Some("Contact us"), body("contact")),
    ]
}

fn input<'a>(
    lead: &'a Opportunity,
    claims: &'a [ApprovedClaim],
    findings: &'a [Finding],
    pages: &'a [PageText],
    budget: usize,
) -> DossierInput<'a> {
    DossierInput {
        lead,
        services: &[],
        claims,
        findings,
        pages,
        page_token_budget: budget,
    }
}

#[test]
fn the_prompt_cuts_page_text_to_the_budget() {
    let lead = opportunity();
    let (claims, findings) = (claims(), findings());
    // About 20 000 characters a page, far over a 1 000-token (4 000-character) budget.
    let pages = pages(2_500);
    let prompt = build_prompt(&input(&lead, &claims, &findings, &pages, 1_000));

    // The same prompt with empty pages weighs everything but the page text.
    let empty: Vec<PageText> = pages
        .iter()
        .map(|p| PageText {
            markdown: String::new(),
            ..p.clone()
        })
        .collect();
    let frame = build_prompt(&input(&lead, &claims, &findings, &empty, 1_000));
    let frame_chars = frame.text.chars().count();
    let page_chars = prompt.text.chars().count() - frame_chars;
    let markers = pages.len() * MARKER.chars().count();
    assert!(
        page_chars <= 4_000 + markers,
        "{page_chars} page characters"
    );
    // Cuts back off to a break by at most a quarter of each share.
    assert!(page_chars >= 3_000, "{page_chars} page characters");

    let total: usize = pages.iter().map(|p| p.markdown.chars().count()).sum();
    assert_eq!(prompt.tokens, estimate_tokens(&prompt.text));
    assert_eq!(
        prompt.all_markdown_tokens,
        (frame_chars + total).div_ceil(4)
    );
    assert!(prompt.tokens <= prompt.all_markdown_tokens);
    assert!(prompt.tokens * 4 < prompt.all_markdown_tokens);
    for p in &pages {
        assert!(
            prompt.text.contains(&p.markdown[..100]),
            "every page gets its share"
        );
        assert!(!prompt.text.contains(&p.markdown), "no page is sent whole");
    }
}

#[test]
fn pages_within_the_budget_are_sent_whole() {
    let lead = opportunity();
    let (claims, findings) = (claims(), findings());
    let pages = pages(50);
    let prompt = build_prompt(&input(&lead, &claims, &findings, &pages, 3_000));
    for p in &pages {
        assert!(prompt.text.contains(&p.markdown));
    }
    assert!(!prompt.text.contains(MARKER));
    assert_eq!(prompt.tokens, prompt.all_markdown_tokens);
}

#[test]
fn the_prompt_names_every_page_claim_and_finding() {
    let lead = opportunity();
    let (claims, findings) = (claims(), findings());
    let pages = pages(3_000);
    let text = build_prompt(&input(&lead, &claims, &findings, &pages, 500)).text;
    for (i, p) in pages.iter().enumerate() {
        let title = p.title.as_deref().unwrap_or("untitled");
        assert!(
            text.contains(&format!("### Page {}: {} — {title}\n", i + 1, p.url)),
            "page {} is named",
            p.url
        );
    }
    for c in &claims {
        assert!(
            text.contains(&format!("- [{}] {}\n", c.id, c.text)),
            "claim {}",
            c.id
        );
    }
    for f in &findings {
        let verdict = if f.passed { "passed" } else { "FAILED" };
        assert!(text.contains(&format!("- {} {verdict}: ", f.key.as_str())));
        assert!(text.contains(&format!("source_url: {}\n", f.source_url)));
    }
    assert!(text.contains("- Name: North Loop Dental Care\n"));
    assert!(text.contains("- Rating: 3.4 stars from 27 reviews\n"));
    assert!(text.contains("- Signals: NEEDS_WEB_AUDIT, LOW_GOOGLE_RATING\n"));
    assert!(text.contains("Agency services: marketing\n"));
}

#[test]
fn a_prompt_without_pages_findings_or_claims_says_so() {
    let mut lead = opportunity();
    lead.website = None;
    lead.rating = None;
    lead.signals = vec![];
    let prompt = build_prompt(&input(&lead, &[], &[], &[], 3_000));
    let text = &prompt.text;
    assert!(text.contains("Scraped pages:\n(none)\n"), "{text}");
    assert!(text.contains("- none (no page could be read)\n"), "{text}");
    assert!(text.contains("make no other claim):\n- none\n"), "{text}");
    assert!(text.contains("- Website: none\n"));
    assert!(text.contains("- Rating: no rating\n"));
    assert!(text.contains("- Signals: none\n"));
    assert!(!text.contains("### Page"));
    assert_eq!(prompt.tokens, prompt.all_markdown_tokens);
}

#[test]
fn a_prompt_cuts_multi_byte_pages_without_panicking() {
    let lead = opportunity();
    let pages = vec![
        page_text(
            HOME,
            Some("Start"),
            "Zahnärztin Müller — Öffnungszeiten ".repeat(400),
        ),
        page_text(ABOUT, Some("歯科"), "歯科医院の予約はこちら。".repeat(800)),
        page_text(CONTACT, None, "🦷 smile 😀 ".repeat(600)),
    ];
    let prompt = build_prompt(&input(&lead, &[], &[], &pages, 700));
    assert!(prompt.tokens < prompt.all_markdown_tokens);
    assert_eq!(prompt.text.matches(MARKER).count(), 3);
}

fn gap(key: &str, url: Option<&str>) -> GapDraft {
    GapDraft {
        key: key.into(),
        value: format!("{key} seen"),
        source_url: url.map(str::to_owned),
    }
}

fn point(claim: &str, url: Option<&str>) -> PointDraft {
    PointDraft {
        text: format!("say {claim}"),
        approved_claim_id: claim.into(),
        source_url: url.map(str::to_owned),
    }
}

fn draft(gaps: Vec<GapDraft>, points: Vec<PointDraft>, sources: &[&str]) -> DossierDraft {
    DossierDraft {
        summary: "A dentist.".into(),
        identified_gaps: gaps,
        talking_points: points,
        sources: sources
            .iter()
            .map(|u| SourceDraft {
                url: (*u).to_owned(),
                title: None,
            })
            .collect(),
    }
}

#[test]
fn ground_drops_gaps_citing_pages_that_were_not_scraped() {
    let pages = pages(10);
    let d = draft(
        vec![
            gap("NO_BOOKING", Some(CONTACT)),
            gap("NO_HTTPS", Some("https://northloopdental.com/pricing")),
            gap("NO_HTTPS", Some("https://evil.example/")),
            gap("NO_CALL_TO_ACTION", Some("not a url")),
            gap(
                "NO_BOOKING",
                Some("https://northloopdental.com/contact-us?utm=x"),
            ),
            gap(
                "NO_BOOKING",
                Some("https://www.northloopdental.com/contact-us"),
            ),
        ],
        vec![],
        &[],
    );
    let g = ground(&d, &pages, &claims());
    assert_eq!(g.gaps.len(), 1);
    assert_eq!(g.gaps[0].source_url.as_deref(), Some(CONTACT));
    assert_eq!(g.dropped_gaps, 5);
}

#[test]
fn ground_keeps_a_gap_without_a_page_only_for_listing_facts() {
    let pages = pages(10);
    let d = draft(
        vec![
            gap("MISSING_WEBSITE", None),
            gap("WEAK_WEB_PRESENCE", Some("  ")),
            gap(" LOW_GOOGLE_RATING ", None),
            gap("NO_HTTPS", None),
            gap("NEEDS_WEB_AUDIT", None),
            gap("Slow site", Some("")),
        ],
        vec![],
        &[],
    );
    let g = ground(&d, &pages, &claims());
    let kept: Vec<(&str, Option<&str>)> = g
        .gaps
        .iter()
        .map(|g| (g.key.as_str(), g.source_url.as_deref()))
        .collect();
    assert_eq!(
        kept,
        [
            ("MISSING_WEBSITE", None),
            ("WEAK_WEB_PRESENCE", None),
            ("LOW_GOOGLE_RATING", None)
        ]
    );
    assert_eq!(g.dropped_gaps, 3);
}

#[test]
fn ground_drops_talking_points_with_unknown_claims_or_unscraped_pages() {
    let pages = pages(10);
    let d = draft(
        vec![],
        vec![
            point("fast", Some(HOME)),
            point(" reviews ", None),
            point("made-up", None),
            point("", Some(HOME)),
            point("book", Some("https://northloopdental.com/booking")),
            point("made-up", Some("https://elsewhere.example/")),
        ],
        &[],
    );
    let g = ground(&d, &pages, &claims());
    let kept: Vec<(&str, Option<&str>)> = g
        .talking_points
        .iter()
        .map(|t| (t.approved_claim_id.as_str(), t.source_url.as_deref()))
        .collect();
    assert_eq!(kept, [("fast", Some(HOME)), ("reviews", None)]);
    assert_eq!(
        g.dropped_talking_points, 4,
        "each dropped point counted once"
    );
    assert_eq!(g.dropped_gaps, 0);
}

#[test]
fn ground_accepts_a_trailing_slash_or_fragment_and_names_the_page_as_scraped() {
    let pages = pages(10);
    let d = draft(
        vec![
            gap(
                "NO_CALL_TO_ACTION",
                Some("https://northloopdental.com/about/"),
            ),
            gap(
                "NO_BOOKING",
                Some("https://northloopdental.com/contact-us#form"),
            ),
            gap("NO_HTTPS", Some("https://northloopdental.com")),
            gap(
                "STALE_COPYRIGHT",
                Some("  https://NorthLoopDental.com/#footer "),
            ),
        ],
        vec![point(
            "book",
            Some("https://northloopdental.com/contact-us/#book"),
        )],
        &["https://northloopdental.com/about#team"],
    );
    let g = ground(&d, &pages, &claims());
    let urls: Vec<Option<&str>> = g.gaps.iter().map(|g| g.source_url.as_deref()).collect();
    assert_eq!(urls, [Some(ABOUT), Some(CONTACT), Some(HOME), Some(HOME)]);
    assert_eq!(g.talking_points[0].source_url.as_deref(), Some(CONTACT));
    assert_eq!((g.dropped_gaps, g.dropped_talking_points), (0, 0));
    let sources: Vec<&str> = g.sources.iter().map(|s| s.url.as_str()).collect();
    assert_eq!(
        sources,
        [ABOUT, CONTACT, HOME],
        "cited pages, as scraped, once each"
    );
}

#[test]
fn ground_dedupes_and_caps_gaps_and_talking_points_counting_every_drop() {
    let pages = pages(10);
    let keys: Vec<&str> = FindingKey::ALL.iter().map(|k| k.as_str()).collect();
    let mut gaps: Vec<GapDraft> = keys.iter().map(|k| gap(k, Some(HOME))).collect();
    // Repeats (the same key and page, written differently) are not counted as drops.
    gaps.insert(1, gap(keys[0], Some("https://northloopdental.com/#top")));
    gaps.insert(2, gap(keys[0], Some(HOME)));
    // The same key on another page is another gap.
    gaps.insert(3, gap(keys[0], Some(ABOUT)));
    let mut blank = gap("NO_BOOKING", Some(HOME));
    blank.value = "   ".into();
    gaps.insert(4, blank);
    let mut points: Vec<PointDraft> = (0..10)
        .map(|i| {
            let mut p = point("fast", None);
            p.text = format!("say fast, take {i}");
            p
        })
        .collect();
    // A repeated talking point is the same point: neither kept twice nor counted as a drop.
    points.insert(1, points[0].clone());

    let g = ground(&draft(gaps, points, &[]), &pages, &claims());
    assert_eq!(g.gaps.len(), MAX_GAPS);
    assert_eq!(
        (g.gaps[0].key.as_str(), g.gaps[1].key.as_str()),
        (keys[0], keys[0])
    );
    assert_eq!(g.gaps[1].source_url.as_deref(), Some(ABOUT));
    // 17 distinct gaps with content, 12 kept: 5 over the cap, plus the blank one.
    assert_eq!(g.dropped_gaps, 6);
    assert_eq!(g.talking_points.len(), MAX_TALKING_POINTS);
    assert_eq!(g.dropped_talking_points, 4);
}

#[test]
fn ground_sources_only_scraped_pages_falling_back_to_all_of_them() {
    let pages = pages(10);
    let claims = claims();
    let d = draft(
        vec![gap("NO_BOOKING", Some(CONTACT))],
        vec![point("fast", Some(ABOUT))],
        &[
            "https://elsewhere.example/",
            HOME,
            "https://northloopdental.com/",
        ],
    );
    let g = ground(&d, &pages, &claims);
    let urls: Vec<&str> = g.sources.iter().map(|s| s.url.as_str()).collect();
    assert_eq!(urls, [HOME, CONTACT, ABOUT]);
    assert_eq!(
        g.sources[0].title.as_deref(),
        Some("Home"),
        "titles as scraped"
    );
    assert_eq!(g.sources[2].title, None);

    // Nothing cited (or only pages that were not scraped): every scraped page.
    let d = draft(
        vec![gap("MISSING_WEBSITE", None)],
        vec![],
        &["https://x.example/"],
    );
    let g = ground(&d, &pages, &claims);
    let urls: Vec<&str> = g.sources.iter().map(|s| s.url.as_str()).collect();
    assert_eq!(urls, [HOME, ABOUT, CONTACT]);
    assert!(ground(&d, &[], &claims).sources.is_empty());
}

#[test]
fn rules_turn_failed_findings_into_gaps_and_listing_signals_into_page_less_gaps() {
    let lead = opportunity();
    let (claims, findings) = (claims(), findings());
    let pages = pages(10);
    let d = rules(&input(&lead, &claims, &findings, &pages, 3_000));
    let gaps: Vec<(&str, Option<&str>)> = d
        .identified_gaps
        .iter()
        .map(|g| (g.key.as_str(), g.source_url.as_deref()))
        .collect();
    assert_eq!(
        gaps,
        [
            ("LOW_GOOGLE_RATING", None),
            ("WEBSITE_NOT_MOBILE_FRIENDLY", Some(HOME)),
            ("NO_BOOKING", Some(CONTACT)),
            ("NO_CALL_TO_ACTION", Some(ABOUT)),
        ],
        "passed findings and NEEDS_WEB_AUDIT are not gaps"
    );
    assert_eq!(
        d.identified_gaps[0].value,
        "3.4 stars from 27 Google reviews"
    );
    assert_eq!(d.identified_gaps[2].value, findings[2].value);
    let sources: Vec<&str> = d.sources.iter().map(|s| s.url.as_str()).collect();
    assert_eq!(sources, [HOME, ABOUT, CONTACT]);
    assert!(
        d.summary
            .starts_with("North Loop Dental Care is a dentist in Austin.")
    );
    assert!(
        d.summary
            .contains("3 page(s) of its website were read; 3 of 5 site checks failed.")
    );

    let mut bare = opportunity();
    bare.website = None;
    bare.signals = vec!["MISSING_WEBSITE".into()];
    let d = rules(&input(&bare, &claims, &[], &[], 3_000));
    assert_eq!(d.identified_gaps.len(), 1);
    assert_eq!(d.identified_gaps[0].key, "MISSING_WEBSITE");
    assert_eq!(d.identified_gaps[0].source_url, None);
    assert!(d.summary.contains("It has no website."), "{}", d.summary);
    assert!(d.sources.is_empty());
}

#[test]
fn rules_match_each_gap_to_the_claim_on_its_topic() {
    let lead = opportunity();
    let (claims, findings) = (claims(), findings());
    let pages = pages(10);
    let d = rules(&input(&lead, &claims, &findings, &pages, 3_000));
    let points: Vec<(&str, Option<&str>)> = d
        .talking_points
        .iter()
        .map(|t| (t.approved_claim_id.as_str(), t.source_url.as_deref()))
        .collect();
    assert_eq!(
        points,
        [
            ("reviews", None),
            ("fast", Some(HOME)),
            ("book", Some(CONTACT)),
        ]
    );
    assert!(
        d.talking_points[1]
            .text
            .starts_with("Mobile-friendly websites live in 14 days — website not mobile friendly:")
    );
    assert!(
        d.talking_points
            .iter()
            .all(|t| t.approved_claim_id != "dogs")
    );

    // A claim is used once, and without a matching claim there is no talking point.
    let only = [claim("fast", "Mobile-friendly, responsive sites")];
    let d = rules(&input(&lead, &only, &findings, &pages, 3_000));
    assert_eq!(d.talking_points.len(), 1);
    let d = rules(&input(
        &lead,
        &[claim("dogs", "We love dogs")],
        &findings,
        &pages,
        3_000,
    ));
    assert!(d.talking_points.is_empty());
}

#[test]
fn the_rules_dossier_passes_grounding_untouched() {
    let lead = opportunity();
    let (claims, findings) = (claims(), findings());
    let pages = pages(10);
    let d = rules(&input(&lead, &claims, &findings, &pages, 3_000));
    let g = ground(&d, &pages, &claims);
    assert_eq!((g.dropped_gaps, g.dropped_talking_points), (0, 0));
    assert_eq!(g.gaps.len(), d.identified_gaps.len());
    assert_eq!(g.talking_points.len(), d.talking_points.len());
    assert_eq!(g.sources.len(), pages.len());
}

#[test]
fn the_rules_dossier_of_a_site_failing_most_checks_passes_grounding_untouched() {
    let lead = opportunity();
    let claims = claims();
    // A plain-http, pre-mobile site: everything fails but the length, weight and speed checks.
    let findings: Vec<Finding> = FindingKey::ALL
        .iter()
        .map(|&k| {
            let fine = matches!(
                k,
                FindingKey::TitleLength
                    | FindingKey::MetaDescriptionLength
                    | FindingKey::HeavyPage
                    | FindingKey::SlowWebsite
            );
            finding(k, fine, HOME)
        })
        .collect();
    let pages = pages(10);
    let d = rules(&input(&lead, &claims, &findings, &pages, 3_000));
    let g = ground(&d, &pages, &claims);
    assert_eq!((g.dropped_gaps, g.dropped_talking_points), (0, 0));
}
