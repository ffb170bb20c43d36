//! Tells the shared sources which criterion this copy of the crate wraps.
//! Each `vX.Y/Cargo.toml` names the crate at criterion's own version and
//! depends on that criterion, so the version is the crate's.

const SUPPORTED: [&str; 6] = ["0.3", "0.4", "0.5", "0.6", "0.7", "0.8"];

fn main() {
    let version = format!(
        "{}.{}",
        std::env::var("CARGO_PKG_VERSION_MAJOR").expect("cargo sets CARGO_PKG_VERSION_MAJOR"),
        std::env::var("CARGO_PKG_VERSION_MINOR").expect("cargo sets CARGO_PKG_VERSION_MINOR"),
    );
    assert!(
        SUPPORTED.contains(&version.as_str()),
        "memtally-criterion-compat {version}: no criterion {version} surface in these sources"
    );
    let values: Vec<String> = SUPPORTED.iter().map(|v| format!("\"{v}\"")).collect();
    println!(
        "cargo::rustc-check-cfg=cfg(criterion, values({}))",
        values.join(", ")
    );
    println!("cargo::rustc-cfg=criterion=\"{version}\"");
    println!("cargo::rerun-if-changed=build.rs");
}
