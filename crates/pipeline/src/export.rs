//! A run's leads as files other programs read: CSV (one row per lead, rank order, RFC 4180
//! quoting, guarded against formula injection) and JSON (the [`RunDocument`]). Both are
//! scoped to an agency: another agency's run is "not found", exactly like a missing one.

use domain::{AgencyId, RunId};
use store::{Store, StoreError};

use crate::output::{OpportunityDoc, RunDocument, run_document};

/// The CSV header, in column order.
pub const CSV_HEADER: [&str; 19] = [
    "rank",
    "id",
    "name",
    "status",
    "qualificationScore",
    "signals",
    "phone",
    "emails",
    "website",
    "domain",
    "address",
    "city",
    "rating",
    "reviews_count",
    "fit_reason",
    "persona",
    "decision_makers",
    "dossier_summary",
    "place_id",
];

/// The run's leads as CSV (UTF-8, CRLF line ends, header first), in rank order.
pub async fn export_csv(
    store: &Store,
    agency: &AgencyId,
    run: &RunId,
) -> Result<Vec<u8>, StoreError> {
    let doc = document(store, agency, run).await?;
    to_csv(&doc)
}

/// The run document as pretty JSON (what `leadforge run --json` prints).
pub async fn export_json(
    store: &Store,
    agency: &AgencyId,
    run: &RunId,
) -> Result<Vec<u8>, StoreError> {
    let doc = document(store, agency, run).await?;
    serde_json::to_vec_pretty(&doc).map_err(|e| encode_error(&e))
}

async fn document(
    store: &Store,
    agency: &AgencyId,
    run: &RunId,
) -> Result<RunDocument, StoreError> {
    let run = store
        .runs()
        .get_for_agency(agency, run)
        .await?
        .ok_or_else(|| StoreError::NotFound {
            what: "run",
            id: run.to_string(),
        })?;
    run_document(store, agency, &run).await
}

/// Renders a run document's leads as CSV.
pub fn to_csv(doc: &RunDocument) -> Result<Vec<u8>, StoreError> {
    let mut leads: Vec<&OpportunityDoc> = doc.opportunities.iter().collect();
    leads.sort_by_key(|o| o.rank);
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    out.write_record(CSV_HEADER).map_err(|e| encode_error(&e))?;
    for lead in leads {
        out.write_record(row(lead).iter().map(|cell| guard_cell(cell).into_owned()))
            .map_err(|e| encode_error(&e))?;
    }
    out.into_inner().map_err(|e| encode_error(e.error()))
}

fn row(o: &OpportunityDoc) -> [String; 19] {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let people = o
        .decision_makers
        .iter()
        .map(
            |p| match p.title.as_deref().filter(|t| !t.trim().is_empty()) {
                Some(title) => format!("{} ({title})", p.name),
                None => p.name.clone(),
            },
        )
        .collect::<Vec<_>>()
        .join("; ");
    [
        o.rank.to_string(),
        o.id.clone(),
        o.name.clone(),
        o.status.clone(),
        o.qualification_score.to_string(),
        o.signals.join(" "),
        opt(&o.phone),
        o.emails.join(" "),
        opt(&o.website),
        opt(&o.domain),
        opt(&o.address),
        opt(&o.city),
        o.rating.map(|r| r.to_string()).unwrap_or_default(),
        o.reviews_count.map(|n| n.to_string()).unwrap_or_default(),
        opt(&o.fit_reason),
        o.persona
            .as_ref()
            .map(|p| p.name.clone().unwrap_or_else(|| p.id.clone()))
            .unwrap_or_default(),
        people,
        o.dossier
            .as_ref()
            .map(|d| d.summary.clone())
            .unwrap_or_default(),
        o.place_id.clone(),
    ]
}

/// Defuses formula injection (OWASP "CSV injection"): a cell a spreadsheet would read as a
/// formula — one starting with `=`, `+`, `-`, `@`, a tab or a carriage return — gets a leading
/// apostrophe. A cell that is only a number (an E.164 phone such as `+15125550141`, a
/// negative amount) is left alone: it cannot run anything, and phones must stay dialable.
pub fn guard_cell(cell: &str) -> std::borrow::Cow<'_, str> {
    let risky = matches!(
        cell.chars().next(),
        Some('=' | '+' | '-' | '@' | '\t' | '\r')
    );
    if risky && !is_plain_number(cell) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// `[+-]digits[.digits]`, nothing else.
fn is_plain_number(cell: &str) -> bool {
    let rest = cell.strip_prefix(['+', '-']).unwrap_or(cell);
    let (int, frac) = rest.split_once('.').unwrap_or((rest, "0"));
    !int.is_empty()
        && !frac.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
}

fn encode_error(err: &dyn std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        what: "export",
        message: format!("cannot encode the run: {err}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starters_get_an_apostrophe() {
        for (cell, want) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
            ("-2+3", "'-2+3"),
            ("\tsneaky", "'\tsneaky"),
            ("\rsneaky", "'\rsneaky"),
        ] {
            assert_eq!(guard_cell(cell), want, "{cell:?}");
        }
    }

    #[test]
    fn ordinary_text_and_plain_numbers_are_untouched() {
        for cell in [
            "Eastside Family Dentistry",
            "+15125550141",
            "-3.5",
            "4.2",
            "",
            "a=b",
            "info@example.com",
        ] {
            assert_eq!(guard_cell(cell), cell, "{cell:?}");
        }
        assert_eq!(guard_cell("+"), "'+");
        assert_eq!(guard_cell("-."), "'-.");
        assert_eq!(guard_cell("+1."), "'+1.");
    }
}
