//! Building and running C programs against the library from integration
//! tests: the `cc` crate's compiler for this target, the shared and static
//! libraries `cargo test` leaves next to the test executable
//! (`target/<profile>/deps/`), and a loader path where the shared library
//! answers to its SONAME. Linux only (ELF SONAMEs, readelf).
//!
//! Each test binary uses a different subset, hence the `allow`.
#![allow(dead_code, unused_imports)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

pub const MANIFEST_DIR: &str = env!("CARGO_MANIFEST_DIR");
pub const TARGET: &str = env!("LZ4FRAMED_TEST_TARGET");
pub const HOST: &str = env!("LZ4FRAMED_TEST_HOST");

/// What rustc reports as `native-static-libs` for a staticlib on Linux.
pub const STATIC_LIBS: [&str; 7] = [
    "-lgcc_s",
    "-lutil",
    "-lrt",
    "-lpthread",
    "-lm",
    "-ldl",
    "-lc",
];

pub const STRICT: [&str; 4] = ["-Wall", "-Wextra", "-Werror", "-pedantic"];

pub fn deps_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    exe.parent()
        .expect("the test executable lives in a directory")
        .to_path_buf()
}

pub fn library(kind: &str) -> PathBuf {
    let name = format!("liblz4framed.{kind}");
    let deps = deps_dir();
    // `cargo test` puts the libraries in deps/; `cargo build` also copies
    // them one level up.
    [deps.join(&name), deps.parent().unwrap().join(&name)]
        .into_iter()
        .find(|p| p.exists())
        .unwrap_or_else(|| panic!("{name} not found in {} or its parent", deps.display()))
}

/// A fresh directory for one test's outputs, kept after the run for
/// inspection: `target/<profile>/c-api-tests/<name>`.
pub fn work_dir(name: &str) -> PathBuf {
    let dir = deps_dir().parent().unwrap().join("c-api-tests").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create work dir");
    dir
}

pub fn compiler(cpp: bool, out_dir: &Path) -> Command {
    cc::Build::new()
        .cpp(cpp)
        .target(TARGET)
        .host(HOST)
        .opt_level(0)
        .debug(true)
        .out_dir(out_dir)
        .cargo_metadata(false)
        .get_compiler()
        .to_command()
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Link {
    Shared,
    Static,
}

/// Compiles and links `src` into `dir/exe_name`.
pub fn build(src: &Path, std_flag: &str, link: Link, dir: &Path, exe_name: &str) -> PathBuf {
    build_sources(&[src.to_path_buf()], std_flag, link, dir, exe_name)
}

/// The C sources of a program made of a whole directory (`programs/`):
/// every `.c` file in it, sorted.
pub fn sources_in(dir: &Path) -> Vec<PathBuf> {
    let mut sources: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "c"))
        .collect();
    sources.sort();
    assert!(!sources.is_empty(), "no C sources in {}", dir.display());
    sources
}

/// Compiles and links the program made of `sources` (their headers beside
/// the first) into `dir/exe_name`.
pub fn build_sources(
    sources: &[PathBuf],
    std_flag: &str,
    link: Link,
    dir: &Path,
    exe_name: &str,
) -> PathBuf {
    build_sources_with(sources, std_flag, link, dir, exe_name, &[], &[])
}

/// `build_sources` with more compiler flags (`cflags`, before the
/// sources) and libraries (`libs`, after everything else).
pub fn build_sources_with(
    sources: &[PathBuf],
    std_flag: &str,
    link: Link,
    dir: &Path,
    exe_name: &str,
    cflags: &[String],
    libs: &[String],
) -> PathBuf {
    let src = &sources[0];
    let cpp = src.extension().is_some_and(|e| e == "cpp");
    let exe = dir.join(exe_name);
    let mut cmd = compiler(cpp, dir);
    cmd.arg(std_flag)
        .args(STRICT)
        .args(cflags)
        .arg("-I")
        .arg(Path::new(MANIFEST_DIR).join("include"));
    cmd.arg("-I")
        .arg(src.parent().expect("a source file has a directory"))
        .arg("-o")
        .arg(&exe)
        .args(sources);
    match link {
        // Linked by path: the program then records the library's SONAME.
        Link::Shared => cmd.arg(library("so")),
        Link::Static => cmd.arg(library("a")).args(STATIC_LIBS),
    };
    cmd.args(libs);
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", shown(&cmd)));
    assert!(
        out.status.success(),
        "compiling {} failed:\n{}\n{}",
        src.display(),
        shown(&cmd),
        text(&out.stderr)
    );
    exe
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A directory holding `liblz4framed.so.<major>`, the name programs linked
/// against the shared library ask the dynamic loader for.
pub fn soname_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = work_dir("lib");
        let link = dir.join(expected_soname());
        std::os::unix::fs::symlink(library("so"), &link).expect("symlink the shared library");
        dir
    })
}

/// The SONAME build.rs gave the shared library, checked here against the
/// ABI policy: `liblz4framed.so.0.MINOR` before 1.0, `.so.MAJOR` after.
pub fn expected_soname() -> String {
    let soname = env!("LZ4FRAMED_SONAME");
    let major = env!("CARGO_PKG_VERSION_MAJOR");
    let policy = if major == "0" {
        format!("liblz4framed.so.0.{}", env!("CARGO_PKG_VERSION_MINOR"))
    } else {
        format!("liblz4framed.so.{major}")
    };
    assert_eq!(soname, policy, "build.rs and the ABI policy disagree");
    policy
}

pub fn run(exe: &Path, wrapper: &[&str]) -> Output {
    let (program, args) = match wrapper.split_first() {
        Some((first, rest)) => (Path::new(first), rest),
        None => (exe, &[][..]),
    };
    let mut cmd = Command::new(program);
    cmd.args(args);
    if !wrapper.is_empty() {
        cmd.arg(exe);
    }
    cmd.env("LD_LIBRARY_PATH", soname_dir());
    cmd.output()
        .unwrap_or_else(|e| panic!("running {}: {e}", shown(&cmd)))
}

/// A command line without the environment (`{:?}` of a `cc` command
/// prints the whole environment).
pub fn shown(cmd: &Command) -> String {
    std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|a| a.to_string_lossy())
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn assert_success(exe: &Path, out: &Output, what: &str) -> String {
    let stdout = text(&out.stdout);
    assert!(
        out.status.success(),
        "{} ({what}) failed with {}:\n{stdout}\n{}",
        exe.display(),
        out.status,
        text(&out.stderr)
    );
    stdout
}

/// Runs `cmd` and returns its stdout; panics with the command line and
/// everything it printed when it cannot start or fails.
pub fn output_ok(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", shown(cmd)));
    assert!(
        out.status.success(),
        "{} failed with {}:\n{}\n{}",
        shown(cmd),
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// Whether `tool --version` runs. A test that needs the tool decides
/// with `require_tool` instead: skip with a note, or fail under CI.
pub use lz4framed_testkit::installed as have;
pub use lz4framed_testkit::{require, require_tool};

/// Whether the C++ compiler the `cc` crate picks for this target is there
/// (the C compiler always is: building lz4-sys needed it); `skipped` says
/// what does not run without it. See `require_tool`.
#[track_caller]
pub fn cxx_compiler_available(skipped: &str) -> bool {
    let cmd = compiler(true, &deps_dir());
    require_tool(&cmd.get_program().to_string_lossy(), skipped)
}

/// Whether valgrind is there to run `programs` under: without it they
/// run plainly on a developer's machine, and the test fails under CI.
#[track_caller]
pub fn valgrind_available(programs: &str) -> bool {
    require_tool("valgrind", &format!("{programs} run without valgrind"))
}

/// Runs `exe` under valgrind's memcheck, failing on any error and on the
/// leaks of the kinds listed (`definite`, `definite,indirect`, ...).
pub fn run_under_valgrind(exe: &Path, leak_kinds: &str) -> Output {
    run(
        exe,
        &[
            "valgrind",
            "-q",
            "--error-exitcode=99",
            "--leak-check=full",
            &format!("--errors-for-leak-kinds={leak_kinds}"),
        ],
    )
}

pub fn readelf(args: &[&str], file: &Path) -> String {
    let out = Command::new("readelf")
        .args(args)
        .arg(file)
        .output()
        .expect("readelf is installed");
    assert!(
        out.status.success(),
        "readelf {args:?} {}: {}",
        file.display(),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// What builds the command-line tool with URL input: `-DLZ4FRAMED_HAVE_CURL`
/// and libcurl's flags from `pkg-config libcurl`, as (cflags, libs). None
/// when libcurl's development files are missing: the tool is then built
/// without URL input on a developer's machine, and under CI that fails.
pub fn curl_build_args() -> Option<(Vec<String>, Vec<String>)> {
    let probe = |what: &str| {
        Command::new("pkg-config")
            .args([what, "libcurl"])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| {
                text(&o.stdout)
                    .split_whitespace()
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            })
    };
    let found = probe("--cflags").zip(probe("--libs"));
    if !require(
        found.is_some(),
        "libcurl's development files are missing (pkg-config libcurl)",
        "the tool is built without URL input and its URL tests do not run",
    ) {
        return None;
    }
    let (mut cflags, libs) = found.unwrap();
    cflags.insert(0, "-DLZ4FRAMED_HAVE_CURL".to_string());
    Some((cflags, libs))
}

/// The command-line tool (`programs/*.c`) built against the static
/// library into `dir/lz4framed`, with URL input when `curl` is given
/// (`curl_build_args`).
pub fn build_cli(dir: &Path, curl: Option<&(Vec<String>, Vec<String>)>) -> PathBuf {
    let sources = sources_in(&Path::new(MANIFEST_DIR).join("programs"));
    let (cflags, libs) = curl.cloned().unwrap_or_default();
    build_sources_with(
        &sources,
        "-std=c99",
        Link::Static,
        dir,
        "lz4framed",
        &cflags,
        &libs,
    )
}
