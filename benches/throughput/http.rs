//! Whole-process rows over HTTP, without faults: `lz4framed decompress URL
//! OUT` against `curl -s URL | lz4 -d -c > OUT` in the same run, both
//! served by one nginx on a loopback port (`LZ4FRAMED_BENCH_TABLES=http`).
//! The frames are lz4's defaults (4 MiB independent blocks, content
//! checksum), written by the reference `lz4`: `LZ4_CLI` when set, else the
//! `lz4` on PATH. The corpus is `LZ4FRAMED_BENCH_HTTP_MIB` MiB (default
//! 256; 4 in smoke mode) of english, json-logs and mixed-binary. Needs
//! nginx, curl and libcurl's development files: skipped with a note
//! without them, a failure under CI (as the tests).

#[path = "../../tests/http_support/mod.rs"]
mod http_support;

use super::tool::c_support::{
    MANIFEST_DIR, STATIC_LIBS, compiler, curl_build_args, library, output_ok, sources_in, work_dir,
};
use super::{Settings, three_corpora};
use http_support::Nginx;
use lz4framed_testkit::bench::env_count;
use lz4framed_testkit::require_tool;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The tool with URL input, optimised as docs/CLI.md builds it.
fn build_tool(dir: &Path, curl: &(Vec<String>, Vec<String>)) -> PathBuf {
    let programs = Path::new(MANIFEST_DIR).join("programs");
    let exe = dir.join("lz4framed");
    let mut cmd = compiler(false, dir);
    cmd.arg("-std=c99")
        .arg("-O2")
        .args(&curl.0)
        .arg("-I")
        .arg(Path::new(MANIFEST_DIR).join("include"))
        .arg("-I")
        .arg(&programs)
        .arg("-o")
        .arg(&exe)
        .args(sources_in(&programs))
        .arg(library("a"))
        .args(STATIC_LIBS)
        .args(&curl.1);
    output_ok(&mut cmd);
    exe
}

/// Wall time of `program args` from spawn to exit; it must succeed.
fn timed(program: &Path, args: &[&str]) -> Duration {
    let start = Instant::now();
    let out = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .unwrap_or_else(|e| panic!("spawn {}: {e}", program.display()));
    let t = start.elapsed();
    assert!(
        out.status.success(),
        "{} {args:?}: {}",
        program.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    t
}

fn median(mut t: Vec<Duration>) -> f64 {
    t.sort();
    t[t.len() / 2].as_secs_f64()
}

pub fn table(s: &Settings) {
    let Some(curl) = curl_build_args() else {
        return;
    };
    if !require_tool("curl", "the HTTP rows are skipped") {
        return;
    }
    let lz4 = std::env::var_os("LZ4_CLI")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("lz4"));
    if !require_tool(lz4.to_str().unwrap_or("lz4"), "the HTTP rows are skipped") {
        return;
    }
    let dir = work_dir("bench-http");
    let Some(nginx) = Nginx::start(&dir) else {
        return;
    };
    let ours = build_tool(&dir, &curl);
    let mib = if s.smoke {
        4
    } else {
        env_count("LZ4FRAMED_BENCH_HTTP_MIB", 256)
    };
    let data = three_corpora(mib << 20);
    let plain = dir.join("corpus");
    std::fs::write(&plain, &data).unwrap();
    let frame = nginx.www.join("corpus.lz4");
    output_ok(
        Command::new(&lz4)
            .args(["-q", "-f"])
            .arg(&plain)
            .arg(&frame),
    );
    std::fs::remove_file(&plain).unwrap();
    let url = nginx.url("corpus.lz4");
    let out = dir.join("out");
    let out_s = out.to_str().unwrap();
    let version = output_ok(Command::new(&lz4).arg("-V"));

    // Both must produce the corpus before anything is timed.
    let pipeline = format!("curl -s '{url}' | '{}' -d -c -q > '{out_s}'", lz4.display());
    let checks: [(&Path, Vec<&str>); 2] = [
        (&ours, vec!["decompress", "-q", "-f", &url, out_s]),
        (Path::new("sh"), vec!["-c", &pipeline]),
    ];
    for (program, args) in &checks {
        timed(program, args);
        assert!(
            std::fs::read(&out).unwrap() == data,
            "{} {args:?} did not reproduce the corpus",
            program.display()
        );
        let _ = std::fs::remove_file(&out);
    }

    println!(
        "\n## Over HTTP (nginx on loopback, no faults; wall seconds from spawn to exit, median of {}; x = pipeline time / lz4framed time, > 1: lz4framed faster)\n",
        s.runs
    );
    println!(
        "Corpus: {mib} MiB (english + json-logs + mixed-binary), compressed by `{}` ({}) with its defaults to {} bytes.\n",
        lz4.display(),
        version.trim(),
        std::fs::metadata(&frame).unwrap().len()
    );
    println!("| what | pipeline s | lz4framed s | pipeline MB/s | lz4framed MB/s | x |");
    println!("|---|---:|---:|---:|---:|---:|");
    for threads in ["-T1", "-T2"] {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for _ in 0..s.runs {
            b.push(timed(
                &ours,
                &["decompress", threads, "-q", "-f", &url, out_s],
            ));
            let _ = std::fs::remove_file(&out);
            a.push(timed(Path::new("sh"), &["-c", &pipeline]));
            let _ = std::fs::remove_file(&out);
        }
        let (pipe, tool) = (median(a), median(b));
        let mbps = |t: f64| data.len() as f64 / 1e6 / t;
        println!(
            "| `lz4framed decompress {threads} URL OUT` vs `curl -s URL \\| lz4 -d -c > OUT` | {pipe:.3} | {tool:.3} | {:.0} | {:.0} | {:.2} |",
            mbps(pipe),
            mbps(tool),
            pipe / tool
        );
    }
    let _ = std::fs::remove_file(&frame);
}
