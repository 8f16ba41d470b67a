//! Plots for evaluation reports (SVG, through plotters' SVG backend, which
//! needs no fonts or native libraries).

use crate::Error;
use crate::eval::EvalReport;
use plotters::prelude::*;
use std::path::Path;

const COLORS: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(255, 127, 14),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];

fn err<E: std::fmt::Display>(e: E) -> Error {
    Error::Report(e.to_string())
}

/// Writes `roc.svg` (one curve per split and test architecture) and
/// `per-arch.svg` (accuracy, F1 and false-positive rate per split and test
/// architecture) into `dir`, with `title` on both.
pub fn write_plots(report: &EvalReport, dir: &Path, title: &str) -> Result<(), Error> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    roc(report, &dir.join("roc.svg"), title)?;
    bars(report, &dir.join("per-arch.svg"), title)
}

fn roc(report: &EvalReport, path: &Path, title: &str) -> Result<(), Error> {
    let root = SVGBackend::new(path, (640, 520)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(format!("ROC: {title}"), ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(44)
        .build_cartesian_2d(0f64..1f64, 0f64..1f64)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("false-positive rate")
        .y_desc("true-positive rate")
        .draw()
        .map_err(err)?;
    let mut k = 0;
    for split in &report.splits {
        for a in &split.per_arch {
            let color = COLORS[k % COLORS.len()];
            k += 1;
            let dashed = split.split != "same-program";
            let label = format!("{} {} (AUC {:.3})", a.arch, split.split, a.metrics.roc_auc);
            let series = chart
                .draw_series(LineSeries::new(
                    a.roc.iter().copied(),
                    color.stroke_width(if dashed { 1 } else { 2 }),
                ))
                .map_err(err)?;
            series.label(label).legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2))
            });
        }
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(err)?;
    root.present().map_err(err)
}

fn bars(report: &EvalReport, path: &Path, title: &str) -> Result<(), Error> {
    let groups: Vec<(String, [f64; 3])> = report
        .splits
        .iter()
        .flat_map(|s| {
            s.per_arch.iter().map(move |a| {
                (
                    format!("{} {}", a.arch, s.split),
                    [a.metrics.accuracy, a.metrics.f1, a.metrics.fpr],
                )
            })
        })
        .collect();
    let n = groups.len().max(1);
    let width = u32::try_from(160 * n + 120).unwrap_or(1200);
    let root = SVGBackend::new(path, (width, 420)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    #[allow(clippy::cast_precision_loss)]
    let xmax = n as f64;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!("Per test architecture: {title}"),
            ("sans-serif", 18),
        )
        .margin(12)
        .x_label_area_size(10)
        .y_label_area_size(44)
        .build_cartesian_2d(0f64..xmax, 0f64..1.4f64)
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .disable_x_axis()
        .y_desc("rate")
        .draw()
        .map_err(err)?;
    // Group names above each group of bars (axis labels would be placed at
    // round numbers, not at the groups).
    chart
        .draw_series(groups.iter().enumerate().map(|(i, g)| {
            #[allow(clippy::cast_precision_loss)]
            let x = i as f64 + 0.12;
            Text::new(g.0.clone(), (x, 1.04), ("sans-serif", 13))
        }))
        .map_err(err)?;
    let metric_names = ["accuracy", "F1", "false-positive rate"];
    for (m, name) in metric_names.iter().enumerate() {
        let color = COLORS[m];
        let series = chart
            .draw_series(groups.iter().enumerate().map(|(i, g)| {
                #[allow(clippy::cast_precision_loss)]
                let x0 = i as f64 + 0.15 + 0.23 * m as f64;
                Rectangle::new([(x0, 0.0), (x0 + 0.2, g.1[m])], color.filled())
            }))
            .map_err(err)?;
        series
            .label(*name)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], color.filled()));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(err)?;
    root.present().map_err(err)
}
