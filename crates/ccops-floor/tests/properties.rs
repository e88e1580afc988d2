//! Property tests: timelines do not depend on arrival order or duplicates, adherence accounting
//! always adds up, and team totals are sums of agent totals.

use ccops_floor::*;
use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;

fn base() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).single().expect("valid")
}

fn arb_events() -> impl Strategy<Value = Vec<StateEvent>> {
    prop::collection::vec((0i64..600, 0usize..9), 0..40).prop_map(|v| {
        v.into_iter()
            .enumerate()
            .map(|(i, (m, s))| StateEvent {
                event_id: format!("e{i}"),
                agent_id: "a".into(),
                state: AgentState::ALL[s],
                at: base() + Duration::minutes(m),
                queue: None,
                reason: None,
            })
            .collect()
    })
}

fn arb_schedule() -> impl Strategy<Value = Vec<ScheduledSegment>> {
    let acts = [Activity::Work, Activity::Break, Activity::Lunch, Activity::Training, Activity::Meeting, Activity::Off];
    prop::collection::vec((0i64..600, 1i64..240, 0usize..6), 0..8).prop_map(move |v| {
        v.into_iter()
            .map(|(s, len, a)| ScheduledSegment {
                start: base() + Duration::minutes(s),
                end: base() + Duration::minutes(s + len),
                activity: acts[a],
            })
            .collect()
    })
}

proptest! {
    #[test]
    fn timeline_ignores_order_and_duplicates(evs in arb_events(), seed in any::<u64>(), dups in 0usize..10) {
        let from = base() + Duration::minutes(30);
        let until = base() + Duration::minutes(500);
        let reference = Timeline::build(&evs, from, until);
        // Shuffle deterministically and duplicate some events (at-least-once delivery).
        let mut mixed = evs.clone();
        let n = mixed.len();
        if n > 0 {
            for k in 0..dups { mixed.push(evs[(seed as usize + k * 7) % n].clone()); }
            let mut x = seed;
            for i in (1..mixed.len()).rev() {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                mixed.swap(i, (x >> 33) as usize % (i + 1));
            }
        }
        prop_assert_eq!(&Timeline::build(&mixed, from, until), &reference);
        // Spans tile the window exactly.
        let total: i64 = reference.spans.iter().map(|s| s.millis()).sum();
        prop_assert_eq!(total, (until - from).num_milliseconds());
        for w in reference.spans.windows(2) { prop_assert_eq!(w[0].end, w[1].start); }
    }

    #[test]
    fn adherence_accounting_adds_up(evs in arb_events(), sched in arb_schedule(), tol in 0i64..10, ex in prop::option::of((0i64..600, 1i64..120))) {
        let from = base();
        let until = base() + Duration::minutes(600);
        let tl = Timeline::build(&evs, from, until);
        let exceptions: Vec<ExceptionWindow> = ex.into_iter().map(|(s, l)| ExceptionWindow { start: base() + Duration::minutes(s), end: base() + Duration::minutes(s + l) }).collect();
        let rules = AdherenceRules { tolerance_ms: tol * 60_000, ..Default::default() };
        let r = agent_adherence(&tl, &sched, &exceptions, from, until, &rules);
        let t = &r.totals;
        let violations: i64 = r.violations.iter().map(|v| v.millis()).sum();
        prop_assert_eq!(t.in_adherence_ms + violations, t.scheduled_ms);
        prop_assert!(t.out_of_adherence_ms() >= 0);
        prop_assert!(t.work_scheduled_ms <= t.scheduled_ms);
        prop_assert!(t.worked_ms <= (until - from).num_milliseconds());
        if let (Some(a), Some(s), Some(w)) = (t.adherence(), t.adherence_strict(), t.adherence_without_exceptions()) {
            prop_assert!((0.0..=1.0 + 1e-12).contains(&a));
            prop_assert!(s <= w + 1e-12 && w <= a + 1e-12);
        }
        // Scheduled time equals the flattened, clipped schedule length.
        let flat: i64 = flatten_schedule(&sched).iter().filter(|s| s.activity.is_scheduled())
            .map(|s| (s.end.min(until) - s.start.max(from)).num_milliseconds().max(0)).sum();
        prop_assert_eq!(flat, t.scheduled_ms);
        for v in &r.violations { prop_assert!(v.start < v.end); }
    }

    #[test]
    fn team_totals_are_sums(evs in arb_events(), sched in arb_schedule()) {
        let now = base() + Duration::minutes(400);
        let a = agent_now("a", &evs, &sched, &[], base(), now, &AdherenceRules::default());
        let b = agent_now("b", &evs[..evs.len() / 2], &sched, &[], base(), now, &AdherenceRules::default());
        let (_, site) = summarize([&a, &b], |_| "t".into());
        prop_assert_eq!(site.totals.scheduled_ms, a.totals.scheduled_ms + b.totals.scheduled_ms);
        prop_assert_eq!(site.totals.in_adherence_ms, a.totals.in_adherence_ms + b.totals.in_adherence_ms);
        prop_assert_eq!(site.agents, 2);
    }
}
