//! Uploads streamed to the file store: the bytes go to a staging file as they arrive, hashed
//! and counted on the way, checked against the declared kind, then copied into the store under
//! their content hash. Nothing holds a whole file in memory, and an upload that fails or is cut
//! off leaves nothing behind (the staging file is removed when dropped).

use std::path::{Path, PathBuf};

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use object_store::{ObjectStoreExt, WriteMultipart};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::kind::{FileKind, Refusal};
use super::sniff;
use super::{Storage, StorageError, StorageKey, StoredObject};

/// Why an upload did not go through.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("le fichier dépasse la taille maximale de {} Mo", .0 / (1024 * 1024))]
    TooLarge(u64),
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// The client went away or sent a malformed body.
    #[error("envoi du fichier interrompu : {0}")]
    Interrupted(String),
    #[error("écriture du fichier reçu : {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// A file fully received and checked, waiting in the staging folder.
#[derive(Debug)]
pub struct Staged {
    path: PathBuf,
    pub sha256: String,
    pub size: u64,
}

impl Drop for Staged {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Removes a staging file that never became a [`Staged`] (error or cancelled request).
struct Partial(Option<PathBuf>);

impl Drop for Partial {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

impl Staged {
    /// Where the file waits (read it, do not keep the path: the file goes with `self`).
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Receives `chunks` into `staging_dir`, refusing past `limit` bytes or when the content does
/// not agree with `kind` (when given: an import's JSONL or ZIP is checked by its reader). The
/// head is checked as soon as it has arrived, so that a lying file is refused before the rest
/// is received; the whole file is then checked as any other ([`sniff::check_as`]).
pub async fn stage<S, E>(
    staging_dir: &Path,
    kind: Option<FileKind>,
    mut chunks: S,
    limit: u64,
) -> Result<Staged, UploadError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    tokio::fs::create_dir_all(staging_dir).await?;
    let path = staging_dir.join(format!("{}.part", uuid::Uuid::new_v4().simple()));
    let mut partial = Partial(Some(path.clone()));
    let mut file = tokio::fs::File::create(&path).await?;
    let mut hasher = Sha256::new();
    let mut size: u64 = 0;
    let mut head: Vec<u8> = Vec::with_capacity(sniff::HEAD_LEN);
    let mut head_checked = false;
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(|e| UploadError::Interrupted(e.to_string()))?;
        size += chunk.len() as u64;
        if size > limit {
            return Err(UploadError::TooLarge(limit));
        }
        if !head_checked {
            let wanted = sniff::HEAD_LEN - head.len();
            head.extend_from_slice(&chunk[..wanted.min(chunk.len())]);
            if head.len() == sniff::HEAD_LEN {
                if let Some(kind) = kind {
                    sniff::check_head(kind, &head)?;
                }
                head_checked = true;
            }
        }
        hasher.update(&chunk);
        file.write_all(&chunk).await?;
    }
    file.flush().await?;
    file.sync_all().await?;
    drop(file);
    if let Some(kind) = kind {
        let written = path.clone();
        tokio::task::spawn_blocking(move || sniff::check_as(kind, &written))
            .await
            .map_err(|e| UploadError::Interrupted(e.to_string()))??;
    }
    partial.0 = None;
    Ok(Staged {
        path,
        sha256: hex::encode(hasher.finalize()),
        size,
    })
}

/// Reads the staging file by chunks of this size.
const COPY_CHUNK: usize = 1024 * 1024;
/// Parts of uploads and copies: 5 MiB, the least S3 accepts.
pub(super) const PART_SIZE: usize = 5 * 1024 * 1024;

impl Storage {
    /// Moves a staged file into the store under its content hash; says whether the object is
    /// new. An object of the same content is written again all the same: its new date keeps
    /// the orphan sweep ([`crate::catalogue::integrity`]) from taking it while the row that
    /// will need it is not committed yet.
    pub async fn put_staged(&self, staged: &Staged) -> Result<(StoredObject, bool), UploadError> {
        let key = StorageKey::for_digest(&staged.sha256);
        let stored = StoredObject {
            key: key.clone(),
            sha256: staged.sha256.clone(),
            size: staged.size,
        };
        let fresh = self.store.head(&key.path()).await.is_err();
        let upload = self
            .store
            .put_multipart(&key.path())
            .await
            .map_err(StorageError::from)?;
        // Parts of 5 MiB, the least S3 accepts; at most two in flight, so an upload holds
        // about 15 MB whatever its size.
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_SIZE);
        let mut file = tokio::fs::File::open(&staged.path).await?;
        let mut buffer = vec![0u8; COPY_CHUNK];
        loop {
            let read = file.read(&mut buffer).await?;
            if read == 0 {
                break;
            }
            writer
                .wait_for_capacity(2)
                .await
                .map_err(StorageError::from)?;
            writer.write(&buffer[..read]);
        }
        writer.finish().await.map_err(StorageError::from)?;
        Ok((stored, fresh))
    }

    /// Deletes an object (a file stored for a write that was then rolled back).
    pub async fn delete(&self, key: &StorageKey) -> Result<(), StorageError> {
        match self.store.delete(&key.path()).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::stream;

    fn chunks(parts: Vec<&'static [u8]>) -> impl Stream<Item = Result<Bytes, String>> + Unpin {
        stream::iter(parts.into_iter().map(|p| Ok(Bytes::from_static(p))))
    }

    fn dir() -> PathBuf {
        std::env::temp_dir().join(format!(
            "bibliotheque-stage-{}",
            uuid::Uuid::new_v4().simple()
        ))
    }

    #[tokio::test]
    async fn a_pdf_is_staged_hashed_and_stored_then_the_staging_file_goes() {
        let staging = dir();
        let store_dir = dir();
        let storage = Storage::local(&store_dir).unwrap();
        let staged = stage(
            &staging,
            Some(FileKind::Pdf),
            chunks(vec![b"%PDF-1.4\n", b"rest"]),
            1000,
        )
        .await
        .unwrap();
        assert_eq!(staged.size, 13);
        assert_eq!(
            staged.sha256,
            hex::encode(Sha256::digest(b"%PDF-1.4\nrest"))
        );
        let (stored, fresh) = storage.put_staged(&staged).await.unwrap();
        assert!(fresh);
        assert_eq!(
            &storage.read(&stored.key).await.unwrap()[..],
            b"%PDF-1.4\nrest"
        );
        drop(staged);
        assert_eq!(std::fs::read_dir(&staging).unwrap().count(), 0);
    }

    #[tokio::test]
    async fn too_large_refused_or_cut_off_uploads_leave_no_staging_file() {
        let staging = dir();
        let big = stage(
            &staging,
            Some(FileKind::Pdf),
            chunks(vec![b"%PDF-1.4\n", &[b'x'; 64]]),
            32,
        )
        .await;
        assert!(matches!(big, Err(UploadError::TooLarge(32))));
        let html = stage(&staging, Some(FileKind::Pdf), chunks(vec![b"<html>"]), 1000).await;
        assert!(matches!(
            html,
            Err(UploadError::Refused(Refusal::Dangerous(_)))
        ));
        let cut = stage(
            &staging,
            Some(FileKind::Pdf),
            stream::iter(vec![
                Ok(Bytes::from_static(b"%PDF-1.4")),
                Err("connexion fermée".to_owned()),
            ]),
            1000,
        )
        .await;
        assert!(matches!(cut, Err(UploadError::Interrupted(_))));
        let fake_docx = stage(
            &staging,
            Some(FileKind::Docx),
            chunks(vec![b"PK\x03\x04not a zip"]),
            1000,
        )
        .await;
        assert!(matches!(
            fake_docx,
            Err(UploadError::Refused(Refusal::Mismatch("DOCX")))
        ));
        assert_eq!(std::fs::read_dir(&staging).unwrap().count(), 0);
    }
}
