//! `rarlink-bench`: starts the service, seeds a realistic population through the API, runs a
//! mixed workload of providers and officers, and reports each operation against baselines
//! measured in the same run (the framework floor and the database floor), as Markdown.

mod floor;
mod pgbench;
mod seed;
mod stats;
mod views;
mod writes;

use clap::Parser;
use stats::Samples;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Parser, Debug, Clone)]
#[command(about = "Load-test rarlink against baselines taken in the same run")]
pub struct Args {
    /// DATABASE_URL for the service: a fresh SQLite path or an empty PostgreSQL database; `{n}`
    /// is replaced by the population size, so each size gets its own database.
    #[arg(long, default_value = "bench-{n}.db")]
    pub database: String,
    /// Population sizes to run, comma-separated (people, each with risk, an order and an
    /// accepted referral with sessions). With two sizes the report adds p99 growth ratios.
    #[arg(long, value_delimiter = ',', default_value = "100")]
    pub people: Vec<usize>,
    /// Seconds for the mixed workload (each isolated phase runs a third of this).
    #[arg(long, default_value_t = 15)]
    pub duration: u64,
    /// Concurrent clients.
    #[arg(long, default_value_t = 16)]
    pub concurrency: usize,
    /// A label for the report (e.g. "SQLite, 100 people").
    #[arg(long, default_value = "run")]
    pub label: String,
    /// Append the Markdown report to this file as well as printing it.
    #[arg(long)]
    pub markdown: Option<String>,
    /// pgbench for the PostgreSQL database floor (default: PATH, then /usr/lib/postgresql/*/bin).
    #[arg(long)]
    pub pgbench: Option<std::path::PathBuf>,
    /// `mixed`: the mixed workload at each `--people` size. `views`: the views of issue 15 at
    /// scale (caseload, team dashboard, commissioning report; `--people` is ignored).
    #[arg(long, value_enum, default_value_t = Mode::Mixed)]
    pub mode: Mode,
    /// Sequential requests timed per view in `views` mode.
    #[arg(long, default_value_t = 50)]
    pub requests: usize,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Mixed,
    Views,
}

pub const SECRET: &str = "bench-secret-bench-secret-bench-secret-0123";

struct Service {
    child: Child,
    base: String,
    port: u16,
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Service {
    /// Peak resident memory of the service so far (VmHWM), in MiB.
    fn peak_mib(&self) -> f64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("VmHWM:"))
                    .and_then(|l| l.split_whitespace().nth(1))
                    .and_then(|kb| kb.parse::<f64>().ok())
            })
            .map(|kb| kb / 1024.0)
            .unwrap_or(f64::NAN)
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free local port")
}

/// Starts the service on `port` (a free one when `None`: a restart keeps the port, so the
/// seeded world's base URL stays valid).
async fn start(args: &Args, port: Option<u16>) -> Service {
    let exe = std::env::current_exe().expect("own path");
    let rarlink = exe.with_file_name("rarlink");
    let port = port.unwrap_or_else(free_port);
    let child = Command::new(&rarlink)
        .arg("serve")
        .env("DATABASE_URL", &args.database)
        .env("RARLINK_LISTEN", format!("127.0.0.1:{port}"))
        .env("RARLINK_LOG", "warn")
        // The benchmark measures the service, not the per-caller rate limit.
        .env("RARLINK_RATE_LIMIT_PER_SECOND", "0")
        .env("RARLINK_JWT_SECRET", SECRET)
        .env("RARLINK_DB_POOL_SIZE", "16")
        .stdout(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot start {}: {e} (build it with --release first)",
                rarlink.display()
            )
        });
    // Owned by `Service` at once, so it is killed and reaped however this function ends.
    let service = Service {
        child,
        base: format!("http://127.0.0.1:{port}"),
        port,
    };
    let client = reqwest::Client::new();
    for _ in 0..2000 {
        if let Ok(r) = client
            .get(format!("{}/health/ready", service.base))
            .send()
            .await
        {
            if r.status().is_success() {
                return service;
            }
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the service did not become ready");
}

/// One operation of the workload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    SharedView,
    Attendance,
    Disclosure,
    OpenPrompts,
    RarSummary,
    Health,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::SharedView => "provider reads the shared view",
            Op::Attendance => "provider records attendance",
            Op::Disclosure => "provider records a disclosure",
            Op::OpenPrompts => "officer lists open prompts",
            Op::RarSummary => "officer reads the RAR summary",
            Op::Health => "GET /health/live (framework floor)",
        }
    }
}

/// The mix of the mixed workload: weights out of 100.
const MIX: [(Op, u32); 5] = [
    (Op::SharedView, 40),
    (Op::Attendance, 20),
    (Op::Disclosure, 10),
    (Op::OpenPrompts, 15),
    (Op::RarSummary, 15),
];

async fn run_op(client: &reqwest::Client, world: &seed::World, op: Op, i: usize) -> bool {
    let case = &world.cases[i % world.cases.len()];
    let base = &world.base;
    let req = match op {
        Op::SharedView => client.get(format!("{base}/api/v1/referrals/{}", case.referral)).bearer_auth(&world.worker),
        Op::Attendance => {
            let n = world.next_appointment.fetch_add(1, Ordering::Relaxed);
            let (appointment, correction) = world.appointment(n);
            let mut body = serde_json::json!({"attended": "YES", "engagement": "Engaged", "behaviourConcern": false, "notifyResponsibleOfficer": false});
            if correction {
                body["correctionReason"] = serde_json::json!("Benchmark correction");
            }
            client.put(format!("{base}/api/v1/appointments/{appointment}/attendance")).bearer_auth(&world.worker).json(&body)
        }
        Op::Disclosure => client
            .post(format!("{base}/api/v1/referrals/{}/disclosures", case.referral))
            .bearer_auth(&world.worker)
            .json(&serde_json::json!({"type": "OTHER", "disclosedAt": chrono::Utc::now(), "disclosedBy": "PERSON_ON_PROBATION", "summary": format!("Benchmark disclosure {i}")})),
        Op::OpenPrompts => client.get(format!("{base}/api/v1/safeguarding-prompts?status=OPEN&assignedToMe=true")).bearer_auth(&world.officer),
        Op::RarSummary => client.get(format!("{base}/api/v1/orders/{}/rar", case.order)).bearer_auth(&world.officer),
        Op::Health => client.get(format!("{base}/health/live")),
    };
    matches!(req.send().await, Ok(r) if r.status().is_success())
}

/// Runs `pick` for `secs` with `concurrency` clients; returns samples per operation.
async fn load(
    world: Arc<seed::World>,
    concurrency: usize,
    secs: u64,
    pick: impl Fn(usize) -> Op + Copy + Send + 'static,
) -> (Vec<(Op, Samples)>, f64) {
    let counter = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let deadline = started + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (world, counter) = (world.clone(), counter.clone());
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut samples: Vec<(Op, u64, bool)> = Vec::new();
            while Instant::now() < deadline {
                let i = counter.fetch_add(1, Ordering::Relaxed);
                let op = pick(i);
                let t = Instant::now();
                let ok = run_op(&client, &world, op, i).await;
                samples.push((op, t.elapsed().as_micros() as u64, ok));
            }
            samples
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("worker"));
    }
    (stats::by_op(all), started.elapsed().as_secs_f64())
}

/// Open loop at `rate` requests per second: each request starts when it is due, whatever the
/// latency of the others, and is timed from when it was due (a queue in the server cannot hide).
async fn paced(
    world: Arc<seed::World>,
    rate: f64,
    secs: u64,
    pick: impl Fn(usize) -> Op + Copy + Send + 'static,
) -> Vec<(Op, Samples)> {
    let client = reqwest::Client::new();
    let limit = Arc::new(tokio::sync::Semaphore::new(1024));
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let started = tokio::time::Instant::now();
    let total = (rate * secs as f64) as usize;
    for i in 0..total {
        let due = started + Duration::from_secs_f64(i as f64 / rate);
        tokio::time::sleep_until(due).await;
        let Ok(permit) = limit.clone().acquire_owned().await else {
            break;
        };
        let (world, client, tx) = (world.clone(), client.clone(), tx.clone());
        tokio::spawn(async move {
            let op = pick(i);
            let ok = run_op(&client, &world, op, i).await;
            let _ = tx.send((op, due.elapsed().as_micros() as u64, ok));
            drop(permit);
        });
    }
    drop(tx);
    let mut all = Vec::new();
    while let Some(sample) = rx.recv().await {
        all.push(sample);
    }
    stats::by_op(all)
}

/// Successful requests per second of the first (only) operation of `samples`.
fn rate(samples: &[(Op, Samples)], secs: f64) -> f64 {
    samples
        .first()
        .map(|(_, s)| s.ok() as f64 / secs)
        .unwrap_or(0.0)
}

fn mixed(i: usize) -> Op {
    let r = (i.wrapping_mul(2_654_435_761) % 100) as u32;
    let mut acc = 0;
    for (op, w) in MIX {
        acc += w;
        if r < acc {
            return op;
        }
    }
    Op::SharedView
}

/// One size's run: the report and each operation's p99 in the mixed workload.
struct SizeRun {
    people: usize,
    report: String,
    p99: Vec<(Op, f64)>,
}

fn main() {
    let args = Args::parse();
    // As the service does: the floors' SQLite connections must not queue on the global
    // allocator mutex of SQLite's memory statistics either.
    // SAFETY: no other thread exists yet and no SQLite connection is open.
    unsafe { rarlink::db::sqlite_memory_statistics_off() };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        if args.mode == Mode::Views {
            let service = start(&args, None).await;
            let out = views::run(&service.base, &args).await;
            drop(service);
            emit(&args, &out);
            return;
        }
        let mut runs = Vec::new();
        for &people in &args.people {
            runs.push(run_size(&args, people).await);
        }
        let mut out = String::new();
        for r in &runs {
            out.push_str(&r.report);
        }
        if let [small, large] = runs.as_slice() {
            out.push_str(&format!(
                "p99 growth from {} to {} people ({}x the data):\n\n| operation | p99 small ms | p99 large ms | ratio |\n|---|---:|---:|---:|\n",
                small.people,
                large.people,
                large.people / small.people.max(1)
            ));
            for (op, p_small) in &small.p99 {
                if let Some((_, p_large)) = large.p99.iter().find(|(o, _)| o == op) {
                    out.push_str(&format!(
                        "| {} | {p_small:.2} | {p_large:.2} | {:.2} |\n",
                        op.name(),
                        p_large / p_small
                    ));
                }
            }
            out.push('\n');
        }
        emit(&args, &out);
    });
}

/// Prints the report and appends it to `--markdown` when given.
fn emit(args: &Args, out: &str) {
    println!("{out}");
    if let Some(path) = &args.markdown {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .expect("report file");
        write!(f, "{out}").expect("write report");
    }
}

async fn run_size(base_args: &Args, people: usize) -> SizeRun {
    let mut args = base_args.clone();
    args.database = base_args.database.replace("{n}", &people.to_string());
    // Cold start: process start to ready on an empty database, migrations included.
    let cold_started = Instant::now();
    let service = start(&args, None).await;
    let cold_start_ms = cold_started.elapsed().as_secs_f64() * 1000.0;
    let seed_started = Instant::now();
    let world = Arc::new(seed::seed(&service.base, &args, people).await);
    let seed_secs = seed_started.elapsed().as_secs_f64();
    eprintln!("seeded {people} people in {seed_secs:.1}s");

    let phase = (args.duration / 3).max(2);
    let c = args.concurrency;
    // Each floor level runs 2 s: six levels at 32 clients cost 12 s per floor and variant.
    let level_secs = 2;
    let pgbench = if args.database.starts_with("postgres") {
        let found = pgbench::find(args.pgbench.as_deref());
        if found.is_none() {
            eprintln!("pgbench not found: the PostgreSQL floor is the diesel one only");
        }
        found
    } else {
        None
    };
    let port = service.port;
    let mut service = Some(service);
    let (health, health_secs) = load(world.clone(), c, phase, |_| Op::Health).await;
    let framework = rate(&health, health_secs);
    // Each operation alone: closed loop at the client count, then open loop at half the rate
    // it reached. An operation with a floor has it measured right after, on the same data (the
    // writes grow the tables their statements read), with the service stopped: its background
    // sealer would otherwise take the write lock, and a core, in the middle of the floor.
    let mut isolated = Vec::new();
    let mut floors = Vec::new();
    let mut pg_floors = Vec::new();
    for (op, kind) in [
        (Op::SharedView, Some(floor::Kind::SharedViewRead)),
        (Op::Attendance, Some(floor::Kind::AttendanceWrite)),
        (Op::Disclosure, Some(floor::Kind::DisclosureWrite)),
        (Op::OpenPrompts, None),
        (Op::RarSummary, None),
    ] {
        let (samples, secs) = load(world.clone(), c, phase, move |_| op).await;
        let peak = rate(&samples, secs);
        let half = paced(world.clone(), (peak / 2.0).max(1.0), phase, move |_| op).await;
        isolated.push(stats::Isolated {
            op,
            rate: peak,
            samples: samples
                .into_iter()
                .next()
                .map(|(_, s)| s)
                .unwrap_or_default(),
            half: half.into_iter().next().map(|(_, s)| s).unwrap_or_default(),
        });
        let Some(kind) = kind else { continue };
        drop(service.take());
        floors.push(floor::measure_all(
            &args.database,
            c,
            level_secs,
            kind,
            &world,
        ));
        if let Some(bin) = &pgbench {
            match pgbench::measure(bin, &args.database, c, level_secs, kind) {
                Ok(floor) => pg_floors.push(floor),
                Err(e) => eprintln!("pgbench floor skipped: {e}"),
            }
        }
        floor::clean(&args.database);
        service = Some(start(&args, Some(port)).await);
    }
    let (mix, mix_secs) = load(world.clone(), c, args.duration, mixed).await;
    let peak_rate = mix.iter().map(|(_, s)| s.ok()).sum::<usize>() as f64 / mix_secs;
    let half = paced(world.clone(), peak_rate / 2.0, args.duration, mixed).await;
    let peak = service.as_ref().map(|s| s.peak_mib()).unwrap_or(f64::NAN);
    drop(service);
    let [read, attendance, disclosure]: [floor::Floor; 3] =
        floors.try_into().expect("three floors");
    let floors = stats::Floors {
        read,
        attendance,
        disclosure,
    };
    let pg_floors =
        <[floor::Floor; 3]>::try_from(pg_floors)
            .ok()
            .map(|[read, attendance, disclosure]| pgbench::PgFloors {
                read,
                attendance,
                disclosure,
            });
    let report = stats::report(stats::Report {
        label: &args.label,
        people,
        concurrency: c,
        seed_secs,
        mix: &mix,
        mix_secs,
        framework,
        isolated: &isolated,
        floors: &floors,
        pg_floors: pg_floors.as_ref(),
        half: &half,
        half_rate: peak_rate / 2.0,
        peak_mib: peak,
        cold_start_ms,
        names: &|op: Op| op.name(),
    });
    let p99 = mix
        .iter()
        .map(|(op, s)| (*op, s.percentile(99.0)))
        .collect();
    SizeRun {
        people,
        report,
        p99,
    }
}
