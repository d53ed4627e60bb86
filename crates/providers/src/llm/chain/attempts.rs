//! What the chain returns: the value, who answered, and every attempt on the way.

use std::fmt;

use super::RULES;
use crate::error::ProviderError;

/// A checked answer and how it was obtained.
#[derive(Debug, Clone, PartialEq)]
pub struct Structured<T> {
    /// The answer.
    pub value: T,
    /// Which provider answered (`"rules"` for the deterministic fallback).
    pub provider: &'static str,
    /// The model that answered as the provider reported it (`"rules"` for the fallback).
    pub model: String,
    /// Every attempt in order, the successful one last.
    pub attempts: Vec<AttemptNote>,
}

impl<T> Structured<T> {
    pub(super) fn with_attempts(mut self, attempts: Vec<AttemptNote>) -> Self {
        self.attempts = attempts;
        self
    }

    pub(super) fn from_rules(value: T, attempts: Vec<AttemptNote>) -> Self {
        Self {
            value,
            provider: RULES,
            model: RULES.to_owned(),
            attempts,
        }
    }

    /// Whether the deterministic rules answered.
    pub fn from_fallback(&self) -> bool {
        self.provider == RULES
    }
}

/// One try at one provider.
#[derive(Debug, Clone, PartialEq)]
pub struct AttemptNote {
    /// Provider name (`"rules"` for the fallback).
    pub provider: &'static str,
    /// The model that answered, when one did.
    pub model: Option<String>,
    /// Whether this was the repair attempt.
    pub repair: bool,
    /// How it went.
    pub outcome: AttemptOutcome,
}

impl AttemptNote {
    pub(super) fn new(
        provider: &'static str,
        model: Option<String>,
        repair: bool,
        outcome: AttemptOutcome,
    ) -> Self {
        Self {
            provider,
            model,
            repair,
            outcome,
        }
    }

    pub(super) fn rules() -> Self {
        Self::new(RULES, None, false, AttemptOutcome::Answered)
    }
}

/// How one attempt ended.
#[derive(Debug, Clone, PartialEq)]
pub enum AttemptOutcome {
    /// The answer checked out.
    Answered,
    /// The call failed (after the transport's retries).
    Failed(ProviderError),
    /// The model declined, saying why.
    Refused(String),
    /// The answer was cut off at the output token limit.
    Truncated,
    /// The provider's safety filter withheld the answer or blocked the prompt.
    ContentFiltered,
    /// The answer was not JSON, did not match the schema, or did not fit the type.
    Invalid(String),
    /// Not called: paid calls are not allowed for this call.
    SkippedPaid,
}

impl fmt::Display for AttemptOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Answered => f.write_str("answered"),
            Self::Failed(err) => write!(f, "failed: {err}"),
            Self::Refused(why) => write!(f, "refused: {why}"),
            Self::Truncated => f.write_str("truncated at the output token limit"),
            Self::ContentFiltered => f.write_str("withheld by the safety filter"),
            Self::Invalid(why) => f.write_str(why),
            Self::SkippedPaid => f.write_str("skipped: paid calls not allowed"),
        }
    }
}

/// Why the chain produced no answer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LlmError {
    /// Every provider failed and there is no rule for this operation.
    #[error("llm: no provider answered \"{operation}\" ({} attempts) and no rule covers it", attempts.len())]
    Exhausted {
        /// The request's operation.
        operation: String,
        /// Every attempt made.
        attempts: Vec<AttemptNote>,
    },
    /// The output type's schema could not be compiled.
    #[error("llm: unusable output schema: {message}")]
    Schema {
        /// What the validator said.
        message: String,
    },
    /// The rule for this operation produced a value that does not match the schema.
    #[error("llm: the rule for \"{operation}\" does not match its schema: {message}")]
    RulesMismatch {
        /// The request's operation.
        operation: String,
        /// What was wrong.
        message: String,
    },
}
