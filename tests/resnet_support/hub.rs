//! A tiny HTTP/1.1 server on 127.0.0.1 standing in for the Hugging Face hub: `resolve` URLs
//! answer 302 to a `/cdn/...` URL with `X-Linked-Etag` (like the hub does for LFS files), and
//! the CDN URL serves the bytes with a `Content-Length`, honouring `Range: bytes=N-` with a 206
//! (as the hub's CDN does). It can also cut its first transfer short, like a dropped connection.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// A running fake hub; the serving thread ends with the test process.
pub struct FakeHub {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Number of requests served.
    pub requests: Arc<AtomicUsize>,
    /// The `Range` headers received, in order.
    pub ranges: Arc<Mutex<Vec<String>>>,
    /// The request paths received, in order.
    pub paths: Arc<Mutex<Vec<String>>>,
}

/// How the fake hub misbehaves.
#[derive(Debug, Clone, Copy, Default)]
pub struct Behaviour {
    /// The first CDN transfer announces the full length but closes after this many bytes.
    pub cut_first_after: Option<usize>,
}

/// Serves `body` for every `.../resolve/<revision>/<file>` path, announcing `etag` as the LFS SHA-256.
pub fn serve(body: Vec<u8>, etag: String) -> FakeHub {
    serve_with(body, etag, Behaviour::default())
}

/// [`serve`], misbehaving as `behaviour` says.
pub fn serve_with(body: Vec<u8>, etag: String, behaviour: Behaviour) -> FakeHub {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let requests = Arc::new(AtomicUsize::new(0));
    let ranges = Arc::new(Mutex::new(Vec::new()));
    let paths = Arc::new(Mutex::new(Vec::new()));
    let (counter, seen, asked) = (
        Arc::clone(&requests),
        Arc::clone(&ranges),
        Arc::clone(&paths),
    );
    let body = Arc::new(body);
    std::thread::spawn(move || {
        let mut cdn_transfers = 0usize;
        for stream in listener.incoming().flatten() {
            counter.fetch_add(1, Ordering::SeqCst);
            let _ = handle(
                stream,
                &body,
                &etag,
                behaviour,
                &mut cdn_transfers,
                (&seen, &asked),
            );
        }
    });
    FakeHub {
        base,
        requests,
        ranges,
        paths,
    }
}

fn handle(
    mut stream: TcpStream,
    body: &[u8],
    etag: &str,
    behaviour: Behaviour,
    cdn_transfers: &mut usize,
    (seen, asked): (&Mutex<Vec<String>>, &Mutex<Vec<String>>),
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut range_from: Option<usize> = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" || line == "\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.trim().eq_ignore_ascii_case("range")
        {
            let value = value.trim().to_string();
            range_from = value
                .strip_prefix("bytes=")
                .and_then(|v| v.strip_suffix('-'))
                .and_then(|v| v.parse().ok());
            seen.lock().expect("ranges").push(value);
        }
    }
    let path = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .to_string();
    asked.lock().expect("paths").push(path.clone());
    // `/{repo}/resolve/{revision}/{file}` redirects to `/cdn/{file}`.
    if let Some(rest) = path
        .split_once("/resolve/")
        .and_then(|(_, after)| after.split_once('/'))
        .map(|(_, file)| file)
    {
        let head = format!(
            "HTTP/1.1 302 Found\r\nLocation: /cdn/{rest}\r\nX-Linked-Etag: \"{etag}\"\r\n\
             X-Linked-Size: {}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes())?;
    } else if path.starts_with("/cdn/") {
        *cdn_transfers += 1;
        let from = range_from.filter(|&f| f <= body.len());
        let part = &body[from.unwrap_or(0)..];
        let head = match from {
            Some(f) => format!(
                "HTTP/1.1 206 Partial Content\r\nContent-Type: application/octet-stream\r\n\
                 Content-Range: bytes {f}-{}/{}\r\nContent-Length: {}\r\n\
                 Connection: close\r\n\r\n",
                body.len().saturating_sub(1),
                body.len(),
                part.len()
            ),
            None => format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n",
                part.len()
            ),
        };
        stream.write_all(head.as_bytes())?;
        match behaviour.cut_first_after {
            Some(n) if *cdn_transfers == 1 => stream.write_all(&part[..n.min(part.len())])?,
            _ => stream.write_all(part)?,
        }
    } else {
        stream.write_all(
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        )?;
    }
    stream.flush()
}
