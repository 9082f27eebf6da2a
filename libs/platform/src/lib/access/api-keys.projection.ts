import { API_KEY_ISSUED, API_KEY_REVOKED, readableApiKeyEvent } from '@leadledger/access';
import type { RecordedEvent } from '@leadledger/eventsourcing';
import { runStatements, truncateTables, type Projection } from '@leadledger/projections';

/** GET /admin/api-keys: every key ever issued, without its hash, and who issued and revoked it. */
export interface ApiKeyListing {
  readonly id: string;
  readonly role: string;
  readonly principal: string;
  readonly team?: string;
  readonly expiresAt?: string;
  readonly issuedAt: string;
  readonly issuedBy: string;
  readonly revokedAt?: string;
  readonly revokedBy?: string;
}

export const apiKeysProjection: Projection = {
  name: 'access.api-keys',
  eventTypes: [API_KEY_ISSUED, API_KEY_REVOKED],
  init: runStatements([
    `CREATE TABLE IF NOT EXISTS api_keys (
       key_id uuid PRIMARY KEY,
       role text NOT NULL,
       principal text NOT NULL,
       team text,
       expires_at timestamptz,
       issued_at timestamptz NOT NULL,
       issued_by text NOT NULL,
       revoked_at timestamptz,
       revoked_by text
     )`,
  ]),
  truncate: truncateTables(['api_keys']),
  async handle(events, tx) {
    for (const event of events) {
      // A key event a writer got wrong is left out of the listing rather than stopping it.
      const decoded = readableApiKeyEvent(event);
      if (decoded?.type === 'ApiKeyIssued') {
        const { keyId, role, principal, team, expiresAt } = decoded.data;
        await tx.query(
          `INSERT INTO api_keys (key_id, role, principal, team, expires_at, issued_at, issued_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (key_id) DO NOTHING`,
          [keyId, role, principal, team ?? null, expiresAt ?? null, event.recordedAt, actorRecordedIn(event)],
        );
      } else if (decoded?.type === 'ApiKeyRevoked') {
        await tx.query(
          `UPDATE api_keys SET revoked_at = $2, revoked_by = $3 WHERE key_id = $1 AND revoked_at IS NULL`,
          [decoded.data.keyId, event.recordedAt, actorRecordedIn(event)],
        );
      }
    }
  },
};

function actorRecordedIn(event: RecordedEvent): string {
  return typeof event.metadata.actor === 'string' ? event.metadata.actor : 'unknown';
}

export function listingOf(row: Record<string, unknown>): ApiKeyListing {
  const iso = (value: unknown) => (value instanceof Date ? value.toISOString() : String(value));
  return {
    id: String(row.key_id),
    role: String(row.role),
    principal: String(row.principal),
    ...(row.team != null ? { team: String(row.team) } : {}),
    ...(row.expires_at != null ? { expiresAt: iso(row.expires_at) } : {}),
    issuedAt: iso(row.issued_at),
    issuedBy: String(row.issued_by),
    ...(row.revoked_at != null ? { revokedAt: iso(row.revoked_at) } : {}),
    ...(row.revoked_by != null ? { revokedBy: String(row.revoked_by) } : {}),
  };
}
