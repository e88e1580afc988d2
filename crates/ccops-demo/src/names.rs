//! Plausible, unique agent names: Chinese (surname + one or two given characters) and, for the
//! English desk, an English given name with a pinyin surname, as such desks usually use.

use rand::RngExt;
use rand::rngs::StdRng;
use std::collections::HashSet;

const SURNAMES: [(&str, &str); 24] = [
    ("王", "Wang"),
    ("李", "Li"),
    ("张", "Zhang"),
    ("刘", "Liu"),
    ("陈", "Chen"),
    ("杨", "Yang"),
    ("黄", "Huang"),
    ("赵", "Zhao"),
    ("吴", "Wu"),
    ("周", "Zhou"),
    ("徐", "Xu"),
    ("孙", "Sun"),
    ("马", "Ma"),
    ("朱", "Zhu"),
    ("胡", "Hu"),
    ("郭", "Guo"),
    ("何", "He"),
    ("林", "Lin"),
    ("罗", "Luo"),
    ("高", "Gao"),
    ("郑", "Zheng"),
    ("梁", "Liang"),
    ("谢", "Xie"),
    ("宋", "Song"),
];

const GIVEN: [&str; 40] = [
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀", "霞", "平", "刚", "桂", "婷", "雪", "慧", "佳", "欣", "晨", "宇", "浩", "琳", "颖",
    "思", "雨", "子", "博", "文", "嘉", "梦", "瑶",
];

const ENGLISH: [&str; 24] = [
    "Emily", "Grace", "Kevin", "Lily", "Jason", "Vivian", "Eric", "Cindy", "Tony", "Amy", "Jack",
    "Helen", "Sophia", "Daniel", "Iris", "Leo", "Nancy", "Peter", "Tina", "Frank", "Joy", "Oscar",
    "Wendy", "Sam",
];

#[derive(Default)]
pub(crate) struct Namer {
    used: HashSet<String>,
}

impl Namer {
    /// A name not handed out before by this namer.
    pub(crate) fn next(&mut self, rng: &mut StdRng, english: bool) -> String {
        for _ in 0..50 {
            let name = candidate(rng, english);
            if self.used.insert(name.clone()) {
                return name;
            }
        }
        // Very large centers exhaust plausible names; number the rest, like HR systems do.
        let base = candidate(rng, english);
        let name = (2..)
            .map(|i| format!("{base}{i}"))
            .find(|n| !self.used.contains(n))
            .unwrap_or(base);
        self.used.insert(name.clone());
        name
    }
}

fn candidate(rng: &mut StdRng, english: bool) -> String {
    let (zh, pinyin) = SURNAMES[rng.random_range(0..SURNAMES.len())];
    if english {
        return format!("{} {pinyin}", ENGLISH[rng.random_range(0..ENGLISH.len())]);
    }
    let mut name = zh.to_string();
    name.push_str(GIVEN[rng.random_range(0..GIVEN.len())]);
    if rng.random_bool(0.6) {
        name.push_str(GIVEN[rng.random_range(0..GIVEN.len())]);
    }
    name
}
