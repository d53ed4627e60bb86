//! The agency profile as a file the user edits: TOML in the format `leadforge run --agency`
//! reads, written from a proposal with the alternatives in comments, and checked field by
//! field before anything is stored.

use std::collections::HashSet;

use domain::Signal;
use store::AgencyProfile;

use super::Proposal;

/// What is wrong with an agency profile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProfileError {
    /// Not TOML, or not the profile's shape (a typo in a key, a claim without `text`).
    #[error("not a valid agency profile{}: {message}", line.map_or(String::new(), |l| format!(" (line {l})")))]
    Syntax {
        /// The line the problem is on, when known.
        line: Option<usize>,
        /// What the parser said.
        message: String,
    },
    /// A field whose value does not hold up.
    #[error("`{field}` {problem}")]
    Field {
        /// The field, e.g. `approved_claims[1].text`.
        field: String,
        /// What is wrong with it.
        problem: String,
    },
    /// The profile could not be written as TOML.
    #[error("cannot write the profile as TOML: {0}")]
    Write(String),
}

fn field(field: impl Into<String>, problem: impl Into<String>) -> ProfileError {
    ProfileError::Field {
        field: field.into(),
        problem: problem.into(),
    }
}

fn signal_names() -> String {
    Signal::ALL
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Parses and checks a TOML agency profile.
pub fn parse_profile(text: &str) -> Result<AgencyProfile, ProfileError> {
    let profile: AgencyProfile = toml::from_str(text).map_err(|e| ProfileError::Syntax {
        line: e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1),
        message: e.message().trim().to_owned(),
    })?;
    validate_profile(&profile)?;
    Ok(profile)
}

/// Checks every field: a name, a visitable website, no blank entries, criteria and weight
/// keys that are signal names, claims with unique ids, text and http(s) sources.
pub fn validate_profile(profile: &AgencyProfile) -> Result<(), ProfileError> {
    if profile.name.trim().is_empty() {
        return Err(field("name", "must not be empty"));
    }
    if let Some(website) = &profile.website {
        domain::normalize_website(website)
            .map_err(|e| field("website", format!("is not a usable website: {e}")))?;
    }
    for (i, service) in profile.services.iter().enumerate() {
        if service.trim().is_empty() {
            return Err(field(format!("services[{i}]"), "must not be empty"));
        }
    }
    for (name, value) in [
        ("target_vertical", &profile.target_vertical),
        ("target_geography", &profile.target_geography),
    ] {
        if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
            return Err(field(name, "must not be empty (leave it out to have none)"));
        }
    }
    for (i, name) in profile.lead_qualification_criteria.iter().enumerate() {
        if Signal::parse(name).is_err() {
            return Err(field(
                format!("lead_qualification_criteria[{i}]"),
                format!(
                    "{name:?} is not a signal; expected one of {}",
                    signal_names()
                ),
            ));
        }
    }
    for name in profile.scoring_weights.keys() {
        if Signal::parse(name).is_err() {
            return Err(field(
                format!("scoring_weights.{name}"),
                format!("is not a signal; expected one of {}", signal_names()),
            ));
        }
    }
    let mut ids = HashSet::new();
    for (i, claim) in profile.approved_claims.iter().enumerate() {
        let id = claim.id.trim();
        if id.is_empty() {
            return Err(field(
                format!("approved_claims[{i}].id"),
                "must not be empty",
            ));
        }
        if id.chars().count() > 64
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(field(
                format!("approved_claims[{i}].id"),
                format!("{id:?} must be at most 64 letters, digits, `-` or `_`"),
            ));
        }
        if !ids.insert(id) {
            return Err(field(
                format!("approved_claims[{i}].id"),
                format!("{id:?} is used by another claim"),
            ));
        }
        if claim.text.trim().is_empty() {
            return Err(field(
                format!("approved_claims[{i}].text"),
                "must not be empty",
            ));
        }
        if let Some(source) = &claim.source_url {
            let ok = url::Url::parse(source.trim())
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
            if !ok {
                return Err(field(
                    format!("approved_claims[{i}].source_url"),
                    format!("{source:?} is not an http(s) URL"),
                ));
            }
        }
    }
    Ok(())
}

/// `text` on one comment line.
fn comment(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The proposal as an editable TOML profile: the profile itself, with what it was made from
/// and the verticals and geographies not chosen as defaults in comments.
pub fn proposal_toml(proposal: &Proposal) -> Result<String, ProfileError> {
    let body = toml::to_string_pretty(&proposal.profile())
        .map_err(|e| ProfileError::Write(e.to_string()))?;
    let read = proposal.pages.iter().filter(|p| p.error.is_none()).count();
    let mut out = format!(
        "# Agency profile proposed by `leadforge agency onboard` from {} ({read} page(s) read,\n\
         # written by {}). Edit it, then store it with `leadforge agency save FILE` or use it\n\
         # with `leadforge run --agency FILE`.\n#\n",
        comment(&proposal.website),
        comment(&proposal.provider),
    );
    for (what, all) in [
        ("target_vertical", &proposal.target_verticals),
        ("target_geography", &proposal.target_geographies),
    ] {
        if all.len() > 1 {
            out.push_str(&format!(
                "# Other choices for {what} found on the site: {}\n",
                comment(&all[1..].join("; "))
            ));
        }
    }
    out.push_str("# lead_qualification_criteria and scoring_weights may name:\n#  ");
    let mut width = 3;
    for name in Signal::ALL.map(Signal::as_str) {
        if width + name.len() + 1 > 90 {
            out.push_str("\n#  ");
            width = 3;
        }
        out.push(' ');
        out.push_str(name);
        width += name.len() + 1;
    }
    out.push_str("\n\n");
    out.push_str(&body);
    Ok(out)
}
