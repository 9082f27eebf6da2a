/**
 * One progress bar per phase of the simulation (cli-progress) on a terminal; on anything else (a log
 * file, CI) a plain line per phase every few seconds. Messages are printed above the bars.
 */
import { MultiBar, Presets, type SingleBar } from 'cli-progress';

const PLAIN_EVERY_MS = 5_000;

export interface PhaseBar {
  increment(by?: number, detail?: string): void;
  update(value: number, detail?: string): void;
  setTotal(total: number): void;
  stop(detail?: string): void;
}

export class Progress {
  private readonly tty: boolean;
  private readonly bars?: MultiBar;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {
    this.tty = Boolean(stream.isTTY);
    if (this.tty) {
      this.bars = new MultiBar(
        {
          stream,
          format: '{phase} [{bar}] {value}/{total} | {duration_formatted} | {detail}',
          barsize: 28,
          hideCursor: true,
          autopadding: true,
          clearOnComplete: false,
        },
        Presets.shades_classic,
      );
    }
  }

  phase(name: string, total: number): PhaseBar {
    const label = name.padEnd(14);
    if (this.bars) {
      const bar: SingleBar = this.bars.create(total, 0, { phase: label, detail: '' });
      return {
        increment: (by = 1, detail) => bar.increment(by, detail === undefined ? {} : { detail }),
        update: (value, detail) => bar.update(value, detail === undefined ? {} : { detail }),
        setTotal: (value) => bar.setTotal(value),
        stop: (detail) => {
          if (detail !== undefined) bar.update({ detail });
          bar.stop();
        },
      };
    }
    let value = 0;
    let target = total;
    let detailNow = '';
    let printedAt = Date.now();
    let printed = '';
    const started = Date.now();
    const print = () => {
      printedAt = Date.now();
      const state = `${value}/${target} ${detailNow}`;
      if (state === printed) return;
      printed = state;
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      this.stream.write(`${label} ${value}/${target} | ${seconds}s | ${detailNow}\n`);
    };
    const maybePrint = () => {
      if (Date.now() - printedAt >= PLAIN_EVERY_MS) print();
    };
    return {
      increment: (by = 1, detail) => {
        value += by;
        if (detail !== undefined) detailNow = detail;
        maybePrint();
      },
      update: (to, detail) => {
        value = to;
        if (detail !== undefined) detailNow = detail;
        maybePrint();
      },
      setTotal: (to) => {
        target = to;
      },
      stop: (detail) => {
        if (detail !== undefined) detailNow = detail;
        print();
      },
    };
  }

  /** A line above the bars (errors, notes). */
  log(line: string): void {
    if (this.bars) this.bars.log(`${line}\n`);
    else this.stream.write(`${line}\n`);
  }

  stop(): void {
    this.bars?.stop();
  }
}
