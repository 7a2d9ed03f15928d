//! The routes the service declares, by path template, so a known path called with a method it
//! does not declare answers `405` with `Allow` (RFC 9110 §15.5.6) instead of `404`.

/// Every declared path template with its methods, from the OpenAPI document.
#[derive(Debug, Default, Clone)]
pub struct KnownRoutes {
    routes: Vec<(Vec<Segment>, Vec<&'static str>)>,
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
        self.routes.push((segments(template), methods));
    }

    /// The methods declared on the template `path` matches, if it matches one.
    pub fn allowed(&self, path: &str) -> Option<Vec<&'static str>> {
        let parts: Vec<&str> = path.split('/').collect();
        let mut allowed: Vec<&'static str> = Vec::new();
        for (template, methods) in &self.routes {
            let matches = template.len() == parts.len()
                && template.iter().zip(&parts).all(|(t, p)| match t {
                    Segment::Literal(l) => l == p,
                    Segment::Parameter => !p.is_empty(),
                });
            if matches {
                for method in methods {
                    if !allowed.contains(method) {
                        allowed.push(method);
                    }
                }
            }
        }
        (!allowed.is_empty()).then_some(allowed)
    }
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
        let cases: &[(&str, Option<&[&str]>)] = &[
            ("/api/v1/referrals/abc", Some(&["GET", "PATCH"])),
            ("/api/v1/referrals/abc/send", Some(&["POST"])),
            ("/health/live", Some(&["GET"])),
            ("/api/v1/referrals/", None),
            ("/api/v1/referrals/abc/unknown", None),
            ("/nowhere", None),
        ];
        for (path, expected) in cases {
            assert_eq!(routes.allowed(path).as_deref(), *expected, "{path}");
        }
    }
}
