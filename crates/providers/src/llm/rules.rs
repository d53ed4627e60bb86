//! The last link of the LLM chain: deterministic answers written in Rust, one per task.
//!
//! Rules are always available and free, so they answer when no provider is configured, when
//! every provider failed, and when a run's budget no longer allows paid calls. The chain
//! knows nothing about tasks: the caller registers a rule per `operation` in a [`RulesBook`]
//! (or passes a closure per call to [`super::LlmChain::generate_structured_or`]).

use std::collections::HashMap;
use std::fmt;

use serde::Serialize;
use serde_json::Value;

use super::LlmRequest;

/// Deterministic answers, keyed by what the request is for.
pub trait RulesFallback: Send + Sync {
    /// The answer for `req` as JSON (validated against the request's schema by the chain),
    /// or `None` when there is no rule for this operation.
    fn answer(&self, req: &LlmRequest) -> Option<Value>;
}

type Rule = Box<dyn Fn(&LlmRequest) -> Value + Send + Sync>;

/// A [`RulesFallback`] with one typed rule per operation.
#[derive(Default)]
pub struct RulesBook {
    rules: HashMap<String, Rule>,
}

impl fmt::Debug for RulesBook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut operations: Vec<_> = self.rules.keys().collect();
        operations.sort();
        f.debug_struct("RulesBook")
            .field("operations", &operations)
            .finish()
    }
}

impl RulesBook {
    /// A book without rules.
    pub fn new() -> Self {
        Self::default()
    }

    /// This book with `rule` answering requests whose `operation` is `operation`.
    pub fn on<T, F>(mut self, operation: impl Into<String>, rule: F) -> Self
    where
        T: Serialize,
        F: Fn(&LlmRequest) -> T + Send + Sync + 'static,
    {
        let operation = operation.into();
        let name = operation.clone();
        self.rules.insert(
            operation,
            Box::new(move |req| {
                serde_json::to_value(rule(req)).unwrap_or_else(|err| {
                    tracing::error!(llm.operation = %name, error = %err, "rule output does not serialize");
                    Value::Null
                })
            }),
        );
        self
    }

    /// Operations that have a rule.
    pub fn operations(&self) -> impl Iterator<Item = &str> {
        self.rules.keys().map(String::as_str)
    }
}

impl RulesFallback for RulesBook {
    fn answer(&self, req: &LlmRequest) -> Option<Value> {
        self.rules.get(&req.operation).map(|rule| rule(req))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rules_answer_their_operation_only() {
        let book = RulesBook::new().on("personas", |req: &LlmRequest| {
            vec![format!("{} owner", req.messages.len())]
        });
        let req = LlmRequest::new("personas", "dentists in Austin");
        assert_eq!(book.answer(&req), Some(json!(["1 owner"])));
        assert_eq!(book.answer(&LlmRequest::new("dossier", "x")), None);
        assert_eq!(book.operations().collect::<Vec<_>>(), ["personas"]);
    }
}
