//! CLIP checkpoints: their shape, read from the tensor shapes of a Hugging Face `CLIPModel`
//! `model.safetensors` (`openai/clip-vit-base-patch32`, `-large-patch14`, ...), and the two
//! towers built from them: [`ClipImageEmbedder`] (an [`crate::core::embed::Embedder`]) and
//! [`ClipTextEncoder`] (words to a vector in the same space).
//!
//! Nothing about the architecture is configured: patch size and width come from
//! `vision_model.embeddings.patch_embedding.weight`, the image size from the number of position
//! embeddings, the depth by counting layers, heads = width / 64 (true of every OpenAI CLIP), the
//! MLP width from `fc1`, the embedding size from the projections, vocabulary and context length
//! from the text embeddings. Activation is quick_gelu, layer norm epsilon 1e-5.

use std::path::Path;

pub use super::text::ClipTextEncoder;
pub use super::vision::ClipImageEmbedder;
use super::weights::{Checkpoint, EXPECTED_FILE, weights_err};
use crate::core::embed::EmbedError;

/// Width of one attention head in every OpenAI CLIP.
pub const HEAD_DIM: usize = 64;

/// The dimensions of a CLIP checkpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClipShape {
    /// Side of the square input image, in pixels (224 for ViT-B/32).
    pub image_size: usize,
    /// Side of one patch, in pixels (32 for ViT-B/32).
    pub patch_size: usize,
    /// Width of the vision transformer (768 for ViT-B/32).
    pub vision_width: usize,
    /// Number of vision transformer layers (12 for ViT-B/32).
    pub vision_layers: usize,
    /// Width of the text transformer (512 for ViT-B/32).
    pub text_width: usize,
    /// Number of text transformer layers (12 for ViT-B/32).
    pub text_layers: usize,
    /// Length of the shared image/text embedding (512 for ViT-B/32).
    pub embed_dim: usize,
    /// Number of BPE tokens (49408).
    pub vocab_size: usize,
    /// Most tokens per text, start and end tokens included (77).
    pub context_length: usize,
}

impl ClipShape {
    /// Short stable name: `vit-b32`, `vit-b16`, `vit-l14`, `vit-l14-336`, ...; shapes outside
    /// OpenAI's family read as `vit-<width>w<layers>l-p<patch>[-<image>]`.
    pub fn variant(&self) -> String {
        let p = self.patch_size;
        let base = match self.family() {
            Some(f) => format!("vit-{}{p}", f.to_ascii_lowercase()),
            None => format!("vit-{}w{}l-p{p}", self.vision_width, self.vision_layers),
        };
        if self.image_size == 224 {
            base
        } else {
            format!("{base}-{}", self.image_size)
        }
    }

    /// Human name in OpenAI's spelling: `ViT-B/32`, `ViT-L/14@336px`, ...
    pub fn display_name(&self) -> String {
        let p = self.patch_size;
        let base = match self.family() {
            Some(f) => format!("ViT-{f}/{p}"),
            None => format!("ViT-{}x{}/{p}", self.vision_width, self.vision_layers),
        };
        if self.image_size == 224 {
            base
        } else {
            format!("{base}@{}px", self.image_size)
        }
    }

    /// OpenAI/OpenCLIP size letter of the vision tower, from width and depth.
    fn family(&self) -> Option<&'static str> {
        match (self.vision_width, self.vision_layers) {
            (768, 12) => Some("B"),
            (1024, 24) => Some("L"),
            (1280, 32) => Some("H"),
            (1408, 40) => Some("g"),
            (1664, 48) => Some("bigG"),
            _ => None,
        }
    }

    /// Number of attention heads of the vision tower.
    pub fn vision_heads(&self) -> usize {
        self.vision_width / HEAD_DIM
    }

    /// Number of attention heads of the text tower.
    pub fn text_heads(&self) -> usize {
        self.text_width / HEAD_DIM
    }

    /// Patches per side of the image.
    pub fn grid(&self) -> usize {
        self.image_size / self.patch_size
    }
}

/// Reads only the safetensors header of `path` and returns the CLIP shape it describes, after
/// checking that every tensor of both towers is present with the right shape and that the file
/// is long enough to hold them. Errors name the file and say what is wrong.
pub fn inspect(path: &Path) -> Result<ClipShape, EmbedError> {
    let ckpt = Checkpoint::open(path)?;
    let shape = infer_shape(&ckpt)?;
    check_both_towers(&ckpt, &shape)?;
    Ok(shape)
}

/// Every tensor of both towers is in `ckpt` with the shape `shape` implies, inside the file.
pub(super) fn check_both_towers(ckpt: &Checkpoint, shape: &ClipShape) -> Result<(), EmbedError> {
    ckpt.check(&vision_tensors(ckpt, shape)?)?;
    ckpt.check(&text_tensors(ckpt, shape)?)
}

/// Cheap: `true` when `path` is a safetensors file whose header has CLIP's tensor names (both
/// towers and both projections). Reads only the header; a truncated CLIP download still counts,
/// so that its loader, not another model's, says what is wrong with it.
pub fn is_clip_file(path: &Path) -> bool {
    Checkpoint::open_names_only(path).is_ok_and(|c| {
        [
            "vision_model.embeddings.patch_embedding.weight",
            "text_model.embeddings.token_embedding.weight",
            "visual_projection.weight",
            "text_projection.weight",
        ]
        .iter()
        .all(|n| c.get(n).is_some())
    })
}

/// Number of consecutive layers `prefix.0.`, `prefix.1.`, ... present in the header.
fn count_layers(ckpt: &Checkpoint, prefix: &str) -> usize {
    let mut present = std::collections::HashSet::new();
    for name in ckpt.names() {
        if let Some(i) = name
            .strip_prefix(prefix)
            .and_then(|rest| rest.split('.').next())
            .and_then(|i| i.parse::<usize>().ok())
        {
            present.insert(i);
        }
    }
    (0..).take_while(|i| present.contains(i)).count()
}

/// The shape `[a, b]` of a 2-D tensor, or an error naming it.
fn dims2(ckpt: &Checkpoint, name: &str) -> Result<[usize; 2], EmbedError> {
    match *ckpt.shape_of(name)? {
        [a, b] => Ok([a, b]),
        ref other => Err(weights_err(
            ckpt.path(),
            format!("tensor `{name}` has shape {other:?}, expected 2 dimensions"),
        )),
    }
}

/// Infers the [`ClipShape`] from the header's tensor shapes.
pub(super) fn infer_shape(ckpt: &Checkpoint) -> Result<ClipShape, EmbedError> {
    let path = ckpt.path();
    let patch_name = "vision_model.embeddings.patch_embedding.weight";
    let token_name = "text_model.embeddings.token_embedding.weight";
    if ckpt.get(patch_name).is_none() && ckpt.get(token_name).is_none() {
        return Err(weights_err(
            path,
            format!(
                "not a CLIP checkpoint: it has no `vision_model.*`/`text_model.*` tensors; {EXPECTED_FILE}"
            ),
        ));
    }
    let bad = |why: String| weights_err(path, format!("not a usable CLIP checkpoint: {why}"));
    let (vision_width, patch_size) = match *ckpt.shape_of(patch_name)? {
        [w, 3, p, q] if p == q && p > 0 => (w, p),
        ref s => {
            return Err(bad(format!(
                "`{patch_name}` has shape {s:?}, expected [width, 3, p, p]"
            )));
        }
    };
    let pos = "vision_model.embeddings.position_embedding.weight";
    let [positions, _] = dims2(ckpt, pos)?;
    let grid = (positions.saturating_sub(1) as f64).sqrt().round() as usize;
    if grid == 0 || grid * grid + 1 != positions {
        return Err(bad(format!(
            "`{pos}` has {positions} rows, expected a square number of patches + 1"
        )));
    }
    let [vocab_size, text_width] = dims2(ckpt, token_name)?;
    let [context_length, _] = dims2(ckpt, "text_model.embeddings.position_embedding.weight")?;
    let [embed_dim, vision_in] = dims2(ckpt, "visual_projection.weight")?;
    let [text_embed, text_in] = dims2(ckpt, "text_projection.weight")?;
    let shape = ClipShape {
        image_size: grid * patch_size,
        patch_size,
        vision_width,
        vision_layers: count_layers(ckpt, "vision_model.encoder.layers."),
        text_width,
        text_layers: count_layers(ckpt, "text_model.encoder.layers."),
        embed_dim,
        vocab_size,
        context_length,
    };
    if vision_in != vision_width || text_in != text_width || text_embed != embed_dim {
        return Err(bad(format!(
            "the projections do not fit the towers (visual_projection [{embed_dim}, \
             {vision_in}], text_projection [{text_embed}, {text_in}], widths {vision_width} and \
             {text_width})"
        )));
    }
    for (what, w) in [("vision", vision_width), ("text", text_width)] {
        if w == 0 || w % HEAD_DIM != 0 {
            return Err(bad(format!(
                "the {what} width {w} is not a multiple of {HEAD_DIM}"
            )));
        }
    }
    for (what, n, prefix) in [
        ("vision", shape.vision_layers, "vision_model"),
        ("text", shape.text_layers, "text_model"),
    ] {
        if n == 0 {
            return Err(EmbedError::MissingTensor {
                path: path.to_path_buf(),
                tensor: format!("{prefix}.encoder.layers.0.* (the {what} tower has no layers)"),
            });
        }
    }
    if vocab_size == 0 || context_length < 2 || embed_dim == 0 {
        return Err(bad("empty text embeddings or projections".into()));
    }
    Ok(shape)
}

/// The MLP width of a tower, from its first layer's `fc1`.
fn mlp_width(ckpt: &Checkpoint, tower: &str) -> Result<usize, EmbedError> {
    Ok(dims2(ckpt, &format!("{tower}.encoder.layers.0.mlp.fc1.weight"))?[0])
}

/// Names and shapes of the tensors of one transformer layer stack.
fn encoder_tensors(
    out: &mut Vec<(String, Vec<usize>)>,
    prefix: &str,
    layers: usize,
    w: usize,
    mlp: usize,
) {
    for i in 0..layers {
        let p = format!("{prefix}.encoder.layers.{i}");
        for proj in ["q_proj", "k_proj", "v_proj", "out_proj"] {
            out.push((format!("{p}.self_attn.{proj}.weight"), vec![w, w]));
            out.push((format!("{p}.self_attn.{proj}.bias"), vec![w]));
        }
        for ln in ["layer_norm1", "layer_norm2"] {
            out.push((format!("{p}.{ln}.weight"), vec![w]));
            out.push((format!("{p}.{ln}.bias"), vec![w]));
        }
        out.push((format!("{p}.mlp.fc1.weight"), vec![mlp, w]));
        out.push((format!("{p}.mlp.fc1.bias"), vec![mlp]));
        out.push((format!("{p}.mlp.fc2.weight"), vec![w, mlp]));
        out.push((format!("{p}.mlp.fc2.bias"), vec![w]));
    }
}

/// Every tensor the image tower reads, with its shape.
pub(super) fn vision_tensors(
    ckpt: &Checkpoint,
    s: &ClipShape,
) -> Result<Vec<(String, Vec<usize>)>, EmbedError> {
    let w = s.vision_width;
    let p = s.patch_size;
    let mut out = vec![
        (
            "vision_model.embeddings.class_embedding".to_string(),
            vec![w],
        ),
        (
            "vision_model.embeddings.patch_embedding.weight".to_string(),
            vec![w, 3, p, p],
        ),
        (
            "vision_model.embeddings.position_embedding.weight".to_string(),
            vec![s.grid() * s.grid() + 1, w],
        ),
        ("vision_model.pre_layrnorm.weight".to_string(), vec![w]),
        ("vision_model.pre_layrnorm.bias".to_string(), vec![w]),
    ];
    encoder_tensors(
        &mut out,
        "vision_model",
        s.vision_layers,
        w,
        mlp_width(ckpt, "vision_model")?,
    );
    out.push(("vision_model.post_layernorm.weight".to_string(), vec![w]));
    out.push(("vision_model.post_layernorm.bias".to_string(), vec![w]));
    out.push(("visual_projection.weight".to_string(), vec![s.embed_dim, w]));
    Ok(out)
}

/// Every tensor the text tower reads, with its shape.
pub(super) fn text_tensors(
    ckpt: &Checkpoint,
    s: &ClipShape,
) -> Result<Vec<(String, Vec<usize>)>, EmbedError> {
    let w = s.text_width;
    let mut out = vec![
        (
            "text_model.embeddings.token_embedding.weight".to_string(),
            vec![s.vocab_size, w],
        ),
        (
            "text_model.embeddings.position_embedding.weight".to_string(),
            vec![s.context_length, w],
        ),
    ];
    encoder_tensors(
        &mut out,
        "text_model",
        s.text_layers,
        w,
        mlp_width(ckpt, "text_model")?,
    );
    out.push(("text_model.final_layer_norm.weight".to_string(), vec![w]));
    out.push(("text_model.final_layer_norm.bias".to_string(), vec![w]));
    out.push(("text_projection.weight".to_string(), vec![s.embed_dim, w]));
    Ok(out)
}

/// What both towers start from: the parsed header, the shape, the id and the label.
pub(super) struct Opened {
    /// The parsed header.
    pub ckpt: Checkpoint,
    /// The inferred shape.
    pub shape: ClipShape,
    /// `clip-<variant>-<8 hex>`, shared by both towers of one file.
    pub id: String,
    /// `CLIP ViT-B/32 (file name)`.
    pub label: String,
}

impl Opened {
    /// Parses the header of `path` and derives shape, id and label.
    pub fn open(path: &Path) -> Result<Self, EmbedError> {
        let ckpt = Checkpoint::open(path)?;
        let shape = infer_shape(&ckpt)?;
        let hex = ckpt.fingerprint(&["visual_projection.weight", "text_projection.weight"])?;
        let file = path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(Self {
            id: format!("clip-{}-{hex}", shape.variant()),
            label: format!("CLIP {} ({file})", shape.display_name()),
            ckpt,
            shape,
        })
    }
}
