//! The file

use super::*;

/// A word-pair chain over French text: each word is followed by one of the words that follow
/// it in the corpus.
pub(super) struct Chain {
    pub(super) words: Vec<String>,
    pub(super) next: Vec<Vec<u32>>,
    pub(super) starts: Vec<u32>,
}

impl Chain {
    pub(super) fn learn<'a>(texts: impl IntoIterator<Item = &'a str>) -> Self {
        let mut index: HashMap<&str, u32> = HashMap::new();
        let mut chain = Self {
            words: Vec::new(),
            next: Vec::new(),
            starts: Vec::new(),
        };
        for text in texts {
            let mut previous: Option<u32> = None;
            for token in text.split_whitespace() {
                let id = *index.entry(token).or_insert_with(|| {
                    chain.words.push(token.to_owned());
                    chain.next.push(Vec::new());
                    (chain.words.len() - 1) as u32
                });
                match previous {
                    Some(p) => chain.next[p as usize].push(id),
                    None => chain.starts.push(id),
                }
                previous = (!token.ends_with(['.', '!', '?'])).then_some(id);
            }
        }
        chain
    }

    /// Sentences until about `bytes`, in paragraphs of five sentences.
    pub(super) fn text(&self, rng: &mut Rng, bytes: usize) -> String {
        let mut out = String::with_capacity(bytes + 200);
        let mut sentences = 0;
        let mut current = *rng.pick(&self.starts);
        while out.len() < bytes {
            let word = &self.words[current as usize];
            out.push_str(word);
            let followers = &self.next[current as usize];
            current = if word.ends_with(['.', '!', '?']) || followers.is_empty() {
                sentences += 1;
                out.push_str(if sentences % 5 == 0 { "\n\n" } else { " " });
                *rng.pick(&self.starts)
            } else {
                out.push(' ');
                *rng.pick(followers)
            };
        }
        let mut text = out.trim_end().to_owned();
        if !text.ends_with(['.', '!', '?']) {
            text.push('.');
        }
        text
    }

    /// A few words, without the final punctuation: for titles and subtitles.
    pub(super) fn phrase(&self, rng: &mut Rng, words: usize) -> String {
        let mut out: Vec<&str> = Vec::new();
        let mut current = *rng.pick(&self.starts);
        for _ in 0..words {
            let word = self.words[current as usize].as_str();
            let followers = &self.next[current as usize];
            if word.ends_with(['.', '!', '?']) || followers.is_empty() {
                out.push(word.trim_end_matches(['.', '!', '?']));
                break;
            }
            out.push(word);
            current = *rng.pick(followers);
        }
        out.join(" ")
            .trim_end_matches([',', ';', ':'])
            .trim()
            .to_owned()
    }
}

/// What lines are drawn from: the demo library's text and reference data, and the thesaurus.
pub(super) struct Material {
    pub(super) body: Chain,
    pub(super) abstracts: Chain,
    pub(super) keywords: Vec<String>,
    pub(super) rome: Vec<String>,
    /// Slug and name.
    pub(super) observatories: Vec<(String, String)>,
    /// IDCC and name of the demo branches (in the catalogue).
    pub(super) branches: Vec<(String, String)>,
    /// IDCC numbers only the thesaurus knows (the import creates the branch).
    pub(super) thesaurus_branches: Vec<String>,
    /// Labels (preferred and alternative) and URIs of the themes.
    pub(super) subjects: Vec<String>,
}

impl Material {
    pub(super) fn new() -> anyhow::Result<Self> {
        let mut demo: Vec<Value> = Vec::new();
        for text in PUBLICATIONS {
            let part: Vec<Value> = serde_json::from_str(text)?;
            demo.extend(part);
        }
        let strings = |value: &Value, key: &str| -> Vec<String> {
            value[key]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default()
        };
        let abstracts: Vec<&str> = demo.iter().filter_map(|p| p["abstract"].as_str()).collect();
        let mut corpus = abstracts.clone();
        for p in &demo {
            for section in p["sections"].as_array().into_iter().flatten() {
                let paragraphs = section["paragraphs"].as_array().into_iter().flatten();
                corpus.extend(paragraphs.filter_map(Value::as_str));
            }
        }
        let sorted = |mut v: Vec<String>| {
            v.sort();
            v.dedup();
            v
        };
        let keywords = sorted(demo.iter().flat_map(|p| strings(p, "keywords")).collect());
        let rome = sorted(demo.iter().flat_map(|p| strings(p, "rome")).collect());

        let reference: Value = serde_json::from_str(REFERENCE)?;
        let pairs = |key: &str, first: &str| -> Vec<(String, String)> {
            reference[key]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|o| {
                    Some((
                        o[first].as_str()?.to_owned(),
                        o["name"].as_str()?.to_owned(),
                    ))
                })
                .collect()
        };
        let observatories = pairs("observatories", "slug");
        let branches = pairs("branches", "idcc");

        let vocabulary = bibliotheque::thesaurus::import::shipped()?;
        let themes = format!("{SHIPPED_BASE}/themes/");
        let branch_base = format!("{SHIPPED_BASE}/branches/");
        let mut subjects = Vec::new();
        let mut thesaurus_branches = Vec::new();
        for concept in vocabulary.concepts.values() {
            if concept.uri.starts_with(&themes) {
                subjects.push(concept.uri.clone());
                let labels = concept.pref_labels.iter().chain(&concept.alt_labels);
                subjects.extend(labels.map(|l| l.text.clone()));
            } else if let Some(idcc) = concept.uri.strip_prefix(&branch_base)
                && !branches.iter().any(|(known, _)| known == idcc)
            {
                thesaurus_branches.push(idcc.to_owned());
            }
        }
        ensure!(
            !subjects.is_empty() && !thesaurus_branches.is_empty(),
            "thésaurus livré sans thèmes ou sans branches"
        );
        Ok(Self {
            body: Chain::learn(corpus),
            abstracts: Chain::learn(abstracts),
            keywords,
            rome,
            observatories,
            branches,
            thesaurus_branches,
            subjects,
        })
    }
}

/// The same text with its case or accents changed: the import ignores both.
pub(super) fn vary(rng: &mut Rng, text: &str) -> String {
    match rng.below(6) {
        0 => text.to_uppercase(),
        1 => bibliotheque::text::fold(text),
        2 => text.to_lowercase(),
        _ => text.to_owned(),
    }
}

pub(super) fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Writes `count` lines; returns the numbers of the invalid ones.
pub(super) fn write_file(
    path: &Path,
    m: &Material,
    count: usize,
) -> anyhow::Result<BTreeSet<usize>> {
    let mut out = BufWriter::new(
        std::fs::File::create(path).with_context(|| format!("écriture de {}", path.display()))?,
    );
    let mut rng = Rng::new(SEED);
    let mut invalid = BTreeSet::new();
    for n in 0..count {
        let mut line = line(m, &mut rng, n);
        // One line in 100 is wrong, in four ways in turn.
        if n % 100 == 42 {
            invalid.insert(n + 1);
            match (n / 100) % 4 {
                0 => {
                    let title = line.remove("title").unwrap_or_default();
                    line.insert("titel".into(), title);
                }
                1 => {
                    line.remove("title");
                }
                2 => {
                    line.remove("published_on");
                    line.insert("year".into(), json!(1850));
                }
                _ => {
                    line.remove("year");
                    line.insert("published_on".into(), json!("2023-02-30"));
                }
            }
        }
        serde_json::to_writer(&mut out, &line)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(invalid)
}

/// One valid line.
pub(super) fn line(m: &Material, rng: &mut Rng, n: usize) -> Map<String, Value> {
    let mut line = Map::new();
    let (type_slug, type_label) = *rng.pick(TYPES);
    let year = 2008 + rng.below(18) as i32;
    let first = rng.pick(&m.keywords).clone();
    let second = rng.pick(&m.keywords).clone();
    let (_, branch_name) = rng.pick(&m.branches);
    let (_, region_name) = *rng.pick(REGIONS);
    let title = match rng.below(6) {
        0 => format!("{type_label} : {first} et {second} ({year})"),
        1 => format!(
            "{} dans la branche {branch_name} : état des lieux {year}",
            capitalised(&first)
        ),
        2 => {
            let words = 4 + rng.below(6);
            format!(
                "{} et {second} : {}",
                capitalised(&first),
                m.abstracts.phrase(rng, words)
            )
        }
        3 => format!("Portrait statistique {year} : {first}"),
        4 => format!("{} en {region_name} : {second}", capitalised(&first)),
        _ => {
            let words = 6 + rng.below(8);
            capitalised(&m.body.phrase(rng, words))
        }
    };
    line.insert("title".into(), json!(title));
    if rng.chance(40) {
        let words = 5 + rng.below(8);
        let subtitle = capitalised(&m.abstracts.phrase(rng, words));
        line.insert("subtitle".into(), json!(subtitle));
    }
    let external_id = if rng.chance(5) {
        json!(1_000_000 + n)
    } else {
        json!(format!("import-bench-{n:05}"))
    };
    line.insert("external_id".into(), external_id);

    let observatory = if rng.chance(7) {
        let name = *rng.pick(NEW_OBSERVATORIES);
        vary(rng, name)
    } else {
        let (slug, name) = rng.pick(&m.observatories).clone();
        if rng.chance(25) {
            slug
        } else {
            vary(rng, &name)
        }
    };
    line.insert("observatory".into(), json!(observatory));
    let document_type = match rng.below(3) {
        0 => type_slug.to_owned(),
        _ => vary(rng, type_label),
    };
    line.insert("type".into(), json!(document_type));

    match rng.below(10) {
        0..=4 => {
            line.insert("year".into(), json!(year));
        }
        5..=8 => {
            let date = format!("{year}-{:02}-{:02}", 1 + rng.below(12), 1 + rng.below(28));
            line.insert("published_on".into(), json!(date));
        }
        _ => {
            let date = format!("{year}-{:02}-{:02}", 1 + rng.below(12), 1 + rng.below(28));
            line.insert("published_on".into(), json!(date));
            line.insert("year".into(), json!(year));
        }
    }
    let bytes = 300 + rng.below(700);
    let summary = m.abstracts.text(rng, bytes);
    line.insert("abstract".into(), json!(summary));
    let bytes = 2_000 + rng.below(4_000);
    let body = m.body.text(rng, bytes);
    line.insert("body".into(), json!(body));

    let mut keywords = vec![first, second];
    keywords.extend((0..rng.below(4)).map(|_| rng.pick(&m.keywords).clone()));
    line.insert("keywords".into(), json!(keywords));
    let mut subjects: Vec<String> = (0..rng.below(4))
        .map(|_| rng.pick(&m.subjects).clone())
        .collect();
    if rng.chance(3) {
        subjects.push(format!("notion inconnue {}", rng.below(50)));
    }
    if !subjects.is_empty() {
        line.insert("subjects".into(), json!(subjects));
    }
    if rng.chance(70) {
        let branches: Vec<Value> = (0..1 + rng.below(2))
            .map(|_| {
                let idcc = if rng.chance(15) {
                    rng.pick(&m.thesaurus_branches).clone()
                } else {
                    rng.pick(&m.branches).0.clone()
                };
                match idcc.parse::<u32>() {
                    Ok(number) if rng.chance(30) => json!(number),
                    _ => json!(idcc),
                }
            })
            .collect();
        line.insert("branches".into(), Value::Array(branches));
    }
    if rng.chance(30) {
        let regions: Vec<Value> = (0..1 + rng.below(2))
            .map(|_| {
                let (code, name) = *rng.pick(REGIONS);
                if rng.chance(50) {
                    json!(code)
                } else {
                    json!(vary(rng, name))
                }
            })
            .collect();
        line.insert("regions".into(), Value::Array(regions));
    }
    if rng.chance(40) {
        let rome: Vec<String> = (0..1 + rng.below(3))
            .map(|_| rng.pick(&m.rome).clone())
            .collect();
        line.insert("rome".into(), json!(rome));
    }
    if rng.chance(20) {
        let partners: Vec<&str> = (0..1 + rng.below(2)).map(|_| *rng.pick(PARTNERS)).collect();
        line.insert("partners".into(), json!(partners));
    }
    if rng.chance(20) {
        line.insert("period_start".into(), json!(year - 5));
        line.insert("period_end".into(), json!(year - 1));
    }
    if rng.chance(20) {
        line.insert(
            "source_url".into(),
            json!(format!("https://www.observatoire.example/etudes/{n}")),
        );
        line.insert("licence".into(), json!("Licence Ouverte 2.0"));
    }
    line
}
