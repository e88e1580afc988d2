//! Chinese / English texts of the web UI.
//!
//! One table, one row per key: `(key, English, 中文)`. Templates call `t("key")`; a key that is
//! missing falls back to its last dotted segment (so data-driven keys such as
//! `activity.<name>` for a site-specific activity still show something sensible). A unit test
//! checks that every literal key used in a template is in the table.

/// UI language. Chosen by the `ccops_lang` cookie, else the browser's `Accept-Language`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Zh,
}

/// Name of the cookie holding the chosen language.
pub const LANG_COOKIE: &str = "ccops_lang";

impl Lang {
    pub fn from_code(code: &str) -> Option<Lang> {
        match code.trim().to_ascii_lowercase().as_str() {
            "en" | "en-us" | "en-gb" => Some(Lang::En),
            "zh" | "zh-cn" | "zh-hans" | "zh-tw" | "zh-hant" => Some(Lang::Zh),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }

    /// The `lang` attribute of `<html>` (helps the browser pick CJK fonts).
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh-CN",
        }
    }

    /// First supported language in an `Accept-Language` header, in the header's order
    /// (q-values are rare in practice and browsers list the preferred one first). English
    /// when nothing matches.
    pub fn from_accept_language(header: &str) -> Lang {
        header
            .split(',')
            .filter_map(|part| {
                let tag = part.split(';').next()?.trim();
                Lang::from_code(tag).or_else(|| Lang::from_code(tag.split('-').next()?))
            })
            .next()
            .unwrap_or(Lang::En)
    }

    /// Language from a `Cookie` header value and an `Accept-Language` value.
    pub fn negotiate(cookie_header: Option<&str>, accept_language: Option<&str>) -> Lang {
        cookie_header
            .and_then(|c| cookie_value(c, LANG_COOKIE))
            .and_then(Lang::from_code)
            .unwrap_or_else(|| accept_language.map(Lang::from_accept_language).unwrap_or(Lang::En))
    }
}

/// Value of cookie `name` in a `Cookie:` header.
pub fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').find_map(|kv| {
        let (k, v) = kv.trim().split_once('=')?;
        (k == name).then_some(v)
    })
}

/// Translate `key`; falls back to the key's last segment when it is not in the table.
pub fn t(lang: Lang, key: &str) -> &str {
    match TABLE.binary_search_by(|row| row.0.cmp(key)) {
        Ok(i) => match lang {
            Lang::En => TABLE[i].1,
            Lang::Zh => TABLE[i].2,
        },
        Err(_) => key.rsplit('.').next().unwrap_or(key),
    }
}

/// All texts, sorted by key (a test checks the order, so lookups can binary-search).
pub const TABLE: &[(&str, &str, &str)] = &[
    ("action.approve", "Approve", "批准"),
    ("action.cancel", "Cancel", "取消"),
    ("action.deny", "Deny", "拒绝"),
    ("action.next", "Next", "下一页"),
    ("action.prev", "Previous", "上一页"),
    ("action.save", "Save", "保存"),
    ("action.show", "Show", "查看"),
    ("action.submit", "Submit", "提交"),
    ("activity.break", "Break", "小休"),
    ("activity.leave", "Leave", "请假"),
    ("activity.lunch", "Lunch", "午餐"),
    ("activity.meeting", "Meeting", "会议"),
    ("activity.off", "Off", "休息"),
    ("activity.training", "Training", "培训"),
    ("activity.work", "Work", "在线"),
    ("admin.add", "Add", "新增"),
    ("admin.queues", "Queues", "队列"),
    ("admin.rules", "Rules", "排班规则"),
    ("admin.rules_help", "Scheduling rules in TOML (the format of `ccops schedule`): shift templates, breaks, contracts, rest. Checked before saving; roster jobs use them.", "排班规则（TOML，与 `ccops schedule` 相同格式）：班次模板、小休、合同工时、休息。保存前会校验，排班任务使用这些规则。"),
    ("admin.saved", "Saved.", "已保存。"),
    ("admin.skills", "Skills", "技能"),
    ("admin.tenants", "Tenants", "租户（外包客户）"),
    ("admin.title", "Administration", "系统管理"),
    ("admin.users", "Users & roles", "用户与角色"),
    ("agent.ical", "Calendar subscription", "日历订阅"),
    ("agent.ical_help", "Add this address to your calendar app (Outlook, Google, Apple) as a subscribed calendar. Keep it secret: anyone with the link sees your shifts.", "在日历应用（Outlook、Google、苹果日历）中以“订阅日历”方式添加此地址。请勿外传：持有此链接的人都能看到你的班次。"),
    ("agent.ical_none", "No calendar token yet.", "尚未生成日历令牌。"),
    ("agent.month", "Month", "月"),
    ("agent.my_requests", "My requests", "我的申请"),
    ("agent.no_published", "No published roster covers this period yet.", "该时段还没有已发布的班表。"),
    ("agent.off", "Off", "休息"),
    ("agent.request_leave", "Request leave", "申请请假"),
    ("agent.request_swap", "Request a shift swap", "申请换班"),
    ("agent.swap_with", "Swap with", "换班对象"),
    ("agent.title", "My schedule", "我的班表"),
    ("agent.week", "Week", "周"),
    ("channel.chat", "Chat", "在线客服"),
    ("channel.email", "Email", "邮件"),
    ("channel.voice", "Voice", "语音"),
    ("col.activities", "Activities", "活动"),
    ("col.agent", "Agent", "座席"),
    ("col.agent_code", "Agent ID (for agent users)", "座席工号（座席用户）"),
    ("col.by", "By", "操作人"),
    ("col.channel", "Channel", "渠道"),
    ("col.code", "Code", "代码"),
    ("col.column", "Column", "列"),
    ("col.contract", "Contract min/week", "合同分钟/周"),
    ("col.date", "Date", "日期"),
    ("col.days", "Days", "天数"),
    ("col.display_name", "Display name", "显示名称"),
    ("col.from", "From", "开始"),
    ("col.history_rows", "History intervals", "历史区间数"),
    ("col.history_to", "History until", "历史截至"),
    ("col.horizon_days", "Horizon (days)", "预测天数"),
    ("col.id", "ID", "编号"),
    ("col.kind", "Type", "类型"),
    ("col.line", "Line", "行"),
    ("col.name", "Name", "名称"),
    ("col.note", "Note", "备注"),
    ("col.password", "Password", "密码"),
    ("col.queue", "Queue", "队列"),
    ("col.reason", "Reason", "原因"),
    ("col.role", "Role", "角色"),
    ("col.rules", "Rules", "规则"),
    ("col.shift", "Shift", "班次"),
    ("col.site", "Site", "站点"),
    ("col.skills", "Skills", "技能"),
    ("col.sl_seconds", "SL seconds", "服务水平秒数"),
    ("col.sl_target", "SL target", "服务水平目标"),
    ("col.status", "Status", "状态"),
    ("col.team", "Team", "班组"),
    ("col.tenant", "Tenant", "租户"),
    ("col.to", "To", "结束"),
    ("col.username", "Username", "用户名"),
    ("empty", "Nothing here yet.", "暂无数据。"),
    ("error.bad_input", "The input was not valid.", "输入无效。"),
    ("error.csrf", "The form expired. Please reload the page and try again.", "表单已过期，请刷新页面后重试。"),
    ("error.forbidden", "You do not have access to this page.", "你没有权限访问此页面。"),
    ("error.internal", "Something went wrong on the server. The error was logged.", "服务器出错，错误已记录。"),
    ("error.login_failed", "Wrong username or password.", "用户名或密码错误。"),
    ("error.not_found", "Not found.", "未找到。"),
    ("error.rate_limited", "Too many attempts. Wait a minute and try again.", "尝试次数过多，请一分钟后再试。"),
    ("footer.tagline", "forecast → staffing → roster → floor", "预测 → 人力 → 排班 → 现场"),
    ("forecast.adjust", "Manual adjustment", "人工调整"),
    ("forecast.adjustments", "Adjustments", "调整记录"),
    ("forecast.apply", "Apply", "应用"),
    ("forecast.factor", "Change", "调整幅度"),
    ("forecast.none", "No forecast for this queue yet — run one.", "该队列尚无预测，请运行预测。"),
    ("forecast.run", "Run forecast", "运行预测"),
    ("forecast.title", "Forecast", "话务预测"),
    ("forecast.version", "Version", "版本"),
    ("history.file", "CSV file", "CSV 文件"),
    ("history.help", "Upload ACD interval history as CSV:", "以 CSV 上传 ACD 区间历史数据："),
    ("history.imported", "Imported intervals", "已导入区间"),
    ("history.nothing_imported", "Nothing was imported. Fix these lines and upload again.", "未导入任何数据。请修正以下行后重新上传。"),
    ("history.rejected", "File rejected", "文件被拒绝"),
    ("history.title", "Upload history", "上传历史数据"),
    ("history.tz", "Time zone for local times", "本地时间的时区"),
    ("history.upload", "Upload", "上传"),
    ("job.forecast", "Forecast", "预测"),
    ("job.open_result", "Open result", "查看结果"),
    ("job.roster", "Roster", "排班"),
    ("job.schedule", "Roster", "排班"),
    ("job.state.cancelled", "Cancelled", "已取消"),
    ("job.state.done", "Done", "完成"),
    ("job.state.failed", "Failed", "失败"),
    ("job.state.queued", "Queued", "排队中"),
    ("job.state.running", "Running", "运行中"),
    ("legend.adjusted", "Adjusted", "调整后"),
    ("legend.band", "p10–p90", "p10–p90 区间"),
    ("legend.forecast", "Forecast", "预测"),
    ("legend.history", "History", "历史"),
    ("legend.required", "Required", "需求"),
    ("legend.scheduled", "Scheduled", "已排"),
    ("login.password", "Password", "密码"),
    ("login.submit", "Sign in", "登录"),
    ("login.title", "Sign in to ccops", "登录 ccops"),
    ("login.username", "Username", "用户名"),
    ("nav.admin", "Admin", "管理"),
    ("nav.floor", "Live floor", "现场"),
    ("nav.forecast", "Forecast", "预测"),
    ("nav.history", "History", "历史数据"),
    ("nav.home", "Home", "首页"),
    ("nav.logout", "Sign out", "退出"),
    ("nav.my_schedule", "My schedule", "我的班表"),
    ("nav.requests", "Requests", "申请审批"),
    ("nav.roster", "Roster", "班表"),
    ("nav.staffing", "Staffing", "人力需求"),
    ("planner.home.forecast", "Volume and handle time per queue, with prediction bands and holidays.", "各队列话务量与处理时长预测，含预测区间与节假日。"),
    ("planner.home.history", "Import ACD interval history (CSV).", "导入 ACD 区间历史数据（CSV）。"),
    ("planner.home.requests", "Leave and swap requests waiting:", "待审批的请假与换班："),
    ("planner.home.roster", "Generate, review and publish rosters.", "生成、审核并发布班表。"),
    ("planner.home.staffing", "Required vs scheduled agents per interval.", "每个区间的需求人数与已排人数。"),
    ("planner.home.title", "Planning", "排班计划"),
    ("planner.queues", "Queues", "队列"),
    ("request.leave", "Leave", "请假"),
    ("request.status.approved", "Approved", "已批准"),
    ("request.status.cancelled", "Cancelled", "已撤销"),
    ("request.status.denied", "Denied", "已拒绝"),
    ("request.status.pending", "Pending", "待审批"),
    ("request.status.rejected", "Rejected", "已拒绝"),
    ("request.swap", "Swap", "换班"),
    ("requests.auto", "Approve automatically while every interval stays at or above requirement", "当所有区间仍满足需求时自动批准"),
    ("requests.auto_help", "New requests are approved at once when the staffing impact leaves no interval short; others wait here.", "新申请若不会造成任何区间人手不足，将立即批准；其余申请在此等待审批。"),
    ("requests.decided", "Decided", "已处理"),
    ("requests.impact", "Staffing impact", "人力影响"),
    ("requests.min_margin", "Lowest margin", "最小余量"),
    ("requests.no_shift", "No scheduled work affected", "不影响已排班次"),
    ("requests.pending", "Waiting for a decision", "待审批"),
    ("requests.short_after", "Short intervals now → if approved", "人手不足区间：当前 → 批准后"),
    ("requests.title", "Leave and swap requests", "请假与换班申请"),
    ("role.admin", "Admin", "管理员"),
    ("role.agent", "Agent", "座席"),
    ("role.client_viewer", "Client viewer", "客户查看者"),
    ("role.planner", "Planner", "排班师"),
    ("role.qa", "QA analyst", "质检员"),
    ("role.supervisor", "Supervisor", "现场主管"),
    ("roster.agents", "agents", "名座席"),
    ("roster.coverage", "Coverage — all queues", "覆盖情况 — 全部队列"),
    ("roster.effort", "Search effort", "搜索强度"),
    ("roster.effort.normal", "Normal (200 000 moves)", "标准（20 万步）"),
    ("roster.effort.quick", "Quick (20 000 moves)", "快速（2 万步）"),
    ("roster.effort.thorough", "Thorough (1 000 000 moves)", "精细（100 万步）"),
    ("roster.empty_day", "Nobody is scheduled on this day.", "当天没有排班。"),
    ("roster.export", "Export Excel", "导出 Excel"),
    ("roster.generate", "Generate roster", "生成班表"),
    ("roster.none", "No roster yet — generate one.", "还没有班表，请生成。"),
    ("roster.publish", "Publish", "发布"),
    ("roster.status", "Status", "状态"),
    ("roster.status.archived", "Archived", "已归档"),
    ("roster.status.draft", "Draft", "草稿"),
    ("roster.status.published", "Published", "已发布"),
    ("roster.title", "Roster", "班表"),
    ("roster.unpublish", "Unpublish", "撤回发布"),
    ("roster.version", "Version", "版本"),
    ("staffing.all_queues", "All queues", "全部队列"),
    ("staffing.help", "Required agents (Erlang, after shrinkage) against agents scheduled in the current roster. Red areas are short.", "需求人数（Erlang 计算，含缩减）与当前班表已排人数对比。红色区域表示人手不足。"),
    ("staffing.none", "No staffing plan yet — run a forecast first.", "尚无人力计划，请先运行预测。"),
    ("staffing.peak_required", "Peak required", "峰值需求"),
    ("staffing.per_queue_unknown", "The roster does not assign agents to single queues (they serve all their skills), so per-queue charts show the requirement only; the first chart compares the center as a whole.", "班表未把座席分配到单一队列（座席服务其全部技能），因此各队列图表只显示需求；第一张图表对比整个中心。"),
    ("staffing.required_hours", "Required hours", "需求工时"),
    ("staffing.scheduled_hours", "Scheduled hours", "已排工时"),
    ("staffing.short_intervals", "Short intervals", "不足区间"),
    ("staffing.title", "Staffing", "人力需求"),
    ("wd.fri", "Fri", "周五"),
    ("wd.mon", "Mon", "周一"),
    ("wd.sat", "Sat", "周六"),
    ("wd.sun", "Sun", "周日"),
    ("wd.thu", "Thu", "周四"),
    ("wd.tue", "Tue", "周二"),
    ("wd.wed", "Wed", "周三"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_unique() {
        for w in TABLE.windows(2) {
            assert!(w[0].0 < w[1].0, "out of order or duplicate: {} then {}", w[0].0, w[1].0);
        }
    }

    #[test]
    fn every_row_has_both_languages() {
        for (k, en, zh) in TABLE {
            assert!(!en.is_empty() && !zh.is_empty(), "{k}");
            assert!(zh.chars().any(|c| !c.is_ascii()) || zh == en || zh.contains("p10"), "{k}: Chinese text looks untranslated: {zh}");
        }
    }

    #[test]
    fn lookup_and_fallback() {
        assert_eq!(t(Lang::Zh, "nav.roster"), "班表");
        assert_eq!(t(Lang::En, "nav.roster"), "Roster");
        assert_eq!(t(Lang::En, "activity.site_specific"), "site_specific");
    }

    #[test]
    fn negotiation_prefers_cookie_then_header() {
        assert_eq!(Lang::negotiate(Some("a=1; ccops_lang=zh"), Some("en-US,en")), Lang::Zh);
        assert_eq!(Lang::negotiate(Some("ccops_lang=xx"), Some("zh-CN,zh;q=0.9,en;q=0.8")), Lang::Zh);
        assert_eq!(Lang::negotiate(None, Some("fr-FR, en;q=0.5")), Lang::En);
        assert_eq!(Lang::negotiate(None, None), Lang::En);
        assert_eq!(Lang::from_accept_language("de, zh-Hans-CN"), Lang::Zh);
    }
}
