//! Choosing the compute device for CNN embedders (`--device auto|cpu|cuda|metal`).
//!
//! GPU backends are compiled in only with the cargo features `cuda` / `metal`, which pass
//! through to Candle; a default build needs no GPU toolkit and always runs on the CPU.

use std::fmt;
use std::str::FromStr;

use candle_core::Device;

use crate::core::embed::error::EmbedError;

/// Which device the user asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum DevicePref {
    /// CUDA if compiled in and a GPU answers, else Metal likewise, else the CPU.
    #[default]
    Auto,
    /// Always the CPU.
    Cpu,
    /// The first CUDA GPU (needs a build with `--features cuda`).
    Cuda,
    /// The default Metal GPU (needs a build with `--features metal`).
    Metal,
}

impl DevicePref {
    /// The spelling used on the command line and in settings.
    pub fn as_str(self) -> &'static str {
        match self {
            DevicePref::Auto => "auto",
            DevicePref::Cpu => "cpu",
            DevicePref::Cuda => "cuda",
            DevicePref::Metal => "metal",
        }
    }
}

impl fmt::Display for DevicePref {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A device name that is not `auto`, `cpu`, `cuda` or `metal`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown device `{0}` (expected auto, cpu, cuda or metal)")]
pub struct ParseDeviceError(pub String);

impl FromStr for DevicePref {
    type Err = ParseDeviceError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(DevicePref::Auto),
            "cpu" => Ok(DevicePref::Cpu),
            "cuda" | "gpu" => Ok(DevicePref::Cuda),
            "metal" | "mps" => Ok(DevicePref::Metal),
            _ => Err(ParseDeviceError(s.to_string())),
        }
    }
}

/// Whether this build was compiled with CUDA support (cargo feature `cuda`).
pub fn cuda_compiled() -> bool {
    cfg!(feature = "cuda")
}

/// Whether this build was compiled with Metal support (cargo feature `metal`).
pub fn metal_compiled() -> bool {
    cfg!(feature = "metal")
}

/// Opens the device for `pref`. `Auto` never fails: it falls back to the CPU when no GPU
/// backend is compiled in or none answers. Asking for `Cuda`/`Metal` explicitly fails with a
/// message saying how to get it.
pub fn select_device(pref: DevicePref) -> Result<Device, EmbedError> {
    match pref {
        DevicePref::Cpu => Ok(Device::Cpu),
        DevicePref::Cuda => open_cuda(),
        DevicePref::Metal => open_metal(),
        DevicePref::Auto => {
            if cuda_compiled()
                && let Ok(d) = open_cuda()
            {
                return Ok(d);
            }
            if metal_compiled()
                && let Ok(d) = open_metal()
            {
                return Ok(d);
            }
            Ok(Device::Cpu)
        }
    }
}

/// A short human description of a device, e.g. `cpu` or `cuda:0`.
pub fn describe(device: &Device) -> String {
    match device.location() {
        candle_core::DeviceLocation::Cpu => "cpu".into(),
        candle_core::DeviceLocation::Cuda { gpu_id } => format!("cuda:{gpu_id}"),
        candle_core::DeviceLocation::Metal { gpu_id } => format!("metal:{gpu_id}"),
    }
}

fn open_cuda() -> Result<Device, EmbedError> {
    if !cuda_compiled() {
        return Err(EmbedError::Backend(
            "this build has no CUDA support; rebuild with `cargo build --release --features cuda` \
             (needs the CUDA toolkit), or use --device cpu"
                .into(),
        ));
    }
    Device::new_cuda(0).map_err(|e| EmbedError::Backend(format!("cannot open CUDA device 0: {e}")))
}

fn open_metal() -> Result<Device, EmbedError> {
    if !metal_compiled() {
        return Err(EmbedError::Backend(
            "this build has no Metal support; rebuild with `cargo build --release --features \
             metal` (macOS only), or use --device cpu"
                .into(),
        ));
    }
    Device::new_metal(0)
        .map_err(|e| EmbedError::Backend(format!("cannot open Metal device 0: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names() {
        assert_eq!("auto".parse::<DevicePref>(), Ok(DevicePref::Auto));
        assert_eq!("CPU".parse::<DevicePref>(), Ok(DevicePref::Cpu));
        assert_eq!("cuda".parse::<DevicePref>(), Ok(DevicePref::Cuda));
        assert_eq!("metal".parse::<DevicePref>(), Ok(DevicePref::Metal));
        assert!("tpu".parse::<DevicePref>().is_err());
        for p in [
            DevicePref::Auto,
            DevicePref::Cpu,
            DevicePref::Cuda,
            DevicePref::Metal,
        ] {
            assert_eq!(p.to_string().parse::<DevicePref>(), Ok(p));
        }
    }

    #[test]
    fn cpu_and_auto_always_work() {
        assert!(select_device(DevicePref::Cpu).is_ok_and(|d| d.is_cpu()));
        assert!(select_device(DevicePref::Auto).is_ok());
    }

    #[test]
    fn missing_backend_says_how_to_rebuild() {
        if !cuda_compiled() {
            let msg = select_device(DevicePref::Cuda)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(msg.contains("--features cuda"), "{msg}");
        }
        if !metal_compiled() {
            let msg = select_device(DevicePref::Metal)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(msg.contains("--features metal"), "{msg}");
        }
    }
}
