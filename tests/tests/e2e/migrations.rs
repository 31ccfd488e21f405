//! Migrations apply, revert and apply again on the backend under test.

use dtihub_db::conn::build_pool;
use dtihub_db::repo::migrations;
use dtihub_db::PoolOptions;

use crate::support::TestDb;

#[test]
fn migrations_apply_revert_and_apply_again() {
    let db = TestDb::create();
    let pool = build_pool(db.url(), &PoolOptions::default()).expect("pool");
    let mut conn = pool.get().expect("conn");
    let applied = migrations::run_pending(&mut conn).expect("apply");
    assert!(!applied.is_empty());
    assert!(!migrations::has_pending(&mut conn).expect("pending"));
    let reverted = migrations::revert_all(&mut conn).expect("revert");
    assert_eq!(reverted, applied.len());
    assert!(migrations::has_pending(&mut conn).expect("pending"));
    let again = migrations::run_pending(&mut conn).expect("apply again");
    assert_eq!(again, applied);
}

#[test]
fn both_backends_have_the_same_migration_names() {
    let names = |backend: &str| {
        let dir = format!("{}/../migrations/{backend}", env!("CARGO_MANIFEST_DIR"));
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .expect("migrations dir")
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(names("postgres"), names("sqlite"));
}
