//! `filter_rank`: the hard phone filter, suppression, signals and scoring of seed 001, then
//! the top `numLeads` by score.

use anyhow::{Context, Result};
use domain::{CountryCode, Domain, Phase, PhoneE164, Suppression, TriageRules, triage};
use store::{ContentRef, LeadUpsert, NewEvent, Run, SuppressionKind};
use tracing::instrument;

use super::{PlacesSnapshot, ranked_key};
use crate::services::Services;

#[instrument(skip_all, fields(run.id = %run.id))]
pub(crate) async fn run(svc: &Services, run: &Run) -> Result<()> {
    let agency = svc
        .store
        .agencies()
        .get(&run.agency_id)
        .await?
        .context("the run's agency no longer exists")?;
    let (criteria, weights) = super::agency_rules(&agency)?;

    let snapshot_ref = run
        .places_snapshot
        .as_deref()
        .context("the run has no places snapshot")?;
    let bytes = svc.blobs.get(&ContentRef::parse(snapshot_ref)?).await?;
    let snapshot: PlacesSnapshot =
        serde_json::from_slice(&bytes).context("reading the places snapshot")?;
    let country = CountryCode::parse(&snapshot.country).unwrap_or(CountryCode::US);
    let suppression = load_suppression(svc, run, country).await?;

    let fetched = snapshot.places.len();
    let rules = TriageRules {
        default_country: country,
        criteria,
        weights,
    };
    let outcome = triage(snapshot.places, &rules, &suppression);
    let wanted = usize::try_from(run.num_leads).unwrap_or(usize::MAX);
    let qualified = outcome.leads.len();
    let ranked: Vec<LeadUpsert> = outcome
        .leads
        .into_iter()
        .take(wanted)
        .enumerate()
        .map(|(i, lead)| LeadUpsert {
            place_id: lead.place.place_id,
            source: lead.place.source.as_str().to_owned(),
            name: lead.place.name,
            domain: lead.domain.map(|d| d.to_string()),
            website: lead.website,
            phone: lead.phone.to_string(),
            address: lead.place.address,
            city: lead.place.city,
            rating: lead.place.rating,
            reviews_count: lead.place.reviews_count,
            latitude: lead.place.latitude,
            longitude: lead.place.longitude,
            categories: lead.place.categories,
            score: lead.score,
            signals: lead.signals.iter().map(|s| s.as_str().to_owned()).collect(),
            rank: u32::try_from(i + 1).unwrap_or(u32::MAX),
        })
        .collect();
    let body = serde_json::to_vec(&ranked).context("serialising the ranked leads")?;
    svc.blobs.put(&ranked_key(run.id.as_str()), body).await?;

    let kept = ranked.len();
    svc.store
        .runs()
        .set_phase_counts(&run.id, Phase::FilterRank, fetched as u64, fetched as u64)
        .await?;
    let message = format!(
        "Kept {kept} of {fetched} places: {} without a valid phone, {} duplicates, {} suppressed{}",
        outcome.discarded_invalid_phone,
        outcome.discarded_duplicate,
        outcome.discarded_suppressed,
        if qualified > kept {
            format!(", {} beyond the {wanted} wanted", qualified - kept)
        } else {
            String::new()
        },
    );
    let data = serde_json::json!({
        "fetched": fetched,
        "kept": kept,
        "discarded_invalid_phone": outcome.discarded_invalid_phone,
        "discarded_duplicate": outcome.discarded_duplicate,
        "discarded_suppressed": outcome.discarded_suppressed,
        "beyond_wanted": qualified - kept,
    });
    let events = svc.store.events();
    events
        .append(
            &run.id,
            &run.agency_id,
            NewEvent::info(Some(Phase::FilterRank), "triage_done", message).with_data(data),
        )
        .await?;
    if kept < wanted {
        events
            .append(
                &run.id,
                &run.agency_id,
                NewEvent::warn(
                    Some(Phase::FilterRank),
                    "fewer_leads_than_wanted",
                    format!("Found {kept} qualified leads of the {wanted} wanted"),
                ),
            )
            .await?;
    }
    Ok(())
}

/// The agency's suppression list in domain form. Entries that no longer parse (a rule change)
/// are skipped rather than blocking every run.
async fn load_suppression(svc: &Services, run: &Run, country: CountryCode) -> Result<Suppression> {
    let mut s = Suppression::default();
    for entry in svc.store.suppression().list(&run.agency_id).await? {
        match entry.kind {
            SuppressionKind::Domain => {
                if let Ok(d) = Domain::from_url(&entry.value) {
                    s.domains.insert(d);
                }
            }
            SuppressionKind::Phone => {
                if let Ok(p) = PhoneE164::parse(&entry.value, country) {
                    s.phones.insert(p);
                }
            }
            SuppressionKind::PlaceId => {
                s.place_ids.insert(entry.value);
            }
        }
    }
    Ok(s)
}
