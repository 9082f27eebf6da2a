/* A strict reader of the Prometheus text exposition format (version 0.0.4), for tests that scrape /metrics. */

export interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

export interface Family {
  help?: string;
  type?: string;
  readonly samples: Sample[];
}

const METRIC_NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const HELP_LINE = new RegExp(`^# HELP (${METRIC_NAME}) (.*)$`);
const TYPE_LINE = new RegExp(`^# TYPE (${METRIC_NAME}) (counter|gauge|histogram|summary|untyped)$`);
const SAMPLE_LINE = new RegExp(`^(${METRIC_NAME})(?:\\{(.*)\\})? (\\S+)(?: (-?\\d+))?$`);
const LABEL_PAIR = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/;
// Values are read by Go's strconv.ParseFloat, which takes NaN and Inf in any case: prom-client
// writes "Nan" for a gauge without data (the event loop lag before its first sample).
const SAMPLE_VALUE = /^(?:[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[+-]?inf(?:inity)?|nan)$/i;

/** Reads a /metrics response strictly, as Prometheus would, throwing at the first line it would refuse. */
export function parseExposition(text: string): Map<string, Family> {
  if (!text.endsWith('\n')) throw new Error('exposition does not end with a newline');
  const families = new Map<string, Family>();
  const familyOf = (name: string): Family => {
    const family = families.get(name) ?? { samples: [] };
    families.set(name, family);
    return family;
  };

  for (const line of text.split('\n').slice(0, -1)) {
    if (line === '') continue;
    const help = HELP_LINE.exec(line);
    const type = TYPE_LINE.exec(line);
    if (help) {
      familyOf(help[1]).help = help[2];
    } else if (type) {
      familyOf(type[1]).type = type[2];
    } else if (line.startsWith('#')) {
      throw new Error(`unexpected comment line: ${line}`);
    } else {
      const sample = SAMPLE_LINE.exec(line);
      if (!sample) throw new Error(`not a sample line: ${line}`);
      if (!SAMPLE_VALUE.test(sample[3])) throw new Error(`not a sample value: ${line}`);
      const family = families.get(familyName(sample[1], families));
      if (!family?.help || !family.type) throw new Error(`sample before its # HELP and # TYPE: ${line}`);
      family.samples.push({
        name: sample[1],
        labels: parseLabels(sample[2] ?? '', line),
        value: Number(sample[3]),
      });
    }
  }
  for (const [name, family] of families)
    if (!family.help || !family.type) throw new Error(`${name} lacks # HELP or # TYPE`);
  return families;
}

function familyName(sampleName: string, families: Map<string, Family>): string {
  if (families.has(sampleName)) return sampleName;
  const base = sampleName.replace(/_(bucket|sum|count)$/, '');
  const type = families.get(base)?.type;
  if (type === 'histogram' || (type === 'summary' && !sampleName.endsWith('_bucket'))) return base;
  throw new Error(`sample ${sampleName} belongs to no declared metric`);
}

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = text;
  while (rest.length > 0) {
    const pair = LABEL_PAIR.exec(rest);
    if (!pair) throw new Error(`malformed labels in: ${line}`);
    if (pair[1] in labels) throw new Error(`label ${pair[1]} repeated in: ${line}`);
    labels[pair[1]] = pair[2].replace(/\\(["\\n])/g, (_, escaped: string) =>
      escaped === 'n' ? '\n' : escaped,
    );
    rest = rest.slice(pair[0].length);
  }
  return labels;
}

/** The value of the sample with this name whose labels include these. */
export function sampleValue(
  families: Map<string, Family>,
  sampleName: string,
  labels: Record<string, string>,
): number | undefined {
  const family = families.get(familyName(sampleName, families));
  return family?.samples.find(
    (sample) =>
      sample.name === sampleName &&
      Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  )?.value;
}
