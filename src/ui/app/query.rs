//! Query by example: sending a query, asking again, refreshing partial results while indexing.

use super::App;
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
        if !self.send(Command::Query {
            id,
            source: source.clone(),
            k,
        }) {
            return;
        }
        self.query = Some(QueryState {
            id,
            name: source.display_name(),
            source,
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

    /// Ask again (after indexing), keeping the current results until the answer comes.
    pub(in crate::ui) fn rerun_query(&mut self) {
        let Some(source) = self.query.as_ref().map(|q| q.source.clone()) else {
            return;
        };
        self.next_query_id += 1;
        let id = self.next_query_id;
        let k = self.settings.results;
        if self.send(Command::Query { id, source, k })
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
