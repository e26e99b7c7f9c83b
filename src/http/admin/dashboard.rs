//! `/admin`: where things stand — counts by status, what waits for review, files whose text
//! could not be extracted, what visitors searched in vain, and the latest writes.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{AdminLayout, AppError, SignedIn};
use crate::accounts::audit::Event;
use crate::http::layout::Layout;
use crate::state::AppState;

pub struct StatusCount {
    pub code: &'static str,
    pub label: &'static str,
    pub count: i64,
}

pub struct Waiting {
    pub id: Uuid,
    pub title: String,
    pub observatory: String,
    pub updated_at: OffsetDateTime,
}

impl Waiting {
    pub fn since_fr(&self) -> String {
        crate::text::datetime_fr(self.updated_at)
    }
}

pub struct FailedFile {
    pub publication_id: Uuid,
    pub title: String,
    pub file_name: String,
    pub error: String,
}

pub struct ZeroQuery {
    pub query: String,
    pub count: i64,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/dashboard.html")]
pub struct DashboardPage {
    layout: Layout,
    admin: AdminLayout,
    counts: Vec<StatusCount>,
    waiting: Vec<Waiting>,
    failed: Vec<FailedFile>,
    zero: Vec<ZeroQuery>,
    recent: Vec<Event>,
}

pub async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<DashboardPage, AppError> {
    let observatory = signed_in.0.user.access.observatory_id();
    let db = &state.db;
    let (counts, waiting, failed, zero, recent) = tokio::try_join!(
        counts(db, observatory),
        waiting(db, observatory),
        failed(db, observatory),
        zero_queries(db),
        recent(db, observatory),
    )?;
    Ok(DashboardPage {
        layout: Layout::default(),
        admin: AdminLayout::new(&signed_in, "tableau"),
        counts,
        waiting,
        failed,
        zero,
        recent,
    })
}

async fn counts(db: &PgPool, observatory: Option<Uuid>) -> Result<Vec<StatusCount>, sqlx::Error> {
    let row = sqlx::query!(
        r#"select count(*) filter (where status = 'draft') as "draft!",
                  count(*) filter (where status = 'submitted') as "submitted!",
                  count(*) filter (where status = 'published') as "published!",
                  count(*) filter (where status = 'withdrawn') as "withdrawn!"
           from publication where ($1::uuid is null or observatory_id = $1)"#,
        observatory
    )
    .fetch_one(db)
    .await?;
    Ok(vec![
        StatusCount {
            code: "draft",
            label: "Brouillons",
            count: row.draft,
        },
        StatusCount {
            code: "submitted",
            label: "En relecture",
            count: row.submitted,
        },
        StatusCount {
            code: "published",
            label: "Publiées",
            count: row.published,
        },
        StatusCount {
            code: "withdrawn",
            label: "Retirées",
            count: row.withdrawn,
        },
    ])
}

async fn waiting(db: &PgPool, observatory: Option<Uuid>) -> Result<Vec<Waiting>, sqlx::Error> {
    sqlx::query_as!(
        Waiting,
        r#"select p.id, p.title, o.name as observatory, p.updated_at
           from publication p join observatory o on o.id = p.observatory_id
           where p.status = 'submitted' and ($1::uuid is null or p.observatory_id = $1)
           order by p.updated_at limit 20"#,
        observatory
    )
    .fetch_all(db)
    .await
}

async fn failed(db: &PgPool, observatory: Option<Uuid>) -> Result<Vec<FailedFile>, sqlx::Error> {
    sqlx::query_as!(
        FailedFile,
        r#"select p.id as publication_id, p.title, f.original_name as file_name,
                  coalesce(f.extraction_error, 'erreur inconnue') as "error!"
           from file f join publication p on p.id = f.publication_id
           where f.extraction_status = 'failed' and f.replaced_at is null
             and ($1::uuid is null or p.observatory_id = $1)
           order by f.created_at desc limit 20"#,
        observatory
    )
    .fetch_all(db)
    .await
}

async fn zero_queries(db: &PgPool) -> Result<Vec<ZeroQuery>, sqlx::Error> {
    sqlx::query_as!(
        ZeroQuery,
        r#"select lower(query) as "query!", count(*) as "count!" from zero_result_query
           where searched_at > now() - interval '30 days'
           group by lower(query) order by count(*) desc, lower(query) limit 15"#
    )
    .fetch_all(db)
    .await
}

async fn recent(db: &PgPool, observatory: Option<Uuid>) -> Result<Vec<Event>, sqlx::Error> {
    sqlx::query_as!(
        Event,
        r#"select e.at, e.actor, e.action, e.publication_id, e.subject, e.detail
           from audit_event e
           where $1::uuid is null
              or e.publication_id in (select id from publication where observatory_id = $1)
              or e.user_id in (select id from app_user where observatory_id = $1)
           order by e.at desc, e.id desc limit 10"#,
        observatory
    )
    .fetch_all(db)
    .await
}
