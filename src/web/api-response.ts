/**
 * An answer of the dashboard's JSON API, before it is bytes (answer.ts): a status and a JSON body. Every view
 * makes its answers with ok and error; the server and the worker pool ask an ApiHandler for them.
 */
export interface ApiResponse {
  status: number;
  body: unknown;
}

export const error = (status: number, message: string): ApiResponse => ({ status, body: { error: message } });
export const ok = (body: unknown): ApiResponse => ({ status: 200, body });

/** What answers the JSON API: the DashboardApi, or a holder that swaps it when a watched cluster changes. */
export interface ApiHandler {
  handle(method: string, url: URL): ApiResponse;
}
