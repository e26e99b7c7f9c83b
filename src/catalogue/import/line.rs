//! Reading a line: its text, its fields, and French diagnostics of what is wrong with it.

use std::collections::HashSet;
use std::fmt;

use serde::Deserialize;
use serde_json::Value;
use serde_path_to_error::Segment;

/// The text of a line without its end, or why it is not text.
pub(super) fn line_text(bytes: &[u8], number: usize) -> Result<&str, String> {
    let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
    let bytes = match number {
        1 => bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes),
        _ => bytes,
    };
    std::str::from_utf8(bytes).map_err(|e| {
        format!(
            "texte non UTF-8 (octet {} de la ligne) : enregistrez le fichier en UTF-8",
            e.valid_up_to() + 1
        )
    })
}

// ---------------------------------------------------------------------------------------------
// Reading a line

/// One line as written. Every field is optional here so that missing ones are reported
/// together and in French; unknown ones are refused.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLine {
    pub(super) title: Option<String>,
    pub(super) observatory: Option<String>,
    #[serde(rename = "type")]
    pub(super) document_type: Option<String>,
    pub(super) published_on: Option<String>,
    pub(super) year: Option<Code>,
    pub(super) subtitle: Option<String>,
    #[serde(rename = "abstract")]
    pub(super) abstract_text: Option<String>,
    pub(super) body: Option<String>,
    pub(super) keywords: Option<Vec<String>>,
    pub(super) subjects: Option<Vec<String>>,
    pub(super) branches: Option<Vec<Code>>,
    pub(super) rome: Option<Vec<String>>,
    pub(super) regions: Option<Vec<Code>>,
    pub(super) partners: Option<Vec<String>>,
    pub(super) period_start: Option<Code>,
    pub(super) period_end: Option<Code>,
    pub(super) source_url: Option<String>,
    pub(super) language: Option<String>,
    pub(super) licence: Option<String>,
    pub(super) status: Option<String>,
    pub(super) withdrawn_reason: Option<String>,
    pub(super) files: Option<Vec<FileRef>>,
    pub(super) external_id: Option<Code>,
}

/// Every field of a line with what it takes, in French, for the message about a wrong value.
/// Must list exactly the fields of [`RawLine`] (a unit test checks it).
const FIELDS: &[(&str, &str)] = &[
    ("title", "texte attendu"),
    (
        "observatory",
        "texte attendu (nom ou identifiant de l'observatoire)",
    ),
    ("type", "texte attendu (type de document)"),
    ("published_on", "date attendue, en texte « AAAA-MM-JJ »"),
    ("year", "année attendue (nombre entier)"),
    ("subtitle", "texte attendu"),
    ("abstract", "texte attendu"),
    ("body", "texte attendu"),
    ("keywords", "liste de textes attendue"),
    (
        "subjects",
        "liste de textes attendue (URI ou libellés du thésaurus)",
    ),
    (
        "branches",
        "liste de numéros IDCC attendue (textes ou nombres)",
    ),
    ("rome", "liste de codes ROME attendue (textes)"),
    (
        "regions",
        "liste de codes INSEE ou de noms de régions attendue",
    ),
    ("partners", "liste de textes attendue"),
    ("period_start", "année attendue (nombre entier)"),
    ("period_end", "année attendue (nombre entier)"),
    ("source_url", "adresse web attendue (texte)"),
    (
        "language",
        "code de langue attendu (texte, par exemple « fr »)",
    ),
    ("licence", "texte attendu"),
    (
        "status",
        "« published », « draft » ou « withdrawn » attendu",
    ),
    ("withdrawn_reason", "texte attendu"),
    (
        "files",
        "liste attendue de chemins ou d'objets {\"path\": …, \"name\": …}",
    ),
    ("external_id", "texte ou nombre attendu"),
];

/// A code or a number written either as text or as a JSON number (`"0044"` or `44`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(super) enum Code {
    Text(String),
    Number(i64),
}

impl Code {
    pub(super) fn text(&self) -> String {
        match self {
            Self::Text(text) => text.trim().to_owned(),
            Self::Number(n) => n.to_string(),
        }
    }
}

/// A file to attach: a path, or a path with the name readers will see.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(super) enum FileRef {
    Path(String),
    Named(NamedFile),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NamedFile {
    pub(super) path: String,
    pub(super) name: Option<String>,
}

/// Reads a line into a [`RawLine`], or says in French what is wrong with it.
pub(super) fn parse_line(text: &str) -> Result<RawLine, String> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let mut raw: RawLine = serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|error| diagnose(text, &error))?;
    deserializer
        .end()
        .map_err(|error| format!("JSON invalide : {}", syntax_message(&error)))?;
    // A control character hides behind an escape (`\u0000`, `\f`), or is a raw DEL or C1 one
    // (valid JSON): only such lines are read a second time.
    if text.contains('\\') || text.contains(crate::text::is_forbidden) {
        refuse_control_characters(text)?;
    }
    if let Some(body) = raw.body.as_mut()
        && crate::text::forbidden_char(body).is_some()
    {
        *body = crate::text::without_forbidden_chars(body).into_owned();
    }
    Ok(raw)
}

/// Refuses a line with a control character other than tab and line ends in any text but the
/// body ([`crate::text::forbidden_char`]: PostgreSQL refuses NUL, and the others are invisible
/// in a record), naming the field. The body is searched, not shown: its control characters
/// become spaces instead.
fn refuse_control_characters(text: &str) -> Result<(), String> {
    fn first(value: &Value) -> Option<char> {
        match value {
            Value::String(s) => crate::text::forbidden_char(s),
            Value::Array(items) => items.iter().find_map(first),
            Value::Object(map) => map
                .iter()
                .find_map(|(k, v)| crate::text::forbidden_char(k).or_else(|| first(v))),
            Value::Null | Value::Bool(_) | Value::Number(_) => None,
        }
    }
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(text) else {
        return Ok(());
    };
    match map
        .iter()
        .filter(|(field, _)| *field != "body")
        .find_map(|(field, value)| first(value).map(|c| (field, c)))
    {
        Some((field, c)) => Err(format!(
            "caractère de contrôle {} dans « {field} » : retirez-le (seuls la tabulation et les \
             fins de ligne sont admis)",
            crate::text::code_point(c)
        )),
        None => Ok(()),
    }
}

/// Turns a serde error into a message naming the field at fault: the first step of the
/// error's path. Runs only on refused lines, so it may parse the line again.
fn diagnose(text: &str, error: &serde_path_to_error::Error<serde_json::Error>) -> String {
    let inner = error.inner();
    if inner.is_syntax() || inner.is_eof() {
        return format!("JSON invalide : {}", syntax_message(inner));
    }
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(text) else {
        return "JSON invalide : un objet {…} est attendu sur chaque ligne".to_owned();
    };
    let unknown: Vec<&str> = map
        .keys()
        .map(String::as_str)
        .filter(|key| !FIELDS.iter().any(|(field, _)| field == key))
        .collect();
    match unknown.as_slice() {
        [] => {}
        [one] => return format!("champ inconnu « {one} »"),
        many => return format!("champs inconnus {}", quoted(many)),
    }
    if let Some(Segment::Map { key }) = error.path().iter().next()
        && let Some((_, expected)) = FIELDS.iter().find(|(field, _)| field == key)
    {
        return format!("valeur invalide pour « {key} » : {expected}");
    }
    // No field at fault: the line's object itself was refused.
    match repeated_key(text) {
        Some(field) => format!("champ en double « {field} »"),
        None => format!("valeur invalide : {}", without_position(inner)),
    }
}

/// The first name written twice in the object of `text` (a [`Value`] keeps the last one).
fn repeated_key(text: &str) -> Option<String> {
    struct Keys;
    impl<'de> serde::de::Visitor<'de> for Keys {
        type Value = Option<String>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object")
        }

        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            // Read to the end: serde_json refuses a map left half-read.
            let (mut seen, mut repeated) = (HashSet::new(), None);
            while let Some(key) = map.next_key::<String>()? {
                if !seen.insert(key.clone()) {
                    repeated.get_or_insert(key);
                }
                map.next_value::<serde::de::IgnoredAny>()?;
            }
            Ok(repeated)
        }
    }
    serde::Deserializer::deserialize_map(&mut serde_json::Deserializer::from_str(text), Keys)
        .ok()
        .flatten()
}

/// serde_json's syntax errors, in French for the common ones, with the column.
fn syntax_message(error: &serde_json::Error) -> String {
    let detail = without_position(error);
    let french = match detail.as_str() {
        d if d.starts_with("EOF while parsing") => "la ligne s'arrête avant la fin de l'objet",
        "expected value" => "valeur attendue",
        "trailing characters" => "caractères après la fin de l'objet",
        "key must be a string" => "nom de champ attendu entre guillemets",
        "expected `,` or `}`" => "« , » ou « } » attendu",
        "expected `,` or `]`" => "« , » ou « ] » attendu",
        "expected `:`" => "« : » attendu",
        "trailing comma" => "virgule en trop",
        d if d.starts_with("control character") => "caractère de contrôle dans un texte",
        d if d.starts_with("invalid escape") => "séquence d'échappement invalide",
        d => d,
    };
    format!("{french} (colonne {})", error.column())
}

/// A serde_json message without its " at line L column C" tail.
fn without_position(error: &serde_json::Error) -> String {
    let text = error.to_string();
    let tail = format!(" at line {} column {}", error.line(), error.column());
    text.strip_suffix(&tail).unwrap_or(&text).to_owned()
}

/// « a », « b »: how French messages quote a list of names.
pub(super) fn quoted<S: AsRef<str>>(names: &[S]) -> String {
    names
        .iter()
        .map(|n| format!("« {} »", n.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_field_table_lists_exactly_the_fields_of_a_line() {
        for (field, _) in FIELDS {
            let line = format!("{{\"{field}\": null}}");
            assert!(parse_line(&line).is_ok(), "{field}");
        }
        assert_eq!(FIELDS.len(), 23);
        assert_eq!(
            parse_line(r#"{"titel": "x"}"#).err().as_deref(),
            Some("champ inconnu « titel »")
        );
    }

    #[test]
    fn control_characters_refuse_the_line_but_in_the_body() {
        let line = |field: &str, value: &str| {
            let mut map = serde_json::Map::new();
            for (k, v) in [("title", "T"), ("observatory", "O"), ("type", "etude")] {
                map.insert(k.to_owned(), Value::from(v));
            }
            map.insert(field.to_owned(), Value::from(value));
            Value::Object(map).to_string()
        };
        for field in [
            "title",
            "abstract",
            "licence",
            "withdrawn_reason",
            "source_url",
        ] {
            for bad in ["a\0b", "a\u{1b}b", "a\u{7f}", "a\u{85}b"] {
                let message = parse_line(&line(field, bad)).unwrap_err();
                assert!(
                    message.contains(&format!("« {field} »")) && message.contains("U+00"),
                    "{message}"
                );
            }
        }
        let keywords = r#"{"title":"T","keywords":["a","b\u0000"]}"#;
        assert!(parse_line(keywords).unwrap_err().contains("« keywords »"));
        let files = r#"{"title":"T","files":[{"path":"a.pdf","name":"x\u0007.pdf"}]}"#;
        assert!(parse_line(files).unwrap_err().contains("« files »"));
        let fine = parse_line(&line("abstract", "ligne\tune\r\nligne deux")).unwrap();
        assert_eq!(
            fine.abstract_text.as_deref(),
            Some("ligne\tune\r\nligne deux")
        );
        let body = parse_line(&line("body", "page 1\u{c}page 2\0fin")).unwrap();
        assert_eq!(body.body.as_deref(), Some("page 1 page 2 fin"));
    }

    #[test]
    fn messages_name_the_field_at_fault() {
        let error = |line: &str| parse_line(line).err().unwrap_or_default();
        assert!(error(r#"{"title": "x","#).starts_with("JSON invalide : "));
        assert_eq!(
            error("[1]"),
            "JSON invalide : un objet {…} est attendu sur chaque ligne"
        );
        assert_eq!(
            error(r#"{"title": "x", "year": [2020]}"#),
            "valeur invalide pour « year » : année attendue (nombre entier)"
        );
        assert_eq!(
            error(r#"{"keywords": "emploi"}"#),
            "valeur invalide pour « keywords » : liste de textes attendue"
        );
        assert_eq!(
            error(r#"{"title": "a", "title": "b"}"#),
            "champ en double « title »"
        );
        assert_eq!(
            error(r#"{"titel": 1, "tpye": 2}"#),
            "champs inconnus « titel », « tpye »"
        );
        assert_eq!(
            error(r#"{"files": [{"path": "a.pdf", "nom": "b"}]}"#),
            format!("valeur invalide pour « files » : {}", FIELDS[21].1)
        );
    }

    #[test]
    fn lines_end_and_byte_order_marks() {
        assert_eq!(line_text(b"\xEF\xBB\xBF{}\r\n", 1), Ok("{}"));
        assert!(line_text(b"\xff{}\n", 2).is_err());
    }
}
