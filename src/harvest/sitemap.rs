//! Sitemaps (sitemaps.org 0.9): a `urlset` lists pages, a `sitemapindex` lists other
//! sitemaps. Each page is a study's landing page, read by [`super::page::landing`].

use url::Url;

use super::xml;

/// What a sitemap lists.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sitemap {
    pub pages: Vec<Url>,
    /// Other sitemaps (an index).
    pub sitemaps: Vec<Url>,
}

/// Reads a sitemap or a sitemap index at `base`.
pub fn parse(bytes: &[u8], base: &Url) -> Result<Sitemap, String> {
    let root = xml::parse(bytes)?;
    let locs = |element: &str| -> Vec<Url> {
        root.children(element)
            .filter_map(|entry| entry.child("loc"))
            .filter_map(|loc| base.join(loc.text.trim()).ok())
            .filter(|url| matches!(url.scheme(), "http" | "https"))
            .collect()
    };
    match root.name.as_str() {
        "urlset" => Ok(Sitemap {
            pages: locs("url"),
            sitemaps: Vec::new(),
        }),
        "sitemapindex" => Ok(Sitemap {
            pages: Vec::new(),
            sitemaps: locs("sitemap"),
        }),
        other => Err(format!(
            "ce n'est pas un sitemap (élément racine « {other} », urlset ou sitemapindex attendu)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sitemap_lists_pages_and_an_index_lists_sitemaps() {
        let base = Url::parse("https://obs.fr/sitemap.xml").unwrap();
        let set = parse(
            br#"<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
                <url><loc>https://obs.fr/etudes/a</loc><lastmod>2024-01-01</lastmod></url>
                <url><loc> /etudes/b </loc></url><url><loc>ftp://x/y</loc></url></urlset>"#,
            &base,
        )
        .unwrap();
        assert_eq!(set.pages.len(), 2);
        let index = parse(
            br#"<sitemapindex><sitemap><loc>https://obs.fr/s1.xml</loc></sitemap></sitemapindex>"#,
            &base,
        )
        .unwrap();
        assert_eq!(
            index.sitemaps,
            vec![Url::parse("https://obs.fr/s1.xml").unwrap()]
        );
        assert!(parse(b"<html></html>", &base).is_err());
    }
}
