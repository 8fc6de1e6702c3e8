use lz4framed::*;
#[test]
fn smoke() {
    let data: Vec<u8> = (0..1_000_000u32)
        .map(|i| (i % 251) as u8 ^ (i / 4096) as u8)
        .collect();
    for linked in [true, false] {
        for level in [-5, 1, 9] {
            let prefs = Preferences {
                level,
                block_linked: linked,
                content_checksum: true,
                block_checksum: true,
                ..Default::default()
            };
            let f = compress(&data, &prefs).unwrap();
            assert_eq!(decompress(&f).unwrap(), data);
            // byte at a time
            let mut d = Decoder::new();
            let mut out = Vec::new();
            let mut ob = [0u8; 7];
            let mut ip = 0;
            loop {
                let end = (ip + 1).min(f.len());
                let p = d.decompress(&f[ip..end], &mut ob, end == f.len()).unwrap();
                ip += p.consumed;
                out.extend_from_slice(&ob[..p.produced]);
                if p.status == Status::FrameBoundary && ip == f.len() {
                    break;
                }
            }
            assert_eq!(out, data);
        }
    }
}
