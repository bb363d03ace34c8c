// The parts of autocannon's API the benchmark uses (the package ships no types; @types/autocannon is not installed).
declare module 'autocannon' {
  interface Request {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string;
  }
  interface Options {
    url: string;
    method?: string;
    connections?: number;
    /** Requests per second over all connections (the soak's targets). */
    overallRate?: number;
    duration?: number;
    headers?: Record<string, string>;
    /** A fixed body: the request is built once (setupRequest rebuilds it, body included, every time). */
    body?: string;
    requests?: { setupRequest?: (req: Request) => Request }[];
  }
  interface Histogram {
    p50: number;
    p90: number;
    p99: number;
    max: number;
  }
  interface Result {
    '2xx': number;
    non2xx: number;
    errors: number;
    timeouts: number;
    duration: number;
    latency: Histogram;
  }
  export default function autocannon(options: Options): Promise<Result>;
}
