//! Traps, refusals, politeness

use super::*;

#[tokio::test]
async fn traps_are_reported_one_by_one_and_the_pass_goes_on() {
    let app = TestApp::new().await;
    builders::observatory(&app.db, "obs-t", "Observatoire T", None).await;
    let site = Site::default();
    let base = site.start().await;
    site.html(
        "/liste",
        r#"<a href="/f/bon.pdf">Étude valable</a><a href="/f/manquant.pdf">Manquant</a>
<a href="/f/boucle.pdf">Boucle</a><a href="/f/lent.pdf">Lent</a><a href="/f/gros.pdf">Gros</a>
<a href="/f/faux.pdf">Faux</a>"#,
    );
    site.pdf("/f/bon.pdf", "Bon", "Une étude tout à fait valable.");
    site.special(
        "/f/boucle.pdf",
        Resource::Redirect("/f/boucle-2.pdf".into()),
    );
    site.special(
        "/f/boucle-2.pdf",
        Resource::Redirect("/f/boucle.pdf".into()),
    );
    site.special("/f/lent.pdf", Resource::Slow(Duration::from_secs(3)));
    let mut big = pdf("Gros", "gros");
    big.resize(300_000, b' ');
    site.put("/f/gros.pdf", "application/pdf", big);
    site.html("/f/faux.pdf", "<html><body>Pas un PDF</body></html>");
    let listing = source(&app, Kind::Page, &format!("{base}/liste"), "obs-t").await;
    let harvester = harvester(&app, settings(true));

    let report = pass(&harvester, &listing).await;
    assert_eq!(
        (report.counts.new, report.counts.errors),
        (1, 5),
        "{report:?}"
    );
    let cause = |file: &str| {
        report
            .errors
            .iter()
            .find(|e| e.url.ends_with(file))
            .map(|e| e.cause.clone())
            .unwrap_or_default()
    };
    assert_eq!(cause("manquant.pdf"), "fichier introuvable (404 ou 410)");
    assert_eq!(cause("boucle.pdf"), "boucle de redirections");
    assert_eq!(cause("lent.pdf"), "délai dépassé");
    assert!(
        cause("gros.pdf").starts_with("réponse trop volumineuse"),
        "{}",
        cause("gros.pdf")
    );
    assert!(
        cause("faux.pdf").starts_with("fichier refusé"),
        "{}",
        cause("faux.pdf")
    );
    assert_eq!(count(&app, "select count(*) from file").await, 1);
}

#[tokio::test]
async fn loopback_is_refused_without_the_allow_setting_and_says_why() {
    let app = TestApp::new().await;
    builders::observatory(&app.db, "obs-r", "Observatoire R", None).await;
    let site = Site::default();
    let base = site.start().await;
    site.html("/liste", r#"<a href="/f/a.pdf">A</a>"#);
    let listing = source(&app, Kind::Page, &format!("{base}/liste"), "obs-r").await;
    let harvester = harvester(&app, settings(false));
    let report = pass(&harvester, &listing).await;
    let failure = report.failure.unwrap_or_default();
    assert!(
        failure.contains(
            "adresse refusée : 127.0.0.1 est une adresse de bouclage (loopback) ; pour l'autoriser, \
             ajoutez son réseau à BIBLIOTHEQUE_HARVEST_ALLOW"
        ),
        "{failure}"
    );
    assert!(site.requests().is_empty(), "no request reached the site");
    // A name that resolves to loopback is refused the same way, after DNS.
    let named = source(
        &app,
        Kind::Page,
        &base.replace("127.0.0.1", "localhost"),
        "obs-r",
    )
    .await;
    let failure = pass(&harvester, &named).await.failure.unwrap_or_default();
    assert!(failure.contains("adresse refusée"), "{failure}");
    assert!(site.requests().is_empty());
    // A public site redirecting to the inside is refused at the redirect: here the allowed
    // site redirects to 10.0.0.1, which is not allowed.
    site.special(
        "/vers-interne",
        Resource::Redirect("http://10.0.0.1/secret".into()),
    );
    let inside = source(&app, Kind::Page, &format!("{base}/vers-interne"), "obs-r").await;
    let allowed = self::harvester(&app, settings(true));
    let failure = pass(&allowed, &inside).await.failure.unwrap_or_default();
    assert!(
        failure.contains("adresse refusée : 10.0.0.1 est une adresse privée"),
        "{failure}"
    );
}

#[tokio::test]
async fn requests_to_one_host_are_spaced_by_the_delay() {
    let app = TestApp::new().await;
    builders::observatory(&app.db, "obs-d", "Observatoire D", None).await;
    let site = Site::default();
    let base = site.start().await;
    site.html(
        "/liste",
        r#"<a href="/f/1.pdf">Étude une</a><a href="/f/2.pdf">Étude deux</a>"#,
    );
    site.pdf("/f/1.pdf", "Une", "Première étude de test.");
    site.pdf("/f/2.pdf", "Deux", "Deuxième étude de test.");
    let listing = source(&app, Kind::Page, &format!("{base}/liste"), "obs-d").await;
    let delay = Duration::from_millis(300);
    let harvester = harvester(
        &app,
        ClientSettings {
            delay,
            ..settings(true)
        },
    );
    let report = pass(&harvester, &listing).await;
    assert_eq!(report.counts.new, 2, "{report:?}");
    let times = site.times();
    assert!(
        times.len() >= 4,
        "robots.txt, the page, two files: {:?}",
        site.requests()
    );
    for pair in times.windows(2) {
        assert!(
            pair[1].duration_since(pair[0]) >= delay - Duration::from_millis(20),
            "{:?}",
            pair[1].duration_since(pair[0])
        );
    }
}

#[tokio::test]
async fn the_same_study_with_another_file_is_flagged_for_an_admin() {
    let app = TestApp::new().await;
    builders::observatory(&app.db, "obs-x", "Observatoire X", None).await;
    builders::observatory(&app.db, "obs-y", "Observatoire Y", None).await;
    let site = Site::default();
    let base = site.start().await;
    site.html(
        "/x",
        r#"<a href="/f/x.pdf">Portrait de la branche propreté 2024</a>"#,
    );
    site.html(
        "/y",
        r#"<a href="/f/y.pdf">PORTRAIT de la branche Propreté — 2024</a>"#,
    );
    site.pdf("/f/x.pdf", "X", "Version de l'observatoire X.");
    site.pdf(
        "/f/y.pdf",
        "Y",
        "Version de l'observatoire Y, mise en page différente.",
    );
    let x = source(&app, Kind::Page, &format!("{base}/x"), "obs-x").await;
    let y = source(&app, Kind::Page, &format!("{base}/y"), "obs-y").await;
    let harvester = harvester(&app, settings(true));
    assert_eq!(pass(&harvester, &x).await.counts.new, 1);
    let report = pass(&harvester, &y).await;
    assert_eq!(
        (report.counts.new, report.counts.probable_duplicates),
        (1, 1),
        "{report:?}"
    );
    let pending = dedup::pending(&app.db).await.unwrap();
    assert_eq!(pending.len(), 1);
    let pair = &pending[0];
    assert_eq!(pair.title, "PORTRAIT de la branche Propreté — 2024");
    // "Même étude": the later one is withdrawn, pointing at the other; the pair is settled.
    assert!(
        dedup::decide(
            &app.db,
            bibliotheque::accounts::audit::Actor::Command,
            pair.publication_id,
            pair.other_id,
            dedup::Decision::Same,
        )
        .await
        .unwrap()
    );
    let (_, _, status) = publication_by_title(&app, "PORTRAIT de la branche Propreté — 2024").await;
    assert_eq!(status, "withdrawn");
    assert!(dedup::pending(&app.db).await.unwrap().is_empty());
    let kept = publication_by_title(&app, "Portrait de la branche propreté 2024")
        .await
        .0;
    assert_eq!(sources::origins(&app.db, kept).await.unwrap().len(), 2);
}

#[tokio::test]
async fn the_same_text_under_another_title_is_flagged_once_extracted() {
    let app = TestApp::new().await;
    builders::observatory(&app.db, "obs-u", "Observatoire U", None).await;
    builders::observatory(&app.db, "obs-v", "Observatoire V", None).await;
    let site = Site::default();
    let base = site.start().await;
    let words = "Les entreprises de la branche recrutent des techniciens de maintenance, des \
                 conducteurs de ligne et des opérateurs qualifiés ; les besoins en compétences \
                 numériques progressent, l'alternance se développe et la pyramide des âges \
                 annonce de nombreux départs à la retraite dans les cinq prochaines années. ";
    site.html(
        "/u",
        r#"<a href="/f/u.pdf">Les besoins en recrutement de la branche</a>"#,
    );
    site.html(
        "/v",
        r#"<a href="/f/v.pdf">Emploi et compétences : synthèse régionale</a>"#,
    );
    site.pdf("/f/u.pdf", "Besoins", &words.repeat(6));
    site.pdf(
        "/f/v.pdf",
        "Synthèse",
        &format!("Édition régionale. {}", words.repeat(6)),
    );
    let harvester = harvester(&app, settings(true));
    for (path, obs) in [("/u", "obs-u"), ("/v", "obs-v")] {
        let listing = source(&app, Kind::Page, &format!("{base}{path}"), obs).await;
        let report = pass(&harvester, &listing).await;
        assert_eq!(
            (report.counts.new, report.counts.probable_duplicates),
            (1, 0),
            "{report:?}"
        );
    }
    while bibliotheque::catalogue::extraction::extract_pending(&app.db, &app.storage)
        .await
        .unwrap()
        > 0
    {}
    assert_eq!(dedup::flag_near_texts(&app.db).await.unwrap(), 1);
    let pending = dedup::pending(&app.db).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].reason, "texte presque identique");
    // Compared once: a second call finds nothing new.
    assert_eq!(dedup::flag_near_texts(&app.db).await.unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_passes_over_one_source_at_once_make_no_second_publication() {
    let app = TestApp::new().await;
    builders::observatory(&app.db, "obs-c", "Observatoire C", None).await;
    let site = Site::default();
    let base = site.start().await;
    let mut links = String::new();
    for n in 0..6 {
        links.push_str(&format!(
            r#"<a href="/f/{n}.pdf">Étude numéro {n} de la concurrence</a>"#
        ));
        site.pdf(
            &format!("/f/{n}.pdf"),
            "Étude",
            &format!("Texte de l'étude numéro {n}."),
        );
    }
    site.html("/liste", &links);
    let listing = source(&app, Kind::Page, &format!("{base}/liste"), "obs-c").await;
    // The server's task and a `harvest` command: two clients, one database.
    let (one, two) = (
        harvester(&app, settings(true)),
        harvester(&app, settings(true)),
    );
    let (a, b) = tokio::join!(pass(&one, &listing), pass(&two, &listing));
    assert_eq!(
        count(&app, "select count(*) from publication").await,
        6,
        "{a:?} {b:?}"
    );
    assert_eq!(count(&app, "select count(*) from file").await, 6);
    assert_eq!(a.counts.new + b.counts.new, 6, "{a:?} {b:?}");
}

/// Two sources listing the same files, harvested at once (the server's schedule and a
/// `harvest --source` command): each file makes one publication, the other source's records
/// are counted as duplicates of it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_sources_with_the_same_files_at_once_make_one_publication_per_file() {
    let app = TestApp::new().await;
    builders::observatory(&app.db, "obs-d", "Observatoire D", None).await;
    let site = Site::default();
    let base = site.start().await;
    let mut links = String::new();
    for n in 0..8 {
        links.push_str(&format!(
            r#"<a href="/f/{n}.pdf">Étude partagée numéro {n}</a>"#
        ));
        site.pdf(
            &format!("/f/{n}.pdf"),
            "Étude",
            &format!("Texte de l'étude partagée numéro {n}."),
        );
    }
    // Other titles on the second list: only the files are the same.
    site.html("/liste-a", &links);
    site.html(
        "/liste-b",
        &links.replace("Étude partagée", "Rapport commun"),
    );
    let a = source(&app, Kind::Page, &format!("{base}/liste-a"), "obs-d").await;
    let b = source(&app, Kind::Page, &format!("{base}/liste-b"), "obs-d").await;
    let (one, two) = (
        harvester(&app, settings(true)),
        harvester(&app, settings(true)),
    );
    let (ra, rb) = tokio::join!(pass(&one, &a), pass(&two, &b));
    assert_eq!(
        count(&app, "select count(*) from publication").await,
        8,
        "{ra:?} {rb:?}"
    );
    assert_eq!(ra.counts.new + rb.counts.new, 8, "{ra:?} {rb:?}");
    assert_eq!(
        ra.counts.duplicates + rb.counts.duplicates,
        8,
        "{ra:?} {rb:?}"
    );
}
