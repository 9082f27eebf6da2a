import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { expectOnlyConfigurationErrors } from '@leadledger/testing';
import {
  InvalidSalesTeamConfigError,
  assignmentCandidates,
  nextInRotation,
  parseSalesTeamConfig,
  repsWhoMayTake,
  segmentOf,
  teamOf,
  teamOfRep,
  type LeadForAssignment,
  type SalesTeam,
  type SalesTeamConfig,
} from './sales-team';

const CONFIG_PATH = join(__dirname, '../../../../config/sales-team.json');
const SOURCE = 'config/sales-team.json';

function berlinCalendar() {
  return {
    timeZone: 'Europe/Berlin',
    workingDays: ['mon', 'tue', 'wed', 'thu', 'fri'],
    hours: { start: '09:00', end: '17:00' },
    holidays: ['2026-10-03', '2026-12-25'],
  };
}

interface RepDocument {
  id: string;
  territories?: unknown;
  segments?: unknown;
}

/** A small valid document; each case below breaks one thing in a copy of it. */
function validDocument() {
  return {
    version: '2026-11-a',
    sizeBands: [
      { id: 'smb', min: 1, max: 49 } as { id: string; min: number; max?: number },
      { id: 'mid-market', min: 50, max: 999 } as { id: string; min: number; max?: number },
      { id: 'enterprise', min: 1000 } as { id: string; min: number; max?: number },
    ],
    teams: [
      {
        id: 'americas',
        calendar: { ...berlinCalendar(), timeZone: 'America/New_York' } as Record<string, unknown>,
        sla: { businessHours: 4, reassignOnBreach: true } as Record<string, unknown>,
        territories: ['US', 'CA'] as unknown,
        segments: '*' as unknown,
        reps: [
          { id: 'dan@acme.example' },
          { id: 'eve@acme.example', segments: ['enterprise'] },
        ] as RepDocument[],
      },
      {
        id: 'dach',
        calendar: berlinCalendar() as Record<string, unknown>,
        sla: { businessHours: 0.5, reassignOnBreach: false } as Record<string, unknown>,
        territories: ['DE', 'AT', 'CH'] as unknown,
        segments: ['mid-market', 'enterprise'] as unknown,
        reps: [
          { id: 'ana@acme.example' },
          { id: 'ben@acme.example' },
          { id: 'cleo@acme.example', territories: ['CH'] },
        ] as RepDocument[],
      },
      {
        id: 'desk',
        calendar: { ...berlinCalendar(), timeZone: 'Europe/London' } as Record<string, unknown>,
        sla: { businessHours: 8, reassignOnBreach: true } as Record<string, unknown>,
        territories: '*' as unknown,
        segments: '*' as unknown,
        reps: [{ id: 'fay@acme.example' }, { id: 'gus@acme.example' }] as RepDocument[],
      },
    ],
    fallbackTeam: 'desk',
    recycleCooldownDays: 30,
  };
}

type Document = ReturnType<typeof validDocument>;

const validConfig = (change: (document: Document) => void = () => undefined): SalesTeamConfig => {
  const document = validDocument();
  change(document);
  return parseSalesTeamConfig(document, SOURCE);
};

/** Given a document broken by `change`, when it is parsed: the error it is refused with. */
function given(change: (document: Document) => void) {
  const document = validDocument();
  change(document);
  return {
    thenRefused: (message: string) => {
      const parse = () => parseSalesTeamConfig(document, SOURCE);
      expect(parse).toThrow(InvalidSalesTeamConfigError);
      expect(parse).toThrow(message);
    },
  };
}

const issuesOf = (raw: unknown): readonly string[] => {
  try {
    parseSalesTeamConfig(raw, SOURCE);
  } catch (error) {
    if (error instanceof InvalidSalesTeamConfigError) return error.issues;
    throw error;
  }
  return [];
};

const everyoneAvailable = () => true;
const availableExcept =
  (...away: string[]) =>
  (rep: string) =>
    !away.includes(rep);

describe('sales team config', () => {
  describe('the real config/sales-team.json', () => {
    const config = parseSalesTeamConfig(JSON.parse(readFileSync(CONFIG_PATH, 'utf8')), SOURCE);

    it('parses, with the DACH enterprise team, North America and the inbound desk as fallback', () => {
      expect(config.sizeBands.map(({ id }) => id)).toEqual(['smb', 'mid-market', 'enterprise']);
      expect(config.teams.map(({ id }) => id)).toEqual(['dach-enterprise', 'north-america', 'inbound-desk']);
      expect(config.fallbackTeam).toBe('inbound-desk');
      expect(config.recycleCooldownDays).toBe(30);
      const dach = teamOf(config, 'dach-enterprise');
      expect(dach?.territories).toEqual(['DE', 'AT', 'CH']);
      expect(dach?.reps).toHaveLength(3);
      expect(dach?.sla).toEqual({ businessHours: 4, reassignOnBreach: true });
      expect(dach?.calendar.holidays).toEqual(
        expect.arrayContaining(['2026-10-03', '2027-05-17', '2027-12-26']),
      );
    });

    it('sends a German enterprise lead to DACH, a Canadian one to North America and a French one to the desk', () => {
      expect(
        assignmentCandidates(config, { country: 'DE', companySize: 5000 }, everyoneAvailable).team.id,
      ).toBe('dach-enterprise');
      expect(assignmentCandidates(config, { country: 'CA' }, everyoneAvailable).team.id).toBe(
        'north-america',
      );
      expect(
        assignmentCandidates(config, { country: 'FR', companySize: 300 }, everyoneAvailable),
      ).toMatchObject({
        team: { id: 'inbound-desk' },
        fallback: 'no_rule_matched',
      });
    });
  });

  describe('parsing', () => {
    it('keeps what the document says, and nothing of the document itself', () => {
      const document = validDocument();
      const config = parseSalesTeamConfig(document, SOURCE);
      expect(config.sizeBands).toEqual([
        { id: 'smb', min: 1, max: 49 },
        { id: 'mid-market', min: 50, max: 999 },
        { id: 'enterprise', min: 1000 },
      ]);
      expect(teamOf(config, 'dach')).toEqual({
        id: 'dach',
        calendar: berlinCalendar(),
        sla: { businessHours: 0.5, reassignOnBreach: false },
        territories: ['DE', 'AT', 'CH'],
        segments: ['mid-market', 'enterprise'],
        reps: [
          { id: 'ana@acme.example' },
          { id: 'ben@acme.example' },
          { id: 'cleo@acme.example', territories: ['CH'] },
        ],
      });
      (document.teams[1].territories as string[]).push('FR');
      expect(teamOf(config, 'dach')?.territories).toEqual(['DE', 'AT', 'CH']);
    });

    it('accepts the fallback team anywhere in the list, and no size bands when every team takes every size', () => {
      expect(() =>
        validConfig((document) => {
          document.teams.reverse();
        }),
      ).not.toThrow();
      expect(() =>
        validConfig((document) => {
          document.sizeBands = [];
          document.teams[1].segments = '*';
          delete document.teams[0].reps[1].segments;
        }),
      ).not.toThrow();
    });

    it('names the file and every issue, each in the error and in its list', () => {
      const document = validDocument();
      document.version = '';
      document.recycleCooldownDays = -1;
      const parse = () => parseSalesTeamConfig(document, SOURCE);
      expect(parse).toThrow(
        `${SOURCE}: version must be longer than or equal to 1 characters; ` +
          'recycleCooldownDays must not be less than 0',
      );
      expect(issuesOf(document)).toEqual([
        'version must be longer than or equal to 1 characters',
        'recycleCooldownDays must not be less than 0',
      ]);
    });
  });

  describe('refuses', () => {
    it.each([
      ['null', null],
      ['an array', []],
      ['a string', 'teams'],
      ['a number', 42],
    ])('a document that is %s', (_name, raw) => {
      expect(() => parseSalesTeamConfig(raw, SOURCE)).toThrow(`${SOURCE}: the config must be an object`);
    });

    it('fields it does not know, at any level', () => {
      given((document) => Object.assign(document, { owner: 'sales-ops' })).thenRefused(
        'owner should not exist',
      );
      given((document) => Object.assign(document.teams[1], { colour: 'blue' })).thenRefused(
        'teams[1] "dach": colour should not exist',
      );
      given((document) => Object.assign(document.teams[1].reps[0], { quota: 3 })).thenRefused(
        'teams[1] "dach": reps[0].quota should not exist',
      );
      given((document) => Object.assign(document.sizeBands[0], { label: 'Small' })).thenRefused(
        'sizeBands[0] "smb": label should not exist',
      );
      given((document) => Object.assign(document.teams[1].calendar, { weekends: true })).thenRefused(
        'teams[1] "dach": calendar.weekends is not a known field',
      );
    });

    it('__proto__ and constructor keys, without touching any prototype', () => {
      const raw = JSON.parse(
        '{"__proto__": {"polluted": true}, "version": "1", "sizeBands": [], "teams": [], ' +
          '"fallbackTeam": "desk", "recycleCooldownDays": 1}',
      );
      expect(() => parseSalesTeamConfig(raw, SOURCE)).toThrow('__proto__ is a reserved name, never a field');
      given((document) =>
        Object.assign(document.teams[1], JSON.parse('{"constructor": {"prototype": {}}}')),
      ).thenRefused('teams[1] "dach": constructor is a reserved name, never a field');
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    });

    it('a missing or empty version', () => {
      given((document) => delete (document as Partial<Document>).version).thenRefused(
        'version must be a string',
      );
      given((document) => (document.version = '')).thenRefused(
        'version must be longer than or equal to 1 characters',
      );
    });

    describe('size bands', () => {
      it('that are no list, or whose items are no objects', () => {
        given((document) => Object.assign(document, { sizeBands: { smb: [1, 49] } })).thenRefused(
          `${SOURCE}: sizeBands must be an array`,
        );
        given((document) => Object.assign(document, { sizeBands: [1] })).thenRefused(
          'sizeBands[0] must be an object',
        );
      });

      it('with an id that is no lower-case slug', () => {
        given((document) => (document.sizeBands[0].id = 'SMB')).thenRefused(
          'sizeBands[0] "SMB": id must be lower-case letters, digits and hyphens, up to 50',
        );
      });

      it('with bounds that are no whole numbers of employees, or a max below the min', () => {
        given((document) => (document.sizeBands[0].min = 1.5)).thenRefused(
          'sizeBands[0] "smb": min must be an integer number',
        );
        given((document) => (document.sizeBands[0].min = -1)).thenRefused(
          'sizeBands[0] "smb": min must not be less than 0',
        );
        given((document) => (document.sizeBands[1].max = 10)).thenRefused(
          'sizeBands[1] "mid-market": max 10 is below min 50',
        );
      });

      it('that overlap, open-ended ones included', () => {
        given((document) => (document.sizeBands[0].max = 50)).thenRefused(
          'sizeBands[1] "mid-market": 50-999 overlaps sizeBands[0] "smb" (1-50); bands must not overlap',
        );
        given((document) => delete document.sizeBands[1].max).thenRefused(
          'sizeBands[2] "enterprise": 1000+ overlaps sizeBands[1] "mid-market" (50+); bands must not overlap',
        );
      });

      it('with an id used twice', () => {
        given((document) => document.sizeBands.push({ id: 'smb', min: 1_000_000 })).thenRefused(
          'sizeBands[3] "smb": id is already used by sizeBands[0]',
        );
      });
    });

    describe('teams', () => {
      it('none at all', () => {
        given((document) => (document.teams = [])).thenRefused('teams should not be empty');
      });

      it('with an id that is no lower-case slug, or one used twice', () => {
        given((document) => (document.teams[1].id = 'DACH Team')).thenRefused(
          'teams[1] "DACH Team": id must be lower-case letters, digits and hyphens, up to 50',
        );
        given((document) => (document.teams[1].id = 'americas')).thenRefused(
          'teams[1] "americas": id is already used by teams[0]',
        );
      });

      it('without a calendar, or with one the business calendar refuses', () => {
        given((document) => delete (document.teams[1] as Partial<Document['teams'][1]>).calendar).thenRefused(
          'teams[1] "dach": calendar must be an object',
        );
        given((document) => (document.teams[1].calendar['timeZone'] = 'Mars/Base')).thenRefused(
          'teams[1] "dach": calendar.timeZone "Mars/Base" is not an IANA time zone',
        );
        given((document) => (document.teams[1].calendar['holidays'] = ['2026-02-30'])).thenRefused(
          'teams[1] "dach": calendar.holidays[0] "2026-02-30" is not a date',
        );
      });

      it('with an SLA of no business hours, or no say on reassignment', () => {
        given((document) => (document.teams[1].sla['businessHours'] = 0)).thenRefused(
          'teams[1] "dach": sla.businessHours must be a positive number',
        );
        given((document) => (document.teams[1].sla['businessHours'] = '4')).thenRefused(
          'teams[1] "dach": sla.businessHours must be a positive number',
        );
        given((document) => (document.teams[1].sla['reassignOnBreach'] = 'yes')).thenRefused(
          'teams[1] "dach": sla.reassignOnBreach must be a boolean value',
        );
      });

      it('territories that are neither "*" nor a list of distinct ISO 3166-1 alpha-2 countries', () => {
        const notAList =
          'teams[1] "dach": territories must be "*" (everything) or a list of 1 to 249 distinct codes';
        given((document) => (document.teams[1].territories = [])).thenRefused(notAList);
        given((document) => (document.teams[1].territories = 'all')).thenRefused(notAList);
        given((document) => (document.teams[1].territories = ['DE', 'DE'])).thenRefused(notAList);
        given((document) => (document.teams[1].territories = ['DE', 'XX'])).thenRefused(
          'teams[1] "dach": territories[1] "XX" is not an ISO 3166-1 alpha-2 country',
        );
        given((document) => (document.teams[1].territories = ['de'])).thenRefused(
          'teams[1] "dach": territories[0] "de" is not an ISO 3166-1 alpha-2 country: write it upper-case, "DE"',
        );
        given((document) => (document.teams[1].territories = ['DEU'])).thenRefused(
          'teams[1] "dach": territories[0] "DEU" is not an ISO 3166-1 alpha-2 country',
        );
      });

      it('segments that are neither "*" nor size bands', () => {
        given((document) => (document.teams[1].segments = ['mid-market', 'large'])).thenRefused(
          'teams[1] "dach": segments[1] "large" is not a size band (smb, mid-market, enterprise)',
        );
        given((document) => (document.teams[1].segments = [])).thenRefused(
          'teams[1] "dach": segments must be "*" (everything) or a list of 1 to 50 distinct codes',
        );
      });

      it('that are no objects', () => {
        given((document) => Object.assign(document.teams, { 1: [] })).thenRefused(
          `${SOURCE}: teams[1] must be an object`,
        );
        given((document) => Object.assign(document.teams[1].reps, { 1: null })).thenRefused(
          `${SOURCE}: teams[1] "dach": reps[1] must be an object`,
        );
        given((document) => Object.assign(document.teams[1], { sla: [] })).thenRefused(
          `${SOURCE}: teams[1] "dach": sla must be an object`,
        );
      });

      it('no reps', () => {
        given((document) => (document.teams[1].reps = [])).thenRefused(
          'teams[1] "dach": reps should not be empty',
        );
      });
    });

    describe('reps', () => {
      it('with an id that is no principal id', () => {
        given((document) => (document.teams[1].reps[0].id = 'ana smith')).thenRefused(
          'teams[1] "dach": reps[0].id must be a principal id such as ana@acme.example: 1 to 200 of A-Z a-z 0-9 . _ @ + -',
        );
        given((document) => (document.teams[1].reps[0].id = 'a'.repeat(201))).thenRefused(
          'teams[1] "dach": reps[0].id must be a principal id',
        );
      });

      it('listed twice in a team, or on two teams', () => {
        given((document) => document.teams[1].reps.push({ id: 'ana@acme.example' })).thenRefused(
          'teams[1] "dach": reps[3] "ana@acme.example" is already reps[0]',
        );
        given((document) => document.teams[2].reps.push({ id: 'ana@acme.example' })).thenRefused(
          'teams[2] "desk": reps[2] "ana@acme.example" is already on teams[1] "dach"; a rep belongs to one team',
        );
      });

      it('whose territories name no country', () => {
        given((document) => (document.teams[1].reps[2].territories = ['XX'])).thenRefused(
          `${SOURCE}: teams[1] "dach": reps[2].territories[0] "XX" is not an ISO 3166-1 alpha-2 country`,
        );
        expect(
          issuesOf(
            (() => {
              const document = validDocument();
              document.teams[1].reps[2].territories = ['XX'];
              return document;
            })(),
          ),
        ).toEqual(['teams[1] "dach": reps[2].territories[0] "XX" is not an ISO 3166-1 alpha-2 country']);
      });

      it('whose filters are empty, no list of text, or say "*" (absent already means the team\'s)', () => {
        given((document) => (document.teams[1].reps[2].territories = [])).thenRefused(
          'teams[1] "dach": reps[2].territories should not be empty',
        );
        given((document) => (document.teams[1].reps[2].territories = [49])).thenRefused(
          'teams[1] "dach": each value in reps[2].territories must be a string',
        );
        given((document) => (document.teams[1].reps[2].segments = '*')).thenRefused(
          'teams[1] "dach": reps[2].segments must be an array',
        );
      });

      it('whose filters reach beyond the team: they could never match', () => {
        given((document) => (document.teams[1].reps[2].territories = ['FR'])).thenRefused(
          'teams[1] "dach": reps[2].territories[0] "FR" is outside the team\'s territories (DE, AT, CH): ' +
            "a rep's filter only narrows the team's",
        );
        given((document) => (document.teams[1].reps[2].segments = ['smb'])).thenRefused(
          'teams[1] "dach": reps[2].segments[0] "smb" is outside the team\'s segments (mid-market, enterprise)',
        );
        given((document) => (document.teams[1].reps[2].segments = ['huge'])).thenRefused(
          'teams[1] "dach": reps[2].segments[0] "huge" is not a size band (smb, mid-market, enterprise)',
        );
      });
    });

    describe('the fallback team', () => {
      it('when it names no team', () => {
        given((document) => (document.fallbackTeam = 'inbound')).thenRefused(
          'fallbackTeam "inbound" names no team (americas, dach, desk)',
        );
        given((document) => (document.fallbackTeam = '')).thenRefused(
          'fallbackTeam must be longer than or equal to 1 characters',
        );
      });

      it('when it does not take every country and every size', () => {
        given((document) => (document.fallbackTeam = 'americas')).thenRefused(
          'fallbackTeam "americas": territories must be "*": the fallback takes leads from every country',
        );
        given((document) => (document.teams[2].segments = ['smb'])).thenRefused(
          'fallbackTeam "desk": segments must be "*": the fallback takes leads of every size',
        );
      });

      it('when a rep of it has filters, which the fallback would ignore', () => {
        given((document) => (document.teams[2].reps[1].territories = ['GB'])).thenRefused(
          'fallbackTeam "desk": reps[1] "gus@acme.example" has territories, which the fallback ignores: it takes any lead',
        );
      });
    });

    it('a negative or fractional recycle cooldown', () => {
      given((document) => (document.recycleCooldownDays = -1)).thenRefused(
        'recycleCooldownDays must not be less than 0',
      );
      given((document) => (document.recycleCooldownDays = 1.5)).thenRefused(
        'recycleCooldownDays must be an integer number',
      );
    });

    it('hostile JSON with nothing but an InvalidSalesTeamConfigError', () => {
      const paths: readonly (readonly (string | number)[])[] = [
        [],
        ['version'],
        ['sizeBands'],
        ['sizeBands', 0],
        ['sizeBands', 0, 'id'],
        ['sizeBands', 0, 'max'],
        ['teams'],
        ['teams', 1],
        ['teams', 1, 'calendar'],
        ['teams', 1, 'calendar', 'hours'],
        ['teams', 1, 'sla'],
        ['teams', 1, 'territories'],
        ['teams', 1, 'segments'],
        ['teams', 1, 'reps'],
        ['teams', 1, 'reps', 2],
        ['teams', 1, 'reps', 2, 'id'],
        ['teams', 1, 'reps', 2, 'territories'],
        ['teams', 1, 'reps', 2, 'territories', 0],
        ['teams', 1, 'sla', 'businessHours'],
        ['teams', 1, 'territories', 0],
        ['fallbackTeam'],
        ['recycleCooldownDays'],
      ];
      expectOnlyConfigurationErrors({
        validDocument,
        paths,
        parse: (document) => parseSalesTeamConfig(document, SOURCE),
        errorClass: InvalidSalesTeamConfigError,
        source: SOURCE,
      });
      const deep = JSON.parse(`${'['.repeat(5000)}${']'.repeat(5000)}`);
      expect(() => parseSalesTeamConfig({ ...validDocument(), teams: deep }, SOURCE)).toThrow(
        InvalidSalesTeamConfigError,
      );
    });
  });

  describe('segmentOf', () => {
    const config = validConfig();

    it.each([
      [1, 'smb'],
      [49, 'smb'],
      [50, 'mid-market'],
      [999, 'mid-market'],
      [1000, 'enterprise'],
      [2_000_000, 'enterprise'],
    ])('puts %d employees into %s', (size, segment) => {
      expect(segmentOf(config, size)).toBe(segment);
    });

    it('knows no segment for an unknown size, nor for one in no band', () => {
      expect(segmentOf(config, undefined)).toBeUndefined();
      expect(segmentOf(config, 0)).toBeUndefined();
      expect(segmentOf(config, Number.NaN)).toBeUndefined();
      expect(
        segmentOf(
          validConfig((document) => (document.sizeBands[1].min = 100)),
          75,
        ),
      ).toBeUndefined();
    });
  });

  describe('assignmentCandidates', () => {
    const config = validConfig();
    const assign = (lead: LeadForAssignment, isAvailable: (rep: string) => boolean = everyoneAvailable) =>
      assignmentCandidates(config, lead, isAvailable);

    it("gives a lead to the first team whose territories and segments match it, with the team's reps in order", () => {
      const candidates = assign({ country: 'AT', companySize: 300 });
      expect(candidates.team.id).toBe('dach');
      expect(candidates.reps).toEqual(['ana@acme.example', 'ben@acme.example']);
      expect(candidates.fallback).toBeUndefined();
    });

    it("lets a rep's own filters narrow the team's", () => {
      expect(assign({ country: 'CH', companySize: 300 }).reps).toEqual([
        'ana@acme.example',
        'ben@acme.example',
        'cleo@acme.example',
      ]);
      expect(assign({ country: 'US', companySize: 20 }).reps).toEqual(['dan@acme.example']);
      expect(assign({ country: 'US', companySize: 5000 }).reps).toEqual([
        'dan@acme.example',
        'eve@acme.example',
      ]);
    });

    it('names every rep it may ask about, and only those: whose availability is worth reading', () => {
      for (const lead of [{ country: 'AT', companySize: 300 }, { country: 'US', companySize: 20 }, {}]) {
        const asked = new Set<string>();
        const recordAsked = (rep: string) => {
          asked.add(rep);
          return false;
        };
        assign(lead, recordAsked);
        expect(new Set(repsWhoMayTake(config, lead))).toEqual(asked);
      }
    });

    it('matches a lead of unknown size only through "*" segments, and one of unknown country only through "*" territories', () => {
      expect(assign({ country: 'US' })).toMatchObject({
        team: { id: 'americas' },
        reps: ['dan@acme.example'],
      });
      expect(assign({ country: 'DE' })).toMatchObject({ team: { id: 'desk' }, fallback: 'no_rule_matched' });
      expect(assign({ companySize: 300 })).toMatchObject({
        team: { id: 'desk' },
        fallback: 'no_rule_matched',
      });
      expect(assign({})).toMatchObject({ team: { id: 'desk' }, fallback: 'no_rule_matched' });
    });

    it('offers only reps who are available', () => {
      expect(assign({ country: 'CH', companySize: 300 }, availableExcept('ana@acme.example')).reps).toEqual([
        'ben@acme.example',
        'cleo@acme.example',
      ]);
      expect(
        assign({ country: 'CH', companySize: 300 }, availableExcept('ana@acme.example', 'ben@acme.example')),
      ).toEqual({ team: teamOf(config, 'dach'), reps: ['cleo@acme.example'] });
    });

    it('goes on to the next matching team when one has no available matching rep', () => {
      const withGlobalEnterprise = validConfig((document) =>
        document.teams.splice(2, 0, {
          ...validDocument().teams[1],
          id: 'global-enterprise',
          territories: '*',
          segments: ['enterprise'],
          reps: [{ id: 'hal@acme.example' }],
        }),
      );
      const away = availableExcept('ana@acme.example', 'ben@acme.example');
      expect(assignmentCandidates(withGlobalEnterprise, { country: 'DE', companySize: 5000 }, away)).toEqual({
        team: teamOf(withGlobalEnterprise, 'global-enterprise'),
        reps: ['hal@acme.example'],
      });
    });

    it("sends a lead no team's rules take to the fallback team: no_rule_matched", () => {
      expect(assign({ country: 'FR', companySize: 300 })).toEqual({
        team: teamOf(config, 'desk'),
        reps: ['fay@acme.example', 'gus@acme.example'],
        fallback: 'no_rule_matched',
      });
      expect(assign({ country: 'DE', companySize: 10 }).fallback).toBe('no_rule_matched');
    });

    it('sends a lead whose matching teams have no available matching rep to the fallback team: no_rep_available', () => {
      expect(
        assign({ country: 'DE', companySize: 300 }, availableExcept('ana@acme.example', 'ben@acme.example')),
      ).toEqual({
        team: teamOf(config, 'desk'),
        reps: ['fay@acme.example', 'gus@acme.example'],
        fallback: 'no_rep_available',
      });
      // Cleo is available, but her filter keeps her to Switzerland.
    });

    it('offers only the available reps of the fallback team', () => {
      expect(assign({ country: 'FR' }, availableExcept('fay@acme.example'))).toEqual({
        team: teamOf(config, 'desk'),
        reps: ['gus@acme.example'],
        fallback: 'no_rule_matched',
      });
    });

    it('never leaves a lead unassigned: with everyone away, every fallback rep, everyone_away', () => {
      const nobody = () => false;
      for (const lead of [{ country: 'FR' }, { country: 'DE', companySize: 300 }, {}]) {
        expect(assign(lead, nobody)).toEqual({
          team: teamOf(config, 'desk'),
          reps: ['fay@acme.example', 'gus@acme.example'],
          fallback: 'everyone_away',
        });
      }
    });

    it('never treats the fallback team as one of the rules, wherever it stands', () => {
      const deskFirst = validConfig((document) => document.teams.reverse());
      expect(
        assignmentCandidates(deskFirst, { country: 'DE', companySize: 300 }, everyoneAvailable).team.id,
      ).toBe('dach');
      expect(assignmentCandidates(deskFirst, { country: 'FR' }, everyoneAvailable).fallback).toBe(
        'no_rule_matched',
      );
    });

    it('ignores the filters of fallback reps built by hand: the fallback takes anything', () => {
      const handMade: SalesTeamConfig = {
        ...config,
        teams: config.teams.map((team) =>
          team.id === 'desk' ? { ...team, reps: [{ id: 'fay@acme.example', territories: ['GB'] }] } : team,
        ),
      };
      expect(assignmentCandidates(handMade, { country: 'FR' }, everyoneAvailable).reps).toEqual([
        'fay@acme.example',
      ]);
    });
  });

  describe('nextInRotation', () => {
    const config = validConfig();
    const dach = teamOf(config, 'dach') as SalesTeam;
    const [ana, ben, cleo] = dach.reps.map(({ id }) => id);

    it('starts with the first candidate when nobody had a lead yet, or the last one is no longer on the team', () => {
      expect(nextInRotation(dach, [ben, cleo], undefined)).toBe(ben);
      expect(nextInRotation(dach, [ben, cleo], 'left@acme.example')).toBe(ben);
    });

    it("takes the first candidate after the last rep in the team's order, wrapping around", () => {
      expect(nextInRotation(dach, [ana, ben, cleo], ana)).toBe(ben);
      expect(nextInRotation(dach, [ana, ben, cleo], cleo)).toBe(ana);
      expect(nextInRotation(dach, [ana, cleo], ana)).toBe(cleo);
      expect(nextInRotation(dach, [ana, ben], ben)).toBe(ana);
      expect(nextInRotation(dach, [ben], ben)).toBe(ben);
    });

    it('spreads 1,000 leads over 3 reps as 334/333/333', () => {
      const counts = new Map<string, number>();
      let last: string | undefined;
      for (let lead = 0; lead < 1000; lead++) {
        last = nextInRotation(dach, [ana, ben, cleo], last);
        counts.set(last, (counts.get(last) ?? 0) + 1);
      }
      expect(Object.fromEntries(counts)).toEqual({ [ana]: 334, [ben]: 333, [cleo]: 333 });
    });

    it('alternates between the other two while one rep is away', () => {
      const picks: string[] = [];
      let last: string | undefined = ana;
      for (let lead = 0; lead < 6; lead++) {
        last = nextInRotation(dach, [ana, cleo], last);
        picks.push(last);
      }
      expect(picks).toEqual([cleo, ana, cleo, ana, cleo, ana]);
    });

    it('is deterministic and changes nothing', () => {
      const candidates = Object.freeze([ben, cleo]);
      const answers = Array.from({ length: 10 }, () => nextInRotation(dach, candidates, ana));
      expect(new Set(answers)).toEqual(new Set([ben]));
      expect(candidates).toEqual([ben, cleo]);
      expect(dach.reps.map(({ id }) => id)).toEqual([ana, ben, cleo]);
    });

    it('refuses to pick from nobody', () => {
      expect(() => nextInRotation(dach, [], ana)).toThrow(RangeError);
    });
  });

  describe('teamOf and teamOfRep', () => {
    const config = validConfig();

    it('find a team by its id, and the one team a rep is on', () => {
      expect(teamOf(config, 'americas')?.id).toBe('americas');
      expect(teamOf(config, 'emea')).toBeUndefined();
      expect(teamOfRep(config, 'cleo@acme.example')?.id).toBe('dach');
      expect(teamOfRep(config, 'gus@acme.example')?.id).toBe('desk');
      expect(teamOfRep(config, 'zoe@acme.example')).toBeUndefined();
    });
  });
});
