//! The models `lookalike models download` can fetch: ImageNet ResNets (timm) and CLIP (OpenAI,
//! MIT), from the Hugging Face hub layout.

/// What a downloadable model is, which decides how a download is validated and used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KnownKind {
    /// An ImageNet ResNet of this depth (image similarity).
    ResNet {
        /// 18, 34 or 50.
        depth: u8,
    },
    /// A CLIP checkpoint (Hugging Face `CLIPModel` safetensors): text search, and an image
    /// embedder in the same space.
    Clip,
}

/// A model that can be fetched from the hub.
#[derive(Debug, Clone, Copy)]
pub struct KnownModel {
    /// Name on the command line, e.g. `resnet50`, `clip`.
    pub name: &'static str,
    /// What it is.
    pub kind: KnownKind,
    /// Hugging Face repository, e.g. `timm/resnet50.a1_in1k`.
    pub hub_repo: &'static str,
    /// File inside the repository.
    pub hub_file: &'static str,
    /// File name it gets in `<data_dir>/models/`.
    pub local_file: &'static str,
    /// Pinned SHA-256 of the file, when known. Otherwise the hub's `X-Linked-Etag` (the
    /// SHA-256 of the LFS object) is checked, and the file must load as the expected network.
    pub sha256: Option<&'static str>,
    /// Approximate size in MB, for messages.
    pub approx_mb: u32,
    /// Length of the vectors it produces.
    pub dim: usize,
    /// One line for `models list`.
    pub description: &'static str,
}

/// The models `lookalike models download` knows.
pub const KNOWN_MODELS: &[KnownModel] = &[
    KnownModel {
        name: "resnet18",
        kind: KnownKind::ResNet { depth: 18 },
        hub_repo: "timm/resnet18.a1_in1k",
        hub_file: "model.safetensors",
        local_file: "resnet18.safetensors",
        sha256: None,
        approx_mb: 47,
        dim: 512,
        description: "ResNet-18 (ImageNet, timm/resnet18.a1_in1k)",
    },
    KnownModel {
        name: "resnet34",
        kind: KnownKind::ResNet { depth: 34 },
        hub_repo: "timm/resnet34.a1_in1k",
        hub_file: "model.safetensors",
        local_file: "resnet34.safetensors",
        sha256: None,
        approx_mb: 88,
        dim: 512,
        description: "ResNet-34 (ImageNet, timm/resnet34.a1_in1k)",
    },
    KnownModel {
        name: "resnet50",
        kind: KnownKind::ResNet { depth: 50 },
        hub_repo: "timm/resnet50.a1_in1k",
        hub_file: "model.safetensors",
        local_file: "resnet50.safetensors",
        sha256: None,
        approx_mb: 103,
        dim: 2048,
        description: "ResNet-50 (ImageNet, timm/resnet50.a1_in1k)",
    },
    KnownModel {
        name: "clip",
        kind: KnownKind::Clip,
        hub_repo: "openai/clip-vit-base-patch32",
        hub_file: "model.safetensors",
        local_file: "clip-vit-base-patch32.safetensors",
        sha256: None,
        approx_mb: 605,
        dim: 512,
        description: "CLIP ViT-B/32 (OpenAI, MIT): search by words",
    },
    KnownModel {
        name: "clip-large",
        kind: KnownKind::Clip,
        hub_repo: "openai/clip-vit-large-patch14",
        hub_file: "model.safetensors",
        local_file: "clip-vit-large-patch14.safetensors",
        sha256: None,
        approx_mb: 1710,
        dim: 768,
        description: "CLIP ViT-L/14 (OpenAI, MIT): better word search, ~5x slower to index",
    },
];

/// Lower case without `-`/`_`, so `ResNet-50`, `clip_large` and `CLIP-Large` match.
fn squash(name: &str) -> String {
    name.trim()
        .chars()
        .filter(|c| !matches!(c, '-' | '_'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The downloadable model called `name` (`resnet18`, `resnet34`, `resnet50`, `clip`,
/// `clip-large`).
pub fn known_model(name: &str) -> Option<&'static KnownModel> {
    let wanted = squash(name);
    KNOWN_MODELS.iter().find(|m| squash(m.name) == wanted)
}

/// The names `models download` accepts, for messages: `resnet18, ..., clip-large`.
pub fn downloadable_names() -> String {
    KNOWN_MODELS
        .iter()
        .map(|m| m.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The URL a known model is fetched from, under hub base `base` (e.g. `https://huggingface.co`).
pub fn hub_url(model: &KnownModel, base: &str) -> String {
    format!(
        "{}/{}/resolve/main/{}",
        base.trim_end_matches('/'),
        model.hub_repo,
        model.hub_file
    )
}
