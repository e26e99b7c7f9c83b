//! A bulk job's database sessions give way to the server's (`db::Share`).

use bibliotheque::db::{Database, Share};
use bibliotheque::priority::{BACKGROUND, nice_of};

async fn session_nice(db: &Database) -> i32 {
    let pid: i32 = sqlx::query_scalar("select pg_backend_pid()")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    nice_of(pid).expect("the private cluster's sessions run on this machine")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sessions_of_a_bulk_job_run_at_a_lower_priority_than_the_servers() {
    let dir = std::env::temp_dir().join(format!(
        "bibliotheque-priority-{}",
        uuid::Uuid::new_v4().simple()
    ));
    let server = Database::open(&dir, None, Share::Interactive)
        .await
        .unwrap();
    let postmaster: i32 = std::fs::read_to_string(dir.join("postgres/data/postmaster.pid"))
        .unwrap()
        .lines()
        .next()
        .and_then(|line| line.trim().parse().ok())
        .unwrap();
    let base = nice_of(postmaster).unwrap();
    assert_eq!(
        session_nice(&server).await,
        base,
        "the server's sessions keep their priority"
    );

    // A bulk job (`import`, `harvest`) on the same, running cluster.
    let job = Database::open(&dir, None, Share::Background).await.unwrap();
    assert_eq!(session_nice(&job).await, BACKGROUND.max(base));
    assert_eq!(session_nice(&server).await, base);
    job.close().await;
    server.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}
