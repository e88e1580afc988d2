//! Random streams. Hand-written xoshiro256++ so results are reproducible across `rand` versions
//! and each source (arrivals, service, patience per queue; adherence) gets its own stream
//! derived from (seed, replication, stream id) — the basis of common random numbers (§12).

/// SplitMix64 step: turns structured seeds into well-mixed 64-bit words.
fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// One independent random stream (xoshiro256++).
#[derive(Clone, Debug)]
pub struct Stream {
    s: [u64; 4],
}

impl Stream {
    /// The stream for `(seed, replication, id)`; different triples give unrelated streams.
    pub fn new(seed: u64, replication: u64, id: u64) -> Stream {
        // Chain the three words through SplitMix so nearby triples give unrelated states.
        let mut st = seed;
        let mut st = splitmix(&mut st) ^ replication;
        let mut st = splitmix(&mut st) ^ id;
        let mut s = [0u64; 4];
        for w in &mut s {
            *w = splitmix(&mut st);
        }
        if s == [0; 4] {
            s[0] = 1; // the all-zero state is the one fixed point of xoshiro
        }
        Stream { s }
    }

    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform in (0, 1]: never 0, so `ln` is always finite.
    #[inline]
    pub fn uniform_open0(&mut self) -> f64 {
        ((self.next_u64() >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in [0, 1).
    #[inline]
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Exponential with mean 1.
    #[inline]
    pub fn exp1(&mut self) -> f64 {
        -self.uniform_open0().ln()
    }

    /// Standard normal (Box–Muller, one value per call; simple and exact).
    pub fn normal(&mut self) -> f64 {
        let u1 = self.uniform_open0();
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_deterministic_and_distinct() {
        let a: Vec<u64> = (0..4).map(|_| 0).scan(Stream::new(7, 0, 1), |s, _: u64| Some(s.next_u64())).collect();
        let b: Vec<u64> = (0..4).map(|_| 0).scan(Stream::new(7, 0, 1), |s, _: u64| Some(s.next_u64())).collect();
        let c: Vec<u64> = (0..4).map(|_| 0).scan(Stream::new(7, 0, 2), |s, _: u64| Some(s.next_u64())).collect();
        let d: Vec<u64> = (0..4).map(|_| 0).scan(Stream::new(7, 1, 1), |s, _: u64| Some(s.next_u64())).collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
    }

    /// Sample mean and variance of `n` draws.
    fn moments(s: &mut Stream, n: usize, draw: impl Fn(&mut Stream) -> f64) -> (f64, f64) {
        let (mut m, mut v) = (0.0, 0.0);
        for _ in 0..n {
            let x = draw(s);
            m += x;
            v += x * x;
        }
        m /= n as f64;
        (m, v / n as f64 - m * m)
    }

    #[test]
    fn exponential_and_normal_moments() {
        let mut s = Stream::new(42, 0, 0);
        let (m, v) = moments(&mut s, 200_000, Stream::exp1);
        assert!((m - 1.0).abs() < 0.01 && (v - 1.0).abs() < 0.03, "exp: mean {m} var {v}");
        let (m, v) = moments(&mut s, 200_000, Stream::normal);
        assert!(m.abs() < 0.01 && (v - 1.0).abs() < 0.02, "normal: mean {m} var {v}");
        let (m, _) = moments(&mut s, 200_000, Stream::uniform);
        assert!((m - 0.5).abs() < 0.01, "uniform: mean {m}");
    }
}
