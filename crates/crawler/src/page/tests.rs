use super::*;

fn url() -> Url {
    Url::parse("https://www.example-dental.com/about/").unwrap_or_else(|e| panic!("{e}"))
}

const PAGE: &str = r#"<!DOCTYPE html>
<html lang="en-US"><head>
<meta charset="utf-8">
<title>  Smile Dental |
  Family Dentist in Austin </title>
<meta name="Description" content=" Gentle family dentistry in Austin. ">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="canonical" href="/about">
<script type="application/ld+json">
{"@context":"https://schema.org","@type":"Dentist","name":"Smile Dental",
 "description":"A line
break inside a string"}
</script>
<script type="application/ld+json"><!-- {"@type": "WebSite"} --></script>
<script type="application/ld+json">{ not json</script>
<script src="https://assets.calendly.com/assets/external/widget.js"></script>
<style>.x { color: red }</style>
</head>
<body>
<nav><a href="/">Home</a> <a href="tel:+15125550123"><img src="phone.svg" alt="Call us"></a></nav>
<h1>Welcome to <em>Smile</em> Dental</h1>
<h1> </h1>
<p>Call <a href="tel:(512)%20555-0123">(512) 555-0123</a> or
<a href="mailto:Office@Example-Dental.com?subject=Hi">write to us</a>.</p>
<div style="display: none">hidden promo text</div>
<p hidden>also hidden</p>
<button class="cta">Book an appointment</button>
<div role="button">Get a quote</div>
<form action="/contact" method="POST">
  <input type="hidden" name="token" value="x">
  <input type="email" name="your-email" placeholder="E-mail">
  <textarea name="message"></textarea>
  <button type="submit">Send message</button>
</form>
<form role="search"><input type="search" name="q"><input type="submit" value="Go"></form>
<span class="__cf_email__" data-cfemail="3e5d51504a5f5d4a7e535b57505750595b4c105a5b">[email protected]</span>
<iframe src="https://booksy.com/widget/123"></iframe>
<div itemscope itemtype="https://schema.org/LocalBusiness">x</div>
<footer>© 2019 Smile Dental</footer>
<script>document.write("not text")</script>
</body></html>"#;

#[test]
fn one_parse_collects_what_checks_and_contacts_read() {
    let page = ParsedPage::parse(&url(), PAGE);
    assert_eq!(
        page.title(),
        Some("Smile Dental | Family Dentist in Austin")
    );
    assert_eq!(
        page.meta_description().map(|m| m.content.as_str()),
        Some("Gentle family dentistry in Austin.")
    );
    assert_eq!(
        page.viewport().map(|m| m.content.as_str()),
        Some("width=device-width, initial-scale=1")
    );
    assert_eq!(page.lang(), Some("en-US"));
    assert_eq!(
        page.canonical().map(Url::as_str),
        Some("https://www.example-dental.com/about")
    );
    let h1s: Vec<&str> = page.h1s().iter().map(|h| h.text.as_str()).collect();
    assert_eq!(h1s, ["Welcome to Smile Dental", ""]);

    let tel: Vec<(&str, &str)> = page
        .tel_links()
        .map(|l| (l.href.as_str(), l.text.as_str()))
        .collect();
    assert_eq!(
        tel,
        [
            ("tel:+15125550123", "Call us"),
            ("tel:(512)%20555-0123", "(512) 555-0123")
        ]
    );
    let mail: Vec<&str> = page.mailto_links().map(|l| l.href.as_str()).collect();
    assert_eq!(mail, ["mailto:Office@Example-Dental.com?subject=Hi"]);
    assert_eq!(
        page.links()[0].url.as_ref().map(Url::as_str),
        Some("https://www.example-dental.com/")
    );

    let buttons: Vec<&str> = page.buttons().iter().map(|b| b.text.as_str()).collect();
    assert_eq!(
        buttons,
        ["Book an appointment", "Get a quote", "Send message", "Go"]
    );

    assert_eq!(page.forms().len(), 2);
    let contact = &page.forms()[0];
    assert_eq!(contact.action.as_deref(), Some("/contact"));
    assert_eq!(contact.method.as_deref(), Some("post"));
    assert!(!contact.is_search);
    let kinds: Vec<&str> = contact.fields.iter().map(|f| f.kind.as_str()).collect();
    assert_eq!(kinds, ["email", "textarea"]);
    assert_eq!(contact.fields[0].hints, "your-email e-mail");
    assert_eq!(contact.submit_texts, ["Send message"]);
    assert!(page.forms()[1].is_search);

    assert_eq!(page.json_ld().len(), 2, "{:?}", page.json_ld());
    assert_eq!(page.json_ld()[0]["@type"], "Dentist");
    assert_eq!(page.json_ld()[1]["@type"], "WebSite");
    assert_eq!(page.item_types(), ["https://schema.org/LocalBusiness"]);
    assert_eq!(
        page.embeds(),
        [
            "https://assets.calendly.com/assets/external/widget.js",
            "https://booksy.com/widget/123"
        ]
    );
    assert_eq!(page.cf_emails().len(), 1);
    assert_eq!(page.byte_size(), PAGE.len());
    assert!(!page.truncated());
}

#[test]
fn visible_text_has_no_scripts_styles_or_hidden_elements() {
    let page = ParsedPage::parse(&url(), PAGE);
    let text = page.visible_text();
    assert!(text.contains("Welcome to Smile Dental"), "{text}");
    assert!(
        text.contains("Call (512) 555-0123 or write to us."),
        "{text}"
    );
    assert!(text.contains("© 2019 Smile Dental"), "{text}");
    for absent in [
        "hidden promo",
        "also hidden",
        "not text",
        "color: red",
        "Family Dentist",
    ] {
        assert!(!text.contains(absent), "{absent:?} in {text}");
    }
    assert!(!text.contains("\n\n"));
}

#[test]
fn evidence_snippets_are_short_serialised_html() {
    let page = ParsedPage::parse(&url(), PAGE);
    let viewport = page.viewport().map(|m| page.snippet(m.element));
    assert_eq!(
        viewport.as_deref(),
        Some(r#"<meta name="viewport" content="width=device-width, initial-scale=1">"#)
    );
    let long = format!(r#"<a href="tel:1">{}</a>"#, "word ".repeat(200));
    let page = ParsedPage::parse(&url(), &long);
    let snippet = page.snippet(page.links()[0].element);
    assert_eq!(snippet.chars().count(), MAX_SNIPPET_CHARS);
    assert!(snippet.ends_with('…'));
}

#[test]
fn base_href_is_honoured_when_resolving_links() {
    let html = r#"<head><base href="https://cdn.example.org/site/"></head><a href="contact">x</a>"#;
    let page = ParsedPage::parse(&url(), html);
    assert_eq!(
        page.links()[0].url.as_ref().map(Url::as_str),
        Some("https://cdn.example.org/site/contact")
    );
}

#[test]
fn deeply_nested_input_stays_small() {
    let depth = 100_000;
    let html = format!("{}deep{}", "<div>".repeat(depth), "</div>".repeat(depth));
    let page = ParsedPage::parse(&url(), &html);
    assert!(page.document().tree.len() < 1_000);
    assert_eq!(page.visible_text(), "deep");
}

#[test]
fn unclosed_formatting_elements_do_not_multiply_nodes() {
    let html: String = (0..20_000).map(|i| format!("<p><b id={i}>x</p>")).collect();
    let page = ParsedPage::parse(&url(), &html);
    // Each paragraph re-opens at most the capped number of formatting elements.
    assert!(
        page.document().tree.len() < 20_000 * 12,
        "{}",
        page.document().tree.len()
    );
}

#[test]
fn gigantic_input_is_read_up_to_the_cap() {
    let html = format!(
        "<p>{}</p><a href='tel:1'>late</a>",
        "x".repeat(3 * MAX_HTML_BYTES)
    );
    let page = ParsedPage::parse(&url(), &html);
    assert!(page.truncated());
    assert_eq!(page.byte_size(), html.len());
    assert_eq!(page.tel_links().count(), 0);
}

#[test]
fn garbage_and_empty_input_give_an_empty_page() {
    let garbage: String = (0u32..20_000)
        .map(|i| char::from_u32((i * 7919) % 0x2FFF).unwrap_or('\u{FFFD}'))
        .collect();
    for html in [
        "",
        "   ",
        "\u{FFFD}\u{FFFD}<<>>",
        garbage.as_str(),
        "<html><head><title></title>",
    ] {
        let page = ParsedPage::parse(&url(), html);
        assert_eq!(page.title(), None);
        assert!(page.links().is_empty());
    }
}

#[test]
fn links_inside_templates_count_but_their_text_is_not_visible() {
    let html = r#"<div>24h service</div><template><p>Tel.: <a href="tel:061819440088">06181 - 944 00 88</a>
        <a href="mailto:service@shop.example">mail</a></p></template>"#;
    let page = ParsedPage::parse(&url(), html);
    assert_eq!(page.tel_links().count(), 1);
    assert_eq!(page.mailto_links().count(), 1);
    assert_eq!(page.visible_text(), "24h service");
}

#[test]
fn a_scheme_test_on_an_href_with_multibyte_characters_does_not_panic() {
    // Found by the `contacts` fuzz target: `has_scheme("callto")` sliced this href inside the
    // second `\u{FFFD}` (bytes 4..7).
    let html = "<p>hi <a href=\"m\u{FFFD}\u{FFFD}t <a \u{1}\u{0}\u{0}*=\"mep>";
    let page = ParsedPage::parse(&url(), html);
    let link = page.links().first().unwrap_or_else(|| panic!("no link"));
    assert!(!link.has_scheme("callto"));
    assert!(!link.has_scheme("m"));
    let contacts = crate::contacts::Contacts::extract(&page, None);
    assert!(contacts.emails.is_empty());
    let tel = Link {
        href: "TEL:+4930123456".to_owned(),
        ..link.clone()
    };
    assert!(tel.has_scheme("tel"));
    assert!(!tel.has_scheme("te"));
    assert!(!tel.has_scheme("tel:+4930123456"));
}

/// A small deterministic generator of tag soup (xorshift), so hostile input is reproducible.
struct Soup(u64);

impl Soup {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        let len = u64::try_from(items.len()).unwrap_or(1);
        let index = usize::try_from(self.next() % len).unwrap_or(0);
        items[index]
    }

    fn document(&mut self, pieces: usize) -> String {
        const TAGS: &[&str] = &[
            "div",
            "p",
            "a",
            "table",
            "tr",
            "td",
            "th",
            "ul",
            "ol",
            "li",
            "b",
            "i",
            "em",
            "strong",
            "h1",
            "h2",
            "blockquote",
            "pre",
            "code",
            "form",
            "textarea",
            "select",
            "option",
            "span",
            "header",
            "nav",
            "footer",
            "article",
            "main",
            "svg",
            "template",
            "script",
            "style",
            "noscript",
            "iframe",
            "del",
            "caption",
            "thead",
        ];
        const ATTRS: &[&str] = &[
            "",
            " href=\"mailto:a(at)b(dot)de?subject=x\"",
            " href=\"tel:+1 512 555 0123\"",
            " href=\"/cdn-cgi/l/email-protection#3e5d51504a5f5d4a7e535b57505750595b4c105a5b\"",
            " data-cfemail=\"zz\"",
            " style=\"display:none\"",
            " hidden",
            " colspan=\"99999\"",
            " rowspan=\"-3\"",
            " class=\"cookie-banner\"",
            " role=\"presentation\"",
            " start=\"x\"",
            " type=\"application/ld+json\"",
            " href=\"javascript:linkTo_UnCryptMailto('nbjmup+')\"",
            " href=\"https://calendly.com/x\"",
            " name=\"viewport\" content=\"width=device-width\"",
        ];
        const TEXT: &[&str] = &[
            "Hello world. ",
            "© 2019 ",
            "info@example-shop.de ",
            "logo@2x.png ",
            "Tel.: 030 1234567 ",
            "{\"@type\":\"Dentist\",\"email\":\"x@y.de\"} ",
            "*_`[]\\# ",
            "\u{0} \u{FFFD} ",
            "💡 ",
            "1. ",
            "> ",
            "---",
            "<",
            "&amp;",
            "&#x0;",
            "Book now ",
            "\n\n",
        ];
        let mut html = String::new();
        for _ in 0..pieces {
            match self.next() % 4 {
                0 => {
                    let tag = self.pick(TAGS);
                    let attr = self.pick(ATTRS);
                    html.push_str(&format!("<{tag}{attr}>"));
                }
                1 => {
                    let tag = self.pick(TAGS);
                    html.push_str(&format!("</{tag}>"));
                }
                _ => html.push_str(self.pick(TEXT)),
            }
        }
        html
    }
}

#[test]
fn tag_soup_never_panics_anywhere_in_page_processing() {
    let context = crate::checks::CheckContext::new(2026);
    let mut soup = Soup(0x5EED_1234_ABCD_0001);
    for round in 0..300 {
        let html = soup.document(20 + round * 3);
        let report = analyze(&url(), &html, Some(domain::CountryCode::DE), &context);
        assert_eq!(report.byte_size, html.len());
        assert!(!report.findings.is_empty());
        assert!(
            report.content.markdown.len() <= html.len() * 8 + 64,
            "{html}"
        );
    }
}

#[test]
fn hostile_shapes_are_processed_without_panic() {
    let context = crate::checks::CheckContext::new(2026);
    let cells: String = (0..20_000)
        .map(|i| format!("<td colspan=64 rowspan=64>{i}"))
        .collect();
    let links: String = (0..50_000)
        .map(|i| format!("<a href=/{i}>{i}</a>"))
        .collect();
    let quotes = format!("{}x", "<blockquote><ul><li>".repeat(200));
    let json_ld = format!(
        r#"<script type="application/ld+json">{}1{}</script>"#,
        "[".repeat(5_000),
        "]".repeat(5_000)
    );
    let nul = "\u{0}<\u{0}a\u{0} href=\u{0}>\u{0}".repeat(10_000);
    for html in [
        cells,
        links,
        quotes,
        json_ld,
        nul,
        "<table>".repeat(2_000),
        "<pre>".repeat(3_000),
    ] {
        let report = analyze(&url(), &html, None, &context);
        assert!(!report.findings.is_empty());
    }
}

#[test]
fn reports_can_cross_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<PageReport>();
}
