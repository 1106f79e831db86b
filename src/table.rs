//! Text tables padded to their widest cell: `inspect`'s listing, `compare`'s side by
//! side, and the sweep summary (as markdown that also reads as plain text).
//!
//! Cells are padded by counting characters, not through the formatter's width (which
//! has a limit and panics past it), so a cell of any length is fine.

/// How a column's cells line up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Cells start at the column's left edge (text).
    Left,
    /// Cells end at the column's right edge (numbers).
    Right,
}

/// Rows of cells; the first row is the header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    aligns: Vec<Align>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table whose columns line up as `aligns` says, starting with `header`.
    pub fn new(header: Vec<String>, aligns: Vec<Align>) -> Table {
        Table {
            aligns,
            rows: vec![header],
        }
    }

    /// Appends a row (missing cells are empty; extra cells are dropped).
    pub fn push(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    fn columns(&self) -> usize {
        self.aligns.len()
    }

    fn cell(row: &[String], i: usize) -> &str {
        row.get(i).map_or("", String::as_str)
    }

    /// Widest cell of each column, in characters, after `map`.
    fn widths(&self, map: impl Fn(&str) -> String) -> Vec<usize> {
        (0..self.columns())
            .map(|i| {
                self.rows
                    .iter()
                    .map(|r| map(Self::cell(r, i)).chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect()
    }

    /// Plain text: each line `indent`, then the cells joined by `gap`. A left-aligned
    /// last column is not padded (no trailing blanks).
    pub fn plain(&self, indent: &str, gap: &str) -> String {
        let widths = self.widths(str::to_string);
        let mut out = String::new();
        for row in &self.rows {
            out.push_str(indent);
            for (i, (&align, &width)) in self.aligns.iter().zip(&widths).enumerate() {
                if i > 0 {
                    out.push_str(gap);
                }
                let last = i + 1 == self.columns();
                let width = if last && align == Align::Left {
                    0
                } else {
                    width
                };
                pad_into(&mut out, Self::cell(row, i), width, align);
            }
            out.push('\n');
        }
        out
    }

    /// A markdown table (the first row as its header, `|` in cells escaped), padded so
    /// that it also lines up as plain text; right-aligned columns are marked `--:`.
    pub fn markdown(&self) -> String {
        let escape = |cell: &str| cell.replace('|', "\\|");
        let widths: Vec<usize> = self.widths(escape).into_iter().map(|w| w.max(3)).collect();
        let mut out = String::new();
        let line = |out: &mut String, cells: &[String]| {
            out.push('|');
            for (i, (&align, &width)) in self.aligns.iter().zip(&widths).enumerate() {
                out.push(' ');
                pad_into(out, &escape(Self::cell(cells, i)), width, align);
                out.push_str(" |");
            }
            out.push('\n');
        };
        let mut rows = self.rows.iter();
        if let Some(header) = rows.next() {
            line(&mut out, header);
        }
        out.push('|');
        for (&align, &width) in self.aligns.iter().zip(&widths) {
            out.push(' ');
            match align {
                Align::Left => out.push_str(&"-".repeat(width)),
                Align::Right => {
                    out.push_str(&"-".repeat(width - 1));
                    out.push(':');
                }
            }
            out.push_str(" |");
        }
        out.push('\n');
        for row in rows {
            line(&mut out, row);
        }
        out
    }
}

/// Appends `cell` padded with spaces to `width` characters.
fn pad_into(out: &mut String, cell: &str, width: usize, align: Align) {
    let fill = width.saturating_sub(cell.chars().count());
    if align == Align::Right {
        out.extend(std::iter::repeat_n(' ', fill));
    }
    out.push_str(cell);
    if align == Align::Left {
        out.extend(std::iter::repeat_n(' ', fill));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Table {
        let s = |v: &[&str]| v.iter().map(|c| c.to_string()).collect::<Vec<_>>();
        let mut t = Table::new(
            s(&["name", "n", "note"]),
            vec![Align::Left, Align::Right, Align::Left],
        );
        t.push(s(&["relu", "12", "ok"]));
        t.push(s(&["a|b", "3", "é longer"]));
        t
    }

    #[test]
    fn plain_pads_by_characters() {
        assert_eq!(
            table().plain("  ", "  "),
            "  name   n  note\n  relu  12  ok\n  a|b    3  é longer\n"
        );
    }

    #[test]
    fn markdown_escapes_and_marks_alignment() {
        assert_eq!(
            table().markdown(),
            "| name |   n | note     |\n\
             | ---- | --: | -------- |\n\
             | relu |  12 | ok       |\n\
             | a\\|b |   3 | é longer |\n"
        );
    }

    #[test]
    fn a_cell_wider_than_any_format_width_is_fine() {
        let wide = "x".repeat(70_000);
        let mut t = Table::new(
            vec!["h".into(), "v".into()],
            vec![Align::Left, Align::Right],
        );
        t.push(vec![wide.clone(), "1".into()]);
        let text = t.plain("", " ");
        assert!(text.contains(&wide));
        assert!(t.markdown().contains(&wide));
    }
}
