//! One window per data dir: a second `lookalike PHOTO` (the file manager's "Open with") hands
//! its photo to the window already open instead of starting a second window and indexer.
//!
//! The process that takes `<key>.lock` (a file lock the OS drops when the process dies) owns the
//! data dir's window and listens beside it: on Unix on the socket `<key>.sock` in a folder only
//! the user can enter (`$XDG_RUNTIME_DIR/lookalike`; in a Flatpak the app's shared runtime
//! folder); elsewhere on a loopback TCP port written to `<key>.port` with a random token that a
//! client must send back. Another process connects, sends one [`OpenRequest`] and waits for
//! `ok` (`instance/wire.rs` has the format). `<key>` hashes the data dir, so two data dirs get
//! two windows.

mod wire;

use crossbeam_channel::Receiver;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use wire::{Conn, Listener, encode, path_bytes, read_request};

/// What a second process asks the open window for. Paths are absolute.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpenRequest {
    /// A folder to add to the library and scan.
    pub library: Option<PathBuf>,
    /// A photo to search for.
    pub query: Option<PathBuf>,
}

/// What [`claim`] found.
#[derive(Debug)]
pub enum Claim {
    /// This process owns the data dir's window: open it and [`Server::serve`] later requests.
    Primary(Server),
    /// The window already open took the request: nothing more to do.
    Delivered,
    /// No hand-off is possible here (no private runtime folder...): open a window anyway.
    Alone(String),
}

/// Why a request could not be handed over.
#[derive(Debug, thiserror::Error)]
pub enum HandOffError {
    /// A window is open for the data dir but did not take the request.
    #[error(
        "the Lookalike window already open for this data dir did not take the request ({0}); \
         close it and try again"
    )]
    NoAnswer(String),
}

/// How the two processes meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// A Unix domain socket (every Unix).
    #[cfg(unix)]
    Unix,
    /// Loopback TCP with a port file and a token (elsewhere; tests on Unix).
    Tcp,
}

impl Transport {
    /// The platform's transport.
    pub fn native() -> Self {
        #[cfg(unix)]
        {
            Self::Unix
        }
        #[cfg(not(unix))]
        {
            Self::Tcp
        }
    }
}

/// Where the windows of one data dir meet: `<dir>/<key>.{lock,sock,port}`.
#[derive(Debug, Clone)]
pub struct Rendezvous {
    dir: PathBuf,
    key: String,
    transport: Transport,
}

/// How long a request may take to be answered.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a client waits to connect, and the server for a client's request.
const READ_TIMEOUT: Duration = Duration::from_secs(2);

impl Rendezvous {
    /// The meeting place of `data_dir` in the user's runtime folder.
    pub fn for_data_dir(data_dir: &Path) -> Self {
        Self::in_dir(&runtime_dir(), data_dir, Transport::native())
    }

    /// The meeting place of `data_dir` in `dir` (tests).
    pub fn in_dir(dir: &Path, data_dir: &Path, transport: Transport) -> Self {
        let hash = blake3::hash(path_bytes(data_dir).as_slice()).to_hex();
        Self {
            dir: dir.to_path_buf(),
            key: hash.as_str()[..16].to_string(),
            transport,
        }
    }

    fn file(&self, ext: &str) -> PathBuf {
        self.dir.join(format!("{}.{ext}", self.key))
    }

    /// The folder, created private to the user; refused when others may enter it.
    fn prepare_dir(&self) -> io::Result<()> {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
            builder.mode(0o700);
            builder.create(&self.dir)?;
            let mode = std::fs::metadata(&self.dir)?.permissions().mode();
            if mode & 0o077 != 0 {
                return Err(io::Error::other(format!(
                    "{} is open to other users",
                    self.dir.display()
                )));
            }
            Ok(())
        }
        #[cfg(not(unix))]
        builder.create(&self.dir)
    }

    /// Take the lock and listen; `None` when another process holds the lock.
    fn try_own(&self) -> io::Result<Option<Server>> {
        self.prepare_dir()?;
        let lock = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(self.file("lock"))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => return Ok(None),
            Err(std::fs::TryLockError::Error(e)) => return Err(e),
        }
        let listener = match self.transport {
            #[cfg(unix)]
            Transport::Unix => {
                // A socket file left by a process that died: we hold the lock, so it is stale.
                let path = self.file("sock");
                let _ = std::fs::remove_file(&path);
                Listener::Unix(std::os::unix::net::UnixListener::bind(&path)?)
            }
            Transport::Tcp => {
                let listener = TcpListener::bind(("127.0.0.1", 0))?;
                let token = new_token();
                let port = listener.local_addr()?.port();
                crate::core::datadir::write_atomic(
                    &self.file("port"),
                    format!("{port} {token}\n").as_bytes(),
                )
                .map_err(io::Error::other)?;
                Listener::Tcp(listener, token)
            }
        };
        Ok(Some(Server {
            listener,
            _lock: lock,
        }))
    }

    /// Connect to the owner; `None` when no process listens.
    fn connect(&self) -> Option<(Conn, String)> {
        match self.transport {
            #[cfg(unix)]
            Transport::Unix => std::os::unix::net::UnixStream::connect(self.file("sock"))
                .ok()
                .map(|s| (Conn::Unix(s), "-".to_string())),
            Transport::Tcp => {
                let text = std::fs::read_to_string(self.file("port")).ok()?;
                let (port, token) = text.trim().split_once(' ')?;
                let port: u16 = port.parse().ok()?;
                let stream =
                    TcpStream::connect_timeout(&(([127, 0, 0, 1], port).into()), READ_TIMEOUT)
                        .ok()?;
                Some((Conn::Tcp(stream), token.to_string()))
            }
        }
    }

    /// Send `request` to the owner. `Ok(false)`: nobody listens.
    fn send(&self, request: &OpenRequest) -> Result<bool, HandOffError> {
        let Some((mut conn, token)) = self.connect() else {
            return Ok(false);
        };
        let fail = |e: io::Error| HandOffError::NoAnswer(e.to_string());
        conn.set_timeout(Some(ANSWER_TIMEOUT)).map_err(fail)?;
        conn.write_all(&encode(request, &token)).map_err(fail)?;
        conn.shutdown_write().map_err(fail)?;
        let mut answer = String::new();
        BufReader::new(Read::take(&mut conn, 4096))
            .read_line(&mut answer)
            .map_err(fail)?;
        match answer.trim() {
            "ok" => Ok(true),
            "" => Err(HandOffError::NoAnswer("no answer".into())),
            other => Err(HandOffError::NoAnswer(
                other.trim_start_matches("error: ").to_string(),
            )),
        }
    }
}

/// Hand `request` to the window open for the data dir at `rv`, or become that window. Waits
/// up to `patience` for a process that holds the lock but does not listen yet.
pub fn claim(
    rv: &Rendezvous,
    request: &OpenRequest,
    patience: Duration,
) -> Result<Claim, HandOffError> {
    let deadline = Instant::now() + patience;
    loop {
        if rv.send(request)? {
            return Ok(Claim::Delivered);
        }
        match rv.try_own() {
            Ok(Some(server)) => return Ok(Claim::Primary(server)),
            Ok(None) => {}
            Err(e) => return Ok(Claim::Alone(format!("no single window: {e}"))),
        }
        if Instant::now() >= deadline {
            return Ok(Claim::Alone(
                "another Lookalike holds the single-window lock but does not answer".into(),
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The owner's listening end; holds the lock while it lives.
#[derive(Debug)]
pub struct Server {
    listener: Listener,
    _lock: File,
}

impl Server {
    /// Answer requests on a thread of its own until the process ends: each one goes to the
    /// returned receiver, then `waker` is called (in the window: `ctx.request_repaint()`).
    pub fn serve(self, waker: Box<dyn Fn() + Send>) -> io::Result<Receiver<OpenRequest>> {
        let (tx, rx) = crossbeam_channel::bounded(16);
        std::thread::Builder::new()
            .name("lookalike-instance".into())
            .spawn(move || {
                loop {
                    let Ok((mut conn, token)) = self.listener.accept() else {
                        continue;
                    };
                    let answer = match read_request(&mut conn, token) {
                        Ok(req) => match tx.try_send(req) {
                            Ok(()) => "ok\n".to_string(),
                            Err(crossbeam_channel::TrySendError::Full(_)) => {
                                "error: the window is busy\n".to_string()
                            }
                            Err(crossbeam_channel::TrySendError::Disconnected(_)) => {
                                let _ = conn.write_all(b"error: the window is closing\n");
                                return;
                            }
                        },
                        Err(e) => format!("error: {e}\n"),
                    };
                    let _ = conn.write_all(answer.as_bytes());
                    waker();
                }
            })?;
        Ok(rx)
    }
}

/// The user's private runtime folder for the rendezvous files.
fn runtime_dir() -> PathBuf {
    let runtime = std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute() && p.is_dir());
    match (runtime, std::env::var_os("FLATPAK_ID")) {
        // Each Flatpak sandbox has its own runtime folder except this one, shared by the app.
        (Some(r), Some(id)) => r.join("app").join(id),
        (Some(r), None) => r.join("lookalike"),
        (None, _) => {
            let user = std::env::var("USER")
                .or_else(|_| std::env::var("USERNAME"))
                .unwrap_or_else(|_| "user".into());
            let user: String = user
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                .collect();
            std::env::temp_dir().join(format!("lookalike-{user}"))
        }
    }
}

/// A token nobody else can guess (for the TCP transport).
fn new_token() -> String {
    let mut h = blake3::Hasher::new();
    h.update(&std::process::id().to_le_bytes());
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    h.update(&now.as_nanos().to_le_bytes());
    // RandomState is seeded from the OS's random source.
    let random =
        std::hash::BuildHasher::hash_one(&std::collections::hash_map::RandomState::new(), 0);
    h.update(&random.to_le_bytes());
    h.finalize().to_hex().as_str()[..32].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hand_off_works(transport: Transport) {
        let tmp = tempfile::tempdir().expect("tempdir");
        let rv = Rendezvous::in_dir(&tmp.path().join("run"), Path::new("/data/a"), transport);
        let request = OpenRequest {
            library: None,
            query: Some(PathBuf::from("/photos/a b\nc.jpg")),
        };
        let Ok(Claim::Primary(server)) = claim(&rv, &request, Duration::from_secs(1)) else {
            panic!("the first claim owns the window");
        };
        let inbox = server.serve(Box::new(|| {})).expect("serve");
        let second = claim(&rv, &request, Duration::from_secs(1)).expect("hand-off");
        assert!(matches!(second, Claim::Delivered), "{second:?}");
        assert_eq!(
            inbox.recv_timeout(Duration::from_secs(5)).ok(),
            Some(request)
        );
        // Another data dir has its own window.
        let other = Rendezvous::in_dir(&tmp.path().join("run"), Path::new("/data/b"), transport);
        let third = claim(&other, &OpenRequest::default(), Duration::from_secs(1));
        assert!(matches!(third, Ok(Claim::Primary(_))));
    }

    #[cfg(unix)]
    #[test]
    fn hand_off_over_a_unix_socket() {
        hand_off_works(Transport::Unix);
    }

    #[test]
    fn hand_off_over_loopback_tcp() {
        hand_off_works(Transport::Tcp);
    }
}
