//! The formats we decode: our own key, since several are read by decoders outside `image`.

use super::formats::raw::RawKind;
use image::ImageFormat;

/// File extensions (lowercase) of the photos people keep, besides camera RAWs
/// ([`RawKind::ALL`]): a file with one of them that fails to decode is reported, and file
/// dialogs offer them.
pub const PHOTO_EXTENSIONS: &[&str] = &[
    "jpg", "jpeg", "jpe", "jfif", "png", "apng", "gif", "webp", "tif", "tiff", "bmp", "dib", "ico",
    "pbm", "pgm", "ppm", "pnm", "pam", "tga", "dds", "heic", "heif", "hif", "avif", "jxl", "jp2",
    "j2k", "psd", "mpo", "qoi",
];

/// Whether a file name's extension is one of a photo (camera RAWs included).
pub fn is_photo_extension(ext: &str) -> bool {
    let ext = ext.to_ascii_lowercase();
    PHOTO_EXTENSIONS.contains(&ext.as_str()) || RawKind::from_extension(&ext).is_some()
}

/// Every photo extension, lower and upper case (file dialogs match case on Linux).
pub fn photo_extensions_any_case() -> Vec<String> {
    PHOTO_EXTENSIONS
        .iter()
        .copied()
        .chain(RawKind::ALL.iter().map(|k| k.name()))
        .flat_map(|e| [e.to_string(), e.to_ascii_uppercase()])
        .collect()
}

/// An image format Lookalike decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PhotoFormat {
    /// JPEG (and MPO, whose first frame is a JPEG).
    Jpeg,
    /// PNG and APNG (first frame).
    Png,
    /// GIF (first frame).
    Gif,
    /// WebP (first frame).
    WebP,
    /// TIFF, including layouts the `image` crate refuses.
    Tiff,
    /// Windows bitmap.
    Bmp,
    /// Windows icon (largest entry).
    Ico,
    /// Netpbm PBM/PGM/PPM/PAM.
    Pnm,
    /// Truevision TGA (recognised by its file name).
    Tga,
    /// DirectDraw Surface texture (top mip level).
    Dds,
    /// Quite OK Image.
    Qoi,
    /// JPEG 2000 (`.jp2` file or raw codestream).
    Jpeg2000,
    /// SGI image (`.rgb`, `.bw`, `.sgi`).
    Sgi,
    /// Photoshop document (PSD/PSB), composite image.
    Psd,
    /// Apple icon (largest icon).
    Icns,
    /// X PixMap.
    Xpm,
    /// X BitMap.
    Xbm,
    /// FITS astronomy image (primary unit).
    Fits,
    /// ZSoft PCX.
    Pcx,
    /// Multi-page PCX (first page).
    Dcx,
    /// Sun raster.
    SunRaster,
    /// Portable float map.
    Pfm,
    /// Independence War 2 texture.
    Ftex,
    /// Blizzard texture.
    Blp,
    /// XV thumbnail (`P7 332`).
    XvThumb,
    /// GIMP brush.
    Gbr,
    /// Microsoft Paint.
    Msp,
    /// IFUNC/LabEye IM.
    Im,
    /// Windows bitmap without its file header (`.dib`).
    Dib,
    /// Windows cursor.
    Cur,
    /// Autodesk FLI/FLC animation (first frame).
    Fli,
    /// Encapsulated PostScript with a binary header (its TIFF preview).
    Eps,
    /// Pixar image computer file.
    Pixar,
    /// IM Tools image.
    Imt,
    /// SPIDER (electron microscopy) image.
    Spider,
    /// McIDAS area file (weather satellites).
    Mcidas,
    /// HEIF/HEIC (iPhone photos): the primary image.
    Heic,
    /// AVIF: the primary image.
    Avif,
    /// JPEG XL.
    Jxl,
    /// A camera RAW file, read from its largest embedded JPEG preview.
    Raw(RawKind),
}

impl PhotoFormat {
    /// Short lowercase name, stored in the catalog (`Decoded::format`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Jpeg => "jpeg",
            Self::Png => "png",
            Self::Gif => "gif",
            Self::WebP => "webp",
            Self::Tiff => "tiff",
            Self::Bmp => "bmp",
            Self::Ico => "ico",
            Self::Pnm => "pnm",
            Self::Tga => "tga",
            Self::Dds => "dds",
            Self::Qoi => "qoi",
            Self::Jpeg2000 => "jpeg2000",
            Self::Sgi => "sgi",
            Self::Psd => "psd",
            Self::Icns => "icns",
            Self::Xpm => "xpm",
            Self::Xbm => "xbm",
            Self::Fits => "fits",
            Self::Pcx => "pcx",
            Self::Dcx => "dcx",
            Self::SunRaster => "sun",
            Self::Pfm => "pfm",
            Self::Ftex => "ftex",
            Self::Blp => "blp",
            Self::XvThumb => "xvthumb",
            Self::Gbr => "gbr",
            Self::Msp => "msp",
            Self::Im => "im",
            Self::Dib => "dib",
            Self::Cur => "cur",
            Self::Fli => "fli",
            Self::Eps => "eps",
            Self::Pixar => "pixar",
            Self::Imt => "imt",
            Self::Spider => "spider",
            Self::Mcidas => "mcidas",
            Self::Heic => "heic",
            Self::Avif => "avif",
            Self::Jxl => "jxl",
            Self::Raw(kind) => kind.name(),
        }
    }

    /// The `image` crate's key for formats it decodes for us; `None` for our own decoders.
    pub fn image_format(self) -> Option<ImageFormat> {
        Some(match self {
            Self::Jpeg => ImageFormat::Jpeg,
            Self::Png => ImageFormat::Png,
            Self::Gif => ImageFormat::Gif,
            Self::WebP => ImageFormat::WebP,
            Self::Tiff => ImageFormat::Tiff,
            Self::Bmp => ImageFormat::Bmp,
            Self::Ico => ImageFormat::Ico,
            Self::Pnm => ImageFormat::Pnm,
            Self::Tga => ImageFormat::Tga,
            Self::Dds => ImageFormat::Dds,
            Self::Qoi => ImageFormat::Qoi,
            Self::Jpeg2000
            | Self::Sgi
            | Self::Psd
            | Self::Icns
            | Self::Xpm
            | Self::Xbm
            | Self::Fits
            | Self::Pcx
            | Self::Dcx
            | Self::SunRaster
            | Self::Pfm
            | Self::Ftex
            | Self::Blp
            | Self::XvThumb
            | Self::Gbr
            | Self::Msp
            | Self::Im
            | Self::Dib
            | Self::Cur
            | Self::Fli
            | Self::Eps
            | Self::Pixar
            | Self::Imt
            | Self::Spider
            | Self::Mcidas
            | Self::Heic
            | Self::Avif
            | Self::Jxl
            | Self::Raw(_) => return None,
        })
    }

    /// Our key for an `image` crate format we decode.
    pub fn from_image_format(f: ImageFormat) -> Option<Self> {
        Some(match f {
            ImageFormat::Jpeg => Self::Jpeg,
            ImageFormat::Png => Self::Png,
            ImageFormat::Gif => Self::Gif,
            ImageFormat::WebP => Self::WebP,
            ImageFormat::Tiff => Self::Tiff,
            ImageFormat::Bmp => Self::Bmp,
            ImageFormat::Ico => Self::Ico,
            ImageFormat::Pnm => Self::Pnm,
            ImageFormat::Tga => Self::Tga,
            ImageFormat::Dds => Self::Dds,
            ImageFormat::Qoi => Self::Qoi,
            _ => return None,
        })
    }
}

impl std::fmt::Display for PhotoFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
