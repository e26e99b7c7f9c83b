//! The library open to other tools: OAI-PMH for harvesters, Atom feeds for readers, robots and
//! sitemaps for search engines. Every absolute address comes from [`PublicUrl`].
//!
//! [`PublicUrl`]: crate::http::public_url::PublicUrl

pub mod feeds;
mod oai;
mod sitemap;
mod themes;
mod xml;

use axum::Router;
use axum::routing::get;

use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(oai::routes())
        .route("/flux.atom", get(feeds::latest))
        .route("/publications/flux.atom", get(feeds::list))
        .route("/recherche/flux.atom", get(feeds::search))
        .route("/observatoires/{slug}/flux.atom", get(feeds::observatory))
        .route("/opco/{slug}/flux.atom", get(feeds::opco))
        .route("/branches/{idcc}/flux.atom", get(feeds::branch))
        .route("/thesaurus/concepts/{id}/flux.atom", get(feeds::concept))
        .route("/robots.txt", get(sitemap::robots))
        .route("/sitemap.xml", get(sitemap::index))
        .route("/sitemaps/{file}", get(sitemap::file))
}
