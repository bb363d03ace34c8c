/** Which sensor a query is about, for per-sensor model resolution. */

/** The dimension that names a sensor in redBorder flow data sources. */
export const SENSOR_DIMENSION = 'sensor_name';

/**
 * The sensor a Druid filter restricts to: a `selector` (or single-value `equals` / `in`) on `sensor_name`, at the top
 * level or inside an `and` (any depth). Filters under `or` / `not` do not pin one sensor and give null, as do two
 * different sensors under one `and`.
 */
export function sensorFromFilter(filter: unknown): string | null {
  const found = new Set<string>();
  collect(filter, found);
  return found.size === 1 ? [...found][0]! : null;
}

function collect(filter: unknown, found: Set<string>): void {
  if (filter === null || typeof filter !== 'object') return;
  const f = filter as Record<string, unknown>;
  if (f.dimension === SENSOR_DIMENSION || f.column === SENSOR_DIMENSION) {
    const value =
      f.type === 'selector'
        ? f.value
        : f.type === 'equals'
          ? f.matchValue
          : f.type === 'in'
            ? single(f.values)
            : null;
    if (typeof value === 'string' && value !== '') found.add(value);
    return;
  }
  if (f.type === 'and' && Array.isArray(f.fields)) for (const sub of f.fields) collect(sub, found);
}

function single(values: unknown): unknown {
  return Array.isArray(values) && values.length === 1 ? values[0] : null;
}
