//! The CLI's own output on stdout: the ranked table or the JSON document.

use std::io::Write;

use pipeline::RunDocument;

/// Prints one line on stdout.
pub fn say(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
}

/// Prints the run document as pretty JSON.
pub fn print_json<T: serde::Serialize + ?Sized>(doc: &T) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(doc)?;
    say(&text);
    Ok(())
}

/// Prints the ranked leads as a table, then a one-line summary.
pub fn print_table(doc: &RunDocument) {
    let mut out = String::new();
    let rows: Vec<[String; 9]> = doc
        .opportunities
        .iter()
        .map(|o| {
            [
                o.rank.to_string(),
                o.qualification_score.to_string(),
                clip(&o.name, 34),
                o.phone.clone().unwrap_or_default(),
                clip(o.website.as_deref().unwrap_or("—"), 38),
                match (o.rating, o.reviews_count) {
                    (Some(r), Some(n)) => format!("{r:.1} ({n})"),
                    (Some(r), None) => format!("{r:.1}"),
                    _ => "—".into(),
                },
                o.status.clone(),
                clip(o.email.as_deref().unwrap_or("—"), 32),
                o.signals.join(" "),
            ]
        })
        .collect();
    let header = [
        "#", "Score", "Business", "Phone", "Website", "Rating", "Status", "E-mail", "Signals",
    ];
    let mut widths = header.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let fmt_row = |cells: &[&str]| {
        cells
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_owned()
    };
    out.push_str(&fmt_row(&header));
    out.push('\n');
    for row in &rows {
        let cells: Vec<&str> = row.iter().map(String::as_str).collect();
        out.push_str(&fmt_row(&cells));
        out.push('\n');
    }
    let run = &doc.run;
    out.push_str(&format!(
        "\n{} leads for {} in {} · run {} {} · {} places fetched via {} · {} calls, ${:.4}",
        doc.opportunities.len(),
        run.target_vertical,
        run.target_geography,
        run.id,
        run.workflow_status,
        run.num_leads_fetched.unwrap_or(0),
        run.places_provider.as_deref().unwrap_or("no provider"),
        run.usage.calls,
        run.usage.cost,
    ));
    let a = &run.audits;
    if a.selected > 0 {
        out.push_str(&format!(
            "\n{} lead(s) audited ({} failed) · {} with a contact e-mail · dossier prompts {} tokens on average (all scraped text: {}) · {} ungrounded item(s) dropped",
            a.completed,
            a.failed,
            a.emails_found,
            a.avg_prompt_tokens,
            a.avg_full_prompt_tokens,
            a.dropped_items,
        ));
    }
    let people: Vec<_> = doc
        .opportunities
        .iter()
        .flat_map(|o| &o.decision_makers)
        .collect();
    let (business, deciders) = (&doc.personas.business, &doc.personas.decision_makers);
    if !business.is_empty() || !deciders.is_empty() {
        let mapped = doc
            .opportunities
            .iter()
            .filter(|o| o.persona.is_some())
            .count();
        let names = |ps: &[pipeline::output::PersonaDoc]| {
            ps.iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        out.push_str(&format!(
            "
Personas: {} business ({}) · {} decision-maker ({}) · {mapped} lead(s) mapped",
            business.len(),
            names(business),
            deciders.len(),
            names(deciders),
        ));
    }
    if !people.is_empty() {
        let leads = doc
            .opportunities
            .iter()
            .filter(|o| !o.decision_makers.is_empty())
            .count();
        let mapped = people.iter().filter(|p| p.persona.is_some()).count();
        let ties = people
            .iter()
            .filter(|p| {
                p.persona.as_ref().and_then(|r| r.method.as_deref())
                    == Some("embedding_llm_tiebreak")
            })
            .count();
        let on_site = people
            .iter()
            .filter(|p| p.source.contains("website"))
            .count();
        out.push_str(&format!(
            "
{} decision maker(s) for {leads} lead(s) ({on_site} named on their own websites) · {mapped} mapped to personas ({ties} tie(s) decided by the LLM)",
            people.len(),
        ));
        // The top lead's people, as a taste.
        if let Some(top) = doc
            .opportunities
            .iter()
            .find(|o| !o.decision_makers.is_empty())
        {
            for p in top.decision_makers.iter().take(3) {
                out.push_str(&format!(
                    "
  {} · {} — {} → {}",
                    top.name,
                    p.name,
                    p.title.as_deref().unwrap_or("title unknown"),
                    p.persona
                        .as_ref()
                        .and_then(|r| r.name.as_deref())
                        .unwrap_or("no persona"),
                ));
            }
        }
    }
    let drafts = doc
        .opportunities
        .iter()
        .filter(|o| o.outreach.is_some())
        .count();
    if drafts > 0 {
        out.push_str(&format!(
            "
{drafts} outreach draft(s) (call script and first e-mail) for READY leads"
        ));
    }
    if let Some(line) = doc
        .market_research
        .as_ref()
        .and_then(|r| serde_json::from_value::<pipeline::research::MarketResearch>(r.clone()).ok())
        .map(|r| pipeline::research::summary_line(&r))
    {
        out.push('\n');
        out.push_str(&line);
    }
    say(&out);
}

fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}
