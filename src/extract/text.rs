//! Plain-text decoding and the light whitespace normalisation shared by every format.

/// Windows-1252 characters for bytes 0x80–0x9F, where it differs from Latin-1.
///
/// French files that are not UTF-8 were almost always written on Windows, whose "ANSI"
/// code page puts `€ ’ œ « …` here; Latin-1 would turn them into invisible control
/// characters. The five bytes Windows-1252 leaves undefined keep their Latin-1 (C1 control)
/// value, which [`normalise`] then drops.
const CP1252_HIGH: [char; 32] = [
    '\u{20AC}', '\u{81}', '\u{201A}', '\u{0192}', '\u{201E}', '\u{2026}', '\u{2020}', '\u{2021}',
    '\u{02C6}', '\u{2030}', '\u{0160}', '\u{2039}', '\u{0152}', '\u{8D}', '\u{017D}', '\u{8F}',
    '\u{90}', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}', '\u{2022}', '\u{2013}', '\u{2014}',
    '\u{02DC}', '\u{2122}', '\u{0161}', '\u{203A}', '\u{0153}', '\u{9D}', '\u{017E}', '\u{0178}',
];

/// The character Windows-1252 assigns to `byte` (a superset of Latin-1 for printable text).
pub(super) fn cp1252_char(byte: u8) -> char {
    match byte {
        0x80..=0x9F => CP1252_HIGH[usize::from(byte - 0x80)],
        _ => char::from(byte),
    }
}

/// Decodes a text file whose encoding nobody declared.
///
/// UTF-8 is tried first (the byte-order mark, if any, is dropped): text in another
/// encoding is almost never valid UTF-8 by accident. UTF-16 is recognised only by its
/// byte-order mark, as Windows Notepad writes it. Anything else is read as Windows-1252.
pub(super) fn decode(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return String::from_utf8_lossy(rest).into_owned();
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return decode_utf16(rest, u16::from_le_bytes);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return decode_utf16(rest, u16::from_be_bytes);
    }
    match utf8_prefix(bytes) {
        Some(text) => text.to_owned(),
        None => bytes.iter().copied().map(cp1252_char).collect(),
    }
}

/// The bytes as UTF-8 if they are valid, tolerating a sequence cut at the very end (files
/// are read up to a size cap, which may fall inside a character).
fn utf8_prefix(bytes: &[u8]) -> Option<&str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Some(text),
        Err(error) if error.error_len().is_none() => {
            std::str::from_utf8(&bytes[..error.valid_up_to()]).ok()
        }
        Err(_) => None,
    }
}

/// Decodes UTF-16 code units, replacing unpaired surrogates and ignoring an odd last byte.
fn decode_utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> String {
    let units = bytes.chunks_exact(2).map(|pair| unit([pair[0], pair[1]]));
    char::decode_utf16(units)
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()
}

/// Light whitespace normalisation, so that stored text is compact and stable.
///
/// Runs of spaces and tabs become one space, lines are trimmed, line ends of every kind
/// become `\n` and at most one blank line is kept, so paragraph breaks survive. Control
/// characters are dropped (PostgreSQL rejects NUL in `text`, and a stray form feed would be
/// mistaken for a page break), as are soft hyphens and byte-order marks, which would split
/// words for the search index.
pub(super) fn normalise(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut space = false;
    let mut newlines = 0_usize;
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' | '\u{B}' | '\u{C}' | '\u{85}' | '\u{2028}' | '\u{2029}' => {
                space = false;
                newlines = (newlines + 1).min(2);
            }
            ' ' | '\t' => space = true,
            '\u{AD}' | '\u{FEFF}' => {}
            c if c.is_control() => {}
            c => {
                if !out.is_empty() {
                    if newlines > 0 {
                        out.extend(std::iter::repeat_n('\n', newlines));
                    } else if space {
                        out.push(' ');
                    }
                }
                space = false;
                newlines = 0;
                out.push(c);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_is_kept_and_bom_dropped() {
        assert_eq!(decode("Élève".as_bytes()), "Élève");
        assert_eq!(decode(b"\xEF\xBB\xBFOui"), "Oui");
    }

    #[test]
    fn invalid_utf8_is_read_as_windows_1252() {
        assert_eq!(decode(b"caf\xE9 \x80 \x92 \x9C \x81"), "café € ’ œ \u{81}");
    }

    #[test]
    fn utf8_cut_inside_a_character_stays_utf8() {
        let bytes = "déjà".as_bytes();
        assert_eq!(decode(&bytes[..bytes.len() - 1]), "déj");
    }

    #[test]
    fn utf16_with_bom() {
        assert_eq!(decode(b"\xFF\xFEe\x00\xE9\x00"), "eé");
        assert_eq!(decode(b"\xFE\xFF\x00e\x00\xE9\x00"), "eé");
        assert_eq!(decode(b"\xFF\xFE\x00\xD8x"), "\u{FFFD}");
    }

    #[test]
    fn normalise_collapses_spaces_and_keeps_paragraphs() {
        assert_eq!(
            normalise("  Un \t  deux  \r\ntrois\r\n\r\n\r\n\n quatre\0\u{c}cinq\u{ad}x  "),
            "Un deux\ntrois\n\nquatre\ncinqx"
        );
        assert_eq!(normalise(" \n\t "), "");
        assert_eq!(normalise("1\u{a0}250\u{a0}€"), "1\u{a0}250\u{a0}€");
    }
}
