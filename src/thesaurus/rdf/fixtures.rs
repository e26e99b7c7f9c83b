/// Two schemes, eight concepts, exercising every construct the parser knows.
pub(crate) const TURTLE: &str = r#"@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix bib: <https://www.bibliotheque-observatoires.fr/thesaurus/ontologie#> .
@prefix th: <https://www.bibliotheque-observatoires.fr/thesaurus/> .
@prefix t: <https://www.bibliotheque-observatoires.fr/thesaurus/themes/> .
@prefix s: <https://www.bibliotheque-observatoires.fr/thesaurus/secteurs/> .

th:themes a skos:ConceptScheme ;
    dct:title "Themes"@en, "Thèmes"@fr ;
    dct:description "Les thèmes d'étude des observatoires"@fr ;
    skos:hasTopConcept t:emploi .

th:secteurs a skos:ConceptScheme ;
    rdfs:label "Secteurs d'activité" .

t:emploi a skos:Concept ;
    skos:inScheme th:themes ;
    skos:prefLabel "Emploi"@fr, "Employment"@en ;
    skos:altLabel "Marché du travail"@fr ;
    skos:notation "T1" ;
    skos:definition "Ensemble des postes « occupés »."@fr ;
    skos:narrower t:recrutement .

t:recrutement a skos:Concept ;
    skos:inScheme th:themes ;
    skos:prefLabel "Recrutement"@fr ;
    skos:hiddenLabel "recrutment"@fr ;
    skos:related t:competences ;
    skos:exactMatch <http://data.europa.eu/esco/skill/recruit> .

t:competences a skos:Concept ;
    skos:topConceptOf th:themes ;
    skos:prefLabel "Compétences"@fr, "Skills"@en ;
    skos:altLabel "Le \"savoir-être\""@fr, "Know-how"@en-GB ;
    skos:scopeNote "Not diplomas."@en, "Hors diplômes : voir « Certification »."@fr ;
    skos:closeMatch <http://example.org/skills> .

t:alternance a skos:Concept ;
    skos:inScheme th:themes ;
    skos:prefLabel "Alternance"@fr ;
    skos:broader t:emploi ;
    bib:status "candidate" .

t:ancien a skos:Concept ;
    skos:inScheme th:themes ;
    skos:prefLabel "Métier d'antan"@fr ;
    owl:deprecated true .

s:btp a skos:Concept ;
    skos:inScheme th:secteurs ;
    skos:topConceptOf th:secteurs ;
    skos:prefLabel "Bâtiment et travaux publics"@fr ;
    skos:notation "F"^^xsd:token .

s:gros-oeuvre a skos:Concept ;
    skos:inScheme th:secteurs ;
    skos:prefLabel "Gros œuvre"@fr ;
    skos:broader s:btp ;
    skos:broadMatch <http://example.org/naf/41> ;
    skos:related t:emploi .

s:sante a skos:Concept ;
    skos:inScheme th:secteurs ;
    skos:prefLabel "Santé", "Health"@en ;
    skos:relatedMatch <http://example.org/naf/86> ;
    skos:narrowMatch <http://example.org/naf/86.1> ;
    bib:status "deprecated" .
"#;

/// The same statements, one per line.
pub(crate) const NTRIPLES: &str = r#"<https://www.bibliotheque-observatoires.fr/thesaurus/themes> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/2004/02/skos/core#ConceptScheme> .
<https://www.bibliotheque-observatoires.fr/thesaurus/themes> <http://purl.org/dc/terms/title> "Themes"@en .
<https://www.bibliotheque-observatoires.fr/thesaurus/themes> <http://purl.org/dc/terms/title> "Thèmes"@fr .
<https://www.bibliotheque-observatoires.fr/thesaurus/themes> <http://purl.org/dc/terms/description> "Les thèmes d'étude des observatoires"@fr .
<https://www.bibliotheque-observatoires.fr/thesaurus/themes> <http://www.w3.org/2004/02/skos/core#hasTopConcept> <https://www.bibliotheque-observatoires.fr/thesaurus/themes/emploi> .
<https://www.bibliotheque-observatoires.fr/thesaurus/secteurs> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/2004/02/skos/core#ConceptScheme> .
<https://www.bibliotheque-observatoires.fr/thesaurus/secteurs> <http://www.w3.org/2000/01/rdf-schema#label> "Secteurs d'activité" .
<https://www.bibliotheque-observatoires.fr/thesaurus/themes/emploi> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/2004/02/skos/core#Concept> .
<https://www.bibliotheque-observatoires.fr/thesaurus/themes/emploi> <http://www.w3.org/2004/02/skos/core#inScheme> <https://www.bibliotheque-observatoires.fr/thesaurus/themes> .
<https://www.bibliotheque-observatoires.fr/thesaurus/themes/emploi> <http://www.w3.org/2004/02/skos/core#prefLabel> "Emploi"@fr .
<https://www.bibliotheque-observatoires.fr/thesaurus/themes/emploi> <http://www.w3.org/2004/02/skos/core#prefLabel> "Employment"@en .
<https://www.bibliotheque-observatoires.fr/thesaurus/themes/emploi> <http://www.w3.org/2004/02/skos/core#altLabel> "Marché du travail"@fr .
<https://www.bibliotheque-observatoires.fr/thesaurus/themes/emploi> <http://www.w3.org/2004/02/skos/core#notation> "T1" .
<https://www.bibliotheque-observatoires.fr/thesaurus/themes/emploi> <http://www.w3.org/2004/02/skos/core#definition> "Ensemble des postes « occupés »."@fr .
<https://www.bibliotheque-observatoires.fr/thesaurus/themes/emploi> <http://www.w3.org/2004/02/skos/core#narrower> <https://www.bibliotheque-observatoires.fr/thesaurus/themes/recrutement> .
<https://www.bibliotheque-observatoires.fr/thesaurus/themes/recrutement> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/2004/02/skos/core#Concept> .
<https://www.bibliotheque-observatoires.fr/thesaurus/themes/recrutement> <http://www.w3.org/2004/02/skos/core#inScheme> <https://www.bibliotheque-observatoires.fr/thesaurus/themes> .
<https://www.bibliotheque-observatoires.fr/thesaurus/themes/recrutement> <http://www.w3.org/2004/02/skos/core#prefLabel> "Recrutement"@fr .
<https://www.bibliotheque-observatoires.fr/thesaurus/themes/recrutement> <http://www.w3.org/2004/02/skos/core#hiddenLabel> "recrutment"@fr .
<https://www.bibliotheque-observatoires.fr/thesaurus/themes/recrutement> <http://www.w3.org/2004/02/skos/core#related> <https://www.bibliotheque-observatoires.fr/thesaurus/themes/competences> .
<https://www.bibliotheque-observatoires.fr/thesaurus/themes/recrutement> <http://www.w3.org/2004/02/skos/core#exactMatch> <http://data.europa.eu/esco/skill/recruit> .
<https://www.bibliotheque-observatoires.fr/thesaurus/themes/competences> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/2004/02/skos/core#Concept> .
<https://www.bibliotheque-observatoires.fr/thesaurus/themes/competences> <http://www.w3.org/2004/02/skos/core#topConceptOf> <https://www.bibliotheque-observatoires.fr/thesaurus/themes> .
<https://www.bibliotheque-observatoires.fr/thesaurus/themes/competences> <http://www.w3.org/2004/02/skos/core#prefLabel> "Compétences"@fr .
<https://www.bibliotheque-observatoires.fr/thesaurus/themes/competences> <http://www.w3.org/2004/02/skos/core#prefLabel> "Skills"@en .
<https://www.bibliotheque-observatoires.fr/thesaurus/themes/competences> <http://www.w3.org/2004/02/skos/core#altLabel> "Le \"savoir-être\""@fr .
<https://www.bibliotheque-observatoires.fr/thesaurus/themes/competences> <http://www.w3.org/2004/02/skos/core#altLabel> "Know-how"@en-GB .
<https://www.bibliotheque-observatoires.fr/thesaurus/themes/competences> <http://www.w3.org/2004/02/skos/core#scopeNote> "Not diplomas."@en .
<https://www.bibliotheque-observatoires.fr/thesaurus/themes/competences> <http://www.w3.org/2004/02/skos/core#scopeNote> "Hors diplômes : voir « Certification »."@fr .
<https://www.bibliotheque-observatoires.fr/thesaurus/themes/competences> <http://www.w3.org/2004/02/skos/core#closeMatch> <http://example.org/skills> .
<https://www.bibliotheque-observatoires.fr/thesaurus/themes/alternance> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/2004/02/skos/core#Concept> .
<https://www.bibliotheque-observatoires.fr/thesaurus/themes/alternance> <http://www.w3.org/2004/02/skos/core#inScheme> <https://www.bibliotheque-observatoires.fr/thesaurus/themes> .
<https://www.bibliotheque-observatoires.fr/thesaurus/themes/alternance> <http://www.w3.org/2004/02/skos/core#prefLabel> "Alternance"@fr .
<https://www.bibliotheque-observatoires.fr/thesaurus/themes/alternance> <http://www.w3.org/2004/02/skos/core#broader> <https://www.bibliotheque-observatoires.fr/thesaurus/themes/emploi> .
<https://www.bibliotheque-observatoires.fr/thesaurus/themes/alternance> <https://www.bibliotheque-observatoires.fr/thesaurus/ontologie#status> "candidate" .
<https://www.bibliotheque-observatoires.fr/thesaurus/themes/ancien> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/2004/02/skos/core#Concept> .
<https://www.bibliotheque-observatoires.fr/thesaurus/themes/ancien> <http://www.w3.org/2004/02/skos/core#inScheme> <https://www.bibliotheque-observatoires.fr/thesaurus/themes> .
<https://www.bibliotheque-observatoires.fr/thesaurus/themes/ancien> <http://www.w3.org/2004/02/skos/core#prefLabel> "Métier d'antan"@fr .
<https://www.bibliotheque-observatoires.fr/thesaurus/themes/ancien> <http://www.w3.org/2002/07/owl#deprecated> "true"^^<http://www.w3.org/2001/XMLSchema#boolean> .
<https://www.bibliotheque-observatoires.fr/thesaurus/secteurs/btp> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/2004/02/skos/core#Concept> .
<https://www.bibliotheque-observatoires.fr/thesaurus/secteurs/btp> <http://www.w3.org/2004/02/skos/core#inScheme> <https://www.bibliotheque-observatoires.fr/thesaurus/secteurs> .
<https://www.bibliotheque-observatoires.fr/thesaurus/secteurs/btp> <http://www.w3.org/2004/02/skos/core#topConceptOf> <https://www.bibliotheque-observatoires.fr/thesaurus/secteurs> .
<https://www.bibliotheque-observatoires.fr/thesaurus/secteurs/btp> <http://www.w3.org/2004/02/skos/core#prefLabel> "Bâtiment et travaux publics"@fr .
<https://www.bibliotheque-observatoires.fr/thesaurus/secteurs/btp> <http://www.w3.org/2004/02/skos/core#notation> "F"^^<http://www.w3.org/2001/XMLSchema#token> .
<https://www.bibliotheque-observatoires.fr/thesaurus/secteurs/gros-oeuvre> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/2004/02/skos/core#Concept> .
<https://www.bibliotheque-observatoires.fr/thesaurus/secteurs/gros-oeuvre> <http://www.w3.org/2004/02/skos/core#inScheme> <https://www.bibliotheque-observatoires.fr/thesaurus/secteurs> .
<https://www.bibliotheque-observatoires.fr/thesaurus/secteurs/gros-oeuvre> <http://www.w3.org/2004/02/skos/core#prefLabel> "Gros œuvre"@fr .
<https://www.bibliotheque-observatoires.fr/thesaurus/secteurs/gros-oeuvre> <http://www.w3.org/2004/02/skos/core#broader> <https://www.bibliotheque-observatoires.fr/thesaurus/secteurs/btp> .
<https://www.bibliotheque-observatoires.fr/thesaurus/secteurs/gros-oeuvre> <http://www.w3.org/2004/02/skos/core#broadMatch> <http://example.org/naf/41> .
<https://www.bibliotheque-observatoires.fr/thesaurus/secteurs/gros-oeuvre> <http://www.w3.org/2004/02/skos/core#related> <https://www.bibliotheque-observatoires.fr/thesaurus/themes/emploi> .
<https://www.bibliotheque-observatoires.fr/thesaurus/secteurs/sante> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/2004/02/skos/core#Concept> .
<https://www.bibliotheque-observatoires.fr/thesaurus/secteurs/sante> <http://www.w3.org/2004/02/skos/core#inScheme> <https://www.bibliotheque-observatoires.fr/thesaurus/secteurs> .
<https://www.bibliotheque-observatoires.fr/thesaurus/secteurs/sante> <http://www.w3.org/2004/02/skos/core#prefLabel> "Santé" .
<https://www.bibliotheque-observatoires.fr/thesaurus/secteurs/sante> <http://www.w3.org/2004/02/skos/core#prefLabel> "Health"@en .
<https://www.bibliotheque-observatoires.fr/thesaurus/secteurs/sante> <http://www.w3.org/2004/02/skos/core#relatedMatch> <http://example.org/naf/86> .
<https://www.bibliotheque-observatoires.fr/thesaurus/secteurs/sante> <http://www.w3.org/2004/02/skos/core#narrowMatch> <http://example.org/naf/86.1> .
<https://www.bibliotheque-observatoires.fr/thesaurus/secteurs/sante> <https://www.bibliotheque-observatoires.fr/thesaurus/ontologie#status> "deprecated" .
"#;

/// The same statements in RDF/XML, written the way tools usually do (typed node elements,
/// relative IRIs against xml:base, an inherited xml:lang, a nested description).
pub(crate) const RDFXML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#"
         xmlns:skos="http://www.w3.org/2004/02/skos/core#"
         xmlns:dct="http://purl.org/dc/terms/"
         xmlns:owl="http://www.w3.org/2002/07/owl#"
         xmlns:bib="https://www.bibliotheque-observatoires.fr/thesaurus/ontologie#"
         xml:base="https://www.bibliotheque-observatoires.fr/thesaurus/">
  <skos:ConceptScheme rdf:about="themes" xml:lang="fr">
    <dct:title xml:lang="en">Themes</dct:title>
    <dct:title>Thèmes</dct:title>
    <dct:description>Les thèmes d'étude des observatoires</dct:description>
    <skos:hasTopConcept rdf:resource="themes/emploi"/>
  </skos:ConceptScheme>
  <skos:ConceptScheme rdf:about="secteurs">
    <rdfs:label>Secteurs d'activité</rdfs:label>
  </skos:ConceptScheme>
  <skos:Concept rdf:about="themes/emploi">
    <skos:inScheme rdf:resource="themes"/>
    <skos:prefLabel xml:lang="fr">Emploi</skos:prefLabel>
    <skos:prefLabel xml:lang="en">Employment</skos:prefLabel>
    <skos:altLabel xml:lang="fr">Marché du travail</skos:altLabel>
    <skos:notation>T1</skos:notation>
    <skos:definition xml:lang="fr">Ensemble des postes « occupés ».</skos:definition>
    <skos:narrower>
      <skos:Concept rdf:about="themes/recrutement">
        <skos:inScheme rdf:resource="themes"/>
        <skos:prefLabel xml:lang="fr">Recrutement</skos:prefLabel>
        <skos:hiddenLabel xml:lang="fr">recrutment</skos:hiddenLabel>
        <skos:related rdf:resource="themes/competences"/>
        <skos:exactMatch rdf:resource="http://data.europa.eu/esco/skill/recruit"/>
      </skos:Concept>
    </skos:narrower>
  </skos:Concept>
  <rdf:Description rdf:about="themes/competences">
    <rdf:type rdf:resource="http://www.w3.org/2004/02/skos/core#Concept"/>
    <skos:topConceptOf rdf:resource="themes"/>
    <skos:prefLabel xml:lang="fr">Compétences</skos:prefLabel>
    <skos:prefLabel xml:lang="en">Skills</skos:prefLabel>
    <skos:altLabel xml:lang="fr">Le "savoir-être"</skos:altLabel>
    <skos:altLabel xml:lang="en-GB">Know-how</skos:altLabel>
    <skos:scopeNote xml:lang="en">Not diplomas.</skos:scopeNote>
    <skos:scopeNote xml:lang="fr">Hors diplômes : voir « Certification ».</skos:scopeNote>
    <skos:closeMatch rdf:resource="http://example.org/skills"/>
  </rdf:Description>
  <skos:Concept rdf:about="themes/alternance" bib:status="candidate">
    <skos:inScheme rdf:resource="themes"/>
    <skos:prefLabel xml:lang="fr">Alternance</skos:prefLabel>
    <skos:broader rdf:resource="themes/emploi"/>
  </skos:Concept>
  <skos:Concept rdf:about="themes/ancien">
    <skos:inScheme rdf:resource="themes"/>
    <skos:prefLabel xml:lang="fr">Métier d'antan</skos:prefLabel>
    <owl:deprecated rdf:datatype="http://www.w3.org/2001/XMLSchema#boolean">true</owl:deprecated>
  </skos:Concept>
  <skos:Concept rdf:about="secteurs/btp">
    <skos:inScheme rdf:resource="secteurs"/>
    <skos:topConceptOf rdf:resource="secteurs"/>
    <skos:prefLabel xml:lang="fr">Bâtiment et travaux publics</skos:prefLabel>
    <skos:notation rdf:datatype="http://www.w3.org/2001/XMLSchema#token">F</skos:notation>
  </skos:Concept>
  <skos:Concept rdf:about="secteurs/gros-oeuvre">
    <skos:inScheme rdf:resource="secteurs"/>
    <skos:prefLabel xml:lang="fr">Gros &#339;uvre</skos:prefLabel>
    <skos:broader rdf:resource="secteurs/btp"/>
    <skos:broadMatch rdf:resource="http://example.org/naf/41"/>
    <skos:related rdf:resource="themes/emploi"/>
  </skos:Concept>
  <skos:Concept rdf:about="secteurs/sante">
    <skos:inScheme rdf:resource="secteurs"/>
    <skos:prefLabel>Santé</skos:prefLabel>
    <skos:prefLabel xml:lang="en">Health</skos:prefLabel>
    <skos:relatedMatch rdf:resource="http://example.org/naf/86"/>
    <skos:narrowMatch rdf:resource="http://example.org/naf/86.1"/>
    <bib:status>deprecated</bib:status>
  </skos:Concept>
</rdf:RDF>
"#;
