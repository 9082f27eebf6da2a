import {
  InvalidConfigurationError,
  listItemLocation,
  located,
  quoted,
  valueAt,
  withoutEchoes,
  Nested,
  NestedList,
  Optional,
  Text,
  validateAgainst,
  type AssignmentFallbackReason,
} from '@leadledger/contracts';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsInt,
  IsNumber,
  IsObject,
  IsPositive,
  IsString,
  Matches,
  Min,
  ValidateBy,
  isISO31661Alpha2,
} from 'class-validator';
import { calendarIssues, type BusinessCalendar } from './business-calendar';

/*
 * Who gets which marketing-qualified lead: size bands that turn a company size into a segment, sales teams
 * in rule order (country and segment decide; a team with no rep available passes the lead on), and the
 * fallback team that takes whatever no rule does. It lives in config/ as JSON, like the scoring model.
 */

/** Employees, inclusive bounds; `max` absent = no upper bound. Bands never overlap. */
export interface SizeBand {
  readonly id: string;
  readonly min: number;
  readonly max?: number;
}

/** Rep-level filters narrow the team's; absent = the team's. */
export interface SalesRep {
  /** The rep's principal id, the one their actor carries, e.g. `ana@acme.example`. */
  readonly id: string;
  readonly territories?: readonly string[];
  readonly segments?: readonly string[];
}

export interface SalesTeam {
  readonly id: string;
  readonly calendar: BusinessCalendar;
  /** Business hours (of the team's calendar) a rep has to accept or reject an assigned lead. */
  readonly sla: { readonly businessHours: number; readonly reassignOnBreach: boolean };
  /** ISO 3166-1 alpha-2 codes, or '*' = every country including an unknown one. */
  readonly territories: readonly string[] | '*';
  /** Size band ids, or '*' = every size including an unknown one. */
  readonly segments: readonly string[] | '*';
  readonly reps: readonly SalesRep[];
}

export interface SalesTeamConfig {
  readonly version: string;
  readonly sizeBands: readonly SizeBand[];
  /** In order: the first team that matches takes the lead (the "rules"). */
  readonly teams: readonly SalesTeam[];
  /** Takes what no team matches; must name a team in `teams` whose territories and segments are '*'. */
  readonly fallbackTeam: string;
  /** Days a lead recycled to nurture may not become an MQL again. >= 0 */
  readonly recycleCooldownDays: number;
}

/** The config document is wrong: the message names the file and every rule at fault. */
export class InvalidSalesTeamConfigError extends InvalidConfigurationError {
  override name = 'InvalidSalesTeamConfigError';
}

/** Within the bounds of `team` (50) and `owner` (200) of LeadAssignedToSales. */
const TEAM_ID = /^[a-z0-9][a-z0-9-]{0,49}$/;
const SEGMENT_ID = TEAM_ID;
const REP_ID = /^[A-Za-z0-9._@+-]{1,200}$/;
const VERSION_LENGTH = 50;
const EVERYTHING = '*';
// Far above any real sales organisation, low enough that checking every pair stays instant.
const MAX_SIZE_BANDS = 50;
const MAX_TEAMS = 200;
const MAX_REPS_PER_TEAM = 500;
/** There are 249 ISO 3166-1 countries. */
const MAX_TERRITORIES = 249;

// The document's shape, as class-validator rules. Checks that span fields follow in parseSalesTeamConfig.

/** '*' or a non-empty list of distinct codes, each checked against what it names afterwards. */
const EverythingOrList = (maxItems: number): PropertyDecorator =>
  ValidateBy({
    name: 'isEverythingOrList',
    validator: {
      validate: (value: unknown) =>
        value === EVERYTHING ||
        (Array.isArray(value) &&
          value.length >= 1 &&
          value.length <= maxItems &&
          value.every((item) => typeof item === 'string') &&
          new Set(value).size === value.length),
      defaultMessage: () => `$property must be "*" (everything) or a list of 1 to ${maxItems} distinct codes`,
    },
  });

/** A rep's narrowing of the team's list: no '*', since absent already means "the team's". */
const NarrowingList =
  (maxItems: number): PropertyDecorator =>
  (target, propertyKey) =>
    [IsArray(), ArrayNotEmpty(), ArrayMaxSize(maxItems), ArrayUnique(), IsString({ each: true })].forEach(
      (decorate) => decorate(target, propertyKey),
    );

class SizeBandDocument {
  @Matches(SEGMENT_ID, { message: '$property must be lower-case letters, digits and hyphens, up to 50' })
  readonly id!: string;
  @IsInt() @Min(0) readonly min!: number;
  @Optional() @IsInt() @Min(0) readonly max?: number;
}

class SalesRepDocument {
  @Matches(REP_ID, {
    message: '$property must be a principal id such as ana@acme.example: 1 to 200 of A-Z a-z 0-9 . _ @ + -',
  })
  readonly id!: string;
  @Optional() @NarrowingList(MAX_TERRITORIES) readonly territories?: string[];
  @Optional() @NarrowingList(MAX_SIZE_BANDS) readonly segments?: string[];
}

class SlaDocument {
  @IsNumber({ allowNaN: false, allowInfinity: false }) @IsPositive() readonly businessHours!: number;
  @IsBoolean() readonly reassignOnBreach!: boolean;
}

class SalesTeamDocument {
  @Matches(TEAM_ID, { message: '$property must be lower-case letters, digits and hyphens, up to 50' })
  readonly id!: string;
  /** Its rules belong to the business calendar: calendarIssues checks it. */
  @IsObject() readonly calendar!: object;
  @Nested(() => SlaDocument) readonly sla!: SlaDocument;
  @EverythingOrList(MAX_TERRITORIES) readonly territories!: string[] | '*';
  @EverythingOrList(MAX_SIZE_BANDS) readonly segments!: string[] | '*';
  @ArrayNotEmpty()
  @NestedList(() => SalesRepDocument, MAX_REPS_PER_TEAM)
  readonly reps!: SalesRepDocument[];
}

class SalesTeamConfigDocument {
  @Text(VERSION_LENGTH) readonly version!: string;
  @NestedList(() => SizeBandDocument, MAX_SIZE_BANDS)
  readonly sizeBands!: SizeBandDocument[];
  @ArrayNotEmpty()
  @NestedList(() => SalesTeamDocument, MAX_TEAMS)
  readonly teams!: SalesTeamDocument[];
  @Text(50) readonly fallbackTeam!: string;
  @IsInt() @Min(0) readonly recycleCooldownDays!: number;
}

const LISTS = ['sizeBands', 'teams'] as const;

/**
 * Reads a sales team config document (parsed JSON). `source` names where it came from, e.g. the file path,
 * so the error a wrong config stops the service with says where to look, and every issue names the band,
 * team or rep at fault.
 */
export function parseSalesTeamConfig(raw: unknown, source: string): SalesTeamConfig {
  const shapeIssues = withoutEchoes(validateAgainst(SalesTeamConfigDocument, raw)).map(({ path, reason }) =>
    describeAt(raw, path, reason),
  );
  if (shapeIssues.length > 0) throw new InvalidSalesTeamConfigError(source, shapeIssues);
  // The shape holds, so the document is exactly a SalesTeamConfigDocument (the calendars aside).
  const document = raw as SalesTeamConfigDocument;

  const issues = [
    ...sizeBandIssues(document.sizeBands),
    ...document.teams.flatMap((team, index) =>
      teamIssues(team, document.sizeBands).map((issue) => `${teamLocation(team, index)}: ${issue}`),
    ),
    ...repsOnTwoTeams(document.teams),
    ...duplicateTeamIds(document.teams),
    ...fallbackIssues(document),
  ];
  if (issues.length > 0) throw new InvalidSalesTeamConfigError(source, issues);

  return {
    version: document.version,
    sizeBands: document.sizeBands.map(({ id, min, max }) => ({
      id,
      min,
      ...(max !== undefined ? { max } : {}),
    })),
    teams: document.teams.map(teamOfDocument),
    fallbackTeam: document.fallbackTeam,
    recycleCooldownDays: document.recycleCooldownDays,
  };
}

function teamOfDocument(team: SalesTeamDocument): SalesTeam {
  // calendarIssues found nothing wrong, so the calendar is a BusinessCalendar.
  const calendar = team.calendar as BusinessCalendar;
  return {
    id: team.id,
    calendar: {
      timeZone: calendar.timeZone,
      workingDays: [...calendar.workingDays],
      hours: { start: calendar.hours.start, end: calendar.hours.end },
      holidays: [...calendar.holidays],
    },
    sla: { businessHours: team.sla.businessHours, reassignOnBreach: team.sla.reassignOnBreach },
    territories: everythingOrCopy(team.territories),
    segments: everythingOrCopy(team.segments),
    reps: team.reps.map(({ id, territories, segments }) => ({
      id,
      ...(territories ? { territories: [...territories] } : {}),
      ...(segments ? { segments: [...segments] } : {}),
    })),
  };
}

function everythingOrCopy(list: readonly string[] | '*'): readonly string[] | '*' {
  return list === EVERYTHING ? EVERYTHING : [...list];
}

function sizeBandIssues(bands: readonly SizeBandDocument[]): string[] {
  const issues: string[] = [];
  const firstUse = new Map<string, number>();
  bands.forEach((band, index) => {
    const earlier = firstUse.get(band.id);
    if (earlier !== undefined) {
      issues.push(`${bandLocation(band, index)}: id is already used by sizeBands[${earlier}]`);
    } else firstUse.set(band.id, index);
    if (band.max !== undefined && band.max < band.min) {
      issues.push(`${bandLocation(band, index)}: max ${band.max} is below min ${band.min}`);
    }
  });
  // A size in two bands would have two segments, and which team or framework applies would depend on order.
  bands.forEach((band, index) => {
    bands.slice(0, index).forEach((other, otherIndex) => {
      const overlap = band.min <= (other.max ?? Infinity) && other.min <= (band.max ?? Infinity);
      if (overlap) {
        issues.push(
          `${bandLocation(band, index)}: ${rangeOf(band)} overlaps ${bandLocation(other, otherIndex)} ` +
            `(${rangeOf(other)}); bands must not overlap`,
        );
      }
    });
  });
  return issues;
}

/** Issues within one team, located inside it (`reps[2].territories[0] ...`). */
function teamIssues(team: SalesTeamDocument, bands: readonly SizeBandDocument[]): string[] {
  const bandIds = bands.map(({ id }) => id);
  const segmentProblem = (segment: string) =>
    bandIds.includes(segment) ? undefined : `is not a size band (${bandIds.join(', ') || 'none defined'})`;
  /** Each code's problem: what it names, then (for a rep) whether the team covers it at all. */
  const listIssues = (
    list: readonly string[],
    path: string,
    problemOf: (code: string) => string | undefined,
    teamList: readonly string[] | '*' = EVERYTHING,
  ) =>
    list.flatMap((code, index) => {
      const problem =
        problemOf(code) ??
        // A rep's code the team lacks would never match: the team must match the lead first.
        (teamList === EVERYTHING || teamList.includes(code)
          ? undefined
          : `is outside the team's ${path.split('.').pop()} (${teamList.join(', ')}): ` +
            "a rep's filter only narrows the team's");
      return problem ? [`${path}[${index}] ${quoted(code)} ${problem}`] : [];
    });

  // Reasons start with the field path inside the calendar, or with `calendar` itself.
  const issues = calendarIssues(team.calendar).map((reason) =>
    reason.startsWith('calendar ') ? reason : `calendar.${reason}`,
  );
  if (team.territories !== EVERYTHING) {
    issues.push(...listIssues(team.territories, 'territories', countryProblem));
  }
  if (team.segments !== EVERYTHING) issues.push(...listIssues(team.segments, 'segments', segmentProblem));
  const firstUse = new Map<string, number>();
  team.reps.forEach((rep, index) => {
    const at = `reps[${index}]`;
    const earlier = firstUse.get(rep.id);
    if (earlier !== undefined) issues.push(`${at} ${quoted(rep.id)} is already reps[${earlier}]`);
    else firstUse.set(rep.id, index);
    if (rep.territories) {
      issues.push(...listIssues(rep.territories, `${at}.territories`, countryProblem, team.territories));
    }
    if (rep.segments) {
      issues.push(...listIssues(rep.segments, `${at}.segments`, segmentProblem, team.segments));
    }
  });
  return issues;
}

/** Matches the lead's own rule (upper-case ISO 3166-1 alpha-2), so a configured code can equal a lead's. */
function countryProblem(code: string): string | undefined {
  if (/^[A-Z]{2}$/.test(code) && isISO31661Alpha2(code)) return undefined;
  if (/^[a-z]{2}$/.test(code) && isISO31661Alpha2(code)) {
    return `is not an ISO 3166-1 alpha-2 country: write it upper-case, ${quoted(code.toUpperCase())}`;
  }
  return 'is not an ISO 3166-1 alpha-2 country';
}

function duplicateTeamIds(teams: readonly SalesTeamDocument[]): string[] {
  const firstUse = new Map<string, number>();
  return teams.flatMap((team, index) => {
    const earlier = firstUse.get(team.id);
    if (earlier === undefined) {
      firstUse.set(team.id, index);
      return [];
    }
    return [`${teamLocation(team, index)}: id is already used by teams[${earlier}]`];
  });
}

/** A rep on two teams would have two calendars and two SLAs, and teamOfRep could not answer. */
function repsOnTwoTeams(teams: readonly SalesTeamDocument[]): string[] {
  const teamOfRepId = new Map<string, number>();
  const issues: string[] = [];
  teams.forEach((team, index) => {
    team.reps.forEach((rep, repIndex) => {
      const earlier = teamOfRepId.get(rep.id);
      if (earlier === undefined) teamOfRepId.set(rep.id, index);
      // Twice on the same team is reported by teamIssues.
      else if (earlier !== index) {
        issues.push(
          `${teamLocation(team, index)}: reps[${repIndex}] ${quoted(rep.id)} is already on ` +
            `${teamLocation(teams[earlier], earlier)}; a rep belongs to one team`,
        );
      }
    });
  });
  return issues;
}

function fallbackIssues(document: SalesTeamConfigDocument): string[] {
  const at = `fallbackTeam ${quoted(document.fallbackTeam)}`;
  const fallback = document.teams.find(({ id }) => id === document.fallbackTeam);
  if (!fallback) return [`${at} names no team (${document.teams.map(({ id }) => id).join(', ')})`];
  const issues: string[] = [];
  if (fallback.territories !== EVERYTHING) {
    issues.push(`${at}: territories must be "*": the fallback takes leads from every country`);
  }
  if (fallback.segments !== EVERYTHING) {
    issues.push(`${at}: segments must be "*": the fallback takes leads of every size`);
  }
  // The fallback is never one of the rules and ignores rep filters, so a filter there would only mislead.
  fallback.reps.forEach((rep, index) => {
    const filters = (['territories', 'segments'] as const).filter((field) => rep[field] !== undefined);
    if (filters.length > 0) {
      issues.push(
        `${at}: reps[${index}] ${quoted(rep.id)} has ${filters.join(' and ')}, which the fallback ignores: ` +
          'it takes any lead',
      );
    }
  });
  return issues;
}

function rangeOf(band: SizeBandDocument): string {
  return band.max === undefined ? `${band.min}+` : `${band.min}-${band.max}`;
}

function bandLocation(band: unknown, index: number): string {
  return listItemLocation('sizeBands', band, index);
}

function teamLocation(team: unknown, index: number): string {
  return listItemLocation('teams', team, index);
}

/** A shape issue, located: inside a band or team it names it (`teams[1] "dach": reps[0].id must ...`). */
function describeAt(document: unknown, path: string, reason: string): string {
  if (path === '') return `the config ${reason}`;
  const segments = path.split('.');
  const [list, index, ...inside] = segments;
  if ((LISTS as readonly string[]).includes(list) && index !== undefined && /^\d+$/.test(index)) {
    const item = valueAt(document, [list, index]);
    const location = listItemLocation(list, item, Number(index));
    return inside.length === 0 ? `${location} ${reason}` : `${location}: ${located(inside, reason)}`;
  }
  return located(segments, reason);
}

// Assignment.

/** The size band a company size falls into; undefined for an unknown size or one in no band. */
export function segmentOf(config: SalesTeamConfig, companySize: number | undefined): string | undefined {
  if (companySize === undefined || !Number.isFinite(companySize)) return undefined;
  return config.sizeBands.find(
    ({ min, max }) => companySize >= min && (max === undefined || companySize <= max),
  )?.id;
}

export interface LeadForAssignment {
  /** ISO 3166-1 alpha-2, upper-case, as the lead carries it. */
  readonly country?: string;
  /** Employees. */
  readonly companySize?: number;
}

/** The same reasons LeadAssignedToSales carries. */
export type FallbackReason = AssignmentFallbackReason;

export interface AssignmentCandidates {
  readonly team: SalesTeam;
  /** Reps who may take the lead, in the team's configured rep order; never empty. */
  readonly reps: readonly string[];
  /** Present when the lead went to the fallback team, and why. */
  readonly fallback?: FallbackReason;
}

/** The teams whose rules take the lead, in order, each with its reps whose own filters take it too. */
export function matchingTeams(
  config: SalesTeamConfig,
  lead: LeadForAssignment,
): { readonly team: SalesTeam; readonly reps: readonly string[] }[] {
  const segment = segmentOf(config, lead.companySize);
  const matches = (list: readonly string[] | '*', value: string | undefined) =>
    list === EVERYTHING || (value !== undefined && list.includes(value));
  return config.teams
    .filter((team) => team.id !== config.fallbackTeam)
    .filter((team) => matches(team.territories, lead.country) && matches(team.segments, segment))
    .map((team) => ({
      team,
      reps: team.reps
        .filter(
          (rep) =>
            matches(rep.territories ?? team.territories, lead.country) &&
            matches(rep.segments ?? team.segments, segment),
        )
        .map(({ id }) => id),
    }));
}

/** Every rep assignmentCandidates may ask about for this lead: whose availability is worth reading. */
export function repsWhoMayTake(config: SalesTeamConfig, lead: LeadForAssignment): string[] {
  const fallback = teamOf(config, config.fallbackTeam)?.reps.map(({ id }) => id) ?? [];
  return [...new Set([...matchingTeams(config, lead).flatMap(({ reps }) => reps), ...fallback])];
}

/**
 * Which team takes the lead and which of its reps may: the first team in order whose territories and segments
 * match the lead and that has at least one matching rep who is available; a rep matches through their own
 * territories/segments when set, else the team's. A lead with no country matches only '*' territories; no
 * size only '*' segments.
 * If no team matches at all -> fallback team, 'no_rule_matched'; if teams matched but none had an available
 * matching rep -> fallback team, 'no_rep_available'; in the fallback team, its available reps (rep filters
 * ignored: the fallback takes anything); if none of them is available either -> every fallback rep,
 * 'everyone_away' (a lead is never left unassigned).
 *
 * The fallback team is never one of the rules, wherever it stands in `teams`: it matches everything, so as a
 * rule it would hide every fallback from the count.
 */
export function assignmentCandidates(
  config: SalesTeamConfig,
  lead: LeadForAssignment,
  isAvailable: (repId: string) => boolean,
): AssignmentCandidates {
  const matched = matchingTeams(config, lead);
  for (const { team, reps: matchingReps } of matched) {
    const reps = matchingReps.filter((id) => isAvailable(id));
    if (reps.length > 0) return { team, reps };
  }
  const anyTeamMatched = matched.length > 0;

  const fallback = teamOf(config, config.fallbackTeam);
  // parseSalesTeamConfig refuses a config without it; only a hand-made one gets here.
  if (!fallback) {
    throw new Error(`the sales team config names fallback team "${config.fallbackTeam}" but has none`);
  }
  const everyRep = fallback.reps.map(({ id }) => id);
  const available = everyRep.filter((id) => isAvailable(id));
  if (available.length === 0) return { team: fallback, reps: everyRep, fallback: 'everyone_away' };
  return {
    team: fallback,
    reps: available,
    fallback: anyTeamMatched ? 'no_rep_available' : 'no_rule_matched',
  };
}

/**
 * Round-robin: the first of `candidates` that comes after `lastRep` in the team's full rep order (cyclic); the
 * first candidate when lastRep is undefined or unknown. Pure and deterministic.
 *
 * Going by the full order, not by the candidates, keeps the turn order fixed while reps come and go: a rep who
 * is away is skipped, not moved to the end.
 */
export function nextInRotation(
  team: SalesTeam,
  candidates: readonly string[],
  lastRep: string | undefined,
): string {
  if (candidates.length === 0) throw new RangeError(`team "${team.id}": no candidate to rotate to`);
  const last = team.reps.findIndex(({ id }) => id === lastRep);
  if (last < 0) return candidates[0];
  for (let step = 1; step <= team.reps.length; step++) {
    const rep = team.reps[(last + step) % team.reps.length].id;
    if (candidates.includes(rep)) return rep;
  }
  // None of the candidates is on the team: still an answer, and the same one every time.
  return candidates[0];
}

export function teamOf(config: SalesTeamConfig, teamId: string): SalesTeam | undefined {
  return config.teams.find(({ id }) => id === teamId);
}

export function teamOfRep(config: SalesTeamConfig, repId: string): SalesTeam | undefined {
  return config.teams.find(({ reps }) => reps.some(({ id }) => id === repId));
}
