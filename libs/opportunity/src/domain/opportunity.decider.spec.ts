import { describe, it } from '@jest/globals';
import type { OpportunityEvent } from '@leadledger/contracts';
import { DeciderSpecification } from '@leadledger/eventsourcing/testing';
import { DEFAULT_PIPELINES_PATH, loadPipelines } from '@leadledger/contracts';
import { opportunityDecider, type OpportunityCommand } from './opportunity.decider';
import { pipelineById } from '@leadledger/contracts';

const { config } = loadPipelines(DEFAULT_PIPELINES_PATH);
/** discovery 10 pipeline -> proposal 50 best_case (needs an amount) -> negotiation 80 commit (needs authority) -> won / lost. */
const newBusiness = (() => {
  const pipeline = pipelineById(config, 'new-business');
  if (!pipeline) throw new Error('config/pipelines.json has no new-business pipeline');
  return pipeline;
})();
const opportunityId = '7d1e5b2a-3c4f-4e6d-8a9b-0c1d2e3f4a5b';
const leadId = '0b9f3c56-54a5-4f7e-9a57-2f1f4b2d6c11';
const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' });

const opened = (
  more: Partial<Extract<OpportunityEvent, { type: 'OpportunityOpened' }>['data']> = {},
): OpportunityEvent => ({
  type: 'OpportunityOpened',
  data: {
    opportunityId,
    leadId,
    name: 'Kunde GmbH',
    owner: 'ana@acme.example',
    pipeline: 'new-business',
    stage: 'discovery',
    probability: 10,
    expectedCloseDate: '2027-03-31',
    forecastCategory: 'pipeline',
    ...more,
  },
});
const moved = (
  from: string,
  to: string,
  probability: number,
  forecastCategory: string,
  note?: string,
): OpportunityEvent => ({
  type: 'OpportunityStageChanged',
  data: {
    opportunityId,
    from,
    to,
    probability,
    forecastCategory: forecastCategory as never,
    ...(note ? { note } : {}),
  },
});
const move = (to: string, note?: string): OpportunityCommand => ({
  type: 'MoveStage',
  opportunityId,
  pipeline: newBusiness,
  to,
  ...(note ? { note } : {}),
});
const won: OpportunityEvent = {
  type: 'OpportunityWon',
  data: { opportunityId, amount: eur(12_500_000), closedOn: '2027-03-15' },
};

const { given } = DeciderSpecification.for(opportunityDecider);

describe('opportunity decider', () => {
  describe('Open', () => {
    const open: OpportunityCommand = {
      type: 'Open',
      opportunityId,
      leadId,
      name: 'Kunde GmbH',
      owner: 'ana@acme.example',
      pipeline: newBusiness,
      amount: eur(12_500_000),
      expectedCloseDate: '2027-03-31',
      criteriaMet: ['budget', 'authority', 'need'],
    };

    it("opens in the pipeline's first stage with its probability and category, with what qualification met", () => {
      given()
        .when(open)
        .then([opened({ amount: eur(12_500_000), criteriaMet: ['budget', 'authority', 'need'] })]);
    });

    it('opens once, however often the conversion is delivered', () => {
      given(opened()).when(open).thenNothingHappened();
    });
  });

  describe('stage moves', () => {
    it('moves forward with the stage default probability and category', () => {
      given(opened())
        .when(move('proposal'))
        .then([moved('discovery', 'proposal', 50, 'best_case')]);
    });

    it('refuses with 422 to move past a stage whose exit criteria are unmet, naming them', () => {
      given(opened())
        .when(move('negotiation'))
        .thenThrows('precondition', /proposal needs amount/);
      given(opened({ amount: eur(100) }))
        .when(move('negotiation'))
        .then([moved('discovery', 'negotiation', 80, 'commit')]);
      given(opened({ amount: eur(100) }), moved('discovery', 'negotiation', 80, 'commit'))
        .when({ type: 'Win', opportunityId, pipeline: newBusiness, closedOn: '2027-03-15' })
        .thenThrows('precondition', /negotiation needs evidence: authority \(an identified decision maker\)/);
    });

    it('moves back only with a note', () => {
      const history = [opened({ amount: eur(100) }), moved('discovery', 'proposal', 50, 'best_case')];
      given(...history)
        .when(move('discovery'))
        .thenThrows('invalid', /needs a note/);
      given(...history)
        .when(move('discovery', 'budget frozen until Q3'))
        .then([moved('proposal', 'discovery', 10, 'pipeline', 'budget frozen until Q3')]);
    });

    it('refuses unknown stages and closing stages, and changes nothing for the same stage', () => {
      given(opened())
        .when(move('demo'))
        .thenThrows('invalid', /not one of the new-business pipeline's/);
      given(opened())
        .when(move('closed_won'))
        .thenThrows('invalid', /mark it won or lost/);
      given(opened()).when(move('discovery')).thenNothingHappened();
    });
  });

  describe('forecast category overrides', () => {
    const override = (
      category: 'commit' | 'best_case' | 'pipeline' | 'omitted' | undefined,
    ): OpportunityCommand => ({
      type: 'SetForecastCategory',
      opportunityId,
      pipeline: newBusiness,
      ...(category ? { category } : {}),
      note: 'verbal yes from the CFO',
    });
    const overridden: OpportunityEvent = {
      type: 'OpportunityForecastCategoryChanged',
      data: {
        opportunityId,
        from: 'pipeline',
        to: 'commit',
        override: true,
        note: 'verbal yes from the CFO',
      },
    };

    it("records a rep's override as such", () => {
      given(opened()).when(override('commit')).then([overridden]);
    });

    it('survives stage moves until a stage default is more confident, and is spent then', () => {
      const history = [opened({ amount: eur(100), criteriaMet: ['authority'] }), overridden];
      given(...history)
        .when(move('proposal'))
        .then([moved('discovery', 'proposal', 50, 'commit')]);
      // Negotiation's default is commit, no more confident than the override: it still stands on the way back.
      given(
        ...history,
        moved('discovery', 'proposal', 50, 'commit'),
        moved('proposal', 'negotiation', 80, 'commit'),
      )
        .when(move('proposal', 'lost the champion'))
        .then([moved('negotiation', 'proposal', 50, 'commit', 'lost the champion')]);

      const bestCase: OpportunityEvent = {
        type: 'OpportunityForecastCategoryChanged',
        data: { opportunityId, from: 'pipeline', to: 'best_case', override: true },
      };
      const spent = [
        opened({ amount: eur(100), criteriaMet: ['authority'] }),
        bestCase,
        moved('discovery', 'negotiation', 80, 'commit'),
      ];
      given(opened({ amount: eur(100) }), bestCase)
        .when(move('negotiation'))
        .then([moved('discovery', 'negotiation', 80, 'commit')]);
      given(...spent)
        .when(move('discovery', 'start over'))
        .then([moved('negotiation', 'discovery', 10, 'pipeline', 'start over')]);
    });

    it('clears back to the stage default, and refuses closed for an open opportunity', () => {
      given(opened(), overridden)
        .when(override(undefined))
        .then([
          {
            type: 'OpportunityForecastCategoryChanged',
            data: {
              opportunityId,
              from: 'commit',
              to: 'pipeline',
              override: false,
              note: 'verbal yes from the CFO',
            },
          },
        ]);
      given(opened()).when(override(undefined)).thenNothingHappened();
      given(opened())
        .when({ type: 'SetForecastCategory', opportunityId, pipeline: newBusiness, category: 'closed' })
        .thenThrows('invalid', /mark it won/);
    });
  });

  describe('amounts and close dates', () => {
    it('keeps amounts exact and positive, and records the first one without a previous', () => {
      given(opened())
        .when({ type: 'ChangeAmount', opportunityId, amount: eur(1_999_999) })
        .then([{ type: 'OpportunityAmountChanged', data: { opportunityId, to: eur(1_999_999) } }]);
      given(opened({ amount: eur(100) }))
        .when({ type: 'ChangeAmount', opportunityId, amount: eur(0) })
        .thenThrows('invalid', /positive/);
      given(opened({ amount: eur(100) }))
        .when({ type: 'ChangeAmount', opportunityId, amount: eur(100) })
        .thenNothingHappened();
    });

    it('records every push of the close date as its own event', () => {
      const pushed = (from: string, to: string): OpportunityEvent => ({
        type: 'OpportunityCloseDateChanged',
        data: { opportunityId, from, to },
      });
      given(opened())
        .when({ type: 'ChangeCloseDate', opportunityId, expectedCloseDate: '2027-04-30' })
        .then([pushed('2027-03-31', '2027-04-30')]);
      given(opened(), pushed('2027-03-31', '2027-04-30'))
        .when({ type: 'ChangeCloseDate', opportunityId, expectedCloseDate: '2027-06-30' })
        .then([pushed('2027-04-30', '2027-06-30')]);
    });
  });

  describe('closing and reopening', () => {
    const ready = [
      opened({ amount: eur(12_000_000), criteriaMet: ['authority'] }),
      moved('discovery', 'proposal', 50, 'best_case'),
      moved('proposal', 'negotiation', 80, 'commit'),
    ];

    it('wins with what was signed, or the current amount', () => {
      given(...ready)
        .when({
          type: 'Win',
          opportunityId,
          pipeline: newBusiness,
          amount: eur(12_500_000),
          closedOn: '2027-03-15',
        })
        .then([won]);
      given(opened())
        .when({ type: 'Win', opportunityId, pipeline: newBusiness, closedOn: '2027-03-15' })
        .thenThrows('invalid', /has no amount/);
    });

    it('loses with a reason and the competitor', () => {
      given(opened())
        .when({
          type: 'Lose',
          opportunityId,
          reason: 'competitor',
          competitor: 'Rival Inc',
          closedOn: '2027-02-01',
        })
        .then([
          {
            type: 'OpportunityLost',
            data: { opportunityId, reason: 'competitor', competitor: 'Rival Inc', closedOn: '2027-02-01' },
          },
        ]);
    });

    it('changes a closed opportunity only after a reopen', () => {
      given(...ready, won)
        .when({ type: 'ChangeAmount', opportunityId, amount: eur(1) })
        .thenThrows('conflict', /closed won; reopen it first/);
      given(...ready, won)
        .when({ type: 'Reopen', opportunityId, pipeline: newBusiness, note: 'contract not countersigned' })
        .then([
          {
            type: 'OpportunityReopened',
            data: {
              opportunityId,
              stage: 'negotiation',
              probability: 80,
              forecastCategory: 'commit',
              reason: 'contract not countersigned',
            },
          },
        ]);
      given(opened())
        .when({ type: 'Reopen', opportunityId, pipeline: newBusiness, note: 'x' })
        .thenThrows('conflict', /it is open/);
    });
  });

  it('refuses commands on an opportunity that does not exist', () => {
    given()
      .when(move('proposal'))
      .thenThrows('not_found', /does not exist/);
  });
});
