/** The thresholds that say what counts as legitimate traffic and what is noise (docs/incidents.md). */
export interface IncidentOptions {
  /** K: allowed flows needed before a change. */
  minAllowed: number;
  /** T: time from the first to the last of them (ms). */
  minHistoryMs: number;
  /** W: the last allowed flow must be at most this long before the change (ms). */
  recentMs: number;
}

export const DEFAULT_INCIDENT_OPTIONS: IncidentOptions = { minAllowed: 3, minHistoryMs: 10 * 60_000, recentMs: 60 * 60_000 };
