//! The main job on built-in sample data: compress a stream, then decompress
//! it (1) through a connection that keeps dropping, (2) in a process that
//! is killed with SIGKILL again and again, resuming each time from a saved
//! state file, and (3) with the C command-line tool `lz4framed decompress
//! --state`, built here from its sources in `programs/` against the static
//! library and killed the same way; prove every output is byte-identical
//! and show speed.
//!
//! Run: `cargo run --release --example demo [-- MiB]` (default 64 MiB).

use lz4framed::{BlockSize, Decoder, Preferences, Status, compress};
// The random generator the tests share (a dev-dependency, as examples may have).
use lz4framed_testkit::Rng;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

/// Log-like text with some binary noise: compresses roughly 3:1.
fn sample(len: usize) -> Vec<u8> {
    let mut r = Rng::new(0x5eed);
    let levels = ["INFO", "WARN", "DEBUG", "ERROR"];
    let paths = [
        "/api/v1/items",
        "/login",
        "/static/app.js",
        "/api/v1/orders/42",
        "/health",
    ];
    let mut v = Vec::with_capacity(len + 256);
    let mut t = 1_700_000_000u64;
    while v.len() < len {
        t += r.next_u64() % 3;
        let x = r.next_u64();
        let line = format!(
            "{t} {} {} status={} bytes={} user={:08x}\n",
            levels[(x % 4) as usize],
            paths[(x >> 8) as usize % 5],
            [200, 200, 200, 404, 500][(x >> 16) as usize % 5],
            (x >> 24) % 100_000,
            r.next_u64() as u32
        );
        v.extend_from_slice(line.as_bytes());
        if x % 97 == 0 {
            v.extend((0..64).map(|_| r.next_u64() as u8));
        }
    }
    v.truncate(len);
    v
}

fn mbps(bytes: usize, d: Duration) -> f64 {
    bytes as f64 / 1e6 / d.as_secs_f64().max(1e-9)
}

/// A connection that hands out data in uneven pieces and drops after a
/// random number of bytes (read returns 0 as a closed socket does).
struct FlakyConnection<'a> {
    data: &'a [u8],
    left_before_drop: usize,
    rng: Rng,
}

impl Read for FlakyConnection<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let piece = (1 + self.rng.next_u64() as usize % 70_000)
            .min(buf.len())
            .min(self.data.len())
            .min(self.left_before_drop);
        buf[..piece].copy_from_slice(&self.data[..piece]);
        self.data = &self.data[piece..];
        self.left_before_drop -= piece;
        Ok(piece)
    }
}

fn dropped_connections(frame: &[u8], original: &[u8]) -> Result<(), String> {
    let mut rng = Rng::new(42);
    let mut dec = Decoder::new();
    let mut out = vec![0u8; original.len()];
    let (mut produced, mut drops) = (0usize, 0u32);
    let start = Instant::now();
    loop {
        // "Reconnect" at the offset the decoder reports.
        let at = dec.input_consumed() as usize;
        let mut conn = FlakyConnection {
            data: &frame[at..],
            left_before_drop: 1 + rng.next_u64() as usize % (frame.len() / 8),
            rng: Rng::new(rng.next_u64()),
        };
        let p = dec
            .read_from(&mut conn, &mut out[produced..])
            .map_err(|e| e.to_string())?;
        produced += p.produced;
        match p.status {
            Status::FrameBoundary if dec.input_consumed() as usize == frame.len() => break,
            Status::OutputFull => return Err("output larger than the original".into()),
            _ => drops += 1,
        }
    }
    let took = start.elapsed();
    if out[..produced] != *original {
        return Err("output differs from the original".into());
    }
    println!(
        "  connection dropped {drops} times, reconnected at the reported input offset each time: \
         {produced} bytes byte-identical, {:.0} MB/s",
        mbps(produced, took)
    );
    Ok(())
}

const CHECKPOINT_EVERY: u64 = 4 << 20;

/// The worker process: decompress `dir/input.lz4` into `dir/output`,
/// saving a checkpoint every few MiB; resume from it when one exists.
fn worker(dir: &Path) -> Result<(), String> {
    let e = |what: &str, err: io::Error| format!("{what}: {err}");
    let state_path = dir.join("state");
    let mut input = File::open(dir.join("input.lz4")).map_err(|x| e("open input", x))?;
    let mut output = OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(false)
        .open(dir.join("output"))
        .map_err(|x| e("open output", x))?;
    let mut dec = match fs::read(&state_path) {
        Ok(blob) => {
            let d =
                Decoder::unmarshal(&blob, None).map_err(|x| format!("state file refused: {x}"))?;
            // Undo whatever was written after the checkpoint, and go back in the input.
            output
                .set_len(d.output_produced())
                .map_err(|x| e("truncate output", x))?;
            output
                .seek(SeekFrom::Start(d.output_produced()))
                .map_err(|x| e("seek output", x))?;
            input
                .seek(SeekFrom::Start(d.input_consumed()))
                .map_err(|x| e("seek input", x))?;
            d
        }
        Err(_) => {
            output.set_len(0).map_err(|x| e("truncate output", x))?;
            Decoder::new()
        }
    };
    let mut buf = vec![0u8; 1 << 20];
    let mut last_checkpoint = dec.output_produced();
    loop {
        let p = dec
            .read_from(&mut input, &mut buf)
            .map_err(|x| x.to_string())?;
        output
            .write_all(&buf[..p.produced])
            .map_err(|x| e("write output", x))?;
        if dec.output_produced() - last_checkpoint >= CHECKPOINT_EVERY {
            // The recipe: output durable first, then the state, replaced atomically.
            output.sync_data().map_err(|x| e("fsync output", x))?;
            let blob = dec.marshal().map_err(|x| x.to_string())?;
            let tmp = dir.join("state.tmp");
            let mut f = File::create(&tmp).map_err(|x| e("create state", x))?;
            f.write_all(&blob)
                .and_then(|_| f.sync_all())
                .map_err(|x| e("write state", x))?;
            fs::rename(&tmp, &state_path).map_err(|x| e("replace state", x))?;
            last_checkpoint = dec.output_produced();
        }
        match p.status {
            Status::OutputFull => {}
            Status::FrameBoundary => break,
            Status::NeedInput => return Err("input truncated".into()),
            Status::SourceFailed => return Err("reading the input failed".into()),
            other => return Err(format!("unexpected decoder status {other:?}")),
        }
    }
    output.sync_all().map_err(|x| e("fsync output", x))?;
    let _ = fs::remove_file(&state_path);
    Ok(())
}

fn killed_processes(frame: &[u8], original: &[u8]) -> Result<(), String> {
    let dir = std::env::temp_dir().join(format!("lz4framed-demo-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).map_err(|x| x.to_string())?;
    fs::write(dir.join("input.lz4"), frame).map_err(|x| x.to_string())?;
    let exe = std::env::current_exe().map_err(|x| x.to_string())?;
    let mut rng = Rng::new(7);
    let (mut kills, mut runs) = (0u32, 0u32);
    let start = Instant::now();
    loop {
        runs += 1;
        let mut child = Command::new(&exe)
            .arg("--worker")
            .arg(&dir)
            .spawn()
            .map_err(|x| x.to_string())?;
        let resumed_from = fs::read(dir.join("state"))
            .ok()
            .and_then(|b| Decoder::unmarshal(&b, None).ok());
        if kills < 8 {
            std::thread::sleep(Duration::from_millis(3 + rng.next_u64() % 30));
            if child.try_wait().map_err(|x| x.to_string())?.is_none() {
                child.kill().map_err(|x| x.to_string())?; // SIGKILL: no chance to clean up
                child.wait().map_err(|x| x.to_string())?;
                kills += 1;
                let at = resumed_from.map_or(0, |d| d.output_produced());
                println!("  run {runs}: started at output byte {at}, killed with SIGKILL");
                continue;
            }
        }
        let status = child.wait().map_err(|x| x.to_string())?;
        if !status.success() {
            return Err(format!("worker failed: {status}"));
        }
        let at = resumed_from.map_or(0, |d| d.output_produced());
        println!("  run {runs}: started at output byte {at}, finished");
        break;
    }
    let took = start.elapsed();
    let out = fs::read(dir.join("output")).map_err(|x| x.to_string())?;
    let _ = fs::remove_dir_all(&dir);
    if out != original {
        return Err("output differs from the original".into());
    }
    println!(
        "  {kills} kills, {runs} runs: output {} bytes byte-identical ({:.1} s in all)",
        out.len(),
        took.as_secs_f64()
    );
    Ok(())
}

/// Builds the C tool against the static library. Building an example
/// makes only the Rust library, so the C libraries are built first, with
/// the cargo that runs this demo, into the same target directory
/// (`target/<profile>/liblz4framed.a`).
fn build_cli(dir: &Path) -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|x| x.to_string())?;
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .ok_or("no target directory")?;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut build = Command::new(cargo);
    build
        .args(["build", "--lib", "--quiet", "--manifest-path"])
        .arg(root.join("Cargo.toml"));
    if profile_dir.file_name().is_some_and(|n| n == "release") {
        build.arg("--release");
    }
    if let Some(target_dir) = profile_dir.parent() {
        build.arg("--target-dir").arg(target_dir);
    }
    let status = build.status().map_err(|x| format!("running cargo: {x}"))?;
    let lib = profile_dir.join("liblz4framed.a");
    if !status.success() || !lib.exists() {
        return Err(format!("cargo build --lib did not make {}", lib.display()));
    }
    // The tool is every C file of programs/.
    let mut sources: Vec<PathBuf> = fs::read_dir(root.join("programs"))
        .map_err(|x| format!("reading programs/: {x}"))?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "c"))
        .collect();
    sources.sort();
    let cli = dir.join("lz4framed");
    let out = Command::new("cc")
        .args(["-O2", "-std=c99", "-I"])
        .arg(root.join("include"))
        .args(&sources)
        .arg(&lib)
        .args(["-lpthread", "-ldl", "-lm", "-lrt", "-lutil", "-o"])
        .arg(&cli)
        .output()
        .map_err(|x| format!("running cc: {x}"))?;
    if !out.status.success() {
        return Err(format!(
            "cc failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(cli)
}

fn c_tool(frame: &[u8], original: &[u8]) -> Result<(), String> {
    let dir = std::env::temp_dir().join(format!("lz4framed-demo-cli-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).map_err(|x| x.to_string())?;
    let result = c_tool_in(&dir, frame, original);
    let _ = fs::remove_dir_all(&dir);
    result
}

fn c_tool_in(dir: &Path, frame: &[u8], original: &[u8]) -> Result<(), String> {
    let cli = match build_cli(dir) {
        Ok(cli) => cli,
        Err(e) => {
            println!("  skipped: the C tool could not be built here ({e})");
            return Ok(());
        }
    };
    let (input, output, state) = (dir.join("in.lz4"), dir.join("out"), dir.join("state"));
    fs::write(&input, frame).map_err(|x| x.to_string())?;
    let mut rng = Rng::new(11);
    let (mut kills, mut runs) = (0u32, 0u32);
    let start = Instant::now();
    loop {
        runs += 1;
        let mut child = Command::new(&cli)
            .args(["decompress", "-q", "-f", "--checkpoint=4M", "--state"])
            .arg(&state)
            .arg(&input)
            .arg(&output)
            .spawn()
            .map_err(|x| x.to_string())?;
        if kills < 6 {
            std::thread::sleep(Duration::from_millis(3 + rng.next_u64() % 30));
            if child.try_wait().map_err(|x| x.to_string())?.is_none() {
                child.kill().map_err(|x| x.to_string())?;
                child.wait().map_err(|x| x.to_string())?;
                kills += 1;
                continue;
            }
        }
        let status = child.wait().map_err(|x| x.to_string())?;
        if !status.success() {
            return Err(format!("lz4framed decompress failed: {status}"));
        }
        break;
    }
    let took = start.elapsed();
    let out = fs::read(&output).map_err(|x| x.to_string())?;
    if out != original || state.exists() {
        return Err("the C tool's output differs from the original".into());
    }
    println!(
        "  lz4framed decompress --state: {kills} kills, {runs} runs, output {} bytes byte-identical ({:.1} s in all)",
        out.len(),
        took.as_secs_f64()
    );
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.len() == 3 && args[1] == "--worker" {
        return match worker(Path::new(&args[2])) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("worker: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let mib: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(64);
    let original = sample(mib << 20);
    println!(
        "lz4framed {} (LZ4 {}) demo on {} MiB of sample log data",
        lz4framed::VERSION,
        lz4framed::lz4_version_string(),
        mib
    );

    let prefs = Preferences::default()
        .with_block_size(BlockSize::Max256KB)
        .with_block_linked(true)
        .with_block_checksum(true)
        .with_content_checksum(true)
        .with_content_size(Some(0));
    let start = Instant::now();
    let frame = compress(&original, &prefs).expect("compress");
    let took = start.elapsed();
    println!(
        "compressed {} -> {} bytes (ratio {:.2}) at {:.0} MB/s",
        original.len(),
        frame.len(),
        frame.len() as f64 / original.len() as f64,
        mbps(original.len(), took)
    );
    let start = Instant::now();
    let plain = lz4framed::decompress(&frame).expect("decompress");
    let took = start.elapsed();
    assert_eq!(plain, original);
    println!(
        "decompressed in one call at {:.0} MB/s (content and block checksums verified)",
        mbps(plain.len(), took)
    );

    println!("decompressing through a connection that keeps dropping:");
    if let Err(e) = dropped_connections(&frame, &original) {
        eprintln!("FAILED: {e}");
        return ExitCode::FAILURE;
    }
    println!("decompressing in a process that is killed and restarted from its state file:");
    if let Err(e) = killed_processes(&frame, &original) {
        eprintln!("FAILED: {e}");
        return ExitCode::FAILURE;
    }
    println!("the C command-line tool, built from programs/ and killed the same way:");
    if let Err(e) = c_tool(&frame, &original) {
        eprintln!("FAILED: {e}");
        return ExitCode::FAILURE;
    }
    println!("OK: every resumed run produced byte-identical output");
    ExitCode::SUCCESS
}
