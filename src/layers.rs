//! The layering rule, checked by a test: `api` → `services` → `rules`/`domain` → `db`, never back.
//!
//! | layer      | may not use                                   |
//! |------------|-----------------------------------------------|
//! | `services` | `api`, `http`                                 |
//! | `work`     | `api`, `http`, `services`                     |
//! | `rules`    | `api`, `http`, `services`, `work`, `db`       |
//! | `domain`   | `api`, `http`, `services`, `work`, `db`, `rules` |
//! | `db`       | `api`, `http`, `services`, `work`, `rules`    |
//!
//! `http` is the request machinery (context, extractors, middleware) that builds a `work::Work`;
//! `api` holds the handlers and views. See `docs/architecture.md`.

/// Each layer (a folder under `src/`) and the crate modules its code may not name.
pub const FORBIDDEN: &[(&str, &[&str])] = &[
    ("services", &["api", "http"]),
    ("work", &["api", "http", "services"]),
    ("rules", &["api", "http", "services", "work", "db"]),
    (
        "domain",
        &["api", "http", "services", "work", "db", "rules"],
    ),
    ("db", &["api", "http", "services", "work", "rules"]),
];

/// The crate modules named by `crate::x` paths in Rust source, comments left out.
pub fn modules_named(source: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in source.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() && !found.contains(&name) {
                found.push(name);
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("readable source folder") {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    #[test]
    fn no_layer_uses_a_layer_above_it() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut breaches = Vec::new();
        for (layer, forbidden) in FORBIDDEN {
            let mut files = Vec::new();
            rust_files(&src.join(layer), &mut files);
            assert!(!files.is_empty(), "layer {layer} has no source files");
            for file in files {
                let text = std::fs::read_to_string(&file).expect("readable source file");
                for module in modules_named(&text) {
                    if forbidden.contains(&module.as_str()) {
                        breaches.push(format!("{} uses crate::{module}", file.display()));
                    }
                }
            }
        }
        assert!(
            breaches.is_empty(),
            "layering broken:\n{}",
            breaches.join("\n")
        );
    }

    #[test]
    fn crate_paths_are_found_in_code_and_not_in_comments() {
        let cases: &[(&str, &[&str])] = &[
            ("use crate::http::Ctx;", &["http"]),
            (
                "use crate::db::{people, Scope}; // crate::api is fine here",
                &["db"],
            ),
            ("/// see [`crate::http::Ctx`]", &[]),
            (
                "let x = crate::rules::working_days::london_date(now);",
                &["rules"],
            ),
            ("fn f() {}", &[]),
        ];
        for (source, expected) in cases {
            assert_eq!(&modules_named(source), expected, "{source}");
        }
    }
}
