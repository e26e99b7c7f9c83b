//! An OAI-PMH request, read once into types that only hold what the protocol allows: a verb
//! with exactly its arguments, dates of one granularity, a known format, a set of a known
//! kind, a resumption token that says where a list stands. Anything else is the protocol
//! error the harvester is owed, with its code.

use std::collections::BTreeMap;
use std::fmt;

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, Duration, OffsetDateTime, PrimitiveDateTime, Time};
use uuid::Uuid;

use crate::catalogue::domain::Slug;

/// The protocol's error codes (OAI-PMH 2.0, section 3.6) that this repository can give:
/// `noMetadataFormats` and `noSetHierarchy` never apply (every record is in every format, and
/// the repository has sets).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    BadArgument,
    BadResumptionToken,
    BadVerb,
    CannotDisseminateFormat,
    IdDoesNotExist,
    NoRecordsMatch,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BadArgument => "badArgument",
            Self::BadResumptionToken => "badResumptionToken",
            Self::BadVerb => "badVerb",
            Self::CannotDisseminateFormat => "cannotDisseminateFormat",
            Self::IdDoesNotExist => "idDoesNotExist",
            Self::NoRecordsMatch => "noRecordsMatch",
        }
    }
}

/// An error answered to the harvester: its code and a French explanation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OaiError {
    pub code: ErrorCode,
    pub message: String,
}

impl OaiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    fn argument(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadArgument, message)
    }
}

/// The metadata formats the repository disseminates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Simple Dublin Core, which every repository must offer.
    OaiDc,
    /// MODS 3.7: subjects with their thesaurus concept URIs, each file with its address, type
    /// and size, the observatory as the corporate author.
    Mods,
}

impl Format {
    pub const ALL: [Self; 2] = [Self::OaiDc, Self::Mods];

    pub fn prefix(self) -> &'static str {
        match self {
            Self::OaiDc => "oai_dc",
            Self::Mods => "mods",
        }
    }

    pub fn schema(self) -> &'static str {
        match self {
            Self::OaiDc => "http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
            Self::Mods => "http://www.loc.gov/standards/mods/v3/mods-3-7.xsd",
        }
    }

    pub fn namespace(self) -> &'static str {
        match self {
            Self::OaiDc => "http://www.openarchives.org/OAI/2.0/oai_dc/",
            Self::Mods => "http://www.loc.gov/mods/v3",
        }
    }

    fn parse(prefix: &str) -> Result<Self, OaiError> {
        Self::ALL
            .into_iter()
            .find(|f| f.prefix() == prefix)
            .ok_or_else(|| {
                OaiError::new(
                    ErrorCode::CannotDisseminateFormat,
                    format!(
                        "format de métadonnées non disponible : « {} » (formats : oai_dc, mods)",
                        shorten(prefix)
                    ),
                )
            })
    }
}

/// A set: the publications of an OPCO, of an observatory, of a document type, or filed under
/// a top theme of the thesaurus (by its concept id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetSpec {
    Opco(Slug),
    Observatory(Slug),
    DocumentType(Slug),
    Theme(i64),
}

impl SetSpec {
    pub fn parse(spec: &str) -> Option<Self> {
        let (kind, value) = spec.split_once(':')?;
        let slug = || Slug::parse(value).ok();
        Some(match kind {
            "opco" => Self::Opco(slug()?),
            "observatoire" => Self::Observatory(slug()?),
            "type" => Self::DocumentType(slug()?),
            "theme" => {
                let id: i64 = value.parse().ok().filter(|id| *id > 0)?;
                // The canonical spelling only: `theme:007` is not `theme:7`.
                if id.to_string() != value {
                    return None;
                }
                Self::Theme(id)
            }
            _ => return None,
        })
    }
}

impl fmt::Display for SetSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Opco(slug) => write!(f, "opco:{slug}"),
            Self::Observatory(slug) => write!(f, "observatoire:{slug}"),
            Self::DocumentType(slug) => write!(f, "type:{slug}"),
            Self::Theme(id) => write!(f, "theme:{id}"),
        }
    }
}

/// How precise a date argument is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Granularity {
    Day,
    Second,
}

/// A `from` or `until` argument: the instant it starts at, and its granularity (the two
/// arguments of a request must share it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OaiDate {
    pub start: OffsetDateTime,
    pub granularity: Granularity,
}

impl OaiDate {
    pub fn parse(text: &str) -> Option<Self> {
        if text.len() == 10 {
            let date = Date::parse(text, format_description!("[year]-[month]-[day]")).ok()?;
            return Some(Self {
                start: PrimitiveDateTime::new(date, Time::MIDNIGHT).assume_utc(),
                granularity: Granularity::Day,
            });
        }
        // `YYYY-MM-DDThh:mm:ssZ` exactly: no fraction, no other offset.
        if text.len() != 20 || !text.ends_with('Z') {
            return None;
        }
        let start = OffsetDateTime::parse(text, &Rfc3339).ok()?;
        Some(Self {
            start,
            granularity: Granularity::Second,
        })
    }

    /// The first instant after the whole day or second this date names: `until` includes it.
    pub fn end(self) -> OffsetDateTime {
        let unit = match self.granularity {
            Granularity::Day => Duration::DAY,
            Granularity::Second => Duration::SECOND,
        };
        self.start.saturating_add(unit)
    }
}

impl fmt::Display for OaiDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.granularity {
            Granularity::Day => {
                let day = self.start.date();
                write!(
                    f,
                    "{:04}-{:02}-{:02}",
                    day.year(),
                    u8::from(day.month()),
                    day.day()
                )
            }
            Granularity::Second => f.write_str(&super::super::xml::utc_seconds(self.start)),
        }
    }
}

/// Where a list stands and what it lists: the arguments of the request that started it, the
/// last identifier served and how many were served before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListState {
    pub format: Format,
    pub set: Option<SetSpec>,
    pub from: Option<OaiDate>,
    pub until: Option<OaiDate>,
    pub after: Option<Uuid>,
    pub cursor: u64,
}

/// Tokens are plain text, with `!` between fields (no field can hold one): readable in a
/// harvester's log, and they hold everything, so they survive restarts and never expire.
const TOKEN_VERSION: &str = "1";
const MAX_TOKEN: usize = 300;

impl ListState {
    pub fn token(&self, last: Uuid, served: u64) -> String {
        let text = |v: Option<String>| v.unwrap_or_default();
        [
            TOKEN_VERSION.to_owned(),
            self.format.prefix().to_owned(),
            text(self.set.as_ref().map(SetSpec::to_string)),
            text(self.from.map(|d| d.to_string())),
            text(self.until.map(|d| d.to_string())),
            last.simple().to_string(),
            served.to_string(),
        ]
        .join("!")
    }

    pub fn from_token(token: &str) -> Result<Self, OaiError> {
        let bad = || {
            OaiError::new(
                ErrorCode::BadResumptionToken,
                format!("jeton de reprise invalide : « {} »", shorten(token)),
            )
        };
        if token.len() > MAX_TOKEN {
            return Err(bad());
        }
        let fields: Vec<&str> = token.split('!').collect();
        let [version, prefix, set, from, until, last, served] = fields[..] else {
            return Err(bad());
        };
        if version != TOKEN_VERSION {
            return Err(bad());
        }
        let optional = |text: &str, parse: fn(&str) -> Option<OaiDate>| match text {
            "" => Ok(None),
            text => parse(text).map(Some).ok_or_else(bad),
        };
        let state = Self {
            format: Format::parse(prefix).map_err(|_| bad())?,
            set: match set {
                "" => None,
                spec => Some(SetSpec::parse(spec).ok_or_else(bad)?),
            },
            from: optional(from, OaiDate::parse)?,
            until: optional(until, OaiDate::parse)?,
            after: Some(Uuid::try_parse(last).map_err(|_| bad())?),
            cursor: served.parse().map_err(|_| bad())?,
        };
        check_dates(state.from, state.until).map_err(|_| bad())?;
        // What we write, we read back the same: anything else was not written by us.
        if state.token(state.after.unwrap_or_default(), state.cursor) != token {
            return Err(bad());
        }
        Ok(state)
    }
}

fn check_dates(from: Option<OaiDate>, until: Option<OaiDate>) -> Result<(), OaiError> {
    if let (Some(from), Some(until)) = (from, until) {
        if from.granularity != until.granularity {
            return Err(OaiError::argument(
                "from et until doivent avoir la même granularité (AAAA-MM-JJ ou AAAA-MM-JJThh:mm:ssZ)",
            ));
        }
        if from.start > until.start {
            return Err(OaiError::argument("from est postérieur à until"));
        }
    }
    Ok(())
}

/// A list request (ListIdentifiers, ListRecords): new, or resumed by a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListRequest {
    New(ListState),
    Resumed { token: String, state: ListState },
}

impl ListRequest {
    pub fn state(&self) -> &ListState {
        match self {
            Self::New(state) | Self::Resumed { state, .. } => state,
        }
    }
}

/// A request the repository can answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verb {
    Identify,
    ListMetadataFormats { identifier: Option<String> },
    ListSets,
    GetRecord { identifier: String, format: Format },
    ListIdentifiers(ListRequest),
    ListRecords(ListRequest),
}

/// The arguments as received, each once: echoed in the response's `request` element.
pub type Arguments = BTreeMap<String, String>;

/// A parsed request and its arguments; a refused one keeps its arguments when the error is not
/// about them (the protocol echoes them then).
pub struct Parsed {
    pub arguments: Arguments,
    pub verb: Result<Verb, OaiError>,
}

/// The longest argument value worth quoting back.
fn shorten(text: &str) -> String {
    let short: String = text.chars().take(80).collect();
    if short.len() < text.len() {
        format!("{short}…")
    } else {
        short
    }
}

/// Reads `pairs` (already decoded) into a request.
pub fn parse(pairs: Vec<(String, String)>) -> Parsed {
    let mut arguments = Arguments::new();
    let mut repeated = None;
    for (key, value) in pairs {
        match arguments.entry(key) {
            std::collections::btree_map::Entry::Occupied(entry) => {
                repeated.get_or_insert_with(|| entry.key().clone());
            }
            std::collections::btree_map::Entry::Vacant(entry) => {
                entry.insert(value);
            }
        }
    }
    let verb = match repeated {
        Some(key) if key == "verb" => Err(OaiError::new(
            ErrorCode::BadVerb,
            "l'argument verb est répété",
        )),
        Some(key) => Err(OaiError::argument(format!(
            "l'argument {} est répété",
            shorten(&key)
        ))),
        None => verb(&arguments),
    };
    Parsed { arguments, verb }
}

fn verb(arguments: &Arguments) -> Result<Verb, OaiError> {
    let Some(verb) = arguments.get("verb") else {
        return Err(OaiError::new(ErrorCode::BadVerb, "l'argument verb manque"));
    };
    let allowed: &[&str] = match verb.as_str() {
        "Identify" => &[],
        "ListMetadataFormats" => &["identifier"],
        "ListSets" => &["resumptionToken"],
        "GetRecord" => &["identifier", "metadataPrefix"],
        "ListIdentifiers" | "ListRecords" => {
            &["metadataPrefix", "set", "from", "until", "resumptionToken"]
        }
        other => {
            return Err(OaiError::new(
                ErrorCode::BadVerb,
                format!("verbe inconnu : « {} »", shorten(other)),
            ));
        }
    };
    if let Some(extra) = arguments
        .keys()
        .find(|k| *k != "verb" && !allowed.contains(&k.as_str()))
    {
        return Err(OaiError::argument(format!(
            "argument non permis avec {verb} : « {} »",
            shorten(extra)
        )));
    }
    let get = |name: &str| arguments.get(name).map(String::as_str);
    Ok(match verb.as_str() {
        "Identify" => Verb::Identify,
        "ListMetadataFormats" => Verb::ListMetadataFormats {
            identifier: get("identifier").map(str::to_owned),
        },
        "ListSets" => match get("resumptionToken") {
            // Every set fits in one response: no token of ours is ever pending.
            Some(token) => {
                return Err(OaiError::new(
                    ErrorCode::BadResumptionToken,
                    format!("jeton de reprise inconnu : « {} »", shorten(token)),
                ));
            }
            None => Verb::ListSets,
        },
        "GetRecord" => {
            let identifier = get("identifier")
                .ok_or_else(|| OaiError::argument("l'argument identifier manque"))?;
            let prefix = get("metadataPrefix")
                .ok_or_else(|| OaiError::argument("l'argument metadataPrefix manque"))?;
            Verb::GetRecord {
                identifier: identifier.to_owned(),
                format: Format::parse(prefix)?,
            }
        }
        "ListIdentifiers" => Verb::ListIdentifiers(list(arguments)?),
        _ => Verb::ListRecords(list(arguments)?),
    })
}

fn list(arguments: &Arguments) -> Result<ListRequest, OaiError> {
    let get = |name: &str| arguments.get(name).map(String::as_str);
    if let Some(token) = get("resumptionToken") {
        if arguments.len() > 2 {
            return Err(OaiError::argument(
                "resumptionToken s'emploie seul, sans autre argument que verb",
            ));
        }
        return Ok(ListRequest::Resumed {
            token: token.to_owned(),
            state: ListState::from_token(token)?,
        });
    }
    let prefix = get("metadataPrefix")
        .ok_or_else(|| OaiError::argument("l'argument metadataPrefix manque"))?;
    let date = |name: &str| {
        get(name)
            .map(|text| {
                OaiDate::parse(text).ok_or_else(|| {
                    OaiError::argument(format!(
                        "{name} n'est pas une date AAAA-MM-JJ ou AAAA-MM-JJThh:mm:ssZ : « {} »",
                        shorten(text)
                    ))
                })
            })
            .transpose()
    };
    let (from, until) = (date("from")?, date("until")?);
    check_dates(from, until)?;
    let set = get("set")
        .map(|spec| {
            SetSpec::parse(spec).ok_or_else(|| {
                OaiError::argument(format!(
                    "ensemble inconnu : « {} » (opco:…, observatoire:…, type:…, theme:…)",
                    shorten(spec)
                ))
            })
        })
        .transpose()?;
    Ok(ListRequest::New(ListState {
        format: Format::parse(prefix)?,
        set,
        from,
        until,
        after: None,
        cursor: 0,
    }))
}

/// Decodes `key=value&…` (a query string or a form body) strictly: bytes that are not UTF-8
/// or control characters are a bad argument, not text replaced behind the harvester's back.
pub fn decode(raw: &[u8]) -> Result<Vec<(String, String)>, OaiError> {
    let decode_part = |part: &[u8]| -> Result<String, OaiError> {
        let plus: Vec<u8> = part
            .iter()
            .map(|&b| if b == b'+' { b' ' } else { b })
            .collect();
        let text = percent_encoding::percent_decode(&plus)
            .decode_utf8()
            .map_err(|_| OaiError::argument("les arguments ne sont pas du texte UTF-8"))?;
        if text.chars().any(char::is_control) {
            return Err(OaiError::argument(
                "les arguments contiennent un caractère de contrôle",
            ));
        }
        Ok(text.into_owned())
    };
    raw.split(|&b| b == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = match pair.iter().position(|&b| b == b'=') {
                Some(at) => (&pair[..at], &pair[at + 1..]),
                None => (pair, &[][..]),
            };
            Ok((decode_part(key)?, decode_part(value)?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(query: &str) -> Result<Verb, OaiError> {
        parse(decode(query.as_bytes()).unwrap()).verb
    }

    fn code(query: &str) -> ErrorCode {
        request(query).unwrap_err().code
    }

    #[test]
    fn verbs_take_exactly_their_arguments() {
        assert_eq!(request("verb=Identify"), Ok(Verb::Identify));
        assert_eq!(code(""), ErrorCode::BadVerb);
        assert_eq!(code("verb=Frobnicate"), ErrorCode::BadVerb);
        assert_eq!(code("verb=Identify&verb=Identify"), ErrorCode::BadVerb);
        assert_eq!(code("verb=Identify&x=1"), ErrorCode::BadArgument);
        assert_eq!(
            code("verb=GetRecord&metadataPrefix=oai_dc"),
            ErrorCode::BadArgument
        );
        assert_eq!(
            code("verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=mods"),
            ErrorCode::BadArgument
        );
        assert_eq!(code("verb=ListRecords"), ErrorCode::BadArgument);
        assert_eq!(
            code("verb=ListRecords&metadataPrefix=marc"),
            ErrorCode::CannotDisseminateFormat
        );
        assert_eq!(
            code("verb=ListSets&resumptionToken=x"),
            ErrorCode::BadResumptionToken
        );
    }

    #[test]
    fn dates_have_one_granularity_and_an_order() {
        let ok = "verb=ListIdentifiers&metadataPrefix=oai_dc&from=2024-01-01&until=2024-02-01";
        assert!(request(ok).is_ok());
        for bad in [
            "from=2024-01-01&until=2024-02-01T00:00:00Z",
            "from=2024-02-01&until=2024-01-01",
            "from=2024-13-01",
            "from=2024-01-01T00:00:00.5Z",
            "from=2024-01-01T00:00:00+01:00",
            "until=yesterday",
        ] {
            let query = format!("verb=ListIdentifiers&metadataPrefix=oai_dc&{bad}");
            assert_eq!(code(&query), ErrorCode::BadArgument, "{bad}");
        }
        let day = OaiDate::parse("2024-01-31").unwrap();
        assert_eq!(day.to_string(), "2024-01-31");
        assert_eq!(day.end(), OaiDate::parse("2024-02-01").unwrap().start);
    }

    #[test]
    fn sets_are_of_four_kinds() {
        for spec in ["opco:akto", "observatoire:obs-1", "type:etude", "theme:12"] {
            assert_eq!(SetSpec::parse(spec).unwrap().to_string(), spec);
        }
        for bad in [
            "akto",
            "opco:",
            "opco:Akto",
            "theme:x",
            "theme:007",
            "theme:-1",
            "x:y",
        ] {
            assert_eq!(SetSpec::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn tokens_read_back_what_they_wrote_and_nothing_else() {
        let state = ListState {
            format: Format::Mods,
            set: SetSpec::parse("theme:3"),
            from: OaiDate::parse("2024-01-01T10:00:00Z"),
            until: None,
            after: None,
            cursor: 0,
        };
        let last = Uuid::from_u128(42);
        let token = state.token(last, 100);
        let back = ListState::from_token(&token).unwrap();
        assert_eq!(
            (back.after, back.cursor, back.format),
            (Some(last), 100, Format::Mods)
        );
        assert_eq!(back.set, state.set);
        assert_eq!(back.from, state.from);
        for bad in [
            "",
            "x",
            &token.replace("mods", "marc"),
            &token.replacen('1', "2", 1),
            &format!("{token}!"),
            &"a".repeat(10_000),
        ] {
            assert!(ListState::from_token(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn encoded_junk_is_a_bad_argument() {
        assert!(decode(b"verb=%FF").is_err());
        assert!(decode(b"verb=a%00b").is_err());
        assert_eq!(
            decode(b"verb=List+Sets&a").unwrap(),
            vec![
                ("verb".into(), "List Sets".into()),
                ("a".into(), String::new())
            ]
        );
    }
}
