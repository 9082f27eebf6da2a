import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BATCH_CONCURRENCY } from '@leadledger/lead-capture';
import { ADMIN_HEADERS, eventually, startPipelineProcess, type PipelineProcess } from '@leadledger/testing';

/**
 * `kill -9` in the middle of a 1,000-lead batch, as a crash would: the store must open again, and
 * the client's retry of the same batch (same Idempotency-Key) must end with every lead stored
 * exactly once, whatever the killed process had written before it died.
 */
describe('kill -9 during a batch', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'leadledger-kill-'));
  let pipeline: PipelineProcess | undefined;
  let baseUrl = '';

  afterAll(async () => {
    await pipeline?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('loses nothing acknowledged and stores nothing twice once the batch is retried', async () => {
    const leads = Array.from({ length: 1_000 }, (_, i) => ({
      source: 'import',
      contact: { email: `crash-${i}@kill.example` },
      company: { name: `Company ${i % 20}`, size: 50 + i },
    }));
    const key = 'crash-batch-1';

    await start();
    const interrupted = post('/leads:batch', { leads }, key).catch(() => undefined);
    // Let it store part of the batch, then die without a chance to clean up.
    await eventually(async () => ((await countLeads()) >= 20 ? true : undefined), 60_000);
    await pipeline?.kill('SIGKILL');
    await interrupted;

    await start();
    const retried = await post('/leads:batch', { leads }, key);
    const { results } = (await retried.json()) as {
      results: Array<{ status: string; leadId?: string; error?: string }>;
    };

    expect(retried.status).toBe(200);
    // The items the killed process was working on (at most BATCH_CONCURRENCY side by side) keep
    // their keys claimed until the claims go stale (60 s): the retry is told so (409's code), and
    // nothing of them is applied twice.
    const accepted = results.filter((result) => result.status === 'accepted');
    const held = results.filter((result) => result.status !== 'accepted');
    expect(held.length).toBeLessThanOrEqual(BATCH_CONCURRENCY);
    for (const item of held)
      expect(item).toMatchObject({ status: 'failed', error: 'idempotency_key_in_use' });
    expect(accepted.length).toBe(leads.length - held.length);
    expect(new Set(accepted.map((result) => result.leadId)).size).toBe(accepted.length);
    // Every lead readable, each from one capture; held items included once stored.
    for (const { leadId } of [accepted[0], accepted[19], accepted[500], accepted[accepted.length - 1]]) {
      const response = await fetch(`${baseUrl}/leads/${leadId}/events`, { headers: ADMIN_HEADERS });
      expect({ leadId, status: response.status }).toEqual({ leadId, status: 200 });
      const events = (await response.json()) as Array<{ type: string }>;
      expect(events.filter((event) => event.type === 'LeadCaptured')).toHaveLength(1);
    }
  }, 240_000);

  async function start(): Promise<void> {
    pipeline = await startPipelineProcess({ EVENT_STORE: `pglite://${dataDir}`, LOG_LEVEL: 'error' });
    baseUrl = pipeline.baseUrl;
  }

  function post(path: string, body: unknown, idempotencyKey: string): Promise<Response> {
    return fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: { ...ADMIN_HEADERS, 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
      body: JSON.stringify(body),
    });
  }

  /** How many leads the running process has captured so far, by its own counter. */
  async function countLeads(): Promise<number> {
    const metrics = await fetch(`${baseUrl}/metrics`)
      .then((response) => response.text())
      .catch(() => '');
    const captured =
      /leadledger_events_appended_total\{[^}]*event_type="leadledger\.lead\.captured\.v1"[^}]*\} (\d+)/.exec(
        metrics,
      );
    return captured ? Number(captured[1]) : 0;
  }
});
