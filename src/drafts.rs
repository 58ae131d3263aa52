//! Form drafts on disk, saved as the agent types, so a crash, a killed
//! terminal or a lost SSH session loses nothing: the next start offers them
//! back. One file per form and customer, replaced atomically (written to a
//! temporary name, flushed, renamed), removed once the form is saved to the
//! outbox or discarded.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use chrono::Utc;

use crate::app::{Action, Draft, FileTrouble, TroubleKind};

/// Where files that cannot be read are moved to, inside their directory.
pub const UNREADABLE: &str = "unreadable";

/// Move a file that cannot be read into `aside` (created if need be), under
/// its own name or, if that is taken, with a number added. Never deletes:
/// the file holds someone's work. Returns where it now is, or where it
/// stayed if it could not be moved.
pub fn move_aside(path: &Path, aside: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    if fs::create_dir_all(aside).is_err() {
        return path.to_path_buf();
    }
    let mut to = aside.join(&name);
    let mut n = 1;
    while to.exists() {
        to = aside.join(format!("{name}.{n}"));
        n += 1;
    }
    match fs::rename(path, &to) {
        Ok(()) => to,
        Err(e) => {
            tracing::error!(file = %path.display(), error = %e, "could not move an unreadable file aside");
            path.to_path_buf()
        }
    }
}

#[derive(Debug, Clone)]
pub struct Drafts {
    dir: PathBuf,
}

fn safe(key: &str) -> String {
    key.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

impl Drafts {
    pub fn open(dir: &Path) -> io::Result<Drafts> {
        fs::create_dir_all(dir)?;
        Ok(Drafts {
            dir: dir.to_path_buf(),
        })
    }

    pub fn path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{}.json", safe(key)))
    }

    pub fn save(&self, d: &Draft) -> io::Result<()> {
        let path = self.path(&d.key());
        let tmp = self.dir.join(format!(".{}.tmp", safe(&d.key())));
        {
            let mut f = File::create(&tmp)?;
            f.write_all(&serde_json::to_vec(d).map_err(io::Error::other)?)?;
            f.sync_data()?;
        }
        fs::rename(tmp, path)
    }

    pub fn remove(&self, key: &str) -> io::Result<()> {
        match fs::remove_file(self.path(key)) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// Every saved draft, oldest first, and the files that do not read
    /// (truncated, corrupt, a newer version's), moved into `unreadable/`
    /// and named so the agent can decide what becomes of them.
    pub fn list(&self) -> io::Result<(Vec<Draft>, Vec<FileTrouble>)> {
        let mut out = Vec::new();
        let mut bad = Vec::new();
        for item in fs::read_dir(&self.dir)? {
            let path = item?.path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if name.starts_with('.') || !name.ends_with(".json") || path.is_dir() {
                continue;
            }
            match read_draft(&path) {
                Ok(d) => out.push(d),
                Err(e) => {
                    let kept = move_aside(&path, &self.dir.join(UNREADABLE));
                    tracing::error!(file = %kept.display(), error = %e, "unreadable draft kept aside");
                    bad.push(FileTrouble {
                        kind: TroubleKind::DraftUnreadable,
                        path: kept,
                        reason: e,
                        at: Utc::now(),
                    });
                }
            }
        }
        // Those kept aside by an earlier run are still waiting.
        if let Ok(aside) = fs::read_dir(self.dir.join(UNREADABLE)) {
            for item in aside.flatten() {
                let path = item.path();
                if bad.iter().any(|b| b.path == path) {
                    continue;
                }
                let reason = read_draft(&path)
                    .err()
                    .unwrap_or_else(|| "kept aside by an earlier run".into());
                bad.push(FileTrouble {
                    kind: TroubleKind::DraftUnreadable,
                    path,
                    reason,
                    at: Utc::now(),
                });
            }
        }
        out.sort_by_key(|d| d.saved_at);
        bad.sort_by(|a, b| a.path.cmp(&b.path));
        Ok((out, bad))
    }

    /// Read a draft kept aside again; if it reads now, it goes back where
    /// drafts live and the copy aside is removed.
    pub fn read_back(&self, path: &Path) -> Result<Draft, String> {
        let d = read_draft(path)?;
        self.save(&d).map_err(|e| e.to_string())?;
        fs::remove_file(path).map_err(|e| e.to_string())?;
        Ok(d)
    }
}

fn read_draft(path: &Path) -> Result<Draft, String> {
    fs::read(path)
        .map_err(|e| e.to_string())
        .and_then(|b| serde_json::from_slice::<Draft>(&b).map_err(|e| e.to_string()))
}

/// What the drafts writer is asked to do.
#[derive(Debug)]
pub enum Job {
    Save(Box<Draft>),
    Remove(String),
}

/// Write drafts one at a time, in the order asked, keeping only the newest
/// save of each form when typing outruns the disk: saves never race each
/// other, and a removal is never overtaken by an older save. A save that
/// fails is reported to the app (`FileTrouble`), and so is the first
/// success after it (`FileOk`): a draft is never lost in silence.
pub fn spawn_writer(
    drafts: Drafts,
    actions: tokio::sync::mpsc::UnboundedSender<Action>,
) -> tokio::sync::mpsc::UnboundedSender<Job> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Job>();
    tokio::spawn(async move {
        // Forms whose last save failed.
        let mut failing: Vec<String> = Vec::new();
        while let Some(first) = rx.recv().await {
            let mut batch = vec![first];
            while let Ok(more) = rx.try_recv() {
                batch.push(more);
            }
            // Per form, only the last job of the batch matters.
            let mut last: Vec<(String, Job)> = Vec::new();
            for job in batch {
                let key = match &job {
                    Job::Save(d) => d.key(),
                    Job::Remove(k) => k.clone(),
                };
                last.retain(|(k, _)| *k != key);
                last.push((key, job));
            }
            let d = drafts.clone();
            let done = tokio::task::spawn_blocking(move || {
                last.into_iter()
                    .map(|(key, job)| {
                        let r = match &job {
                            Job::Save(draft) => d.save(draft),
                            Job::Remove(key) => d.remove(key),
                        };
                        (key, d.path(&job_key(&job)), job, r)
                    })
                    .collect::<Vec<_>>()
            })
            .await;
            let results = match done {
                Ok(r) => r,
                Err(e) => {
                    tracing::error!(error = %e, "the drafts writer failed");
                    continue;
                }
            };
            for (key, path, job, r) in results {
                match (r, job) {
                    (Ok(()), _) => {
                        if let Some(i) = failing.iter().position(|k| *k == key) {
                            failing.remove(i);
                            let _ = actions.send(Action::FileOk { path, draft: None });
                        }
                    }
                    (Err(e), Job::Save(draft)) => {
                        // The key names the form, never what was typed.
                        tracing::error!(error = %e, draft = %key, "draft not written");
                        if !failing.contains(&key) {
                            failing.push(key);
                        }
                        let _ = actions.send(Action::FileTrouble(Box::new(FileTrouble {
                            kind: TroubleKind::DraftNotWritten(draft),
                            path,
                            reason: e.to_string(),
                            at: Utc::now(),
                        })));
                    }
                    (Err(e), Job::Remove(_)) => {
                        tracing::error!(error = %e, draft = %key, "draft not removed");
                    }
                }
            }
        }
    });
    tx
}

fn job_key(job: &Job) -> String {
    match job {
        Job::Save(d) => d.key(),
        Job::Remove(k) => k.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::Form;
    use crate::fixtures;

    #[test]
    fn save_list_remove() {
        let dir = tempfile::tempdir().unwrap();
        let drafts = Drafts::open(dir.path()).unwrap();
        let v = fixtures::customer_view();
        let f = Form::interaction(&v, &fixtures::taxonomy(), None, fixtures::now());
        let d = f.draft(fixtures::now());
        drafts.save(&d).unwrap();
        drafts.save(&d).unwrap(); // replaced, not duplicated
        assert_eq!(drafts.list().unwrap(), (vec![d.clone()], vec![]));
        drafts.remove(&d.key()).unwrap();
        drafts.remove(&d.key()).unwrap(); // gone already: fine
        assert!(drafts.list().unwrap().0.is_empty());
    }

    fn draft() -> Draft {
        let v = fixtures::customer_view();
        Form::interaction(&v, &fixtures::taxonomy(), None, fixtures::now()).draft(fixtures::now())
    }

    #[test]
    fn a_truncated_draft_is_kept_aside_and_named() {
        let dir = tempfile::tempdir().unwrap();
        let drafts = Drafts::open(dir.path()).unwrap();
        let d = draft();
        drafts.save(&d).unwrap();
        let file = drafts.path(&d.key());
        let bytes = fs::read(&file).unwrap();
        fs::write(&file, &bytes[..bytes.len() / 2]).unwrap();
        let (ok, bad) = drafts.list().unwrap();
        assert!(ok.is_empty());
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].kind, TroubleKind::DraftUnreadable);
        let kept = dir.path().join(UNREADABLE).join(file.file_name().unwrap());
        assert_eq!(bad[0].path, kept);
        assert_eq!(
            fs::read(&kept).unwrap(),
            &bytes[..bytes.len() / 2],
            "kept whole"
        );
        assert!(bad[0].reason.contains("EOF"), "{}", bad[0].reason);
        // Still there on the next start.
        let (_, again) = drafts.list().unwrap();
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].path, kept);
        // Mended, it reads back and returns where drafts live.
        fs::write(&kept, &bytes).unwrap();
        assert_eq!(drafts.read_back(&kept).unwrap(), d);
        assert!(!kept.exists());
        assert_eq!(drafts.list().unwrap(), (vec![d], vec![]));
    }

    #[tokio::test]
    async fn a_draft_that_cannot_be_written_is_reported_then_cleared() {
        let dir = tempfile::tempdir().unwrap();
        let drafts = Drafts::open(&dir.path().join("drafts")).unwrap();
        let (atx, mut arx) = tokio::sync::mpsc::unbounded_channel();
        let w = spawn_writer(drafts.clone(), atx);
        let d = draft();
        // The drafts directory becomes unwritable (a plain file in its
        // place fails even for root, as a full disk would).
        fs::remove_dir_all(dir.path().join("drafts")).unwrap();
        fs::write(dir.path().join("drafts"), b"").unwrap();
        w.send(Job::Save(Box::new(d.clone()))).unwrap();
        match arx.recv().await.unwrap() {
            Action::FileTrouble(t) => {
                assert_eq!(t.kind, TroubleKind::DraftNotWritten(Box::new(d.clone())));
                assert_eq!(t.path, drafts.path(&d.key()));
                assert!(!t.reason.is_empty());
            }
            other => panic!("{other:?}"),
        }
        // Room again: the next save says so.
        fs::remove_file(dir.path().join("drafts")).unwrap();
        fs::create_dir(dir.path().join("drafts")).unwrap();
        w.send(Job::Save(Box::new(d.clone()))).unwrap();
        assert_eq!(
            arx.recv().await.unwrap(),
            Action::FileOk {
                path: drafts.path(&d.key()),
                draft: None
            }
        );
        assert_eq!(drafts.list().unwrap().0, vec![d]);
    }
}
