//! Symbol hygiene: a program may link liblz4framed next to its own liblz4
//! (or anything else that bundles LZ4 or xxHash), so neither library may
//! export anything but the `lz4framed_*` C API.
//!
//! The shared library gets that from rustc's version script. The static
//! library cargo builds exports everything it contains, so the installed
//! one is post-processed by `cmake/hide_internal_symbols.sh` (what the
//! CMake build runs); these tests run the same script on the archive
//! `cargo test` built, inspect the result with `nm` and link a program
//! that uses lz4framed and the system liblz4 together, in both link
//! orders. The unprocessed archive serves as the control: with it the
//! same program must detect the mix-up, or the check proves nothing.
//!
//! Linux only: ELF, binutils, and the system liblz4 of the distribution
//! (liblz4-dev; without it the mixed-link test is skipped with a note, or
//! fails under CI).

use crate::c_support::*;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// Global symbols `nm` lists with the given options, by name.
fn nm_globals(args: &[&str], file: &Path) -> BTreeSet<String> {
    output_ok(Command::new("nm").args(args).arg(file))
        .lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            // "address type name"; archive member headers and blank lines
            // have fewer fields.
            (f.len() == 3 && f[1].chars().all(|c| c.is_ascii_uppercase()))
                .then(|| f[2].split('@').next().unwrap().to_string())
        })
        .collect()
}

fn defined_globals(file: &Path) -> BTreeSet<String> {
    nm_globals(&["-g", "--defined-only"], file)
}

fn shared_exports() -> BTreeSet<String> {
    nm_globals(&["-D", "--defined-only"], &library("so"))
}

/// The archive `cargo test` built, post-processed once per test binary.
fn hygienic_archive() -> &'static Path {
    static ARCHIVE: OnceLock<PathBuf> = OnceLock::new();
    ARCHIVE.get_or_init(|| {
        let dir = work_dir("symbols-archive");
        let out = dir.join("liblz4framed.a");
        output_ok(
            Command::new("sh")
                .arg(Path::new(MANIFEST_DIR).join("cmake/hide_internal_symbols.sh"))
                .arg(library("a"))
                .arg(library("so"))
                .arg(&out),
        );
        out
    })
}

fn foreign(names: &BTreeSet<String>) -> Vec<&String> {
    names
        .iter()
        .filter(|n| !n.starts_with("lz4framed_"))
        .collect()
}

#[test]
fn shared_library_exports_only_the_c_api() {
    let exports = shared_exports();
    assert!(
        exports.len() >= 30 && exports.contains("lz4framed_decoder_marshal"),
        "{exports:?}"
    );
    assert_eq!(
        foreign(&exports),
        Vec::<&String>::new(),
        "nm -D --defined-only liblz4framed.so"
    );
}

#[test]
fn static_library_exports_only_the_c_api_after_post_processing() {
    // The control: cargo's archive does export the bundled libraries.
    let raw = defined_globals(&library("a"));
    let bundled: Vec<&String> = raw
        .iter()
        .filter(|n| n.starts_with("LZ4") || n.starts_with("XXH"))
        .collect();
    assert!(
        bundled.len() > 100 && raw.contains("LZ4F_compressFrame"),
        "expected cargo's archive to export the bundled LZ4 ({} LZ4*/XXH* symbols)",
        bundled.len()
    );

    let archive = hygienic_archive();
    let globals = defined_globals(archive);
    assert_eq!(
        foreign(&globals),
        Vec::<&String>::new(),
        "global symbols of the post-processed archive"
    );
    assert_eq!(
        globals,
        shared_exports(),
        "the archive and the shared library export different APIs"
    );
    // The embedded LLVM bitcode is gone: no C linker uses it.
    let sections = output_ok(Command::new("readelf").args(["-S", "--wide"]).arg(archive));
    for name in [".llvmbc", ".llvmcmd"] {
        assert!(
            !sections.contains(name),
            "{name} left in the archive:\n{sections}"
        );
    }
    let (before, after) = (
        std::fs::metadata(library("a")).unwrap().len(),
        std::fs::metadata(archive).unwrap().len(),
    );
    println!(
        "archive: {} global symbols before, {} after; {before} -> {after} bytes",
        raw.len(),
        globals.len()
    );
}

/// Whether `-llz4` and `<lz4frame.h>` are there to build against.
fn have_liblz4_dev(dir: &Path) -> bool {
    let probe = dir.join("probe.c");
    std::fs::write(
        &probe,
        "#include <lz4frame.h>\nint main(void) { return LZ4F_getVersion() == 0; }\n",
    )
    .unwrap();
    compiler(false, dir)
        .arg(&probe)
        .arg("-llz4")
        .arg("-o")
        .arg(dir.join("probe"))
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Builds `tests/consumer/with_system_lz4.c` against `archive` and the
/// system liblz4, the archive first or last on the command line.
fn build_mixed(dir: &Path, archive: &Path, archive_first: bool, name: &str) -> PathBuf {
    let exe = dir.join(name);
    let mut cmd = compiler(false, dir);
    cmd.arg("-std=c99")
        .args(STRICT)
        .arg("-I")
        .arg(Path::new(MANIFEST_DIR).join("include"))
        .arg(Path::new(MANIFEST_DIR).join("tests/consumer/with_system_lz4.c"))
        .arg("-o")
        .arg(&exe);
    if archive_first {
        cmd.arg(archive).arg("-llz4");
    } else {
        cmd.arg("-llz4").arg(archive);
    }
    cmd.args(STATIC_LIBS);
    output_ok(&mut cmd);
    exe
}

fn run_mixed(exe: &Path) -> (bool, String) {
    let bundled = lz4framed::ffi::lz4framed_lz4_version_number();
    let out = Command::new(exe)
        .arg(bundled.to_string())
        .env_remove("LD_LIBRARY_PATH")
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", exe.display()));
    (
        out.status.success(),
        format!("{}{}", text(&out.stdout), text(&out.stderr)),
    )
}

#[test]
fn static_library_links_beside_the_system_liblz4_in_either_order() {
    let dir = work_dir("symbols-mixed");
    if !require(
        have_liblz4_dev(&dir),
        "liblz4-dev (lz4frame.h, -llz4) is not installed",
        "the link test beside the system liblz4 is skipped",
    ) {
        return;
    }
    let bundled = lz4framed::ffi::lz4framed_lz4_version_number();
    let mut system_version = None;
    for archive_first in [true, false] {
        let order = if archive_first { "first" } else { "last" };
        let exe = build_mixed(
            &dir,
            hygienic_archive(),
            archive_first,
            &format!("mixed-{order}"),
        );
        let (ok, out) = run_mixed(&exe);
        print!("archive {order}: {out}");
        assert!(
            ok && out.contains("with_system_lz4: ok"),
            "liblz4framed.a listed {order}:\n{out}"
        );
        assert!(
            out.contains(&format!("lz4framed's LZ4 {bundled}\n")),
            "{out}"
        );
        system_version = out
            .split("system liblz4 ")
            .nth(1)
            .and_then(|s| s.split(' ').next())
            .map(str::to_string);
    }

    // The control: cargo's own archive, which exports its LZ4 copy.
    if system_version.as_deref() == Some(&bundled.to_string()) {
        println!(
            "note: the system liblz4 has the bundled version {bundled}; \
             a mix-up of the two cannot be told apart, so the control is skipped"
        );
        return;
    }
    let mut detected = 0;
    for archive_first in [true, false] {
        let order = if archive_first { "first" } else { "last" };
        let exe = build_mixed(
            &dir,
            &library("a"),
            archive_first,
            &format!("control-{order}"),
        );
        let (ok, out) = run_mixed(&exe);
        print!("unprocessed archive {order}: {out}");
        if !ok {
            assert!(out.contains("FAILED"), "{out}");
            detected += 1;
        }
    }
    assert!(
        detected > 0,
        "the program did not notice the LZ4 copies mixing with the unprocessed archive, \
         so its success with the processed one proves nothing"
    );
}
