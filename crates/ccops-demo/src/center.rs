//! The organisation: tenants, sites, queues, teams, agents and users.

use crate::DemoConfig;
use crate::history::HistoryRow;
use crate::holidays::Holiday;
use crate::names;
use crate::rules::Rules;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde::Serialize;

/// Everything the demo needs, as plain data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Center {
    pub tenants: Vec<Tenant>,
    pub sites: Vec<Site>,
    /// Skill ids; one per queue (an agent with skill `chat` may take queue `chat`).
    pub skills: Vec<String>,
    pub teams: Vec<Team>,
    pub queues: Vec<Queue>,
    pub agents: Vec<Agent>,
    pub users: Vec<User>,
    /// Statutory holidays and 调休 workdays inside the history window.
    pub holidays: Vec<Holiday>,
    /// 15-minute interval history, ordered by queue then time.
    pub history: Vec<HistoryRow>,
    pub rules: Rules,
}

/// A tenant: the house center, or a BPO client that must see only its own queues.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tenant {
    pub id: String,
    pub name: String,
    pub name_en: String,
    /// true for the center that runs the floor; false for an outsourcing client.
    pub is_house: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Site {
    pub id: String,
    pub name: String,
    pub name_en: String,
    /// IANA zone; both demo sites are in China (UTC+8, no daylight saving).
    pub timezone: String,
    /// Workstations (座席) on the site: a hard limit for staffing.
    pub seats: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Voice,
    Chat,
    Email,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Voice => "voice",
            Channel::Chat => "chat",
            Channel::Email => "email",
        }
    }
}

/// A queue (a programme on one channel), with what the staffing engine needs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Queue {
    pub id: String,
    pub tenant: String,
    pub name: String,
    pub name_en: String,
    pub channel: Channel,
    /// Language spoken on the queue ("zh" or "en").
    pub language: String,
    /// The skill an agent needs to take this queue.
    pub skill: String,
    /// Long-run average handle time (talk + hold + ACW), seconds.
    pub aht_seconds: f64,
    /// Service-level target: `sl_target` of contacts answered within `sl_seconds`.
    pub sl_target: f64,
    pub sl_seconds: u32,
    /// Mean caller patience (voice, chat): drives Erlang A abandonment.
    pub patience_seconds: Option<u32>,
    /// Simultaneous sessions per agent (chat).
    pub concurrency: Option<u32>,
    /// Response deadline for deferred work (email), minutes.
    pub deadline_minutes: Option<u32>,
    pub max_occupancy: f64,
    /// Paid time not available for contacts (breaks, training, absence).
    pub shrinkage: f64,
    /// Local opening hours [open, close) in hours; email arrives around the clock.
    pub open_hour: u32,
    pub close_hour: u32,
    /// Expected offered contacts on an ordinary weekday at the end of the history.
    pub weekday_volume: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Team {
    pub id: String,
    pub name: String,
    pub site: String,
    /// Skills every member of the team has, primary first.
    pub skills: Vec<String>,
}

/// An agent in the exchange-format sense (`agent_id,name,skills,contract_minutes_per_week,site,team`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Agent {
    pub id: String,
    pub name: String,
    /// Primary skill first.
    pub skills: Vec<String>,
    /// 2400 (40 h full-time) or 1800 (30 h part-time).
    pub contract_minutes_per_week: u32,
    pub site: String,
    pub team: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Planner,
    Supervisor,
    Agent,
    Qa,
    ClientViewer,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Admin,
        Role::Planner,
        Role::Supervisor,
        Role::Agent,
        Role::Qa,
        Role::ClientViewer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Planner => "planner",
            Role::Supervisor => "supervisor",
            Role::Agent => "agent",
            Role::Qa => "qa",
            Role::ClientViewer => "client_viewer",
        }
    }
}

/// A login. The password is plain text on purpose: these are published demo credentials, and
/// the store hashes them (argon2) before saving.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct User {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// The tenant the user belongs to (client viewers see only this tenant).
    pub tenant: String,
    /// For role `agent`: the agent whose schedule this user sees (the first agent here;
    /// `ccops demo` re-links it to an agent who works today).
    pub agent_id: Option<String>,
    pub password: String,
}

/// Printed by `ccops demo`; the rule behind every demo password.
pub const DEMO_PASSWORD_NOTE: &str = "demo password = \"ccops-\" + user name";

pub(crate) const HOUSE: &str = "house";
pub(crate) const CLIENT: &str = "huaxin";

struct TeamSpec {
    id: &'static str,
    name: &'static str,
    site: &'static str,
    skills: &'static [&'static str],
    /// Share of the agents, in percent (the shares add up to 100).
    share: u32,
    /// Extra skill some members have, and the chance of having it.
    extra: Option<(&'static str, f64)>,
    english_names: bool,
}

const TEAMS: [TeamSpec; 7] = [
    TeamSpec {
        id: "sh-voice-1",
        name: "上海 语音一组",
        site: "sh",
        skills: &["cn_voice"],
        share: 18,
        extra: Some(("chat", 0.25)),
        english_names: false,
    },
    TeamSpec {
        id: "sh-voice-2",
        name: "上海 语音二组",
        site: "sh",
        skills: &["cn_voice", "email"],
        share: 16,
        extra: Some(("en_voice", 0.15)),
        english_names: false,
    },
    TeamSpec {
        id: "sh-english",
        name: "上海 English Desk",
        site: "sh",
        skills: &["en_voice", "cn_voice"],
        share: 10,
        extra: Some(("email", 0.5)),
        english_names: true,
    },
    TeamSpec {
        id: "sh-digital",
        name: "上海 在线组",
        site: "sh",
        skills: &["chat", "email"],
        share: 14,
        extra: Some(("cn_voice", 0.3)),
        english_names: false,
    },
    TeamSpec {
        id: "cd-hx-voice",
        name: "成都 华信语音组",
        site: "cd",
        skills: &["hx_voice"],
        share: 18,
        extra: Some(("hx_chat", 0.2)),
        english_names: false,
    },
    TeamSpec {
        id: "cd-hx-digital",
        name: "成都 华信在线组",
        site: "cd",
        skills: &["hx_chat", "hx_voice"],
        share: 10,
        extra: None,
        english_names: false,
    },
    TeamSpec {
        id: "cd-flex",
        name: "成都 综合组",
        site: "cd",
        skills: &["cn_voice", "hx_voice"],
        share: 14,
        extra: Some(("chat", 0.4)),
        english_names: false,
    },
];

pub(crate) const TEAM_COUNT: usize = TEAMS.len();

/// The demo's queues. Volumes are sized so ~100 agents can cover them with realistic occupancy.
struct QueueSpec {
    id: &'static str,
    tenant: &'static str,
    name: &'static str,
    name_en: &'static str,
    channel: Channel,
    language: &'static str,
    aht_seconds: f64,
    sl: (f64, u32),
    hours: (u32, u32),
    weekday_volume: f64,
}

const QUEUES: [QueueSpec; 6] = {
    use Channel::*;
    [
        QueueSpec {
            id: "cn_voice",
            tenant: HOUSE,
            name: "中文热线",
            name_en: "Chinese hotline",
            channel: Voice,
            language: "zh",
            aht_seconds: 280.0,
            sl: (0.8, 20),
            hours: (8, 22),
            weekday_volume: 1500.0,
        },
        QueueSpec {
            id: "en_voice",
            tenant: HOUSE,
            name: "英文热线",
            name_en: "English hotline",
            channel: Voice,
            language: "en",
            aht_seconds: 400.0,
            sl: (0.8, 30),
            hours: (9, 18),
            weekday_volume: 220.0,
        },
        QueueSpec {
            id: "chat",
            tenant: HOUSE,
            name: "在线客服",
            name_en: "Web chat",
            channel: Chat,
            language: "zh",
            aht_seconds: 540.0,
            sl: (0.8, 60),
            hours: (8, 23),
            weekday_volume: 800.0,
        },
        QueueSpec {
            id: "email",
            tenant: HOUSE,
            name: "邮件工单",
            name_en: "E-mail",
            channel: Email,
            language: "zh",
            aht_seconds: 420.0,
            sl: (0.9, 24 * 3600),
            hours: (0, 24),
            weekday_volume: 260.0,
        },
        QueueSpec {
            id: "hx_voice",
            tenant: CLIENT,
            name: "华信保险热线",
            name_en: "Huaxin Insurance hotline",
            channel: Voice,
            language: "zh",
            aht_seconds: 330.0,
            sl: (0.9, 15),
            hours: (8, 21),
            weekday_volume: 700.0,
        },
        QueueSpec {
            id: "hx_chat",
            tenant: CLIENT,
            name: "华信在线客服",
            name_en: "Huaxin Insurance chat",
            channel: Chat,
            language: "zh",
            aht_seconds: 480.0,
            sl: (0.8, 45),
            hours: (9, 21),
            weekday_volume: 260.0,
        },
    ]
};

fn queues(scale: f64) -> Vec<Queue> {
    QUEUES
        .iter()
        .map(|q| {
            let (patience_seconds, concurrency, deadline_minutes, max_occupancy) = match q.channel {
                Channel::Voice => (
                    Some(if q.language == "en" { 180 } else { 120 }),
                    None,
                    None,
                    0.85,
                ),
                Channel::Chat => (
                    Some(300),
                    Some(if q.tenant == CLIENT { 2 } else { 3 }),
                    None,
                    0.85,
                ),
                Channel::Email => (None, None, Some(24 * 60), 0.95),
            };
            Queue {
                id: q.id.into(),
                tenant: q.tenant.into(),
                name: q.name.into(),
                name_en: q.name_en.into(),
                channel: q.channel,
                language: q.language.into(),
                skill: q.id.into(),
                aht_seconds: q.aht_seconds,
                sl_target: q.sl.0,
                sl_seconds: q.sl.1,
                patience_seconds,
                concurrency,
                deadline_minutes,
                max_occupancy,
                shrinkage: 0.30,
                open_hour: q.hours.0,
                close_hour: q.hours.1,
                weekday_volume: q.weekday_volume * scale,
            }
        })
        .collect()
}

/// Split `n` agents over the teams by share, keeping at least one per team.
fn team_sizes(n: usize) -> Vec<usize> {
    let mut sizes: Vec<usize> = TEAMS
        .iter()
        .map(|t| ((n * t.share as usize) / 100).max(1))
        .collect();
    // Hand out the rounding remainder (or take back the surplus) from the largest teams.
    let mut order: Vec<usize> = (0..TEAMS.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(TEAMS[i].share));
    let mut k = 0;
    while sizes.iter().sum::<usize>() < n {
        sizes[order[k % order.len()]] += 1;
        k += 1;
    }
    while sizes.iter().sum::<usize>() > n {
        if let Some(&i) = order.iter().find(|&&i| sizes[i] > 1) {
            sizes[i] -= 1;
        }
    }
    sizes
}

pub(crate) fn organisation(config: &DemoConfig) -> Center {
    let mut rng = StdRng::seed_from_u64(config.seed ^ 0x0c0f_fee0_dead_beef);
    let tenants = vec![
        Tenant {
            id: HOUSE.into(),
            name: "锦程客户中心".into(),
            name_en: "Jincheng Customer Center".into(),
            is_house: true,
        },
        Tenant {
            id: CLIENT.into(),
            name: "华信保险".into(),
            name_en: "Huaxin Insurance (BPO client)".into(),
            is_house: false,
        },
    ];
    let sites = vec![
        Site {
            id: "sh".into(),
            name: "上海".into(),
            name_en: "Shanghai".into(),
            timezone: "Asia/Shanghai".into(),
            seats: 70,
        },
        Site {
            id: "cd".into(),
            name: "成都".into(),
            name_en: "Chengdu".into(),
            timezone: "Asia/Shanghai".into(),
            seats: 50,
        },
    ];
    let queues = queues(config.volume_scale);
    let skills = queues.iter().map(|q| q.skill.clone()).collect();
    let teams: Vec<Team> = TEAMS
        .iter()
        .map(|t| Team {
            id: t.id.into(),
            name: t.name.into(),
            site: t.site.into(),
            skills: t.skills.iter().map(|s| s.to_string()).collect(),
        })
        .collect();

    let mut namer = names::Namer::default();
    let mut agents = Vec::with_capacity(config.agents);
    for (spec, size) in TEAMS.iter().zip(team_sizes(config.agents)) {
        for _ in 0..size {
            let mut skills: Vec<String> = spec.skills.iter().map(|s| s.to_string()).collect();
            if let Some((extra, p)) = spec.extra
                && rng.random_bool(p)
            {
                skills.push(extra.to_string());
            }
            // About one agent in six works a 30-hour part-time contract.
            let contract = if rng.random_bool(1.0 / 6.0) {
                1800
            } else {
                2400
            };
            agents.push(Agent {
                id: format!("A{:03}", agents.len() + 1),
                name: namer.next(&mut rng, spec.english_names),
                skills,
                contract_minutes_per_week: contract,
                site: spec.site.into(),
                team: spec.id.into(),
            });
        }
    }

    let users = users(&agents);
    Center {
        tenants,
        sites,
        skills,
        teams,
        queues,
        agents,
        users,
        holidays: Vec::new(),
        history: Vec::new(),
        rules: Rules::demo(),
    }
}

fn users(agents: &[Agent]) -> Vec<User> {
    let user =
        |username: &str, display: &str, role: Role, tenant: &str, agent_id: Option<String>| User {
            username: username.into(),
            display_name: display.into(),
            role,
            tenant: tenant.into(),
            agent_id,
            password: format!("ccops-{username}"),
        };
    let first_agent = agents.first();
    vec![
        user("admin", "系统管理员 Admin", Role::Admin, HOUSE, None),
        user("planner", "排班师 王静", Role::Planner, HOUSE, None),
        user("supervisor", "现场主管 刘洋", Role::Supervisor, HOUSE, None),
        user(
            "agent",
            "座席代表 Agent",
            Role::Agent,
            HOUSE,
            first_agent.map(|a| a.id.clone()),
        ),
        user("qa", "质检员 陈晨", Role::Qa, HOUSE, None),
        user(
            "client",
            "华信保险 客户经理",
            Role::ClientViewer,
            CLIENT,
            None,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use std::collections::HashSet;

    fn center(agents: usize) -> Center {
        let mut c = DemoConfig::full(11, NaiveDate::from_ymd_opt(2026, 11, 22).unwrap());
        c.agents = agents;
        organisation(&c)
    }

    #[test]
    fn agent_count_is_exact_and_ids_names_unique() {
        for n in [7, 30, 100, 257] {
            let c = center(n);
            assert_eq!(c.agents.len(), n);
            assert_eq!(
                c.agents.iter().map(|a| &a.id).collect::<HashSet<_>>().len(),
                n
            );
            assert_eq!(
                c.agents
                    .iter()
                    .map(|a| &a.name)
                    .collect::<HashSet<_>>()
                    .len(),
                n
            );
            for t in &c.teams {
                assert!(
                    c.agents.iter().any(|a| a.team == t.id),
                    "team {} empty at n={n}",
                    t.id
                );
            }
        }
    }

    #[test]
    fn every_queue_has_enough_skilled_agents() {
        let c = center(100);
        for q in &c.queues {
            let skilled = c
                .agents
                .iter()
                .filter(|a| a.skills.contains(&q.skill))
                .count();
            assert!(
                skilled >= 10,
                "queue {} has only {skilled} skilled agents",
                q.id
            );
        }
        // Every agent skill names a real queue skill.
        for a in &c.agents {
            for s in &a.skills {
                assert!(c.skills.contains(s), "{} has unknown skill {s}", a.id);
            }
        }
    }

    #[test]
    fn both_contracts_and_both_sites_and_name_scripts_appear() {
        let c = center(100);
        let part = c
            .agents
            .iter()
            .filter(|a| a.contract_minutes_per_week == 1800)
            .count();
        assert!((5..=35).contains(&part), "part-time agents: {part}");
        assert!(
            c.agents
                .iter()
                .all(|a| matches!(a.contract_minutes_per_week, 1800 | 2400))
        );
        assert!(c.agents.iter().any(|a| a.site == "sh") && c.agents.iter().any(|a| a.site == "cd"));
        assert!(c.agents.iter().any(|a| a.name.is_ascii()));
        assert!(c.agents.iter().any(|a| !a.name.is_ascii()));
    }

    #[test]
    fn one_user_per_role_and_client_queues_belong_to_client() {
        let c = center(30);
        for role in Role::ALL {
            assert_eq!(
                c.users.iter().filter(|u| u.role == role).count(),
                1,
                "{role:?}"
            );
        }
        let client = c
            .users
            .iter()
            .find(|u| u.role == Role::ClientViewer)
            .unwrap();
        assert_eq!(client.tenant, CLIENT);
        let agent = c.users.iter().find(|u| u.role == Role::Agent).unwrap();
        assert_eq!(agent.agent_id.as_deref(), Some("A001"));
        assert!(c.queues.iter().filter(|q| q.tenant == CLIENT).count() >= 2);
        let channels: HashSet<_> = c.queues.iter().map(|q| q.channel).collect();
        assert_eq!(channels.len(), 3);
        assert!(
            c.queues
                .iter()
                .any(|q| q.channel == Channel::Voice && q.language == "en")
        );
    }
}
