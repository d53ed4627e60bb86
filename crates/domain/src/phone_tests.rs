//! Phone parsing against libphonenumber's own example numbers (shared fixture) and the formats
//! listings actually use.

#![allow(clippy::unwrap_used, reason = "tests")]

use super::*;

const EXAMPLES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/fixtures/phonenumbers/example_numbers.json"
);

/// `(country code, national prefix, fixed-line example, mobile example)` for a region.
fn fixture_region(region: &str) -> (String, String, String, String) {
    let text = std::fs::read_to_string(EXAMPLES).expect("phone fixture is readable");
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let r = &json["regions"][region];
    let field = |v: &serde_json::Value| v.as_str().unwrap().to_owned();
    let examples = &r["exampleNumbers_national_significant"];
    (
        field(&r["countryCode"]),
        field(&r["nationalPrefix"]),
        field(&examples["fixedLine"]),
        field(&examples["mobile"]),
    )
}

fn e164(raw: &str, country: CountryCode) -> String {
    PhoneE164::parse(raw, country).unwrap().as_str().to_owned()
}

#[test]
fn fixture_examples_parse_in_national_and_international_forms() {
    for (region, country) in [
        ("US", CountryCode::US),
        ("GB", CountryCode::GB),
        ("DE", CountryCode::DE),
    ] {
        let (cc, prefix, fixed, mobile) = fixture_region(region);
        for nsn in [fixed, mobile] {
            let expected = format!("+{cc}{nsn}");
            let forms = [
                nsn.clone(),
                format!("{prefix}{nsn}"),
                format!("+{cc}{nsn}"),
                format!("+{cc} {nsn}"),
                format!("00{cc}{nsn}"),
            ];
            for form in forms {
                assert_eq!(e164(&form, country), expected, "{region} {form}");
                // Written with its own country code, the default country must not matter.
                if form.starts_with('+') || form.starts_with("00") {
                    assert_eq!(e164(&form, CountryCode::US), expected, "{form} from US");
                    assert_eq!(e164(&form, CountryCode::DE), expected, "{form} from DE");
                }
            }
            let parsed = PhoneE164::parse(&expected, CountryCode::US).unwrap();
            assert_eq!(parsed.country(), Some(country), "{expected}");
        }
    }
}

#[test]
fn us_numbers_in_listing_formats_normalise_to_one_e164() {
    for raw in [
        "(512) 555-0123",
        "512-555-0123",
        "512.555.0123",
        "1 (512) 555 0123",
        "+1 512 555 0123",
        "+1-512-555-0123",
        "tel:+15125550123",
        "(512) 555-0123 ext. 12",
    ] {
        assert_eq!(e164(raw, CountryCode::US), "+15125550123", "{raw}");
    }
}

#[test]
fn fictional_555_01xx_numbers_are_valid_to_libphonenumber() {
    // 555-0100..0199 are reserved for fiction in the NANP, but libphonenumber's US patterns do
    // not carve them out: they pass the filter exactly like the fixture's 201-555-0123. The
    // sample world relies on this.
    assert_eq!(e164("(512) 555-0123", CountryCode::US), "+15125550123");
    assert_eq!(e164("2015550123", CountryCode::US), "+12015550123");
}

#[test]
fn european_numbers_parse_with_their_own_prefixes() {
    assert_eq!(e164("+44 20 7946 0958", CountryCode::US), "+442079460958");
    assert_eq!(e164("020 7946 0958", CountryCode::GB), "+442079460958");
    assert_eq!(e164("030 123456", CountryCode::DE), "+4930123456");
    assert_eq!(e164("0049 30 123456", CountryCode::US), "+4930123456");
    assert_eq!(e164("+49 (0)30 123456", CountryCode::US), "+4930123456");
}

#[test]
fn foreign_numbers_keep_digits_that_look_like_the_default_trunk_prefix() {
    // The US trunk prefix is `1`; Birmingham numbers start with 121.
    assert_eq!(e164("+44 121 234 5678", CountryCode::US), "+441212345678");
    assert_eq!(
        e164("011 44 121 234 5678", CountryCode::US),
        "+441212345678"
    );
    assert_eq!(
        e164("tel:+44-121-234-5678", CountryCode::US),
        "+441212345678"
    );
}

#[test]
fn invalid_numbers_are_rejected_with_the_reason() {
    assert_eq!(
        PhoneE164::parse("", CountryCode::US),
        Err(PhoneError::Empty)
    );
    assert_eq!(
        PhoneE164::parse("   ", CountryCode::US),
        Err(PhoneError::Empty)
    );
    assert_eq!(
        PhoneE164::parse("not a phone", CountryCode::US),
        Err(PhoneError::Unparseable("not a phone".into()))
    );
    assert_eq!(
        PhoneE164::parse("12345", CountryCode::US),
        Err(PhoneError::Invalid("12345".into()))
    );
    assert_eq!(
        PhoneE164::parse("555-0000", CountryCode::US),
        Err(PhoneError::Invalid("555-0000".into()))
    );
    for too_long in ["+1 512 555 0123 4567 8901", "5125550123456789"] {
        assert!(
            PhoneE164::parse(too_long, CountryCode::US).is_err(),
            "{too_long}"
        );
    }
    // A valid German number is not a valid US number.
    assert!(PhoneE164::parse("030 123456", CountryCode::US).is_err());
}

#[test]
fn phones_serialise_as_e164_and_deserialise_only_canonical_valid_values() {
    let phone = PhoneE164::parse("(512) 555-0123", CountryCode::US).unwrap();
    assert_eq!(serde_json::to_string(&phone).unwrap(), "\"+15125550123\"");
    let back: PhoneE164 = serde_json::from_str("\"+15125550123\"").unwrap();
    assert_eq!(back, phone);
    for bad in [
        "\"(512) 555-0123\"",
        "\"+1 512 555 0123\"",
        "\"+1555\"",
        "\"\"",
    ] {
        assert!(serde_json::from_str::<PhoneE164>(bad).is_err(), "{bad}");
    }
    assert_eq!(phone.to_string(), "+15125550123");
}

#[test]
fn country_codes_parse_in_any_case_and_reject_unknown_codes() {
    assert_eq!(CountryCode::parse("us").unwrap(), CountryCode::US);
    assert_eq!(CountryCode::parse(" Gb ").unwrap().as_str(), "GB");
    assert_eq!(CountryCode::parse("de").unwrap().to_string(), "DE");
    for bad in ["", "U", "USA", "ZZ", "1A", "uk"] {
        assert_eq!(
            CountryCode::parse(bad),
            Err(PhoneError::UnknownCountry(bad.into())),
            "{bad:?}"
        );
    }
    let json = serde_json::to_string(&CountryCode::DE).unwrap();
    assert_eq!(json, "\"DE\"");
    assert_eq!(
        serde_json::from_str::<CountryCode>(&json).unwrap(),
        CountryCode::DE
    );
}

#[test]
fn country_of_a_number_with_leading_zero_falls_back_to_the_main_region() {
    let rome = PhoneE164::parse("+39 06 1234 5678", CountryCode::US).unwrap();
    assert_eq!(rome.as_str(), "+390612345678");
    assert_eq!(rome.country().map(|c| c.to_string()).as_deref(), Some("IT"));
}
