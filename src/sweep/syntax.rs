//! The command-line syntax of a sweep: value lists `a,b,c` with inclusive whole-number
//! ranges `1..20`, and `--shard K/N`.

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

/// Most values one `a..b` range may expand to.
pub const MAX_RANGE_VALUES: u64 = 1_000_000;

/// Whether a list flag takes `A..B` ranges (only whole-number flags do).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ranges {
    Allowed,
    Refused,
}

/// Parses a comma-separated list of values, each read by `item`. With
/// [`Ranges::Allowed`], an item `A..B` (whole numbers, `A <= B`) stands for every whole
/// number from A to B inclusive, each then read by `item` too. Blank items and repeated
/// values are errors, since a repeated value would make two identical runs.
///
/// `parse_list("1..3,7", Ranges::Allowed, |s| s.parse::<u32>().map_err(|e| e.to_string()))`
/// is `[1, 2, 3, 7]`.
pub fn parse_list<T: fmt::Display>(
    text: &str,
    ranges: Ranges,
    item: impl Fn(&str) -> Result<T, String>,
) -> Result<Vec<T>, String> {
    let mut values: Vec<T> = Vec::new();
    // Values are told apart by their canonical text (`01` and `1` are one value), in a
    // set, so that a list of a million seeds is checked in linear time.
    let mut seen: HashSet<String> = HashSet::new();
    let mut push = |raw: &str, values: &mut Vec<T>| -> Result<(), String> {
        let value = item(raw)?;
        if !seen.insert(value.to_string()) {
            return Err(format!("'{raw}' is listed twice"));
        }
        values.push(value);
        Ok(())
    };
    for raw in text.split(',') {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(format!(
                "'{text}' has an empty item: write values as a,b,c or ranges as 1..20"
            ));
        }
        match raw.split_once("..") {
            None => push(raw, &mut values)?,
            Some(_) if ranges == Ranges::Refused => {
                return Err(format!(
                    "'{raw}': ranges A..B are for whole-number settings; list the values as a,b,c"
                ))
            }
            Some((from, to)) => {
                let (from, to) = match (from.parse::<u64>(), to.parse::<u64>()) {
                    (Ok(a), Ok(b)) => (a, b),
                    _ => {
                        return Err(format!(
                        "'{raw}' is not a range: ranges are whole numbers A..B, both ends included"
                    ))
                    }
                };
                if from > to {
                    return Err(format!(
                        "the range '{raw}' is empty: write A..B with A <= B"
                    ));
                }
                if to - from >= MAX_RANGE_VALUES {
                    return Err(format!(
                        "the range '{raw}' has more than {MAX_RANGE_VALUES} values"
                    ));
                }
                for n in from..=to {
                    push(&n.to_string(), &mut values)?;
                }
            }
        }
    }
    Ok(values)
}

/// `--shard K/N`: run only the runs whose index modulo N is K.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    /// The whole sweep (`0/1`).
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// Whether the run with this index belongs to the shard.
    pub fn contains(self, run_index: usize) -> bool {
        self.count > 0 && run_index % self.count == self.index
    }
}

impl FromStr for Shard {
    type Err = String;

    /// `K/N` with `0 <= K < N`.
    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = || format!("'{s}' is not K/N (this machine's number K from 0, of N machines)");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let index: usize = k.trim().parse().map_err(|_| bad())?;
        let count: usize = n.trim().parse().map_err(|_| bad())?;
        if count == 0 {
            return Err(format!("'{s}': the number of shards N must be at least 1"));
        }
        if index >= count {
            return Err(format!(
                "'{s}': K must be less than N (shards are numbered 0 to {})",
                count - 1
            ));
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(s: &str) -> Result<u64, String> {
        s.parse::<u64>()
            .map_err(|_| format!("'{s}' is not a whole number"))
    }

    #[test]
    fn a_million_values_in_linear_time() {
        let values = parse_list("1..1000000", Ranges::Allowed, num).unwrap();
        assert_eq!(values.len(), 1_000_000);
        assert_eq!(values.last(), Some(&1_000_000));
        assert_eq!(
            parse_list("1..1000000,7", Ranges::Allowed, num).unwrap_err(),
            "'7' is listed twice"
        );
        assert_eq!(
            parse_list("0..1000000", Ranges::Allowed, num).unwrap_err(),
            "the range '0..1000000' has more than 1000000 values"
        );
    }

    #[test]
    fn lists_and_inclusive_ranges() {
        assert_eq!(
            parse_list("1..3,7", Ranges::Allowed, num).unwrap(),
            [1, 2, 3, 7]
        );
        assert_eq!(parse_list("5", Ranges::Allowed, num).unwrap(), [5]);
        assert_eq!(
            parse_list(" 2 , 11 ", Ranges::Allowed, num).unwrap(),
            [2, 11]
        );
        assert_eq!(parse_list("4..4", Ranges::Allowed, num).unwrap(), [4]);
        assert_eq!(
            parse_list("a,b", Ranges::Refused, |s| Ok::<_, String>(s.to_string())).unwrap(),
            ["a", "b"]
        );
    }

    #[test]
    fn list_errors_name_the_item() {
        assert_eq!(
            parse_list("1,,2", Ranges::Allowed, num).unwrap_err(),
            "'1,,2' has an empty item: write values as a,b,c or ranges as 1..20"
        );
        assert_eq!(
            parse_list("3..1", Ranges::Allowed, num).unwrap_err(),
            "the range '3..1' is empty: write A..B with A <= B"
        );
        assert_eq!(
            parse_list("0.1..0.5", Ranges::Allowed, num).unwrap_err(),
            "'0.1..0.5' is not a range: ranges are whole numbers A..B, both ends included"
        );
        assert_eq!(
            parse_list("1..3,2", Ranges::Allowed, num).unwrap_err(),
            "'2' is listed twice"
        );
        assert_eq!(
            parse_list("x", Ranges::Allowed, num).unwrap_err(),
            "'x' is not a whole number"
        );
    }

    #[test]
    fn shards_parse_and_partition() {
        assert_eq!(
            "1/4".parse::<Shard>().unwrap(),
            Shard { index: 1, count: 4 }
        );
        assert_eq!(
            "2/2".parse::<Shard>().unwrap_err(),
            "'2/2': K must be less than N (shards are numbered 0 to 1)"
        );
        assert_eq!(
            "0/0".parse::<Shard>().unwrap_err(),
            "'0/0': the number of shards N must be at least 1"
        );
        assert_eq!(
            "1".parse::<Shard>().unwrap_err(),
            "'1' is not K/N (this machine's number K from 0, of N machines)"
        );
        let shards = [
            Shard { index: 0, count: 3 },
            Shard { index: 1, count: 3 },
            Shard { index: 2, count: 3 },
        ];
        for i in 0..10 {
            assert_eq!(
                shards.iter().filter(|s| s.contains(i)).count(),
                1,
                "run {i}"
            );
        }
        let picked: Vec<usize> = (0..7).filter(|&i| shards[1].contains(i)).collect();
        assert_eq!(picked, [1, 4]);
        assert!((0..5).all(|i| Shard::ALL.contains(i)));
    }
}
