//! Opaque page tokens that carry their own state, so paging needs no server-side memory: the
//! fields are form-encoded, then hex-encoded behind a provider-looking prefix.

/// Encodes `fields` into a token starting with `prefix`.
pub(crate) fn encode(prefix: &str, fields: &[(&str, &str)]) -> String {
    let plain = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    let mut token = String::from(prefix);
    for b in plain.bytes() {
        token.push_str(&format!("{b:02x}"));
    }
    token
}

/// The fields of a token made by [`encode`] with the same prefix; `None` if it is not one.
pub(crate) fn decode(prefix: &str, token: &str) -> Option<Vec<(String, String)>> {
    let hex = token.strip_prefix(prefix)?.as_bytes();
    if hex.len() % 2 != 0 {
        return None;
    }
    let bytes = hex
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok())
        .collect::<Option<Vec<u8>>>()?;
    Some(form_urlencoded::parse(&bytes).into_owned().collect())
}

/// The value of `key` among decoded fields.
pub(crate) fn field<'a>(fields: &'a [(String, String)], key: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip() {
        let token = encode("AT", &[("q", "dentist in Austin, TX"), ("o", "20")]);
        let fields = decode("AT", &token).expect("decodes");
        assert_eq!(field(&fields, "q"), Some("dentist in Austin, TX"));
        assert_eq!(field(&fields, "o"), Some("20"));
        assert!(decode("AT", "ATzz").is_none());
        assert!(decode("CV", &token).is_none());
    }
}
