//! The word tables of the library (`thesaurus/*.tsv`): one entry per line, a key, a tab, then
//! values separated by `;`; a line starting with `#` is a comment. A line without a tab may
//! put « : » after its key instead: in a browser's text area the tab key moves to the next
//! field (keys are words and codes, never with a colon). Editors write them by hand,
//! so blank values and stray spaces are forgiven; a line that says nothing readable is an
//! error for those who import a table ([`entries`]), and skipped in the tables the library
//! ships ([`pairs`]), which their tests read strictly.

/// One line of a table that holds an entry.
#[derive(Debug, PartialEq, Eq)]
pub struct Entry<'t> {
    /// Its line number, from 1.
    pub line: usize,
    pub key: &'t str,
    /// Its values, trimmed, none empty.
    pub values: Vec<&'t str>,
}

/// Why a line of a table cannot be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TableError {
    #[error(
        "ligne {line} (« {text} ») : il manque la tabulation (ou « : ») entre le mot et ses \
         valeurs"
    )]
    NoTab { line: usize, text: String },
    #[error("ligne {line} (« {text} ») : rien avant la tabulation")]
    NoKey { line: usize, text: String },
    #[error("ligne {line} : aucune valeur pour « {key} » après la tabulation")]
    NoValue { line: usize, key: String },
    #[error(
        "ligne {line} : un commentaire à la place des valeurs de « {key} » (un commentaire \
         occupe une ligne à lui, commencée par « # »)"
    )]
    CommentValue { line: usize, key: String },
}

/// The entries of `table`, in order; comments and blank lines are skipped, and so is the
/// byte-order mark some editors write first.
pub fn entries(table: &str) -> impl Iterator<Item = Result<Entry<'_>, TableError>> {
    table
        .strip_prefix('\u{feff}')
        .unwrap_or(table)
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty() && !line.trim_start().starts_with('#'))
        .map(|(i, line)| {
            let line_number = i + 1;
            // Quoted in a message, so that the line is found in a long table.
            let text = || line.trim().chars().take(60).collect::<String>();
            let (key, values) = line
                .split_once('\t')
                .or_else(|| line.split_once(':'))
                .ok_or_else(|| TableError::NoTab {
                    line: line_number,
                    text: text(),
                })?;
            let key = key.trim();
            if key.is_empty() {
                return Err(TableError::NoKey {
                    line: line_number,
                    text: text(),
                });
            }
            if values.trim_start().starts_with('#') {
                return Err(TableError::CommentValue {
                    line: line_number,
                    key: key.to_owned(),
                });
            }
            let values: Vec<&str> = values
                .split(';')
                .map(str::trim)
                .filter(|value| !value.is_empty())
                .collect();
            if values.is_empty() {
                return Err(TableError::NoValue {
                    line: line_number,
                    key: key.to_owned(),
                });
            }
            Ok(Entry {
                line: line_number,
                key,
                values,
            })
        })
}

/// `table` with a tab after each entry's key where « : » stood, so that it is TSV again (a
/// text area cannot take a tab); comments and the rest as written, lines ended by `\n`.
pub fn with_tabs(table: &str) -> String {
    let table = table.strip_prefix('\u{feff}').unwrap_or(table);
    let mut out = String::with_capacity(table.len());
    for line in table.lines() {
        let comment = line.trim_start().starts_with('#');
        match line.split_once(':') {
            Some((key, values)) if !comment && !line.contains('\t') => {
                out.push_str(key.trim_end());
                out.push('\t');
                out.push_str(values.trim_start());
            }
            _ => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

/// The (key, value) pairs of `table`, in order, one per value; lines that cannot be read are
/// skipped.
pub fn pairs(table: &str) -> impl Iterator<Item = (&str, &str)> {
    entries(table).filter_map(Result::ok).flat_map(|entry| {
        entry
            .values
            .into_iter()
            .map(move |value| (entry.key, value))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_blank_values_and_spaces_are_forgiven() {
        let table = "# a comment\nK1\ta ; b;;\n\nno tab here\n K2 \t c\n";
        let read: Vec<_> = pairs(table).collect();
        assert_eq!(read, [("K1", "a"), ("K1", "b"), ("K2", "c")]);
    }

    #[test]
    fn a_colon_becomes_the_tab_a_text_area_cannot_take() {
        assert_eq!(
            with_tabs(
                "\u{feff}# a : comment\r\nbagnole : automobile ; voiture\nfac\tuniversité : faculté\n\nmob:cyclomoteur"
            ),
            "# a : comment\nbagnole\tautomobile ; voiture\nfac\tuniversité : faculté\n\nmob\tcyclomoteur\n"
        );
    }

    #[test]
    fn an_import_is_told_which_line_says_nothing_readable() {
        let read: Vec<_> = entries(
            "\u{feff}# c\n\nK1\ta ; b\nno tab here\n\tx\nK3\t ; \nK4 : d ; e:f\nK5\t# later\n",
        )
        .collect();
        assert_eq!(
            read,
            [
                Ok(Entry {
                    line: 3,
                    key: "K1",
                    values: vec!["a", "b"]
                }),
                Err(TableError::NoTab {
                    line: 4,
                    text: "no tab here".into()
                }),
                Err(TableError::NoKey {
                    line: 5,
                    text: "x".into()
                }),
                Err(TableError::NoValue {
                    line: 6,
                    key: "K3".into()
                }),
                Ok(Entry {
                    line: 7,
                    key: "K4",
                    values: vec!["d", "e:f"]
                }),
                Err(TableError::CommentValue {
                    line: 8,
                    key: "K5".into()
                }),
            ]
        );
    }
}
