//! The admin page

use super::*;

#[tokio::test]
async fn admins_add_run_and_remove_sources_and_settle_duplicates_from_the_admin_page() {
    use crate::common::admin::{editor_of, login, user};
    use bibliotheque::accounts::Access;

    let app = TestApp::new().await;
    let obs = builders::observatory(&app.db, "obs-m", "Observatoire M", None).await;
    user(&app, "admin@m.fr", Access::Admin).await;
    user(&app, "editeur@m.fr", editor_of(obs)).await;
    let editor = login(&app, "editeur@m.fr").await;
    assert_eq!(editor.get("/admin/moissonnage").await.status, 403);
    let admin = login(&app, "admin@m.fr").await;
    let page = admin.get("/admin/moissonnage").await;
    assert_eq!(page.status, 200);
    assert!(page.text().contains("Aucune source"));

    // A wrong address is refused with its reason, the form kept.
    let refused = admin
        .post(
            "/admin/moissonnage/sources",
            &[
                ("kind", "feed"),
                ("url", "pas une adresse"),
                ("observatoire", "obs-m"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.texts("[role=alert] li")[0].starts_with("Adresse invalide « pas une adresse »")
    );
    assert_eq!(refused.attrs("#url", "value"), vec!["pas une adresse"]);

    let added = admin
        .post(
            "/admin/moissonnage/sources",
            &[
                ("kind", "oai-pmh"),
                ("url", "https://obs-m.fr/oai"),
                ("observatoire", "obs-m"),
                ("nom", "Site de M"),
                ("set", "etudes"),
                ("relecture", "oui"),
            ],
        )
        .await;
    assert_eq!(added.status, 303, "{}", added.text());
    let listed = sources::list(&app.db).await.unwrap();
    assert_eq!(listed.len(), 1);
    let source = &listed[0];
    assert_eq!(
        (source.kind, source.set_spec.as_deref(), source.review),
        (Kind::OaiPmh, Some("etudes"), true)
    );
    let page = admin.get(added.header("location")).await;
    assert!(page.texts("[role=status]")[0].contains("Source n°"));
    assert!(page.text().contains("Site de M"));

    // "Run now" makes it due; "remove" takes it off the list.
    sqlx::query("update harvest_source set due_at = now() + interval '1 day'")
        .execute(&app.db)
        .await
        .unwrap();
    assert!(sources::next_due(&app.db).await.unwrap().is_none());
    let run = admin
        .post(
            &format!("/admin/moissonnage/sources/{}/lancer", source.id),
            &[],
        )
        .await;
    assert_eq!(run.status, 303);
    assert_eq!(
        sources::next_due(&app.db).await.unwrap().map(|s| s.id),
        Some(source.id)
    );
    let removed = admin
        .post(
            &format!("/admin/moissonnage/sources/{}/retirer", source.id),
            &[],
        )
        .await;
    assert_eq!(removed.status, 303);
    assert!(sources::list(&app.db).await.unwrap().is_empty());

    // A probable duplicate is listed with its two buttons; "études distinctes" settles it.
    let a = builders::PublicationBuilder::new(obs)
        .title("Baromètre 2024")
        .insert(&app.db, &app.storage)
        .await;
    let b = builders::PublicationBuilder::new(obs)
        .title("BAROMÈTRE — 2024")
        .insert(&app.db, &app.storage)
        .await;
    sqlx::query("insert into probable_duplicate (publication_id, other_id, reason) values ($1, $2, 'même titre, même année')")
        .bind(b.id)
        .bind(a.id)
        .execute(&app.db)
        .await
        .unwrap();
    let page = admin.get("/admin/moissonnage").await;
    assert_eq!(
        page.texts("form[action='/admin/moissonnage/doublons'] button"),
        vec![
            "Même étude : BAROMÈTRE — 2024",
            "Études distinctes : BAROMÈTRE — 2024"
        ]
    );
    let decided = admin
        .post(
            "/admin/moissonnage/doublons",
            &[
                ("publication", &b.id.to_string()),
                ("autre", &a.id.to_string()),
                ("decision", "distinctes"),
            ],
        )
        .await;
    assert_eq!(decided.status, 303);
    assert!(dedup::pending(&app.db).await.unwrap().is_empty());
    let (_, _, status) = publication_by_title(&app, "BAROMÈTRE — 2024").await;
    assert_eq!(status, "published");
    // Each action is in the audit log, under the admin's name.
    let actions: Vec<String> =
        sqlx::query_scalar("select action from audit_event where actor = 'admin@m.fr' order by id")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(
        actions,
        [
            "harvest.source.add",
            "harvest.source.remove",
            "publication.duplicate"
        ]
    );
}
