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

/// Whether the part of a test described by `what` may run, which needs
/// `tool` on PATH. See [`require`].
pub fn require_tool(tool: &str, what: &str) -> bool {
    require(installed(tool), &format!("`{tool}` is not installed"), what)
}

/// Whether the part of a test described by `what` may run: `true` when
/// `found`. Otherwise it is skipped with a note saying `missing` (printed
/// past the test harness's capture, so that a plain `cargo test` shows
/// it), or, when the environment variable `CI` is set, the test fails.
pub fn require(found: bool, missing: &str, what: &str) -> bool {
    decide(found, std::env::var_os("CI").is_some(), missing, what)
}

fn decide(found: bool, ci: bool, missing: &str, what: &str) -> bool {
    if found {
        return true;
    }
    if ci {
        panic!("{missing}, and CI is set: {what} must run in CI, not be skipped");
    }
    // Straight to the process's stderr: the harness captures only what the
    // print macros write, and a skip nobody sees is a silent pass.
    let _ = writeln!(std::io::stderr(), "note: {missing}; skipped: {what}");
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn found_runs_missing_skips_outside_ci() {
        assert!(decide(true, true, "x is missing", "the x test"));
        assert!(decide(true, false, "x is missing", "the x test"));
        assert!(!decide(false, false, "x is missing", "the x test"));
    }

    #[test]
    #[should_panic(expected = "x is missing, and CI is set: the x test must run in CI")]
    fn missing_fails_in_ci() {
        decide(false, true, "x is missing", "the x test");
    }

    #[test]
    fn installed_tells_a_tool_from_nothing() {
        // The test runs under cargo, which is on PATH and knows --version.
        assert!(installed(env!("CARGO")));
        assert!(!installed("lz4framed-testkit-no-such-tool"));
    }
}
