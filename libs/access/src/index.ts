export * from './domain/principal';
export * from './domain/api-key';
export * from './lib/api-key-secrets';
export * from './lib/policy.decorators';
export * from './lib/token-verifier';
export * from './lib/request-principal';
