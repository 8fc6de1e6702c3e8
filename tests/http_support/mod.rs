//! Real network components for the URL-input tests and the HTTP benchmark:
//! an nginx started on a loopback port from a configuration of its own, a
//! fault-injecting TCP proxy (connections cut after a chosen byte count,
//! reset with SO_LINGER 0, or stalled; or all forwarding paused at a
//! chosen byte count, the moment for a test to SIGKILL its client), and a
//! tiny HTTP server for what
//! nginx will not do on request (fail with a status a given number of
//! times, cut every response short, change the resource between requests).
//!
//! Each test binary uses a different subset, hence the `allow`.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use lz4framed_testkit::{Rng, require};

/// The nginx binary, if any: on PATH or where Debian puts it.
pub fn nginx_binary() -> Option<PathBuf> {
    ["nginx", "/usr/sbin/nginx"]
        .iter()
        .map(PathBuf::from)
        .find(|p| {
            Command::new(p)
                .arg("-v")
                .output()
                .is_ok_and(|o| o.status.success())
        })
}

/// A port nobody listens on right now (the kernel's pick, released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind a loopback port")
        .port()
}

fn wait_for_port(port: u16, what: &str) {
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{what} does not listen on port {port}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// nginx on two loopback ports serving `www`: `port` with ranges as
/// usual, `no_ranges_port` with `max_ranges 0` (a server that answers
/// every range request with the whole resource), plus `/error500`.
pub struct Nginx {
    child: Child,
    pub www: PathBuf,
    pub port: u16,
    pub no_ranges_port: u16,
}

impl Nginx {
    /// Starts it in `dir` (config, logs and `www/`); None after a note
    /// when nginx is not installed (a failure under CI).
    #[track_caller]
    pub fn start(dir: &Path) -> Option<Nginx> {
        let found = nginx_binary();
        if !require(
            found.is_some(),
            "nginx is not installed",
            "the URL tests against a real server do not run",
        ) {
            return None;
        }
        let binary = found.unwrap();
        let www = dir.join("www");
        let logs = dir.join("logs");
        std::fs::create_dir_all(&www).unwrap();
        std::fs::create_dir_all(&logs).unwrap();
        for _attempt in 0..5 {
            let (port, no_ranges_port) = (free_port(), free_port());
            let l = logs.display();
            let conf = format!(
                "daemon off;\nmaster_process off;\nworker_processes 1;\n\
                 error_log {l}/error.log;\npid {l}/nginx.pid;\n\
                 events {{ worker_connections 256; }}\n\
                 http {{\n  access_log off;\n  client_body_temp_path {l};\n  proxy_temp_path {l};\n\
                 fastcgi_temp_path {l};\n  uwsgi_temp_path {l};\n  scgi_temp_path {l};\n\
                 types {{ application/octet-stream lz4; }}\n\
                 server {{ listen 127.0.0.1:{port}; root {w};\n    location = /error500 {{ return 500; }} }}\n\
                 server {{ listen 127.0.0.1:{no_ranges_port}; root {w}; max_ranges 0; }}\n}}\n",
                w = www.display()
            );
            let conf_path = dir.join("nginx.conf");
            std::fs::write(&conf_path, conf).unwrap();
            let mut child = Command::new(&binary)
                .arg("-p")
                .arg(dir)
                .arg("-c")
                .arg(&conf_path)
                .arg("-e")
                .arg(logs.join("error.log"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn nginx");
            let start = Instant::now();
            loop {
                if let Some(status) = child.try_wait().unwrap() {
                    // Most likely a port taken in the meantime: try others.
                    let mut err = String::new();
                    let _ = child.stderr.take().unwrap().read_to_string(&mut err);
                    eprintln!("nginx exited ({status}): {err}");
                    break;
                }
                let up = |p| TcpStream::connect(("127.0.0.1", p)).is_ok();
                if up(port) && up(no_ranges_port) {
                    return Some(Nginx {
                        child,
                        www,
                        port,
                        no_ranges_port,
                    });
                }
                assert!(
                    start.elapsed() < Duration::from_secs(10),
                    "nginx did not start"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        panic!("nginx would not start on any port");
    }

    pub fn url(&self, name: &str) -> String {
        format!("http://127.0.0.1:{}/{name}", self.port)
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What the proxy does to one connection.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Fault {
    /// Forwards everything.
    None,
    /// Closes both sides (FIN) after this many bytes to the client.
    Cut(u64),
    /// Resets the client's connection (SO_LINGER 0, RST) after this many bytes.
    Reset(u64),
    /// Stops forwarding after this many bytes and holds the connection
    /// open for the duration (then closes it).
    Stall(u64, Duration),
}

impl Fault {
    /// The same kind of fault, after `n` bytes instead.
    pub fn after(self, n: u64) -> Fault {
        match self {
            Fault::None => Fault::None,
            Fault::Cut(_) => Fault::Cut(n),
            Fault::Reset(_) => Fault::Reset(n),
            Fault::Stall(_, d) => Fault::Stall(n, d),
        }
    }
}

/// Counts of the proxy's work, for the tests' reports.
#[derive(Default, Debug)]
pub struct ProxyStats {
    pub connections: AtomicU64,
    /// Bytes written to clients (responses).
    pub to_client: AtomicU64,
    pub cuts: AtomicU64,
    pub resets: AtomicU64,
    pub stalls: AtomicU64,
    /// Connections accepted and not yet finished with (a fault not met
    /// is back in the queue once its connection is no longer counted here).
    pub active: AtomicU64,
}

impl ProxyStats {
    /// Cuts, resets and stalls so far.
    pub fn faults_met(&self) -> u64 {
        self.cuts.load(SeqCst) + self.resets.load(SeqCst) + self.stalls.load(SeqCst)
    }
}

/// A point, in bytes to clients over all connections (`ProxyStats::to_client`),
/// where the proxy stops forwarding until released: what a client has
/// received at that moment is known to the byte.
struct Pause {
    /// u64::MAX: none.
    at: AtomicU64,
    reached: AtomicBool,
}

/// A TCP proxy on a loopback port in front of `upstream`, one thread pair
/// per connection; each new connection takes the next fault from its
/// queue (none when the queue is empty). It is stopped when dropped.
pub struct FaultProxy {
    pub port: u16,
    pub stats: Arc<ProxyStats>,
    faults: Arc<Mutex<std::collections::VecDeque<Fault>>>,
    pause: Arc<Pause>,
    stop: Arc<AtomicBool>,
    acceptor: Option<JoinHandle<()>>,
}

impl FaultProxy {
    pub fn start(upstream: u16) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        let port = listener.local_addr().unwrap().port();
        let stats = Arc::new(ProxyStats::default());
        let faults = Arc::new(Mutex::new(std::collections::VecDeque::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let pause = Arc::new(Pause {
            at: AtomicU64::new(u64::MAX),
            reached: AtomicBool::new(false),
        });
        let (s, f, st, pa) = (stats.clone(), faults.clone(), stop.clone(), pause.clone());
        let acceptor = std::thread::spawn(move || {
            for client in listener.incoming() {
                if st.load(SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                let fault = f.lock().unwrap().pop_front().unwrap_or(Fault::None);
                s.connections.fetch_add(1, SeqCst);
                s.active.fetch_add(1, SeqCst);
                let (s, st, f, pa) = (s.clone(), st.clone(), f.clone(), pa.clone());
                std::thread::spawn(move || {
                    // A fault the connection ended before (the client was
                    // killed, or the response was shorter) goes back first
                    // in line: every fault queued is met in the end.
                    if !serve(client, upstream, fault, &s, &pa, &st) && fault != Fault::None {
                        f.lock().unwrap().push_front(fault);
                    }
                    s.active.fetch_sub(1, SeqCst);
                });
            }
        });
        FaultProxy {
            port,
            stats,
            faults,
            pause,
            stop,
            acceptor: Some(acceptor),
        }
    }

    /// Queues faults for the next connections, in order.
    pub fn push(&self, faults: impl IntoIterator<Item = Fault>) {
        self.faults.lock().unwrap().extend(faults);
    }

    pub fn pending(&self) -> usize {
        self.faults.lock().unwrap().len()
    }

    pub fn clear(&self) {
        self.faults.lock().unwrap().clear();
    }

    pub fn url(&self, name: &str) -> String {
        format!("http://127.0.0.1:{}/{name}", self.port)
    }

    pub fn to_client(&self) -> u64 {
        self.stats.to_client.load(SeqCst)
    }

    /// Stops all forwarding once `to_client()` reaches `total` (one
    /// connection forwarding at a time is assumed), until `release`.
    pub fn pause_at(&self, total: u64) {
        self.pause.reached.store(false, SeqCst);
        self.pause.at.store(total, SeqCst);
    }

    /// Whether forwarding stands at the pause point.
    pub fn paused(&self) -> bool {
        self.pause.reached.load(SeqCst)
    }

    /// Forwards again (and no pause point is set).
    pub fn release(&self) {
        self.pause.at.store(u64::MAX, SeqCst);
        self.pause.reached.store(false, SeqCst);
    }

    /// Waits until every connection accepted so far is over (its fault, if
    /// not met, back in the queue): between two runs of a client, nothing
    /// of the one before is still counted or still holds a fault.
    #[track_caller]
    pub fn wait_idle(&self) {
        let start = Instant::now();
        while self.stats.active.load(SeqCst) > 0 {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "the proxy still serves {} connections",
                self.stats.active.load(SeqCst)
            );
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop.store(true, SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(a) = self.acceptor.take() {
            let _ = a.join();
        }
    }
}

/// A small send buffer on the proxy's side of a client connection, so
/// that what the proxy counts as sent is close to what reached the client
/// (the kernel doubles the value asked for).
pub const PROXY_SNDBUF: usize = 64 << 10;

fn set_sndbuf(s: &TcpStream, bytes: usize) {
    let v = bytes as libc::c_int;
    // SAFETY: a valid socket descriptor and an int of the size passed.
    let rc = unsafe {
        libc::setsockopt(
            s.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_SNDBUF,
            (&v as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    assert_eq!(rc, 0, "setsockopt SO_SNDBUF");
}

/// The most a socket's receive buffer may grow to here
/// (`net.ipv4.tcp_rmem`'s maximum; 6 MiB, Linux's default, if unreadable).
pub fn max_receive_buffer() -> u64 {
    std::fs::read_to_string("/proc/sys/net/ipv4/tcp_rmem")
        .ok()
        .and_then(|t| t.split_whitespace().nth(2)?.parse().ok())
        .unwrap_or(6 << 20)
}

/// SO_LINGER with a zero timeout: close() then sends RST, not FIN.
pub fn set_linger_zero(s: &TcpStream) {
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: a valid socket descriptor and a linger struct of the size passed.
    let rc = unsafe {
        libc::setsockopt(
            s.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&linger as *const libc::linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        )
    };
    assert_eq!(rc, 0, "setsockopt SO_LINGER");
}

/// Whether the fault was met (always false for `Fault::None`).
fn serve(
    client: TcpStream,
    upstream: u16,
    fault: Fault,
    stats: &ProxyStats,
    pause: &Pause,
    stop: &AtomicBool,
) -> bool {
    let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
        return false;
    };
    let _ = client.set_nodelay(true);
    set_sndbuf(&client, PROXY_SNDBUF);
    // Requests go up untouched.
    let (mut c_read, mut s_write) = (client.try_clone().unwrap(), server.try_clone().unwrap());
    let up = std::thread::spawn(move || {
        let _ = std::io::copy(&mut c_read, &mut s_write);
        let _ = s_write.shutdown(Shutdown::Write);
    });
    let limit = match fault {
        Fault::None => u64::MAX,
        Fault::Cut(n) | Fault::Reset(n) | Fault::Stall(n, _) => n,
    };
    let (mut s_read, mut c_write) = (server.try_clone().unwrap(), client.try_clone().unwrap());
    let mut buf = vec![0u8; 64 << 10];
    let mut sent = 0u64;
    let mut hit = false;
    let mut gone = false;
    while !stop.load(SeqCst) && !hit && !gone {
        let n = match s_read.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let mut chunk = &buf[..n];
        while !chunk.is_empty() && !stop.load(SeqCst) {
            let mut room = (limit - sent).min(chunk.len() as u64);
            let at = pause.at.load(SeqCst);
            if at != u64::MAX {
                room = room.min(at.saturating_sub(stats.to_client.load(SeqCst)));
                if room == 0 {
                    pause.reached.store(true, SeqCst);
                    std::thread::sleep(Duration::from_millis(1));
                    continue;
                }
            }
            let room = room as usize;
            if c_write.write_all(&chunk[..room]).is_err() {
                gone = true;
                break;
            }
            chunk = &chunk[room..];
            sent += room as u64;
            stats.to_client.fetch_add(room as u64, SeqCst);
            if sent >= limit {
                hit = true;
                break;
            }
        }
    }
    match fault {
        Fault::Cut(_) if hit => {
            stats.cuts.fetch_add(1, SeqCst);
        }
        Fault::Reset(_) if hit => {
            stats.resets.fetch_add(1, SeqCst);
            set_linger_zero(&client);
        }
        Fault::Stall(_, how_long) if hit => {
            stats.stalls.fetch_add(1, SeqCst);
            let until = Instant::now() + how_long;
            // Held open, silent, until the client gives up (or the time is over).
            let _ = client.set_read_timeout(Some(Duration::from_millis(50)));
            let mut probe = [0u8; 1024];
            let mut c = client.try_clone().unwrap();
            while Instant::now() < until && !stop.load(SeqCst) {
                match c.read(&mut probe) {
                    Ok(0) => break,
                    Ok(_) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                    Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
                    Err(_) => break,
                }
            }
        }
        _ => {}
    }
    let _ = server.shutdown(Shutdown::Both);
    let _ = client.shutdown(Shutdown::Both);
    drop(client);
    drop(c_write);
    let _ = up.join();
    hit
}

/// How the tiny server answers.
#[derive(Clone, Debug)]
pub struct Behaviour {
    /// The resource and its ETag.
    pub body: Arc<Vec<u8>>,
    pub etag: String,
    /// Answer range requests with 200 and the whole resource.
    pub ignore_range: bool,
    /// The next this-many requests get this status (then normal answers).
    pub fail: Option<(u16, u32)>,
    /// Every response's body is cut (FIN) after this many bytes.
    pub cut_body_after: Option<u64>,
    /// The next this-many responses are cut right after the status line.
    pub cut_in_head: u32,
}

impl Behaviour {
    pub fn serving(body: Vec<u8>, etag: &str) -> Behaviour {
        Behaviour {
            body: Arc::new(body),
            etag: etag.to_string(),
            ignore_range: false,
            fail: None,
            cut_body_after: None,
            cut_in_head: 0,
        }
    }
}

/// An HTTP/1.1 server on a loopback port, one connection at a time
/// (`Connection: close`), answering GET with `Behaviour`, which the test
/// may change between requests. Counts requests and body bytes sent.
pub struct TinyServer {
    pub port: u16,
    pub behaviour: Arc<Mutex<Behaviour>>,
    pub requests: Arc<AtomicU64>,
    pub ranges: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl TinyServer {
    pub fn start(behaviour: Behaviour) -> TinyServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the tiny server");
        let port = listener.local_addr().unwrap().port();
        let behaviour = Arc::new(Mutex::new(behaviour));
        let requests = Arc::new(AtomicU64::new(0));
        let ranges = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (b, r, rg, st) = (
            behaviour.clone(),
            requests.clone(),
            ranges.clone(),
            stop.clone(),
        );
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if st.load(SeqCst) {
                    break;
                }
                if let Ok(conn) = conn {
                    r.fetch_add(1, SeqCst);
                    answer(conn, &b, &rg);
                }
            }
        });
        TinyServer {
            port,
            behaviour,
            requests,
            ranges,
            stop,
            thread: Some(thread),
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/resource.lz4", self.port)
    }
}

impl Drop for TinyServer {
    fn drop(&mut self) {
        self.stop.store(true, SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn answer(conn: TcpStream, behaviour: &Mutex<Behaviour>, ranges: &Mutex<Vec<String>>) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let (mut range, mut if_range) = (None::<u64>, None::<String>);
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        let lower = l.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("range: bytes=") {
            ranges.lock().unwrap().push(v.to_string());
            range = v.trim_end_matches('-').parse().ok();
        } else if lower.starts_with("if-range:") {
            if_range = Some(l["if-range:".len()..].trim().to_string());
        }
    }
    let mut b = behaviour.lock().unwrap();
    let mut out = conn;
    if let Some((status, left)) = b.fail {
        b.fail = if left > 1 {
            Some((status, left - 1))
        } else {
            None
        };
        let _ = write!(
            out,
            "HTTP/1.1 {status} Failing\r\nContent-Length: 5\r\nConnection: close\r\n\r\nerror"
        );
        return;
    }
    if b.cut_in_head > 0 {
        b.cut_in_head -= 1;
        let _ = write!(out, "HTTP/1.1 206 Partial Content\r\n");
        return;
    }
    let body = b.body.clone();
    let total = body.len() as u64;
    let honour =
        range.is_some() && !b.ignore_range && if_range.as_deref().is_none_or(|v| v == b.etag);
    let start = if honour { range.unwrap() } else { 0 };
    let cut = b.cut_body_after;
    let etag = b.etag.clone();
    drop(b);
    if honour && start >= total {
        let _ = write!(
            out,
            "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */{total}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
        return;
    }
    let head = if honour {
        format!(
            "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes {start}-{}/{total}\r\n",
            total.max(1) - 1
        )
    } else {
        "HTTP/1.1 200 OK\r\n".to_string()
    };
    let _ = write!(
        out,
        "{head}Content-Length: {}\r\nETag: {etag}\r\nAccept-Ranges: bytes\r\nConnection: close\r\n\r\n",
        total - start
    );
    let rest = &body[start as usize..];
    let n = cut.map_or(rest.len(), |c| (c as usize).min(rest.len()));
    let _ = out.write_all(&rest[..n]);
    let _ = out.flush();
}

/// A random queue of faults: `cuts` cuts, `resets` resets and `stalls`
/// stalls (held `stall_for`), each after a byte count in `lo..=hi`,
/// interleaved with fault-free connections now and then.
pub fn fault_plan(
    rng: &mut Rng,
    cuts: usize,
    resets: usize,
    stalls: usize,
    lo: u64,
    hi: u64,
    stall_for: Duration,
) -> Vec<Fault> {
    let mut v = Vec::new();
    let at = |rng: &mut Rng| lo + rng.below((hi - lo + 1) as usize) as u64;
    for _ in 0..cuts {
        let n = at(rng);
        v.push(Fault::Cut(n));
    }
    for _ in 0..resets {
        let n = at(rng);
        v.push(Fault::Reset(n));
    }
    for _ in 0..stalls {
        let n = at(rng);
        v.push(Fault::Stall(n, stall_for));
    }
    // Fisher-Yates with the shared generator.
    for i in (1..v.len()).rev() {
        let j = rng.below(i + 1);
        v.swap(i, j);
    }
    v
}

/// The fewest bytes a fault lets through on its connection: more than any
/// response head, so that every faulted connection brings some of the body
/// (no run of attempts without progress, which the client would give up on).
pub const FAULT_MIN_BYTES: u64 = 4 << 10;

/// `kinds` (their byte counts ignored) for consecutive connections, in that
/// order, each after a byte count of its connection (response head
/// included) from `FAULT_MIN_BYTES` up to an equal share of `span`: they
/// add up to at most `span`, so a client that is sent `span` bytes in all
/// over these connections meets every one of them.
pub fn faults_within(rng: &mut Rng, kinds: &[Fault], span: u64) -> Vec<Fault> {
    if kinds.is_empty() {
        return Vec::new();
    }
    let share = span / kinds.len() as u64;
    assert!(
        share > FAULT_MIN_BYTES,
        "{} faults do not fit in {span} bytes",
        kinds.len()
    );
    kinds
        .iter()
        .map(|k| {
            let n = FAULT_MIN_BYTES + rng.below((share - FAULT_MIN_BYTES + 1) as usize) as u64;
            k.after(n)
        })
        .collect()
}
