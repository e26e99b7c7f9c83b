//! The lenient parser of what a user typed: words, phrases, exclusions, `OR`, field prefixes.
//! It never fails: what it cannot read as an operator is a word.

/// A field prefix a user may type (`titre:`, `theme:`…).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prefix {
    Title,
    Theme,
    Observatory,
    Type,
    Year,
}

/// One unit of a parsed query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unit {
    /// A run of plain words (expansion looks for labels in it).
    Words(String),
    /// Words between quotes, to be found together.
    Phrase(String),
    Excluded(String),
    Field(Prefix, String),
    /// Alternatives: `a OR b`.
    Either(Vec<Unit>),
}

/// Splits user input into units. Never fails: unbalanced quotes close at the end, unknown
/// prefixes are plain words, stray operators are ignored.
pub fn parse(input: &str) -> Vec<Unit> {
    let mut units: Vec<Unit> = Vec::new();
    let mut words = String::new();
    let mut pending_or = false;
    let mut chars = input.chars().peekable();
    let flush = |words: &mut String, units: &mut Vec<Unit>| {
        if !words.trim().is_empty() {
            units.push(Unit::Words(words.trim().to_owned()));
        }
        words.clear();
    };
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            words.push(' ');
            continue;
        }
        let token = read_token(&mut chars);
        let unit = classify(&token);
        match unit {
            Classified::Word(w) => {
                if pending_or {
                    // "a OR b": the last word before OR and this one are alternatives.
                    let previous = pop_last_word(&mut words, &mut units);
                    flush(&mut words, &mut units);
                    let mut alternatives = match previous {
                        Some(Unit::Either(list)) => list,
                        Some(other) => vec![other],
                        None => Vec::new(),
                    };
                    alternatives.push(Unit::Words(w));
                    units.push(Unit::Either(alternatives));
                    pending_or = false;
                } else {
                    words.push_str(&w);
                }
            }
            Classified::Or => pending_or = !words.trim().is_empty() || !units.is_empty(),
            Classified::Unit(u) => {
                flush(&mut words, &mut units);
                if pending_or {
                    let mut alternatives = match units.pop() {
                        Some(Unit::Either(list)) => list,
                        Some(other) => vec![other],
                        None => Vec::new(),
                    };
                    alternatives.push(u);
                    units.push(Unit::Either(alternatives));
                    pending_or = false;
                } else {
                    units.push(u);
                }
            }
            Classified::Nothing => {}
        }
    }
    flush(&mut words, &mut units);
    units
}

enum Classified {
    Word(String),
    Or,
    Unit(Unit),
    Nothing,
}

/// Reads one token: a quoted phrase (with its optional `-` or `prefix:`), or a run of
/// non-space characters.
fn read_token(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> String {
    let mut token = String::new();
    let mut in_quotes = false;
    while let Some(&c) = chars.peek() {
        if c == '"' {
            in_quotes = !in_quotes;
            token.push(c);
            chars.next();
            if !in_quotes {
                break;
            }
            continue;
        }
        if c.is_whitespace() && !in_quotes {
            break;
        }
        token.push(c);
        chars.next();
    }
    token
}

fn unquote(text: &str) -> String {
    text.trim_matches('"').trim().to_owned()
}

fn classify(token: &str) -> Classified {
    if token == "OR" || token == "OU" || token == "|" {
        return Classified::Or;
    }
    if let Some(rest) = token.strip_prefix('-') {
        let text = unquote(rest);
        return if text.is_empty() {
            Classified::Nothing
        } else {
            Classified::Unit(Unit::Excluded(text))
        };
    }
    if token.starts_with('"') {
        let text = unquote(token);
        return if text.is_empty() {
            Classified::Nothing
        } else {
            Classified::Unit(Unit::Phrase(text))
        };
    }
    if let Some((name, value)) = token.split_once(':') {
        let prefix = match crate::text::fold(name).as_str() {
            "titre" => Some(Prefix::Title),
            "theme" | "sujet" => Some(Prefix::Theme),
            "observatoire" => Some(Prefix::Observatory),
            "type" => Some(Prefix::Type),
            "annee" => Some(Prefix::Year),
            _ => None,
        };
        let value = unquote(value);
        if let Some(prefix) = prefix
            && !value.is_empty()
        {
            return Classified::Unit(Unit::Field(prefix, value));
        }
    }
    Classified::Word(token.replace('"', " "))
}

/// Where the token at the start of `text` (not a space) ends, in bytes: what [`parse`] reads
/// as one token.
pub(in crate::search) fn token_end(text: &str) -> usize {
    read_token(&mut text.chars().peekable()).len()
}

/// Whether [`parse`] reads `token` as plain words (not an operator, an exclusion, a phrase or
/// a known prefix with a value), with no quote in it.
pub(in crate::search) fn is_plain_word(token: &str) -> bool {
    !token.contains('"') && matches!(classify(token), Classified::Word(_))
}

/// Takes the last plain word typed (for `a OR b`).
fn pop_last_word(words: &mut String, units: &mut Vec<Unit>) -> Option<Unit> {
    let trimmed = words.trim_end();
    if trimmed.is_empty() {
        return units.pop();
    }
    let at = trimmed.rfind(' ').map(|i| i + 1).unwrap_or(0);
    let last = trimmed[at..].to_owned();
    words.truncate(at);
    Some(Unit::Words(last))
}

/// "2024" or "2018-2022".
pub(super) fn parse_years(text: &str) -> Option<(i32, i32)> {
    let (a, b) = text.split_once(['-', '–']).unwrap_or((text, text));
    let a: i32 = a.trim().parse().ok()?;
    let b: i32 = b.trim().parse().ok()?;
    let range = (a.min(b), a.max(b));
    ((1900..=2100).contains(&range.0) && (1900..=2100).contains(&range.1)).then_some(range)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Unit {
        Unit::Words(s.into())
    }

    #[test]
    fn plain_words_stay_together_for_expansion() {
        assert_eq!(
            parse("  métiers en  tension "),
            vec![words("métiers en  tension")]
        );
    }

    #[test]
    fn phrases_exclusions_and_prefixes() {
        assert_eq!(
            parse(
                r#"apprentissage "contrat de professionnalisation" -intérim titre:soudure annee:2018-2022"#
            ),
            vec![
                words("apprentissage"),
                Unit::Phrase("contrat de professionnalisation".into()),
                Unit::Excluded("intérim".into()),
                Unit::Field(Prefix::Title, "soudure".into()),
                Unit::Field(Prefix::Year, "2018-2022".into()),
            ]
        );
        assert_eq!(
            parse(r#"-"temps partiel""#),
            vec![Unit::Excluded("temps partiel".into())]
        );
        assert_eq!(
            parse(r#"theme:"formation à distance""#),
            vec![Unit::Field(Prefix::Theme, "formation à distance".into())]
        );
    }

    #[test]
    fn or_makes_alternatives() {
        assert_eq!(
            parse("emploi seniors OR jeunes"),
            vec![
                words("emploi"),
                Unit::Either(vec![words("seniors"), words("jeunes")])
            ]
        );
        assert_eq!(
            parse("a OR b OR c"),
            vec![Unit::Either(vec![words("a"), words("b"), words("c")])]
        );
    }

    #[test]
    fn hostile_input_never_fails() {
        for input in [
            "", "\"", "-", "OR", "OR OR", "::", "titre:", "\"\"\"", "-\"\"", "a:b:c", "((", "*?~^",
        ] {
            let _ = parse(input);
        }
        assert_eq!(parse("inconnu:valeur"), vec![words("inconnu:valeur")]);
        assert_eq!(parse_years("2024"), Some((2024, 2024)));
        assert_eq!(parse_years("2022-2018"), Some((2018, 2022)));
        assert_eq!(parse_years("abc"), None);
    }
}
