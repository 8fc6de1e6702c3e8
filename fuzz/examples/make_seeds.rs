//! Writes the seed corpora of the fuzz targets into `fuzz/corpus/<target>/`:
//! small valid streams of every kind (our encoder's and the `lz4` tool's),
//! decoder state blobs taken at many points, and data to round-trip.
//!
//! `cargo run --example make_seeds` (from `fuzz/`). The output is
//! deterministic; the committed files were made this way.

use lz4framed::{
    BlockSize, Decoder, DecoderOptions, Preferences, compress, compress_with_dictionary,
};
use lz4framed_fuzz::{CONFIG_LEN, DICT_ID, dictionary};
use lz4framed_testkit::{Rng, skippable};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn text(len: usize, seed: u64) -> Vec<u8> {
    let words: [&[u8]; 12] = [
        b"the ",
        b"frame ",
        b"decoder ",
        b"resumes ",
        b"at ",
        b"block ",
        b"boundary ",
        b"window ",
        b"of ",
        b"64 ",
        b"KiB ",
        b".\n",
    ];
    let mut c = Rng::new(seed);
    let mut v = Vec::with_capacity(len);
    while v.len() < len {
        v.extend_from_slice(words[c.below(words.len())]);
        if c.below(50) == 0 {
            v.push(c.next_u64() as u8);
        }
    }
    v.truncate(len);
    v
}

fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut c = Rng::new(seed);
    (0..len).map(|_| c.next_u64() as u8).collect()
}

fn with_config(config: [u8; CONFIG_LEN], body: &[u8]) -> Vec<u8> {
    let mut v = config.to_vec();
    v.extend_from_slice(body);
    v
}

/// Frames made by the `lz4` tool with the given options, if it is installed.
fn lz4_tool(data: &[u8], args: &[&str], dir: &Path) -> Option<Vec<u8>> {
    let src = dir.join("lz4-seed-input");
    let dst = dir.join("lz4-seed-output");
    fs::write(&src, data).ok()?;
    let ok = Command::new("lz4")
        .args(args)
        .args(["-q", "-f"])
        .arg(&src)
        .arg(&dst)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    let out = ok.then(|| fs::read(&dst).ok()).flatten();
    let _ = fs::remove_file(&src);
    let _ = fs::remove_file(&dst);
    if out.is_none() {
        eprintln!("lz4 {args:?}: not available, seed skipped");
    }
    out
}

/// Named valid streams (without configuration prefix); `true` when the
/// stream needs the fixed dictionary.
fn streams(tmp: &Path) -> Vec<(String, Vec<u8>, bool)> {
    let mut v = Vec::new();
    let small = text(3000, 1);
    let medium = text(70_000, 2);
    for bs in [
        BlockSize::Max64KB,
        BlockSize::Max256KB,
        BlockSize::Max1MB,
        BlockSize::Max4MB,
    ] {
        for bits in [0u8, 1, 2, 4, 8, 14, 15] {
            let p = Preferences::default()
                .with_block_size(bs)
                .with_block_linked(bits & 1 == 0)
                .with_block_checksum(bits & 2 != 0)
                .with_content_checksum(bits & 4 != 0)
                .with_content_size((bits & 8 != 0).then_some(0));
            let data = if bs == BlockSize::Max64KB && (bits == 0 || bits == 14) {
                &medium
            } else {
                &small
            };
            let name = format!("ours-bs{}-flags{bits}", bs.id());
            v.push((name, compress(data, &p).unwrap(), false));
        }
    }
    let all = Preferences::default()
        .with_block_checksum(true)
        .with_content_checksum(true)
        .with_content_size(Some(0));
    v.push(("ours-empty".into(), compress(b"", &all).unwrap(), false));
    v.push((
        "ours-stored-blocks".into(),
        compress(&noise(3_000, 3), &all).unwrap(),
        false,
    ));
    v.push((
        "ours-hc".into(),
        compress(&small, &all.with_level(9)).unwrap(),
        false,
    ));
    let mut concat = skippable(0, b"metadata");
    concat.extend(compress(&small[..500], &all).unwrap());
    concat.extend(skippable(15, b""));
    concat.extend(compress(&small[500..], &Preferences::default()).unwrap());
    v.push(("ours-concatenated-with-skippable".into(), concat, false));
    v.push(("skippable-only".into(), skippable(7, &small[..100]), false));
    let dict = dictionary();
    for (linked, id) in [(true, Some(DICT_ID)), (false, Some(DICT_ID)), (true, None)] {
        let p = Preferences::default()
            .with_block_linked(linked)
            .with_dict_id(id)
            .with_content_checksum(true);
        let name = format!("ours-dict-linked{}-id{}", linked as u8, id.is_some() as u8);
        let data = text(30_000, 4);
        v.push((
            name,
            compress_with_dictionary(&data, &p, dict).unwrap(),
            true,
        ));
    }
    let cli: [(&str, &[&str]); 6] = [
        ("lz4-default", &[]),
        ("lz4-B4-BD-BX", &["-B4", "-BD", "-BX"]),
        ("lz4-B5-content-size", &["-B5", "--content-size"]),
        ("lz4-B6-no-frame-crc", &["-B6", "--no-frame-crc"]),
        ("lz4-hc", &["-9"]),
        ("lz4-legacy", &["-l"]),
    ];
    for (name, args) in cli {
        if let Some(frame) = lz4_tool(&medium[..20_000], args, tmp) {
            v.push((name.into(), frame, false));
        }
    }
    if let Some(mut legacy) = lz4_tool(&small, &["-l"], tmp) {
        legacy.extend(compress(&small[..100], &Preferences::default()).unwrap());
        v.push(("lz4-legacy-then-frame".into(), legacy, false));
    }
    v
}

/// Decoder state blobs taken at many points of a stream, each followed by
/// the rest of the stream: the `unmarshal` target's body format.
fn blobs(name: &str, stream: &[u8], dict: Option<&[u8]>, points: usize) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut c = Rng::from_bytes(name.as_bytes());
    let mut d = Decoder::with_options(
        DecoderOptions::default()
            .with_verify_checksums(true)
            .with_stop_at_frame_end(name.contains("concatenated")),
    );
    if let Some(dict) = dict {
        d.set_dictionary(dict, Some(DICT_ID));
    }
    let mut buf = vec![0u8; 1 << 20];
    for i in 0..points {
        let at = d.input_consumed() as usize;
        let piece = (1 + c.below(40)).min(stream.len() - at);
        let room = 1 + c.below(3000);
        if d.decompress(&stream[at..at + piece], &mut buf[..room], false)
            .is_err()
        {
            break;
        }
        let blob = d.marshal().unwrap();
        // Linked-frame blobs carry a window of up to 64 KiB: keep few.
        if blob.len() > 20_000 && i % 4 != 0 {
            continue;
        }
        let at = d.input_consumed() as usize;
        let mut body = (blob.len() as u16).to_le_bytes().to_vec();
        if blob.len() > usize::from(u16::MAX) {
            continue;
        }
        body.extend_from_slice(&blob);
        body.extend_from_slice(&stream[at..(at + 2000).min(stream.len())]);
        out.push((format!("{name}-point{i}"), body));
    }
    out
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    fs::create_dir_all(dir).unwrap();
    fs::write(dir.join(name), bytes).unwrap();
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let tmp = std::env::temp_dir();
    let streams = streams(&tmp);
    let dict = dictionary();
    for (name, stream, needs_dict) in &streams {
        // decode: default options, and checksums off + stop at frame end.
        let flags = if *needs_dict { 2 << 2 } else { 0 };
        write(
            &root.join("decode"),
            name,
            &with_config([flags, 1, 2, 3, 4, 5, 6, 7], stream),
        );
        if stream.len() < 20_000 {
            write(
                &root.join("decode"),
                &format!("{name}-nocheck-stop"),
                &with_config([flags | 3, 9, 8, 7, 6, 5, 4, 3], stream),
            );
        }
        write(
            &root.join("differential"),
            name,
            &with_config([*needs_dict as u8, 0, 0, 0, 0, 0, 0, 0], stream),
        );
    }
    // unmarshal: blobs from a few kinds of stream, mid-everything.
    let wanted = [
        ("ours-bs4-flags1", 12),
        ("ours-bs7-flags15", 12),
        ("ours-bs4-flags4", 6),
        ("ours-stored-blocks", 8),
        ("ours-concatenated-with-skippable", 16),
        ("ours-dict-linked0-id1", 8),
        ("lz4-legacy-then-frame", 10),
    ];
    for (name, points) in wanted {
        let Some((_, stream, needs_dict)) = streams.iter().find(|s| s.0 == name) else {
            continue;
        };
        let d = needs_dict.then_some(dict);
        for (seed, body) in blobs(name, stream, d, points) {
            let config = [2 * *needs_dict as u8, 0, 1, 2, 3, 4, 5, 6];
            write(&root.join("unmarshal"), &seed, &with_config(config, &body));
        }
    }
    // roundtrip: configuration bytes choose the preferences.
    let data = [
        ("empty", Vec::new()),
        ("text", text(6_000, 5)),
        ("noise", noise(1_000, 6)),
        (
            "mixed",
            [text(10_000, 7), noise(1_000, 8), text(8_000, 9)].concat(),
        ),
    ];
    let configs: [[u8; 3]; 6] = [
        [3, 4, 0],          // level 0, 64 KiB linked, one-shot
        [3, 0b11_1101, 4],  // 256 KiB independent, all checksums, size, streaming
        [12, 0b01_1110, 5], // HC, 1 MiB, linked, dictionary, streaming
        [19, 0b10_0111, 7], // auto-flush, 4 MiB, dictionary with ID, streaming
        [0, 0b01_1000, 1],  // fast -3, dictionary, one-shot
        [47, 0b00_0100, 4], // HC 12 favouring decode speed, streaming
    ];
    for (name, d) in &data {
        for (i, cfg) in configs.iter().enumerate() {
            let config = [cfg[0], cfg[1], cfg[2], i as u8, 1, 2, 3, 4];
            write(
                &root.join("roundtrip"),
                &format!("{name}-config{i}"),
                &with_config(config, d),
            );
        }
    }
    // encoder_state: preferences, dictionaries and workers over data.
    for (name, input) in lz4framed_fuzz::encoder_state_seeds() {
        write(&root.join("encoder_state"), &name, &input);
    }
    // seek: tables, files with and without one, indexes.
    for (name, input) in lz4framed_fuzz::seek_seeds() {
        write(&root.join("seek"), &name, &input);
    }
    // seek_read: files and index + file pairs to read at random.
    for (name, input) in lz4framed_fuzz::seek_read_seeds() {
        write(&root.join("seek_read"), &name, &input);
    }
    println!("seeds written under {}", root.display());
}
