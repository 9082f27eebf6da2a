import { describe, expect, it } from '@jest/globals';
import { lineFromCsvRow } from './csv-mapping';

describe('lineFromCsvRow', () => {
  const mapping = {
    fields: {
      'externalRef.system': '=salesforce',
      'externalRef.id': 'Opportunity ID',
      owner: 'Owner Email',
      currency: 'Currency',
      amount: 'Amount',
      openedAt: 'Created',
      stageHistory: 'Stage History',
      status: 'Status',
      closedAt: 'Close Date',
      lossReason: 'Loss Reason',
    },
  };

  it('maps columns, constants, nested fields and the flattened stage history; empty cells stay absent', () => {
    const row = {
      'Opportunity ID': '006A1',
      'Owner Email': ' ana@acme.example ',
      Currency: 'EUR',
      Amount: '12500.00',
      Created: '2025-01-01T09:00:00Z',
      'Stage History': 'Discovery@2025-01-01T09:00:00Z | Proposal Sent@2025-01-10T09:00:00Z',
      Status: 'lost',
      'Close Date': '2025-02-01',
      'Loss Reason': '',
    };
    expect(lineFromCsvRow(row, mapping)).toEqual({
      externalRef: { system: 'salesforce', id: '006A1' },
      owner: 'ana@acme.example',
      currency: 'EUR',
      amount: '12500.00',
      openedAt: '2025-01-01T09:00:00Z',
      stageHistory: [
        { stage: 'Discovery', at: '2025-01-01T09:00:00Z' },
        { stage: 'Proposal Sent', at: '2025-01-10T09:00:00Z' },
      ],
      status: 'lost',
      closedAt: '2025-02-01',
    });
  });

  it('leaves out columns the row lacks, and never touches a prototype', () => {
    const line = lineFromCsvRow({ x: '1' }, { fields: { '__proto__.polluted': 'x', owner: 'missing' } });
    expect(Object.keys(line)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
