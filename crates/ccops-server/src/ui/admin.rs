//! Administration (admins only): users and roles, tenants, queues, skills, scheduling rules.
//! One generic page: a table of what exists and a form to add one more.

use super::{check_csrf, see_other, Flash, Page, UiError, UiResult};
use crate::auth::{CurrentUser, Role};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::routing::get;
use axum::{Form, Router};
use ccops_store::{NewQueue, NewUser};
use minijinja::context;
use serde::Serialize;
use std::collections::HashMap;

pub fn router() -> Router<AppState> {
    Router::new().route("/admin", get(|| async { see_other("/admin/users") })).route("/admin/{tab}", get(show).post(create))
}

const TABS: [&str; 5] = ["users", "tenants", "queues", "skills", "rules"];

/// Setting key of the scheduling rules (TOML, `ccops_schedule::Rules`) that roster jobs read.
const RULES_SETTING: &str = "schedule_rules";

#[derive(Serialize)]
struct Field {
    name: &'static str,
    kind: &'static str,
    value: String,
    required: bool,
    options: Option<Vec<Opt>>,
}

#[derive(Serialize)]
struct Opt {
    value: String,
    label: String,
}

fn field(name: &'static str, kind: &'static str, required: bool) -> Field {
    Field { name, kind, value: String::new(), required, options: None }
}

fn select(name: &'static str, options: Vec<Opt>) -> Field {
    Field { name, kind: "select", value: String::new(), required: true, options: Some(options) }
}

fn opt(value: impl Into<String>, label: impl Into<String>) -> Opt {
    Opt { value: value.into(), label: label.into() }
}

fn admin_only(user: &CurrentUser, headers: &HeaderMap, tab: &str) -> Result<(), UiError> {
    let lang = super::lang_of(headers, Some(user));
    user.require(&[]).map_err(|_| UiError::forbidden().in_lang(lang))?;
    if TABS.contains(&tab) { Ok(()) } else { Err(UiError::not_found().in_lang(lang)) }
}

#[derive(serde::Deserialize, Default)]
struct ShowQuery {
    #[serde(default)]
    saved: Option<String>,
}

async fn show(State(state): State<AppState>, headers: HeaderMap, user: CurrentUser, Path(tab): Path<String>, Query(q): Query<ShowQuery>) -> UiResult {
    admin_only(&user, &headers, &tab)?;
    let path = format!("/admin/{tab}");
    let page = Page::new(&headers, Some(&user), &path);
    let store = &state.store;
    let tenants = store.list_tenants().await?;
    let tenant_name: HashMap<i64, String> = tenants.iter().map(|t| (t.id, t.name.clone())).collect();
    let tname = |t: Option<i64>| t.and_then(|t| tenant_name.get(&t).cloned()).unwrap_or_else(|| "–".into());
    let tenant_opts = || std::iter::once(opt("", "–")).chain(tenants.iter().map(|t| opt(t.id.to_string(), t.name.clone()))).collect();
    let (columns, rows, form): (Vec<&str>, Vec<Vec<String>>, Vec<Field>) = match tab.as_str() {
        "users" => (
            vec!["id", "username", "name", "role", "tenant", "agent"],
            store
                .list_users(None)
                .await?
                .into_iter()
                .map(|u| {
                    vec![
                        u.id.to_string(),
                        u.username,
                        u.display_name,
                        page.t(&format!("role.{}", u.role)),
                        tname(u.tenant_id),
                        u.agent_id.map(|a| format!("#{a}")).unwrap_or_default(),
                    ]
                })
                .collect(),
            vec![
                field("username", "text", true),
                field("display_name", "text", true),
                field("password", "password", true),
                select("role", Role::ALL.iter().map(|r| opt(r.as_str(), page.t(&format!("role.{}", r.as_str())))).collect()),
                select("tenant", tenant_opts()),
                field("agent_code", "text", false),
            ],
        ),
        "tenants" => (
            vec!["id", "code", "name"],
            tenants.iter().map(|t| vec![t.id.to_string(), t.code.clone(), t.name.clone()]).collect(),
            vec![field("code", "text", true), field("name", "text", true)],
        ),
        "queues" => (
            vec!["id", "code", "name", "channel", "tenant", "sl_target", "sl_seconds"],
            store
                .list_queues(None)
                .await?
                .into_iter()
                .map(|q| {
                    vec![
                        q.id.to_string(),
                        q.code,
                        q.name,
                        page.t(&format!("channel.{}", q.channel)),
                        tname(q.tenant_id),
                        format!("{:.0} %", q.sl_target * 100.0),
                        format!("{:.0}", q.sl_seconds),
                    ]
                })
                .collect(),
            vec![
                field("code", "text", true),
                field("name", "text", true),
                select("channel", ["voice", "chat", "email"].iter().map(|c| opt(*c, page.t(&format!("channel.{c}")))).collect()),
                select("tenant", tenant_opts()),
                Field { value: "80".into(), ..field("sl_target", "number", true) },
                Field { value: "20".into(), ..field("sl_seconds", "number", true) },
            ],
        ),
        "skills" => (
            vec!["id", "code", "name"],
            store.list_skills().await?.into_iter().map(|s| vec![s.id.to_string(), s.code, s.name]).collect(),
            vec![field("code", "text", true), field("name", "text", true)],
        ),
        _ => {
            let rules = crate::api::org::scheduling_settings(&state).await?.rules_toml;
            (Vec::new(), Vec::new(), vec![Field { value: rules, ..field("rules", "textarea", true) }])
        }
    };
    page.render(
        "admin/index.html",
        "admin.title",
        context! {
            tabs => TABS.to_vec(), current => tab, columns, rows, form => super::render::value(&form),
        },
        q.saved.map(|_| Flash { kind: "ok", text: page.t("admin.saved") }).into_iter().collect(),
    )
}

async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: CurrentUser,
    Path(tab): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> UiResult {
    admin_only(&user, &headers, &tab)?;
    let lang = super::lang_of(&headers, Some(&user));
    check_csrf(&user, f.get("csrf").map_or("", String::as_str)).map_err(|e| e.in_lang(lang))?;
    let get = |k: &str| f.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let required = |k: &str| {
        let v = get(k);
        if v.is_empty() { Err(UiError::bad_input(k.to_string()).in_lang(lang)) } else { Ok(v) }
    };
    let tenant = get("tenant").parse::<i64>().ok();
    let store = &state.store;
    let actor = user.actor();
    match tab.as_str() {
        "users" => {
            let role = required("role")?;
            if Role::parse(&role).is_none() {
                return Err(UiError::bad_input("role").in_lang(lang));
            }
            let agent_id = match get("agent_code") {
                c if c.is_empty() => None,
                c => Some(store.agent_by_code(&c).await?.ok_or_else(|| UiError::bad_input(format!("agent {c}")).in_lang(lang))?.id),
            };
            let password = required("password")?;
            if password.chars().count() < 8 {
                return Err(UiError::bad_input("password: at least 8 characters").in_lang(lang));
            }
            let u = store
                .create_user(&NewUser {
                    username: required("username")?,
                    display_name: required("display_name")?,
                    password,
                    role,
                    tenant_id: tenant,
                    agent_id,
                    locale: lang.code().into(),
                })
                .await?;
            store.audit(&actor, "create", "user", &u.id.to_string(), None, Some(serde_json::json!({"username": u.username, "role": u.role}))).await?;
        }
        "tenants" => {
            let t = store.create_tenant(&required("code")?, &required("name")?).await?;
            store.audit(&actor, "create", "tenant", &t.id.to_string(), None, Some(serde_json::json!({"code": t.code}))).await?;
        }
        "queues" => {
            let mut q = NewQueue::new(&required("code")?, &required("name")?, &required("channel")?);
            q.tenant_id = tenant;
            q.sl_target = get("sl_target").parse::<f64>().ok().filter(|v| *v > 0.0 && *v <= 100.0).map_or(0.8, |v| v / 100.0);
            q.sl_seconds = get("sl_seconds").parse::<f64>().ok().filter(|v| *v > 0.0).unwrap_or(20.0);
            let q = store.create_queue(&q).await?;
            store.audit(&actor, "create", "queue", &q.id.to_string(), None, Some(serde_json::json!({"code": q.code}))).await?;
        }
        "skills" => {
            let s = store.create_skill(&required("code")?, &required("name")?).await?;
            store.audit(&actor, "create", "skill", &s.id.to_string(), None, Some(serde_json::json!({"code": s.code}))).await?;
        }
        _ => {
            let text = required("rules")?;
            ccops_schedule::Rules::from_toml(&text).map_err(|e| UiError::bad_input(format!("rules: {e}")).in_lang(lang))?;
            let before = store.get_setting(RULES_SETTING).await?;
            store.set_setting(RULES_SETTING, &text).await?;
            store.audit(&actor, "update", "setting", RULES_SETTING, before.map(serde_json::Value::from), Some(serde_json::Value::from(text))).await?;
        }
    }
    Ok(see_other(&format!("/admin/{tab}?saved=1")))
}
