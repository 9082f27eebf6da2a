import { ACCESS_POLICY, type AccessPolicy } from '@leadledger/access';
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import type { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';

export interface RouteWithPolicy {
  readonly method: string;
  /** As declared: `leads/:id`, without the leading slash. */
  readonly path: string;
  readonly policy?: AccessPolicy;
}

/** Every HTTP route of the application's controllers, with the policy it declares (if any). */
export function routesOf(
  discovery: DiscoveryService,
  scanner: MetadataScanner,
  reflector: Reflector,
): RouteWithPolicy[] {
  const routes: RouteWithPolicy[] = [];
  for (const wrapper of discovery.getControllers()) {
    const { instance, metatype } = wrapper;
    if (!instance || !metatype) continue;
    const prefixes = asArray(Reflect.getMetadata(PATH_METADATA, metatype) as string | string[] | undefined);
    for (const name of scanner.getAllMethodNames(Object.getPrototypeOf(instance))) {
      const handler = (instance as Record<string, unknown>)[name] as object;
      const paths = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      if (paths === undefined || method === undefined) continue; // a message handler, not a route
      const policy = reflector.getAllAndOverride<AccessPolicy | undefined>(ACCESS_POLICY, [
        handler as never,
        metatype,
      ]);
      for (const prefix of prefixes.length > 0 ? prefixes : ['']) {
        for (const path of asArray(paths)) {
          routes.push({
            method: RequestMethod[method],
            path: [prefix, path].map(trimSlashes).filter(Boolean).join('/'),
            ...(policy ? { policy } : {}),
          });
        }
      }
    }
  }
  return routes;
}

/** Refuses to start a service with a route nobody decided who may call. */
export function checkRoutePolicies(routes: readonly RouteWithPolicy[]): void {
  const unguarded = routes.filter(({ policy }) => !policy).map(({ method, path }) => `${method} /${path}`);
  if (unguarded.length > 0) {
    throw new Error(
      `routes without an access policy (@Access, @AccessOwned or @Public): ${unguarded.join(', ')}`,
    );
  }
}

function asArray(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

function trimSlashes(path: string): string {
  return path.replace(/^\/+|\/+$/g, '');
}
