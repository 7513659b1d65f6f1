//! A tiny HTTP/1.1 server on 127.0.0.1 standing in for the Hugging Face hub: `resolve` URLs
//! answer 302 to a `/cdn/...` URL with `X-Linked-Etag` (like the hub does for LFS files), and
//! the CDN URL serves the bytes with a `Content-Length`.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A running fake hub; the serving thread ends with the test process.
pub struct FakeHub {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Number of requests served.
    pub requests: Arc<AtomicUsize>,
}

/// Serves `body` for every `.../resolve/main/<file>` path, announcing `etag` as the LFS SHA-256.
pub fn serve(body: Vec<u8>, etag: String) -> FakeHub {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let requests = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&requests);
    let body = Arc::new(body);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            counter.fetch_add(1, Ordering::SeqCst);
            let _ = handle(stream, &body, &etag);
        }
    });
    FakeHub { base, requests }
}

fn handle(mut stream: TcpStream, body: &[u8], etag: &str) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" || line == "\n" {
            break;
        }
    }
    let path = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .to_string();
    if let Some(rest) = path
        .split("/resolve/main/")
        .nth(1)
        .filter(|_| path.contains("/resolve/main/"))
    {
        let head = format!(
            "HTTP/1.1 302 Found\r\nLocation: /cdn/{rest}\r\nX-Linked-Etag: \"{etag}\"\r\n\
             X-Linked-Size: {}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes())?;
    } else if path.starts_with("/cdn/") {
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes())?;
        stream.write_all(body)?;
    } else {
        stream.write_all(
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        )?;
    }
    stream.flush()
}
