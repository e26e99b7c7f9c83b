//! Sources

use super::*;

/// One ROME job sheet: its code, label, and its text (definition, access).
pub(super) struct Sheet {
    pub(super) code: String,
    pub(super) label: String,
    pub(super) domain: String,
    pub(super) text: String,
    pub(super) definition: String,
}

/// A Code civil titre: its heading and its articles' text, in order.
pub(super) struct Titre {
    pub(super) heading: String,
    pub(super) text: String,
}

pub(super) struct Sources {
    pub(super) sheets: Vec<Sheet>,
    pub(super) titles: Vec<String>,
    pub(super) titres: Vec<Titre>,
    /// Words of the Code civil that follow an article (nouns, mostly), by frequency.
    pub(super) nouns: Vec<String>,
    /// Sentences of the Code civil, for word runs.
    pub(super) sentences: Vec<String>,
}

impl Sources {
    pub(super) fn read() -> anyhow::Result<Self> {
        let rome = PathBuf::from(
            std::env::var_os("ROME_DIR").unwrap_or_else(|| "../shared/data/rome-4.0".into()),
        );
        let civil = std::env::var_os("CODE_CIVIL").map(PathBuf::from);
        let (sheets, titles) = if rome.join("unix_texte_v460_utf8.csv").is_file() {
            read_rome(&rome)?
        } else {
            println!(
                "\n*** ROME 4.0 ABSENT : {} n'a pas unix_texte_v460_utf8.csv (ROME_DIR=…) : \
                 corpus sans fiches métiers, requêtes sans intitulés de métiers ***\n",
                rome.display()
            );
            (Vec::new(), Vec::new())
        };
        let titres = match &civil {
            Some(path) if path.exists() => read_code_civil(path)?,
            _ => {
                println!(
                    "\n*** CODE CIVIL ABSENT : CODE_CIVIL={} : corpus sans textes juridiques, \
                     requêtes sans leur vocabulaire ***\n",
                    civil
                        .as_ref()
                        .map_or("(non défini)".into(), |p| p.display().to_string())
                );
                Vec::new()
            }
        };
        ensure!(
            !sheets.is_empty() || !titres.is_empty(),
            "ni le ROME ni le Code civil : rien pour faire le corpus"
        );
        let sentences: Vec<String> = titres
            .iter()
            .flat_map(|t| t.text.split(['.', ';', ':', '\n']))
            .map(str::trim)
            .filter(|s| s.split_whitespace().count() >= 5 && !s.starts_with("Article"))
            .map(str::to_owned)
            .collect();
        let mut counts: HashMap<String, usize> = HashMap::new();
        for sentence in &sentences {
            let words: Vec<&str> = sentence.split_whitespace().collect();
            for pair in words.windows(2) {
                if matches!(pair[0], "la" | "le" | "les" | "du" | "des" | "de")
                    && pair[1].chars().count() >= 5
                    && pair[1].chars().all(|c| c.is_alphabetic() || c == '-')
                    && pair[1].chars().next().is_some_and(char::is_lowercase)
                {
                    *counts.entry(pair[1].to_owned()).or_default() += 1;
                }
            }
        }
        let mut nouns: Vec<(String, usize)> = counts.into_iter().filter(|(_, n)| *n >= 3).collect();
        nouns.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let nouns = nouns.into_iter().map(|(w, _)| w).collect();
        println!(
            "sources : {} fiches ROME ({} Ko), {} intitulés de métier, {} titres du Code civil ({} Ko)",
            sheets.len(),
            sheets.iter().map(|s| s.text.len()).sum::<usize>() / 1024,
            titles.len(),
            titres.len(),
            titres.iter().map(|t| t.text.len()).sum::<usize>() / 1024,
        );
        Ok(Self {
            sheets,
            titles,
            titres,
            nouns,
            sentences,
        })
    }

    /// The import lines of publications `from..to`.
    pub(super) fn write_corpus(&self, path: &Path, from: usize, to: usize) -> anyhow::Result<u64> {
        let reference: serde_json::Value = serde_json::from_str(REFERENCE)?;
        let observatories: Vec<String> = reference["observatories"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|o| o["name"].as_str().map(str::to_owned))
            .collect();
        let branches: Vec<String> = reference["branches"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|b| b["idcc"].as_str().map(str::to_owned))
            .collect();
        let types = [
            "Étude",
            "Enquête",
            "Fiche métier",
            "Référentiel d'activités et de compétences",
            "Portrait ou panorama de branche",
            "Synthèse",
            "Étude prospective (EDEC, CEP)",
        ];
        let regions = ["11", "84", "93", "75", "76", "44", "32", "53", "52", "28"];
        let mut out = BufWriter::new(std::fs::File::create(path)?);
        let mut bytes = 0u64;
        for n in from..to {
            // One generator per publication: the second file does not depend on the first.
            let mut rng = Rng::new(12_000 + n as u64);
            let target =
                (MIN_BODY.ln() + (MAX_BODY.ln() - MIN_BODY.ln()) * unit(&mut rng)).exp() as usize;
            let mut body = String::with_capacity(target + 64 * 1024);
            let mut codes = Vec::new();
            let mut headings = Vec::new();
            let mut titre = if self.titres.is_empty() {
                0
            } else {
                rng.below(self.titres.len())
            };
            let mut sheet = if self.sheets.is_empty() {
                0
            } else {
                rng.below(self.sheets.len())
            };
            while body.len() < target {
                if !self.titres.is_empty() {
                    let t = &self.titres[titre % self.titres.len()];
                    headings.push(t.heading.clone());
                    body.push_str(&t.heading);
                    body.push_str("\n\n");
                    body.push_str(&t.text);
                    titre += 1;
                }
                for _ in 0..1 + rng.below(4) {
                    if self.sheets.is_empty() {
                        break;
                    }
                    let s = &self.sheets[sheet % self.sheets.len()];
                    if codes.len() < 3 {
                        codes.push(s.code.clone());
                    }
                    body.push_str(&s.text);
                    sheet += 1 + rng.below(40);
                }
            }
            let cut = floor_boundary(&body, target);
            body.truncate(cut);
            let first_sheet = codes
                .first()
                .and_then(|c| self.sheets.iter().find(|s| &s.code == c));
            let title = match (first_sheet, headings.first()) {
                (Some(s), Some(h)) => format!("{} : {}", s.label, h),
                (Some(s), None) => s.label.clone(),
                (None, Some(h)) => h.clone(),
                (None, None) => format!("Publication {n}"),
            };
            let mut line = json!({
                "external_id": format!("long-{n}"),
                "title": title.chars().take(480).collect::<String>(),
                "observatory": rng.pick(&observatories),
                "type": rng.pick(&types),
                "year": 2005 + rng.below(22),
                "body": body,
                "rome": codes,
                "regions": [rng.pick(&regions)],
                "branches": [rng.pick(&branches)],
            });
            if let Some(s) = first_sheet {
                line["keywords"] = json!([s.domain]);
                if rng.below(3) == 0 {
                    line["abstract"] = json!(s.definition);
                }
            }
            let text = serde_json::to_string(&line)?;
            bytes += text.len() as u64 + 1;
            writeln!(out, "{text}")?;
        }
        out.flush()?;
        Ok(bytes)
    }

    /// Questions as people type them, from the job titles and the Code civil's words.
    pub(super) fn queries(&self, count: usize) -> Vec<String> {
        let mut rng = Rng::new(7);
        let mut out = Vec::with_capacity(count);
        while out.len() < count {
            let job = |rng: &mut Rng| -> Option<String> {
                (!self.titles.is_empty()).then(|| {
                    let title: &String = rng.pick(&self.titles);
                    gendered(title, rng)
                })
            };
            let noun = |rng: &mut Rng| -> Option<String> {
                // The most frequent nouns more often: the first 300 half of the time.
                (!self.nouns.is_empty()).then(|| {
                    let n = if rng.chance(50) {
                        self.nouns.len().min(300)
                    } else {
                        self.nouns.len()
                    };
                    self.nouns[rng.below(n)].clone()
                })
            };
            let run = |rng: &mut Rng| -> Option<String> {
                (!self.sentences.is_empty()).then(|| {
                    let sentence: &String = rng.pick(&self.sentences);
                    word_run(sentence, rng)
                })
            };
            let q = match rng.below(11) {
                0 => job(&mut rng).map(|j| format!("comment devenir {j}")),
                1 => job(&mut rng).map(|j| format!("quelle formation pour devenir {j}")),
                2 => job(&mut rng).map(|j| format!("quel diplôme pour être {j}")),
                3 => job(&mut rng).map(|j| format!("fiche métier {j} accès à l'emploi")),
                4 => job(&mut rng).map(|j| format!("{j} salaire et conditions de travail")),
                5 => run(&mut rng).map(|r| format!("quelles conditions pour {r}")),
                6 => noun(&mut rng)
                    .zip(noun(&mut rng))
                    .map(|(a, b)| format!("droit de {a} en cas de {b}")),
                7 => run(&mut rng),
                8 => noun(&mut rng).map(|a| format!("que dit le code civil sur la {a}")),
                9 => job(&mut rng)
                    .zip(noun(&mut rng))
                    .map(|(j, a)| format!("responsabilité du {j} en cas de {a}")),
                _ => noun(&mut rng)
                    .zip(noun(&mut rng))
                    .map(|(a, b)| format!("{a} et {b}")),
            };
            let Some(q) = q else { continue };
            let mut words: Vec<String> = q
                .split_whitespace()
                .take(10)
                .map(str::to_lowercase)
                .collect();
            if words.len() < 3 {
                continue;
            }
            if rng.chance(15) {
                let long: Vec<usize> = (0..words.len())
                    .filter(|&i| words[i].chars().count() >= 6)
                    .collect();
                if !long.is_empty() {
                    let i = *rng.pick(&long);
                    words[i] = misspell(&words[i], &mut rng);
                }
            }
            let mut q = words.join(" ");
            if rng.chance(60) {
                q = bibliotheque::text::fold(&q);
            }
            out.push(q);
        }
        out
    }
}

pub(super) fn unit(rng: &mut Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

pub(super) fn floor_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// "Conducteur / Conductrice de poids lourd" → "conducteur de poids lourd" or "conductrice de
/// poids lourd".
pub(super) fn gendered(title: &str, rng: &mut Rng) -> String {
    let title = title.split(" (").next().unwrap_or(title);
    match title.split_once(" / ") {
        Some((masculine, rest)) => {
            let (feminine, tail) = rest.split_once(' ').unwrap_or((rest, ""));
            let head = if rng.chance(50) { masculine } else { feminine };
            format!("{head} {tail}").trim().to_lowercase()
        }
        None => title.to_lowercase(),
    }
}

/// Three to six consecutive words of a sentence, starting at a word of 4 letters or more.
pub(super) fn word_run(sentence: &str, rng: &mut Rng) -> String {
    let words: Vec<&str> = sentence
        .split(|c: char| c.is_whitespace() || c == ',' || c == '(' || c == ')')
        .filter(|w| !w.is_empty())
        .collect();
    let starts: Vec<usize> = (0..words.len())
        .filter(|&i| words[i].chars().count() >= 4 && words[i].chars().all(char::is_alphabetic))
        .collect();
    let start = if starts.is_empty() {
        0
    } else {
        *rng.pick(&starts)
    };
    let len = 3 + rng.below(4);
    words[start..(start + len).min(words.len())].join(" ")
}

/// One typing mistake: two letters swapped, one dropped or one doubled.
pub(super) fn misspell(word: &str, rng: &mut Rng) -> String {
    let mut chars: Vec<char> = word.chars().collect();
    let i = 1 + rng.below(chars.len() - 2);
    match rng.below(3) {
        0 => chars.swap(i, i + 1),
        1 => {
            chars.remove(i);
        }
        _ => chars.insert(i, chars[i]),
    }
    chars.into_iter().collect()
}

/// The job sheets and the job titles.
pub(super) type Rome = (Vec<Sheet>, Vec<String>);

pub(super) fn read_rome(dir: &Path) -> anyhow::Result<Rome> {
    let records = |name: &str| -> anyhow::Result<Vec<csv::StringRecord>> {
        let mut reader =
            csv::Reader::from_path(dir.join(name)).with_context(|| format!("lecture de {name}"))?;
        Ok(reader.records().collect::<Result<_, _>>()?)
    };
    let clean = |s: &str| s.replace("''", "'");
    let mut labels: BTreeMap<String, String> = BTreeMap::new();
    for r in records("unix_referentiel_code_rome_v460_utf8.csv")? {
        labels.insert(r[0].to_owned(), clean(&r[3]));
    }
    let mut domains: HashMap<String, String> = HashMap::new();
    for r in records("unix_cr_gd_dp_v460_utf8.csv")? {
        domains.insert(r[0].to_owned(), clean(&r[5]));
    }
    // code → (block, kind, position, sentence)
    let mut texts: HashMap<String, Vec<(u32, String, u32, String)>> = HashMap::new();
    for r in records("unix_texte_v460_utf8.csv")? {
        texts.entry(r[0].to_owned()).or_default().push((
            r[1].parse().unwrap_or(0),
            r[2].to_owned(),
            r[3].parse().unwrap_or(0),
            clean(&r[4]),
        ));
    }
    let mut sheets = Vec::new();
    for (code, label) in &labels {
        let Some(mut sentences) = texts.remove(code) else {
            continue;
        };
        sentences.sort();
        let mut text = format!("{label} ({code})\n\n");
        let mut definition = String::new();
        let mut kind = "";
        for (_, k, _, sentence) in &sentences {
            if k != kind {
                text.push_str(if k == "definition" {
                    "Définition\n"
                } else {
                    "\nAccès à l'emploi\n"
                });
                kind = k;
            }
            text.push_str(sentence);
            text.push('\n');
            if k == "definition" && definition.len() < 300 {
                definition.push_str(sentence);
                definition.push(' ');
            }
        }
        text.push('\n');
        sheets.push(Sheet {
            code: code.clone(),
            label: label.clone(),
            domain: domains.get(code).cloned().unwrap_or_default(),
            text,
            definition: definition.trim().to_owned(),
        });
    }
    let titles = records("unix_referentiel_appellation_v460_utf8.csv")?
        .into_iter()
        .map(|r| clean(&r[1]))
        .collect();
    Ok((sheets, titles))
}

/// The articles of the Code civil grouped by titre (their folder), in article order.
pub(super) fn read_code_civil(path: &Path) -> anyhow::Result<Vec<Titre>> {
    let mut articles: Vec<(String, String)> = Vec::new();
    if path.join("objects").is_dir() || path.join(".git").exists() || path.join("HEAD").is_file() {
        let list = Command::new("git")
            .arg("-C")
            .arg(path)
            .args(["ls-tree", "-r", "-z", "HEAD"])
            .output()
            .context("git ls-tree")?;
        ensure!(list.status.success(), "git ls-tree sur {}", path.display());
        let mut entries = Vec::new();
        for entry in list.stdout.split(|&b| b == 0).filter(|e| !e.is_empty()) {
            let entry = String::from_utf8_lossy(entry);
            let Some((meta, name)) = entry.split_once('\t') else {
                continue;
            };
            let sha = meta
                .split_whitespace()
                .nth(2)
                .unwrap_or_default()
                .to_owned();
            if name.ends_with(".md")
                && name
                    .rsplit('/')
                    .next()
                    .is_some_and(|f| f.starts_with("Article"))
            {
                entries.push((name.to_owned(), sha));
            }
        }
        let mut child = Command::new("git")
            .arg("-C")
            .arg(path)
            .args(["cat-file", "--batch"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .context("git cat-file")?;
        let mut stdin = child.stdin.take().context("stdin")?;
        let shas: Vec<String> = entries.iter().map(|(_, s)| s.clone()).collect();
        let writer = std::thread::spawn(move || -> std::io::Result<()> {
            for sha in shas {
                writeln!(stdin, "{sha}")?;
            }
            Ok(())
        });
        let mut stdout = BufReader::new(child.stdout.take().context("stdout")?);
        for (name, _) in &entries {
            let mut header = String::new();
            stdout.read_line(&mut header)?;
            let size: usize = header
                .split_whitespace()
                .nth(2)
                .and_then(|s| s.parse().ok())
                .with_context(|| format!("git cat-file : {header}"))?;
            let mut content = vec![0u8; size + 1];
            stdout.read_exact(&mut content)?;
            content.pop();
            articles.push((name.clone(), String::from_utf8_lossy(&content).into_owned()));
        }
        writer
            .join()
            .map_err(|_| anyhow::anyhow!("git cat-file"))??;
        child.wait()?;
    } else {
        let mut stack = vec![path.to_owned()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir)? {
                let p = entry?.path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|e| e == "md")
                    && p.file_name()
                        .is_some_and(|f| f.to_string_lossy().starts_with("Article"))
                {
                    let name = p.strip_prefix(path)?.to_string_lossy().into_owned();
                    articles.push((name, std::fs::read_to_string(&p)?));
                }
            }
        }
    }
    // Article 544-1 comes after 544 and before 545.
    let number = |name: &str| -> Vec<u32> {
        name.rsplit('/')
            .next()
            .unwrap_or_default()
            .trim_start_matches("Article ")
            .trim_end_matches(".md")
            .split(|c: char| !c.is_ascii_digit())
            .filter_map(|n| n.parse().ok())
            .collect()
    };
    articles.sort_by_key(|(name, _)| number(name));
    let mut titres: BTreeMap<String, String> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    for (name, text) in articles {
        let folder = name.rsplit_once('/').map_or("", |(f, _)| f).to_owned();
        if !titres.contains_key(&folder) {
            order.push(folder.clone());
        }
        let body = titres.entry(folder).or_default();
        // "Article 544\n----\n…": the heading line, then the text.
        for line in text.lines().filter(|l| !l.trim_start().starts_with("---")) {
            body.push_str(line);
            body.push('\n');
        }
        body.push('\n');
    }
    Ok(order
        .into_iter()
        .map(|folder| {
            let heading = if folder.is_empty() {
                "Code civil".to_owned()
            } else {
                format!("Code civil, {}", folder.replace('/', ", "))
            };
            let text = titres.remove(&folder).unwrap_or_default();
            Titre { heading, text }
        })
        .collect())
}
