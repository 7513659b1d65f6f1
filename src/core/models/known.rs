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
    /// The repository's commit the file is fetched from (40 hex digits), so every user gets
    /// the file whose checksum is pinned below even if the repository's `main` moves. (OpenAI's
    /// CLIP repositories serve `model.safetensors` only from such a commit: their `main` has
    /// the PyTorch pickle alone.)
    pub revision: &'static str,
    /// File inside the repository.
    pub hub_file: &'static str,
    /// File name it gets in `<data_dir>/models/`.
    pub local_file: &'static str,
    /// Pinned SHA-256 of the file. `None` (a model described at run time, e.g. by a test or a
    /// mirror of another revision) checks the hub's `X-Linked-Etag` (the SHA-256 of the LFS
    /// object) instead. Either way the file must then load as the expected network.
    pub sha256: Option<&'static str>,
    /// Exact size in bytes, when pinned: a server offering another size is refused before any
    /// byte is written.
    pub size: Option<u64>,
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
        revision: "491b427b45c94c7fb0e78b5474cc919aff584bbf",
        hub_file: "model.safetensors",
        local_file: "resnet18.safetensors",
        sha256: Some("80c49dee3da4822c009c5a7fe591e9223c5a2cfcf95a4067ca4dfb5a7b89c612"),
        size: Some(46_807_446),
        approx_mb: 47,
        dim: 512,
        description: "ResNet-18 (ImageNet, timm/resnet18.a1_in1k)",
    },
    KnownModel {
        name: "resnet34",
        kind: KnownKind::ResNet { depth: 34 },
        hub_repo: "timm/resnet34.a1_in1k",
        revision: "main",
        hub_file: "model.safetensors",
        local_file: "resnet34.safetensors",
        sha256: Some("829a220f9529d2b1ffdc8719d3273463001e0daf411eaf1916865d9db62c0ed2"),
        size: None,
        approx_mb: 88,
        dim: 512,
        description: "ResNet-34 (ImageNet, timm/resnet34.a1_in1k)",
    },
    KnownModel {
        name: "resnet50",
        kind: KnownKind::ResNet { depth: 50 },
        hub_repo: "timm/resnet50.a1_in1k",
        revision: "767268603ca0cb0bfe326fa87277f19c419566ef",
        hub_file: "model.safetensors",
        local_file: "resnet50.safetensors",
        sha256: Some("773525d5821de224f8f30c33377b7a795d7863e08522698200d3217d3f2a41bb"),
        size: Some(102_469_840),
        approx_mb: 103,
        dim: 2048,
        description: "ResNet-50 (ImageNet, timm/resnet50.a1_in1k)",
    },
    KnownModel {
        name: "clip",
        kind: KnownKind::Clip,
        hub_repo: "openai/clip-vit-base-patch32",
        revision: "b33cedfd0df4e43b8238760678fcc89e1a0d38b3",
        hub_file: "model.safetensors",
        local_file: "clip-vit-base-patch32.safetensors",
        sha256: Some("99d28a652e6ec46629ab7047a0ac82c69b1fe11e0ce672c43af65d3a9a3fc05d"),
        size: Some(605_157_884),
        approx_mb: 605,
        dim: 512,
        description: "CLIP ViT-B/32 (OpenAI, MIT): search by words",
    },
    KnownModel {
        name: "clip-large",
        kind: KnownKind::Clip,
        hub_repo: "openai/clip-vit-large-patch14",
        revision: "32bd64288804d66eefd0ccbe215aa642df71cc41",
        hub_file: "model.safetensors",
        local_file: "clip-vit-large-patch14.safetensors",
        sha256: Some("a2bf730a0c7debf160f7a6b50b3aaf3703e7e88ac73de7a314903141db026dcb"),
        size: Some(1_710_540_580),
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

/// The URL a known model is fetched from, under hub base `base` (e.g. `https://huggingface.co`):
/// `{base}/{repo}/resolve/{revision}/{file}`.
pub fn hub_url(model: &KnownModel, base: &str) -> String {
    format!(
        "{}/{}/resolve/{}/{}",
        base.trim_end_matches('/'),
        model.hub_repo,
        model.revision,
        model.hub_file
    )
}
