//! Every form of a signed-in user is refused without the session's token or with another one:
//! urlencoded forms (`CsrfForm`) and uploads (`CsrfMultipart`) alike, and nothing changes.

use axum::body::Body;
use bibliotheque::accounts::Access;

use crate::common::TestApp;
use crate::common::admin::{Client, Part, form, login, multipart, pdf, user};
use crate::common::builders::{PublicationBuilder, observatory};

const WRONG: &str = "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";

/// Whether the admin can still sign in and sees the draft unchanged: nothing was done.
async fn nothing_changed(app: &TestApp, admin: &Client<'_>, draft: &str) {
    let page = admin.get(&format!("/admin/publications/{draft}")).await;
    assert_eq!(page.status, 200, "the session is still open");
    let files: i64 = sqlx::query_scalar("select count(*) from file")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(files, 0);
    let titles: Vec<String> = sqlx::query_scalar("select title from publication order by 1")
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert_eq!(titles, ["Cible"]);
}

#[tokio::test]
async fn every_form_is_refused_without_the_token_or_with_a_wrong_one() {
    let app = TestApp::new().await;
    let a = observatory(&app.db, "obs-a", "Observatoire A", None).await;
    let draft = PublicationBuilder::new(a)
        .title("Cible")
        .insert(&app.db, &app.storage)
        .await
        .id
        .to_string();
    user(&app, "admin@b.fr", Access::Admin).await;
    user(&app, "autre@b.fr", Access::Admin).await;
    let admin = login(&app, "admin@b.fr").await;
    let observatory_id = a.to_string();
    let forms: [(String, Vec<(&str, &str)>); 14] = [
        (
            "/admin/publications/nouvelle".into(),
            vec![
                ("titre", "Forgée"),
                ("type", "etude"),
                ("observatoire", &observatory_id),
            ],
        ),
        (
            format!("/admin/publications/{draft}"),
            vec![
                ("titre", "Forgée"),
                ("type", "etude"),
                ("observatoire", &observatory_id),
            ],
        ),
        (
            format!("/admin/publications/{draft}/statut"),
            vec![("action", "publier")],
        ),
        (
            format!("/admin/publications/{draft}/sujets"),
            vec![("concept", "1")],
        ),
        (format!("/admin/publications/{draft}/supprimer"), vec![]),
        (
            "/admin/comptes".into(),
            vec![("email", "nouveau@b.fr"), ("role", "admin")],
        ),
        (
            "/admin/comptes/desactiver".into(),
            vec![("email", "autre@b.fr")],
        ),
        (
            "/admin/comptes/mot-de-passe".into(),
            vec![("email", "autre@b.fr")],
        ),
        (
            "/admin/observatoires/obs-a/relecture".into(),
            vec![("relecture", "oui")],
        ),
        (
            "/admin/moissonnage/sources".into(),
            vec![
                ("kind", "feed"),
                ("url", "https://obs.fr/rss.xml"),
                ("observatoire", "obs-a"),
            ],
        ),
        ("/admin/moissonnage/sources/1/lancer".into(), vec![]),
        ("/admin/moissonnage/sources/1/retirer".into(), vec![]),
        (
            "/admin/moissonnage/doublons".into(),
            vec![("decision", "meme")],
        ),
        ("/deconnexion".into(), vec![]),
    ];
    for (path, fields) in &forms {
        let mut wrong = vec![("csrf", WRONG)];
        wrong.extend_from_slice(fields);
        for body in [form(fields), form(&wrong)] {
            let response = admin.post_raw(path, body).await;
            assert_eq!(response.status, 403, "{path}: {}", response.text());
            assert!(response.text().contains("Formulaire expiré"), "{path}");
        }
    }
    nothing_changed(&app, &admin, &draft).await;
    let accounts: i64 =
        sqlx::query_scalar("select count(*) from app_user where disabled_at is null")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(accounts, 2);

    let file = pdf("Forgé", "forgé");
    for path in [
        format!("/admin/publications/{draft}/fichiers"),
        "/admin/import".into(),
    ] {
        let name = if path.ends_with("import") {
            "jsonl"
        } else {
            "fichier"
        };
        let bodies = [
            multipart(&[Part::File(name, "x.pdf", &file)]),
            multipart(&[Part::Field("csrf", WRONG), Part::File(name, "x.pdf", &file)]),
            // A file before the right token is not read either.
            multipart(&[
                Part::File(name, "x.pdf", &file),
                Part::Field("csrf", &admin.csrf),
            ]),
        ];
        for body in bodies {
            let response = admin.post_multipart(&path, Body::from(body)).await;
            assert_eq!(response.status, 403, "{path}: {}", response.text());
        }
    }
    nothing_changed(&app, &admin, &draft).await;
}
