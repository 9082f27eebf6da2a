export { invalidRequest, type InvalidRequestBody } from '@leadledger/platform';
