//! The routes the service declares, by path template, so a known path called with a method it
//! does not declare answers `405` with `Allow` (RFC 9110 §15.5.6) instead of `404`.

/// Every declared path template with its methods, from the OpenAPI document.
#[derive(Debug, Default, Clone)]
pub struct KnownRoutes {
    routes: Vec<(String, Vec<Segment>, Vec<&'static str>)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Parameter,
}

fn segments(template: &str) -> Vec<Segment> {
    template
        .split('/')
        .map(|s| {
            if s.starts_with('{') && s.ends_with('}') {
                Segment::Parameter
            } else {
                Segment::Literal(s.to_string())
            }
        })
        .collect()
}

impl KnownRoutes {
    /// Adds a path template (`/api/v1/referrals/{id}`) and the methods declared on it.
    pub fn add(&mut self, template: &str, methods: Vec<&'static str>) {
        self.routes
            .push((template.to_string(), segments(template), methods));
    }

    /// The template `path` matches for `method`, the most literal one when several do
    /// (`/prompts/bulk` before `/prompts/{id}`).
    pub fn template(&self, method: &str, path: &str) -> Option<&str> {
        let parts: Vec<&str> = path.split('/').collect();
        self.routes
            .iter()
            .filter(|(_, segments, methods)| methods.contains(&method) && matches(segments, &parts))
            .max_by_key(|(_, segments, _)| {
                segments
                    .iter()
                    .filter(|s| matches!(s, Segment::Literal(_)))
                    .count()
            })
            .map(|(template, _, _)| template.as_str())
    }

    /// The methods declared on the template `path` matches, if it matches one.
    pub fn allowed(&self, path: &str) -> Option<Vec<&'static str>> {
        let parts: Vec<&str> = path.split('/').collect();
        // A path a template names literally (`/prompts/respond`) is that resource, not an `{id}`
        // of its neighbour: only the most literal matching templates give their methods.
        let literals = |t: &[Segment]| {
            t.iter()
                .filter(|s| matches!(s, Segment::Literal(_)))
                .count()
        };
        let best = self
            .routes
            .iter()
            .filter(|(_, template, _)| matches(template, &parts))
            .map(|(_, template, _)| literals(template))
            .max()?;
        let mut allowed: Vec<&'static str> = Vec::new();
        for (_, template, methods) in &self.routes {
            if matches(template, &parts) && literals(template) == best {
                for method in methods {
                    if !allowed.contains(method) {
                        allowed.push(method);
                    }
                }
            }
        }
        Some(allowed)
    }
}

fn matches(template: &[Segment], parts: &[&str]) -> bool {
    template.len() == parts.len()
        && template.iter().zip(parts).all(|(t, p)| match t {
            Segment::Literal(l) => l == p,
            Segment::Parameter => !p.is_empty(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_matches_its_template_and_lists_its_methods() {
        let mut routes = KnownRoutes::default();
        routes.add("/api/v1/referrals/{id}", vec!["GET", "PATCH"]);
        routes.add("/api/v1/referrals/{id}/send", vec!["POST"]);
        routes.add("/health/live", vec!["GET"]);
        routes.add("/api/v1/referrals/respond", vec!["POST"]);
        let cases: &[(&str, Option<&[&str]>)] = &[
            ("/api/v1/referrals/abc", Some(&["GET", "PATCH"])),
            ("/api/v1/referrals/respond", Some(&["POST"])),
            ("/api/v1/referrals/abc/send", Some(&["POST"])),
            ("/health/live", Some(&["GET"])),
            ("/api/v1/referrals/", None),
            ("/api/v1/referrals/abc/unknown", None),
            ("/nowhere", None),
        ];
        for (path, expected) in cases {
            assert_eq!(routes.allowed(path).as_deref(), *expected, "{path}");
        }
        routes.add("/api/v1/referrals/bulk", vec!["POST"]);
        routes.add("/api/v1/referrals/{id}", vec!["POST"]);
        assert_eq!(
            routes.template("POST", "/api/v1/referrals/bulk"),
            Some("/api/v1/referrals/bulk")
        );
        assert_eq!(
            routes.template("POST", "/api/v1/referrals/abc"),
            Some("/api/v1/referrals/{id}")
        );
        assert_eq!(routes.template("DELETE", "/api/v1/referrals/abc"), None);
    }
}
