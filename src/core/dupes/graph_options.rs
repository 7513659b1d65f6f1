//! How the candidate graph is built: neighbours asked per photo, search width, mirror search and
//! the similarity from which pairs are kept and pixel-checked.

/// How the graph is built.
#[derive(Debug, Clone)]
pub struct GraphOptions {
    /// Neighbours asked of the index per photo.
    pub k: usize,
    /// Candidate list size of each search (recall/speed trade-off).
    pub ef: usize,
    /// Also look for mirrored and quarter-turned copies.
    pub mirror: bool,
    /// Edges with a descriptor cosine below this are dropped.
    pub min_similarity: f32,
    /// Edges at or above this descriptor cosine get the pixel check.
    pub pixel_check_from: f32,
    /// Linked neighbours at or above this cosine also lend their own links as candidates.
    pub hop_from: f32,
}

impl Default for GraphOptions {
    fn default() -> Self {
        Self {
            k: 10,
            ef: 32,
            mirror: false,
            min_similarity: 0.45,
            pixel_check_from: 0.45,
            hop_from: 0.8,
        }
    }
}

impl GraphOptions {
    /// The defaults, looking for mirrored and quarter-turned copies when `mirror` is set.
    pub fn with_mirror(mirror: bool) -> Self {
        Self {
            mirror,
            ..Self::default()
        }
    }
}
