//! Organisation: tenants, sites, skills, queues, teams, agents.

use crate::{on_pool, random_token, Agent, AgentSkill, NewAgent, NewQueue, Queue, Result, Site, Skill, Store, StoreError, Team, Tenant};
use chrono::Utc;

impl Store {
    pub async fn create_tenant(&self, code: &str, name: &str) -> Result<Tenant> {
        Ok(on_pool!(self, p => sqlx::query_as::<_, Tenant>(
            "INSERT INTO tenants (code, name, created_at) VALUES ($1, $2, $3) RETURNING *")
            .bind(code).bind(name).bind(Utc::now()).fetch_one(p).await?))
    }

    pub async fn list_tenants(&self) -> Result<Vec<Tenant>> {
        Ok(on_pool!(self, p => sqlx::query_as::<_, Tenant>("SELECT * FROM tenants ORDER BY id").fetch_all(p).await?))
    }

    pub async fn get_tenant(&self, id: i64) -> Result<Tenant> {
        on_pool!(self, p => sqlx::query_as::<_, Tenant>("SELECT * FROM tenants WHERE id = $1").bind(id).fetch_optional(p).await?)
            .ok_or_else(|| StoreError::NotFound(format!("tenant {id}")))
    }

    pub async fn create_site(&self, code: &str, name: &str, timezone: &str, seats: Option<i64>) -> Result<Site> {
        Ok(on_pool!(self, p => sqlx::query_as::<_, Site>(
            "INSERT INTO sites (code, name, timezone, seats) VALUES ($1, $2, $3, $4) RETURNING *")
            .bind(code).bind(name).bind(timezone).bind(seats).fetch_one(p).await?))
    }

    pub async fn list_sites(&self) -> Result<Vec<Site>> {
        Ok(on_pool!(self, p => sqlx::query_as::<_, Site>("SELECT * FROM sites ORDER BY id").fetch_all(p).await?))
    }

    pub async fn create_skill(&self, code: &str, name: &str) -> Result<Skill> {
        Ok(on_pool!(self, p => sqlx::query_as::<_, Skill>(
            "INSERT INTO skills (code, name) VALUES ($1, $2) RETURNING *")
            .bind(code).bind(name).fetch_one(p).await?))
    }

    pub async fn list_skills(&self) -> Result<Vec<Skill>> {
        Ok(on_pool!(self, p => sqlx::query_as::<_, Skill>("SELECT * FROM skills ORDER BY id").fetch_all(p).await?))
    }

    pub async fn create_queue(&self, q: &NewQueue) -> Result<Queue> {
        validate_queue(q)?;
        Ok(on_pool!(self, p => sqlx::query_as::<_, Queue>(
            "INSERT INTO queues (code, name, channel, tenant_id, skill_id, timezone, interval_minutes, sl_target, \
             sl_seconds, shrinkage, concurrency, patience_seconds, max_occupancy) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING *")
            .bind(&q.code).bind(&q.name).bind(&q.channel).bind(q.tenant_id).bind(q.skill_id).bind(&q.timezone)
            .bind(q.interval_minutes).bind(q.sl_target).bind(q.sl_seconds).bind(q.shrinkage).bind(q.concurrency)
            .bind(q.patience_seconds).bind(q.max_occupancy).fetch_one(p).await?))
    }

    pub async fn update_queue(&self, id: i64, q: &NewQueue) -> Result<Queue> {
        validate_queue(q)?;
        on_pool!(self, p => sqlx::query_as::<_, Queue>(
            "UPDATE queues SET code = $1, name = $2, channel = $3, tenant_id = $4, skill_id = $5, timezone = $6, \
             interval_minutes = $7, sl_target = $8, sl_seconds = $9, shrinkage = $10, concurrency = $11, \
             patience_seconds = $12, max_occupancy = $13 WHERE id = $14 RETURNING *")
            .bind(&q.code).bind(&q.name).bind(&q.channel).bind(q.tenant_id).bind(q.skill_id).bind(&q.timezone)
            .bind(q.interval_minutes).bind(q.sl_target).bind(q.sl_seconds).bind(q.shrinkage).bind(q.concurrency)
            .bind(q.patience_seconds).bind(q.max_occupancy).bind(id).fetch_optional(p).await?)
            .ok_or_else(|| StoreError::NotFound(format!("queue {id}")))
    }

    /// Queues, all of them or one tenant's.
    pub async fn list_queues(&self, tenant: Option<i64>) -> Result<Vec<Queue>> {
        Ok(on_pool!(self, p => sqlx::query_as::<_, Queue>(
            "SELECT * FROM queues WHERE ($1 IS NULL OR tenant_id = $1) ORDER BY id")
            .bind(tenant).fetch_all(p).await?))
    }

    pub async fn get_queue(&self, id: i64) -> Result<Queue> {
        on_pool!(self, p => sqlx::query_as::<_, Queue>("SELECT * FROM queues WHERE id = $1").bind(id).fetch_optional(p).await?)
            .ok_or_else(|| StoreError::NotFound(format!("queue {id}")))
    }

    pub async fn queue_by_code(&self, code: &str) -> Result<Option<Queue>> {
        Ok(on_pool!(self, p => sqlx::query_as::<_, Queue>("SELECT * FROM queues WHERE code = $1").bind(code).fetch_optional(p).await?))
    }

    pub async fn create_team(&self, code: &str, name: &str, site_id: Option<i64>) -> Result<Team> {
        Ok(on_pool!(self, p => sqlx::query_as::<_, Team>(
            "INSERT INTO teams (code, name, site_id) VALUES ($1, $2, $3) RETURNING *")
            .bind(code).bind(name).bind(site_id).fetch_one(p).await?))
    }

    pub async fn list_teams(&self) -> Result<Vec<Team>> {
        Ok(on_pool!(self, p => sqlx::query_as::<_, Team>("SELECT * FROM teams ORDER BY id").fetch_all(p).await?))
    }

    /// Creates an agent with skills (by skill code; unknown codes are an error), in one transaction.
    pub async fn create_agent(&self, a: &NewAgent) -> Result<Agent> {
        if a.contract_minutes_per_week < 0 || a.contract_minutes_per_week > 7 * 24 * 60 {
            return Err(StoreError::Invalid(format!("contract_minutes_per_week {} out of range", a.contract_minutes_per_week)));
        }
        on_pool!(self, p => {
            let mut tx = p.begin().await?;
            let agent = sqlx::query_as::<_, Agent>(
                "INSERT INTO agents (code, name, tenant_id, site_id, team_id, contract_minutes_per_week, active, ical_token) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *")
                .bind(&a.code).bind(&a.name).bind(a.tenant_id).bind(a.site_id).bind(a.team_id)
                .bind(a.contract_minutes_per_week).bind(true).bind(random_token()).fetch_one(&mut *tx).await?;
            for (code, level) in &a.skills {
                let sid = sqlx::query_scalar::<_, i64>("SELECT id FROM skills WHERE code = $1").bind(code)
                    .fetch_optional(&mut *tx).await?
                    .ok_or_else(|| StoreError::Invalid(format!("unknown skill `{code}` for agent {}", a.code)))?;
                sqlx::query("INSERT INTO agent_skills (agent_id, skill_id, level) VALUES ($1, $2, $3)")
                    .bind(agent.id).bind(sid).bind(*level).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(agent)
        })
    }

    /// Agents, all or one tenant's (agents without a tenant are center-wide and listed only for `None`).
    pub async fn list_agents(&self, tenant: Option<i64>) -> Result<Vec<Agent>> {
        Ok(on_pool!(self, p => sqlx::query_as::<_, Agent>(
            "SELECT * FROM agents WHERE ($1 IS NULL OR tenant_id = $1) ORDER BY id")
            .bind(tenant).fetch_all(p).await?))
    }

    pub async fn get_agent(&self, id: i64) -> Result<Agent> {
        on_pool!(self, p => sqlx::query_as::<_, Agent>("SELECT * FROM agents WHERE id = $1").bind(id).fetch_optional(p).await?)
            .ok_or_else(|| StoreError::NotFound(format!("agent {id}")))
    }

    pub async fn agent_by_code(&self, code: &str) -> Result<Option<Agent>> {
        Ok(on_pool!(self, p => sqlx::query_as::<_, Agent>("SELECT * FROM agents WHERE code = $1").bind(code).fetch_optional(p).await?))
    }

    /// The agent whose iCalendar feed token this is.
    pub async fn agent_by_ical_token(&self, token: &str) -> Result<Option<Agent>> {
        Ok(on_pool!(self, p => sqlx::query_as::<_, Agent>("SELECT * FROM agents WHERE ical_token = $1").bind(token).fetch_optional(p).await?))
    }

    /// Issues a new iCalendar token (the old feed URL stops working).
    pub async fn rotate_ical_token(&self, agent_id: i64) -> Result<String> {
        let t = random_token();
        on_pool!(self, p => { sqlx::query("UPDATE agents SET ical_token = $1 WHERE id = $2").bind(&t).bind(agent_id).execute(p).await?; });
        Ok(t)
    }

    pub async fn agent_skills(&self, agent_id: Option<i64>) -> Result<Vec<AgentSkill>> {
        Ok(on_pool!(self, p => sqlx::query_as::<_, AgentSkill>(
            "SELECT s.agent_id, s.skill_id, k.code AS skill_code, s.level FROM agent_skills s JOIN skills k ON k.id = s.skill_id \
             WHERE ($1 IS NULL OR s.agent_id = $1) ORDER BY s.agent_id, k.code")
            .bind(agent_id).fetch_all(p).await?))
    }
}

fn validate_queue(q: &NewQueue) -> Result<()> {
    let bad = |m: String| Err(StoreError::Invalid(m));
    if q.code.trim().is_empty() {
        return bad("queue code is empty".into());
    }
    if ![5, 10, 15, 30, 60].contains(&q.interval_minutes) {
        return bad(format!("interval_minutes {} must be 5, 10, 15, 30 or 60", q.interval_minutes));
    }
    if !(0.0..=1.0).contains(&q.sl_target) || !(0.0..1.0).contains(&q.shrinkage) {
        return bad("sl_target must be in [0,1] and shrinkage in [0,1)".into());
    }
    if !(q.sl_seconds >= 0.0) || !(q.concurrency >= 1.0) {
        return bad("sl_seconds must be ≥ 0 and concurrency ≥ 1".into());
    }
    Ok(())
}
