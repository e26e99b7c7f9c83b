//! The collective agreements (conventions collectives) known by their IDCC number, with their
//! short title, shipped with the program in `conventions.csv`.
//!
//! The list is public data: the IDCC numbers and short titles of the KALI base (Légifrance) as
//! the Ministry of Labour publishes them in its open data (kali-data). It lets an import name a
//! branch that neither the catalogue nor the thesaurus knows; the thesaurus's 131 branches keep
//! their own names and OPCO. Compiled into the binary and parsed once: nothing to load or
//! migrate, and every command and every test sees the same list.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use super::domain::Idcc;

/// `idcc,titre`, one agreement per line, sorted by number.
const SHIPPED: &str = include_str!("conventions.csv");

static CONVENTIONS: LazyLock<BTreeMap<Idcc, String>> = LazyLock::new(|| parse(SHIPPED));

/// The short title of the agreement `idcc`, when the shipped list has it.
pub fn title(idcc: &Idcc) -> Option<&'static str> {
    CONVENTIONS.get(idcc).map(String::as_str)
}

/// Every shipped agreement, by number.
pub fn all() -> &'static BTreeMap<Idcc, String> {
    &CONVENTIONS
}

/// Reads the list; a malformed row is left out (the unit tests below make sure there is none,
/// so that a bad edit of the file fails the build's tests rather than a request).
fn parse(text: &str) -> BTreeMap<Idcc, String> {
    csv::Reader::from_reader(text.as_bytes())
        .records()
        .filter_map(Result::ok)
        .filter_map(|row| {
            let idcc = Idcc::parse(row.get(0)?).ok()?;
            let title = row.get(1)?.trim();
            (!title.is_empty()).then(|| (idcc, title.to_owned()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idcc(text: &str) -> Idcc {
        Idcc::parse(text).unwrap()
    }

    #[test]
    fn every_row_of_the_shipped_list_is_well_formed() {
        let rows = SHIPPED.lines().skip(1).filter(|l| !l.is_empty()).count();
        assert!(rows > 700, "{rows} rows");
        assert_eq!(all().len(), rows, "a row was malformed or repeated");
        for (number, title) in all() {
            // The branch table's own limits (migrations/0001_catalogue.sql).
            assert!(
                (1..=300).contains(&title.chars().count()),
                "{number}: {title}"
            );
            assert_eq!(title, title.trim(), "{number}");
            assert!(!title.contains(['\n', '\r', '\t']), "{number}");
        }
    }

    #[test]
    fn the_shipped_list_covers_the_large_branches() {
        assert_eq!(title(&idcc("3248")), Some("Métallurgie"));
        assert_eq!(
            title(&idcc("1486")),
            Some(
                "Bureaux d'études techniques, cabinets d'ingénieurs-conseils et sociétés de conseils"
            )
        );
        assert_eq!(
            title(&idcc("2216")),
            Some("Commerce de détail et de gros à prédominance alimentaire")
        );
        assert_eq!(title(&idcc("44")), Some("Industries chimiques et connexes"));
        assert_eq!(title(&idcc("9999")), None);
    }
}
