//! Frame-time statistics for the debug overlay (F12) and `LOOKALIKE_FRAME_LOG=1`.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Frame-time statistics for the debug overlay (F12) and `LOOKALIKE_FRAME_LOG=1`.
#[derive(Debug)]
pub struct FrameStats {
    recent_ms: VecDeque<f32>,
    log: bool,
    last_log: Instant,
}

impl FrameStats {
    /// Empty statistics; logging when `LOOKALIKE_FRAME_LOG` is set.
    pub fn new() -> Self {
        Self {
            recent_ms: VecDeque::with_capacity(240),
            log: std::env::var_os("LOOKALIKE_FRAME_LOG").is_some(),
            last_log: Instant::now(),
        }
    }

    /// Add one frame.
    pub fn record(&mut self, d: Duration) {
        if self.recent_ms.len() == 240 {
            self.recent_ms.pop_front();
        }
        self.recent_ms.push_back(d.as_secs_f32() * 1e3);
        if self.log && self.last_log.elapsed() >= Duration::from_secs(5) {
            self.last_log = Instant::now();
            let (avg, max, over) = self.summary();
            eprintln!(
                "lookalike: frames: {} recent, avg {avg:.2} ms, max {max:.2} ms, {over} over 16 ms",
                self.recent_ms.len()
            );
        }
    }

    /// Average and maximum frame time (ms) over recent frames, and how many exceeded 16 ms.
    pub fn summary(&self) -> (f32, f32, usize) {
        let n = self.recent_ms.len().max(1) as f32;
        let avg = self.recent_ms.iter().sum::<f32>() / n;
        let max = self.recent_ms.iter().copied().fold(0.0, f32::max);
        let over = self.recent_ms.iter().filter(|&&m| m > 16.0).count();
        (avg, max, over)
    }
}

impl Default for FrameStats {
    fn default() -> Self {
        Self::new()
    }
}
