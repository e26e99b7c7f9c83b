//! `/oai`: the OAI-PMH 2.0 repository, by GET or by POST (form-encoded). Harvesters (BASE,
//! Isidore, other portals) collect every publication the public has seen, in simple Dublin
//! Core or MODS, by set (OPCO, observatory, document type, top theme) and by date; a withdrawn
//! or deleted publication stays as a deleted record (`deletedRecord` is persistent).
//!
//! Lists come 100 records at a time, in the order of their identifiers. The resumption token
//! carries the request's arguments and the last identifier served (a keyset, never an offset):
//! no state on the server, so tokens survive restarts and never expire, and a record that
//! changes during a harvest is neither lost nor served twice.

mod metadata;
pub mod request;

use std::collections::HashMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use time::OffsetDateTime;
use uuid::Uuid;

use self::metadata::Context;
use self::request::{
    Arguments, ErrorCode, Format, ListRequest, ListState, OaiError, Parsed, SetSpec, Verb,
};
use super::themes;
use super::xml::{Xml, utc_seconds};
use crate::catalogue::open::{self, Header, Selection, SetFilter};
use crate::catalogue::queries;
use crate::http::AppError;
use crate::http::public_url::PublicUrl;
use crate::state::AppState;
use crate::thesaurus::snapshot::Snapshot;

/// Records per list response.
pub const BATCH: usize = 100;

const OAI_NS: &str = "http://www.openarchives.org/OAI/2.0/";
const OAI_SCHEMA: &str =
    "http://www.openarchives.org/OAI/2.0/ http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd";
const GRANULARITY: &str = "YYYY-MM-DDThh:mm:ssZ";
const REPOSITORY_NAME: &str = "Bibliothèque des observatoires de branche (OPMQ et OPCO)";

pub fn routes() -> Router<AppState> {
    Router::new().route("/oai", get(by_get).post(by_post))
}

async fn by_get(
    State(state): State<AppState>,
    base: PublicUrl,
    RawQuery(raw): RawQuery,
) -> Response {
    let pairs = request::decode(raw.unwrap_or_default().as_bytes());
    answer(&state, &base, pairs).await
}

/// The protocol allows POST with the arguments as an `application/x-www-form-urlencoded` body
/// (for long tokens or identifiers).
async fn by_post(State(state): State<AppState>, base: PublicUrl, body: Bytes) -> Response {
    answer(&state, &base, request::decode(&body)).await
}

/// Why a request got no OAI-PMH answer: the protocol's error, or ours (the database).
enum Failure {
    Oai(OaiError),
    App(AppError),
}

impl From<OaiError> for Failure {
    fn from(error: OaiError) -> Self {
        Self::Oai(error)
    }
}

impl From<sqlx::Error> for Failure {
    fn from(error: sqlx::Error) -> Self {
        Self::App(AppError::Database(error))
    }
}

async fn answer(
    state: &AppState,
    base: &PublicUrl,
    pairs: Result<Vec<(String, String)>, OaiError>,
) -> Response {
    let parsed = match pairs {
        Ok(pairs) => request::parse(pairs),
        Err(error) => Parsed {
            arguments: Arguments::new(),
            verb: Err(error),
        },
    };
    let mut body = Xml::fragment();
    let outcome = match &parsed.verb {
        Ok(verb) => respond(state, base, verb, &mut body).await,
        Err(error) => Err(Failure::Oai(error.clone())),
    };
    let error = match outcome {
        Ok(()) => None,
        Err(Failure::Oai(error)) => Some(error),
        Err(Failure::App(error)) => return error.into_response(),
    };
    let document = envelope(base, &parsed.arguments, error.as_ref(), body.finish());
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/xml; charset=utf-8"),
        )],
        document,
    )
        .into_response()
}

/// The response document around a verb's content (or an error).
fn envelope(
    base: &PublicUrl,
    arguments: &Arguments,
    error: Option<&OaiError>,
    content: Vec<u8>,
) -> Vec<u8> {
    let mut xml = Xml::new();
    xml.open(
        "OAI-PMH",
        &[
            ("xmlns", OAI_NS),
            ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
            ("xsi:schemaLocation", OAI_SCHEMA),
        ],
    );
    xml.element("responseDate", &[], &utc_seconds(OffsetDateTime::now_utc()));
    // The request's arguments are echoed, unless they are what was wrong with it.
    let echoed: Vec<(&str, &str)> = match error.map(|e| e.code) {
        Some(ErrorCode::BadVerb | ErrorCode::BadArgument) => Vec::new(),
        _ => arguments
            .iter()
            .filter(|(k, _)| {
                [
                    "verb",
                    "identifier",
                    "metadataPrefix",
                    "from",
                    "until",
                    "set",
                    "resumptionToken",
                ]
                .contains(&k.as_str())
            })
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect(),
    };
    xml.element("request", &echoed, &base.absolute("/oai"));
    let mut document = xml.take();
    match error {
        Some(error) => {
            xml.element("error", &[("code", error.code.as_str())], &error.message);
            document.extend(xml.take());
        }
        None => document.extend(content),
    }
    xml.close("OAI-PMH");
    document.extend(xml.finish());
    document
}

async fn respond(
    state: &AppState,
    base: &PublicUrl,
    verb: &Verb,
    xml: &mut Xml,
) -> Result<(), Failure> {
    match verb {
        Verb::Identify => identify(state, base, xml).await,
        Verb::ListMetadataFormats { identifier } => {
            if let Some(identifier) = identifier {
                find(state, base, identifier).await?;
            }
            list_formats(xml);
            Ok(())
        }
        Verb::ListSets => list_sets(state, xml).await,
        Verb::GetRecord { identifier, format } => {
            let header = find(state, base, identifier).await?;
            let snapshot = state.thesaurus.get();
            let records = live_records(state, std::slice::from_ref(&header)).await?;
            xml.open("GetRecord", &[]);
            write_record(xml, base, &snapshot, *format, &header, &records);
            xml.close("GetRecord");
            Ok(())
        }
        Verb::ListIdentifiers(list) => list_records(state, base, list, false, xml).await,
        Verb::ListRecords(list) => list_records(state, base, list, true, xml).await,
    }
}

/// `oai:{host}:{uuid}`: the host of the public address, without its port (the scheme wants
/// a domain name).
fn identifier(base: &PublicUrl, id: Uuid) -> String {
    format!("oai:{}:{id}", namespace(base))
}

fn namespace(base: &PublicUrl) -> &str {
    let host = base.host();
    match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) && !name.ends_with(']') => {
            name
        }
        _ => host,
    }
}

/// The header of the record `identifier` names, or `idDoesNotExist`.
async fn find(state: &AppState, base: &PublicUrl, identifier: &str) -> Result<Header, Failure> {
    let missing = || {
        OaiError::new(
            ErrorCode::IdDoesNotExist,
            "identifiant inconnu dans ce dépôt (forme attendue : oai:hôte:uuid)",
        )
    };
    let id = identifier
        .strip_prefix("oai:")
        .and_then(|rest| rest.strip_prefix(namespace(base)))
        .and_then(|rest| rest.strip_prefix(':'))
        .and_then(|id| Uuid::try_parse(id).ok())
        .ok_or_else(missing)?;
    Ok(open::header(&state.db, id).await?.ok_or_else(missing)?)
}

async fn identify(state: &AppState, base: &PublicUrl, xml: &mut Xml) -> Result<(), Failure> {
    let earliest = open::earliest_datestamp(&state.db)
        .await?
        .unwrap_or_else(OffsetDateTime::now_utc);
    xml.open("Identify", &[]);
    xml.element("repositoryName", &[], REPOSITORY_NAME);
    xml.element("baseURL", &[], &base.absolute("/oai"));
    xml.element("protocolVersion", &[], "2.0");
    xml.element("adminEmail", &[], &state.config.contact_email());
    xml.element("earliestDatestamp", &[], &utc_seconds(earliest));
    xml.element("deletedRecord", &[], "persistent");
    xml.element("granularity", &[], GRANULARITY);
    let namespace = namespace(base);
    // The identifier scheme's description names a domain; an address has none to give.
    if namespace.contains('.') && namespace.starts_with(|c: char| c.is_ascii_alphabetic()) {
        xml.open("description", &[]);
        xml.open(
            "oai-identifier",
            &[
                (
                    "xmlns",
                    "http://www.openarchives.org/OAI/2.0/oai-identifier",
                ),
                ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
                (
                    "xsi:schemaLocation",
                    "http://www.openarchives.org/OAI/2.0/oai-identifier \
                     http://www.openarchives.org/OAI/2.0/oai-identifier.xsd",
                ),
            ],
        );
        xml.element("scheme", &[], "oai");
        xml.element("repositoryIdentifier", &[], namespace);
        xml.element("delimiter", &[], ":");
        xml.element("sampleIdentifier", &[], &identifier(base, Uuid::nil()));
        xml.close("oai-identifier");
        xml.close("description");
    }
    xml.close("Identify");
    Ok(())
}

fn list_formats(xml: &mut Xml) {
    xml.open("ListMetadataFormats", &[]);
    for format in Format::ALL {
        xml.open("metadataFormat", &[]);
        xml.element("metadataPrefix", &[], format.prefix());
        xml.element("schema", &[], format.schema());
        xml.element("metadataNamespace", &[], format.namespace());
        xml.close("metadataFormat");
    }
    xml.close("ListMetadataFormats");
}

async fn list_sets(state: &AppState, xml: &mut Xml) -> Result<(), Failure> {
    let (opcos, observatories, types) = tokio::try_join!(
        queries::opcos(&state.db),
        queries::observatories(&state.db, None),
        queries::document_types(&state.db),
    )?;
    xml.open("ListSets", &[]);
    let mut set = |spec: String, name: String| {
        xml.open("set", &[]);
        xml.element("setSpec", &[], &spec);
        xml.element("setName", &[], &name);
        xml.close("set");
    };
    for opco in opcos {
        set(
            format!("opco:{}", opco.slug),
            format!("OPCO : {}", opco.name),
        );
    }
    for observatory in observatories {
        set(
            format!("observatoire:{}", observatory.slug),
            format!("Observatoire : {}", observatory.name),
        );
    }
    for kind in types {
        set(
            format!("type:{}", kind.slug),
            format!("Type de document : {}", kind.label),
        );
    }
    for (id, label) in themes::tops(&state.thesaurus.get()) {
        set(format!("theme:{id}"), format!("Thème : {label}"));
    }
    xml.close("ListSets");
    Ok(())
}

/// The SQL selection of a list's arguments; `None` when its set cannot hold any record (a
/// theme that is no top theme).
fn selection(state: &ListState, snapshot: &Snapshot) -> Option<Selection> {
    let set = match &state.set {
        None => None,
        Some(SetSpec::Opco(slug)) => Some(SetFilter::Opco(slug.to_string())),
        Some(SetSpec::Observatory(slug)) => Some(SetFilter::Observatory(slug.to_string())),
        Some(SetSpec::DocumentType(slug)) => Some(SetFilter::DocumentType(slug.to_string())),
        Some(SetSpec::Theme(id)) => Some(SetFilter::Themes(themes::members(snapshot, *id)?)),
    };
    Some(Selection {
        from: state.from.map(|d| d.start),
        before: state.until.map(|d| d.end()),
        set,
    })
}

async fn list_records(
    state: &AppState,
    base: &PublicUrl,
    list: &ListRequest,
    with_metadata: bool,
    xml: &mut Xml,
) -> Result<(), Failure> {
    let no_records = || {
        OaiError::new(
            ErrorCode::NoRecordsMatch,
            "aucune notice ne correspond à ces arguments",
        )
    };
    let wanted = list.state();
    let snapshot = state.thesaurus.get();
    let selection = selection(wanted, &snapshot).ok_or_else(no_records)?;
    let mut headers = open::headers(&state.db, &selection, wanted.after, BATCH as i64 + 1).await?;
    if headers.is_empty() {
        return Err(no_records().into());
    }
    let more = headers.len() > BATCH;
    headers.truncate(BATCH);
    let total = open::count(&state.db, &selection).await?;
    let records = if with_metadata {
        live_records(state, &headers).await?
    } else {
        HashMap::new()
    };
    let element = if with_metadata {
        "ListRecords"
    } else {
        "ListIdentifiers"
    };
    xml.open(element, &[]);
    for header in &headers {
        if with_metadata {
            write_record(xml, base, &snapshot, wanted.format, header, &records);
        } else {
            write_header(xml, base, &snapshot, header);
        }
    }
    let served = wanted.cursor + headers.len() as u64;
    let token = match (more, headers.last()) {
        (true, Some(last)) => wanted.token(last.id, served),
        _ => String::new(),
    };
    // A list that fits in one response has no token; the last of several, an empty one.
    if more || matches!(list, ListRequest::Resumed { .. }) {
        xml.element(
            "resumptionToken",
            &[
                ("completeListSize", &total.max(served as i64).to_string()),
                ("cursor", &wanted.cursor.to_string()),
            ],
            &token,
        );
    }
    xml.close(element);
    Ok(())
}

/// The metadata of the live records among `headers`.
async fn live_records(
    state: &AppState,
    headers: &[Header],
) -> Result<HashMap<Uuid, open::Record>, Failure> {
    let ids: Vec<Uuid> = headers
        .iter()
        .filter(|h| !h.deleted)
        .map(|h| h.id)
        .collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(open::records(&state.db, &ids).await?)
}

fn write_header(xml: &mut Xml, base: &PublicUrl, snapshot: &Snapshot, header: &Header) {
    let deleted = [("status", "deleted")];
    xml.open("header", if header.deleted { &deleted } else { &[] });
    xml.element("identifier", &[], &identifier(base, header.id));
    xml.element("datestamp", &[], &utc_seconds(header.datestamp));
    if let Some(opco) = &header.opco_slug {
        xml.element("setSpec", &[], &format!("opco:{opco}"));
    }
    xml.element(
        "setSpec",
        &[],
        &format!("observatoire:{}", header.observatory_slug),
    );
    xml.element("setSpec", &[], &format!("type:{}", header.document_type));
    for theme in themes::tops_of(snapshot, &header.subjects) {
        xml.element("setSpec", &[], &format!("theme:{theme}"));
    }
    xml.close("header");
}

/// A record: its header, and its metadata unless it is deleted. A record withdrawn between
/// reading the headers and the metadata is written as the deleted record it now is.
fn write_record(
    xml: &mut Xml,
    base: &PublicUrl,
    snapshot: &Snapshot,
    format: Format,
    header: &Header,
    records: &HashMap<Uuid, open::Record>,
) {
    xml.open("record", &[]);
    match records.get(&header.id).filter(|_| !header.deleted) {
        Some(record) => {
            write_header(xml, base, snapshot, header);
            let subjects = metadata::subjects(snapshot, &header.subjects);
            let identifier = identifier(base, header.id);
            xml.open("metadata", &[]);
            metadata::write(
                xml,
                format,
                &Context {
                    record,
                    subjects: &subjects,
                    base,
                    identifier: &identifier,
                },
            );
            xml.close("metadata");
        }
        None => {
            let deleted = Header {
                deleted: true,
                ..header.clone()
            };
            write_header(xml, base, snapshot, &deleted);
        }
    }
    xml.close("record");
}
