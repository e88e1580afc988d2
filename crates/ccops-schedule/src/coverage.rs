//! Coverage of one interval by multi-skilled agents.
//!
//! Agents are grouped by skill set (a queue bitmask). How many requirement units a set of agents
//! can serve is a bipartite max-flow (groups → queues). Serving units of the highest-weight
//! queues first is optimal for the weighted objective (the coverable units form a transversal
//! matroid, where greedy by weight is exact), so the weighted shortfall is
//! `Σ_q w_q r_q − Σ_k (w_(k) − w_(k+1)) · F_k` with `F_k` the max flow into the k heaviest
//! queues. For few queues `F_k` comes from König's min-cut formula
//! `F(K) = min_{S ⊆ K} [ r(K∖S) + Σ_{g : skills(g) ∩ S ≠ ∅} n_g ]`; the explicit allocation
//! used by reports is an augmenting-path flow in the same order.

/// Shortfall and surplus of one interval.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SlotCover {
    /// Σ_q weight × shortfall (agents).
    pub weighted_under: f64,
    /// Agents short in total.
    pub under: f64,
    /// Agents present but not needed by any queue they can serve.
    pub over: f64,
}

/// Queues beyond this count use the augmenting-path allocation instead of the cut formula.
const CUT_FORMULA_MAX_QUEUES: usize = 8;

/// Evaluate an interval: `masks[g]` skill bitmask of group g, `n[g]` agents of g at work,
/// `req[q]` required, `w[q]` under weight.
pub fn slot_cover(masks: &[u32], n: &[f64], req: &[f64], w: &[f64]) -> SlotCover {
    let nq = req.len();
    let total_n: f64 = n.iter().sum();
    let total_r: f64 = req.iter().sum();
    if nq == 1 {
        let avail: f64 = masks.iter().zip(n).filter(|(m, _)| **m & 1 != 0).map(|(_, x)| x).sum();
        let f = avail.min(req[0]);
        return SlotCover { weighted_under: w[0] * (req[0] - f), under: req[0] - f, over: total_n - f };
    }
    if nq > CUT_FORMULA_MAX_QUEUES {
        let z = allocate(masks, n, req, w);
        let served: Vec<f64> = (0..nq).map(|q| z.iter().map(|zg| zg[q]).sum()).collect();
        let f: f64 = served.iter().sum();
        let wu = (0..nq).map(|q| w[q] * (req[q] - served[q]).max(0.0)).sum();
        return SlotCover { weighted_under: wu, under: total_r - f, over: total_n - f };
    }
    // The cut formula over subsets of queues; arrays sized for the queue count, because
    // zeroing the 2 × 256 entries of the general case was 8 % of a roster search.
    if nq <= 4 {
        cut_formula::<16>(masks, n, req, w, total_r, total_n)
    } else {
        cut_formula::<{ 1 << CUT_FORMULA_MAX_QUEUES }>(masks, n, req, w, total_r, total_n)
    }
}

/// [`slot_cover`] for `nq ≤ log2(FULL)` queues: served = min over queue subsets S of
/// (required outside S + agents able to serve S), heaviest queues first.
fn cut_formula<const FULL: usize>(masks: &[u32], n: &[f64], req: &[f64], w: &[f64], total_r: f64, total_n: f64) -> SlotCover {
    let nq = req.len();
    // adj[S] = agents of groups that can serve some queue of S.
    let full = 1usize << nq;
    let mut adj = [0.0f64; FULL];
    for (m, x) in masks.iter().zip(n) {
        if *x == 0.0 || *m == 0 {
            continue;
        }
        for (s, a) in adj.iter_mut().enumerate().take(full).skip(1) {
            if (*m as usize) & s != 0 {
                *a += x;
            }
        }
    }
    let mut rsum = [0.0f64; FULL];
    for s in 1..full {
        let low = s.trailing_zeros() as usize;
        rsum[s] = rsum[s & (s - 1)] + req[low];
    }
    let mut order: [usize; CUT_FORMULA_MAX_QUEUES] = [0; CUT_FORMULA_MAX_QUEUES];
    for (i, o) in order.iter_mut().enumerate().take(nq) {
        *o = i;
    }
    order[..nq].sort_by(|a, b| w[*b].total_cmp(&w[*a]));
    let mut k_set = 0usize;
    let mut weighted_served = 0.0;
    let mut f_last = 0.0;
    for k in 0..nq {
        k_set |= 1 << order[k];
        // min over subsets S of k_set
        let mut best = f64::INFINITY;
        let mut s = k_set;
        loop {
            let v = rsum[k_set & !s] + adj[s];
            if v < best {
                best = v;
            }
            if s == 0 {
                break;
            }
            s = (s - 1) & k_set;
        }
        let wk = w[order[k]];
        let wnext = if k + 1 < nq { w[order[k + 1]] } else { 0.0 };
        weighted_served += (wk - wnext) * best;
        f_last = best;
    }
    let wr: f64 = (0..nq).map(|q| w[q] * req[q]).sum();
    SlotCover { weighted_under: (wr - weighted_served).max(0.0), under: total_r - f_last, over: total_n - f_last }
}

/// Explicit allocation `z[g][q]` of agents to queues: max flow, heaviest queues first.
pub fn allocate(masks: &[u32], n: &[f64], req: &[f64], w: &[f64]) -> Vec<Vec<f64>> {
    let (ng, nq) = (masks.len(), req.len());
    let mut z = vec![vec![0.0; nq]; ng];
    let mut out_g = vec![0.0; ng];
    let mut in_q = vec![0.0; nq];
    let mut order: Vec<usize> = (0..nq).collect();
    order.sort_by(|a, b| w[*b].total_cmp(&w[*a]));
    const EPS: f64 = 1e-9;
    for &target in &order {
        // Augment paths source → g → … → target until none is left.
        loop {
            if req[target] - in_q[target] <= EPS {
                break;
            }
            // BFS over groups; from queue nodes we may go back to a group that sends flow there.
            let mut prev_g: Vec<Option<(usize, usize)>> = vec![None; ng]; // (previous group, via queue)
            let mut seen_g = vec![false; ng];
            let mut queue: std::collections::VecDeque<usize> = Default::default();
            for g in 0..ng {
                if n[g] - out_g[g] > EPS && masks[g] != 0 {
                    seen_g[g] = true;
                    queue.push_back(g);
                }
            }
            let mut found = None;
            'bfs: while let Some(g) = queue.pop_front() {
                for q in 0..nq {
                    if masks[g] & (1 << q) == 0 {
                        continue;
                    }
                    if q == target {
                        found = Some(g);
                        break 'bfs;
                    }
                    for g2 in 0..ng {
                        if !seen_g[g2] && z[g2][q] > EPS {
                            seen_g[g2] = true;
                            prev_g[g2] = Some((g, q));
                            queue.push_back(g2);
                        }
                    }
                }
            }
            let Some(last) = found else { break };
            // Bottleneck.
            let mut delta = req[target] - in_q[target];
            let mut g = last;
            while let Some((pg, q)) = prev_g[g] {
                delta = delta.min(z[g][q]);
                g = pg;
            }
            delta = delta.min(n[g] - out_g[g]);
            // Apply: target gets delta from `last`; each back edge moves flow.
            z[last][target] += delta;
            let mut g = last;
            while let Some((pg, q)) = prev_g[g] {
                z[g][q] -= delta;
                z[pg][q] += delta;
                g = pg;
            }
            out_g[g] += delta;
            in_q[target] += delta;
        }
    }
    z
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn single_queue() {
        let c = slot_cover(&[1, 0], &[3.0, 2.0], &[4.0], &[2.0]);
        assert_eq!(c, SlotCover { weighted_under: 2.0, under: 1.0, over: 2.0 });
    }

    #[test]
    fn multi_skill_agent_goes_where_needed() {
        // group 0: queue A only (2 agents); group 1: A or B (1 agent). Need A=2, B=1 → all covered.
        let c = slot_cover(&[0b01, 0b11], &[2.0, 1.0], &[2.0, 1.0], &[1.0, 1.0]);
        assert_eq!((c.under, c.over), (0.0, 0.0));
        // Heavier queue wins when agents are scarce.
        let c = slot_cover(&[0b11], &[1.0], &[1.0, 1.0], &[1.0, 5.0]);
        assert_eq!(c.weighted_under, 1.0);
    }

    proptest! {
        #[test]
        fn cut_formula_matches_augmenting_paths(
            masks in proptest::collection::vec(0u32..8, 1..6),
            n in proptest::collection::vec(0u32..6, 6),
            req in proptest::collection::vec(0u32..8, 3),
            w in proptest::collection::vec(1u32..5, 3),
        ) {
            let n: Vec<f64> = n[..masks.len()].iter().map(|&x| x as f64).collect();
            let req: Vec<f64> = req.iter().map(|&x| x as f64).collect();
            let w: Vec<f64> = w.iter().map(|&x| x as f64).collect();
            let c = slot_cover(&masks, &n, &req, &w);
            let z = allocate(&masks, &n, &req, &w);
            let served: Vec<f64> = (0..3).map(|q| z.iter().map(|zg| zg[q]).sum()).collect();
            let wu: f64 = (0..3).map(|q| w[q] * (req[q] - served[q])).sum();
            prop_assert!((wu - c.weighted_under).abs() < 1e-9, "{} vs {}", wu, c.weighted_under);
            for (g, zg) in z.iter().enumerate() {
                prop_assert!(zg.iter().sum::<f64>() <= n[g] + 1e-9);
                for q in 0..3 { prop_assert!(zg[q] == 0.0 || masks[g] & (1 << q) != 0); }
            }
        }
    }
}
