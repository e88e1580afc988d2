//! Leave and swap requests: agents ask, planners/supervisors decide with the staffing impact in
//! front of them; optional automatic approval while every interval stays at or above requirement.

use super::org::scheduling_settings;
use crate::auth::{CurrentUser, Role, APPROVERS};
use crate::error::{ApiError, ApiResult};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use ccops_store::{Actor, NewRequest, Request, RequestFilter, Segment};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use utoipa::{IntoParams, ToSchema};

/// Activities that take an agent off contacts.
pub fn productive(activity: &str) -> bool {
    !matches!(activity, "break" | "lunch" | "training" | "meeting" | "coaching" | "off" | "leave" | "absence" | "sick")
}

#[derive(Serialize, Deserialize, ToSchema, Clone, Debug, PartialEq)]
pub struct ImpactInterval {
    pub interval_start: DateTime<Utc>,
    /// Agents required (newest staffing plans, summed over the agent's queues).
    pub required: f64,
    /// Agents scheduled now (published roster, productive, serving those queues).
    pub scheduled: f64,
    /// Agents scheduled if the request is approved.
    pub after: f64,
}

#[derive(Serialize, Deserialize, ToSchema, Clone, Debug)]
pub struct Impact {
    pub queues: Vec<String>,
    pub intervals: Vec<ImpactInterval>,
    /// Smallest `after − required` over the window (negative = understaffed after approval).
    pub min_margin_after: Option<f64>,
    /// True when there is a requirement for the window and every interval stays ≥ requirement.
    pub stays_above: bool,
}

/// Pure impact arithmetic: `serves[a]` = does agent `a` serve the queues in question.
pub fn impact_of(req: &Request, required: &BTreeMap<DateTime<Utc>, f64>, minutes: i64, segments: &[Segment],
                 serves: &HashMap<i64, bool>) -> Vec<ImpactInterval> {
    let step = chrono::Duration::minutes(minutes.max(1));
    required
        .iter()
        .filter(|(t, _)| **t < req.end_at && **t + step > req.start_at)
        .map(|(t, need)| {
            let mid = *t + step / 2;
            let working: HashSet<i64> = segments
                .iter()
                .filter(|s| s.start_at <= mid && s.end_at > mid && productive(&s.activity))
                .map(|s| s.agent_id)
                .collect();
            let on = |a: i64| working.contains(&a);
            let sv = |a: i64| *serves.get(&a).unwrap_or(&false);
            let scheduled = working.iter().filter(|a| sv(**a)).count() as f64;
            let a = req.agent_id;
            let in_window = mid >= req.start_at && mid < req.end_at;
            let mut after = scheduled;
            if in_window {
                if req.kind == "leave" {
                    if on(a) && sv(a) {
                        after -= 1.0;
                    }
                } else if let Some(b) = req.counterpart_agent_id {
                    // A's shifts go to B and B's to A.
                    let term = |x: bool| if x { 1.0 } else { 0.0 };
                    after += term(on(a) && sv(b)) - term(on(a) && sv(a)) + term(on(b) && sv(a)) - term(on(b) && sv(b));
                }
            }
            ImpactInterval { interval_start: *t, required: *need, scheduled, after }
        })
        .collect()
}

/// The staffing impact of a request against the published roster and the newest plans.
pub async fn compute_impact(s: &AppState, req: &Request) -> ApiResult<Impact> {
    let agent = s.store.get_agent(req.agent_id).await?;
    let skills = s.store.agent_skills(None).await?;
    let queues = s.store.list_queues(None).await?;
    let skill_of = |aid: i64| -> Vec<i64> { skills.iter().filter(|k| k.agent_id == aid).map(|k| k.skill_id).collect() };
    let mine = skill_of(agent.id);
    let my_queues: Vec<&ccops_store::Queue> = queues.iter().filter(|q| q.skill_id.is_some_and(|k| mine.contains(&k))).collect();
    let my_skill_ids: HashSet<i64> = my_queues.iter().filter_map(|q| q.skill_id).collect();
    let plans = s.store.latest_staffing_plans().await?;
    let mut required: BTreeMap<DateTime<Utc>, f64> = BTreeMap::new();
    let mut minutes = 15;
    for q in &my_queues {
        if let Some(p) = plans.iter().find(|p| p.queue_id == q.id) {
            minutes = q.interval_minutes;
            for i in s.store.staffing_intervals(p.id).await? {
                if i.interval_start < req.end_at && i.interval_start + chrono::Duration::minutes(q.interval_minutes) > req.start_at {
                    *required.entry(i.interval_start).or_default() += i.required;
                }
            }
        }
    }
    let segments = s.store.published_segments(None, req.start_at - chrono::Duration::hours(1), req.end_at).await?;
    let mut serves: HashMap<i64, bool> = HashMap::new();
    for seg in &segments {
        serves.entry(seg.agent_id).or_insert_with(|| skill_of(seg.agent_id).iter().any(|k| my_skill_ids.contains(k)));
    }
    for a in std::iter::once(req.agent_id).chain(req.counterpart_agent_id) {
        serves.entry(a).or_insert_with(|| skill_of(a).iter().any(|k| my_skill_ids.contains(k)));
    }
    let intervals = impact_of(req, &required, minutes, &segments, &serves);
    let min_margin_after = intervals.iter().map(|i| i.after - i.required).reduce(f64::min);
    let stays_above = !intervals.is_empty() && intervals.iter().all(|i| i.after + 1e-9 >= i.required);
    Ok(Impact { queues: my_queues.iter().map(|q| q.code.clone()).collect(), intervals, min_margin_after, stays_above })
}

/// A request the user may see, else 404: agents their own (as requester or counterpart),
/// approvers those of their tenant's agents.
pub async fn request_for(s: &AppState, user: &CurrentUser, id: i64) -> ApiResult<Request> {
    let r = s.store.get_request(id).await?;
    let hidden = || ApiError::not_found(format!("request {id}"));
    if user.role == Role::Agent {
        if user.agent_id != Some(r.agent_id) && user.agent_id != r.counterpart_agent_id {
            return Err(hidden());
        }
    } else {
        user.require(APPROVERS)?;
        let a = s.store.get_agent(r.agent_id).await?;
        if !user.can_see_tenant(a.tenant_id) && user.tenant_id.is_some() {
            return Err(hidden());
        }
    }
    Ok(r)
}

#[derive(Deserialize, IntoParams)]
pub struct ListParams {
    /// pending | approved | rejected | cancelled
    pub status: Option<String>,
}

/// Requests: an agent sees their own; approvers see all (tenant-scoped).
#[utoipa::path(get, path = "/api/v1/requests", tag = "requests", params(ListParams), responses((status = 200, body = Vec<Request>)))]
pub async fn list(State(s): State<AppState>, user: CurrentUser, Query(p): Query<ListParams>) -> ApiResult<Json<Vec<Request>>> {
    let filter = if user.role == Role::Agent {
        RequestFilter { agent_id: Some(user.agent_id.ok_or_else(ApiError::forbidden)?), tenant_id: None, status: p.status }
    } else {
        user.require(APPROVERS)?;
        RequestFilter { agent_id: None, tenant_id: user.tenant_scope(), status: p.status }
    };
    Ok(Json(s.store.list_requests(&filter).await?))
}

/// Ask for leave or a swap. Agents ask for themselves; approvers may file for any agent.
/// With automatic approval on, leave that keeps every interval at or above requirement is
/// approved at once.
#[utoipa::path(post, path = "/api/v1/requests", tag = "requests", request_body = NewRequest, responses((status = 201, body = Request)))]
pub async fn create(State(s): State<AppState>, user: CurrentUser, Json(b): Json<NewRequest>) -> ApiResult<(StatusCode, Json<Request>)> {
    Ok((StatusCode::CREATED, Json(create_request(&s, &user, b).await?)))
}

/// Validates and files a request, auto-approving when configured (shared with the UI).
pub async fn create_request(s: &AppState, user: &CurrentUser, b: NewRequest) -> ApiResult<Request> {
    if user.role == Role::Agent {
        if user.agent_id != Some(b.agent_id) {
            return Err(ApiError::forbidden());
        }
    } else {
        user.require(APPROVERS)?;
    }
    let agent = s.store.get_agent(b.agent_id).await?;
    user.check_tenant(agent.tenant_id)?;
    if let Some(c) = b.counterpart_agent_id {
        s.store.get_agent(c).await?;
    }
    let req = s.store.create_request(&b, &user.actor()).await?;
    if req.kind == "leave" && scheduling_settings(s).await?.auto_approve {
        let impact = compute_impact(s, &req).await?;
        if impact.stays_above {
            let v = serde_json::to_value(&impact).unwrap_or_default();
            let actor = Actor { user_id: None, username: "auto-approval".into() };
            return Ok(s.store.decide_request(req.id, true, Some(&v), Some("approved automatically: staffing stays at or above requirement"), true, &actor).await?);
        }
    }
    Ok(req)
}

/// Staffing impact of approving a request.
#[utoipa::path(get, path = "/api/v1/requests/{id}/impact", tag = "requests", params(("id" = i64, Path)), responses((status = 200, body = Impact)))]
pub async fn impact(State(s): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> ApiResult<Json<Impact>> {
    let r = request_for(&s, &user, id).await?;
    Ok(Json(compute_impact(&s, &r).await?))
}

#[derive(Deserialize, ToSchema, Default)]
pub struct Decision {
    #[serde(default)]
    pub note: Option<String>,
}

/// Approve or reject (shared with the UI). Approval rewrites the published roster; audited.
pub async fn decide(s: &AppState, user: &CurrentUser, id: i64, approve: bool, note: Option<&str>) -> ApiResult<Request> {
    user.require(APPROVERS)?;
    let r = request_for(s, user, id).await?;
    let impact = compute_impact(s, &r).await?;
    let v = serde_json::to_value(&impact).unwrap_or_default();
    Ok(s.store.decide_request(id, approve, Some(&v), note, false, &user.actor()).await?)
}

/// Approve a pending request (planner, supervisor).
#[utoipa::path(post, path = "/api/v1/requests/{id}/approve", tag = "requests", params(("id" = i64, Path)), request_body = Decision,
    responses((status = 200, body = Request)))]
pub async fn approve(State(s): State<AppState>, user: CurrentUser, Path(id): Path<i64>, b: Option<Json<Decision>>) -> ApiResult<Json<Request>> {
    let note = b.and_then(|Json(d)| d.note);
    Ok(Json(decide(&s, &user, id, true, note.as_deref()).await?))
}

/// Reject a pending request (planner, supervisor).
#[utoipa::path(post, path = "/api/v1/requests/{id}/reject", tag = "requests", params(("id" = i64, Path)), request_body = Decision,
    responses((status = 200, body = Request)))]
pub async fn reject(State(s): State<AppState>, user: CurrentUser, Path(id): Path<i64>, b: Option<Json<Decision>>) -> ApiResult<Json<Request>> {
    let note = b.and_then(|Json(d)| d.note);
    Ok(Json(decide(&s, &user, id, false, note.as_deref()).await?))
}

/// Withdraw one's own pending request (the requesting agent; approvers too).
#[utoipa::path(post, path = "/api/v1/requests/{id}/cancel", tag = "requests", params(("id" = i64, Path)), responses((status = 200, body = Request)))]
pub async fn cancel(State(s): State<AppState>, user: CurrentUser, Path(id): Path<i64>) -> ApiResult<Json<Request>> {
    let r = request_for(&s, &user, id).await?;
    if user.role == Role::Agent && user.agent_id != Some(r.agent_id) {
        return Err(ApiError::forbidden());
    }
    Ok(Json(s.store.cancel_request(id, &user.actor()).await?))
}
