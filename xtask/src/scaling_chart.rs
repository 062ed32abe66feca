//! `docs/scaling.svg`: a line chart of one scaling family, wall ns/message
//! against the family's points (producers), one line per channel, ours
//! highlighted. Plain SVG text, no dependency.

use std::fmt::Write as _;

use crate::bench::{point_value, Family};

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 420.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 150.0;
const TOP: f64 = 50.0;
const BOTTOM: f64 = 60.0;
const OURS: &str = "#d9480f";
const PEERS: &[&str] = &[
    "#2b8cbe", "#31a354", "#756bb1", "#636363", "#e7298a", "#a6761d",
];

/// The chart of `family`: points evenly spaced on the x axis (the producer
/// counts double from one to the next), a linear y axis from 0.
pub fn svg(family: &Family) -> String {
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let max = family
        .rows
        .iter()
        .flat_map(|r| r.values.iter().copied())
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let step = tick_step(max);
    let top = ((max / step).ceil() * step).max(step);
    let columns = family.columns.len().max(1);
    let x = |i: usize| {
        if columns == 1 {
            LEFT + plot_w / 2.0
        } else {
            LEFT + plot_w * i as f64 / (columns - 1) as f64
        }
    };
    let y = |value: f64| TOP + plot_h * (1.0 - value / top);

    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(
        out,
        r#"<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>"#
    );
    let _ = writeln!(
        out,
        r#"<text x="10" y="22" font-size="14" font-weight="bold">Wall time per message: {}</text>"#,
        escape(&title(&family.name))
    );

    // Horizontal grid and the y axis labels.
    let mut tick = 0.0;
    while tick <= top + step / 2.0 {
        let ty = y(tick);
        let _ = writeln!(
            out,
            r##"<line x1="{LEFT}" y1="{ty:.1}" x2="{:.1}" y2="{ty:.1}" stroke="#dddddd"/>"##,
            LEFT + plot_w
        );
        let _ = writeln!(
            out,
            r#"<text x="{:.0}" y="{:.1}" text-anchor="end">{}</text>"#,
            LEFT - 6.0,
            ty + 4.0,
            number(tick)
        );
        tick += step;
    }
    // The x axis labels.
    for (i, column) in family.columns.iter().enumerate() {
        let label = point_value(column).map_or_else(|| column.clone(), number);
        let _ = writeln!(
            out,
            r#"<text x="{:.1}" y="{:.0}" text-anchor="middle">{}</text>"#,
            x(i),
            TOP + plot_h + 18.0,
            escape(&label)
        );
    }
    let _ = writeln!(
        out,
        r#"<text x="{:.1}" y="{:.0}" text-anchor="middle">{}</text>"#,
        LEFT + plot_w / 2.0,
        HEIGHT - 16.0,
        escape(&axis(&family.name))
    );
    let _ = writeln!(
        out,
        r#"<text x="16" y="{:.1}" text-anchor="middle" transform="rotate(-90 16 {:.1})">ns per message (lower is better)</text>"#,
        TOP + plot_h / 2.0,
        TOP + plot_h / 2.0
    );
    let _ = writeln!(
        out,
        r##"<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#888888"/>"##
    );

    // Peers first, so ours is drawn on top.
    let mut peer_colors = PEERS.iter().cycle();
    let mut legend = Vec::new();
    let mut lines = Vec::new();
    for row in &family.rows {
        let (color, width, radius) = if row.is_ours() {
            (OURS, 3.5, 4.5)
        } else {
            (*peer_colors.next().expect("cycle"), 1.8, 3.0)
        };
        let points: Vec<(f64, f64)> = row
            .values
            .iter()
            .enumerate()
            .filter(|(_, v)| v.is_finite())
            .map(|(i, v)| (x(i), y(*v)))
            .collect();
        let mut line = String::new();
        let path: Vec<String> = points
            .iter()
            .map(|(px, py)| format!("{px:.1},{py:.1}"))
            .collect();
        let _ = writeln!(
            line,
            r#"<polyline points="{}" fill="none" stroke="{color}" stroke-width="{width}"/>"#,
            path.join(" ")
        );
        for (px, py) in &points {
            let _ = writeln!(
                line,
                r#"<circle cx="{px:.1}" cy="{py:.1}" r="{radius}" fill="{color}"/>"#
            );
        }
        lines.push((row.is_ours(), line));
        legend.push((row.name.clone(), color, row.is_ours()));
    }
    lines.sort_by_key(|(ours, _)| *ours);
    for (_, line) in lines {
        out.push_str(&line);
    }
    for (i, (name, color, ours)) in legend.iter().enumerate() {
        let ly = TOP + 10.0 + i as f64 * 20.0;
        let lx = LEFT + plot_w + 16.0;
        let weight = if *ours { "bold" } else { "normal" };
        let _ = writeln!(
            out,
            r#"<line x1="{lx:.0}" y1="{ly:.0}" x2="{:.0}" y2="{ly:.0}" stroke="{color}" stroke-width="{}"/>"#,
            lx + 24.0,
            if *ours { 3.5 } else { 1.8 }
        );
        let _ = writeln!(
            out,
            r#"<text x="{:.0}" y="{:.0}" font-weight="{weight}">{}</text>"#,
            lx + 30.0,
            ly + 4.0,
            escape(name)
        );
    }
    out.push_str("</svg>\n");
    out
}

/// A round step giving four to ten grid lines up to `max`.
fn tick_step(max: f64) -> f64 {
    if !(max.is_finite() && max > 0.0) {
        return 1.0;
    }
    let rough = max / 5.0;
    let magnitude = 10f64.powf(rough.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|step| max / step <= 8.0)
        .unwrap_or(10.0 * magnitude)
}

/// `20` as `20`, `2.5` as `2.5`.
fn number(value: f64) -> String {
    if value == value.round() {
        format!("{value:.0}")
    } else {
        format!("{value}")
    }
}

/// `producers_to_1` as `producers → 1 consumer`.
fn title(family: &str) -> String {
    match family.strip_prefix("producers_to_") {
        Some("1") => "producers → 1 consumer, capacity 1024".to_string(),
        Some(n) => format!("producers → {n} consumers, capacity 1024"),
        None => family.replace('_', " "),
    }
}

/// The x axis's caption.
fn axis(family: &str) -> String {
    if family.starts_with("producers") {
        "producer tasks (tokio, 2 worker threads)".to_string()
    } else {
        family.replace('_', " ")
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
