//! Running ffmpeg or ffprobe as a child process with a time bound and a bound on what it writes.
//!
//! Both pipes are read on helper threads so a chatty child never blocks on a full pipe; the
//! caller's thread waits with a deadline and kills (and reaps) the child when it passes. A helper
//! thread ends when its pipe closes, which for ffmpeg is when the child dies; nothing waits for it
//! past a short grace period, so a stuck grandchild cannot hang the caller either.

use std::io::Read;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// How much of stderr we keep (the rest is read and dropped).
const MAX_STDERR: usize = 64 * 1024;
/// How long we wait for a pipe to close once the child has exited.
const PIPE_GRACE: Duration = Duration::from_secs(2);
/// How often the caller's thread looks at a child that closed stdout but has not exited.
const POLL: Duration = Duration::from_millis(5);

/// What a finished child left.
#[derive(Debug)]
pub(crate) struct RunOutput {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// Why [`run_bounded`] gave up.
#[derive(Debug)]
pub(crate) enum RunError {
    /// The program could not be started.
    Spawn(std::io::Error),
    /// It ran past the deadline; it was killed and reaped.
    TimedOut,
    /// It wrote more than the bound to stdout; it was killed and reaped.
    TooMuchOutput,
}

/// What the stdout reader reports.
enum PipeEnd {
    Closed(Vec<u8>),
    Overflow,
    Failed,
}

/// Run `cmd` (stdin closed, stdout and stderr captured) for at most `timeout`, keeping at most
/// `max_stdout` bytes of its stdout.
pub(crate) fn run_bounded(
    cmd: &mut Command,
    timeout: Duration,
    max_stdout: usize,
) -> Result<RunOutput, RunError> {
    let deadline = Instant::now() + timeout;
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(RunError::Spawn)?;
    let out_rx = match child.stdout.take() {
        Some(pipe) => spawn_reader("ffmpeg-stdout", pipe, max_stdout, true),
        None => None,
    };
    let err_rx = match child.stderr.take() {
        Some(pipe) => spawn_reader("ffmpeg-stderr", pipe, MAX_STDERR, false),
        None => None,
    };
    let Some(out_rx) = out_rx else {
        kill_and_reap(&mut child);
        return Err(RunError::Spawn(std::io::Error::other(
            "cannot start a thread to read its output",
        )));
    };

    // Stdout closes when the child exits (or closes it early); either way wait for the end.
    let stdout = match out_rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        Ok(PipeEnd::Closed(bytes)) => bytes,
        Ok(PipeEnd::Overflow) => {
            kill_and_reap(&mut child);
            return Err(RunError::TooMuchOutput);
        }
        Ok(PipeEnd::Failed) | Err(RecvTimeoutError::Disconnected) => Vec::new(),
        Err(RecvTimeoutError::Timeout) => {
            kill_and_reap(&mut child);
            return Err(RunError::TimedOut);
        }
    };
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => std::thread::sleep(POLL),
            Ok(None) => {
                kill_and_reap(&mut child);
                return Err(RunError::TimedOut);
            }
            Err(e) => {
                kill_and_reap(&mut child);
                return Err(RunError::Spawn(e));
            }
        }
    };
    let stderr = err_rx
        .and_then(|rx| rx.recv_timeout(PIPE_GRACE).ok())
        .and_then(|end| match end {
            PipeEnd::Closed(bytes) => Some(bytes),
            _ => None,
        })
        .unwrap_or_default();
    Ok(RunOutput {
        status,
        stdout,
        stderr,
    })
}

/// Kill the child and wait for it so it leaves no zombie. Errors mean it had already exited.
fn kill_and_reap(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// Read `pipe` to its end on a helper thread. With `strict`, more than `max` bytes is reported as
/// [`PipeEnd::Overflow`] (and reading stops); otherwise bytes past `max` are read and dropped.
fn spawn_reader<R: Read + Send + 'static>(
    name: &str,
    mut pipe: R,
    max: usize,
    strict: bool,
) -> Option<Receiver<PipeEnd>> {
    let (tx, rx) = mpsc::sync_channel(1);
    let spawned = std::thread::Builder::new()
        .name(name.into())
        .spawn(move || {
            let mut kept = Vec::new();
            let mut buf = vec![0u8; 64 * 1024];
            let end = loop {
                match pipe.read(&mut buf) {
                    Ok(0) => break PipeEnd::Closed(kept),
                    Ok(n) => {
                        let room = max.saturating_sub(kept.len());
                        if n > room && strict {
                            break PipeEnd::Overflow;
                        }
                        kept.extend_from_slice(&buf[..n.min(room)]);
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(_) => break PipeEnd::Failed,
                }
            };
            let _ = tx.send(end);
        });
    spawned.ok().map(|_| rx)
}

/// The first line of a tool's stderr worth showing a person: without ffmpeg's
/// `[demuxer @ 0x…] ` prefix or a leading `path: `.
pub(crate) fn first_stderr_line(stderr: &[u8], path: &std::path::Path) -> Option<String> {
    let text = String::from_utf8_lossy(stderr);
    let path_prefix = format!("{}: ", path.display());
    text.lines()
        .map(|line| {
            let mut line = line.trim();
            if line.starts_with('[')
                && let Some(end) = line.find("] ")
                && line[..end].contains(" @ ")
            {
                line = line[end + 2..].trim_start();
            }
            line.strip_prefix(path_prefix.as_str())
                .unwrap_or(line)
                .trim()
                .to_string()
        })
        .find(|line| !line.is_empty())
        .map(|line| {
            if line.chars().count() > 200 {
                let cut: String = line.chars().take(200).collect();
                format!("{cut}…")
            } else {
                line
            }
        })
}
