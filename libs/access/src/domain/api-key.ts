import { InvalidEventDataError } from '@leadledger/contracts';
import { isRFC3339 } from 'class-validator';
import { DomainError, type Decider, type EventCodec } from '@leadledger/eventsourcing';
import { isRole, ROLES, type Principal, type Role } from './principal';

/*
 * An API key's life as events in `api-key-<keyId>`, in the event store every service of a deployment
 * shares: issued (with the secret's hash, never the secret), then perhaps revoked. They are
 * bookkeeping, not lifecycle events: the relay publishes catalog types only, so no hash reaches Kafka.
 */

export const API_KEY_ISSUED = 'leadledger.internal.api-key-issued';
export const API_KEY_REVOKED = 'leadledger.internal.api-key-revoked';

export interface ApiKeyGrant {
  readonly keyId: string;
  /** sha256 (hex) of the secret. */
  readonly secretHash: string;
  readonly role: Role;
  /** Whom the key acts for: `hubspot-sync`, `ana@acme.example`. */
  readonly principal: string;
  readonly team?: string;
  /** RFC 3339; the key is refused from this instant on. */
  readonly expiresAt?: string;
}

export type ApiKeyEvent =
  | { readonly type: 'ApiKeyIssued'; readonly data: ApiKeyGrant }
  | { readonly type: 'ApiKeyRevoked'; readonly data: { readonly keyId: string } };

export type ApiKeyCommand =
  | { readonly type: 'IssueApiKey'; readonly grant: ApiKeyGrant }
  | { readonly type: 'RevokeApiKey'; readonly keyId: string };

export type ApiKeyState =
  | { readonly status: 'absent' }
  | { readonly status: 'active'; readonly grant: ApiKeyGrant }
  | { readonly status: 'revoked'; readonly grant: ApiKeyGrant };

export const apiKeyDecider: Decider<ApiKeyCommand, ApiKeyState, ApiKeyEvent> = {
  initialState: { status: 'absent' },
  decide(command, state) {
    switch (command.type) {
      case 'IssueApiKey':
        return issue(command.grant, state);
      case 'RevokeApiKey':
        return revoke(command.keyId, state);
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'ApiKeyIssued':
        return state.status === 'absent' ? { status: 'active', grant: event.data } : state;
      case 'ApiKeyRevoked':
        return state.status === 'active' ? { status: 'revoked', grant: state.grant } : state;
    }
  },
};

function issue(grant: ApiKeyGrant, state: ApiKeyState): ApiKeyEvent[] {
  switch (state.status) {
    case 'absent':
      return [{ type: 'ApiKeyIssued', data: grant }];
    case 'active':
      // The key id derives from the secret: the same secret issued again (a restart with the same
      // LEADLEDGER_ADMIN_KEY) changes nothing, unless it would change what the key may do.
      if (sameGrant(state.grant, grant)) return [];
      throw new DomainError('conflict', `API key ${grant.keyId} exists with another role or owner`);
    case 'revoked':
      throw new DomainError('precondition', `API key ${grant.keyId} was revoked; it cannot be issued again`);
  }
}

function revoke(keyId: string, state: ApiKeyState): ApiKeyEvent[] {
  switch (state.status) {
    case 'absent':
      throw new DomainError('not_found', `no API key ${keyId}`);
    case 'active':
      return [{ type: 'ApiKeyRevoked', data: { keyId } }];
    case 'revoked':
      return [];
  }
}

function sameGrant(a: ApiKeyGrant, b: ApiKeyGrant): boolean {
  return (
    a.secretHash === b.secretHash &&
    a.role === b.role &&
    a.principal === b.principal &&
    a.team === b.team &&
    a.expiresAt === b.expiresAt
  );
}

export const KEY_REFUSALS = ['unknown_key', 'revoked_key', 'expired_key'] as const;
export type KeyRefusal = (typeof KEY_REFUSALS)[number];

/** Who presents a key in this state at `now`, or why the key is refused. */
export function principalOfKey(
  state: ApiKeyState,
  now: Date,
):
  { readonly ok: true; readonly principal: Principal } | { readonly ok: false; readonly reason: KeyRefusal } {
  switch (state.status) {
    case 'absent':
      return { ok: false, reason: 'unknown_key' };
    case 'revoked':
      return { ok: false, reason: 'revoked_key' };
    case 'active': {
      const { grant } = state;
      if (grant.expiresAt !== undefined && Date.parse(grant.expiresAt) <= now.getTime()) {
        return { ok: false, reason: 'expired_key' };
      }
      return {
        ok: true,
        principal: {
          id: grant.principal,
          roles: [grant.role],
          ...(grant.team !== undefined ? { team: grant.team } : {}),
          credential: { kind: 'api-key', keyId: grant.keyId },
        },
      };
    }
  }
}

/** Principal ids and teams: printable, bounded, no separators that would blur an actor string. */
export const PRINCIPAL_NAME = /^[A-Za-z0-9._@+-]{1,200}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type Issue = { path: string; reason: string };

/** What an admin asks for: whom a key is for and what it may do. */
export const KEY_REQUEST_FIELDS = ['role', 'principal', 'team', 'expiresAt'] as const;

/** Problems with a key request, by field; empty when it is valid. */
export function keyRequestIssues(
  request: Record<string, unknown>,
  fields: readonly string[] = KEY_REQUEST_FIELDS,
): Issue[] {
  const issues: Issue[] = Object.keys(request)
    .filter((field) => !fields.includes(field))
    .map((field) => ({ path: field, reason: 'is not a field of an API key' }));
  if (!isRole(request.role)) {
    issues.push({ path: 'role', reason: `must be one of ${ROLES.join(', ')}` });
  }
  if (typeof request.principal !== 'string' || !PRINCIPAL_NAME.test(request.principal)) {
    issues.push({ path: 'principal', reason: 'must be 1 to 200 of A-Z a-z 0-9 . _ @ + -' });
  }
  if (
    request.team !== undefined &&
    (typeof request.team !== 'string' || !PRINCIPAL_NAME.test(request.team))
  ) {
    issues.push({ path: 'team', reason: 'must be 1 to 200 of A-Z a-z 0-9 . _ @ + -' });
  }
  if (request.expiresAt !== undefined && !isRFC3339(request.expiresAt)) {
    issues.push({ path: 'expiresAt', reason: 'must be an RFC 3339 date-time with offset' });
  }
  return issues;
}

/** Problems with a stored grant: a key request plus the key's id and hash. */
export function grantIssues(grant: Record<string, unknown>): Issue[] {
  const issues = keyRequestIssues(grant, [...KEY_REQUEST_FIELDS, 'keyId', 'secretHash']);
  if (typeof grant.keyId !== 'string' || !UUID.test(grant.keyId)) {
    issues.push({ path: 'keyId', reason: 'must be a lowercase UUID' });
  }
  if (typeof grant.secretHash !== 'string' || !SHA256_HEX.test(grant.secretHash)) {
    issues.push({ path: 'secretHash', reason: 'must be a sha256 hex digest' });
  }
  return issues;
}

/** Stored form of the key events, checked both ways like the catalog's. */
export const apiKeyCodec: EventCodec<ApiKeyEvent> = {
  encode(event) {
    const issues = event.type === 'ApiKeyIssued' ? grantIssues({ ...event.data }) : keyIdIssues(event.data);
    if (issues.length > 0) throw new InvalidEventDataError(event.type, issues);
    return { type: event.type === 'ApiKeyIssued' ? API_KEY_ISSUED : API_KEY_REVOKED, data: event.data };
  },
  decode(stored) {
    const data = (stored.data ?? {}) as Record<string, unknown>;
    switch (stored.type) {
      case API_KEY_ISSUED: {
        const issues = grantIssues(data);
        if (issues.length > 0) throw new InvalidEventDataError('ApiKeyIssued', issues);
        return { type: 'ApiKeyIssued', data: data as unknown as ApiKeyGrant };
      }
      case API_KEY_REVOKED: {
        const issues = keyIdIssues(data);
        if (issues.length > 0) throw new InvalidEventDataError('ApiKeyRevoked', issues);
        return { type: 'ApiKeyRevoked', data: { keyId: data.keyId as string } };
      }
      default:
        return undefined;
    }
  },
};

function keyIdIssues(data: { readonly keyId?: unknown }): Issue[] {
  return typeof data.keyId === 'string' && UUID.test(data.keyId)
    ? []
    : [{ path: 'keyId', reason: 'must be a lowercase UUID' }];
}

/**
 * A stored key event in its domain form, or undefined when it is not one or breaks its contract:
 * for readers that list or scan keys, where one bad event must be left out, not stop them.
 */
export function readableApiKeyEvent(stored: {
  readonly type: string;
  readonly data: unknown;
}): ApiKeyEvent | undefined {
  try {
    return apiKeyCodec.decode(stored);
  } catch {
    return undefined;
  }
}
