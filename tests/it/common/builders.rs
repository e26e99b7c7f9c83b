//! Builders for test data, writing through the application's own code where it has one.

use bibliotheque::catalogue::domain::{Idcc, PublicationStatus, RegionCode, RomeCode, Slug, Year};
use bibliotheque::catalogue::write::{NewPublication, attach_file, insert_publication};
use bibliotheque::storage::Storage;
use bibliotheque::storage::kind::FileKind;
use bytes::Bytes;
use sqlx::PgPool;
use time::Date;
use time::macros::date;
use uuid::Uuid;

/// Inserts an observatory (and the branch it needs) directly: the catalogue has no write path
/// for them yet besides the demo.
pub async fn observatory(db: &PgPool, slug: &str, name: &str, opco: Option<&str>) -> Uuid {
    sqlx::query_scalar(
        "insert into observatory (slug, name, opco_slug) values ($1, $2, $3) returning id",
    )
    .bind(slug)
    .bind(name)
    .bind(opco)
    .fetch_one(db)
    .await
    .expect("insert observatory")
}

pub async fn branch(db: &PgPool, idcc: &str, name: &str, opco: &str) {
    sqlx::query("insert into branch (idcc, name, opco_slug) values ($1, $2, $3)")
        .bind(idcc)
        .bind(name)
        .bind(opco)
        .execute(db)
        .await
        .expect("insert branch");
}

pub struct Inserted {
    pub id: Uuid,
    pub slug: String,
}

/// The observatories most tests publish under: the metallurgy's (OPCO 2i, with its branch
/// 3248) and the hotel and restaurant trade's (AKTO); their ids in that order.
pub async fn two_observatories(db: &PgPool) -> (Uuid, Uuid) {
    branch(db, "3248", "Métallurgie", "opco-2i").await;
    let metal = observatory(
        db,
        "observatoire-metallurgie",
        "Observatoire de la métallurgie",
        Some("opco-2i"),
    )
    .await;
    let hcr = observatory(
        db,
        "observatoire-hcr",
        "Observatoire de l'hôtellerie-restauration",
        Some("akto"),
    )
    .await;
    (metal, hcr)
}

pub struct PublicationBuilder {
    new: NewPublication,
    files: Vec<(Vec<u8>, String, String)>,
}

impl PublicationBuilder {
    pub fn new(observatory_id: Uuid) -> Self {
        Self {
            new: NewPublication {
                external_id: None,
                title: "Étude sur les métiers".into(),
                subtitle: None,
                abstract_text: Some("Un résumé de la publication.".into()),
                body: None,
                document_type: Slug::parse("etude").expect("slug"),
                observatory_id,
                partners: vec![],
                published_on: Some(date!(2024 - 03 - 15)),
                period: None,
                keywords: vec![],
                source_url: None,
                language: "fr".into(),
                licence: None,
                status: PublicationStatus::Published,
                withdrawn_reason: None,
                branches: vec![],
                rome_codes: vec![],
                regions: vec![],
            },
            files: Vec::new(),
        }
    }

    pub fn title(mut self, title: &str) -> Self {
        self.new.title = title.into();
        self
    }

    pub fn subtitle(mut self, subtitle: &str) -> Self {
        self.new.subtitle = Some(subtitle.into());
        self
    }

    pub fn abstract_text(mut self, text: &str) -> Self {
        self.new.abstract_text = Some(text.into());
        self
    }

    pub fn body(mut self, text: &str) -> Self {
        self.new.body = Some(text.into());
        self
    }

    pub fn document_type(mut self, slug: &str) -> Self {
        self.new.document_type = Slug::parse(slug).expect("slug");
        self
    }

    pub fn published_on(mut self, date: Date) -> Self {
        self.new.published_on = Some(date);
        self
    }

    pub fn period(mut self, start: i32, end: i32) -> Self {
        self.new.period = Some((
            Year::new(start).expect("year"),
            Year::new(end).expect("year"),
        ));
        self
    }

    pub fn keywords(mut self, keywords: &[&str]) -> Self {
        self.new.keywords = keywords.iter().map(|k| (*k).to_owned()).collect();
        self
    }

    pub fn partners(mut self, partners: &[&str]) -> Self {
        self.new.partners = partners.iter().map(|k| (*k).to_owned()).collect();
        self
    }

    pub fn status(mut self, status: PublicationStatus, reason: Option<&str>) -> Self {
        self.new.status = status;
        self.new.withdrawn_reason = reason.map(str::to_owned);
        self
    }

    pub fn branch(mut self, idcc: &str) -> Self {
        self.new.branches.push(Idcc::parse(idcc).expect("idcc"));
        self
    }

    pub fn rome(mut self, code: &str) -> Self {
        self.new
            .rome_codes
            .push(RomeCode::parse(code).expect("rome"));
        self
    }

    pub fn region(mut self, code: &str) -> Self {
        self.new
            .regions
            .push(RegionCode::parse(code).expect("region"));
        self
    }

    pub fn file(mut self, bytes: &[u8], name: &str, media_type: &str) -> Self {
        self.files
            .push((bytes.to_vec(), name.into(), media_type.into()));
        self
    }

    pub async fn insert(self, db: &PgPool, storage: &Storage) -> Inserted {
        let mut tx = db.begin().await.expect("begin");
        let (id, slug) = insert_publication(&mut tx, &self.new)
            .await
            .expect("insert publication");
        for (position, (bytes, name, media_type)) in self.files.into_iter().enumerate() {
            let stored = storage
                .put_bytes(Bytes::from(bytes))
                .await
                .expect("store file");
            // A media type that is no kind stands for a row older than the checks: attached as
            // a kind, then given that type by hand.
            let kind = FileKind::from_media_type(&media_type).unwrap_or(FileKind::Csv);
            let file = attach_file(&mut tx, id, &stored, &name, kind, position as i16)
                .await
                .expect("attach file");
            sqlx::query("update file set media_type = $2 where id = $1")
                .bind(file)
                .bind(&media_type)
                .execute(&mut *tx)
                .await
                .expect("media type");
        }
        tx.commit().await.expect("commit");
        Inserted {
            id,
            slug: slug.to_string(),
        }
    }
}
