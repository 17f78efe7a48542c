//! Claims on a network's records: the ratio of late to early records, and the sampled
//! subdifferential at a step.

use super::*;

impl Evidence<'_> {
    /// The mean of a record metric over the last `span` records over its mean over the first.
    pub(super) fn records_ratio_verdict(
        &self,
        run: &str,
        metric: RecordMetric,
        span: usize,
        bounds: &Bounds,
    ) -> Verdict {
        let (history, records) = match self.finished_records(run) {
            Ok(found) => found,
            Err(verdict) => return verdict,
        };
        if span == 0 || records.len() < 2 * span {
            return fails(format!("only {} records", records.len()));
        }
        let early = record_mean(history, &records[..span], metric);
        let late = record_mean(history, &records[records.len() - span..], metric);
        let ((early, _), (late, last_step)) = match (early, late) {
            (Ok(early), Ok(late)) => (early, late),
            (Err(verdict), _) | (_, Err(verdict)) => return verdict,
        };
        let detail = format!(
            "{} over the last {span} records / {} over the first",
            significant(late),
            significant(early)
        );
        judge_ratio(late / early, detail, bounds, Some(last_step))
    }

    /// A measure of the sampled Clarke subdifferential at the run's point.
    pub(super) fn subdifferential_verdict(
        &self,
        run: &str,
        at: At,
        radius: f64,
        measure: HullMeasure,
        bounds: &Bounds,
    ) -> Verdict {
        let Some(landscape) = self.landscape else {
            return fails("a network has no 2D subdifferential to sample");
        };
        let sample = match self.reading(run, at) {
            Ok(sample) => sample,
            Err(verdict) => return verdict,
        };
        let hull = sample_plane(
            |p| landscape.value_and_gradient(p).1,
            sample.point,
            radius,
            PLANE_SAMPLES,
            sample.step,
        );
        let value = match measure {
            HullMeasure::Distance => hull.distance(),
            HullMeasure::Diameter => hull.diameter(),
            HullMeasure::WidthX => hull.width(0),
            HullMeasure::WidthY => hull.width(1),
        };
        let [x, y] = sample.point;
        let vertices = match hull.hull.len() {
            1 => "1 vertex".to_owned(),
            n => format!("{n} vertices"),
        };
        let text = format!(
            "{} at ({}, {}), a hull of {vertices}",
            significant(value),
            significant(x),
            significant(y),
        );
        judge(
            value,
            bounds,
            Some(sample.step),
            Measured::described(value, text),
        )
    }
}

/// The mean of `metric` over `records` with the step of the last, or the verdict that stands in.
pub(super) fn record_mean(
    history: &dyn RunHistory,
    records: &[NetworkRecord],
    metric: RecordMetric,
) -> Result<(f64, u64), Verdict> {
    let mut sum = 0.0;
    let mut last_step = 0;
    for record in records {
        let sample = history
            .sample_at(record.step)
            .filter(|sample| sample.step == record.step);
        let value = match metric {
            RecordMetric::TestAccuracy => record.test_accuracy,
            RecordMetric::TestLoss => sample.and_then(|sample| sample.test_loss),
            RecordMetric::Loss => sample.map(|sample| sample.loss),
            RecordMetric::SubdifferentialDistance => record.subdifferential_distance,
            RecordMetric::RelativeWeightChange => {
                Some(record.relative_weight_change).filter(|value| value.is_finite())
            }
            RecordMetric::ActivationRatio => {
                match (record.activation_rms.first(), record.activation_rms.last()) {
                    (Some(first), Some(last)) if record.activation_rms.len() >= 2 => {
                        Some(last / first)
                    }
                    _ => None,
                }
            }
        };
        let Some(value) = value else {
            return Err(fails(format!(
                "no {metric:?} recorded at step {}",
                record.step
            )));
        };
        sum += value;
        last_step = record.step;
    }
    Ok((sum / records.len().max(1) as f64, last_step))
}
