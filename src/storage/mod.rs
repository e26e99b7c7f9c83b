//! The object store that holds the files of the publications.
//!
//! Files are addressed by their content: the key is derived from the SHA-256 of the bytes,
//! never from a name a user chose, so a hostile file name cannot reach the file system, and the
//! same file deposited twice is stored once.

pub mod kind;
pub mod sniff;
pub mod upload;

use std::ffi::OsStr;
use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart};
use sha2::{Digest, Sha256};

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("stockage des fichiers : {0}")]
    Store(#[from] object_store::Error),
    #[error("dossier des fichiers {path} : {source}")]
    Folder {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("clé de stockage invalide : {0}")]
    Key(String),
}

/// A stored object's key: `sha256/ab/cdef…` from the hex digest of its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageKey(String);

impl StorageKey {
    pub fn for_digest(sha256_hex: &str) -> Self {
        Self(format!("sha256/{}/{}", &sha256_hex[..2], sha256_hex))
    }

    /// A key read back from the database; refuses anything we would not have written.
    pub fn parse(key: &str) -> Result<Self, StorageError> {
        let valid = key
            .strip_prefix("sha256/")
            .and_then(|rest| rest.split_once('/'))
            .is_some_and(|(dir, hex)| {
                dir.len() == 2
                    && hex.len() == 64
                    && hex.starts_with(dir)
                    && hex.bytes().all(|b| b.is_ascii_hexdigit())
            });
        if valid {
            Ok(Self(key.to_owned()))
        } else {
            Err(StorageError::Key(key.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn path(&self) -> ObjectPath {
        ObjectPath::from(self.0.as_str())
    }
}

/// An object found in the store, for the integrity check.
#[derive(Debug, Clone)]
pub struct ObjectEntry {
    pub key: String,
    pub size: u64,
    /// When it was last written (a deposit of the same content writes it again).
    pub modified: time::OffsetDateTime,
}

/// What was stored: enough to fill a `file` row.
#[derive(Debug, Clone)]
pub struct StoredObject {
    pub key: StorageKey,
    pub sha256: String,
    pub size: u64,
}

/// The library's file store, cheap to clone.
#[derive(Debug, Clone)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
}

impl Storage {
    /// A store in a local folder, created when missing.
    pub fn local(dir: &Path) -> Result<Self, StorageError> {
        std::fs::create_dir_all(dir).map_err(|source| StorageError::Folder {
            path: dir.display().to_string(),
            source,
        })?;
        let store = LocalFileSystem::new_with_prefix(dir)?;
        Ok(Self {
            store: Arc::new(store),
        })
    }

    /// An S3-compatible bucket, from a URL such as `s3://bucket` or `s3://bucket/prefix` and
    /// the usual `AWS_*` variables (`AWS_ENDPOINT` for a non-AWS service, `AWS_ALLOW_HTTP=true`
    /// for a local one).
    pub fn s3(url: &str) -> Result<Self, StorageError> {
        Self::s3_with(url, std::env::vars_os())
    }

    /// [`Self::s3`] with the `AWS_*` variables given rather than the process's (others are
    /// ignored, as are names object_store does not know).
    ///
    /// object_store reads only the bucket from such a URL: the prefix is applied here, so that
    /// two libraries sharing a bucket under two prefixes never see (nor sweep) each other's
    /// objects.
    pub fn s3_with<K: AsRef<OsStr>, V: AsRef<OsStr>>(
        url: &str,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Result<Self, StorageError> {
        crate::tls::use_ring();
        // As AmazonS3Builder::from_env reads the environment.
        let settings = vars
            .into_iter()
            .fold(AmazonS3Builder::new(), |settings, (name, value)| {
                let (Some(name), Some(value)) = (name.as_ref().to_str(), value.as_ref().to_str())
                else {
                    return settings;
                };
                match name
                    .strip_prefix("AWS_")
                    .and(name.to_ascii_lowercase().parse().ok())
                {
                    Some(key) => settings.with_config(key, value),
                    None => settings,
                }
            });
        let bucket = settings.with_url(url).build()?;
        let store: Arc<dyn ObjectStore> = match s3_prefix(url) {
            Some(prefix) => Arc::new(object_store::prefix::PrefixStore::new(bucket, prefix)),
            None => Arc::new(bucket),
        };
        Ok(Self { store })
    }

    /// Stores bytes already in memory (generated demo files, small imports). An object of
    /// the same content is written again: its new date keeps the orphan sweep
    /// ([`crate::catalogue::integrity`]) away from it until the row that needs it is committed.
    pub async fn put_bytes(&self, bytes: Bytes) -> Result<StoredObject, StorageError> {
        let sha256 = hex::encode(Sha256::digest(&bytes));
        let key = StorageKey::for_digest(&sha256);
        let size = bytes.len() as u64;
        self.store.put(&key.path(), PutPayload::from(bytes)).await?;
        Ok(StoredObject { key, sha256, size })
    }

    /// Every object under the content-addressed prefix.
    pub async fn inventory(&self) -> Result<Vec<ObjectEntry>, StorageError> {
        let prefix = ObjectPath::from("sha256");
        self.store
            .list(Some(&prefix))
            .map_err(StorageError::from)
            .map_ok(|meta| ObjectEntry {
                key: meta.location.to_string(),
                size: meta.size,
                modified: from_unix(meta.last_modified.timestamp()),
            })
            .try_collect()
            .await
    }

    /// Copies one object into another store by parts (a backup, a restore): a file of any
    /// size holds only a few parts in memory. A copy that fails is aborted, leaving nothing.
    pub async fn copy_to(&self, key: &StorageKey, to: &Storage) -> Result<(), StorageError> {
        let mut chunks = self.stream(key).await?;
        let upload = to.store.put_multipart(&key.path()).await?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, upload::PART_SIZE);
        let copied: Result<(), StorageError> = async {
            while let Some(chunk) = chunks.try_next().await? {
                writer.wait_for_capacity(2).await?;
                writer.write(&chunk);
            }
            Ok(())
        }
        .await;
        match copied {
            Ok(()) => {
                writer.finish().await?;
                Ok(())
            }
            Err(error) => {
                let _ = writer.abort().await;
                Err(error)
            }
        }
    }

    /// When an object was last written, if it exists.
    pub async fn modified(
        &self,
        key: &StorageKey,
    ) -> Result<Option<time::OffsetDateTime>, StorageError> {
        match self.store.head(&key.path()).await {
            Ok(meta) => Ok(Some(from_unix(meta.last_modified.timestamp()))),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The content of an object as a stream of chunks, for downloads that never hold a whole
    /// file in memory.
    pub async fn stream(
        &self,
        key: &StorageKey,
    ) -> Result<BoxStream<'static, Result<Bytes, StorageError>>, StorageError> {
        let result = self.store.get(&key.path()).await?;
        Ok(result.into_stream().map_err(StorageError::from).boxed())
    }

    /// The whole content of an object (text extraction, tests).
    pub async fn read(&self, key: &StorageKey) -> Result<Bytes, StorageError> {
        Ok(self.store.get(&key.path()).await?.bytes().await?)
    }
}

/// The folder inside the bucket that an `s3://bucket/a/b/` URL names (`a/b`), if any.
fn s3_prefix(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("s3://")
        .or_else(|| url.strip_prefix("s3a://"))?;
    let (_bucket, path) = rest.split_once('/')?;
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let prefix = path.trim_matches('/');
    (!prefix.is_empty()).then_some(prefix)
}

/// An object's date as the store gives it (seconds since 1970); one out of range reads as 1970.
fn from_unix(seconds: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(seconds).unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::s3_prefix;

    #[test]
    fn the_prefix_of_an_s3_url_is_its_path_inside_the_bucket() {
        assert_eq!(s3_prefix("s3://bucket"), None);
        assert_eq!(s3_prefix("s3://bucket/"), None);
        assert_eq!(s3_prefix("s3://bucket/bibliotheque"), Some("bibliotheque"));
        assert_eq!(s3_prefix("s3a://bucket/a/b/"), Some("a/b"));
        assert_eq!(s3_prefix("s3://bucket/a?x=1"), Some("a"));
        assert_eq!(s3_prefix("https://s3.eu-west-3.amazonaws.com/bucket"), None);
    }
}
