//! Search by words, and "like this photo, but …": the one text-query pipeline the CLI and the
//! GUI's worker share.
//!
//! A [`TextQuery`] is turned into one vector in CLIP space by [`query_vector`]:
//!
//! ```text
//! q = normalise( image + w · words − w/2 · Σ not_i )
//! ```
//!
//! where `image` is the CLIP image vector of the example photo (reused from the catalog when the
//! photo is indexed), `words` the text tower's vector of the words, `not_i` those of each
//! negative phrase, all unit length, and `w` the text weight ([`DEFAULT_TEXT_WEIGHT`]). Because
//! similarities are dot products, a photo's score is the same weighted sum of its similarity to
//! the photo and to the words, so the nearest neighbours of `q` in the CLIP index are the photos
//! that best match both. CLIP's image–image similarities spread over a range about three times
//! wider than its text–image ones, hence a text weight above 1: with 1 the example photo's own
//! near-copies would fill the results whatever the words say.
//!
//! Results are ranked by [`crate::core::query::rank`] (same tie-breaking, the example photo is
//! never its own result, missing files are flagged), and filters apply as for image queries.

use crate::core::catalog::Catalog;
use crate::core::embed::clip::model::ClipTextEncoder;
use crate::core::embed::l2_normalize;
use crate::core::embed::registry::ActiveEmbedders;
use crate::core::error::{Error, Result};
use crate::core::index::NeighbourSearch;
use crate::core::query::{Hit, QuerySource, QueryVectors, Searchers, embed_picture_multi, rank};
use std::collections::HashMap;
use std::path::Path;

/// Weight of the words against an example photo (see the module doc).
pub const DEFAULT_TEXT_WEIGHT: f32 = 2.0;
/// Weight of each negative phrase, relative to the words' weight.
pub const NOT_WEIGHT: f32 = 0.5;
/// Text vectors kept by [`WordsEncoder`] (a person retyping a query finds it cached).
const CACHE_ENTRIES: usize = 256;

/// What a person asked for in words, with or without an example photo.
#[derive(Debug, Clone)]
pub struct TextQuery {
    /// The words ("a dog on the beach"); may be empty when an example photo is given.
    pub words: String,
    /// Phrases the results should *not* look like ("screenshot").
    pub not: Vec<String>,
    /// The example photo, for "like this photo, but …".
    pub image: Option<QuerySource>,
    /// Weight of the words against the photo ([`DEFAULT_TEXT_WEIGHT`]).
    pub text_weight: f32,
}

impl Default for TextQuery {
    fn default() -> Self {
        Self {
            words: String::new(),
            not: Vec::new(),
            image: None,
            text_weight: DEFAULT_TEXT_WEIGHT,
        }
    }
}

impl TextQuery {
    /// Words only.
    pub fn words(words: &str) -> Self {
        Self {
            words: words.to_string(),
            ..Self::default()
        }
    }

    /// Whether there is anything to search for (words or a photo; negative phrases alone only
    /// narrow a search, they are not one).
    pub fn is_empty(&self) -> bool {
        self.words.trim().is_empty() && self.image.is_none()
    }

    /// One line for people: `“a dog” like beach.jpg, not “screenshot”`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.words.trim().is_empty() {
            parts.push(format!("“{}”", self.words.trim()));
        }
        if let Some(img) = &self.image {
            parts.push(format!("like {}", img.display_name()));
        }
        let nots: Vec<String> = self
            .not
            .iter()
            .map(|n| n.trim())
            .filter(|n| !n.is_empty())
            .map(|n| format!("“{n}”"))
            .collect();
        if !nots.is_empty() {
            parts.push(format!("not {}", nots.join(", ")));
        }
        parts.join(" ")
    }
}

/// Splits what a person typed in a search box into the words and the phrases to avoid:
/// `beach -people -"blue sky"` → (`beach`, [`people`, `blue sky`]). A lone `-` is a word.
pub fn split_negatives(text: &str) -> (String, Vec<String>) {
    let mut words: Vec<&str> = Vec::new();
    let mut not = Vec::new();
    let mut rest = text.trim_start();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("-\"") {
            let end = after.find('"').unwrap_or(after.len());
            let phrase = after[..end].trim();
            if !phrase.is_empty() {
                not.push(phrase.to_string());
            }
            rest = after.get(end + 1..).unwrap_or("").trim_start();
            continue;
        }
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let token = &rest[..end];
        match token.strip_prefix('-') {
            Some(neg) if !neg.is_empty() => not.push(neg.to_string()),
            _ => words.push(token),
        }
        rest = rest[end..].trim_start();
    }
    (words.join(" "), not)
}

/// The CLIP text tower, loaded once, with a cache of recent phrases.
pub struct WordsEncoder {
    encoder: ClipTextEncoder,
    cache: HashMap<String, Vec<f32>>,
}

impl WordsEncoder {
    /// Load the text tower of the CLIP checkpoint `active` uses. Without one, the error says
    /// how to get it (the download, or where to put a file).
    pub fn load(active: &ActiveEmbedders, data_dir: &Path) -> Result<Self> {
        let Some(path) = &active.clip_file else {
            return Err(Error::Other(match &active.clip_error {
                Some(why) => format!(
                    "the CLIP model could not be loaded ({why}); download it again with \
                     `lookalike models download clip`"
                ),
                None => crate::core::models::clip_hint(data_dir),
            }));
        };
        let encoder = ClipTextEncoder::load(path, &candle_core::Device::Cpu)?;
        Ok(Self {
            encoder,
            cache: HashMap::new(),
        })
    }

    /// The embedding space (same id as the CLIP image embedder of the same file).
    pub fn id(&self) -> &str {
        self.encoder.id()
    }

    /// The unit vector of `text` (cached).
    pub fn encode(&mut self, text: &str) -> Result<Vec<f32>> {
        let key = text.trim().to_string();
        if let Some(v) = self.cache.get(&key) {
            return Ok(v.clone());
        }
        let v = self.encoder.embed_text(&key)?;
        if self.cache.len() >= CACHE_ENTRIES {
            self.cache.clear();
        }
        self.cache.insert(key, v.clone());
        Ok(v)
    }
}

/// The query's vector in CLIP space (see the module doc).
pub fn query_vector(
    q: &TextQuery,
    encoder: &mut WordsEncoder,
    active: &ActiveEmbedders,
    catalog: &Catalog,
) -> Result<Vec<f32>> {
    if q.is_empty() {
        return Err(Error::Other(
            "nothing to search for: give words, or a photo with words".into(),
        ));
    }
    let w = if q.text_weight.is_finite() && q.text_weight >= 0.0 {
        q.text_weight
    } else {
        DEFAULT_TEXT_WEIGHT
    };
    let mut sum = vec![0.0f32; encoder.encoder.dim()];
    let mut add = |v: &[f32], weight: f32| {
        for (s, x) in sum.iter_mut().zip(v) {
            *s += weight * x;
        }
    };
    if let Some(source) = &q.image {
        let v = clip_image_vector(source, active, catalog, encoder.id())?;
        add(&v, 1.0);
    }
    let words = q.words.trim();
    if !words.is_empty() {
        add(&encoder.encode(words)?, w);
    }
    for n in q.not.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        add(&encoder.encode(n)?, -w * NOT_WEIGHT);
    }
    if !l2_normalize(&mut sum) {
        return Err(Error::Other(
            "the words and the photo cancel out; try other words".into(),
        ));
    }
    Ok(sum)
}

/// The example photo's CLIP image vector: stored in the catalog when the photo is indexed with
/// this CLIP, else computed from the file or pixels.
fn clip_image_vector(
    source: &QuerySource,
    active: &ActiveEmbedders,
    catalog: &Catalog,
    clip_id: &str,
) -> Result<Vec<f32>> {
    if let Some(id) = source.own_id(catalog)
        && let Some(v) = catalog.vector(id, clip_id)?
    {
        return Ok(v);
    }
    let clip = active
        .clip()
        .ok_or_else(|| Error::Other("internal: no CLIP image embedder".into()))?;
    let vectors = match source {
        QuerySource::File(p) | QuerySource::Photo { path: p, .. } => {
            embed_picture_multi(p, &[clip])?
        }
        QuerySource::Pixels { image, .. } => {
            let (picture, _) = crate::core::content_box::picture_of(image);
            vec![crate::core::embed::embed_one(clip, &picture)?]
        }
        QuerySource::Photos { ids, .. } => {
            vec![
                crate::core::query::mean_vector(catalog, ids, clip_id)?.ok_or_else(|| {
                    Error::Other("none of these photos has a CLIP vector yet".into())
                })?,
            ]
        }
    };
    vectors
        .into_iter()
        .next()
        .ok_or_else(|| Error::Other("internal: no CLIP vector".into()))
}

/// The `k` best photos for `vector` in `search` (the CLIP vectors), without `own` (the
/// example photos), best first.
pub fn rank_text(
    catalog: &Catalog,
    search: &dyn NeighbourSearch,
    vector: Vec<f32>,
    k: usize,
    own: &[i64],
) -> Result<Vec<Hit>> {
    let searchers = Searchers {
        primary: search,
        descriptor: None,
    };
    let vectors = QueryVectors {
        primary: vector,
        descriptor: None,
    };
    rank(catalog, &searchers, &vectors, k, own)
}

/// The answer to a search by words: the results, and how much of the library they come from.
#[derive(Debug, Clone)]
pub struct TextResults {
    /// Best first.
    pub hits: Vec<Hit>,
    /// Photos that have CLIP vectors (only they can be found).
    pub with_clip: u64,
    /// Photos in the library.
    pub photos: u64,
}

/// How many photos have vectors from the CLIP embedder `clip_id`, of how many indexed.
pub fn coverage(catalog: &Catalog, clip_id: &str) -> Result<(u64, u64)> {
    let with = catalog
        .embedder_counts()?
        .into_iter()
        .find(|(e, _)| e == clip_id)
        .map_or(0, |(_, n)| n);
    Ok((with, catalog.counts()?.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negatives_are_split_from_words() {
        let s = |t: &str| split_negatives(t);
        assert_eq!(
            s("a dog on the beach"),
            ("a dog on the beach".into(), vec![])
        );
        assert_eq!(
            s("beach -people  -\"blue sky\" sunset"),
            (
                "beach sunset".into(),
                vec!["people".into(), "blue sky".into()]
            )
        );
        assert_eq!(s("well-lit room - x"), ("well-lit room - x".into(), vec![]));
        assert_eq!(
            s("-\"unclosed phrase"),
            (String::new(), vec!["unclosed phrase".into()])
        );
        assert_eq!(s("   "), (String::new(), vec![]));
    }

    #[test]
    fn describe_names_every_part() {
        let q = TextQuery {
            words: "at night".into(),
            not: vec!["screenshot".into(), " ".into()],
            image: Some(QuerySource::File("/p/beach.jpg".into())),
            ..TextQuery::default()
        };
        assert_eq!(q.describe(), "“at night” like beach.jpg not “screenshot”");
        assert!(TextQuery::words("  ").is_empty());
        assert!(!q.is_empty());
    }
}
