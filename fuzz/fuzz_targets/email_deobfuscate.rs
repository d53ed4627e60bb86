//! E-mail de-obfuscation on arbitrary text: Cloudflare `data-cfemail` hex and protected links,
//! `mailto:` targets, `name(at)domain(dot)tld` forms, ROT13 and TYPO3's shifted links.

#![no_main]

use std::fmt::Write;

use crawler::contacts::email_deobfuscate::{
    at_dot_addresses, cloudflare_link_hex, decode_cfemail, mailto_addresses, rot13, typo3_mailto,
};
use libfuzzer_sys::fuzz_target;

/// Cloudflare's encoding of `text` with `key`, lower-case hex.
fn encode_cfemail(key: u8, text: &str) -> String {
    let mut hex = format!("{key:02x}");
    for byte in text.bytes() {
        let _ = write!(hex, "{:02x}", byte ^ key);
    }
    hex
}

fn cfemail(hex: &str) {
    if let Some(decoded) = decode_cfemail(hex) {
        let hex = hex.trim();
        let key =
            u8::from_str_radix(&hex[..2], 16).expect("a decoded string starts with a hex key");
        assert_eq!(encode_cfemail(key, &decoded), hex.to_ascii_lowercase());
        let _ = mailto_addresses(&decoded);
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    cfemail(&text);
    if let Some(hex) = cloudflare_link_hex(&text) {
        cfemail(hex);
    }
    let _ = mailto_addresses(&text);
    let _ = at_dot_addresses(&text);
    let rotated = rot13(&text);
    let _ = at_dot_addresses(&rotated);
    assert_eq!(rot13(&rotated), text, "ROT13 is its own inverse");
    let _ = typo3_mailto(&text);
    for line in text.lines() {
        cfemail(line);
        let _ = at_dot_addresses(line);
    }
});
