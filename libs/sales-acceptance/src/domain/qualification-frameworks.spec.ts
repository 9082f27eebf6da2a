import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { expectOnlyConfigurationErrors } from '@leadledger/testing';
import {
  InvalidQualificationConfigError,
  frameworkById,
  frameworkFor,
  frameworkStatus,
  parseQualificationConfig,
  type QualificationConfig,
  type QualificationFramework,
} from './qualification-frameworks';
import { parseSalesTeamConfig } from './sales-team';

const CONFIG_DIRECTORY = join(__dirname, '../../../../config');
const SOURCE = 'config/qualification.json';
const SEGMENTS = ['smb', 'mid-market', 'enterprise'] as const;

interface CriterionDocument {
  id: unknown;
  carries?: unknown;
}

/** A small valid document; each case below breaks one thing in a copy of it. */
function validDocument() {
  return {
    version: '2026-11-a',
    frameworks: [
      {
        id: 'bant',
        criteria: [
          { id: 'budget', carries: 'amount' },
          { id: 'authority' },
          { id: 'need' },
          { id: 'timeline', carries: 'date' },
        ] as CriterionDocument[],
        minimumMet: 3 as unknown,
      },
      {
        id: 'pain-interest-fit',
        criteria: [{ id: 'pain' }, { id: 'interest' }, { id: 'fit' }] as CriterionDocument[],
        minimumMet: 3 as unknown,
      },
    ],
    bySegment: { smb: 'pain-interest-fit', enterprise: 'bant' } as Record<string, unknown>,
    defaultFramework: 'bant',
    conversion: 'on_request' as unknown,
  };
}

type Document = ReturnType<typeof validDocument>;

function parsed(change: (document: Document) => void = () => undefined): QualificationConfig {
  const document = validDocument();
  change(document);
  return parseQualificationConfig(document, SOURCE, SEGMENTS);
}

/** Given a document broken by `change`, when it is parsed: the error it is refused with. */
function given(change: (document: Document) => void) {
  const document = validDocument();
  change(document);
  return {
    thenRefused: (message: string) => {
      const parse = () => parseQualificationConfig(document, SOURCE, SEGMENTS);
      expect(parse).toThrow(InvalidQualificationConfigError);
      expect(parse).toThrow(message);
    },
  };
}

describe('qualification config', () => {
  describe('the real config/qualification.json', () => {
    const team = parseSalesTeamConfig(
      JSON.parse(readFileSync(join(CONFIG_DIRECTORY, 'sales-team.json'), 'utf8')),
      'config/sales-team.json',
    );
    const config = parseQualificationConfig(
      JSON.parse(readFileSync(join(CONFIG_DIRECTORY, 'qualification.json'), 'utf8')),
      SOURCE,
      team.sizeBands.map(({ id }) => id),
    );

    it('parses with BANT (3 of 4) and pain-interest-fit (3 of 3), converting on request', () => {
      expect(frameworkById(config, 'bant')).toEqual({
        id: 'bant',
        criteria: [
          { id: 'budget', carries: 'amount' },
          { id: 'authority' },
          { id: 'need' },
          { id: 'timeline', carries: 'date' },
        ],
        minimumMet: 3,
      });
      expect(frameworkById(config, 'pain-interest-fit')).toEqual({
        id: 'pain-interest-fit',
        criteria: [{ id: 'pain' }, { id: 'interest' }, { id: 'fit' }],
        minimumMet: 3,
      });
      expect(config.conversion).toBe('on_request');
    });

    it('qualifies small businesses by pain-interest-fit and everyone else by BANT', () => {
      expect(frameworkFor(config, 'smb').id).toBe('pain-interest-fit');
      expect(frameworkFor(config, 'mid-market').id).toBe('bant');
      expect(frameworkFor(config, 'enterprise').id).toBe('bant');
      expect(frameworkFor(config, undefined).id).toBe('bant');
    });
  });

  describe('parsing', () => {
    it('keeps what the document says, in a lookup with no prototype', () => {
      const config = parsed();
      expect(config.version).toBe('2026-11-a');
      expect(config.defaultFramework).toBe('bant');
      expect({ ...config.bySegment }).toEqual({ smb: 'pain-interest-fit', enterprise: 'bant' });
      expect(Object.getPrototypeOf(config.bySegment)).toBeNull();
    });

    it('accepts automatic conversion, an empty bySegment, and one criterion met of one', () => {
      expect(
        parsed((document) => {
          document.conversion = 'automatic';
          document.bySegment = {};
          document.frameworks[1].criteria = [{ id: 'fit' }];
          document.frameworks[1].minimumMet = 1;
        }).conversion,
      ).toBe('automatic');
    });

    it('names the file and every issue, each in the error and in its list', () => {
      const document = validDocument();
      document.defaultFramework = 'meddicc';
      document.conversion = 'never';
      const parse = () => parseQualificationConfig(document, SOURCE, SEGMENTS);
      expect(parse).toThrow(
        `${SOURCE}: conversion must be one of the following values: automatic, on_request`,
      );
      document.conversion = 'automatic';
      try {
        parse();
        throw new Error('not refused');
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidQualificationConfigError);
        expect((error as InvalidQualificationConfigError).issues).toEqual([
          'defaultFramework "meddicc" is no framework (bant, pain-interest-fit)',
        ]);
        expect((error as Error).message).toBe(
          `${SOURCE}: defaultFramework "meddicc" is no framework (bant, pain-interest-fit)`,
        );
      }
    });
  });

  describe('refuses', () => {
    it.each([
      ['null', null],
      ['an array', []],
      ['a string', 'bant'],
      ['a boolean', true],
    ])('a document that is %s', (_name, raw) => {
      expect(() => parseQualificationConfig(raw, SOURCE, SEGMENTS)).toThrow(
        `${SOURCE}: the config must be an object`,
      );
    });

    it('fields it does not know, at any level', () => {
      given((document) => Object.assign(document, { meddicc: true })).thenRefused('meddicc should not exist');
      given((document) => Object.assign(document.frameworks[0], { label: 'BANT' })).thenRefused(
        'frameworks[0] "bant": label should not exist',
      );
      given((document) => Object.assign(document.frameworks[0].criteria[0], { weight: 2 })).thenRefused(
        'frameworks[0] "bant": criteria[0].weight should not exist',
      );
    });

    it('a missing version', () => {
      given((document) => delete (document as Partial<Document>).version).thenRefused(
        'version must be a string',
      );
    });

    describe('frameworks', () => {
      it('none, or items that are no objects', () => {
        given((document) => (document.frameworks = [])).thenRefused('frameworks should not be empty');
        given((document) => Object.assign(document, { frameworks: 'bant' })).thenRefused(
          `${SOURCE}: frameworks must be an array`,
        );
        given((document) => Object.assign(document.frameworks, { 1: ['pain'] })).thenRefused(
          `${SOURCE}: frameworks[1] must be an object`,
        );
      });

      it('with an id that is no lower-case slug, or one used twice', () => {
        given((document) => (document.frameworks[0].id = 'BANT')).thenRefused(
          'frameworks[0] "BANT": id must be lower-case letters, digits and hyphens, starting with a letter, up to 50',
        );
        given((document) => (document.frameworks[1].id = 'bant')).thenRefused(
          'frameworks[1] "bant": id is already used by frameworks[0]',
        );
      });

      it('without criteria, or with more than a LeadQualified can carry', () => {
        given((document) => (document.frameworks[0].criteria = [])).thenRefused(
          'frameworks[0] "bant": criteria should not be empty',
        );
        given(
          (document) =>
            (document.frameworks[0].criteria = Array.from({ length: 51 }, (_, index) => ({
              id: `c${index}`,
            }))),
        ).thenRefused('frameworks[0] "bant": criteria must contain no more than 50 elements');
      });

      it('with a minimum met below 1, above its criteria, or fractional', () => {
        given((document) => (document.frameworks[0].minimumMet = 0)).thenRefused(
          'frameworks[0] "bant": minimumMet must not be less than 1',
        );
        given((document) => (document.frameworks[0].minimumMet = 5)).thenRefused(
          'frameworks[0] "bant": minimumMet 5 is more than its 4 criteria: no lead could ever qualify',
        );
        given((document) => (document.frameworks[0].minimumMet = 2.5)).thenRefused(
          'frameworks[0] "bant": minimumMet must be an integer number',
        );
      });
    });

    describe('criteria', () => {
      it('with an id that is no lower-case identifier', () => {
        given((document) => (document.frameworks[0].criteria[1].id = 'Decision Maker')).thenRefused(
          'frameworks[0] "bant": criteria[1].id must be lower-case letters, digits, _ and -, starting with a letter, up to 100',
        );
        given((document) => (document.frameworks[0].criteria[1].id = 'a'.repeat(101))).thenRefused(
          'frameworks[0] "bant": criteria[1].id must be lower-case letters',
        );
      });

      it('listed twice in a framework', () => {
        given((document) => (document.frameworks[0].criteria[2].id = 'authority')).thenRefused(
          'frameworks[0] "bant": criteria[2] "authority" is already criteria[1]',
        );
      });

      it('carrying something other than an amount or a date', () => {
        given((document) => (document.frameworks[0].criteria[1].carries = 'person')).thenRefused(
          'frameworks[0] "bant": criteria[1].carries must be one of the following values: amount, date',
        );
        given((document) => (document.frameworks[0].criteria[1].carries = null)).thenRefused(
          'frameworks[0] "bant": criteria[1].carries must be one of the following values: amount, date',
        );
      });

      it('carrying an amount, or a date, where another criterion already does', () => {
        given((document) => (document.frameworks[0].criteria[2].carries = 'amount')).thenRefused(
          'frameworks[0] "bant": criteria[2] "need" carries amount, as criteria[0] "budget" does already: ' +
            'at most one criterion carries amount',
        );
        given((document) => (document.frameworks[0].criteria[1].carries = 'date')).thenRefused(
          'frameworks[0] "bant": criteria[3] "timeline" carries date, as criteria[1] "authority" does already: ' +
            'at most one criterion carries date',
        );
      });
    });

    describe('bySegment and the default', () => {
      it('a segment that is no size band of the sales team config', () => {
        given((document) => (document.bySegment['startup'] = 'bant')).thenRefused(
          'bySegment.startup: "startup" is not a size band of the sales team config (smb, mid-market, enterprise)',
        );
      });

      it('a framework that is not there, or no framework id at all', () => {
        given((document) => (document.bySegment['enterprise'] = 'meddicc')).thenRefused(
          'bySegment.enterprise "meddicc" is no framework (bant, pain-interest-fit)',
        );
        given((document) => (document.bySegment['enterprise'] = ['bant'])).thenRefused(
          'bySegment.enterprise must be a framework id (bant, pain-interest-fit)',
        );
        given((document) => (document.defaultFramework = 'meddicc')).thenRefused(
          'defaultFramework "meddicc" is no framework (bant, pain-interest-fit)',
        );
      });

      it('a bySegment that is no object, or no default', () => {
        given((document) => Object.assign(document, { bySegment: ['smb'] })).thenRefused(
          'bySegment must be an object',
        );
        given((document) => delete (document as Partial<Document>).defaultFramework).thenRefused(
          'defaultFramework must be a string',
        );
      });

      it('a segment named __proto__ or constructor, without touching any prototype', () => {
        const raw = JSON.parse(
          JSON.stringify(validDocument()).replace(
            '"bySegment":{',
            '"bySegment":{"__proto__":{"polluted":"bant"},',
          ),
        );
        expect(() => parseQualificationConfig(raw, SOURCE, [...SEGMENTS, '__proto__'])).toThrow(
          `${SOURCE}: bySegment.__proto__ is a reserved name, never a field`,
        );
        given((document) =>
          Object.assign(document.bySegment, JSON.parse('{"constructor": "bant"}')),
        ).thenRefused('bySegment.constructor is a reserved name, never a field');
        expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
      });
    });

    it('hostile JSON with nothing but an InvalidQualificationConfigError', () => {
      const paths: readonly (readonly (string | number)[])[] = [
        [],
        ['version'],
        ['frameworks'],
        ['frameworks', 0],
        ['frameworks', 0, 'id'],
        ['frameworks', 0, 'criteria'],
        ['frameworks', 0, 'criteria', 1],
        ['frameworks', 0, 'criteria', 1, 'id'],
        ['frameworks', 0, 'criteria', 1, 'carries'],
        ['frameworks', 0, 'minimumMet'],
        ['bySegment'],
        ['bySegment', 'smb'],
        ['defaultFramework'],
        ['conversion'],
      ];
      expectOnlyConfigurationErrors({
        validDocument,
        paths,
        parse: (document) => parseQualificationConfig(document, SOURCE, SEGMENTS),
        errorClass: InvalidQualificationConfigError,
        source: SOURCE,
      });
    });
  });

  describe('frameworkFor and frameworkById', () => {
    const config = parsed();

    it("takes the segment's framework, else the default", () => {
      expect(frameworkFor(config, 'smb').id).toBe('pain-interest-fit');
      expect(frameworkFor(config, 'enterprise').id).toBe('bant');
      expect(frameworkFor(config, 'mid-market').id).toBe('bant');
      expect(frameworkFor(config, undefined).id).toBe('bant');
      expect(frameworkFor(config, 'startup').id).toBe('bant');
    });

    it('reads a segment named like an Object member as one without a framework of its own', () => {
      for (const segment of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
        expect(frameworkFor(config, segment).id).toBe('bant');
      }
      const handMade: QualificationConfig = { ...config, bySegment: { smb: 'pain-interest-fit' } };
      expect(frameworkFor(handMade, 'constructor').id).toBe('bant');
    });

    it('finds a framework by its id', () => {
      expect(frameworkById(config, 'pain-interest-fit')?.minimumMet).toBe(3);
      expect(frameworkById(config, 'meddicc')).toBeUndefined();
    });
  });

  describe('frameworkStatus', () => {
    const config = parsed();
    const bant = frameworkById(config, 'bant') as QualificationFramework;
    const painInterestFit = frameworkById(config, 'pain-interest-fit') as QualificationFramework;

    it('BANT is satisfied by any 3 of its 4 criteria', () => {
      expect(
        frameworkStatus(bant, { budget: 'met', authority: 'met', need: 'not_met', timeline: 'met' }),
      ).toEqual({ satisfied: true, met: ['budget', 'authority', 'timeline'], unmet: ['need'], missing: 0 });
      expect(
        frameworkStatus(bant, { budget: 'met', authority: 'met', need: 'met', timeline: 'met' }),
      ).toEqual({ satisfied: true, met: ['budget', 'authority', 'need', 'timeline'], unmet: [], missing: 0 });
    });

    it('BANT with 2 met lacks one; not met, unknown and absent all count as unmet, in framework order', () => {
      expect(
        frameworkStatus(bant, { timeline: 'met', need: 'unknown', budget: 'met', authority: 'not_met' }),
      ).toEqual({ satisfied: false, met: ['budget', 'timeline'], unmet: ['authority', 'need'], missing: 1 });
      expect(frameworkStatus(bant, {})).toEqual({
        satisfied: false,
        met: [],
        unmet: ['budget', 'authority', 'need', 'timeline'],
        missing: 3,
      });
      expect(frameworkStatus(bant, { budget: undefined, need: 'met' }).missing).toBe(2);
    });

    it('pain-interest-fit needs all 3', () => {
      expect(frameworkStatus(painInterestFit, { pain: 'met', interest: 'met', fit: 'unknown' })).toEqual({
        satisfied: false,
        met: ['pain', 'interest'],
        unmet: ['fit'],
        missing: 1,
      });
      expect(frameworkStatus(painInterestFit, { pain: 'met', interest: 'met', fit: 'met' })).toEqual({
        satisfied: true,
        met: ['pain', 'interest', 'fit'],
        unmet: [],
        missing: 0,
      });
    });

    it("ignores values of criteria the framework does not have, and reads no value from Object's members", () => {
      expect(frameworkStatus(painInterestFit, { budget: 'met', pain: 'met' }).met).toEqual(['pain']);
      const odd: QualificationFramework = { id: 'odd', criteria: [{ id: 'constructor' }], minimumMet: 1 };
      expect(frameworkStatus(odd, {})).toEqual({
        satisfied: false,
        met: [],
        unmet: ['constructor'],
        missing: 1,
      });
    });
  });
});
