//! Familiar words: the slang and clipped words people type (« bagnole », « fringues »,
//! « compta »), each with the standard words the library's texts use (« automobile »,
//! « vêtement », « comptabilité »). Expansion searches the standard words too when a query
//! holds a familiar word ([`super::expand`]), and the spelling correction leaves familiar words
//! as typed.
//!
//! A table ships with the library (`thesaurus/mots-familiers.tsv` says how it is written);
//! admins replace it with their own (`/admin/mots-familiers`, `bibliotheque thesaurus import
//! mots-familiers.tsv`), stored as they wrote it, one row per save, and read with the rest of
//! the thesaurus ([`super::snapshot`]), so that a word is added without a new build. It is language rather than a field's concepts,
//! so it sits beside the thesaurus: as concepts, « bagnole » would be offered as a subject to
//! file studies under.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use serde_json::json;
use sqlx::PgPool;

use super::analysis;
use super::tables::{self, TableError};
use crate::accounts::audit::{self, Actor, Entry};
use crate::text::fold;

/// The table shipped with the library.
pub const SHIPPED: &str = include_str!("../../thesaurus/mots-familiers.tsv");

static LEXICON: LazyLock<Arc<Lexicon>> = LazyLock::new(|| {
    // Checked by `the_shipped_table_reads_and_every_standard_word_is_searchable`.
    Arc::new(Lexicon::parse(SHIPPED).expect("the shipped table of familiar words reads"))
});

/// Familiar words, folded (lowercase, without accents). They are matched as words, not by
/// their stems: the stem of « compta » is that of « compte », of « fac » that of « face ».
#[derive(Debug, Default)]
pub struct Lexicon {
    /// By the folded word.
    words: HashMap<String, Familiar>,
}

/// A familiar word of a table.
#[derive(Debug)]
struct Familiar {
    /// As its first line writes it (« bécane »).
    written: String,
    standard: Vec<String>,
}

/// Why a table of familiar words is refused: the first line that cannot be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LexiconError {
    #[error(transparent)]
    Line(#[from] TableError),
    #[error(
        "ligne {line} : « {word} » n'est pas un seul mot (ni espace, ni apostrophe, ni trait \
         d'union, ni ponctuation)"
    )]
    NotOneWord { line: usize, word: String },
    #[error("ligne {line} : « {word} » est un mot vide, que la recherche ignore")]
    StopWord { line: usize, word: String },
    #[error("ligne {line} : « {value} » n'a aucun mot que la recherche puisse chercher")]
    NothingToSearch { line: usize, value: String },
    #[error(
        "ligne {line} : « {value} » contient une virgule ; séparez les mots courants par « ; »"
    )]
    Comma { line: usize, value: String },
    #[error("la table ne contient aucun mot familier")]
    Empty,
}

impl Lexicon {
    /// The lexicon shipped with the library.
    pub fn shipped() -> Arc<Lexicon> {
        Arc::clone(&LEXICON)
    }

    /// Reads a table written as `thesaurus/mots-familiers.tsv`, or says which line is wrong.
    /// A word written twice (« bécane », « becane ») gathers the standard words of both lines.
    pub fn parse(table: &str) -> Result<Self, LexiconError> {
        let mut words: HashMap<String, Familiar> = HashMap::new();
        for entry in tables::entries(table) {
            let entry = entry?;
            check_entry(&entry)?;
            let word = words.entry(fold(entry.key)).or_insert_with(|| Familiar {
                written: entry.key.to_owned(),
                standard: Vec::new(),
            });
            for value in entry.values {
                if !word.standard.iter().any(|w| w == value) {
                    word.standard.push(value.to_owned());
                }
            }
        }
        if words.is_empty() {
            return Err(LexiconError::Empty);
        }
        Ok(Self { words })
    }

    /// How many familiar words it knows.
    pub fn word_count(&self) -> usize {
        self.words.len()
    }

    /// The standard words of `word`, as typed, when it is a familiar word or its plural
    /// (« bagnoles », « gamins »). Short words have no plural here: « chrs » is the centre
    /// d'hébergement, not « chr ».
    pub fn standard(&self, word: &str) -> Option<&[String]> {
        let folded = fold(word);
        let singular = folded
            .strip_suffix('s')
            .filter(|singular| singular.len() >= MIN_PLURAL_BASE);
        std::iter::once(folded.as_str())
            .chain(singular)
            .find_map(|key| self.words.get(key))
            .map(|word| word.standard.as_slice())
    }

    /// Whether `word`, as typed, is a familiar word.
    pub fn knows(&self, word: &str) -> bool {
        self.standard(word).is_some()
    }

    /// The words of `other` this lexicon lacks, as `other` writes them, with their standard
    /// words, in alphabetical order (of the folded words): what a saved table misses of the
    /// shipped one, which later versions of the library enrich.
    pub fn missing_from<'o>(&self, other: &'o Lexicon) -> Vec<(&'o str, &'o [String])> {
        let mut missing: Vec<_> = other
            .words
            .iter()
            .filter(|(folded, _)| !self.words.contains_key(*folded))
            .collect();
        missing.sort_unstable_by_key(|(folded, _)| *folded);
        missing
            .into_iter()
            .map(|(_, word)| (word.written.as_str(), word.standard.as_slice()))
            .collect()
    }
}

/// Refuses what expansion could never use: a familiar word that is not one word of a query
/// (« aide-soignant », « bac+2 ») or that search ignores (« cela »), a standard word with nothing
/// to search, a list separated by commas (« automobile, voiture » would be one phrase).
fn check_entry(entry: &tables::Entry<'_>) -> Result<(), LexiconError> {
    let line = entry.line;
    let word = || entry.key.to_owned();
    match analysis::words(entry.key).as_slice() {
        [(only, term)] if *only == entry.key => {
            if term.is_none() {
                return Err(LexiconError::StopWord { line, word: word() });
            }
        }
        _ => return Err(LexiconError::NotOneWord { line, word: word() }),
    }
    for &value in &entry.values {
        if value.contains(',') {
            let value = value.to_owned();
            return Err(LexiconError::Comma { line, value });
        }
        if analysis::terms(value).is_empty() {
            let value = value.to_owned();
            return Err(LexiconError::NothingToSearch { line, value });
        }
    }
    Ok(())
}

/// The fewest letters of a familiar word whose plural is recognised.
const MIN_PLURAL_BASE: usize = 4;

/// The table in force and its version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// Moves at each save, restoring included; 0 while nothing was ever saved. A server
    /// reloads its thesaurus snapshot when it moves, and a page saves only over the version it
    /// showed.
    pub version: i64,
    /// As its editors wrote it; `None`: the shipped table.
    pub source: Option<String>,
}

impl Stored {
    /// The text in force: the one saved, or the shipped one.
    pub fn text(&self) -> &str {
        self.source.as_deref().unwrap_or(SHIPPED)
    }

    /// The lexicon it makes, or why the saved text no longer reads (a stricter version of the
    /// library, a hand edit in the database).
    pub fn read(&self) -> Result<Arc<Lexicon>, LexiconError> {
        match &self.source {
            Some(source) => Lexicon::parse(source).map(Arc::new),
            None => Ok(Lexicon::shipped()),
        }
    }

    /// The lexicon in force: a saved table that no longer reads gives way to the shipped one,
    /// and says so in the log (the admin page says why, from [`Stored::read`]).
    pub fn lexicon(&self) -> Arc<Lexicon> {
        self.read().unwrap_or_else(|error| {
            tracing::error!(%error, "table des mots familiers illisible : table livrée");
            Lexicon::shipped()
        })
    }
}

/// The table in force and its version, read on `db` (within the thesaurus snapshot's
/// transaction when it loads).
pub async fn stored(db: &mut sqlx::PgConnection) -> Result<Stored, sqlx::Error> {
    let row =
        sqlx::query!("select version, source from familiar_words order by version desc limit 1")
            .fetch_optional(db)
            .await?;
    Ok(row.map_or(
        Stored {
            version: 0,
            source: None,
        },
        |row| Stored {
            version: row.version,
            source: row.source,
        },
    ))
}

/// A save, as the history of the table lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    pub version: i64,
    /// Whether it gave the shipped table back.
    pub shipped: bool,
    pub words: i32,
    pub saved_at: time::OffsetDateTime,
    pub saved_by: String,
}

impl Saved {
    pub fn saved_at_fr(&self) -> String {
        crate::text::datetime_fr(self.saved_at)
    }
}

/// The saves kept, newest first: the one in force, then those that can be taken back.
pub async fn history(db: &PgPool) -> Result<Vec<Saved>, sqlx::Error> {
    sqlx::query_as!(
        Saved,
        r#"select version, source is null as "shipped!", words, saved_at, saved_by
           from familiar_words order by version desc"#
    )
    .fetch_all(db)
    .await
}

/// The text of an earlier save (`None` inside: it gave the shipped table back); `None` when
/// no save kept has that version.
pub async fn saved_text(db: &PgPool, version: i64) -> Result<Option<Option<String>>, sqlx::Error> {
    sqlx::query_scalar!(
        "select source from familiar_words where version = $1",
        version
    )
    .fetch_optional(db)
    .await
}

/// How many saves are kept.
const KEPT: i64 = 50;

/// The version in force ([`Stored::version`]), without its text: what a server checks every
/// two seconds.
pub async fn version(db: &PgPool) -> Result<i64, sqlx::Error> {
    let version = sqlx::query_scalar!("select max(version) from familiar_words")
        .fetch_one(db)
        .await?;
    Ok(version.unwrap_or(0))
}

/// What to put in force.
#[derive(Debug, Clone, Copy)]
pub enum Table<'a> {
    /// A table as its editors wrote it.
    Written(&'a str),
    /// The table shipped with the library, this version's and the next ones'.
    Shipped,
}

/// What a save changed.
#[derive(Debug, PartialEq, Eq)]
pub struct Imported {
    /// Familiar words in the new table.
    pub words: usize,
    /// Of those, words the table in force did not have.
    pub added: usize,
    /// Words of the table in force that the new one drops.
    pub removed: usize,
    /// The version the table now has.
    pub version: i64,
}

/// Why a save stored nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Table(#[from] LexiconError),
    /// Someone saved another table since the one the save started from.
    #[error(
        "la table a été modifiée par ailleurs depuis que vous l'avez ouverte (version {current}, \
         vous partiez de la version {expected})"
    )]
    Stale { expected: i64, current: i64 },
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Puts `table` in force, after reading every line of it: all or nothing, recorded in the
/// journal under `actor`. With `expected`, only over that version (a page saves over the
/// table it showed, not over one saved meanwhile); without, over whatever is in force (a file
/// imported on purpose). The version moves in the same transaction, so that every server
/// reloads its snapshot with the new words.
pub async fn save(
    db: &PgPool,
    actor: Actor<'_>,
    table: Table<'_>,
    expected: Option<i64>,
) -> Result<Imported, ImportError> {
    let (lexicon, source) = match table {
        // Saved with tabs, so that what is served at /thesaurus/mots-familiers.tsv is TSV.
        Table::Written(text) => {
            let text = tables::with_tabs(text);
            (Arc::new(Lexicon::parse(&text)?), Some(text))
        }
        Table::Shipped => (Lexicon::shipped(), None),
    };
    let mut tx = db.begin().await?;
    // Two saves at once wait for each other here (readers do not): the second one sees the
    // first one's version.
    sqlx::query!("lock table familiar_words in exclusive mode")
        .execute(&mut *tx)
        .await?;
    let before = stored(&mut tx).await?;
    if let Some(expected) = expected.filter(|&v| v != before.version) {
        return Err(ImportError::Stale {
            expected,
            current: before.version,
        });
    }
    let version = sqlx::query_scalar!(
        "insert into familiar_words (source, words, saved_by) values ($1, $2, $3)
         returning version",
        source,
        i32::try_from(lexicon.word_count()).unwrap_or(i32::MAX),
        actor.name(),
    )
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query!(
        "delete from familiar_words where version not in
         (select version from familiar_words order by version desc limit $1)",
        KEPT
    )
    .execute(&mut *tx)
    .await?;
    let before = before.lexicon();
    let known = |l: &Lexicon, word: &String| l.words.contains_key(word);
    let imported = Imported {
        words: lexicon.word_count(),
        added: lexicon.words.keys().filter(|w| !known(&before, w)).count(),
        removed: before.words.keys().filter(|w| !known(&lexicon, w)).count(),
        version,
    };
    audit::record(
        &mut *tx,
        actor,
        Entry {
            action: "thesaurus.familiar",
            publication_id: None,
            subject: "Mots familiers",
            detail: json!({
                "table": if matches!(table, Table::Shipped) { "livrée" } else { "écrite" },
                "mots": imported.words,
                "ajoutes": imported.added,
                "retires": imported.removed,
            }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(imported)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_familiar_word_is_known_as_typed_or_in_the_plural_not_by_its_stem() {
        let lexicon =
            Lexicon::parse("# voitures\nbagnole\tautomobile ; voiture\ncompta\tcomptabilité\n")
                .unwrap();
        let standard = ["automobile".to_owned(), "voiture".to_owned()];
        assert_eq!(lexicon.standard("bagnoles"), Some(&standard[..]));
        assert_eq!(lexicon.standard("Bagnole"), Some(&standard[..]));
        assert!(lexicon.knows("COMPTA"));
        // « compte » has the stem of « compta », and is another word.
        assert!(!lexicon.knows("compte"));
        assert!(!lexicon.knows("automobile"));
        assert_eq!(lexicon.word_count(), 2);
        // A short word has no plural.
        let chr = Lexicon::parse("chr\thôtellerie\n").unwrap();
        assert!(chr.knows("CHR") && !chr.knows("CHRS"));
    }

    #[test]
    fn a_table_is_refused_at_its_first_unreadable_line() {
        let refused = |table: &str| Lexicon::parse(table).unwrap_err().to_string();
        assert_eq!(
            refused("bagnole\tautomobile\nfaire la plonge\tplongeur\n"),
            "ligne 2 : « faire la plonge » n'est pas un seul mot (ni espace, ni apostrophe, ni \
             trait d'union, ni ponctuation)"
        );
        assert!(refused("aide-soignant\tsoins\n").starts_with("ligne 1 : « aide-soignant »"));
        assert!(refused("bac+2\tbts\n").starts_with("ligne 1 : « bac+2 »"));
        assert_eq!(
            refused("cela\tceci\n"),
            "ligne 1 : « cela » est un mot vide, que la recherche ignore"
        );
        assert_eq!(
            refused("bagnole\tautomobile, voiture\n"),
            "ligne 1 : « automobile, voiture » contient une virgule ; séparez les mots courants \
             par « ; »"
        );
        assert_eq!(
            refused("bagnole\tde la\n"),
            "ligne 1 : « de la » n'a aucun mot que la recherche puisse chercher"
        );
        assert!(refused("bagnole\t# à revoir\n").contains("un commentaire"));
        assert_eq!(
            refused("# un commentaire\nbagnole automobile\n"),
            "ligne 2 (« bagnole automobile ») : il manque la tabulation (ou « : ») entre le mot \
             et ses valeurs"
        );
        assert_eq!(
            refused("bagnole\t ; \n"),
            "ligne 1 : aucune valeur pour « bagnole » après la tabulation"
        );
        assert_eq!(
            refused("# rien que des commentaires\n\n"),
            "la table ne contient aucun mot familier"
        );
        // The same word written twice, with and without its accent, gathers both lines.
        let twice = Lexicon::parse("bécane\tmoto\nbecane\tvélo ; moto\n").unwrap();
        assert_eq!(twice.word_count(), 1);
        assert_eq!(
            twice.standard("becane"),
            Some(&["moto".to_owned(), "vélo".to_owned()][..])
        );
    }

    #[test]
    fn a_table_says_which_words_of_another_it_lacks() {
        let saved = Lexicon::parse("bagnole\tautomobile\ncompta\tcomptabilité\n").unwrap();
        let shipped =
            Lexicon::parse("bécane\tmoto\nbagnole\tvoiture\nfringue\tvêtement\n").unwrap();
        let words: Vec<&str> = saved.missing_from(&shipped).iter().map(|m| m.0).collect();
        assert_eq!(words, ["bécane", "fringue"]);
        assert!(shipped.missing_from(&shipped).is_empty());
    }

    #[test]
    fn the_shipped_table_reads_and_every_standard_word_is_searchable() {
        assert!(tables::entries(SHIPPED).all(|entry| entry.is_ok()));
        let lexicon = Lexicon::shipped();
        assert!(
            lexicon.word_count() >= 100,
            "{} words",
            lexicon.word_count()
        );
        for (familiar, words) in tables::pairs(SHIPPED) {
            assert!(
                !crate::thesaurus::analysis::terms(words).is_empty(),
                "« {familiar} »: « {words} » has no word to search"
            );
            // A filler only asks: never read as a familiar word, unless it names a field
            // after a course (« BTS info »).
            let after_a_course = format!("licence {familiar}");
            assert!(
                !crate::search::query::is_filler(&after_a_course, &after_a_course[8..]),
                "« {familiar} » is a question filler, not a familiar word"
            );
        }
    }
}
