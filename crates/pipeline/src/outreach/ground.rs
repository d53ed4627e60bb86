//! Grounding: a draft held to the material it may use.

use std::collections::HashSet;

use super::text::{cap_words, is_link, link_key, shorten, single_line, trim_punct};
use super::{
    CallScript, EmailDraft, MAX_EMAIL_WORDS, MAX_SUBJECT_CHARS, Material, OutreachAnswer,
    OutreachDraft, rules,
};

/// Most lines in a call script's `talking_points`.
const MAX_SCRIPT_POINTS: usize = 4;

/// All-capital words a subject may carry without shouting.
const ACRONYMS: &[&str] = &[
    "SEO", "HTTPS", "SSL", "CTA", "FAQ", "SMS", "HVAC", "USA", "LLC", "LTD", "PPC", "CRM",
];

/// A draft held to its material.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grounded {
    /// What was kept.
    pub answer: OutreachAnswer,
    /// Sentences dropped for an unsupported number or an unread link.
    pub dropped_sentences: u32,
    /// Ids removed because they named nothing known.
    pub dropped_references: u32,
    /// Why what was kept is unusable, if it is.
    pub problem: Option<&'static str>,
}

impl Grounded {
    pub(super) fn into_draft(
        self,
        m: &Material<'_>,
        provider: &str,
        model: &str,
        note: Option<&str>,
    ) -> OutreachDraft {
        let a = self.answer;
        let mut sources: Vec<String> = Vec::new();
        let cited = m
            .points
            .iter()
            .filter(|p| a.talking_point_ids.contains(&p.id))
            .filter_map(|p| p.source_url.clone())
            .chain(
                m.gaps
                    .iter()
                    .filter(|g| a.gap_ids.contains(&g.id))
                    .filter_map(|g| g.source_url.clone()),
            );
        let text = script_text(&a).chain([a.email.subject.as_str(), a.email.body.as_str()]);
        let linked: Vec<String> = text
            .flat_map(str::split_whitespace)
            .filter_map(|w| link_key(trim_punct(w)).filter(|_| is_link(trim_punct(w))))
            .filter_map(|k| {
                m.pages
                    .iter()
                    .find(|(p, _)| *p == k)
                    .map(|(_, u)| u.clone())
            })
            .collect();
        for url in cited.chain(linked) {
            if !sources.contains(&url) {
                sources.push(url);
            }
        }
        OutreachDraft {
            call_script: a.call_script,
            email: a.email,
            talking_point_ids: a.talking_point_ids,
            gap_ids: a.gap_ids,
            cited_claim_ids: a.claim_ids,
            sources,
            provider: provider.to_owned(),
            model: model.to_owned(),
            dropped_sentences: self.dropped_sentences,
            dropped_references: self.dropped_references,
            note: note.map(str::to_owned),
        }
    }
}

fn script_text(a: &OutreachAnswer) -> impl Iterator<Item = &str> {
    let s = &a.call_script;
    [s.opener.as_str(), s.reason_for_call.as_str()]
        .into_iter()
        .chain(s.talking_points.iter().map(String::as_str))
        .chain([s.question.as_str(), s.close.as_str()])
}

/// Resolves model-written references against `known` ids: the id itself (brackets allowed) or
/// a line that starts with `[id]`. Returns the ids found, in order, and how many named nothing.
fn resolve<'k>(raw: &[String], known: impl Iterator<Item = &'k str> + Clone) -> (Vec<String>, u32) {
    let mut found: Vec<String> = Vec::new();
    let mut dropped = 0;
    for r in raw {
        let r = r.trim();
        let bare = r.trim_matches(['[', ']']).trim();
        let lead = r
            .strip_prefix('[')
            .and_then(|rest| rest.split_once(']'))
            .map(|(id, _)| id.trim());
        let hit = known.clone().find(|k| {
            k.eq_ignore_ascii_case(bare) || lead.is_some_and(|l| k.eq_ignore_ascii_case(l))
        });
        match hit {
            Some(id) if !found.iter().any(|f| f == id) => found.push(id.to_owned()),
            Some(_) => {}
            None => dropped += 1,
        }
    }
    (found, dropped)
}

/// Holds `answer` to `m`: unknown ids removed; sentences with a number none of the used
/// talking points, gaps, claims or listing facts states, or with a link to a page the audit
/// did not read, dropped; the e-mail cut to [`MAX_EMAIL_WORDS`]; a shouting, empty or dropped
/// subject replaced by the rules subject, one too long shortened.
pub fn ground(answer: &OutreachAnswer, m: &Material<'_>) -> Grounded {
    let (points, d1) = resolve(
        &answer.talking_point_ids,
        m.points.iter().map(|p| p.id.as_str()),
    );
    let (gaps, d2) = resolve(&answer.gap_ids, m.gaps.iter().map(|g| g.id.as_str()));
    let (mut claims, d3) = resolve(
        &answer.claim_ids,
        m.agency.approved_claims.iter().map(|c| c.id.as_str()),
    );
    // A used talking point brings the claim it rests on.
    for p in m.points.iter().filter(|p| points.contains(&p.id)) {
        if !claims.contains(&p.claim_id) {
            claims.push(p.claim_id.clone());
        }
    }
    // In the agency's order, so the same draft always lists them alike.
    claims.sort_by_key(|id| claim_position(m, id));
    let mut allowed = m.listing_numbers();
    for p in m.points.iter().filter(|p| points.contains(&p.id)) {
        allowed.add(&p.text);
    }
    for g in m.gaps.iter().filter(|g| gaps.contains(&g.id)) {
        allowed.add(&g.key);
        allowed.add(&g.value);
    }
    for c in m
        .agency
        .approved_claims
        .iter()
        .filter(|c| claims.contains(&c.id))
    {
        allowed.add(&c.text);
    }
    let mut dropped = 0;
    let mut clean = |text: &str| {
        let (kept, n) = m.clean(text, &allowed, true);
        dropped += n;
        kept
    };
    let s = &answer.call_script;
    let mut script = CallScript {
        opener: clean(&s.opener),
        reason_for_call: clean(&s.reason_for_call),
        talking_points: s
            .talking_points
            .iter()
            .map(|t| clean(t))
            .filter(|t| !t.is_empty())
            .take(MAX_SCRIPT_POINTS)
            .collect(),
        question: clean(&s.question),
        close: clean(&s.close),
    };
    let body_lines: Vec<String> = answer
        .email
        .body
        .lines()
        .map(|l| {
            if l.trim().is_empty() {
                String::new()
            } else {
                clean(l)
            }
        })
        .collect();
    let body = cap_words(&body_lines, MAX_EMAIL_WORDS);
    let subject = clean(&single_line(&answer.email.subject));
    let problem = if points.is_empty() && gaps.is_empty() {
        Some("the model's draft cited no talking point or gap of the dossier")
    } else if body.is_empty() {
        Some("the model's e-mail was empty after grounding")
    } else if script.opener.is_empty()
        && script.reason_for_call.is_empty()
        && script.talking_points.is_empty()
    {
        Some("the model's call script was empty after grounding")
    } else {
        None
    };
    // Fact-free lines the model left out or lost come from the rules draft.
    let fallback = || rules(m);
    let subject = if subject.is_empty() || shouting(&subject, m) {
        fallback().email.subject
    } else {
        shorten(&subject, MAX_SUBJECT_CHARS)
    };
    if script.question.is_empty() {
        script.question = fallback().call_script.question;
    }
    if script.close.is_empty() {
        script.close = fallback().call_script.close;
    }
    Grounded {
        answer: OutreachAnswer {
            talking_point_ids: points,
            gap_ids: gaps,
            claim_ids: claims,
            call_script: script,
            email: EmailDraft { subject, body },
        },
        dropped_sentences: dropped,
        dropped_references: d1 + d2 + d3,
        problem,
    }
}

/// Where claim `id` stands in the agency's list (unknown ones last).
pub(super) fn claim_position(m: &Material<'_>, id: &str) -> usize {
    m.agency
        .approved_claims
        .iter()
        .position(|c| c.id == id)
        .unwrap_or(usize::MAX)
}

/// Whether a subject shouts: "!!", or an all-capital word of three letters or more that is
/// neither a common acronym nor part of the lead's or the agency's name.
fn shouting(subject: &str, m: &Material<'_>) -> bool {
    let names = format!("{} {}", m.lead.name, m.agency.name);
    let named: HashSet<&str> = names.split_whitespace().map(trim_punct).collect();
    subject.contains("!!")
        || subject.split_whitespace().map(trim_punct).any(|w| {
            let letters = w.chars().filter(|c| c.is_alphabetic()).count();
            letters >= 3
                && !w.chars().any(char::is_lowercase)
                && !ACRONYMS.contains(&w)
                && !named.contains(w)
        })
}
