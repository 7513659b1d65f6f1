//! Query by example and by words: sending a query, asking again, refreshing partial results
//! while indexing.

use super::App;
use crate::core::text_search::{TextQuery, split_negatives};
use crate::ui::View;
use crate::ui::results_view::QueryState;
use crate::worker::{Command, QuerySource};
use egui::Context;
use std::time::{Duration, Instant};

/// How often partial results (answered while indexing) are refreshed.
const PARTIAL_REFRESH: Duration = Duration::from_secs(2);
/// The longest wait between refreshes of partial results.
const MAX_PARTIAL_REFRESH: Duration = Duration::from_secs(30);

impl App {
    /// Start a query and show the results view.
    pub(in crate::ui) fn start_query(
        &mut self,
        source: QuerySource,
        pasted: Option<egui::TextureHandle>,
    ) {
        self.next_query_id += 1;
        let id = self.next_query_id;
        let k = self.settings.results;
        crate::core::timeline::mark(format_args!("query {id} sent"));
        // A new photo replaces the words (typing then refines this photo).
        self.words.reset();
        self.words_return_view = None;
        if !self.send(Command::Query {
            id,
            source: source.clone(),
            k,
        }) {
            return;
        }
        let name = source.display_name();
        self.show_sent(id, name, Some(source), String::new(), pasted);
    }

    /// Show a query just sent, with no results yet, in the Results view.
    fn show_sent(
        &mut self,
        id: u64,
        name: String,
        source: Option<QuerySource>,
        words: String,
        pasted: Option<egui::TextureHandle>,
    ) {
        self.query = Some(QueryState {
            id,
            name,
            source,
            words,
            hits: Vec::new(),
            pending: true,
            partial: false,
            error: None,
            pasted,
            grid: Default::default(),
            sent_at: Instant::now(),
            refresh_every: PARTIAL_REFRESH,
        });
        self.view = View::Results;
        self.preview = None;
    }

    /// Search by the words typed in the search box; with a query photo shown, for photos like
    /// it as the words say ("like this, but at night"). `-word` or `-"two words"` asks for
    /// photos that do not look like that. An empty box returns to the photo's own results, or
    /// to the view the search started from.
    pub(in crate::ui) fn start_words_query(&mut self, text: &str) {
        let (words, not) = split_negatives(text);
        let image = self.query.as_ref().and_then(|q| q.source.clone());
        let pasted = self.query.as_ref().and_then(|q| q.pasted.clone());
        if words.is_empty() && not.is_empty() {
            match image {
                Some(source) => self.start_query(source, pasted),
                None => {
                    self.query = None;
                    if let Some(v) = self.words_return_view.take() {
                        self.view = v;
                    }
                }
            }
            return;
        }
        if words.is_empty() && image.is_none() {
            // Only negative words: nothing to search for yet.
            return;
        }
        if self.view != View::Results && self.words_return_view.is_none() {
            self.words_return_view = Some(self.view);
        }
        self.next_query_id += 1;
        let id = self.next_query_id;
        let k = self.settings.results;
        let query = words_query(text, image.clone());
        crate::core::timeline::mark(format_args!("text query {id} sent"));
        if !self.send(Command::TextQuery { id, query, k }) {
            return;
        }
        let name = image
            .as_ref()
            .map_or_else(|| format!("“{words}”"), QuerySource::display_name);
        self.show_sent(id, name, image, text.trim().to_string(), pasted);
    }

    /// Give the worker the filter as typed (Browse, Results and Duplicates share it) when it
    /// changed, and ask the shown query again under it.
    pub(in crate::ui) fn sync_filter(&mut self) {
        let filter = self.settings.browse_filter.filter();
        if self.sent_filter.as_ref() == Some(&filter) {
            return;
        }
        if self.send(Command::SetFilter(filter.clone())) {
            self.sent_filter = Some(filter);
            self.rerun_query();
        }
    }

    /// Ask again (after indexing), keeping the current results until the answer comes.
    pub(in crate::ui) fn rerun_query(&mut self) {
        let Some((source, words)) = self
            .query
            .as_ref()
            .map(|q| (q.source.clone(), q.words.clone()))
        else {
            return;
        };
        self.next_query_id += 1;
        let id = self.next_query_id;
        let k = self.settings.results;
        let command = if words.trim().is_empty() {
            let Some(source) = source else { return };
            Command::Query { id, source, k }
        } else {
            Command::TextQuery {
                id,
                query: words_query(&words, source),
                k,
            }
        };
        if self.send(command)
            && let Some(q) = &mut self.query
        {
            q.id = id;
            q.pending = true;
            q.sent_at = Instant::now();
        }
    }

    /// While indexing, partial results grow: ask again every little while.
    pub(super) fn refresh_partial_results(&mut self, ctx: &Context) {
        let refresh = self.query.as_ref().is_some_and(|q| {
            self.indexing && !q.pending && q.partial && q.sent_at.elapsed() >= q.refresh_every
        });
        if refresh {
            self.rerun_query();
            if let Some(q) = &mut self.query {
                q.refresh_every = (q.refresh_every * 2).min(MAX_PARTIAL_REFRESH);
            }
        }
        if let Some(q) = self.query.as_ref().filter(|q| self.indexing && q.partial) {
            ctx.request_repaint_after(q.refresh_every.saturating_sub(q.sent_at.elapsed()));
        }
    }
}

/// The worker's query for what was typed in the search box, refining `image` when there is one.
fn words_query(text: &str, image: Option<QuerySource>) -> TextQuery {
    let (words, not) = split_negatives(text);
    TextQuery {
        words,
        not,
        image,
        ..TextQuery::default()
    }
}
