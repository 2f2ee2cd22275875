//! The conditions of a rule beyond its routes (which are a
//! [`RouteSet`](crate::routes::RouteSet)): headers, query parameters and namespace.

use hyper::HeaderMap;

use super::model::MatchSpec;

/// The extra conditions of a rule beyond its routes.
#[derive(Debug, Clone, Default)]
pub struct Extra {
    headers: Vec<(String, String)>,
    query: Vec<(String, String)>,
    namespace: Option<String>,
}

impl Extra {
    /// The header, query and namespace conditions of `spec`.
    pub fn from_spec(spec: &MatchSpec) -> Self {
        let headers = spec
            .headers
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
            .collect();
        let query = spec
            .query
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Self {
            headers,
            query,
            namespace: spec.namespace.clone(),
        }
    }

    /// Whether the request passes every condition.
    pub fn matches(&self, headers: &HeaderMap, query: Option<&str>, namespace: &str) -> bool {
        if self.namespace.as_deref().is_some_and(|ns| ns != namespace) {
            return false;
        }
        let headers_ok = self.headers.iter().all(|(name, value)| {
            headers
                .get_all(name.as_str())
                .iter()
                .any(|v| v.to_str().is_ok_and(|v| v == value))
        });
        headers_ok
            && self.query.iter().all(|(name, value)| {
                query.is_some_and(|q| {
                    form_urlencoded::parse(q.as_bytes()).any(|(k, v)| k == *name && v == *value)
                })
            })
    }
}
