//! What a sentence typed as a story says around its keywords: the job someone has, before the
//! one they wish for (« je suis infirmière et je voudrais passer dans la recherche clinique »),
//! and what they do not want (« ne veut pas être vétérinaire »). Ranked like the others, those
//! words put the job they are leaving, or refusing, first.

use super::vocabulary::{Roles, roles};
use crate::text::{fold, offset_in, overlaps};
use crate::thesaurus::analysis;

/// How a word of the query stands in its sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stance {
    /// What is looked for: every word of a query that tells no story.
    Sought,
    /// What someone is or does now, before their wish.
    Present,
    /// What someone does not want.
    Refused,
    /// Who the story is about (« mon fils », « ma fille »): never what is looked for.
    Told,
}

/// The parts of a query that are not what is looked for, as byte ranges.
#[derive(Debug, Default)]
pub struct Story {
    present: Option<(usize, usize)>,
    refused: Vec<(usize, usize)>,
    told: Vec<(usize, usize)>,
}

impl Story {
    pub fn read(text: &str) -> Self {
        let words: Vec<Word> = analysis::words(text)
            .into_iter()
            .map(|(word, term)| {
                let folded = fold(word);
                Word {
                    at: offset_in(text, word),
                    end: offset_in(text, word) + word.len(),
                    stop: term.is_none(),
                    roles: roles(&folded),
                    folded,
                }
            })
            .collect();
        let mut story = Self {
            present: present_clause(&words),
            refused: refusals(text, &words),
            told: relatives(&words),
        };
        // A query that only refuses (« je ne veux pas être vétérinaire ») is read as typed:
        // there is nothing else to look for.
        let sought = |w: &&Word| w.is_content() && story.stance(w.at) != Stance::Refused;
        if !words.iter().any(|w| sought(&w)) {
            story.refused.clear();
        }
        story
    }

    /// The stance of the word at byte `at`.
    pub fn stance(&self, at: usize) -> Stance {
        let within = |&(from, to): &(usize, usize)| (from..to).contains(&at);
        if self.refused.iter().any(within) {
            Stance::Refused
        } else if self.told.iter().any(within) {
            Stance::Told
        } else if self.present.as_ref().is_some_and(within) {
            Stance::Present
        } else {
            Stance::Sought
        }
    }

    /// Whether the bytes `start..end` lie in the clause that says what someone is now, and
    /// touch nothing refused nor the relative it is about (a label may span stop words:
    /// « vendeur mais pas en magasin »).
    pub fn is_present(&self, (start, end): (usize, usize)) -> bool {
        self.present
            .is_some_and(|(from, to)| from <= start && end <= to)
            && !self
                .refused
                .iter()
                .chain(&self.told)
                .any(|&range| overlaps(range, (start, end)))
    }

    /// Whether the bytes `start..end` touch a part that is not looked for.
    pub fn is_aside(&self, (start, end): (usize, usize)) -> bool {
        self.present
            .iter()
            .chain(&self.refused)
            .chain(&self.told)
            .any(|&range| overlaps(range, (start, end)))
    }
}

/// A word of the query, where it stands.
struct Word {
    at: usize,
    end: usize,
    /// A stop word (no search term).
    stop: bool,
    folded: String,
    roles: Roles,
}

impl Word {
    fn is(&self, role: Roles) -> bool {
        self.roles.has(role)
    }

    /// Whether the word names something: neither a stop word nor a question word or filler.
    fn is_content(&self) -> bool {
        !self.stop && !self.is(Roles::FILLER)
    }
}

/// The byte range of a clause that says what the user (or someone close) is or does now, at
/// the start of the query and before a wish: « infirmière depuis dix ans » in « je suis
/// infirmière depuis dix ans et je voudrais passer dans la recherche clinique », « soudeur » in
/// « mon mari est soudeur et voudrait passer à la tuyauterie ». `None` when the query has no
/// such shape, or when the clause says what they like.
fn present_clause(words: &[Word]) -> Option<(usize, usize)> {
    let verb = words.iter().take(4).position(|w| w.is(Roles::STATE))?;
    let who = &words[..verb];
    let about_someone = who
        .iter()
        .all(|w| w.stop || w.is(Roles::RELATIVE) || w.is(Roles::NOW))
        && who
            .iter()
            .any(|w| w.is(Roles::PERSON) || w.is(Roles::RELATIVE));
    if !about_someone {
        return None;
    }
    let wish = verb + 1 + words[verb + 1..].iter().position(|w| w.is(Roles::WISH))?;
    let clause = &words[verb + 1..wish];
    let likes = clause
        .iter()
        .any(|w| w.is(Roles::LIKE) || w.folded.starts_with("passionn"));
    // « je suis RH dans le transport et je veux changer »: the wish names nothing, what they
    // are now is all there is to look for.
    let wish_names_something = words[wish + 1..]
        .iter()
        .any(|w| w.is_content() && !w.is(Roles::WISH));
    if clause.is_empty() || likes || !wish_names_something {
        return None;
    }
    Some((clause[0].at, words[wish].at))
}

/// The byte ranges of the relatives a story is told about (« mon fils », « ma fille »): the
/// relative, right after a possessive. « femme de ménage » has none.
fn relatives(words: &[Word]) -> Vec<(usize, usize)> {
    words
        .windows(2)
        .filter(|pair| pair[0].is(Roles::POSSESSIVE) && pair[1].is(Roles::RELATIVE))
        .map(|pair| (pair[1].at, pair[1].end))
        .collect()
}

/// The byte ranges of what the query refuses, up to the end of the clause (« ni » carries a
/// refusal on: « pas vétérinaire ni soigneur »): what follows « pas » or « jamais » after a verb
/// of wish (« ne veut pas être vétérinaire »), after « mais » (« mais pas devenir ingénieure »,
/// a wish right after « pas » refused with the rest) or, before a determiner, at the start of
/// a clause (« …, pas des vêtements »); and what follows « sans être » and « sans faire ».
/// After « mais » or punctuation, « pas » before a word of degree refuses nothing (« mais pas
/// seulement », « …, pas trop physique »), nor does « …, pas de diplôme », nor
/// « Pas-de-Calais ».
fn refusals(text: &str, words: &[Word]) -> Vec<(usize, usize)> {
    let mut refused = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let w = &words[i];
        let previous = i.checked_sub(1).map(|p| &words[p]);
        let next = words.get(i + 1);
        let refuses = match w.folded.as_str() {
            "pas" | "jamais" => {
                let after_wish = previous.is_some_and(|p| p.is(Roles::REFUSING));
                // Set against what comes before, unless it only qualifies it.
                let set_against = (previous.is_some_and(|p| p.folded == "mais")
                    || (i > 0
                        && punctuation_before(text, words, i)
                        && next.is_some_and(|n| n.is(Roles::DETERMINER))))
                    && !next.is_some_and(|n| n.is(Roles::DEGREE));
                (after_wish || set_against) && !crate::text::hyphenated(text, &text[w.at..w.end])
            }
            "sans" => next.is_some_and(|n| matches!(n.folded.as_str(), "etre" | "faire")),
            _ => false,
        };
        if !refuses {
            i += 1;
            continue;
        }
        let from = i + 1;
        // « pas devenir ingénieure »: the wish refused is part of the refusal, but not one
        // that starts another clause (« j'aime pas, devenir infirmière me plairait »).
        let wish_refused = words.get(from).is_some_and(|w| w.is(Roles::WISH))
            && !punctuation_before(text, words, from);
        let mut to = from + usize::from(wish_refused);
        while to < words.len() && !starts_clause(text, words, to) {
            to += 1;
        }
        if to > from {
            refused.push((words[from].at, words[to - 1].end));
        }
        i = to.max(i + 1);
    }
    refused
}

/// Whether `words[i]` starts a new clause: a conjunction, a wish, a subject, or punctuation
/// before it (« pas vétérinaire, elle voudrait… », « pas vétérinaire elle voudrait… »).
fn starts_clause(text: &str, words: &[Word], i: usize) -> bool {
    words[i].is(Roles::CLAUSE_START)
        || words[i].is(Roles::WISH)
        || words[i].is(Roles::PERSON)
        || punctuation_before(text, words, i)
}

/// Whether punctuation stands between `words[i]` and the word before it.
fn punctuation_before(text: &str, words: &[Word], i: usize) -> bool {
    let gap_start = i.checked_sub(1).map_or(0, |p| words[p].end);
    text[gap_start..words[i].at].contains([',', ';', '.', '?', '!', ':', '\n', '…', '(', ')'])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn present(text: &str) -> Option<&str> {
        Story::read(text).present.map(|(from, to)| &text[from..to])
    }

    fn refused(text: &str) -> Vec<&str> {
        let story = Story::read(text);
        story
            .refused
            .iter()
            .map(|&(from, to)| &text[from..to])
            .collect()
    }

    #[test]
    fn the_present_clause_is_what_someone_is_before_a_wish() {
        assert_eq!(
            present("je suis infirmière depuis dix ans et je voudrais passer dans la recherche"),
            Some("infirmière depuis dix ans et je ")
        );
        assert_eq!(
            present("mon mari est soudeur et voudrait passer a la tuyauterie"),
            Some("soudeur et ")
        );
        assert_eq!(
            present("j'habite en Bretagne et je voudrais vivre de la récolte des algues"),
            Some("en Bretagne et je ")
        );
        assert_eq!(
            present("Actuellement je travaille en usine, je souhaite devenir technicien"),
            Some("en usine, je ")
        );
    }

    #[test]
    fn likes_questions_and_wishes_alone_have_no_present_clause() {
        for text in [
            // What they like names what is looked for.
            "je suis passionnée d'histoire et je voudrais faire visiter les monuments",
            "je suis bon en maths et je voudrais devenir ingénieur",
            "ma fille aime dessiner et voudrait faire du graphisme",
            // « c'est », « est-ce que » say nothing about the user.
            "c'est quoi un métier où on voyage, je voudrais devenir steward",
            "est-ce que je peux devenir assistante maternelle sans diplome",
            // No wish, or nothing between the state and the wish.
            "je suis infirmière à l'hôpital",
            "je voudrais devenir infirmière",
            "quel est le salaire d'un infirmier qui veut devenir cadre",
            "je suis devenue infirmière",
            // Impersonal subjects speak of what is looked for.
            "il est difficile de recruter des soudeurs et de les faire évoluer",
            "on est une PME du bâtiment et on veut former nos salariés",
            // The wish names nothing.
            "je suis RH dans une entreprise de transport et je veux changer",
        ] {
            assert_eq!(present(text), None, "{text}");
        }
    }

    #[test]
    fn what_someone_refuses_runs_to_the_end_of_its_clause() {
        assert_eq!(
            refused(
                "ma fille adore les chevaux mais ne veut pas être vétérinaire ni faire de la compétition"
            ),
            ["être vétérinaire ni faire de la compétition"]
        );
        assert_eq!(
            refused("un metier dans un hopital sans etre medecin, avec des horaires de jour"),
            ["etre medecin"]
        );
        assert_eq!(
            refused("elle ne veut pas être vétérinaire elle voudrait travailler avec des chevaux"),
            ["être vétérinaire"]
        );
        assert_eq!(
            refused("je ne supporte pas le bruit et je voudrais travailler dehors"),
            ["le bruit"]
        );
        assert_eq!(
            refused("elle veut imaginer la forme des objets mais pas devenir ingénieure"),
            ["devenir ingénieure"]
        );
        assert_eq!(
            refused("fabriquer les tissus sur un métier à tisser, pas des vêtements"),
            ["des vêtements"]
        );
        // A wish after punctuation starts another clause: only what is disliked is refused.
        assert_eq!(
            refused("la compta j'aime pas, devenir infirmière me plairait"),
            Vec::<&str>::new()
        );
        let text = "je ne veux pas de bureau mais un métier dehors";
        let story = Story::read(text);
        assert_eq!(story.stance(text.find("bureau").unwrap()), Stance::Refused);
        assert_eq!(story.stance(text.find("dehors").unwrap()), Stance::Sought);
        assert!(story.is_aside((text.find("bureau").unwrap(), text.len())));
    }

    #[test]
    fn a_label_in_the_present_clause_is_present_unless_it_spans_a_refusal() {
        let text = "je suis vendeur mais pas en magasin et je voudrais devenir commercial";
        let story = Story::read(text);
        let vendeur = text.find("vendeur").unwrap();
        assert!(story.is_present((vendeur, vendeur + "vendeur".len())));
        let label_end = text.find("magasin").unwrap() + "magasin".len();
        assert!(!story.is_present((vendeur, label_end)));
        let commercial = text.find("commercial").unwrap();
        assert!(!story.is_present((commercial, text.len())));
    }

    #[test]
    fn the_relative_a_story_is_about_is_told_not_sought() {
        let text = "mon fils adore les trains et ma fille la femme de ménage";
        let story = Story::read(text);
        assert_eq!(story.stance(text.find("fils").unwrap()), Stance::Told);
        assert_eq!(story.stance(text.find("fille").unwrap()), Stance::Told);
        assert_eq!(story.stance(text.find("trains").unwrap()), Stance::Sought);
        assert_eq!(story.stance(text.find("femme").unwrap()), Stance::Sought);
    }

    #[test]
    fn not_knowing_and_needing_no_diploma_refuse_nothing() {
        for text in [
            "je ne sais pas quel metier faire avec un bac pro",
            "quel metier dans la logistique sans diplome ni expérience",
            "formation pour adultes qui ne savent ni lire ni écrire",
            "je ne peux pas financer ma formation de kiné",
            "un métier pas cher à apprendre",
            "pas de diplome, quel metier",
            "quel metier, pas de diplome",
            "formation infirmière, pas loin de Lyon",
            "aide-soignante, Pas-de-Calais",
            "aide-soignante (Pas-de-Calais)",
            "la cuisine mais pas seulement la pâtisserie",
            "quel métier ? pas trop physique",
            "un métier dehors, pas besoin du bac",
            "soigner les animaux, pas forcément vétérinaire",
            // Nothing but a refusal: read as typed.
            "je ne veux pas être vétérinaire",
            // Hostile input.
            "pas",
            "ni ni ni",
            "sans",
            ", , pas ; sans !",
            "🙂 pas 🙂",
        ] {
            assert!(refused(text).is_empty(), "{text}");
        }
        let long =
            "je ne veux pas être ".to_owned() + &"vétérinaire ".repeat(2_000) + "mais soigneur";
        assert_eq!(refused(&long).len(), 1);
    }
}
