/** The /detection blocks both station benches send: 96 samples × 3 variables at 15-minute steps, per station. */

export const BLOCK = 96;
export const VARIABLES = ['level', 'temperature', 'conductivity'];

function timestamp(i: number): string {
  return new Date(Date.UTC(2021, 0, 1) + i * 900_000).toISOString().replace('T', ' ').slice(0, 19);
}

/** Deterministic station-like values: daily cycle, noise, a rare spike. */
function value(station: number, variable: number, i: number): number {
  const x = Math.sin(i * 12.9898 + station * 78.233 + variable * 37.719) * 43758.5453;
  const noise = x - Math.floor(x);
  const spike = (i + station) % 500 === 0 ? 25 : 0;
  return 10 * Math.sin((2 * Math.PI * i) / 96) + noise + spike + variable * 5;
}

/** Block number `blockIndex` of `station_<station>`, as JSON text. */
export function detectionBody(station: number, blockIndex: number): string {
  const mostres = [];
  for (let j = 0; j < BLOCK; j++) {
    const i = blockIndex * BLOCK + j;
    const values: Record<string, number> = {};
    VARIABLES.forEach((name, v) => {
      values[name] = Number(value(station, v, i).toFixed(3));
    });
    mostres.push({ timestamp: timestamp(i), values });
  }
  return JSON.stringify({ id_estacio: `station_${station}`, numero_mostres: BLOCK, mostres });
}
