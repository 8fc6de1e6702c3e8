//! The CMake build as a C user runs it: configure and build (Release, with
//! the sanitizer variants and warnings as errors), ctest (plain, ASan +
//! UBSan, valgrind), `cmake --install` into a fresh prefix, then the
//! installed tree: file list, SONAME and symlinks, exported symbols, and a
//! separate C project (`tests/consumer/`) built against it through
//! pkg-config, through `find_package(lz4framed)` (shared and static
//! targets) and statically through `pkg-config --static`.
//!
//! Skipped with a note when cmake, ctest, pkg-config or nm is missing, and
//! its valgrind entries without valgrind; under CI (the environment
//! variable `CI` set) either fails instead. The nested cargo build
//! uses its own target directory (`target/<profile>/cmake-cargo`, kept
//! between runs so that only changed code is rebuilt): it never waits for
//! the lock of the `cargo test` running this, nor touches its artifacts.
//! Everything else starts from an empty directory on every run.

use crate::c_support::*;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

const VERSION: &str = env!("CARGO_PKG_VERSION");
const MAJOR: &str = env!("CARGO_PKG_VERSION_MAJOR");

/// Runs `cmd` (without the loader path `cargo test` sets, so that every
/// program finds its libraries the way it would outside this test) and
/// returns its stdout, or panics with everything it printed.
fn run_ok(cmd: &mut Command) -> String {
    cmd.env_remove("LD_LIBRARY_PATH");
    let start = Instant::now();
    let stdout = output_ok(cmd);
    let secs = start.elapsed().as_secs_f64();
    if secs > 1.0 {
        println!("{secs:6.1} s  {}", shown(cmd));
    }
    stdout
}

fn cmake(args: &[&str]) -> Command {
    let mut cmd = Command::new("cmake");
    cmd.args(args);
    cmd
}

fn path(p: &Path) -> &str {
    p.to_str().expect("test paths are UTF-8")
}

/// The ctest names the build must register: every C program plainly, with
/// the sanitizers and, when valgrind is installed, under valgrind.
fn expected_tests(valgrind: bool) -> BTreeSet<String> {
    let programs = [
        "continuation",
        "checkpoint_clone",
        "crash_safe",
        "c_oneshot",
        "c_stream",
        "c_errors",
        "c_resume",
        "c_encoder_state",
        "lz4framed_cli",
    ];
    let mut kinds = vec!["plain", "sanitize"];
    if valgrind {
        kinds.push("valgrind");
    }
    let mut names = BTreeSet::new();
    for program in programs {
        for kind in &kinds {
            names.insert(format!("{kind}/{program}"));
        }
        if program.starts_with("c_") {
            names.insert(format!("plain/{program}_static"));
        }
    }
    names
}

fn registered_tests(build: &Path) -> BTreeSet<String> {
    run_ok(Command::new("ctest").arg("-N").current_dir(build))
        .lines()
        .filter_map(|l| l.trim().strip_prefix("Test").map(str::trim))
        .filter_map(|l| l.split_once(": ").map(|(_, name)| name.to_string()))
        .collect()
}

/// Relative paths of every file and symlink under `root`.
fn tree(root: &Path) -> BTreeSet<String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let p = entry.path();
            if entry.file_type().unwrap().is_dir() {
                walk(root, &p, out);
            } else {
                out.insert(path(p.strip_prefix(root).unwrap()).to_string());
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(root, root, &mut out);
    out
}

fn defined_globals(args: &[&str], file: &Path) -> Vec<String> {
    run_ok(Command::new("nm").args(args).arg(file))
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() == 3).then(|| f[2].to_string())
        })
        .collect()
}

fn needed(exe: &Path) -> Vec<String> {
    readelf(&["-d"], exe)
        .lines()
        .filter_map(|l| l.split_once("Shared library: [")?.1.strip_suffix(']'))
        .map(str::to_string)
        .collect()
}

fn check_installed_tree(prefix: &Path) {
    let lib = prefix.join("lib");
    let so_file = format!("liblz4framed.so.{VERSION}");
    let soname = env!("LZ4FRAMED_SONAME");
    let mut expected: BTreeSet<String> = [
        "include/lz4framed.h",
        "lib/liblz4framed.a",
        "lib/liblz4framed.so",
        "lib/pkgconfig/lz4framed.pc",
        "lib/cmake/lz4framed/lz4framedConfig.cmake",
        "lib/cmake/lz4framed/lz4framedConfigVersion.cmake",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    expected.insert(format!("lib/{so_file}"));
    expected.insert(format!("lib/{soname}"));
    expected.insert("bin/lz4framed".to_string());
    let installed = tree(prefix);
    println!("installed under {}:", prefix.display());
    for f in &installed {
        println!("  {f}");
    }
    assert_eq!(installed, expected, "installed files");

    // liblz4framed.so -> SONAME -> .so.MAJOR.MINOR.PATCH (a file).
    let link = |name: &str| {
        std::fs::read_link(lib.join(name))
            .unwrap_or_else(|e| panic!("lib/{name} is not a symlink: {e}"))
    };
    assert_eq!(link("liblz4framed.so"), Path::new(&soname));
    assert_eq!(link(soname), Path::new(&so_file));
    let meta = std::fs::symlink_metadata(lib.join(&so_file)).unwrap();
    assert!(meta.file_type().is_file(), "lib/{so_file} is a file");
    let dynamic = readelf(&["-d"], &lib.join(&so_file));
    assert!(
        dynamic.contains(&format!("Library soname: [{soname}]")),
        "{dynamic}"
    );

    // Both libraries export the C API and nothing else.
    let shared = defined_globals(&["-D", "--defined-only"], &lib.join(&so_file));
    let archive = defined_globals(&["-g", "--defined-only"], &lib.join("liblz4framed.a"));
    assert!(shared.len() >= 30, "{shared:?}");
    for name in shared.iter().chain(&archive) {
        assert!(name.starts_with("lz4framed_"), "exported: {name}");
    }
    let sorted = |v: &[String]| v.iter().cloned().collect::<BTreeSet<_>>();
    assert_eq!(
        sorted(&shared),
        sorted(&archive),
        "shared vs static exports"
    );

    // The tool finds the library of its own prefix, wherever that is.
    let cli = prefix.join("bin/lz4framed");
    assert!(
        readelf(&["-d"], &cli).contains("Library runpath: [$ORIGIN/../lib]"),
        "{}",
        readelf(&["-d"], &cli)
    );
    let version = run_ok(Command::new(&cli).arg("--version"));
    assert!(
        version.starts_with(&format!("lz4framed {VERSION} (library {VERSION},")),
        "{version}"
    );
    // Configured with -DLZ4FRAMED_CURL=ON when libcurl's files are there.
    let url_input = if curl_build_args().is_some() {
        "URL input: libcurl/"
    } else {
        "URL input: not built in"
    };
    assert!(version.contains(url_input), "{version}");

    let header = std::fs::read(prefix.join("include/lz4framed.h")).unwrap();
    let committed = std::fs::read(Path::new(MANIFEST_DIR).join("include/lz4framed.h")).unwrap();
    assert!(
        header == committed,
        "the installed header is not include/lz4framed.h"
    );

    // Libs.private is rustc's native-static-libs without -lgcc_s (the
    // compiler driver adds the unwinder; naming it breaks `cc -static`).
    let pc = std::fs::read_to_string(lib.join("pkgconfig/lz4framed.pc")).unwrap();
    let private: Vec<&str> = STATIC_LIBS
        .iter()
        .copied()
        .filter(|l| *l != "-lgcc_s")
        .collect();
    assert!(
        pc.contains(&format!("\nLibs.private: {}\n", private.join(" "))),
        "{pc}"
    );
    assert!(pc.contains(&format!("\nVersion: {VERSION}\n")), "{pc}");
    assert!(
        pc.contains(&format!("prefix={}\n", path(prefix))),
        "the prefix given to cmake --install:\n{pc}"
    );
}

fn pkg_config(prefix: &Path, args: &[&str]) -> Vec<String> {
    let out = run_ok(
        Command::new("pkg-config")
            .args(args)
            .arg("lz4framed")
            .env("PKG_CONFIG_PATH", prefix.join("lib/pkgconfig"))
            .env_remove("PKG_CONFIG_LIBDIR"),
    );
    out.split_whitespace().map(str::to_string).collect()
}

fn run_consumer(exe: &Path, lib_dir: Option<&Path>) {
    let mut cmd = Command::new(exe);
    if let Some(dir) = lib_dir {
        cmd.env("LD_LIBRARY_PATH", dir);
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", exe.display()));
    let stdout = assert_success(exe, &out, "consumer");
    assert!(
        stdout.starts_with(&format!("consumer: ok, lz4framed {VERSION},")),
        "{stdout}"
    );
}

/// The consumer project through pkg-config: shared, then fully static.
fn consume_with_pkg_config(prefix: &Path, dir: &Path) {
    let main_c = Path::new(MANIFEST_DIR).join("tests/consumer/main.c");
    let cc = || {
        let mut cmd = compiler(false, dir);
        cmd.arg("-std=c99").args(STRICT).arg(&main_c);
        cmd
    };

    let flags = pkg_config(prefix, &["--cflags", "--libs"]);
    let exe = dir.join("consumer-pkg-config");
    run_ok(cc().args(&flags).arg("-o").arg(&exe));
    assert_eq!(
        needed(&exe).first().map(String::as_str),
        Some(env!("LZ4FRAMED_SONAME"))
    );
    // Installed into a private prefix, found through the loader path as
    // an ldconfig'd system library would be.
    run_consumer(&exe, Some(&prefix.join("lib")));

    let flags = pkg_config(prefix, &["--static", "--cflags", "--libs"]);
    let exe = dir.join("consumer-pkg-config-static");
    run_ok(cc().arg("-static").args(&flags).arg("-o").arg(&exe));
    assert_eq!(needed(&exe), Vec::<String>::new(), "a static executable");
    run_consumer(&exe, None);
}

/// The consumer project through its CMakeLists.txt and find_package.
fn consume_with_cmake(prefix: &Path, dir: &Path) {
    let build = dir.join("consumer-cmake");
    let out = run_ok(&mut cmake(&[
        "-S",
        path(&Path::new(MANIFEST_DIR).join("tests/consumer")),
        "-B",
        path(&build),
        &format!("-DCMAKE_PREFIX_PATH={}", path(prefix)),
        &format!("-DLZ4FRAMED_REQUIRED_VERSION={VERSION}"),
    ]));
    assert!(
        out.contains(&format!(
            "lz4framed {VERSION} from {}",
            path(&prefix.join("lib/cmake/lz4framed"))
        )),
        "{out}"
    );
    run_ok(&mut cmake(&["--build", path(&build), "-j2"]));

    let shared = build.join("consumer_shared");
    assert!(
        needed(&shared).contains(&env!("LZ4FRAMED_SONAME").to_string()),
        "{:?}",
        needed(&shared)
    );
    // CMake gives build-tree executables an RPATH to the imported library.
    run_consumer(&shared, None);
    let static_exe = build.join("consumer_static");
    let libs = needed(&static_exe);
    assert!(
        !libs.iter().any(|l| l.starts_with("liblz4framed")),
        "{libs:?}"
    );
    run_consumer(&static_exe, None);

    // A version the package must refuse: the next incompatible one.
    let next = match MAJOR {
        "0" => format!(
            "0.{}",
            env!("CARGO_PKG_VERSION_MINOR").parse::<u32>().unwrap() + 1
        ),
        major => format!("{}", major.parse::<u32>().unwrap() + 1),
    };
    let refused = dir.join("consumer-cmake-refused");
    let out = Command::new("cmake")
        .args(["-S", path(&Path::new(MANIFEST_DIR).join("tests/consumer"))])
        .args(["-B", path(&refused)])
        .arg(format!("-DCMAKE_PREFIX_PATH={}", path(prefix)))
        .arg(format!("-DLZ4FRAMED_REQUIRED_VERSION={next}"))
        .output()
        .expect("run cmake");
    assert!(
        !out.status.success(),
        "find_package(lz4framed {next}) accepted {VERSION}"
    );
}

#[test]
fn cmake_build_test_install_and_consume() {
    // Every tool is checked (and noted) before any is used.
    let tools = ["cmake", "ctest", "pkg-config", "nm"].map(|tool| {
        require_tool(
            tool,
            "the CMake build, install and consumer test is skipped",
        )
    });
    if !tools.iter().all(|&found| found) {
        return;
    }
    let start = Instant::now();
    let dir = work_dir("cmake");
    let build = dir.join("build");
    let prefix = dir.join("prefix");
    let cargo_target = deps_dir().parent().unwrap().join("cmake-cargo");

    run_ok(&mut cmake(&[
        "-S",
        MANIFEST_DIR,
        "-B",
        path(&build),
        "-DCMAKE_BUILD_TYPE=Release",
        "-DCMAKE_INSTALL_LIBDIR=lib",
        "-DLZ4FRAMED_SANITIZE=ON",
        "-DLZ4FRAMED_WERROR=ON",
        if curl_build_args().is_some() {
            "-DLZ4FRAMED_CURL=ON"
        } else {
            "-DLZ4FRAMED_CURL=OFF"
        },
        &format!("-DLZ4FRAMED_CARGO={}", env!("CARGO")),
        &format!("-DLZ4FRAMED_CARGO_TARGET_DIR={}", path(&cargo_target)),
    ]));
    run_ok(&mut cmake(&["--build", path(&build), "-j2"]));
    println!("configure + build: {:.1} s", start.elapsed().as_secs_f64());

    // Without valgrind the build registers no valgrind entries.
    let valgrind = require_tool("valgrind", "the valgrind ctest entries are not registered");
    let registered = registered_tests(&build);
    let expected = expected_tests(valgrind);
    let missing: Vec<_> = expected.difference(&registered).collect();
    assert!(
        missing.is_empty(),
        "ctest lacks {missing:?}; has {registered:?}"
    );
    let t = Instant::now();
    let out = run_ok(
        Command::new("ctest")
            .args(["-j2", "--output-on-failure"])
            .current_dir(&build),
    );
    let summary = format!(
        "100% tests passed, 0 tests failed out of {}",
        registered.len()
    );
    assert!(out.contains(&summary), "{out}");
    println!("ctest: {summary} ({:.1} s)", t.elapsed().as_secs_f64());

    run_ok(&mut cmake(&[
        "--install",
        path(&build),
        "--prefix",
        path(&prefix),
    ]));
    check_installed_tree(&prefix);
    consume_with_pkg_config(&prefix, &dir);
    consume_with_cmake(&prefix, &dir);
    println!("total: {:.1} s", start.elapsed().as_secs_f64());
}
