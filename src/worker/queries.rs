//! The job thread's queries and listings: by example and by words, answered from the settled index or, while
//! indexing, from the snapshot or the committed vectors (marked partial), narrowed to the
//! window's filter ([`Command::SetFilter`](super::Command::SetFilter)).

use super::Event;
use super::job::Job;
use crate::core::bursts;
use crate::core::query::{Hit, QuerySource};
use crate::core::text_search::TextQuery;
use crate::core::timeline;

impl Job {
    /// How many nearest photos to rank for `k` results passing the filter.
    fn candidates(&self, k: usize) -> usize {
        if self.filter.is_empty() {
            return k;
        }
        let photos = self
            .lib
            .catalog
            .counts()
            .map_or(usize::MAX, |c| usize::try_from(c.0).unwrap_or(usize::MAX));
        self.filter.query_candidates(k, photos)
    }

    fn answer(&self, id: u64, result: Result<Vec<Hit>, String>, k: usize) {
        let partial = self.run.is_some();
        self.sink.send(match result {
            Ok(mut hits) => {
                self.filter.narrow(&mut hits, |h| &h.info, k);
                Event::QueryResults { id, hits, partial }
            }
            Err(message) => Event::QueryFailed { id, message },
        });
    }

    /// Find the `k` photos most like `source` that pass the filter.
    pub(super) fn query(&mut self, id: u64, source: &QuerySource, k: usize) {
        let partial = self.run.is_some();
        timeline::mark(format_args!(
            "query {id} taken{}",
            if partial { " while indexing" } else { "" }
        ));
        let want = self.candidates(k);
        let result = if partial {
            self.indexes
                .query_while_indexing(&self.lib.catalog, &self.active, source, want)
        } else {
            self.indexes.query(&self.lib, &self.active, source, want)
        };
        self.answer(id, result, k);
    }

    /// Find the `k` photos that best match words (or a photo and words) and pass the filter.
    pub(super) fn text_query(&mut self, id: u64, query: &TextQuery, k: usize) {
        let partial = self.run.is_some();
        timeline::mark(format_args!("text query {id} taken"));
        let want = self.candidates(k);
        let result = self
            .indexes
            .text_query(&self.lib, &self.active, query, want, partial);
        self.answer(id, result, k);
    }

    /// List every photo for Browse, then the bursts among them.
    pub(super) fn list_photos(&self) {
        let photos = match self.lib.catalog.photos() {
            Ok(p) => p,
            Err(e) => {
                self.sink
                    .send(Event::Error(format!("Cannot list photos: {e}")));
                return;
            }
        };
        let found = bursts::in_catalog(&self.lib.catalog, &photos, self.active.primary().id());
        self.sink.send(Event::Photos(photos));
        let event = match found {
            Ok(b) => Event::Bursts(b),
            Err(e) => Event::Error(format!("Cannot find bursts: {e}")),
        };
        self.sink.send(event);
    }
}
