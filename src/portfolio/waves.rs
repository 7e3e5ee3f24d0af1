//! Deployment order for domains that depend on each other: waves in which
//! every domain's dependencies sit in earlier waves.

use indexmap::IndexMap;

use crate::error::{Error, Result};

/// `domain → the domains it depends on`, in waves (Kahn's algorithm); a cycle
/// is `E_DEPENDENCY_CYCLE` naming it, an unknown dependency `E_INVALID_INPUT`.
pub fn waves(graph: &IndexMap<String, Vec<String>>) -> Result<Vec<Vec<String>>> {
    for (domain, deps) in graph {
        if let Some(missing) = deps.iter().find(|d| !graph.contains_key(*d)) {
            return Err(Error::invalid(format!("{domain} depends on {missing}, which is not in the portfolio")));
        }
    }
    let mut placed: IndexMap<&str, usize> = IndexMap::new();
    let mut waves: Vec<Vec<String>> = Vec::new();
    while placed.len() < graph.len() {
        let wave: Vec<String> = graph
            .iter()
            .filter(|(d, deps)| !placed.contains_key(d.as_str()) && deps.iter().all(|x| placed.contains_key(x.as_str())))
            .map(|(d, _)| d.clone())
            .collect();
        if wave.is_empty() {
            return Err(Error::DependencyCycle(cycle(graph, &placed)));
        }
        for d in &wave {
            let name = graph.get_key_value(d).map(|(k, _)| k.as_str()).unwrap_or_default();
            placed.insert(name, waves.len());
        }
        waves.push(wave);
    }
    Ok(waves)
}

/// One cycle among the domains not placed: follow unplaced dependencies until one repeats.
fn cycle(graph: &IndexMap<String, Vec<String>>, placed: &IndexMap<&str, usize>) -> Vec<String> {
    let unplaced = |d: &str| !placed.contains_key(d);
    let mut path: Vec<String> = Vec::new();
    let mut at = graph.keys().find(|d| unplaced(d)).cloned().unwrap_or_default();
    loop {
        if let Some(start) = path.iter().position(|d| *d == at) {
            let mut cycle = path[start..].to_vec();
            cycle.push(at);
            return cycle;
        }
        path.push(at.clone());
        at = graph[&at].iter().find(|d| unplaced(d)).cloned().unwrap_or_default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(edges: &[(&str, &[&str])]) -> IndexMap<String, Vec<String>> {
        edges.iter().map(|(d, deps)| (d.to_string(), deps.iter().map(|s| s.to_string()).collect())).collect()
    }

    #[test]
    fn dependencies_come_in_earlier_waves() {
        let g = graph(&[("web.a.com", &["api.a.com"]), ("api.a.com", &["auth.a.com"]), ("auth.a.com", &[]), ("blog.a.com", &[])]);
        assert_eq!(waves(&g).unwrap(), vec![vec!["auth.a.com", "blog.a.com"], vec!["api.a.com"], vec!["web.a.com"]]);
    }

    #[test]
    fn a_cycle_is_named() {
        let g = graph(&[("a.com", &["b.com"]), ("b.com", &["c.com"]), ("c.com", &["a.com"]), ("d.com", &[])]);
        let err = waves(&g).unwrap_err();
        assert_eq!(err.code(), "E_DEPENDENCY_CYCLE");
        assert_eq!(err.to_string(), "Circular dependency detected: a.com → b.com → c.com → a.com");
        assert_eq!(waves(&graph(&[("a.com", &["x.com"])])).unwrap_err().code(), "E_INVALID_INPUT");
    }
}
