//! The wire of the single-window hand-off: the two transports' sockets, and the request's bytes.
//!
//! `lookalike-open 1 TOKEN\n`, then `library\0PATH\0` and/or `query\0PATH\0` (paths never hold
//! NUL), then the client closes its writing half; the answer is one line, `ok` or `error: ...`.

use super::{OpenRequest, READ_TIMEOUT};
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The largest request read.
const MAX_REQUEST: u64 = 64 * 1024;
/// First line of a request (then the token).
const MAGIC: &str = "lookalike-open 1";

#[derive(Debug)]
pub(super) enum Listener {
    #[cfg(unix)]
    Unix(std::os::unix::net::UnixListener),
    Tcp(TcpListener, String),
}

impl Listener {
    /// The next connection and the token it must send.
    pub(super) fn accept(&self) -> io::Result<(Conn, &str)> {
        match self {
            #[cfg(unix)]
            Self::Unix(l) => Ok((Conn::Unix(l.accept()?.0), "-")),
            Self::Tcp(l, token) => Ok((Conn::Tcp(l.accept()?.0), token.as_str())),
        }
    }
}

pub(super) enum Conn {
    #[cfg(unix)]
    Unix(std::os::unix::net::UnixStream),
    Tcp(TcpStream),
}

impl Conn {
    pub(super) fn set_timeout(&self, t: Option<Duration>) -> io::Result<()> {
        match self {
            #[cfg(unix)]
            Self::Unix(s) => s.set_read_timeout(t).and(s.set_write_timeout(t)),
            Self::Tcp(s) => s.set_read_timeout(t).and(s.set_write_timeout(t)),
        }
    }
    pub(super) fn shutdown_write(&self) -> io::Result<()> {
        match self {
            #[cfg(unix)]
            Self::Unix(s) => s.shutdown(Shutdown::Write),
            Self::Tcp(s) => s.shutdown(Shutdown::Write),
        }
    }
}

impl Read for Conn {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            #[cfg(unix)]
            Self::Unix(s) => s.read(buf),
            Self::Tcp(s) => s.read(buf),
        }
    }
}

impl Write for Conn {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            #[cfg(unix)]
            Self::Unix(s) => s.write(buf),
            Self::Tcp(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            #[cfg(unix)]
            Self::Unix(s) => s.flush(),
            Self::Tcp(s) => s.flush(),
        }
    }
}

/// The bytes of a request.
pub(super) fn encode(request: &OpenRequest, token: &str) -> Vec<u8> {
    let mut out = format!("{MAGIC} {token}\n").into_bytes();
    for (kind, path) in [("library", &request.library), ("query", &request.query)] {
        if let Some(p) = path {
            out.extend_from_slice(kind.as_bytes());
            out.push(0);
            out.extend_from_slice(&path_bytes(p));
            out.push(0);
        }
    }
    out
}

/// Read and check one request.
pub(super) fn read_request(conn: &mut Conn, token: &str) -> Result<OpenRequest, String> {
    conn.set_timeout(Some(READ_TIMEOUT))
        .map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    Read::take(conn, MAX_REQUEST)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read the request: {e}"))?;
    decode(&bytes, token)
}

/// Parse the bytes of a request sent with `token`.
pub(super) fn decode(bytes: &[u8], token: &str) -> Result<OpenRequest, String> {
    let newline = bytes
        .iter()
        .position(|&b| b == b'\n')
        .ok_or("not a Lookalike request")?;
    if bytes[..newline] != *format!("{MAGIC} {token}").as_bytes() {
        return Err("not a Lookalike request, or a wrong token".into());
    }
    let mut request = OpenRequest::default();
    let mut fields = bytes[newline + 1..].split(|&b| b == 0);
    while let Some(kind) = fields.next().filter(|k| !k.is_empty()) {
        let path = fields
            .next()
            .map(path_from_bytes)
            .ok_or("a request field has no path")??;
        match kind {
            b"library" => request.library = Some(path),
            b"query" => request.query = Some(path),
            _ => return Err("unknown request field".into()),
        }
    }
    Ok(request)
}

pub(super) fn path_bytes(p: &Path) -> Vec<u8> {
    #[cfg(unix)]
    {
        std::os::unix::ffi::OsStrExt::as_bytes(p.as_os_str()).to_vec()
    }
    #[cfg(not(unix))]
    {
        p.to_string_lossy().as_bytes().to_vec()
    }
}

fn path_from_bytes(b: &[u8]) -> Result<PathBuf, String> {
    #[cfg(unix)]
    let p = PathBuf::from(<std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(b));
    #[cfg(not(unix))]
    let p = PathBuf::from(std::str::from_utf8(b).map_err(|e| e.to_string())?);
    if p.is_absolute() {
        Ok(p)
    } else {
        Err(format!("{} is not an absolute path", p.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_round_trip_and_strangers_are_refused() {
        let req = OpenRequest {
            library: Some(PathBuf::from("/lib")),
            query: Some(PathBuf::from("/q.jpg")),
        };
        assert_eq!(decode(&encode(&req, "t1"), "t1"), Ok(req.clone()));
        assert!(decode(&encode(&req, "t1"), "t2").is_err());
        assert!(decode(b"GET / HTTP/1.1\r\n\r\n", "-").is_err());
        let relative = OpenRequest {
            library: None,
            query: Some(PathBuf::from("q.jpg")),
        };
        assert!(decode(&encode(&relative, "-"), "-").is_err());
        assert_eq!(
            decode(&encode(&OpenRequest::default(), "-"), "-"),
            Ok(OpenRequest::default())
        );
    }
}
