//! The words of a typed query that ask, wish, refuse or tell rather than name what is looked
//! for, in one table: each form once, with everything it does. « voudrais » is a filler,
//! starts the wish of a story and, before « pas », refuses what follows; kept in one place,
//! a form added for one of these is not forgotten for the others.
//!
//! Forms are folded (lower case, no accents, see [`crate::text::fold`]). The French stop words
//! are out of every query already; these are only left out of queries, as documents use them
//! in their own sense.

use std::ops::BitOr;

/// What a word does in a typed query: a set of roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Roles(u16);

impl Roles {
    const NONE: Self = Self(0);
    /// Typed to ask rather than to name what is looked for (« comment », « boulot », « je
    /// voudrais »): it weighs almost nothing.
    pub const FILLER: Self = Self(1);
    /// Starts what the user wishes for (« je voudrais », « devenir », « me reconvertir »).
    pub const WISH: Self = Self(1 << 1);
    /// Followed by « pas » or « jamais », refuses what comes next (« ne veut pas être
    /// vétérinaire »). Not « je ne sais pas quel métier », nor « je ne peux pas financer ma
    /// formation », where what follows is the problem to solve.
    pub const REFUSING: Self = Self(1 << 2);
    /// Says what the user likes, which names what is looked for as much as a wish does (« je
    /// suis passionnée d'histoire et je voudrais… »).
    pub const LIKE: Self = Self(1 << 3);
    /// A verb saying what someone is or does now (« je suis infirmière », « il travaille en
    /// usine »).
    pub const STATE: Self = Self(1 << 4);
    /// A relative a story may be about (« mon fils », « ma femme »).
    pub const RELATIVE: Self = Self(1 << 5);
    /// A possessive before such a relative.
    pub const POSSESSIVE: Self = Self(1 << 6);
    /// Says that what follows is now (« actuellement je travaille… »).
    pub const NOW: Self = Self(1 << 7);
    /// A subject pronoun that speaks of a person: not « c'est », nor the impersonal « il est
    /// difficile de… », nor « on est une PME », which speak of what is looked for.
    pub const PERSON: Self = Self(1 << 8);
    /// Starts another clause (and so ends a refusal).
    pub const CLAUSE_START: Self = Self(1 << 9);
    /// A determiner: « …, pas des vêtements » refuses, « …, pas de diplôme » does not.
    pub const DETERMINER: Self = Self(1 << 10);
    /// After « pas », qualifies rather than refuses (« pas trop », « pas loin », « mais pas
    /// seulement »).
    pub const DEGREE: Self = Self(1 << 11);
    /// A filler that names a field right after a [`Self::COURSE`]: « des infos sur le
    /// métier » asks, « BTS info » and « bon en info » name informatique (the singular only:
    /// « master infos admission » asks).
    pub const CLIPPED_FIELD: Self = Self(1 << 12);
    /// A course, a diploma or someone who teaches, and « en »: a clipped field after it names
    /// the field (« licence info », « prof d'info », « fort en info »).
    pub const COURSE: Self = Self(1 << 13);
    /// A word that links or qualifies the others, outside the stop words (« après »,
    /// « entre », « comme »): never a misspelling, whether or not the library's texts hold it
    /// (a small library's may not: « après » was « corrected » to « aires »).
    pub const LINK: Self = Self(1 << 14);
    /// A verb of earning or being paid: right beside « combien » it only asks what a job pays
    /// (« combien gagne un plombier », « un apprenti gagne combien »), a question word like
    /// the others; elsewhere it names what is looked for (« gagner des marchés »).
    pub const EARNING: Self = Self(1 << 15);

    /// Whether the set holds every role of `roles`.
    pub fn has(self, roles: Self) -> bool {
        self.0 & roles.0 == roles.0 && roles.0 != 0
    }
}

impl BitOr for Roles {
    type Output = Self;

    fn bitor(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }
}

/// The roles of a folded word; none for a word that names something.
pub fn roles(folded: &str) -> Roles {
    use Roles as R;
    // A form appears once: rustc flags a repeated one as an unreachable pattern.
    match folded {
        // Verbs of wish: fillers that start a wish, and refuse after « pas ».
        // « aimerai », « voudrai »: the conditional as often typed.
        "aimerai" | "aimerais" | "aimerait" | "souhaite" | "souhaites" | "souhaiterais"
        | "souhaiterait" | "veut" | "veux" | "voudrai" | "voudrais" | "voudrait" => {
            R::FILLER | R::WISH | R::REFUSING
        }
        "aime" | "aimes" => R::FILLER | R::REFUSING | R::LIKE,
        "supporte" | "supportes" => R::REFUSING,
        "devenir" | "envie" | "reve" => R::FILLER | R::WISH,
        "changer" | "evoluer" | "passer" | "reconvertir" => R::WISH,
        // Liking.
        "adore" | "adorent" | "interesse" | "interessee" | "interessent" | "passionne"
        | "passionnee" => R::FILLER | R::LIKE,
        "bon" | "bonne" | "doue" | "douee" | "fan" | "fort" | "forte" => R::LIKE,
        // Being or doing now.
        "suis" | "est" | "habite" | "vis" | "vit" | "travaille" | "bosse" => R::STATE,
        "actuellement" | "aujourd" | "hui" => R::NOW,
        // Asking.
        "besoin" => R::FILLER | R::DEGREE,
        "beaucoup" | "bosser" | "boulot" | "boulots" | "cherche" | "chercher" | "combien"
        | "comment" | "connaitre" | "consiste" | "deviens" | "devient" | "dois" | "doit"
        | "faire" | "faut" | "information" | "informations" | "laquelle" | "lequel"
        | "lesquelles" | "lesquels" | "marre" | "peut" | "peux" | "pourquoi" | "quand" | "quel"
        | "quelle" | "quelles" | "quels" | "quoi" | "savoir" | "svp" | "taf" | "taff"
        | "travailler" | "trouver" => R::FILLER,
        "info" => R::FILLER | R::CLIPPED_FIELD,
        "gagne" | "gagnes" | "gagnent" | "gagner" | "gagnez" | "gagnons" | "gagnera"
        | "gagnerai" | "gagnerait" | "touche" | "touches" | "touchent" | "toucher" | "touchez"
        | "touchera" | "paye" | "payes" | "payee" | "payees" | "payent" | "payer" | "paie"
        | "paient" => R::EARNING,
        "infos" => R::FILLER,
        "alternance" | "bac" | "bachelor" | "bts" | "but" | "cap" | "cours" | "dut" | "ecole"
        | "en" | "etudes" | "fac" | "filiere" | "formation" | "ingenieur" | "iut" | "l1" | "l2"
        | "l3" | "licence" | "m1" | "m2" | "master" | "option" | "pro" | "prof" | "profs"
        | "section" | "spe" | "specialite" | "stage" | "technicien" => R::COURSE,
        // Someone, in speech: « le gars qui entretient les piscines ».
        "gars" | "mec" | "mecs" | "meuf" | "nana" => R::FILLER,
        // Who a story is about.
        "ami" | "amie" | "compagne" | "compagnon" | "conjoint" | "conjointe" | "copain"
        | "copine" | "cousin" | "cousine" | "enfant" | "enfants" | "femme" | "fille" | "filles"
        | "fils" | "frere" | "freres" | "mari" | "mere" | "neveu" | "niece" | "oncle" | "pere"
        | "soeur" | "soeurs" | "tante" => R::RELATIVE,
        "mon" | "ma" | "mes" | "son" | "sa" | "ses" | "notre" | "nos" => R::POSSESSIVE,
        "je" | "j" | "elle" => R::PERSON,
        "puis" => R::FILLER | R::CLAUSE_START,
        "car" | "donc" | "et" | "mais" | "plutot" | "prefere" => R::CLAUSE_START,
        "des" | "du" | "l" | "la" | "le" | "les" | "un" | "une" => R::DETERMINER,
        // Words that link or qualify the others only add, as fillers (« apprentissage depuis
        // 2020 »), but those that also name something: « mal de dos », « le Cher », « bien
        // être » typed without its hyphen.
        "assez" | "encore" | "forcement" | "loin" | "moins" | "plus" | "que" | "seulement"
        | "toujours" | "tres" | "trop" | "vraiment" => R::DEGREE | R::LINK | R::FILLER,
        "cher" | "chere" | "mal" => R::DEGREE | R::LINK,
        "alors" | "apres" | "aussi" | "autre" | "autres" | "avant" | "ca" | "chaque" | "comme"
        | "contre" | "deja" | "depuis" | "durant" | "entre" | "hors" | "ici" | "jusqu" | "lors"
        | "malgre" | "parmi" | "pendant" | "quelque" | "quelques" | "selon" | "tous" | "tout"
        | "toute" | "toutes" | "vers" | "via" => R::LINK | R::FILLER,
        "bien" => R::LINK,
        _ => R::NONE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_verb_of_wish_does_all_it_does() {
        for form in ["veux", "voudrais", "voudrait", "aimerait", "souhaiterait"] {
            let roles = roles(form);
            assert!(
                roles.has(Roles::FILLER | Roles::WISH | Roles::REFUSING),
                "{form}"
            );
        }
        assert!(roles("aime").has(Roles::LIKE | Roles::REFUSING));
        assert!(!roles("sais").has(Roles::REFUSING));
        assert!(!roles("peux").has(Roles::REFUSING));
    }

    #[test]
    fn words_that_name_something_have_no_role() {
        for word in ["infirmiere", "soudeur", "metier", "", "é"] {
            assert_eq!(roles(word), Roles::NONE, "{word}");
        }
        assert!(roles("comment").has(Roles::FILLER));
        assert!(!roles("bon").has(Roles::FILLER));
        assert!(roles("apres").has(Roles::LINK) && roles("trop").has(Roles::LINK));
    }
}
