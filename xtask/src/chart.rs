//! `docs/benchmarks.svg`: grouped bars, one group per workload, one bar per
//! implementation, ours highlighted. Plain SVG text, no dependency.

use std::fmt::Write as _;

use crate::bench::Table;

const BAR: f64 = 16.0;
const GAP: f64 = 14.0;
const LABEL: f64 = 190.0;
const WIDTH: f64 = 900.0;
const PLOT: f64 = WIDTH - LABEL - 90.0;

/// One horizontal bar per implementation (wall ns/message), grouped by
/// workload; each group scaled to its own slowest bar, with the value printed.
pub fn svg(tables: &[Table]) -> String {
    let rows: usize = tables.iter().map(|t| t.rows.len() + 1).sum();
    let height = 40.0 + rows as f64 * (BAR + 4.0) + tables.len() as f64 * GAP;
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(
        out,
        r#"<text x="10" y="20" font-size="14" font-weight="bold">Wall time per message (ns, shorter is better); ours highlighted</text>"#
    );
    let mut y = 36.0;
    for table in tables {
        let _ = writeln!(
            out,
            r#"<text x="10" y="{:.0}" font-weight="bold">{}</text>"#,
            y + BAR - 4.0,
            escape(&table.workload)
        );
        y += BAR + 4.0;
        let max = table
            .rows
            .iter()
            .map(|r| r.wall)
            .filter(|v| v.is_finite())
            .fold(0.0, f64::max)
            .max(1e-9);
        for row in &table.rows {
            let (fill, weight) = if row.is_ours() {
                ("#d9480f", "bold")
            } else {
                ("#74a9cf", "normal")
            };
            let width = if row.wall.is_finite() {
                (row.wall / max * PLOT).max(1.0)
            } else {
                0.0
            };
            let _ = writeln!(
                out,
                r#"<text x="{:.0}" y="{:.0}" text-anchor="end" font-weight="{weight}">{}</text>"#,
                LABEL - 6.0,
                y + BAR - 4.0,
                escape(&row.name)
            );
            let _ = writeln!(
                out,
                r#"<rect x="{LABEL}" y="{y:.0}" width="{width:.1}" height="{BAR}" fill="{fill}"/>"#
            );
            let _ = writeln!(
                out,
                r#"<text x="{:.1}" y="{:.0}">{:.1}</text>"#,
                LABEL + width + 4.0,
                y + BAR - 4.0,
                row.wall
            );
            y += BAR + 4.0;
        }
        y += GAP;
    }
    out.push_str("</svg>\n");
    out
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
