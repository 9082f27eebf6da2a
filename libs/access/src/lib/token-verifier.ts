import { createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import { isRole, type Principal, type Role } from '../domain/principal';

export interface TokenSettings {
  readonly jwksUrl: URL;
  readonly issuer: string;
  readonly audience: string;
  /** Claim naming the principal id; default 'email', falling back to 'sub' when the token lacks it. */
  readonly principalClaim: string;
  /** Claim holding roles: an array of strings, or one space- or comma-separated string; dot path allowed (e.g. 'realm_access.roles'). Default 'roles'. */
  readonly rolesClaim: string;
  /** Claim holding the team (a string). Default 'team'; dot path allowed. */
  readonly teamClaim: string;
}

/**
 * Reads AUTH_JWKS_URL, AUTH_ISSUER, AUTH_AUDIENCE, AUTH_PRINCIPAL_CLAIM, AUTH_ROLES_CLAIM, AUTH_TEAM_CLAIM.
 * undefined when none of the three required is set; a partial setup throws rather than silently
 * leaving token sign-in off.
 */
export function readTokenSettings(env: NodeJS.ProcessEnv): TokenSettings | undefined {
  const read = (name: string) => env[name]?.trim() || undefined;
  const required = ['AUTH_JWKS_URL', 'AUTH_ISSUER', 'AUTH_AUDIENCE'] as const;
  const [jwks, issuer, audience] = required.map(read);
  const missing = required.filter((name) => read(name) === undefined);
  if (missing.length === required.length) return undefined;
  if (missing.length > 0 || !jwks || !issuer || !audience) {
    throw new Error(`${missing.join(', ')} must be set when any of ${required.join(', ')} is set`);
  }
  let jwksUrl: URL;
  try {
    jwksUrl = new URL(jwks);
  } catch {
    throw new Error('AUTH_JWKS_URL must be an http(s) URL');
  }
  if (jwksUrl.protocol !== 'https:' && jwksUrl.protocol !== 'http:') {
    throw new Error('AUTH_JWKS_URL must be an http(s) URL');
  }
  return {
    jwksUrl,
    issuer,
    audience,
    principalClaim: read('AUTH_PRINCIPAL_CLAIM') ?? 'email',
    rolesClaim: read('AUTH_ROLES_CLAIM') ?? 'roles',
    teamClaim: read('AUTH_TEAM_CLAIM') ?? 'team',
  };
}

/** Why a token is refused; each is a `reason` of the failed-authentication metric. */
export const TOKEN_REFUSALS = [
  'malformed',
  'unsupported_algorithm',
  'unknown_key',
  'bad_signature',
  'expired',
  'not_yet_valid',
  'wrong_issuer',
  'wrong_audience',
  'no_role',
  'bad_claims',
  'jwks_unavailable',
] as const;
export type TokenRefusal = (typeof TOKEN_REFUSALS)[number];

export type TokenVerdict =
  | { readonly ok: true; readonly principal: Principal }
  | { readonly ok: false; readonly reason: TokenRefusal; readonly detail: string };

// Asymmetric only: with HS* the public JWKS material could be used as the HMAC secret.
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
// Far above any real IdP token; refusing early keeps hostile input from costing a parse.
const MAX_TOKEN_LENGTH = 8192;
const CONTROL = /\p{Cc}/u;

const refuse = (reason: TokenRefusal, detail: string): TokenVerdict => ({ ok: false, reason, detail });

export class TokenVerifier {
  private readonly jwks: ReturnType<typeof createRemoteJWKSet>;
  private readonly clock?: () => Date;

  constructor(
    private readonly settings: TokenSettings,
    options: { clock?: () => Date } = {},
  ) {
    // One key set per verifier, so keys are cached and a storm of unknown kids cannot hammer the IdP.
    this.jwks = createRemoteJWKSet(settings.jwksUrl, {
      cooldownDuration: 30_000,
      cacheMaxAge: 600_000,
      timeoutDuration: 5_000,
    });
    this.clock = options.clock;
  }

  /** Never throws for a bad token: every refusal is a verdict with a reason (detail is safe to log: never the token). */
  async verify(token: string): Promise<TokenVerdict> {
    if (token.length > MAX_TOKEN_LENGTH) {
      return refuse('malformed', `token longer than ${MAX_TOKEN_LENGTH} characters`);
    }
    let alg: unknown;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      return refuse('malformed', 'token header cannot be decoded');
    }
    // Checked before jose so that `none` and HS* get a clear reason instead of a key lookup failure.
    if (typeof alg !== 'string' || !ALGORITHMS.includes(alg)) {
      return refuse(
        'unsupported_algorithm',
        `algorithm ${JSON.stringify(alg ?? null).slice(0, 20)} is not accepted`,
      );
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.jwks, {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        algorithms: ALGORITHMS,
        // A token without exp would stay valid forever.
        requiredClaims: ['exp'],
        clockTolerance: 5,
        currentDate: this.clock?.(),
      }));
    } catch (error) {
      return refusalFor(error);
    }
    return this.principalFrom(payload);
  }

  private principalFrom(payload: JWTPayload): TokenVerdict {
    const { principalClaim, rolesClaim, teamClaim } = this.settings;
    const subject = payload.sub;
    if (!isSafeString(subject, 255)) return refuse('bad_claims', badString('sub', 255));
    // An address the identity provider has not verified could be anyone's: it must not become an id
    // that owns another person's leads.
    if (principalClaim === 'email' && payload.email !== undefined && payload.email_verified === false) {
      return refuse('bad_claims', 'email is not verified (email_verified: false)');
    }
    const id = claim(payload, principalClaim) ?? subject;
    if (!isSafeString(id, 255)) return refuse('bad_claims', badString(principalClaim, 255));
    const rawRoles = claim(payload, rolesClaim);
    const listed = typeof rawRoles === 'string' ? rawRoles.split(/[\s,]+/) : (rawRoles ?? []);
    if (!Array.isArray(listed)) return refuse('bad_claims', `"${rolesClaim}" must be a string or an array`);
    const roles: Role[] = [...new Set(listed.filter(isRole))];
    if (roles.length === 0) return refuse('no_role', `no known role in "${rolesClaim}"`);
    const team = claim(payload, teamClaim);
    if (team !== undefined && !isSafeString(team, 100)) {
      return refuse('bad_claims', badString(teamClaim, 100));
    }
    return {
      ok: true,
      principal: {
        id,
        roles,
        ...(team === undefined ? {} : { team }),
        credential: { kind: 'token', subject },
      },
    };
  }
}

const badString = (name: string, max: number) =>
  `"${name}" must be 1..${max} characters without control characters`;

function isSafeString(value: unknown, max: number): value is string {
  return typeof value === 'string' && value.length >= 1 && value.length <= max && !CONTROL.test(value);
}

/** The claim by its exact name first, as namespaced claims (`https://acme.example/roles`) contain dots; then as a dot path. null counts as absent. */
function claim(payload: JWTPayload, name: string): unknown {
  const value = Object.hasOwn(payload, name)
    ? payload[name]
    : name
        .split('.')
        .reduce<unknown>(
          (node, key) =>
            node !== null && typeof node === 'object' && Object.hasOwn(node, key)
              ? (node as Record<string, unknown>)[key]
              : undefined,
          payload,
        );
  return value ?? undefined;
}

function refusalFor(error: unknown): TokenVerdict {
  const detail = error instanceof Error ? error.message : String(error);
  // JWTExpired implements JWTClaimValidationFailed without extending it, so it is tested first.
  if (error instanceof errors.JWTExpired) return refuse('expired', detail);
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') return refuse('wrong_issuer', detail);
    if (error.claim === 'aud') return refuse('wrong_audience', detail);
    if (error.claim === 'nbf' && error.reason === 'check_failed') return refuse('not_yet_valid', detail);
    return refuse('bad_claims', detail);
  }
  if (error instanceof errors.JWKSNoMatchingKey) return refuse('unknown_key', detail);
  if (error instanceof errors.JWSSignatureVerificationFailed) return refuse('bad_signature', detail);
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    return refuse('unsupported_algorithm', detail);
  }
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) {
    return refuse('malformed', detail);
  }
  // What is left comes from fetching or reading the key set (timeouts, refused connections, non-200
  // answers, invalid JWKS or JWK): the token may be fine, the IdP is not reachable or not sane.
  const code = (error as { code?: unknown } | null)?.code;
  return refuse('jwks_unavailable', `key set unavailable: ${detail || String(code ?? 'unknown error')}`);
}
