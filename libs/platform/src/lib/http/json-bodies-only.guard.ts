import {
  HttpException,
  HttpStatus,
  Injectable,
  SetMetadata,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { IncomingMessage } from 'node:http';

const ACCEPTED_MEDIA_TYPES = Symbol('leadledger:accepted-media-types');

/**
 * Lets a route take request bodies of these media types besides JSON. The route documents them
 * (`@ApiConsumes`) and parses them itself: the platform refuses them everywhere else.
 */
export const AcceptsMediaTypes = (...mediaTypes: string[]) =>
  SetMetadata(
    ACCEPTED_MEDIA_TYPES,
    mediaTypes.map((type) => type.toLowerCase()),
  );

const JSON_MEDIA_TYPE = /^application\/(?:[\w.-]+\+)?json$/;
const MAX_ECHOED_LENGTH = 100;

/**
 * Refuses request bodies that are not JSON with 415, unless the route accepts them
 * (`AcceptsMediaTypes`). Form-encoded, text/plain and multipart bodies are what a browser sends
 * cross-site without a CORS preflight, and the body parser would otherwise turn them into an empty
 * or half-parsed object that reaches validation as a confusing 400, or worse, passes.
 *
 * A guard rather than a middleware because it must know the route: middleware runs before Nest
 * picks the handler, and only the handler's metadata says which other types it documents.
 */
@Injectable()
export class JsonBodiesOnlyGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<IncomingMessage>();
    if (!hasBody(request)) return true;
    const mediaType = mediaTypeOf(request);
    if (mediaType !== undefined && JSON_MEDIA_TYPE.test(mediaType)) return true;
    const accepted =
      this.reflector.getAllAndOverride<string[] | undefined>(ACCEPTED_MEDIA_TYPES, [
        context.getHandler(),
        context.getClass(),
      ]) ?? [];
    if (mediaType !== undefined && accepted.includes(mediaType)) return true;
    throw unsupportedMediaType(mediaType, accepted);
  }
}

function hasBody(request: IncomingMessage): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function mediaTypeOf(request: IncomingMessage): string | undefined {
  const type = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  return type ? type : undefined;
}

function unsupportedMediaType(mediaType: string | undefined, accepted: readonly string[]): HttpException {
  const expected = ['application/json', ...accepted].join(', ');
  const message =
    mediaType === undefined
      ? `a request body needs a Content-Type: send ${expected}`
      : `Content-Type ${mediaType.slice(0, MAX_ECHOED_LENGTH)} is not accepted here: send ${expected}`;
  return new HttpException(
    {
      statusCode: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
      error: 'Unsupported Media Type',
      message,
      code: 'unsupported_media_type',
    },
    HttpStatus.UNSUPPORTED_MEDIA_TYPE,
  );
}
