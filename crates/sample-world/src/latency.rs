//! Latency profiles: how long each class of service takes to answer, drawn per request from a
//! distribution, deterministically (see [`crate::conditions`] for how a draw is seeded).
//!
//! Spec syntax, as [`Distribution`] and [`LatencyProfile`] parse and print it:
//!
//! - a distribution: `0`, `300ms` (fixed), `2s..8s` (uniform), or a body with a slow tail,
//!   `150ms..1200ms+8%:1200ms..2000ms` (with probability 8 % drawn from the tail range; the
//!   probability may also be written `0.08`). Durations take `ns`, `us`, `ms`, `s` or `m`.
//! - a profile: comma-separated `class=distribution` items, optionally led by a preset,
//!   `realistic` or `zero`: `realistic,llm=1s..3s,sites=100ms..500ms`. Without a preset the
//!   classes not named are `0`.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use crate::rng::SplitMix64;
use crate::spec::{SpecError, check_rate, format_duration, format_number, parse_duration};

/// A class of service: the unit a latency profile sets a distribution for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ServiceClass {
    /// Serper `/places`, Google `places:searchText`, legacy text search and details.
    Places,
    /// Nominatim and Overpass.
    Geo,
    /// Serper `/search` and Google Custom Search.
    Search,
    /// `/v1/responses` and `/v1/chat/completions`.
    Llm,
    /// `/v1/embeddings`.
    Embeddings,
    /// Firecrawl `/v1/scrape`.
    Firecrawl,
    /// Every request to a business website or the agency's site.
    Sites,
}

impl ServiceClass {
    /// Every class, in profile order.
    pub const ALL: [ServiceClass; 7] = [
        Self::Places,
        Self::Geo,
        Self::Search,
        Self::Llm,
        Self::Embeddings,
        Self::Firecrawl,
        Self::Sites,
    ];

    /// The stable name used in specs and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Places => "places",
            Self::Geo => "geo",
            Self::Search => "search",
            Self::Llm => "llm",
            Self::Embeddings => "embeddings",
            Self::Firecrawl => "firecrawl",
            Self::Sites => "sites",
        }
    }
}

impl fmt::Display for ServiceClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ServiceClass {
    type Err = SpecError;

    fn from_str(s: &str) -> Result<Self, SpecError> {
        let name = s.trim();
        Self::ALL
            .into_iter()
            .find(|c| c.as_str() == name)
            .ok_or_else(|| {
                SpecError::new(format!(
                    "unknown service class \"{name}\" (expected one of: {})",
                    Self::ALL.map(Self::as_str).join(", ")
                ))
            })
    }
}

/// How long one call takes.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Distribution {
    /// At once.
    #[default]
    Zero,
    /// Always the same.
    Fixed(Duration),
    /// Uniform in `lo..=hi`.
    Uniform { lo: Duration, hi: Duration },
    /// Uniform in `lo..=hi`, except that with probability `tail_p` uniform in
    /// `tail_lo..=tail_hi`: a service with a slow tail.
    Tail {
        lo: Duration,
        hi: Duration,
        tail_p: f64,
        tail_lo: Duration,
        tail_hi: Duration,
    },
}

impl Distribution {
    /// A draw from the distribution for `seed`: the same seed, the same duration.
    pub fn sample(&self, seed: u64) -> Duration {
        self.draw(&mut SplitMix64::new(seed))
    }

    pub(crate) fn draw(&self, rng: &mut SplitMix64) -> Duration {
        match *self {
            Self::Zero => Duration::ZERO,
            Self::Fixed(d) => d,
            Self::Uniform { lo, hi } => between(rng, lo, hi),
            Self::Tail {
                lo,
                hi,
                tail_p,
                tail_lo,
                tail_hi,
            } => {
                if rng.chance(tail_p) {
                    between(rng, tail_lo, tail_hi)
                } else {
                    between(rng, lo, hi)
                }
            }
        }
    }

    /// The longest duration a draw can give.
    pub fn max(&self) -> Duration {
        match *self {
            Self::Zero => Duration::ZERO,
            Self::Fixed(d) => d,
            Self::Uniform { hi, .. } => hi,
            Self::Tail {
                hi,
                tail_p,
                tail_hi,
                ..
            } => {
                if tail_p > 0.0 {
                    hi.max(tail_hi)
                } else {
                    hi
                }
            }
        }
    }

    /// Every duration multiplied by `factor` (a negative or non-finite factor gives 0).
    pub fn scaled(&self, factor: f64) -> Self {
        let scale = |d: Duration| {
            if factor.is_finite() && factor > 0.0 {
                Duration::try_from_secs_f64(d.as_secs_f64() * factor).unwrap_or(Duration::MAX)
            } else {
                Duration::ZERO
            }
        };
        match *self {
            Self::Zero => Self::Zero,
            Self::Fixed(d) => Self::Fixed(scale(d)),
            Self::Uniform { lo, hi } => Self::Uniform {
                lo: scale(lo),
                hi: scale(hi),
            },
            Self::Tail {
                lo,
                hi,
                tail_p,
                tail_lo,
                tail_hi,
            } => Self::Tail {
                lo: scale(lo),
                hi: scale(hi),
                tail_p,
                tail_lo: scale(tail_lo),
                tail_hi: scale(tail_hi),
            },
        }
    }
}

/// Uniform in `lo..=hi`, to the nanosecond.
fn between(rng: &mut SplitMix64, lo: Duration, hi: Duration) -> Duration {
    if hi <= lo {
        return lo;
    }
    let span = (hi - lo).as_nanos() as f64;
    lo + Duration::from_nanos((span * rng.unit()).round() as u64)
}

/// `lo..hi` or a single duration (`d..d`).
fn parse_range(text: &str) -> Result<(Duration, Duration), SpecError> {
    match text.split_once("..") {
        None => parse_duration(text).map(|d| (d, d)),
        Some((lo, hi)) => {
            let (lo, hi) = (parse_duration(lo)?, parse_duration(hi)?);
            if lo > hi {
                return Err(SpecError::new(format!(
                    "\"{}\": the low end {} is above the high end {}",
                    text.trim(),
                    format_duration(lo),
                    format_duration(hi)
                )));
            }
            Ok((lo, hi))
        }
    }
}

impl FromStr for Distribution {
    type Err = SpecError;

    fn from_str(s: &str) -> Result<Self, SpecError> {
        let text = s.trim();
        let (body, tail) = match text.split_once('+') {
            Some((body, tail)) => (body, Some(tail)),
            None => (text, None),
        };
        let (lo, hi) = parse_range(body)?;
        let Some(tail) = tail else {
            return Ok(match (lo == hi, lo.is_zero()) {
                (true, true) => Self::Zero,
                (true, false) => Self::Fixed(lo),
                (false, _) => Self::Uniform { lo, hi },
            });
        };
        let Some((p, range)) = tail.split_once(':') else {
            return Err(SpecError::new(format!(
                "\"{text}\": the tail \"{tail}\" is not P%:LO..HI (like 5%:1200ms..2000ms)"
            )));
        };
        let tail_p = crate::spec::parse_rate(p).map_err(|e| e.context(text))?;
        let (tail_lo, tail_hi) = parse_range(range)?;
        Ok(Self::Tail {
            lo,
            hi,
            tail_p,
            tail_lo,
            tail_hi,
        })
    }
}

impl fmt::Display for Distribution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let range = |lo: Duration, hi: Duration| {
            format!("{}..{}", format_duration(lo), format_duration(hi))
        };
        match *self {
            Self::Zero => f.write_str("0"),
            Self::Fixed(d) => f.write_str(&format_duration(d)),
            Self::Uniform { lo, hi } => f.write_str(&range(lo, hi)),
            Self::Tail {
                lo,
                hi,
                tail_p,
                tail_lo,
                tail_hi,
            } => write!(
                f,
                "{}+{}%:{}",
                range(lo, hi),
                format_number(tail_p * 100.0),
                range(tail_lo, tail_hi)
            ),
        }
    }
}

/// A distribution per [`ServiceClass`].
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LatencyProfile {
    pub places: Distribution,
    pub geo: Distribution,
    pub search: Distribution,
    pub llm: Distribution,
    pub embeddings: Distribution,
    pub firecrawl: Distribution,
    pub sites: Distribution,
}

const fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

impl LatencyProfile {
    /// Everything at once.
    pub fn zero() -> Self {
        Self::default()
    }

    /// What the real services take: places 250–350 ms a page, geo 200–400 ms, web search
    /// 300–600 ms, LLM 2–8 s, embeddings 150–250 ms, Firecrawl 1–3 s, and web pages
    /// 150–1,200 ms with an 8 % slow tail of 1,200–2,000 ms.
    pub fn realistic() -> Self {
        let uniform = |lo, hi| Distribution::Uniform {
            lo: ms(lo),
            hi: ms(hi),
        };
        Self {
            places: uniform(250, 350),
            geo: uniform(200, 400),
            search: uniform(300, 600),
            llm: uniform(2_000, 8_000),
            embeddings: uniform(150, 250),
            firecrawl: uniform(1_000, 3_000),
            sites: Distribution::Tail {
                lo: ms(150),
                hi: ms(1_200),
                tail_p: 0.08,
                tail_lo: ms(1_200),
                tail_hi: ms(2_000),
            },
        }
    }

    /// The distribution of `class`.
    pub fn get(&self, class: ServiceClass) -> Distribution {
        *self.slot(class)
    }

    /// Replaces the distribution of `class`.
    pub fn set(&mut self, class: ServiceClass, distribution: Distribution) {
        *self.slot_mut(class) = distribution;
    }

    fn slot(&self, class: ServiceClass) -> &Distribution {
        match class {
            ServiceClass::Places => &self.places,
            ServiceClass::Geo => &self.geo,
            ServiceClass::Search => &self.search,
            ServiceClass::Llm => &self.llm,
            ServiceClass::Embeddings => &self.embeddings,
            ServiceClass::Firecrawl => &self.firecrawl,
            ServiceClass::Sites => &self.sites,
        }
    }

    fn slot_mut(&mut self, class: ServiceClass) -> &mut Distribution {
        match class {
            ServiceClass::Places => &mut self.places,
            ServiceClass::Geo => &mut self.geo,
            ServiceClass::Search => &mut self.search,
            ServiceClass::Llm => &mut self.llm,
            ServiceClass::Embeddings => &mut self.embeddings,
            ServiceClass::Firecrawl => &mut self.firecrawl,
            ServiceClass::Sites => &mut self.sites,
        }
    }

    /// Every class's durations multiplied by `factor` (0.1 for a quick run).
    pub fn scaled(&self, factor: f64) -> Self {
        let mut scaled = *self;
        for class in ServiceClass::ALL {
            scaled.set(class, self.get(class).scaled(factor));
        }
        scaled
    }

    /// This profile with the classes named in `spec` (`llm=1s..3s,sites=100ms..500ms`)
    /// replaced.
    pub fn with_overrides(&self, spec: &str) -> Result<Self, SpecError> {
        let mut profile = *self;
        for item in spec.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let Some((class, distribution)) = item.split_once('=') else {
                return Err(SpecError::new(format!(
                    "\"{item}\" is not CLASS=DISTRIBUTION (like llm=1s..3s)"
                )));
            };
            let class: ServiceClass = class.parse()?;
            let distribution = distribution
                .parse::<Distribution>()
                .map_err(|e| e.context(class.as_str()))?;
            if let Distribution::Tail { tail_p, .. } = distribution {
                check_rate(tail_p).map_err(|e| e.context(class.as_str()))?;
            }
            profile.set(class, distribution);
        }
        Ok(profile)
    }
}

impl FromStr for LatencyProfile {
    type Err = SpecError;

    /// `realistic`, `zero`, either followed by overrides (`realistic,llm=1s..3s`), or
    /// overrides alone (the classes not named are `0`).
    fn from_str(s: &str) -> Result<Self, SpecError> {
        let s = s.trim();
        let (first, rest) = s.split_once(',').unwrap_or((s, ""));
        match first.trim() {
            "realistic" => Self::realistic().with_overrides(rest),
            "zero" => Self::zero().with_overrides(rest),
            preset if !preset.contains('=') && !preset.is_empty() => Err(SpecError::new(format!(
                "unknown latency preset \"{preset}\" (expected realistic or zero)"
            ))),
            _ => Self::zero().with_overrides(s),
        }
    }
}

impl fmt::Display for LatencyProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let items: Vec<String> = ServiceClass::ALL
            .iter()
            .map(|&c| format!("{c}={}", self.get(c)))
            .collect();
        f.write_str(&items.join(","))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn draws_stay_in_range_and_repeat_for_a_seed() {
        let sites = LatencyProfile::realistic().sites;
        let mut tail = 0;
        for seed in 0..2_000 {
            let d = sites.sample(seed);
            assert!((ms(150)..=ms(2_000)).contains(&d), "{d:?}");
            assert_eq!(d, sites.sample(seed));
            if d > ms(1_200) {
                tail += 1;
            }
        }
        assert!((100..=220).contains(&tail), "about 8 % in the tail: {tail}");
        let llm = LatencyProfile::realistic().llm;
        assert!((0..500).all(|s| (ms(2_000)..=ms(8_000)).contains(&llm.sample(s))));
        assert_eq!(Distribution::Fixed(ms(300)).sample(9), ms(300));
        assert_eq!(Distribution::Zero.sample(9), Duration::ZERO);
    }

    #[test]
    fn distributions_parse_and_print_back() {
        for text in [
            "0",
            "300ms",
            "2s..8s",
            "150ms..1200ms+5%:1200ms..2s",
            "1500ms..2s+7.5%:3s..3s",
        ] {
            let d: Distribution = text.parse().unwrap();
            assert_eq!(d.to_string(), text);
            assert_eq!(d.to_string().parse::<Distribution>().unwrap(), d);
        }
        assert_eq!(
            "0.5s".parse::<Distribution>().unwrap(),
            Distribution::Fixed(ms(500))
        );
        let tail: Distribution = "1s..2s+0.1:5s..6s".parse().unwrap();
        assert!(matches!(tail, Distribution::Tail { tail_p, .. } if tail_p == 0.1));
    }

    #[test]
    fn bad_distributions_say_what_is_wrong() {
        let error = |text: &str| text.parse::<Distribution>().unwrap_err().to_string();
        assert_eq!(
            error("2s..1s"),
            "\"2s..1s\": the low end 2s is above the high end 1s"
        );
        assert!(error("2x..3s").contains("\"2x\" is not a duration"));
        assert!(error("1s..2s+5%").contains("is not P%:LO..HI"));
        assert!(error("1s..2s+150%:3s..4s").contains("out of 0..=1"));
    }

    #[test]
    fn profiles_take_overrides_and_print_back() {
        let profile: LatencyProfile = "realistic,llm=1s..3s,sites=100ms..500ms".parse().unwrap();
        assert_eq!(profile.llm, "1s..3s".parse().unwrap());
        assert_eq!(profile.places, LatencyProfile::realistic().places);
        assert_eq!(
            profile.to_string().parse::<LatencyProfile>().unwrap(),
            profile
        );
        let alone: LatencyProfile = "geo=10ms".parse().unwrap();
        assert_eq!(alone.geo, Distribution::Fixed(ms(10)));
        assert_eq!(alone.llm, Distribution::Zero);
        let error = |text: &str| text.parse::<LatencyProfile>().unwrap_err().to_string();
        assert!(error("realistic,lm=1s").starts_with("unknown service class \"lm\""));
        assert!(error("fast").contains("unknown latency preset \"fast\""));
        assert!(error("llm").contains("unknown latency preset"));
        assert!(error("llm=2s..1s").starts_with("llm: "));
    }

    #[test]
    fn scaling_multiplies_every_class() {
        let quick = LatencyProfile::realistic().scaled(0.1);
        assert_eq!(quick.llm, "200ms..800ms".parse().unwrap());
        assert_eq!(quick.sites.max(), ms(200));
        assert_eq!(
            LatencyProfile::realistic().scaled(-1.0).llm.max(),
            Duration::ZERO
        );
    }
}
