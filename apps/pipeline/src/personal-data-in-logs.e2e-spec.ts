import { randomUUID } from 'node:crypto';
import { ADMIN_HEADERS, startPipelineProcess, type PipelineProcess } from '@leadledger/testing';

/**
 * No log line may carry personal data, on any path: the pipeline runs as `npm start` runs it, in a
 * process of its own at LOG_LEVEL debug, every error path intake has is provoked with emails and
 * phones no other test uses, and everything the process printed is searched for them.
 */
describe('personal data in logs', () => {
  let pipeline: PipelineProcess;
  let baseUrl: string;

  beforeAll(async () => {
    pipeline = await startPipelineProcess({ LOG_LEVEL: 'debug' }, { captureOutput: true });
    baseUrl = pipeline.baseUrl;
  }, 120_000);

  afterAll(() => pipeline?.stop());

  it('prints no email and no phone it was sent, whatever went wrong with the request', async () => {
    const secret = randomUUID().slice(0, 8);
    const email = (what: string) => `${what}-${secret}@personal.example`;
    const phone = `+49 30 ${secret.replace(/[a-f]/g, '7')}`;
    const post = (path: string, body: string, headers: Record<string, string> = {}) =>
      fetch(`${baseUrl}${path}`, {
        method: 'POST',
        headers: { ...ADMIN_HEADERS, 'content-type': 'application/json', ...headers },
        body,
      });
    const lead = (address: string, extra: object = {}) =>
      JSON.stringify({ source: 'web_form', contact: { email: address, phone, firstName: 'Ana' }, ...extra });

    const statuses = [
      (await post('/leads', lead(email('accepted')))).status,
      (await post('/leads', lead(`not-an-email-${secret}`))).status,
      (await post('/leads', lead(email('nul'), { sourceDetail: 'a\u0000b' }))).status,
      (await post('/leads', `{"source":"web_form","contact":{"email":"${email('broken')}"`)).status,
      (await post('/leads', lead(email('proto')).replace('{', '{"__proto__":{"x":1},'))).status,
      (await post('/leads', lead(email('first')), { 'Idempotency-Key': secret })).status,
      (await post('/leads', lead(email('second')), { 'Idempotency-Key': secret })).status,
      (
        await post(
          `/leads/${randomUUID()}/engagements`,
          JSON.stringify({
            activity: 'page_view',
            occurredAt: new Date().toISOString(),
            detail: email('detail'),
          }),
        )
      ).status,
      (
        await post(
          '/leads:batch',
          JSON.stringify({
            leads: [JSON.parse(lead(email('batch'))), { contact: { email: email('item') } }],
          }),
        )
      ).status,
      (
        await fetch(`${baseUrl}/leads`, {
          method: 'POST',
          headers: { ...ADMIN_HEADERS, 'content-type': 'text/plain' },
          body: email('text'),
        })
      ).status,
    ];
    await new Promise((done) => setTimeout(done, 1_000));

    expect(statuses).toEqual([202, 400, 400, 400, 400, 202, 422, 404, 200, 415]);
    const logs = pipeline.output();
    expect(logs.length).toBeGreaterThan(0);
    expect(logs).not.toContain(`-${secret}@personal.example`);
    expect(logs).not.toContain(phone);
    expect(logs).not.toContain(`not-an-email-${secret}`);
  }, 60_000);
});
