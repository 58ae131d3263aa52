//! Importing CSV files into a temporary database: what is stored, how bad
//! rows are reported (file, line, column, reason), all or nothing unless
//! skipping bad rows, and refusing a file imported before.

use std::path::{Path, PathBuf};

use rapport_server::Db;
use rapport_server::import::{self, Kind, MatchBy, Options};
use tempfile::TempDir;

async fn db() -> (TempDir, Db) {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::connect_path(&dir.path().join("import.sqlite"))
        .await
        .unwrap();
    (dir, db)
}

fn file(dir: &TempDir, name: &str, text: &str) -> PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    p
}

async fn count(db: &Db, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(db.pool()).await.unwrap()
}

const CUSTOMERS: &str = "customer_id,name,email,phone,country,currency,consent_email,Loyalty card\n\
    C1,Jane Okafor,jane@example.org,+447700900123,GB,GBP,yes,1234\n\
    C2,Jürgen Müller,,+4915112345678,DE,EUR,0,\n\
    C3,王伟,,,CN,,1,\n";

async fn run(db: &Db, kind: Kind, path: &Path, opts: &Options) -> import::Outcome {
    import::import(db, kind, path, opts, &|_, _| {})
        .await
        .unwrap()
}

/// A database with `CUSTOMERS` imported.
async fn db_with_customers() -> (TempDir, Db) {
    let (dir, db) = db().await;
    let c = file(&dir, "customers.csv", CUSTOMERS);
    assert!(
        run(&db, Kind::Customers, &c, &Options::default())
            .await
            .committed
    );
    (dir, db)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customers_then_transactions_grouped_into_orders() {
    let (dir, db) = db().await;
    let c = file(&dir, "customers.csv", CUSTOMERS);
    let out = run(&db, Kind::Customers, &c, &Options::default()).await;
    assert!(out.committed);
    assert_eq!((out.rows, out.stored), (3, 3));
    assert_eq!(out.ignored_columns, vec!["loyalty card"]);
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM customers WHERE external_id IS NOT NULL"
        )
        .await,
        3
    );
    let cur: String = sqlx::query_scalar("SELECT currency FROM customers WHERE external_id = 'C3'")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(cur, "GBP", "the default currency where the row has none");

    // Order A1: two lines on one day (one with a product the catalogue
    // lacks, which is created); B7 in YYYYMMDD form with quantity 3; a line
    // without order_id is an order of its own; C3's line of A1's id is
    // another customer's order.
    let t = file(
        &dir,
        "tx.csv",
        "customer_id,date,amount,order_id,product,category,quantity\n\
         C1,2025-03-01,49.99,A1,PH-CASE,Cases,1\n\
         C1,2025-03-01,10.01,A1,,Chargers,2\n\
         C2,20250402,30.00,B7,PH-CASE,Cases,3\n\
         C1,2025-05-10,5,,,,\n\
         C3,2025-06-01 14:05,12.00,A1,,,\n",
    );
    let out = run(&db, Kind::Transactions, &t, &Options::default()).await;
    assert!(out.committed, "{:?}", out.bad);
    assert_eq!((out.rows, out.stored), (5, 5));
    assert_eq!(count(&db, "SELECT COUNT(*) FROM orders").await, 4);
    let a1: (i64, i64) = sqlx::query_as(
        "SELECT o.total_minor, o.item_count FROM orders o JOIN customers c ON c.id = o.customer_id \
         WHERE c.external_id = 'C1' ORDER BY o.placed_at LIMIT 1",
    )
    .fetch_one(db.pool())
    .await
    .unwrap();
    assert_eq!(a1, (6000, 3), "49.99 + 10.01, quantities 1 + 2");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM order_lines").await, 3);
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM products WHERE sku IN ('PH-CASE', 'CATEGORY:Chargers')"
        )
        .await,
        2
    );
    let since: String =
        sqlx::query_scalar("SELECT customer_since FROM customers WHERE external_id = 'C1'")
            .fetch_one(db.pool())
            .await
            .unwrap();
    assert_eq!(since, "2025-03-01", "a customer since their first order");

    // Interactions and survey answers name the same customers.
    let i = file(
        &dir,
        "contacts.csv",
        "customer_id,date,channel,direction,reason\nC1,2025-06-01T09:30,call,in,Billing query\n\
         C2,2025-06-02,email,outbound,\n",
    );
    let out = run(&db, Kind::Interactions, &i, &Options::default()).await;
    assert_eq!(out.stored, 2);
    let s = file(
        &dir,
        "nps.csv",
        "customer_id,date,kind,score\nC1,2025-06-03,nps,9\nC2,2025-06-03,csat,4\n",
    );
    let out = run(&db, Kind::Surveys, &s, &Options::default()).await;
    assert_eq!(out.stored, 2);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM survey_answers").await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_row_imports_nothing_and_says_where() {
    let (dir, db) = db().await;
    run(
        &db,
        Kind::Customers,
        &file(&dir, "c.csv", CUSTOMERS),
        &Options::default(),
    )
    .await;
    let text = "customer_id,date,amount,quantity\n\
        C1,2025-03-01,49.99,1\n\
        C9,2025-03-02,10.00,1\n\
        C1,2025-13-40,10.00,1\n\
        C1,2025-03-03,-5.00,1\n\
        C1,2025-03-04,12.345,1\n\
        C1,2025-03-05,3.00,0\n\
        C2,2025-03-06,7.50,2\n";
    let t = file(&dir, "tx.csv", text);
    let out = run(&db, Kind::Transactions, &t, &Options::default()).await;
    assert!(!out.committed);
    assert_eq!(out.stored, 0);
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM orders").await,
        0,
        "nothing at all"
    );
    let report = out.report("tx.csv");
    assert_eq!(report.len(), 5, "{report:#?}");
    assert!(
        report[0]
            .starts_with("tx.csv:3: column 'customer_id': no customer was imported with id 'C9'"),
        "{}",
        report[0]
    );
    assert!(
        report[1].starts_with("tx.csv:4: column 'date': '2025-13-40' is not a date"),
        "{}",
        report[1]
    );
    assert!(
        report[2].starts_with("tx.csv:5: column 'amount': '-5.00' is negative: refunds"),
        "{}",
        report[2]
    );
    assert!(
        report[3].starts_with("tx.csv:6: column 'amount': '12.345' is not an amount in GBP"),
        "{}",
        report[3]
    );
    assert!(
        report[4].starts_with("tx.csv:7: column 'quantity': 0 is not between 1"),
        "{}",
        report[4]
    );

    // Skipping bad rows keeps the two good ones and lists every bad line.
    let opts = Options {
        skip_bad_rows: true,
        ..Options::default()
    };
    let out = run(&db, Kind::Transactions, &t, &opts).await;
    assert!(out.committed);
    assert_eq!((out.rows, out.stored, out.bad.len()), (7, 2, 5));
    let lines: Vec<u64> = out.bad.iter().map(|b| b.line).collect();
    assert_eq!(lines, vec![3, 4, 5, 6, 7]);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM orders").await, 2);
    let eur: i64 = sqlx::query_scalar(
        "SELECT o.total_minor FROM orders o JOIN customers c ON c.id = o.customer_id \
         WHERE c.external_id = 'C2'",
    )
    .fetch_one(db.pool())
    .await
    .unwrap();
    assert_eq!(eur, 750, "read in the customer's currency");

    // The same file again is refused, unless asked for.
    let e = import::import(&db, Kind::Transactions, &t, &opts, &|_, _| {})
        .await
        .unwrap_err();
    assert!(e.to_string().contains("was already imported"), "{e}");
    let again = Options {
        again: true,
        ..opts.clone()
    };
    let out = run(&db, Kind::Transactions, &t, &again).await;
    assert_eq!(out.stored, 2);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM orders").await, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headers_and_customers_are_checked() {
    let (dir, db) = db().await;
    let e = import::import(
        &db,
        Kind::Transactions,
        &file(&dir, "x.csv", "customer,date,value\nC1,2025-01-01,3\n"),
        &Options::default(),
        &|_, _| {},
    )
    .await
    .unwrap_err();
    let msg = e.to_string();
    assert!(msg.ends_with("x.csv:1: the header lacks the columns customer_id, amount; a transactions file needs customer_id, date, amount (and may have order_id, product, category, quantity, channel)"), "{msg}");

    let c = file(
        &dir,
        "c.csv",
        "customer_id,name,email,phone\nC1,Ann Lee,ann@example.org,+447700900001\nC1,Bo Kim,,\n\
         C2,,,\nC3,Cy Dee,not-an-email,\nC4,Di Eve,,12345\n",
    );
    let out = run(&db, Kind::Customers, &c, &Options::default()).await;
    assert!(!out.committed);
    let report = out.report("c.csv");
    assert_eq!(report.len(), 4, "{report:#?}");
    assert!(report[0].contains("c.csv:3: column 'customer_id': 'C1' appears twice"));
    assert!(report[1].contains("c.csv:4: column 'name'"));
    assert!(report[2].contains("c.csv:5: column 'email'"));
    assert!(report[3].contains("c.csv:6: column 'phone'"));
    assert_eq!(count(&db, "SELECT COUNT(*) FROM customers").await, 0);

    // Account numbers name seeded or created customers.
    let out = run(
        &db,
        Kind::Customers,
        &file(&dir, "c2.csv", "customer_id,name\nX1,Ann Lee\n"),
        &Options::default(),
    )
    .await;
    assert!(out.committed);
    let id: i64 = sqlx::query_scalar("SELECT id FROM customers WHERE external_id = 'X1'")
        .fetch_one(db.pool())
        .await
        .unwrap();
    let t = file(
        &dir,
        "t.csv",
        &format!("customer_id,date,amount\nACC-{id:07},2025-01-02,4.00\n{id},2025-01-03,1.00\n"),
    );
    let opts = Options {
        match_by: MatchBy::Account,
        ..Options::default()
    };
    let out = run(&db, Kind::Transactions, &t, &opts).await;
    assert!(out.committed, "{:?}", out.bad);
    assert_eq!(out.stored, 2);
}

/// The import stores rows without SQLite's per-row foreign-key checks and
/// checks them once before committing; whatever happens, the connection it
/// used goes back to the pool with the checks on again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn foreign_key_checks_are_back_on_after_every_import() {
    let (dir, db) = db_with_customers().await;
    let good = file(
        &dir,
        "good.csv",
        "customer_id,date,amount,order_id,category\nC1,2025-01-02,10.00,A,Cases\n",
    );
    assert!(
        run(&db, Kind::Transactions, &good, &Options::default())
            .await
            .committed
    );
    let bad = file(
        &dir,
        "bad.csv",
        "customer_id,date,amount\nC1,2025-01-02,10.00\nC9,2025-01-02,10.00\n",
    );
    assert!(
        !run(&db, Kind::Transactions, &bad, &Options::default())
            .await
            .committed
    );
    let mut held = Vec::new();
    for _ in 0..db.pool().size() {
        let mut conn = db.pool().acquire().await.unwrap();
        let on: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(on, 1, "a pooled connection was left without foreign keys");
        held.push(conn);
    }
    drop(held);
    let broken: Vec<(String, Option<i64>, String, i64)> =
        sqlx::query_as("PRAGMA foreign_key_check")
            .fetch_all(db.pool())
            .await
            .unwrap();
    assert!(broken.is_empty(), "{broken:?}");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM orders").await, 1);
}

async fn indexes_of_orders(db: &Db) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' \
         AND tbl_name IN ('orders', 'order_lines') AND sql IS NOT NULL ORDER BY name",
    )
    .fetch_all(db.pool())
    .await
    .unwrap()
}

/// A large transactions file is loaded with the secondary indexes of
/// orders and order lines set aside and built again before the commit:
/// after a committed import and after a refused one they are all there,
/// defined as before, and they hold every row.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_file_leaves_the_indexes_as_they_were() {
    let (dir, db) = db_with_customers().await;
    let before = indexes_of_orders(&db).await;
    assert!(
        before.iter().any(|(n, _)| n == "orders_customer"),
        "{before:?}"
    );
    // 150,000 lines of about 33 bytes: past the size where the import sets
    // the indexes aside.
    let mut text = String::from("customer_id,date,amount,order_id,category\n");
    for i in 0..150_000u32 {
        let c = ["C1", "C2", "C3"][(i / 2 % 3) as usize];
        let day = 1 + i % 28;
        text.push_str(&format!(
            "{c},2025-03-{day:02},{}.50,O{},Cases\n",
            i % 90 + 1,
            i / 2
        ));
    }
    let big = file(&dir, "big.csv", &text);
    assert!(std::fs::metadata(&big).unwrap().len() > 4_000_000);
    let out = run(&db, Kind::Transactions, &big, &Options::default()).await;
    assert!(out.committed, "{:?}", out.bad.first());
    assert_eq!(out.stored, 150_000);
    assert_eq!(indexes_of_orders(&db).await, before);
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(check, "ok");
    // The index answers the purchase summary's query, and holds every order.
    let plan: Vec<(i64, i64, i64, String)> = sqlx::query_as(
        "EXPLAIN QUERY PLAN SELECT placed_at, total_minor FROM orders WHERE customer_id = 1",
    )
    .fetch_all(db.pool())
    .await
    .unwrap();
    assert!(
        plan.iter().any(|p| p.3.contains("orders_customer")),
        "{plan:?}"
    );
    let by_index = count(
        &db,
        "SELECT COUNT(*) FROM orders INDEXED BY orders_customer WHERE customer_id > 0",
    )
    .await;
    assert_eq!(by_index, 75_000);
    // Every customer is a customer since their first order (set 400 to a
    // statement).
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM customers WHERE customer_since = '2025-03-01'"
        )
        .await,
        3
    );
    // The same file with one bad row at the end: refused, nothing stored,
    // the indexes back as they were.
    text.push_str("C9,2025-03-01,1.00,X,Cases\n");
    let bad = file(&dir, "big-bad.csv", &text);
    let out = run(&db, Kind::Transactions, &bad, &Options::default()).await;
    assert!(!out.committed);
    assert_eq!(out.bad.len(), 1);
    assert_eq!(out.bad[0].line, 150_002);
    assert_eq!(indexes_of_orders(&db).await, before);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM orders").await, 75_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_amount_past_the_money_bounds_is_refused_with_its_line_and_the_limit() {
    let (dir, db) = db_with_customers().await;
    // Lines 2 and 3 are past the most one line may carry (10,000,000 units);
    // line 4 is fine. Nothing is stored.
    let text = "customer_id,date,amount,quantity\n\
        C1,2025-03-01,20000000000.00,1\n\
        C1,2025-03-02,200000000.00,1\n\
        C1,2025-03-04,12.00,1\n";
    let t = file(&dir, "big.csv", text);
    let out = run(&db, Kind::Transactions, &t, &Options::default()).await;
    assert!(!out.committed);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM orders").await, 0);
    let report = out.report("big.csv");
    assert_eq!(report.len(), 2, "{report:#?}");
    for (r, line) in report.iter().zip([2, 3]) {
        assert!(
            r.starts_with(&format!("big.csv:{line}: column 'amount'")) && r.contains("10000000"),
            "{r}"
        );
    }

    // Lines of one order, each in bounds, together past the largest order
    // total (1,000,000,000,000 minor units = 10,000,000,000.00): the
    // running sum after k lines of 9,999,000 + i (i from 0) is
    // 9,999,000 k + k(k-1)/2 units, 9,999,499,500 at k = 1,000 and past
    // 10,000,000,000 at k = 1,001, which is line 1,002 of the file.
    let mut text = String::from("customer_id,order_id,date,amount,quantity\n");
    for i in 0..1001 {
        text.push_str(&format!("C1,O9,2025-03-03,{}.00,1\n", 9_999_000 + i));
    }
    text.push_str("C1,,2025-03-04,12.00,1\n");
    let t = file(&dir, "sum.csv", &text);
    let out = run(&db, Kind::Transactions, &t, &Options::default()).await;
    assert!(!out.committed);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM orders").await, 0);
    let report = out.report("sum.csv");
    assert_eq!(report.len(), 1, "{report:#?}");
    assert!(
        report[0].starts_with(
            "sum.csv:1002: column 'amount': takes the order past the largest order total"
        ),
        "{}",
        report[0]
    );
}

/// An import that fails as a whole: its message.
async fn refused(db: &Db, kind: Kind, path: &Path, opts: &Options) -> String {
    import::import(db, kind, path, opts, &|_, _| {})
        .await
        .unwrap_err()
        .to_string()
}

async fn imports_recorded(db: &Db) -> i64 {
    count(db, "SELECT COUNT(*) FROM imports").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn amounts_are_stored_exactly_or_refused_with_line_and_field() {
    let (dir, db) = db_with_customers().await;
    // C1 pays in GBP, C2 in EUR.
    let text = "customer_id,date,amount,order_id\n\
        C1,2025-03-01,\"1,200.00\",A\n\
        C1,2025-03-02,12.50,B\n\
        C1,2025-03-03,\"12,50\",C\n\
        C1,2025-03-04,$5.00,D\n\
        C1,2025-03-05,1,200.00,E\n\
        C2,2025-03-06,€7.00,F\n";
    let t = file(&dir, "tx.csv", text);
    let out = run(&db, Kind::Transactions, &t, &Options::default()).await;
    assert!(!out.committed);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM orders").await, 0);
    let lines = out.report("tx.csv");
    assert_eq!(lines.len(), 3, "{lines:#?}");
    assert!(
        lines[0].starts_with("tx.csv:4: column 'amount': '12,50' has a decimal comma: write 12.50"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with(
            "tx.csv:5: column 'amount': '$5.00' is written in $, but the customer's currency is GBP"
        ),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].starts_with("tx.csv:6: the row has 5 fields but the header has 4"),
        "{}",
        lines[2]
    );

    // The good lines alone: stored to the minor unit.
    let good = "customer_id,date,amount,order_id\n\
        C1,2025-03-01,\"1,200.00\",A\n\
        C1,2025-03-02,£12.50,B\n\
        C2,2025-03-06,€7.00,F\n";
    let out = run(
        &db,
        Kind::Transactions,
        &file(&dir, "good.csv", good),
        &Options::default(),
    )
    .await;
    assert!(out.committed, "{:?}", out.bad);
    let totals: Vec<i64> = sqlx::query_scalar("SELECT total_minor FROM orders ORDER BY placed_at")
        .fetch_all(db.pool())
        .await
        .unwrap();
    assert_eq!(totals, vec![120_000, 1_250, 700]);

    // A decimal comma, when the file says so.
    let comma = "customer_id,date,amount,order_id\nC2,2025-04-01,\"1.200,50\",G\nC2,2025-04-02,\"12,50\",H\n";
    let opts = Options {
        decimal_comma: true,
        ..Options::default()
    };
    let out = run(
        &db,
        Kind::Transactions,
        &file(&dir, "comma.csv", comma),
        &opts,
    )
    .await;
    assert!(out.committed, "{:?}", out.bad);
    let totals: Vec<i64> = sqlx::query_scalar(
        "SELECT total_minor FROM orders WHERE currency = 'EUR' ORDER BY placed_at",
    )
    .fetch_all(db.pool())
    .await
    .unwrap();
    assert_eq!(totals, vec![700, 120_050, 1_250]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_line_repeated_within_an_order_is_refused_unless_allowed() {
    let (dir, db) = db_with_customers().await;
    let text = "customer_id,date,amount,order_id,product\n\
        C1,2025-03-01,10.00,A,SKU-1\n\
        C1,2025-03-01,10.00,A,SKU-1\n\
        C1,2025-03-01,10.00,B,SKU-1\n";
    let t = file(&dir, "dup.csv", text);
    let out = run(&db, Kind::Transactions, &t, &Options::default()).await;
    assert!(!out.committed);
    let lines = out.report("dup.csv");
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert!(
        lines[0]
            .starts_with("dup.csv:3: column 'order_id': repeats line 2 exactly within order 'A'"),
        "{}",
        lines[0]
    );
    assert!(lines[0].contains("--allow-repeated-lines"));
    let opts = Options {
        allow_repeated_lines: true,
        ..Options::default()
    };
    let out = run(&db, Kind::Transactions, &t, &opts).await;
    assert!(out.committed);
    let totals: Vec<i64> = sqlx::query_scalar("SELECT total_minor FROM orders ORDER BY id")
        .fetch_all(db.pool())
        .await
        .unwrap();
    assert_eq!(totals, vec![2_000, 1_000]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_semicolon_and_header_only_files_each_say_so_and_record_nothing() {
    let (dir, db) = db_with_customers().await;
    let before = imports_recorded(&db).await;
    let o = Options::default();
    let msg = refused(&db, Kind::Transactions, &file(&dir, "empty.csv", ""), &o).await;
    assert!(msg.ends_with("empty.csv is empty: nothing was imported (a transactions file starts with a header line naming its columns)"), "{msg}");
    let msg = refused(
        &db,
        Kind::Transactions,
        &file(
            &dir,
            "semi.csv",
            "customer_id;date;amount\nC1;2025-03-01;12,50\n",
        ),
        &o,
    )
    .await;
    assert!(msg.ends_with("semi.csv:1: the file is separated by semicolons (;), not commas: nothing was imported; save it as comma-separated CSV"), "{msg}");
    let msg = refused(
        &db,
        Kind::Transactions,
        &file(&dir, "head.csv", "customer_id,date,amount\n"),
        &o,
    )
    .await;
    assert_eq!(
        msg,
        "the file has a header and no rows: nothing was imported"
    );
    assert_eq!(
        imports_recorded(&db).await,
        before,
        "none of them recorded an import"
    );
    assert_eq!(count(&db, "SELECT COUNT(*) FROM orders").await, 0);
}
