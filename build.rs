//! Generates the C header and gives the shared library its SONAME.
//!
//! The header is written to `$OUT_DIR/lz4framed.h` only: a build writes
//! nowhere but where Cargo allows, so it works in a read-only source tree.
//! The committed copy in `include/` is compared with it by
//! `tests/c/api.rs` (`committed_header_is_up_to_date`), which also
//! rewrites it when run with `LZ4FRAMED_BLESS=1`:
//!
//! ```text
//! LZ4FRAMED_BLESS=1 cargo test --test c committed_header
//! ```

use std::env;
use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR"));

    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-changed=src");

    soname();
    check_lz4_stream_decode_layout(&out_dir);

    let header = generate_header(&manifest_dir, &out_dir);
    let generated = out_dir.join("lz4framed.h");
    write_if_changed(&generated, &header);
    // Integration tests compare the committed header against this one.
    println!(
        "cargo:rustc-env=LZ4FRAMED_GENERATED_HEADER={}",
        generated.display()
    );
    println!(
        "cargo:rustc-env=LZ4FRAMED_TEST_TARGET={}",
        env::var("TARGET").expect("TARGET")
    );
    println!(
        "cargo:rustc-env=LZ4FRAMED_TEST_HOST={}",
        env::var("HOST").expect("HOST")
    );
}

/// ELF shared libraries carry the name the dynamic linker records in
/// programs linked against them; without it programs would depend on the
/// unversioned `liblz4framed.so` and break silently on an ABI change.
///
/// The ABI policy (README, "ABI policy"): before 1.0 every minor version
/// is its own ABI (`liblz4framed.so.0.2`), from 1.0 every major version
/// (`liblz4framed.so.1`). CMakeLists.txt derives the same name and the
/// matching package compatibility (SameMinorVersion / SameMajorVersion).
fn soname() {
    let family = env::var("CARGO_CFG_TARGET_FAMILY").unwrap_or_default();
    let vendor = env::var("CARGO_CFG_TARGET_VENDOR").unwrap_or_default();
    let major = version_part("CARGO_PKG_VERSION_MAJOR");
    let abi = if major == 0 {
        format!("0.{}", version_part("CARGO_PKG_VERSION_MINOR"))
    } else {
        major.to_string()
    };
    // Tests check the SONAME against this name.
    println!("cargo:rustc-env=LZ4FRAMED_SONAME=liblz4framed.so.{abi}");
    if family.split(',').any(|f| f == "unix") && vendor != "apple" {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,liblz4framed.so.{abi}");
    }
}

/// src/lz4.rs describes a split history to LZ4 by writing the fields of
/// `LZ4_streamDecode_t_internal`, a struct lz4.h declares but does not
/// promise to keep. Cargo.toml pins lz4-sys exactly; this check compiles
/// the layout src/lz4.rs assumes against the lz4.h lz4-sys built, so a
/// different LZ4 fails the build instead of corrupting memory.
fn check_lz4_stream_decode_layout(out_dir: &Path) {
    let include = env::var("DEP_LZ4_INCLUDE").expect("lz4-sys exports its include directory");
    let width: usize = env::var("CARGO_CFG_TARGET_POINTER_WIDTH")
        .expect("CARGO_CFG_TARGET_POINTER_WIDTH")
        .parse()
        .expect("a pointer width is a number");
    let p = width / 8;
    let source = format!(
        "#include <stddef.h>\n\
         #include \"lz4.h\"\n\
         #define LAYOUT(what, cond) typedef char what[(cond) ? 1 : -1]\n\
         LAYOUT(external_dict_at_0, offsetof(LZ4_streamDecode_t_internal, externalDict) == 0);\n\
         LAYOUT(prefix_end_at_1, offsetof(LZ4_streamDecode_t_internal, prefixEnd) == {p});\n\
         LAYOUT(ext_dict_size_at_2, offsetof(LZ4_streamDecode_t_internal, extDictSize) == {p2});\n\
         LAYOUT(prefix_size_at_3, offsetof(LZ4_streamDecode_t_internal, prefixSize) == {p3});\n\
         LAYOUT(internal_size, sizeof(LZ4_streamDecode_t_internal) == {p4});\n\
         LAYOUT(stream_decode_fits_32_bytes, sizeof(LZ4_streamDecode_t) <= 32);\n{encoder}",
        p2 = 2 * p,
        p3 = 3 * p,
        p4 = 4 * p,
        encoder = encoder_state_layout(p),
    );
    let file = out_dir.join("lz4_layout_check.c");
    fs::write(&file, source).unwrap_or_else(|e| panic!("writing {}: {e}", file.display()));
    let mut cmd = cc::Build::new()
        .cargo_metadata(false)
        .include(&include)
        .get_compiler()
        .to_command();
    cmd.arg("-fsyntax-only").arg(&file);
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("running the C compiler for the LZ4 layout check: {e}"));
    assert!(
        out.status.success(),
        "lz4.h / lz4hc.h (from {include}) no longer declare LZ4_streamDecode_t_internal, \
         LZ4_stream_t_internal or LZ4HC_CCtx_internal as src/lz4.rs assumes; update src/lz4.rs before changing the lz4-sys version:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The encoder's state blob carries the fields of `LZ4_stream_t_internal`
/// and `LZ4HC_CCtx_internal` (src/lz4.rs, `FastInternal` / `HcInternal`);
/// these are the offsets src/lz4.rs assumes, checked against the headers.
fn encoder_state_layout(p: usize) -> String {
    let fast = 4 * 4096;
    let hc = 4 * 32768 + 2 * 65536;
    let checks = [
        ("fast_hash_entries", "LZ4_HASH_SIZE_U32 == 4096".to_string()),
        (
            "fast_dictionary",
            format!("offsetof(LZ4_stream_t_internal, dictionary) == {fast}"),
        ),
        (
            "fast_dict_ctx",
            format!("offsetof(LZ4_stream_t_internal, dictCtx) == {}", fast + p),
        ),
        (
            "fast_current_offset",
            format!(
                "offsetof(LZ4_stream_t_internal, currentOffset) == {}",
                fast + 2 * p
            ),
        ),
        (
            "fast_table_type",
            format!(
                "offsetof(LZ4_stream_t_internal, tableType) == {}",
                fast + 2 * p + 4
            ),
        ),
        (
            "fast_dict_size",
            format!(
                "offsetof(LZ4_stream_t_internal, dictSize) == {}",
                fast + 2 * p + 8
            ),
        ),
        (
            "hc_hash_entries",
            "LZ4HC_HASHTABLESIZE == 32768".to_string(),
        ),
        ("hc_chain_entries", "LZ4HC_MAXD == 65536".to_string()),
        (
            "hc_chain_table",
            format!("offsetof(LZ4HC_CCtx_internal, chainTable) == {}", 4 * 32768),
        ),
        (
            "hc_end",
            format!("offsetof(LZ4HC_CCtx_internal, end) == {hc}"),
        ),
        (
            "hc_prefix_start",
            format!("offsetof(LZ4HC_CCtx_internal, prefixStart) == {}", hc + p),
        ),
        (
            "hc_dict_start",
            format!("offsetof(LZ4HC_CCtx_internal, dictStart) == {}", hc + 2 * p),
        ),
        (
            "hc_dict_limit",
            format!("offsetof(LZ4HC_CCtx_internal, dictLimit) == {}", hc + 3 * p),
        ),
        (
            "hc_low_limit",
            format!(
                "offsetof(LZ4HC_CCtx_internal, lowLimit) == {}",
                hc + 3 * p + 4
            ),
        ),
        (
            "hc_next_to_update",
            format!(
                "offsetof(LZ4HC_CCtx_internal, nextToUpdate) == {}",
                hc + 3 * p + 8
            ),
        ),
        (
            "hc_level",
            format!(
                "offsetof(LZ4HC_CCtx_internal, compressionLevel) == {}",
                hc + 3 * p + 12
            ),
        ),
        (
            "hc_favor",
            format!(
                "offsetof(LZ4HC_CCtx_internal, favorDecSpeed) == {}",
                hc + 3 * p + 14
            ),
        ),
        (
            "hc_dirty",
            format!(
                "offsetof(LZ4HC_CCtx_internal, dirty) == {}",
                hc + 3 * p + 15
            ),
        ),
        (
            "hc_dict_ctx",
            format!(
                "offsetof(LZ4HC_CCtx_internal, dictCtx) == {}",
                hc + 3 * p + 16
            ),
        ),
    ];
    let mut out = String::from("#include \"lz4hc.h\"\n");
    for (name, cond) in checks {
        out.push_str(&format!("LAYOUT({name}, {cond});\n"));
    }
    out
}

fn version_part(name: &str) -> u32 {
    let value = env::var(name).unwrap_or_else(|_| panic!("{name} is not set"));
    value
        .parse()
        .unwrap_or_else(|_| panic!("{name}={value} is not a number"))
}

/// The version macros, from Cargo's version so that the header, the
/// runtime `lz4framed_version_*` functions and Cargo.toml cannot disagree.
fn version_macros() -> String {
    let (major, minor, patch) = (
        version_part("CARGO_PKG_VERSION_MAJOR"),
        version_part("CARGO_PKG_VERSION_MINOR"),
        version_part("CARGO_PKG_VERSION_PATCH"),
    );
    assert!(
        minor < 100 && patch < 100,
        "LZ4FRAMED_VERSION_NUMBER needs minor and patch below 100"
    );
    let version = env::var("CARGO_PKG_VERSION").expect("CARGO_PKG_VERSION");
    format!(
        "\n#define LZ4FRAMED_VERSION_MAJOR {major}\n\
         #define LZ4FRAMED_VERSION_MINOR {minor}\n\
         #define LZ4FRAMED_VERSION_PATCH {patch}\n\
         /** major * 10000 + minor * 100 + patch, comparable with lz4framed_version_number(). */\n\
         #define LZ4FRAMED_VERSION_NUMBER {number}\n\
         #define LZ4FRAMED_VERSION_STRING \"{version}\"",
        number = major * 10000 + minor * 100 + patch,
    )
}

fn generate_header(manifest_dir: &Path, out_dir: &Path) -> Vec<u8> {
    let mut config = cbindgen::Config::from_file(manifest_dir.join("cbindgen.toml"))
        .unwrap_or_else(|e| panic!("cbindgen.toml: {e}"));
    config.after_includes = Some(version_macros());
    let sources = out_dir.join("cbindgen-src");
    let ffi = sources.join("ffi");
    fs::create_dir_all(&ffi).unwrap_or_else(|e| panic!("creating {}: {e}", ffi.display()));
    // Only the C surface is parsed: `src/ffi/` (cbindgen follows its `mod`
    // declarations) and the status table. Parsing the whole crate would
    // also export every unrelated `pub const` of the core into the header.
    // cbindgen does not expand macros: the copies it reads have the
    // `ffi_fn!` invocations written out as the declarations they expand
    // to, and the status table is the body of its `status_table!`.
    let mut entries: Vec<_> = fs::read_dir(manifest_dir.join("src/ffi"))
        .expect("src/ffi is a directory")
        .map(|e| e.expect("reading src/ffi").path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    entries.sort();
    for path in entries {
        let text = read(&path);
        let name = path.file_name().expect("a file name");
        let out = ffi.join(name);
        fs::write(&out, expand_ffi_fns(&text, &path))
            .unwrap_or_else(|e| panic!("writing {}: {e}", out.display()));
    }
    let error_rs = manifest_dir.join("src/error.rs");
    let table = sources.join("status_table.rs");
    let body = macro_bodies(&read(&error_rs), "status_table! {", &error_rs);
    assert_eq!(
        body.len(),
        1,
        "src/error.rs has one status_table! invocation"
    );
    fs::write(&table, &body[0].1).unwrap_or_else(|e| panic!("writing {}: {e}", table.display()));

    let bindings = cbindgen::Builder::new()
        .with_src(ffi.join("mod.rs"))
        .with_src(&table)
        .with_config(config)
        .generate()
        .unwrap_or_else(|e| panic!("cbindgen could not generate the C header: {e}"));
    let mut header = Vec::new();
    bindings.write(&mut header);
    header
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// The invocations of a macro opened by a line `opener` (e.g.
/// `ffi_fn! {`) in `text`: for each, the byte range of the whole
/// invocation and the text between its braces. Braces inside string
/// literals and comments do not count.
fn macro_bodies(text: &str, opener: &str, path: &Path) -> Vec<(std::ops::Range<usize>, String)> {
    let mut found = Vec::new();
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let start = line_start;
        line_start += line.len();
        if line.trim() != opener
            || start
                < found
                    .last()
                    .map_or(0, |f: &(std::ops::Range<usize>, String)| f.0.end)
        {
            continue;
        }
        let open = start + line.find('{').expect("the opener has a brace");
        let bytes = text.as_bytes();
        let (mut depth, mut i) = (0usize, open);
        let close = loop {
            assert!(i < bytes.len(), "{}: unclosed `{opener}`", path.display());
            match bytes[i] {
                b'"' => {
                    i += 1;
                    while bytes[i] != b'"' {
                        i += if bytes[i] == b'\\' { 2 } else { 1 };
                    }
                }
                b'/' if bytes.get(i + 1) == Some(&b'/') => {
                    while bytes[i] != b'\n' {
                        i += 1;
                    }
                }
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        break i;
                    }
                }
                _ => {}
            }
            i += 1;
        };
        found.push((start..close + 1, text[open + 1..close].to_string()));
    }
    found
}

/// `text` with every `ffi_fn! { ... }` replaced by the declaration the
/// macro expands to (src/ffi/macros.rs), for cbindgen: the doc comments,
/// `#[unsafe(no_mangle)]` and `pub [unsafe] extern "C" fn` with the
/// signature; the body is left empty.
fn expand_ffi_fns(text: &str, path: &Path) -> String {
    let mut out = String::new();
    let mut at = 0;
    for (range, body) in macro_bodies(text, "ffi_fn! {", path) {
        out.push_str(&text[at..range.start]);
        at = range.end;
        let mut signature = String::new();
        for line in body.lines() {
            let t = line.trim();
            if !signature.is_empty() {
                signature.push_str(t);
                signature.push(' ');
            } else if t.starts_with("///") {
                out.push_str(t);
                out.push('\n');
            } else if t.starts_with("#[on_panic(") {
                // Only the macro needs it.
            } else if let Some(rest) = t.strip_prefix("unsafe fn ") {
                signature = format!("pub unsafe extern \"C\" fn {rest} ");
            } else if let Some(rest) = t.strip_prefix("fn ") {
                signature = format!("pub extern \"C\" fn {rest} ");
            } else if !t.is_empty() {
                panic!("{}: unexpected line in ffi_fn!: {t}", path.display());
            }
        }
        // The signature ends where the body starts: the first `{` outside
        // the parameter list.
        let mut depth = 0i32;
        let end = signature
            .char_indices()
            .find(|&(_, c)| {
                match c {
                    '(' | '[' => depth += 1,
                    ')' | ']' => depth -= 1,
                    _ => {}
                }
                c == '{' && depth == 0
            })
            .unwrap_or_else(|| panic!("{}: no body in an ffi_fn!", path.display()))
            .0;
        out.push_str("#[unsafe(no_mangle)]\n");
        out.push_str(signature[..end].trim_end());
        out.push_str(" {}\n");
    }
    out.push_str(&text[at..]);
    out
}

fn write_if_changed(path: &Path, content: &[u8]) {
    if fs::read(path).is_ok_and(|old| old == content) {
        return;
    }
    let dir = path.parent().expect("a file path has a parent");
    fs::create_dir_all(dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
    // Write then rename: a C build or a test reading the header while
    // another cargo process refreshes it never sees half a file.
    let name = path
        .file_name()
        .expect("a file path has a name")
        .to_string_lossy();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    fs::write(&tmp, content).unwrap_or_else(|e| panic!("writing {}: {e}", tmp.display()));
    fs::rename(&tmp, path)
        .unwrap_or_else(|e| panic!("renaming {} to {}: {e}", tmp.display(), path.display()));
}
