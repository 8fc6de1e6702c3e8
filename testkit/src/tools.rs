//! The rule for tests that need something the machine may lack (the `lz4`
//! tool, cmake, valgrind, python3, pkg-config, a C++ compiler, liblz4-dev):
//! on a developer's machine such a test is skipped with a note; when the
//! environment variable `CI` is set it fails instead, so that a CI run can
//! never pass by skipping.

use std::io::Write;
use std::process::Command;

/// Whether `tool --version` runs and succeeds.
pub fn installed(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Whether `tool` is on PATH for a test that needs it. When it is not, a
/// developer's machine prints `note: `tool` is not installed; <skipped>`
/// (`skipped` says what does not run, e.g. "interoperability is not
/// tested") and the caller skips that part; with `CI` set the test fails.
#[track_caller]
pub fn require_tool(tool: &str, skipped: &str) -> bool {
    require(
        installed(tool),
        &format!("`{tool}` is not installed"),
        skipped,
    )
}

/// The same rule for a requirement found some other way (a header and a
/// library found by compiling a probe): `true` when `found`; otherwise a
/// note saying `missing` and `skipped`, or, when the environment variable
/// `CI` is set, a failure. The note goes past the test harness's capture,
/// so that a plain `cargo test` shows it.
#[track_caller]
pub fn require(found: bool, missing: &str, skipped: &str) -> bool {
    decide(found, std::env::var_os("CI").is_some(), missing, skipped)
}

#[track_caller]
fn decide(found: bool, ci: bool, missing: &str, skipped: &str) -> bool {
    if found {
        return true;
    }
    if ci {
        panic!("{missing}, and CI is set, where nothing may be skipped ({skipped})");
    }
    // Straight to the process's stderr: the harness captures only what the
    // print macros write, and a skip nobody sees is a silent pass.
    let _ = writeln!(std::io::stderr(), "note: {missing}; {skipped}");
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn found_runs_missing_skips_outside_ci() {
        assert!(decide(true, true, "x is missing", "x is not tested"));
        assert!(decide(true, false, "x is missing", "x is not tested"));
        assert!(!decide(false, false, "x is missing", "x is not tested"));
    }

    #[test]
    #[should_panic(
        expected = "x is missing, and CI is set, where nothing may be skipped (x is not tested)"
    )]
    fn missing_fails_in_ci() {
        decide(false, true, "x is missing", "x is not tested");
    }

    #[test]
    fn installed_tells_a_tool_from_nothing() {
        // The test runs under cargo, which is on PATH and knows --version.
        assert!(installed(env!("CARGO")));
        assert!(!installed("lz4framed-testkit-no-such-tool"));
    }
}
