//! The word tables shipped with the library (`thesaurus/*.tsv`): one entry per line, a key, a
//! tab, then values separated by `;`; a line starting with `#` is a comment. Editors write
//! them by hand, so blank values and stray spaces are forgiven.

/// The (key, value) pairs of `table`, in order, one per value.
pub fn pairs(table: &str) -> impl Iterator<Item = (&str, &str)> {
    table
        .lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .filter_map(|line| line.split_once('\t'))
        .flat_map(|(key, values)| {
            values
                .split(';')
                .map(str::trim)
                .filter(|value| !value.is_empty())
                .map(move |value| (key.trim(), value))
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
}
