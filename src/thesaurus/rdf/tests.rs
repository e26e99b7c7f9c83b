use super::*;

const TH: &str = "https://www.bibliotheque-observatoires.fr/thesaurus/";

fn uri(path: &str) -> String {
    format!("{TH}{path}")
}

fn turtle(text: &str) -> Result<Vocabulary, RdfError> {
    parse(text.as_bytes(), RdfFormat::Turtle, None)
}

fn fixture() -> Vocabulary {
    match turtle(fixtures::TURTLE) {
        Ok(v) => v,
        Err(e) => panic!("fixture: {e}"),
    }
}

fn concept<'a>(v: &'a Vocabulary, path: &str) -> &'a Concept {
    &v.concepts[&uri(path)]
}

fn label(language: &str, text: &str) -> Label {
    Label {
        language: language.to_owned(),
        text: text.to_owned(),
    }
}

#[test]
fn formats_from_paths() {
    let format = |p: &str| RdfFormat::from_path(Path::new(p));
    assert_eq!(format("a/b.ttl"), Some(RdfFormat::Turtle));
    assert_eq!(format("b.NT"), Some(RdfFormat::NTriples));
    assert_eq!(format("b.rdf"), Some(RdfFormat::RdfXml));
    assert_eq!(format("b.xml"), Some(RdfFormat::RdfXml));
    assert_eq!(format("b.owl"), Some(RdfFormat::RdfXml));
    assert_eq!(format("b.csv"), None);
    assert_eq!(format("ttl"), None);
}

#[test]
fn every_property_has_its_own_iri() {
    let table = Property::lookup_table();
    assert_eq!(table.len(), Property::ALL.len());
    for property in Property::ALL {
        assert_eq!(table[property.iri()], property);
    }
}

#[test]
fn reads_schemes() {
    let v = fixture();
    assert_eq!(v.schemes.len(), 2);
    let themes = &v.schemes[&uri("themes")];
    assert_eq!(themes.slug, "themes");
    assert_eq!(themes.title, "Thèmes");
    assert_eq!(
        themes.description.as_deref(),
        Some("Les thèmes d'étude des observatoires")
    );
    let secteurs = &v.schemes[&uri("secteurs")];
    assert_eq!(secteurs.title, "Secteurs d'activité");
    assert_eq!(secteurs.description, None);
}

#[test]
fn reads_concepts() {
    let v = fixture();
    assert_eq!(v.concepts.len(), 8);
    let emploi = concept(&v, "themes/emploi");
    assert_eq!(emploi.scheme, uri("themes"));
    assert_eq!(emploi.pref_fr(), Some("Emploi"));
    assert!(emploi.pref_labels.contains(&label("en", "Employment")));
    assert_eq!(emploi.notation.as_deref(), Some("T1"));
    assert_eq!(
        emploi.definition.as_deref(),
        Some("Ensemble des postes « occupés ».")
    );
    assert!(emploi.is_top, "from the scheme's hasTopConcept");
    assert_eq!(emploi.status, ConceptStatus::Validated);

    let competences = concept(&v, "themes/competences");
    assert_eq!(competences.scheme, uri("themes"), "from topConceptOf");
    assert!(competences.is_top);
    assert!(
        competences
            .alt_labels
            .contains(&label("fr", "Le \"savoir-être\""))
    );
    assert!(competences.alt_labels.contains(&label("en-gb", "Know-how")));
    assert_eq!(
        competences.scope_note.as_deref(),
        Some("Hors diplômes : voir « Certification ».")
    );

    let sante = concept(&v, "secteurs/sante");
    assert_eq!(sante.pref_fr(), Some("Santé"), "untagged counts as French");
    assert_eq!(sante.matches.len(), 2);
    assert_eq!(concept(&v, "secteurs/btp").notation.as_deref(), Some("F"));
    let hidden = &concept(&v, "themes/recrutement").hidden_labels;
    assert!(hidden.contains(&label("fr", "recrutment")));
}

#[test]
fn reads_relations() {
    let v = fixture();
    let recrutement = concept(&v, "themes/recrutement");
    assert!(
        recrutement.broader.contains(&uri("themes/emploi")),
        "narrower turned into broader"
    );
    assert!(
        recrutement.related.is_empty(),
        "stored on the smaller URI only"
    );
    let competences = concept(&v, "themes/competences");
    assert_eq!(
        competences.related,
        BTreeSet::from([uri("themes/recrutement")])
    );
    let gros_oeuvre = concept(&v, "secteurs/gros-oeuvre");
    assert_eq!(gros_oeuvre.related, BTreeSet::from([uri("themes/emploi")]));
    assert_eq!(gros_oeuvre.broader, BTreeSet::from([uri("secteurs/btp")]));
    assert!(concept(&v, "themes/emploi").related.is_empty());
    assert!(recrutement.matches.contains(&(
        MatchKind::Exact,
        "http://data.europa.eu/esco/skill/recruit".to_owned()
    )));
}

#[test]
fn reads_statuses() {
    let v = fixture();
    let status = |path| concept(&v, path).status;
    assert_eq!(status("themes/alternance"), ConceptStatus::Candidate);
    assert_eq!(status("themes/ancien"), ConceptStatus::Deprecated);
    assert_eq!(status("secteurs/sante"), ConceptStatus::Deprecated);
    assert_eq!(status("secteurs/btp"), ConceptStatus::Validated);
}

#[test]
fn all_syntaxes_give_the_same_vocabulary() {
    let expected = fixture();
    let nt = parse(fixtures::NTRIPLES.as_bytes(), RdfFormat::NTriples, None);
    assert_eq!(nt.ok().as_ref(), Some(&expected));
    let xml = parse(fixtures::RDFXML.as_bytes(), RdfFormat::RdfXml, None);
    assert_eq!(xml.ok().as_ref(), Some(&expected));
}

#[test]
fn resolves_relative_iris_against_the_base() {
    let text = "<themes> a <http://www.w3.org/2004/02/skos/core#ConceptScheme> .";
    let v = parse(text.as_bytes(), RdfFormat::Turtle, Some(TH));
    assert!(v.is_ok_and(|v| v.schemes.contains_key(&uri("themes"))));
    let v = parse(text.as_bytes(), RdfFormat::Turtle, Some("pas une URI"));
    assert!(matches!(v, Err(RdfError::InvalidBase { .. })));
}

fn syntax_position(result: Result<Vocabulary, RdfError>) -> (u64, u64) {
    match result {
        Err(RdfError::Syntax { line, column, .. }) => (line, column),
        other => panic!("expected a syntax error, got {other:?}"),
    }
}

#[test]
fn syntax_errors_give_the_line() {
    let text = "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n\n<urn:a> a skos:Concept ;\n    skos:prefLabel \"A\"@fr ;\n    skos:broader <urn:b .\n";
    assert_eq!(syntax_position(turtle(text)).0, 5);
    let message = turtle(text)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(message.starts_with("erreur de syntaxe ligne 5, colonne "));

    let text = "<urn:a> <urn:p> <urn:b> .\n<urn:a> <urn:p> \"x\n";
    let nt = parse(text.as_bytes(), RdfFormat::NTriples, None);
    assert_eq!(syntax_position(nt).0, 2);

    let text = "<?xml version=\"1.0\"?>\n<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n  <rdf:Description rdf:about=\"urn:a\">\n  </rdf:Descriptio>\n</rdf:RDF>\n";
    let xml = parse(text.as_bytes(), RdfFormat::RdfXml, None);
    assert_eq!(syntax_position(xml).0, 4);
}

#[test]
fn refuses_a_concept_without_french_label() {
    let text = "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n<urn:s> a skos:ConceptScheme .\n<urn:c> a skos:Concept ; skos:prefLabel \"Employment\"@en .";
    let error = turtle(text).err().map(|e| e.to_string());
    assert_eq!(
        error.as_deref(),
        Some("concept <urn:c> : pas de libellé préféré en français")
    );
}

#[test]
fn refuses_two_french_pref_labels() {
    let text = "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n<urn:s> a skos:ConceptScheme .\n<urn:c> a skos:Concept ; skos:prefLabel \"A\"@fr, \"B\" .";
    assert!(matches!(
        turtle(text),
        Err(RdfError::SeveralPrefLabels { .. })
    ));
}

#[test]
fn refuses_blank_concepts() {
    let text = "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n[] a skos:Concept ; skos:prefLabel \"A\"@fr .";
    assert!(matches!(turtle(text), Err(RdfError::BlankConcept { .. })));
}

#[test]
fn a_concept_without_scheme_takes_the_only_one() {
    let text = "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n<urn:x:s> a skos:ConceptScheme .\n<urn:c> a skos:Concept ; skos:prefLabel \"A\"@fr .";
    let v = turtle(text);
    assert_eq!(
        v.ok()
            .map(|v| v.concepts["urn:c"].scheme.clone())
            .as_deref(),
        Some("urn:x:s")
    );
    let two = format!("{text}\n<urn:x:t> a skos:ConceptScheme .");
    assert!(matches!(turtle(&two), Err(RdfError::NoScheme { .. })));
}

#[test]
fn refuses_unknown_statuses() {
    let text = "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n<urn:x:s> a skos:ConceptScheme .\n<urn:c> a skos:Concept ; skos:prefLabel \"A\"@fr ;\n <https://www.bibliotheque-observatoires.fr/thesaurus/ontologie#status> \"draft\" .";
    assert!(matches!(turtle(text), Err(RdfError::UnknownStatus { .. })));
}

#[test]
fn refuses_too_long_labels() {
    let long = "a".repeat(MAX_LABEL_CHARS + 1);
    let text = format!(
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n<urn:x:s> a skos:ConceptScheme .\n<urn:c> a skos:Concept ; skos:prefLabel \"A\"@fr ; skos:altLabel \"{long}\" ."
    );
    assert!(matches!(turtle(&text), Err(RdfError::TooLong { .. })));
}

#[test]
fn refuses_huge_files() {
    assert!(check_size(MAX_FILE_BYTES).is_ok());
    let error = check_size(MAX_FILE_BYTES + 1).err().map(|e| e.to_string());
    assert_eq!(
        error.as_deref(),
        Some("fichier trop volumineux (209715201 octets) : la limite est de 200 Mo")
    );
}
