import 'reflect-metadata';
import { runService } from '@leadledger/platform';
import { PIPELINE } from './pipeline';

void runService(PIPELINE);
