import {
  ACCESS_POLICY,
  attachPrincipal,
  hasAnyRole,
  mayActOn,
  type AccessPolicy,
  type Principal,
  KEY_REFUSALS,
  type KeyRefusal,
  TOKEN_REFUSALS,
  type TokenVerifier,
} from '@leadledger/access';
import { LeadledgerMetrics } from '@leadledger/observability';
import {
  ForbiddenException,
  HttpException,
  HttpStatus,
  Inject,
  Injectable,
  Logger,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ThrottlerStorageService } from '@nestjs/throttler';
import type { Counter } from 'prom-client';
import type { IncomingHttpHeaders } from 'node:http';
import type { AccessConfig } from './access-config';
import { ApiKeyRegistry } from './api-key-registry';
import { ResourceOwners } from './resource-owners';
import { ACCESS_CONFIG, TOKEN_VERIFIER } from './access.tokens';

const MINUTE_MS = 60_000;

/** What the guard reads of Express's request and writes of its response. */
interface Request {
  readonly headers: IncomingHttpHeaders;
  readonly params: Readonly<Record<string, string | undefined>>;
  readonly ip?: string;
  readonly socket: { readonly remoteAddress?: string };
  readonly route?: { readonly path?: string };
}
interface Response {
  setHeader(name: string, value: string): void;
}

/** Why an authentication failed, as the metric and the 401 name it. Never the credential. */
const AUTH_FAILURES = [
  'missing_credentials',
  'malformed_header',
  'tokens_not_configured',
  ...KEY_REFUSALS,
  ...TOKEN_REFUSALS.map((reason) => `token_${reason}` as const),
] as const;
export type AuthFailure = (typeof AUTH_FAILURES)[number];

const KEY_REFUSAL_MESSAGES: Readonly<Record<KeyRefusal, string>> = {
  unknown_key: 'API key not recognized',
  revoked_key: 'API key revoked',
  expired_key: 'API key expired',
};

const ANONYMOUS_ADMIN: Principal = { id: 'anonymous', roles: ['admin'], credential: { kind: 'anonymous' } };

/** Three dot-separated base64url parts: what a JWT looks like, and an API key never does. */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * Every HTTP request passes here before its handler: who is calling (an API key or an OIDC token),
 * whether the route's policy admits that caller, whether the caller may act on the one lead or
 * opportunity the route names, and whether the caller is within its rate. Fails closed: a route
 * without a policy is refused (and such a service does not start, see checkRoutePolicies).
 */
@Injectable()
export class AccessGuard implements CanActivate {
  private readonly logger = new Logger('Access');
  private readonly failures: Counter<'reason'>;

  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(ACCESS_CONFIG) private readonly config: AccessConfig,
    @Inject(ApiKeyRegistry) private readonly keys: ApiKeyRegistry,
    @Inject(TOKEN_VERIFIER) private readonly tokens: TokenVerifier | undefined,
    @Inject(ResourceOwners) private readonly owners: ResourceOwners,
    @Inject(ThrottlerStorageService) private readonly limits: ThrottlerStorageService,
    @Inject(LeadledgerMetrics) metrics: LeadledgerMetrics,
  ) {
    this.failures = metrics.counter(
      'leadledger_auth_failures_total',
      'Requests refused because their credentials could not be verified, by reason.',
      ['reason'],
    );
    // At zero from the start: an alert on `increase()` sees the first burst, not only the second.
    metrics.initialiseCounter(
      this.failures,
      AUTH_FAILURES.map((reason) => ({ reason })),
    );
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    // Consumers of the bus have their own guarantees; this guard is about HTTP callers.
    if (context.getType() !== 'http') return true;
    const policy = this.reflector.getAllAndOverride<AccessPolicy | undefined>(ACCESS_POLICY, [
      context.getHandler(),
      context.getClass(),
    ]);
    const http = context.switchToHttp();
    const request = http.getRequest<Request>();
    if (!policy) {
      this.logger.error({ route: request.route?.path }, 'route has no access policy: refused');
      throw new ForbiddenException('this route has no access policy');
    }
    if (policy.public) return true;

    const response = http.getResponse<Response>();
    const principal = await this.authenticate(request, response);
    // Before anything that reads on the caller's behalf (ownership): a caller past its rate costs nothing more.
    await this.limitRate(principal, response);
    if (!hasAnyRole(principal, policy.roles)) {
      throw new ForbiddenException(
        `this route needs the role ${policy.roles.join(' or ')}; the caller has ${principal.roles.join(', ')}`,
      );
    }
    if (policy.owned) {
      const id = request.params[policy.owned.param];
      const ownership = typeof id === 'string' ? await this.owners.ownershipOf(policy.owned.kind, id) : {};
      if (!mayActOn(principal, ownership)) {
        throw new ForbiddenException(`this ${policy.owned.kind} is neither the caller's nor its team's`);
      }
    }
    attachPrincipal(request, principal);
    return true;
  }

  private async authenticate(request: Request, response: Response): Promise<Principal> {
    if (this.config.disabled) return ANONYMOUS_ADMIN;
    const source = `auth-failures:${request.ip ?? request.socket.remoteAddress ?? 'unknown'}`;
    const blocked = this.limits.storage.get(source);
    if (blocked?.isBlocked && blocked.blockExpiresAt > Date.now()) {
      this.refuseTooMany(
        response,
        Math.ceil((blocked.blockExpiresAt - Date.now()) / 1000),
        'failed authentications',
      );
    }
    const outcome = await this.verify(request);
    if (outcome.ok) return outcome.principal;
    this.failures.inc({ reason: outcome.reason });
    // Only a presented credential can be a guess; a request without one is not brute force.
    if (outcome.reason === 'missing_credentials') throw new UnauthorizedException(outcome.message);
    const record = await this.limits.increment(
      source,
      MINUTE_MS,
      this.config.authFailuresPerMinute,
      MINUTE_MS,
      'auth-failures',
    );
    if (record.isBlocked) this.refuseTooMany(response, record.timeToBlockExpire, 'failed authentications');
    throw new UnauthorizedException(outcome.message);
  }

  private async verify(
    request: Request,
  ): Promise<{ ok: true; principal: Principal } | { ok: false; reason: AuthFailure; message: string }> {
    const credential = presentedCredential(request);
    if (!credential.ok) return credential;
    if (JWT_SHAPE.test(credential.value)) {
      if (!this.tokens) {
        return {
          ok: false,
          reason: 'tokens_not_configured',
          message: 'bearer tokens are not accepted here: use an API key',
        };
      }
      const verdict = await this.tokens.verify(credential.value);
      return verdict.ok
        ? verdict
        : {
            ok: false,
            reason: `token_${verdict.reason}`,
            message: `token refused (${verdict.reason}): ${verdict.detail}`,
          };
    }
    const verdict = await this.keys.authenticate(credential.value);
    if (verdict.ok) return verdict;
    return { ok: false, reason: verdict.reason, message: KEY_REFUSAL_MESSAGES[verdict.reason] };
  }

  private async limitRate(principal: Principal, response: Response): Promise<void> {
    if (principal.roles.includes('admin') && !this.config.limitAdmins) return;
    const record = await this.limits.increment(
      `principal:${principal.credential.kind}:${principal.id}`,
      MINUTE_MS,
      this.config.requestsPerMinute,
      0,
      'requests',
    );
    if (record.isBlocked) this.refuseTooMany(response, record.timeToBlockExpire, 'requests');
  }

  private refuseTooMany(response: Response, retryAfterSeconds: number, what: string): never {
    const seconds = Math.max(1, retryAfterSeconds);
    response.setHeader('Retry-After', String(seconds));
    throw new HttpException(`too many ${what}; retry after ${seconds} s`, HttpStatus.TOO_MANY_REQUESTS);
  }
}

/** The credential of `Authorization: Bearer <x>` or `X-Api-Key: <x>`; both at once must agree. */
function presentedCredential(
  request: Request,
): { ok: true; value: string } | { ok: false; reason: AuthFailure; message: string } {
  const authorization = request.headers.authorization;
  const apiKey = request.headers['x-api-key'];
  if (authorization === undefined && apiKey === undefined) {
    return {
      ok: false,
      reason: 'missing_credentials',
      message: 'credentials required: Authorization: Bearer <API key or token>, or X-Api-Key',
    };
  }
  const bearer =
    authorization === undefined ? undefined : /^Bearer ([\x21-\x7e]{1,8192})$/i.exec(authorization)?.[1];
  if (authorization !== undefined && bearer === undefined) {
    return { ok: false, reason: 'malformed_header', message: 'Authorization must be "Bearer <credential>"' };
  }
  if (apiKey !== undefined && (typeof apiKey !== 'string' || !/^[\x21-\x7e]{1,8192}$/.test(apiKey))) {
    return { ok: false, reason: 'malformed_header', message: 'X-Api-Key must be one key of visible ASCII' };
  }
  if (bearer !== undefined && apiKey !== undefined && bearer !== apiKey) {
    return {
      ok: false,
      reason: 'malformed_header',
      message: 'Authorization and X-Api-Key name different credentials',
    };
  }
  return { ok: true, value: (bearer ?? apiKey) as string };
}
