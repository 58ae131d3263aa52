//! `copy-store`: a seeded SQLite database moved to an empty PostgreSQL one,
//! every table and id kept, counts equal, a second copy refused.

use chrono::NaiveDate;
use rapport_server::seed::{self, SeedOptions};
use rapport_server::store::copy;
use rapport_server::testing::TestDb;
use rapport_server::{Db, agents};

async fn count_pg(url: &str, table: &str) -> i64 {
    let db = Db::connect(url).await.unwrap();
    let mut conn = db.read().await.unwrap();
    let n = rapport_server::testing::count(&mut conn, table).await;
    drop(conn);
    db.close().await;
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_deployment_moves_to_postgres_whole() {
    let Some(target) = TestDb::postgres().await else {
        return;
    };
    let source = TestDb::sqlite().await;
    seed::seed(
        &source.db,
        &SeedOptions {
            customers: 300,
            seed: 11,
            anchor: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
        },
        &|_, _| {},
    )
    .await
    .unwrap();
    agents::add(&source.db, "Mover", rapport_api::Role::Supervisor, None)
        .await
        .unwrap();
    // A call moved to another queue before it was answered: its first leg
    // names the second, which comes after it.
    {
        let mut tx = source.db.write().await.unwrap();
        for sql in [
            "INSERT INTO queues (id, code, name, sl_target_pct, sl_threshold_secs, created_at) \
             VALUES (1, 'billing', 'Billing', 80, 20, 0), (2, 'sales', 'Sales', 90, 15, 0)",
            "INSERT INTO calls (id, external_id, leg, queue_id, caller, status, offered_ms, \
             transferred_ms, last_event_ms) VALUES (10, 'c-1', 1, 1, '+441632960001', \
             'transferred', 1000, 2000, 2000)",
            "INSERT INTO calls (id, external_id, leg, queue_id, caller, status, offered_ms, \
             transferred_from, last_event_ms) VALUES (11, 'c-1', 2, 2, '+441632960001', \
             'waiting', 2000, 10, 2000)",
            "UPDATE calls SET transferred_to = 11 WHERE id = 10",
            "UPDATE contact_reasons SET label = 'Billing question' WHERE code = 'billing_query'",
        ] {
            sqlx::query(sql).execute(&mut *tx).await.unwrap();
        }
        tx.commit().await.unwrap();
    }
    let sqlite_url = source.url().to_string();
    source.db.close().await;

    let copied = copy::copy_store(&sqlite_url, target.url(), &|_| {})
        .await
        .unwrap();
    let tables: std::collections::BTreeMap<_, _> = copied.tables.iter().cloned().collect();
    assert_eq!(tables["customers"], 300);
    assert_eq!(tables["calls"], 2);
    assert!(tables["orders"] > 300, "{tables:?}");
    assert!(tables["interactions"] > 300, "{tables:?}");
    assert_eq!(tables["contact_reasons"], 19);

    let src = Db::connect(&sqlite_url).await.unwrap();
    let mut s = src.read().await.unwrap();
    for (table, n) in &tables {
        let here = rapport_server::testing::count(&mut s, table).await;
        assert_eq!(here as u64, *n, "{table}");
        assert_eq!(count_pg(target.url(), table).await as u64, *n, "{table}");
    }
    drop(s);
    src.close().await;
    assert_eq!(count_pg(target.url(), "search_docs").await, 300);

    let pg = Db::connect(target.url()).await.unwrap();
    {
        let mut conn = pg.read().await.unwrap();
        let mover = agents::find_by_name(&pg, "Mover").await.unwrap().unwrap();
        assert_eq!(mover.role, rapport_api::Role::Supervisor);
        let tax = rapport_server::recording::taxonomy::load(&mut *conn)
            .await
            .unwrap();
        assert_eq!(
            tax.reasons[0].label, "Billing question",
            "the source's lists win"
        );
    }
    // Ids go on after the largest copied.
    let next = agents::create(&pg, "After the move", rapport_api::Role::Agent, None)
        .await
        .unwrap();
    assert!(next.id > 1, "{next:?}");
    pg.close().await;

    let again = copy::copy_store(&sqlite_url, target.url(), &|_| {})
        .await
        .unwrap_err();
    assert!(format!("{again:#}").contains("not empty"), "{again:#}");
}
