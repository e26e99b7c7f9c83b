//! BibTeX: one `@techreport` per publication (the observatory as `institution`).
//!
//! Values are written for classic BibTeX as well as biber: the characters TeX treats as
//! commands (`\ { } $ & % # _ ^ ~`) are escaped, accented letters become TeX accent commands
//! (`{\'e}`), so an 8-bit BibTeX sorts and prints them, and titles are braced once more so
//! that styles keep their capitals. URLs are left as they are (biblatex reads them verbatim).

use std::fmt::Write;

use super::Reference;

pub fn write(references: &[Reference]) -> String {
    let mut out = String::new();
    for (n, reference) in references.iter().enumerate() {
        if n > 0 {
            out.push('\n');
        }
        entry(&mut out, reference);
    }
    out
}

fn entry(out: &mut String, r: &Reference) {
    let _ = writeln!(out, "@techreport{{{},", key(&r.key));
    let mut field = |name: &str, value: String| {
        let _ = writeln!(out, "  {name:<11} = {{{value}}},");
    };
    field("title", format!("{{{}}}", escape(&r.full_title())));
    field("institution", escape(&r.institution));
    if let Some(publisher) = &r.publisher {
        field("publisher", escape(publisher));
    }
    if let Some(date) = r.published_on {
        field("year", date.year().to_string());
        field("month", u8::from(date.month()).to_string());
        field("date", date.to_string());
    }
    field("type", escape(&r.genre));
    if let Some(text) = &r.abstract_text {
        field("abstract", escape(text));
    }
    if !r.keywords.is_empty() {
        field("keywords", escape(&r.keywords.join(", ")));
    }
    field("langid", language(&r.language).to_owned());
    field("url", r.url.clone());
    if let Some(pdf) = &r.pdf_url {
        field("file", pdf.clone());
    }
    if let Some(licence) = &r.licence {
        field("note", format!("Licence : {}", escape(licence)));
    }
    out.push_str("}\n");
}

/// A key has no spaces, commas or braces: a slug has none already, this makes sure.
fn key(slug: &str) -> String {
    slug.chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'))
        .collect()
}

/// babel's name of a language, for biblatex's `langid`.
fn language(code: &str) -> &str {
    match code {
        "fr" => "french",
        "en" => "english",
        "de" => "german",
        "es" => "spanish",
        "it" => "italian",
        other => other,
    }
}

/// Text as a BibTeX value: TeX specials escaped, accents as commands, line breaks as spaces.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("{\\textbackslash}"),
            '{' => out.push_str("\\{"),
            '}' => out.push_str("\\}"),
            '$' | '&' | '%' | '#' | '_' => {
                out.push('\\');
                out.push(c);
            }
            '^' => out.push_str("{\\textasciicircum}"),
            '~' => out.push_str("{\\textasciitilde}"),
            '\n' | '\r' | '\t' => out.push(' '),
            '\u{a0}' | '\u{202f}' => out.push('~'),
            '’' => out.push('\''),
            '–' => out.push_str("--"),
            '—' => out.push_str("---"),
            '…' => out.push_str("{\\ldots}"),
            '«' => out.push_str("{\\guillemotleft}"),
            '»' => out.push_str("{\\guillemotright}"),
            'œ' => out.push_str("{\\oe}"),
            'Œ' => out.push_str("{\\OE}"),
            'æ' => out.push_str("{\\ae}"),
            'Æ' => out.push_str("{\\AE}"),
            'ß' => out.push_str("{\\ss}"),
            c => match accent(c) {
                Some((command, base)) => {
                    // `{\c c}` needs a space after a letter command; `{\'e}` does not.
                    let space = if command.is_ascii_alphabetic() {
                        " "
                    } else {
                        ""
                    };
                    let _ = write!(out, "{{\\{command}{space}{base}}}");
                }
                None => out.push(c),
            },
        }
    }
    out
}

/// The TeX accent command and base letter of a Latin accented letter.
fn accent(c: char) -> Option<(char, char)> {
    const TABLE: &[(char, char, &str)] = &[
        ('\'', 'a', "á"),
        ('\'', 'e', "é"),
        ('\'', 'i', "í"),
        ('\'', 'o', "ó"),
        ('\'', 'u', "ú"),
        ('\'', 'y', "ý"),
        ('\'', 'A', "Á"),
        ('\'', 'E', "É"),
        ('\'', 'I', "Í"),
        ('\'', 'O', "Ó"),
        ('\'', 'U', "Ú"),
        ('`', 'a', "à"),
        ('`', 'e', "è"),
        ('`', 'i', "ì"),
        ('`', 'o', "ò"),
        ('`', 'u', "ù"),
        ('`', 'A', "À"),
        ('`', 'E', "È"),
        ('`', 'I', "Ì"),
        ('`', 'O', "Ò"),
        ('`', 'U', "Ù"),
        ('^', 'a', "â"),
        ('^', 'e', "ê"),
        ('^', 'i', "î"),
        ('^', 'o', "ô"),
        ('^', 'u', "û"),
        ('^', 'A', "Â"),
        ('^', 'E', "Ê"),
        ('^', 'I', "Î"),
        ('^', 'O', "Ô"),
        ('^', 'U', "Û"),
        ('"', 'a', "ä"),
        ('"', 'e', "ë"),
        ('"', 'i', "ï"),
        ('"', 'o', "ö"),
        ('"', 'u', "ü"),
        ('"', 'y', "ÿ"),
        ('"', 'A', "Ä"),
        ('"', 'E', "Ë"),
        ('"', 'I', "Ï"),
        ('"', 'O', "Ö"),
        ('"', 'U', "Ü"),
        ('"', 'Y', "Ÿ"),
        ('~', 'n', "ñ"),
        ('~', 'N', "Ñ"),
        ('~', 'a', "ã"),
        ('~', 'o', "õ"),
        ('c', 'c', "ç"),
        ('c', 'C', "Ç"),
    ];
    TABLE
        .iter()
        .find(|(_, _, letter)| letter.starts_with(c))
        .map(|&(command, base, _)| (command, base))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::citation::tests::sample;

    #[test]
    fn specials_and_accents_are_escaped() {
        assert_eq!(
            escape("Métiers & 50 % {x} _#1 $ ~ ^ \\"),
            "M{\\'e}tiers \\& 50 \\% \\{x\\} \\_\\#1 \\$ {\\textasciitilde} {\\textasciicircum} {\\textbackslash}"
        );
        assert_eq!(
            escape("Ça, Noël, cœur, à l’œuvre"),
            "{\\c C}a, No{\\\"e}l, c{\\oe}ur, {\\`a} l'{\\oe}uvre"
        );
        assert_eq!(
            escape("« é »"),
            "{\\guillemotleft} {\\'e} {\\guillemotright}"
        );
    }

    #[test]
    fn an_entry_has_its_fields_and_balanced_braces() {
        let text = write(&[sample(), sample()]);
        assert!(text.starts_with("@techreport{metiers-de-l-energie-2024,\n"));
        assert!(text.contains("  institution = {Observatoire Constructys},\n"));
        assert!(text.contains("  year        = {2024},\n"));
        assert!(text.contains("  date        = {2024-03-15},\n"));
        assert!(text.contains("  type        = {{\\'E}tude},\n"));
        assert!(text.contains(
            "  url         = {https://bib.example/publications/metiers-de-l-energie-2024},\n"
        ));
        assert!(text.contains(
            "  abstract    = {Premi{\\`e}re ligne. Seconde ligne{\\textbackslash}fin.},\n"
        ));
        assert_eq!(text.matches("@techreport{").count(), 2);
        // Escaped braces aside, every brace opened is closed.
        let unescaped = text.replace("\\{", "").replace("\\}", "");
        assert_eq!(
            unescaped.matches('{').count(),
            unescaped.matches('}').count()
        );
    }
}
