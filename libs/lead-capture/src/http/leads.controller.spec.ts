import { currentWorkPriority, withWorkPriority } from '@leadledger/eventsourcing';
import type { ManagedProjections } from '@leadledger/platform';
import type { LeadCaptureService, SubmissionResult } from '../lead-capture.service';
import { LeadsController } from './leads.controller';

const KEY_ID = '0b7c9a52-3c1e-5d2a-9e4f-1a2b3c4d5e6f';

describe('LeadsController batches', () => {
  const waitFor = jest.fn(async () => undefined);
  const projections = { waitFor } as unknown as ManagedProjections;

  it('answers an item that fails unexpectedly with a stable code, and processes the items after it', async () => {
    const submit = jest.fn(async (submission: { contact: { email?: string } }): Promise<SubmissionResult> => {
      if (submission.contact.email === 'boom@example.com') {
        throw new Error('connection reset while writing "boom@example.com"');
      }
      return { leadId: '6f1c1f5e-6a39-4d7a-9d2b-3f7f2d1a9c01', outcome: 'captured', replayed: false };
    });
    const identityKeysOfSubmission = (submission: { contact: { email?: string } }) => [
      `email:${submission.contact.email}`,
    ];
    const controller = new LeadsController(
      { submit, identityKeysOfSubmission } as unknown as LeadCaptureService,
      projections,
    );
    const lead = (email: string) => ({ source: 'web_form', contact: { email } });

    const { results } = await controller.submitBatch(
      { leads: [lead('a@example.com'), lead('boom@example.com'), lead('c@example.com')] },
      { id: 'crm-sync', roles: ['ingest'], credential: { kind: 'api-key', keyId: KEY_ID } },
    );

    expect(results).toEqual([
      { index: 0, status: 'accepted', leadId: expect.any(String), outcome: 'captured' },
      { index: 1, status: 'failed', error: 'internal' },
      { index: 2, status: 'accepted', leadId: expect.any(String), outcome: 'captured' },
    ]);
    expect(submit).toHaveBeenCalledTimes(3);
  });

  it("submits a batch's items as bulk work, behind single requests, though the batch came as a request", async () => {
    const priorities: string[] = [];
    const submit = jest.fn(async (): Promise<SubmissionResult> => {
      priorities.push(currentWorkPriority()());
      return { leadId: '6f1c1f5e-6a39-4d7a-9d2b-3f7f2d1a9c01', outcome: 'captured', replayed: false };
    });
    const controller = new LeadsController(
      { submit, identityKeysOfSubmission: () => [] } as unknown as LeadCaptureService,
      projections,
    );
    const lead = (email: string) => ({ source: 'web_form', contact: { email } });

    await withWorkPriority('interactive', () =>
      controller.submitBatch(
        { leads: [lead('a@example.com'), lead('b@example.com')] },
        { id: 'crm-sync', roles: ['ingest'], credential: { kind: 'api-key', keyId: KEY_ID } },
      ),
    );

    expect(priorities).toEqual(['bulk', 'bulk']);
  });
});
