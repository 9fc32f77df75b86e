//! The random number generator of compiled code (`np.random.*` inside
//! `@jit`): one xoshiro256++ state per thread, separate from NumPy's global
//! `RandomState` (as in Numba).
//!
//! Invariants:
//! - Each thread's state lives in a `thread_local!` and never moves, so the
//!   pointer `jitufunc_rt_random_state` returns stays valid for the
//!   thread's lifetime; compiled code fetches it once and steps the
//!   generator inline (`codegen::random`), with the layout of `State`.
//! - A thread's state starts from OS entropy (`getrandom`) the first time it
//!   is used, so every thread of the rayon pool draws from its own stream;
//!   `np.random.seed(n)` in compiled code reseeds the calling thread only.
//! - A forked child clears its state (`pthread_atfork`) and reseeds from
//!   entropy, so parent and child never share a stream.
//! - A state is never all zeros once initialised (xoshiro's one bad state):
//!   zero marks "not yet seeded".
//!
//! The distributions follow NumPy's legacy algorithms where they are short
//! (polar Box-Muller with a cached second value, Poisson by multiplication
//! and PTRS, binomial by inversion) and Hörmann's BTRS for large binomials.
//! Results are statistically, not bitwise, equal to NumPy's.

use std::cell::UnsafeCell;

/// One thread's generator, as compiled code sees it (`#[repr(C)]`: the
/// inline step in `codegen::random` reads and writes `s` at offsets 0, 8,
/// 16, 24).
#[repr(C)]
pub struct State {
    /// xoshiro256++'s 256 bits; all zero until seeded.
    pub s: [u64; 4],
    /// The second normal value of the last polar pair.
    pub gauss: f64,
    /// Whether `gauss` holds a value not yet returned.
    pub has_gauss: u64,
}

impl State {
    const ZERO: State = State {
        s: [0; 4],
        gauss: 0.0,
        has_gauss: 0,
    };

    /// A state seeded from `seed` (splitmix64 expands it to 256 bits, as
    /// xoshiro's authors recommend).
    pub fn from_seed(seed: u64) -> State {
        let mut x = seed;
        let mut next = || {
            x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        };
        let mut s = [next(), next(), next(), next()];
        if s == [0; 4] {
            s[0] = 1;
        }
        State {
            s,
            gauss: 0.0,
            has_gauss: 0,
        }
    }

    /// A state seeded from OS entropy (the thread's address and the time
    /// mixed in if `getrandom` fails).
    fn from_entropy() -> State {
        let mut seed = 0u64;
        // SAFETY: `getrandom` writes at most 8 bytes into `seed`.
        let got = unsafe { libc::getrandom((&raw mut seed).cast(), 8, 0) };
        if got != 8 {
            let t = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(0);
            seed = t ^ (&raw const seed as u64).rotate_left(32);
        }
        State::from_seed(seed)
    }

    /// The next 64 random bits (xoshiro256++).
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

    /// A double in [0, 1): the top 53 bits, scaled (as the inline step).
    #[inline]
    pub fn next_double(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A standard normal value (the polar method, the second value of each
    /// pair kept for the next call, as NumPy's legacy `gauss`).
    pub fn normal(&mut self) -> f64 {
        if self.has_gauss != 0 {
            self.has_gauss = 0;
            return self.gauss;
        }
        loop {
            let x1 = 2.0 * self.next_double() - 1.0;
            let x2 = 2.0 * self.next_double() - 1.0;
            let r2 = x1 * x1 + x2 * x2;
            if r2 < 1.0 && r2 != 0.0 {
                let f = (-2.0 * r2.ln() / r2).sqrt();
                self.gauss = f * x1;
                self.has_gauss = 1;
                return f * x2;
            }
        }
    }

    /// A uniform integer in [0, range), or any u64 for `range == 0` (2^64),
    /// without bias (Lemire's multiply-and-reject).
    pub fn bounded(&mut self, range: u64) -> u64 {
        if range == 0 {
            return self.next_u64();
        }
        let mut m = u128::from(self.next_u64()) * u128::from(range);
        if (m as u64) < range {
            let threshold = range.wrapping_neg() % range;
            while (m as u64) < threshold {
                m = u128::from(self.next_u64()) * u128::from(range);
            }
        }
        (m >> 64) as u64
    }

    /// A Poisson value of mean `lam` (finite, 0 <= lam below
    /// `POISSON_LAM_MAX`): multiplication of uniforms below 10, Hörmann's
    /// PTRS from 10 on (NumPy's legacy algorithms).
    pub fn poisson(&mut self, lam: f64) -> i64 {
        if lam <= 0.0 || lam.is_nan() {
            return 0;
        }
        if lam < 10.0 {
            let enlam = (-lam).exp();
            let mut x = 0i64;
            let mut prod = 1.0;
            loop {
                prod *= self.next_double();
                if prod > enlam {
                    x += 1;
                } else {
                    return x;
                }
            }
        }
        let slam = lam.sqrt();
        let loglam = lam.ln();
        let b = 0.931 + 2.53 * slam;
        let a = -0.059 + 0.02483 * b;
        let invalpha = 1.1239 + 1.1328 / (b - 3.4);
        let vr = 0.9277 - 3.6224 / (b - 2.0);
        loop {
            let u = self.next_double() - 0.5;
            let v = self.next_double();
            let us = 0.5 - u.abs();
            let k = ((2.0 * a / us + b) * u + lam + 0.43).floor();
            if us >= 0.07 && v <= vr {
                return k as i64;
            }
            if k < 0.0 || (us < 0.013 && v > us) {
                continue;
            }
            if v.ln() + invalpha.ln() - (a / (us * us) + b).ln()
                <= -lam + k * loglam - loggam(k + 1.0)
            {
                return k as i64;
            }
        }
    }

    /// A binomial value of `n` trials of probability `p` (n >= 0,
    /// 0 <= p <= 1): by the smaller of p and 1 - p, inversion when the
    /// mean is below 10, else Hörmann's BTRS.
    pub fn binomial(&mut self, n: i64, p: f64) -> i64 {
        if n <= 0 || p <= 0.0 || p.is_nan() {
            return 0;
        }
        if p >= 1.0 {
            return n;
        }
        let (q, flipped) = if p > 0.5 { (1.0 - p, true) } else { (p, false) };
        let x = if n as f64 * q < 10.0 {
            self.binomial_inversion(n, q)
        } else {
            self.binomial_btrs(n, q)
        };
        if flipped {
            n - x
        } else {
            x
        }
    }

    /// Inversion (NumPy's `random_binomial_inversion`), p <= 0.5.
    fn binomial_inversion(&mut self, n: i64, p: f64) -> i64 {
        let q = 1.0 - p;
        let qn = (n as f64 * q.ln()).exp();
        let np = n as f64 * p;
        let bound = (n as f64).min(np + 10.0 * (np * q + 1.0).sqrt());
        let mut x = 0i64;
        let mut px = qn;
        let mut u = self.next_double();
        while u > px {
            x += 1;
            if x as f64 > bound {
                x = 0;
                px = qn;
                u = self.next_double();
            } else {
                u -= px;
                px = ((n - x + 1) as f64 * p * px) / (x as f64 * q);
            }
        }
        x
    }

    /// Hörmann's BTRS (transformed rejection with squeeze), p <= 0.5 and
    /// n * p >= 10.
    fn binomial_btrs(&mut self, n: i64, p: f64) -> i64 {
        let nf = n as f64;
        let q = 1.0 - p;
        let spq = (nf * p * q).sqrt();
        let b = 1.15 + 2.53 * spq;
        let a = -0.0873 + 0.0248 * b + 0.01 * p;
        let c = nf * p + 0.5;
        let v_r = 0.92 - 4.2 / b;
        let alpha = (2.83 + 5.1 / b) * spq;
        let lpq = (p / q).ln();
        let m = ((nf + 1.0) * p).floor();
        let h = loggam(m + 1.0) + loggam(nf - m + 1.0);
        loop {
            let u = self.next_double() - 0.5;
            let v = self.next_double();
            let us = 0.5 - u.abs();
            let k = ((2.0 * a / us + b) * u + c).floor();
            if k < 0.0 || k > nf {
                continue;
            }
            if us >= 0.07 && v <= v_r {
                return k as i64;
            }
            let v = (v * alpha / (a / (us * us) + b)).ln();
            if v <= h - loggam(k + 1.0) - loggam(nf - k + 1.0) + (k - m) * lpq {
                return k as i64;
            }
        }
    }
}

/// The largest Poisson mean NumPy accepts (`int64` max less ten standard
/// deviations).
pub const POISSON_LAM_MAX: f64 = 9.223_372_006_484_771e18;

/// log(gamma(x)) for x > 0 (NumPy's `random_loggam`: Stirling's series,
/// shifted up to x >= 7).
pub fn loggam(x: f64) -> f64 {
    const A: [f64; 10] = [
        8.333_333_333_333_333e-02,
        -2.777_777_777_777_778e-03,
        7.936_507_936_507_937e-04,
        -5.952_380_952_380_952e-04,
        8.417_508_417_508_418e-04,
        -1.917_526_917_526_918e-03,
        6.410_256_410_256_41e-03,
        -2.955_065_359_477_124e-02,
        1.796_443_723_688_307e-01,
        -1.392_432_216_905_90e+00,
    ];
    if x == 1.0 || x == 2.0 {
        return 0.0;
    }
    let mut n = 0;
    let mut x0 = x;
    if x <= 7.0 {
        n = (7.0 - x) as i64;
        x0 = x + n as f64;
    }
    let x2 = 1.0 / (x0 * x0);
    let mut gl0 = A[9];
    for k in (0..9).rev() {
        gl0 = gl0 * x2 + A[k];
    }
    let mut gl = gl0 / x0 + 0.5 * (2.0 * std::f64::consts::PI).ln() + (x0 - 0.5) * x0.ln() - x0;
    if x <= 7.0 {
        for _ in 1..=n {
            gl -= (x0 - 1.0).ln();
            x0 -= 1.0;
        }
    }
    gl
}

thread_local! {
    /// This thread's generator (zero until first used).
    static STATE: UnsafeCell<State> = const { UnsafeCell::new(State::ZERO) };
}

/// After `fork()`, in the child: the forking thread's state (the only
/// thread the child has) is cleared, so the child reseeds from entropy
/// instead of repeating the parent's numbers (as Numba's generator is
/// fork-safe).
extern "C" fn clear_after_fork() {
    STATE.with(|cell| {
        // SAFETY: this thread's own state; nothing else runs in the child
        // yet.
        unsafe { (*cell.get()).s = [0; 4] };
    });
}

/// The calling thread's generator, seeded from OS entropy on first use.
/// Compiled code calls it once per function call and steps the state
/// inline; the pointer is valid for as long as the thread lives.
pub extern "C" fn jitufunc_rt_random_state() -> *mut State {
    static AT_FORK: std::sync::Once = std::sync::Once::new();
    AT_FORK.call_once(|| {
        // SAFETY: registers a handler that only writes a thread-local
        // (async-signal-safe enough for a fork child: no locks, no
        // allocation).
        unsafe { libc::pthread_atfork(None, None, Some(clear_after_fork)) };
    });
    STATE.with(|cell| {
        let p = cell.get();
        // SAFETY: the state belongs to this thread; no reference to it is
        // alive here (compiled code only holds the raw pointer, and does
        // not run during this call).
        unsafe {
            if (*p).s == [0; 4] {
                *p = State::from_entropy();
            }
        }
        p
    })
}

/// `np.random.seed(seed)` in compiled code: reseeds `state` (the calling
/// thread's).
///
/// # Safety
/// `state` comes from `jitufunc_rt_random_state` on this thread.
pub unsafe extern "C" fn jitufunc_rt_random_seed(state: *mut State, seed: u64) {
    // SAFETY: per the contract, a valid state owned by this thread.
    unsafe { *state = State::from_seed(seed) };
}

/// A standard normal value.
///
/// # Safety
/// `state` comes from `jitufunc_rt_random_state` on this thread.
pub unsafe extern "C" fn jitufunc_rt_random_normal(state: *mut State) -> f64 {
    // SAFETY: per the contract.
    unsafe { (*state).normal() }
}

/// A uniform integer in [lo, hi) (lo < hi; `lo` for an empty range).
///
/// # Safety
/// `state` comes from `jitufunc_rt_random_state` on this thread.
pub unsafe extern "C" fn jitufunc_rt_random_integer(state: *mut State, lo: i64, hi: i64) -> i64 {
    if hi <= lo {
        return lo;
    }
    let range = hi.wrapping_sub(lo) as u64;
    // SAFETY: per the contract.
    let k = unsafe { (*state).bounded(range) };
    lo.wrapping_add(k as i64)
}

/// A Poisson value of mean `lam` (0 for a mean that is not positive).
///
/// # Safety
/// `state` comes from `jitufunc_rt_random_state` on this thread.
pub unsafe extern "C" fn jitufunc_rt_random_poisson(state: *mut State, lam: f64) -> i64 {
    // SAFETY: per the contract.
    unsafe { (*state).poisson(lam) }
}

/// A binomial value (0 for n <= 0 or p <= 0, n for p >= 1).
///
/// # Safety
/// `state` comes from `jitufunc_rt_random_state` on this thread.
pub unsafe extern "C" fn jitufunc_rt_random_binomial(state: *mut State, n: i64, p: f64) -> i64 {
    // SAFETY: per the contract.
    unsafe { (*state).binomial(n, p) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mean_var(xs: &[f64]) -> (f64, f64) {
        let n = xs.len() as f64;
        let m = xs.iter().sum::<f64>() / n;
        let v = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n;
        (m, v)
    }

    /// Within `k` standard errors of `mean` (for a variance `var`).
    fn close(m: f64, mean: f64, var: f64, n: usize) -> bool {
        (m - mean).abs() <= 5.0 * (var / n as f64).sqrt()
    }

    #[test]
    fn seeded_states_repeat_and_differ() {
        let mut a = State::from_seed(1);
        let mut b = State::from_seed(1);
        let mut c = State::from_seed(2);
        let xa: Vec<u64> = (0..8).map(|_| a.next_u64()).collect();
        let xb: Vec<u64> = (0..8).map(|_| b.next_u64()).collect();
        let xc: Vec<u64> = (0..8).map(|_| c.next_u64()).collect();
        assert_eq!(xa, xb);
        assert_ne!(xa, xc);
    }

    #[test]
    fn xoshiro_reference_values() {
        // The reference implementation's first outputs from s = {1, 2, 3, 4}.
        let mut s = State {
            s: [1, 2, 3, 4],
            ..State::ZERO
        };
        assert_eq!(s.next_u64(), 41943041);
        assert_eq!(s.next_u64(), 58720359);
        assert_eq!(s.next_u64(), 3588806011781223);
    }

    #[test]
    fn uniform_and_normal_moments() {
        let mut s = State::from_seed(7);
        let n = 200_000;
        let u: Vec<f64> = (0..n).map(|_| s.next_double()).collect();
        assert!(u.iter().all(|x| (0.0..1.0).contains(x)));
        let (m, v) = mean_var(&u);
        assert!(close(m, 0.5, 1.0 / 12.0, n), "{m}");
        assert!((v - 1.0 / 12.0).abs() < 0.002, "{v}");
        let z: Vec<f64> = (0..n).map(|_| s.normal()).collect();
        let (m, v) = mean_var(&z);
        assert!(close(m, 0.0, 1.0, n), "{m}");
        assert!((v - 1.0).abs() < 0.02, "{v}");
    }

    #[test]
    fn bounded_is_in_range_and_even() {
        let mut s = State::from_seed(3);
        let mut counts = [0usize; 7];
        for _ in 0..70_000 {
            counts[s.bounded(7) as usize] += 1;
        }
        // Chi-square with 6 degrees of freedom: 22.46 is its 0.999 quantile.
        let chi2: f64 = counts
            .iter()
            .map(|c| (*c as f64 - 10_000.0).powi(2) / 10_000.0)
            .sum();
        assert!(chi2 < 22.46, "{counts:?}");
        // SAFETY: a valid state, used on this thread only.
        let x = unsafe { jitufunc_rt_random_integer(&mut s, i64::MIN, i64::MAX) };
        assert!(x < i64::MAX);
        // SAFETY: as above.
        assert_eq!(unsafe { jitufunc_rt_random_integer(&mut s, -3, -2) }, -3);
    }

    #[test]
    fn poisson_and_binomial_moments() {
        let mut s = State::from_seed(11);
        let n = 100_000;
        for lam in [0.5, 4.0, 10.0, 37.5, 1e4] {
            let xs: Vec<f64> = (0..n).map(|_| s.poisson(lam) as f64).collect();
            let (m, v) = mean_var(&xs);
            assert!(close(m, lam, lam, n), "lam {lam}: mean {m}");
            assert!((v / lam - 1.0).abs() < 0.05, "lam {lam}: var {v}");
        }
        for (trials, p) in [
            (10, 0.3),
            (20, 0.9),
            (1000, 0.25),
            (100_000, 0.6),
            (50, 0.5),
        ] {
            let xs: Vec<f64> = (0..n).map(|_| s.binomial(trials, p) as f64).collect();
            assert!(xs.iter().all(|x| (0.0..=trials as f64).contains(x)));
            let mean = trials as f64 * p;
            let var = mean * (1.0 - p);
            let (m, v) = mean_var(&xs);
            assert!(close(m, mean, var, n), "{trials} {p}: mean {m}");
            assert!((v / var - 1.0).abs() < 0.05, "{trials} {p}: var {v}");
        }
        assert_eq!(s.binomial(0, 0.5), 0);
        assert_eq!(s.binomial(5, 1.0), 5);
        assert_eq!(s.poisson(0.0), 0);
    }

    #[test]
    fn loggam_matches_known_values() {
        assert!((loggam(0.5) - std::f64::consts::PI.sqrt().ln()).abs() < 1e-12);
        assert!((loggam(10.0) - 362880f64.ln()).abs() < 1e-10);
        assert!((loggam(3.0) - 2f64.ln()).abs() < 1e-12);
    }

    #[test]
    fn threads_get_their_own_streams() {
        let here = jitufunc_rt_random_state() as usize;
        let there = std::thread::spawn(|| {
            let p = jitufunc_rt_random_state();
            // SAFETY: this thread's own state.
            (p as usize, unsafe { (*p).next_u64() })
        })
        .join()
        .expect("thread");
        assert_ne!(here, there.0);
        // SAFETY: this thread's own state.
        let mine = unsafe { (*(here as *mut State)).next_u64() };
        assert_ne!(mine, there.1);
    }
}
