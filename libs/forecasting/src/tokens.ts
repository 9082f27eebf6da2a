export const FORECASTING_PROJECTIONS = Symbol('leadledger.forecasting.projections');
export const WEEKLY_SNAPSHOTS = Symbol('leadledger.forecasting.weekly-snapshots');
export const FORECAST_PIPELINES = Symbol('leadledger.forecasting.pipelines');
