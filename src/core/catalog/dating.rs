//! When a photo was taken, as far as it can be known without trusting the file's date.

use super::PhotoInfo;
use crate::core::metadata::{CaptureTime, capture_time_in_name};
use std::borrow::Cow;

/// Where a photo's capture time comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateSource {
    /// The camera's EXIF.
    Camera,
    /// A date written in the file name by a phone or messenger (WhatsApp, screenshots, ...),
    /// for a photo without EXIF: local time, no time zone.
    FileName,
}

impl PhotoInfo {
    /// When the photo was taken: its camera's EXIF capture time, else the date in its file name
    /// (`IMG-20190704-WA0001.jpg`, `Screenshot_20190704-153012.png`, see
    /// [`capture_time_in_name`]); `None` when neither says (never the file's modification time,
    /// which is the copy's, not the photo's).
    pub fn dated(&self) -> Option<(Cow<'_, CaptureTime>, DateSource)> {
        match &self.taken {
            Some(t) => Some((Cow::Borrowed(t), DateSource::Camera)),
            None => self
                .path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(capture_time_in_name)
                .map(|t| (Cow::Owned(t), DateSource::FileName)),
        }
    }
}
