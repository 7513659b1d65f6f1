//! Which arithmetic the CLIP image tower's linear layers use on the CPU: f32 (Candle's matmul)
//! everywhere, or bf16 products with f32 sums ([`super::bf16_matmul`]) where the processor has
//! AVX-512 BF16, which does twice the multiply-adds per cycle of f32 FMA.

/// Environment variable that forces a precision: `f32` (Candle's f32 matmul, as on CPUs without
/// AVX-512 BF16) or `bf16` (only honoured where the CPU supports it).
pub const PRECISION_ENV: &str = "LOOKALIKE_CLIP_PRECISION";

/// Arithmetic of the image tower's linear layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClipPrecision {
    /// f32 weights and activations (Candle's matmul).
    F32,
    /// Weights and activations rounded to bf16, products summed in f32 (AVX-512 BF16 CPUs).
    Bf16,
}

impl ClipPrecision {
    /// The fastest precision this CPU supports, unless [`PRECISION_ENV`] says `f32`.
    pub fn detect() -> Self {
        Self::choose(std::env::var(PRECISION_ENV).ok().as_deref())
    }

    /// The precision for a [`PRECISION_ENV`] value (`None`: unset): `f32` when it says `f32` or
    /// the CPU lacks AVX-512 BF16, `bf16` otherwise.
    pub fn choose(setting: Option<&str>) -> Self {
        let forced_f32 = setting.is_some_and(|v| v.trim().eq_ignore_ascii_case("f32"));
        if !forced_f32 && Self::cpu_has_bf16() {
            Self::Bf16
        } else {
            Self::F32
        }
    }

    /// Whether this CPU has the AVX-512 BF16 dot product the bf16 kernel needs.
    pub fn cpu_has_bf16() -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            std::arch::is_x86_feature_detected!("avx512f")
                && std::arch::is_x86_feature_detected!("avx512bf16")
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            false
        }
    }

    /// `f32` or `bf16`, as in [`PRECISION_ENV`].
    pub fn as_str(self) -> &'static str {
        match self {
            Self::F32 => "f32",
            Self::Bf16 => "bf16",
        }
    }
}
