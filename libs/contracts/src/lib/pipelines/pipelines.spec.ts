import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { FORECAST_CATEGORIES } from '../events/opportunity-events';
import {
  InvalidPipelinesConfigError,
  confidenceOf,
  describeCriterion,
  firstStage,
  lostStage,
  parsePipelinesConfig,
  pipelineById,
  stageIndex,
  stageOf,
  unmetExitCriteria,
  wonStage,
  type OpportunityFacts,
  type Pipeline,
  type PipelinesConfig,
  type Stage,
} from './pipelines';

const SHIPPED_PATH = join(__dirname, '../../../../../config/pipelines.json');
const SOURCE = 'config/pipelines.json';

interface CriterionDocument {
  requires?: unknown;
  evidence?: unknown;
  description?: unknown;
}

interface StageDocument {
  id: unknown;
  probability: unknown;
  forecastCategory: unknown;
  exitCriteria?: unknown[];
  outcome?: unknown;
}

const won = (): StageDocument => ({
  id: 'closed_won',
  probability: 100,
  forecastCategory: 'closed',
  outcome: 'won',
});
const lost = (): StageDocument => ({
  id: 'closed_lost',
  probability: 0,
  forecastCategory: 'omitted',
  outcome: 'lost',
});

/** A small valid document; each case below breaks one thing in a copy of it. */
function validDocument() {
  return {
    version: '2026-11-1',
    pipelines: [
      {
        id: 'new-business',
        name: 'New business',
        stages: [
          { id: 'discovery', probability: 10, forecastCategory: 'pipeline', exitCriteria: [] },
          {
            id: 'proposal',
            probability: 50,
            forecastCategory: 'best_case',
            exitCriteria: [{ requires: 'amount' }] as CriterionDocument[],
          },
          {
            id: 'negotiation',
            probability: 80,
            forecastCategory: 'commit',
            exitCriteria: [
              { evidence: 'authority', description: 'an identified decision maker' },
            ] as CriterionDocument[],
          },
          won(),
          lost(),
        ] as StageDocument[],
        defaultCloseDays: 90 as unknown,
      },
      {
        id: 'renewal',
        name: 'Renewal',
        stages: [
          { id: 'renewal-review', probability: 60, forecastCategory: 'best_case' },
          won(),
          lost(),
        ] as StageDocument[],
        defaultCloseDays: 60 as unknown,
      },
    ],
    defaultPipeline: 'new-business',
  };
}

type Document = ReturnType<typeof validDocument>;

function parsed(change: (document: Document) => void = () => undefined): PipelinesConfig {
  const document = validDocument();
  change(document);
  return parsePipelinesConfig(document, SOURCE);
}

/** Given a document broken by `change`, when it is parsed: the error it is refused with. */
function given(change: (document: Document) => void) {
  const document = validDocument();
  change(document);
  return {
    thenRefused: (message: string) => {
      const parse = () => parsePipelinesConfig(document, SOURCE);
      expect(parse).toThrow(InvalidPipelinesConfigError);
      expect(parse).toThrow(message);
    },
  };
}

/** The stages of the first pipeline, new-business, for cases that change them. */
const newBusiness = (document: Document) => document.pipelines[0].stages;

function pipelineOf(config: PipelinesConfig, id: string): Pipeline {
  const pipeline = pipelineById(config, id);
  if (!pipeline) throw new Error(`no pipeline ${id}`);
  return pipeline;
}

function stageIn(pipeline: Pipeline, id: string): Stage {
  const stage = stageOf(pipeline, id);
  if (!stage) throw new Error(`no stage ${id}`);
  return stage;
}

describe('pipelines config', () => {
  describe('the shipped config/pipelines.json', () => {
    const config = parsePipelinesConfig(JSON.parse(readFileSync(SHIPPED_PATH, 'utf8')), SOURCE);

    it('opens conversions in new business: discovery, proposal, negotiation, then won or lost', () => {
      expect(config.version).toBe('2026-11-1');
      expect(config.defaultPipeline).toBe('new-business');
      expect(pipelineOf(config, 'new-business')).toEqual({
        id: 'new-business',
        name: 'New business',
        stages: [
          { id: 'discovery', probability: 10, forecastCategory: 'pipeline', exitCriteria: [] },
          {
            id: 'proposal',
            probability: 50,
            forecastCategory: 'best_case',
            exitCriteria: [{ kind: 'field', field: 'amount' }],
          },
          {
            id: 'negotiation',
            probability: 80,
            forecastCategory: 'commit',
            exitCriteria: [
              { kind: 'evidence', criterion: 'authority', description: 'an identified decision maker' },
            ],
          },
          {
            id: 'closed_won',
            probability: 100,
            forecastCategory: 'closed',
            exitCriteria: [],
            outcome: 'won',
          },
          {
            id: 'closed_lost',
            probability: 0,
            forecastCategory: 'omitted',
            exitCriteria: [],
            outcome: 'lost',
          },
        ],
        defaultCloseDays: 90,
      });
    });

    it('renews through review and negotiation, closing within 60 days by default', () => {
      const renewal = pipelineOf(config, 'renewal');
      expect(
        renewal.stages.map(({ id, probability, forecastCategory }) => [id, probability, forecastCategory]),
      ).toEqual([
        ['renewal-review', 60, 'best_case'],
        ['renewal-negotiation', 90, 'commit'],
        ['closed_won', 100, 'closed'],
        ['closed_lost', 0, 'omitted'],
      ]);
      expect(renewal.defaultCloseDays).toBe(60);
    });

    it('lets an opportunity leave discovery freely, proposal with an amount, negotiation with authority', () => {
      const pipeline = pipelineOf(config, 'new-business');
      const nothingKnown: OpportunityFacts = {
        hasAmount: false,
        hasExpectedCloseDate: false,
        evidenceMet: new Set(),
      };
      expect(unmetExitCriteria(stageIn(pipeline, 'discovery'), nothingKnown)).toEqual([]);
      expect(unmetExitCriteria(stageIn(pipeline, 'proposal'), nothingKnown)).toEqual(['amount']);
      expect(unmetExitCriteria(stageIn(pipeline, 'negotiation'), nothingKnown)).toEqual([
        'evidence: authority (an identified decision maker)',
      ]);
    });
  });

  describe('parsing', () => {
    it('keeps what the document says; an absent exitCriteria is none, and only closing stages have an outcome', () => {
      const config = parsed();
      const renewal = pipelineOf(config, 'renewal');
      expect(renewal.stages[0]).toEqual({
        id: 'renewal-review',
        probability: 60,
        forecastCategory: 'best_case',
        exitCriteria: [],
      });
      expect('outcome' in renewal.stages[0]).toBe(false);
      expect(wonStage(renewal).outcome).toBe('won');
    });

    it('reads an evidence criterion without a description, and one requiring the expected close date', () => {
      const config = parsed((document) => {
        newBusiness(document)[1].exitCriteria = [{ requires: 'expectedCloseDate' }, { evidence: 'budget' }];
      });
      expect(stageIn(pipelineOf(config, 'new-business'), 'proposal').exitCriteria).toEqual([
        { kind: 'field', field: 'expectedCloseDate' },
        { kind: 'evidence', criterion: 'budget' },
      ]);
    });

    it('accepts the lost stage before the won one, equal probabilities, and open stages omitted', () => {
      const config = parsed((document) => {
        document.pipelines[1].stages = [
          { id: 'review', probability: 60, forecastCategory: 'omitted' },
          { id: 'negotiation', probability: 60, forecastCategory: 'commit' },
          lost(),
          won(),
        ];
      });
      expect(stageIndex(pipelineOf(config, 'renewal'), 'closed_lost')).toBe(2);
    });

    it('names the file and every issue, each in the error and in its list', () => {
      const document = validDocument();
      document.defaultPipeline = 'upsell';
      newBusiness(document)[2].probability = 40;
      try {
        parsePipelinesConfig(document, SOURCE);
        throw new Error('not refused');
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidPipelinesConfigError);
        const issues = [
          'pipelines[0] "new-business": stages[2] "negotiation": probability 40 is below the 50 of ' +
            'stages[1] "proposal" before it: open stages\' probabilities must not decrease along the order',
          'defaultPipeline "upsell" is no pipeline (new-business, renewal)',
        ];
        expect((error as InvalidPipelinesConfigError).issues).toEqual(issues);
        expect((error as InvalidPipelinesConfigError).source).toBe(SOURCE);
        expect((error as Error).message).toBe(`${SOURCE}: ${issues.join('; ')}`);
        expect((error as Error).name).toBe('InvalidPipelinesConfigError');
      }
    });
  });

  describe('refuses', () => {
    it.each([
      ['null', null],
      ['an array', []],
      ['an array in an array', [[]]],
      ['a string', 'new-business'],
      ['a number', 42],
    ])('a document that is %s', (_name, raw) => {
      expect(() => parsePipelinesConfig(raw, SOURCE)).toThrow(`${SOURCE}: the config must be an object`);
    });

    it('fields it does not know, at any level', () => {
      given((document) => Object.assign(document, { stages: [] })).thenRefused('stages should not exist');
      given((document) => Object.assign(document.pipelines[0], { currency: 'EUR' })).thenRefused(
        'pipelines[0] "new-business": currency should not exist',
      );
      given((document) => Object.assign(newBusiness(document)[2], { color: 'red' })).thenRefused(
        'pipelines[0] "new-business": stages[2] "negotiation": color should not exist',
      );
      given((document) =>
        Object.assign(newBusiness(document)[1].exitCriteria?.[0] as object, { min: 1 }),
      ).thenRefused(
        'pipelines[0] "new-business": stages[1] "proposal": exitCriteria[0].min should not exist',
      );
    });

    it('__proto__ and constructor keys, without touching any prototype', () => {
      const raw = JSON.parse(
        JSON.stringify(validDocument()).replace(
          '"id":"discovery",',
          '"__proto__":{"polluted":true},"id":"discovery",',
        ),
      );
      expect(() => parsePipelinesConfig(raw, SOURCE)).toThrow(
        `${SOURCE}: pipelines[0] "new-business": stages[0] "discovery": __proto__ is a reserved name, never a field`,
      );
      given((document) => Object.assign(document, JSON.parse('{"constructor": {}}'))).thenRefused(
        'constructor is a reserved name, never a field',
      );
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

    describe('pipelines', () => {
      it('none, more than 20, or items that are no objects', () => {
        given((document) => (document.pipelines = [])).thenRefused(
          `${SOURCE}: pipelines should not be empty`,
        );
        given((document) =>
          document.pipelines.push(
            ...Array.from({ length: 19 }, (_, index) => ({
              ...validDocument().pipelines[1],
              id: `pipeline-${index}`,
            })),
          ),
        ).thenRefused(`${SOURCE}: pipelines must contain no more than 20 elements`);
        given((document) => Object.assign(document, { pipelines: { id: 'new-business' } })).thenRefused(
          `${SOURCE}: pipelines must be an array`,
        );
        given((document) => Object.assign(document.pipelines, { 1: [[]] })).thenRefused(
          `${SOURCE}: pipelines[1] must be an object`,
        );
      });

      it('with an id that is no lower-case slug, or one used twice', () => {
        given((document) => (document.pipelines[0].id = 'New_Business')).thenRefused(
          'pipelines[0] "New_Business": id must be lower-case letters, digits and hyphens, starting with a letter, up to 50',
        );
        given((document) => (document.pipelines[1].id = 'n'.repeat(51))).thenRefused(
          'id must be lower-case letters, digits and hyphens',
        );
        given((document) => (document.pipelines[1].id = 'new-business')).thenRefused(
          'pipelines[1] "new-business": id is already used by pipelines[0]',
        );
      });

      it('without a name', () => {
        given((document) => (document.pipelines[1].name = '')).thenRefused(
          'pipelines[1] "renewal": name must be longer than or equal to 1 characters',
        );
      });

      it('with default close days outside 1 to 3650, or fractional', () => {
        given((document) => (document.pipelines[0].defaultCloseDays = 0)).thenRefused(
          'pipelines[0] "new-business": defaultCloseDays must not be less than 1',
        );
        given((document) => (document.pipelines[0].defaultCloseDays = 3651)).thenRefused(
          'pipelines[0] "new-business": defaultCloseDays must not be greater than 3650',
        );
        given((document) => (document.pipelines[0].defaultCloseDays = 1.5)).thenRefused(
          'pipelines[0] "new-business": defaultCloseDays must be an integer number',
        );
        given((document) => (document.pipelines[0].defaultCloseDays = '90')).thenRefused(
          'pipelines[0] "new-business": defaultCloseDays must be an integer number',
        );
      });

      it('a default pipeline that is not there, or no pipeline id at all', () => {
        given((document) => (document.defaultPipeline = 'upsell')).thenRefused(
          `${SOURCE}: defaultPipeline "upsell" is no pipeline (new-business, renewal)`,
        );
        given((document) => Object.assign(document, { defaultPipeline: ['new-business'] })).thenRefused(
          `${SOURCE}: defaultPipeline must be a string`,
        );
      });
    });

    describe('stages', () => {
      it('more than 30, items that are no objects, or no list at all', () => {
        given((document) =>
          newBusiness(document).splice(
            1,
            0,
            ...Array.from({ length: 26 }, (_, index) => ({
              id: `step-${index}`,
              probability: 20,
              forecastCategory: 'pipeline',
            })),
          ),
        ).thenRefused('pipelines[0] "new-business": stages must contain no more than 30 elements');
        given((document) => Object.assign(newBusiness(document), { 1: 'proposal' })).thenRefused(
          'pipelines[0] "new-business": stages[1] must be an object',
        );
        given((document) => Object.assign(document.pipelines[1], { stages: 'renewal-review' })).thenRefused(
          'pipelines[1] "renewal": stages must be an array',
        );
      });

      it('with an id that is no lower-case identifier, or one used twice in a pipeline', () => {
        given((document) => (newBusiness(document)[1].id = 'Proposal')).thenRefused(
          'pipelines[0] "new-business": stages[1] "Proposal": id must be lower-case letters, digits, _ and -, starting with a letter, up to 50',
        );
        given((document) => (newBusiness(document)[2].id = 'proposal')).thenRefused(
          'pipelines[0] "new-business": stages[2] "proposal": id is already used by stages[1]',
        );
      });

      it('with a probability outside 0 to 100, or fractional', () => {
        given((document) => (newBusiness(document)[2].probability = 101)).thenRefused(
          `${SOURCE}: pipelines[0] "new-business": stages[2] "negotiation": probability must not be greater than 100`,
        );
        given((document) => (newBusiness(document)[0].probability = -1)).thenRefused(
          'pipelines[0] "new-business": stages[0] "discovery": probability must not be less than 0',
        );
        given((document) => (newBusiness(document)[0].probability = 10.5)).thenRefused(
          'pipelines[0] "new-business": stages[0] "discovery": probability must be an integer number',
        );
      });

      it('with a forecast category or an outcome it does not know', () => {
        given((document) => (newBusiness(document)[0].forecastCategory = 'upside')).thenRefused(
          'pipelines[0] "new-business": stages[0] "discovery": forecastCategory must be one of the following ' +
            'values: pipeline, best_case, commit, closed, omitted',
        );
        given((document) => (newBusiness(document)[3].outcome = 'closed')).thenRefused(
          'pipelines[0] "new-business": stages[3] "closed_won": outcome must be one of the following values: won, lost',
        );
        given((document) => (newBusiness(document)[3].outcome = null)).thenRefused(
          'stages[3] "closed_won": outcome must be one of the following values: won, lost',
        );
      });

      it('an open stage at 100, or forecast as closed', () => {
        given((document) => (newBusiness(document)[2].probability = 100)).thenRefused(
          'pipelines[0] "new-business": stages[2] "negotiation": probability 100 is the won stage\'s; ' +
            'an open stage is below 100',
        );
        given((document) => (newBusiness(document)[2].forecastCategory = 'closed')).thenRefused(
          'pipelines[0] "new-business": stages[2] "negotiation": forecastCategory "closed" is the won stage\'s; ' +
            'an open stage is not closed yet',
        );
      });

      it("an open stage less probable than the one before it, whatever closing stages' probabilities are", () => {
        given((document) => (newBusiness(document)[1].probability = 5)).thenRefused(
          'pipelines[0] "new-business": stages[1] "proposal": probability 5 is below the 10 of ' +
            'stages[0] "discovery" before it: open stages\' probabilities must not decrease along the order',
        );
      });

      it('a pipeline without an open stage', () => {
        given((document) => (document.pipelines[1].stages = [won(), lost()])).thenRefused(
          'pipelines[1] "renewal": has no open stage: an opportunity opens in the first stage, which is ' +
            'neither won nor lost',
        );
      });

      it('a pipeline without a won or without a lost stage, or with two of either', () => {
        given((document) => document.pipelines[1].stages.splice(1, 1)).thenRefused(
          'pipelines[1] "renewal": has no won stage (outcome "won")',
        );
        given((document) => document.pipelines[1].stages.splice(2, 1)).thenRefused(
          'pipelines[1] "renewal": has no lost stage (outcome "lost")',
        );
        given((document) => document.pipelines[1].stages.push({ ...won(), id: 'renewed' })).thenRefused(
          'pipelines[1] "renewal": stages[3] "renewed" is a second won stage, after stages[1] "closed_won": ' +
            'a pipeline has exactly one',
        );
        given((document) => document.pipelines[1].stages.push({ ...lost(), id: 'churned' })).thenRefused(
          'pipelines[1] "renewal": stages[3] "churned" is a second lost stage, after stages[2] "closed_lost": ' +
            'a pipeline has exactly one',
        );
      });

      it('a closing stage before an open one', () => {
        given((document) => {
          const stages = document.pipelines[1].stages;
          document.pipelines[1].stages = [stages[1], stages[0], stages[2]];
        }).thenRefused(
          'pipelines[1] "renewal": stages[0] "closed_won" is a closing stage before the open stage ' +
            'stages[1] "renewal-review": the won and lost stages come last',
        );
      });

      it('a won stage not at 100, not closed, or with exit criteria', () => {
        given((document) => (newBusiness(document)[3].probability = 90)).thenRefused(
          'pipelines[0] "new-business": stages[3] "closed_won": a won stage has probability 100, not 90',
        );
        given((document) => (newBusiness(document)[3].forecastCategory = 'commit')).thenRefused(
          'pipelines[0] "new-business": stages[3] "closed_won": a won stage has forecastCategory "closed", ' +
            'not "commit"',
        );
        given((document) => (newBusiness(document)[3].exitCriteria = [{ requires: 'amount' }])).thenRefused(
          'pipelines[0] "new-business": stages[3] "closed_won": a won stage has no exitCriteria: no stage follows it',
        );
      });

      it('a lost stage not at 0, not omitted, or with exit criteria', () => {
        given((document) => (newBusiness(document)[4].probability = 10)).thenRefused(
          'pipelines[0] "new-business": stages[4] "closed_lost": a lost stage has probability 0, not 10',
        );
        given((document) => (newBusiness(document)[4].forecastCategory = 'pipeline')).thenRefused(
          'stages[4] "closed_lost": a lost stage has forecastCategory "omitted", not "pipeline"',
        );
        given((document) => (newBusiness(document)[4].exitCriteria = [{ evidence: 'need' }])).thenRefused(
          'stages[4] "closed_lost": a lost stage has no exitCriteria: no stage follows it',
        );
      });
    });

    describe('exit criteria', () => {
      const proposal = (document: Document) => newBusiness(document)[1];

      it('more than 10, items that are no objects, or no list', () => {
        given(
          (document) =>
            (proposal(document).exitCriteria = Array.from({ length: 11 }, (_, index) => ({
              evidence: `criterion-${index}`,
            }))),
        ).thenRefused(
          'pipelines[0] "new-business": stages[1] "proposal": exitCriteria must contain no more than 10 elements',
        );
        given((document) => (proposal(document).exitCriteria = [{ requires: 'amount' }, []])).thenRefused(
          'pipelines[0] "new-business": stages[1] "proposal": exitCriteria[1] must be an object',
        );
        given((document) => Object.assign(proposal(document), { exitCriteria: null })).thenRefused(
          'pipelines[0] "new-business": stages[1] "proposal": exitCriteria must be an array',
        );
      });

      it('requiring a field an opportunity does not have', () => {
        given((document) => (proposal(document).exitCriteria = [{ requires: 'owner' }])).thenRefused(
          'pipelines[0] "new-business": stages[1] "proposal": exitCriteria[0].requires must be one of the ' +
            'following values: amount, expectedCloseDate',
        );
      });

      it('evidence that is no qualification criterion id, or a description that is empty', () => {
        given((document) => (proposal(document).exitCriteria = [{ evidence: 'Decision Maker' }])).thenRefused(
          'pipelines[0] "new-business": stages[1] "proposal": exitCriteria[0].evidence must be a qualification ' +
            'criterion id: lower-case letters, digits, _ and -, starting with a letter, up to 100',
        );
        given(
          (document) => (proposal(document).exitCriteria = [{ evidence: 'authority', description: '' }]),
        ).thenRefused(
          'stages[1] "proposal": exitCriteria[0].description must be longer than or equal to 1 characters',
        );
      });

      it('both requires and evidence, or neither', () => {
        given(
          (document) => (proposal(document).exitCriteria = [{ requires: 'amount', evidence: 'budget' }]),
        ).thenRefused(
          'pipelines[0] "new-business": stages[1] "proposal": exitCriteria[0] must have either requires ' +
            '(a field) or evidence (a qualification criterion), not both',
        );
        given((document) => (proposal(document).exitCriteria = [{ description: 'a budget' }])).thenRefused(
          'stages[1] "proposal": exitCriteria[0] must have either requires (a field) or evidence ' +
            '(a qualification criterion), found neither',
        );
      });

      it('a description of a required field', () => {
        given(
          (document) => (proposal(document).exitCriteria = [{ requires: 'amount', description: 'a price' }]),
        ).thenRefused(
          'stages[1] "proposal": exitCriteria[0].description describes evidence only; requires amount says it all',
        );
      });

      it('the same criterion twice in a stage', () => {
        given(
          (document) => (proposal(document).exitCriteria = [{ requires: 'amount' }, { requires: 'amount' }]),
        ).thenRefused('stages[1] "proposal": exitCriteria[1] requires amount is already exitCriteria[0]');
        given(
          (document) =>
            (proposal(document).exitCriteria = [
              { evidence: 'authority' },
              { evidence: 'authority', description: 'a signer' },
            ]),
        ).thenRefused(
          'stages[1] "proposal": exitCriteria[1] evidence "authority" is already exitCriteria[0]',
        );
      });
    });
  });

  describe('reading a pipeline', () => {
    const config = parsed();
    const pipeline = pipelineOf(config, 'new-business');

    it('finds pipelines and stages by id, and nothing for ids it does not have', () => {
      expect(pipelineById(config, 'renewal')?.name).toBe('Renewal');
      expect(pipelineById(config, 'upsell')).toBeUndefined();
      expect(stageOf(pipeline, 'proposal')?.probability).toBe(50);
      expect(stageOf(pipeline, 'renewal-review')).toBeUndefined();
      expect(stageOf(pipeline, 'constructor')).toBeUndefined();
    });

    it('knows where each stage sits in the order', () => {
      expect(pipeline.stages.map(({ id }) => stageIndex(pipeline, id))).toEqual([0, 1, 2, 3, 4]);
      expect(stageIndex(pipeline, 'qualification')).toBe(-1);
    });

    it('opens in the first stage, and closes in the won or the lost one', () => {
      expect(firstStage(pipeline).id).toBe('discovery');
      expect(wonStage(pipeline).id).toBe('closed_won');
      expect(lostStage(pipeline).id).toBe('closed_lost');
      expect(firstStage(pipelineOf(config, 'renewal')).id).toBe('renewal-review');
    });

    it('says so when a hand-made pipeline lacks the stage asked for', () => {
      const closedOnly: Pipeline = { ...pipeline, stages: pipeline.stages.slice(3) };
      expect(() => firstStage(closedOnly)).toThrow('pipeline "new-business" has no open stage');
      expect(() => firstStage({ ...pipeline, stages: [] })).toThrow('has no open stage');
      const openOnly: Pipeline = { ...pipeline, stages: pipeline.stages.slice(0, 3) };
      expect(() => wonStage(openOnly)).toThrow('pipeline "new-business" has no won stage');
      expect(() => lostStage(openOnly)).toThrow('pipeline "new-business" has no lost stage');
    });
  });

  describe('confidenceOf', () => {
    it('orders the categories omitted < pipeline < best_case < commit < closed', () => {
      const byConfidence = [...FORECAST_CATEGORIES].sort((a, b) => confidenceOf(a) - confidenceOf(b));
      expect(byConfidence).toEqual(['omitted', 'pipeline', 'best_case', 'commit', 'closed']);
      expect(byConfidence.map(confidenceOf)).toEqual([0, 1, 2, 3, 4]);
    });
  });

  describe('exit criteria', () => {
    const facts = (overrides: Partial<OpportunityFacts> = {}): OpportunityFacts => ({
      hasAmount: false,
      hasExpectedCloseDate: false,
      evidenceMet: new Set(),
      ...overrides,
    });
    const stageWith = (...exitCriteria: Stage['exitCriteria']): Stage => ({
      id: 'proposal',
      probability: 50,
      forecastCategory: 'best_case',
      exitCriteria,
    });
    const authority = {
      kind: 'evidence',
      criterion: 'authority',
      description: 'an identified decision maker',
    } as const;

    it('describes a field by its name, and evidence by its criterion and description', () => {
      expect(describeCriterion({ kind: 'field', field: 'amount' })).toBe('amount');
      expect(describeCriterion({ kind: 'field', field: 'expectedCloseDate' })).toBe('expectedCloseDate');
      expect(describeCriterion(authority)).toBe('evidence: authority (an identified decision maker)');
      expect(describeCriterion({ kind: 'evidence', criterion: 'need' })).toBe('evidence: need');
    });

    it('finds nothing unmet in a stage without criteria', () => {
      expect(unmetExitCriteria(stageWith(), facts())).toEqual([]);
    });

    it('lists what is unmet in the stage order, and leaves out what is met', () => {
      const stage = stageWith({ kind: 'field', field: 'amount' }, authority, {
        kind: 'field',
        field: 'expectedCloseDate',
      });
      expect(unmetExitCriteria(stage, facts())).toEqual([
        'amount',
        'evidence: authority (an identified decision maker)',
        'expectedCloseDate',
      ]);
      expect(unmetExitCriteria(stage, facts({ hasAmount: true, hasExpectedCloseDate: true }))).toEqual([
        'evidence: authority (an identified decision maker)',
      ]);
      expect(
        unmetExitCriteria(stage, facts({ hasExpectedCloseDate: true, evidenceMet: new Set(['authority']) })),
      ).toEqual(['amount']);
      expect(
        unmetExitCriteria(
          stage,
          facts({ hasAmount: true, hasExpectedCloseDate: true, evidenceMet: new Set(['authority']) }),
        ),
      ).toEqual([]);
    });

    it('counts only the evidence the stage asks for', () => {
      const stage = stageWith(authority);
      expect(unmetExitCriteria(stage, facts({ evidenceMet: new Set(['budget', 'need']) }))).toEqual([
        'evidence: authority (an identified decision maker)',
      ]);
    });

    it('names a criterion a hand-made stage lists twice only once', () => {
      const stage = stageWith(
        { kind: 'field', field: 'amount' },
        authority,
        { kind: 'evidence', criterion: 'authority' },
        { kind: 'field', field: 'amount' },
      );
      expect(unmetExitCriteria(stage, facts())).toEqual([
        'amount',
        'evidence: authority (an identified decision maker)',
      ]);
    });
  });
});
