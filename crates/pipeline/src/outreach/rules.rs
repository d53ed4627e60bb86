//! The deterministic draft, written from the material alone.

use super::ground::claim_position;
use super::text::{as_sentence, cap_words, capitalize, lower_first, shorten};
use super::{
    CallScript, EmailDraft, Gap, MAX_EMAIL_WORDS, MAX_SUBJECT_CHARS, Material, OutreachAnswer,
    Point,
};

/// Talking points (and gaps) the rules draft speaks from.
const RULES_POINTS: usize = 3;

/// The deterministic draft: the lead greeted by name, its top gaps in plain words, its top
/// talking points and the claims they rest on. States nothing the material does not.
pub fn rules(m: &Material<'_>) -> OutreachAnswer {
    let lead = m.lead;
    let agency = m.agency_name();
    let name = lead.name.trim();
    let place = lead
        .city
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map_or(String::new(), |c| format!(" in {c}"));
    let points: Vec<&Point> = m.points.iter().take(RULES_POINTS).collect();
    let gaps: Vec<&Gap> = m.gaps.iter().take(2).collect();
    let phrases: Vec<String> = gaps.iter().map(|g| plain_gap(g, m)).collect();
    let noticed = match phrases.as_slice() {
        [] => None,
        [one] => Some(one.clone()),
        [first, rest @ ..] => Some(format!("{first}, and that {}", rest.join(", and that "))),
    };
    let mut claims: Vec<&str> = Vec::new();
    for p in &points {
        if !claims.contains(&p.claim_id.as_str()) {
            claims.push(&p.claim_id);
        }
    }
    claims.sort_by_key(|id| claim_position(m, id));
    let claim_texts: Vec<String> = claims
        .iter()
        .filter_map(|id| m.agency.approved_claims.iter().find(|c| c.id == *id))
        .map(|c| as_sentence(&c.text))
        .collect();
    let reason = match &noticed {
        Some(n) => format!("I was looking at {name}{place} online and noticed {n}."),
        None => format!("I was looking at {name}{place} online and had a few ideas for you."),
    };
    let mut script_points: Vec<String> = points.iter().map(|p| as_sentence(&p.text)).collect();
    if script_points.is_empty() {
        script_points = phrases
            .iter()
            .map(|p| as_sentence(&capitalize(p)))
            .collect();
    }
    let channel = if lead.website.is_some() {
        "your website"
    } else {
        "Google"
    };
    let mut body = vec![
        format!("Hi {name} team,"),
        String::new(),
        format!(
            "I'm writing from {agency}. {}",
            match &noticed {
                Some(n) => format!("I was looking at {name}{place} and noticed {n}."),
                None => format!("I was looking at {name}{place} and had a few ideas for you."),
            }
        ),
    ];
    if !claim_texts.is_empty() {
        body.push(String::new());
        body.push(claim_texts.join(" "));
    }
    body.extend([
        String::new(),
        "Would you be open to a short call this week? I'd be happy to walk you through what we \
         found."
            .to_owned(),
        String::new(),
        "Best regards,".to_owned(),
        agency.to_owned(),
    ]);
    OutreachAnswer {
        talking_point_ids: points.iter().map(|p| p.id.clone()).collect(),
        gap_ids: gaps.iter().map(|g| g.id.clone()).collect(),
        claim_ids: claims.iter().map(|c| (*c).to_owned()).collect(),
        call_script: CallScript {
            opener: format!("Hi, is this {name}? I'm calling from {agency}."),
            reason_for_call: reason,
            talking_points: script_points,
            question: format!(
                "Is bringing in more customers through {channel} something you're focused on \
                 at the moment?"
            ),
            close: "Would you be open to a short call this week so I can walk you through what \
                    we found?"
                .to_owned(),
        },
        email: EmailDraft {
            subject: shorten(&format!("A quick note about {name}"), MAX_SUBJECT_CHARS),
            body: cap_words(&body, MAX_EMAIL_WORDS),
        },
    }
}

/// A gap in the words one would say on the phone ("your website has no contact form").
fn plain_gap(g: &Gap, m: &Material<'_>) -> String {
    let phrase = match g.key.as_str() {
        "NO_HTTPS" => "your website doesn't load over a secure https connection",
        "WEBSITE_NOT_MOBILE_FRIENDLY" => "your website isn't set up for mobile phones",
        "NO_CALL_TO_ACTION" => "your website has no clear call to action",
        "NO_BOOKING" => "there's no way to book online on your website",
        "NO_CONTACT_FORM" => "your website has no contact form",
        "NO_CLICK_TO_CALL" => "your phone number isn't tap-to-call on your website",
        "NO_CONTACT_EMAIL" => "I couldn't find a contact e-mail on your website",
        "MISSING_TITLE"
        | "TITLE_LENGTH"
        | "MISSING_META_DESCRIPTION"
        | "META_DESCRIPTION_LENGTH"
        | "MISSING_OR_MULTIPLE_H1" => {
            "your website's titles and descriptions could do more for you in Google search"
        }
        "NO_LOCAL_BUSINESS_SCHEMA" => {
            "your website doesn't give Google your business details in a form it can read"
        }
        "STALE_COPYRIGHT" => "your website looks like it hasn't been updated in a while",
        "HEAVY_PAGE" => "your homepage is heavy to load",
        "SLOW_WEBSITE" => "your website was slow to respond",
        "MISSING_WEBSITE" => "your Google listing doesn't have a website",
        "WEAK_WEB_PRESENCE" => {
            "your Google listing points to a social or directory page rather than your own website"
        }
        "LOW_GOOGLE_RATING" => {
            return match m.rating() {
                Some(r) => format!("your Google listing shows {r}"),
                None => lower_first(&g.value),
            };
        }
        _ => return lower_first(g.value.trim_end_matches('.')),
    };
    phrase.to_owned()
}
