//! Independent solves (LP week blocks, week-plan groups, day MIPs) spread over all cores.

/// How many cores the machine offers (at least 1).
pub(crate) fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// `f` on every item, on up to [`cores`] threads that each take the next item left; results in
/// item order (None where a worker panicked).
pub(crate) fn on_all_cores<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<Option<R>> {
    let threads = cores().min(items.len()).max(1);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut out: Vec<Option<R>> = std::iter::repeat_with(|| None).take(items.len()).collect();
    std::thread::scope(|sc| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                sc.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        done.push((i, f(item)));
                    }
                    done
                })
            })
            .collect();
        for (i, r) in workers.into_iter().flat_map(|w| w.join().unwrap_or_default()) {
            out[i] = Some(r);
        }
    });
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_come_back_in_item_order() {
        let items: Vec<u64> = (0..37).collect();
        let out = super::on_all_cores(&items, |&x| x * x);
        assert_eq!(out, items.iter().map(|&x| Some(x * x)).collect::<Vec<_>>());
    }
}
