//! Supervisor workflows: adherence exception requests and playbooks.
//!
//! Both are small state machines; the server stores them and writes the audit log, the rules of
//! who may do what and in which order live here.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Where an exception request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExceptionStatus {
    Pending,
    Approved,
    Rejected,
}

impl ExceptionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ExceptionStatus::Pending => "pending",
            ExceptionStatus::Approved => "approved",
            ExceptionStatus::Rejected => "rejected",
        }
    }
}

/// An agent's request that a stretch of time not count against their adherence
/// ("the team meeting ran late").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExceptionRequest {
    pub agent_id: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub reason: String,
    pub status: ExceptionStatus,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
}

/// Workflow errors (all caused by user input).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkflowError {
    #[error("the exception must end after it starts")]
    EmptyWindow,
    #[error("the exception needs a reason")]
    NoReason,
    #[error("the request was already {0}")]
    AlreadyDecided(&'static str),
    #[error("an agent cannot decide their own exception")]
    SelfDecision,
    #[error("a playbook needs a name and at least one step, and every step a title")]
    EmptyPlaybook,
    #[error("step {0} does not exist")]
    NoSuchStep(usize),
    #[error("step {0} is already ticked")]
    AlreadyTicked(usize),
}

impl ExceptionRequest {
    pub fn new(agent_id: &str, start: DateTime<Utc>, end: DateTime<Utc>, reason: &str) -> Result<Self, WorkflowError> {
        if end <= start {
            return Err(WorkflowError::EmptyWindow);
        }
        if reason.trim().is_empty() {
            return Err(WorkflowError::NoReason);
        }
        Ok(ExceptionRequest {
            agent_id: agent_id.to_string(),
            start,
            end,
            reason: reason.trim().to_string(),
            status: ExceptionStatus::Pending,
            decided_by: None,
            decided_at: None,
        })
    }

    /// Approve or reject. Only a pending request can be decided, and not by the agent.
    pub fn decide(&mut self, approve: bool, by: &str, at: DateTime<Utc>) -> Result<(), WorkflowError> {
        if self.status != ExceptionStatus::Pending {
            return Err(WorkflowError::AlreadyDecided(self.status.as_str()));
        }
        if by == self.agent_id {
            return Err(WorkflowError::SelfDecision);
        }
        self.status = if approve { ExceptionStatus::Approved } else { ExceptionStatus::Rejected };
        self.decided_by = Some(by.to_string());
        self.decided_at = Some(at);
        Ok(())
    }
}

/// A supervisor-defined list of steps (e.g. the surge playbook).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Playbook {
    pub name: String,
    pub steps: Vec<PlaybookStep>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlaybookStep {
    pub title: String,
    /// Default assignee (user name or role); may be changed when launched.
    pub assignee: Option<String>,
}

impl Playbook {
    pub fn validate(&self) -> Result<(), WorkflowError> {
        if self.name.trim().is_empty() || self.steps.is_empty() || self.steps.iter().any(|s| s.title.trim().is_empty()) {
            return Err(WorkflowError::EmptyPlaybook);
        }
        Ok(())
    }

    /// The playbooks a new center starts with.
    pub fn defaults() -> Vec<Playbook> {
        let pb = |name: &str, steps: &[(&str, &str)]| Playbook {
            name: name.to_string(),
            steps: steps.iter().map(|(t, a)| PlaybookStep { title: t.to_string(), assignee: Some(a.to_string()) }).collect(),
        };
        vec![
            pb(
                "Volume surge",
                &[
                    ("Cancel or postpone training and meetings", "supervisor"),
                    ("Move chat agents to voice", "supervisor"),
                    ("Offer overtime to agents finishing soon", "planner"),
                    ("Switch the IVR to the high-volume message", "admin"),
                ],
            ),
            pb(
                "System outage",
                &[
                    ("Confirm the outage with IT", "supervisor"),
                    ("Switch the IVR to the outage message", "admin"),
                    ("Record an adherence exception for affected agents", "supervisor"),
                ],
            ),
        ]
    }
}

/// A launched playbook: steps with assignee and who ticked them when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlaybookRun {
    pub playbook: String,
    /// The alert it was launched from.
    pub alert_key: Option<String>,
    pub launched_by: String,
    pub launched_at: DateTime<Utc>,
    pub steps: Vec<RunStep>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunStep {
    pub title: String,
    pub assignee: Option<String>,
    pub done_by: Option<String>,
    pub done_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
}

impl PlaybookRun {
    pub fn launch(pb: &Playbook, alert_key: Option<&str>, by: &str, at: DateTime<Utc>) -> Result<Self, WorkflowError> {
        pb.validate()?;
        Ok(PlaybookRun {
            playbook: pb.name.clone(),
            alert_key: alert_key.map(str::to_string),
            launched_by: by.to_string(),
            launched_at: at,
            steps: pb
                .steps
                .iter()
                .map(|s| RunStep { title: s.title.clone(), assignee: s.assignee.clone(), done_by: None, done_at: None, note: None })
                .collect(),
        })
    }

    pub fn assign(&mut self, step: usize, who: &str) -> Result<(), WorkflowError> {
        let s = self.steps.get_mut(step).ok_or(WorkflowError::NoSuchStep(step))?;
        s.assignee = Some(who.to_string());
        Ok(())
    }

    /// Tick a step off (once).
    pub fn tick(&mut self, step: usize, by: &str, at: DateTime<Utc>, note: Option<&str>) -> Result<(), WorkflowError> {
        let s = self.steps.get_mut(step).ok_or(WorkflowError::NoSuchStep(step))?;
        if s.done_at.is_some() {
            return Err(WorkflowError::AlreadyTicked(step));
        }
        s.done_by = Some(by.to_string());
        s.done_at = Some(at);
        s.note = note.map(str::to_string);
        Ok(())
    }

    pub fn is_complete(&self) -> bool {
        self.steps.iter().all(|s| s.done_at.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::t;

    #[test]
    fn exception_workflow() {
        assert_eq!(ExceptionRequest::new("a", t("10:00"), t("10:00"), "x"), Err(WorkflowError::EmptyWindow));
        assert_eq!(ExceptionRequest::new("a", t("10:00"), t("10:10"), " "), Err(WorkflowError::NoReason));
        let mut r = ExceptionRequest::new("a", t("10:00"), t("10:10"), "meeting ran late").unwrap();
        assert_eq!(r.decide(true, "a", t("11:00")), Err(WorkflowError::SelfDecision));
        r.decide(true, "sup", t("11:00")).unwrap();
        assert_eq!(r.status, ExceptionStatus::Approved);
        assert_eq!(r.decide(false, "sup", t("11:01")), Err(WorkflowError::AlreadyDecided("approved")));
    }

    #[test]
    fn playbook_run() {
        let pb = &Playbook::defaults()[0];
        let mut run = PlaybookRun::launch(pb, Some("k"), "sup", t("10:00")).unwrap();
        assert_eq!(run.steps.len(), 4);
        run.assign(1, "lee").unwrap();
        assert_eq!(run.assign(9, "lee"), Err(WorkflowError::NoSuchStep(9)));
        for i in 0..4 {
            assert!(!run.is_complete());
            run.tick(i, "lee", t("10:05"), None).unwrap();
        }
        assert!(run.is_complete());
        assert_eq!(run.tick(0, "lee", t("10:06"), None), Err(WorkflowError::AlreadyTicked(0)));
        let empty = Playbook { name: "x".into(), steps: vec![] };
        assert_eq!(PlaybookRun::launch(&empty, None, "s", t("10:00")), Err(WorkflowError::EmptyPlaybook));
    }
}
