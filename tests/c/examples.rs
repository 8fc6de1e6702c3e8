//! The programs in `c_examples/` are part of the documentation, so they are
//! built with all warnings as errors and run here: the dropped-connection
//! and checkpoint examples as they are and under valgrind (see
//! `valgrind_available`), and the crash-safe example as a real crash test: a 256 MiB
//! stream decompressed by processes killed with SIGKILL at random moments,
//! each restart resuming from the state file the last one saved.

use crate::c_support::*;
use crate::common;
use lz4framed_testkit::Rng;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn example(name: &str, link: Link, dir: &Path) -> PathBuf {
    let src = Path::new(MANIFEST_DIR)
        .join("c_examples")
        .join(format!("{name}.c"));
    build(&src, "-std=c99", link, dir, name)
}

fn run_example(exe: &Path, expect: &str) {
    let stdout = assert_success(exe, &run(exe, &[]), "plain run");
    assert!(stdout.contains(expect), "{stdout}");
    print!("{stdout}");
    if valgrind_available("the C examples") {
        let out = run_under_valgrind(exe, "definite,indirect");
        assert_success(exe, &out, "under valgrind");
    }
}

#[test]
fn continuation_survives_dropped_connections() {
    let dir = work_dir("example-continuation");
    let exe = example("continuation", Link::Shared, &dir);
    run_example(&exe, "byte-identical after");
}

#[test]
fn checkpoint_clone_rolls_back_past_corrupt_input() {
    let dir = work_dir("example-checkpoint");
    let exe = example("checkpoint_clone", Link::Static, &dir);
    run_example(&exe, "byte-identical after 1 rollback");
}

#[test]
fn crash_safe_resumes_after_repeated_sigkill() {
    const MIB: &str = "256";
    const MIN_KILLS: u32 = 20;
    let dir = work_dir("example-crash-safe");
    let exe = example("crash_safe", Link::Static, &dir);
    let (stream, out, state) = (dir.join("stream.lz4"), dir.join("out"), dir.join("state"));
    let status = Command::new(&exe)
        .arg("make-input")
        .arg(&stream)
        .arg(MIB)
        .status()
        .expect("run crash_safe make-input");
    assert!(status.success(), "make-input failed");

    let seed = std::env::var("LZ4FRAMED_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    println!("kill seed {seed} (LZ4FRAMED_KILL_SEED replays it)");
    let mut rng = Rng::new(seed);
    let (mut kills, mut self_kills, mut runs) = (0u32, 0u32, 0u32);
    let mut resumed_at = Vec::new();
    loop {
        runs += 1;
        assert!(runs < 400, "no end after {runs} runs");
        let mut cmd = Command::new(&exe);
        cmd.arg("decompress").arg(&stream).arg(&out).arg(&state);
        // Half of the runs kill themselves right after a checkpoint (so the
        // stream always advances), the others are killed from outside at a
        // random moment: before, during or after writing a checkpoint.
        let external = kills < MIN_KILLS && rng.next_u64() % 2 == 0;
        if kills < MIN_KILLS && !external {
            cmd.arg("1");
        }
        cmd.stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().expect("spawn crash_safe decompress");
        if external {
            let delay = Duration::from_millis(20 + rng.next_u64() % 400);
            let start = Instant::now();
            while start.elapsed() < delay {
                if child.try_wait().expect("wait").is_some() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(2));
            }
            let _ = child.kill(); // SIGKILL; a no-op when it already ended
        }
        let output = child.wait_with_output().expect("wait for crash_safe");
        let stderr = String::from_utf8_lossy(&output.stderr);
        if let Some(line) = stderr.lines().find(|l| l.contains("resuming at")) {
            resumed_at.push(line.to_string());
        }
        use std::os::unix::process::ExitStatusExt;
        match output.status.signal() {
            Some(9) => {
                kills += 1;
                if !external {
                    self_kills += 1;
                }
            }
            Some(sig) => panic!("crash_safe died of signal {sig}: {stderr}"),
            None => {
                assert!(output.status.success(), "crash_safe failed: {stderr}");
                if kills >= MIN_KILLS {
                    break;
                }
                // Finished before enough kills: start over with a fresh output.
                let _ = std::fs::remove_file(&out);
            }
        }
    }
    assert!(!state.exists(), "the state file is removed on success");
    let verify = Command::new(&exe)
        .arg("verify")
        .arg(&out)
        .arg(MIB)
        .output()
        .expect("run crash_safe verify");
    let report = String::from_utf8_lossy(&verify.stdout);
    assert!(
        verify.status.success() && report.contains("byte-identical"),
        "{report}"
    );
    println!(
        "{MIB} MiB: {kills} SIGKILLs ({self_kills} right after a checkpoint, {} at random \
         moments), {runs} runs, {} resumes; {report}",
        kills - self_kills,
        resumed_at.len()
    );
    assert!(resumed_at.len() >= MIN_KILLS as usize / 2);
}

/// The crash-safe example on a stream made by `lz4 -l`: legacy frames have
/// no end mark, so the example must leave it to the decoder whether the
/// stream may end where the file ends. Killed after its first checkpoint
/// (inside the second 8 MiB block), resumed, the output must equal the
/// original; the same stream cut inside a block is reported truncated.
#[test]
fn crash_safe_decompresses_legacy_frames_from_lz4() {
    if !require_tool("lz4", "the crash-safe example is not run on legacy frames") {
        return;
    }
    let dir = work_dir("example-crash-safe-legacy");
    let exe = example("crash_safe", Link::Static, &dir);
    let data = common::mixed((17 << 20) + 999, 71);
    let (plain, stream) = (dir.join("plain"), dir.join("legacy.lz4"));
    std::fs::write(&plain, &data).unwrap();
    output_ok(
        Command::new("lz4")
            .args(["-l", "-q", "-f"])
            .arg(&plain)
            .arg(&stream),
    );
    let (out, state) = (dir.join("out"), dir.join("state"));
    let run = |input: &Path, die_after: Option<&str>| {
        let mut cmd = Command::new(&exe);
        cmd.arg("decompress").arg(input).arg(&out).arg(&state);
        cmd.args(die_after);
        cmd.output().expect("run crash_safe decompress")
    };
    use std::os::unix::process::ExitStatusExt;
    let killed = run(&stream, Some("1"));
    assert_eq!(killed.status.signal(), Some(9), "{}", text(&killed.stderr));
    assert!(state.exists(), "a checkpoint was saved before the kill");
    let resumed = run(&stream, None);
    let err = text(&resumed.stderr);
    assert!(resumed.status.success(), "crash_safe failed: {err}");
    assert!(err.contains("resuming at"), "{err}");
    assert!(std::fs::read(&out).unwrap() == data, "output differs");
    assert!(!state.exists(), "the state file is removed on success");

    let full = std::fs::read(&stream).unwrap();
    let cut = dir.join("cut.lz4");
    std::fs::write(&cut, &full[..full.len() / 2]).unwrap();
    let truncated = run(&cut, None);
    let err = text(&truncated.stderr);
    assert_eq!(truncated.status.code(), Some(1), "{err}");
    assert!(err.contains("input truncated"), "{err}");
}
