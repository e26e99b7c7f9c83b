//! Accounts and review settings from the browser: an admin opens and disables accounts and
//! says which observatories are reviewed; everyone changes their own password.

use bibliotheque::accounts::Access;

use crate::common::TestApp;
use crate::common::admin::{Client, PASSWORD, editor_of, login, post_login, session_cookie, user};
use crate::common::builders::observatory;

/// A password change through the form.
async fn post_password(
    client: &Client<'_>,
    current: &str,
    new: &str,
    confirmation: &str,
) -> crate::common::Response {
    client
        .post(
            "/admin/mot-de-passe",
            &[
                ("actuel", current),
                ("nouveau", new),
                ("confirmation", confirmation),
            ],
        )
        .await
}

/// The browser a login answered (its CSRF token is read later, from a page it may open).
fn client_of<'a>(app: &'a TestApp, login: &crate::common::Response) -> Client<'a> {
    Client {
        app,
        cookie: session_cookie(login).expect("a session"),
        csrf: String::new(),
    }
}

async fn accounts(app: &TestApp) -> i64 {
    sqlx::query_scalar("select count(*) from app_user")
        .fetch_one(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_admin_opens_an_editor_account_with_a_one_time_password() {
    let app = TestApp::new().await;
    let obs = observatory(&app.db, "obs-a", "Observatoire A", None).await;
    user(&app, "admin@b.fr", Access::Admin).await;
    let admin = login(&app, "admin@b.fr").await;
    let page = admin.get("/admin/comptes").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.texts("tbody tr").len(), 1);

    let observatory = obs.to_string();
    let opened = admin
        .post(
            "/admin/comptes",
            &[
                ("email", " Nouvelle.Editrice@Obs-A.fr "),
                ("role", "editor"),
                ("observatoire", &observatory),
            ],
        )
        .await;
    assert_eq!(opened.status, 200, "{}", opened.text());
    assert_eq!(opened.header("cache-control"), "no-store");
    let secret = opened
        .texts("code.secret")
        .pop()
        .expect("the password, once");
    assert_eq!(secret.chars().count(), 20);
    assert!(opened.text().contains("nouvelle.editrice@obs-a.fr"));

    // The new editor signs in with it, and must choose their own password before anything.
    let login = post_login(&app, "nouvelle.editrice@obs-a.fr", &secret, None).await;
    assert_eq!(login.status, 303);
    let mut newcomer = client_of(&app, &login);
    for path in ["/admin", "/admin/publications/nouvelle"] {
        let sent = newcomer.get(path).await;
        assert_eq!(sent.status, 303, "{path}");
        assert_eq!(sent.header("location"), "/admin/mot-de-passe");
    }
    let page = newcomer.get("/admin/mot-de-passe").await;
    assert_eq!(page.status, 200);
    assert!(page.texts("[role=status]")[0].contains("ne sert qu'une fois"));
    newcomer.csrf = page.attrs("input[name=csrf]", "value").remove(0);
    let chosen = "ma propre phrase de passe";
    let changed = post_password(&newcomer, &secret, chosen, chosen).await;
    assert_eq!(changed.status, 200, "{}", changed.text());
    assert_eq!(newcomer.get("/admin").await.status, 200, "free to go on");
    // Shown once: the accounts page does not show it again.
    assert!(
        admin
            .get("/admin/comptes")
            .await
            .texts("code.secret")
            .is_empty()
    );
    let journal = admin.get("/admin/journal").await.texts("tbody tr");
    assert!(
        journal.iter().any(|row| row.contains("admin@b.fr")
            && row.contains("Compte créé")
            && row.contains("nouvelle.editrice@obs-a.fr")),
        "{journal:?}"
    );
    assert!(journal[0].contains("Mot de passe changé"), "{journal:?}");
    let stored: String = sqlx::query_scalar(
        "select password_hash from app_user where email = 'nouvelle.editrice@obs-a.fr'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert!(stored.starts_with("$argon2id$") && !stored.contains(&secret));
}

#[tokio::test]
async fn account_forms_are_checked_and_only_admins_may_use_them() {
    let app = TestApp::new().await;
    let obs = observatory(&app.db, "obs-a", "Observatoire A", None).await;
    user(&app, "admin@b.fr", Access::Admin).await;
    user(&app, "editeur@obs-a.fr", editor_of(obs)).await;
    let admin = login(&app, "admin@b.fr").await;
    let before = accounts(&app).await;
    let observatory = obs.to_string();
    for (pairs, message) in [
        (
            vec![("email", "pas-une-adresse"), ("role", "admin")],
            "Adresse électronique",
        ),
        (
            vec![("email", "x@b.fr"), ("role", "editor")],
            "Un éditeur appartient à un observatoire",
        ),
        (
            vec![
                ("email", "x@b.fr"),
                ("role", "editor"),
                ("observatoire", "00000000-0000-0000-0000-000000000000"),
            ],
            "Un éditeur appartient à un observatoire",
        ),
        (
            vec![("email", "x@b.fr"), ("role", "superviseur")],
            "Choisissez le rôle",
        ),
        (
            vec![
                ("email", "EDITEUR@obs-a.fr"),
                ("role", "editor"),
                ("observatoire", &observatory),
            ],
            "Un compte existe déjà pour editeur@obs-a.fr",
        ),
    ] {
        let response = admin.post("/admin/comptes", &pairs).await;
        assert_eq!(response.status, 422, "{pairs:?}");
        let errors = response.texts("#erreurs li").join(" ");
        assert!(errors.contains(message), "{pairs:?}: {errors}");
        // What was typed stays in the form.
        assert_eq!(response.attrs("#email", "value"), [pairs[0].1], "{pairs:?}");
    }
    // An admin's observatory field is ignored: admins belong to none.
    let response = admin
        .post(
            "/admin/comptes",
            &[
                ("email", "second-admin@b.fr"),
                ("role", "admin"),
                ("observatoire", &observatory),
            ],
        )
        .await;
    assert_eq!(response.status, 200);
    assert_eq!(accounts(&app).await, before + 1);

    let editor = login(&app, "editeur@obs-a.fr").await;
    let refused = editor
        .post(
            "/admin/comptes",
            &[("email", "complice@b.fr"), ("role", "admin")],
        )
        .await;
    assert_eq!(refused.status, 403);
    // Without the session's token, not even an admin.
    let forged = admin
        .post_raw(
            "/admin/comptes",
            "email=forge%40b.fr&role=admin&csrf=faux".to_owned(),
        )
        .await;
    assert_eq!(forged.status, 403);
    assert_eq!(accounts(&app).await, before + 1);
}

#[tokio::test]
async fn an_admin_disables_an_account_but_not_their_own() {
    let app = TestApp::new().await;
    let obs = observatory(&app.db, "obs-a", "Observatoire A", None).await;
    user(&app, "admin@b.fr", Access::Admin).await;
    user(&app, "partant@obs-a.fr", editor_of(obs)).await;
    let admin = login(&app, "admin@b.fr").await;
    let leaving = login(&app, "partant@obs-a.fr").await;

    let own = admin
        .post("/admin/comptes/desactiver", &[("email", "admin@b.fr")])
        .await;
    assert_eq!(own.status, 422);
    assert!(own.text().contains("votre propre compte"));
    assert_eq!(admin.get("/admin").await.status, 200);

    let done = admin
        .post(
            "/admin/comptes/desactiver",
            &[("email", "partant@obs-a.fr")],
        )
        .await;
    assert_eq!(done.status, 303);
    assert_eq!(done.header("location"), "/admin/comptes?ok=desactive");
    assert_eq!(
        leaving.get("/admin").await.status,
        303,
        "its session is over"
    );
    assert_eq!(
        post_login(&app, "partant@obs-a.fr", PASSWORD, None)
            .await
            .status,
        422
    );
    let page = admin.get("/admin/comptes?ok=desactive").await;
    assert!(page.texts("[role=status]")[0].contains("désactivé"));
    assert!(
        page.texts("tbody tr")
            .iter()
            .any(|row| row.contains("partant@obs-a.fr") && row.contains("Désactivé le"))
    );
    let unknown = admin
        .post("/admin/comptes/desactiver", &[("email", "personne@b.fr")])
        .await;
    assert_eq!(unknown.status, 404);
}

#[tokio::test]
async fn everyone_changes_their_own_password_and_ends_their_other_sessions() {
    let app = TestApp::new().await;
    let obs = observatory(&app.db, "obs-a", "Observatoire A", None).await;
    user(&app, "editeur@obs-a.fr", editor_of(obs)).await;
    let here = login(&app, "editeur@obs-a.fr").await;
    let elsewhere = login(&app, "editeur@obs-a.fr").await;
    let new = "une phrase de passe toute neuve";
    for (pairs, message) in [
        (
            [
                ("actuel", "pas le bon"),
                ("nouveau", new),
                ("confirmation", new),
            ],
            "Le mot de passe actuel est incorrect.",
        ),
        (
            [
                ("actuel", PASSWORD),
                ("nouveau", new),
                ("confirmation", "une autre phrase"),
            ],
            "Les deux saisies du nouveau mot de passe diffèrent.",
        ),
        (
            [
                ("actuel", PASSWORD),
                ("nouveau", "court"),
                ("confirmation", "court"),
            ],
            "Le mot de passe doit compter au moins 12 caractères.",
        ),
    ] {
        let response = here.post("/admin/mot-de-passe", &pairs).await;
        assert_eq!(response.status, 422);
        assert_eq!(response.texts("#erreurs li"), [message]);
    }
    assert_eq!(
        elsewhere.get("/admin").await.status,
        200,
        "nothing changed yet"
    );

    let done = post_password(&here, PASSWORD, new, new).await;
    assert_eq!(done.status, 200);
    assert!(done.texts("[role=status]")[0].contains("changé"));
    assert_eq!(here.get("/admin").await.status, 200, "this session goes on");
    assert_eq!(elsewhere.get("/admin").await.status, 303, "the others end");
    assert_eq!(
        post_login(&app, "editeur@obs-a.fr", PASSWORD, None)
            .await
            .status,
        422
    );
    assert_eq!(
        post_login(&app, "editeur@obs-a.fr", new, None).await.status,
        303
    );
    let recorded: i64 = sqlx::query_scalar(
        "select count(*) from audit_event where action = 'user.password' and subject = 'editeur@obs-a.fr'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(recorded, 1);
}

#[tokio::test]
async fn an_admin_turns_review_on_and_off_for_an_observatory() {
    let app = TestApp::new().await;
    let obs = observatory(&app.db, "obs-a", "Observatoire A", None).await;
    user(&app, "admin@b.fr", Access::Admin).await;
    user(&app, "editeur@obs-a.fr", editor_of(obs)).await;
    let admin = login(&app, "admin@b.fr").await;
    let required = || async {
        sqlx::query_scalar::<_, bool>(
            "select review_required from observatory where slug = 'obs-a'",
        )
        .fetch_one(&app.db)
        .await
        .unwrap()
    };
    assert!(!required().await);
    let page = admin.get("/admin/observatoires").await;
    assert_eq!(page.status, 200);
    let row = page
        .texts("tbody tr")
        .into_iter()
        .find(|r| r.contains("Observatoire A"))
        .expect("listed");
    assert!(row.contains("Non") && row.contains('1'), "{row}");

    let on = admin
        .post(
            "/admin/observatoires/obs-a/relecture",
            &[("relecture", "oui")],
        )
        .await;
    assert_eq!(on.status, 303);
    assert!(required().await);
    let page = admin.get(on.header("location")).await;
    assert!(
        page.texts("[role=status]")[0]
            .contains("« Observatoire A » passent désormais par la relecture")
    );
    let journal = admin.get("/admin/journal").await.texts("tbody tr");
    assert!(
        journal[0].contains("admin@b.fr") && journal[0].contains("Réglage de relecture"),
        "{journal:?}"
    );
    let off = admin
        .post(
            "/admin/observatoires/obs-a/relecture",
            &[("relecture", "non")],
        )
        .await;
    assert_eq!(off.status, 303);
    assert!(!required().await);

    let bad = admin
        .post(
            "/admin/observatoires/obs-a/relecture",
            &[("relecture", "peut-etre")],
        )
        .await;
    assert_eq!(bad.status, 422);
    let unknown = admin
        .post(
            "/admin/observatoires/nulle-part/relecture",
            &[("relecture", "oui")],
        )
        .await;
    assert_eq!(unknown.status, 404);

    let editor = login(&app, "editeur@obs-a.fr").await;
    assert_eq!(editor.get("/admin/observatoires").await.status, 403);
    let refused = editor
        .post(
            "/admin/observatoires/obs-a/relecture",
            &[("relecture", "oui")],
        )
        .await;
    assert_eq!(refused.status, 403);
    assert!(!required().await);
}

#[tokio::test]
async fn an_admin_gives_a_forgotten_password_a_one_time_replacement() {
    let app = TestApp::new().await;
    let obs = observatory(&app.db, "obs-a", "Observatoire A", None).await;
    user(&app, "admin@b.fr", Access::Admin).await;
    user(&app, "oublieuse@obs-a.fr", editor_of(obs)).await;
    let admin = login(&app, "admin@b.fr").await;
    let forgetful = login(&app, "oublieuse@obs-a.fr").await;

    let renewed = admin
        .post(
            "/admin/comptes/mot-de-passe",
            &[("email", "oublieuse@obs-a.fr")],
        )
        .await;
    assert_eq!(renewed.status, 200);
    assert_eq!(renewed.header("cache-control"), "no-store");
    assert!(renewed.texts("h2")[0].contains("Nouveau mot de passe pour oublieuse@obs-a.fr"));
    let secret = renewed.texts("code.secret").pop().expect("shown once");
    assert_eq!(
        forgetful.get("/admin").await.status,
        303,
        "its sessions end"
    );
    assert_eq!(
        post_login(&app, "oublieuse@obs-a.fr", PASSWORD, None)
            .await
            .status,
        422
    );
    let back = post_login(&app, "oublieuse@obs-a.fr", &secret, None).await;
    assert_eq!(back.status, 303);
    let back = client_of(&app, &back);
    assert_eq!(
        back.get("/admin").await.header("location"),
        "/admin/mot-de-passe",
        "a password drawn by the library works once"
    );
    let journal = admin.get("/admin/journal").await.texts("tbody tr");
    assert!(journal[0].contains("Mot de passe renouvelé"), "{journal:?}");

    // Not one's own (that needs the current one), not a disabled or unknown account.
    let own = admin
        .post("/admin/comptes/mot-de-passe", &[("email", "admin@b.fr")])
        .await;
    assert_eq!(own.status, 422);
    admin
        .post(
            "/admin/comptes/desactiver",
            &[("email", "oublieuse@obs-a.fr")],
        )
        .await;
    for email in ["oublieuse@obs-a.fr", "personne@b.fr"] {
        let response = admin
            .post("/admin/comptes/mot-de-passe", &[("email", email)])
            .await;
        assert_eq!(response.status, 404, "{email}");
    }
}

#[tokio::test]
async fn guessing_the_current_password_is_throttled_and_a_reset_lifts_the_lock() {
    let app = TestApp::new().await;
    let obs = observatory(&app.db, "obs-a", "Observatoire A", None).await;
    user(&app, "admin@b.fr", Access::Admin).await;
    user(&app, "editeur@obs-a.fr", editor_of(obs)).await;
    let session = login(&app, "editeur@obs-a.fr").await;
    let new = "une phrase de passe toute neuve";
    for _ in 0..5 {
        let wrong = post_password(&session, "devinette", new, new).await;
        assert_eq!(wrong.status, 422);
    }
    let locked = post_password(&session, PASSWORD, new, new).await;
    assert_eq!(locked.status, 429);
    assert!(locked.texts("#erreurs li")[0].contains("Trop de tentatives"));
    // The login is locked too; an admin's new password lifts it.
    assert_eq!(
        post_login(&app, "editeur@obs-a.fr", PASSWORD, None)
            .await
            .status,
        429
    );
    let admin = login(&app, "admin@b.fr").await;
    let renewed = admin
        .post(
            "/admin/comptes/mot-de-passe",
            &[("email", "editeur@obs-a.fr")],
        )
        .await;
    let secret = renewed.texts("code.secret").pop().expect("a new password");
    assert_eq!(
        post_login(&app, "editeur@obs-a.fr", &secret, None)
            .await
            .status,
        303
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_admins_disabling_each_other_at_once_leave_one() {
    let app = TestApp::new().await;
    user(&app, "premiere@b.fr", Access::Admin).await;
    user(&app, "second@b.fr", Access::Admin).await;
    let first = login(&app, "premiere@b.fr").await;
    let second = login(&app, "second@b.fr").await;
    let (a, b) = tokio::join!(
        first.post("/admin/comptes/desactiver", &[("email", "second@b.fr")]),
        second.post("/admin/comptes/desactiver", &[("email", "premiere@b.fr")]),
    );
    // One goes through; the other is refused: its author was just disabled (sent to the
    // login page), or it would leave no admin (422).
    let done = [&a, &b]
        .iter()
        .filter(|r| r.status == 303 && r.header("location") == "/admin/comptes?ok=desactive")
        .count();
    assert_eq!(done, 1, "{} {}", a.status, b.status);
    let active: i64 = sqlx::query_scalar(
        "select count(*) from app_user where role = 'admin' and disabled_at is null",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(active, 1);
    // Nor can the one left be disabled, from the command line either.
    let last: String = sqlx::query_scalar(
        "select email from app_user where role = 'admin' and disabled_at is null",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    let refused = bibliotheque::accounts::users::disable(
        &app.db,
        bibliotheque::accounts::audit::Actor::Command,
        &bibliotheque::accounts::Email::parse(&last).unwrap(),
    )
    .await
    .unwrap_err();
    assert!(
        refused.to_string().contains("dernier administrateur actif"),
        "{refused}"
    );
}
