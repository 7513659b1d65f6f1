//! The camera RAW formats we recognise, by maker.

/// A camera RAW format. Its [`RawKind::name`] is the lowercase extension stored in the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RawKind {
    /// Canon CR2 (TIFF-structured).
    Cr2,
    /// Canon CR3 (ISO-BMFF container).
    Cr3,
    /// Canon CRW (CIFF, older cameras).
    Crw,
    /// Nikon NEF.
    Nef,
    /// Nikon NRW (compact cameras).
    Nrw,
    /// Sony ARW.
    Arw,
    /// Sony SR2.
    Sr2,
    /// Sony SRF.
    Srf,
    /// Adobe DNG (also written by phones: Apple ProRAW, Google, Samsung).
    Dng,
    /// Fujifilm RAF.
    Raf,
    /// Olympus / OM System ORF.
    Orf,
    /// Panasonic RW2.
    Rw2,
    /// Panasonic / Leica RAW.
    PanasonicRaw,
    /// Leica RWL.
    Rwl,
    /// Pentax PEF.
    Pef,
    /// Samsung SRW.
    Srw,
    /// Hasselblad 3FR.
    ThreeFr,
    /// Hasselblad FFF.
    Fff,
    /// Phase One IIQ.
    Iiq,
    /// Epson ERF.
    Erf,
    /// Kodak DCR.
    Dcr,
    /// Kodak KDC.
    Kdc,
    /// Minolta MRW.
    Mrw,
    /// Leaf MOS.
    Mos,
    /// Mamiya MEF.
    Mef,
    /// Sigma X3F.
    X3f,
}

impl RawKind {
    /// Every kind, for listings (README, file dialogs).
    pub const ALL: [RawKind; 26] = [
        Self::Cr2,
        Self::Cr3,
        Self::Crw,
        Self::Nef,
        Self::Nrw,
        Self::Arw,
        Self::Sr2,
        Self::Srf,
        Self::Dng,
        Self::Raf,
        Self::Orf,
        Self::Rw2,
        Self::PanasonicRaw,
        Self::Rwl,
        Self::Pef,
        Self::Srw,
        Self::ThreeFr,
        Self::Fff,
        Self::Iiq,
        Self::Erf,
        Self::Dcr,
        Self::Kdc,
        Self::Mrw,
        Self::Mos,
        Self::Mef,
        Self::X3f,
    ];

    /// The lowercase file extension, also the format name stored in the catalog.
    pub fn name(self) -> &'static str {
        match self {
            Self::Cr2 => "cr2",
            Self::Cr3 => "cr3",
            Self::Crw => "crw",
            Self::Nef => "nef",
            Self::Nrw => "nrw",
            Self::Arw => "arw",
            Self::Sr2 => "sr2",
            Self::Srf => "srf",
            Self::Dng => "dng",
            Self::Raf => "raf",
            Self::Orf => "orf",
            Self::Rw2 => "rw2",
            Self::PanasonicRaw => "raw",
            Self::Rwl => "rwl",
            Self::Pef => "pef",
            Self::Srw => "srw",
            Self::ThreeFr => "3fr",
            Self::Fff => "fff",
            Self::Iiq => "iiq",
            Self::Erf => "erf",
            Self::Dcr => "dcr",
            Self::Kdc => "kdc",
            Self::Mrw => "mrw",
            Self::Mos => "mos",
            Self::Mef => "mef",
            Self::X3f => "x3f",
        }
    }

    /// The kind a file extension names (any case), `None` for other extensions.
    pub fn from_extension(ext: &str) -> Option<Self> {
        let ext = ext.to_ascii_lowercase();
        Self::ALL.into_iter().find(|k| k.name() == ext)
    }

    /// Whether a format name stored in the catalog is a camera RAW.
    pub fn is_raw_name(name: &str) -> bool {
        Self::ALL.iter().any(|k| k.name() == name)
    }
}
