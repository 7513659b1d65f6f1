//! The shape of a photo: portrait, landscape or square.

/// The shape of a photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Orientation {
    /// Taller than wide.
    Portrait,
    /// Wider than tall.
    Landscape,
    /// As wide as tall.
    Square,
}

impl Orientation {
    /// Every orientation, in the order they are offered.
    pub const ALL: [Orientation; 3] = [Self::Portrait, Self::Landscape, Self::Square];

    /// The shape of an upright `width` × `height` photo; `None` when its size is unknown (0).
    pub fn of(width: u32, height: u32) -> Option<Self> {
        if width == 0 || height == 0 {
            return None;
        }
        Some(match width.cmp(&height) {
            std::cmp::Ordering::Less => Self::Portrait,
            std::cmp::Ordering::Greater => Self::Landscape,
            std::cmp::Ordering::Equal => Self::Square,
        })
    }

    /// The lower-case name ("portrait").
    pub fn name(self) -> &'static str {
        match self {
            Self::Portrait => "portrait",
            Self::Landscape => "landscape",
            Self::Square => "square",
        }
    }

    /// The name shown to a person ("Portrait").
    pub fn label(self) -> &'static str {
        match self {
            Self::Portrait => "Portrait",
            Self::Landscape => "Landscape",
            Self::Square => "Square",
        }
    }
}

impl std::str::FromStr for Orientation {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_lowercase();
        Self::ALL
            .iter()
            .find(|o| o.name() == t)
            .copied()
            .ok_or_else(|| {
                format!(
                    "unknown orientation `{}`: use portrait, landscape or square",
                    s.trim()
                )
            })
    }
}
