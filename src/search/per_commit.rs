//! Values worked out from one commit of the search index, kept until its reader sees another.

use std::sync::{Arc, Mutex, PoisonError};

/// The last value computed, with the searcher generation (`generation().generation_id()`) it
/// was computed at.
pub struct PerCommit<T> {
    last: Mutex<Option<(u64, Arc<T>)>>,
}

impl<T> Default for PerCommit<T> {
    fn default() -> Self {
        Self {
            last: Mutex::new(None),
        }
    }
}

impl<T> PerCommit<T> {
    /// The value kept for `generation`, if it is the one kept.
    pub fn get(&self, generation: u64) -> Option<Arc<T>> {
        let last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        last.as_ref()
            .filter(|(at, _)| *at == generation)
            .map(|(_, value)| Arc::clone(value))
    }

    /// Keeps `value` as the one of `generation`.
    pub fn keep(&self, generation: u64, value: Arc<T>) {
        *self.last.lock().unwrap_or_else(PoisonError::into_inner) = Some((generation, value));
    }

    /// The value of `generation`, computed by `compute` when it is not the one kept. The other
    /// callers wait for it rather than compute the same (blocking: for work done on a blocking
    /// thread).
    pub fn get_or_compute<E>(
        &self,
        generation: u64,
        compute: impl FnOnce() -> Result<T, E>,
    ) -> Result<Arc<T>, E> {
        let mut last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((at, value)) = last.as_ref()
            && *at == generation
        {
            return Ok(Arc::clone(value));
        }
        let value = Arc::new(compute()?);
        *last = Some((generation, Arc::clone(&value)));
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_kept_for_its_generation_only() {
        let cache = PerCommit::default();
        assert_eq!(cache.get(1), None);
        let first = cache.get_or_compute(1, || Ok::<_, ()>(10)).unwrap();
        assert_eq!(*first, 10);
        // Kept: not computed again for the same generation.
        assert_eq!(*cache.get_or_compute(1, || Err(())).unwrap(), 10);
        assert_eq!(cache.get(2), None);
        cache.keep(2, Arc::new(20));
        assert_eq!(cache.get(2).as_deref(), Some(&20));
        assert_eq!(cache.get(1), None);
        assert_eq!(
            cache.get_or_compute(3, || Err("illisible")),
            Err("illisible")
        );
    }
}
