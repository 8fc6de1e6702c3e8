//! The C API as C and C++ programs see it: the generated header compiles
//! on its own (C99, C11, C++17, all warnings as errors), is up to date,
//! declares exactly what the shared library exports, and carries the
//! right version; the programs in `tests/c/` pass when linked against the
//! shared library and against the static one, and under valgrind (see
//! `valgrind_available`).
//!
//! Where the build script's output is: integration tests do get
//! `cargo:rustc-env` variables, so build.rs passes the path of the header
//! it generated (`LZ4FRAMED_GENERATED_HEADER`) and the target/host triples
//! the `cc` crate needs. The libraries are found next to this test's
//! executable (`target/<profile>/deps/`), where `cargo test` leaves them.
//!
//! Linux only for now: it relies on ELF tools (readelf), SONAMEs and the
//! native libraries a Rust staticlib needs there.

use crate::c_support::*;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use lz4framed::ffi::{lz4framed_frame_info, lz4framed_preferences};

const GENERATED_HEADER: &str = env!("LZ4FRAMED_GENERATED_HEADER");
/// The programs linked against both libraries.
const PROGRAMS: [&str; 7] = [
    "oneshot",
    "stream",
    "errors",
    "resume",
    "seekable",
    "encoder_state",
    "seek",
];
fn source(name: &str) -> PathBuf {
    Path::new(MANIFEST_DIR).join("tests/c").join(name)
}

#[test]
fn header_compiles_alone_as_c99_c11_and_cxx17() {
    let dir = work_dir("header");
    for std_flag in ["-std=c99", "-std=c11"] {
        let exe = build(
            &source("header_only.c"),
            std_flag,
            Link::Static,
            &dir,
            &format!("header{std_flag}"),
        );
        let out = run(&exe, &[]);
        check_header_program_output(&assert_success(&exe, &out, std_flag));
    }
    if !cxx_compiler_available("the header is not compiled as C++17") {
        return;
    }
    let exe = build(
        &source("header_only.cpp"),
        "-std=c++17",
        Link::Static,
        &dir,
        "header-cxx17",
    );
    let out = run(&exe, &[]);
    assert_eq!(assert_success(&exe, &out, "C++17"), "c++: ok\n");
}

/// The version lines and struct layouts printed by `header_only.c`.
fn check_header_program_output(stdout: &str) {
    let version = env!("CARGO_PKG_VERSION");
    let number: u32 = [
        env!("CARGO_PKG_VERSION_MAJOR"),
        env!("CARGO_PKG_VERSION_MINOR"),
        env!("CARGO_PKG_VERSION_PATCH"),
    ]
    .iter()
    .fold(0, |n, part| n * 100 + part.parse::<u32>().unwrap());
    let mut expected = vec![
        format!("version_string {version}"),
        format!("version_number {number}"),
        format!("runtime_version_string {version}"),
        format!("runtime_version_number {number}"),
    ];
    assert_eq!(lz4framed::ffi::lz4framed_version_number(), number);

    macro_rules! layout {
        ($ty:ident: $($field:ident),*) => {
            let ty = stringify!($ty);
            expected.push(format!("size {ty} {}", std::mem::size_of::<$ty>()));
            $(expected.push(format!(
                "offset {ty}.{} {}", stringify!($field), std::mem::offset_of!($ty, $field)
            ));)*
        };
    }
    layout!(lz4framed_preferences: level, block_size_id, block_independent, block_checksum,
        content_checksum, content_size_flag, content_size, auto_flush, favor_dec_speed, dict_id,
        workers, seek_table_kib, reserved);
    layout!(lz4framed_frame_info: frame_kind, block_size_id, block_max_size, block_linked,
        block_checksum, content_checksum, has_content_size, content_size, has_dict_id, dict_id,
        reserved);
    assert_eq!(stdout.lines().collect::<Vec<_>>(), expected);
}

#[test]
fn committed_header_is_up_to_date() {
    let committed_path = Path::new(MANIFEST_DIR).join("include/lz4framed.h");
    let committed = std::fs::read_to_string(&committed_path).expect("include/lz4framed.h exists");
    let generated =
        std::fs::read_to_string(GENERATED_HEADER).expect("build.rs generated the header");
    // The one way the committed header is rewritten: the build itself
    // writes only into OUT_DIR.
    let bless = std::env::var_os("LZ4FRAMED_BLESS").is_some_and(|v| v == "1");
    if bless && committed != generated {
        assert!(
            std::env::var_os("CI").is_none(),
            "LZ4FRAMED_BLESS is not honoured under CI: CI checks the tree, it does not repair it"
        );
        std::fs::write(&committed_path, &generated).expect("write include/lz4framed.h");
        println!("note: rewrote {}", committed_path.display());
    }
    let committed = std::fs::read_to_string(&committed_path).expect("include/lz4framed.h exists");
    assert!(
        committed == generated,
        "include/lz4framed.h differs from the header generated from the sources ({GENERATED_HEADER}).\n\
         Regenerate it with `LZ4FRAMED_BLESS=1 cargo test --test c committed_header` and commit it."
    );
    let version = env!("CARGO_PKG_VERSION");
    assert!(committed.contains(&format!("#define LZ4FRAMED_VERSION_STRING \"{version}\"\n")));
    for (name, value) in [
        ("MAJOR", env!("CARGO_PKG_VERSION_MAJOR")),
        ("MINOR", env!("CARGO_PKG_VERSION_MINOR")),
        ("PATCH", env!("CARGO_PKG_VERSION_PATCH")),
    ] {
        assert!(
            committed.contains(&format!("#define LZ4FRAMED_VERSION_{name} {value}\n")),
            "{name}"
        );
    }
}

/// The status table of src/error.rs reaches the header through cbindgen
/// under the names and codes the library reports at run time.
#[test]
fn header_declares_every_status_of_the_table() {
    let header = std::fs::read_to_string(GENERATED_HEADER).expect("generated header");
    for e in lz4framed::ALL_ERRORS {
        assert!(
            header.contains(&format!("  {} = {},\n", e.name(), e.code())),
            "{} = {} is not in enum lz4framed_error",
            e.name(),
            e.code()
        );
    }
    let constants = header.matches(" = -").count();
    assert_eq!(constants, lz4framed::ALL_ERRORS.len(), "enum constants");
    for (name, code) in [
        ("LZ4FRAMED_OK", lz4framed::ffi::LZ4FRAMED_OK),
        ("LZ4FRAMED_NEED_INPUT", lz4framed::ffi::LZ4FRAMED_NEED_INPUT),
        (
            "LZ4FRAMED_OUTPUT_FULL",
            lz4framed::ffi::LZ4FRAMED_OUTPUT_FULL,
        ),
    ] {
        assert!(
            header.contains(&format!("#define {name} {code}\n")),
            "{name}"
        );
        // SAFETY: lz4framed_status_name returns a static C string.
        let runtime =
            unsafe { std::ffi::CStr::from_ptr(lz4framed::ffi::lz4framed_status_name(code)) };
        assert_eq!(runtime.to_str(), Ok(name));
    }
}

/// Every function declared in the header carries its doc comment (the
/// `ffi_fn!` invocations reach cbindgen with their docs).
#[test]
fn every_function_in_the_header_is_documented() {
    let header = std::fs::read_to_string(GENERATED_HEADER).expect("generated header");
    let (_, functions) = header_names(&header);
    assert!(functions.len() >= 45, "{functions:?}");
    let lines: Vec<&str> = header.lines().collect();
    for name in &functions {
        let at = lines
            .iter()
            .position(|l| {
                !l.starts_with([' ', '/', '#'])
                    && (l.contains(&format!(" {name}(")) || l.contains(&format!("*{name}(")))
            })
            .unwrap_or_else(|| panic!("{name} not found"));
        assert_eq!(lines[at - 1], " */", "{name} has no doc comment");
    }
}

/// The README's table of error codes lists the status table's.
#[test]
fn readme_lists_every_error_code() {
    let readme = std::fs::read_to_string(Path::new(MANIFEST_DIR).join("README.md")).unwrap();
    for e in lz4framed::ALL_ERRORS {
        let row = format!("| {} | `{}` |", e.code(), e.name());
        assert!(readme.contains(&row), "README.md lacks the row {row}");
    }
}

/// Identifiers a C declaration introduces, by a deliberately simple
/// reading of cbindgen's output: `#define X`, `typedef ... X;`, enum
/// constants `X = `, and function declarations `... X(`.
fn header_names(header: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let ident = |s: &str| {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect::<String>()
    };
    let (mut names, mut functions) = (BTreeSet::new(), BTreeSet::new());
    let mut in_comment = false;
    for line in header.lines() {
        let t = line.trim();
        if t.starts_with("/*") {
            in_comment = !t.contains("*/");
            continue;
        }
        if in_comment {
            in_comment = !t.contains("*/");
            continue;
        }
        if let Some(rest) = t.strip_prefix("#define ") {
            names.insert(ident(rest));
        } else if let Some(at) = t.find("(*").filter(|_| t.starts_with("typedef ")) {
            // A function pointer type: `typedef R (*name)(args);`.
            names.insert(ident(&t[at + 2..]));
        } else if t.starts_with("typedef ") && t.ends_with(';') {
            let last = t.trim_end_matches(';').rsplit(' ').next().unwrap();
            names.insert(ident(last));
        } else if t.starts_with("LZ4FRAMED_ERROR_") || (t.contains(" = ") && !t.contains('(')) {
            names.insert(ident(t));
        } else if !t.starts_with('#')
            && !t.starts_with("//")
            && t.contains('(')
            && !line.starts_with(' ')
        {
            let before = &t[..t.find('(').unwrap()];
            let name = before.rsplit([' ', '*']).next().unwrap();
            functions.insert(name.to_string());
        }
    }
    (names, functions)
}

#[test]
fn header_declares_exactly_the_exports_and_only_prefixed_names() {
    let header = std::fs::read_to_string(GENERATED_HEADER).expect("generated header");
    let (names, functions) = header_names(&header);
    assert!(
        names.contains("LZ4FRAMED_ERROR_TRUNCATED") && names.contains("lz4framed_status"),
        "{names:?}"
    );
    assert!(
        functions.contains("lz4framed_decoder_decompress"),
        "{functions:?}"
    );
    for name in names.iter().chain(&functions) {
        assert!(
            name.starts_with("lz4framed_") || name.starts_with("LZ4FRAMED_"),
            "unprefixed name {name:?} in the header"
        );
    }

    // The shared library exports functions only from our C API: no Rust
    // internals, no LZ4 or XXH symbols that could clash with a system liblz4.
    let symbols = readelf(&["--dyn-syms", "--wide"], &library("so"));
    let mut exported = BTreeSet::new();
    for line in symbols.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        // Num: Value Size Type Bind Vis Ndx Name
        if f.len() >= 8 && f[4] == "GLOBAL" && f[6] != "UND" {
            let name = f[7].split('@').next().unwrap();
            assert!(
                name.starts_with("lz4framed_"),
                "the shared library exports {name}"
            );
            if f[3] == "FUNC" {
                exported.insert(name.to_string());
            }
        }
    }
    assert_eq!(
        exported, functions,
        "declared in the header vs exported by liblz4framed.so"
    );
}

#[test]
fn shared_library_has_the_versioned_soname() {
    let dynamic = readelf(&["-d"], &library("so"));
    let soname = expected_soname();
    assert!(
        dynamic.contains(&format!("Library soname: [{soname}]")),
        "no SONAME {soname}:\n{dynamic}"
    );
}

fn run_programs(link: Link) {
    let name = format!("{link:?}").to_lowercase();
    let dir = work_dir(&name);
    let exes: Vec<PathBuf> = PROGRAMS
        .iter()
        .map(|p| {
            build(
                &source(&format!("{p}.c")),
                "-std=c99",
                link,
                &dir,
                &format!("{p}-{name}"),
            )
        })
        .collect();
    if link == Link::Shared {
        for exe in &exes {
            let dynamic = readelf(&["-d"], exe);
            assert!(
                dynamic.contains(&format!("Shared library: [{}]", expected_soname())),
                "{dynamic}"
            );
        }
    }
    let valgrind = valgrind_available("the C test programs");
    // The programs run concurrently: they are independent and mostly wait
    // on valgrind.
    std::thread::scope(|s| {
        for exe in &exes {
            s.spawn(move || {
                let stdout = assert_success(exe, &run(exe, &[]), "plain run");
                assert!(stdout.contains("checks passed"), "{stdout}");
                print!("{stdout}");
                if valgrind {
                    let out = run_under_valgrind(exe, "definite");
                    assert_success(exe, &out, "under valgrind");
                }
            });
        }
    });
}

#[test]
fn c_programs_pass_with_the_shared_library() {
    run_programs(Link::Shared);
}

#[test]
fn c_programs_pass_with_the_static_library() {
    run_programs(Link::Static);
}

/// `lz4framed_decompressed_size` and `lz4framed_decompress_alloc` on what
/// the `lz4` tool writes: no content size (its default), `--content-size`
/// (only from a file), linked blocks, legacy frames, concatenated files.
#[test]
fn sizes_and_allocating_decompression_of_lz4_tool_output() {
    use lz4framed::ffi::*;
    use std::process::Command;
    if !have("lz4") {
        assert!(
            std::env::var_os("CI").is_none(),
            "the lz4 tool is required under CI"
        );
        println!("note: the lz4 tool is not installed; skipping");
        return;
    }
    let dir = work_dir("lz4-tool-sizes");
    let data: Vec<u8> = (0..300_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 27) as u8 + b'a')
        .collect();
    let input = dir.join("input");
    std::fs::write(&input, &data).unwrap();
    let mut concatenated = Vec::new();
    for (name, args) in [
        ("default", &["-q"][..]),
        ("content-size", &["-q", "--content-size"][..]),
        ("linked", &["-q", "-BD", "-B4"][..]),
        ("legacy", &["-q", "-l"][..]),
        ("checksums", &["-q", "-BX", "-B5"][..]),
    ] {
        let out = dir.join(format!("{name}.lz4"));
        output_ok(
            Command::new("lz4")
                .args(args)
                .arg("-f")
                .arg(&input)
                .arg(&out),
        );
        let frame = std::fs::read(&out).unwrap();
        concatenated.extend_from_slice(&frame);
        let mut size = 0u64;
        // SAFETY: valid buffers and out-parameters.
        let st =
            unsafe { lz4framed_decompressed_size(frame.as_ptr().cast(), frame.len(), &mut size) };
        assert_eq!(st, LZ4FRAMED_OK, "{name}");
        assert_eq!(size, data.len() as u64, "{name}");
        assert_eq!(lz4framed::decompressed_size(&frame), Ok(data.len() as u64));
        let (mut ptr, mut len) = (std::ptr::null_mut(), 0usize);
        // SAFETY: as above; the buffer is freed with lz4framed_blob_free.
        unsafe {
            let st =
                lz4framed_decompress_alloc(frame.as_ptr().cast(), frame.len(), &mut ptr, &mut len);
            assert_eq!(st, LZ4FRAMED_OK, "{name}");
            assert!(
                std::slice::from_raw_parts(ptr.cast::<u8>(), len) == &data[..],
                "{name}"
            );
            lz4framed_blob_free(ptr);
        }
        if name != "legacy" {
            // Truncated: an error, not a size.
            let cut = &frame[..frame.len() - 3];
            // SAFETY: as above.
            let st =
                unsafe { lz4framed_decompressed_size(cut.as_ptr().cast(), cut.len(), &mut size) };
            assert_eq!(st, lz4framed::Error::Truncated.code(), "{name}");
        }
    }
    assert_eq!(
        lz4framed::decompressed_size(&concatenated),
        Ok(5 * data.len() as u64)
    );
    assert_eq!(
        lz4framed::decompress(&concatenated).map(|v| v.len()),
        Ok(5 * data.len())
    );
}
