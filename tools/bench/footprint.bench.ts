/**
 * Idle memory of the embedded pipeline: started as `npm start` runs it (PGlite in memory, the
 * in-process bus) in a process of its own, left idle, then its RSS sampled. The pipeline runs under
 * ts-node here, so a bare ts-node process with the same loader is measured too: the difference is
 * the pipeline's own share.
 *
 *   npm run bench
 */
import { percentile, rssMiB, startBareTsNode, startChildPipeline } from './child-pipeline';
import { recordResults } from './results';

const IDLE_MS = 10_000;
const SAMPLES = 5;

async function main(): Promise<void> {
  const startedAt = new Date();
  const bare = await startBareTsNode();
  const bareRss = await sampleRss(bare.pid);
  await bare.stop();

  const pipeline = await startChildPipeline();
  // Startup garbage is collected and timers settle only after a while.
  await new Promise((done) => setTimeout(done, IDLE_MS));
  const pipelineRss = await sampleRss(pipeline.pid);
  await pipeline.stop();

  recordResults('footprint', startedAt, [
    {
      subject: 'pipeline (PGlite, memory)',
      measurement: 'idle RSS (median of 5)',
      value: pipelineRss,
      unit: 'MiB',
    },
    {
      subject: 'bare ts-node',
      measurement: 'idle RSS, the same loader and nothing else',
      value: bareRss,
      unit: 'MiB',
    },
    {
      subject: 'pipeline (PGlite, memory)',
      measurement: 'its own share',
      value: pipelineRss - bareRss,
      unit: 'MiB',
    },
  ]);
}

async function sampleRss(pid: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    samples.push(rssMiB(pid));
    await new Promise((done) => setTimeout(done, 1_000));
  }
  return percentile(
    samples.sort((a, b) => a - b),
    50,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
