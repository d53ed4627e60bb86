//! The CLI's own output on stdout: the ranked table or the JSON document.

use std::io::Write;

use pipeline::RunDocument;

/// Prints one line on stdout.
pub fn say(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
}

/// Prints the run document as pretty JSON.
pub fn print_json(doc: &RunDocument) -> anyhow::Result<()> {
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
