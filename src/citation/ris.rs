//! RIS: `TY  - RPRT` records. Every line is a two-character tag, two spaces, a hyphen, a
//! space and the value (`AU  - Observatoire…`), lines end with CR LF, and a record ends with
//! `ER  - `. A value is one line: line breaks inside it become spaces.

use std::fmt::Write;

use super::Reference;

pub fn write(references: &[Reference]) -> String {
    let mut out = String::new();
    for reference in references {
        record(&mut out, reference);
    }
    out
}

fn record(out: &mut String, r: &Reference) {
    let mut line = |tag: &str, value: &str| {
        let value: String = value
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let _ = write!(out, "{tag}  - {}\r\n", value.trim());
    };
    line("TY", "RPRT");
    line("ID", &r.key);
    line("TI", &r.title);
    if let Some(subtitle) = &r.subtitle {
        line("T2", subtitle);
    }
    line("AU", &r.institution);
    line("PB", r.publisher.as_deref().unwrap_or(&r.institution));
    if let Some(date) = r.published_on {
        line("PY", &date.year().to_string());
        line(
            "DA",
            &format!(
                "{:04}/{:02}/{:02}",
                date.year(),
                u8::from(date.month()),
                date.day()
            ),
        );
    }
    line("M3", &r.genre);
    if let Some(text) = &r.abstract_text {
        line("AB", text);
    }
    for keyword in &r.keywords {
        line("KW", keyword);
    }
    line("LA", &r.language);
    line("UR", &r.url);
    if let Some(pdf) = &r.pdf_url {
        line("L1", pdf);
    }
    if let Some(licence) = &r.licence {
        line("N1", &format!("Licence : {licence}"));
    }
    // The end tag keeps its space after the hyphen, as the format requires.
    out.push_str("ER  - \r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::citation::tests::sample;

    #[test]
    fn lines_have_the_exact_shape() {
        let text = write(&[sample()]);
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(lines[0], "TY  - RPRT");
        assert_eq!(lines.last(), Some(&""), "the text ends with CR LF");
        assert_eq!(lines[lines.len() - 2], "ER  - ");
        for l in &lines[..lines.len() - 1] {
            let bytes = l.as_bytes();
            assert!(
                bytes.len() >= 6
                    && bytes[0].is_ascii_uppercase()
                    && bytes[1].is_ascii_alphanumeric()
                    && &bytes[2..6] == b"  - ",
                "{l:?}"
            );
        }
        assert!(lines.contains(&"DA  - 2024/03/15"));
        assert!(lines.contains(&"PY  - 2024"));
        assert!(lines.contains(&"AB  - Première ligne. Seconde ligne\\fin."));
        assert!(lines.contains(&"KW  - énergie"));
        assert!(!text.contains('\n') || text.matches('\n').count() == text.matches("\r\n").count());
    }
}
