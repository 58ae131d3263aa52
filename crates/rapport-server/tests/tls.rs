//! HTTPS served by the server itself: a certificate generated for the test,
//! a client that trusts it, the certificate replaced on disk and served
//! without a restart.

use std::path::Path;
use std::time::{Duration, Instant};

use rapport_server::tls::{TlsFiles, WATCH_EVERY};
use rapport_server::{Db, ServerConfig};

/// A self-signed certificate for 127.0.0.1 and localhost: (cert PEM, key PEM).
fn generate() -> (String, String) {
    let rcgen::CertifiedKey { cert, signing_key } =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .unwrap();
    (cert.pem(), signing_key.serialize_pem())
}

fn trusting(cert_pem: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(cert_pem.as_bytes()).unwrap())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

fn write(path: &Path, text: &str) {
    // Written aside and renamed, as a certificate renewal does.
    let tmp = path.with_extension("new");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_speaks_https_and_reloads_a_renewed_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let (cert_path, key_path) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let (cert1, key1) = generate();
    write(&cert_path, &cert1);
    write(&key_path, &key1);
    let db = Db::connect_path(&dir.path().join("tls.sqlite"))
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let handle = rapport_server::serve(
        listener,
        db,
        ServerConfig {
            tls: Some(TlsFiles {
                cert: cert_path.clone(),
                key: key_path.clone(),
            }),
            ..ServerConfig::default()
        },
    )
    .await
    .unwrap();
    let url = handle.url();
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");

    let r = trusting(&cert1)
        .get(format!("{url}/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = trusting(&cert1)
        .get(format!("{url}/v1/me"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["cache-control"], "no-store");
    // A client that does not trust the certificate is refused by TLS, and
    // plain HTTP gets no answer.
    let (other, _) = generate();
    assert!(
        trusting(&other)
            .get(format!("{url}/health"))
            .send()
            .await
            .is_err()
    );
    let plain = url.replacen("https://", "http://", 1);
    assert!(
        reqwest::Client::new()
            .get(format!("{plain}/health"))
            .timeout(Duration::from_secs(5))
            .send()
            .await
            .is_err()
    );

    // A broken key leaves the certificate in use.
    std::thread::sleep(Duration::from_millis(1100));
    write(
        &key_path,
        "-----BEGIN PRIVATE KEY-----\nbroken\n-----END PRIVATE KEY-----\n",
    );
    tokio::time::sleep(WATCH_EVERY * 2).await;
    let r = trusting(&cert1)
        .get(format!("{url}/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // Renewed on disk: served within a few checks, no restart.
    let (cert2, key2) = generate();
    write(&cert_path, &cert2);
    write(&key_path, &key2);
    let t = Instant::now();
    loop {
        // New connections each time (a fresh client), as after a renewal.
        if let Ok(r) = trusting(&cert2).get(format!("{url}/health")).send().await {
            assert_eq!(r.status(), 200);
            break;
        }
        assert!(
            t.elapsed() < WATCH_EVERY * 4,
            "the renewed certificate was not served after {:?}",
            t.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        trusting(&cert1)
            .get(format!("{url}/health"))
            .send()
            .await
            .is_err()
    );
    handle.shutdown().await;
}

#[test]
fn unusable_tls_files_are_a_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, _) = generate();
    let (_, other_key) = generate();
    let files = TlsFiles {
        cert: dir.path().join("cert.pem"),
        key: dir.path().join("key.pem"),
    };
    let e = rapport_server::tls::load(&files).unwrap_err();
    assert!(
        format!("{e:#}").contains("could not read the TLS certificate"),
        "{e:#}"
    );
    std::fs::write(&files.cert, &cert).unwrap();
    std::fs::write(&files.key, &other_key).unwrap();
    let e = rapport_server::tls::load(&files).unwrap_err();
    assert!(
        format!("{e:#}").contains("cannot be used together"),
        "{e:#}"
    );
}
