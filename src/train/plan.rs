//! The logging plan: which summaries a training step writes.
//!
//! Every kind has its own period in steps (`0` turns it off). Histograms and images are
//! also written at the last step, so the end state of a run is always on record.

/// Periods, in steps, of each kind of summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogPlan {
    /// Scalars (`cost`, `accuracy`, `grad_norm/layer*`).
    pub scalars_every: u64,
    /// Histograms (`layerK/weights`, `biases`, `activations`, `gradients`).
    pub hist_every: u64,
    /// The `decision_boundary` image.
    pub image_every: u64,
    /// The last step of the run (`steps - 1`).
    pub last_step: u64,
}

impl LogPlan {
    /// Whether scalars are written at `step`.
    pub fn scalars(&self, step: u64) -> bool {
        due(self.scalars_every, step) || (self.scalars_every > 0 && step == self.last_step)
    }

    /// Whether histograms are written at `step`.
    pub fn histograms(&self, step: u64) -> bool {
        due(self.hist_every, step) || (self.hist_every > 0 && step == self.last_step)
    }

    /// Whether the decision-boundary image is drawn at `step`.
    pub fn image(&self, step: u64) -> bool {
        due(self.image_every, step) || (self.image_every > 0 && step == self.last_step)
    }
}

fn due(every: u64, step: u64) -> bool {
    every > 0 && step % every == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lesson_defaults() {
        let plan = LogPlan {
            scalars_every: 1,
            hist_every: 100,
            image_every: 1000,
            last_step: 10_000,
        };
        assert!(plan.scalars(0) && plan.scalars(1) && plan.scalars(10_000));
        assert!(plan.histograms(0) && plan.histograms(100) && !plan.histograms(150));
        assert!(plan.image(0) && plan.image(10_000) && !plan.image(999));
        assert_eq!((0..=10_000).filter(|&s| plan.histograms(s)).count(), 101);
        assert_eq!((0..=10_000).filter(|&s| plan.image(s)).count(), 11);
    }

    #[test]
    fn last_step_is_always_recorded_and_zero_disables() {
        let plan = LogPlan {
            scalars_every: 0,
            hist_every: 7,
            image_every: 0,
            last_step: 10,
        };
        assert!(!(0..=10).any(|s| plan.scalars(s) || plan.image(s)));
        let hist: Vec<u64> = (0..=10).filter(|&s| plan.histograms(s)).collect();
        assert_eq!(hist, vec![0, 7, 10]);
    }
}
