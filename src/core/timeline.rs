//! Start-up timeline for performance work: with `LOOKALIKE_TRACE=1` set, [`mark`] prints
//! `lookalike: +123 ms <what>` to stderr, timed from the first mark (made first thing in `main`).
//! Costs one relaxed check per call otherwise.

use std::sync::OnceLock;
use std::time::Instant;

struct Timeline {
    enabled: bool,
    start: Instant,
}

fn timeline() -> &'static Timeline {
    static T: OnceLock<Timeline> = OnceLock::new();
    T.get_or_init(|| Timeline {
        enabled: std::env::var_os("LOOKALIKE_TRACE").is_some_and(|v| v != "0"),
        start: Instant::now(),
    })
}

/// Note that `what` happened now (printed only with `LOOKALIKE_TRACE=1`).
pub fn mark(what: impl std::fmt::Display) {
    let t = timeline();
    if t.enabled {
        eprintln!(
            "lookalike: +{:.0} ms {what}",
            t.start.elapsed().as_secs_f64() * 1e3
        );
    }
}
