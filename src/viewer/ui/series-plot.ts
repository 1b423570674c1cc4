/**
 * One line plot of y over x with uPlot, in the panels' colours: the probe
 * over time and the plot along a line draw through it.
 */
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export interface SeriesPlotOptions {
  /** Name of the x series, and the axis label if given. */
  xName: string;
  xLabel?: string;
  /** Name of the plotted field. */
  field: string;
  colour: string;
  /** Draw a dot at each sample (default: uPlot's, dots where samples are sparse). */
  points?: boolean;
}

export function seriesPlot(el: HTMLElement, o: SeriesPlotOptions, x: number[], y: number[]): uPlot {
  const xAxis: uPlot.Axis = { stroke: "#bbb", grid: { stroke: "#333" } };
  if (o.xLabel) Object.assign(xAxis, { label: o.xLabel, labelSize: 18, size: 36 });
  return new uPlot(
    {
      width: Math.max(200, el.clientWidth || 260),
      height: 160,
      scales: { x: { time: false } },
      axes: [xAxis, { stroke: "#bbb", grid: { stroke: "#333" } }],
      series: [
        { label: o.xName },
        {
          label: o.field,
          stroke: o.colour,
          width: 2,
          ...(o.points === undefined ? {} : { points: { show: o.points } }),
        },
      ],
      legend: { show: false },
    },
    [x, y],
    el,
  );
}
