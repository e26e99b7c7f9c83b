//! Familiar words: the slang and clipped words people type (« bagnole », « fringues »,
//! « compta »), each with the standard words the library's texts use (« automobile »,
//! « vêtement », « comptabilité »). Expansion searches the standard words too when a query
//! holds a familiar word ([`super::expand`]), and the spelling correction leaves familiar words
//! as typed.
//!
//! A table ships with the library (`thesaurus/mots-familiers.tsv` says how it is written);
//! editors replace it with their own (`bibliotheque thesaurus import mots-familiers.tsv`),
//! stored as they wrote it and read with the rest of the thesaurus ([`super::snapshot`]), so
//! that a word is added without a new build. It is language rather than a field's concepts,
//! so it sits beside the thesaurus: as concepts, « bagnole » would be offered as a subject to
//! file studies under.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use serde_json::json;
use sqlx::PgPool;

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
    standard: HashMap<String, Vec<String>>,
}

/// Why a table of familiar words is refused: the first line that cannot be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LexiconError {
    #[error(transparent)]
    Line(#[from] TableError),
    #[error("ligne {line} : « {word} » n'est pas un seul mot (ni espace ni apostrophe)")]
    NotOneWord { line: usize, word: String },
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
        let mut standard: HashMap<String, Vec<String>> = HashMap::new();
        for entry in tables::entries(table) {
            let entry = entry?;
            if entry
                .key
                .contains(|c: char| c.is_whitespace() || c == '\'' || c == '’')
            {
                return Err(LexiconError::NotOneWord {
                    line: entry.line,
                    word: entry.key.to_owned(),
                });
            }
            let words = standard.entry(fold(entry.key)).or_default();
            for value in entry.values {
                if !words.iter().any(|w| w == value) {
                    words.push(value.to_owned());
                }
            }
        }
        if standard.is_empty() {
            return Err(LexiconError::Empty);
        }
        Ok(Self { standard })
    }

    /// How many familiar words it knows.
    pub fn word_count(&self) -> usize {
        self.standard.len()
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
            .find_map(|key| self.standard.get(key))
            .map(Vec::as_slice)
    }

    /// Whether `word`, as typed, is a familiar word.
    pub fn knows(&self, word: &str) -> bool {
        self.standard(word).is_some()
    }
}

/// The fewest letters of a familiar word whose plural is recognised.
const MIN_PLURAL_BASE: usize = 4;

/// The table in force, as its editors wrote it: the one last imported, or the shipped one.
pub async fn table(db: &PgPool) -> Result<String, sqlx::Error> {
    let stored = stored(&mut *db.acquire().await?).await?;
    Ok(stored.unwrap_or_else(|| SHIPPED.to_owned()))
}

/// The table last imported, if any.
async fn stored(db: &mut sqlx::PgConnection) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar!("select source from familiar_words")
        .fetch_optional(db)
        .await
}

/// How many times a table was imported: 0 while the shipped one is in force. A server reloads
/// its thesaurus snapshot when this moves.
pub async fn version(db: &mut sqlx::PgConnection) -> Result<i64, sqlx::Error> {
    let version = sqlx::query_scalar!("select version from familiar_words")
        .fetch_optional(db)
        .await?;
    Ok(version.unwrap_or(0))
}

/// The lexicon stored in the library, read within `tx` (the thesaurus snapshot's
/// transaction). A stored table that no longer reads (edited by hand in the database) gives
/// way to the shipped one, and says so in the log.
pub async fn load(tx: &mut sqlx::PgConnection) -> Result<Arc<Lexicon>, sqlx::Error> {
    let Some(source) = stored(tx).await? else {
        return Ok(Lexicon::shipped());
    };
    Ok(match Lexicon::parse(&source) {
        Ok(lexicon) => Arc::new(lexicon),
        Err(error) => {
            tracing::error!(%error, "table des mots familiers illisible : table livrée");
            Lexicon::shipped()
        }
    })
}

/// What an import of a table changed.
#[derive(Debug, PartialEq, Eq)]
pub struct Imported {
    /// Familiar words in the new table.
    pub words: usize,
    /// Of those, words the table in force did not have.
    pub added: usize,
    /// Words of the table in force that the new one drops.
    pub removed: usize,
}

/// Why an import stored nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Table(#[from] LexiconError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Replaces the table in force with `source`, after reading every line of it: all or
/// nothing, recorded in the journal under `actor`. Its version moves in the same transaction,
/// so that every server reloads its snapshot with the new words.
pub async fn import(db: &PgPool, actor: Actor<'_>, source: &str) -> Result<Imported, ImportError> {
    let lexicon = Lexicon::parse(source)?;
    let mut tx = db.begin().await?;
    // Two imports at once wait for each other here (readers do not), and the second one
    // counts its changes against the first one's table.
    sqlx::query!("lock table familiar_words in exclusive mode")
        .execute(&mut *tx)
        .await?;
    let before = load(&mut tx).await?;
    sqlx::query!(
        "insert into familiar_words (source) values ($1)
         on conflict (singleton) do update
         set source = excluded.source, version = familiar_words.version + 1, imported_at = now()",
        source
    )
    .execute(&mut *tx)
    .await?;
    let known = |l: &Lexicon, word: &String| l.standard.contains_key(word);
    let imported = Imported {
        words: lexicon.word_count(),
        added: lexicon
            .standard
            .keys()
            .filter(|w| !known(&before, w))
            .count(),
        removed: before
            .standard
            .keys()
            .filter(|w| !known(&lexicon, w))
            .count(),
    };
    audit::record(
        &mut *tx,
        actor,
        Entry {
            action: "thesaurus.familiar",
            publication_id: None,
            subject: "Mots familiers",
            detail: json!({
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
        assert_eq!(lexicon.standard.len(), 2);
        // A short word has no plural.
        let chr = Lexicon::parse("chr\thôtellerie\n").unwrap();
        assert!(chr.knows("CHR") && !chr.knows("CHRS"));
    }

    #[test]
    fn a_table_is_refused_at_its_first_unreadable_line() {
        let refused = |table: &str| Lexicon::parse(table).unwrap_err().to_string();
        assert_eq!(
            refused("bagnole\tautomobile\nfaire la plonge\tplongeur\n"),
            "ligne 2 : « faire la plonge » n'est pas un seul mot (ni espace ni apostrophe)"
        );
        assert_eq!(
            refused("# un commentaire\nbagnole automobile\n"),
            "ligne 2 : il manque la tabulation (ou « : ») entre le mot et ses valeurs"
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
    fn the_shipped_table_reads_and_every_standard_word_is_searchable() {
        assert!(tables::entries(SHIPPED).all(|entry| entry.is_ok()));
        let lexicon = Lexicon::shipped();
        assert!(
            lexicon.standard.len() >= 100,
            "{} words",
            lexicon.standard.len()
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
