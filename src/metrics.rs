//! Prometheus text metrics: request counts and latency histograms per route, and pool state.
//!
//! Every label has a bounded set of values, so no request can add a series: the method is one
//! of the methods HTTP defines (anything else is `OTHER`), the route is a registered template
//! (or `unmatched`), and the status is its class (`2xx` … `5xx`).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

#[derive(Default)]
struct Series {
    count: u64,
    sum: f64,
    buckets: [u64; BUCKETS.len()],
}

/// Per-process request metrics. Each instance is scraped separately.
#[derive(Default)]
pub struct Metrics {
    /// Keyed by (method, route pattern, status class).
    series: Mutex<BTreeMap<(&'static str, String, &'static str), Series>>,
}

/// The method's label: a method HTTP defines, or `OTHER` (invented methods must not add series).
pub fn method_label(method: &str) -> &'static str {
    const KNOWN: [&str; 9] = [
        "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT",
    ];
    KNOWN.into_iter().find(|m| *m == method).unwrap_or("OTHER")
}

/// The status's label: its class.
pub fn status_label(status: u16) -> &'static str {
    match status {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

impl Metrics {
    pub fn observe(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let secs = elapsed.as_secs_f64();
        let mut map = self.series.lock().unwrap_or_else(|e| e.into_inner());
        let series = map
            .entry((
                method_label(method),
                route.to_string(),
                status_label(status),
            ))
            .or_default();
        series.count += 1;
        series.sum += secs;
        for (i, bound) in BUCKETS.iter().enumerate() {
            if secs <= *bound {
                series.buckets[i] += 1;
            }
        }
    }

    /// Renders the Prometheus text exposition format.
    pub fn render(&self, pool_connections: u32, pool_idle: u32, pool_max: u32) -> String {
        let map = self.series.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = String::new();
        out.push_str("# HELP rarlink_http_requests_total HTTP requests by route and status.\n");
        out.push_str("# TYPE rarlink_http_requests_total counter\n");
        for ((method, route, status), s) in map.iter() {
            let _ = writeln!(
                out,
                "rarlink_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {}",
                escape(route),
                s.count
            );
        }
        out.push_str(
            "# HELP rarlink_http_request_duration_seconds Request latency by route and status.\n",
        );
        out.push_str("# TYPE rarlink_http_request_duration_seconds histogram\n");
        for ((method, route, status), s) in map.iter() {
            let labels = format!(
                "method=\"{method}\",route=\"{}\",status=\"{status}\"",
                escape(route)
            );
            for (i, bound) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "rarlink_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {}",
                    s.buckets[i]
                );
            }
            let _ = writeln!(
                out,
                "rarlink_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                s.count
            );
            let _ = writeln!(
                out,
                "rarlink_http_request_duration_seconds_sum{{{labels}}} {}",
                s.sum
            );
            let _ = writeln!(
                out,
                "rarlink_http_request_duration_seconds_count{{{labels}}} {}",
                s.count
            );
        }
        out.push_str("# HELP rarlink_db_pool_connections Open database connections.\n");
        out.push_str("# TYPE rarlink_db_pool_connections gauge\n");
        let _ = writeln!(out, "rarlink_db_pool_connections {pool_connections}");
        out.push_str("# HELP rarlink_db_pool_idle_connections Idle database connections.\n");
        out.push_str("# TYPE rarlink_db_pool_idle_connections gauge\n");
        let _ = writeln!(out, "rarlink_db_pool_idle_connections {pool_idle}");
        out.push_str("# HELP rarlink_db_pool_max_connections Configured pool size.\n");
        out.push_str("# TYPE rarlink_db_pool_max_connections gauge\n");
        let _ = writeln!(out, "rarlink_db_pool_max_connections {pool_max}");
        out
    }
}

fn escape(label: &str) -> String {
    label.replace('\\', "\\\\").replace('"', "\\\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_come_from_bounded_sets() {
        let cases = [
            ("GET", 200, "GET", "2xx"),
            ("PATCH", 404, "PATCH", "4xx"),
            ("X1", 405, "OTHER", "4xx"),
            ("get", 503, "OTHER", "5xx"),
            ("PURGE", 101, "OTHER", "1xx"),
        ];
        for (method, status, method_label_expected, status_label_expected) in cases {
            assert_eq!(method_label(method), method_label_expected, "{method}");
            assert_eq!(status_label(status), status_label_expected, "{status}");
        }
    }

    #[test]
    fn histogram_buckets_are_cumulative() {
        let m = Metrics::default();
        m.observe("GET", "/health/live", 200, Duration::from_micros(500));
        m.observe("GET", "/health/live", 204, Duration::from_millis(30));
        let text = m.render(1, 1, 4);
        assert!(text.contains(
            "rarlink_http_request_duration_seconds_bucket{method=\"GET\",route=\"/health/live\",status=\"2xx\",le=\"0.001\"} 1"
        ));
        assert!(text.contains(
            "rarlink_http_request_duration_seconds_bucket{method=\"GET\",route=\"/health/live\",status=\"2xx\",le=\"0.05\"} 2"
        ));
        assert!(text.contains(
            "rarlink_http_requests_total{method=\"GET\",route=\"/health/live\",status=\"2xx\"} 2"
        ));
        assert!(text.contains("rarlink_db_pool_max_connections 4"));
    }
}
