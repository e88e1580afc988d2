//! Accounts: users (argon2), sessions in the database, login rate limiting, API tokens.

use crate::{on_pool, random_token, token_hash, ApiToken, NewUser, Result, Session, Store, StoreError, User};
use argon2::password_hash::phc::PasswordHash;
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use chrono::Utc;

/// The roles a user may have (the server maps them to its `Role` enum).
pub const ROLES: [&str; 6] = ["admin", "planner", "supervisor", "agent", "qa", "client_viewer"];

/// Argon2id hash in PHC string form (salt generated from the OS).
pub fn hash_password(password: &str) -> Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Invalid(format!("cannot hash password: {e}")))
}

/// True when `password` matches the PHC `hash`. A malformed hash never matches.
pub fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(h) => Argon2::default().verify_password(password.as_bytes(), &h).is_ok(),
        Err(_) => false,
    }
}

/// Login rate limit: at most `max_failures` failed logins per key within `window_secs`.
#[derive(Clone, Copy, Debug)]
pub struct RateLimit {
    pub max_failures: i64,
    pub window_secs: i64,
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit { max_failures: 5, window_secs: 15 * 60 }
    }
}

impl Store {
    pub async fn create_user(&self, u: &NewUser) -> Result<User> {
        if !ROLES.contains(&u.role.as_str()) {
            return Err(StoreError::Invalid(format!("unknown role `{}` (one of {})", u.role, ROLES.join(", "))));
        }
        if u.username.trim().is_empty() || u.password.len() < 8 {
            return Err(StoreError::Invalid("username must be non-empty and the password at least 8 characters".into()));
        }
        if u.role == "agent" && u.agent_id.is_none() {
            return Err(StoreError::Invalid("an agent user needs agent_id".into()));
        }
        if u.role == "client_viewer" && u.tenant_id.is_none() {
            return Err(StoreError::Invalid("a client viewer needs tenant_id".into()));
        }
        let hash = hash_password(&u.password)?;
        let display = if u.display_name.is_empty() { u.username.clone() } else { u.display_name.clone() };
        Ok(on_pool!(self, p => sqlx::query_as::<_, User>(
            "INSERT INTO users (username, display_name, password_hash, role, tenant_id, agent_id, locale, disabled, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *")
            .bind(u.username.trim()).bind(display).bind(hash).bind(&u.role).bind(u.tenant_id).bind(u.agent_id)
            .bind(&u.locale).bind(false).bind(Utc::now()).fetch_one(p).await?))
    }

    pub async fn list_users(&self, tenant: Option<i64>) -> Result<Vec<User>> {
        Ok(on_pool!(self, p => sqlx::query_as::<_, User>(
            "SELECT * FROM users WHERE ($1 IS NULL OR tenant_id = $1) ORDER BY id").bind(tenant).fetch_all(p).await?))
    }

    pub async fn get_user(&self, id: i64) -> Result<User> {
        on_pool!(self, p => sqlx::query_as::<_, User>("SELECT * FROM users WHERE id = $1").bind(id).fetch_optional(p).await?)
            .ok_or_else(|| StoreError::NotFound(format!("user {id}")))
    }

    pub async fn user_by_name(&self, username: &str) -> Result<Option<User>> {
        Ok(on_pool!(self, p => sqlx::query_as::<_, User>("SELECT * FROM users WHERE username = $1")
            .bind(username).fetch_optional(p).await?))
    }

    /// Changes role/tenant/agent/locale/disabled; `password` when given is re-hashed.
    pub async fn update_user(&self, id: i64, role: &str, tenant_id: Option<i64>, agent_id: Option<i64>, locale: &str,
                             disabled: bool, password: Option<&str>) -> Result<User> {
        if !ROLES.contains(&role) {
            return Err(StoreError::Invalid(format!("unknown role `{role}`")));
        }
        let hash = match password {
            Some(pw) if pw.len() < 8 => return Err(StoreError::Invalid("password must be at least 8 characters".into())),
            Some(pw) => Some(hash_password(pw)?),
            None => None,
        };
        on_pool!(self, p => {
            let mut tx = p.begin().await?;
            let u = sqlx::query_as::<_, User>(
                "UPDATE users SET role = $1, tenant_id = $2, agent_id = $3, locale = $4, disabled = $5, \
                 password_hash = COALESCE($6, password_hash) WHERE id = $7 RETURNING *")
                .bind(role).bind(tenant_id).bind(agent_id).bind(locale).bind(disabled).bind(hash).bind(id)
                .fetch_optional(&mut *tx).await?.ok_or_else(|| StoreError::NotFound(format!("user {id}")))?;
            // A changed account must log in again.
            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(u)
        })
    }

    pub async fn set_user_locale(&self, id: i64, locale: &str) -> Result<()> {
        on_pool!(self, p => { sqlx::query("UPDATE users SET locale = $1 WHERE id = $2").bind(locale).bind(id).execute(p).await?; });
        Ok(())
    }

    /// Checks a password; `None` for unknown user, disabled user or wrong password (indistinguishable).
    pub async fn authenticate(&self, username: &str, password: &str) -> Result<Option<User>> {
        let user = self.user_by_name(username).await?;
        match user {
            Some(u) if !u.disabled && verify_password(password, &u.password_hash) => Ok(Some(u)),
            Some(_) => Ok(None),
            None => {
                // Same work as a real check, so timing does not reveal which usernames exist.
                let _ = verify_password(password, DUMMY_HASH);
                Ok(None)
            }
        }
    }

    /// Starts a session; returns (cookie secret, row). Only the secret's hash is stored.
    pub async fn create_session(&self, user_id: i64, ttl_secs: i64) -> Result<(String, Session)> {
        let secret = random_token();
        let now = Utc::now().timestamp();
        let s = Session { id: token_hash(&secret), user_id, csrf_token: random_token(), created_at: now, expires_at: now + ttl_secs };
        on_pool!(self, p => {
            sqlx::query("INSERT INTO sessions (id, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(&s.id).bind(s.user_id).bind(&s.csrf_token).bind(s.created_at).bind(s.expires_at).execute(p).await?;
            // Housekeeping: drop expired sessions now and then.
            sqlx::query("DELETE FROM sessions WHERE expires_at < $1").bind(now).execute(p).await?;
        });
        Ok((secret, s))
    }

    /// The live session and its (enabled) user for a cookie secret.
    pub async fn session_user(&self, secret: &str) -> Result<Option<(Session, User)>> {
        let id = token_hash(secret);
        let now = Utc::now().timestamp();
        let s = on_pool!(self, p => sqlx::query_as::<_, Session>("SELECT * FROM sessions WHERE id = $1 AND expires_at > $2")
            .bind(&id).bind(now).fetch_optional(p).await?);
        let Some(s) = s else { return Ok(None) };
        let u = self.get_user(s.user_id).await?;
        if u.disabled {
            return Ok(None);
        }
        Ok(Some((s, u)))
    }

    pub async fn delete_session(&self, secret: &str) -> Result<()> {
        on_pool!(self, p => { sqlx::query("DELETE FROM sessions WHERE id = $1").bind(token_hash(secret)).execute(p).await?; });
        Ok(())
    }

    /// True when `key` has reached the failure limit in the current window.
    pub async fn login_blocked(&self, key: &str, limit: RateLimit) -> Result<bool> {
        let now = Utc::now().timestamp();
        let row = on_pool!(self, p => sqlx::query_as::<_, (i64, i64)>("SELECT window_start, failures FROM login_attempts WHERE key = $1")
            .bind(key).fetch_optional(p).await?);
        Ok(matches!(row, Some((start, n)) if now - start < limit.window_secs && n >= limit.max_failures))
    }

    /// Counts one failed login for `key` (a new window starts when the old one has passed).
    pub async fn record_login_failure(&self, key: &str, limit: RateLimit) -> Result<()> {
        let now = Utc::now().timestamp();
        on_pool!(self, p => {
            sqlx::query(
                "INSERT INTO login_attempts (key, window_start, failures) VALUES ($1, $2, 1) \
                 ON CONFLICT (key) DO UPDATE SET \
                 failures = CASE WHEN login_attempts.window_start + $3 <= $2 THEN 1 ELSE login_attempts.failures + 1 END, \
                 window_start = CASE WHEN login_attempts.window_start + $3 <= $2 THEN $2 ELSE login_attempts.window_start END")
                .bind(key).bind(now).bind(limit.window_secs).execute(p).await?;
        });
        Ok(())
    }

    pub async fn clear_login_failures(&self, key: &str) -> Result<()> {
        on_pool!(self, p => { sqlx::query("DELETE FROM login_attempts WHERE key = $1").bind(key).execute(p).await?; });
        Ok(())
    }

    /// Creates an API token for an event source; returns (row, secret). The secret is shown once.
    pub async fn create_api_token(&self, name: &str, scope: &str, tenant_id: Option<i64>) -> Result<(ApiToken, String)> {
        let secret = format!("ccops_{}", random_token());
        let row = on_pool!(self, p => sqlx::query_as::<_, ApiToken>(
            "INSERT INTO api_tokens (name, token_hash, scope, tenant_id, created_at, revoked) VALUES ($1, $2, $3, $4, $5, $6) \
             RETURNING id, name, scope, tenant_id, created_at, last_used_at, revoked")
            .bind(name).bind(token_hash(&secret)).bind(scope).bind(tenant_id).bind(Utc::now()).bind(false).fetch_one(p).await?);
        Ok((row, secret))
    }

    /// The live (not revoked) token for a presented secret; marks it used.
    pub async fn lookup_api_token(&self, secret: &str) -> Result<Option<ApiToken>> {
        Ok(on_pool!(self, p => sqlx::query_as::<_, ApiToken>(
            "UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2 AND revoked = $3 \
             RETURNING id, name, scope, tenant_id, created_at, last_used_at, revoked")
            .bind(Utc::now()).bind(token_hash(secret)).bind(false).fetch_optional(p).await?))
    }

    pub async fn list_api_tokens(&self) -> Result<Vec<ApiToken>> {
        Ok(on_pool!(self, p => sqlx::query_as::<_, ApiToken>(
            "SELECT id, name, scope, tenant_id, created_at, last_used_at, revoked FROM api_tokens ORDER BY id").fetch_all(p).await?))
    }

    pub async fn revoke_api_token(&self, id: i64) -> Result<()> {
        on_pool!(self, p => { sqlx::query("UPDATE api_tokens SET revoked = $1 WHERE id = $2").bind(true).bind(id).execute(p).await?; });
        Ok(())
    }
}

/// A valid argon2 hash of a random string, used to equalise timing for unknown users.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Qm9n1N4YQF7hL1s5mJZcE2uO2b4tH4yY3cR0Xb0Qb8Q";
