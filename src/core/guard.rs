//! Panics caught on purpose (a decoder that panics on a hostile file, a crate that panics on a
//! corrupt weight file) are reported as that file's error. [`catch`] runs such code; with
//! [`install_quiet_hook`] in place, the panic message it would print is kept off the terminal,
//! since the caller already reports the file in one readable line. Any other panic still prints.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, UnwindSafe};

thread_local! {
    static CATCHING: Cell<u32> = const { Cell::new(0) };
}

/// Run `f`, turning a panic into `Err` (like [`std::panic::catch_unwind`]) without printing it.
pub fn catch<R>(f: impl FnOnce() -> R + UnwindSafe) -> std::thread::Result<R> {
    CATCHING.with(|c| c.set(c.get() + 1));
    let r = std::panic::catch_unwind(f);
    CATCHING.with(|c| c.set(c.get().saturating_sub(1)));
    r
}

/// [`catch`] for closures that borrow mutable state (the caller discards that state on a panic).
pub fn catch_any<R>(f: impl FnOnce() -> R) -> std::thread::Result<R> {
    catch(AssertUnwindSafe(f))
}

/// Whether this thread is inside [`catch`] now.
pub fn catching() -> bool {
    CATCHING.with(|c| c.get() > 0)
}

/// Keep the messages of panics caught by [`catch`] off stderr (set `RUST_BACKTRACE` or
/// `LOOKALIKE_SHOW_PANICS=1` to see them anyway). Other panics print as before.
pub fn install_quiet_hook() {
    if std::env::var_os("LOOKALIKE_SHOW_PANICS").is_some() {
        return;
    }
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !catching() {
            default(info);
        }
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caught_panics_become_errors_and_nesting_is_tracked() {
        assert!(!catching());
        let r = catch(|| {
            assert!(catching());
            let inner: std::thread::Result<()> = catch(|| panic!("inner"));
            assert!(inner.is_err());
            assert!(catching(), "still inside the outer catch");
            7
        });
        assert_eq!(r.ok(), Some(7));
        assert!(!catching());
        let mut v = vec![1];
        let r = catch_any(|| {
            v.push(2);
            panic!("boom")
        });
        assert!(r.is_err());
        assert!(!catching(), "reset after a panic");
    }
}
