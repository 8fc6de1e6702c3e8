//! URL input of the command-line tool against real components: nginx on a
//! loopback port serving streams made by the `lz4` tool and by ours, a
//! fault-injecting proxy between the tool and nginx (connections cut,
//! reset, stalled), a tiny server for the answers nginx will not give on
//! request, the `curl` tool feeding standard input, and SIGKILLs of the
//! tool with `--state`. Every complete output must equal the original;
//! every failure must give its documented exit code and message.
//!
//! Needs nginx, curl, the `lz4` tool and libcurl's development files:
//! without them the tests are skipped with a note, and fail under CI.
//! `one_gib_over_a_faulty_connection` (ignored; `cargo test --release
//! --test http -- --ignored`) is the full-size run.
#![cfg(target_os = "linux")]

mod c_support;
mod common;
mod http_support;

use c_support::*;
use common::{Rng, mixed};
use http_support::*;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

// The documented exit codes (docs/CLI.md).
const OK: i32 = 0;
const USAGE: i32 = 1;
const CORRUPT: i32 = 3;
const STATE: i32 = 4;
const TRANSFER: i32 = 7;
const SERVER: i32 = 8;
const NO_RESUME: i32 = 9;

/// The tool with URL input, or None (skipped) without libcurl's dev files.
fn tool() -> Option<&'static Path> {
    static EXE: OnceLock<Option<PathBuf>> = OnceLock::new();
    EXE.get_or_init(|| {
        let curl = curl_build_args()?;
        Some(build_cli(&work_dir("http-build"), Some(&curl)))
    })
    .as_deref()
}

fn s(p: &Path) -> &str {
    p.to_str().expect("test paths are UTF-8")
}

fn run(exe: &Path, args: &[&str]) -> Output {
    Command::new(exe)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run lz4framed")
}

#[track_caller]
fn expect(out: &Output, want: i32, what: &str) -> String {
    let err = text(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(want),
        "{what}: {:?}, stderr:\n{err}",
        out.status
    );
    err
}

/// A number the tool's -v report gives after `key` ("received 123 bytes").
fn reported(err: &str, key: &str) -> u64 {
    let at = err
        .rfind(key)
        .unwrap_or_else(|| panic!("no '{key}' in:\n{err}"));
    err[at + key.len()..]
        .trim_start()
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no number after '{key}' in:\n{err}"))
}

/// Streams to serve: one made by the `lz4` tool (its defaults: 4 MiB
/// independent blocks, content checksum), one by ours (64 KiB linked
/// blocks with block checksums).
struct Fixture {
    nginx: Nginx,
    dir: PathBuf,
    /// (file name under www, original data)
    streams: Vec<(String, Vec<u8>)>,
}

fn fixture(name: &str, mib: usize) -> Option<Fixture> {
    fixture_with(name, mib, true)
}

/// `ours`: also the stream made by our tool (half the size).
fn fixture_with(name: &str, mib: usize, ours: bool) -> Option<Fixture> {
    let exe = tool()?;
    if !require_tool("lz4", "the URL tests do not run") {
        return None;
    }
    let dir = work_dir(name);
    let nginx = Nginx::start(&dir)?;
    let data = mixed(mib << 20, 41);
    let plain = dir.join("plain");
    std::fs::write(&plain, &data).unwrap();
    output_ok(
        Command::new("lz4")
            .args(["-q", "-f"])
            .arg(&plain)
            .arg(nginx.www.join("lz4.lz4")),
    );
    let mut streams = vec![("lz4.lz4".to_string(), data)];
    if !ours {
        std::fs::remove_file(&plain).unwrap();
        return Some(Fixture {
            nginx,
            dir,
            streams,
        });
    }
    let ours = mixed(mib << 19, 43);
    std::fs::write(&plain, &ours).unwrap();
    output_ok(
        Command::new(exe)
            .args(["compress", "-q", "-f", "-B4", "-BD", "-BX"])
            .arg(&plain)
            .arg(nginx.www.join("ours.lz4")),
    );
    std::fs::remove_file(&plain).unwrap();
    streams.push(("ours.lz4".to_string(), ours));
    Some(Fixture {
        nginx,
        dir,
        streams,
    })
}

#[test]
fn url_input_decodes_streams_made_by_lz4_and_by_the_tool() {
    let Some(f) = fixture("http-plain", 12) else {
        return;
    };
    let exe = tool().unwrap();
    let out = f.dir.join("out");
    for (name, data) in &f.streams {
        let url = f.nginx.url(name);
        let size = std::fs::metadata(f.nginx.www.join(name)).unwrap().len();
        for threads in ["-T1", "-T2"] {
            let r = run(exe, &["decompress", "-v", "-f", threads, &url, s(&out)]);
            let err = expect(&r, OK, &format!("{url} {threads}"));
            assert!(std::fs::read(&out).unwrap() == *data, "{url} {threads}");
            assert_eq!(reported(&err, "received"), size, "{err}");
            assert!(err.contains("in 1 request "), "{err}");
        }
        // To standard output, as `curl URL | lz4 -d` would.
        let r = run(exe, &["decompress", "-q", &url]);
        expect(&r, OK, &url);
        assert!(r.stdout == *data);
    }
    let v = run(exe, &["--version"]);
    assert!(
        text(&v.stdout).contains("URL input: libcurl/"),
        "{}",
        text(&v.stdout)
    );
}

#[test]
fn built_without_libcurl_a_url_is_a_usage_error() {
    let exe = build_cli(&work_dir("http-no-curl"), None);
    let dir = work_dir("http-no-curl-run");
    let out = dir.join("out");
    let r = run(&exe, &["decompress", "http://127.0.0.1:9/x.lz4", s(&out)]);
    let err = expect(&r, USAGE, "a URL without libcurl");
    assert!(err.contains("without URL support"), "{err}");
    assert!(!out.exists());
    let v = run(&exe, &["--version"]);
    assert!(text(&v.stdout).contains("URL input: not built in"));
}

/// Cuts, resets and stalls between the tool and nginx: the output is
/// identical and not one byte was received twice (the tool's own count).
#[test]
fn dropped_reset_and_stalled_connections_lose_nothing() {
    let Some(f) = fixture("http-faults", 12) else {
        return;
    };
    let exe = tool().unwrap();
    let proxy = FaultProxy::start(f.nginx.port);
    let out = f.dir.join("out");
    let mut rng = Rng::new(7);
    for (name, data) in &f.streams {
        let size = std::fs::metadata(f.nginx.www.join(name)).unwrap().len();
        // Budgets that add up to less than the stream: every fault is met.
        let plan = fault_plan(&mut rng, 4, 4, 2, 1, size / 11, Duration::from_secs(3));
        let faults = plan.len() as u64;
        proxy.push(plan);
        let url = proxy.url(name);
        for threads in ["-T1", "-T2"] {
            let r = run(
                exe,
                &[
                    "decompress",
                    "-v",
                    "-f",
                    threads,
                    "--stall-timeout=0.3",
                    "--retry-delay=5",
                    &url,
                    s(&out),
                ],
            );
            let err = expect(&r, OK, &format!("{url} {threads}"));
            assert!(std::fs::read(&out).unwrap() == *data, "{url} {threads}");
            // Everything received was kept: exactly the resource, once.
            assert_eq!(reported(&err, "received"), size, "{err}");
            if threads == "-T1" {
                assert_eq!(
                    reported(&err, "bytes from offset 0 in"),
                    faults + 1,
                    "{err}"
                );
                assert_eq!(reported(&err, "requests ("), faults, "{err}");
                assert_eq!(reported(&err, "reconnects,"), 2, "{err}");
            }
        }
        assert_eq!(proxy.pending(), 0);
    }
    let st = &proxy.stats;
    println!(
        "proxy: {} connections, {} cut, {} reset, {} stalled",
        st.connections.load(std::sync::atomic::Ordering::SeqCst),
        st.cuts.load(std::sync::atomic::Ordering::SeqCst),
        st.resets.load(std::sync::atomic::Ordering::SeqCst),
        st.stalls.load(std::sync::atomic::Ordering::SeqCst)
    );
}

/// Answers that are not the end of the download: a response cut inside
/// its head, transient statuses (503), a final response cut short.
#[test]
fn short_and_transient_answers_are_retried() {
    let Some(exe) = tool() else {
        return;
    };
    let dir = work_dir("http-tiny-retry");
    let data = mixed(3 << 20, 5);
    let stream = lz4framed::compress(&data, &lz4framed::Preferences::default()).unwrap();
    let total = stream.len() as u64;
    let out = dir.join("out");
    let mut b = Behaviour::serving(stream.clone(), "\"v1\"");
    b.cut_in_head = 2;
    b.fail = Some((503, 2));
    let server = TinyServer::start(b);
    let r = run(
        exe,
        &[
            "decompress",
            "-v",
            "--retry-delay=1",
            &server.url(),
            s(&out),
        ],
    );
    let err = expect(&r, OK, "cut heads and 503s");
    assert!(std::fs::read(&out).unwrap() == data);
    assert!(err.contains("HTTP status 503"), "{err}");
    assert_eq!(reported(&err, "reconnects,"), 0, "{err}");

    // Every response cut 1000 bytes before the end of what it announces:
    // the short final answer is a drop, re-requested from where it stopped.
    let _ = std::fs::remove_file(&out);
    server.behaviour.lock().unwrap().cut_body_after = Some(total - 1000);
    let r = run(
        exe,
        &[
            "decompress",
            "-v",
            "--retry-delay=1",
            &server.url(),
            s(&out),
        ],
    );
    let err = expect(&r, OK, "a cut final response");
    assert!(std::fs::read(&out).unwrap() == data);
    assert_eq!(reported(&err, "received"), total, "{err}");
    assert!(err.contains("reconnecting"), "{err}");
    let ranges = server.ranges.lock().unwrap().clone();
    assert_eq!(
        ranges.last().unwrap(),
        &format!("{}-", total - 1000),
        "{ranges:?}"
    );

    // A server that never delivers a byte: bounded retries, exit 7, and
    // with --state the output and the state are kept to resume later.
    let _ = std::fs::remove_file(&out);
    server.behaviour.lock().unwrap().cut_body_after = Some(0);
    let state = dir.join("state");
    let started = server.requests.load(std::sync::atomic::Ordering::SeqCst);
    let r = run(
        exe,
        &[
            "decompress",
            "--retries=3",
            "--retry-delay=1",
            "--state",
            s(&state),
            &server.url(),
            s(&out),
        ],
    );
    let err = expect(&r, TRANSFER, "no progress");
    assert!(err.contains("giving up"), "{err}");
    assert_eq!(
        server.requests.load(std::sync::atomic::Ordering::SeqCst) - started,
        4,
        "one request and 3 retries"
    );
    assert!(
        !out.exists() && !state.exists(),
        "nothing to resume: nothing kept"
    );

    // A resource that is itself cut inside a frame: exit 3 with the
    // checkpoint at its very end; the same command asks for the bytes
    // after the end, gets 416, and the decoder judges it truncated again.
    {
        let mut b = server.behaviour.lock().unwrap();
        b.cut_body_after = None;
        b.body = std::sync::Arc::new(stream[..stream.len() - 10].to_vec());
    }
    let args = [
        "decompress",
        "-v",
        "--retry-delay=1",
        "--state",
        s(&state),
        &server.url(),
        s(&out),
    ];
    let err = expect(&run(exe, &args), CORRUPT, "a truncated resource");
    assert!(err.contains("truncated") && err.contains("kept"), "{err}");
    let err = expect(&run(exe, &args), CORRUPT, "the truncated resource again");
    assert!(err.contains("resuming at input offset"), "{err}");
    assert_eq!(
        server.ranges.lock().unwrap().last().unwrap(),
        &format!("{}-", total - 10)
    );
    assert!(state.exists() && out.exists());
}

#[test]
fn failures_have_their_own_exit_codes() {
    let Some(f) = fixture("http-failures", 6) else {
        return;
    };
    let exe = tool().unwrap();
    let out = f.dir.join("out");
    let state = f.dir.join("state");
    let quick = ["--retries=2", "--retry-delay=1", "--stall-timeout=0.3"];
    let attempt = |url: &str, extra: &[&str]| {
        let mut args = vec!["decompress", "-f"];
        args.extend(quick);
        args.extend(extra);
        args.extend([url, s(&out)]);
        run(exe, &args)
    };

    let err = expect(&attempt(&f.nginx.url("missing.lz4"), &[]), SERVER, "404");
    assert!(err.contains("HTTP status 404"), "{err}");
    assert!(!out.exists());
    let err = expect(&attempt(&f.nginx.url("error500"), &[]), SERVER, "500");
    assert!(err.contains("HTTP status 500"), "{err}");
    let tls = format!("https://127.0.0.1:{}/lz4.lz4", f.nginx.port);
    let err = expect(&attempt(&tls, &[]), SERVER, "TLS to a plain server");
    assert!(err.contains("TLS failure"), "{err}");
    let closed = format!("http://127.0.0.1:{}/lz4.lz4", free_port());
    let err = expect(&attempt(&closed, &[]), TRANSFER, "nobody listening");
    assert!(err.contains("giving up"), "{err}");
    assert!(!out.exists());

    // A server that ignores Range, behind a connection that drops.
    let proxy = FaultProxy::start(f.nginx.no_ranges_port);
    proxy.push([Fault::Cut(3 << 20)]);
    let err = expect(
        &attempt(
            &proxy.url("lz4.lz4"),
            &["--checkpoint=256K", "--state", s(&state)],
        ),
        NO_RESUME,
        "no range support",
    );
    assert!(err.contains("ignores Range"), "{err}");
    assert!(err.contains("kept"), "{err}");
    assert!(out.exists() && state.exists());
    std::fs::remove_file(&state).unwrap();

    // The resource replaced while the connection stalls: refused, and the
    // same command refuses to resume from the state it kept (exit 4).
    let proxy = FaultProxy::start(f.nginx.port);
    proxy.push([Fault::Stall(2 << 20, Duration::from_secs(5))]);
    let url = proxy.url("lz4.lz4");
    let mut args = vec![
        "decompress",
        "-f",
        "--checkpoint=256K",
        "--state",
        s(&state),
    ];
    args.extend(quick);
    args.extend([url.as_str(), s(&out)]);
    let child = Command::new(exe)
        .args(&args)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let t = Instant::now();
    while proxy.stats.stalls.load(std::sync::atomic::Ordering::SeqCst) == 0 {
        assert!(t.elapsed() < Duration::from_secs(20), "no stall");
        std::thread::sleep(Duration::from_millis(5));
    }
    let www = &f.nginx.www;
    std::fs::copy(www.join("ours.lz4"), www.join("new.lz4")).unwrap();
    std::fs::rename(www.join("new.lz4"), www.join("lz4.lz4")).unwrap();
    let r = child.wait_with_output().unwrap();
    let err = expect(&r, NO_RESUME, "resource replaced");
    assert!(err.contains("changed during the download"), "{err}");
    assert!(err.contains("kept"), "{err}");
    let (kept_out, kept_state) = (std::fs::read(&out).unwrap(), std::fs::read(&state).unwrap());
    let r = run(exe, &args);
    let err = expect(&r, STATE, "resume after the resource changed");
    assert!(
        err.contains("has changed since the download began"),
        "{err}"
    );
    assert!(
        std::fs::read(&out).unwrap() == kept_out && std::fs::read(&state).unwrap() == kept_state
    );
    // Another URL is refused too.
    let n = args.len();
    args[n - 2] = "http://127.0.0.1:9/other.lz4";
    let err = expect(&run(exe, &args), STATE, "another URL");
    assert!(err.contains("belongs to the URL"), "{err}");
}

/// `curl URL | lz4framed decompress --state S - OUT`, interrupted, then
/// resumed with `curl -r "$(lz4framed decompress --resume-offset --state
/// S)"- URL | ...`; a stream that does not start where it must is refused.
#[test]
fn standard_input_resumes_from_the_offset_it_prints() {
    let Some(f) = fixture("http-stdin", 8) else {
        return;
    };
    if !require_tool("curl", "resuming standard input is not tested") {
        return;
    }
    let exe = tool().unwrap();
    let (name, data) = &f.streams[0];
    let url = f.nginx.url(name);
    let stream = std::fs::read(f.nginx.www.join(name)).unwrap();
    let (out, state) = (f.dir.join("out"), f.dir.join("state"));
    let resume_offset = || {
        let r = run(
            exe,
            &["decompress", "--resume-offset", "--state", s(&state)],
        );
        expect(&r, OK, "--resume-offset");
        text(&r.stdout).trim().parse::<u64>().unwrap()
    };
    assert_eq!(resume_offset(), 0, "no state file yet: from the start");
    let feed = |bytes: &[u8]| {
        let mut child = Command::new(exe)
            .args([
                "decompress",
                "-v",
                "--checkpoint=256K",
                "--state",
                s(&state),
                "-",
                s(&out),
            ])
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut pipe = child.stdin.take().unwrap();
        let bytes = bytes.to_vec();
        let writer = std::thread::spawn(move || {
            use std::io::Write;
            let _ = pipe.write_all(&bytes);
        });
        let r = child.wait_with_output().unwrap();
        writer.join().unwrap();
        r
    };
    // The first 60%: truncated, checkpointed at the cut, kept.
    let cut = stream.len() * 3 / 5;
    let err = expect(&feed(&stream[..cut]), CORRUPT, "the first part");
    assert!(err.contains("kept"), "{err}");
    let offset = resume_offset();
    assert!(offset > 0 && offset <= cut as u64, "{offset}");
    let (kept_out, kept_state) = (std::fs::read(&out).unwrap(), std::fs::read(&state).unwrap());
    // Version 2, kind 2 (a stream): no length, W = min(64 KiB, consumed),
    // and the offset printed is W before the checkpoint's.
    let field = |at: usize, n: usize| {
        kept_state[at..at + n]
            .iter()
            .rev()
            .fold(0u64, |v, &b| v << 8 | u64::from(b))
    };
    assert_eq!((field(8, 4), field(12, 4), field(16, 8)), (2, 2, 0));
    let (consumed, window) = (field(24, 8), field(44, 4));
    assert_eq!(window, consumed.min(64 << 10));
    assert_eq!(offset, consumed - window);
    // Off by one either way, or from the start: refused, nothing changed.
    for wrong in [offset - 1, offset + 1, 0] {
        let err = expect(
            &feed(&stream[wrong as usize..]),
            STATE,
            &format!("from {wrong}"),
        );
        assert!(err.contains("does not continue the stream"), "{err}");
        assert!(
            std::fs::read(&out).unwrap() == kept_out
                && std::fs::read(&state).unwrap() == kept_state
        );
    }
    // The state of a stream is not resumed from a URL.
    let r = run(exe, &["decompress", "--state", s(&state), &url, s(&out)]);
    let err = expect(&r, STATE, "a stream's state with a URL");
    assert!(err.contains("made for standard input"), "{err}");
    // The recipe, with the real curl tool.
    let line = format!(
        "curl -s -r {offset}- '{url}' | '{}' decompress -v --state '{}' - '{}'",
        exe.display(),
        s(&state),
        s(&out)
    );
    let r = Command::new("sh").args(["-c", &line]).output().unwrap();
    let err = expect(&r, OK, &line);
    assert!(err.contains("resuming at input offset"), "{err}");
    assert!(std::fs::read(&out).unwrap() == *data);
    assert!(!state.exists());

    // SIGKILLed mid-stream: the pipe stays open after 60% of the stream
    // (a connection gone quiet) until a checkpoint is on disk.
    let _ = std::fs::remove_file(&out);
    let mut child = Command::new(exe)
        .args([
            "decompress",
            "--checkpoint=256K",
            "--state",
            s(&state),
            "-",
            s(&out),
        ])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = child.stdin.take().unwrap();
    {
        use std::io::Write;
        pipe.write_all(&stream[..cut]).unwrap();
    }
    let t = Instant::now();
    while resume_offset() < (cut as u64) / 2 {
        assert!(t.elapsed() < Duration::from_secs(20), "no checkpoint");
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap();
    let status = child.wait().unwrap();
    drop(pipe);
    assert_eq!(status.signal(), Some(9), "killed mid-stream: {status:?}");
    let offset = resume_offset();
    assert!(offset > 0, "a checkpoint was made before the kill");
    let line = format!(
        "curl -s -r {offset}- '{url}' | '{}' decompress --state '{}' - '{}'",
        exe.display(),
        s(&state),
        s(&out)
    );
    let r = Command::new("sh").args(["-c", &line]).output().unwrap();
    expect(&r, OK, &line);
    assert!(std::fs::read(&out).unwrap() == *data);
}

/// Decompresses `name` through the proxy with --state in `kills + 1` runs:
/// each of the first `kills` is SIGKILLed at a random point of the resource
/// (farther on each time), the last one completes; the cuts, resets and
/// stalls are dealt out among the runs, each placed within the bytes its
/// run is sent, so that every one is met where it was planned. The output
/// is byte-identical, the last run received exactly the rest, and each
/// kill cost at most what was received after its last checkpoint.
fn torture(
    f: &Fixture,
    name: &str,
    data: &[u8],
    kills: u32,
    faults: (usize, usize, usize),
    threads: &str,
) {
    let exe = tool().unwrap();
    let size = std::fs::metadata(f.nginx.www.join(name)).unwrap().len();
    let proxy = FaultProxy::start(f.nginx.port);
    let seed = std::env::var("LZ4FRAMED_KILL_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    println!("seed {seed} (LZ4FRAMED_KILL_SEED replays it)");
    let mut rng = Rng::new(seed);
    let (cuts, resets, stalls) = faults;
    let planned_faults = (cuts + resets + stalls) as u64;
    let runs = kills as usize + 1;
    // The kinds of fault in a random order, dealt out to the runs in turn.
    let stall_for = Duration::from_secs(3);
    let mut kinds: Vec<Fault> = std::iter::repeat_n(Fault::Cut(0), cuts)
        .chain(std::iter::repeat_n(Fault::Reset(0), resets))
        .chain(std::iter::repeat_n(Fault::Stall(0, stall_for), stalls))
        .collect();
    for i in (1..kinds.len()).rev() {
        let j = rng.below(i + 1);
        kinds.swap(i, j);
    }
    let mut per_run = vec![Vec::new(); runs];
    for (i, k) in kinds.into_iter().enumerate() {
        per_run[i % runs].push(k);
    }
    let (out, state) = (f.dir.join("out"), f.dir.join("state"));
    let _ = std::fs::remove_file(&out);
    let _ = std::fs::remove_file(&state);
    let checkpoint = 1u64 << 20;
    let ckpt = format!("--checkpoint={}K", checkpoint >> 10);
    let url = proxy.url(name);
    let args = [
        "decompress",
        threads,
        "-v",
        "-f",
        &ckpt,
        "--stall-timeout=0.3",
        "--retry-delay=5",
        "--state",
        s(&state),
        &url,
        s(&out),
    ];
    let ratio = size as f64 / data.len() as f64;
    // A checkpoint falls after whole blocks (lz4's default 4 MiB), the
    // block being decoded and the reader's read-ahead (4 MiB) are lost
    // with the process too.
    let block = 4u64 << 20;
    let read_ahead = 4u64 << 20;
    let mut costs = Vec::new();
    let mut resume_at = 0u64;
    let mut met = 0u64;
    // Kill points: about evenly spaced through the resource, each moved by
    // up to a quarter of the spacing, so that every run gets farther.
    let spacing = size / (runs as u64 + 1);
    let start = Instant::now();
    for (run, run_faults) in per_run.iter().enumerate() {
        let last = run + 1 == runs;
        let kill_after = (!last).then(|| {
            let target =
                spacing * (run as u64 + 1) + rng.below((spacing / 2) as usize) as u64 - spacing / 4;
            assert!(
                target > resume_at,
                "run {run}: resumes at {resume_at}, past {target}"
            );
            // Bytes of this run (response heads included) before the kill.
            target - resume_at
        });
        // The run is sent at least this much (the rest of the resource, or
        // up to its kill): its faults fit in 7/8 of it.
        let span = kill_after.unwrap_or(size - resume_at) / 8 * 7;
        let plan = faults_within(&mut rng, run_faults, span);
        assert_eq!(proxy.pending(), 0);
        proxy.push(plan.iter().copied());
        let before = proxy.to_client();
        if let Some(k) = kill_after {
            proxy.pause_at(before + k);
        }
        let mut child = Command::new(exe)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        if kill_after.is_some() {
            let t = Instant::now();
            while !proxy.paused() && child.try_wait().unwrap().is_none() {
                assert!(
                    t.elapsed() < Duration::from_secs(60),
                    "run {run} never got to its kill point"
                );
                std::thread::sleep(Duration::from_millis(1));
            }
            let _ = child.kill();
        }
        let r = child.wait_with_output().unwrap();
        let err = text(&r.stderr);
        let sent = proxy.to_client() - before;
        proxy.release();
        // Every connection over, faults not met back in the queue.
        proxy.wait_idle();
        let faults_now = proxy.stats.faults_met();
        assert_eq!(
            (faults_now - met, proxy.pending()),
            (plan.len() as u64, 0),
            "run {run}: not every fault of {plan:?} was met ({sent} bytes sent): {err}"
        );
        met = faults_now;
        if let Some(k) = kill_after {
            assert_eq!(
                r.status.signal(),
                Some(9),
                "run {run} was to be killed: {err}"
            );
            assert_eq!(sent, k, "run {run}: the proxy went past its kill point");
            // Where the next run starts: the state's resume offset.
            let next = Command::new(exe)
                .args(["decompress", "--resume-offset", "--state", s(&state)])
                .output()
                .unwrap();
            let next: u64 = text(&next.stdout).trim().parse().unwrap();
            assert!(next >= resume_at, "the checkpoint went back");
            assert!(
                next <= resume_at + sent,
                "a checkpoint past what was received"
            );
            costs.push(sent - (next - resume_at));
            resume_at = next;
            continue;
        }
        assert_eq!(r.status.signal(), None, "the last run died: {err}");
        assert_eq!(r.status.code(), Some(OK), "{err}");
        assert!(std::fs::read(&out).unwrap() == data, "the output differs");
        assert!(!state.exists(), "the state outlived the complete run");
        // The last run received exactly the rest, in one request per fault
        // and one more.
        assert_eq!(reported(&err, "received"), size - resume_at, "{err}");
        let requests = reported(&err, &format!("bytes from offset {resume_at} in"));
        assert_eq!(requests, plan.len() as u64 + 1, "{err}");
        let after = if requests == 1 {
            "request ("
        } else {
            "requests ("
        };
        assert_eq!(
            reported(&err, after),
            plan.len() as u64,
            "reconnects: {err}"
        );
        let plan_stalls = plan
            .iter()
            .filter(|f| matches!(f, Fault::Stall(..)))
            .count();
        assert_eq!(reported(&err, "reconnects,"), plan_stalls as u64, "{err}");
    }
    let st = &proxy.stats;
    let load = |a: &std::sync::atomic::AtomicU64| a.load(std::sync::atomic::Ordering::SeqCst);
    let interval = (checkpoint as f64 * ratio) as u64;
    costs.sort();
    println!(
        "{name} {threads}: {} MiB in {:?}: {kills} SIGKILLs in {runs} runs, {} cuts, {} resets, {} stalls; \
         re-downloaded per SIGKILL: median {} max {} bytes (checkpoint interval ~{interval} compressed bytes, \
         block {block}, read-ahead {read_ahead}); 0 per cut, reset or stall",
        data.len() >> 20,
        start.elapsed(),
        load(&st.cuts),
        load(&st.resets),
        load(&st.stalls),
        costs[costs.len() / 2],
        costs.last().unwrap()
    );
    // Bytes the proxy sent that the tool had not yet read count too: its
    // socket's receive buffer and the proxy's send buffer (doubled by the
    // kernel), and the one piece libcurl may hold back.
    let buffers = max_receive_buffer() + 2 * PROXY_SNDBUF as u64 + (512 << 10);
    println!("socket buffers and libcurl's piece: up to {buffers} bytes");
    let bound = interval.max(block) + block + read_ahead + buffers;
    assert!(
        *costs.last().unwrap() <= bound,
        "a SIGKILL cost more than {bound} bytes: {costs:?}"
    );
    assert_eq!(
        (load(&st.cuts), load(&st.resets), load(&st.stalls)),
        (cuts as u64, resets as u64, stalls as u64)
    );
    assert_eq!(met, planned_faults);
}

#[test]
fn state_over_a_url_survives_sigkill_and_faults() {
    let Some(f) = fixture("http-torture", 24) else {
        return;
    };
    // The lz4-made stream in one thread, ours with decoder workers (whose
    // checkpoints resume behind the input they have taken).
    for ((name, data), threads) in f.streams.iter().zip(["-T1", "-T2"]) {
        torture(&f, name, data, 5, (5, 5, 2), threads);
    }
}

/// The full-size run: 1 GiB of lz4 output over loopback with 20 cuts and
/// resets, 5 stalls and 5 SIGKILLs. `LZ4FRAMED_HTTP_MIB` changes the size.
#[test]
#[ignore]
fn one_gib_over_a_faulty_connection() {
    let mib = std::env::var("LZ4FRAMED_HTTP_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024);
    let Some(f) = fixture_with("http-gib", mib, false) else {
        return;
    };
    let (name, data) = &f.streams[0];
    torture(&f, name, data, 5, (10, 10, 5), "-T1");
}

/// python/examples/resume_download.py: urllib and Decompressor.setfp,
/// through the faulty proxy.
#[test]
fn python_example_resumes_a_download() {
    let Some(f) = fixture("http-python", 6) else {
        return;
    };
    if !require_tool("python3", "the Python download example is not tested") {
        return;
    }
    let proxy = FaultProxy::start(f.nginx.port);
    let mut rng = Rng::new(3);
    for (name, data) in &f.streams {
        let size = std::fs::metadata(f.nginx.www.join(name)).unwrap().len();
        proxy.push(fault_plan(
            &mut rng,
            3,
            3,
            0,
            1,
            size / 4,
            Duration::from_secs(1),
        ));
        let out = f.dir.join("py-out");
        let r = Command::new("python3")
            .arg(Path::new(MANIFEST_DIR).join("python/examples/resume_download.py"))
            .arg(proxy.url(name))
            .arg(&out)
            .env("PYTHONPATH", Path::new(MANIFEST_DIR).join("python"))
            .env("LZ4FRAMED_LIBRARY", library("so"))
            .output()
            .unwrap();
        let err = expect(&r, OK, "resume_download.py");
        assert!(std::fs::read(&out).unwrap() == *data, "{name}");
        assert!(err.contains("reconnect"), "{err}");
    }
}

/// The progress line (on a terminal, given by `script`) counts reconnects.
#[test]
fn progress_line_shows_reconnects() {
    if !require_tool("script", "the progress line is not checked") {
        return;
    }
    let Some(f) = fixture("http-progress", 6) else {
        return;
    };
    let exe = tool().unwrap();
    let proxy = FaultProxy::start(f.nginx.port);
    proxy.push([
        Fault::Stall(100_000, Duration::from_secs(3)),
        Fault::Stall(200_000, Duration::from_secs(3)),
    ]);
    let out = f.dir.join("out");
    let command = format!(
        "{} decompress --stall-timeout=0.6 --retry-delay=1 {} {}",
        exe.display(),
        proxy.url("lz4.lz4"),
        s(&out)
    );
    let r = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .stdin(Stdio::null())
        .output()
        .expect("run script");
    let shown = text(&r.stdout);
    assert!(r.status.success(), "{command}: {shown}");
    assert!(
        shown.contains("MB/s") && shown.contains("2 reconnects (2 stalled)"),
        "{shown:?}"
    );
    assert!(std::fs::read(&out).unwrap() == f.streams[0].1);
}

/// Under valgrind's memcheck: a download through reconnects (a cut, a
/// reset, a stall) and a failing one, with --state; no error, no leak.
#[test]
fn url_input_runs_clean_under_valgrind() {
    if !valgrind_available("the URL input") {
        return;
    }
    let Some(f) = fixture("http-valgrind", 1) else {
        return;
    };
    let exe = tool().unwrap();
    let proxy = FaultProxy::start(f.nginx.port);
    proxy.push([
        Fault::Cut(70_000),
        Fault::Reset(90_000),
        Fault::Stall(50_000, Duration::from_secs(5)),
    ]);
    let (out, state) = (f.dir.join("out"), f.dir.join("state"));
    let memcheck = |args: &[&str]| {
        Command::new("valgrind")
            .args([
                "-q",
                "--error-exitcode=99",
                "--leak-check=full",
                "--errors-for-leak-kinds=definite",
            ])
            .arg(exe)
            .args(args)
            .output()
            .unwrap()
    };
    for (name, data) in &f.streams {
        let url = proxy.url(name);
        let r = memcheck(&[
            "decompress",
            "-f",
            "--checkpoint=64K",
            "--stall-timeout=1",
            "--retry-delay=1",
            "--state",
            s(&state),
            &url,
            s(&out),
        ]);
        expect(&r, OK, &format!("{url} under valgrind"));
        assert!(std::fs::read(&out).unwrap() == *data);
    }
    let r = memcheck(&["decompress", "-f", &f.nginx.url("missing.lz4"), s(&out)]);
    expect(&r, SERVER, "404 under valgrind");
}

/// FNV-1a 64 of everything before a state file's last 8 bytes, written
/// there: a forged state that passes the checksum.
fn reseal(state: &mut [u8]) {
    let n = state.len() - 8;
    let h = state[..n].iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    state[n..].copy_from_slice(&h.to_le_bytes());
}

/// Version 2 state files (a URL's, a stream's): their layout as
/// docs/CLI.md gives it, and every damage refused with exit code 4 and
/// nothing changed.
#[test]
fn version_2_state_files_are_checked() {
    let Some(f) = fixture("http-state-v2", 4) else {
        return;
    };
    let exe = tool().unwrap();
    // Ours: 64 KiB blocks, so that half the stream has checkpoints.
    let (name, data) = &f.streams[1];
    let stream = std::fs::read(f.nginx.www.join(name)).unwrap();
    let (out, state) = (f.dir.join("out"), f.dir.join("state"));
    let u32_at = |b: &[u8], at: usize| u32::from_le_bytes(b[at..at + 4].try_into().unwrap());
    let u64_at = |b: &[u8], at: usize| u64::from_le_bytes(b[at..at + 8].try_into().unwrap());

    // A URL's, kept by a run that fails half-way (no retries allowed).
    let mut b = Behaviour::serving(stream.clone(), "\"s1\"");
    b.cut_body_after = Some(stream.len() as u64 / 2);
    let server = TinyServer::start(b);
    let url = server.url();
    let args = [
        "decompress",
        "--checkpoint=64K",
        "--retries=0",
        "--state",
        s(&state),
        url.as_str(),
        s(&out),
    ];
    expect(&run(exe, &args), TRANSFER, "a cut with no retries");
    let good = std::fs::read(&state).unwrap();
    assert_eq!(&good[..8], b"LZ4FRESM");
    assert_eq!(u32_at(&good, 8), 2, "version 2");
    assert_eq!(u32_at(&good, 12), 1, "kind: a URL");
    assert_eq!(
        u64_at(&good, 16),
        stream.len() as u64,
        "the resource's length"
    );
    let (p, src, blob) = (
        u32_at(&good, 72) as usize,
        u32_at(&good, 80) as usize,
        u32_at(&good, 76) as usize,
    );
    assert_eq!(good.len(), 92 + p + src + blob);
    let record = &good[84 + p..84 + p + src];
    assert_eq!(u32_at(record, 0) as usize, url.len());
    assert_eq!(&record[4..4 + url.len()], url.as_bytes());
    let etag_at = 4 + url.len();
    assert_eq!(&record[etag_at + 4..etag_at + 4 + 4], b"\"s1\"");

    let kept_out = std::fs::read(&out).unwrap();
    let refused = |what: &str, bytes: &[u8], want: &str| {
        std::fs::write(&state, bytes).unwrap();
        let err = expect(&run(exe, &args), STATE, what);
        assert!(
            err.contains("refused") && err.contains(want),
            "{what}: {err}"
        );
        assert!(
            std::fs::read(&state).unwrap() == bytes,
            "{what}: state changed"
        );
        assert!(
            std::fs::read(&out).unwrap() == kept_out,
            "{what}: output changed"
        );
    };
    let mut flipped = good.clone();
    flipped[84 + p + 6] ^= 1;
    refused("a flipped URL byte", &flipped, "checksum");
    reseal(&mut flipped);
    refused("another URL, resealed", &flipped, "belongs to the URL");
    refused("truncated", &good[..good.len() - 3], "truncated");
    let mut kind = good.clone();
    kind[12] = 3;
    reseal(&mut kind);
    refused("an unknown kind", &kind, "inconsistent");
    let mut kind = good.clone();
    kind[12] = 2;
    reseal(&mut kind);
    refused("a URL's state called a stream's", &kind, "inconsistent");
    let mut long = good.clone();
    long[80] = long[80].wrapping_add(1);
    reseal(&mut long);
    refused("a source record longer than the file", &long, "truncated");
    let mut etag = good.clone();
    etag[84 + p + etag_at + 5] = b'x';
    reseal(&mut etag);
    refused(
        "another ETag recorded",
        &etag,
        "has changed since the download began",
    );
    // The good one still resumes, and completes once the server does.
    std::fs::write(&state, &good).unwrap();
    server.behaviour.lock().unwrap().cut_body_after = None;
    let r = run(exe, &args);
    expect(&r, OK, "resumed");
    assert!(std::fs::read(&out).unwrap() == *data);
}
