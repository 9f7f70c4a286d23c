//! Links Hyperscan (Debian's libhyperscan-dev, or Vectorscan's libhs) when the `hyperscan`
//! feature is on. Debian's static libhs.a is not position-independent, so the shared
//! library is linked; `make dist` copies it into the wheel (auditwheel repair), so
//! executors need no system package. `PIISWEEP_HS_LIB_DIR` names another directory.

fn main() {
    println!("cargo:rerun-if-env-changed=PIISWEEP_HS_LIB_DIR");
    if std::env::var_os("CARGO_FEATURE_HYPERSCAN").is_none() {
        return;
    }
    let dirs = match std::env::var("PIISWEEP_HS_LIB_DIR") {
        Ok(d) => vec![d],
        Err(_) => vec![
            "/usr/lib/x86_64-linux-gnu".to_string(),
            "/usr/lib/aarch64-linux-gnu".to_string(),
            "/usr/local/lib".to_string(),
            "/usr/lib".to_string(),
        ],
    };
    let Some(dir) = dirs
        .iter()
        .find(|d| std::path::Path::new(d).join("libhs.so").exists())
    else {
        panic!(
            "libhs.so not found in {dirs:?}: install Hyperscan \
             (Debian: apt-get install libhyperscan-dev, or libvectorscan-dev on ARM) or set \
             PIISWEEP_HS_LIB_DIR"
        );
    };
    println!("cargo:rustc-link-search=native={dir}");
    println!("cargo:rustc-link-lib=dylib=hs");
}
