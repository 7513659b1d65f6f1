//! The photo lists a tile action or the preview refers to: the query results and the browse view.

use super::ListKind;
use super::browse::BrowseState;
use super::results_grid::GridState;
use super::results_view::QueryState;
use crate::core::catalog::PhotoInfo;

/// The two lists of photos, borrowed.
#[derive(Clone, Copy)]
pub struct Lists<'a> {
    /// The current query, if any.
    pub query: Option<&'a QueryState>,
    /// The browse view.
    pub browse: &'a BrowseState,
}

impl Lists<'_> {
    /// The photo at `i` of a list, with its similarity for query results.
    pub fn item(&self, list: ListKind, i: usize) -> Option<(PhotoInfo, Option<f32>)> {
        match list {
            ListKind::Results => self
                .query
                .and_then(|q| q.hits.get(i))
                .map(|h| (h.info.clone(), Some(h.score))),
            ListKind::Browse => self.browse.item(i).map(|p| (p.clone(), None)),
        }
    }

    /// Number of photos in a list.
    pub fn len(&self, list: ListKind) -> usize {
        match list {
            ListKind::Results => self.query.map_or(0, |q| q.hits.len()),
            ListKind::Browse => self.browse.len(),
        }
    }
}

/// The grid selection of a list (none for the results when there is no query).
pub fn grid_mut<'a>(
    list: ListKind,
    query: &'a mut Option<QueryState>,
    browse: &'a mut BrowseState,
) -> Option<&'a mut GridState> {
    match list {
        ListKind::Results => query.as_mut().map(|q| &mut q.grid),
        ListKind::Browse => Some(&mut browse.grid),
    }
}
