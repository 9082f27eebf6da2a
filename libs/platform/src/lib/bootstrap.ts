import { openApiSchemasOf } from '@leadledger/contracts';
import { MessageBusTransport, type MessageBus } from '@leadledger/messaging';
import { LeadledgerMetrics, ObservabilityModule, useStructuredLogging } from '@leadledger/observability';
import { Module, type DynamicModule, type INestApplication, type Type } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, NestFactory, Reflector } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { LevelWithSilent } from 'pino';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { AccessGuard } from './access/access.guard';
import { documentAccess } from './access/openapi-access';
import { routesOf } from './access/route-policies';
import { JsonBodiesOnlyGuard } from './http/json-bodies-only.guard';
import { refuseHostileJsonBodies } from './http/json-body';
import { initialiseKnownSeries } from './known-series';
import { readPlatformConfig, type PlatformDefaults } from './platform-config';
import { PlatformModule } from './platform.module';
import { MESSAGE_BUS } from './tokens';

const MAX_JSON_BODY = '4mb';

export interface ServiceDefinition extends PlatformDefaults {
  /** The feature modules this process runs: one for a service, all of them for the pipeline. */
  readonly modules: ReadonlyArray<Type | DynamicModule>;
  /** Request classes whose validation rules document the HTTP bodies at /docs. */
  readonly requestClasses?: ReadonlyArray<new () => object>;
  readonly title: string;
}

/** Builds, but does not start, a service's application: what tests boot, and what main() listens with. */
export async function createServiceApp(
  definition: ServiceDefinition,
  env: NodeJS.ProcessEnv = process.env,
): Promise<INestApplication> {
  const config = readPlatformConfig(env, definition);

  @Module({
    imports: [
      // The environment given, not necessarily process.env: tests boot apps with their own.
      ObservabilityModule.forRoot({
        service: config.service,
        ...(env.LOG_LEVEL ? { logLevel: env.LOG_LEVEL as LevelWithSilent } : {}),
      }),
      PlatformModule.forRoot(config, env),
      ...definition.modules,
    ],
  })
  class ServiceModule {}

  const app = await NestFactory.create<NestExpressApplication>(ServiceModule, {
    bufferLogs: true,
    // A module that fails to build (the store cannot be opened) is thrown to the caller, which says
    // why in one line (runService), instead of Nest printing the stack and exiting itself. The
    // buffered boot logs stay unprinted then: they only say which modules did start.
    abortOnError: false,
    autoFlushLogs: false,
  });
  // Every field has a ceiling, so a 1,000-lead batch stays under about 2.5 MB; Express allows 100 kB.
  // Not strict: a bare `5` or `null` then reaches validation, which names what is wrong with it.
  app.useBodyParser('json', { limit: MAX_JSON_BODY, strict: false });
  app.set('trust proxy', config.trustProxy);
  app.use(refuseHostileJsonBodies);
  useStructuredLogging(app);
  // Services often sit behind a proxy that ends TLS, or serve plain HTTP on loopback: asking browsers
  // to upgrade /docs' assets to https would break the page there.
  app.use(helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }));
  // Who calls comes first: an unauthenticated request learns nothing else about the route.
  app.useGlobalGuards(app.get(AccessGuard), new JsonBodiesOnlyGuard(app.get(Reflector)));
  initialiseKnownSeries(app.get(LeadledgerMetrics), config);
  app.enableShutdownHooks();

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder().setTitle(definition.title).setVersion('1').build(),
  );
  document.components = {
    ...document.components,
    schemas: {
      ...document.components?.schemas,
      ...(openApiSchemasOf(definition.requestClasses ?? []) as object),
    },
  };
  documentAccess(document, routesOf(app.get(DiscoveryService), app.get(MetadataScanner), app.get(Reflector)));
  SwaggerModule.setup('docs', app, document);

  const bus = app.get<MessageBus>(MESSAGE_BUS);
  // Consumer controllers declare @UseFilters(MessageBusExceptionFilter): a hybrid app's microservice
  // is initialized here already, too early for global filters.
  app.connectMicroservice({ strategy: new MessageBusTransport(bus, { groupId: config.service }) });
  return app;
}

/** Built and started without listening on a port: consuming, relaying, answering through getHttpServer(). */
export async function startServiceApp(
  definition: ServiceDefinition,
  env: NodeJS.ProcessEnv = process.env,
): Promise<INestApplication> {
  const app = await createServiceApp(definition, env);
  try {
    await app.startAllMicroservices();
    await app.init();
    return app;
  } catch (error) {
    // What did start (consumers, projection runners) must not keep running behind a failed start:
    // the caller never gets the app to close.
    await app.close().catch(() => undefined);
    throw error;
  }
}

/**
 * main() of every app: build, start consuming, serve HTTP on HOST:PORT. A process that cannot start (a
 * wrong setting, an unreachable store) says why and exits 1, rather than half-running.
 */
export async function runService(definition: ServiceDefinition): Promise<void> {
  try {
    const config = readPlatformConfig(process.env, definition);
    const app = await createServiceApp(definition);
    await app.startAllMicroservices();
    await app.listen(config.port, config.host);
  } catch (error) {
    console.error(
      `${definition.service} cannot start: ${error instanceof Error ? error.message : String(error)}`,
    );
    process.exit(1);
  }
}
