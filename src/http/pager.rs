//! Page navigation for lists: previous/next and a window of page numbers.

/// One item of the pager: a page number with its link, or a gap ("…").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PagerItem {
    Page {
        number: u32,
        url: String,
        current: bool,
    },
    Gap,
}

#[derive(Debug, Clone)]
pub struct Pager {
    pub previous: Option<String>,
    pub next: Option<String>,
    pub items: Vec<PagerItem>,
}

impl Pager {
    /// Pages 1..=last around `current`, each linked by `url(n)`.
    pub fn new(current: u32, last: u32, url: impl Fn(u32) -> String) -> Self {
        let window = current.saturating_sub(2).max(1)..=(current + 2).min(last);
        let mut numbers: Vec<u32> = vec![1];
        numbers.extend(window);
        numbers.push(last);
        numbers.sort_unstable();
        numbers.dedup();
        let mut items = Vec::new();
        let mut previous_number = 0;
        for n in numbers.into_iter().filter(|&n| n >= 1 && n <= last) {
            if n > previous_number + 1 {
                items.push(PagerItem::Gap);
            }
            items.push(PagerItem::Page {
                number: n,
                url: url(n),
                current: n == current,
            });
            previous_number = n;
        }
        Self {
            previous: (current > 1 && current <= last).then(|| url(current - 1)),
            next: (current < last).then(|| url(current + 1)),
            items,
        }
    }

    /// A single page needs no pager.
    pub fn is_useful(&self) -> bool {
        self.items.len() > 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_with_gaps() {
        let pager = Pager::new(10, 20, |n| format!("?page={n}"));
        let numbers: Vec<Option<u32>> = pager
            .items
            .iter()
            .map(|i| match i {
                PagerItem::Page { number, .. } => Some(*number),
                PagerItem::Gap => None,
            })
            .collect();
        assert_eq!(
            numbers,
            vec![
                Some(1),
                None,
                Some(8),
                Some(9),
                Some(10),
                Some(11),
                Some(12),
                None,
                Some(20)
            ]
        );
        assert_eq!(pager.previous.as_deref(), Some("?page=9"));
        assert_eq!(pager.next.as_deref(), Some("?page=11"));
    }

    #[test]
    fn beyond_the_last_page_links_back() {
        let pager = Pager::new(50, 3, |n| format!("?page={n}"));
        assert!(pager.next.is_none());
        assert!(pager.previous.is_none());
        assert_eq!(pager.items.len(), 3);
    }
}
