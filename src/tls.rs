//! TLS for what the library reads over HTTPS: harvested sites and an S3 bucket.

/// Makes ring the process's rustls provider, unless one is installed already. reqwest is built
/// without a provider of its own: its default, aws-lc, compiles a C library.
pub fn use_ring() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
