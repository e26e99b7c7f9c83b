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
}

impl Layout {
    pub fn new(section: Section) -> Self {
        Self {
            section,
            query: String::new(),
        }
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
