//! The statistics of paired rounds: quantiles, a seeded generator, and the
//! moving-block bootstrap interval of a median.

/// A small seeded generator (SplitMix64): the round order and the bootstrap
/// resamples are random but the same from run to run, with no dependency.
#[derive(Debug, Clone)]
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..bound` (`bound >= 1`); the modulo bias is below
    /// 2^-40 for the bounds used here.
    pub(crate) fn below(&mut self, bound: usize) -> usize {
        (self.next_u64() % bound as u64) as usize
    }

    /// Shuffles `items` in place (Fisher–Yates).
    pub(crate) fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

/// `values` sorted.
pub(crate) fn sorted(values: &[f64]) -> Vec<f64> {
    let mut values = values.to_vec();
    values.sort_by(f64::total_cmp);
    values
}

/// The value at fraction `q` (0..=1) of `sorted` values, to the nearest
/// rank (the middle one for the median of an odd count).
pub(crate) fn quantile(sorted: &[f64], q: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

/// Bootstrap resamples behind an interval.
const RESAMPLES: usize = 2000;

/// The median of `series` (in the order measured) and a 95% interval for
/// it from a moving-block bootstrap.
///
/// Consecutive rounds are not independent (a machine stays in one regime
/// for a while), so the resamples are built from blocks of `√n`
/// consecutive values rather than single values; an interval from single
/// values (or from order statistics) would be too narrow whenever regimes
/// last several rounds. The interval is the 2.5th and 97.5th percentiles of
/// the resampled medians. It still cannot see a regime that lasts the whole
/// run: repeat runs for that.
pub(crate) fn median_with_interval(series: &[f64], rng: &mut SplitMix64) -> (f64, f64, f64) {
    let n = series.len();
    let median = quantile(&sorted(series), 0.5);
    let block = ((n as f64).sqrt().round() as usize).clamp(1, n);
    let mut resample = Vec::with_capacity(n + block);
    let mut medians: Vec<f64> = (0..RESAMPLES)
        .map(|_| {
            resample.clear();
            while resample.len() < n {
                let start = rng.below(n - block + 1);
                resample.extend_from_slice(&series[start..start + block]);
            }
            resample.truncate(n);
            resample.sort_by(f64::total_cmp);
            quantile(&resample, 0.5)
        })
        .collect();
    medians.sort_by(f64::total_cmp);
    (median, quantile(&medians, 0.025), quantile(&medians, 0.975))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_series_has_a_point_interval() {
        let mut rng = SplitMix64::new(1);
        assert_eq!(median_with_interval(&[0.7; 51], &mut rng), (0.7, 0.7, 0.7));
    }

    #[test]
    fn interval_brackets_the_median() {
        let mut rng = SplitMix64::new(2);
        let series: Vec<f64> = (0..101).map(|i| f64::from((i * 37) % 101)).collect();
        let (median, low, high) = median_with_interval(&series, &mut rng);
        assert_eq!(median, 50.0);
        assert!(low < median && median < high, "{low} {median} {high}");
    }

    #[test]
    fn drift_between_rounds_widens_the_interval() {
        // The same values twice: once drifting from round to round (each
        // value close to its neighbours, as when the machine changes regime
        // slowly), once in random order. Blocks keep neighbours together, so
        // the drifting series has the wider interval (by about the fourth
        // root of n in theory).
        let drifting: Vec<f64> = (0..400).map(f64::from).collect();
        let mut shuffled = drifting.clone();
        SplitMix64::new(3).shuffle(&mut shuffled);
        let width = |series: &[f64]| {
            let (_, low, high) = median_with_interval(series, &mut SplitMix64::new(4));
            high - low
        };
        assert!(
            width(&drifting) > 2.0 * width(&shuffled),
            "{} vs {}",
            width(&drifting),
            width(&shuffled)
        );
    }

    #[test]
    fn shuffle_is_a_permutation() {
        let mut items: Vec<u32> = (0..50).collect();
        SplitMix64::new(5).shuffle(&mut items);
        assert_ne!(items, (0..50).collect::<Vec<_>>());
        items.sort_unstable();
        assert_eq!(items, (0..50).collect::<Vec<_>>());
    }
}
