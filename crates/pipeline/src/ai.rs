//! The AI layer as the pipeline uses it: the LLM chain and embedder built from the
//! configuration, every call made in a context — an agent thread (`{ threadId }`, seed 000's
//! per-audit `analysisThread`) or, without one, the user (`{ userId }`) — attributed to a run
//! for usage and cost, and held to the run's `CAN_SPEND` budget.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::Context;
use domain::{AgencyId, OpportunityId, RunId, UserId};
use providers::embeddings::Embedder;
use providers::embeddings::hashing::HashingEmbedder;
use providers::embeddings::openai::{OpenAiEmbedder, OpenAiEmbeddingsConfig};
use providers::http::HttpClient;
use providers::llm::chat::{ChatCompletions, ChatConfig};
use providers::llm::gemini::{Gemini, GeminiConfig};
use providers::llm::openai::{OpenAiConfig, OpenAiResponses};
use providers::llm::{
    CallOptions, ChatMessage, LlmChain, LlmProvider, LlmRequest, RateLimit, RateLimiter, Role,
    Structured, TierModels,
};
use providers::usage::{ModelPrice, PriceTable};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use store::{NewEvent, Store, ThreadMessage};
use tracing::warn;

use crate::adapters::RunUsage;
use crate::config::LlmSettings;

/// Tokens of a thread's history a call may carry.
const THREAD_TOKEN_BUDGET: u64 = 6_000;

/// Who an AI call speaks for: a thread, or the user when there is none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AiContext {
    /// `{ threadId }`: the call sees the thread's earlier messages and appends its own.
    Thread(String),
    /// `{ userId }`: no history; the call carries and is attributed to the user.
    User(UserId),
}

/// The run (and lead) a call is made for.
#[derive(Debug, Clone)]
pub struct CallScope {
    /// Run; `None` for work started outside a run (`leadforge audit`), which has no run
    /// budget.
    pub run_id: Option<RunId>,
    /// Agency.
    pub agency_id: AgencyId,
    /// The user who started the run (attribution when the context has no user of its own).
    pub user_id: UserId,
    /// The lead, for per-lead totals.
    pub opportunity_id: Option<OpportunityId>,
}

/// The LLM chain and embedder, with the store for threads, usage and budgets.
pub struct Ai {
    chain: LlmChain,
    embedder: Arc<dyn Embedder>,
    store: Store,
    budget: Option<f64>,
}

impl std::fmt::Debug for Ai {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ai")
            .field("chain", &self.chain)
            .field("embedder", &self.embedder.name())
            .field("budget", &self.budget)
            .finish()
    }
}

impl Ai {
    /// Builds the chain in DESIGN order — OpenAI (Responses) → Gemini → DeepSeek →
    /// OpenAI-compatible server → the caller's rules — using only configured providers.
    pub fn from_settings(settings: &LlmSettings, store: Store) -> anyhow::Result<Self> {
        let http = HttpClient::new(providers::llm::default_http_config())
            .context("building the LLM HTTP client")?;
        let prices = prices(settings)?;
        let limit = RateLimit {
            max_concurrent: settings.max_concurrent,
            min_delay: settings.min_delay,
        };
        let limiter = || RateLimiter::shared(limit);
        let [primary, light, ultra] = settings.models.clone();
        let tiers = TierModels {
            primary,
            light,
            ultra_light: ultra,
        };

        let mut chain: Vec<Arc<dyn LlmProvider>> = Vec::new();
        if let Some(o) = &settings.openai {
            let cfg = OpenAiConfig {
                base_url: o.base_url.clone(),
                api_key: o.api_key.clone(),
                models: tiers.clone(),
            };
            chain.push(Arc::new(OpenAiResponses::new(
                cfg,
                http.clone(),
                limiter(),
                prices.clone(),
            )));
        }
        if let Some(g) = &settings.gemini {
            let mut cfg = GeminiConfig::new(g.api_key.clone());
            cfg.base_url = g.base_url.clone();
            chain.push(Arc::new(Gemini::new(
                cfg,
                http.clone(),
                limiter(),
                prices.clone(),
            )));
        }
        if let Some(d) = &settings.deepseek {
            let mut cfg = ChatConfig::deepseek(d.api_key.clone());
            cfg.base_url = d.base_url.clone();
            cfg.models = TierModels::uniform(settings.deepseek_model.clone());
            chain.push(Arc::new(ChatCompletions::new(
                cfg,
                http.clone(),
                limiter(),
                prices.clone(),
            )));
        }
        if let Some((base, key)) = &settings.openai_compatible {
            let mut cfg = ChatConfig::openai_compatible(base.clone(), tiers.primary.clone());
            cfg.models = tiers.clone();
            cfg.api_key = key.clone();
            chain.push(Arc::new(ChatCompletions::new(
                cfg,
                http.clone(),
                limiter(),
                prices.clone(),
            )));
        }

        let embedder: Arc<dyn Embedder> = match (&settings.openai, &settings.openai_compatible) {
            (_, Some((base, key))) => {
                let mut cfg = OpenAiEmbeddingsConfig::new(
                    key.clone().unwrap_or_else(|| domain::Secret::new("")),
                );
                cfg.name = "openai_compatible";
                cfg.base_url = base.clone();
                cfg.api_key = key.clone();
                cfg.model = settings.embeddings_model.clone();
                Arc::new(OpenAiEmbedder::new(
                    cfg,
                    http.clone(),
                    limiter(),
                    prices.clone(),
                ))
            }
            (Some(o), None) => {
                let mut cfg = OpenAiEmbeddingsConfig::new(o.api_key.clone());
                cfg.base_url = o.base_url.join("v1").unwrap_or_else(|_| o.base_url.clone());
                cfg.model = settings.embeddings_model.clone();
                Arc::new(OpenAiEmbedder::new(cfg, http, limiter(), prices))
            }
            (None, None) => Arc::new(HashingEmbedder::new(384)),
        };
        Ok(Self {
            chain: LlmChain::new(chain, None),
            embedder,
            store,
            budget: settings.can_spend,
        })
    }

    /// The configured LLM providers in chain order (`rules` always follows).
    pub fn provider_names(&self) -> Vec<&'static str> {
        self.chain.provider_names()
    }

    /// The embedder (OpenAI-compatible when configured, else local feature hashing).
    pub fn embedder(&self) -> &Arc<dyn Embedder> {
        &self.embedder
    }

    /// A `T` for `req`, in `ctx`, for `scope`: from the first provider whose answer checks out,
    /// or from `rules` — never fails. Paid providers are skipped once the run has spent its
    /// `CAN_SPEND` budget (an event says so, once).
    pub async fn structured<T, F>(
        &self,
        scope: &CallScope,
        ctx: &AiContext,
        mut req: LlmRequest,
        rules: F,
    ) -> Structured<T>
    where
        T: DeserializeOwned + JsonSchema + serde::Serialize + 'static,
        F: FnOnce(&LlmRequest) -> T,
    {
        let mut user = scope.user_id.to_string();
        if let AiContext::Thread(thread) = ctx {
            match self.thread_history(thread).await {
                Ok((owner, mut history)) => {
                    user = owner;
                    history.append(&mut req.messages);
                    req.messages = history;
                }
                Err(e) => {
                    warn!(thread.id = %thread, error = %format!("{e:#}"), "thread history unavailable")
                }
            }
        }
        let opts = CallOptions {
            paid_allowed: self.may_spend(scope).await,
        };
        let usage = RunUsage {
            store: self.store.clone(),
            run_id: scope.run_id.as_ref().map(ToString::to_string),
            agency_id: scope.agency_id.to_string(),
            user_id: user,
            opportunity_id: scope.opportunity_id.as_ref().map(ToString::to_string),
        };
        let answer = self
            .chain
            .generate_structured_or(&req, opts, &usage, rules)
            .await;
        if let AiContext::Thread(thread) = ctx {
            let asked = req
                .messages
                .last()
                .map(|m| m.content.clone())
                .unwrap_or_default();
            let said = serde_json::to_string(&answer.value).unwrap_or_default();
            for (role, content) in [("user", asked), ("assistant", said)] {
                let tokens = estimate_tokens(&content);
                let msg = ThreadMessage {
                    role: role.into(),
                    content,
                    tokens,
                };
                if let Err(e) = self.store.threads().append(thread, &msg).await {
                    warn!(thread.id = %thread, error = %e, "could not record the thread message");
                }
            }
        }
        answer
    }

    async fn thread_history(&self, thread: &str) -> anyhow::Result<(String, Vec<ChatMessage>)> {
        let t = self
            .store
            .threads()
            .get(thread)
            .await?
            .with_context(|| format!("thread {thread} does not exist"))?;
        let history = self
            .store
            .threads()
            .recent(thread, THREAD_TOKEN_BUDGET)
            .await?
            .into_iter()
            .map(|m| ChatMessage {
                role: if m.role == "assistant" {
                    Role::Assistant
                } else {
                    Role::User
                },
                content: m.content,
            })
            .collect();
        Ok((t.user_id, history))
    }

    /// False once the run's paid calls reached `CAN_SPEND`; the first time, a run event says
    /// so.
    /// Whether paid calls are still allowed for `scope`'s run (`CAN_SPEND`); the first refusal
    /// appends the run's `budget_spent` event.
    pub async fn may_spend(&self, scope: &CallScope) -> bool {
        let (Some(budget), Some(run_id)) = (self.budget, &scope.run_id) else {
            return true;
        };
        let spent = match self.store.usage().run_totals(run_id.as_str()).await {
            Ok(t) => t.cost,
            Err(e) => {
                warn!(error = %e, "cannot read the run's spending; allowing only free calls");
                return false;
            }
        };
        if spent < budget {
            return true;
        }
        let events = self.store.events();
        if !events
            .has_kind(run_id, "budget_spent")
            .await
            .unwrap_or(false)
        {
            let message = format!(
                "Budget of ${budget:.2} spent (${spent:.4}); paid AI calls stop and the free fallbacks answer"
            );
            let _ = events
                .append(
                    run_id,
                    &scope.agency_id,
                    NewEvent::warn(None, "budget_spent", message),
                )
                .await;
        }
        false
    }
}

/// Four characters a token: close enough to trim a thread's history.
fn estimate_tokens(text: &str) -> u64 {
    (text.chars().count() as u64).div_ceil(4)
}

/// The default price table, with per-model prices from `LEADFORGE_PRICES_FILE` (TOML:
/// `[models."gpt-5"] input_per_million = 1.25, output_per_million = 10.0` and
/// `[calls.serper] "places.search" = 0.001`).
fn prices(settings: &LlmSettings) -> anyhow::Result<PriceTable> {
    let Some(path) = &settings.prices_file else {
        return Ok(PriceTable::default());
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("LEADFORGE_PRICES_FILE: cannot read {}", path.display()))?;
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct File {
        #[serde(default)]
        models: HashMap<String, Model>,
        #[serde(default)]
        calls: HashMap<String, HashMap<String, f64>>,
    }
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Model {
        input_per_million: f64,
        output_per_million: f64,
    }
    let file: File = toml::from_str(&text)
        .map_err(|e| anyhow::anyhow!("LEADFORGE_PRICES_FILE: {}", e.message().trim()))?;
    let calls = file
        .calls
        .into_iter()
        .flat_map(|(provider, ops)| {
            ops.into_iter()
                .map(move |(op, usd)| ((provider.clone(), op), usd))
        })
        .collect();
    let mut table = PriceTable::with_overrides(calls);
    for (model, p) in file.models {
        table = table.with_model_price(
            model,
            ModelPrice::new(p.input_per_million, p.output_per_million),
        );
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(file: Option<std::path::PathBuf>) -> LlmSettings {
        let vars = std::collections::BTreeMap::new();
        let mut s = crate::Config::from_vars(&vars).expect("defaults").llm;
        s.prices_file = file;
        s
    }

    #[test]
    fn a_prices_file_overrides_model_and_call_prices_and_typos_are_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("prices.toml");
        std::fs::write(
            &path,
            "[models.\"gpt-5\"]\ninput_per_million = 2.0\noutput_per_million = 20.0\n\n[calls.serper]\n\"places.search\" = 0.005\n",
        )
        .expect("write");
        let table = prices(&settings(Some(path.clone()))).expect("valid file");
        assert!((table.token_cost("gpt-5", 1_000_000, 1_000_000) - 22.0).abs() < 1e-9);
        assert!((table.cost("serper", "places.search") - 0.005).abs() < 1e-12);

        std::fs::write(&path, "[modles]\n").expect("write");
        let err = prices(&settings(Some(path))).expect_err("typo");
        assert!(format!("{err:#}").contains("modles"), "{err:#}");
    }
}
