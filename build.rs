//! Build-time work: link settings, the site's static assets, and the page catalogues.
//!
//! Opt-in: `KLIMASPOR_PACK_RELOCATIONS=1` packs relative relocations (`DT_RELR`): the
//! position-independent binary keeps its address randomisation, but the dynamic loader no
//! longer reads ~2 MB of relocation records at every start (see BENCHMARKS.md, peak RSS).
//! Such a binary needs glibc 2.36 or newer where it runs: copied to an older host it does not
//! start. The default build runs wherever the toolchain's glibc baseline does.
//!
//! Assets (`src/web/assets`, vendored files under `vendor/` included): each gets a name with
//! its content hash, so it can be cached forever, and a gzip copy made once here instead of
//! per request. Stylesheets have their `url(…)` references rewritten to the hashed names.
//!
//! Catalogues (`src/web/i18n/*.toml`): every visible string of the site. `da.toml` defines the
//! keys; each other language must have exactly the same keys (the build fails naming the
//! difference). They become one `Catalogue` struct, so a template using a key that does not
//! exist does not compile.
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=KLIMASPOR_PACK_RELOCATIONS");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    let wanted = std::env::var("KLIMASPOR_PACK_RELOCATIONS").is_ok_and(|v| v == "1");
    if wanted && os == "linux" && env == "gnu" {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    assets(Path::new("src/web/assets"), &out);
    catalogues(Path::new("src/web/i18n"), &out);
}

/// The file types the site serves, and their media types.
fn content_type(path: &Path) -> Option<&'static str> {
    Some(match path.extension()?.to_str()? {
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "woff2" => "font/woff2",
        "ico" => "image/x-icon",
        _ => return None,
    })
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, files);
        } else if content_type(&p).is_some() {
            files.push(p);
        }
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes).expect("gzip");
    enc.finish().expect("gzip")
}

fn assets(root: &Path, out: &Path) {
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    walk(root, &mut files);
    let dir = out.join("assets");
    std::fs::create_dir_all(&dir).expect("assets dir");
    // Logical name (path below the root) → hashed file name. Stylesheets last: they refer to
    // the others by their hashed names.
    let mut hashed: BTreeMap<String, String> = BTreeMap::new();
    files.sort_by_key(|p| p.extension().is_some_and(|e| e == "css"));
    let mut table = String::from("&[\n");
    for path in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        let logical = path
            .strip_prefix(root)
            .expect("below root")
            .to_string_lossy()
            .replace('\\', "/");
        let mut bytes = std::fs::read(path).expect("read asset");
        if path.extension().is_some_and(|e| e == "css") {
            bytes = rewrite_urls(
                &String::from_utf8(bytes).expect("utf-8 css"),
                &logical,
                &hashed,
            )
            .into_bytes();
        }
        let digest = hex::encode(&Sha256::digest(&bytes)[..8]);
        let file = Path::new(&logical);
        let stem = file.file_stem().and_then(|s| s.to_str()).expect("stem");
        let ext = file.extension().and_then(|s| s.to_str()).expect("ext");
        let name = format!("{}.{digest}.{ext}", stem.replace('.', "-"));
        let raw_path = dir.join(&name);
        std::fs::write(&raw_path, &bytes).expect("write asset");
        // Fonts and PNGs are compressed already.
        let gz = if matches!(ext, "woff2" | "png") {
            None
        } else {
            let gz = gzip(&bytes);
            (gz.len() < bytes.len()).then_some(gz)
        };
        let gz_expr = match gz {
            Some(gz) => {
                let gz_path = dir.join(format!("{name}.gz"));
                std::fs::write(&gz_path, &gz).expect("write gz");
                format!("Some(include_bytes!({:?}))", gz_path.display().to_string())
            }
            None => "None".to_string(),
        };
        writeln!(
            table,
            "    Asset {{ logical: {logical:?}, name: {name:?}, content_type: {:?}, body: include_bytes!({:?}), gzip: {gz_expr} }},",
            content_type(path).expect("served type"),
            raw_path.display().to_string(),
        )
        .expect("fmt");
        hashed.insert(logical, name);
    }
    table.push(']');
    std::fs::write(out.join("assets.rs"), table).expect("assets.rs");
}

/// `url(x)` in the stylesheet `css_logical` → `url(/assets/<hashed x>)`; a reference to a file
/// that is not vendored fails the build.
fn rewrite_urls(css: &str, css_logical: &str, hashed: &BTreeMap<String, String>) -> String {
    let base = Path::new(css_logical).parent().unwrap_or(Path::new(""));
    let mut out = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(i) = rest.find("url(") {
        out.push_str(&rest[..i + 4]);
        rest = &rest[i + 4..];
        let end = rest.find(')').expect("url( without )");
        let target = rest[..end].trim().trim_matches(|c| c == '"' || c == '\'');
        if target.starts_with("data:") || target.starts_with('#') {
            out.push_str(&rest[..end]);
        } else {
            let logical = normalise(&base.join(target));
            let name = hashed.get(&logical).unwrap_or_else(|| {
                panic!("{css_logical} refers to {target}, which is not vendored")
            });
            write!(out, "/assets/{name}").expect("fmt");
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

fn normalise(p: &Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    for c in p.components() {
        match c {
            std::path::Component::ParentDir => {
                parts.pop();
            }
            std::path::Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
            _ => {}
        }
    }
    parts.join("/")
}

fn catalogues(dir: &Path, out: &Path) {
    println!("cargo:rerun-if-changed={}", dir.display());
    let read = |lang: &str| -> BTreeMap<String, String> {
        let path = dir.join(format!("{lang}.toml"));
        println!("cargo:rerun-if-changed={}", path.display());
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let value: toml::Table = text
            .parse()
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut flat = BTreeMap::new();
        flatten("", &value, &mut flat, &path);
        flat
    };
    let da = read("da");
    let en = read("en");
    let keys: BTreeSet<&String> = da.keys().collect();
    let en_keys: BTreeSet<&String> = en.keys().collect();
    let missing: Vec<_> = keys.difference(&en_keys).collect();
    let extra: Vec<_> = en_keys.difference(&keys).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "en.toml differs from da.toml: missing {missing:?}, not in da.toml {extra:?}"
    );
    let mut code = String::from(
        "/// Every visible string of the site, one field per key of `src/web/i18n/da.toml`.\n\
         #[derive(Debug)]\npub struct Catalogue {\n",
    );
    for k in &keys {
        writeln!(code, "    pub {k}: &'static str,").expect("fmt");
    }
    code.push_str("}\n");
    for (name, cat) in [("DA", &da), ("EN", &en)] {
        writeln!(code, "pub static {name}: Catalogue = Catalogue {{").expect("fmt");
        for (k, v) in cat.iter() {
            writeln!(code, "    {k}: {v:?},").expect("fmt");
        }
        code.push_str("};\n");
    }
    std::fs::write(out.join("catalogue.rs"), code).expect("catalogue.rs");
}

/// `[nav] home = "…"` → key `nav_home`.
fn flatten(prefix: &str, t: &toml::Table, out: &mut BTreeMap<String, String>, path: &Path) {
    for (k, v) in t {
        assert!(
            k.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
            "{}: key {k:?}: use a-z, 0-9 and _",
            path.display()
        );
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}_{k}")
        };
        match v {
            toml::Value::String(s) => {
                out.insert(key, s.clone());
            }
            toml::Value::Table(t) => flatten(&key, t, out, path),
            other => panic!(
                "{}: {key}: a string or a table, not {other}",
                path.display()
            ),
        }
    }
}
