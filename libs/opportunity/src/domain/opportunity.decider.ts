import type { ForecastCategory, Money, OpportunityEvent, OpportunityLossReason } from '@leadledger/contracts';
import { DomainError, type Decider } from '@leadledger/eventsourcing';
import {
  confidenceOf,
  firstStage,
  stageIndex,
  stageOf,
  unmetExitCriteria,
  type Pipeline,
  type Stage,
} from '@leadledger/contracts';

/** An opportunity as it stands: what the forecast is made of. */
export interface Opportunity {
  readonly opportunityId: string;
  readonly leadId?: string;
  readonly name: string;
  readonly account?: string;
  readonly owner: string;
  readonly team?: string;
  readonly pipeline: string;
  /** The open stage it is in, or was in when it closed. */
  readonly stage: string;
  readonly probability: number;
  readonly forecastCategory: ForecastCategory;
  /** Present while a rep's category stands against the stage's default. */
  readonly categoryOverride?: ForecastCategory;
  readonly amount?: Money;
  readonly expectedCloseDate: string;
  readonly criteriaMet: readonly string[];
  readonly closedOn?: string;
  readonly lossReason?: OpportunityLossReason;
}

export type OpportunityState =
  | { readonly status: 'none' }
  | { readonly status: 'open' | 'won' | 'lost'; readonly opportunity: Opportunity };

export type OpportunityCommand =
  | {
      readonly type: 'Open';
      readonly opportunityId: string;
      readonly leadId: string;
      readonly name: string;
      readonly account?: string;
      readonly owner: string;
      readonly team?: string;
      readonly pipeline: Pipeline;
      readonly amount?: Money;
      readonly expectedCloseDate: string;
      readonly criteriaMet: readonly string[];
    }
  | {
      readonly type: 'MoveStage';
      readonly opportunityId: string;
      readonly pipeline: Pipeline;
      readonly to: string;
      readonly note?: string;
    }
  | { readonly type: 'ChangeAmount'; readonly opportunityId: string; readonly amount: Money }
  | { readonly type: 'ChangeCloseDate'; readonly opportunityId: string; readonly expectedCloseDate: string }
  | {
      readonly type: 'SetForecastCategory';
      readonly opportunityId: string;
      readonly pipeline: Pipeline;
      /** Undefined clears the rep's override: back to the stage's default. */
      readonly category?: ForecastCategory;
      readonly note?: string;
    }
  | {
      readonly type: 'ChangeOwner';
      readonly opportunityId: string;
      readonly owner: string;
      readonly team?: string;
    }
  | {
      readonly type: 'Win';
      readonly opportunityId: string;
      readonly pipeline: Pipeline;
      /** What was signed; the current amount when absent. */
      readonly amount?: Money;
      readonly closedOn: string;
    }
  | {
      readonly type: 'Lose';
      readonly opportunityId: string;
      readonly reason: OpportunityLossReason;
      readonly competitor?: string;
      readonly note?: string;
      readonly closedOn: string;
    }
  | {
      readonly type: 'Reopen';
      readonly opportunityId: string;
      readonly pipeline: Pipeline;
      readonly note: string;
      /** The stage to reopen in; the one it closed from when absent. */
      readonly stage?: string;
    };

export const initialOpportunityState: OpportunityState = { status: 'none' };

/**
 * The rules every change to an opportunity keeps: a closed one changes only after a reopen; moving
 * forward (closing won included) needs the exit criteria of every stage it leaves behind; moving back
 * needs a note; amounts are positive and exact; each close date change is its own event (slippage is
 * counted from them); a rep's category override outlives stage moves until a stage's default is more
 * confident, or the rep clears it.
 */
export function decide(command: OpportunityCommand, state: OpportunityState): OpportunityEvent[] {
  if (command.type === 'Open') return open(command, state);
  if (state.status === 'none') {
    throw new DomainError('not_found', `opportunity ${command.opportunityId} does not exist`);
  }
  const { opportunity } = state;
  if (command.type === 'Reopen') return reopen(command, state.status, opportunity);
  if (state.status !== 'open') {
    throw new DomainError(
      'conflict',
      `cannot change opportunity ${opportunity.opportunityId}: it is closed ${state.status}; reopen it first`,
    );
  }
  switch (command.type) {
    case 'MoveStage':
      return moveStage(command, opportunity);
    case 'ChangeAmount':
      return changeAmount(command.amount, opportunity);
    case 'ChangeCloseDate':
      return command.expectedCloseDate === opportunity.expectedCloseDate
        ? []
        : [
            {
              type: 'OpportunityCloseDateChanged',
              data: {
                opportunityId: opportunity.opportunityId,
                from: opportunity.expectedCloseDate,
                to: command.expectedCloseDate,
              },
            },
          ];
    case 'SetForecastCategory':
      return setForecastCategory(command, opportunity);
    case 'ChangeOwner':
      return command.owner === opportunity.owner
        ? []
        : [
            {
              type: 'OpportunityOwnerChanged',
              data: {
                opportunityId: opportunity.opportunityId,
                from: opportunity.owner,
                to: command.owner,
                ...(command.team ? { team: command.team } : {}),
              },
            },
          ];
    case 'Win':
      return win(command, opportunity);
    case 'Lose': {
      const { reason, competitor, note, closedOn } = command;
      return [
        {
          type: 'OpportunityLost',
          data: {
            opportunityId: opportunity.opportunityId,
            reason,
            ...(competitor ? { competitor } : {}),
            ...(note ? { note } : {}),
            closedOn,
          },
        },
      ];
    }
  }
}

export function evolve(state: OpportunityState, event: OpportunityEvent): OpportunityState {
  if (event.type === 'OpportunityOpened') {
    if (state.status !== 'none') return state;
    const { criteriaMet = [], ...opened } = event.data;
    return { status: 'open', opportunity: { ...opened, criteriaMet } };
  }
  if (state.status === 'none') return state;
  const { opportunity } = state;
  switch (event.type) {
    case 'OpportunityStageChanged': {
      const { to, probability, forecastCategory = opportunity.forecastCategory } = event.data;
      const keepsOverride =
        opportunity.categoryOverride !== undefined && forecastCategory === opportunity.categoryOverride;
      return {
        ...state,
        opportunity: {
          ...withoutOverride(opportunity),
          stage: to,
          probability,
          forecastCategory,
          ...(keepsOverride ? { categoryOverride: forecastCategory } : {}),
        },
      };
    }
    case 'OpportunityAmountChanged':
      return { ...state, opportunity: { ...opportunity, amount: event.data.to } };
    case 'OpportunityCloseDateChanged':
      return { ...state, opportunity: { ...opportunity, expectedCloseDate: event.data.to } };
    case 'OpportunityForecastCategoryChanged': {
      const { to, override } = event.data;
      return {
        ...state,
        opportunity: {
          ...withoutOverride(opportunity),
          forecastCategory: to,
          ...(override ? { categoryOverride: to } : {}),
        },
      };
    }
    case 'OpportunityOwnerChanged': {
      // Another owner, another team: a team the event does not name is not known to be the same.
      const { team: _team, ...rest } = opportunity;
      const { to, team } = event.data;
      return { ...state, opportunity: { ...rest, owner: to, ...(team ? { team } : {}) } };
    }
    case 'OpportunityWon':
      return {
        status: 'won',
        opportunity: {
          ...withoutOverride(opportunity),
          amount: event.data.amount,
          closedOn: event.data.closedOn,
          probability: 100,
          forecastCategory: 'closed',
        },
      };
    case 'OpportunityLost':
      return {
        status: 'lost',
        opportunity: {
          ...withoutOverride(opportunity),
          closedOn: event.data.closedOn,
          lossReason: event.data.reason,
          probability: 0,
          forecastCategory: 'omitted',
        },
      };
    case 'OpportunityReopened': {
      const { stage, probability, forecastCategory } = event.data;
      const { closedOn: _closedOn, lossReason: _lossReason, ...reopened } = withoutOverride(opportunity);
      return { status: 'open', opportunity: { ...reopened, stage, probability, forecastCategory } };
    }
  }
}

export const opportunityDecider: Decider<OpportunityCommand, OpportunityState, OpportunityEvent> = {
  initialState: initialOpportunityState,
  decide,
  evolve,
};

function withoutOverride({ categoryOverride: _override, ...opportunity }: Opportunity): Opportunity {
  return opportunity;
}

/** Opened once, however often its conversion is delivered. */
function open(
  command: Extract<OpportunityCommand, { type: 'Open' }>,
  state: OpportunityState,
): OpportunityEvent[] {
  if (state.status !== 'none') return [];
  const {
    opportunityId,
    leadId,
    name,
    account,
    owner,
    team,
    pipeline,
    amount,
    expectedCloseDate,
    criteriaMet,
  } = command;
  const stage = firstStage(pipeline);
  return [
    {
      type: 'OpportunityOpened',
      data: {
        opportunityId,
        leadId,
        name,
        ...(account ? { account } : {}),
        owner,
        ...(team ? { team } : {}),
        pipeline: pipeline.id,
        stage: stage.id,
        probability: stage.probability,
        ...(amount ? { amount: positive(amount) } : {}),
        expectedCloseDate,
        forecastCategory: stage.forecastCategory,
        ...(criteriaMet.length > 0 ? { criteriaMet: [...criteriaMet] } : {}),
      },
    },
  ];
}

function moveStage(
  command: Extract<OpportunityCommand, { type: 'MoveStage' }>,
  opportunity: Opportunity,
): OpportunityEvent[] {
  const { pipeline, to, note } = command;
  const target = stageOf(pipeline, to);
  if (!target) {
    throw new DomainError('invalid', `stage ${to} is not one of the ${pipeline.id} pipeline's`, [
      {
        field: 'to',
        reason: `must be one of ${openStages(pipeline)
          .map(({ id }) => id)
          .join(', ')}`,
      },
    ]);
  }
  if (target.outcome) {
    throw new DomainError('invalid', `${to} closes the opportunity: mark it won or lost instead`, [
      { field: 'to', reason: 'must be an open stage; use /won or /lost to close' },
    ]);
  }
  if (to === opportunity.stage) return [];
  const backward = stageIndex(pipeline, to) < stageIndex(pipeline, opportunity.stage);
  if (backward && !note) {
    throw new DomainError('invalid', `moving back from ${opportunity.stage} to ${to} needs a note`, [
      { field: 'note', reason: 'is required when the opportunity moves back a stage' },
    ]);
  }
  if (!backward) mustLeave(pipeline, opportunity, to);
  const forecastCategory = categoryAfterMove(opportunity, target);
  return [
    {
      type: 'OpportunityStageChanged',
      data: {
        opportunityId: opportunity.opportunityId,
        from: opportunity.stage,
        to,
        probability: target.probability,
        forecastCategory,
        ...(note ? { note } : {}),
      },
    },
  ];
}

/** The rep's override holds unless the new stage's default is more confident. */
function categoryAfterMove(opportunity: Opportunity, target: Stage): ForecastCategory {
  const override = opportunity.categoryOverride;
  return override !== undefined && confidenceOf(target.forecastCategory) < confidenceOf(override)
    ? override
    : target.forecastCategory;
}

/** Forward past `from`'s stages up to `to`: each stage left behind must have its exit criteria met. */
function mustLeave(pipeline: Pipeline, opportunity: Opportunity, to: string): void {
  const facts = {
    hasAmount: opportunity.amount !== undefined,
    hasExpectedCloseDate: true,
    evidenceMet: new Set(opportunity.criteriaMet),
  };
  const left = pipeline.stages.slice(stageIndex(pipeline, opportunity.stage), stageIndex(pipeline, to));
  const missing = left.flatMap((stage) =>
    unmetExitCriteria(stage, facts).map((criterion) => ({ stage: stage.id, criterion })),
  );
  if (missing.length === 0) return;
  throw new DomainError(
    'precondition',
    `cannot move opportunity ${opportunity.opportunityId} to ${to}: ${missing
      .map(({ stage, criterion }) => `${stage} needs ${criterion}`)
      .join('; ')}`,
    missing.map(({ stage, criterion }) => ({
      field: criterion.split(' ')[0].replace(/:$/, ''),
      reason: `required to leave ${stage}`,
    })),
  );
}

function changeAmount(amount: Money, opportunity: Opportunity): OpportunityEvent[] {
  const to = positive(amount);
  const from = opportunity.amount;
  if (from && from.amountMinor === to.amountMinor && from.currency === to.currency) return [];
  return [
    {
      type: 'OpportunityAmountChanged',
      data: { opportunityId: opportunity.opportunityId, ...(from ? { from } : {}), to },
    },
  ];
}

function setForecastCategory(
  command: Extract<OpportunityCommand, { type: 'SetForecastCategory' }>,
  opportunity: Opportunity,
): OpportunityEvent[] {
  const { pipeline, category, note } = command;
  const stageDefault = stageOf(pipeline, opportunity.stage)?.forecastCategory ?? opportunity.forecastCategory;
  if (category === 'closed') {
    throw new DomainError('invalid', 'closed is the category of won opportunities: mark it won instead', [
      {
        field: 'category',
        reason: 'must be pipeline, best_case, commit or omitted while the opportunity is open',
      },
    ]);
  }
  const to = category ?? stageDefault;
  const override = to !== stageDefault;
  if (to === opportunity.forecastCategory && override === (opportunity.categoryOverride !== undefined))
    return [];
  return [
    {
      type: 'OpportunityForecastCategoryChanged',
      data: {
        opportunityId: opportunity.opportunityId,
        from: opportunity.forecastCategory,
        to,
        override,
        ...(note ? { note } : {}),
      },
    },
  ];
}

function win(
  command: Extract<OpportunityCommand, { type: 'Win' }>,
  opportunity: Opportunity,
): OpportunityEvent[] {
  const amount = command.amount ?? opportunity.amount;
  if (!amount) {
    throw new DomainError(
      'invalid',
      `opportunity ${opportunity.opportunityId} has no amount: say what was signed`,
      [{ field: 'amount', reason: 'is required: the opportunity has none yet' }],
    );
  }
  const won = command.pipeline.stages.find(({ outcome }) => outcome === 'won');
  if (won) mustLeave(command.pipeline, opportunity, won.id);
  return [
    {
      type: 'OpportunityWon',
      data: {
        opportunityId: opportunity.opportunityId,
        amount: positive(amount),
        closedOn: command.closedOn,
      },
    },
  ];
}

function reopen(
  command: Extract<OpportunityCommand, { type: 'Reopen' }>,
  status: 'open' | 'won' | 'lost',
  opportunity: Opportunity,
): OpportunityEvent[] {
  if (status === 'open') {
    throw new DomainError('conflict', `cannot reopen opportunity ${opportunity.opportunityId}: it is open`);
  }
  const { pipeline, note } = command;
  const stage = stageOf(pipeline, command.stage ?? opportunity.stage) ?? firstStage(pipeline);
  if (stage.outcome) {
    throw new DomainError('invalid', `${stage.id} closes the opportunity`, [
      { field: 'stage', reason: 'must be an open stage' },
    ]);
  }
  return [
    {
      type: 'OpportunityReopened',
      data: {
        opportunityId: opportunity.opportunityId,
        stage: stage.id,
        probability: stage.probability,
        forecastCategory: stage.forecastCategory,
        reason: note,
      },
    },
  ];
}

function openStages(pipeline: Pipeline): readonly Stage[] {
  return pipeline.stages.filter(({ outcome }) => outcome === undefined);
}

function positive(amount: Money): Money {
  if (amount.amountMinor <= 0) {
    throw new DomainError('invalid', 'an amount must be positive', [
      { field: 'amount', reason: 'must be more than 0' },
    ]);
  }
  return amount;
}
