//! Latency samples, percentiles and the Markdown report.

use super::floor::Floor;
use super::pgbench::PgFloors;
use super::Op;
use std::fmt::Write;

#[derive(Default, Clone)]
pub struct Samples {
    micros: Vec<u64>,
    ok: usize,
    failed: usize,
}

impl Samples {
    pub fn push(&mut self, micros: u64, ok: bool) {
        self.micros.push(micros);
        if ok {
            self.ok += 1;
        } else {
            self.failed += 1;
        }
    }

    pub fn ok(&self) -> usize {
        self.ok
    }

    /// The p-th percentile latency in milliseconds.
    pub fn percentile(&self, p: f64) -> f64 {
        if self.micros.is_empty() {
            return f64::NAN;
        }
        let mut v = self.micros.clone();
        v.sort_unstable();
        let idx = ((p / 100.0) * (v.len() - 1) as f64).round() as usize;
        v[idx.min(v.len() - 1)] as f64 / 1000.0
    }
}

/// Samples `(operation, microseconds, succeeded)` grouped per operation, in first-seen order.
pub fn by_op(samples: impl IntoIterator<Item = (Op, u64, bool)>) -> Vec<(Op, Samples)> {
    let mut grouped: Vec<(Op, Samples)> = Vec::new();
    for (op, micros, ok) in samples {
        match grouped.iter_mut().find(|(o, _)| *o == op) {
            Some((_, s)) => s.push(micros, ok),
            None => {
                let mut s = Samples::default();
                s.push(micros, ok);
                grouped.push((op, s));
            }
        }
    }
    grouped
}

/// One operation alone at the client count, and open loop at half the rate it reached.
pub struct Isolated {
    pub op: Op,
    pub rate: f64,
    pub samples: Samples,
    pub half: Samples,
}

/// The diesel floors of a run (both backends).
pub struct Floors {
    pub read: Floor,
    pub attendance: Floor,
    pub disclosure: Floor,
}

pub struct Report<'a> {
    pub label: &'a str,
    pub people: usize,
    pub concurrency: usize,
    pub seed_secs: f64,
    pub mix: &'a [(Op, Samples)],
    pub mix_secs: f64,
    pub framework: f64,
    pub isolated: &'a [Isolated],
    /// Process start to `/health/ready` on an empty database, migrations included.
    pub cold_start_ms: f64,
    pub floors: &'a Floors,
    /// PostgreSQL: pgbench's floors for the same statements.
    pub pg_floors: Option<&'a PgFloors>,
    /// The mixed workload again, open loop at half the closed loop's throughput.
    pub half: &'a [(Op, Samples)],
    pub half_rate: f64,
    pub peak_mib: f64,
    pub names: &'a dyn Fn(Op) -> &'static str,
}

fn ratio(a: f64, b: f64) -> String {
    if b > 0.0 {
        format!("{:.0}%", 100.0 * a / b)
    } else {
        "–".into()
    }
}

fn floor_row(out: &mut String, what: &str, by: &str, floor: &Floor) {
    let best = floor.best();
    let _ = writeln!(
        out,
        "| {what} | {by} | {:.0} | {}, {} | {} |",
        best.rate,
        best.variant.name(),
        best.concurrency,
        floor.detail()
    );
}

pub fn report(r: Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### {} ({} people, {} clients)\n",
        r.label, r.people, r.concurrency
    );
    let _ = writeln!(
        out,
        "Mixed workload, {:.0} s (seeding took {:.1} s):\n",
        r.mix_secs, r.seed_secs
    );
    let _ = writeln!(
        out,
        "| operation | req/s | p50 ms | p95 ms | p99 ms | errors |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|");
    for (op, s) in r.mix {
        let _ = writeln!(
            out,
            "| {} | {:.0} | {:.2} | {:.2} | {:.2} | {} |",
            (r.names)(*op),
            s.ok() as f64 / r.mix_secs,
            s.percentile(50.0),
            s.percentile(95.0),
            s.percentile(99.0),
            s.failed
        );
    }
    let _ = writeln!(
        out,
        "\nThe same mix at half that throughput ({:.0} req/s, open loop: each request is timed from \
         when it was due):\n",
        r.half_rate
    );
    let _ = writeln!(out, "| operation | p50 ms | p95 ms | p99 ms | errors |");
    let _ = writeln!(out, "|---|---:|---:|---:|---:|");
    for (op, s) in r.half {
        let _ = writeln!(
            out,
            "| {} | {:.2} | {:.2} | {:.2} | {} |",
            (r.names)(*op),
            s.percentile(50.0),
            s.percentile(95.0),
            s.percentile(99.0),
            s.failed
        );
    }
    // On PostgreSQL the floors that count are pgbench's (no client library in the way).
    let (read, attendance, disclosure, by) = match r.pg_floors {
        Some(pg) => (&pg.read, &pg.attendance, &pg.disclosure, "pgbench"),
        None => (
            &r.floors.read,
            &r.floors.attendance,
            &r.floors.disclosure,
            "diesel",
        ),
    };
    let _ = writeln!(
        out,
        "\nEach operation alone at {} clients (closed loop), then open loop at half the rate it \
         reached, against `GET /health/live` ({:.0} req/s) and the database floor ({by}) measured \
         in this run:\n",
        r.concurrency, r.framework
    );
    let _ = writeln!(
        out,
        "| operation, isolated | req/s | p50 ms | p99 ms | p99 ms at half its rate | errors | vs /health/live | vs its floor (best variant, threads) |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|");
    for i in r.isolated {
        let floor = match i.op {
            Op::SharedView => Some(read),
            Op::Attendance => Some(attendance),
            Op::Disclosure => Some(disclosure),
            _ => None,
        };
        let vs_floor = floor
            .map(|f| {
                let best = f.best();
                format!(
                    "{} of {:.0} ({}, {})",
                    ratio(i.rate, best.rate),
                    best.rate,
                    best.variant.name(),
                    best.concurrency
                )
            })
            .unwrap_or_else(|| "no floor".into());
        let _ = writeln!(
            out,
            "| {} | {:.0} | {:.2} | {:.2} | {:.2} | {} | {} | {vs_floor} |",
            (r.names)(i.op),
            i.rate,
            i.samples.percentile(50.0),
            i.samples.percentile(99.0),
            i.half.percentile(99.0),
            i.samples.failed + i.half.failed,
            ratio(i.rate, r.framework),
        );
    }
    let _ = writeln!(
        out,
        "\nDatabase floors (operations per second; the best is kept, with its variant and number \
         of threads or pgbench clients; every level measured is listed):\n"
    );
    let _ = writeln!(out, "| floor | through | best /s | best at | every level |");
    let _ = writeln!(out, "|---|---|---:|---|---|");
    let names = [
        "shared-view read + its audit row",
        "attendance write",
        "disclosure write",
    ];
    for (name, floor) in
        names
            .iter()
            .zip([&r.floors.read, &r.floors.attendance, &r.floors.disclosure])
    {
        floor_row(&mut out, name, "diesel", floor);
    }
    if let Some(pg) = r.pg_floors {
        for (name, floor) in names.iter().zip([&pg.read, &pg.attendance, &pg.disclosure]) {
            floor_row(&mut out, name, "pgbench -M prepared", floor);
        }
    }
    let _ = writeln!(
        out,
        "\nPeak resident memory of the service that ran the mixed workload (it restarts after each \
         floor): {:.0} MiB. Cold start (process start to ready on an \
         empty database, migrations included): {:.0} ms.\n",
        r.peak_mib, r.cold_start_ms
    );
    out
}
