/** Injection tokens of what the platform provides to every service module. */
export const PLATFORM_CONFIG = Symbol('leadledger.platform-config');
export const EVENT_STORAGE = Symbol('leadledger.event-storage');
export const EVENT_STORE = Symbol('leadledger.event-store');
export const CHECKPOINT_STORE = Symbol('leadledger.checkpoint-store');
export const MESSAGE_BUS = Symbol('leadledger.message-bus');
export const CLOCK = Symbol('leadledger.clock');
/**
 * The environment the app was created with (`createServiceApp(definition, env)`): modules read their
 * settings from it, never from process.env, so a test or a second app in one process has its own.
 */
export const SERVICE_ENVIRONMENT = Symbol('leadledger.service-environment');
/** The read models' database and schema (ReadModelDatabase). */
export const READ_MODELS = Symbol('leadledger.read-models');
