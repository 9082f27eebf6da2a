export { ForecastingModule } from './forecasting.module';
export { FORECASTING_SERVICE } from './forecasting.service-definition';
export { ForecastingService } from './forecasting.service';
export { analyticsProjection } from './projections/analytics';
export { forecastSnapshotsProjection } from './projections/forecast-snapshots';
export { parsePeriod, type Period } from './domain/periods';
export type { Forecast, ForecastFigures, CurrencyForecast } from './domain/forecast';
export type { FunnelGroup } from './domain/analytics';
export type { Rate } from './domain/statistics';
