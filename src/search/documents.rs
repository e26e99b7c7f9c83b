//! What a publication becomes in the index: its texts, the labels of everything it is filed
//! under (so that a synonym or a job title finds it), and its facets.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};

use sqlx::PgPool;
use tantivy::TantivyDocument;
use tantivy::schema::Facet;
use tantivy::tokenizer::{PreTokenizedString, Token};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::analyzer::Without;
use super::schema::{Fields, STORED_TEXT_LIMIT};
use crate::thesaurus::analysis;
use crate::thesaurus::snapshot::{ConceptIndex, LabelKind, Snapshot};
use crate::thesaurus::subjects::SHIPPED_BASE;

/// A published publication with everything the index needs.
#[derive(Debug)]
pub struct Row {
    pub id: Uuid,
    pub external_id: Option<String>,
    pub slug: String,
    pub title: String,
    pub subtitle: Option<String>,
    pub abstract_text: Option<String>,
    pub body: Option<String>,
    pub keywords: Vec<String>,
    pub type_slug: String,
    pub type_label: String,
    pub published_on: Option<Date>,
    pub observatory_slug: String,
    pub observatory_name: String,
    pub observatory_acronym: Option<String>,
    pub opco_slug: Option<String>,
    pub opco_name: Option<String>,
    pub branches: Vec<String>,
    pub rome: Vec<String>,
    pub regions: Vec<String>,
    pub subjects: Vec<i64>,
    pub file_ids: Vec<Uuid>,
    pub file_names: Vec<String>,
    pub file_texts: Vec<String>,
    pub updated_at: OffsetDateTime,
}

/// The published publications among `ids` (the others are to be removed from the index).
pub async fn load(db: &PgPool, ids: &[Uuid]) -> Result<Vec<Row>, sqlx::Error> {
    sqlx::query_as!(
        Row,
        r#"
        select p.id, p.external_id, p.slug, p.title, p.subtitle, p.abstract as abstract_text,
               p.body, p.keywords, p.document_type as type_slug, dt.label as type_label,
               p.published_on, o.slug as observatory_slug, o.name as observatory_name,
               o.acronym as observatory_acronym, o.opco_slug as "opco_slug?",
               op.name as "opco_name?",
               array(select idcc from publication_branch b where b.publication_id = p.id) as "branches!",
               array(select rome_code from publication_rome r where r.publication_id = p.id) as "rome!",
               array(select region_code from publication_region r where r.publication_id = p.id) as "regions!",
               array(select concept_id from publication_subject s where s.publication_id = p.id) as "subjects!",
               array(select f.id from file f
                     where f.publication_id = p.id and f.extraction_status = 'done' and f.replaced_at is null
                     order by f.position, f.created_at, f.id) as "file_ids!",
               array(select f.original_name from file f
                     where f.publication_id = p.id and f.extraction_status = 'done' and f.replaced_at is null
                     order by f.position, f.created_at, f.id) as "file_names!",
               array(select coalesce(f.extracted_text, '') from file f
                     where f.publication_id = p.id and f.extraction_status = 'done' and f.replaced_at is null
                     order by f.position, f.created_at, f.id) as "file_texts!",
               p.updated_at
        from publication p
        join document_type dt on dt.slug = p.document_type
        join observatory o on o.id = p.observatory_id
        left join opco op on op.slug = o.opco_slug
        where p.id = any($1) and p.status = 'published'
        "#,
        ids
    )
    .fetch_all(db)
    .await
}

/// Ids of published publications after `after`, in id order: pages of a full rebuild.
pub async fn published_ids(
    db: &PgPool,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        "select id from publication where status = 'published' and ($1::uuid is null or id > $1)
         order by id limit $2",
        after,
        limit
    )
    .fetch_all(db)
    .await
}

pub async fn published_count(db: &PgPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(r#"select count(*) as "n!" from publication where status = 'published'"#)
        .fetch_one(db)
        .await
}

/// The index document of a row.
pub fn build(row: &Row, fields: &Fields, snapshot: &Snapshot) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    doc.add_text(fields.id, row.id.to_string());
    if let Some(external_id) = &row.external_id {
        doc.add_text(fields.external_id, external_id);
    }
    doc.add_i64(fields.updated, micros(row.updated_at));
    doc.add_text(fields.slug, &row.slug);
    doc.add_text(fields.title, &row.title);
    doc.add_text(fields.folded, &row.title);
    if let Some(subtitle) = &row.subtitle {
        doc.add_text(fields.subtitle, subtitle);
    }
    if let Some(text) = &row.abstract_text {
        doc.add_text(fields.abstract_text, text);
    }
    // What « sans » leaves out in the descriptive fields; not their label pairs, which the
    // queries look for as phrases there. The subjects' labels hold theirs apart (see
    // `add_subject_pairs`).
    let descriptive = [
        Some(&row.title),
        row.subtitle.as_ref(),
        row.abstract_text.as_ref(),
    ];
    for text in descriptive.into_iter().flatten().chain(&row.keywords) {
        add_pairs(&mut doc, fields, left_out_tokens(text, |pair| pair));
    }
    for keyword in &row.keywords {
        doc.add_text(fields.keywords, keyword);
        doc.add_text(fields.folded, keyword);
    }
    let record_body = row.body.as_deref().filter(|b| !b.is_empty());
    for text in record_body
        .into_iter()
        .chain(row.file_texts.iter().map(String::as_str))
    {
        doc.add_text(fields.body, text);
        doc.add_text(fields.body_text, stored_start(text));
        add_pairs(&mut doc, fields, pairs(text, snapshot));
    }
    for (id, name) in row.file_ids.iter().zip(&row.file_names) {
        doc.add_text(fields.file_ref, format!("{id} {name}"));
    }
    doc.add_text(fields.observatory, &row.observatory_name);
    add_publisher(&mut doc, row, fields);
    doc.add_text(fields.type_label, &row.type_label);
    add_concepts(&mut doc, row, fields, snapshot);
    add_branch_numbers(&mut doc, row, fields);
    add_facets(&mut doc, row, fields);
    for code in &row.rome {
        doc.add_text(fields.rome, code);
    }
    doc.add_text(
        fields.title_key,
        super::schema::title_key(&row.title, &row.id),
    );
    if let Some(date) = row.published_on {
        doc.add_i64(fields.year, i64::from(date.year()));
        doc.add_i64(fields.date, i64::from(date.to_julian_day()));
    }
    doc
}

/// A timestamp as PostgreSQL keeps it: microseconds since 1970.
pub fn micros(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1000).unwrap_or(i64::MAX)
}

/// What is stored of a long text (see [`Fields::body_text`]): its first
/// [`STORED_TEXT_LIMIT`] bytes, cut between two characters. A paged text (an extracted PDF,
/// pages ended by form feeds) keeps one at its end when the cut fell within its first page,
/// so that it still reads as paged.
fn stored_start(text: &str) -> Cow<'_, str> {
    if text.len() <= STORED_TEXT_LIMIT {
        return Cow::Borrowed(text);
    }
    let start = &text[..crate::text::floor_char_boundary(text, STORED_TEXT_LIMIT)];
    if text.contains('\u{c}') && !start.contains('\u{c}') {
        Cow::Owned(format!("{start}\u{c}"))
    } else {
        Cow::Borrowed(start)
    }
}

fn add_pairs(doc: &mut TantivyDocument, fields: &Fields, pairs: PreTokenizedString) {
    if !pairs.tokens.is_empty() {
        doc.add_pre_tokenized_text(fields.body_pairs, pairs);
    }
}

/// The tokens of [`Fields::body_pairs`] in a long text: what « sans » leaves out (see
/// [`Without`]) and the pairs of consecutive terms that occur in a thesaurus label.
///
/// A long text repeats its vocabulary: each distinct word is analysed once, and each distinct
/// pair of terms looked up once.
fn pairs(text: &str, snapshot: &Snapshot) -> PreTokenizedString {
    type Fx = std::hash::BuildHasherDefault<super::snippet::FxHasher>;
    let mut terms: Vec<String> = Vec::new();
    let mut term_of: HashMap<&str, Option<u32>, Fx> = HashMap::default();
    let mut is_pair: HashMap<(u32, u32), bool, Fx> = HashMap::default();
    let mut tokens = Vec::new();
    let mut previous: Option<u32> = None;
    let mut pair = String::new();
    let mut without = Without::default();
    let mut push = |text: String| {
        tokens.push(Token {
            position: tokens.len(),
            text,
            ..Token::default()
        })
    };
    for word in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let term = *term_of.entry(word).or_insert_with(|| {
            analysis::term(word).map(|term| {
                terms.push(term);
                (terms.len() - 1) as u32
            })
        });
        // `word`, not the key of `term_of` (an earlier occurrence): `Without` reads where it is.
        let term_text = term.map(|t| terms[t as usize].as_str());
        if let Some(left_out) = without.next(text, word, term_text) {
            push(left_out);
        }
        let Some(term) = term else {
            continue;
        };
        if let Some(previous) = previous {
            let known = *is_pair.entry((previous, term)).or_insert_with(|| {
                pair.clear();
                pair.push_str(&terms[previous as usize]);
                pair.push(' ');
                pair.push_str(&terms[term as usize]);
                snapshot.is_label_pair(&pair)
            });
            if known {
                push(format!(
                    "{} {}",
                    terms[previous as usize], terms[term as usize]
                ));
            }
        }
        previous = Some(term);
    }
    PreTokenizedString {
        text: String::new(),
        tokens,
    }
}

/// What « sans » leaves out in a short text (a title, a keyword, a subject's label), each pair
/// as `token` writes it.
fn left_out_tokens(text: &str, token: impl Fn(String) -> String) -> PreTokenizedString {
    let tokens = if mentions_sans(text) {
        super::analyzer::left_out(text)
            .into_iter()
            .enumerate()
            .map(|(position, (_, pair))| Token {
                position,
                text: token(pair),
                ..Token::default()
            })
            .collect()
    } else {
        // Most texts: nothing to analyse.
        Vec::new()
    };
    PreTokenizedString {
        text: String::new(),
        tokens,
    }
}

/// What « sans » leaves out in a subject's label, as tokens of their own
/// ([`super::analyzer::in_subjects`]): given the bonus of a query's « sans », the ROME's theme
/// « Métiers accessibles sans diplôme et sans expérience » gave 179 fiches that bonus, which
/// then outweighed the words of long queries that match weakly (BENCHMARKS.md, eighth session).
fn add_subject_pairs(doc: &mut TantivyDocument, fields: &Fields, label: &str) {
    let tokens = left_out_tokens(label, |pair| super::analyzer::in_subjects(&pair));
    add_pairs(doc, fields, tokens);
}

/// Whether « sans » may be in `text`, in any case: most texts need no analysis for it.
fn mentions_sans(text: &str) -> bool {
    text.as_bytes()
        .windows(4)
        .any(|w| w.eq_ignore_ascii_case(b"sans"))
}

/// Labels of the subjects and ROME codes, with their ancestors; theme facets; concept ids.
fn add_concepts(doc: &mut TantivyDocument, row: &Row, fields: &Fields, snapshot: &Snapshot) {
    let mut filed: BTreeSet<ConceptIndex> = row
        .subjects
        .iter()
        .filter_map(|&id| snapshot.find_by_id(id))
        .collect();
    filed.extend(
        row.rome
            .iter()
            .filter_map(|code| snapshot.by_notation("rome", code)),
    );
    let mut ancestors: BTreeSet<ConceptIndex> = BTreeSet::new();
    for &concept in &filed {
        collect_ancestors(snapshot, concept, &mut ancestors);
    }
    for &concept in &filed {
        // The concept itself: every label, job titles and abbreviations included.
        for label in snapshot.concept(concept).labels.iter() {
            doc.add_text(fields.subjects, &label.text);
            add_subject_pairs(doc, fields, &label.text);
            if label.kind != LabelKind::Hidden {
                doc.add_text(fields.folded, &label.text);
            }
        }
    }
    for &concept in ancestors.difference(&filed) {
        // Broader concepts: their preferred label only, so that a general word finds the
        // study without every synonym of every ancestor diluting the field.
        let pref = &snapshot.concept(concept).pref;
        doc.add_text(fields.subjects, pref);
        add_subject_pairs(doc, fields, pref);
    }
    for &concept in filed.union(&ancestors) {
        doc.add_i64(fields.concepts, snapshot.concept(concept).id);
    }
    let themes = format!("{SHIPPED_BASE}/themes");
    for &concept in &filed {
        if snapshot.scheme_of(concept).uri == themes {
            doc.add_facet(fields.facet, theme_path(snapshot, concept));
        }
    }
}

fn collect_ancestors(snapshot: &Snapshot, concept: ConceptIndex, out: &mut BTreeSet<ConceptIndex>) {
    let mut stack = snapshot.concept(concept).broader.clone();
    while let Some(next) = stack.pop() {
        if out.insert(next) {
            stack.extend(snapshot.concept(next).broader.iter().copied());
        }
    }
}

/// `/theme/{top id}/…/{id}` along the first broader chain within the scheme.
pub(crate) fn theme_path(snapshot: &Snapshot, concept: ConceptIndex) -> Facet {
    let scheme = snapshot.concept(concept).scheme;
    let mut chain = vec![snapshot.concept(concept).id.to_string()];
    let mut current = concept;
    while let Some(&parent) = snapshot
        .concept(current)
        .broader
        .iter()
        .find(|&&b| snapshot.concept(b).scheme == scheme)
    {
        if chain.len() > 12 {
            break;
        }
        chain.push(snapshot.concept(parent).id.to_string());
        current = parent;
    }
    chain.push("theme".into());
    chain.reverse();
    Facet::from_path(chain)
}

/// The keys of who published the study, for a query that names them (see
/// [`super::publishers`]).
fn add_publisher(doc: &mut TantivyDocument, row: &Row, fields: &Fields) {
    let names = [
        Some(&row.observatory_name),
        row.observatory_acronym.as_ref(),
        row.opco_name.as_ref(),
    ];
    for name in names.into_iter().flatten() {
        let key = super::publishers::key(name);
        if !key.is_empty() {
            doc.add_text(fields.publisher, key);
        }
    }
}

/// A branch is known by its number: "IDCC 1486", "1486", "idcc 44" find its studies, whether
/// the thesaurus has the branch or not.
fn add_branch_numbers(doc: &mut TantivyDocument, row: &Row, fields: &Fields) {
    for idcc in &row.branches {
        let short = idcc.trim_start_matches('0');
        doc.add_text(fields.subjects, format!("IDCC {idcc} {short}"));
    }
}

fn add_facets(doc: &mut TantivyDocument, row: &Row, fields: &Fields) {
    let mut facet = |parts: [&str; 2]| doc.add_facet(fields.facet, Facet::from_path(parts));
    if let Some(opco) = &row.opco_slug {
        facet(["opco", opco]);
    }
    facet(["observatoire", &row.observatory_slug]);
    facet(["type", &row.type_slug]);
    if let Some(date) = row.published_on {
        facet(["annee", &date.year().to_string()]);
    }
    if row.regions.is_empty() {
        facet(["region", "national"]);
    }
    for region in &row.regions {
        facet(["region", region]);
    }
    for idcc in &row.branches {
        facet(["branche", idcc]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_sans_leaves_out_in_a_long_text_stops_at_a_sentences_end() {
        let snapshot = Snapshot::default();
        let tokens = |text: &str| -> Vec<String> {
            pairs(text, &snapshot)
                .tokens
                .into_iter()
                .map(|t| t.text)
                .collect()
        };
        assert_eq!(
            tokens("Des jeunes sans diplôme, ni bac. Les autres"),
            ["sans diplom", "sans bac"]
        );
        assert!(tokens("Avec ou sans. Les jeunes sortis tôt").is_empty());
    }

    #[test]
    fn short_texts_are_stored_whole() {
        assert!(matches!(stored_start("court"), Cow::Borrowed("court")));
    }

    #[test]
    fn long_texts_are_cut_between_two_characters() {
        // Two-byte characters from an odd offset: the limit falls inside one of them.
        let text = format!("a{}", "é".repeat(STORED_TEXT_LIMIT));
        let stored = stored_start(&text);
        assert!(stored.len() <= STORED_TEXT_LIMIT);
        assert!(stored.len() > STORED_TEXT_LIMIT - 2);
        assert!(text.starts_with(stored.as_ref()));
    }

    #[test]
    fn a_paged_text_cut_within_its_first_page_stays_paged() {
        let text = format!(
            "{}\u{c}page deux\u{c}",
            "mot ".repeat(STORED_TEXT_LIMIT / 2)
        );
        let stored = stored_start(&text);
        assert!(stored.ends_with('\u{c}'));
        assert_eq!(stored.matches('\u{c}').count(), 1);
        let unpaged = "mot ".repeat(STORED_TEXT_LIMIT / 2);
        assert!(!stored_start(&unpaged).contains('\u{c}'));
    }
}
