import { randomUUID } from 'node:crypto';
import {
  API_KEY_ISSUED,
  apiKeyCodec,
  apiKeyDecider,
  apiKeyStreamOf,
  keyIdOf,
  newApiKeySecret,
  principalOfKey,
  readableApiKeyEvent,
  secretHashOf,
  type ApiKeyCommand,
  type ApiKeyGrant,
  type ApiKeyState,
  type KeyRefusal,
  type Principal,
  type Role,
} from '@leadledger/access';
import type { Actor, Clock } from '@leadledger/contracts';
import {
  aggregateStream,
  everyEventOf,
  handleCommand,
  type EventStore,
  type GlobalPosition,
} from '@leadledger/eventsourcing';

/**
 * A key's state is read from its stream at most this often per process: a revocation made by any
 * service takes effect everywhere within it, and a busy integration costs no store read per request.
 */
export const KEY_STATE_MAX_AGE_MS = 2_000;
/** Bounds the cache: a flood of distinct (wrong) keys must not grow memory without limit. */
const MAX_CACHED_KEYS = 10_000;

const IDENTITY = { handler: 'api-keys', source: '/leadledger/access' } as const;

export interface KeyRequest {
  readonly role: Role;
  readonly principal: string;
  readonly team?: string;
  readonly expiresAt?: string;
}

export interface IssuedKey {
  readonly keyId: string;
  /** The secret: returned once, never stored. */
  readonly key: string;
  readonly grant: ApiKeyGrant;
  /** Where the issue was appended (undefined when the key existed): what a reader of the listing waits for. */
  readonly position?: GlobalPosition;
}

export type KeyVerdict =
  { readonly ok: true; readonly principal: Principal } | { readonly ok: false; readonly reason: KeyRefusal };

/** API keys as streams in the shared event store: issued, revoked, and checked when presented. */
export class ApiKeyRegistry {
  private readonly states = new Map<string, { readonly state: ApiKeyState; readonly readAt: number }>();

  constructor(
    private readonly store: EventStore,
    private readonly clock: Clock,
  ) {}

  /** A new random key. */
  async issue(request: KeyRequest, actor: Actor, correlationId: string): Promise<IssuedKey> {
    return this.issueSecret(newApiKeySecret(), request, actor, correlationId);
  }

  /**
   * The key of this secret, issued once: issuing the same secret again with the same grant changes
   * nothing, so every start may do it (LEADLEDGER_ADMIN_KEY).
   */
  async issueSecret(
    secret: string,
    request: KeyRequest,
    actor: Actor,
    correlationId: string,
  ): Promise<IssuedKey> {
    const secretHash = secretHashOf(secret);
    const keyId = keyIdOf(secretHash);
    const grant: ApiKeyGrant = { keyId, secretHash, ...request };
    const position = await this.run(keyId, { type: 'IssueApiKey', grant }, actor, correlationId);
    return { keyId, key: secret, grant, ...(position !== undefined ? { position } : {}) };
  }

  /** Throws a DomainError `not_found` for an unknown key; revoking twice changes nothing. */
  async revoke(keyId: string, actor: Actor, correlationId: string): Promise<GlobalPosition | undefined> {
    return this.run(keyId, { type: 'RevokeApiKey', keyId }, actor, correlationId);
  }

  /** Every command is a new request (a random causation): the decider, not a causation, makes a repeat change nothing. */
  private async run(
    keyId: string,
    command: ApiKeyCommand,
    actor: Actor,
    correlationId: string,
  ): Promise<GlobalPosition | undefined> {
    const { position } = await handleCommand(
      this.store,
      apiKeyDecider,
      IDENTITY,
      apiKeyStreamOf(keyId),
      command,
      { causationId: randomUUID(), correlationId, actor, occurredAt: this.clock.now().toISOString() },
      { codec: apiKeyCodec },
    );
    this.states.delete(keyId);
    return position;
  }

  /** Who presents this secret, or why it is refused. */
  async authenticate(secret: string): Promise<KeyVerdict> {
    const secretHash = secretHashOf(secret);
    const state = await this.stateOf(keyIdOf(secretHash));
    // The id derives from the hash, but a stream could be written by hand: the hash must match too.
    if (state.status !== 'absent' && state.grant.secretHash !== secretHash) {
      return { ok: false, reason: 'unknown_key' };
    }
    return principalOfKey(state, this.clock.now());
  }

  /** Whether any admin key can still be used: a deployment without one has no way in but a token. */
  async hasUsableAdminKey(): Promise<boolean> {
    for await (const event of this.issuedKeys()) {
      const verdict = principalOfKey(await this.stateOf(event.keyId, { fresh: true }), this.clock.now());
      if (verdict.ok && verdict.principal.roles.includes('admin')) return true;
    }
    return false;
  }

  private async *issuedKeys(): AsyncGenerator<ApiKeyGrant> {
    for await (const event of everyEventOf(this.store, [API_KEY_ISSUED])) {
      const decoded = readableApiKeyEvent(event);
      if (decoded?.type === 'ApiKeyIssued') yield decoded.data;
    }
  }

  private async stateOf(keyId: string, options: { fresh?: boolean } = {}): Promise<ApiKeyState> {
    const cached = this.states.get(keyId);
    const now = Date.now();
    if (cached && !options.fresh && now - cached.readAt < KEY_STATE_MAX_AGE_MS) return cached.state;
    const { state } = await aggregateStream(this.store, apiKeyStreamOf(keyId), apiKeyDecider, {
      codec: apiKeyCodec,
    });
    // Unknown keys are not remembered: the failed-authentication limit bounds how often they are read.
    if (state.status !== 'absent') {
      const oldest = this.states.keys().next();
      if (this.states.size >= MAX_CACHED_KEYS && !oldest.done) this.states.delete(oldest.value);
      this.states.set(keyId, { state, readAt: now });
    }
    return state;
  }
}
