//! Saving a vocabulary into PostgreSQL: an upsert by URI inside the caller's transaction that
//! touches only what changed, and the integrity checks run before it.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use sqlx::{PgConnection, Postgres, Transaction};

use super::model::{Concept, ConceptStatus, FRENCH, MatchKind, Vocabulary};
use crate::text::{code_point, forbidden_char};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("le vocabulaire est incohérent :\n{}", .0.join("\n"))]
    Invalid(Vec<String>),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// What an import changed, and what it noticed.
#[derive(Debug, Default, Clone, Serialize)]
pub struct ImportStats {
    pub schemes: usize,
    pub concepts_added: u64,
    pub concepts_updated: u64,
    pub concepts_total: usize,
    pub labels_added: usize,
    pub labels_removed: usize,
    pub relations_added: usize,
    pub relations_removed: usize,
    /// Integrity checks: alternative labels equal to the preferred one (dropped).
    pub labels_equal_to_pref: usize,
    /// Integrity checks: broader or related concepts that exist nowhere (skipped).
    pub dangling_references: usize,
    pub warnings: Vec<String>,
}

impl ImportStats {
    /// Adds what one relation table's update did (row counts, as PostgreSQL gives them).
    fn count_relations(&mut self, added: i64, removed: i64) {
        self.relations_added += usize::try_from(added).unwrap_or(0);
        self.relations_removed += usize::try_from(removed).unwrap_or(0);
    }

    pub fn changed(&self) -> bool {
        self.concepts_added + self.concepts_updated > 0
            || self.labels_added
                + self.labels_removed
                + self.relations_added
                + self.relations_removed
                > 0
    }
}

/// Checks `vocabulary` on its own: blocking errors, and fixable issues reported as warnings
/// (the fix is applied to the returned copy).
pub fn check(vocabulary: &Vocabulary) -> Result<(Vocabulary, Vec<String>), StoreError> {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let mut fixed = vocabulary.clone();
    for scheme in fixed.schemes.values() {
        let texts = [Some(&scheme.title), scheme.description.as_ref()];
        if let Some(c) = texts.into_iter().flatten().find_map(|t| forbidden_char(t)) {
            errors.push(format!(
                "schéma <{}> : caractère de contrôle {} dans son titre ou sa description",
                scheme.uri,
                code_point(c)
            ));
        }
    }
    for concept in fixed.concepts.values_mut() {
        if let Some((what, c)) = control_character(concept) {
            errors.push(format!(
                "concept <{}> : caractère de contrôle {} dans {what}",
                concept.uri,
                code_point(c)
            ));
        }
        if !vocabulary.schemes.contains_key(&concept.scheme) {
            errors.push(format!(
                "concept <{}> : schéma inconnu <{}>",
                concept.uri, concept.scheme
            ));
        }
        let mut languages = HashSet::new();
        for label in &concept.pref_labels {
            if !languages.insert(label.language.as_str()) {
                errors.push(format!(
                    "concept <{}> : deux libellés préférés en « {} »",
                    concept.uri, label.language
                ));
            }
        }
        if concept.pref_fr().is_none() {
            errors.push(format!(
                "concept <{}> : pas de libellé préféré en français",
                concept.uri
            ));
        }
        let prefs = concept.pref_labels.clone();
        let before = concept.alt_labels.len() + concept.hidden_labels.len();
        concept.alt_labels.retain(|l| !prefs.contains(l));
        concept
            .hidden_labels
            .retain(|l| !prefs.contains(l) && !concept.alt_labels.contains(l));
        let dropped = before - concept.alt_labels.len() - concept.hidden_labels.len();
        if dropped > 0 {
            warnings.push(format!(
                "concept <{}> : {dropped} libellé(s) alternatif(s) identique(s) au libellé préféré, ignoré(s)",
                concept.uri
            ));
        }
    }
    if let Some(cycle) = find_cycle(&fixed) {
        errors.push(format!(
            "cycle de relations « broader » : {}",
            cycle.join(" → ")
        ));
    }
    if errors.is_empty() {
        Ok((fixed, warnings))
    } else {
        Err(StoreError::Invalid(errors))
    }
}

/// The first text of a concept that holds a control character other than tab and line ends
/// ([`forbidden_char`]): PostgreSQL refuses NUL, and no label needs the others.
fn control_character(concept: &Concept) -> Option<(&'static str, char)> {
    let labels = concept
        .pref_labels
        .iter()
        .chain(&concept.alt_labels)
        .chain(&concept.hidden_labels)
        .map(|label| ("un libellé", label.text.as_str()));
    let notes = [
        ("la notation", concept.notation.as_deref()),
        ("la définition", concept.definition.as_deref()),
        ("la note d'application", concept.scope_note.as_deref()),
    ]
    .into_iter()
    .filter_map(|(what, text)| text.map(|t| (what, t)));
    std::iter::once(("l'URI", concept.uri.as_str()))
        .chain(labels)
        .chain(notes)
        .find_map(|(what, text)| forbidden_char(text).map(|c| (what, c)))
}

/// A broader cycle among the concepts of the vocabulary, as a list of URIs, if any.
fn find_cycle(vocabulary: &Vocabulary) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Visiting,
        Done,
    }
    let mut marks: HashMap<&str, Mark> = HashMap::new();
    for start in vocabulary.concepts.keys() {
        if marks.contains_key(start.as_str()) {
            continue;
        }
        // Iterative depth-first search: vocabularies can be deep and wide.
        let mut stack: Vec<(&str, Vec<&str>)> = vec![(start, broader_of(vocabulary, start))];
        marks.insert(start, Mark::Visiting);
        while let Some((node, children)) = stack.last_mut() {
            let node = *node;
            match children.pop() {
                Some(next) => match marks.get(next) {
                    Some(Mark::Visiting) => {
                        let mut path: Vec<String> =
                            stack.iter().map(|(n, _)| (*n).to_owned()).collect();
                        let from = path.iter().position(|n| n == next).unwrap_or(0);
                        path.drain(..from);
                        path.push(next.to_owned());
                        return Some(path);
                    }
                    Some(Mark::Done) => {}
                    None => {
                        marks.insert(next, Mark::Visiting);
                        stack.push((next, broader_of(vocabulary, next)));
                    }
                },
                None => {
                    marks.insert(node, Mark::Done);
                    stack.pop();
                }
            }
        }
    }
    None
}

fn broader_of<'v>(vocabulary: &'v Vocabulary, uri: &str) -> Vec<&'v str> {
    vocabulary
        .concepts
        .get(uri)
        .map(|c| {
            c.broader
                .iter()
                .filter(|b| vocabulary.concepts.contains_key(b.as_str()))
                .map(String::as_str)
                .collect()
        })
        .unwrap_or_default()
}

/// Upserts `vocabulary` (already checked) by URI; bumps the thesaurus revision when anything
/// changed. Runs inside the caller's transaction.
pub async fn save(
    tx: &mut Transaction<'_, Postgres>,
    vocabulary: &Vocabulary,
) -> Result<ImportStats, StoreError> {
    let mut stats = ImportStats {
        schemes: vocabulary.schemes.len(),
        concepts_total: vocabulary.concepts.len(),
        ..Default::default()
    };
    let scheme_ids = save_schemes(tx, vocabulary).await?;
    save_concepts(tx, vocabulary, &scheme_ids, &mut stats).await?;
    let ids = concept_ids(tx, vocabulary).await?;
    save_labels(tx, vocabulary, &ids, &mut stats).await?;
    save_relations(tx, vocabulary, &ids, &mut stats).await?;
    if stats.changed() {
        sqlx::query!("update thesaurus_revision set revision = revision + 1, changed_at = now()")
            .execute(&mut **tx)
            .await?;
    }
    Ok(stats)
}

async fn save_schemes(
    conn: &mut PgConnection,
    vocabulary: &Vocabulary,
) -> Result<HashMap<String, i64>, StoreError> {
    let mut ids = HashMap::new();
    for scheme in vocabulary.schemes.values() {
        let id = sqlx::query_scalar!(
            r#"
            insert into concept_scheme (uri, slug, title, description) values ($1, $2, $3, $4)
            on conflict (uri) do update set
                slug = excluded.slug, title = excluded.title, description = excluded.description,
                updated_at = now()
            returning id
            "#,
            scheme.uri,
            scheme.slug,
            scheme.title,
            scheme.description,
        )
        .fetch_one(&mut *conn)
        .await?;
        ids.insert(scheme.uri.clone(), id);
    }
    Ok(ids)
}

async fn save_concepts(
    conn: &mut PgConnection,
    vocabulary: &Vocabulary,
    scheme_ids: &HashMap<String, i64>,
    stats: &mut ImportStats,
) -> Result<(), StoreError> {
    let concepts: Vec<_> = vocabulary.concepts.values().collect();
    let status = |s: ConceptStatus| match s {
        ConceptStatus::Candidate => "candidate",
        ConceptStatus::Validated => "validated",
        ConceptStatus::Deprecated => "deprecated",
    };
    let uris: Vec<String> = concepts.iter().map(|c| c.uri.clone()).collect();
    let schemes: Vec<i64> = concepts
        .iter()
        .map(|c| scheme_ids.get(&c.scheme).copied().unwrap_or_default())
        .collect();
    let notations: Vec<Option<String>> = concepts.iter().map(|c| c.notation.clone()).collect();
    let definitions: Vec<Option<String>> = concepts.iter().map(|c| c.definition.clone()).collect();
    let notes: Vec<Option<String>> = concepts.iter().map(|c| c.scope_note.clone()).collect();
    let tops: Vec<bool> = concepts.iter().map(|c| c.is_top).collect();
    let statuses: Vec<String> = concepts
        .iter()
        .map(|c| status(c.status).to_owned())
        .collect();
    let rows = sqlx::query!(
        r#"
        insert into concept (uri, scheme_id, notation, definition, scope_note, is_top, status)
        select u, s, n, d, sn, t, st::concept_status
        from unnest($1::text[], $2::int8[], $3::text[], $4::text[], $5::text[], $6::bool[], $7::text[])
             as x(u, s, n, d, sn, t, st)
        on conflict (uri) do update set
            scheme_id = excluded.scheme_id, notation = excluded.notation,
            definition = excluded.definition, scope_note = excluded.scope_note,
            is_top = excluded.is_top, status = excluded.status, updated_at = now()
        where (concept.scheme_id, concept.notation, concept.definition, concept.scope_note,
               concept.is_top, concept.status)
              is distinct from
              (excluded.scheme_id, excluded.notation, excluded.definition, excluded.scope_note,
               excluded.is_top, excluded.status)
        returning (xmax = 0) as "inserted!"
        "#,
        &uris,
        &schemes,
        &notations as &[Option<String>],
        &definitions as &[Option<String>],
        &notes as &[Option<String>],
        &tops,
        &statuses,
    )
    .fetch_all(&mut *conn)
    .await?;
    stats.concepts_added = rows.iter().filter(|r| r.inserted).count() as u64;
    stats.concepts_updated = rows.len() as u64 - stats.concepts_added;
    Ok(())
}

/// Ids of the imported concepts and of every concept they refer to that already exists.
async fn concept_ids(
    conn: &mut PgConnection,
    vocabulary: &Vocabulary,
) -> Result<HashMap<String, i64>, StoreError> {
    let mut wanted: HashSet<&str> = HashSet::new();
    for c in vocabulary.concepts.values() {
        wanted.insert(&c.uri);
        wanted.extend(c.broader.iter().map(String::as_str));
        wanted.extend(c.related.iter().map(String::as_str));
    }
    let wanted: Vec<String> = wanted.into_iter().map(str::to_owned).collect();
    let rows = sqlx::query!("select id, uri from concept where uri = any($1)", &wanted)
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows.into_iter().map(|r| (r.uri, r.id)).collect())
}

type LabelRow = (i64, String, String, String);

async fn save_labels(
    conn: &mut PgConnection,
    vocabulary: &Vocabulary,
    ids: &HashMap<String, i64>,
    stats: &mut ImportStats,
) -> Result<(), StoreError> {
    let mut wanted: HashSet<LabelRow> = HashSet::new();
    for c in vocabulary.concepts.values() {
        let Some(&id) = ids.get(&c.uri) else { continue };
        for (kind, labels) in [
            ("pref", &c.pref_labels),
            ("alt", &c.alt_labels),
            ("hidden", &c.hidden_labels),
        ] {
            for l in labels {
                wanted.insert((id, kind.to_owned(), l.language.clone(), l.text.clone()));
            }
        }
    }
    let concept_ids: Vec<i64> = vocabulary
        .concepts
        .values()
        .filter_map(|c| ids.get(&c.uri).copied())
        .collect();
    let existing: HashSet<LabelRow> = sqlx::query!(
        r#"select concept_id, kind as "kind!: String", language, label from concept_label
           where concept_id = any($1)"#,
        &concept_ids,
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|r| (r.concept_id, r.kind, r.language, r.label))
    .collect();
    let removed: Vec<&LabelRow> = existing.difference(&wanted).collect();
    let added: Vec<&LabelRow> = wanted.difference(&existing).collect();
    let columns = |rows: &[&LabelRow]| {
        (
            rows.iter().map(|r| r.0).collect::<Vec<_>>(),
            rows.iter().map(|r| r.1.clone()).collect::<Vec<_>>(),
            rows.iter().map(|r| r.2.clone()).collect::<Vec<_>>(),
            rows.iter().map(|r| r.3.clone()).collect::<Vec<_>>(),
        )
    };
    let (c, k, lang, text) = columns(&removed);
    sqlx::query!(
        "delete from concept_label l
         using unnest($1::int8[], $2::text[], $3::text[], $4::text[]) as x(c, k, lang, t)
         where l.concept_id = x.c and l.kind = x.k::label_kind and l.language = x.lang and l.label = x.t",
        &c, &k, &lang, &text,
    )
    .execute(&mut *conn)
    .await?;
    let (c, k, lang, text) = columns(&added);
    sqlx::query!(
        "insert into concept_label (concept_id, kind, language, label)
         select c, k::label_kind, lang, t
         from unnest($1::int8[], $2::text[], $3::text[], $4::text[]) as x(c, k, lang, t)",
        &c,
        &k,
        &lang,
        &text,
    )
    .execute(&mut *conn)
    .await?;
    stats.labels_added = added.len();
    stats.labels_removed = removed.len();
    Ok(())
}

async fn save_relations(
    conn: &mut PgConnection,
    vocabulary: &Vocabulary,
    ids: &HashMap<String, i64>,
    stats: &mut ImportStats,
) -> Result<(), StoreError> {
    let concept_ids: Vec<i64> = vocabulary
        .concepts
        .values()
        .filter_map(|c| ids.get(&c.uri).copied())
        .collect();
    let mut broader: HashSet<(i64, i64)> = HashSet::new();
    let mut related: HashSet<(i64, i64)> = HashSet::new();
    let mut matches: HashSet<(i64, String, String)> = HashSet::new();
    for c in vocabulary.concepts.values() {
        let Some(&id) = ids.get(&c.uri) else { continue };
        for target in &c.broader {
            match ids.get(target) {
                Some(&b) => {
                    broader.insert((id, b));
                }
                None => {
                    stats.dangling_references += 1;
                    stats.warnings.push(format!(
                        "concept <{}> : concept plus large inconnu <{target}>, ignoré",
                        c.uri
                    ));
                }
            }
        }
        for target in &c.related {
            match ids.get(target) {
                Some(&r) if r != id => {
                    related.insert((id.min(r), id.max(r)));
                }
                Some(_) => {}
                None => {
                    stats.dangling_references += 1;
                    stats.warnings.push(format!(
                        "concept <{}> : concept associé inconnu <{target}>, ignoré",
                        c.uri
                    ));
                }
            }
        }
        for (kind, uri) in &c.matches {
            matches.insert((id, match_name(*kind).to_owned(), uri.clone()));
        }
    }

    // Each relation table is made to hold exactly what the vocabulary states about its
    // concepts by one statement: the stored rows no longer wanted are deleted, the wanted rows
    // not stored inserted. The two never touch the same row (a wanted row is never deleted, and
    // these tables have no key but the whole row), so they run side by side in one snapshot.
    // Labels are not done so: a changed preferred label must go before its successor comes in.
    let (from, to) = pairs(&broader);
    let change = sqlx::query!(
        r#"with wanted as (select * from unnest($2::int8[], $3::int8[]) as w(c, b)),
           gone as (
               delete from concept_broader x
               where x.concept_id = any($1)
                 and not exists (select 1 from wanted w
                                 where w.c = x.concept_id and w.b = x.broader_id)
               returning 1),
           new as (
               insert into concept_broader (concept_id, broader_id)
               select c, b from wanted on conflict do nothing
               returning 1)
           select (select count(*) from gone) as "removed!", (select count(*) from new) as "added!""#,
        &concept_ids,
        &from,
        &to,
    )
    .fetch_one(&mut *conn)
    .await?;
    stats.count_relations(change.added, change.removed);

    let (a, b) = pairs(&related);
    let change = sqlx::query!(
        r#"with wanted as (select * from unnest($2::int8[], $3::int8[]) as w(a, b)),
           gone as (
               delete from concept_related x
               where (x.concept_a = any($1) or x.concept_b = any($1))
                 and not exists (select 1 from wanted w
                                 where w.a = x.concept_a and w.b = x.concept_b)
               returning 1),
           new as (
               insert into concept_related (concept_a, concept_b)
               select a, b from wanted on conflict do nothing
               returning 1)
           select (select count(*) from gone) as "removed!", (select count(*) from new) as "added!""#,
        &concept_ids,
        &a,
        &b,
    )
    .fetch_one(&mut *conn)
    .await?;
    stats.count_relations(change.added, change.removed);

    let (c, k, u): (Vec<i64>, Vec<&str>, Vec<&str>) = matches
        .iter()
        .map(|(c, k, u)| (*c, k.as_str(), u.as_str()))
        .collect();
    let change = sqlx::query!(
        r#"with wanted as (select c, k::match_kind as k, u
                           from unnest($2::int8[], $3::text[], $4::text[]) as w(c, k, u)),
           gone as (
               delete from concept_match x
               where x.concept_id = any($1)
                 and not exists (select 1 from wanted w
                                 where w.c = x.concept_id and w.k = x.kind and w.u = x.uri)
               returning 1),
           new as (
               insert into concept_match (concept_id, kind, uri)
               select c, k, u from wanted on conflict do nothing
               returning 1)
           select (select count(*) from gone) as "removed!", (select count(*) from new) as "added!""#,
        &concept_ids,
        &c,
        &k as &[&str],
        &u as &[&str],
    )
    .fetch_one(&mut *conn)
    .await?;
    stats.count_relations(change.added, change.removed);
    Ok(())
}

fn match_name(kind: MatchKind) -> &'static str {
    match kind {
        MatchKind::Exact => "exact",
        MatchKind::Close => "close",
        MatchKind::Broad => "broad",
        MatchKind::Narrow => "narrow",
        MatchKind::Related => "related",
    }
}

/// Pairs of concept ids as two columns, for `unnest($1::int8[], $2::int8[])`.
fn pairs(pairs: &HashSet<(i64, i64)>) -> (Vec<i64>, Vec<i64>) {
    pairs.iter().copied().unzip()
}

/// The language every concept must have a preferred label in, re-exported for messages.
pub const REQUIRED_LANGUAGE: &str = FRENCH;

/// Reads the stored vocabulary back into the model (exports, concept pages). With `only`, just
/// that concept and its scheme.
pub async fn load(db: &sqlx::PgPool, only: Option<i64>) -> Result<Vocabulary, sqlx::Error> {
    use super::model::{Concept, Label, Scheme};

    let mut vocabulary = Vocabulary::default();
    let schemes = sqlx::query!(
        "select s.uri, s.slug, s.title, s.description from concept_scheme s
         where $1::int8 is null or s.id = (select scheme_id from concept where id = $1)",
        only
    )
    .fetch_all(db)
    .await?;
    for s in schemes {
        vocabulary.schemes.insert(
            s.uri.clone(),
            Scheme {
                uri: s.uri,
                slug: s.slug,
                title: s.title,
                description: s.description,
            },
        );
    }
    let concepts = sqlx::query!(
        r#"select c.id, c.uri, s.uri as scheme, c.notation, c.definition, c.scope_note, c.is_top,
                  c.status as "status: ConceptStatus"
           from concept c join concept_scheme s on s.id = c.scheme_id
           where $1::int8 is null or c.id = $1"#,
        only
    )
    .fetch_all(db)
    .await?;
    for row in concepts {
        let mut concept = Concept::new(row.uri.clone(), row.scheme);
        concept.notation = row.notation;
        concept.definition = row.definition;
        concept.scope_note = row.scope_note;
        concept.is_top = row.is_top;
        concept.status = row.status;
        vocabulary.concepts.insert(row.uri, concept);
    }
    let labels = sqlx::query!(
        r#"select c.uri, l.kind as "kind!: String", l.language, l.label
           from concept_label l join concept c on c.id = l.concept_id
           where $1::int8 is null or c.id = $1"#,
        only
    )
    .fetch_all(db)
    .await?;
    for row in labels {
        if let Some(concept) = vocabulary.concepts.get_mut(&row.uri) {
            let label = Label {
                language: row.language,
                text: row.label,
            };
            match row.kind.as_str() {
                "pref" => concept.pref_labels.insert(label),
                "alt" => concept.alt_labels.insert(label),
                _ => concept.hidden_labels.insert(label),
            };
        }
    }
    let broader = sqlx::query!(
        r#"select c.uri as "child!", p.uri as "parent!" from concept_broader b
           join concept c on c.id = b.concept_id join concept p on p.id = b.broader_id
           where $1::int8 is null or b.concept_id = $1"#,
        only
    )
    .fetch_all(db)
    .await?;
    for row in broader {
        if let Some(concept) = vocabulary.concepts.get_mut(&row.child) {
            concept.broader.insert(row.parent);
        }
    }
    let related = sqlx::query!(
        r#"select a.uri as "a!", b.uri as "b!" from concept_related r
           join concept a on a.id = r.concept_a join concept b on b.id = r.concept_b
           where $1::int8 is null or r.concept_a = $1 or r.concept_b = $1"#,
        only
    )
    .fetch_all(db)
    .await?;
    for row in related {
        // Stored once per pair; the model keeps it on the side with the smaller URI.
        let (first, second) = if row.a <= row.b {
            (row.a, row.b)
        } else {
            (row.b, row.a)
        };
        if let Some(concept) = vocabulary.concepts.get_mut(&first) {
            concept.related.insert(second);
        } else if let Some(concept) = vocabulary.concepts.get_mut(&second) {
            concept.related.insert(first);
        }
    }
    let matches = sqlx::query!(
        r#"select c.uri, m.kind as "kind: MatchKind", m.uri as target
           from concept_match m join concept c on c.id = m.concept_id
           where $1::int8 is null or c.id = $1"#,
        only
    )
    .fetch_all(db)
    .await?;
    for row in matches {
        if let Some(concept) = vocabulary.concepts.get_mut(&row.uri) {
            concept.matches.insert((row.kind, row.target));
        }
    }
    Ok(vocabulary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::thesaurus::rdf::{self, RdfFormat};

    const TURTLE: &str = r#"
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dct: <http://purl.org/dc/terms/> .
<https://example.org/t> a skos:ConceptScheme ; dct:title "Essai"@fr .
<https://example.org/t/a> a skos:Concept ; skos:inScheme <https://example.org/t> ;
    skos:prefLabel "LABEL"@fr ; skos:definition "DEFINITION"@fr .
"#;

    fn checked(label: &str, definition: &str) -> Result<(), String> {
        let text = TURTLE
            .replace("LABEL", label)
            .replace("DEFINITION", definition);
        let vocabulary = rdf::parse(text.as_bytes(), RdfFormat::Turtle, None).expect("parses");
        check(&vocabulary).map(|_| ()).map_err(|e| e.to_string())
    }

    #[test]
    fn control_characters_in_labels_and_notes_refuse_the_vocabulary() {
        assert_eq!(checked("formation", "ligne\\tune\\nligne deux"), Ok(()));
        let nul = checked("forma\\u0000tion", "d").unwrap_err();
        assert!(
            nul.contains("<https://example.org/t/a>") && nul.contains("U+0000 dans un libellé"),
            "{nul}"
        );
        let esc = checked("formation", "\\u001B[31m").unwrap_err();
        assert!(esc.contains("U+001B dans la définition"), "{esc}");
    }
}
