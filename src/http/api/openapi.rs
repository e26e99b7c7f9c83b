//! `/api/v1/openapi.json`: the OpenAPI 3.1 document of the API, derived by utoipa from the
//! handlers' annotations and the types they answer with, so it cannot drift from the code.

use axum::Json;
use utoipa::OpenApi;
use utoipa::openapi::server::Server;

use super::{concepts, organisations, publications};
use crate::http::public_url::PublicUrl;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "API de la Bibliothèque des observatoires",
        version = "1",
        description = "Lecture seule, ouverte à tous (CORS). Les études des observatoires \
            prospectifs des métiers et des qualifications (OPMQ) et des OPCO : publications, \
            observatoires, OPCO, branches, concepts du thésaurus. Chaque réponse 200 porte un \
            ETag (If-None-Match donne 304). Les erreurs sont en JSON : \
            {\"error\": {\"code\": \"…\", \"message\": \"…\"}}. Documentation : /api"
    ),
    paths(
        publications::list,
        publications::show,
        organisations::observatories,
        organisations::opcos,
        organisations::branches,
        concepts::show,
        crate::http::thesaurus::complete,
        crate::http::suggest::suggest,
        crate::http::search::api,
    ),
    tags(
        (name = "publications", description = "Les publications et leurs notices"),
        (name = "organisations", description = "Observatoires, OPCO et branches"),
        (name = "thesaurus", description = "Les concepts du thésaurus"),
        (name = "recherche", description = "Recherche plein texte et suggestions de saisie"),
    )
)]
pub struct ApiDoc;

/// `GET /api/v1/openapi.json`, with the library's address as its server.
pub async fn document(base: PublicUrl) -> Json<utoipa::openapi::OpenApi> {
    let mut document = ApiDoc::openapi();
    document.servers = Some(vec![Server::new(base.as_str())]);
    Json(document)
}
