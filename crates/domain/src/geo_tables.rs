//! The place-name tables behind [`crate::geo::infer_country`]. Keys are lower case, without
//! dots; multi-word keys use single spaces.

use phonenumber::country::Id;

use crate::phone::CountryCode;

macro_rules! c {
    ($id:ident) => {
        CountryCode::from_id(Id::$id)
    };
}

/// Names matched as the last words of a part of the geography: countries (English and native
/// spellings), UK nations, US states, Canadian provinces, Australian states. Where a longer
/// name contains a shorter one ("new south wales", "wales") the longest match wins.
pub(crate) const NAMES: &[(&str, CountryCode)] = &[
    // Countries.
    ("united states", c!(US)),
    ("united states of america", c!(US)),
    ("usa", c!(US)),
    ("united kingdom", c!(GB)),
    ("uk", c!(GB)),
    ("great britain", c!(GB)),
    ("britain", c!(GB)),
    ("england", c!(GB)),
    ("scotland", c!(GB)),
    ("wales", c!(GB)),
    ("cymru", c!(GB)),
    ("northern ireland", c!(GB)),
    ("germany", c!(DE)),
    ("deutschland", c!(DE)),
    ("canada", c!(CA)),
    ("australia", c!(AU)),
    ("ireland", c!(IE)),
    ("republic of ireland", c!(IE)),
    ("éire", c!(IE)),
    ("eire", c!(IE)),
    ("france", c!(FR)),
    ("spain", c!(ES)),
    ("españa", c!(ES)),
    ("espana", c!(ES)),
    ("italy", c!(IT)),
    ("italia", c!(IT)),
    ("netherlands", c!(NL)),
    ("the netherlands", c!(NL)),
    ("nederland", c!(NL)),
    ("holland", c!(NL)),
    ("belgium", c!(BE)),
    ("belgië", c!(BE)),
    ("belgie", c!(BE)),
    ("belgique", c!(BE)),
    ("austria", c!(AT)),
    ("österreich", c!(AT)),
    ("osterreich", c!(AT)),
    ("oesterreich", c!(AT)),
    ("switzerland", c!(CH)),
    ("schweiz", c!(CH)),
    ("suisse", c!(CH)),
    ("svizzera", c!(CH)),
    ("portugal", c!(PT)),
    ("sweden", c!(SE)),
    ("sverige", c!(SE)),
    ("norway", c!(NO)),
    ("norge", c!(NO)),
    ("denmark", c!(DK)),
    ("danmark", c!(DK)),
    ("finland", c!(FI)),
    ("suomi", c!(FI)),
    ("poland", c!(PL)),
    ("polska", c!(PL)),
    ("czech republic", c!(CZ)),
    ("czechia", c!(CZ)),
    ("česko", c!(CZ)),
    ("luxembourg", c!(LU)),
    ("greece", c!(GR)),
    ("new zealand", c!(NZ)),
    ("aotearoa", c!(NZ)),
    ("mexico", c!(MX)),
    ("méxico", c!(MX)),
    ("brazil", c!(BR)),
    ("brasil", c!(BR)),
    ("india", c!(IN)),
    ("south africa", c!(ZA)),
    ("singapore", c!(SG)),
    ("united arab emirates", c!(AE)),
    ("uae", c!(AE)),
    ("japan", c!(JP)),
    ("puerto rico", c!(PR)),
    // US states and the capital. "new england" is listed so it does not read as England.
    ("alabama", c!(US)),
    ("alaska", c!(US)),
    ("arizona", c!(US)),
    ("arkansas", c!(US)),
    ("california", c!(US)),
    ("colorado", c!(US)),
    ("connecticut", c!(US)),
    ("delaware", c!(US)),
    ("florida", c!(US)),
    ("georgia", c!(US)),
    ("hawaii", c!(US)),
    ("idaho", c!(US)),
    ("illinois", c!(US)),
    ("indiana", c!(US)),
    ("iowa", c!(US)),
    ("kansas", c!(US)),
    ("kentucky", c!(US)),
    ("louisiana", c!(US)),
    ("maine", c!(US)),
    ("maryland", c!(US)),
    ("massachusetts", c!(US)),
    ("michigan", c!(US)),
    ("minnesota", c!(US)),
    ("mississippi", c!(US)),
    ("missouri", c!(US)),
    ("montana", c!(US)),
    ("nebraska", c!(US)),
    ("nevada", c!(US)),
    ("new hampshire", c!(US)),
    ("new jersey", c!(US)),
    ("new mexico", c!(US)),
    ("new york", c!(US)),
    ("new york city", c!(US)),
    ("nyc", c!(US)),
    ("north carolina", c!(US)),
    ("north dakota", c!(US)),
    ("ohio", c!(US)),
    ("oklahoma", c!(US)),
    ("oregon", c!(US)),
    ("pennsylvania", c!(US)),
    ("rhode island", c!(US)),
    ("south carolina", c!(US)),
    ("south dakota", c!(US)),
    ("tennessee", c!(US)),
    ("texas", c!(US)),
    ("utah", c!(US)),
    ("vermont", c!(US)),
    ("virginia", c!(US)),
    ("washington", c!(US)),
    ("west virginia", c!(US)),
    ("wisconsin", c!(US)),
    ("wyoming", c!(US)),
    ("district of columbia", c!(US)),
    ("new england", c!(US)),
    // Canadian provinces and territories.
    ("ontario", c!(CA)),
    ("quebec", c!(CA)),
    ("québec", c!(CA)),
    ("british columbia", c!(CA)),
    ("alberta", c!(CA)),
    ("manitoba", c!(CA)),
    ("saskatchewan", c!(CA)),
    ("nova scotia", c!(CA)),
    ("new brunswick", c!(CA)),
    ("newfoundland", c!(CA)),
    ("newfoundland and labrador", c!(CA)),
    ("prince edward island", c!(CA)),
    ("northwest territories", c!(CA)),
    ("nunavut", c!(CA)),
    ("yukon", c!(CA)),
    // Australian states and territories.
    ("new south wales", c!(AU)),
    ("victoria", c!(AU)),
    ("queensland", c!(AU)),
    ("western australia", c!(AU)),
    ("south australia", c!(AU)),
    ("tasmania", c!(AU)),
    ("australian capital territory", c!(AU)),
    ("northern territory", c!(AU)),
];

/// Region and country codes with one meaning, matched only as a whole part of the geography
/// or as its last word written in capitals. US state codes take `WA` (Washington over Western
/// Australia) and `CA` (California over Canada, which people spell out).
#[rustfmt::skip]
pub(crate) const CODES: &[(&str, CountryCode)] = &[
    // US states, DC and Puerto Rico.
    ("al", c!(US)), ("ak", c!(US)), ("az", c!(US)), ("ar", c!(US)), ("ca", c!(US)),
    ("co", c!(US)), ("ct", c!(US)), ("fl", c!(US)), ("ga", c!(US)), ("hi", c!(US)),
    ("id", c!(US)), ("il", c!(US)), ("in", c!(US)), ("ia", c!(US)), ("ks", c!(US)),
    ("ky", c!(US)), ("la", c!(US)), ("me", c!(US)), ("md", c!(US)), ("ma", c!(US)),
    ("mi", c!(US)), ("mn", c!(US)), ("ms", c!(US)), ("mo", c!(US)), ("mt", c!(US)),
    ("ne", c!(US)), ("nv", c!(US)), ("nh", c!(US)), ("nj", c!(US)), ("nm", c!(US)),
    ("ny", c!(US)), ("nc", c!(US)), ("nd", c!(US)), ("oh", c!(US)), ("ok", c!(US)),
    ("or", c!(US)), ("pa", c!(US)), ("ri", c!(US)), ("sc", c!(US)), ("sd", c!(US)),
    ("tn", c!(US)), ("tx", c!(US)), ("ut", c!(US)), ("vt", c!(US)), ("va", c!(US)),
    ("wa", c!(US)), ("wv", c!(US)), ("wi", c!(US)), ("wy", c!(US)), ("dc", c!(US)),
    ("pr", c!(PR)), ("us", c!(US)),
    // Canadian provinces (NL and NT are ambiguous, see below).
    ("on", c!(CA)), ("qc", c!(CA)), ("bc", c!(CA)), ("ab", c!(CA)), ("mb", c!(CA)),
    ("sk", c!(CA)), ("ns", c!(CA)), ("nb", c!(CA)), ("pe", c!(CA)), ("yt", c!(CA)),
    ("nu", c!(CA)),
    // Australian states (WA is Washington's; SA and NT are ambiguous).
    ("nsw", c!(AU)), ("vic", c!(AU)), ("qld", c!(AU)), ("tas", c!(AU)), ("act", c!(AU)),
    // ISO codes of countries whose code is no state or province.
    ("gb", c!(GB)), ("ie", c!(IE)), ("au", c!(AU)), ("fr", c!(FR)), ("es", c!(ES)),
    ("it", c!(IT)), ("be", c!(BE)), ("at", c!(AT)), ("ch", c!(CH)), ("nz", c!(NZ)),
    ("pt", c!(PT)), ("se", c!(SE)), ("dk", c!(DK)), ("fi", c!(FI)), ("pl", c!(PL)),
    ("cz", c!(CZ)), ("mx", c!(MX)), ("za", c!(ZA)),
];

/// Codes with two meanings, and the meaning to assume when no city in the text decides.
pub(crate) const AMBIGUOUS_CODES: &[(&str, Option<CountryCode>)] = &[
    ("de", Some(c!(US))), // Delaware / Germany
    ("nl", Some(c!(CA))), // Newfoundland and Labrador / Netherlands
    ("nt", None),         // Northwest Territories / Northern Territory
    ("sa", None),         // South Australia / Saudi Arabia
];

/// Major cities whose name alone points at one country; consulted only when the text holds no
/// definite country or region ("London, Ontario" is Canadian, "Paris, TX" American).
#[rustfmt::skip]
pub(crate) const CITIES: &[(&str, CountryCode)] = &[
    ("london", c!(GB)), ("manchester", c!(GB)), ("liverpool", c!(GB)), ("leeds", c!(GB)),
    ("glasgow", c!(GB)), ("edinburgh", c!(GB)), ("bristol", c!(GB)), ("cardiff", c!(GB)),
    ("belfast", c!(GB)),
    ("berlin", c!(DE)), ("hamburg", c!(DE)), ("münchen", c!(DE)), ("munich", c!(DE)),
    ("köln", c!(DE)), ("cologne", c!(DE)), ("frankfurt", c!(DE)), ("stuttgart", c!(DE)),
    ("düsseldorf", c!(DE)),
    ("paris", c!(FR)), ("lyon", c!(FR)), ("marseille", c!(FR)),
    ("toronto", c!(CA)), ("montreal", c!(CA)), ("montréal", c!(CA)), ("vancouver", c!(CA)),
    ("calgary", c!(CA)), ("ottawa", c!(CA)),
    ("sydney", c!(AU)), ("melbourne", c!(AU)), ("brisbane", c!(AU)), ("perth", c!(AU)),
    ("adelaide", c!(AU)), ("darwin", c!(AU)),
    ("dublin", c!(IE)), ("cork", c!(IE)),
    ("amsterdam", c!(NL)), ("rotterdam", c!(NL)),
    ("madrid", c!(ES)), ("barcelona", c!(ES)),
    ("rome", c!(IT)), ("milan", c!(IT)),
    ("vienna", c!(AT)), ("wien", c!(AT)),
    ("zurich", c!(CH)), ("zürich", c!(CH)),
    ("auckland", c!(NZ)), ("wellington", c!(NZ)),
];
