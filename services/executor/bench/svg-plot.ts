/** Line plots as a standalone SVG: panels stacked one above the other on a shared x axis. */

export interface Series {
  name: string;
  points: ReadonlyArray<readonly [x: number, y: number]>;
}

export interface Panel {
  title: string;
  series: readonly Series[];
}

const WIDTH = 720;
const PANEL_HEIGHT = 150;
const MARGIN = { left: 70, right: 20, top: 28, bottom: 24 };
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd'];

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
const label = (value: number) => (Math.abs(value) >= 1000 ? value.toFixed(0) : value.toPrecision(3));

/**
 * The panels' series (y from 0 to the panel's largest value), `xLabel` under the last panel; `title` is the
 * image's text alternative.
 */
export function linePlot(title: string, panels: readonly Panel[], xLabel: string): string {
  const all = panels.flatMap((p) => p.series.flatMap((s) => s.points.map(([x]) => x)));
  const [xMin, xMax] = [Math.min(...all), Math.max(...all)];
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const innerHeight = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom;
  const sx = (x: number) => MARGIN.left + ((x - xMin) / (xMax - xMin || 1)) * plotWidth;
  const parts = panels.map((panel, i) => {
    const top = i * PANEL_HEIGHT + MARGIN.top;
    const yMax = Math.max(...panel.series.flatMap((s) => s.points.map(([, y]) => y)), 0) || 1;
    const sy = (y: number) => top + innerHeight - (y / yMax) * innerHeight;
    const lines = panel.series.map((s, k) => {
      const colour = COLOURS[k % COLOURS.length];
      const points = s.points.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ');
      return (
        `<polyline fill="none" stroke="${colour}" stroke-width="1.5" points="${points}"/>` +
        `<text x="${WIDTH - MARGIN.right - 150 * (k + 1)}" y="${top - 6}" fill="${colour}">${escapeXml(s.name)}</text>`
      );
    });
    return [
      `<text x="${MARGIN.left}" y="${top - 10}" font-weight="bold">${escapeXml(panel.title)}</text>`,
      `<rect x="${MARGIN.left}" y="${top}" width="${plotWidth}" height="${innerHeight}" fill="none" stroke="#999"/>`,
      `<text x="${MARGIN.left - 6}" y="${top + 10}" text-anchor="end">${label(yMax)}</text>`,
      `<text x="${MARGIN.left - 6}" y="${top + innerHeight}" text-anchor="end">0</text>`,
      ...lines,
    ].join('\n');
  });
  const height = panels.length * PANEL_HEIGHT + 20;
  const axis = `<text x="${MARGIN.left}" y="${height - 8}">${label(xMin)}</text><text x="${WIDTH - MARGIN.right}" y="${height - 8}" text-anchor="end">${label(xMax)} ${escapeXml(xLabel)}</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" font-family="sans-serif" font-size="11">\n<title>${escapeXml(title)}</title>\n<rect width="100%" height="100%" fill="white"/>\n${parts.join('\n')}\n${axis}\n</svg>\n`;
}
