import type { INestApplication } from '@nestjs/common';
import request from 'supertest';

/**
 * The admin key test apps and pipeline processes start with (LEADLEDGER_ADMIN_KEY): authentication
 * stays on in tests, as in production. Never used outside tests.
 */
export const TEST_ADMIN_KEY = 'test-admin-key-0123456789abcdef0123456789abcdef';

/** Headers that authenticate as the test admin. */
export const ADMIN_HEADERS = Object.freeze({ Authorization: `Bearer ${TEST_ADMIN_KEY}` });

/** A supertest client of the app that authenticates as the test admin on every request. */
export function asAdmin(app: INestApplication): ReturnType<typeof request.agent> {
  return request.agent(app.getHttpServer()).set(ADMIN_HEADERS);
}
