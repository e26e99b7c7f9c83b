//! Atom 1.0 feeds of the newest publications: the whole library (`/flux.atom`), any list of
//! `/publications` (`/publications/flux.atom?…`, the same filters: a document type, a year, a
//! region…), an observatory, an OPCO, a branch, a thesaurus concept, and any search
//! (`/recherche/flux.atom?…`, the same parameters as `/recherche`: a saved search). Every page
//! that lists publications names its feed in its head (`Layout::feed`).

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use time::OffsetDateTime;
use uuid::Uuid;

use super::xml::{Xml, utc_seconds};
use crate::catalogue::domain::{Idcc, Slug};
use crate::catalogue::open::{self, FeedEntry};
use crate::catalogue::queries;
use crate::http::AppError;
use crate::http::catalogue::publications::list_feed_path;
use crate::http::catalogue::{ListParams, Organisation, download_url};
use crate::http::error::blocking;
use crate::http::params::Params;
use crate::http::public_url::PublicUrl;
use crate::search::listing::{ListFilter, ListSort};
use crate::search::service::{self, PerPage, Sort};
use crate::state::AppState;

/// Entries per feed: the newest.
pub const ENTRIES: usize = 50;

pub const MEDIA_TYPE: &str = "application/atom+xml";

/// What a feed is about: its title, its own address and the page it mirrors.
struct Feed {
    title: String,
    /// The feed's path and query (its `self` link and its id).
    path: String,
    /// The HTML page listing the same publications.
    page: String,
}

/// `/flux.atom`: the newest publications of the whole library.
pub async fn latest(State(state): State<AppState>, base: PublicUrl) -> Result<Response, AppError> {
    let feed = Feed {
        title: "Dernières publications".into(),
        path: "/flux.atom".into(),
        page: "/publications".into(),
    };
    listed(&state, &base, feed, ListFilter::default()).await
}

/// `/publications/flux.atom?…`: a list of `/publications` with its filters.
pub async fn list(
    State(state): State<AppState>,
    base: PublicUrl,
    Params(params): Params<ListParams>,
) -> Result<Response, AppError> {
    let request = params.validate()?;
    let page = request.url(1, None);
    let feed = Feed {
        title: "Publications".into(),
        path: list_feed_path(&page),
        page,
    };
    let mut filter = request.filter;
    filter.sort = ListSort::Date;
    listed(&state, &base, feed, filter).await
}

pub async fn observatory(
    State(state): State<AppState>,
    base: PublicUrl,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let slug = Slug::parse(&slug).map_err(|_| AppError::NotFound)?;
    let found = queries::find_observatory(&state.db, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let at = Organisation::Observatory(slug.as_str());
    let feed = Feed {
        title: found.name,
        path: at.feed(),
        page: at.page(),
    };
    let filter = ListFilter {
        observatory: Some(slug),
        ..ListFilter::default()
    };
    listed(&state, &base, feed, filter).await
}

pub async fn opco(
    State(state): State<AppState>,
    base: PublicUrl,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let slug = Slug::parse(&slug).map_err(|_| AppError::NotFound)?;
    let found = queries::find_opco(&state.db, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let at = Organisation::Opco(slug.as_str());
    let feed = Feed {
        title: found.name,
        path: at.feed(),
        page: at.page(),
    };
    let filter = ListFilter {
        opco: Some(slug),
        ..ListFilter::default()
    };
    listed(&state, &base, feed, filter).await
}

pub async fn branch(
    State(state): State<AppState>,
    base: PublicUrl,
    Path(idcc): Path<String>,
) -> Result<Response, AppError> {
    let idcc = Idcc::parse(&idcc).map_err(|_| AppError::NotFound)?;
    let found = queries::find_branch(&state.db, &idcc)
        .await?
        .ok_or(AppError::NotFound)?;
    let feed = Feed {
        title: format!("{} (IDCC {})", found.name, found.idcc),
        path: Organisation::Branch(&found.idcc).feed(),
        page: Organisation::Branch(&found.idcc).page(),
    };
    let filter = ListFilter {
        branch: Some(idcc),
        ..ListFilter::default()
    };
    listed(&state, &base, feed, filter).await
}

/// `/thesaurus/concepts/{id}/flux.atom`: the publications filed under a concept (a theme, a
/// job, a territory…) or a narrower one, as its page lists them.
pub async fn concept(
    State(state): State<AppState>,
    base: PublicUrl,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let snapshot = state.thesaurus.get();
    let index = snapshot.find_by_id(id).ok_or(AppError::NotFound)?;
    let feed = Feed {
        title: snapshot.concept(index).pref.clone(),
        path: format!("/thesaurus/concepts/{id}/flux.atom"),
        page: format!("/thesaurus/concepts/{id}"),
    };
    let search = state.search.clone();
    let ids = blocking(move || crate::search::concepts::newest(&search, id, ENTRIES)).await?;
    respond(&state, &base, feed, &ids).await
}

/// `/recherche/flux.atom?…`: a search, newest first, with the parameters of `/recherche`.
pub async fn search(
    State(state): State<AppState>,
    base: PublicUrl,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    let mut request = crate::http::search::parse(raw.as_deref(), false)
        .map_err(|m| AppError::BadRequest(format!("{m}.")))?;
    request.sort = Sort::Date;
    request.page = 1;
    request.per_page = PerPage::new(ENTRIES as u32).unwrap_or(PerPage::ONE);
    let query = raw.as_deref().filter(|q| !q.is_empty());
    let feed = Feed {
        title: match request.text.trim() {
            "" => "Recherche".into(),
            text => format!("Recherche « {text} »"),
        },
        path: query.map_or("/recherche/flux.atom".into(), |q| {
            format!("/recherche/flux.atom?{q}")
        }),
        page: query.map_or("/recherche".into(), |q| format!("/recherche?{q}")),
    };
    let (search, snapshot) = (state.search.clone(), state.thesaurus.get());
    let results = blocking(move || service::search(&search, &snapshot, &request)).await?;
    let ids: Vec<Uuid> = results
        .hits
        .iter()
        .filter_map(|hit| Uuid::try_parse(&hit.id).ok())
        .collect();
    respond(&state, &base, feed, &ids).await
}

/// The newest publications of a list (from the search index, as the list pages read them).
async fn listed(
    state: &AppState,
    base: &PublicUrl,
    feed: Feed,
    filter: ListFilter,
) -> Result<Response, AppError> {
    let search = state.search.clone();
    let listed =
        blocking(move || crate::search::listing::list(&search, &filter, 1, ENTRIES)).await?;
    respond(state, base, feed, &listed.ids).await
}

async fn respond(
    state: &AppState,
    base: &PublicUrl,
    feed: Feed,
    ids: &[Uuid],
) -> Result<Response, AppError> {
    let entries = open::feed_entries(&state.db, ids).await?;
    // An empty feed is as new as the library's last change.
    let updated = match entries.iter().map(|e| e.publication.updated_at).max() {
        Some(newest) => newest,
        None => open::last_change(&state.db)
            .await?
            .unwrap_or(OffsetDateTime::UNIX_EPOCH),
    };
    let body = write(base, &feed, updated, &entries);
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/atom+xml; charset=utf-8"),
        )],
        body,
    )
        .into_response())
}

fn write(base: &PublicUrl, feed: &Feed, updated: OffsetDateTime, entries: &[FeedEntry]) -> Vec<u8> {
    let mut xml = Xml::new();
    let own = base.absolute(&feed.path);
    xml.open(
        "feed",
        &[("xmlns", "http://www.w3.org/2005/Atom"), ("xml:lang", "fr")],
    );
    xml.element("id", &[], &own);
    xml.element(
        "title",
        &[],
        &format!("{} · Bibliothèque des observatoires", feed.title),
    );
    xml.element(
        "subtitle",
        &[],
        "Les études des observatoires prospectifs des métiers et des qualifications (OPMQ) et des OPCO",
    );
    xml.element("updated", &[], &utc_seconds(updated));
    xml.empty(
        "link",
        &[("rel", "self"), ("type", MEDIA_TYPE), ("href", &own)],
    );
    xml.empty(
        "link",
        &[
            ("rel", "alternate"),
            ("type", "text/html"),
            ("href", &base.absolute(&feed.page)),
        ],
    );
    xml.open("author", &[]);
    xml.element("name", &[], "Bibliothèque des observatoires");
    xml.element("uri", &[], &base.absolute("/"));
    xml.close("author");
    xml.element("generator", &[], "bibliotheque");
    for entry in entries {
        write_entry(&mut xml, base, entry);
    }
    xml.close("feed");
    xml.finish()
}

fn write_entry(xml: &mut Xml, base: &PublicUrl, entry: &FeedEntry) {
    let page = base.absolute(&format!("/publications/{}", entry.publication.slug));
    xml.open("entry", &[]);
    // The publication's own identity: the same entry in every feed, whatever its address.
    xml.element("id", &[], &format!("urn:uuid:{}", entry.publication.id));
    xml.element("title", &[], &entry.publication.full_title());
    xml.empty(
        "link",
        &[("rel", "alternate"), ("type", "text/html"), ("href", &page)],
    );
    for file in &entry.files {
        let size = file.size_bytes.to_string();
        xml.empty(
            "link",
            &[
                ("rel", "enclosure"),
                ("type", &file.media_type),
                ("length", &size),
                ("title", &file.name),
                ("href", &base.absolute(&download_url(file.id, &file.name))),
            ],
        );
    }
    if let Some(published) = published(entry) {
        xml.element("published", &[], &utc_seconds(published));
    }
    xml.element("updated", &[], &utc_seconds(entry.publication.updated_at));
    xml.open("author", &[]);
    xml.element("name", &[], &entry.publication.observatory_name);
    xml.element(
        "uri",
        &[],
        &base.absolute(&Organisation::Observatory(&entry.publication.observatory_slug).page()),
    );
    xml.close("author");
    if let Some(opco) = &entry.publication.opco_name {
        xml.open("contributor", &[]);
        xml.element("name", &[], opco);
        xml.close("contributor");
    }
    xml.empty(
        "category",
        &[
            ("term", &entry.publication.type_label),
            ("label", &entry.publication.type_label),
        ],
    );
    if let Some(text) = &entry.publication.abstract_text {
        xml.element("summary", &[("type", "text")], &summary(text));
    }
    xml.close("entry");
}

/// The date the publication is dated (its publication date), or, without one, when it went
/// online.
fn published(entry: &FeedEntry) -> Option<OffsetDateTime> {
    entry
        .publication
        .published_on
        .map(|d| d.midnight().assume_utc())
        .or(entry.publication.first_published_at)
}

/// An abstract cut to a feed reader's preview, at a word.
fn summary(text: &str) -> String {
    const MAX: usize = 1000;
    if text.chars().count() <= MAX {
        return text.to_owned();
    }
    let cut: String = text.chars().take(MAX).collect();
    let at = cut.rfind(char::is_whitespace).unwrap_or(cut.len());
    format!("{}…", cut[..at].trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_feeds_keep_the_list_filters() {
        assert_eq!(list_feed_path("/publications"), "/publications/flux.atom");
        assert_eq!(
            list_feed_path("/publications?type=etude&region=84"),
            "/publications/flux.atom?type=etude&region=84"
        );
    }

    #[test]
    fn long_abstracts_are_cut_at_a_word() {
        let text = "mot ".repeat(400);
        let cut = summary(&text);
        assert!(cut.ends_with("mot…"), "{cut}");
        assert!(cut.chars().count() <= 1001);
        assert_eq!(summary("court"), "court");
    }
}
