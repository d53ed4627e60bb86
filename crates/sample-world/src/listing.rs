//! How listings write a business down: phone numbers in national and international form, street
//! addresses in each country's style, and the slugs domains and social handles are made from.

use crate::geography::Geography;

/// How a catalog entry or the filler specifies a phone.
#[derive(Debug, Clone, Copy)]
pub(crate) enum PhoneSpec {
    /// A US number in the reserved fictional range: area code and the last two digits of
    /// `555-01XX`.
    Us(u16, u16),
    /// A Manchester number in Ofcom's drama range `0161 496 0XXX`.
    Gb(u16),
    /// A deliberately broken value, listed verbatim in both forms.
    Raw(&'static str),
    Missing,
}

/// A phone as listings print it: `(international, national)`.
pub(crate) fn phone_forms(spec: PhoneSpec) -> Option<(String, String)> {
    match spec {
        PhoneSpec::Us(area, line) => Some((
            format!("+1 {area}-555-01{:02}", line % 100),
            format!("({area}) 555-01{:02}", line % 100),
        )),
        PhoneSpec::Gb(line) => Some((
            format!("+44 161 496 0{:03}", line % 1000),
            format!("0161 496 0{:03}", line % 1000),
        )),
        PhoneSpec::Raw(raw) => Some((raw.to_owned(), raw.to_owned())),
        PhoneSpec::Missing => None,
    }
}

/// The `tel:` target for a listed international number: `+` and digits.
pub(crate) fn tel_href(international: &str) -> String {
    let digits: String = international.chars().filter(char::is_ascii_digit).collect();
    format!("tel:+{digits}")
}

/// Google's formatted address: `612 Congress Ave, Austin, TX 78701, United States` or
/// `41 Oldham St, Manchester M4 1JG, UK`.
pub(crate) fn formatted_address(geo: &Geography, street: &str, postcode: &str) -> String {
    format!(
        "{}, {}",
        short_address(geo, street, postcode),
        geo.address_country
    )
}

/// The address without the country, as Serper prints it.
pub(crate) fn short_address(geo: &Geography, street: &str, postcode: &str) -> String {
    if geo.is_us() {
        format!("{street}, {}, {} {postcode}", geo.city, geo.region)
    } else {
        format!("{street}, {} {postcode}", geo.city)
    }
}

/// Splits `612 Congress Ave` into house number and route.
pub(crate) fn split_street(street: &str) -> (&str, &str) {
    match street.split_once(' ') {
        Some((number, route)) if number.chars().all(|c| c.is_ascii_digit()) => (number, route),
        _ => ("", street),
    }
}

/// The unabbreviated route name Google gives as `long_name` (`E 6th St` → `East 6th Street`).
pub(crate) fn long_route(route: &str) -> String {
    route
        .split(' ')
        .map(|word| match word {
            "St" => "Street",
            "Ave" => "Avenue",
            "Rd" => "Road",
            "Blvd" => "Boulevard",
            "Dr" => "Drive",
            "Ln" => "Lane",
            "Sq" => "Square",
            "E" => "East",
            "W" => "West",
            "N" => "North",
            "S" => "South",
            other => other,
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Lower-case ASCII words joined by `sep`; `&` becomes `and`, other punctuation is dropped.
pub(crate) fn slugify(name: &str, sep: &str) -> String {
    name.replace('&', " and ")
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect::<Vec<_>>()
        .join(sep)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geography::GEOGRAPHIES;

    #[test]
    fn addresses_follow_each_country() {
        let [austin, manchester, _houston] = &GEOGRAPHIES;
        assert_eq!(
            formatted_address(austin, "612 Congress Ave", "78701"),
            "612 Congress Ave, Austin, TX 78701, United States"
        );
        assert_eq!(
            formatted_address(manchester, "41 Oldham St", "M4 1JG"),
            "41 Oldham St, Manchester M4 1JG, UK"
        );
    }

    #[test]
    fn phones_have_both_forms() {
        assert_eq!(
            phone_forms(PhoneSpec::Us(512, 34)),
            Some(("+1 512-555-0134".into(), "(512) 555-0134".into()))
        );
        assert_eq!(
            phone_forms(PhoneSpec::Gb(7)),
            Some(("+44 161 496 0007".into(), "0161 496 0007".into()))
        );
        assert_eq!(tel_href("+1 512-555-0134"), "tel:+15125550134");
    }

    #[test]
    fn slugs_and_routes() {
        assert_eq!(
            slugify("Lone Star Pipe & Drain", "-"),
            "lone-star-pipe-and-drain"
        );
        assert_eq!(slugify("Dr. O'Neil DDS", ""), "droneildds");
        assert_eq!(split_street("612 Congress Ave"), ("612", "Congress Ave"));
        assert_eq!(long_route("E 6th St"), "East 6th Street");
    }
}
