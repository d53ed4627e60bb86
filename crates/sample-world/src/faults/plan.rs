//! Fault plans: per provider, the share of requests that fail and how, and the spec syntax the
//! command line takes for them.
//!
//! Spec: `;`-separated `provider:key=value,…` items, optionally led by a preset (`mixed` or
//! `none`); a later item for a provider changes only the keys it names:
//!
//! ```text
//! openai:error=0.05,refusal=0.03,bad_json=0.03,429=5/50:2s;sites:error=2%,change=0.05
//! mixed;openai:refusal=0.1
//! ```
//!
//! | key | value | fault |
//! |---|---|---|
//! | `error` | rate | HTTP 500 in the provider's error format (a plain 500 page for sites) |
//! | `429` | `LEN/PERIOD[:RETRY]` | of every PERIOD requests the last LEN answer 429 with `Retry-After: RETRY` (whole seconds, default `1s`); `0` for none |
//! | `timeout` | rate | the request is held `hang`, then answered 504 |
//! | `hang` | duration | how long a timeout holds (default `45s`) |
//! | `drip` | rate | 200 with the headers at once and the body in small chunks over `drip_over` |
//! | `drip_over` | duration | how long a drip takes (default `5s`) |
//! | `malformed` | rate | 200 with truncated JSON (not sites) |
//! | `refusal` | rate | a structured-output refusal (openai only) |
//! | `bad_json` | rate | an answer whose text is not JSON for the schema (openai only) |
//! | `change` | rate | share of pages that change between fetches, some going 404/410 (sites only) |
//!
//! A rate is `0.05` or `5%`. Each request gets at most one of `error`, `timeout`, `drip`,
//! `malformed`, `refusal` and `bad_json`: one uniform draw falls in consecutive bands of those
//! widths, so they may add up to at most 1. Rate-limit bursts count every request the
//! provider sees while the plan is set (per host, for sites) and come before the draw.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use super::{FaultProvider, Planned};
use crate::spec::{
    SpecError, check_rate, format_duration, format_number, parse_duration, parse_rate,
};

/// Bursts of 429: of every `period` requests, the last `len` are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitBurst {
    pub len: u32,
    pub period: u32,
    /// `Retry-After` of the 429s, in seconds.
    pub retry_after_secs: u64,
}

impl RateLimitBurst {
    /// Whether the `n`-th request (from 0) falls in a burst.
    pub(crate) fn limits(&self, n: u64) -> bool {
        let period = u64::from(self.period.max(1));
        n % period >= period.saturating_sub(u64::from(self.len))
    }
}

/// The faults one provider injects, as shares of its requests.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaultPlan {
    /// HTTP 500 with the provider's error body (a plain 500 page for sites).
    pub error_rate: f64,
    pub rate_limit: Option<RateLimitBurst>,
    /// Held for [`FaultPlan::hang`], then 504.
    pub timeout_rate: f64,
    pub hang: Duration,
    /// 200 with the headers at once, then the body in small chunks over
    /// [`FaultPlan::drip_over`].
    pub slow_drip_rate: f64,
    pub drip_over: Duration,
    /// 200 with a truncated JSON body (API providers only).
    pub malformed_rate: f64,
    /// A structured-output refusal in the real OpenAI shape ([`FaultProvider::OpenAi`] only).
    pub refusal_rate: f64,
    /// A well-formed envelope whose output text is not JSON for the schema
    /// ([`FaultProvider::OpenAi`] only; requests without a schema are left alone).
    pub bad_json_rate: f64,
    /// Share of pages that change between fetches ([`FaultProvider::Sites`] only): every fetch
    /// of such a page gets a different version, and a third of them answer 404 or 410 from
    /// their second fetch on (never the home page).
    pub change_rate: f64,
}

/// How long a timeout holds the request unless the plan says otherwise: past the clients'
/// timeouts (providers 30 s, crawler 15 s).
pub const DEFAULT_HANG: Duration = Duration::from_secs(45);
/// How long a slow drip takes unless the plan says otherwise.
pub const DEFAULT_DRIP: Duration = Duration::from_secs(5);

impl Default for FaultPlan {
    fn default() -> Self {
        Self {
            error_rate: 0.0,
            rate_limit: None,
            timeout_rate: 0.0,
            hang: DEFAULT_HANG,
            slow_drip_rate: 0.0,
            drip_over: DEFAULT_DRIP,
            malformed_rate: 0.0,
            refusal_rate: 0.0,
            bad_json_rate: 0.0,
            change_rate: 0.0,
        }
    }
}

/// The per-request faults in band order, with their spec keys.
const BANDS: [&str; 6] = [
    "error",
    "timeout",
    "drip",
    "malformed",
    "refusal",
    "bad_json",
];

impl FaultPlan {
    fn bands(&self) -> [f64; 6] {
        [
            self.error_rate,
            self.timeout_rate,
            self.slow_drip_rate,
            self.malformed_rate,
            self.refusal_rate,
            self.bad_json_rate,
        ]
    }

    /// Whether the plan is fit for `provider`: rates in 0..=1 adding up to at most 1, and no
    /// fault the provider cannot have.
    pub fn check(&self, provider: FaultProvider) -> Result<(), SpecError> {
        let at = |e: SpecError| e.context(provider.as_str());
        let rates = BANDS
            .into_iter()
            .zip(self.bands())
            .chain([("change", self.change_rate)]);
        for (key, rate) in rates {
            check_rate(rate).map_err(|e| at(e.context(key)))?;
        }
        let only = |key: &str, rate: f64, allowed: bool, whom: &str| {
            if rate > 0.0 && !allowed {
                Err(at(SpecError::new(format!(
                    "\"{key}\" applies only to {whom}"
                ))))
            } else {
                Ok(())
            }
        };
        let openai = provider == FaultProvider::OpenAi;
        let sites = provider == FaultProvider::Sites;
        only("refusal", self.refusal_rate, openai, "openai")?;
        only("bad_json", self.bad_json_rate, openai, "openai")?;
        only("change", self.change_rate, sites, "sites")?;
        only(
            "malformed",
            self.malformed_rate,
            !sites,
            "the APIs, not sites",
        )?;
        let total: f64 = self.bands().iter().sum();
        if total > 1.0 + 1e-9 {
            return Err(at(SpecError::new(format!(
                "rates add up to {}, more than 1",
                format_number(total)
            ))));
        }
        if let Some(burst) = self.rate_limit
            && (burst.period == 0 || burst.len > burst.period)
        {
            return Err(at(SpecError::new(format!(
                "429={}/{}: the burst must be no longer than its period",
                burst.len, burst.period
            ))));
        }
        Ok(())
    }

    /// The per-request fault `draw` (uniform in `[0, 1)`) falls on.
    pub(crate) fn pick(&self, draw: f64) -> Option<Planned> {
        let faults = [
            Planned::ServerError,
            Planned::Timeout(self.hang),
            Planned::SlowDrip(self.drip_over),
            Planned::Malformed,
            Planned::Refusal,
            Planned::BadJson,
        ];
        let mut edge = 0.0;
        for (fault, width) in faults.into_iter().zip(self.bands()) {
            edge += width;
            if draw < edge {
                return Some(fault);
            }
        }
        None
    }

    /// Applies one `key=value` setting.
    fn apply(&mut self, key: &str, value: &str) -> Result<(), SpecError> {
        let rate = || parse_rate(value).map_err(|e| e.context(key));
        match key {
            "error" => self.error_rate = rate()?,
            "timeout" => self.timeout_rate = rate()?,
            "drip" => self.slow_drip_rate = rate()?,
            "malformed" => self.malformed_rate = rate()?,
            "refusal" => self.refusal_rate = rate()?,
            "bad_json" => self.bad_json_rate = rate()?,
            "change" => self.change_rate = rate()?,
            "hang" => self.hang = parse_duration(value).map_err(|e| e.context(key))?,
            "drip_over" => self.drip_over = parse_duration(value).map_err(|e| e.context(key))?,
            "429" => self.rate_limit = parse_burst(value)?,
            other => {
                return Err(SpecError::new(format!(
                    "unknown setting \"{other}\" (expected one of: error, 429, timeout, hang, drip, drip_over, malformed, refusal, bad_json, change)"
                )));
            }
        }
        Ok(())
    }
}

/// `LEN/PERIOD[:RETRY]`, or `0` for no bursts.
fn parse_burst(value: &str) -> Result<Option<RateLimitBurst>, SpecError> {
    let value = value.trim();
    if value == "0" {
        return Ok(None);
    }
    let wrong = || {
        SpecError::new(format!(
            "429=\"{value}\" is not LEN/PERIOD[:RETRY_AFTER] (like 5/50:2s)"
        ))
    };
    let (counts, retry) = value.split_once(':').unwrap_or((value, "1s"));
    let (len, period) = counts.split_once('/').ok_or_else(wrong)?;
    let len: u32 = len.trim().parse().map_err(|_| wrong())?;
    let period: u32 = period.trim().parse().map_err(|_| wrong())?;
    let retry = parse_duration(retry).map_err(|e| e.context("429"))?;
    if retry.subsec_nanos() != 0 {
        return Err(SpecError::new(format!(
            "429=\"{value}\": Retry-After is whole seconds"
        )));
    }
    Ok(Some(RateLimitBurst {
        len,
        period,
        retry_after_secs: retry.as_secs(),
    }))
}

/// A plan per provider: what [`FaultPlans::from_str`] reads and
/// [`crate::FaultHandle::set_plans`] installs. Every plan in it has passed
/// [`FaultPlan::check`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FaultPlans(BTreeMap<FaultProvider, FaultPlan>);

impl FaultPlans {
    /// Adds (or replaces) `provider`'s plan, if it passes [`FaultPlan::check`].
    pub fn insert(&mut self, provider: FaultProvider, plan: FaultPlan) -> Result<(), SpecError> {
        plan.check(provider)?;
        self.0.insert(provider, plan);
        Ok(())
    }

    pub(crate) fn put(&mut self, provider: FaultProvider, plan: FaultPlan) {
        self.0.insert(provider, plan);
    }

    /// `provider`'s plan.
    pub fn get(&self, provider: FaultProvider) -> Option<&FaultPlan> {
        self.0.get(&provider)
    }

    /// Every plan, by provider.
    pub fn iter(&self) -> impl Iterator<Item = (FaultProvider, &FaultPlan)> {
        self.0.iter().map(|(p, plan)| (*p, plan))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A bad day: modest rates on every provider, every fault kind somewhere.
    ///
    /// | provider | plan |
    /// |---|---|
    /// | serper | error 2 %, 429 2/40 (1 s), timeout 0.5 %, malformed 1 % |
    /// | serper_search | error 2 %, 429 2/40 (1 s), malformed 1 % |
    /// | google_places | error 2 %, 429 2/40 (1 s), malformed 1 % |
    /// | google_legacy | error 2 %, timeout 0.5 % |
    /// | google_cse | error 2 %, 429 2/40 (1 s) |
    /// | nominatim | error 2 %, 429 1/30 (1 s) |
    /// | overpass | error 3 %, 429 2/20 (2 s), timeout 1 % |
    /// | openai | error 3 %, 429 3/60 (2 s), timeout 0.5 %, drip 1 %, malformed 0.5 %, refusal 2 %, bad_json 2 % |
    /// | embeddings | error 2 %, 429 2/60 (1 s), malformed 0.5 % |
    /// | firecrawl | error 3 %, 429 2/40 (2 s), timeout 1 %, drip 1 %, malformed 0.5 % |
    /// | sites | error 2 %, timeout 1 %, drip 3 %, change 5 % |
    ///
    /// Timeouts hold the default 45 s and drips take the default 5 s.
    pub fn mixed() -> Self {
        const MIXED: &str = "serper:error=0.02,429=2/40:1s,timeout=0.005,malformed=0.01;\
            serper_search:error=0.02,429=2/40:1s,malformed=0.01;\
            google_places:error=0.02,429=2/40:1s,malformed=0.01;\
            google_legacy:error=0.02,timeout=0.005;\
            google_cse:error=0.02,429=2/40:1s;\
            nominatim:error=0.02,429=1/30:1s;\
            overpass:error=0.03,429=2/20:2s,timeout=0.01;\
            openai:error=0.03,429=3/60:2s,timeout=0.005,drip=0.01,malformed=0.005,refusal=0.02,bad_json=0.02;\
            embeddings:error=0.02,429=2/60:1s,malformed=0.005;\
            firecrawl:error=0.03,429=2/40:2s,timeout=0.01,drip=0.01,malformed=0.005;\
            sites:error=0.02,timeout=0.01,drip=0.03,change=0.05";
        Self::parse_items(Self::default(), MIXED).unwrap_or_default()
    }

    fn parse_items(mut plans: Self, spec: &str) -> Result<Self, SpecError> {
        for item in spec.split(';').map(str::trim).filter(|i| !i.is_empty()) {
            let Some((provider, settings)) = item.split_once(':') else {
                return Err(SpecError::new(format!(
                    "\"{item}\" is not PROVIDER:KEY=VALUE,… (like openai:error=0.05)"
                )));
            };
            let provider: FaultProvider = provider.parse()?;
            let mut plan = plans.get(provider).copied().unwrap_or_default();
            for setting in settings.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                let Some((key, value)) = setting.split_once('=') else {
                    return Err(SpecError::new(format!(
                        "{provider}: \"{setting}\" is not KEY=VALUE"
                    )));
                };
                plan.apply(key.trim(), value)
                    .map_err(|e| e.context(provider.as_str()))?;
            }
            plans.insert(provider, plan)?;
        }
        Ok(plans)
    }
}

impl FromStr for FaultPlans {
    type Err = SpecError;

    /// See the [module documentation](self) for the syntax.
    fn from_str(s: &str) -> Result<Self, SpecError> {
        let s = s.trim();
        let (first, rest) = s.split_once(';').unwrap_or((s, ""));
        match first.trim() {
            "mixed" => Self::parse_items(Self::mixed(), rest),
            "none" => Self::parse_items(Self::default(), rest),
            preset if !preset.contains(':') && !preset.is_empty() => Err(SpecError::new(format!(
                "unknown fault preset \"{preset}\" (expected mixed or none)"
            ))),
            _ => Self::parse_items(Self::default(), s),
        }
    }
}

impl fmt::Display for FaultPlans {
    /// The spec [`FaultPlans::from_str`] reads back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let default = FaultPlan::default();
        let items: Vec<String> = self
            .iter()
            .map(|(provider, plan)| {
                let mut settings = Vec::new();
                let mut rate = |key: &str, value: f64| {
                    if value > 0.0 {
                        settings.push(format!("{key}={}", format_number(value)));
                    }
                };
                rate("error", plan.error_rate);
                rate("timeout", plan.timeout_rate);
                rate("drip", plan.slow_drip_rate);
                rate("malformed", plan.malformed_rate);
                rate("refusal", plan.refusal_rate);
                rate("bad_json", plan.bad_json_rate);
                rate("change", plan.change_rate);
                if let Some(b) = plan.rate_limit {
                    settings.push(format!(
                        "429={}/{}:{}s",
                        b.len, b.period, b.retry_after_secs
                    ));
                }
                if plan.hang != default.hang {
                    settings.push(format!("hang={}", format_duration(plan.hang)));
                }
                if plan.drip_over != default.drip_over {
                    settings.push(format!("drip_over={}", format_duration(plan.drip_over)));
                }
                if settings.is_empty() {
                    settings.push("error=0".to_owned());
                }
                format!("{provider}:{}", settings.join(","))
            })
            .collect();
        f.write_str(&items.join(";"))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;
    use crate::FaultKind;

    #[test]
    fn the_brief_s_spec_reads_as_written() {
        let plans: FaultPlans = "openai:error=0.05,refusal=0.03,bad_json=0.03,429=5/50:2s;sites:error=0.02,timeout=0.01,drip=0.03,change=0.05;serper:429=3/20:1s"
            .parse()
            .unwrap();
        let openai = plans.get(FaultProvider::OpenAi).unwrap();
        assert_eq!(openai.error_rate, 0.05);
        assert_eq!(
            openai.rate_limit,
            Some(RateLimitBurst {
                len: 5,
                period: 50,
                retry_after_secs: 2
            })
        );
        assert_eq!(plans.get(FaultProvider::Sites).unwrap().change_rate, 0.05);
        assert_eq!(plans.get(FaultProvider::Serper).unwrap().error_rate, 0.0);
        assert_eq!(plans.to_string().parse::<FaultPlans>().unwrap(), plans);
    }

    #[test]
    fn bad_specs_name_the_bad_part() {
        let error = |text: &str| text.parse::<FaultPlans>().unwrap_err().to_string();
        assert!(error("opnai:error=0.1").starts_with("unknown provider \"opnai\""));
        assert_eq!(
            error("openai:error=1.5"),
            "openai: error: rate 1.5 out of 0..=1"
        );
        assert!(error("openai:eror=0.1").starts_with("openai: unknown setting \"eror\""));
        assert_eq!(
            error("serper:refusal=0.1"),
            "serper: \"refusal\" applies only to openai"
        );
        assert_eq!(
            error("sites:malformed=0.1"),
            "sites: \"malformed\" applies only to the APIs, not sites"
        );
        assert_eq!(
            error("openai:error=0.6,timeout=0.6"),
            "openai: rates add up to 1.2, more than 1"
        );
        assert!(error("serper:429=3-20").contains("is not LEN/PERIOD"));
        assert!(error("serper:429=30/20").contains("no longer than its period"));
        assert!(error("serper:429=1/20:500ms").contains("whole seconds"));
        assert!(error("serper").contains("unknown fault preset \"serper\""));
        assert!(error("serper:error").contains("is not KEY=VALUE"));
        assert!(error("openai:hang=soon").contains("hang: \"soon\" is not a duration"));
    }

    #[test]
    fn presets_combine_with_overrides() {
        let mixed = FaultPlans::mixed();
        assert_eq!(mixed.iter().count(), FaultProvider::ALL.len());
        let tuned: FaultPlans = "mixed;openai:refusal=0.1".parse().unwrap();
        let openai = tuned.get(FaultProvider::OpenAi).unwrap();
        assert_eq!(openai.refusal_rate, 0.1);
        assert_eq!(openai.error_rate, 0.03, "other keys kept");
        assert_eq!(mixed.to_string().parse::<FaultPlans>().unwrap(), mixed);
        assert!("none".parse::<FaultPlans>().unwrap().is_empty());
    }

    #[test]
    fn the_mixed_preset_has_every_fault_kind_somewhere() {
        let mixed = FaultPlans::mixed();
        let any = |f: fn(&FaultPlan) -> bool| mixed.iter().any(|(_, p)| f(p));
        assert!(any(|p| p.error_rate > 0.0));
        assert!(any(|p| p.rate_limit.is_some()));
        assert!(any(|p| p.timeout_rate > 0.0));
        assert!(any(|p| p.slow_drip_rate > 0.0));
        assert!(any(|p| p.malformed_rate > 0.0));
        assert!(any(|p| p.refusal_rate > 0.0));
        assert!(any(|p| p.bad_json_rate > 0.0));
        assert!(any(|p| p.change_rate > 0.0));
    }

    #[test]
    fn draws_fall_in_consecutive_bands() {
        let plan = FaultPlan {
            error_rate: 0.1,
            timeout_rate: 0.2,
            ..FaultPlan::default()
        };
        assert_eq!(
            plan.pick(0.05).map(Planned::kind),
            Some(FaultKind::ServerError)
        );
        assert_eq!(plan.pick(0.25).map(Planned::kind), Some(FaultKind::Timeout));
        assert_eq!(plan.pick(0.35), None);
        let burst = RateLimitBurst {
            len: 2,
            period: 5,
            retry_after_secs: 1,
        };
        let limited: Vec<u64> = (0..10).filter(|&n| burst.limits(n)).collect();
        assert_eq!(limited, [3, 4, 8, 9]);
    }
}
