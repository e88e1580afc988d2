//! Template environment: every template is embedded in the binary with `include_str!`, so a
//! release build needs no files next to it. `t("key")` in a template translates with the
//! page's `lang`.

use super::i18n::{self, Lang};
use minijinja::value::{Serde, Value};
use minijinja::{Environment, State};
use serde::Serialize;
use std::sync::LazyLock;

/// (name, source) of every template.
pub const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("login.html", include_str!("../../templates/login.html")),
    ("error.html", include_str!("../../templates/error.html")),
    ("planner/home.html", include_str!("../../templates/planner/home.html")),
    ("planner/history.html", include_str!("../../templates/planner/history.html")),
    ("planner/forecast.html", include_str!("../../templates/planner/forecast.html")),
    ("planner/staffing.html", include_str!("../../templates/planner/staffing.html")),
    ("planner/roster.html", include_str!("../../templates/planner/roster.html")),
    ("planner/requests.html", include_str!("../../templates/planner/requests.html")),
    ("planner/job.html", include_str!("../../templates/planner/job.html")),
    ("agent/schedule.html", include_str!("../../templates/agent/schedule.html")),
    ("admin/index.html", include_str!("../../templates/admin/index.html")),
];

static ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    for (name, src) in TEMPLATES {
        // A syntax error in an embedded template is a programming error caught by the tests
        // below; at run time it surfaces as a render error (500), not a panic.
        if let Err(e) = env.add_template(name, src) {
            tracing::error!("template {name}: {e}");
        }
    }
    env.add_function("t", translate);
    env.add_filter("urlencode", urlencode);
    env
});

fn page_lang(state: &State) -> Lang {
    state.lookup("lang").and_then(|v| v.as_str().and_then(Lang::from_code)).unwrap_or(Lang::En)
}

fn translate(state: &State, key: &str) -> String {
    i18n::t(page_lang(state), key).to_string()
}

/// Percent-encode for a query-string value (RFC 3986 unreserved characters pass through).
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Convert a serialisable view model into a template value.
pub fn value<T: Serialize>(v: &T) -> Value {
    Value::from(Serde(v))
}

/// Render template `name` with `ctx`.
pub fn render(name: &str, ctx: Value) -> Result<String, minijinja::Error> {
    ENV.get_template(name)?.render(ctx)
}

/// Literal keys used as `t("…")` in a template source (dynamic keys built with `~` are not
/// literal and are skipped).
pub fn literal_keys(src: &str) -> Vec<&str> {
    src.match_indices("t(\"")
        .filter_map(|(i, _)| {
            let rest = &src[i + 3..];
            let end = rest.find('"')?;
            rest[end..].starts_with("\")").then(|| &rest[..end])
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_literal_key_in_templates_is_translated() {
        let mut missing = Vec::new();
        for (name, src) in TEMPLATES {
            for key in literal_keys(src) {
                if i18n::TABLE.binary_search_by(|row| row.0.cmp(key)).is_err() {
                    missing.push(format!("{name}: {key}"));
                }
            }
        }
        assert!(missing.is_empty(), "untranslated keys: {missing:?}");
        // The scan itself finds keys (guards against the test passing vacuously).
        assert!(literal_keys(TEMPLATES[1].1).contains(&"login.title"));
    }

    #[test]
    fn all_templates_parse() {
        for (name, _) in TEMPLATES {
            ENV.get_template(name).unwrap_or_else(|e| panic!("{name}: {e:#}"));
        }
    }

    #[test]
    fn login_page_renders_in_both_languages_with_escaping() {
        for (lang, expect) in [("en", "Sign in to ccops"), ("zh", "登录 ccops")] {
            let html = render(
                "login.html",
                minijinja::context! { lang, lang_tag => lang, title => "x", csrf => "tok", path => "/login",
                    next => "/", username => "<b>", error => "error.login_failed" },
            )
            .expect("renders");
            assert!(html.contains(expect), "{lang}");
            assert!(html.contains("&lt;b&gt;"), "user input is escaped");
            assert!(html.contains(r#"name="csrf" value="tok""#));
        }
    }

    #[test]
    fn urlencode_keeps_paths_readable() {
        assert_eq!(urlencode("/planner/forecast?queue=1&x=中"), "/planner/forecast%3Fqueue%3D1%26x%3D%E4%B8%AD");
    }
}
