//! Small text helpers shared by the catalogue, the thesaurus and search: accent folding and
//! slugs. They follow what a French reader considers "the same word".

/// Lowercases and removes diacritics, expanding ligatures (œ → oe, æ → ae, ß → ss).
///
/// Covers Latin-1 and Latin Extended-A, which is every letter found in French (and in the
/// names of neighbouring languages); other characters are only lowercased.
pub fn fold(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for c in input.chars() {
        fold_each(c, |folded| out.push(folded));
    }
    out
}

/// Calls `each` with what [`fold`] makes of `c` (one character, or two for a ligature).
pub fn fold_each(c: char, mut each: impl FnMut(char)) {
    // Lowercase accented letters, the commonest in French, need no case lookup: the table
    // below holds only lowercase letters.
    if let Some(folded) = fold_char(c) {
        folded.chars().for_each(each);
    } else if c.is_ascii() {
        each(c.to_ascii_lowercase());
    } else {
        for lower in c.to_lowercase() {
            match fold_char(lower) {
                Some(folded) => folded.chars().for_each(&mut each),
                None => each(lower),
            }
        }
    }
}

fn fold_char(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
        'ď' | 'đ' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'ĥ' | 'ħ' => "h",
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => "i",
        'ĵ' => "j",
        'ķ' => "k",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
        'ñ' | 'ń' | 'ņ' | 'ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => "o",
        'œ' => "oe",
        'ŕ' | 'ŗ' | 'ř' => "r",
        'ś' | 'ŝ' | 'ş' | 'š' => "s",
        'ß' => "ss",
        'ţ' | 'ť' | 'ŧ' => "t",
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => "u",
        'ŵ' => "w",
        'ý' | 'ÿ' | 'ŷ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        '’' | 'ʼ' | '‘' => "'",
        _ => return None,
    })
}

/// Whether two byte ranges of a text (`start..end`) share a byte.
pub fn overlaps((a, b): (usize, usize), (c, d): (usize, usize)) -> bool {
    a < d && c < b
}

/// The byte offset of `part`, a slice of `whole`, in it (a word the tokenizer cut out of a
/// query, for instance). Panics in debug builds when `part` is not inside `whole`.
pub fn offset_in(whole: &str, part: &str) -> usize {
    let offset = (part.as_ptr() as usize).wrapping_sub(whole.as_ptr() as usize);
    debug_assert!(
        offset + part.len() <= whole.len(),
        "not a slice of the text"
    );
    offset
}

/// Whether `word`, a slice of `text`, is joined to another by a hyphen ("savoir-faire").
pub fn hyphenated(text: &str, word: &str) -> bool {
    let start = offset_in(text, word);
    let end = start + word.len();
    text[..start].ends_with('-') || text[end..].starts_with('-')
}

/// The first character of `text` that no text of the library may hold: a control character
/// (Unicode `Cc`: U+0000–U+001F, U+007F–U+009F) other than tab, line feed and carriage
/// return. PostgreSQL refuses NUL in `text` outright; the others are invisible, break lines
/// and exports, and no form or file of a real deposit needs them.
pub fn forbidden_char(text: &str) -> Option<char> {
    text.chars().find(|&c| is_forbidden(c))
}

/// Whether `c` is one of the characters [`forbidden_char`] looks for.
pub fn is_forbidden(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// A character as a reader can name it: `U+0000`.
pub fn code_point(c: char) -> String {
    format!("U+{:04X}", u32::from(c))
}

/// `text` with every [`forbidden_char`] replaced by a space: for text that is searched, not
/// shown (an imported body), where refusing the whole record would lose more than a space.
pub fn without_forbidden_chars(text: &str) -> std::borrow::Cow<'_, str> {
    if forbidden_char(text).is_none() {
        return std::borrow::Cow::Borrowed(text);
    }
    text.chars()
        .map(|c| if is_forbidden(c) { ' ' } else { c })
        .collect::<String>()
        .into()
}

/// Longest slug we make from a title: long enough to stay meaningful, short enough for a URL.
const MAX_SLUG_LEN: usize = 80;

/// Turns a title into a URL slug: folded, ASCII letters and digits separated by single hyphens,
/// cut at a word boundary. Returns `None` when nothing usable is left (a title of symbols).
pub fn slugify(input: &str) -> Option<String> {
    let mut slug = String::with_capacity(input.len());
    for c in fold(input).chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    if slug.len() > MAX_SLUG_LEN {
        let cut = slug[..MAX_SLUG_LEN].rfind('-').unwrap_or(MAX_SLUG_LEN);
        slug.truncate(cut);
    }
    let slug = slug.trim_end_matches('-').to_owned();
    (!slug.is_empty()).then_some(slug)
}

/// Cuts `text` to at most `max` characters at a word boundary, adding an ellipsis when cut.
pub fn excerpt(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max).collect();
    let cut = match cut.rfind(char::is_whitespace) {
        Some(at) => &cut[..at],
        None => &cut[..],
    };
    format!("{}…", cut.trim_end_matches([',', ';', ':', '.', ' ']))
}

const MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

/// A date as French prose: "1er mai 2023", "12 mai 2023".
pub fn date_fr(date: time::Date) -> String {
    let day = date.day();
    let month = MONTHS[usize::from(u8::from(date.month())) - 1];
    if day == 1 {
        format!("1er {month} {}", date.year())
    } else {
        format!("{day} {month} {}", date.year())
    }
}

/// A moment as "12 mai 2023 à 14:05" (UTC: the server's logs and the audit agree).
pub fn datetime_fr(at: time::OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{} à {:02}:{:02} UTC",
        date_fr(at.date()),
        at.hour(),
        at.minute()
    )
}

/// A byte count as a French reader expects it: "1,4 Mo", "830 ko".
pub fn size_fr(bytes: i64) -> String {
    const KB: f64 = 1000.0;
    let b = bytes.max(0) as f64;
    let (value, unit) = if b < KB {
        return format!("{bytes} o");
    } else if b < KB * KB {
        (b / KB, "ko")
    } else if b < KB * KB * KB {
        (b / (KB * KB), "Mo")
    } else {
        (b / (KB * KB * KB), "Go")
    };
    let text = if value < 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.0}")
    };
    format!("{} {unit}", text.replace('.', ","))
}

/// The largest char boundary of `text` at or before `index` (`str::floor_char_boundary` is not
/// stable yet).
pub fn floor_char_boundary(text: &str, index: usize) -> usize {
    if index >= text.len() {
        return text.len();
    }
    (0..=index)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn french_dates_and_sizes() {
        use time::macros::date;
        assert_eq!(date_fr(date!(2023 - 05 - 01)), "1er mai 2023");
        assert_eq!(date_fr(date!(2024 - 12 - 25)), "25 décembre 2024");
        assert_eq!(size_fr(512), "512 o");
        assert_eq!(size_fr(1_400_000), "1,4 Mo");
        assert_eq!(size_fr(830_000), "830 ko");
    }

    use super::*;

    #[test]
    fn folds_french_letters_and_ligatures() {
        assert_eq!(fold("Œuvre À Noël, Ça Être"), "oeuvre a noel, ca etre");
        assert_eq!(fold("L’ÉTÉ"), "l'ete");
    }

    #[test]
    fn slugs_are_ascii_and_hyphenated() {
        assert_eq!(
            slugify("Les métiers en tension : 2024 — Île-de-France").as_deref(),
            Some("les-metiers-en-tension-2024-ile-de-france")
        );
        assert_eq!(slugify("«  »"), None);
    }

    #[test]
    fn long_slugs_are_cut_at_a_word() {
        let slug = slugify(&"transition écologique ".repeat(10)).unwrap();
        assert!(slug.len() <= MAX_SLUG_LEN);
        assert!(!slug.ends_with('-'));
        assert!(slug.ends_with("ecologique") || slug.ends_with("transition"));
    }

    #[test]
    fn control_characters_but_tab_and_line_ends_are_forbidden() {
        assert_eq!(forbidden_char("a\tb\r\nc é 🇫🇷"), None);
        assert_eq!(forbidden_char("a\0b"), Some('\0'));
        assert_eq!(forbidden_char("a\u{1b}[31m"), Some('\u{1b}'));
        assert_eq!(forbidden_char("a\u{7f}"), Some('\u{7f}'));
        assert_eq!(forbidden_char("a\u{85}"), Some('\u{85}'));
        assert_eq!(code_point('\0'), "U+0000");
        assert_eq!(without_forbidden_chars("a\0b\u{c}c\nd"), "a b c\nd");
        assert!(matches!(
            without_forbidden_chars("propre"),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[test]
    fn excerpts_end_on_a_word() {
        assert_eq!(excerpt("un deux trois quatre", 9), "un deux…");
        assert_eq!(excerpt("court", 10), "court");
    }
}
