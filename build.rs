//! Stamps the build with an id for the on-disk cache: a hash of the crate's
//! sources and manifest, so code cached by a build with other sources (whose
//! loop ABI or runtime functions may differ) is never linked by this one.

use std::path::Path;

fn fnv1a(h: &mut u64, bytes: &[u8]) {
    for b in bytes {
        *h ^= u64::from(*b);
        *h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
}

fn walk(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, files);
        } else {
            files.push(p);
        }
    }
}

fn main() {
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=Cargo.toml");
    println!("cargo:rerun-if-changed=Cargo.lock");
    let mut files = vec!["Cargo.toml".into(), "Cargo.lock".into()];
    walk(Path::new("src"), &mut files);
    files.sort();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for f in &files {
        fnv1a(&mut h, f.to_string_lossy().as_bytes());
        if let Ok(bytes) = std::fs::read(f) {
            fnv1a(&mut h, &bytes);
        }
    }
    println!("cargo:rustc-env=JITUFUNC_BUILD_ID={h:016x}");
}
