//! What every page's frame (`base.html`) needs.

/// The site's sections, to mark the current one in the navigation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Section {
    #[default]
    None,
    Home,
    Publications,
    Observatories,
    Opco,
    Thesaurus,
    Search,
}

#[derive(Debug, Clone, Default)]
pub struct Layout {
    pub section: Section,
    /// Words to keep in the header's search box.
    pub query: String,
    /// The Atom feed of the publications the page lists, named in its head.
    pub feed: Option<FeedLink>,
}

/// `<link rel="alternate" type="application/atom+xml">`: where a feed reader finds the feed
/// of a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedLink {
    /// The feed's path (and query), on this site.
    pub href: String,
    pub title: String,
}

impl Layout {
    pub fn new(section: Section) -> Self {
        Self {
            section,
            query: String::new(),
            feed: None,
        }
    }

    /// This layout, with the feed of the page's publications.
    pub fn with_feed(mut self, href: impl Into<String>, title: impl Into<String>) -> Self {
        self.feed = Some(FeedLink {
            href: href.into(),
            title: title.into(),
        });
        self
    }

    /// `aria-current="page"` for the navigation link of `section`, nothing otherwise.
    pub fn current(&self, section: &str) -> &'static str {
        let matches = matches!(
            (self.section, section),
            (Section::Home, "home")
                | (Section::Publications, "publications")
                | (Section::Observatories, "observatories")
                | (Section::Opco, "opco")
                | (Section::Thesaurus, "thesaurus")
        );
        if matches { "page" } else { "false" }
    }
}
