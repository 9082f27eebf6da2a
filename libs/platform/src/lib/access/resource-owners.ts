import type { OwnedKind, Ownership } from '@leadledger/access';
import { Injectable } from '@nestjs/common';

export type OwnershipResolver = (id: string) => Promise<Ownership>;

/**
 * Whom each lead or opportunity belongs to, answered by the service that assigns owners
 * (sales-acceptance for leads, opportunity for opportunities), which registers a resolver at start.
 * Until one is registered every resource of that kind is unassigned: managers may act on it, reps may
 * not, which is what an unassigned lead means.
 */
@Injectable()
export class ResourceOwners {
  private readonly resolvers = new Map<OwnedKind, OwnershipResolver>();

  register(kind: OwnedKind, resolver: OwnershipResolver): void {
    if (this.resolvers.has(kind))
      throw new Error(`ownership of ${kind} is already resolved by another module`);
    this.resolvers.set(kind, resolver);
  }

  async ownershipOf(kind: OwnedKind, id: string): Promise<Ownership> {
    const resolver = this.resolvers.get(kind);
    return resolver ? resolver(id) : {};
  }
}
