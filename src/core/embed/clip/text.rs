//! The CLIP text tower: token ids (start and end tokens included, unpadded) through token and
//! position embeddings, the causal transformer ([`super::encoder`]), `final_layer_norm` at the
//! end-of-text token and `text_projection`, to an L2-normalised vector in the image tower's
//! space.
//!
//! Loading reads only `text_model.*` and `text_projection.weight` from the file (about 250 MB
//! of ViT-B/32's 600 MB).

use std::path::Path;

use candle_core::{Device, Tensor};

use super::encoder::{Encoder, LayerNorm, Linear, causal_mask, normalized_rows};
use super::model::{ClipShape, Opened, text_tensors};
use super::weights::take;
use crate::core::embed::EmbedError;

/// CLIP's text tower, ready for inference.
#[derive(Debug)]
pub struct ClipTextEncoder {
    shape: ClipShape,
    device: Device,
    id: String,
    label: String,
    /// `[vocab, width]`.
    tokens: Tensor,
    /// `[context, width]`.
    positions: Tensor,
    encoder: Encoder,
    final_ln: LayerNorm,
    projection: Linear,
}

impl ClipTextEncoder {
    /// Loads the text tower of a Hugging Face `CLIPModel` `.safetensors` file onto `device`
    /// (F32, F16 or BF16 tensors; computed in f32). Reads only the text tensors.
    pub fn load(path: &Path, device: &Device) -> Result<Self, EmbedError> {
        let Opened {
            ckpt,
            shape,
            id,
            label,
        } = Opened::open(path)?;
        let wanted = text_tensors(&ckpt, &shape)?;
        let mut t = ckpt.load(&wanted, device)?;
        let tokens = take(&mut t, path, "text_model.embeddings.token_embedding.weight")?;
        let positions = take(
            &mut t,
            path,
            "text_model.embeddings.position_embedding.weight",
        )?;
        let encoder = Encoder::load(
            &mut t,
            path,
            "text_model",
            shape.text_layers,
            shape.text_width,
            shape.text_heads(),
        )?;
        let final_ln = LayerNorm::load(&mut t, path, "text_model.final_layer_norm")?;
        let projection = Linear::new(take(&mut t, path, "text_projection.weight")?, None);
        Ok(Self {
            shape,
            device: device.clone(),
            id,
            label,
            tokens,
            positions,
            encoder,
            final_ln,
            projection,
        })
    }

    /// The same id as the [`super::model::ClipImageEmbedder`] of the same file: text vectors
    /// search that embedder's index.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// `CLIP ViT-B/32 (file name)`, as the image embedder's label.
    pub fn label(&self) -> String {
        self.label.clone()
    }

    /// Length of the vectors (the image embedder's dimension).
    pub fn dim(&self) -> usize {
        self.shape.embed_dim
    }

    /// The checkpoint's dimensions.
    pub fn shape(&self) -> &ClipShape {
        &self.shape
    }

    /// Token ids (start and end tokens included, unpadded, at most `context_length` = 77) to an
    /// L2-normalised text embedding. The sequence is pooled at its highest id, the end-of-text
    /// token (49407, the last of OpenAI's vocabulary), as `transformers` does.
    pub fn embed_ids(&self, ids: &[u32]) -> Result<Vec<f32>, EmbedError> {
        let ctx = self.shape.context_length;
        if ids.is_empty() || ids.len() > ctx {
            return Err(EmbedError::BadInput(format!(
                "a CLIP text takes 1 to {ctx} tokens, got {}",
                ids.len()
            )));
        }
        if let Some(bad) = ids.iter().find(|&&i| i as usize >= self.shape.vocab_size) {
            return Err(EmbedError::BadInput(format!(
                "token id {bad} is outside the vocabulary of {} tokens",
                self.shape.vocab_size
            )));
        }
        // First position of the largest id (torch.argmax and Candle agree on the first).
        let mut row = 0;
        for (i, &id) in ids.iter().enumerate() {
            if id > ids[row] {
                row = i;
            }
        }
        let features = self.device.with_context(|| self.forward_inner(ids, row))?;
        normalized_rows(&features)?
            .pop()
            .ok_or_else(|| EmbedError::Backend("text tower returned no vector".into()))
    }

    fn forward_inner(&self, ids: &[u32], row: usize) -> candle_core::Result<Tensor> {
        let seq = ids.len();
        let ids = Tensor::new(ids, &self.device)?;
        let x = self
            .tokens
            .index_select(&ids, 0)?
            .add(&self.positions.narrow(0, 0, seq)?)?;
        let mask = causal_mask(seq, &self.device)?;
        let pooled = self.encoder.forward_pooled(&x, 1, seq, Some(&mask), row)?;
        self.projection.forward(&self.final_ln.forward(&pooled)?)
    }

    /// Words to an L2-normalised embedding, through CLIP's bundled BPE tokenizer.
    pub fn embed_text(&self, text: &str) -> Result<Vec<f32>, EmbedError> {
        self.embed_ids(&super::tokenizer::ClipTokenizer::bundled().encode(text))
    }
}
