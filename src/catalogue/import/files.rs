//! The files a line names: found, read, typed and named as a deposit's are.

use super::line::FileRef;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::storage::kind::FileKind;
use crate::storage::sniff;

// ---------------------------------------------------------------------------------------------
// Files

/// Files are read whole into memory to be stored; this bounds what one line may cost.
const MAX_FILE_BYTES: u64 = 200_000_000;

/// A file checked and hashed, to attach unless the publication already has its content.
#[derive(Debug, Clone)]
pub(super) struct FileSpec {
    pub(super) path: PathBuf,
    /// As written in the line, for messages.
    pub(super) written: String,
    pub(super) name: String,
    pub(super) kind: FileKind,
    pub(super) sha256: String,
}

/// Checks that each file exists inside the files folder, is not too large and is what its name
/// says, as a deposit is ([`sniff::check`]), and hashes it. The same content listed twice is
/// kept once.
pub(super) async fn check_files(
    files: Vec<FileRef>,
    dir: Option<&Path>,
) -> Result<Vec<FileSpec>, String> {
    if files.is_empty() {
        return Ok(Vec::new());
    }
    let dir =
        dir.ok_or("« files » indiqué, mais aucun dossier de fichiers (--files DIR) n'a été donné")?;
    let mut specs: Vec<FileSpec> = Vec::new();
    for file in files {
        let spec = check_file(file, dir).await?;
        if !specs.iter().any(|s| s.sha256 == spec.sha256) {
            specs.push(spec);
        }
    }
    Ok(specs)
}

async fn check_file(file: FileRef, dir: &Path) -> Result<FileSpec, String> {
    let (written, name) = match file {
        FileRef::Path(path) => (path, None),
        FileRef::Named(named) => (named.path, named.name),
    };
    let relative = Path::new(written.trim());
    let inside = relative
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    if !inside || relative.as_os_str().is_empty() {
        return Err(format!(
            "chemin de fichier refusé « {written} » : relatif au dossier des fichiers, sans « .. »"
        ));
    }
    let path = dir.join(relative);
    let metadata = match tokio::fs::metadata(&path).await {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(format!("fichier introuvable « {written} »"));
        }
        Err(e) => return Err(format!("fichier illisible « {written} » : {e}")),
    };
    if !metadata.is_file() {
        return Err(format!("« {written} » n'est pas un fichier"));
    }
    if metadata.len() > MAX_FILE_BYTES {
        return Err(format!(
            "fichier trop volumineux « {written} » ({} ; {} au plus)",
            crate::text::size_fr(i64::try_from(metadata.len()).unwrap_or(i64::MAX)),
            crate::text::size_fr(MAX_FILE_BYTES as i64)
        ));
    }
    // The file's own name declares its kind; its bytes must agree, as in a deposit. The name
    // readers see is cleaned as a deposit's is, and says the kind.
    let own_name = relative
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let checked = path.clone();
    let declared = own_name.clone();
    let kind = tokio::task::spawn_blocking(move || sniff::check(&declared, &checked))
        .await
        .map_err(|e| format!("fichier illisible « {written} » : {e}"))?
        .map_err(|refusal| format!("fichier refusé « {written} » : {refusal}"))?;
    let name = kind.display_name(
        name.as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .unwrap_or(&own_name),
    );
    let sha256 = hash_file(path.clone())
        .await
        .map_err(|e| format!("fichier illisible « {written} » : {e}"))?;
    Ok(FileSpec {
        kind,
        path,
        written,
        name,
        sha256,
    })
}

/// SHA-256 of a file read in chunks, off the async threads: deciding whether a file is
/// already attached must not load it into memory.
async fn hash_file(path: PathBuf) -> std::io::Result<String> {
    tokio::task::spawn_blocking(move || {
        let mut file = std::fs::File::open(path)?;
        let mut hasher = Sha256::new();
        let mut chunk = vec![0; 256 * 1024];
        loop {
            let read = file.read(&mut chunk)?;
            if read == 0 {
                break;
            }
            hasher.update(&chunk[..read]);
        }
        Ok(hex::encode(hasher.finalize()))
    })
    .await
    .map_err(std::io::Error::other)?
}
