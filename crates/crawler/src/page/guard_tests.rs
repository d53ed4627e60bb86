use super::*;

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

#[test]
fn ordinary_pages_pass_through_uncopied() {
    let html = r#"<!doctype html><html><head><title>A</title><script>if (a<b) { x = "<div>"; }</script>
        </head><body><div class="x"><p>One<p>Two<ul><li>a<li>b</ul><b>bold</b> <img src=x.png>
        <!-- <div><div> --><table><tr><td>1<td>2</table></div></body></html>"#;
    let tamed = tame(html);
    assert!(matches!(tamed.html, Cow::Borrowed(_)));
    assert!(!tamed.truncated);
    assert!(!tamed.edited);
    assert_eq!(tamed.html, html);
}

#[test]
fn nesting_beyond_the_depth_limit_is_flattened_but_text_is_kept() {
    let depth = 10_000;
    let html = format!(
        "{}deep text{}",
        "<div>".repeat(depth),
        "</div>".repeat(depth)
    );
    let tamed = tame(&html);
    assert!(tamed.edited);
    assert_eq!(count(&tamed.html, "<div>"), MAX_DEPTH);
    assert!(tamed.html.contains("deep text"));
}

#[test]
fn unclosed_formatting_elements_are_capped() {
    let html: String = (0..3000).map(|i| format!("<p><b id={i}>x</p>")).collect();
    let tamed = tame(&html);
    assert!(tamed.edited);
    assert_eq!(count(&tamed.html, "<b "), MAX_OPEN_FORMATTING);
    assert_eq!(count(&tamed.html, "x</p>"), 3000);
}

#[test]
fn closed_formatting_elements_do_not_count() {
    let html: String = (0..3000)
        .map(|i| format!("<p><b id={i}>x</b></p>"))
        .collect();
    let tamed = tame(&html);
    assert!(!tamed.edited);
}

#[test]
fn repeated_unclosed_links_do_not_look_deep() {
    // A new `<a>` closes the previous one, so thousands of unclosed links are flat.
    let html: String = (0..2000)
        .map(|i| format!("<a href=/{i}>link {i}"))
        .collect();
    assert!(!tame(&html).edited);
}

#[test]
fn tags_keep_at_most_the_attribute_limit() {
    let attrs: Vec<String> = (0..5000).map(|i| format!("a{i}=\"v>{i}\"")).collect();
    let html = format!("<div {}>text</div>", attrs.join(" "));
    let tamed = tame(&html);
    assert!(tamed.edited);
    assert!(
        tamed.html.contains("a127=\"v>127\">text</div>"),
        "{}",
        &tamed.html[..200]
    );
    assert!(!tamed.html.contains("a128="));
}

#[test]
fn raw_text_and_comments_are_not_read_as_tags() {
    let inner = "<div>".repeat(1000);
    let html = format!(
        "<script>{inner}</script><style>{inner}</STYLE ><textarea>{inner}</textarea><!--{inner}-->ok"
    );
    let tamed = tame(&html);
    assert!(!tamed.edited);
}

#[test]
fn input_is_cut_at_a_character_boundary() {
    let html = "ü".repeat(MAX_HTML_BYTES); // two bytes each
    let tamed = tame(&html);
    assert!(tamed.truncated);
    assert!(tamed.html.len() <= MAX_HTML_BYTES);
    assert!(tamed.html.chars().all(|c| c == 'ü'));
}

#[test]
fn malformed_and_truncated_markup_does_not_panic() {
    let cases = [
        "<",
        "</",
        "<!",
        "<!-",
        "<!--",
        "<a",
        "<a href",
        "<a href=",
        "<a href=\"",
        "<a href='x",
        "</a",
        "<div/",
        "<?xml",
        "<![CDATA[",
        "<script>",
        "<script></scrip",
        "<<<>>>",
        "< div>",
        "</ div>",
        "<a =b>",
        "<a b=c d='e' f=\"g\" / >",
        "\u{0}<\u{0}>",
        "<plaintext><div>",
    ];
    for html in cases {
        let tamed = tame(html);
        assert!(tamed.html.len() <= html.len() + 1, "{html:?}");
    }
}
