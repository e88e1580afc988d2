//! Static files of the UI (stylesheet, vendored htmx and uPlot), embedded in the binary.
//! Served with a long cache lifetime for the versioned vendor files and a short one for ours.

/// (URL path under `/static/`, content type, bytes).
const FILES: &[(&str, &str, &[u8])] = &[
    ("ui.css", "text/css; charset=utf-8", include_bytes!("../../static/ui.css")),
    ("vendor/htmx-2.0.11.min.js", "text/javascript; charset=utf-8", include_bytes!("../../static/vendor/htmx-2.0.11.min.js")),
    ("vendor/uPlot-1.6.32.iife.min.js", "text/javascript; charset=utf-8", include_bytes!("../../static/vendor/uPlot-1.6.32.iife.min.js")),
    ("vendor/uPlot-1.6.32.min.css", "text/css; charset=utf-8", include_bytes!("../../static/vendor/uPlot-1.6.32.min.css")),
    ("vendor/htmx.LICENSE", "text/plain; charset=utf-8", include_bytes!("../../static/vendor/htmx.LICENSE")),
    ("vendor/uPlot.LICENSE", "text/plain; charset=utf-8", include_bytes!("../../static/vendor/uPlot.LICENSE")),
];

/// An embedded static file.
pub struct Asset {
    pub content_type: &'static str,
    pub bytes: &'static [u8],
    /// Versioned vendor files never change under the same name.
    pub immutable: bool,
}

/// Look up `path` (relative to `/static/`).
pub fn get(path: &str) -> Option<Asset> {
    FILES.iter().find(|(p, _, _)| *p == path).map(|(p, ct, bytes)| Asset {
        content_type: ct,
        bytes,
        immutable: p.starts_with("vendor/"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendored_files_are_real_and_complete() {
        let htmx = get("vendor/htmx-2.0.11.min.js").expect("htmx embedded");
        assert!(htmx.bytes.len() > 40_000 && htmx.immutable);
        assert!(std::str::from_utf8(htmx.bytes).is_ok_and(|s| s.contains("htmx")));
        let uplot = get("vendor/uPlot-1.6.32.iife.min.js").expect("uPlot embedded");
        assert!(std::str::from_utf8(uplot.bytes).is_ok_and(|s| s.contains("uPlot")));
        assert!(!get("ui.css").expect("css").immutable);
        assert!(get("../Cargo.toml").is_none());
    }

    #[test]
    fn nothing_is_loaded_from_a_cdn() {
        for (name, src) in super::super::render::TEMPLATES {
            assert!(!src.contains("https://") && !src.contains("http://") && !src.contains("//cdn"), "{name} links off-site");
        }
    }
}
