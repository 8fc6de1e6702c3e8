//! The Node.js example (`examples/node/`, koffi over the C ABI) run as a
//! test: the scripts are copied next to the test executable, `npm ci`
//! installs koffi from the committed lock file, and every script runs
//! against the shared library `cargo test` built. The test checks exit
//! codes, what the scripts print, and the bytes they write: files made by
//! the `lz4` tool are decoded to the original, files the scripts compress
//! are decoded by `lz4`, a decoder saved by one `node` process is finished
//! by another, and errors carry the library's status name and message.
//! The layout koffi gives the structs is compared with what the C compiler
//! makes of `include/lz4framed.h`.
//!
//! Without `node`, `npm` or `lz4` (or when npm cannot reach the registry)
//! the tests print a note and pass on a developer machine; with `CI` set
//! they fail.
#![cfg(target_os = "linux")]

mod c_support;
mod common;

use c_support::{MANIFEST_DIR, STRICT, compiler, deps_dir, library, require_tool, shown, text};
use lz4framed::{ALL_ERRORS, Error};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// Above the 8 MiB of a legacy block, so `lz4 -l` writes two blocks.
const DATA_LEN: usize = 9 * 1024 * 1024 + 12345;

/// Prints a note on a developer machine; panics when `CI` is set.
fn setup_failed(what: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "{what}, and CI is set: the Node.js example tests would be skipped"
    );
    println!("note: {what}; the Node.js example tests were skipped");
}

/// The example copied into `target/<profile>/node-example/app` with koffi
/// installed, or None (after a note) when it cannot be set up here.
fn example_dir() -> Option<&'static Path> {
    static DIR: OnceLock<Option<PathBuf>> = OnceLock::new();
    DIR.get_or_init(|| {
        for tool in ["node", "npm", "lz4"] {
            if !require_tool(tool, "the Node.js example is not tested") {
                return None;
            }
        }
        let root = deps_dir().parent().unwrap().join("node-example");
        let app = root.join("app");
        let _ = fs::remove_dir_all(&root);
        fs::create_dir_all(&app).expect("create the example directory");
        let source = Path::new(MANIFEST_DIR).join("examples").join("node");
        for entry in fs::read_dir(&source).expect("examples/node exists") {
            let path = entry.expect("read examples/node").path();
            let name = path.file_name().unwrap().to_str().unwrap().to_owned();
            if path.is_file() && (name.ends_with(".js") || name.ends_with(".json")) {
                fs::copy(&path, app.join(&name)).expect("copy an example file");
            }
        }
        let mut npm = Command::new("npm");
        npm.args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&app);
        let out = npm.output().expect("run npm ci");
        if !out.status.success() {
            setup_failed(&format!(
                "`npm ci` failed (no access to the npm registry?):\n{}{}",
                text(&out.stdout),
                text(&out.stderr)
            ));
            return None;
        }
        Some(app)
    })
    .as_deref()
}

/// A fresh directory for one test's files.
fn scratch(name: &str) -> PathBuf {
    let dir = deps_dir().parent().unwrap().join("node-example").join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("create a scratch directory");
    dir
}

fn node(app: &Path, script: &str, args: &[&Path]) -> Output {
    node_args(app, script, &[], args)
}

/// Runs `node SCRIPT OPTIONS... FILES...` in the example directory.
fn node_args(app: &Path, script: &str, options: &[&str], files: &[&Path]) -> Output {
    let mut cmd = Command::new("node");
    cmd.arg(script)
        .args(options)
        .args(files)
        .current_dir(app)
        .env("LZ4FRAMED_LIBRARY", library("so"));
    cmd.output()
        .unwrap_or_else(|e| panic!("running {}: {e}", shown(&cmd)))
}

fn describe(script: &str, out: &Output) -> String {
    format!(
        "node {script}: {}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    )
}

/// The script's stdout; panics with everything it printed unless it succeeded.
fn ok(script: &str, out: Output) -> String {
    assert!(out.status.success(), "{}", describe(script, &out));
    print!("{}", text(&out.stdout));
    text(&out.stdout)
}

/// Asserts the script failed with exit code 1 reporting `err` by the
/// library's name and message.
fn fails_with(script: &str, out: Output, err: Error) {
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{}", describe(script, &out));
    let expected = format!("{}: {}", err.name(), err.message());
    assert!(stderr.contains(&expected), "{}", describe(script, &out));
    println!("node {script} failed as expected: {}", stderr.trim());
}

fn same_file(path: &Path, expected: &[u8], what: &str) {
    let got = fs::read(path).unwrap_or_else(|e| panic!("{what}: read {}: {e}", path.display()));
    assert!(
        got == expected,
        "{what}: {} differs from the original ({} bytes, expected {})",
        path.display(),
        got.len(),
        expected.len()
    );
}

fn lz4(args: &[&str], files: &[&Path]) {
    let mut cmd = Command::new("lz4");
    cmd.args(args).args(files);
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", shown(&cmd)));
    assert!(
        out.status.success(),
        "{} failed: {}",
        shown(&cmd),
        text(&out.stderr)
    );
}

fn data() -> &'static [u8] {
    static DATA: OnceLock<Vec<u8>> = OnceLock::new();
    DATA.get_or_init(|| common::mixed(DATA_LEN, 0x4e0de))
}

/// The struct definitions of the header: name -> field names in order.
fn header_structs() -> BTreeMap<String, Vec<String>> {
    let header = fs::read_to_string(Path::new(MANIFEST_DIR).join("include/lz4framed.h"))
        .expect("read include/lz4framed.h");
    let mut structs = BTreeMap::new();
    for name in ["lz4framed_preferences", "lz4framed_frame_info"] {
        let start = header
            .find(&format!("typedef struct {name} {{"))
            .unwrap_or_else(|| panic!("{name} is not defined in the header"));
        let body = &header[start..];
        let body = &body[body.find('{').unwrap() + 1..body.find('}').unwrap()];
        let mut fields = Vec::new();
        let mut rest = body;
        // Declarations between comments: `type name;` or `type name[N];`.
        while !rest.is_empty() {
            let (code, after) = match rest.find("/*") {
                Some(i) => {
                    let end = rest[i..].find("*/").expect("a closed comment") + i + 2;
                    (&rest[..i], &rest[end..])
                }
                None => (rest, ""),
            };
            for decl in code.split(';').map(str::trim).filter(|d| !d.is_empty()) {
                let last = decl.split_whitespace().last().unwrap();
                fields.push(last.split('[').next().unwrap().to_owned());
            }
            rest = after;
        }
        assert!(!fields.is_empty(), "no fields parsed for {name}");
        structs.insert(name.to_owned(), fields);
    }
    structs
}

#[test]
fn koffi_struct_layouts_match_the_c_header() {
    let Some(app) = example_dir() else { return };
    let dir = scratch("layout");
    let js = ok("info.js", node(app, "info.js", &[]));
    assert!(
        js.contains(&format!("version {} (", env!("CARGO_PKG_VERSION"))),
        "{js}"
    );

    // A C program printing the same lines for every field the header declares.
    let mut c = String::from(
        "#include <stdio.h>\n#include <stddef.h>\n#include \"lz4framed.h\"\nint main(void) {\n",
    );
    for (name, fields) in header_structs() {
        c += &format!(
            "  printf(\"struct {name} size %zu align %zu\\n\", sizeof({name}), _Alignof({name}));\n"
        );
        for f in fields {
            c += &format!(
                "  printf(\"field {name}.{f} offset %zu size %zu\\n\", offsetof({name}, {f}), \
                 sizeof((({name} *)0)->{f}));\n"
            );
        }
    }
    c += "  return 0;\n}\n";
    let src = dir.join("layout.c");
    fs::write(&src, c).unwrap();
    let exe = dir.join("layout");
    let mut cc = compiler(false, &dir);
    cc.arg("-std=c11")
        .args(STRICT)
        .arg("-I")
        .arg(Path::new(MANIFEST_DIR).join("include"))
        .arg("-o")
        .arg(&exe)
        .arg(&src);
    let out = cc.output().expect("run the C compiler");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = Command::new(&exe).output().expect("run the layout program");
    assert!(out.status.success());
    let c_lines: Vec<String> = text(&out.stdout).lines().map(str::to_owned).collect();

    // Sorted by struct, like the C program's BTreeMap order.
    let mut js_lines: Vec<&str> = js
        .lines()
        .filter(|l| l.starts_with("struct ") || l.starts_with("field "))
        .collect();
    let struct_of = |l: &str| {
        l.split_whitespace()
            .nth(1)
            .unwrap()
            .split('.')
            .next()
            .unwrap()
            .to_owned()
    };
    js_lines.sort_by_key(|l| struct_of(l));
    let c_sorted = {
        let mut v: Vec<&str> = c_lines.iter().map(String::as_str).collect();
        v.sort_by_key(|l| struct_of(l));
        v
    };
    assert_eq!(
        js_lines, c_sorted,
        "the koffi declarations in examples/node/lz4framed.js differ from include/lz4framed.h"
    );
}

#[test]
fn scripts_compress_for_the_lz4_tool() {
    let Some(app) = example_dir() else { return };
    let dir = scratch("compress");
    let input = dir.join("input");
    fs::write(&input, data()).unwrap();
    let len = data().len();
    let sized = format!("content_size={len}");
    let cases: [(&str, &[&str], Vec<&str>); 4] = [
        (
            "oneshot-default",
            &[],
            vec![
                "block_size_id=4",
                "content_checksum=1",
                "has_content_size=0",
            ],
        ),
        (
            "oneshot-options",
            &[
                "--level",
                "9",
                "--block-size",
                "6",
                "--block-checksum",
                "--content-size",
            ],
            vec![
                "block_size_id=6",
                "block_checksum=1",
                "has_content_size=1",
                &sized,
            ],
        ),
        (
            "stream-default",
            &["--stream", "--chunk", "100003"],
            vec!["block_size_id=4", "block_linked=1", "has_content_size=0"],
        ),
        (
            "stream-options",
            &[
                "--stream",
                "--flush",
                "--independent",
                "--block-size",
                "5",
                "--no-content-checksum",
                "--content-size",
            ],
            vec![
                "block_size_id=5",
                "block_linked=0",
                "content_checksum=0",
                &sized,
            ],
        ),
    ];
    for (name, options, header) in cases {
        let compressed = dir.join(format!("{name}.lz4"));
        let stdout = ok(
            "compress.js",
            node_args(app, "compress.js", options, &[&input, &compressed]),
        );
        for field in header {
            assert!(
                stdout.contains(&format!(" {field}")),
                "{name}: {field}: {stdout}"
            );
        }
        let size = fs::metadata(&compressed).unwrap().len();
        assert!(
            stdout.contains(&format!("{len} -> {size} bytes")),
            "{stdout}"
        );
        assert!(size < len as u64 * 3 / 4, "{name}: {size} bytes");
        let back = dir.join(format!("{name}.lz4-tool"));
        lz4(&["-d", "-q", "-f"], &[&compressed, &back]);
        same_file(&back, data(), &format!("lz4 -d of {name}"));
        let back = dir.join(format!("{name}.node"));
        ok(
            "decompress.js",
            node_args(app, "decompress.js", &["--push"], &[&compressed, &back]),
        );
        same_file(&back, data(), &format!("decompress.js --push of {name}"));
    }

    let out = node_args(
        app,
        "compress.js",
        &["--block-size", "9"],
        &[&input, &dir.join("bad.lz4")],
    );
    fails_with("compress.js --block-size 9", out, Error::InvalidArgument);
    let out = node_args(
        app,
        "compress.js",
        &["--stream", "--block-size", "3"],
        &[&input, &dir.join("bad.lz4")],
    );
    fails_with(
        "compress.js --stream --block-size 3",
        out,
        Error::InvalidArgument,
    );
}

/// Inputs made by the `lz4` tool once for all tests: (file, frames in it,
/// expected output).
fn lz4_tool_inputs() -> &'static [(PathBuf, u64, Vec<u8>)] {
    static FILES: OnceLock<Vec<(PathBuf, u64, Vec<u8>)>> = OnceLock::new();
    FILES.get_or_init(|| {
        let dir = scratch("lz4-inputs");
        let input = dir.join("input");
        fs::write(&input, data()).unwrap();
        let mut files = Vec::new();
        for (name, args) in [
            ("default", &["-1"][..]),
            ("linked-64k", &["-BD", "-B4"]),
            (
                "hc-1m-sized-checksums",
                &["-9", "-B6", "-BX", "--content-size"],
            ),
            ("legacy", &["-l"]),
        ] {
            let out = dir.join(format!("{name}.lz4"));
            let mut all = vec!["-q", "-f"];
            all.extend_from_slice(args);
            lz4(&all, &[&input, &out]);
            files.push((out, 1, data().to_vec()));
        }
        // Two frames in a row: the default frame and the legacy one.
        let two = dir.join("two-frames.lz4");
        let mut bytes = fs::read(&files[0].0).unwrap();
        bytes.extend(fs::read(&files[3].0).unwrap());
        fs::write(&two, bytes).unwrap();
        files.push((two, 2, [data(), data()].concat()));
        files
    })
}

#[test]
fn scripts_decode_lz4_tool_files_push_and_pull() {
    let Some(app) = example_dir() else { return };
    let dir = scratch("decode");
    for (file, frames, expected) in lz4_tool_inputs() {
        let name = file.file_stem().unwrap().to_str().unwrap().to_owned();
        let modes: [(&str, &[&str]); 5] = [
            ("push", &["--push"]),
            // Without end_of_input the last status says the input may end.
            ("push-no-end-flag", &["--push", "--no-end-flag"]),
            (
                "push-small",
                &["--push", "--chunk", "517", "--out-chunk", "1000"],
            ),
            ("pull", &["--pull"]),
            // A source that throws every 300000 bytes: the callback returns
            // -1 and the script goes on with a new source.
            (
                "pull-drops",
                &["--pull", "--read-max", "4097", "--drop-every", "300000"],
            ),
        ];
        for (mode, options) in modes {
            let out_path = dir.join(format!("{name}.{mode}"));
            let stdout = ok(
                "decompress.js",
                node_args(app, "decompress.js", options, &[file, &out_path]),
            );
            same_file(&out_path, expected, &format!("{name} {mode}"));
            let size = fs::metadata(file).unwrap().len();
            assert!(
                stdout.contains(&format!(
                    "{size} -> {} bytes, {frames} frames",
                    expected.len()
                )),
                "{name} {mode}: {stdout}"
            );
            if mode == "push-no-end-flag" {
                assert!(
                    stdout.contains("input ended after LZ4FRAMED_OK; input may end here: 1"),
                    "{name}: {stdout}"
                );
            }
            let drops = stdout.matches("source failed (connection dropped").count() as u64;
            if mode == "pull-drops" {
                assert!(drops >= size / 300_000, "{name}: {drops} drops\n{stdout}");
                assert!(
                    stdout.contains(&format!("{drops} reconnects")),
                    "{name}: {stdout}"
                );
            } else {
                assert_eq!(drops, 0, "{stdout}");
            }
        }
    }
}

#[test]
fn scripts_report_bad_input_by_status_name() {
    let Some(app) = example_dir() else { return };
    let dir = scratch("errors");
    let files = lz4_tool_inputs();
    let frame = fs::read(&files[0].0).unwrap();

    let truncated = dir.join("truncated.lz4");
    fs::write(&truncated, &frame[..frame.len() / 2]).unwrap();
    let mut corrupt = frame.clone();
    let at = corrupt.len() / 3;
    corrupt[at] ^= 0x55;
    let corrupted = dir.join("corrupt.lz4");
    fs::write(&corrupted, &corrupt).unwrap();
    let not_lz4 = dir.join("not.lz4");
    fs::write(&not_lz4, b"this is not an LZ4 frame").unwrap();

    // Without end_of_input a truncated stream ends on NEED_INPUT; the
    // script's final end_of_input call reports it.
    let out = node_args(
        app,
        "decompress.js",
        &["--push", "--no-end-flag"],
        &[&truncated, &dir.join("out")],
    );
    assert!(
        text(&out.stdout).contains("input ended after LZ4FRAMED_NEED_INPUT; input may end here: 0"),
        "{}",
        describe("decompress.js --no-end-flag", &out)
    );
    fails_with(
        "decompress.js --no-end-flag (truncated)",
        out,
        Error::Truncated,
    );

    for mode in ["--push", "--pull"] {
        let out = dir.join("out");
        let run = |file: &Path| node_args(app, "decompress.js", &[mode], &[file, &out]);
        fails_with(
            "decompress.js (truncated)",
            run(&truncated),
            Error::Truncated,
        );
        fails_with("decompress.js (not LZ4)", run(&not_lz4), Error::BadMagic);
        // One flipped byte inside the frame: whichever check notices it
        // first, the error is one of the data errors, by name and message.
        let out = run(&corrupted);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}",
            describe("decompress.js", &out)
        );
        let stderr = text(&out.stderr);
        let reported: Vec<Error> = ALL_ERRORS
            .into_iter()
            .filter(|e| stderr.contains(&format!("{}: {}", e.name(), e.message())))
            .collect();
        assert!(
            matches!(
                reported[..],
                [Error::CorruptBlock
                    | Error::ContentChecksum
                    | Error::BlockTooLarge
                    | Error::BlockChecksum
                    | Error::Truncated]
            ),
            "{stderr}"
        );
        println!("corrupt input ({mode}): {}", stderr.trim());
    }
}

#[test]
fn decoder_marshalled_by_one_process_is_finished_by_another() {
    let Some(app) = example_dir() else { return };
    let dir = scratch("resume");
    for (file, frames, expected) in lz4_tool_inputs() {
        let name = file.file_stem().unwrap().to_str().unwrap().to_owned();
        let size = fs::metadata(file).unwrap().len();
        // Not at a block boundary: the state holds a partial block.
        let stop = (size / 2 + 1234).to_string();
        let state = dir.join(format!("{name}.state"));
        let output = dir.join(format!("{name}.out"));
        let saved = ok(
            "resume.js save",
            node_args(
                app,
                "resume.js",
                &["save", "--stop-at", &stop],
                &[file, &state, &output],
            ),
        );
        assert!(saved.contains("at block boundary 0"), "{name}: {saved}");
        let partial = fs::metadata(&output).unwrap().len();
        assert!(
            partial < expected.len() as u64,
            "{name}: save decoded everything"
        );
        assert!(
            expected.starts_with(&fs::read(&output).unwrap()),
            "{name}: partial output"
        );

        let finished = ok(
            "resume.js finish",
            node_args(app, "resume.js", &["finish"], &[file, &state, &output]),
        );
        same_file(&output, expected, &format!("{name} resumed"));
        assert!(
            finished.contains(&format!(
                "finished: input {size}, output {}, at block boundary 1, {frames} frames",
                expected.len()
            )),
            "{name}: {finished}"
        );

        // A damaged state file is refused with its own error.
        let mut blob = fs::read(&state).unwrap();
        let mid = blob.len() / 2;
        blob[mid] ^= 1;
        fs::write(&state, blob).unwrap();
        let out = node_args(app, "resume.js", &["finish"], &[file, &state, &output]);
        fails_with(
            "resume.js finish (damaged state)",
            out,
            Error::StateChecksum,
        );
    }
}

#[test]
fn legacy_stream_cut_between_blocks_may_end_there() {
    let Some(app) = example_dir() else { return };
    let dir = scratch("legacy-cut");
    let files = lz4_tool_inputs();
    let legacy = fs::read(&files[3].0).unwrap();
    // Legacy layout: magic, then (little-endian u32 size, block) pairs of
    // 8 MiB of content each. Cut after the first block.
    let first = u32::from_le_bytes(legacy[4..8].try_into().unwrap()) as usize;
    let cut = dir.join("cut.lz4");
    fs::write(&cut, &legacy[..8 + first]).unwrap();
    let expected = &data()[..8 << 20];
    for options in [&["--push", "--no-end-flag"][..], &["--push"], &["--pull"]] {
        let out_path = dir.join("out");
        let stdout = ok(
            "decompress.js",
            node_args(app, "decompress.js", options, &[&cut, &out_path]),
        );
        same_file(&out_path, expected, &format!("{options:?}"));
        assert!(
            stdout.contains(&format!("{} -> {} bytes, 1 frames", 8 + first, 8 << 20)),
            "{stdout}"
        );
        if options.contains(&"--no-end-flag") {
            assert!(
                stdout.contains("input ended after LZ4FRAMED_OK; input may end here: 1"),
                "{stdout}"
            );
        }
    }
}
