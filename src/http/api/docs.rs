//! `/api`: the API explained in French, for the people who write its clients.

use askama::Template;
use askama_web::WebTemplate;

use crate::http::layout::Layout;
use crate::http::public_url::PublicUrl;

#[derive(Template, WebTemplate)]
#[template(path = "api/index.html")]
pub struct ApiPage {
    layout: Layout,
    /// The library's address, for the examples.
    base: String,
}

pub async fn page(base: PublicUrl) -> ApiPage {
    ApiPage {
        layout: Layout::default(),
        base: base.as_str().to_owned(),
    }
}
