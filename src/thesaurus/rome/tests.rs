use super::*;
use std::time::Instant;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rome")
}

fn concept<'a>(vocabulary: &'a Vocabulary, code: &str) -> &'a Concept {
    &vocabulary.concepts[&concept_uri(code)]
}

fn texts(labels: &BTreeSet<Label>) -> Vec<&str> {
    labels.iter().map(|label| label.text.as_str()).collect()
}

/// A copy of the fixtures in a fresh directory, with `file` replaced by `content`, to test
/// one broken table without keeping a whole broken folder per case.
fn fixtures_with(test: &str, file: &str, content: Option<&str>) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rome-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for entry in std::fs::read_dir(fixtures()).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
    }
    let target = dir.join(file);
    match content {
        Some(content) => std::fs::write(&target, content).unwrap(),
        None => std::fs::remove_file(&target).unwrap(),
    }
    dir
}

#[test]
fn everyday_names_become_hidden_labels_of_their_codes() {
    let table = "# un commentaire\n\
                     A1201\tcoupeur de bois ; ; abatteur d'arbres\n\
                     Z9999\tinconnu\n\
                     A1101\tConducteur / Conductrice d'engins agricoles\n";
    let mut concepts: BTreeMap<String, Concept> = import(&fixtures())
        .unwrap()
        .vocabulary
        .concepts
        .into_values()
        .map(|c| (c.uri.rsplit('/').next().unwrap().to_owned(), c))
        .collect();
    let before = concepts["A1101"].hidden_labels.clone();
    add_everyday_names(&mut concepts, table);
    let hidden = texts(&concepts["A1201"].hidden_labels);
    assert!(hidden.contains(&"coupeur de bois") && hidden.contains(&"abatteur d'arbres"));
    assert!(!hidden.contains(&""));
    // A visible label is not hidden as well; an unknown code adds no concept.
    assert_eq!(concepts["A1101"].hidden_labels, before);
    assert!(!concepts.contains_key("Z9999"));

    // The shipped table: well-formed codes, and the names people use.
    let shipped: Vec<(&str, &str)> = crate::thesaurus::tables::pairs(EVERYDAY_NAMES).collect();
    assert!(shipped.len() > 50);
    for (code, name) in &shipped {
        assert!(
            code.len() == 5
                && code.as_bytes()[0].is_ascii_uppercase()
                && code[1..].bytes().all(|b| b.is_ascii_digit()),
            "{code} {name}"
        );
    }
    for (code, name) in [("K1708", "flic"), ("K1303", "nounou"), ("J1102", "toubib")] {
        assert!(shipped.contains(&(code, name)), "{code} {name}");
    }
}

#[test]
fn recognises_rome_folders() {
    assert!(is_rome_folder(&fixtures()));
    assert!(!is_rome_folder(fixtures().parent().unwrap()));
    assert!(!is_rome_folder(Path::new("/nonexistent/rome")));
}

#[test]
fn scheme_carries_the_attribution() {
    let import = import(&fixtures()).unwrap();
    let scheme = &import.vocabulary.schemes[SCHEME_URI];
    assert_eq!(scheme.slug, "rome");
    assert_eq!(scheme.title, "Métiers (ROME 4.0)");
    let description = scheme.description.as_deref().unwrap();
    assert!(description.contains("Source : France Travail, ROME 4.0"));
}

#[test]
fn builds_the_three_level_hierarchy() {
    let vocabulary = import(&fixtures()).unwrap().vocabulary;
    assert_eq!(vocabulary.concepts.len(), 2 + 4 + 4);
    let top = concept(&vocabulary, "A");
    assert!(top.is_top && top.broader.is_empty());
    assert_eq!(top.notation.as_deref(), Some("A"));
    let domaine = concept(&vocabulary, "A11");
    assert!(!domaine.is_top);
    assert_eq!(texts_of(&domaine.broader), [concept_uri("A")]);
    let code = concept(&vocabulary, "A1101");
    assert_eq!(code.notation.as_deref(), Some("A1101"));
    assert_eq!(texts_of(&code.broader), [concept_uri("A11")]);
    assert!(
        vocabulary
            .concepts
            .values()
            .all(|c| c.scheme == SCHEME_URI && c.uri.starts_with(SCHEME_URI))
    );
}

fn texts_of(uris: &BTreeSet<String>) -> Vec<String> {
    uris.iter().cloned().collect()
}

#[test]
fn unknown_references_are_warnings() {
    let import = import(&fixtures()).unwrap();
    // A1301 is missing from cr_gd_dp: placed by its code, and said so.
    let orphan = concept(&import.vocabulary, "A1301");
    assert_eq!(texts_of(&orphan.broader), [concept_uri("A13")]);
    let warnings = import.warnings.join("\n");
    assert!(
        warnings.contains("code ROME A1301 absent, rattaché à A13"),
        "{warnings}"
    );
    // A1999 exists nowhere: its link, its two appellations and its text are skipped.
    assert!(
        warnings.contains(
            "cr_gd_dp_v460_utf8.csv, ligne 5 : code ROME « A1999 » inconnu, ligne ignorée"
        ),
        "{warnings}"
    );
    assert!(
        warnings.contains("ligne 9 : code ROME « A1999 » inconnu, 2 lignes ignorées"),
        "{warnings}"
    );
    assert_eq!(import.warnings.len(), 4, "{warnings}");
    assert!(
        !import
            .vocabulary
            .concepts
            .contains_key(&concept_uri("A1999"))
    );
}

#[test]
fn labels_are_french_sets_without_repeats() {
    let vocabulary = import(&fixtures()).unwrap().vocabulary;
    let code = concept(&vocabulary, "A1101");
    assert_eq!(
        code.pref_fr(),
        Some("Conducteur / Conductrice d'engins agricoles")
    );
    // The PRINCIPALE appellation repeats the preferred label; the tractor one is listed twice
    // and its short form differs.
    assert_eq!(
        texts(&code.alt_labels),
        [
            "Conducteur / Conductrice de tracteur agricole",
            "Conducteur(trice) de tracteur",
            "Tractoriste agricole",
        ]
    );
    assert_eq!(
        texts(&code.hidden_labels),
        [
            "Conducteur d'engins agricoles",
            "Conducteur de tracteur agricole",
            "Conductrice d'engins agricoles",
            "Conductrice de tracteur agricole",
        ]
    );
    let all = vocabulary.concepts.values().flat_map(|c| {
        c.pref_labels
            .iter()
            .chain(&c.alt_labels)
            .chain(&c.hidden_labels)
    });
    assert!(all.clone().all(|label| label.language == "fr"));
    assert_eq!(all.count(), vocabulary.label_count());
}

#[test]
fn hidden_labels_never_repeat_visible_ones() {
    let vocabulary = import(&fixtures()).unwrap().vocabulary;
    // "Abatteur de carrière" is an appellation of its own, so only the feminine form hides.
    let code = concept(&vocabulary, "F1402");
    assert!(code.alt_labels.contains(&Label::fr("Abatteur de carrière")));
    assert_eq!(texts(&code.hidden_labels), ["Abatteuse de carrière"]);
}

#[test]
fn definitions_join_sentences_in_order() {
    let vocabulary = import(&fixtures()).unwrap().vocabulary;
    assert_eq!(
        concept(&vocabulary, "A1101").definition.as_deref(),
        Some(
            "Réalise des travaux agricoles mécanisés. Assure l'entretien des engins et \
                 leur maintenance de premier niveau."
        )
    );
    assert_eq!(concept(&vocabulary, "A1301").definition, None);
    assert_eq!(concept(&vocabulary, "A").definition, None);
}

#[test]
fn gendered_forms_split_both_genders() {
    let split = |label: &str| gendered_forms(label);
    let pair = |m: &str, f: &str| Some((m.to_owned(), f.to_owned()));
    assert_eq!(
        split("Conducteur / Conductrice d'engins agricoles"),
        pair(
            "Conducteur d'engins agricoles",
            "Conductrice d'engins agricoles"
        )
    );
    assert_eq!(
        split("Abatteur / Abatteuse de carrière"),
        pair("Abatteur de carrière", "Abatteuse de carrière")
    );
    assert_eq!(
        split("Agent / Agente de quai"),
        pair("Agent de quai", "Agente de quai")
    );
    assert_eq!(
        split("Bûcheron / Bûcheronne"),
        pair("Bûcheron", "Bûcheronne")
    );
    assert_eq!(
        split("Directeur adjoint / Directrice adjointe de crèche"),
        pair(
            "Directeur adjoint de crèche",
            "Directrice adjointe de crèche"
        )
    );
    assert_eq!(
        split("Responsable commercial / commerciale export"),
        pair(
            "Responsable commercial export",
            "Responsable commerciale export"
        )
    );
    assert_eq!(
        split("Accastilleur-monteur / Accastilleuse-monteuse électronique"),
        pair(
            "Accastilleur-monteur électronique",
            "Accastilleuse-monteuse électronique"
        )
    );
    assert_eq!(split("Poète / Poétesse"), pair("Poète", "Poétesse"));
    assert_eq!(
        split("Operateur / Opératrice pilote"),
        pair("Operateur pilote", "Opératrice pilote")
    );
    assert_eq!(
        split("Garçon / Fille de salle"),
        pair("Garçon de salle", "Fille de salle")
    );
    assert_eq!(
        split("Homme / Femme de ménage"),
        pair("Homme de ménage", "Femme de ménage")
    );
    assert_eq!(
        split("Chef / Cheffe de service infrastructure/environnement"),
        pair(
            "Chef de service infrastructure/environnement",
            "Cheffe de service infrastructure/environnement"
        )
    );
    assert_eq!(
        split("Aide conducteur/conductrice de machines à papier"),
        pair(
            "Aide conducteur de machines à papier",
            "Aide conductrice de machines à papier"
        )
    );
}

#[test]
fn gendered_forms_skip_what_they_cannot_read() {
    for label in [
        "Engins agricoles et forestiers",
        "Lapidaire / Diamantaire",
        "Chercheur / Concepteur informatique",
        "Analyste prix / Analyste pricing",
        "Responsable d'atelier en chimie/pharmacie",
        "Technicien / Technicienne supérieur / supérieure",
        "Technicien / Technicien de surface",
        "/ Conductrice",
        "Conducteur /",
    ] {
        assert_eq!(gendered_forms(label), None, "{label}");
    }
}

#[test]
fn missing_file_is_named() {
    let dir = fixtures_with("missing-file", "unix_texte_v460_utf8.csv", None);
    let error = import(&dir).unwrap_err();
    assert!(matches!(
        error,
        RomeError::MissingFile {
            stable_name: "texte",
            ..
        }
    ));
    assert!(error.to_string().contains("*texte*.csv"), "{error}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn missing_column_is_named() {
    let content = "\"code_rome\",\"libelle_appellation_court\"\n\"A1101\",\"Tractoriste\"\n";
    let file = "unix_referentiel_appellation_v460_utf8.csv";
    let dir = fixtures_with("missing-column", file, Some(content));
    let error = import(&dir).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!("{file} : colonne obligatoire « libelle_appellation_long » absente")
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_code_attached_to_another_fiche_is_narrower_than_it() {
    // The élagueur is attached to the bûcheron in the real ROME (A1209 → A1201); here A1301 to
    // A1201, A1101 to A1301 (itself attached: refused) and F1402 to a code no table has.
    let content = "\"code_rome\",\"libelle_rome\",\"code_rome_parent\"\n\
                   \"A1101\",\"Conducteur / Conductrice d'engins agricoles\",\"a1301\"\n\
                   \"A1201\",\"Bûcheron / Bûcheronne\",\"a1201\"\n\
                   \"A1301\",\"Conseil et assistance technique en agriculture\",\"A1201\"\n\
                   \"F1402\",\"Extraction solide\",\"F1999\"\n";
    let file = "unix_referentiel_code_rome_v460_utf8.csv";
    let dir = fixtures_with("parents", file, Some(content));
    let import = import(&dir).unwrap();
    let vocabulary = &import.vocabulary;
    // Still under its domaine (placed by its code, cr_gd_dp forgets it), and under its parent.
    assert_eq!(
        texts_of(&concept(vocabulary, "A1301").broader),
        [concept_uri("A1201"), concept_uri("A13")]
    );
    // Its own code as parent (in any case), or a parent attached itself: only the domaine.
    assert_eq!(
        texts_of(&concept(vocabulary, "A1101").broader),
        [concept_uri("A11")]
    );
    assert_eq!(
        texts_of(&concept(vocabulary, "A1201").broader),
        [concept_uri("A12")]
    );
    assert_eq!(
        texts_of(&concept(vocabulary, "F1402").broader),
        [concept_uri("F14")]
    );
    let warnings = import.warnings.join("\n");
    for expected in [
        "ligne 2 : code ROME parent « A1301 » lui-même rattaché, A1101 rattaché à son seul domaine",
        "ligne 5 : code ROME parent « F1999 » inconnu, F1402 rattaché à son seul domaine",
    ] {
        assert!(
            warnings.contains(&format!("{file}, {expected}")),
            "{warnings}"
        );
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn bad_row_gives_file_and_line() {
    let content = "\"code_rome\",\"code_fiche_metier\",\"code_ogr\",\"libelle_rome\"\n\
                       \"A1101\",\"11\",\"6\",\"Conducteur / Conductrice d'engins agricoles\"\n\
                       \"A1201\",\"19\",\"Bûcheron / Bûcheronne\"\n";
    let file = "unix_referentiel_code_rome_v460_utf8.csv";
    let dir = fixtures_with("bad-row", file, Some(content));
    let error = import(&dir).unwrap_err();
    assert!(
        matches!(error, RomeError::BadRow { line: 3, .. }),
        "{error}"
    );
    assert_eq!(
        error.to_string(),
        format!("{file}, ligne 3 : 3 champ(s) au lieu de 4")
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn invalid_code_gives_file_and_line() {
    let content = "\"code_rome\",\"libelle_rome\"\n\"A1101\",\"Conducteur\"\n\"Z12\",\"X\"\n";
    let file = "unix_referentiel_code_rome_v460_utf8.csv";
    let dir = fixtures_with("bad-code", file, Some(content));
    let error = import(&dir).unwrap_err().to_string();
    assert!(
        error.starts_with(&format!("{file}, ligne 3 : code ROME « Z12 »")),
        "{error}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// The real ROME 4.0 tables, when this machine has them (`../shared/data/rome-4.0`).
#[test]
fn imports_the_real_rome() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/rome-4.0");
    if !is_rome_folder(&dir) {
        println!(
            "note: {} absent, real ROME import not tested",
            dir.display()
        );
        return;
    }
    let started = Instant::now();
    let import = import(&dir).unwrap();
    let elapsed = started.elapsed();
    let concepts = &import.vocabulary.concepts;
    let count = |len: usize| {
        concepts
            .values()
            .filter(|c| c.notation.as_ref().is_some_and(|n| n.len() == len))
            .count()
    };
    let themes = concepts
        .values()
        .filter(|c| c.notation.as_ref().is_some_and(|n| n.starts_with("theme-")))
        .count();
    assert_eq!(count(5), 1584);
    assert_eq!(count(1), 14);
    assert_eq!(themes, 17);
    assert_eq!(concepts.values().filter(|c| c.is_top).count(), 14 + 17);
    assert!(import.warnings.is_empty(), "{:?}", import.warnings);
    // Each code under its one domaine, under its themes if any, and under the fiche it is
    // attached to if any.
    let broader_codes = |c: &Concept, len: usize| {
        c.broader
            .iter()
            .filter(|uri| uri.rsplit('/').next().is_some_and(|code| code.len() == len))
            .count()
    };
    let codes = || {
        concepts
            .values()
            .filter(|c| c.notation.as_ref().is_some_and(|n| n.len() == 5))
    };
    assert!(codes().all(|c| c.definition.is_some() && broader_codes(c, 3) == 1));
    let attached = codes().filter(|c| broader_codes(c, 5) == 1).count();
    assert_eq!(attached, 1052);
    assert!(codes().all(|c| broader_codes(c, 5) <= 1));
    let themed = concepts
        .values()
        .filter(|c| c.broader.iter().any(|uri| uri.contains("/theme-")))
        .count();
    let sum = |f: fn(&Concept) -> usize| concepts.values().map(f).sum::<usize>();
    println!(
        "ROME réel : {} concepts ({} grands domaines, {} domaines, {} codes, {themes} thèmes rassemblant {themed} codes), libellés : {} pref, {} alt, {} hidden ; {elapsed:?}",
        concepts.len(),
        count(1),
        count(3),
        count(5),
        sum(|c| c.pref_labels.len()),
        sum(|c| c.alt_labels.len()),
        sum(|c| c.hidden_labels.len()),
    );
}

const THEMES: &str = "unix_arborescence_thematique_v460_utf8.csv";

#[test]
fn themes_are_top_concepts_broader_than_their_codes() {
    let content = "\"code_theme\",\"libelle_theme\",\"code_ogr_rome\",\"code_rome\",\"libelle_rome\"\n\
        \"017\",\"Métiers accessibles sans diplôme\n et sans expérience\",\"7\",\"A1201\",\"Bûcheron\"\n\
        \"017\",\"Métiers accessibles sans diplôme et sans expérience\",\"6\",\"A1101\",\"Conducteur\"\n\
        \"001\",\"Métiers de l'environnement\",\"7\",\"A1201\",\"Bûcheron\"\n\
        \"001\",\"Métiers de l'environnement\",\"99\",\"A1999\",\"Inconnu\"\n";
    let themed = import(&fixtures_with("themes", THEMES, Some(content))).unwrap();
    let vocabulary = &themed.vocabulary;
    assert_eq!(vocabulary.concepts.len(), 2 + 4 + 4 + 2);
    let theme = concept(vocabulary, "theme-017");
    assert!(theme.is_top && theme.broader.is_empty());
    assert_eq!(
        texts(&theme.pref_labels),
        ["Métiers accessibles sans diplôme et sans expérience"],
        "spaces and line breaks of the table folded"
    );
    // A code keeps its domaine and gains each of its themes.
    assert_eq!(
        texts_of(&concept(vocabulary, "A1201").broader),
        [
            concept_uri("A12"),
            concept_uri("theme-001"),
            concept_uri("theme-017")
        ]
    );
    assert_eq!(
        texts_of(&concept(vocabulary, "A1101").broader),
        [concept_uri("A11"), concept_uri("theme-017")]
    );
    let warnings = themed.warnings.join("\n");
    assert!(
        warnings.contains("ligne 6 : code ROME « A1999 » inconnu, ligne ignorée"),
        "{warnings}"
    );
    // Without the table, the hierarchy alone, as before.
    assert!(
        !import(&fixtures())
            .unwrap()
            .vocabulary
            .concepts
            .contains_key(&concept_uri("theme-017"))
    );
}

#[test]
fn a_bad_theme_number_gives_file_and_line() {
    let content = "\"code_theme\",\"libelle_theme\",\"code_rome\"\n\"01a\",\"Métiers\",\"A1101\"\n";
    let error = import(&fixtures_with("bad-theme", THEMES, Some(content))).unwrap_err();
    assert_eq!(
        error.to_string(),
        "unix_arborescence_thematique_v460_utf8.csv, ligne 2 : code_theme « 01a » n'est pas un numéro de thème"
    );
}
