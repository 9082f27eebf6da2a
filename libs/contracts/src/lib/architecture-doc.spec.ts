import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { EVENT_CATALOG, EVENT_NAMES } from './event-catalog';

const document = readFileSync(resolve(__dirname, '../../../../docs/architecture.md'), 'utf8');

/** The text of a `##` section, up to the next one. */
function section(heading: string): string | undefined {
  const start = document.indexOf(`\n## ${heading}\n`);
  if (start < 0) return undefined;
  const next = document.indexOf('\n## ', start + 1);
  return document.slice(start, next < 0 ? undefined : next);
}

describe('docs/architecture.md', () => {
  it.each(['Ordering', 'Delivery guarantees', 'Observability', 'Events'])(
    'has the section "%s" that code comments point to',
    (heading) => {
      expect(section(heading)).toBeDefined();
    },
  );

  it('lists every catalog event with its versioned type under "Events"', () => {
    const events = section('Events') ?? '';
    const missing = EVENT_NAMES.filter((name) => {
      const row = events.split('\n').find((line) => line.includes(`\`${name}\``));
      return !row?.includes(`\`${EVENT_CATALOG[name].type}\``);
    });
    expect(missing).toEqual([]);
  });
});
