// What a run reports once a second while its load phase runs, for live displays (terminal progress, the dashboard).

export interface LiveSample {
  mode: string;
  /** Since the load phase began, and its planned length (ms). */
  elapsedMs: number;
  totalMs: number;
  /** Requests per second over the last interval, all replicas together. */
  requestsPerSecond: number;
  /** Per replica: requests per second over the last interval, and 429s in it. */
  replicas: { replica: string; requestsPerSecond: number; tooManyRequests: number }[];
  /** Timeline events applied so far in this mode. */
  events: string[];
}
