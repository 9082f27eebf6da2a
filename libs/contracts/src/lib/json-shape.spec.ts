import { LeadCapturedData } from './events/lead-events';
import { DEFAULT_JSON_SHAPE_LIMITS, jsonShapeIssues } from './json-shape';
import { validateAgainst } from './validation';

const captured = (extra: string) =>
  JSON.parse(
    `{"leadId":"7b0e7c1e-4f5c-4c57-9a36-2f1f3a1b6a10","source":"web_form","contact":{"email":"ana@acme.io"${extra}}}`,
  ) as unknown;

describe('jsonShapeIssues', () => {
  it('passes what contracts declare, emoji included', () => {
    expect(jsonShapeIssues(captured(',"firstName":"Ana 😀"'))).toEqual([]);
  });

  it.each([
    ['__proto__', ',"__proto__":{"email":"evil@acme.io"}', 'contact.__proto__'],
    ['constructor', ',"constructor":"x"', 'contact.constructor'],
    ['prototype', ',"prototype":{}', 'contact.prototype'],
  ])('refuses the reserved name %s, without looking inside', (_, extra, path) => {
    expect(jsonShapeIssues(captured(extra))).toEqual([{ path, reason: 'is a reserved name, never a field' }]);
  });

  it.each([
    ['NUL', ',"firstName":"a\\u0000"', /NUL/],
    ['a lone high surrogate', ',"firstName":"a\\ud83d"', /surrogate/],
    ['a lone low surrogate', ',"firstName":"\\ude00a"', /surrogate/],
  ])('refuses %s in a string', (_, extra, reason) => {
    expect(jsonShapeIssues(captured(extra))).toEqual([
      { path: 'contact.firstName', reason: expect.stringMatching(reason) },
    ]);
  });

  it('stops at the first limit crossed, naming where', () => {
    const deep = JSON.parse(`${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`) as unknown;
    const [issue] = jsonShapeIssues(deep);
    expect(issue.path.split('.')).toHaveLength(DEFAULT_JSON_SHAPE_LIMITS.maxDepth);
    expect(jsonShapeIssues({ s: 'x'.repeat(10_001) })).toEqual([
      { path: 's', reason: 'must be at most 10000 characters long' },
    ]);
    expect(jsonShapeIssues(new Array(100_001).fill(0))).toEqual([
      { path: '', reason: 'must hold at most 10000 items' },
    ]);
  });
});

describe('validateAgainst on hostile data', () => {
  it('refuses 300,000 undeclared keys in linear time', () => {
    const wide = Object.fromEntries(Array.from({ length: 300_000 }, (_, i) => [`k${i}`, i]));
    const started = Date.now();
    expect(validateAgainst(LeadCapturedData, { ...(captured('') as object), company: wide })).toEqual([
      { path: 'company', reason: 'must have at most 100 fields, has 300000' },
    ]);
    // class-transformer took about 40 s over these keys.
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('reports undeclared fields beside the broken rules of declared ones', () => {
    const data = JSON.parse(
      '{"leadId":"7b0e7c1e-4f5c-4c57-9a36-2f1f3a1b6a10","source":"web_form","contact":{"email":"nope","twitter":"@ana"}}',
    ) as unknown;
    expect(validateAgainst(LeadCapturedData, data)).toEqual([
      { path: 'contact.twitter', reason: 'should not exist' },
      { path: 'contact.email', reason: 'must be an email' },
    ]);
  });
});
