//! The SQLite schema, versioned in code.
//!
//! `PRAGMA user_version` holds the schema version of a database file;
//! [`MIGRATIONS`]`[i]` takes a database from version `i` to `i + 1`, so a
//! new file (version 0) runs them all and an older one runs the rest, each
//! in its own transaction. A file whose version is newer than
//! [`MIGRATIONS`] knows is refused (a newer safecalc wrote it), and so is
//! a file whose `application_id` is not [`APPLICATION_ID`] (some other
//! program's database). To change the schema, append a migration; never
//! edit one that has shipped.
//!
//! The tables:
//!
//! * `lines`: every stored room line, `id` in commit order (the order all
//!   members saw), the time, nick and account of its sender, and the text
//!   as delivered. Indexed by (room, id) for `/history` and unread counts,
//!   and by time for pruning by age.
//! * `accounts`: name folded to lower case (the key), the name as
//!   registered, the argon2id PHC string, when it was created.
//! * `mail`: private messages for an account, `delivered` (a time) null
//!   while they wait; once delivered they are kept as a record, at most a
//!   mailbox's worth per account, and pruned by age like lines.
//! * `seen`: per account and room, the last line id the account saw there.

use rusqlite::{Connection, Transaction};

/// "SCLC": marks a database file as safecalc's.
pub const APPLICATION_ID: i64 = 0x5343_4c43;

/// Each entry moves the schema one version up (see the module docs).
pub const MIGRATIONS: &[&str] = &[
    // 0 -> 1: the first schema.
    "CREATE TABLE lines (
         id INTEGER PRIMARY KEY,
         room TEXT NOT NULL,
         time INTEGER NOT NULL,
         nick TEXT NOT NULL,
         account TEXT,
         text TEXT NOT NULL
     );
     CREATE INDEX lines_by_room ON lines (room, id);
     CREATE INDEX lines_by_time ON lines (time);
     CREATE TABLE accounts (
         folded TEXT PRIMARY KEY,
         name TEXT NOT NULL,
         phc TEXT NOT NULL,
         created INTEGER NOT NULL
     ) WITHOUT ROWID;
     CREATE TABLE mail (
         id INTEGER PRIMARY KEY,
         recipient TEXT NOT NULL,
         time INTEGER NOT NULL,
         text TEXT NOT NULL
     );
     CREATE INDEX mail_by_recipient ON mail (recipient, id);
     CREATE TABLE seen (
         account TEXT NOT NULL,
         room TEXT NOT NULL,
         line INTEGER NOT NULL,
         PRIMARY KEY (account, room)
     ) WITHOUT ROWID;",
    // 1 -> 2: delivered messages are marked, not deleted.
    "ALTER TABLE mail ADD COLUMN delivered INTEGER;",
];

/// What [`migrate`] found wrong with a file.
#[derive(Debug)]
pub enum SchemaError {
    Sql(rusqlite::Error),
    Foreign(i64),
    Newer { found: i64, known: i64 },
}

impl From<rusqlite::Error> for SchemaError {
    fn from(e: rusqlite::Error) -> SchemaError {
        SchemaError::Sql(e)
    }
}

/// Brings the database up to the last of `migrations`, returning the
/// version it had.
pub fn migrate(conn: &mut Connection, migrations: &[&str]) -> Result<i64, SchemaError> {
    let known = migrations.len() as i64;
    let app: i64 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if app != APPLICATION_ID && !(app == 0 && version == 0 && is_empty(conn)?) {
        return Err(SchemaError::Foreign(app));
    }
    if version > known {
        return Err(SchemaError::Newer {
            found: version,
            known,
        });
    }
    for (step, sql) in migrations.iter().enumerate().skip(version.max(0) as usize) {
        let tx = Transaction::new(conn, rusqlite::TransactionBehavior::Immediate)?;
        tx.execute_batch(sql)?;
        tx.execute_batch(&format!(
            "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {};",
            step + 1
        ))?;
        tx.commit()?;
    }
    Ok(version)
}

/// A file with no tables at all (a new one).
fn is_empty(conn: &Connection) -> rusqlite::Result<bool> {
    let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))?;
    Ok(tables == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_file_gets_every_migration_and_an_old_one_the_rest() {
        let mut conn = Connection::open_in_memory().unwrap();
        let first = ["CREATE TABLE t (a INTEGER);"];
        assert_eq!(migrate(&mut conn, &first).unwrap(), 0);
        conn.execute("INSERT INTO t VALUES (1)", []).unwrap();
        let both = [first[0], "ALTER TABLE t ADD COLUMN b TEXT DEFAULT 'x';"];
        assert_eq!(migrate(&mut conn, &both).unwrap(), 1);
        let b: String = conn.query_row("SELECT b FROM t", [], |r| r.get(0)).unwrap();
        assert_eq!(b, "x");
        assert_eq!(migrate(&mut conn, &both).unwrap(), 2, "nothing to do");
        // An older safecalc refuses the newer file.
        assert!(matches!(
            migrate(&mut conn, &first),
            Err(SchemaError::Newer { found: 2, known: 1 })
        ));
    }

    #[test]
    fn another_programs_database_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE theirs (x);").unwrap();
        assert!(matches!(
            migrate(&mut conn, MIGRATIONS),
            Err(SchemaError::Foreign(0))
        ));
    }
}
