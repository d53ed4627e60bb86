//! The LLM chain (DESIGN §4): OpenAI → Gemini → DeepSeek → OpenAI-compatible → rules.
//!
//! For structured outputs every answer is checked against the strict schema and
//! deserialized. A refusal, a truncated answer or one that does not check out gets one
//! repair on the same provider: the bad answer goes back as the assistant's turn, followed by
//! a user message saying what was wrong. If the repair fails too — or the provider failed
//! outright (after its own transport retries), or its safety filter withheld the answer —
//! the next provider is tried. Paid providers are skipped when the caller says paid calls are
//! not allowed (the run's `CAN_SPEND` budget is spent). The rules answer last; every attempt
//! is recorded in the result.

use std::fmt;
use std::sync::Arc;

use schemars::JsonSchema;
use serde::de::DeserializeOwned;

use super::contract::Contract;
use super::{ChatMessage, FinishReason, LlmProvider, LlmRequest, LlmResponse, RulesFallback};
use crate::usage::UsageSink;

mod attempts;

pub use attempts::{AttemptNote, AttemptOutcome, LlmError, Structured};

/// The name results carry when the rules answered.
pub const RULES: &str = "rules";

/// Per-call switches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallOptions {
    /// Whether paid providers may be called; `false` once the run's budget is spent.
    pub paid_allowed: bool,
}

impl Default for CallOptions {
    fn default() -> Self {
        Self { paid_allowed: true }
    }
}

impl CallOptions {
    /// Free providers and rules only.
    pub fn free_only() -> Self {
        Self {
            paid_allowed: false,
        }
    }
}

/// Providers in order, then the rules.
pub struct LlmChain {
    providers: Vec<Arc<dyn LlmProvider>>,
    rules: Option<Arc<dyn RulesFallback>>,
}

impl fmt::Debug for LlmChain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LlmChain")
            .field("providers", &self.provider_names())
            .field("rules", &self.rules.is_some())
            .finish()
    }
}

/// What judging one answer concluded.
enum Verdict<T> {
    Accepted(T),
    /// Worth one repair on the same provider.
    Repairable(AttemptOutcome),
    /// Move on to the next provider.
    Hopeless(AttemptOutcome),
}

impl LlmChain {
    /// A chain over `providers` (tried in order; build them in DESIGN order) ending in
    /// `rules`.
    pub fn new(
        providers: Vec<Arc<dyn LlmProvider>>,
        rules: Option<Arc<dyn RulesFallback>>,
    ) -> Self {
        Self { providers, rules }
    }

    /// Provider names in order (for `doctor` and run events).
    pub fn provider_names(&self) -> Vec<&'static str> {
        self.providers.iter().map(|p| p.name()).collect()
    }

    /// A `T` for `req`: from the first provider whose answer checks out, else from the
    /// chain's rules. `req.schema` is replaced by `T`'s strict schema.
    #[tracing::instrument(skip_all, fields(llm.operation = %req.operation))]
    pub async fn generate_structured<T>(
        &self,
        req: &LlmRequest,
        opts: CallOptions,
        usage: &dyn UsageSink,
    ) -> Result<Structured<T>, LlmError>
    where
        T: DeserializeOwned + JsonSchema + 'static,
    {
        let contract = Contract::of::<T>().map_err(|message| LlmError::Schema { message })?;
        let (found, mut attempts) = self.ask_providers(req, &contract, opts, usage).await;
        if let Some(found) = found {
            return Ok(found.with_attempts(attempts));
        }
        let Some(value) = self.rules.as_ref().and_then(|r| r.answer(req)) else {
            return Err(LlmError::Exhausted {
                operation: req.operation.clone(),
                attempts,
            });
        };
        let value =
            contract
                .check_value::<T>(value)
                .map_err(|message| LlmError::RulesMismatch {
                    operation: req.operation.clone(),
                    message,
                })?;
        attempts.push(AttemptNote::rules());
        Ok(Structured::from_rules(value, attempts))
    }

    /// [`LlmChain::generate_structured`] with this call's own rules: never fails.
    pub async fn generate_structured_or<T, F>(
        &self,
        req: &LlmRequest,
        opts: CallOptions,
        usage: &dyn UsageSink,
        fallback: F,
    ) -> Structured<T>
    where
        T: DeserializeOwned + JsonSchema + 'static,
        F: FnOnce(&LlmRequest) -> T,
    {
        let attempts = match Contract::of::<T>() {
            Ok(contract) => {
                let (found, attempts) = self.ask_providers(req, &contract, opts, usage).await;
                if let Some(found) = found {
                    return found.with_attempts(attempts);
                }
                attempts
            }
            Err(message) => {
                tracing::error!(llm.operation = %req.operation, %message, "unusable schema");
                Vec::new()
            }
        };
        let mut attempts = attempts;
        attempts.push(AttemptNote::rules());
        Structured::from_rules(fallback(req), attempts)
    }

    /// Free text for `req` (no schema): the first provider that finishes normally, else the
    /// chain's rules if they answer this operation with a string.
    #[tracing::instrument(skip_all, fields(llm.operation = %req.operation))]
    pub async fn generate_text(
        &self,
        req: &LlmRequest,
        opts: CallOptions,
        usage: &dyn UsageSink,
    ) -> Result<Structured<String>, LlmError> {
        let mut req = req.clone();
        req.schema = None;
        let mut attempts = Vec::new();
        for provider in &self.providers {
            if provider.is_paid() && !opts.paid_allowed {
                attempts.push(AttemptNote::new(
                    provider.name(),
                    None,
                    false,
                    AttemptOutcome::SkippedPaid,
                ));
                continue;
            }
            let (model, outcome) = match provider.generate(&req, usage).await {
                Ok(answer)
                    if answer.finish == FinishReason::Stop && !answer.text.trim().is_empty() =>
                {
                    attempts.push(AttemptNote::new(
                        provider.name(),
                        Some(answer.model.clone()),
                        false,
                        AttemptOutcome::Answered,
                    ));
                    return Ok(Structured {
                        value: answer.text,
                        provider: provider.name(),
                        model: answer.model,
                        attempts,
                    });
                }
                Ok(answer) => (Some(answer.model.clone()), unusable(&answer)),
                Err(err) => (None, AttemptOutcome::Failed(err)),
            };
            attempts.push(AttemptNote::new(provider.name(), model, false, outcome));
        }
        match self.rules.as_ref().and_then(|r| r.answer(&req)) {
            Some(serde_json::Value::String(text)) => {
                attempts.push(AttemptNote::rules());
                Ok(Structured::from_rules(text, attempts))
            }
            _ => Err(LlmError::Exhausted {
                operation: req.operation.clone(),
                attempts,
            }),
        }
    }

    /// Tries each allowed provider (with one repair) until an answer checks out.
    async fn ask_providers<T: DeserializeOwned>(
        &self,
        req: &LlmRequest,
        contract: &Contract,
        opts: CallOptions,
        usage: &dyn UsageSink,
    ) -> (Option<Structured<T>>, Vec<AttemptNote>) {
        let mut attempts = Vec::new();
        let mut base = req.clone();
        base.schema = Some(contract.output_schema());
        for provider in &self.providers {
            let name = provider.name();
            if provider.is_paid() && !opts.paid_allowed {
                attempts.push(AttemptNote::new(
                    name,
                    None,
                    false,
                    AttemptOutcome::SkippedPaid,
                ));
                continue;
            }
            let mut current = base.clone();
            for repair in [false, true] {
                let answer = match provider.generate(&current, usage).await {
                    Ok(answer) => answer,
                    Err(err) => {
                        tracing::warn!(llm.provider = name, error = %err, "provider failed");
                        attempts.push(AttemptNote::new(
                            name,
                            None,
                            repair,
                            AttemptOutcome::Failed(err),
                        ));
                        break;
                    }
                };
                let model = answer.model.clone();
                match judge::<T>(&answer, contract) {
                    Verdict::Accepted(value) => {
                        attempts.push(AttemptNote::new(
                            name,
                            Some(model.clone()),
                            repair,
                            AttemptOutcome::Answered,
                        ));
                        let found = Structured {
                            value,
                            provider: name,
                            model,
                            attempts: Vec::new(),
                        };
                        return (Some(found), attempts);
                    }
                    Verdict::Repairable(outcome) if !repair => {
                        tracing::info!(llm.provider = name, outcome = %outcome, "asking for a repair");
                        current = repair_request(&current, &answer, &outcome, contract.name());
                        attempts.push(AttemptNote::new(name, Some(model), repair, outcome));
                    }
                    Verdict::Repairable(outcome) | Verdict::Hopeless(outcome) => {
                        tracing::warn!(llm.provider = name, outcome = %outcome, "answer unusable");
                        attempts.push(AttemptNote::new(name, Some(model), repair, outcome));
                        break;
                    }
                }
            }
        }
        (None, attempts)
    }
}

fn judge<T: DeserializeOwned>(answer: &LlmResponse, contract: &Contract) -> Verdict<T> {
    match &answer.finish {
        FinishReason::ContentFilter => Verdict::Hopeless(AttemptOutcome::ContentFiltered),
        FinishReason::Refusal(why) => Verdict::Repairable(AttemptOutcome::Refused(why.clone())),
        FinishReason::Length => Verdict::Repairable(AttemptOutcome::Truncated),
        FinishReason::Stop | FinishReason::Other(_) => match contract.check::<T>(&answer.text) {
            Ok(value) => Verdict::Accepted(value),
            Err(reason) => Verdict::Repairable(AttemptOutcome::Invalid(reason)),
        },
    }
}

fn unusable(answer: &LlmResponse) -> AttemptOutcome {
    match &answer.finish {
        FinishReason::ContentFilter => AttemptOutcome::ContentFiltered,
        FinishReason::Refusal(why) => AttemptOutcome::Refused(why.clone()),
        FinishReason::Length => AttemptOutcome::Truncated,
        FinishReason::Stop => AttemptOutcome::Invalid("the answer was empty".into()),
        FinishReason::Other(why) => AttemptOutcome::Invalid(format!("stopped: {why}")),
    }
}

/// Longest bad answer echoed back in a repair; the model needs to see its mistake, not
/// pay for all of it again.
const MAX_ECHO_CHARS: usize = 4_000;

/// `req` followed by the bad answer and a corrective user message.
fn repair_request(
    req: &LlmRequest,
    answer: &LlmResponse,
    outcome: &AttemptOutcome,
    schema: &str,
) -> LlmRequest {
    let mut repaired = req.clone();
    let echoed = match &answer.finish {
        FinishReason::Refusal(why) => why.clone(),
        _ if answer.text.trim().is_empty() => "(no answer)".to_owned(),
        _ => answer.text.chars().take(MAX_ECHO_CHARS).collect(),
    };
    let correction = match outcome {
        AttemptOutcome::Truncated => {
            if let Some(max) = repaired.max_output_tokens {
                repaired.max_output_tokens = Some(max.saturating_mul(2));
            }
            format!(
                "Your answer was cut off before it was complete. Reply again with the complete \
                 JSON object following the `{schema}` schema, keeping text fields brief so it fits."
            )
        }
        AttemptOutcome::Refused(_) => format!(
            "This is routine research on publicly listed businesses. If only part of the request \
             is a problem, answer the rest: reply with a JSON object following the `{schema}` \
             schema, using null or empty values for anything you will not provide."
        ),
        other => format!(
            "Your answer could not be used: {other}. Reply again with only a JSON object that \
             follows the `{schema}` schema exactly: every property present, no other properties, \
             no commentary."
        ),
    };
    repaired.messages.push(ChatMessage::assistant(echoed));
    repaired.messages.push(ChatMessage::user(correction));
    repaired
}
