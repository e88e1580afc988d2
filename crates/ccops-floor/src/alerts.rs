//! Alert rules evaluated against the intraday facts and the live floor. Each alert carries a
//! stable `key`, so a persistent condition raises one alert (the store inserts by key and
//! ignores repeats) — several servers evaluating the same rules do not double-notify.

use crate::intraday::IntervalFacts;
use crate::live::AgentNow;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a rule watches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AlertCondition {
    /// Service level below `target` (0..1) for `intervals` consecutive reported intervals.
    ServiceLevelBelow { queue: Option<String>, target: f64, intervals: u32 },
    /// An agent out of adherence for more than `minutes` (approved exceptions excluded).
    AgentOutOfAdherence { minutes: u32 },
    /// Offered volume more than `percent` % over forecast in an interval.
    VolumeOverForecast { queue: Option<String>, percent: f64 },
}

/// A named rule. `id` is stable (it is part of alert keys).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertRule {
    pub id: String,
    pub name: String,
    pub condition: AlertCondition,
}

/// Problems with a rule definition.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RuleError {
    #[error("rule id must not be empty")]
    EmptyId,
    #[error("service-level target {0} must be between 0 and 1")]
    Target(f64),
    #[error("the number of intervals must be at least 1")]
    Intervals,
    #[error("percent over forecast {0} must be a finite number ≥ 0")]
    Percent(f64),
}

impl AlertRule {
    pub fn validate(&self) -> Result<(), RuleError> {
        if self.id.trim().is_empty() {
            return Err(RuleError::EmptyId);
        }
        match &self.condition {
            AlertCondition::ServiceLevelBelow { target, intervals, .. } => {
                if !(0.0..=1.0).contains(target) {
                    return Err(RuleError::Target(*target));
                }
                if *intervals == 0 {
                    return Err(RuleError::Intervals);
                }
            }
            AlertCondition::VolumeOverForecast { percent, .. } => {
                if !percent.is_finite() || *percent < 0.0 {
                    return Err(RuleError::Percent(*percent));
                }
            }
            AlertCondition::AgentOutOfAdherence { .. } => {}
        }
        Ok(())
    }

    /// The rules a new center starts with.
    pub fn defaults() -> Vec<AlertRule> {
        vec![
            AlertRule {
                id: "sl-below-target".into(),
                name: "Service level below 80% for 2 intervals".into(),
                condition: AlertCondition::ServiceLevelBelow { queue: None, target: 0.8, intervals: 2 },
            },
            AlertRule {
                id: "agent-out-of-adherence".into(),
                name: "Agent out of adherence more than 10 minutes".into(),
                condition: AlertCondition::AgentOutOfAdherence { minutes: 10 },
            },
            AlertRule {
                id: "volume-over-forecast".into(),
                name: "Volume more than 20% over forecast".into(),
                condition: AlertCondition::VolumeOverForecast { queue: None, percent: 20.0 },
            },
        ]
    }
}

/// A raised alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// Dedup key: `rule/subject/start`.
    pub key: String,
    pub rule_id: String,
    /// Queue or agent id.
    pub subject: String,
    /// When the condition started.
    pub since: DateTime<Utc>,
    /// The measured value (SL, minutes out, or % over).
    pub value: f64,
    pub message: String,
}

/// Evaluate all rules. `intervals` are the reported intervals (any order, any queues); `agents`
/// the live tiles at `now`.
pub fn evaluate(rules: &[AlertRule], intervals: &[IntervalFacts], agents: &[AgentNow], now: DateTime<Utc>) -> Vec<Alert> {
    let mut by_queue: BTreeMap<&str, Vec<&IntervalFacts>> = BTreeMap::new();
    for f in intervals {
        by_queue.entry(f.queue.as_str()).or_default().push(f);
    }
    for v in by_queue.values_mut() {
        v.sort_by_key(|f| f.start);
    }
    let wants = |q: &Option<String>, queue: &str| q.as_deref().is_none_or(|q| q == queue);
    let mut out = Vec::new();
    for rule in rules {
        match &rule.condition {
            AlertCondition::ServiceLevelBelow { queue, target, intervals: n } => {
                for (&q, facts) in by_queue.iter().filter(|(q, _)| wants(queue, q)) {
                    // Runs of consecutive reported intervals below target; alert once per run.
                    let mut run: Vec<&IntervalFacts> = Vec::new();
                    let flush = |run: &mut Vec<&IntervalFacts>, out: &mut Vec<Alert>| {
                        if run.len() >= *n as usize && *n > 0 {
                            let first = run[0];
                            let sl = run.last().and_then(|f| f.service_level()).unwrap_or(0.0);
                            out.push(Alert {
                                key: format!("{}/{}/{}", rule.id, q, first.start.to_rfc3339()),
                                rule_id: rule.id.clone(),
                                subject: q.to_string(),
                                since: first.start,
                                value: sl,
                                message: format!(
                                    "{q}: service level {:.0}% below target {:.0}% for {} intervals",
                                    sl * 100.0,
                                    target * 100.0,
                                    run.len()
                                ),
                            });
                        }
                        run.clear();
                    };
                    for f in facts {
                        match f.service_level() {
                            Some(sl) if sl < *target => run.push(f),
                            Some(_) => flush(&mut run, &mut out),
                            None => {}
                        }
                    }
                    flush(&mut run, &mut out);
                }
            }
            AlertCondition::VolumeOverForecast { queue, percent } => {
                for (&q, facts) in by_queue.iter().filter(|(q, _)| wants(queue, q)) {
                    for f in facts {
                        if let Some(over) = f.volume_over_forecast()
                            && over * 100.0 > *percent
                        {
                            out.push(Alert {
                                key: format!("{}/{}/{}", rule.id, q, f.start.to_rfc3339()),
                                rule_id: rule.id.clone(),
                                subject: q.to_string(),
                                since: f.start,
                                value: over * 100.0,
                                message: format!(
                                    "{q}: volume {:.0} is {:.0}% over forecast {:.0}",
                                    f.offered.unwrap_or(0.0),
                                    over * 100.0,
                                    f.forecast.unwrap_or(0.0)
                                ),
                            });
                        }
                    }
                }
            }
            AlertCondition::AgentOutOfAdherence { minutes } => {
                let limit_ms = i64::from(*minutes) * 60_000;
                for a in agents {
                    if let Some(since) = a.mismatch_since
                        && a.mismatch_ms(now) > limit_ms
                    {
                        let mins = a.mismatch_ms(now) as f64 / 60_000.0;
                        out.push(Alert {
                            key: format!("{}/{}/{}", rule.id, a.agent_id, since.to_rfc3339()),
                            rule_id: rule.id.clone(),
                            subject: a.agent_id.clone(),
                            since,
                            value: mins,
                            message: format!(
                                "{}: {} while scheduled {} for {:.0} min",
                                a.agent_id,
                                a.state,
                                a.scheduled.map_or("off", |s| s.as_str()),
                                mins
                            ),
                        });
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adherence::AdherenceRules;
    use crate::live::agent_now;
    use crate::state::{Activity, AgentState};
    use crate::test_util::{ev, seg, t};

    fn iv(start: &str, offered: f64, within: f64, forecast: f64) -> IntervalFacts {
        IntervalFacts {
            queue: "voice".into(),
            start: t(start),
            interval_minutes: 15,
            offered: Some(offered),
            answered_within_sl: Some(within),
            forecast: Some(forecast),
            ..Default::default()
        }
    }

    #[test]
    fn sl_below_for_two_intervals_raises_one_alert() {
        let rules = AlertRule::defaults();
        let ivs = vec![iv("09:30", 100.0, 70.0, 100.0), iv("09:00", 100.0, 90.0, 100.0), iv("09:15", 100.0, 60.0, 100.0)];
        let a = evaluate(&rules[..1], &ivs, &[], t("10:00"));
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].since, t("09:15"));
        assert_eq!(a[0].key, format!("sl-below-target/voice/{}", t("09:15").to_rfc3339()));
        // One interval below is not enough.
        assert!(evaluate(&rules[..1], &ivs[..2], &[], t("10:00")).is_empty());
        // The key is stable when the run grows: same alert, not a new one.
        let mut more = ivs.clone();
        more.push(iv("09:45", 100.0, 50.0, 100.0));
        assert_eq!(evaluate(&rules[..1], &more, &[], t("10:00"))[0].key, a[0].key);
    }

    #[test]
    fn volume_over_forecast() {
        let rules = AlertRule::defaults();
        let ivs = vec![iv("09:00", 121.0, 100.0, 100.0), iv("09:15", 119.0, 100.0, 100.0)];
        let a = evaluate(&rules[2..], &ivs, &[], t("10:00"));
        assert_eq!(a.len(), 1);
        assert!((a[0].value - 21.0).abs() < 1e-9);
    }

    #[test]
    fn agent_out_of_adherence() {
        let rules = AlertRule::defaults();
        let sched = vec![seg("09:00", "12:00", Activity::Work)];
        let evs = vec![ev("1", "a", AgentState::Ready, t("09:00")), ev("2", "a", AgentState::Break, t("09:30"))];
        let tile = agent_now("a", &evs, &sched, &[], t("09:00"), t("09:41"), &AdherenceRules::default());
        assert_eq!(evaluate(&rules[1..2], &[], std::slice::from_ref(&tile), t("09:41")).len(), 1);
        let tile = agent_now("a", &evs, &sched, &[], t("09:00"), t("09:39"), &AdherenceRules::default());
        assert!(evaluate(&rules[1..2], &[], &[tile], t("09:39")).is_empty());
    }

    #[test]
    fn validation() {
        for r in AlertRule::defaults() {
            assert_eq!(r.validate(), Ok(()));
        }
        let bad = AlertRule { id: "x".into(), name: "x".into(), condition: AlertCondition::ServiceLevelBelow { queue: None, target: 80.0, intervals: 2 } };
        assert_eq!(bad.validate(), Err(RuleError::Target(80.0)));
    }
}
