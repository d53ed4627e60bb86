//! Which world business a request is about: an index of every business name and site domain,
//! matched against the words of a request (a prompt, a search query, a URL to scrape).
//!
//! Names and domains are cut into words (runs of letters and digits, lower-cased), so
//! `"O'Brien's Dental & Co."` is `o brien s dental co` and `www.smith-plumbing.com/about` holds
//! `smith plumbing com`. A text matches a key where the key's words appear consecutively; the
//! longest key (in characters) wins, the earliest on a tie. Each key is a 64-bit hash of its
//! words, so a lookup is one hash probe per (position, length): a 10 KB prompt takes well
//! under a millisecond.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::rng::mix;
use crate::world::World;

/// The keys are hashes already: hashing them again would only cost time.
#[derive(Debug, Default)]
struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// The index, built once per world.
#[derive(Debug)]
pub(crate) struct Subjects {
    /// Hash of a key's words → (business index, key length in characters).
    keys: HashMap<u64, (usize, usize), BuildHasherDefault<Prehashed>>,
    /// Most words in any key.
    longest: usize,
}

/// Each word of `text` (lower-cased) as its hash and its length in characters, without
/// allocating a string per word.
fn words(text: &str) -> Vec<(u64, usize)> {
    const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    let mut words = Vec::new();
    let (mut hash, mut length) = (FNV_OFFSET, 0);
    for c in text.chars().chain([' ']) {
        if c.is_alphanumeric() {
            for lower in c.to_lowercase() {
                let mut buf = [0; 4];
                for &b in lower.encode_utf8(&mut buf).as_bytes() {
                    hash = (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
                }
            }
            length += 1;
        } else if length > 0 {
            words.push((hash, length));
            (hash, length) = (FNV_OFFSET, 0);
        }
    }
    words
}

fn extend(hash: u64, word: u64) -> u64 {
    mix(hash ^ word)
}

impl Subjects {
    pub(crate) fn new(world: &World) -> Self {
        let mut keys = HashMap::default();
        let mut longest = 0;
        for (i, business) in world.businesses().iter().enumerate() {
            // A listing that shares its site is known by the site's owner.
            let owner = business
                .duplicate_of
                .as_deref()
                .and_then(|id| world.businesses().iter().position(|b| b.place_id == id))
                .unwrap_or(i);
            let domain = business.site_domain();
            for (key, index) in [
                (Some(business.name.as_str()), i),
                (domain.as_deref(), owner),
            ] {
                let Some(key) = key else { continue };
                let words = words(key);
                if words.is_empty() {
                    continue;
                }
                longest = longest.max(words.len());
                let hash = words.iter().fold(0, |h, &(w, _)| extend(h, w));
                let length = words.iter().map(|&(_, l)| l).sum::<usize>();
                keys.entry(hash).or_insert((index, length));
            }
        }
        Self { keys, longest }
    }

    /// The index (in [`World::businesses`]) of the business `text` is about, if any.
    pub(crate) fn find(&self, text: &str) -> Option<usize> {
        let words = words(text);
        let mut best: Option<(usize, usize)> = None;
        for start in 0..words.len() {
            let mut hash = 0;
            for &(word, _) in words.iter().skip(start).take(self.longest) {
                hash = extend(hash, word);
                if let Some(&(index, length)) = self.keys.get(&hash)
                    && best.is_none_or(|(_, l)| length > l)
                {
                    best = Some((index, length));
                }
            }
        }
        best.map(|(index, _)| index)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;
    use crate::world::WorldConfig;

    fn world() -> World {
        World::generate(&WorldConfig::default())
    }

    #[test]
    fn names_and_domains_find_their_business_and_the_longest_wins() {
        let world = world();
        let subjects = Subjects::new(&world);
        let name = |i: usize| world.businesses()[i].name.clone();
        let found = subjects
            .find("Write a pitch for BRIGHT SMILE DENTAL - Mueller Office, Austin.")
            .map(name);
        assert_eq!(
            found.as_deref(),
            Some("Bright Smile Dental - Mueller Office")
        );
        let found = subjects.find("about Bright Smile Dental.").map(name);
        assert_eq!(found.as_deref(), Some("Bright Smile Dental"));
        let found = subjects
            .find(r#"{"url":"https://www.zilkersmiles.com/about"}"#)
            .map(name);
        assert_eq!(found.as_deref(), Some("Zilker Smiles"));
        assert_eq!(subjects.find("dentists in Austin, TX"), None);
    }

    #[test]
    fn a_name_at_the_end_of_a_long_prompt_is_found() {
        // Measured (release): about 0.3 ms for this 10 KB prompt, 1 ms to build the index.
        let world = world();
        let subjects = Subjects::new(&world);
        let mut prompt = "lorem ipsum dolor sit amet consectetur ".repeat(260);
        prompt.push_str("Congress Ave Plumbing Pros");
        assert!(prompt.len() > 10_000);
        let found = subjects
            .find(&prompt)
            .map(|i| world.businesses()[i].name.as_str());
        assert_eq!(found, Some("Congress Ave Plumbing Pros"));
    }
}
