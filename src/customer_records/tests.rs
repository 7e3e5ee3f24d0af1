use serde_json::json;

use super::*;

fn store() -> (tempfile::TempDir, CustomerRecords) {
    let dir = tempfile::tempdir().unwrap();
    let records = CustomerRecords::new(dir.path().join("customers"), false);
    (dir, records)
}

fn real_record() -> Value {
    json!({
        "coreInputs": {"serviceName": "api", "domainName": "acme.example", "cloudflareAccountId": "a".repeat(32),
                        "cloudflareToken": "secret-token"},
        "confirmations": {"workerName": "acme-api", "databaseName": "acme-db"},
        "result": {"databaseId": "1234", "url": "https://acme-api.workers.dev"},
    })
}

#[test]
fn names_that_could_leave_the_folder_are_refused() {
    let (_dir, records) = store();
    for bad in ["../x", "a/b", "..", ".", "", "a\0b", "a b", "x\n"] {
        assert_eq!(records.record_path(bad, "production").unwrap_err().code(), "E_INVALID_INPUT", "{bad:?}");
        assert_eq!(records.record_path("acme", bad).unwrap_err().code(), "E_INVALID_INPUT", "{bad:?}");
    }
    assert!(records.record_path("acme.co_1-x", "prod.eu").is_ok());
}

#[test]
fn a_saved_record_loads_back_without_the_token_unless_asked() {
    let (_dir, records) = store();
    let path = records.save("acme", "production", &real_record(), SaveOptions::default()).unwrap();
    let text = fs::read_to_string(&path).unwrap();
    assert!(!text.contains("secret-token"), "{text}");
    let loaded = records.load("acme", "production").unwrap().unwrap().to_object();
    assert_eq!(loaded["domainName"], "acme.example");
    assert_eq!(loaded["databaseName"], "acme-db");
    assert_eq!(loaded["envVars"]["D1_DATABASE_ID"], "1234");

    records.save("acme", "production", &real_record(), SaveOptions { include_secrets: true }).unwrap();
    assert!(fs::read_to_string(&path).unwrap().contains("CLOUDFLARE_API_TOKEN=secret-token"));
}

#[cfg(unix)]
#[test]
fn records_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let (_dir, records) = store();
    let path = records.save("acme", "production", &real_record(), SaveOptions::default()).unwrap();
    assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    assert_eq!(fs::metadata(path.parent().unwrap()).unwrap().permissions().mode() & 0o777, 0o700);
}

#[test]
fn keys_someone_else_added_survive_a_save() {
    let (_dir, records) = store();
    let path = records.save("acme", "staging", &real_record(), SaveOptions::default()).unwrap();
    let mut text = fs::read_to_string(&path).unwrap();
    text.push_str("FEATURE_FLAGS=a,b\nPUBLIC_DIR=site\n");
    fs::write(&path, text).unwrap();
    records.save("acme", "staging", &real_record(), SaveOptions::default()).unwrap();
    let vars = envfile::parse(&fs::read_to_string(&path).unwrap());
    assert_eq!(vars["FEATURE_FLAGS"], "a,b");
    assert_eq!(vars["PUBLIC_DIR"], "site");
}

#[test]
fn a_template_says_why() {
    let (_dir, records) = store();
    let path = records.record_path("acme", "production").unwrap();
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, "CUSTOMER_NAME={{CUSTOMER_NAME}}\nCLOUDFLARE_ACCOUNT_ID=00000000000000000000000000000000\n").unwrap();
    let found = records.inspect("acme", "production").unwrap();
    assert_eq!(found.status, Status::Template);
    assert_eq!(found.missing_fields, vec!["CLOUDFLARE_ACCOUNT_ID", "DOMAIN"]);
    assert!(records.load("acme", "production").unwrap().is_none());
    assert_eq!(records.inspect("nobody", "production").unwrap().status, Status::Missing);
}

#[test]
fn listing_finds_every_record_sorted() {
    let (_dir, records) = store();
    for (c, e) in [("zeta", "production"), ("acme", "staging"), ("acme", "development")] {
        records.save(c, e, &real_record(), SaveOptions::default()).unwrap();
    }
    assert_eq!(records.list_customers().unwrap(), vec!["acme", "zeta"]);
    let listed: Vec<(String, String)> = records.list_records().unwrap().into_iter().map(|i| (i.customer, i.environment)).collect();
    assert_eq!(listed, vec![("acme".into(), "development".into()), ("acme".into(), "staging".into()), ("zeta".into(), "production".into())]);
}


#[test]
fn an_update_keeps_the_token_and_every_field_it_was_not_given_and_adds_no_defaults() {
    let (_dir, records) = store();
    let path = records.record_path("acme", "staging").unwrap();
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, "CUSTOMER_ID=acme\nENVIRONMENT=staging\nCLOUDFLARE_API_TOKEN=kept-token\nDOMAIN=old.example.com\nTEAM=payments\n").unwrap();
    records.update("acme", "staging", &json!({"domainName": "new.example.com"})).unwrap();
    let vars = envfile::parse(&fs::read_to_string(&path).unwrap());
    assert_eq!(vars["CLOUDFLARE_API_TOKEN"], "kept-token");
    assert_eq!(vars["DOMAIN"], "new.example.com");
    assert_eq!(vars["TEAM"], "payments");
    for default in ["SERVICE_NAME", "SERVICE_TYPE", "DISPLAY_NAME", "HEALTH_CHECK_PATH", "API_BASE_PATH", "LOG_LEVEL", "NODE_COMPATIBILITY"] {
        assert!(!vars.contains_key(default), "{default} was not in the record: {vars:?}");
    }
}

#[test]
fn concurrent_updates_of_one_record_all_land() {
    let (_dir, records) = store();
    let fields = ["cloudflareAccountId", "cloudflareZoneId", "serviceName", "workerName", "databaseName", "domainName"];
    for round in 0..5 {
        std::thread::scope(|s| {
            for field in fields {
                let records = &records;
                s.spawn(move || records.update("acme", "production", &json!({ field: format!("{field}-{round}") })).unwrap());
            }
        });
        let saved = envfile::parse(&fs::read_to_string(records.record_path("acme", "production").unwrap()).unwrap());
        for (key, field) in [("CLOUDFLARE_ACCOUNT_ID", "cloudflareAccountId"), ("CLOUDFLARE_ZONE_ID", "cloudflareZoneId"), ("SERVICE_NAME", "serviceName"), ("WORKER_NAME", "workerName"), ("DATABASE_NAME", "databaseName"), ("DOMAIN", "domainName")] {
            assert_eq!(saved[key], format!("{field}-{round}"), "round {round}: {saved:?}");
        }
    }
}

#[cfg(unix)]
#[test]
fn a_linked_customer_folder_is_not_written_through() {
    let (dir, records) = store();
    let outside = dir.path().join("outside");
    fs::create_dir_all(&outside).unwrap();
    fs::create_dir_all(dir.path().join("customers")).unwrap();
    std::os::unix::fs::symlink(&outside, dir.path().join("customers").join("acme")).unwrap();
    let err = records.update("acme", "production", &json!({"domainName": "a.example.com"})).unwrap_err();
    assert!(err.to_string().contains("symbolic link"), "{err}");
    assert_eq!(fs::read_dir(&outside).unwrap().count(), 0);
}

#[test]
fn temporary_files_a_killed_writer_left_beside_a_record_are_swept() {
    let (_dir, records) = store();
    let path = records.save("acme", "production", &real_record(), SaveOptions::default()).unwrap();
    let stale = path.with_file_name(".production.env.abc123.tmp");
    fs::write(&stale, "half a record").unwrap();
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    fs::File::options().write(true).open(&stale).unwrap().set_modified(old).unwrap();
    records.update("acme", "production", &json!({"domainName": "b.example.com"})).unwrap();
    assert!(!stale.exists());
}
