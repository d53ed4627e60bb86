//! The words that recognise what an agency's pages talk about: the kinds of local business
//! (verticals) and the needs a service answers, mapped to the signals that find businesses
//! with those needs; and each signal in plain words for the prompt.

use domain::Signal;

use super::text::{has_phrase, words};

/// Kinds of local business, singular as a campaign's vertical is written, with the words
/// that name them.
const VERTICALS: &[(&str, &[&str])] = &[
    ("dentist", &["dentist", "dental", "orthodontist"]),
    ("plumber", &["plumber", "plumbing"]),
    ("roofer", &["roofer", "roofing"]),
    ("electrician", &["electrician", "electrical contractor"]),
    (
        "hvac contractor",
        &["hvac", "heating and cooling", "air conditioning"],
    ),
    ("lawyer", &["lawyer", "attorney", "law firm", "solicitor"]),
    ("chiropractor", &["chiropractor", "chiropractic"]),
    (
        "veterinarian",
        &["veterinarian", "veterinary", "vets", "animal hospital"],
    ),
    (
        "physiotherapist",
        &["physiotherapist", "physiotherapy", "physical therapist"],
    ),
    ("hair salon", &["salon", "hairdresser", "barber"]),
    ("restaurant", &["restaurant", "cafe", "cafes"]),
    ("landscaper", &["landscaper", "landscaping", "lawn care"]),
    ("auto repair shop", &["auto repair", "mechanic", "garages"]),
    (
        "accountant",
        &["accountant", "accounting firm", "bookkeeper"],
    ),
    (
        "real estate agent",
        &["real estate", "realtor", "estate agent"],
    ),
    (
        "gym",
        &["gym", "gyms", "fitness studio", "personal trainer"],
    ),
    (
        "cleaning service",
        &["cleaning company", "cleaning companies", "cleaners"],
    ),
    ("pest control", &["pest control", "exterminator"]),
    ("med spa", &["med spa", "medspa", "aesthetics clinic"]),
    ("optometrist", &["optometrist", "optician", "eye doctor"]),
    ("painter", &["painter", "painting contractor", "decorator"]),
    (
        "contractor",
        &["general contractor", "builder", "remodeler", "remodeling"],
    ),
];

/// The vertical `text` names, if it names exactly one known kind of business.
pub(crate) fn vertical_of(text: &str) -> Option<&'static str> {
    let words = words(text);
    let mut found = verticals_in_words(&words);
    (found.len() == 1).then(|| found.remove(0))
}

/// Every known vertical named in `text`, in the table's order.
pub(crate) fn verticals_in(text: &str) -> Vec<&'static str> {
    verticals_in_words(&words(text))
}

fn verticals_in_words(words: &[String]) -> Vec<&'static str> {
    VERTICALS
        .iter()
        .filter(|(_, names)| names.iter().any(|n| has_phrase(words, n)))
        .map(|(v, _)| *v)
        .collect()
}

/// The needs a service answers, by the words that describe it, and the signals that find
/// businesses with those needs.
const NEEDS: &[(&[&str], &[Signal])] = &[
    (
        &[
            "web design",
            "website design",
            "web designer",
            "web development",
            "website build",
            "redesign",
            "no website",
            "without a website",
        ],
        &[
            Signal::MissingWebsite,
            Signal::WeakWebPresence,
            Signal::WebsiteNotMobileFriendly,
            Signal::NoCallToAction,
            Signal::NoContactEmail,
        ],
    ),
    (
        &["social media", "facebook page", "online presence"],
        &[Signal::WeakWebPresence],
    ),
    (
        &["mobile", "responsive", "smartphone"],
        &[Signal::WebsiteNotMobileFriendly],
    ),
    (
        &[
            "seo",
            "search engine",
            "search ranking",
            "rank in",
            "map pack",
        ],
        &[
            Signal::MissingMetaDescription,
            Signal::NoLocalBusinessSchema,
        ],
    ),
    (
        &["meta description", "page title"],
        &[Signal::MissingMetaDescription],
    ),
    (
        &["schema", "structured data"],
        &[Signal::NoLocalBusinessSchema],
    ),
    (
        &[
            "google business profile",
            "google my business",
            "google maps",
        ],
        &[Signal::WeakWebPresence, Signal::LowGoogleRating],
    ),
    (
        &["review", "reputation", "rating"],
        &[Signal::LowGoogleRating],
    ),
    (
        &[
            "speed",
            "loads fast",
            "load fast",
            "performance",
            "slow",
            "hosting",
        ],
        &[Signal::SlowWebsite, Signal::HeavyPage],
    ),
    (&["ssl", "https", "secure", "security"], &[Signal::NoHttps]),
    (
        &["maintenance", "care plan", "updates", "outdated"],
        &[Signal::StaleCopyright],
    ),
    (
        &["booking", "appointment", "scheduling"],
        &[Signal::NoBooking],
    ),
    (
        &[
            "call to action",
            "conversion",
            "contact form",
            "quote form",
            "lead generation",
        ],
        &[Signal::NoCallToAction],
    ),
    (
        &["click to call", "call button", "call tracking"],
        &[Signal::NoClickToCall],
    ),
    (
        &["contact email", "email address"],
        &[Signal::NoContactEmail],
    ),
];

/// The signals whose businesses need what `text` describes ("websites that aren't mobile
/// friendly" → `WEBSITE_NOT_MOBILE_FRIENDLY`), in [`Signal::ALL`] order.
pub(crate) fn signals_for(text: &str) -> Vec<Signal> {
    let words = words(text);
    let mut found: Vec<Signal> = NEEDS
        .iter()
        .filter(|(phrases, _)| phrases.iter().any(|p| has_phrase(&words, p)))
        .flat_map(|(_, signals)| signals.iter().copied())
        .collect();
    found.sort();
    found.dedup();
    found
}

/// What each signal means, in the words the prompt gives the model.
pub(crate) fn describe(signal: Signal) -> &'static str {
    match signal {
        Signal::MissingWebsite => "the business has no website",
        Signal::WeakWebPresence => {
            "its only web presence is a social or directory page (Facebook, Yelp, …)"
        }
        Signal::LowGoogleRating => "a Google rating under 4.0 with more than five reviews",
        Signal::NeedsWebAudit => "has a real website worth auditing against the other criteria",
        Signal::WebsiteNotMobileFriendly => "the website is not mobile friendly",
        Signal::NoCallToAction => "the website has no clear call to action",
        Signal::NoHttps => "the website is not served over https",
        Signal::NoContactEmail => "no contact e-mail address on the website",
        Signal::NoClickToCall => "no click-to-call phone link",
        Signal::NoBooking => "no online booking or appointment request",
        Signal::MissingMetaDescription => "the home page has no meta description (weak SEO)",
        Signal::StaleCopyright => "an outdated website (old copyright year)",
        Signal::NoLocalBusinessSchema => "no LocalBusiness structured data (weak local SEO)",
        Signal::SlowWebsite => "a slow website",
        Signal::HeavyPage => "a very heavy home page",
    }
}
