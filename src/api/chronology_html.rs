//! The chronology as one self-contained printable HTML page: the agencies' accounts side by side
//! in columns (probation, providers, rarlink), every value escaped, no external assets.

use super::chronology_entries::{ChronologyEntry, Role};
use chrono::SecondsFormat;

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:sans-serif;font-size:10pt;margin:1.5em}\
table{border-collapse:collapse;width:100%}\
th,td{border:1px solid #999;padding:4px;vertical-align:top;text-align:left}\
th{background:#eee}td.when{white-space:nowrap;width:11em}\
td.account{width:29%}.kind{font-weight:bold}.meta{color:#555;font-size:9pt}\
@media print{th{background:none}tr{page-break-inside:avoid}}";

fn time(t: &chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn account(e: &ChronologyEntry) -> String {
    format!(
        "<div class=\"kind\">{}</div><div>{}</div><div class=\"meta\">{} ({}), recorded {}</div>",
        escape(&e.kind),
        escape(&e.summary),
        escape(&e.who),
        escape(&e.agency),
        escape(&time(&e.recorded_at)),
    )
}

/// The page: a heading naming the person, then one row per entry in the order things happened,
/// with the entry in the column of the agency that recorded it.
pub fn page(
    crn: &str,
    generated_at: chrono::DateTime<chrono::Utc>,
    entries: &[ChronologyEntry],
) -> String {
    let mut out = String::from("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    out.push_str(&format!(
        "<title>Chronology {}</title><style>{STYLE}</style></head><body>",
        escape(crn)
    ));
    out.push_str(&format!(
        "<h1>Multi-agency chronology: {}</h1><p class=\"meta\">Generated {}. {} entries, in the order \
         things happened; each shows who recorded it and when.</p>",
        escape(crn),
        escape(&time(&generated_at)),
        entries.len()
    ));
    out.push_str(
        "<table><thead><tr><th>When it happened</th><th>Probation's account</th>\
         <th>Provider's account</th><th>rarlink</th></tr></thead><tbody>",
    );
    for e in entries {
        let cells = match e.role {
            Role::Probation => [account(e), String::new(), String::new()],
            Role::Provider => [String::new(), account(e), String::new()],
            Role::System => [String::new(), String::new(), account(e)],
        };
        out.push_str(&format!(
            "<tr><td class=\"when\">{}</td><td class=\"account\">{}</td><td class=\"account\">{}</td><td class=\"account\">{}</td></tr>",
            escape(&time(&e.occurred_at)),
            cells[0],
            cells[1],
            cells[2]
        ));
    }
    out.push_str("</tbody></table></body></html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn entry(role: Role, summary: &str) -> ChronologyEntry {
        let t = chrono::Utc.with_ymd_and_hms(2026, 3, 3, 9, 0, 0).unwrap();
        ChronologyEntry {
            occurred_at: t,
            recorded_at: t,
            agency: "MIND-CAMBS".into(),
            who: "w1".into(),
            role,
            kind: "disclosure".into(),
            summary: summary.into(),
            detail: serde_json::Value::Null,
            link: "/x".into(),
            id: "1".into(),
        }
    }

    #[test]
    fn escape_covers_markup_and_quotes() {
        for (raw, escaped) in [
            ("plain", "plain"),
            ("<script>", "&lt;script&gt;"),
            ("a & b", "a &amp; b"),
            ("\"q\" 'r'", "&quot;q&quot; &#39;r&#39;"),
        ] {
            assert_eq!(escape(raw), escaped);
        }
    }

    #[test]
    fn each_account_sits_in_its_agencys_column_and_nothing_is_fetched() {
        let t = chrono::Utc.with_ymd_and_hms(2026, 3, 4, 9, 0, 0).unwrap();
        let html = page(
            "X1<b>",
            t,
            &[
                entry(Role::Probation, "no children involved"),
                entry(Role::Provider, "<img src=x> going to be a dad"),
            ],
        );
        assert!(html.contains("X1&lt;b&gt;"));
        assert!(html.contains("&lt;img src=x&gt; going to be a dad"));
        assert!(!html.contains("<img") && !html.contains("http") && !html.contains("<link"));
        let rows: Vec<&str> = html.split("<tr>").skip(2).collect();
        assert!(rows[0]
            .starts_with("<td class=\"when\">2026-03-03T09:00:00Z</td><td class=\"account\"><div"));
        assert!(rows[1].contains("<td class=\"account\"></td><td class=\"account\"><div"));
    }
}
