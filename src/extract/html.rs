//! HTML to text with a small, forgiving scanner.
//!
//! HTML is not XML: end tags are optional, attributes unquoted, `&` often bare, and pages
//! saved from the web are rarely valid. An XML parser would reject most of them, so this
//! scanner only recognises tags, comments and character references, drops what is never
//! shown (`script`, `style`, `noscript`, `template`, comments), turns block elements into
//! line breaks and keeps the `<title>`. It never recurses and never looks back, so hostile
//! nesting costs nothing, and every input is accepted.

use std::borrow::Cow;

use super::common::Sink;
use super::text::{cp1252_char, decode};

/// Elements whose content is never displayed as text.
const HIDDEN: [&str; 4] = ["script", "style", "noscript", "template"];

/// Elements that separate paragraphs (a blank line).
const PARAGRAPHS: [&str; 25] = [
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "table",
    "ul",
    "ol",
    "dl",
    "section",
    "article",
    "header",
    "footer",
    "nav",
    "aside",
    "main",
    "figure",
    "form",
    "fieldset",
    "address",
    "hr",
];

/// Elements that start a new line.
const LINES: [&str; 13] = [
    "br",
    "div",
    "li",
    "tr",
    "dt",
    "dd",
    "figcaption",
    "caption",
    "summary",
    "details",
    "option",
    "legend",
    "body",
];

/// How far a tag is searched for a `>` outside quotes before falling back to the first
/// `>`: a stray quote must not swallow the rest of the page.
const QUOTED_TAG_WINDOW: usize = 4096;

/// The text of an HTML document, title first; says whether the output cap cut it.
pub(super) fn to_text(bytes: &[u8], max_output: usize) -> (String, bool) {
    let source = decode(bytes);
    let mut scanner = Scanner {
        src: &source,
        pos: 0,
        out: Sink::new(max_output),
        title: None,
        pre: 0,
    };
    scanner.run();
    let body = scanner.out.text;
    let text = match scanner.title {
        Some(title) if !title.is_empty() => format!("{title}\n\n{body}"),
        _ => body,
    };
    (text, scanner.out.truncated)
}

struct Scanner<'a> {
    src: &'a str,
    pos: usize,
    out: Sink,
    title: Option<String>,
    /// Depth inside `<pre>`, where whitespace is kept as is.
    pre: u32,
}

impl<'a> Scanner<'a> {
    fn run(&mut self) {
        while self.pos < self.src.len() && !self.out.is_full() {
            let rest = &self.src[self.pos..];
            let next = rest.find(['<', '&']).unwrap_or(rest.len());
            self.push_text(&rest[..next]);
            self.pos += next;
            match self.src.as_bytes().get(self.pos) {
                Some(b'<') => self.markup(),
                Some(b'&') => self.reference(),
                _ => {}
            }
        }
    }

    /// Character data: whitespace runs become one space, except inside `<pre>`.
    fn push_text(&mut self, text: &str) {
        if self.pre > 0 {
            self.out.push_str(text);
        } else {
            self.out.push_str(&collapse_whitespace(text));
        }
    }

    fn reference(&mut self) {
        match entity(&self.src[self.pos..]) {
            Some((text, len)) => {
                self.out.push_str(&text);
                self.pos += len;
            }
            None => {
                self.out.push('&');
                self.pos += 1;
            }
        }
    }

    /// Handles what starts with `<` at the cursor.
    fn markup(&mut self) {
        let rest = &self.src[self.pos..];
        let bytes = rest.as_bytes();
        if let Some(comment) = rest.strip_prefix("<!--") {
            self.pos += comment.find("-->").map_or(rest.len(), |end| end + 7);
        } else if rest.starts_with("<!") || rest.starts_with("<?") {
            self.pos += rest.find('>').map_or(rest.len(), |end| end + 1);
        } else if rest.starts_with("</") && bytes.get(2).is_some_and(u8::is_ascii_alphabetic) {
            let name = tag_name(&rest[2..]);
            self.pos += rest.find('>').map_or(rest.len(), |end| end + 1);
            self.end_tag(&name);
        } else if bytes.get(1).is_some_and(u8::is_ascii_alphabetic) {
            let name = tag_name(&rest[1..]);
            self.pos += tag_end(rest);
            self.start_tag(&name);
        } else {
            self.out.push('<');
            self.pos += 1;
        }
    }

    fn start_tag(&mut self, name: &str) {
        if HIDDEN.contains(&name) {
            self.skip_raw_text(name);
        } else if name == "title" {
            let raw = self.skip_raw_text(name);
            if self.title.is_none() {
                self.title = Some(decode_references(raw));
            }
        } else {
            if name == "pre" {
                self.pre += 1;
            }
            self.block_break(name);
        }
    }

    fn end_tag(&mut self, name: &str) {
        if name == "pre" {
            self.pre = self.pre.saturating_sub(1);
        }
        self.block_break(name);
    }

    fn block_break(&mut self, name: &str) {
        if PARAGRAPHS.contains(&name) {
            self.out.push_str("\n\n");
        } else if LINES.contains(&name) {
            self.out.push('\n');
        } else if name == "td" || name == "th" {
            self.out.push('\t');
        }
    }

    /// Moves past the content and end tag of a raw-text element, returning the content.
    /// Without an end tag, the element runs to the end of the document, as in browsers.
    fn skip_raw_text(&mut self, name: &str) -> &'a str {
        let src = self.src;
        let start = self.pos;
        let content_len = find_end_tag(&src[start..], name);
        let after = &src[start + content_len..];
        self.pos = start + content_len + after.find('>').map_or(after.len(), |end| end + 1);
        &src[start..start + content_len]
    }
}

/// The lowercase name of the tag starting `rest` (after `<` or `</`).
fn tag_name(rest: &str) -> String {
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | ':' | '_')))
        .unwrap_or(rest.len());
    rest[..end].to_ascii_lowercase()
}

/// Length of the start tag at the beginning of `rest`, `>` included, skipping `>` inside
/// quoted attribute values.
fn tag_end(rest: &str) -> usize {
    let mut quote = None;
    for (i, byte) in rest.bytes().enumerate().take(QUOTED_TAG_WINDOW) {
        match (quote, byte) {
            (None, b'"' | b'\'') => quote = Some(byte),
            (Some(open), _) if open == byte => quote = None,
            (None, b'>') => return i + 1,
            _ => {}
        }
    }
    rest.find('>').map_or(rest.len(), |end| end + 1)
}

/// Offset of `</name` (any case) in `text`, or its length when absent.
fn find_end_tag(text: &str, name: &str) -> usize {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(found) = text[from..].find("</") {
        let at = from + found;
        let candidate = bytes.get(at + 2..at + 2 + name.len());
        if candidate.is_some_and(|candidate| candidate.eq_ignore_ascii_case(name.as_bytes())) {
            return at;
        }
        from = at + 2;
    }
    text.len()
}

/// Replaces every run of HTML whitespace with one space.
fn collapse_whitespace(text: &str) -> Cow<'_, str> {
    let is_space = |c: char| matches!(c, ' ' | '\t' | '\n' | '\r' | '\u{C}');
    if !text.contains(|c: char| is_space(c) && c != ' ') && !text.contains("  ") {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if is_space(c) {
            space = true;
        } else {
            if space {
                out.push(' ');
                space = false;
            }
            out.push(c);
        }
    }
    if space {
        out.push(' ');
    }
    Cow::Owned(out)
}

/// Text with character references decoded and whitespace collapsed (for the title).
fn decode_references(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        match entity(&rest[at..]) {
            Some((text, len)) => {
                out.push_str(&text);
                rest = &rest[at + len..];
            }
            None => {
                out.push('&');
                rest = &rest[at + 1..];
            }
        }
    }
    out.push_str(rest);
    collapse_whitespace(&out).trim().to_owned()
}

/// Decodes the character reference at the start of `text` (which starts with `&`):
/// returns its text and length, or `None` when it is a bare ampersand.
fn entity(text: &str) -> Option<(Cow<'static, str>, usize)> {
    let body = text.get(1..)?;
    if let Some(number) = body.strip_prefix('#') {
        let (c, len) = numeric_reference(number)?;
        return Some((Cow::Owned(c.to_string()), len + 2));
    }
    let name_len = body
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(body.len());
    let name = &body[..name_len];
    let terminated = body[name_len..].starts_with(';');
    let value = named_entity(name)?;
    if terminated {
        Some((Cow::Borrowed(value), name_len + 2))
    } else if LEGACY_UNTERMINATED.contains(&name) {
        Some((Cow::Borrowed(value), name_len + 1))
    } else {
        None
    }
}

/// Entities browsers still accept without their semicolon, among those seen in practice.
const LEGACY_UNTERMINATED: [&str; 5] = ["amp", "lt", "gt", "quot", "nbsp"];

/// `233;` or `xE9;` (after `&#`): the character and the length consumed. Code points
/// 0x80–0x9F mean Windows-1252, as in browsers; invalid ones give U+FFFD.
fn numeric_reference(text: &str) -> Option<(char, usize)> {
    let (digits_start, radix) = match text.as_bytes().first() {
        Some(b'x' | b'X') => (1, 16),
        _ => (0, 10),
    };
    let digits = &text[digits_start..];
    let len = digits
        .find(|c: char| !c.is_digit(radix))
        .unwrap_or(digits.len());
    if len == 0 {
        return None;
    }
    let value = u32::from_str_radix(&digits[..len.min(8)], radix).unwrap_or(u32::MAX);
    let c = match value {
        0x80..=0x9F => cp1252_char(u8::try_from(value).unwrap_or(b'?')),
        0 => char::REPLACEMENT_CHARACTER,
        _ => char::from_u32(value).unwrap_or(char::REPLACEMENT_CHARACTER),
    };
    let semicolon = usize::from(digits[len..].starts_with(';'));
    Some((c, digits_start + len + semicolon))
}

/// Names of the Latin-1 characters U+00A0 to U+00FF, in order: all of French and its
/// neighbours' letters.
const LATIN1_NAMES: [&str; 96] = [
    "nbsp", "iexcl", "cent", "pound", "curren", "yen", "brvbar", "sect", "uml", "copy", "ordf",
    "laquo", "not", "shy", "reg", "macr", "deg", "plusmn", "sup2", "sup3", "acute", "micro",
    "para", "middot", "cedil", "sup1", "ordm", "raquo", "frac14", "frac12", "frac34", "iquest",
    "Agrave", "Aacute", "Acirc", "Atilde", "Auml", "Aring", "AElig", "Ccedil", "Egrave", "Eacute",
    "Ecirc", "Euml", "Igrave", "Iacute", "Icirc", "Iuml", "ETH", "Ntilde", "Ograve", "Oacute",
    "Ocirc", "Otilde", "Ouml", "times", "Oslash", "Ugrave", "Uacute", "Ucirc", "Uuml", "Yacute",
    "THORN", "szlig", "agrave", "aacute", "acirc", "atilde", "auml", "aring", "aelig", "ccedil",
    "egrave", "eacute", "ecirc", "euml", "igrave", "iacute", "icirc", "iuml", "eth", "ntilde",
    "ograve", "oacute", "ocirc", "otilde", "ouml", "divide", "oslash", "ugrave", "uacute", "ucirc",
    "uuml", "yacute", "thorn", "yuml",
];

/// Other named entities common in French pages: typography, ligatures, symbols.
const OTHER_NAMES: [(&str, &str); 42] = [
    ("amp", "&"),
    ("lt", "<"),
    ("gt", ">"),
    ("quot", "\""),
    ("apos", "'"),
    ("OElig", "Œ"),
    ("oelig", "œ"),
    ("Scaron", "Š"),
    ("scaron", "š"),
    ("Yuml", "Ÿ"),
    ("fnof", "ƒ"),
    ("circ", "ˆ"),
    ("tilde", "˜"),
    ("ensp", "\u{2002}"),
    ("emsp", "\u{2003}"),
    ("thinsp", "\u{2009}"),
    ("NoBreak", "\u{2060}"),
    ("zwnj", "\u{200C}"),
    ("zwj", "\u{200D}"),
    ("hyphen", "‐"),
    ("ndash", "–"),
    ("mdash", "—"),
    ("lsquo", "‘"),
    ("rsquo", "’"),
    ("sbquo", "‚"),
    ("ldquo", "“"),
    ("rdquo", "”"),
    ("bdquo", "„"),
    ("dagger", "†"),
    ("Dagger", "‡"),
    ("bull", "•"),
    ("hellip", "…"),
    ("permil", "‰"),
    ("lsaquo", "‹"),
    ("rsaquo", "›"),
    ("euro", "€"),
    ("trade", "™"),
    ("rarr", "→"),
    ("larr", "←"),
    ("minus", "−"),
    ("le", "≤"),
    ("ge", "≥"),
];

/// Latin-1 characters as strings, indexed like [`LATIN1_NAMES`].
const LATIN1_CHARS: [&str; 96] = [
    "\u{A0}", "¡", "¢", "£", "¤", "¥", "¦", "§", "¨", "©", "ª", "«", "¬", "\u{AD}", "®", "¯", "°",
    "±", "²", "³", "´", "µ", "¶", "·", "¸", "¹", "º", "»", "¼", "½", "¾", "¿", "À", "Á", "Â", "Ã",
    "Ä", "Å", "Æ", "Ç", "È", "É", "Ê", "Ë", "Ì", "Í", "Î", "Ï", "Ð", "Ñ", "Ò", "Ó", "Ô", "Õ", "Ö",
    "×", "Ø", "Ù", "Ú", "Û", "Ü", "Ý", "Þ", "ß", "à", "á", "â", "ã", "ä", "å", "æ", "ç", "è", "é",
    "ê", "ë", "ì", "í", "î", "ï", "ð", "ñ", "ò", "ó", "ô", "õ", "ö", "÷", "ø", "ù", "ú", "û", "ü",
    "ý", "þ", "ÿ",
];

fn named_entity(name: &str) -> Option<&'static str> {
    if let Some(index) = LATIN1_NAMES.iter().position(|&known| known == name) {
        return LATIN1_CHARS.get(index).copied();
    }
    OTHER_NAMES
        .iter()
        .find(|(known, _)| *known == name)
        .map(|&(_, value)| value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(html: &str) -> String {
        super::super::text::normalise(&to_text(html.as_bytes(), 1 << 20).0)
    }

    #[test]
    fn latin1_tables_agree() {
        for (index, value) in LATIN1_CHARS.iter().enumerate() {
            let expected = char::from_u32(0xA0 + u32::try_from(index).unwrap()).unwrap();
            assert_eq!(value.chars().collect::<Vec<_>>(), [expected], "{index}");
        }
    }

    #[test]
    fn references_decode() {
        assert_eq!(
            text("&amp;&lt;&gt;&quot;&#39;&eacute;&Eacute;&#233;&#xE9;&#XE9&oelig;&euro;&hellip;"),
            "&<>\"'éÉéééœ€…"
        );
        assert_eq!(
            text("a&nbsp;b &#146; &#0; &#x110000; &#99999999999;"),
            "a\u{a0}b ’ \u{fffd} \u{fffd} \u{fffd}"
        );
        assert_eq!(
            text("R&D & co &bogus; &amp &#; &#x;"),
            "R&D & co &bogus; & &#; &#x;"
        );
    }

    #[test]
    fn hidden_content_and_comments_are_dropped() {
        let html = "<html><head><title>Le  titre &amp; co</title>\
                    <style>p { color: red }</style><script>if (a < b) alert('x')</script>\
                    </head><body><!-- note <p>cachée</p> --><noscript>Activez JS</noscript>\
                    <p>Visible</p><SCRIPT type=x>caché</Script >fin</body></html>";
        assert_eq!(text(html), "Le titre & co\n\nVisible\n\nfin");
    }

    #[test]
    fn blocks_break_lines_and_inline_does_not() {
        let html = "<h1>Titre</h1><p>Un <b>mot</b>\n   et   <a href=\"x>y\">lien</a></p>\
                    <ul><li>un<li>deux</ul><table><tr><td>a<td>b</table>x<br>y<pre>  a\n  b</pre>";
        assert_eq!(
            text(html),
            "Titre\n\nUn mot et lien\n\nun\ndeux\n\na b\n\nx\ny\n\na\nb"
        );
    }

    #[test]
    fn broken_markup_is_tolerated() {
        assert_eq!(text("a < b et c<d"), "a < b et c");
        assert_eq!(
            text("<p title=\"jamais fermé>texte</p>suite"),
            "texte\n\nsuite"
        );
        assert_eq!(text("<!-- sans fin"), "");
        assert_eq!(text("<script>sans fin"), "");
        assert_eq!(text("<"), "<");
        assert_eq!(text("&"), "&");
        assert_eq!(text("</"), "</");
        let deep = format!("{}x{}", "<div><span>".repeat(50_000), "</p>".repeat(10));
        assert_eq!(text(&deep), "x");
    }

    #[test]
    fn latin1_pages_are_decoded() {
        assert_eq!(to_text(b"<p>caf\xE9 \x80</p>", 100).0, "\n\ncafé €\n\n");
    }

    #[test]
    fn output_is_capped() {
        let (out, truncated) = to_text("<p>ééééé</p>".as_bytes(), 5);
        assert!(truncated);
        assert!(out.len() <= 5);
    }
}
