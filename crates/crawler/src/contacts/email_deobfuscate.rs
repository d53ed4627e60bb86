//! Undoing the ways sites hide e-mail addresses from harvesters: Cloudflare's XOR encoding,
//! `name(at)domain(dot)tld` and its relatives, ROT13, and TYPO3's shifted `mailto:` links.
//!
//! Everything here returns candidates; [`super::email`] decides whether a candidate is a real
//! address.

use std::sync::LazyLock;

use percent_encoding::percent_decode_str;
use regex::Regex;

/// Decodes a Cloudflare "Email Address Obfuscation" hex string: the first byte is the key and
/// every following byte XOR the key is one byte of UTF-8 text. `None` for malformed hex or
/// text that is not UTF-8. The result is the raw `mailto:` target (an address, possibly with
/// `?subject=…`, or only a query for share buttons).
pub fn decode_cfemail(hex: &str) -> Option<String> {
    let hex = hex.trim();
    if hex.len() < 4 || !hex.len().is_multiple_of(2) || hex.len() > 2048 {
        return None;
    }
    // `from_str_radix` would also take a sign (`+0`) as part of a pair.
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut bytes = hex.as_bytes().chunks(2).map(|pair| {
        std::str::from_utf8(pair)
            .ok()
            .and_then(|p| u8::from_str_radix(p, 16).ok())
    });
    let key = bytes.next()??;
    let decoded = bytes
        .map(|b| b.map(|b| b ^ key))
        .collect::<Option<Vec<u8>>>()?;
    String::from_utf8(decoded).ok()
}

/// The hex part of a Cloudflare-protected link (`/cdn-cgi/l/email-protection#HEX`).
pub fn cloudflare_link_hex(href: &str) -> Option<&str> {
    let (path, fragment) = href.split_once('#')?;
    path.ends_with("/cdn-cgi/l/email-protection")
        .then_some(fragment)
        .filter(|f| !f.is_empty())
}

/// The addresses a `mailto:` target names: the part before `?`, percent-decoded, split at
/// commas. Accepts the target with or without the `mailto:` scheme; a target that is only a
/// query (`?subject=…`, as share buttons use) names none.
pub fn mailto_addresses(target: &str) -> Vec<String> {
    let target = target.trim();
    let target = match target.get(..7) {
        Some(scheme) if scheme.eq_ignore_ascii_case("mailto:") => &target[7..],
        _ => target,
    };
    let recipients = target.split('?').next().unwrap_or_default();
    let decoded = percent_decode_str(recipients).decode_utf8_lossy();
    decoded
        .split([',', ';'])
        .map(|a| a.trim().to_owned())
        .filter(|a| !a.is_empty())
        .collect()
}

static AT_DOT: LazyLock<Regex> = LazyLock::new(|| {
    let at = r"(?:\(\s*at\s*\)|\[\s*at\s*\]|\{\s*at\s*\}|<\s*at\s*>|\(\s*@\s*\)|\[\s*@\s*\]|\{\s*@\s*\}|\(ät\)|\s+at\s+|@)";
    let dot = r"(?:\(\s*dot\s*\)|\[\s*dot\s*\]|\{\s*dot\s*\}|\(\s*punkt\s*\)|\[\s*punkt\s*\]|\s+dot\s+|\s+punkt\s+|\.)";
    let pattern = format!(
        r"(?i)([a-z0-9][a-z0-9._%+-]{{0,63}})\s*({at})\s*([a-z0-9][a-z0-9-]{{0,62}}(?:\s*{dot}\s*[a-z0-9][a-z0-9-]{{0,62}}){{1,5}})"
    );
    Regex::new(&pattern).unwrap_or_else(|e| unreachable!("static regex: {e}"))
});

/// Addresses written as `name(at)domain(dot)tld`, `name [at] domain.tld`, `name{at}…`,
/// `name(@)…`, `name [@] …` or `name at domain dot tld`, normalised to `name@domain.tld`.
/// Plain addresses are not returned here. The bare word form (` at `) is accepted only with an
/// obfuscated dot too, so "visit us at shop.example.com" is not read as an address.
pub fn at_dot_addresses(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for caps in AT_DOT.captures_iter(text) {
        let (Some(local), Some(at), Some(domain)) = (caps.get(1), caps.get(2), caps.get(3)) else {
            continue;
        };
        let at = at.as_str().trim();
        let domain = domain.as_str();
        let dot_obfuscated = domain.contains(|c: char| c.is_whitespace() || "([{".contains(c));
        let plain_at = at == "@";
        let bare_word = at.eq_ignore_ascii_case("at");
        if (plain_at || bare_word) && !dot_obfuscated {
            continue;
        }
        let domain = normalise_dots(domain);
        found.push(format!("{}@{}", local.as_str(), domain));
    }
    found
}

fn normalise_dots(domain: &str) -> String {
    static DOT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)\s*(?:\(\s*dot\s*\)|\[\s*dot\s*\]|\{\s*dot\s*\}|\(\s*punkt\s*\)|\[\s*punkt\s*\]|\s+dot\s+|\s+punkt\s+|\.)\s*")
            .unwrap_or_else(|e| unreachable!("static regex: {e}"))
    });
    DOT.replace_all(domain, ".").into_owned()
}

/// ROT13 of ASCII letters; other characters are kept.
pub fn rot13(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            'a'..='z' => char::from(b'a' + (c as u8 - b'a' + 13) % 26),
            'A'..='Z' => char::from(b'A' + (c as u8 - b'A' + 13) % 26),
            _ => c,
        })
        .collect()
}

/// Decrypts TYPO3's spam-protected links, `javascript:linkTo_UnCryptMailto('…')`: each
/// character of `+,-./0-9:`, `@A-Z` and `a-z` is shifted within its range by a site-specific
/// offset. The offset is found by trying each until the text starts with `mailto:`.
pub fn typo3_mailto(href: &str) -> Option<String> {
    let decoded = percent_decode_str(href).decode_utf8_lossy();
    let call = decoded.find("UnCryptMailto(")?;
    let args = &decoded[call + "UnCryptMailto(".len()..];
    let quote = args.find(['\'', '"'])?;
    let rest = &args[quote + 1..];
    let end = rest.find(['\'', '"'])?;
    // A JavaScript string literal: `\/` is `/`.
    let encrypted = rest[..end].replace('\\', "");
    if encrypted.len() > 512 {
        return None;
    }
    (-25i32..=25)
        .filter(|offset| *offset != 0)
        .map(|offset| typo3_shift(&encrypted, offset))
        .find(|plain| plain.starts_with("mailto:"))
}

fn typo3_shift(encrypted: &str, offset: i32) -> String {
    const RANGES: [(u32, u32); 3] = [(0x2B, 0x3A), (0x40, 0x5A), (0x61, 0x7A)];
    encrypted
        .chars()
        .map(|c| {
            let n = u32::from(c);
            let Some(&(start, end)) = RANGES.iter().find(|(s, e)| (*s..=*e).contains(&n)) else {
                return c;
            };
            let len = i64::from(end - start + 1);
            let shifted = (i64::from(n - start) + i64::from(offset)).rem_euclid(len);
            u32::try_from(shifted)
                .ok()
                .and_then(|s| char::from_u32(start + s))
                .unwrap_or(c)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cloudflare_hex_decodes_with_the_first_byte_as_key() {
        assert_eq!(
            decode_cfemail("98d1fcf7f4f5d8ebecfdea").as_deref(),
            Some("Idolm@ster")
        );
        for bad in ["", "9", "98d", "zz00", "98d1fcf7f4f5d8ebecfde", "98ff"] {
            assert!(decode_cfemail(bad).is_none_or(|d| d.len() <= 1), "{bad}");
        }
        assert_eq!(
            cloudflare_link_hex("/cdn-cgi/l/email-protection#abcd"),
            Some("abcd")
        );
        assert_eq!(
            cloudflare_link_hex("https://x.example/cdn-cgi/l/email-protection#abcd"),
            Some("abcd")
        );
        assert_eq!(cloudflare_link_hex("/cdn-cgi/l/email-protection"), None);
        assert_eq!(cloudflare_link_hex("/contact#abcd"), None);
    }

    #[test]
    fn cloudflare_hex_with_a_sign_in_a_pair_is_malformed() {
        // Found by the `email_deobfuscate` fuzz target: `+0` was read as the byte 0.
        assert_eq!(decode_cfemail("4021+0"), None);
        assert_eq!(decode_cfemail("+041"), None);
        assert_eq!(
            decode_cfemail(
                "734c111c170a4e1b0707030056403256413556413506071c031a125d17165641351d16040056413504\
                 12+05e1b1211161d5e111b005e1e1a075e161a0011160114161d5e09065e07061d5e181a1e5e1a00\
                 1116011416564143061d1756414315121f00101b165641433d1a0303161f"
            ),
            None
        );
        assert_eq!(
            decode_cfemail(" 98D1FCF7F4F5D8EBECFDEA ").as_deref(),
            Some("Idolm@ster")
        );
    }

    #[test]
    fn mailto_targets_lose_their_query_and_encoding() {
        assert_eq!(
            mailto_addresses("mailto:%20info@daheim-solar.de"),
            ["info@daheim-solar.de"]
        );
        assert_eq!(
            mailto_addresses("MAILTO:a@x.de,b@x.de?subject=Hi&body=x"),
            ["a@x.de", "b@x.de"]
        );
        assert!(mailto_addresses("?subject=Shared&body=https://x").is_empty());
        assert!(mailto_addresses("mailto:").is_empty());
    }

    #[test]
    fn bracketed_at_and_dot_forms_are_normalised() {
        assert_eq!(
            at_dot_addresses("Mail: info(at)zdh(dot)de!"),
            ["info@zdh.de"]
        );
        assert_eq!(
            at_dot_addresses("wkpromotion (at) web.de"),
            ["wkpromotion@web.de"]
        );
        assert_eq!(
            at_dot_addresses("bewerbung{at}burda.com"),
            ["bewerbung@burda.com"]
        );
        assert_eq!(
            at_dot_addresses("info(@)hvw-online.org"),
            ["info@hvw-online.org"]
        );
        assert_eq!(
            at_dot_addresses("x [ at ] y [dot] co [dot] uk"),
            ["x@y.co.uk"]
        );
        assert_eq!(
            at_dot_addresses("john at example dot com"),
            ["john@example.com"]
        );
        assert!(at_dot_addresses("visit us at shop.example.com today").is_empty());
        assert!(at_dot_addresses("plain info@example.org is not obfuscated").is_empty());
    }

    #[test]
    fn rot13_round_trips() {
        assert_eq!(rot13("vasb@grnpure-gb-erag.qr"), "info@teacher-to-rent.de");
        assert_eq!(rot13(&rot13("Mixed Case 123")), "Mixed Case 123");
    }

    #[test]
    fn typo3_links_decrypt_with_any_offset() {
        assert_eq!(
            typo3_mailto("javascript:linkTo_UnCryptMailto(%27ocknvq%2CbxgkBbxgk0qti%27);")
                .as_deref(),
            Some("mailto:zvei@zvei.org")
        );
        assert_eq!(
            typo3_mailto("javascript:linkTo_UnCryptMailto('thpsav1wylzzlGqbnluk4mvyzjoa5kl');")
                .as_deref(),
            Some("mailto:presse@jugend-forscht.de")
        );
        assert_eq!(
            typo3_mailto(
                "javascript:linkTo_UnCryptMailto(%27nbjmup%2BjogpAiwx.pomjof%5C%2Fpsh%27);"
            )
            .as_deref(),
            Some("mailto:info@hvw-online.org")
        );
        assert_eq!(typo3_mailto("javascript:void(0)"), None);
    }
}
