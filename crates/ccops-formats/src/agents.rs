//! `agents` exchange format: `agent_id,name,skills,contract_minutes_per_week[,site,team]`.
//! `skills` is `;`-separated queue names (the queues the agent may serve). Extra columns are kept.

use crate::FormatError;
use crate::requirements::{col, csv_err, extras, line_of, open};
use std::collections::HashSet;
use std::io::{Read, Write};

/// One agent.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentRow {
    pub agent_id: String,
    pub name: String,
    pub skills: Vec<String>,
    pub contract_minutes_per_week: u32,
    pub site: Option<String>,
    pub team: Option<String>,
    pub line: u64,
    pub extra: Vec<(String, String)>,
}

const KNOWN: [&str; 6] = ["agent_id", "name", "skills", "contract_minutes_per_week", "site", "team"];

/// Read agents; duplicate ids, empty ids and non-numeric contracts are located errors.
pub fn read_agents<R: Read>(input: R, file: &str) -> Result<Vec<AgentRow>, FormatError> {
    let (mut rdr, headers) = open(input, file, &KNOWN[..4])?;
    let idx: Vec<Option<usize>> = KNOWN.iter().map(|k| col(&headers, k)).collect();
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| csv_err(file, e))?;
        let line = line_of(&rec);
        let get = |k: usize| idx[k].and_then(|i| rec.get(i)).unwrap_or("").to_string();
        let agent_id = get(0);
        if agent_id.is_empty() {
            return Err(FormatError::new(file, line, Some("agent_id"), "empty agent_id"));
        }
        if !seen.insert(agent_id.clone()) {
            return Err(FormatError::new(file, line, Some("agent_id"), format!("duplicate agent_id `{agent_id}`")));
        }
        let skills: Vec<String> =
            get(2).split(';').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect();
        let c = get(3);
        let contract_minutes_per_week = c.parse::<u32>().map_err(|_| {
            FormatError::new(file, line, Some("contract_minutes_per_week"), format!("`{c}` is not a whole number of minutes"))
        })?;
        if contract_minutes_per_week > 7 * 24 * 60 {
            return Err(FormatError::new(
                file,
                line,
                Some("contract_minutes_per_week"),
                format!("{contract_minutes_per_week} minutes is more than a week"),
            ));
        }
        let opt = |s: String| if s.is_empty() { None } else { Some(s) };
        out.push(AgentRow {
            agent_id,
            name: get(1),
            skills,
            contract_minutes_per_week,
            site: opt(get(4)),
            team: opt(get(5)),
            line,
            extra: extras(&headers, &rec, &KNOWN),
        });
    }
    Ok(out)
}

/// Write agents in the exchange format (with `site,team` columns).
pub fn write_agents<W: Write>(out: W, rows: &[AgentRow]) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(KNOWN)?;
    for a in rows {
        w.write_record([
            a.agent_id.as_str(),
            a.name.as_str(),
            &a.skills.join(";"),
            &a.contract_minutes_per_week.to_string(),
            a.site.as_deref().unwrap_or(""),
            a.team.as_deref().unwrap_or(""),
        ])?;
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_round_trips() {
        let s = "agent_id,name,skills,contract_minutes_per_week,team\nA1,Li Na,sales;billing,2400,t1\nA2,Wang,sales,1200,\n";
        let rows = read_agents(s.as_bytes(), "a.csv").unwrap();
        assert_eq!(rows[0].skills, vec!["sales", "billing"]);
        assert_eq!(rows[0].team.as_deref(), Some("t1"));
        assert_eq!(rows[1].team, None);
        let mut buf = Vec::new();
        write_agents(&mut buf, &rows).unwrap();
        assert_eq!(read_agents(buf.as_slice(), "b.csv").unwrap()[1].contract_minutes_per_week, 1200);
    }

    #[test]
    fn located_errors() {
        let e = read_agents("agent_id,name,skills,contract_minutes_per_week\nA1,x,s,2400\nA1,y,s,10\n".as_bytes(), "a.csv")
            .unwrap_err();
        assert_eq!((e.line, e.column.as_deref()), (3, Some("agent_id")));
        let e = read_agents("agent_id,name,skills,contract_minutes_per_week\nA1,x,s,40h\n".as_bytes(), "a.csv").unwrap_err();
        assert_eq!(e.column.as_deref(), Some("contract_minutes_per_week"));
    }
}
