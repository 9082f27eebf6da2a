import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createMetricsRegistry } from './metrics/leadledger-metrics';

/*
 * deploy/grafana/leadledger-dashboard.json queries the services' metrics by name: this spec keeps it
 * importable and its queries pointed at series that exist, so renaming or removing a metric in the
 * code breaks this spec instead of silently emptying a panel.
 */

const ROOT = resolve(__dirname, '../../../..');
const DASHBOARD_FILE = resolve(ROOT, 'deploy/grafana/leadledger-dashboard.json');
const LIBS = resolve(ROOT, 'libs');
const DATASOURCE_UID = '${DS_PROMETHEUS}';
const SPEC_FILE = /\.(?:spec|int-spec|e2e-spec)\.ts$/;
const HISTOGRAM_SERIES = /^(.+)_(?:bucket|sum|count)$/;
const LEADLEDGER_METRIC = /leadledger_[a-z0-9_]+/g;
const DEFAULT_METRIC = /\b(?:process|nodejs)_[a-z0-9_]+/g;
// Prometheus' own series about each scrape; not in any registry.
const SCRAPE_SERIES = new Set(['up']);

type Kind = 'counter' | 'gauge' | 'histogram' | 'unknown';

interface Panel {
  readonly id?: unknown;
  readonly type?: string;
  readonly title?: string;
  readonly datasource?: { readonly type?: string; readonly uid?: string };
  readonly gridPos?: { readonly x: number; readonly y: number; readonly w: number; readonly h: number };
  readonly targets?: ReadonlyArray<{
    readonly expr?: string;
    readonly datasource?: { readonly uid?: string };
  }>;
  readonly panels?: readonly Panel[];
}

interface Variable {
  readonly name: string;
  readonly type: string;
  readonly query?: string | { readonly query?: string };
  readonly definition?: string;
  readonly datasource?: { readonly uid?: string };
}

interface Dashboard {
  readonly schemaVersion: number;
  readonly __inputs?: ReadonlyArray<{
    readonly name: string;
    readonly type: string;
    readonly pluginId: string;
  }>;
  readonly panels: readonly Panel[];
  readonly templating: { readonly list: readonly Variable[] };
}

const text = readFileSync(DASHBOARD_FILE, 'utf8');

function parseDashboard(): Dashboard {
  return JSON.parse(text) as Dashboard;
}

function allPanels(panels: readonly Panel[]): Panel[] {
  return panels.flatMap((panel) => [panel, ...allPanels(panel.panels ?? [])]);
}

/** Every PromQL expression: the panels' queries and the template variables' queries. */
function expressions(dashboard: Dashboard): string[] {
  const fromPanels = allPanels(dashboard.panels).flatMap((panel) =>
    (panel.targets ?? []).flatMap(({ expr }) => (expr === undefined ? [] : [expr])),
  );
  const fromVariables = dashboard.templating.list
    .filter(({ type }) => type === 'query')
    .flatMap(({ query, definition }) => [
      ...(typeof query === 'string' ? [query] : query?.query ? [query.query] : []),
      ...(definition ? [definition] : []),
    ]);
  return [...fromPanels, ...fromVariables];
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') && !SPEC_FILE.test(entry.name) ? [path] : [];
  });
}

/**
 * The leadledger metrics the code registers, by kind where the registration reads
 * `.counter('leadledger_…'`, `.gauge(…` or `.histogram(…`; a name only quoted elsewhere (a constant
 * passed to the registry) counts as registered, of unknown kind.
 */
function registeredLeadledgerMetrics(): Map<string, Kind> {
  const kinds = new Map<string, Kind>();
  const sources = readdirSync(LIBS, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => {
      const src = join(LIBS, entry.name, 'src');
      try {
        return sourceFiles(src);
      } catch {
        return [];
      }
    })
    .map((file) => readFileSync(file, 'utf8'));
  const registration = /\.(counter|gauge|histogram)\s*(?:<[^>(]*>)?\(\s*(['"`])(leadledger_[a-z0-9_]+)\2/g;
  // Not backticks: doc comments name metrics in backticks, and a comment registers nothing.
  const quoted = /(['"])(leadledger_[a-z0-9_]+)\1/g;
  for (const source of sources) {
    for (const [, kind = '', , name = ''] of source.matchAll(registration)) kinds.set(name, kind as Kind);
  }
  for (const source of sources) {
    for (const [, , name = ''] of source.matchAll(quoted)) if (!kinds.has(name)) kinds.set(name, 'unknown');
  }
  return kinds;
}

/** prom-client's default metrics as a service's registry keeps them (some are removed). */
async function defaultMetrics(): Promise<Map<string, Kind>> {
  const registry = createMetricsRegistry('dashboard-spec');
  const metrics = await registry.getMetricsAsJSON();
  registry.clear();
  return new Map(metrics.map(({ name, type }) => [name, String(type) as Kind]));
}

/** Why `series` (a name as a query uses it) names nothing the registries expose, or undefined when it does. */
function problemWith(series: string, kinds: ReadonlyMap<string, Kind>): string | undefined {
  const kind = kinds.get(series);
  if (kind === 'histogram') return `${series} is a histogram: query its _bucket, _sum or _count series`;
  if (kind !== undefined) return undefined;
  const base = HISTOGRAM_SERIES.exec(series)?.[1];
  const baseKind = base === undefined ? undefined : kinds.get(base);
  if (baseKind === 'histogram' || baseKind === 'unknown') return undefined;
  if (baseKind !== undefined) return `${series}: ${base} is a ${baseKind}, not a histogram`;
  return `${series} is not registered anywhere`;
}

function referenced(pattern: RegExp, exprs: readonly string[]): string[] {
  return [...new Set(exprs.flatMap((expr) => expr.match(pattern) ?? []))].sort();
}

describe('deploy/grafana/leadledger-dashboard.json', () => {
  it('is a dashboard Grafana imports, on a Prometheus data source chosen at import', () => {
    const dashboard = parseDashboard();
    expect(dashboard.schemaVersion).toBe(39);
    expect(dashboard.__inputs).toContainEqual(
      expect.objectContaining({ name: 'DS_PROMETHEUS', type: 'datasource', pluginId: 'prometheus' }),
    );
    const variables = dashboard.templating.list;
    expect(variables).toContainEqual(expect.objectContaining({ name: 'DS_PROMETHEUS', type: 'datasource' }));
    expect(variables).toContainEqual(
      expect.objectContaining({
        name: 'service',
        type: 'query',
        datasource: expect.objectContaining({ uid: DATASOURCE_UID }),
      }),
    );
  });

  it('gives every panel a unique id and a place on the 24-column grid', () => {
    const panels = allPanels(parseDashboard().panels);
    const ids = panels.map(({ id }) => id);
    expect(ids.every((id) => Number.isInteger(id))).toBe(true);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
    const offGrid = panels.filter(
      ({ gridPos }) => !gridPos || gridPos.x < 0 || gridPos.w < 1 || gridPos.x + gridPos.w > 24,
    );
    expect(offGrid.map(({ title }) => title)).toEqual([]);
  });

  it('queries the data source input from every panel and query', () => {
    const panels = allPanels(parseDashboard().panels).filter(({ targets }) => targets?.length);
    expect(panels.length).toBeGreaterThan(0);
    const elsewhere = panels.filter(
      ({ datasource, targets }) =>
        datasource?.uid !== DATASOURCE_UID ||
        (targets ?? []).some((target) => target.datasource?.uid !== DATASOURCE_UID),
    );
    expect(elsewhere.map(({ title }) => title)).toEqual([]);
  });

  it('filters every service metric by the $service variable', () => {
    const exprs = allPanels(parseDashboard().panels).flatMap(({ targets }) =>
      (targets ?? []).map(({ expr }) => expr ?? ''),
    );
    const selector = /\b((?:leadledger|process|nodejs)_[a-z0-9_]+)(\{[^}]*\})?/g;
    const unfiltered = exprs.flatMap((expr) =>
      [...expr.matchAll(selector)]
        .filter(([, , labels]) => !labels?.includes('service=~"$service"'))
        .map(([series]) => `${series} in ${expr}`),
    );
    expect(unfiltered).toEqual([]);
  });

  it('references only leadledger metrics the code registers, histograms by their series', () => {
    const kinds = registeredLeadledgerMetrics();
    expect(kinds.size).toBeGreaterThan(0);
    const series = referenced(LEADLEDGER_METRIC, expressions(parseDashboard()));
    expect(series.length).toBeGreaterThan(0);
    const problems = series.flatMap((name) => problemWith(name, kinds) ?? []);
    expect(problems).toEqual([]);
  });

  it("references only the default process metrics a service's registry keeps", async () => {
    const kinds = await defaultMetrics();
    const exprs = expressions(parseDashboard());
    const series = referenced(DEFAULT_METRIC, exprs);
    expect(series.length).toBeGreaterThan(0);
    const problems = series.flatMap((name) => problemWith(name, kinds) ?? []);
    expect(problems).toEqual([]);
    const scrapeSeries = exprs.flatMap((expr) =>
      [...expr.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\{/g)].map(([, name = '']) => name),
    );
    const unknown = scrapeSeries.filter(
      (name) => !SCRAPE_SERIES.has(name) && !/^(?:leadledger|process|nodejs)_/.test(name),
    );
    expect(unknown).toEqual([]);
  });
});
