//! Samples as CSV: the columns of `optiviz run` and of the app's export, written fast enough that
//! writing a run costs no more than computing it.
//!
//! A row is built in one reused buffer with no allocation: the run's index and label are
//! formatted once per run, integers by `itoa`, and floats by `zmij`, which finds the same shortest
//! round-trip digits as the standard library's `{:?}` (both pick, among the shortest decimals that
//! read back to the f64, the one nearest to it) several times faster. The bytes are exactly those
//! of `format!("{value:?}")`, which this file wrote before (the tests prove it over every kind of
//! f64): the two layouts differ only for 10⁻⁵ ≤ |x| < 10⁻⁴, which `{:?}` writes in exponent form
//! (`1.5e-5`) and zmij as `0.000015`, in the sign of a positive exponent (`{:?}` writes `1e16`,
//! zmij `1e+16`), and for NaN and ±∞, which zmij does not take.
//!
//! Quoting follows RFC 4180 as the `csv` crate does by default: a field is quoted when it contains
//! a comma, a double quote, CR or LF, and a double quote inside is doubled. Only labels can.

use std::io::{self, Write};
use std::sync::{Mutex, MutexGuard, PoisonError, mpsc};

use crate::engine::{RunStatus, Sample, Session};

/// CSV columns for landscapes.
pub const LANDSCAPE_COLUMNS: [&str; 9] = [
    "run",
    "label",
    "step",
    "x",
    "y",
    "loss",
    "grad_norm",
    "evals",
    "bits",
];

/// CSV columns for networks: sharpness, test loss and accuracy are empty on steps where they were
/// not measured.
pub const NETWORK_COLUMNS: [&str; 11] = [
    "run",
    "label",
    "step",
    "loss",
    "sharpness",
    "test_loss",
    "accuracy",
    "grad_norm",
    "preconditioned_sharpness",
    "evals",
    "bits",
];

/// Bytes gathered before they are handed to the output: large writes, few calls.
const BLOCK_BYTES: usize = 1 << 16;

/// Writes samples as CSV rows, run after run, in the columns of their kind of problem. Call
/// [`finish`](Self::finish) at the end: rows are held in blocks until then.
pub struct SampleCsvWriter<W: Write> {
    output: W,
    network: bool,
    /// Rows not yet handed to `output`.
    pending: Vec<u8>,
    /// `run,label,` of the current run, quoted as needed.
    run_prefix: Vec<u8>,
    floats: zmij::Buffer,
    integers: itoa::Buffer,
}

impl<W: Write> SampleCsvWriter<W> {
    /// A writer whose first row is the header: [`NETWORK_COLUMNS`] when `network`, else
    /// [`LANDSCAPE_COLUMNS`].
    pub fn new(output: W, network: bool) -> Self {
        let columns: &[&str] = if network {
            &NETWORK_COLUMNS
        } else {
            &LANDSCAPE_COLUMNS
        };
        let mut pending = Vec::with_capacity(BLOCK_BYTES + 1024);
        pending.extend_from_slice(columns.join(",").as_bytes());
        pending.push(b'\n');
        SampleCsvWriter {
            output,
            network,
            pending,
            run_prefix: Vec::new(),
            floats: zmij::Buffer::new(),
            integers: itoa::Buffer::new(),
        }
    }

    /// Starts the rows of run `index`, labelled `label`.
    pub fn start_run(&mut self, index: usize, label: &str) {
        self.run_prefix.clear();
        self.run_prefix
            .extend_from_slice(self.integers.format(index).as_bytes());
        self.run_prefix.push(b',');
        push_field(&mut self.run_prefix, label);
        self.run_prefix.push(b',');
    }

    /// Writes one row: the current run's index and label, then `sample`.
    pub fn write_sample(&mut self, sample: &Sample) -> io::Result<()> {
        let row = &mut self.pending;
        row.extend_from_slice(&self.run_prefix);
        row.extend_from_slice(self.integers.format(sample.step).as_bytes());
        row.push(b',');
        let floats = &mut self.floats;
        if self.network {
            push_float(row, floats, sample.loss);
            for optional in [sample.sharpness, sample.test_loss, sample.accuracy] {
                row.push(b',');
                if let Some(value) = optional {
                    push_float(row, floats, value);
                }
            }
            row.push(b',');
            push_float(row, floats, sample.grad_norm);
            row.push(b',');
            if let Some(value) = sample.preconditioned_sharpness {
                push_float(row, floats, value);
            }
        } else {
            for value in [sample.point[0], sample.point[1], sample.loss] {
                push_float(row, floats, value);
                row.push(b',');
            }
            push_float(row, floats, sample.grad_norm);
        }
        row.push(b',');
        row.extend_from_slice(self.integers.format(sample.evals).as_bytes());
        row.push(b',');
        row.extend_from_slice(self.integers.format(sample.bits).as_bytes());
        row.push(b'\n');
        if self.pending.len() >= BLOCK_BYTES {
            self.output.write_all(&self.pending)?;
            self.pending.clear();
        }
        Ok(())
    }

    /// Writes out the rows still held and flushes the output, which it returns.
    pub fn finish(mut self) -> io::Result<W> {
        self.output.write_all(&self.pending)?;
        self.pending.clear();
        self.output.flush()?;
        Ok(self.output)
    }
}

/// Appends `text` as one CSV field, quoted (with inner quotes doubled) when it contains a comma,
/// a double quote, CR or LF.
pub fn push_field(row: &mut Vec<u8>, text: &str) {
    if !text
        .bytes()
        .any(|byte| matches!(byte, b',' | b'"' | b'\r' | b'\n'))
    {
        row.extend_from_slice(text.as_bytes());
        return;
    }
    row.push(b'"');
    for byte in text.bytes() {
        if byte == b'"' {
            row.push(b'"');
        }
        row.push(byte);
    }
    row.push(b'"');
}

/// Appends exactly the bytes of `format!("{value:?}")`: the shortest decimal that reads back to
/// `value`, in positional form (with at least one fractional digit) for 10⁻⁴ ≤ |x| < 10¹⁶ and 0,
/// in exponent form otherwise.
pub fn push_float(row: &mut Vec<u8>, floats: &mut zmij::Buffer, value: f64) {
    if !value.is_finite() || may_round_a_tie(value) {
        // `NaN`, `inf`, `-inf`, which zmij does not take, and the rare values where zmij's digits
        // may differ. Writing to a Vec cannot fail.
        let _ = write!(row, "{value:?}");
        return;
    }
    let text = floats.format_finite(value).as_bytes();
    let (sign, magnitude) = match text.split_first() {
        Some((b'-', magnitude)) => (&text[..1], magnitude),
        _ => (&text[..0], text),
    };
    // zmij writes 10⁻⁵ ≤ |x| < 10⁻⁴ (and only those) as `0.0000d…`; `{:?}` as `d.…e-5`.
    match magnitude.strip_prefix(b"0.0000") {
        Some(digits) => {
            row.extend_from_slice(sign);
            if let Some((first, rest)) = digits.split_first() {
                row.push(*first);
                if !rest.is_empty() {
                    row.push(b'.');
                    row.extend_from_slice(rest);
                }
            }
            row.extend_from_slice(b"e-5");
        }
        None => row.extend_from_slice(text),
    }
}

/// Whether zmij and `{:?}` might choose different digits for `value` (zero and integers included,
/// to keep the test short). They can differ only when two shortest candidates are equally near
/// `value` (zmij rounds that tie to even, `{:?}` away from zero: 891792702187363.25 is `…363.2` to
/// one, `…363.3` to the other), or when a candidate is exactly a midpoint to a neighbouring f64
/// (whether the bound is included). Either needs `value` or a midpoint to be a decimal of at most
/// 18 significant digits exactly. Below 2⁵⁰ a midpoint (2M ± 1)·2ᴱ⁻¹ never is: its digits are
/// those of (2M ± 1)·5¹⁻ᴱ ≥ 2⁵³·5⁴ > 10¹⁸. `value` = m·2⁻ᵏ (m odd) is when k ≤ 0 (an integer) or
/// m·5ᵏ < 10¹⁸.
fn may_round_a_tie(value: f64) -> bool {
    const TWO_TO_THE_50: f64 = (1u64 << 50) as f64;
    let magnitude = value.abs();
    if magnitude >= TWO_TO_THE_50 {
        return true;
    }
    let bits = magnitude.to_bits();
    let biased_exponent = (bits >> 52) as i32;
    let fraction = bits & ((1 << 52) - 1);
    let (mantissa, exponent) = if biased_exponent == 0 {
        (fraction, -1074)
    } else {
        (fraction | (1 << 52), biased_exponent - 1075)
    };
    if mantissa == 0 {
        return true;
    }
    let zeros = mantissa.trailing_zeros();
    let (odd, exponent) = (mantissa >> zeros, exponent + zeros as i32);
    let Ok(k) = u32::try_from(-exponent) else {
        return true;
    };
    k <= 27 && u128::from(odd) * 5u128.pow(k) < 10u128.pow(18)
}

/// Writes kept samples as CSV with the columns of `optiviz run` (the app's export): `runs` gives
/// each run's index, label and samples in step order.
pub fn write_samples_csv<'a, Samples: IntoIterator<Item = &'a Sample>>(
    output: impl Write,
    network: bool,
    runs: impl IntoIterator<Item = (usize, &'a str, Samples)>,
) -> io::Result<()> {
    let mut writer = SampleCsvWriter::new(output, network);
    for (index, label, samples) in runs {
        writer.start_run(index, label);
        for sample in samples {
            writer.write_sample(sample)?;
        }
    }
    writer.finish().map(drop)
}

/// Runs every run of `session` to its step budget, one after another, writing its start point,
/// every step that is a multiple of `every` (every step when `every` ≤ 1), and its last sample;
/// `finished(index, label, status)` is told each run's end. Nothing is kept in memory beyond a
/// few blocks of samples.
///
/// Where a second thread can start, the runs step on it while this thread formats and writes
/// what they hand over in blocks of [`BLOCK_SAMPLES`], so a run written to a file takes about as
/// long as the longer of the two jobs rather than their sum (the blocks go round between the two
/// threads: no allocation per step). Elsewhere (the browser) both work in turn on this thread.
/// The bytes are the same either way.
pub fn stream_session<W: Write>(
    session: &mut Session,
    output: W,
    every: u64,
    finished: impl FnMut(usize, &str, &RunStatus),
) -> io::Result<W> {
    stream_session_on(session, output, every, finished, Stepping::OwnThread)
}

/// Where [`stream_session_on`] steps the runs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stepping {
    /// On a thread of its own where one starts, else on the writing thread.
    OwnThread,
    /// On the writing thread, in turn with the writing (what the browser does).
    #[cfg_attr(not(test), allow(dead_code))]
    WritingThread,
}

fn stream_session_on<W: Write>(
    session: &mut Session,
    output: W,
    every: u64,
    mut finished: impl FnMut(usize, &str, &RunStatus),
    stepping: Stepping,
) -> io::Result<W> {
    let every = every.max(1);
    let mut writer = SampleCsvWriter::new(output, session.problem().network.is_some());
    let mut failure = None;
    let mut write = |streamed: Streamed| {
        if failure.is_none()
            && let Err(error) = write_streamed(&mut writer, &streamed, &mut finished)
        {
            failure = Some(error);
        }
        streamed
    };
    // Behind a lock so that, should no thread start, this thread steps the session itself.
    let session = Mutex::new(session);
    let session = &session;
    std::thread::scope(|scope| {
        let (to_writer, from_stepper) = mpsc::sync_channel::<Streamed>(BLOCKS_IN_FLIGHT);
        let (to_stepper, spare_blocks) = mpsc::sync_channel::<Vec<Sample>>(BLOCKS_IN_FLIGHT + 1);
        let stepper = match stepping {
            Stepping::OwnThread => std::thread::Builder::new()
                .name("optiviz csv runs".into())
                .spawn_scoped(scope, move || {
                    step_session(&mut stepped(session), every, |streamed| {
                        // A closed channel means the writer failed: keep stepping, send nothing.
                        let _ = to_writer.send(streamed);
                        spare_blocks.try_recv().ok()
                    });
                })
                .map(drop),
            Stepping::WritingThread => Err(io::ErrorKind::Unsupported.into()),
        };
        match stepper {
            Ok(_) => {
                for streamed in from_stepper {
                    if let Streamed::Samples(mut block) = write(streamed) {
                        block.clear();
                        let _ = to_stepper.try_send(block);
                    }
                }
            }
            // No threads here: step and write in turn.
            Err(_) => step_session(&mut stepped(session), every, |streamed| {
                match write(streamed) {
                    Streamed::Samples(mut block) => {
                        block.clear();
                        Some(block)
                    }
                    _ => None,
                }
            }),
        }
    });
    match failure {
        Some(error) => Err(error),
        None => writer.finish(),
    }
}

/// The session behind `lock` (a panic while it was held has already been reported).
fn stepped<'a, 'b>(lock: &'a Mutex<&'b mut Session>) -> MutexGuard<'a, &'b mut Session> {
    lock.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Samples handed from the stepping thread to the writing one at a time.
pub const BLOCK_SAMPLES: usize = 4096;
/// Blocks that may wait for the writer before the stepping thread waits too.
const BLOCKS_IN_FLIGHT: usize = 2;

/// What [`step_session`] hands over, in order: per run a start, blocks of samples, an end.
enum Streamed {
    /// Run `index`, labelled `label`, starts at `sample`.
    Start {
        index: usize,
        label: String,
        sample: Sample,
    },
    /// Steps to write, in order.
    Samples(Vec<Sample>),
    /// The run stopped as `status`; `last` is written unless it was already.
    End {
        index: usize,
        label: String,
        status: RunStatus,
        last: Option<Sample>,
    },
}

/// Steps every run of `session` to the budget, handing each run's start, its samples whose step
/// is a multiple of `every` in blocks, and its end to `hand_over`, which may return an emptied
/// block to fill next (else a new one is made).
fn step_session(
    session: &mut Session,
    every: u64,
    mut hand_over: impl FnMut(Streamed) -> Option<Vec<Sample>>,
) {
    let budget = session.step_budget();
    let new_block = || Vec::with_capacity(BLOCK_SAMPLES);
    let mut block = new_block();
    for index in 0..session.runs().len() {
        let run = &session.runs()[index];
        let label = run.config().label.clone();
        let sample = run.last_sample();
        hand_over(Streamed::Start {
            index,
            label: label.clone(),
            sample,
        });
        session.advance_run(index, budget, |sample| {
            if sample.step.is_multiple_of(every) {
                block.push(*sample);
                if block.len() == BLOCK_SAMPLES {
                    let full = std::mem::take(&mut block);
                    block = hand_over(Streamed::Samples(full)).unwrap_or_else(new_block);
                }
            }
        });
        if !block.is_empty() {
            let full = std::mem::take(&mut block);
            block = hand_over(Streamed::Samples(full)).unwrap_or_else(new_block);
        }
        let run = &session.runs()[index];
        // The run's last sample is the last one streamed (a diverged step is never one).
        let last = run.last_sample();
        hand_over(Streamed::End {
            index,
            label,
            status: run.status().clone(),
            last: (!last.step.is_multiple_of(every)).then_some(last),
        });
    }
}

/// Writes what [`step_session`] handed over.
fn write_streamed<W: Write>(
    writer: &mut SampleCsvWriter<W>,
    streamed: &Streamed,
    finished: &mut impl FnMut(usize, &str, &RunStatus),
) -> io::Result<()> {
    match streamed {
        Streamed::Start {
            index,
            label,
            sample,
        } => {
            writer.start_run(*index, label);
            writer.write_sample(sample)
        }
        Streamed::Samples(block) => block
            .iter()
            .try_for_each(|sample| writer.write_sample(sample)),
        Streamed::End {
            index,
            label,
            status,
            last,
        } => {
            if let Some(last) = last {
                writer.write_sample(last)?;
            }
            finished(*index, label, status);
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn written(value: f64) -> String {
        let mut row = Vec::new();
        push_float(&mut row, &mut zmij::Buffer::new(), value);
        String::from_utf8(row).expect("floats are ASCII")
    }

    /// The writer this file used before, on the `csv` crate with `{:?}` floats: the reference.
    fn reference_csv(network: bool, runs: &[(usize, &str, Vec<Sample>)]) -> Vec<u8> {
        let number = |value: f64| format!("{value:?}");
        let optional = |value: Option<f64>| value.map(number).unwrap_or_default();
        let mut writer = csv::Writer::from_writer(Vec::new());
        let header: &[&str] = if network {
            &NETWORK_COLUMNS
        } else {
            &LANDSCAPE_COLUMNS
        };
        writer.write_record(header).expect("in memory");
        for (run, label, samples) in runs {
            for sample in samples {
                let mut row = vec![
                    run.to_string(),
                    (*label).to_owned(),
                    sample.step.to_string(),
                ];
                if network {
                    row.extend([
                        number(sample.loss),
                        optional(sample.sharpness),
                        optional(sample.test_loss),
                        optional(sample.accuracy),
                        number(sample.grad_norm),
                        optional(sample.preconditioned_sharpness),
                    ]);
                } else {
                    row.extend([
                        number(sample.point[0]),
                        number(sample.point[1]),
                        number(sample.loss),
                        number(sample.grad_norm),
                    ]);
                }
                row.push(sample.evals.to_string());
                row.push(sample.bits.to_string());
                writer.write_record(row).expect("in memory");
            }
        }
        writer.into_inner().expect("in memory")
    }

    #[test]
    fn floats_are_written_as_debug_writes_them_at_every_boundary() {
        let mut values = vec![
            0.0,
            1.0,
            0.1,
            0.5,
            2.5,
            100.0,
            123456789.0,
            9007199254740992.0,
            9007199254740993.0,
            f64::MAX,
            f64::MIN_POSITIVE,
            f64::EPSILON,
            f64::from_bits(1),
            f64::from_bits(0x000f_ffff_ffff_ffff),
            f64::INFINITY,
            f64::NAN,
            std::f64::consts::PI,
            // A tie: zmij alone would write …363.2.
            891_792_702_187_363.0 + 0.25,
        ];
        // Every power of ten an f64 can hold, its neighbours and a few multiples: the layout
        // changes at 1e-5, 1e-4 and 1e16 and the digit count at every power.
        for exponent in -323..=308 {
            let power: f64 = format!("1e{exponent}").parse().expect("a number");
            values.extend([
                power,
                power.next_up(),
                power.next_down(),
                1.5 * power,
                9.999999999999999 * power,
                123.456 * power,
            ]);
        }
        for bits in (0..2000).chain((1u64 << 52) - 2000..(1u64 << 52) + 2000) {
            values.push(f64::from_bits(bits));
        }
        for value in values {
            for value in [value, -value] {
                assert_eq!(
                    written(value),
                    format!("{value:?}"),
                    "{:#x}",
                    value.to_bits()
                );
            }
        }
    }

    fn any_f64() -> impl Strategy<Value = f64> {
        prop_oneof![
            any::<u64>().prop_map(f64::from_bits),
            (0u64..(1 << 52), any::<bool>())
                .prop_map(|(bits, negative)| f64::from_bits(bits | (u64::from(negative) << 63))),
            any::<i64>().prop_map(|integer| integer as f64),
            (-1e6..1e6f64),
            (1e-6..1e-3f64),
            (1e15..1e18f64),
            // Dyadic values with short decimal expansions: where ties live.
            (1u64..(1 << 53), 0i32..64).prop_map(|(n, k)| n as f64 * 2f64.powi(-k)),
            (1u64..(1 << 20), 0i32..30).prop_map(|(n, k)| n as f64 * 2f64.powi(-k)),
            (0i64..1_000_000_000, -330i32..310).prop_map(|(digits, exponent)| {
                format!("{digits}e{exponent}").parse().unwrap_or(0.0)
            }),
        ]
    }

    fn any_optional() -> impl Strategy<Value = Option<f64>> {
        proptest::option::of(any_f64())
    }

    prop_compose! {
        fn any_sample()(
            step in any::<u64>(),
            point in [any_f64(), any_f64()],
            loss in any_f64(),
            grad_norm in any_f64(),
            measured in [any_optional(), any_optional(), any_optional(), any_optional()],
            evals in any::<u64>(),
            bits in any::<u64>(),
        ) -> Sample {
            let [preconditioned_sharpness, sharpness, test_loss, accuracy] = measured;
            Sample {
                step,
                point,
                loss,
                grad_norm,
                preconditioned_sharpness,
                sharpness,
                test_loss,
                accuracy,
                wall_time: 0.0,
                evals,
                bits,
                lr: None,
            }
        }
    }

    /// `cases` cases, with failures kept beside this file (src/samples_csv.proptest-regressions,
    /// as tests/fuzz.rs keeps its own) rather than in a top-level folder.
    fn config(cases: u32) -> ProptestConfig {
        ProptestConfig {
            failure_persistence: Some(Box::new(
                proptest::test_runner::FileFailurePersistence::SourceParallel(
                    "proptest-regressions",
                ),
            )),
            ..ProptestConfig::with_cases(cases)
        }
    }

    proptest! {
        #![proptest_config(config(50_000))]

        #[test]
        fn every_f64_is_written_as_debug_writes_it(value in any_f64()) {
            prop_assert_eq!(written(value), format!("{value:?}"));
        }
    }

    proptest! {
        #![proptest_config(config(2_000))]

        #[test]
        fn rows_are_byte_identical_to_the_csv_crate_with_debug_floats(
            network in any::<bool>(),
            labels in (any::<String>(), "[a-z ,\"\r\n✓]{0,12}"),
            samples in proptest::collection::vec(any_sample(), 0..6),
        ) {
            let (first, second) = samples.split_at(samples.len() / 2);
            let runs = [
                (0, labels.0.as_str(), first.to_vec()),
                (7, labels.1.as_str(), second.to_vec()),
            ];
            let mut fast = Vec::new();
            write_samples_csv(
                &mut fast,
                network,
                runs.iter().map(|(index, label, samples)| (*index, *label, samples)),
            )
            .expect("in memory");
            prop_assert_eq!(fast, reference_csv(network, &runs));
        }
    }

    #[test]
    fn stepping_on_its_own_thread_writes_the_same_bytes_as_in_turn() {
        // Two runs, more samples than a block, and an `every` that skips the
        // last step: every hand-over between the threads is exercised.
        let text = r#"Scenario(problem: Landscape(Rosenbrock()), steps: 9001, runs: [
            Run(label: "adam, \"quoted\"", optimizer: Adam(lr: 0.001)),
            Run(label: "gd", optimizer: Sgd(lr: 0.01)),
        ])"#;
        let scenario = crate::scenario::parse(text, "test.ron")
            .expect("a valid scenario")
            .scenario;
        let written = |stepping, every| {
            let mut session = Session::new(scenario.clone());
            let mut ends = Vec::new();
            let bytes = stream_session_on(
                &mut session,
                Vec::new(),
                every,
                |index, label, status| ends.push(format!("{index} {label} {status:?}")),
                stepping,
            )
            .expect("in memory");
            (bytes, ends)
        };
        for every in [1, 7] {
            let (threaded, threaded_ends) = written(Stepping::OwnThread, every);
            let (in_turn, in_turn_ends) = written(Stepping::WritingThread, every);
            assert!(threaded == in_turn, "every {every}: the bytes differ");
            assert_eq!(threaded_ends, in_turn_ends);
            assert_eq!(threaded_ends.len(), 2);
            let rows = threaded.iter().filter(|&&byte| byte == b'\n').count();
            assert!(rows > 9001 / every as usize, "every {every}: {rows} rows");
        }
    }

    #[test]
    fn the_header_alone_when_nothing_is_written() {
        let mut bytes = Vec::new();
        let none: [(usize, &str, &[Sample]); 0] = [];
        write_samples_csv(&mut bytes, false, none).expect("in memory");
        assert_eq!(bytes, b"run,label,step,x,y,loss,grad_norm,evals,bits\n");
    }
}
