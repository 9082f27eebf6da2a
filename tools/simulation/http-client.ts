/**
 * A small HTTP client of a running leadledger: JSON in and out, the API key as a bearer token, 429 and
 * 503 retried with backoff (Retry-After honoured), and every other failure thrown as an HttpError that
 * carries the status and the body the service answered.
 */
import { readFileSync } from 'node:fs';

export const DEFAULT_URL = 'http://127.0.0.1:3000';
const RETRIED_STATUSES = new Set([429, 503]);
const MAX_RETRIES = 6;
const BASE_DELAY_MS = 250;
const MAX_DELAY_MS = 10_000;
const TIMEOUT_MS = 180_000;

export class HttpError extends Error {
  override name = 'HttpError';

  constructor(
    readonly method: string,
    readonly path: string,
    /** 0 when no answer came (connection refused, reset, timed out). */
    readonly status: number,
    readonly body: string,
  ) {
    super(`${method} ${path} -> ${status === 0 ? 'no answer' : status}: ${body}`);
  }
}

export interface Answer<T> {
  readonly status: number;
  readonly body: T;
  readonly etag?: string;
}

export interface RequestOptions {
  readonly body?: unknown;
  /** Sent as it is, e.g. NDJSON; `body` is JSON-encoded otherwise. */
  readonly rawBody?: string;
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface ClientSettings {
  readonly baseUrl: string;
  readonly apiKey: string;
  /** Told about each retry (status and delay), e.g. to count them. */
  readonly onRetry?: (status: number, delayMs: number, method: string, path: string) => void;
}

/** LEADLEDGER_URL, and the key from LEADLEDGER_API_KEY (or LEADLEDGER_KEY, as `npm run import` reads), else .data/admin-key. */
export function settingsFromEnvironment(
  env: NodeJS.ProcessEnv = process.env,
): Omit<ClientSettings, 'onRetry'> {
  const baseUrl = (env.LEADLEDGER_URL || DEFAULT_URL).replace(/\/+$/, '');
  const fromEnv = env.LEADLEDGER_API_KEY || env.LEADLEDGER_KEY;
  if (fromEnv) return { baseUrl, apiKey: fromEnv.trim() };
  try {
    return { baseUrl, apiKey: readFileSync('.data/admin-key', 'utf8').trim() };
  } catch (error) {
    throw new Error(
      `no API key: set LEADLEDGER_API_KEY or run from the folder whose .data/admin-key the pipeline wrote ` +
        `(${error instanceof Error ? error.message : String(error)})`,
    );
  }
}

export class LeadledgerClient {
  constructor(private readonly settings: ClientSettings) {}

  get baseUrl(): string {
    return this.settings.baseUrl;
  }

  get<T>(path: string): Promise<Answer<T>> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body?: unknown, headers?: Readonly<Record<string, string>>): Promise<Answer<T>> {
    return this.request<T>('POST', path, { body: body ?? {}, ...(headers ? { headers } : {}) });
  }

  /** The answer's text, for the routes that stream NDJSON back. */
  async postNdjson(path: string, lines: readonly string[]): Promise<Answer<string>> {
    return this.send('POST', path, { rawBody: `${lines.join('\n')}\n`, contentType: 'application/x-ndjson' });
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<Answer<T>> {
    const answer = await this.send(method, path, options);
    const body = answer.body === '' ? undefined : (JSON.parse(answer.body) as T);
    return { status: answer.status, body: body as T, ...(answer.etag ? { etag: answer.etag } : {}) };
  }

  private async send(method: string, path: string, options: RequestOptions): Promise<Answer<string>> {
    const payload =
      options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.settings.apiKey}`,
      accept: 'application/json',
      ...(payload !== undefined ? { 'content-type': options.contentType ?? 'application/json' } : {}),
      ...options.headers,
    };
    for (let attempt = 0; ; attempt += 1) {
      let response: Response;
      try {
        response = await fetch(`${this.settings.baseUrl}${path}`, {
          method,
          headers,
          ...(payload !== undefined ? { body: payload } : {}),
          signal: AbortSignal.timeout(TIMEOUT_MS),
        });
      } catch (error) {
        // Only reads are retried without an answer: a write may have happened.
        if (method === 'GET' && attempt < MAX_RETRIES) {
          await this.backoff(0, attempt, undefined, method, path);
          continue;
        }
        throw new HttpError(method, path, 0, describe(error));
      }
      const text = await response.text();
      if (response.ok) {
        const etag = response.headers.get('etag') ?? undefined;
        return { status: response.status, body: text, ...(etag ? { etag } : {}) };
      }
      if (RETRIED_STATUSES.has(response.status) && attempt < MAX_RETRIES) {
        await this.backoff(response.status, attempt, response.headers.get('retry-after'), method, path);
        continue;
      }
      throw new HttpError(method, path, response.status, text);
    }
  }

  private async backoff(
    status: number,
    attempt: number,
    retryAfter: string | null | undefined,
    method: string,
    path: string,
  ): Promise<void> {
    const told = retryAfter && /^\d+$/.test(retryAfter) ? Number(retryAfter) * 1000 : undefined;
    const exponential = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** attempt);
    // Jitter spreads concurrent retries apart; it needs no seed, being no part of the plan.
    const delay = told ?? Math.round(exponential / 2 + Math.random() * (exponential / 2));
    this.settings.onRetry?.(status, delay, method, path);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as Error & { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
}

/** Runs `work` on every item, at most `concurrency` at once. `work` reports its own failures: one it throws ends the run. */
export async function forEachConcurrently<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      await work(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
}
