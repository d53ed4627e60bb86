//! Phone numbers to E.164. Input: `CC|number` (a two-letter country code, `|`, the number as
//! written) or just the number, which is then read in a few countries. Every number accepted
//! must read back from its own E.164 form unchanged, as the store does.

#![no_main]

use domain::{CountryCode, PhoneE164};
use libfuzzer_sys::fuzz_target;

const COUNTRIES: [CountryCode; 4] = [
    CountryCode::US,
    CountryCode::GB,
    CountryCode::DE,
    CountryCode::FR,
];

fn read(raw: &str, country: CountryCode) {
    let Ok(phone) = PhoneE164::parse(raw, country) else {
        return;
    };
    assert_eq!(
        PhoneE164::from_e164(phone.as_str()).as_ref(),
        Ok(&phone),
        "{raw:?} read in {} does not read back from its E.164 form",
        country.as_str()
    );
    let _ = phone.country();
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = PhoneE164::from_e164(&text);
    match text.split_once('|') {
        Some((code, raw)) => {
            if let Ok(country) = CountryCode::parse(code) {
                assert_eq!(country.as_str(), code.trim().to_ascii_uppercase());
                read(raw, country);
            }
        }
        None => COUNTRIES
            .into_iter()
            .for_each(|country| read(&text, country)),
    }
});
