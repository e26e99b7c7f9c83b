//! Who produces the studies: observatories, OPCO, branches.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};

use crate::catalogue::domain::{Idcc, Slug};
use crate::catalogue::model::{Branch, Observatory, Opco, Page, PublicationCard};
use crate::catalogue::queries;
use crate::http::AppError;
use crate::http::layout::{Layout, Section};
use crate::search::listing::ListFilter;
use crate::state::AppState;

/// An organisation that publications are filed under, by the key its addresses take (a slug,
/// an IDCC): one place for the addresses of its page, its feed, and its publications in the
/// list and in the API (whose filters take that key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Organisation<'a> {
    Observatory(&'a str),
    Opco(&'a str),
    Branch(&'a str),
}

impl Organisation<'_> {
    /// The folder of its page, the name of the list's filter, and its key.
    fn parts(&self) -> (&'static str, &'static str, &str) {
        match *self {
            Self::Observatory(slug) => ("observatoires", "observatoire", slug),
            Self::Opco(slug) => ("opco", "opco", slug),
            Self::Branch(idcc) => ("branches", "branche", idcc),
        }
    }

    /// Its page: `/observatoires/{slug}`, `/opco/{slug}`, `/branches/{idcc}`.
    pub fn page(&self) -> String {
        let (folder, _, key) = self.parts();
        format!("/{folder}/{key}")
    }

    /// The Atom feed of its publications.
    pub fn feed(&self) -> String {
        format!("{}/flux.atom", self.page())
    }

    /// Its publications in the list of publications.
    pub fn list(&self) -> String {
        let (_, filter, key) = self.parts();
        format!("/publications?{filter}={key}")
    }

    /// Its publications in the API.
    pub fn api_list(&self) -> String {
        let (_, filter, key) = self.parts();
        format!("/api/v1/publications?{filter}={key}")
    }
}

/// How many publications a profile page shows before linking to the full list.
const PROFILE_LIST: u32 = 10;

/// Observatories of one OPCO (or the interbranch ones), with their publication counts.
pub struct ObservatoryGroup {
    pub title: String,
    pub opco_slug: Option<String>,
    pub observatories: Vec<(Observatory, i64)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "catalogue/observatories.html")]
pub struct ObservatoriesPage {
    layout: Layout,
    groups: Vec<ObservatoryGroup>,
}

pub async fn observatories(State(state): State<AppState>) -> Result<ObservatoriesPage, AppError> {
    let (all, counts) = tokio::try_join!(
        async { Ok(queries::observatories(&state.db, None).await?) },
        super::library_counts(&state),
    )?;
    let mut groups: Vec<ObservatoryGroup> = Vec::new();
    // `observatories` comes ordered by OPCO, interbranch last: consecutive runs are groups.
    for observatory in all {
        let count = counts.of("observatoire", &observatory.slug) as i64;
        let same_group = groups
            .last()
            .is_some_and(|g| g.opco_slug == observatory.opco_slug);
        if !same_group {
            groups.push(ObservatoryGroup {
                title: observatory
                    .opco_name
                    .clone()
                    .unwrap_or_else(|| "Observatoires interbranches".into()),
                opco_slug: observatory.opco_slug.clone(),
                observatories: Vec::new(),
            });
        }
        if let Some(group) = groups.last_mut() {
            group.observatories.push((observatory, count));
        }
    }
    Ok(ObservatoriesPage {
        layout: Layout::new(Section::Observatories),
        groups,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "catalogue/observatory.html")]
pub struct ObservatoryPage {
    layout: Layout,
    observatory: Observatory,
    publications: Page<PublicationCard>,
    all_url: String,
}

pub async fn observatory(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<ObservatoryPage, AppError> {
    let slug = Slug::parse(&slug).map_err(|_| AppError::NotFound)?;
    let observatory = queries::find_observatory(&state.db, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let filter = ListFilter {
        observatory: Some(slug.clone()),
        ..Default::default()
    };
    let publications = super::list_page(&state, &filter, 1, PROFILE_LIST).await?;
    let at = Organisation::Observatory(slug.as_str());
    Ok(ObservatoryPage {
        layout: Layout::new(Section::Observatories)
            .with_feed(at.feed(), format!("Publications de {}", observatory.name)),
        observatory,
        publications,
        all_url: at.list(),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "catalogue/opcos.html")]
pub struct OpcosPage {
    layout: Layout,
    opcos: Vec<(Opco, i64)>,
}

pub async fn opcos(State(state): State<AppState>) -> Result<OpcosPage, AppError> {
    let (opcos, counts) = tokio::try_join!(
        async { Ok(queries::opcos(&state.db).await?) },
        super::library_counts(&state),
    )?;
    let opcos = opcos
        .into_iter()
        .map(|o| {
            let n = counts.of("opco", &o.slug) as i64;
            (o, n)
        })
        .collect();
    Ok(OpcosPage {
        layout: Layout::new(Section::Opco),
        opcos,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "catalogue/opco.html")]
pub struct OpcoPage {
    layout: Layout,
    opco: Opco,
    observatories: Vec<Observatory>,
    branches: Vec<Branch>,
    publications: Page<PublicationCard>,
    all_url: String,
}

pub async fn opco(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<OpcoPage, AppError> {
    let slug = Slug::parse(&slug).map_err(|_| AppError::NotFound)?;
    let opco = queries::find_opco(&state.db, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let filter = ListFilter {
        opco: Some(slug.clone()),
        ..Default::default()
    };
    let (observatories, branches, publications) = tokio::try_join!(
        async { Ok(queries::observatories(&state.db, Some(&slug)).await?) },
        async { Ok(queries::branches(&state.db, Some(&slug)).await?) },
        super::list_page(&state, &filter, 1, PROFILE_LIST),
    )?;
    let at = Organisation::Opco(slug.as_str());
    Ok(OpcoPage {
        layout: Layout::new(Section::Opco)
            .with_feed(at.feed(), format!("Publications de l'OPCO {}", opco.name)),
        opco,
        observatories,
        branches,
        publications,
        all_url: at.list(),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "catalogue/branches.html")]
pub struct BranchesPage {
    layout: Layout,
    branches: Vec<Branch>,
}

pub async fn branches(State(state): State<AppState>) -> Result<BranchesPage, AppError> {
    Ok(BranchesPage {
        layout: Layout::new(Section::Opco),
        branches: queries::branches(&state.db, None).await?,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "catalogue/branch.html")]
pub struct BranchPage {
    layout: Layout,
    branch: Branch,
    publications: Page<PublicationCard>,
    all_url: String,
}

pub async fn branch(
    State(state): State<AppState>,
    Path(idcc): Path<String>,
) -> Result<BranchPage, AppError> {
    let idcc = Idcc::parse(&idcc).map_err(|_| AppError::NotFound)?;
    let branch = queries::find_branch(&state.db, &idcc)
        .await?
        .ok_or(AppError::NotFound)?;
    let filter = ListFilter {
        branch: Some(idcc.clone()),
        ..Default::default()
    };
    let publications = super::list_page(&state, &filter, 1, PROFILE_LIST).await?;
    let at = Organisation::Branch(idcc.as_str());
    Ok(BranchPage {
        layout: Layout::new(Section::Opco).with_feed(
            at.feed(),
            format!("Publications de la branche {}", branch.name),
        ),
        branch,
        publications,
        all_url: at.list(),
    })
}

#[cfg(test)]
mod tests {
    use super::Organisation;

    #[test]
    fn each_organisation_has_its_page_feed_and_lists() {
        let observatory = Organisation::Observatory("observatoire-metallurgie");
        assert_eq!(
            observatory.page(),
            "/observatoires/observatoire-metallurgie"
        );
        assert_eq!(
            observatory.feed(),
            "/observatoires/observatoire-metallurgie/flux.atom"
        );
        assert_eq!(
            observatory.list(),
            "/publications?observatoire=observatoire-metallurgie"
        );
        assert_eq!(
            observatory.api_list(),
            "/api/v1/publications?observatoire=observatoire-metallurgie"
        );
        let opco = Organisation::Opco("akto");
        assert_eq!(
            (opco.page(), opco.feed()),
            ("/opco/akto".into(), "/opco/akto/flux.atom".into())
        );
        assert_eq!(opco.list(), "/publications?opco=akto");
        assert_eq!(opco.api_list(), "/api/v1/publications?opco=akto");
        let branch = Organisation::Branch("3248");
        assert_eq!(branch.page(), "/branches/3248");
        assert_eq!(branch.feed(), "/branches/3248/flux.atom");
        assert_eq!(branch.list(), "/publications?branche=3248");
        assert_eq!(branch.api_list(), "/api/v1/publications?branche=3248");
    }
}
