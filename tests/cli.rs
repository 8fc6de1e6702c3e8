//! The `lz4framed` command-line tool (`programs/`), built from its C
//! sources against the static library with all warnings as errors, and run
//! as a user would: round trips for every option, standard input and
//! output, interoperability with the reference `lz4` tool, streams that end
//! with legacy frames (`lz4 -l`), the documented exit codes for every
//! refusal and failure, and crash-safe `--state` decompression and
//! compression under repeated SIGKILL and against damaged state files.
#![cfg(target_os = "linux")]

mod c_support;
mod common;

use c_support::*;
use common::{Rng, mixed};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

// The documented exit codes (docs/CLI.md).
const OK: i32 = 0;
const USAGE: i32 = 1;
const IO: i32 = 2;
const CORRUPT: i32 = 3;
const STATE: i32 = 4;
const EXISTS: i32 = 5;

fn cli() -> &'static Path {
    static EXE: OnceLock<PathBuf> = OnceLock::new();
    EXE.get_or_init(|| {
        let dir = work_dir("cli-build");
        build_cli(&dir, curl_build_args().as_ref())
    })
}

fn s(p: &Path) -> &str {
    p.to_str().expect("test paths are UTF-8")
}

/// Runs the tool with `args`, feeding `stdin` (empty when None).
fn lz(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut cmd = Command::new(cli());
    cmd.args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn lz4framed");
    if let Some(data) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        let data = data.to_vec();
        // Written from a thread so a full stdout pipe cannot deadlock us.
        std::thread::spawn(move || {
            use std::io::Write;
            let _ = pipe.write_all(&data);
        });
    }
    child.wait_with_output().expect("wait for lz4framed")
}

fn code(out: &Output) -> i32 {
    out.status
        .code()
        .unwrap_or_else(|| panic!("lz4framed died of {:?}: {}", out.status, text(&out.stderr)))
}

#[track_caller]
fn expect(out: &Output, want: i32, args: &str) -> String {
    let err = text(&out.stderr);
    assert_eq!(code(out), want, "lz4framed {args}: stderr:\n{err}");
    err
}

#[track_caller]
fn ok(args: &[&str]) {
    expect(&lz(args, None), OK, &args.join(" "));
}

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()))
}

fn write(p: &Path, data: &[u8]) {
    std::fs::write(p, data).unwrap_or_else(|e| panic!("write {}: {e}", p.display()));
}

fn header(frame: &[u8]) -> lz4framed::FrameInfo {
    lz4framed::read_frame_info(frame)
        .expect("a valid frame header")
        .expect("a whole frame header")
        .0
}

#[test]
fn round_trips_every_option_and_writes_the_header_it_was_asked_for() {
    use lz4framed::BlockSize::*;
    let dir = work_dir("cli-options");
    let data = mixed(3 << 20, 7);
    let input = dir.join("in");
    write(&input, &data);
    let dict = dir.join("dict");
    write(&dict, &mixed(100 << 10, 99));

    // (options, block size, linked, block checksum, content checksum,
    // content size, dictionary)
    type Case = (
        &'static [&'static str],
        lz4framed::BlockSize,
        bool,
        bool,
        bool,
        bool,
        bool,
    );
    let cases: &[Case] = &[
        (&[], Max4MB, false, false, true, false, false),
        (&["--fast=20"], Max4MB, false, false, true, false, false),
        (&["--fast"], Max4MB, false, false, true, false, false),
        (&["-1"], Max4MB, false, false, true, false, false),
        (&["-2"], Max4MB, false, false, true, false, false),
        (&["-3"], Max4MB, false, false, true, false, false),
        (&["-9"], Max4MB, false, false, true, false, false),
        (
            &["-12", "--favor-decSpeed"],
            Max4MB,
            false,
            false,
            true,
            false,
            false,
        ),
        (&["--best"], Max4MB, false, false, true, false, false),
        (&["-B4"], Max64KB, false, false, true, false, false),
        (&["-B5"], Max256KB, false, false, true, false, false),
        (&["-B6"], Max1MB, false, false, true, false, false),
        (&["-B7"], Max4MB, false, false, true, false, false),
        (&["-BD"], Max4MB, true, false, true, false, false),
        (&["-BX"], Max4MB, false, true, true, false, false),
        (&["-B4DX", "-9"], Max64KB, true, true, true, false, false),
        (
            &["-B5", "-BD", "-BX"],
            Max256KB,
            true,
            true,
            true,
            false,
            false,
        ),
        (
            &["--no-frame-crc"],
            Max4MB,
            false,
            false,
            false,
            false,
            false,
        ),
        (&["--content-size"], Max4MB, false, false, true, true, false),
        (
            &["-B4", "-BD", "--content-size", "--no-frame-crc", "-BX"],
            Max64KB,
            true,
            true,
            false,
            true,
            false,
        ),
        (&["-D", "DICT"], Max4MB, false, false, true, false, true),
        (
            &["-BD", "-B4", "-9", "-DDICT"],
            Max64KB,
            true,
            false,
            true,
            false,
            true,
        ),
    ];
    let mut sizes = std::collections::BTreeMap::new();
    for (i, &(opts, bs, linked, bcrc, ccrc, csize, with_dict)) in cases.iter().enumerate() {
        let (packed, unpacked) = (dir.join(format!("c{i}.lz4")), dir.join(format!("d{i}")));
        let dict_opt = format!("-D{}", s(&dict));
        let opts: Vec<&str> = opts
            .iter()
            .map(|o| match *o {
                "DICT" => s(&dict),
                "-DDICT" => dict_opt.as_str(),
                o => o,
            })
            .collect();
        let mut args = vec!["compress"];
        args.extend(&opts);
        args.extend([s(&input), s(&packed)]);
        ok(&args);
        let frame = read(&packed);
        let info = header(&frame);
        let what = format!("{opts:?}");
        assert_eq!(info.block_size, bs, "{what}");
        assert_eq!(info.block_linked, linked, "{what}");
        assert_eq!(info.block_checksum, bcrc, "{what}");
        assert_eq!(info.content_checksum, ccrc, "{what}");
        assert_eq!(
            info.content_size,
            csize.then_some(data.len() as u64),
            "{what}"
        );
        assert_eq!(info.dict_id.is_some(), with_dict, "{what}");
        sizes.insert(what.clone(), frame.len());

        let mut args = vec!["decompress"];
        if with_dict {
            args.extend(["-D", s(&dict)]);
        }
        args.extend([s(&packed), s(&unpacked)]);
        ok(&args);
        assert!(read(&unpacked) == data, "round trip with {what}");
        if with_dict {
            // Without the dictionary the frame is refused by its ID.
            let out = lz(&["decompress", s(&packed), s(&dir.join("nodict"))], None);
            let err = expect(&out, CORRUPT, "decompress without -D");
            assert!(err.contains("dictionary"), "{err}");
            assert!(!dir.join("nodict").exists());
        }
    }
    // The level classes behave as their names say.
    let size = |k: &str| sizes[k];
    assert!(size("[\"--fast=20\"]") > size("[\"-1\"]"), "{sizes:?}");
    assert!(size("[\"-1\"]") > size("[\"-9\"]"), "{sizes:?}");
    assert!(size("[\"-9\"]") >= size("[\"--best\"]"), "{sizes:?}");
    // 64 KiB blocks: linked ones compress better, even with block checksums.
    assert!(
        size("[\"-B4\", \"-BD\", \"--content-size\", \"--no-frame-crc\", \"-BX\"]")
            < size("[\"-B4\"]"),
        "{sizes:?}"
    );
    println!("compressed sizes of {} bytes: {sizes:#?}", data.len());
}

#[test]
fn standard_input_and_output() {
    let dir = work_dir("cli-stdio");
    let data = mixed(2 << 20, 11);
    let out = lz(&["compress", "-9", "-"], Some(&data));
    expect(&out, OK, "compress - (stdout)");
    let frame = out.stdout;
    assert!(!frame.is_empty() && frame.len() < data.len());
    let out = lz(&["decompress", "-", "-"], Some(&frame));
    expect(&out, OK, "decompress - -");
    assert!(out.stdout == data);
    // stdin to a file, and a file to stdout.
    let packed = dir.join("p.lz4");
    expect(
        &lz(&["compress", "-BD", "-", s(&packed)], Some(&data)),
        OK,
        "compress - FILE",
    );
    let out = lz(&["decompress", s(&packed)], None);
    expect(&out, OK, "decompress FILE");
    assert!(out.stdout == data);
    // --content-size needs a size known up front.
    let out = lz(&["compress", "--content-size", "-"], Some(&data));
    expect(&out, USAGE, "--content-size from stdin");
    // An empty input is an empty frame and back.
    let out = lz(&["compress", "-"], Some(b""));
    expect(&out, OK, "compress empty");
    let out = lz(&["decompress", "-"], Some(&out.stdout));
    expect(&out, OK, "decompress empty frame");
    assert!(out.stdout.is_empty());
    // No progress line or chatter when stderr is not a terminal.
    let out = lz(&["decompress", "-", "-"], Some(&frame));
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
}

/// Runs the reference `lz4` tool; fails the test when it fails. Returns
/// what it wrote to standard output.
#[track_caller]
fn lz4_tool(args: &[&str]) -> Vec<u8> {
    let out = Command::new("lz4")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run lz4");
    assert!(out.status.success(), "lz4 {args:?}: {}", text(&out.stderr));
    out.stdout
}

#[test]
fn interoperates_with_the_lz4_tool_both_ways() {
    if !require_tool("lz4", "interoperability is not tested") {
        return;
    }
    let dir = work_dir("cli-interop");
    let data = mixed(5 << 20, 13);
    let input = dir.join("in");
    write(&input, &data);
    let dict = dir.join("dict");
    write(&dict, &mixed(64 << 10, 5));
    let lz4 = |args: &[&str]| {
        lz4_tool(args);
    };
    let option_sets: [&[&str]; 5] = [
        &[],
        &["-9", "-BD"],
        &["-B4", "-BX"],
        &["--no-frame-crc", "-B5", "--content-size"],
        &["-D", s(&dict), "-BD"],
    ];
    for (i, opts) in option_sets.iter().enumerate() {
        let dict_args: &[&str] = if opts.contains(&"-D") {
            &["-D", s(&dict)]
        } else {
            &[]
        };
        // Ours -> lz4.
        let (ours, theirs_out) = (dir.join(format!("o{i}.lz4")), dir.join(format!("o{i}.out")));
        let mut args = vec!["compress"];
        args.extend(opts.iter());
        args.extend([s(&input), s(&ours)]);
        ok(&args);
        let mut args = vec!["-q", "-d", "-f"];
        args.extend(dict_args);
        args.extend([s(&ours), s(&theirs_out)]);
        lz4(&args);
        assert!(read(&theirs_out) == data, "lz4 -d of ours with {opts:?}");
        // lz4 -> ours.
        let (theirs, ours_out) = (dir.join(format!("t{i}.lz4")), dir.join(format!("t{i}.out")));
        let mut args = vec!["-q", "-f"];
        args.extend(opts.iter());
        args.extend([s(&input), s(&theirs)]);
        lz4(&args);
        let mut args = vec!["decompress"];
        args.extend(dict_args);
        args.extend([s(&theirs), s(&ours_out)]);
        ok(&args);
        assert!(read(&ours_out) == data, "ours of lz4 with {opts:?}");
    }
    // Concatenated frames from lz4 decode as one stream.
    let cat = dir.join("cat.lz4");
    let first = read(&dir.join("t0.lz4"));
    let second = read(&dir.join("t1.lz4"));
    write(&cat, &[first, second].concat());
    let out = lz(&["decompress", s(&cat)], None);
    expect(&out, OK, "decompress concatenated");
    assert!(out.stdout == [&data[..], &data[..]].concat());
}

#[test]
fn never_overwrites_without_force() {
    let dir = work_dir("cli-force");
    let input = dir.join("in");
    write(&input, &mixed(100_000, 3));
    let target = dir.join("existing");
    write(&target, b"precious");
    for cmd in ["compress", "decompress"] {
        let out = lz(&[cmd, s(&input), s(&target)], None);
        let err = expect(&out, EXISTS, cmd);
        assert!(err.contains("existing") && err.contains("-f"), "{err}");
        assert_eq!(read(&target), b"precious");
    }
    ok(&["compress", "-f", s(&input), s(&target)]);
    let back = dir.join("back");
    ok(&["decompress", s(&target), s(&back)]);
    assert!(read(&back) == read(&input));
    // -f never makes INFILE its own OUTFILE.
    let out = lz(&["compress", "-f", s(&input), s(&input)], None);
    let err = expect(&out, USAGE, "same file");
    assert!(err.contains("same file"), "{err}");
    assert!(read(&input) == mixed(100_000, 3));
}

#[test]
fn corrupt_or_truncated_input_fails_and_leaves_no_output() {
    let dir = work_dir("cli-corrupt");
    let data = mixed(3 << 20, 17);
    let input = dir.join("in");
    write(&input, &data);
    let packed = dir.join("p.lz4");
    ok(&["compress", "-B5", "-BD", s(&input), s(&packed)]);
    let frame = read(&packed);
    let out_path = dir.join("out");

    let mut cases: Vec<(String, Vec<u8>)> = Vec::new();
    for cut in [3, 7, 100, frame.len() / 2, frame.len() - 1] {
        cases.push((format!("truncated at {cut}"), frame[..cut].to_vec()));
    }
    for at in [4, 6, frame.len() / 3, frame.len() - 2] {
        let mut bad = frame.clone();
        bad[at] ^= 0x10;
        cases.push((format!("bit flip at {at}"), bad));
    }
    cases.push(("not lz4 at all".into(), b"hello, world\n".repeat(100)));
    cases.push((
        "trailing garbage".into(),
        [&frame[..], b"garbage!"].concat(),
    ));
    for (what, bytes) in &cases {
        let bad = dir.join("bad.lz4");
        write(&bad, bytes);
        let out = lz(&["decompress", s(&bad), s(&out_path)], None);
        let err = expect(&out, CORRUPT, what);
        assert!(err.contains("bad.lz4"), "{what}: {err}");
        assert!(!out_path.exists(), "{what}: a partial OUTFILE was left");
        // To stdout: a failure, never a success.
        let out = lz(&["decompress", s(&bad)], None);
        expect(&out, CORRUPT, what);
    }
    // The message names the library's status.
    write(&dir.join("bad.lz4"), &frame[..frame.len() / 2]);
    let out = lz(&["decompress", s(&dir.join("bad.lz4")), s(&out_path)], None);
    let err = expect(&out, CORRUPT, "truncated");
    assert!(err.contains("truncated"), "{err}");
    // Files that cannot be opened.
    let out = lz(&["decompress", s(&dir.join("missing")), s(&out_path)], None);
    let err = expect(&out, IO, "missing input");
    assert!(err.contains("missing"), "{err}");
    let out = lz(&["compress", s(&input), s(&dir.join("no/such/dir"))], None);
    expect(&out, IO, "output in a missing directory");
    let out = lz(&["compress", "-D", s(&dir.join("nodict")), s(&input)], None);
    expect(&out, IO, "missing dictionary");
    assert!(!out_path.exists());
}

#[test]
fn usage_errors_and_information() {
    let cases: &[&[&str]] = &[
        &[],
        &["squash", "x"],
        &["compress"],
        &["compress", "a", "b", "c"],
        &["compress", "-13", "-"],
        &["compress", "-0", "-"],
        &["compress", "-B3", "-"],
        &["compress", "-BZ", "-"],
        &["compress", "--fast=0", "-"],
        &["compress", "--fast=x", "-"],
        &["compress", "--frobnicate", "-"],
        &["compress", "-Z", "-"],
        &["compress", "-D"],
        &["decompress", "-9", "-"],
        &["decompress", "-BD", "-"],
        &["decompress", "--content-size", "-"],
        &["decompress", "-T2", "--state", "st", "-", "out"],
        &["decompress", "--stall-timeout=x", "-"],
        &["decompress", "--stall-timeout=1.2345", "-"],
        &["decompress", "--retries=-1", "-"],
        &["decompress", "--retry-delay", "-"],
        &["decompress", "--resume-offset", "-"],
        &["decompress", "--resume-offset", "--state", "st", "in"],
        &["compress", "--resume-offset", "--state", "st"],
        &["compress", "http://127.0.0.1:9/x", "out"],
        &["compress", "--state", "st", "-", "out"],
        &["compress", "--state", "st", "in"],
        &["decompress", "--state", "st", "in"],
        &["decompress", "--state", "st", "in", "-"],
        &["decompress", "--state"],
        &["decompress", "--state", "Cargo.toml", "Cargo.toml", "x"],
        &["decompress", "--state", "x", "Cargo.toml", "x"],
        &["decompress", "--checkpoint=0", "a", "b"],
        &["decompress", "--checkpoint=1K", "a", "b"],
        &["decompress", "--checkpoint=lots", "a", "b"],
    ];
    for args in cases {
        let out = lz(args, None);
        let err = expect(&out, USAGE, &args.join(" "));
        assert!(err.contains("--help"), "{args:?}: {err}");
        assert!(out.stdout.is_empty());
    }
    for flag in ["-h", "--help"] {
        let out = lz(&[flag], None);
        expect(&out, OK, flag);
        let help = text(&out.stdout);
        for word in ["compress", "decompress", "--state", "-B4", "Exit codes"] {
            assert!(help.contains(word), "{flag} lacks {word}: {help}");
        }
    }
    for flag in ["-V", "--version"] {
        let out = lz(&[flag], None);
        expect(&out, OK, flag);
        let v = text(&out.stdout);
        assert!(v.contains(env!("CARGO_PKG_VERSION")), "{v}");
        assert!(v.contains(lz4framed::lz4_version_string()), "{v}");
    }
}

// ----------------------------------------------------------- --state

/// The state file's checksum (FNV-1a 64 of everything before the last 8
/// bytes), to forge files that pass it and must still be refused.
fn fnv1a64(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

fn reseal(state: &mut [u8]) {
    let n = state.len() - 8;
    let sum = fnv1a64(&state[..n]);
    state[n..].copy_from_slice(&sum.to_le_bytes());
}

/// A compressed stream and its content, written by the tool itself with
/// linked blocks and a content checksum.
fn make_stream(dir: &Path, name: &str, len: usize, seed: u64, opts: &[&str]) -> (PathBuf, Vec<u8>) {
    let data = mixed(len, seed);
    let plain = dir.join(format!("{name}.plain"));
    write(&plain, &data);
    let packed = dir.join(format!("{name}.lz4"));
    let mut args = vec!["compress", "-f"];
    args.extend(opts);
    args.extend([s(&plain), s(&packed)]);
    ok(&args);
    std::fs::remove_file(&plain).unwrap();
    (packed, data)
}

#[test]
fn state_survives_repeated_sigkill() {
    sigkill_torture("cli-torture", 96 << 20, 23, &["-B6", "-BD"], &[]);
}

/// The same with -T2: decoder workers that may consume input ahead of
/// their output, INFILE read ahead and OUTFILE written behind on threads
/// of their own; every checkpoint still describes written, synced output
/// and the input offset its own decoder resumes at.
#[test]
fn state_with_threads_survives_repeated_sigkill() {
    sigkill_torture(
        "cli-torture-threads",
        64 << 20,
        29,
        &["-B6", "-BX"],
        &["-T2"],
    );
}

/// Decompresses a stream made with `opts` again and again with --state
/// and `extra`, SIGKILLed at random moments, until at least 20 kills and a
/// complete run: every complete run is byte-identical.
fn sigkill_torture(name: &str, len: usize, seed: u64, opts: &[&str], extra: &[&str]) {
    const MIN_KILLS: u32 = 20;
    let dir = work_dir(name);
    let (stream, data) = make_stream(&dir, "s", len, seed, opts);
    assert!(header(&read(&stream)).content_checksum);
    let (out, state) = (dir.join("out"), dir.join("state"));
    let mut args = vec!["decompress", "-v", "-f", "--checkpoint=1M"];
    args.extend(extra);
    args.extend(["--state", s(&state), s(&stream), s(&out)]);
    // One uninterrupted run gives the time scale for the kill delays.
    let start = Instant::now();
    ok(&args);
    let full = start.elapsed();
    assert!(read(&out) == data && !state.exists());

    let seed = std::env::var("LZ4FRAMED_KILL_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    println!("kill seed {seed} (LZ4FRAMED_KILL_SEED replays it); full run {full:?}");
    let mut rng = Rng::new(seed);
    let max_delay = (full.as_micros() as u64 / 3).max(2_000);
    let (mut kills, mut runs, mut resumes, mut completions) = (0u32, 0u32, 0u32, 0u32);
    loop {
        runs += 1;
        assert!(runs < 1000, "no end after {runs} runs");
        let mut child = Command::new(cli())
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn lz4framed");
        let killing = kills < MIN_KILLS;
        if killing {
            // Mostly anywhere in a run, sometimes right at its start
            // (while it loads the state and truncates the output).
            let delay = if rng.chance(5) {
                rng.below(3_000) as u64
            } else {
                rng.below(max_delay as usize) as u64
            };
            let t = Instant::now();
            while t.elapsed() < Duration::from_micros(delay) {
                if child.try_wait().expect("wait").is_some() {
                    break;
                }
                std::thread::sleep(Duration::from_micros(300));
            }
            let _ = child.kill(); // SIGKILL; a no-op once it has ended
        }
        let result = child.wait_with_output().expect("wait for lz4framed");
        let err = text(&result.stderr);
        resumes += err.contains("resuming at") as u32;
        match result.status.signal() {
            Some(9) if killing => kills += 1,
            Some(sig) => panic!("lz4framed died of signal {sig}: {err}"),
            None => {
                assert_eq!(result.status.code(), Some(OK), "{err}");
                assert!(!state.exists(), "the state file is removed on success");
                assert!(read(&out) == data, "output differs after run {runs}");
                completions += 1;
                if kills >= MIN_KILLS {
                    break;
                }
                // Finished before enough kills: the next run starts over
                // (-f, no state file).
            }
        }
    }
    println!(
        "{kills} SIGKILLs in {runs} runs, {resumes} resumed from a state file, \
         {completions} complete runs, all byte-identical ({} MiB, {extra:?})",
        data.len() >> 20
    );
    assert!(resumes >= MIN_KILLS / 4, "too few runs resumed: {resumes}");
}

/// One state file made mid-stream: the stream cut at ~60% is decompressed
/// with --state, fails as truncated and leaves its checkpoint at the cut.
struct Checkpoint {
    state: Vec<u8>,
    output: Vec<u8>,
}

fn checkpoint_of(
    stream: &Path,
    input: &Path,
    out: &Path,
    state: &Path,
    extra: &[&str],
) -> Checkpoint {
    let full = read(stream);
    write(input, &full[..full.len() * 3 / 5]);
    let _ = std::fs::remove_file(out);
    let _ = std::fs::remove_file(state);
    let mut args = vec!["decompress", "--checkpoint=256K"];
    args.extend(extra);
    args.extend(["--state", s(state), s(input), s(out)]);
    let err = expect(&lz(&args, None), CORRUPT, "decompress a cut stream");
    assert!(err.contains("kept"), "{err}");
    write(input, &full);
    Checkpoint {
        state: read(state),
        output: read(out),
    }
}

#[test]
fn damaged_or_foreign_state_is_refused() {
    let dir = work_dir("cli-state-damage");
    let (stream_a, data_a) = make_stream(&dir, "a", 6 << 20, 31, &["-B4", "-BD"]);
    let (stream_b, _) = make_stream(&dir, "b", 6 << 20, 32, &["-B4", "-BD"]);
    let (input, out, state) = (dir.join("in.lz4"), dir.join("out"), dir.join("state"));
    let b = checkpoint_of(&stream_b, &input, &out, &state, &[]);
    let a = checkpoint_of(&stream_a, &input, &out, &state, &[]);
    assert!(a.output.len() > 1 << 20 && a.output.len() < data_a.len());
    assert!(data_a.starts_with(&a.output));
    let produced = u64::from_le_bytes(a.state[32..40].try_into().unwrap());
    assert_eq!(produced, a.output.len() as u64);
    let path_len = u32::from_le_bytes(a.state[72..76].try_into().unwrap()) as usize;
    let blob_at = 80 + path_len;
    assert!(a.state.len() > blob_at + 64);

    let args = ["decompress", "--state", s(&state), s(&input), s(&out)];
    // Puts the files in place, runs, and checks the refusal left them as
    // they were.
    let refused = |what: &str, state_bytes: &[u8], output: Option<&[u8]>, want: &str| {
        write(&state, state_bytes);
        match output {
            Some(bytes) => write(&out, bytes),
            None => {
                let _ = std::fs::remove_file(&out);
            }
        }
        let err = expect(&lz(&args, None), STATE, what);
        assert!(
            err.contains("refused") && err.contains(want),
            "{what}: expected '{want}' in:\n{err}"
        );
        assert!(
            read(&state) == state_bytes,
            "{what}: the state file changed"
        );
        match output {
            Some(bytes) => assert!(read(&out) == bytes, "{what}: OUTFILE changed"),
            None => assert!(!out.exists(), "{what}: an OUTFILE appeared"),
        }
    };

    let n = a.state.len();
    for at in [
        0,
        5,
        9,
        13,
        20,
        27,
        35,
        41,
        45,
        50,
        60,
        70,
        73,
        77,
        80 + path_len / 2,
        blob_at + 3,
        blob_at + (n - blob_at) / 2,
        n - 9,
        n - 1,
    ] {
        for bit in [0, 7] {
            let mut bad = a.state.clone();
            bad[at] ^= 1 << bit;
            let want = if at < 8 { "magic" } else { "" };
            refused(
                &format!("bit {bit} flipped at {at}"),
                &bad,
                Some(&a.output),
                want,
            );
        }
    }
    for len in [0, 4, 8, 40, 79, 80, 87, blob_at, n / 2, n - 8, n - 1] {
        let want = if len < 8 { "truncated" } else { "" };
        refused(
            &format!("cut to {len} bytes"),
            &a.state[..len],
            Some(&a.output),
            want,
        );
    }
    refused(
        "trailing bytes",
        &[&a.state[..], b"x"].concat(),
        Some(&a.output),
        "",
    );
    refused(
        "not a state file",
        &read(&stream_a)[..4096],
        Some(&a.output),
        "magic",
    );
    // A newer format version, properly sealed.
    let mut newer = a.state.clone();
    newer[8] = 3;
    reseal(&mut newer);
    refused("format version 3", &newer, Some(&a.output), "version");
    // A damaged decoder blob behind a valid outer checksum: the library's
    // own checks refuse it.
    let mut forged = a.state.clone();
    forged[blob_at + (n - blob_at) / 2] ^= 0x40;
    reseal(&mut forged);
    refused("forged blob", &forged, Some(&a.output), "");
    // The input offset moved, outer checksum valid.
    let mut moved = a.state.clone();
    moved[24] ^= 1;
    reseal(&mut moved);
    refused("input offset changed", &moved, Some(&a.output), "");

    // A state file from another stream (same OUTFILE path).
    refused(
        "state of stream b",
        &b.state,
        Some(&b.output),
        "not the input",
    );
    refused("state of stream b, output a", &b.state, Some(&a.output), "");
    // The right state, but the input replaced by another stream.
    write(&input, &read(&stream_b));
    refused("input replaced", &a.state, Some(&a.output), "not the input");
    write(&input, &read(&stream_a)[..1000]);
    refused("input shortened", &a.state, Some(&a.output), "shorter");
    write(&input, &read(&stream_a));

    // The output shortened, modified, replaced or gone.
    refused(
        "output shortened",
        &a.state,
        Some(&a.output[..a.output.len() - 1]),
        "shorter",
    );
    refused("output empty", &a.state, Some(b""), "shorter");
    let mut changed = a.output.clone();
    let last = changed.len() - 100;
    changed[last] ^= 1;
    refused("output modified", &a.state, Some(&changed), "modified");
    let other = mixed(a.output.len(), 77);
    refused("output replaced", &a.state, Some(&other), "modified");
    refused("output missing", &a.state, None, "does not exist");

    // Another OUTFILE path than the state was made for.
    write(&state, &a.state);
    let elsewhere = dir.join("elsewhere");
    write(&elsewhere, &a.output);
    let out2 = lz(
        &["decompress", "--state", s(&state), s(&input), s(&elsewhere)],
        None,
    );
    let err = expect(&out2, STATE, "another output path");
    assert!(err.contains("belongs to the output"), "{err}");

    // The intact state then resumes and finishes, byte for byte; a longer
    // tail than the checkpoint is cut back first.
    write(&state, &a.state);
    write(&out, &[&a.output[..], b"junk past the checkpoint"].concat());
    let err = expect(
        &lz(
            &["-v", "decompress", "--state", s(&state), s(&input), s(&out)],
            None,
        ),
        OK,
        "resume",
    );
    assert!(err.contains("resuming at"), "{err}");
    assert!(read(&out) == data_a, "resumed output differs");
    assert!(!state.exists() && !dir.join("state.tmp").exists());
    // With the state file gone, the finished OUTFILE is not overwritten.
    let err = expect(&lz(&args, None), EXISTS, "rerun after success");
    assert!(err.contains("no state file"), "{err}");
}

#[test]
fn state_with_a_dictionary_needs_the_same_dictionary() {
    let dir = work_dir("cli-state-dict");
    let dict = dir.join("dict");
    write(&dict, &mixed(64 << 10, 41));
    let (stream, data) = make_stream(&dir, "d", 2 << 20, 42, &["-B4", "-BD", "-D", s(&dict)]);
    let (input, out, state) = (dir.join("in.lz4"), dir.join("out"), dir.join("state"));
    let cp = checkpoint_of(&stream, &input, &out, &state, &["-D", s(&dict)]);
    let other = dir.join("other");
    write(&other, &mixed(64 << 10, 43));
    for dict_args in [&[][..], &["-D", s(&other)][..]] {
        write(&state, &cp.state);
        write(&out, &cp.output);
        let mut args = vec!["decompress"];
        args.extend(dict_args);
        args.extend(["--state", s(&state), s(&input), s(&out)]);
        let err = expect(&lz(&args, None), STATE, "wrong dictionary");
        assert!(err.contains("dictionary"), "{err}");
        assert!(read(&out) == cp.output);
    }
    ok(&[
        "decompress",
        "-D",
        s(&dict),
        "--state",
        s(&state),
        s(&input),
        s(&out),
    ]);
    assert!(read(&out) == data);
}

#[test]
fn state_run_that_fails_at_once_leaves_nothing_behind() {
    let dir = work_dir("cli-state-fresh");
    let (input, out, state) = (dir.join("in"), dir.join("out"), dir.join("state"));
    write(&input, b"this is not an LZ4 stream at all");
    let err = expect(
        &lz(
            &["decompress", "--state", s(&state), s(&input), s(&out)],
            None,
        ),
        CORRUPT,
        "not lz4",
    );
    assert!(err.contains("in:"), "{err}");
    assert!(!out.exists() && !state.exists());
    // A device is not a resumable input.
    let err = expect(
        &lz(
            &["decompress", "--state", s(&state), "/dev/null", s(&out)],
            None,
        ),
        USAGE,
        "device input",
    );
    assert!(err.contains("regular"), "{err}");
    let err = expect(
        &lz(
            &[
                "decompress",
                "--state",
                s(&state),
                s(&dir.join("missing")),
                s(&out),
            ],
            None,
        ),
        IO,
        "missing input",
    );
    assert!(err.contains("missing"), "{err}");
    assert!(!out.exists() && !state.exists());
}

#[test]
fn runs_clean_under_valgrind() {
    if !require_tool("valgrind", "the tool is not run under it") {
        return;
    }
    let dir = work_dir("cli-valgrind");
    let dict = dir.join("dict");
    write(&dict, &mixed(70 << 10, 51));
    let (stream, data) = make_stream(
        &dir,
        "v",
        1 << 20,
        52,
        &["-B4", "-BD", "-BX", "-D", s(&dict)],
    );
    let (input, out, state) = (dir.join("in.lz4"), dir.join("out"), dir.join("state"));
    let cp = checkpoint_of(&stream, &input, &out, &state, &["-D", s(&dict)]);
    assert!(!cp.output.is_empty());
    let valgrind_into = |args: &[&str], want: i32, stdin: Stdio, stdout: Stdio| {
        let out = Command::new("valgrind")
            .args([
                "-q",
                "--error-exitcode=99",
                "--leak-check=full",
                "--errors-for-leak-kinds=definite",
            ])
            .arg(cli())
            .args(args)
            .stdin(stdin)
            .stdout(stdout)
            .output()
            .expect("run valgrind");
        expect(&out, want, &format!("under valgrind: {args:?}"));
    };
    let valgrind = |args: &[&str]| valgrind_into(args, OK, Stdio::null(), Stdio::piped());
    // Resume from the checkpoint, then compress the result again.
    valgrind(&[
        "decompress",
        "-D",
        s(&dict),
        "--state",
        s(&state),
        s(&input),
        s(&out),
    ]);
    assert!(read(&out) == data);
    let again = dir.join("again.lz4");
    valgrind(&[
        "compress",
        "-9",
        "-BD",
        "-D",
        s(&dict),
        "--content-size",
        s(&out),
        s(&again),
    ]);
    let back = dir.join("back");
    valgrind(&["decompress", "-D", s(&dict), s(&again), s(&back)]);
    assert!(read(&back) == data);

    // With threads (decoder or encoder workers, reading and writing
    // threads): a resumed checkpoint, compression, and failures of the
    // decoder, the writer and the reader, every thread joined and every
    // buffer freed.
    let cp = checkpoint_of(&stream, &input, &out, &state, &["-T2", "-D", s(&dict)]);
    assert!(!cp.output.is_empty());
    valgrind(&[
        "decompress",
        "-T2",
        "-D",
        s(&dict),
        "--state",
        s(&state),
        s(&input),
        s(&out),
    ]);
    assert!(read(&out) == data);
    let independent = dir.join("independent.lz4");
    valgrind(&["compress", "-T2", "-B4", s(&out), s(&independent)]);
    valgrind(&["decompress", "-f", "-T2", s(&independent), s(&back)]);
    assert!(read(&back) == data);
    let mut bad = read(&independent);
    let n = bad.len();
    bad[n / 2] ^= 4;
    let bad_path = dir.join("bad.lz4");
    write(&bad_path, &bad);
    let null = Stdio::null;
    valgrind_into(
        &["decompress", "-T2", s(&bad_path)],
        CORRUPT,
        null(),
        Stdio::piped(),
    );
    valgrind_into(
        &["decompress", "-T2", s(&independent)],
        IO,
        null(),
        dev_full(),
    );
    valgrind_into(&["compress", "-T2", s(&out)], IO, null(), dev_full());
    let write_only = || Stdio::from(std::fs::File::create(dir.join("write-only")).unwrap());
    valgrind_into(&["compress", "-T2", "-"], IO, write_only(), Stdio::piped());
    valgrind_into(
        &["decompress", "-T2", "-"],
        IO,
        write_only(),
        Stdio::piped(),
    );
}

/// On a terminal, work that takes more than a second shows a progress line
/// on stderr (percentage of a regular input, MB/s), erased at the end; `-q`
/// silences it. `script` gives the tool a pseudo-terminal.
#[test]
fn progress_line_on_a_terminal_only() {
    if !require_tool("script", "the progress line is not checked") {
        return;
    }
    let dir = work_dir("cli-progress");
    let input = dir.join("big");
    // Level 12 over 24 MiB takes well over a second even in an optimised build.
    write(&input, &mixed(24 << 20, 41));
    for (quiet, name) in [(false, "out"), (true, "out-quiet")] {
        let output = dir.join(name);
        let command = format!(
            "{} compress -12 {} {} {}",
            s(cli()),
            if quiet { "-q" } else { "" },
            s(&input),
            s(&output)
        );
        let out = Command::new("script")
            .args(["-qec", &command, "/dev/null"])
            .stdin(Stdio::null())
            .output()
            .expect("run script");
        let shown = text(&out.stdout);
        assert!(out.status.success(), "{command}: {shown}");
        let progress = shown.contains("MB/s") && shown.contains('%');
        assert_eq!(progress, !quiet, "{command} printed: {shown:?}");
        assert_eq!(lz4framed::decompress(&read(&output)).unwrap(), read(&input));
    }
}

// ------------------------------------------- legacy frames (`lz4 -l`)

/// The legacy frame's magic number. A legacy frame has no end mark: it
/// stops at the end of the input, or where the next frame's magic number
/// stands in place of a block size.
const LEGACY_MAGIC: [u8; 4] = 0x184C_2102u32.to_le_bytes();

/// Where the blocks of the legacy frame at `at` in `stream` start (at
/// their 4-byte size), and where that frame ends.
fn legacy_blocks(stream: &[u8], at: usize) -> (Vec<usize>, usize) {
    assert_eq!(stream[at..at + 4], LEGACY_MAGIC, "no legacy frame at {at}");
    let (mut blocks, mut pos) = (Vec::new(), at + 4);
    while pos + 4 <= stream.len() {
        let size = u32::from_le_bytes(stream[pos..pos + 4].try_into().unwrap()) as usize;
        // A block holds at most 8 MiB (compressed, a little more): a larger
        // value is the magic number of the next frame.
        if size > 9 << 20 {
            break;
        }
        blocks.push(pos);
        pos += 4 + size;
    }
    assert!(pos <= stream.len(), "the legacy frame at {at} is cut");
    (blocks, pos)
}

/// Streams made by the `lz4` tool that end with a legacy frame.
struct LegacyStreams {
    /// 17 MiB and some: `lz4 -l` writes it as one frame of three blocks.
    a: Vec<u8>,
    a_plain: PathBuf,
    a_lz4: PathBuf,
    /// What each stream is, its file and its content.
    streams: Vec<(&'static str, PathBuf, Vec<u8>)>,
}

fn legacy_streams(dir: &Path) -> LegacyStreams {
    let a = mixed((17 << 20) + 12_345, 61);
    let b = mixed((9 << 20) + 777, 62);
    let c = mixed(1 << 20, 63);
    let (a_plain, b_plain, c_plain) = (dir.join("a"), dir.join("b"), dir.join("c"));
    write(&a_plain, &a);
    write(&b_plain, &b);
    write(&c_plain, &c);
    let (a_lz4, b_lz4) = (dir.join("a.lz4"), dir.join("b.lz4"));
    lz4_tool(&["-l", "-q", "-f", s(&a_plain), s(&a_lz4)]);
    lz4_tool(&["-l", "-q", "-f", s(&b_plain), s(&b_lz4)]);
    let a_stream = read(&a_lz4);
    let (blocks, end) = legacy_blocks(&a_stream, 0);
    assert_eq!((blocks.len(), end), (3, a_stream.len()), "lz4 -l of 17 MiB");

    // Several inputs with -m and -c: one legacy frame after the other.
    let multi = dir.join("multi.lz4");
    write(
        &multi,
        &lz4_tool(&["-l", "-m", "-c", "-q", s(&a_plain), s(&b_plain)]),
    );
    let m = read(&multi);
    let (_, first_end) = legacy_blocks(&m, 0);
    let (_, end) = legacy_blocks(&m, first_end);
    assert_eq!(end, m.len(), "lz4 -l -m -c writes two legacy frames");

    let two = dir.join("two.lz4");
    write(&two, &[read(&b_lz4), a_stream.clone()].concat());

    // A default frame, a linked one with block checksums, then legacy.
    let regular = lz4_tool(&["-q", "-c", s(&b_plain)]);
    let linked = lz4_tool(&["-q", "-c", "-BD", "-B4", "-BX", s(&c_plain)]);
    let after = dir.join("after.lz4");
    write(&after, &[regular, linked, a_stream].concat());

    LegacyStreams {
        streams: vec![
            ("one legacy frame of three blocks", a_lz4.clone(), a.clone()),
            (
                "lz4 -l -m -c of two inputs: two legacy frames",
                multi,
                [&a[..], &b[..]].concat(),
            ),
            (
                "two lz4 -l outputs concatenated",
                two,
                [&b[..], &a[..]].concat(),
            ),
            (
                "two regular frames, then a legacy frame",
                after,
                [&b[..], &c[..], &a[..]].concat(),
            ),
        ],
        a,
        a_plain,
        a_lz4,
    }
}

#[test]
fn streams_ending_in_legacy_frames_decode_to_the_end() {
    if !require_tool("lz4", "legacy frames from `lz4 -l` are not tested") {
        return;
    }
    let dir = work_dir("cli-legacy");
    let legacy = legacy_streams(&dir);
    let (out, state) = (dir.join("out"), dir.join("state"));
    for (what, stream, want) in &legacy.streams {
        let _ = std::fs::remove_file(&out);
        expect(&lz(&["decompress", s(stream), s(&out)], None), OK, what);
        assert!(read(&out) == *want, "{what}: output differs");

        let piped = lz(&["decompress", "-", "-"], Some(&read(stream)));
        expect(&piped, OK, &format!("{what}, standard input"));
        assert!(piped.stdout == *want, "{what}: output differs (stdin)");

        // Checkpoints every 1 MiB of output fall inside legacy blocks.
        let args = [
            "decompress",
            "-f",
            "--checkpoint=1M",
            "--state",
            s(&state),
            s(stream),
            s(&out),
        ];
        expect(&lz(&args, None), OK, &format!("{what}, --state"));
        assert!(read(&out) == *want, "{what}: output differs (--state)");
        assert!(!state.exists(), "{what}: the state file is left");
    }

    // Straight from `lz4 -l -c` through a pipe.
    let mut lz4 = Command::new("lz4")
        .args(["-l", "-c", "-q", s(&legacy.a_plain)])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run lz4");
    let piped = Command::new(cli())
        .args(["decompress", "-", "-"])
        .stdin(lz4.stdout.take().unwrap())
        .output()
        .expect("run lz4framed");
    assert!(lz4.wait().expect("wait for lz4").success());
    expect(&piped, OK, "lz4 -l -c | lz4framed decompress - -");
    assert!(piped.stdout == legacy.a, "output differs (pipe from lz4)");

    // With no end mark, a legacy frame cut between two blocks is a
    // complete, shorter stream.
    let full = read(&legacy.a_lz4);
    let (blocks, _) = legacy_blocks(&full, 0);
    let shorter = dir.join("shorter.lz4");
    write(&shorter, &full[..blocks[1]]);
    let _ = std::fs::remove_file(&out);
    expect(
        &lz(&["decompress", s(&shorter), s(&out)], None),
        OK,
        "cut at a block boundary",
    );
    assert!(read(&out) == legacy.a[..8 << 20], "output differs (cut)");
}

#[test]
fn legacy_streams_resume_from_a_checkpoint_and_after_sigkill() {
    if !require_tool("lz4", "legacy frames from `lz4 -l` are not tested") {
        return;
    }
    let dir = work_dir("cli-legacy-state");
    let legacy = legacy_streams(&dir);
    let (out, state) = (dir.join("out"), dir.join("state"));

    // The input stops inside the second block of the legacy frame that
    // follows two regular frames: the run fails as truncated and keeps its
    // checkpoint at the cut; once the input is complete it resumes there.
    let (_, stream, want) = &legacy.streams[3];
    let full = read(stream);
    let legacy_at = full.len() - read(&legacy.a_lz4).len();
    let (blocks, _) = legacy_blocks(&full, legacy_at);
    let input = dir.join("growing.lz4");
    write(&input, &full[..blocks[1] + 100_000]);
    let args = [
        "decompress",
        "-v",
        "--checkpoint=256K",
        "--state",
        s(&state),
        s(&input),
        s(&out),
    ];
    let err = expect(&lz(&args, None), CORRUPT, "input cut inside a legacy block");
    assert!(err.contains("truncated") && err.contains("kept"), "{err}");
    let before_cut = want.len() - legacy.a.len() + (8 << 20);
    assert!(read(&out) == want[..before_cut], "output kept at the cut");
    write(&input, &full);
    let err = expect(&lz(&args, None), OK, "resume with the whole input");
    assert!(err.contains("resuming at"), "{err}");
    assert!(read(&out) == *want, "resumed output differs");
    assert!(!state.exists(), "the state file is left");

    // Two legacy frames: each run is SIGKILLed once it has saved a
    // checkpoint past its start, and the next resumes from it. (A run
    // that ends before the kill simply completes.)
    let (_, stream, want) = &legacy.streams[1];
    let _ = std::fs::remove_file(&out);
    let args = [
        "decompress",
        "-v",
        "-f",
        "--checkpoint=1M",
        "--state",
        s(&state),
        s(stream),
        s(&out),
    ];
    // The output offset the state file records, if there is one.
    let recorded = || {
        std::fs::read(&state)
            .ok()
            .filter(|b| b.len() >= 40)
            .map(|b| u64::from_le_bytes(b[32..40].try_into().unwrap()))
    };
    let (mut kills, mut resumes) = (0u32, 0u32);
    for run in 1.. {
        assert!(run <= 20, "no end after {run} runs");
        let start = recorded().unwrap_or(0);
        let mut child = Command::new(cli())
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn lz4framed");
        if kills < 3 {
            while child.try_wait().expect("wait").is_none() {
                if recorded().is_some_and(|at| at > start) {
                    let _ = child.kill();
                    break;
                }
                std::thread::sleep(Duration::from_micros(200));
            }
        }
        let result = child.wait_with_output().expect("wait for lz4framed");
        let err = text(&result.stderr);
        resumes += err.contains("resuming at") as u32;
        match result.status.signal() {
            Some(9) => kills += 1,
            Some(sig) => panic!("lz4framed died of signal {sig}: {err}"),
            None => {
                assert_eq!(result.status.code(), Some(OK), "run {run}: {err}");
                assert!(read(&out) == *want, "output differs after run {run}");
                assert!(!state.exists(), "the state file is left");
                if resumes > 0 {
                    break;
                }
            }
        }
    }
    println!("two legacy frames: {kills} SIGKILLs, {resumes} resumes, output identical");
}

#[test]
fn legacy_stream_cut_inside_a_block_is_truncated() {
    if !require_tool("lz4", "legacy frames from `lz4 -l` are not tested") {
        return;
    }
    let dir = work_dir("cli-legacy-cut");
    let plain = dir.join("plain");
    write(&plain, &mixed((9 << 20) + 4321, 64));
    let packed = dir.join("p.lz4");
    lz4_tool(&["-l", "-q", "-f", s(&plain), s(&packed)]);
    let full = read(&packed);
    let (blocks, end) = legacy_blocks(&full, 0);
    assert_eq!((blocks.len(), end), (2, full.len()), "lz4 -l of 9 MiB");
    let (bad, out) = (dir.join("cut.lz4"), dir.join("out"));
    for (what, cut) in [
        ("inside the magic number", 2),
        ("inside the first block size", 6),
        ("inside the first block", blocks[0] + 4 + 1000),
        ("inside the second block size", blocks[1] + 2),
        ("inside the second block", blocks[1] + 4 + 10),
        ("one byte short", full.len() - 1),
    ] {
        write(&bad, &full[..cut]);
        let err = expect(&lz(&["decompress", s(&bad), s(&out)], None), CORRUPT, what);
        assert!(err.contains("truncated"), "{what}: {err}");
        assert!(!out.exists(), "{what}: a partial OUTFILE was left");
        let piped = lz(&["decompress", "-", "-"], Some(&full[..cut]));
        let err = expect(&piped, CORRUPT, &format!("{what}, standard input"));
        assert!(err.contains("truncated"), "{what}: {err}");
    }
}

/// `-T#` compresses on worker threads: independent blocks (the default)
/// are byte-identical to one thread, linked blocks decode to the input
/// (with our tool and with `lz4`); `-T0` takes the online CPUs; a count
/// out of range and `-T` for decompression are usage errors.
#[test]
fn threads_compress_byte_identically() {
    let dir = work_dir("cli-threads");
    let input = dir.join("in");
    // More than two 4 MiB jobs, so that workers run side by side.
    let data = mixed(11 << 20, 57);
    write(&input, &data);
    let one = dir.join("one.lz4");
    ok(&["compress", "-q", "-f", "-B6", "-BX", s(&input), s(&one)]);
    for threads in ["-T2", "-T3", "-T0", "-T1"] {
        let out = dir.join(format!("out{threads}.lz4"));
        ok(&[
            "compress",
            "-q",
            "-f",
            "-B6",
            "-BX",
            threads,
            s(&input),
            s(&out),
        ]);
        assert!(
            read(&out) == read(&one),
            "{threads}: differs from one thread"
        );
    }
    let linked = dir.join("linked.lz4");
    ok(&[
        "compress",
        "-q",
        "-f",
        "-9",
        "-BD",
        "-T2",
        s(&input),
        s(&linked),
    ]);
    let back = dir.join("back");
    ok(&["decompress", "-q", "-f", s(&linked), s(&back)]);
    assert!(
        read(&back) == data,
        "linked blocks with -T2 decode to the input"
    );
    if require_tool("lz4", "the -T2 frame is not checked with lz4") {
        let by_lz4 = Command::new("lz4")
            .args(["-d", "-c", s(&linked)])
            .output()
            .expect("run lz4");
        assert!(by_lz4.status.success() && by_lz4.stdout == data);
    }
    for bad in ["-T65", "-T", "-Tx"] {
        let err = expect(
            &lz(&["compress", bad, s(&input), s(&dir.join("x"))], None),
            USAGE,
            bad,
        );
        assert!(err.contains("-T needs a thread count"), "{err}");
    }
    let err = expect(
        &lz(&["decompress", "-T65", s(&one), s(&dir.join("y"))], None),
        USAGE,
        "decompress -T65",
    );
    assert!(err.contains("-T needs a thread count"), "{err}");
}

// ----------------------------------------------------------- threads

/// A skippable frame (magic 0x184D2A5n) holding `len` bytes.
fn skippable(n: u8, len: usize) -> Vec<u8> {
    let mut f = (0x184D_2A50u32 | u32::from(n & 15)).to_le_bytes().to_vec();
    f.extend((len as u32).to_le_bytes());
    f.extend((0..len).map(|i| (i * 7) as u8));
    f
}

/// Streams made by the `lz4` tool from 9 MiB (several blocks of every
/// size, so that workers have blocks to share): the default frame, linked
/// blocks, 64 KiB linked blocks, a legacy stream, two frames concatenated
/// and frames between skippable ones. Each with what `lz4 -d` makes of it.
fn lz4_made_streams(dir: &Path) -> Vec<(&'static str, PathBuf, Vec<u8>)> {
    let data = mixed(9 << 20, 61);
    let plain = dir.join("plain");
    write(&plain, &data);
    let by_lz4 = |opts: &[&str]| {
        let mut args = vec!["-q", "-c"];
        args.extend(opts);
        args.push(s(&plain));
        lz4_tool(&args)
    };
    let default = by_lz4(&[]);
    let linked = by_lz4(&["-BD"]);
    let small_linked = by_lz4(&["-B4", "-BD"]);
    let kinds: Vec<(&'static str, Vec<u8>)> = vec![
        ("lz4 default", default.clone()),
        ("lz4 -BD", linked.clone()),
        ("lz4 -B4 -BD", small_linked.clone()),
        ("lz4 -l", by_lz4(&["-l"])),
        (
            "concatenated",
            [&default[..], &by_lz4(&["-B5", "-BX"])[..]].concat(),
        ),
        (
            "skippable frames",
            [
                &skippable(0, 100)[..],
                &default,
                &skippable(7, 0),
                &small_linked,
                &skippable(15, 70_000),
            ]
            .concat(),
        ),
    ];
    kinds
        .into_iter()
        .enumerate()
        .map(|(i, (what, bytes))| {
            let path = dir.join(format!("stream{i}.lz4"));
            write(&path, &bytes);
            let want = lz4_tool(&["-d", "-c", s(&path)]);
            let copies = if what == "concatenated" || what == "skippable frames" {
                2
            } else {
                1
            };
            assert!(
                want == data.repeat(copies),
                "{what}: lz4 -d gives the input back"
            );
            (what, path, want)
        })
        .collect()
}

#[test]
fn decompress_threads_match_lz4_on_every_kind_of_stream() {
    if !require_tool("lz4", "decompression with threads is not compared with it") {
        return;
    }
    let dir = work_dir("cli-decompress-threads");
    let out = dir.join("out");
    for (what, path, want) in lz4_made_streams(&dir) {
        let bytes = read(&path);
        for threads in ["-T0", "-T1", "-T2", "-T4"] {
            ok(&["decompress", "-q", "-f", threads, s(&path), s(&out)]);
            assert!(
                read(&out) == want,
                "{what} {threads}: OUTFILE differs from lz4 -d"
            );
            // Standard input and output, both pipes.
            let piped = lz(&["decompress", "-q", threads, "-"], Some(&bytes));
            expect(&piped, OK, &format!("{what} {threads} through pipes"));
            assert!(
                piped.stdout == want,
                "{what} {threads}: standard output differs from lz4 -d"
            );
        }
    }
}

/// The tool's messages with the input offsets left out: a decoder with
/// workers may have consumed input ahead when it reports an error.
fn without_offsets(err: &str) -> String {
    let mut kept = String::new();
    let mut rest = err;
    while let Some(at) = rest.find("offset ") {
        kept.push_str(&rest[..at + 7]);
        rest = rest[at + 7..].trim_start_matches(|c: char| c.is_ascii_digit());
        kept.push('#');
    }
    kept.push_str(rest);
    kept
}

#[test]
fn decompress_threads_fail_as_one_thread_does() {
    if !require_tool(
        "lz4",
        "failures with threads are not checked on its streams",
    ) {
        return;
    }
    let dir = work_dir("cli-decompress-threads-fail");
    let plain = dir.join("plain");
    write(&plain, &mixed(6 << 20, 63));
    let independent = lz4_tool(&["-q", "-c", "-B5", s(&plain)]);
    let linked = lz4_tool(&["-q", "-c", "-BD", s(&plain)]);
    let mut cases: Vec<(String, Vec<u8>)> = Vec::new();
    for (kind, frame) in [("independent", &independent), ("linked", &linked)] {
        for cut in [7, 100, frame.len() / 2, frame.len() - 1] {
            cases.push((format!("{kind} truncated at {cut}"), frame[..cut].to_vec()));
        }
        for at in [5, frame.len() / 3, frame.len() - 2] {
            let mut bad = frame.clone();
            bad[at] ^= 0x10;
            cases.push((format!("{kind} bit flip at {at}"), bad));
        }
    }
    let mut second_bad = linked.clone();
    let n = second_bad.len();
    second_bad[n / 2] ^= 1;
    cases.push((
        "a damaged second frame".into(),
        [&independent[..], &second_bad[..]].concat(),
    ));
    cases.push((
        "trailing garbage".into(),
        [&independent[..], b"garbage!"].concat(),
    ));
    cases.push(("not lz4 at all".into(), b"hello, world\n".repeat(100)));

    let (bad, out) = (dir.join("bad.lz4"), dir.join("out"));
    for (what, bytes) in &cases {
        write(&bad, bytes);
        let mut seen: Option<(String, Vec<u8>)> = None;
        for threads in ["-T1", "-T2", "-T4"] {
            let to_file = lz(&["decompress", threads, s(&bad), s(&out)], None);
            let err = expect(&to_file, CORRUPT, &format!("{what} {threads}"));
            assert!(
                !out.exists(),
                "{what} {threads}: a partial OUTFILE was left"
            );
            // To standard output: the same message as in one thread, after
            // good output only: what went out before the error is the data
            // before the damage, as far as each got (a decoder with workers
            // hands out blocks in other batches, so the failing call, whose
            // output is dropped, covers other blocks).
            let piped = lz(&["decompress", threads, "-"], Some(bytes));
            let piped_err = expect(&piped, CORRUPT, &format!("{what} {threads} through pipes"));
            assert_eq!(
                without_offsets(&err),
                without_offsets(&piped_err).replace("(stdin)", s(&bad))
            );
            let got = (without_offsets(&err), piped.stdout);
            match &seen {
                None => seen = Some(got),
                Some(one) => {
                    assert_eq!(one.0, got.0, "{what}: {threads} says otherwise than -T1");
                    assert!(
                        one.1.starts_with(&got.1) || got.1.starts_with(&one.1),
                        "{what}: {threads} delivers other output before failing"
                    );
                }
            }
        }
    }
}

fn dev_full() -> Stdio {
    Stdio::from(
        std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("open /dev/full"),
    )
}

/// Waits for `child` at most a minute (a hang fails the test, never the
/// run), then collects its stderr.
fn finish_within_a_minute(mut child: std::process::Child, what: &str) -> Output {
    let start = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("{what}: still running after a minute");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("wait for lz4framed")
}

/// Writes `bytes` to the child's standard input from a thread (as far as
/// the child reads them) and keeps the pipe open, silent, until the thread
/// is joined: an input that stalls.
fn feed_then_stall(
    child: &mut std::process::Child,
    bytes: Vec<u8>,
) -> std::thread::JoinHandle<std::process::ChildStdin> {
    let mut pipe = child.stdin.take().expect("a piped standard input");
    std::thread::spawn(move || {
        use std::io::Write;
        let _ = pipe.write_all(&bytes);
        pipe
    })
}

#[test]
fn thread_failures_on_either_side_stop_everything_cleanly() {
    let dir = work_dir("cli-thread-failures");
    let plain = dir.join("plain");
    write(&plain, &mixed(12 << 20, 65));
    let packed = dir.join("packed.lz4");
    ok(&["compress", "-q", "-B5", s(&plain), s(&packed)]);
    let checked = dir.join("checked.lz4");
    ok(&["compress", "-q", "-B5", "-BX", s(&plain), s(&checked)]);
    let write_only = dir.join("write-only");
    write(&write_only, b"");
    for threads in ["-T1", "-T2"] {
        for (command, input) in [("compress", &plain), ("decompress", &packed)] {
            let what = format!("{command} {threads}");
            // A write failure: standard output on /dev/full.
            let full = Command::new(cli())
                .args([command, "-q", threads, s(input)])
                .stdin(Stdio::null())
                .stdout(dev_full())
                .output()
                .expect("run lz4framed");
            let err = expect(&full, IO, &format!("{what} to /dev/full"));
            assert!(
                err.contains("(stdout): cannot write: No space left on device"),
                "{what}: {err}"
            );
            // A read failure: standard input open for writing only.
            let unreadable = Command::new(cli())
                .args([command, "-q", threads, "-", s(&dir.join("never"))])
                .stdin(std::fs::File::create(&write_only).unwrap())
                .output()
                .expect("run lz4framed");
            let err = expect(&unreadable, IO, &format!("{what} from a write-only input"));
            assert!(err.contains("(stdin): cannot read"), "{what}: {err}");
            assert!(
                !dir.join("never").exists(),
                "{what}: OUTFILE left after a read failure"
            );
            // A write failure while the input stalls (its writer keeps the
            // pipe open and sends nothing more): the tool must not wait for
            // input that may never come.
            let mut child = Command::new(cli())
                .args([command, "-q", threads, "-"])
                .stdin(Stdio::piped())
                .stdout(dev_full())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn lz4framed");
            let stalled = feed_then_stall(&mut child, read(input)[..3 << 20].to_vec());
            let out = finish_within_a_minute(child, &format!("{what} to /dev/full, input stalled"));
            drop(stalled.join().unwrap());
            let err = expect(&out, IO, &format!("{what} to /dev/full, input stalled"));
            assert!(err.contains("cannot write"), "{what}: {err}");
        }
        // A decoding error while the input stalls.
        let mut child = Command::new(cli())
            .args(["decompress", "-q", threads, "-", s(&dir.join("never"))])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn lz4framed");
        // Block checksums: the damaged block is refused as soon as it is
        // whole, long before the input would end.
        let mut bad = read(&checked)[..2 << 20].to_vec();
        bad[1 << 20] ^= 0x40;
        let stalled = feed_then_stall(&mut child, bad);
        let out =
            finish_within_a_minute(child, &format!("decompress {threads}, corrupt and stalled"));
        drop(stalled.join().unwrap());
        let err = expect(
            &out,
            CORRUPT,
            &format!("decompress {threads}, corrupt and stalled"),
        );
        assert!(err.contains("cannot decompress"), "{err}");
        assert!(!dir.join("never").exists());
        // A reader of the output that goes away (EPIPE with SIGPIPE
        // ignored, as a shell's `trap '' PIPE` leaves it).
        for (command, input) in [("compress", &plain), ("decompress", &packed)] {
            let script = format!(
                "trap '' PIPE; '{}' {command} -q {threads} '{}' | head -c 1000 >/dev/null; \
                 echo \"${{PIPESTATUS[0]}}\"",
                s(cli()),
                s(input)
            );
            let out = Command::new("bash")
                .args(["-c", &script])
                .output()
                .expect("run bash");
            let err = text(&out.stderr);
            assert_eq!(
                text(&out.stdout).trim(),
                IO.to_string(),
                "{command} {threads} into a closed pipe: {err}"
            );
            assert!(
                err.contains("cannot write: Broken pipe"),
                "{command} {threads}: {err}"
            );
        }
    }
}

#[test]
fn compress_threads_to_a_pipe() {
    let dir = work_dir("cli-compress-threads-pipe");
    let data = mixed(10 << 20, 67);
    let plain = dir.join("plain");
    write(&plain, &data);
    let one = dir.join("one.lz4");
    ok(&["compress", "-q", "-B6", s(&plain), s(&one)]);
    for threads in ["-T2", "-T0"] {
        // Standard input and output both pipes, and a file to a pipe.
        let piped = lz(&["compress", "-q", "-B6", threads, "-", "-"], Some(&data));
        expect(&piped, OK, &format!("compress {threads} through pipes"));
        assert!(
            piped.stdout == read(&one),
            "{threads}: differs from one thread"
        );
        let from_file = lz(&["compress", "-q", "-B6", threads, s(&plain)], None);
        expect(&from_file, OK, &format!("compress {threads} to a pipe"));
        assert!(
            from_file.stdout == read(&one),
            "{threads}: differs from one thread"
        );
        if require_tool(
            "lz4",
            "the frames compressed with -T2 are not decoded with it",
        ) {
            let mut lz4 = Command::new("lz4")
                .args(["-d", "-c"])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .expect("run lz4");
            let mut to_lz4 = lz4.stdin.take().unwrap();
            let frame = piped.stdout.clone();
            let feeder = std::thread::spawn(move || {
                use std::io::Write;
                to_lz4.write_all(&frame).unwrap();
            });
            let back = lz4.wait_with_output().expect("wait for lz4");
            feeder.join().unwrap();
            assert!(
                back.status.success() && back.stdout == data,
                "lz4 -d of the {threads} frame"
            );
        }
    }
}

#[test]
fn state_checkpoints_with_threads_resume_byte_identically() {
    let dir = work_dir("cli-state-threads");
    let (stream, data) = make_stream(&dir, "t", 12 << 20, 69, &["-B5", "-BX"]);
    let (input, out, state) = (dir.join("in.lz4"), dir.join("out"), dir.join("state"));
    for (cut_with, resume_with) in [("-T2", "-T2"), ("-T2", "-T1"), ("-T1", "-T4")] {
        // Cut at 60%: the run fails as truncated and keeps its checkpoint,
        // which resumes with any thread count.
        let cp = checkpoint_of(&stream, &input, &out, &state, &[cut_with]);
        assert!(!cp.output.is_empty() && data.starts_with(&cp.output));
        let out2 = lz(
            &[
                "decompress",
                "-v",
                resume_with,
                "--state",
                s(&state),
                s(&input),
                s(&out),
            ],
            None,
        );
        let err = expect(&out2, OK, &format!("resume {cut_with} -> {resume_with}"));
        assert!(err.contains("resuming at"), "{err}");
        assert!(
            read(&out) == data,
            "{cut_with} -> {resume_with}: output differs"
        );
        assert!(!state.exists());
    }
}

// ------------------------------------------------ random access (index, --range)

/// The documented exit code for a refused seek table or index.
const INDEX: i32 = 10;

/// `--range` of `[offset, offset + len)` of `input` to standard output.
fn range(input: &Path, spec: &str, extra: &[&str]) -> Output {
    let arg = format!("--range={spec}");
    let mut args = vec!["decompress", "-q", arg.as_str()];
    args.extend(extra);
    args.push(s(input));
    lz(&args, None)
}

#[track_caller]
fn range_ok(input: &Path, data: &[u8], offset: usize, len: usize, extra: &[&str]) -> String {
    let spec = format!("{offset}:{len}");
    let out = range(input, &spec, extra);
    let err = expect(&out, OK, &format!("--range={spec} {extra:?}"));
    let end = data.len().min(offset + len);
    assert!(
        out.stdout == data[offset.min(end)..end],
        "--range={spec} {extra:?}"
    );
    err
}

#[test]
fn index_and_range_on_lz4_made_files() {
    if !require_tool("lz4", "random access to lz4-made files is not tested") {
        return;
    }
    let dir = work_dir("cli-range");
    let data = mixed(3 << 20, 71);
    let plain = dir.join("plain");
    write(&plain, &data);
    let sets: [&[&str]; 6] = [
        &["-B4"],
        &["-B5", "--content-size"],
        &["-B6", "-BD", "-BX"],
        &["-B7"],
        &["-B4", "-BD"],
        &["-l"],
    ];
    let mut r = Rng::new(5);
    for (i, opts) in sets.iter().enumerate() {
        let file = dir.join(format!("f{i}.lz4"));
        let mut args = vec!["-q", "-f"];
        args.extend(*opts);
        args.extend([s(&plain), s(&file)]);
        lz4_tool(&args);
        // Without an index: one is built in memory.
        let err = range_ok(&file, &data, 1_000_000, 70_000, &["-v"]);
        assert!(!err.contains("using"), "{err}");
        // `index` writes INFILE's .lz4i by default, and --range finds it.
        let index = dir.join(format!("f{i}.lz4i"));
        let _ = std::fs::remove_file(&index);
        ok(&["index", "-q", "--span=256K", s(&file)]);
        assert_eq!(&read(&index)[..4], b"L4SI");
        for _ in 0..4 {
            let offset = r.below(data.len() + 10);
            let len = r.below(300_000);
            let err = range_ok(&file, &data, offset.min(data.len()), len, &["-v"]);
            assert!(err.contains("using the index"), "{err}");
        }
        // Suffixes, and no LENGTH: to the end.
        range_ok(&file, &data, 2 << 20, 64 << 10, &[]);
        let out = range(&file, "2M:64K", &[]);
        assert!(out.stdout == data[2 << 20..(2 << 20) + (64 << 10)]);
        let out = range(&file, "3000000:", &[]);
        expect(&out, OK, "--range=3000000:");
        assert!(out.stdout == data[3_000_000..]);
        // A named index, to a named OUTFILE.
        let named = dir.join(format!("named{i}.idx"));
        ok(&["index", "-q", "-f", s(&file), s(&named)]);
        let part = dir.join(format!("part{i}"));
        let idx = format!("--index={}", s(&named));
        ok(&[
            "decompress",
            "-q",
            "-f",
            "--range=12345:200000",
            &idx,
            s(&file),
            s(&part),
        ]);
        assert!(read(&part) == data[12345..212345]);
        // With a seek table appended, the table serves (and lz4 still decodes it).
        let bytes = read(&file);
        let table =
            lz4framed::seek::SeekTable::from_scan(&lz4framed::seek::scan(&bytes).unwrap(), 1 << 20)
                .unwrap();
        let tabled = dir.join(format!("t{i}.lz4"));
        write(&tabled, &[&bytes[..], &table.to_frame()].concat());
        let err = range_ok(&tabled, &data, 2_500_000, 100_000, &["-v"]);
        assert!(err.contains("using its seek table"), "{err}");
        assert!(lz4_tool(&["-d", "-c", s(&tabled)]) == data);
    }
}

#[test]
fn index_and_range_refusals() {
    let dir = work_dir("cli-range-errors");
    let data = mixed(1 << 20, 72);
    let plain = dir.join("plain");
    write(&plain, &data);
    let file = dir.join("a.lz4");
    ok(&["compress", "-q", "-f", "-B4", "-BD", s(&plain), s(&file)]);
    let other = dir.join("b.lz4");
    ok(&["compress", "-q", "-f", "-B4", s(&plain), s(&other)]);
    let index = dir.join("a.lz4i");
    let _ = std::fs::remove_file(&index);
    ok(&["index", "-q", s(&file)]);
    // INDEXFILE exists: -f needed.
    expect(&lz(&["index", "-q", s(&file)], None), EXISTS, "index again");
    ok(&["index", "-q", "-f", s(&file)]);
    // A named index made for another file, or damaged: refused.
    let stale = format!("--index={}", s(&index));
    expect(&range(&other, "0:10", &[&stale]), INDEX, "stale index");
    let mut damaged = read(&index);
    damaged[50] ^= 1;
    let bad = dir.join("bad.lz4i");
    write(&bad, &damaged);
    let bad_opt = format!("--index={}", s(&bad));
    let err = expect(&range(&file, "0:10", &[&bad_opt]), INDEX, "damaged index");
    assert!(err.contains("SEEK_CHECKSUM"), "{err}");
    let missing = format!("--index={}", s(&dir.join("none")));
    expect(&range(&file, "0:10", &[&missing]), IO, "missing index");
    // A stale index found by its default name is passed over, with a note.
    let b_index = dir.join("b.lz4i");
    std::fs::copy(&index, &b_index).unwrap();
    let out = range(&other, "100:1000", &["-v"]);
    let err = expect(&out, OK, "stale default index");
    assert!(err.contains("building an index in memory"), "{err}");
    assert!(out.stdout == data[100..1100]);
    // A damaged seek table is an error, not ignored.
    let bytes = read(&other);
    let table =
        lz4framed::seek::SeekTable::from_scan(&lz4framed::seek::scan(&bytes).unwrap(), 0).unwrap();
    let mut tabled = [&bytes[..], &table.to_frame()].concat();
    let at = bytes.len() + 10;
    tabled[at] ^= 1;
    let tabled_path = dir.join("t.lz4");
    write(&tabled_path, &tabled);
    expect(&range(&tabled_path, "0:10", &[]), INDEX, "damaged table");
    // A corrupt or truncated file.
    let cut = dir.join("cut.lz4");
    let whole = read(&file);
    write(&cut, &whole[..whole.len() / 2]);
    expect(
        &lz(&["index", "-q", s(&cut)], None),
        CORRUPT,
        "index of a cut file",
    );
    assert!(!dir.join("cut.lz4i").exists());
    expect(&range(&cut, "0:10", &[]), CORRUPT, "range of a cut file");
    // Offsets and usage.
    expect(&range(&file, "2M:10", &[]), USAGE, "range beyond the end");
    let out = range(&file, &format!("{}:10", data.len()), &[]);
    expect(&out, OK, "range at the end");
    assert!(out.stdout.is_empty());
    for spec in ["10", "x:10", "10:y", ":10", "1Q:5"] {
        expect(&range(&file, spec, &[]), USAGE, spec);
    }
    expect(
        &lz(&["decompress", "--range=0:10", "-"], Some(&whole)),
        USAGE,
        "range of stdin",
    );
    expect(
        &lz(&["compress", "--range=0:10", s(&plain)], None),
        USAGE,
        "range on compress",
    );
    expect(
        &lz(&["compress", "--span=4M", s(&plain)], None),
        USAGE,
        "span on compress",
    );
    expect(
        &lz(&["index", "-9", s(&file)], None),
        USAGE,
        "level on index",
    );
    expect(&lz(&["index", "--span=0", s(&file)], None), USAGE, "span 0");
    expect(
        &lz(&["decompress", &stale, s(&file)], None),
        USAGE,
        "index without range",
    );
}

#[test]
fn index_and_range_run_clean_under_valgrind() {
    if !require_tool("valgrind", "index and --range are not run under it") {
        return;
    }
    let dir = work_dir("cli-range-valgrind");
    let data = mixed(400 << 10, 73);
    let plain = dir.join("plain");
    write(&plain, &data);
    let file = dir.join("v.lz4");
    ok(&[
        "compress",
        "-q",
        "-f",
        "-B4",
        "-BD",
        "-BX",
        s(&plain),
        s(&file),
    ]);
    let run = |args: &[&str], want: i32| -> Vec<u8> {
        let out = Command::new("valgrind")
            .args([
                "-q",
                "--error-exitcode=99",
                "--leak-check=full",
                "--errors-for-leak-kinds=definite",
            ])
            .arg(cli())
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run valgrind");
        expect(&out, want, &format!("under valgrind: {args:?}"));
        out.stdout
    };
    let index = dir.join("v.lz4i");
    let _ = std::fs::remove_file(&index);
    run(&["index", "-q", "--span=64K", s(&file)], OK);
    assert!(
        run(&["decompress", "-q", "--range=300000:50000", s(&file)], OK) == data[300_000..350_000]
    );
    std::fs::remove_file(&index).unwrap();
    assert!(run(&["decompress", "-q", "--range=1K:10K", s(&file)], OK) == data[1024..11 * 1024]);
    let bad = dir.join("bad.lz4i");
    write(
        &bad,
        b"L4SI not really an index, too short to be one at all..........",
    );
    let opt = format!("--index={}", s(&bad));
    run(&["decompress", "-q", "--range=0:10", &opt, s(&file)], INDEX);
}

// ------------------------------------------------- compress --state

/// `compress --state`: what an uninterrupted `compress` with `opts` writes
/// for `input`, written to `reference`.
fn compress_reference(input: &Path, reference: &Path, opts: &[&str]) -> Vec<u8> {
    let mut args = vec!["compress", "-q", "-f"];
    args.extend(opts);
    args.extend([s(input), s(reference)]);
    ok(&args);
    read(reference)
}

/// The arguments of a `compress --state` run.
fn compress_state_args<'a>(
    opts: &[&'a str],
    state: &'a Path,
    input: &'a Path,
    out: &'a Path,
) -> Vec<&'a str> {
    let mut args = vec!["compress", "-v", "--checkpoint=1M"];
    args.extend(opts);
    args.extend(["--state", s(state), s(input), s(out)]);
    args
}

/// Starts a `compress --state` run and SIGKILLs it once it has saved a
/// checkpoint (or lets it finish if it never does).
fn compress_state_killed_after_checkpoint(args: &[&str], state: &Path) {
    let mut child = Command::new(cli())
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn lz4framed");
    let t = Instant::now();
    while !state.exists() && t.elapsed() < Duration::from_secs(20) {
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// The decoded content of a frame, by the reference `lz4` tool when it is
/// installed (and by this library always).
fn check_decodes(frame_path: &Path, data: &[u8]) {
    assert!(lz4framed::decompress(&read(frame_path)).unwrap() == data);
    if require_tool("lz4", "compress --state output is not decoded by lz4") {
        let out = lz4_tool(&["-d", "-c", s(frame_path)]);
        assert!(out == data, "lz4 decodes something else");
    }
}

/// `compress --state` SIGKILLed at random moments at least 50 times: every
/// run that completes leaves exactly the bytes of an uninterrupted run,
/// which `lz4` decodes; the state file is gone then.
#[test]
fn compress_state_survives_repeated_sigkill() {
    compress_sigkill_torture("cli-compress-torture", 40 << 20, 41, &[], 50);
}

/// The same with workers (-T2, LZ4 HC): checkpoints settle the jobs in
/// flight first.
#[test]
fn compress_state_with_threads_survives_repeated_sigkill() {
    compress_sigkill_torture(
        "cli-compress-torture-threads",
        24 << 20,
        43,
        &["-T2", "-5", "-B5", "-BD"],
        12,
    );
}

/// `compress --state --seek-table`: the table at the end, written from the
/// encoder's record carried through every checkpoint, and the linked
/// restarts (stretches of one 4 MiB block staged from 1 MiB reads; with
/// -T2 of 2 MiB) give exactly the file of an uninterrupted
/// `compress --seek-table`.
#[test]
fn compress_state_with_a_seek_table_survives_sigkill() {
    for (name, opts) in [
        ("cli-compress-torture-seek", &["--seek-table=3M", "-BD"][..]),
        (
            "cli-compress-torture-seek-threads",
            &["--seek-table=2M", "-B5", "-BD", "-T2", "-BX"][..],
        ),
    ] {
        let file = compress_sigkill_torture(name, 14 << 20, 47, opts, 6);
        let table = lz4framed::seek::SeekTable::from_file(&file).unwrap();
        let points: Vec<_> = table
            .points()
            .map(|p| (p.kind, p.decompressed_offset))
            .collect();
        assert!(
            points.iter().filter(|p| p.0.is_restart()).count() >= 4,
            "{points:?}"
        );
    }
}

/// Returns the finished output.
fn compress_sigkill_torture(
    name: &str,
    len: usize,
    seed: u64,
    opts: &[&str],
    min_kills: u32,
) -> Vec<u8> {
    let dir = work_dir(name);
    let data = mixed(len, seed);
    let (input, reference, out, state) = (
        dir.join("in"),
        dir.join("ref.lz4"),
        dir.join("out.lz4"),
        dir.join("state"),
    );
    write(&input, &data);
    let want = compress_reference(&input, &reference, opts);
    let mut args = compress_state_args(opts, &state, &input, &out);
    args.insert(1, "-f");
    let start = Instant::now();
    ok(&args);
    let full = start.elapsed();
    assert!(
        read(&out) == want && !state.exists(),
        "an uninterrupted --state run differs"
    );
    check_decodes(&out, &data);

    let seed = std::env::var("LZ4FRAMED_KILL_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    println!("kill seed {seed} (LZ4FRAMED_KILL_SEED replays it); full run {full:?}");
    let mut rng = Rng::new(seed);
    let max_delay = (full.as_micros() as u64 / 3).max(2_000);
    let (mut kills, mut runs, mut resumes, mut completions) = (0u32, 0u32, 0u32, 0u32);
    std::fs::remove_file(&out).unwrap();
    loop {
        runs += 1;
        assert!(runs < 1000, "no end after {runs} runs");
        let mut child = Command::new(cli())
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn lz4framed");
        let killing = kills < min_kills;
        if killing {
            let delay = if rng.chance(5) {
                rng.below(3_000) as u64
            } else {
                rng.below(max_delay as usize) as u64
            };
            let t = Instant::now();
            while t.elapsed() < Duration::from_micros(delay) {
                if child.try_wait().expect("wait").is_some() {
                    break;
                }
                std::thread::sleep(Duration::from_micros(300));
            }
            let _ = child.kill();
        }
        let result = child.wait_with_output().expect("wait for lz4framed");
        let err = text(&result.stderr);
        resumes += err.contains("resuming at") as u32;
        match result.status.signal() {
            Some(9) if killing => kills += 1,
            Some(sig) => panic!("lz4framed died of signal {sig}: {err}"),
            None => {
                assert_eq!(result.status.code(), Some(OK), "{err}");
                assert!(!state.exists(), "the state file is removed on success");
                assert!(read(&out) == want, "output differs after run {runs}");
                completions += 1;
                if kills >= min_kills {
                    break;
                }
            }
        }
    }
    check_decodes(&out, &data);
    println!(
        "{kills} SIGKILLs in {runs} runs, {resumes} resumed from a state file, \
         {completions} complete runs, all byte-identical to an uninterrupted compress"
    );
    assert!(resumes >= min_kills / 4, "too few runs resumed: {resumes}");
    read(&out)
}

/// A checkpoint of `compress --state` and the files it describes.
struct CompressCheckpoint {
    state: Vec<u8>,
    output: Vec<u8>,
}

fn compress_checkpoint(args: &[&str], state: &Path, out: &Path) -> CompressCheckpoint {
    let _ = std::fs::remove_file(state);
    let _ = std::fs::remove_file(out);
    compress_state_killed_after_checkpoint(args, state);
    assert!(state.exists(), "no checkpoint was saved");
    CompressCheckpoint {
        state: read(state),
        output: read(out),
    }
}

/// Damaged, foreign or mismatched state files, and INFILE or OUTFILE
/// changed since the checkpoint: refused with exit code 4, nothing changed;
/// the intact checkpoint then resumes to the uninterrupted output.
#[test]
fn compress_state_refuses_damaged_or_mismatched_state() {
    let dir = work_dir("cli-compress-state-damage");
    let data = mixed(24 << 20, 47);
    let (input, reference, out, state) = (
        dir.join("in"),
        dir.join("ref.lz4"),
        dir.join("out.lz4"),
        dir.join("state"),
    );
    write(&input, &data);
    let opts = ["-B4", "-BD"];
    let want = compress_reference(&input, &reference, &opts);
    let args = compress_state_args(&opts, &state, &input, &out);
    let cp = compress_checkpoint(&args, &state, &out);
    let restore = || {
        write(&state, &cp.state);
        write(&out, &cp.output);
        write(&input, &data);
    };
    let refused = |what: &str, args: &[&str]| {
        let before = (read(&state), read(&out));
        let err = expect(&lz(args, None), STATE, what);
        assert!(err.contains("refused"), "{what}: {err}");
        assert!(
            read(&state) == before.0 && read(&out) == before.1,
            "{what}: files changed"
        );
    };
    let n = cp.state.len();
    // Damage: bit flips (unsealed and resealed), truncation, extension.
    let mut rng = Rng::new(5);
    for i in 0..40 {
        restore();
        let mut st = cp.state.clone();
        let at = if i < 20 { i * 4 } else { rng.below(n) };
        st[at] ^= 1 << rng.below(8);
        if i % 2 == 1 {
            reseal(&mut st);
        }
        write(&state, &st);
        refused(&format!("bit flip at {at}"), &args);
    }
    for len in [0, 7, 8, 79, 80, n / 2, n - 9, n - 1] {
        restore();
        write(&state, &cp.state[..len]);
        refused(&format!("truncated to {len}"), &args);
    }
    restore();
    let mut longer = cp.state.clone();
    longer.push(0);
    write(&state, &longer);
    refused("one byte more", &args);
    // Foreign: a decompression state file's magic; another format version.
    restore();
    let mut st = cp.state.clone();
    st[..8].copy_from_slice(b"LZ4FRESM");
    reseal(&mut st);
    write(&state, &st);
    refused("a decompression state", &args);
    restore();
    let mut st = cp.state.clone();
    st[8] = 2;
    reseal(&mut st);
    write(&state, &st);
    refused("version 2", &args);
    // Other options than the first run's.
    restore();
    refused(
        "other options",
        &compress_state_args(&["-B4", "-BD", "-9"], &state, &input, &out),
    );
    restore();
    refused(
        "other block options",
        &compress_state_args(&["-B4"], &state, &input, &out),
    );
    // INFILE changed before the checkpoint's input offset, or shortened.
    restore();
    let mut changed = data.clone();
    changed[10] ^= 1;
    write(&input, &changed);
    refused("INFILE head changed", &args);
    restore();
    let offset = u64::from_le_bytes(cp.state[16..24].try_into().unwrap()) as usize;
    let mut changed = data.clone();
    changed[offset - 100] ^= 1;
    write(&input, &changed);
    refused("INFILE changed before the offset", &args);
    restore();
    write(&input, &data[..offset - 1]);
    refused("INFILE shortened", &args);
    // OUTFILE changed, shortened, missing.
    restore();
    let mut o = cp.output.clone();
    let produced = u64::from_le_bytes(cp.state[24..32].try_into().unwrap()) as usize;
    o[produced - 1] ^= 1;
    write(&out, &o);
    refused("OUTFILE changed", &args);
    restore();
    write(&out, &cp.output[..produced - 1]);
    refused("OUTFILE shortened", &args);
    restore();
    std::fs::remove_file(&out).unwrap();
    let err = expect(&lz(&args, None), STATE, "OUTFILE missing");
    assert!(err.contains("does not exist"), "{err}");
    // A dictionary that the first run did not have.
    restore();
    let dict = dir.join("dict");
    write(&dict, &data[..50_000]);
    let with_dict = compress_state_args(&["-B4", "-BD", "-D", s(&dict)], &state, &input, &out);
    refused("a dictionary", &with_dict);
    // Intact: resumes, completes, and equals the uninterrupted output.
    restore();
    let err = expect(&lz(&args, None), OK, "resume");
    assert!(err.contains("resuming at input offset"), "{err}");
    assert!(read(&out) == want, "resumed output differs");
    assert!(!state.exists());
    check_decodes(&out, &data);
}

/// A growing INFILE (a log still being written): a run killed after a
/// checkpoint resumes, once INFILE has grown, from the recorded input
/// offset and compresses it to its new end; the result equals one
/// uninterrupted run over the grown file.
#[test]
fn compress_state_continues_a_grown_input() {
    let dir = work_dir("cli-compress-state-grow");
    let data = mixed(30 << 20, 53);
    let first = 18 << 20;
    let (input, reference, out, state) = (
        dir.join("in"),
        dir.join("ref.lz4"),
        dir.join("out.lz4"),
        dir.join("state"),
    );
    for opts in [&[][..], &["-B4", "-BD", "-9"][..]] {
        write(&input, &data);
        let want = compress_reference(&input, &reference, opts);
        write(&input, &data[..first]);
        let args = compress_state_args(opts, &state, &input, &out);
        compress_checkpoint(&args, &state, &out);
        {
            use std::io::Write;
            let mut f = std::fs::OpenOptions::new()
                .append(true)
                .open(&input)
                .unwrap();
            f.write_all(&data[first..]).unwrap();
        }
        let err = expect(&lz(&args, None), OK, "resume after growth");
        assert!(err.contains("resuming at input offset"), "{err}");
        assert!(
            read(&out) == want,
            "{opts:?}: output differs from one run over the grown file"
        );
        assert!(!state.exists());
        check_decodes(&out, &data);
    }
}

/// `compress --seek-table[=SPAN]`: the file ends with a table the library
/// finds, with a point every SPAN of input, and `lz4 -d` gives the input
/// back; with threads the bytes are those of one thread.
#[test]
fn compress_with_a_seek_table_round_trips_through_lz4() {
    use lz4framed::seek::SeekTable;
    let dir = work_dir("cli-seek-table");
    let data = mixed(6 << 20, 31);
    let input = dir.join("in");
    write(&input, &data);
    let lz4 = require_tool("lz4", "the files with a table are not decoded with lz4");
    // (options, restart points expected)
    let cases: [(&[&str], usize); 6] = [
        (&["--seek-table"], 2),
        (&["--seek-table=1M", "-B4"], 6),
        (&["--seek-table=1024K", "-BD", "-B5", "-BX"], 6),
        (&["--seek-table=2M", "-BD", "-B6", "--content-size"], 3),
        (&["--seek-table=64K", "-B7"], 2),
        (&["--seek-table=1g", "-B4", "--no-frame-crc"], 1),
    ];
    for (i, (opts, points)) in cases.iter().enumerate() {
        let mut one = Vec::new();
        for threads in ["-T1", "-T2"] {
            let packed = dir.join(format!("s{i}{threads}.lz4"));
            let mut args = vec!["compress", "-q", threads];
            args.extend(opts.iter());
            args.extend([s(&input), s(&packed)]);
            ok(&args);
            let file = read(&packed);
            let table = SeekTable::from_file(&file).unwrap_or_else(|e| panic!("{opts:?}: {e}"));
            assert_eq!(table.entries().len(), *points, "{opts:?}");
            assert_eq!(table.decompressed_total(), data.len() as u64);
            assert!(lz4framed::decompress(&file).unwrap() == data, "{opts:?}");
            if lz4 {
                let back = lz4_tool(&["-d", "-c", "-q", s(&packed)]);
                assert!(back == data, "lz4 -d of {opts:?}");
            }
            let unpacked = dir.join(format!("u{i}{threads}"));
            ok(&["decompress", "-q", s(&packed), s(&unpacked)]);
            assert!(read(&unpacked) == data);
            // The same bytes with threads.
            if one.is_empty() {
                one = file;
            } else {
                assert!(one == file, "-T2 differs for {opts:?}");
            }
        }
    }
    for bad in [
        "--seek-table=",
        "--seek-table=4X",
        "--seek-table=0",
        "--seek-table=1500B",
    ] {
        let err = expect(
            &lz(&["compress", bad, s(&input), s(&dir.join("bad"))], None),
            USAGE,
            bad,
        );
        assert!(err.contains("--seek-table"), "{bad}: {err}");
    }
    let packed = dir.join("s0-T1.lz4");
    let err = expect(
        &lz(
            &["decompress", "--seek-table", s(&packed), s(&dir.join("x"))],
            None,
        ),
        USAGE,
        "decompress --seek-table",
    );
    assert!(err.contains("compress only"), "{err}");
}

/// One row of `lz4framed list`: (kind, block, mode, flags, compressed,
/// decompressed).
fn list_rows(stdout: &str) -> Vec<(String, String, String, String, u64, u64)> {
    stdout
        .lines()
        .skip(2)
        .take_while(|l| !l.starts_with("total:"))
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            assert_eq!(f.len(), 9, "{l}");
            (
                f[2].to_string(),
                f[3].to_string(),
                f[4].to_string(),
                f[5].to_string(),
                f[6].parse().unwrap(),
                f[7].parse().unwrap(),
            )
        })
        .collect()
}

#[test]
fn list_shows_every_frame_of_files_made_by_lz4() {
    if !require_tool("lz4", "list is not run on files made by lz4") {
        return;
    }
    let dir = work_dir("cli-list");
    let data = mixed(3 << 20, 41);
    let input = dir.join("in");
    write(&input, &data);
    let n = data.len() as u64;
    // (lz4 options, kind, block, mode, flags)
    let cases: [(&[&str], &str, &str, &str, String); 9] = [
        (&[], "LZ4", "4M", "independent", "csum".into()),
        (&["-B4"], "LZ4", "64K", "independent", "csum".into()),
        (&["-B5", "-BD"], "LZ4", "256K", "linked", "csum".into()),
        (
            &["-B6", "-BX"],
            "LZ4",
            "1M",
            "independent",
            "bsum,csum".into(),
        ),
        (
            &["-B7", "--no-frame-crc"],
            "LZ4",
            "4M",
            "independent",
            "-".into(),
        ),
        (
            &["--content-size"],
            "LZ4",
            "4M",
            "independent",
            format!("csum,size={n}"),
        ),
        (
            &["-BD", "-B4", "--no-frame-crc", "-BX"],
            "LZ4",
            "64K",
            "linked",
            "bsum".into(),
        ),
        (&["-l"], "legacy", "8M", "independent", "-".into()),
        (&["-l", "-9"], "legacy", "8M", "independent", "-".into()),
    ];
    let mut all = Vec::new();
    for (i, (opts, kind, block, mode, flags)) in cases.iter().enumerate() {
        let packed = dir.join(format!("l{i}.lz4"));
        let mut args = vec!["-q", "-f"];
        args.extend(opts.iter());
        args.extend([s(&input), s(&packed)]);
        lz4_tool(&args);
        let file = read(&packed);
        all.push(file.clone());
        let out = lz(&["list", s(&packed)], None);
        expect(&out, OK, &format!("list of lz4 {opts:?}"));
        let stdout = text(&out.stdout);
        let rows = list_rows(&stdout);
        assert_eq!(rows.len(), 1, "{stdout}");
        let r = &rows[0];
        assert_eq!(
            (&r.0[..], &r.1[..], &r.2[..], &r.3[..]),
            (*kind, *block, *mode, &flags[..]),
            "lz4 {opts:?}"
        );
        assert_eq!((r.4, r.5), (file.len() as u64, n), "{stdout}");
        assert!(stdout.contains("seek table: none"), "{stdout}");
    }
    // Concatenated frames with a skippable frame among them, and a file
    // made with a table.
    let mut cat = Vec::new();
    for (i, f) in all.iter().enumerate() {
        cat.extend_from_slice(f);
        if i == 2 {
            cat.extend_from_slice(&[0x53, 0x2A, 0x4D, 0x18, 5, 0, 0, 0, 1, 2, 3, 4, 5]);
        }
    }
    let packed = dir.join("cat.lz4");
    write(&packed, &cat);
    let out = lz(&["list", s(&packed)], None);
    let stdout = text(&out.stdout);
    expect(&out, OK, "list of concatenated frames");
    let rows = list_rows(&stdout);
    assert_eq!(rows.len(), cases.len() + 1, "{stdout}");
    assert_eq!(rows[3].0, "skippable");
    assert_eq!((rows[3].4, rows[3].5), (13, 0));
    let total_c: u64 = rows.iter().map(|r| r.4).sum();
    assert_eq!(total_c, cat.len() as u64);
    assert!(
        stdout.contains(&format!(
            "total: {} frames (7 LZ4, 2 legacy, 1 skippable), {} bytes -> {} bytes",
            cases.len() + 1,
            cat.len(),
            9 * n
        )),
        "{stdout}"
    );
    let tabled = dir.join("t.lz4");
    ok(&[
        "compress",
        "-q",
        "--seek-table=1M",
        "-B4",
        "-BD",
        s(&input),
        s(&tabled),
    ]);
    let out = lz(&["list", s(&tabled)], None);
    let stdout = text(&out.stdout);
    expect(&out, OK, "list of a file with a table");
    let rows = list_rows(&stdout);
    assert_eq!(rows.len(), 2, "{stdout}");
    assert_eq!(
        (&rows[1].0[..], &rows[1].3[..]),
        ("skippable", "seek-table")
    );
    assert!(
        stdout.contains("seek table: 3 restart points (3 entries, 56 bytes at offset"),
        "{stdout}"
    );
}

#[test]
fn list_refuses_corrupt_and_truncated_input() {
    let dir = work_dir("cli-list-bad");
    let data = mixed(1 << 20, 43);
    let input = dir.join("in");
    write(&input, &data);
    let packed = dir.join("t.lz4");
    ok(&[
        "compress",
        "-q",
        "--seek-table=256K",
        "-B4",
        s(&input),
        s(&packed),
    ]);
    let file = read(&packed);
    let bad = dir.join("bad.lz4");
    // (bytes, exit code, text of the message)
    let table_at = lz4framed::seek::SeekTable::from_file(&file)
        .unwrap()
        .compressed_total() as usize;
    let mut flipped_table = file.clone();
    flipped_table[table_at + 9] ^= 1;
    let mut flipped_block = file.clone();
    flipped_block[table_at / 2] ^= 0xff;
    let cases: Vec<(Vec<u8>, i32, &str)> = vec![
        (file[..file.len() / 2].to_vec(), CORRUPT, "TRUNCATED"),
        (b"not an lz4 file at all".to_vec(), CORRUPT, "BAD_MAGIC"),
        (flipped_table, INDEX, "SEEK_CHECKSUM"),
        (
            file[..table_at].iter().chain(&file[..]).copied().collect(),
            INDEX,
            "SEEK_CORRUPT",
        ),
    ];
    for (bytes, want, what) in &cases {
        write(&bad, bytes);
        let err = expect(&lz(&["list", s(&bad)], None), *want, what);
        assert!(err.contains(what), "{what}: {err}");
    }
    // A damaged block is found by the scan or, when its tokens still add
    // up, only by decoding: list then succeeds and decompress fails.
    write(&bad, &flipped_block);
    let listed = code(&lz(&["list", s(&bad)], None));
    assert!(listed == OK || listed == CORRUPT, "{listed}");
    let missing = dir.join("missing.lz4");
    expect(
        &lz(&["list", s(&missing)], None),
        IO,
        "list of a missing file",
    );
    expect(
        &lz(&["list", "-"], Some(&file)),
        USAGE,
        "list of standard input",
    );
    expect(
        &lz(&["list", s(&packed), s(&bad)], None),
        USAGE,
        "list with OUTFILE",
    );
    expect(
        &lz(&["list", "-9", s(&packed)], None),
        USAGE,
        "list with -9",
    );
    write(&bad, b"");
    let out = lz(&["list", s(&bad)], None);
    expect(&out, OK, "list of an empty file");
    assert!(text(&out.stdout).contains("total: 0 frames"));
}
