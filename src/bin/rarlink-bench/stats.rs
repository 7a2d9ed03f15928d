//! Latency samples, percentiles and the Markdown report.

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

pub struct Report<'a> {
    pub label: &'a str,
    pub people: usize,
    pub concurrency: usize,
    pub seed_secs: f64,
    pub mix: &'a [(Op, Samples)],
    pub mix_secs: f64,
    pub framework: f64,
    pub read_rate: f64,
    pub write_rate: f64,
    /// Process start to `/health/ready` on an empty database, migrations included.
    pub cold_start_ms: f64,
    pub db_read: (f64, usize),
    pub db_write: (f64, usize),
    /// PostgreSQL: pgbench's read and write rates for the same statements.
    pub pg_floor: Option<(super::pgbench::Best, super::pgbench::Best)>,
    /// The mixed workload again, open loop at half the closed loop's throughput.
    pub half: &'a [(Op, Samples)],
    pub half_rate: f64,
    pub peak_mib: f64,
    pub names: &'a dyn Fn(Op) -> &'static str,
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
    let ratio = |a: f64, b: f64| {
        if b > 0.0 {
            format!("{:.0}%", 100.0 * a / b)
        } else {
            "–".into()
        }
    };
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
    let _ = writeln!(
        out,
        "\nIsolated, same concurrency, against floors measured in this run:\n"
    );
    let _ = writeln!(
        out,
        "| measure | req/s | vs framework floor | vs database floor |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|");
    let _ = writeln!(
        out,
        "| framework floor: GET /health/live | {:.0} | 100% | – |",
        r.framework
    );
    let _ = writeln!(
        out,
        "| database floor: shared-view read + audit row (best at {} threads) | {:.0} | – | 100% |",
        r.db_read.1, r.db_read.0
    );
    let _ = writeln!(
        out,
        "| database floor: attendance write (update, history, audit, event; best at {} threads) | {:.0} | – | 100% |",
        r.db_write.1, r.db_write.0
    );
    // On PostgreSQL the floor that counts is pgbench's (no client library in the way).
    let (read_floor, write_floor) = r
        .pg_floor
        .map(|(read, write)| (read.0, write.0))
        .unwrap_or((r.db_read.0, r.db_write.0));
    if let Some((read, write)) = r.pg_floor {
        let _ = writeln!(
            out,
            "| pgbench floor: shared-view read + audit row (best at -c {}) | {:.0} | – | 100% |",
            read.1, read.0
        );
        let _ = writeln!(
            out,
            "| pgbench floor: attendance write (update, history, audit, event; best at -c {}) | {:.0} | – | 100% |",
            write.1, write.0
        );
    }
    let floor_name = if r.pg_floor.is_some() {
        "vs pgbench floor"
    } else {
        "vs database floor"
    };
    for (name, rate, floor) in [
        ("provider reads the shared view", r.read_rate, read_floor),
        ("provider records attendance", r.write_rate, write_floor),
    ] {
        let _ = writeln!(
            out,
            "| {name} | {rate:.0} | {} | {} {floor_name} |",
            ratio(rate, r.framework),
            ratio(rate, floor)
        );
    }
    let _ = writeln!(
        out,
        "\nPeak resident memory of the service: {:.0} MiB. Cold start (process start to ready on an \
         empty database, migrations included): {:.0} ms.\n",
        r.peak_mib, r.cold_start_ms
    );
    out
}
