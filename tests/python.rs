//! Runs the Python package's tests (`python/tests/`) from `cargo test`.
//!
//! When `python3` with the `venv` module is available, this creates a virtual
//! environment under cargo's test scratch directory, installs pytest and the
//! package the way a user does (`pip install ./python`, whose build step runs
//! a nested `cargo build --release --locked` in a target directory of its
//! own, so it never waits on the lock of the `cargo test` running this), and
//! runs pytest. Without Python, or when pip cannot reach the package index,
//! it prints a note and passes on a developer machine (the Rust tests do not
//! depend on it), but fails when the environment variable `CI` is set.
//!
//! `LZ4FRAMED_REFERENCE_PYTHON` (an interpreter with py-lz4framed 0.14.0) is
//! passed through: the suite then also compares its error codes with those
//! of py-lz4framed. Without it that comparison is skipped, in CI too.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const REPO: &str = env!("CARGO_MANIFEST_DIR");
const SCRATCH: &str = env!("CARGO_TARGET_TMPDIR");

fn run(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

fn in_ci() -> bool {
    std::env::var_os("CI").is_some()
}

/// Skips with a note on a developer machine; fails where `CI` is set.
fn missing(what: &str, ci: bool) {
    if ci {
        panic!("CI is set and {what}: the Python package tests cannot run");
    }
    println!("note: {what}; the Python package tests were skipped");
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The venv's interpreter, creating the venv with `interpreter` when needed;
/// None (with a note) when this machine has no usable one, a failure in CI.
fn venv_python(venv: &Path, interpreter: &str, ci: bool) -> Option<PathBuf> {
    let python = venv.join("bin").join("python");
    if python.exists() {
        return Some(python);
    }
    match Command::new(interpreter).arg("--version").output() {
        Ok(out) if out.status.success() => {}
        _ => {
            missing(&format!("{interpreter} was not found"), ci);
            return None;
        }
    }
    let out = run(Command::new(interpreter).arg("-m").arg("venv").arg(venv));
    if !out.status.success() {
        missing(
            &format!(
                "{interpreter} -m venv failed (is the venv module installed?):\n{}",
                text(&out)
            ),
            ci,
        );
        return None;
    }
    Some(python)
}

fn pip(python: &Path) -> Command {
    let mut cmd = Command::new(python);
    cmd.args(["-m", "pip", "--disable-pip-version-check", "--no-input"]);
    cmd
}

#[test]
fn python_package_tests() {
    let scratch = Path::new(SCRATCH);
    let Some(python) = venv_python(&scratch.join("python-venv"), "python3", in_ci()) else {
        return;
    };

    let out = run(pip(&python).args(["install", "-q", "pytest"]));
    if !out.status.success() {
        missing(
            &format!(
                "pip could not install pytest (no access to the package index?):\n{}",
                text(&out)
            ),
            in_ci(),
        );
        return;
    }

    // The package build runs cargo itself; it must not inherit a target
    // directory shared with this cargo run.
    let out = run(pip(&python)
        .args(["install", "-q", "--force-reinstall", "--no-deps"])
        .arg(Path::new(REPO).join("python"))
        .env(
            "LZ4FRAMED_CARGO_TARGET_DIR",
            scratch.join("python-cargo-target"),
        )
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("LZ4FRAMED_LIBRARY"));
    assert!(
        out.status.success(),
        "pip install ./python failed:\n{}",
        text(&out)
    );

    // Run from the tests directory so that `import lz4framed` finds the
    // installed package (with its library), not the source directory.
    let tests = Path::new(REPO).join("python").join("tests");
    let out = run(Command::new(&python)
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider", "."])
        .current_dir(&tests)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env_remove("LZ4FRAMED_LIBRARY")
        .env_remove("PYTHONPATH"));
    let report = text(&out);
    println!("{report}");
    assert!(out.status.success(), "pytest failed:\n{report}");
    assert!(report.contains(" passed"), "pytest ran no tests:\n{report}");
}

#[test]
#[should_panic(expected = "CI is set and lz4framed-no-such-python3 was not found")]
fn a_missing_python_fails_under_ci() {
    let venv = Path::new(SCRATCH).join("no-such-venv");
    venv_python(&venv, "lz4framed-no-such-python3", true);
}

#[test]
fn a_missing_python_skips_elsewhere() {
    let venv = Path::new(SCRATCH).join("no-such-venv");
    assert!(venv_python(&venv, "lz4framed-no-such-python3", false).is_none());
}
