//! JavaScript-only shells: pages whose HTML is an empty mount point and a bundle (Create React
//! App, client-only Next.js, Vue, Angular). Without running their scripts there is nothing to
//! audit, so they are worth rendering elsewhere (Firecrawl). The signals are gathered by the
//! one extraction walk (`extract`); this module only weighs them.

/// Fewer visible words than this is "almost no text".
pub(crate) const MAX_SHELL_WORDS: usize = 40;

/// Words an app root may hold and still count as empty: a "Loading…" placeholder.
pub(crate) const MAX_PLACEHOLDER_WORDS: usize = 3;

/// `id`s frameworks mount their app on (React's `root`, Vue's `app`, Next, Nuxt, Gatsby,
/// SvelteKit's templates).
pub(crate) const APP_ROOT_IDS: [&str; 6] =
    ["root", "app", "__next", "__nuxt", "___gatsby", "svelte"];

/// Elements frameworks mount their app on, by tag (Angular).
pub(crate) const APP_ROOT_TAGS: [&str; 1] = ["app-root"];

/// What the extraction walk saw that tells a shell from a page.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct ShellSignals {
    /// Visible words (whitespace-separated, with at least one letter or digit).
    pub visible_words: usize,
    /// `<script>`s that run (external or inline code; JSON and JSON-LD blocks are data).
    pub scripts: usize,
    /// An app root (see [`APP_ROOT_IDS`]) holding at most [`MAX_PLACEHOLDER_WORDS`] words.
    pub empty_app_root: bool,
    /// A `<noscript>` whose text mentions JavaScript ("You need to enable JavaScript…").
    pub noscript_wants_js: bool,
}

impl ShellSignals {
    /// Almost no visible text, and either a `<noscript>` asking for JavaScript or scripts
    /// that must fill an empty app root (or an empty body).
    pub(crate) fn is_shell(&self) -> bool {
        self.visible_words < MAX_SHELL_WORDS
            && (self.noscript_wants_js
                || (self.scripts > 0 && (self.empty_app_root || self.visible_words == 0)))
    }
}

/// Words in `text` that carry a letter or digit (not `|`, `©`, `–`).
pub(crate) fn count_words(text: &str) -> usize {
    text.split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count()
}

/// Whether a `<script type>` is code rather than a data block.
pub(crate) fn is_code_type(kind: Option<&str>) -> bool {
    kind.is_none_or(|t| {
        let t = t.to_ascii_lowercase();
        t == "module" || t.contains("javascript") || t.contains("ecmascript") || t.contains("jsx")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_outweighs_every_other_signal() {
        let wordy = ShellSignals {
            visible_words: MAX_SHELL_WORDS,
            scripts: 9,
            empty_app_root: true,
            noscript_wants_js: true,
        };
        assert!(!wordy.is_shell());
        let terse = ShellSignals {
            visible_words: MAX_SHELL_WORDS - 1,
            ..wordy
        };
        assert!(terse.is_shell());
    }

    #[test]
    fn a_short_page_with_scripts_is_a_shell_only_with_nothing_to_show() {
        let short = ShellSignals {
            visible_words: 12,
            scripts: 2,
            ..ShellSignals::default()
        };
        assert!(!short.is_shell(), "a short static page with analytics");
        assert!(
            ShellSignals {
                empty_app_root: true,
                ..short
            }
            .is_shell()
        );
        assert!(
            ShellSignals {
                visible_words: 0,
                ..short
            }
            .is_shell()
        );
        assert!(
            !ShellSignals {
                scripts: 0,
                empty_app_root: true,
                ..short
            }
            .is_shell(),
            "an empty div without code to fill it"
        );
    }

    #[test]
    fn words_need_a_letter_or_digit_and_data_scripts_are_not_code() {
        assert_eq!(count_words(" Call us | © 2026 – today "), 4);
        assert!(is_code_type(None));
        assert!(is_code_type(Some("module")));
        assert!(is_code_type(Some("text/JavaScript")));
        assert!(!is_code_type(Some("application/ld+json")));
        assert!(!is_code_type(Some("application/json")));
    }
}
