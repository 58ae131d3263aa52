//! The outbox on disk: one JSON file per queued write, written to a
//! temporary name, flushed to the disk, renamed into place and the directory
//! flushed too, before anything is sent. A write therefore survives the
//! client being killed at any moment and the machine losing power; it leaves
//! the directory only when the server has acknowledged it.
//!
//! Each running client owns one instance directory (`<base>/<uuid>/`),
//! locked for its lifetime, so two windows on one machine never send each
//! other's writes. At start-up a client adopts the entries of every instance
//! directory whose lock is free (a client that crashed or exited with writes
//! still queued) and sends them, in their original order, after its own.
//! Writes the server refused for good go to `failed/` with the reason, for
//! the agent to review; they are never dropped silently.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::app::{FileTrouble, TroubleKind, WriteRequest};
use crate::drafts::{UNREADABLE, move_aside};

/// A write waiting to be sent, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// Position in this outbox; sent in ascending order.
    pub seq: u64,
    /// The Idempotency-Key, fixed when queued and sent unchanged on every
    /// retry, so the server applies the write once.
    pub key: String,
    pub queued_at: DateTime<Utc>,
    pub request: WriteRequest,
}

/// A write the server refused, with its reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Failed {
    pub entry: Entry,
    pub status: Option<u16>,
    pub reason: String,
    /// For 412: the record as it is now on the server.
    pub current: Option<serde_json::Value>,
    pub failed_at: DateTime<Utc>,
}

pub struct Store {
    dir: PathBuf,
    /// Where entries that cannot be read are kept (`<base>/unreadable`).
    aside_dir: PathBuf,
    failed_dir: PathBuf,
    // Held open: the lock lasts as long as this client runs.
    _lock: File,
    next_seq: u64,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("dir", &self.dir).finish()
    }
}

const LOCK: &str = "lock";
const FAILED: &str = "failed";

fn entry_name(seq: u64) -> String {
    format!("{seq:020}.json")
}

/// Write `bytes` to `path` so that after return it is on the disk under
/// that name or not there at all.
fn write_durably(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("entry")
    ));
    {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    fs::rename(&tmp, path)?;
    sync_dir(dir)
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// The entries in `dir`, in order. One that cannot be read (truncated,
/// corrupt, a newer version's) is moved into `aside` and reported, never
/// deleted and never skipped in silence: it holds someone's work.
fn read_entries(dir: &Path, aside: &Path) -> io::Result<(Vec<Entry>, Vec<FileTrouble>)> {
    let mut out = Vec::new();
    let mut bad = Vec::new();
    for item in fs::read_dir(dir)? {
        let path = item?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if !name.ends_with(".json") || name.starts_with('.') {
            continue;
        }
        match read_entry(&path) {
            Ok(e) => out.push(e),
            Err(e) => {
                let kept = move_aside(&path, aside);
                tracing::error!(file = %kept.display(), error = %e, "unreadable outbox entry kept aside");
                bad.push(FileTrouble {
                    kind: TroubleKind::OutboxUnreadable,
                    path: kept,
                    reason: e,
                    at: Utc::now(),
                });
            }
        }
    }
    out.sort_by_key(|e| e.seq);
    Ok((out, bad))
}

fn read_entry(path: &Path) -> Result<Entry, String> {
    let bytes = fs::read(path).map_err(|e| e.to_string())?;
    serde_json::from_slice::<Entry>(&bytes).map_err(|e| e.to_string())
}

fn read_failed(dir: &Path) -> io::Result<Vec<Failed>> {
    let mut out = Vec::new();
    if !dir.exists() {
        return Ok(out);
    }
    for item in fs::read_dir(dir)? {
        let path = item?.path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        match serde_json::from_slice::<Failed>(&fs::read(&path)?) {
            Ok(f) => out.push(f),
            Err(e) => {
                tracing::error!(file = %path.display(), error = %e, "unreadable failed write left in place")
            }
        }
    }
    out.sort_by_key(|f| f.entry.seq);
    Ok(out)
}

/// What opening found: writes still to send, and writes refused earlier.
#[derive(Debug)]
pub struct Opened {
    pub store: Store,
    pub pending: Vec<Entry>,
    pub failed: Vec<Failed>,
    /// Entries that could not be read, kept aside for the agent.
    pub unreadable: Vec<FileTrouble>,
}

impl Store {
    /// Open an instance directory under `base`, adopting orphaned ones.
    pub fn open(base: &Path) -> io::Result<Opened> {
        fs::create_dir_all(base)?;
        let dir = base.join(uuid::Uuid::new_v4().to_string());
        fs::create_dir_all(&dir)?;
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join(LOCK))?;
        lock.try_lock()
            .map_err(|e| io::Error::other(e.to_string()))?;
        let failed_dir = base.join(FAILED);
        fs::create_dir_all(&failed_dir)?;
        let mut store = Store {
            dir,
            failed_dir,
            aside_dir: base.join(UNREADABLE),
            _lock: lock,
            next_seq: 1,
        };
        let (pending, mut unreadable) = store.adopt_orphans(base)?;
        let failed = read_failed(&store.failed_dir)?;
        // Those kept aside by an earlier run still wait for the agent.
        if let Ok(aside) = fs::read_dir(&store.aside_dir) {
            for item in aside.flatten() {
                let path = item.path();
                if unreadable.iter().any(|u| u.path == path) {
                    continue;
                }
                let reason = read_entry(&path)
                    .err()
                    .unwrap_or_else(|| "kept aside by an earlier run".into());
                unreadable.push(FileTrouble {
                    kind: TroubleKind::OutboxUnreadable,
                    path,
                    reason,
                    at: Utc::now(),
                });
            }
        }
        unreadable.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(Opened {
            store,
            pending,
            failed,
            unreadable,
        })
    }

    /// Read an entry kept aside again (the agent mended it, or the disk
    /// came back); if it reads, it is queued here with its own key and the
    /// copy aside is removed.
    pub fn read_back(&mut self, path: &Path) -> Result<Entry, String> {
        let mut e = read_entry(path)?;
        e.seq = self.next_seq;
        write_durably(
            &self.dir.join(entry_name(e.seq)),
            &to_json(&e).map_err(|x| x.to_string())?,
        )
        .map_err(|x| x.to_string())?;
        self.next_seq += 1;
        fs::remove_file(path).map_err(|x| x.to_string())?;
        Ok(e)
    }

    /// The agent confirmed: delete a file kept aside.
    pub fn discard_unreadable(&self, path: &Path) -> io::Result<()> {
        if path.parent() != Some(self.aside_dir.as_path()) {
            return Err(io::Error::other("not a file kept aside by the outbox"));
        }
        match fs::remove_file(path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// Move the entries of unlocked sibling instances into this one, in
    /// the order they were queued.
    fn adopt_orphans(&mut self, base: &Path) -> io::Result<(Vec<Entry>, Vec<FileTrouble>)> {
        let mut adopted = Vec::new();
        let mut unreadable = Vec::new();
        for item in fs::read_dir(base)? {
            let path = item?.path();
            if !path.is_dir()
                || path == self.dir
                || path == self.failed_dir
                || path == self.aside_dir
            {
                continue;
            }
            let Ok(lock) = OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(path.join(LOCK))
            else {
                continue;
            };
            if lock.try_lock().is_err() {
                continue; // another running client owns it
            }
            let (entries, bad) = read_entries(&path, &self.aside_dir)?;
            unreadable.extend(bad);
            adopted.extend(entries.into_iter().map(|e| (path.clone(), e)));
        }
        adopted.sort_by(|(_, a), (_, b)| a.queued_at.cmp(&b.queued_at).then(a.seq.cmp(&b.seq)));
        let mut out = Vec::with_capacity(adopted.len());
        let mut emptied = Vec::new();
        for (from, mut e) in adopted {
            let old = from.join(entry_name(e.seq));
            e.seq = self.next_seq;
            self.next_seq += 1;
            // Write the copy here first, then remove the original: a crash
            // in between leaves a duplicate with the same key, which the
            // server answers by replaying, never a lost write.
            write_durably(&self.dir.join(entry_name(e.seq)), &to_json(&e)?)?;
            fs::remove_file(&old)?;
            if !emptied.contains(&from) {
                emptied.push(from);
            }
            out.push(e);
        }
        for d in emptied {
            if read_entries(&d, &self.aside_dir)?.0.is_empty() {
                let _ = fs::remove_file(d.join(LOCK));
                let _ = fs::remove_dir(&d);
            }
        }
        if !out.is_empty() {
            tracing::info!(
                writes = out.len(),
                "adopted queued writes from an earlier run"
            );
        }
        Ok((out, unreadable))
    }

    /// Queue `request` durably; returns the stored entry.
    pub fn put(&mut self, request: WriteRequest) -> io::Result<Entry> {
        let e = Entry {
            seq: self.next_seq,
            key: uuid::Uuid::new_v4().to_string(),
            queued_at: Utc::now(),
            request,
        };
        write_durably(&self.dir.join(entry_name(e.seq)), &to_json(&e)?)?;
        self.next_seq += 1;
        Ok(e)
    }

    /// The server acknowledged `seq`: forget it.
    pub fn remove(&self, seq: u64) -> io::Result<()> {
        match fs::remove_file(self.dir.join(entry_name(seq))) {
            Ok(()) => sync_dir(&self.dir),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// The server refused `f.entry` for good: keep it for review.
    pub fn fail(&self, f: &Failed) -> io::Result<()> {
        write_durably(
            &self.failed_dir.join(format!("{}.json", f.entry.key)),
            &serde_json::to_vec_pretty(f).map_err(io::Error::other)?,
        )?;
        self.remove(f.entry.seq)
    }

    /// The agent dealt with a refused write (discarded or re-queued it).
    pub fn forget_failed(&self, key: &str) -> io::Result<()> {
        match fs::remove_file(self.failed_dir.join(format!("{key}.json"))) {
            Ok(()) => sync_dir(&self.failed_dir),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

fn to_json(e: &Entry) -> io::Result<Vec<u8>> {
    serde_json::to_vec(e).map_err(io::Error::other)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::{WriteKind, WriteMethod};

    fn req(n: u32) -> WriteRequest {
        WriteRequest {
            method: WriteMethod::Post,
            path: "/v1/interactions".into(),
            if_match: None,
            body: serde_json::json!({ "n": n }),
            summary: format!("write {n}"),
            customer_id: Some(1),
            kind: WriteKind::Interaction,
            draft: None,
        }
    }

    #[test]
    fn entries_survive_and_are_adopted_in_order() {
        let base = tempfile::tempdir().unwrap();
        let first = Store::open(base.path()).unwrap();
        let mut a = first.store;
        let e1 = a.put(req(1)).unwrap();
        let e2 = a.put(req(2)).unwrap();
        a.remove(e1.seq).unwrap();
        // While `a` runs, a second client leaves its entries alone.
        let second = Store::open(base.path()).unwrap();
        assert!(second.pending.is_empty());
        let mut b = second.store;
        b.put(req(3)).unwrap();
        drop(a); // "crashes" with write 2 queued
        let third = Store::open(base.path()).unwrap();
        assert_eq!(third.pending.len(), 1);
        assert_eq!(third.pending[0].key, e2.key, "the key survives adoption");
        assert_eq!(third.pending[0].request.summary, "write 2");
        drop(b);
        drop(third);
        // Write 3's owner is gone too: the next start adopts it.
        let fourth = Store::open(base.path()).unwrap();
        let names: Vec<_> = fourth
            .pending
            .iter()
            .map(|e| e.request.summary.as_str())
            .collect();
        assert_eq!(names, ["write 2", "write 3"]);
        let seqs: Vec<_> = fourth.pending.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, [1, 2]);
    }

    #[test]
    fn refused_writes_are_kept_for_review() {
        let base = tempfile::tempdir().unwrap();
        let mut s = Store::open(base.path()).unwrap().store;
        let e = s.put(req(1)).unwrap();
        s.fail(&Failed {
            entry: e.clone(),
            status: Some(400),
            reason: "Reason is required.".into(),
            current: None,
            failed_at: Utc::now(),
        })
        .unwrap();
        drop(s);
        let again = Store::open(base.path()).unwrap();
        assert!(again.pending.is_empty());
        assert_eq!(again.failed.len(), 1);
        assert_eq!(again.failed[0].reason, "Reason is required.");
        again.store.forget_failed(&e.key).unwrap();
        drop(again);
        assert!(Store::open(base.path()).unwrap().failed.is_empty());
    }

    #[test]
    fn a_truncated_entry_is_kept_aside_named_and_reported() {
        let base = tempfile::tempdir().unwrap();
        let mut s = Store::open(base.path()).unwrap().store;
        let e = s.put(req(7)).unwrap();
        s.put(req(8)).unwrap();
        let file = s.dir().join(entry_name(e.seq));
        let whole = fs::read(&file).unwrap();
        fs::write(&file, &whole[..whole.len() / 2]).unwrap();
        drop(s);
        let again = Store::open(base.path()).unwrap();
        let names: Vec<_> = again
            .pending
            .iter()
            .map(|e| e.request.summary.as_str())
            .collect();
        assert_eq!(names, ["write 8"], "the readable one still goes");
        assert_eq!(again.unreadable.len(), 1, "and the other is reported");
        let t = &again.unreadable[0];
        assert_eq!(t.kind, TroubleKind::OutboxUnreadable);
        assert_eq!(t.path.parent().unwrap(), base.path().join(UNREADABLE));
        assert_eq!(
            fs::read(&t.path).unwrap(),
            &whole[..whole.len() / 2],
            "kept whole"
        );
        assert!(t.reason.contains("EOF"), "{}", t.reason);
        let kept = t.path.clone();
        // Reported again on the next start, until the agent decides.
        drop(again);
        let mut again = Store::open(base.path()).unwrap();
        assert_eq!(again.unreadable.len(), 1);
        assert_eq!(again.unreadable[0].path, kept);
        // Still unreadable: retrying says why and keeps it.
        assert!(again.store.read_back(&kept).is_err());
        assert!(kept.exists());
        // Mended: it is queued again with its own key.
        fs::write(&kept, &whole).unwrap();
        let back = again.store.read_back(&kept).unwrap();
        assert_eq!(back.key, e.key);
        assert!(!kept.exists());
        drop(again);
        let last = Store::open(base.path()).unwrap();
        assert!(last.unreadable.is_empty());
        assert!(last.pending.iter().any(|p| p.key == e.key));
    }

    #[test]
    fn discarding_touches_only_files_kept_aside() {
        let base = tempfile::tempdir().unwrap();
        let mut s = Store::open(base.path()).unwrap().store;
        let e = s.put(req(1)).unwrap();
        assert!(
            s.discard_unreadable(&s.dir().join(entry_name(e.seq)))
                .is_err()
        );
        assert!(s.dir().join(entry_name(e.seq)).exists());
        fs::create_dir_all(base.path().join(UNREADABLE)).unwrap();
        let kept = base.path().join(UNREADABLE).join("x.json");
        fs::write(&kept, b"{").unwrap();
        s.discard_unreadable(&kept).unwrap();
        assert!(!kept.exists());
    }
}
