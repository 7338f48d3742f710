//! Nearest-name suggestions for misspelt names (fakes, tables, columns), so an error can
//! end in `; did you mean "safe_email"?`.

/// `; did you mean "x"?` for the closest known name, if one is close.
pub(crate) fn suggest(written: &str, known: &[&str]) -> String {
    known
        .iter()
        .map(|k| (distance(written, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 4))
        .min()
        .map_or_else(String::new, |(_, k)| format!("; did you mean \"{k}\"?"))
}

/// Levenshtein distance.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            current.push(
                (previous[j] + cost)
                    .min(previous[j + 1] + 1)
                    .min(current[j] + 1),
            );
        }
        previous = current;
    }
    previous[b.len()]
}
