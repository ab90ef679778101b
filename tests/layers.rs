//! The library's layers, checked: a module may use only modules below it, so data flows one way
//! (inputs → prices and workload → sampling → billing → patterns → simulation → report → charts
//! and documents → quota search, sweeps, shards → exporters). A `use crate::` of a module above fails here,
//! naming the file and the edge. Test modules may reach anywhere and are not checked.

use std::path::{Path, PathBuf};

/// Every top-level module of `src/`, lowest first. The binary (`main.rs`, `cli.rs`) sits above
/// them all; `lib.rs` only declares them.
const LAYERS: &[&str] = &[
    "units",
    "error",
    "partition",
    "format",
    "input",
    "pricing",
    "config",
    "load",
    "stats",
    "sampling",
    "arrivals",
    "billing",
    "capacity",
    "pattern",
    "simulate",
    "forecast",
    "report",
    "charts",
    "document",
    "quota",
    "sweep",
    "shard",
    "export",
];

fn rank(module: &str) -> Option<usize> {
    LAYERS.iter().position(|m| *m == module)
}

/// The top-level module a file under `src/` belongs to.
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).expect("file under src");
    let first = rel.components().next().expect("non-empty path");
    first
        .as_os_str()
        .to_string_lossy()
        .trim_end_matches(".rs")
        .to_string()
}

/// The library code of a file: comments and `#[cfg(test)]` modules left out.
fn code(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod ") {
        Some(i) => &text[..i],
        None => text,
    };
    text.lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The modules `code` names as `crate::<module>`.
fn uses(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        out.push(name);
    }
    out
}

/// Upward edges in one file's code: `(used module, its rank, this module's rank)`.
fn upward(module: &str, code: &str) -> Vec<String> {
    let Some(own) = rank(module) else {
        return vec![format!("module `{module}` is not in LAYERS")];
    };
    uses(code)
        .into_iter()
        .filter(|used| used != module)
        .filter_map(|used| match rank(&used) {
            Some(r) if r > own => Some(format!("`{module}` uses `{used}`, a layer above it")),
            Some(_) => None,
            None => Some(format!("`{module}` uses `{used}`, which is not in LAYERS")),
        })
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src is readable") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_module_uses_one_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut problems = Vec::new();
    for file in &files {
        let module = module_of(&src, file);
        if ["main", "cli", "lib"].contains(&module.as_str()) {
            continue;
        }
        let text = std::fs::read_to_string(file).expect("source is readable");
        for p in upward(&module, &code(&text)) {
            problems.push(format!("{}: {p}", file.display()));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // Every module of lib.rs is placed.
    let lib = std::fs::read_to_string(src.join("lib.rs")).expect("lib.rs");
    for line in lib.lines() {
        if let Some(name) = line.strip_prefix("pub mod ") {
            let name = name.trim_end_matches(';');
            assert!(
                rank(name).is_some(),
                "lib.rs declares `{name}`, not in LAYERS"
            );
        }
    }
}

#[test]
fn the_check_finds_an_upward_edge_and_ignores_comments_and_tests() {
    let planted = "use crate::report::Report;\n// crate::shard in a comment\n";
    assert_eq!(upward("billing", &code(planted)).len(), 1);
    let in_tests =
        "use crate::pricing::PriceBook;\n#[cfg(test)]\nmod tests {\n    use crate::shard::x;\n}\n";
    assert!(upward("billing", &code(in_tests)).is_empty());
    assert_eq!(upward("billing", "crate::nowhere::x").len(), 1);
}
