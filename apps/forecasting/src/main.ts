import 'reflect-metadata';
import { FORECASTING_SERVICE } from '@leadledger/forecasting';
import { runService } from '@leadledger/platform';

void runService(FORECASTING_SERVICE);
