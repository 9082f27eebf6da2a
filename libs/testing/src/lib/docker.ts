import { existsSync } from 'node:fs';

/** Whether a Docker engine is likely reachable, checked without the cost of a failed connection attempt. */
export function dockerAvailable(): boolean {
  return Boolean(process.env.DOCKER_HOST) || existsSync('/var/run/docker.sock');
}
