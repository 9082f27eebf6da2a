import { Injectable, type NestMiddleware, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isOperationalRequest } from '../operational-requests';
import { CLIENT_CLOSED_REQUEST, LeadledgerMetrics } from './leadledger-metrics';

/** Express sets `route` to the last route that took the request; other requests lack it. */
type RoutedRequest = IncomingMessage & {
  readonly route?: { readonly path?: unknown };
  readonly baseUrl?: string;
};

export const UNMATCHED_ROUTE = 'unmatched';

const unmatchedRequests = new WeakSet<IncomingMessage>();

/**
 * Times every request into `leadledger_http_request_duration_seconds`. A middleware rather than an
 * interceptor: interceptors run only for requests that reached a handler, so 404s, guard
 * rejections, pipe failures and body-parser errors would go unmeasured, and those are the ones an
 * operator looks for. Listening for the response to close sees all of them.
 */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: LeadledgerMetrics) {}

  use(req: RoutedRequest, res: ServerResponse, next: () => void): void {
    const startedAt = process.hrtime.bigint();
    res.once('close', () => {
      if (isOperationalRequest(req)) return;
      const durationSeconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
      // 'close' without 'finish': the client hung up first. Those slow, abandoned requests are
      // worth seeing, under the status nginx uses for them.
      const statusCode = res.writableFinished ? res.statusCode : CLIENT_CLOSED_REQUEST;
      this.metrics.recordHttpRequest(req.method ?? 'UNKNOWN', matchedRoute(req), statusCode, durationSeconds);
    });
    next();
  }
}

/**
 * Marks the requests no handler took. Nest mounts route-bound middleware (this module's, nestjs-pino's)
 * as Express routes too, so after a 404 `req.route` names a middleware's catch-all pattern, not
 * "no route". A layer appended after the handlers' routes sees exactly the requests that fell
 * through all of them. `onModuleInit` runs after Nest registered the routes and before its 404
 * handler, which is where that layer has to go.
 */
@Injectable()
export class UnmatchedRequestTracker implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    // Absent in an application context without HTTP (a pure consumer worker): nothing to track.
    this.adapterHost.httpAdapter?.use((req: IncomingMessage, _res: ServerResponse, next: () => void) => {
      unmatchedRequests.add(req);
      next();
    });
  }
}

/** The route pattern (`/leads/:id`), never the URL: a URL holds ids, one time series per lead. */
function matchedRoute(req: RoutedRequest): string {
  if (unmatchedRequests.has(req)) return UNMATCHED_ROUTE;
  const path = req.route?.path;
  return typeof path === 'string' ? `${req.baseUrl ?? ''}${path}` : UNMATCHED_ROUTE;
}
