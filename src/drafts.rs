//! Form drafts on disk, saved as the agent types, so a crash, a killed
//! terminal or a lost SSH session loses nothing: the next start offers them
//! back. One file per form and customer, replaced atomically (written to a
//! temporary name, flushed, renamed), removed once the form is saved to the
//! outbox or discarded.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::app::Draft;

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

    fn path(&self, key: &str) -> PathBuf {
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

    /// Every saved draft, oldest first. Files that do not read are left
    /// alone (and logged): they may be a newer version's.
    pub fn list(&self) -> io::Result<Vec<Draft>> {
        let mut out = Vec::new();
        for item in fs::read_dir(&self.dir)? {
            let path = item?.path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if name.starts_with('.') || !name.ends_with(".json") {
                continue;
            }
            match fs::read(&path)
                .map_err(|e| e.to_string())
                .and_then(|b| serde_json::from_slice::<Draft>(&b).map_err(|e| e.to_string()))
            {
                Ok(d) => out.push(d),
                Err(e) => {
                    tracing::warn!(file = %path.display(), error = %e, "unreadable draft left alone")
                }
            }
        }
        out.sort_by_key(|d| d.saved_at);
        Ok(out)
    }
}

/// What the drafts writer is asked to do.
#[derive(Debug)]
pub enum Job {
    Save(Box<Draft>),
    Remove(String),
}

/// Write drafts one at a time, in the order asked, keeping only the newest
/// save of each form when typing outruns the disk: saves never race each
/// other, and a removal is never overtaken by an older save.
pub fn spawn_writer(drafts: Drafts) -> tokio::sync::mpsc::UnboundedSender<Job> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Job>();
    tokio::spawn(async move {
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
                for (_, job) in last {
                    let r = match &job {
                        Job::Save(draft) => d.save(draft),
                        Job::Remove(key) => d.remove(key),
                    };
                    if let Err(e) = r {
                        tracing::error!(error = %e, ?job, "draft not written");
                    }
                }
            })
            .await;
            if let Err(e) = done {
                tracing::error!(error = %e, "the drafts writer failed");
            }
        }
    });
    tx
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
        assert_eq!(drafts.list().unwrap(), vec![d.clone()]);
        drafts.remove(&d.key()).unwrap();
        drafts.remove(&d.key()).unwrap(); // gone already: fine
        assert!(drafts.list().unwrap().is_empty());
    }
}
